/*
 * replica_thread.c - the replica's sync thread (see replica_thread.h and
 * dir_replica.h): which sync comes next.
 *
 * One session at a time (replica_server.h).  The first sync on a server
 * is a full load (replica_load.h); then, where the server offers RFC 4533
 * and syncrepl is auto, a refreshAndPersist search (replica_push.h), else
 * a poll every poll seconds; a full reload every refresh seconds, after a
 * failover and after a domain controller was restored from a backup.
 * Before each poll or reload that follows a wait, the session is checked
 * (or opened again: a server may close idle connections).  A server that
 * refuses the sync search is polled until the next full reload.  A
 * failure drops the session; the next attempt comes after
 * min(max(poll, 1), 30) seconds.  The replica keeps serving meanwhile.
 */
#include <stdint.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "replica_load.h"
#include "replica_push.h"
#include "replica_server.h"
#include "replica_state.h"
#include "replica_sync.h"
#include "replica_thread.h"

#define REPLICA_THREAD_RETRY_MAX_S 30	/* longest wait before a new attempt */

/*
 * Logs and counts a failed sync of kind (the session is dropped), then
 * waits before the next attempt.  Returns 1 when the replica is being
 * stopped meanwhile, else 0.
 */
static int
replica_thread_failed(replica_sync_t *y, metrics_sync_kind_t kind)
{
	int	 s = y->set->poll < 1 ? 1 : y->set->poll;

	replica_sync_failed(y, kind);
	if (s > REPLICA_THREAD_RETRY_MAX_S)
		s = REPLICA_THREAD_RETRY_MAX_S;
	return replica_state_sleep(y->st, (int64_t)s * 1000);
}

/* 1 when the next sync should be syncrepl. */
static int
replica_thread_wanted(const replica_sync_t *y)
{
	return y->set->syncrepl && y->offered &&
	    clock_ms() >= y->refused_until;
}

/* 1 when a full load is due: none yet, or refresh seconds since the last. */
static int
replica_thread_full_due(const replica_sync_t *y)
{
	return !y->loaded || y->last_full_ms == 0 || clock_ms() -
	    y->last_full_ms >= (int64_t)y->set->refresh * 1000;
}

/* The wait before the next poll: poll seconds, or less when a full reload
   is due sooner. */
static int64_t
replica_thread_poll_wait(const replica_sync_t *y)
{
	int64_t	 poll = (int64_t)y->set->poll * 1000;
	int64_t	 full = y->last_full_ms + (int64_t)y->set->refresh * 1000 -
		    clock_ms();

	if (full < 0)
		full = 0;
	return full < poll ? full : poll;
}

/*
 * The server refused the sync search: counted and logged; polled until
 * the next full reload, which comes now (the store is keyed otherwise).
 */
static void
replica_thread_refused(replica_sync_t *y)
{
	metrics_replica_sync(METRICS_SYNC_PUSH, 0);
	log_msg(LOG_WARNING, "replica: the server refused the syncrepl search: "
	    "%s; polling every %d s until the next full reload", y->err,
	    y->set->poll);
	y->refused_until = clock_ms() + (int64_t)y->set->refresh * 1000;
	y->last_full_ms = 0;
}

void *
replica_thread_main(void *arg)
{
	replica_sync_t	 y;
	replica_state_t	*st = arg;
	int		 rc;

	if (replica_sync_begin(&y, st) == -1) {
		log_msg(LOG_ERR, "replica: out of memory: no replica");
		replica_sync_end(&y);
		return NULL;
	}
	while (!replica_state_stopping(st)) {
		if (y.s == NULL && replica_server_open(&y) == -1) {
			if (replica_thread_failed(&y, !y.loaded ?
			    METRICS_SYNC_FULL : y.use_sync ? METRICS_SYNC_PUSH :
			    METRICS_SYNC_INCREMENTAL))
				break;
			continue;
		}
		if (replica_thread_full_due(&y)) {
			/* the store is keyed by it */
			y.use_sync = replica_thread_wanted(&y);
			if ((rc = replica_load_full(&y)) == 1)
				break;
			if (rc == -1 && replica_thread_failed(&y,
			    METRICS_SYNC_FULL))
				break;
			continue;
		}
		if (y.use_sync && !replica_thread_wanted(&y)) {
			y.last_full_ms = 0;	/* another server: poll */
			continue;
		}
		if (y.use_sync) {
			if ((rc = replica_push_run(&y)) == REPLICA_PUSH_STOPPED)
				break;
			if (rc == REPLICA_PUSH_REFUSED)
				replica_thread_refused(&y);
			else if (rc == -1 && replica_thread_failed(&y,
			    METRICS_SYNC_PUSH))
				break;
			continue;
		}
		if (replica_state_sleep(st, replica_thread_poll_wait(&y)))
			break;
		replica_sync_check_age(&y);
		/*
		 * The server may have closed the connection while it was
		 * idle: check it (the rootDSE, which also says whether the
		 * domain controller was restored), or connect again, right
		 * before the search.  Only when no server answers is it a
		 * failed sync.
		 */
		if (replica_server_check(&y) == -1) {
			if (replica_thread_failed(&y,
			    replica_thread_full_due(&y) ? METRICS_SYNC_FULL :
			    METRICS_SYNC_INCREMENTAL))
				break;
			continue;
		}
		if (replica_thread_full_due(&y))
			continue;
		if ((rc = replica_load_poll(&y)) == 1)
			break;
		if (rc == -1 && replica_thread_failed(&y,
		    METRICS_SYNC_INCREMENTAL))
			break;
	}
	replica_sync_end(&y);
	return NULL;
}

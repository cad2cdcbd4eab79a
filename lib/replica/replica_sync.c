/*
 * replica_sync.c - see replica_sync.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldap.h>

#include "clock.h"
#include "ldap_conn.h"
#include "log.h"
#include "metrics.h"
#include "replica_state.h"
#include "replica_store.h"
#include "replica_sync.h"
#include "syncrepl.h"

static const char *const replica_sync_kind_names[] = {
	[METRICS_SYNC_FULL] = "full",
	[METRICS_SYNC_INCREMENTAL] = "incremental",
	[METRICS_SYNC_PUSH] = "push",
};

int
replica_sync_begin(replica_sync_t *y, replica_state_t *st)
{
	memset(y, 0, sizeof(*y));
	y->st = st;
	y->set = replica_state_settings(st);
	if ((y->store = replica_store_new()) == NULL)
		return -1;
	return 0;
}

void
replica_sync_end(replica_sync_t *y)
{
	ldap_conn_session_close(y->s);
	y->s = NULL;
	replica_store_free(y->store);
	y->store = NULL;
	syncrepl_cookie_free(&y->cookie);
}

int
replica_sync_error(replica_sync_t *y, LDAP *ld, int rc, const char *what)
{
	char	*diag = NULL;

	if (ld != NULL)
		(void)ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	snprintf(y->err, sizeof(y->err), "%s: %s%s%s%s", what,
	    ldap_err2string(rc), diag != NULL && *diag != '\0' ? " (" : "",
	    diag != NULL ? diag : "", diag != NULL && *diag != '\0' ? ")" :
	    "");
	ldap_memfree(diag);
	return -1;
}

int
replica_sync_publish(replica_sync_t *y)
{
	dir_index_t	*ix;

	if ((ix = replica_store_index(y->store)) == NULL) {
		snprintf(y->err, sizeof(y->err), "out of memory");
		return -1;
	}
	replica_state_swap(y->st, ix, replica_store_last_whole(y->store));
	return 0;
}

void
replica_sync_ok(replica_sync_t *y, metrics_sync_kind_t kind, int64_t start)
{
	int64_t		 ms = clock_ms() - start;

	metrics_replica_sync(kind, 1);
	metrics_directory_up(1);
	log_msg(LOG_INFO, "replica: %s sync ok: %zu entries, %zu changes, "
	    "%lld.%03lld s (%s)", replica_sync_kind_names[kind],
	    replica_store_count(y->store), y->changes, (long long)(ms / 1000),
	    (long long)(ms % 1000), ldap_conn_session_uri(y->s));
	if (y->failing || y->stale_warned)
		log_msg(LOG_NOTICE, "replica: in sync again (%s)",
		    ldap_conn_session_uri(y->s));
	y->failing = 0;
	y->stale_warned = 0;
}

void
replica_sync_failed(replica_sync_t *y, metrics_sync_kind_t kind)
{
	long long	 last = replica_state_last_ok(y->st);

	metrics_replica_sync(kind, 0);
	metrics_directory_up(0);
	if (last == 0)
		log_msg(LOG_WARNING, "replica: %s sync failed: %s (no good "
		    "sync yet)", replica_sync_kind_names[kind], y->err);
	else
		log_msg(LOG_WARNING, "replica: %s sync failed: %s (last good "
		    "sync %lld s ago)", replica_sync_kind_names[kind], y->err,
		    (long long)((clock_ms() - last) / 1000));
	y->failing = 1;
	ldap_conn_session_close(y->s);
	y->s = NULL;
	replica_sync_check_age(y);
}

void
replica_sync_check_age(replica_sync_t *y)
{
	const replica_settings_t *set = y->set;
	long long	 last = replica_state_last_ok(y->st);
	int64_t		 age = clock_ms() - last;

	if (last == 0 || y->stale_warned ||
	    age <= (int64_t)set->max_age * 1000)
		return;
	y->stale_warned = 1;
	log_msg(LOG_WARNING, "replica: older than max_age (%lld s): not-found "
	    "answers are now try-again", (long long)(age / 1000));
}

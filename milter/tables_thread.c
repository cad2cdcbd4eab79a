/*
 * tables_thread.c - see tables_thread.h.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "dir_index.h"
#include "log.h"
#include "metrics.h"
#include "runtime.h"
#include "sockmap.h"
#include "tables_thread.h"
#include "tables_writer.h"

/* What the thread keeps from one write to the next. */
struct tables_thread {
	tables_writer_t	*w;
	runtime_t	*written;	/* the generation last written for */
	bool		 failing;	/* the last write failed */
	int64_t		 retry_ms;	/* clock_ms(): no write before */
	int		 stale;		/* the copy last written was stale */
	size_t		 logged;	/* key lines of the write under way */
	size_t		 unlogged;	/* the ones past the limit */
	char		 last_err[CONFIG_ERR_MAX];	/* of the last failure */
};

static int64_t
tables_unix_ms(void)
{
	struct timespec	 now;

	clock_gettime(CLOCK_REALTIME, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* One line per key whose entries changed: its decision, as socketmap's. */
static void
tables_log_key(const char *key, const tables_row_t *row, void *arg)
{
	struct tables_thread	*tt = arg;
	const rcpt_verdict_t	*v = &row->verdict;
	const char		*what = row->sender ? "address" : "rcpt";
	char			 action[TABLES_VALUE_MAX];
	bool			 entry = false;

	for (int m = 0; m < TABLES_NMAPS; m++)
		entry = entry || row->has[m];
	if (tt->logged >= TABLES_THREAD_LOG_KEYS) {
		tt->unlogged++;
		return;
	}
	tt->logged++;
	if (!entry)
		log_msg(LOG_INFO, "tables: %s=<%s> no longer in the directory: "
		    "the domain's entry answers (%s)", what, key,
		    v->action == RESOLVE_REWRITE ? v->address.text :
		    sockmap_access_action(v, action, sizeof(action)) != NULL ?
		    action : reason_name(v->reason));
	else if (v->action == RESOLVE_REWRITE)
		log_msg(LOG_INFO, "tables: %s=<%s> -> <%s> %s%s", what, key,
		    v->address.text, reason_name(v->reason),
		    row->sender ? " outbound" : "");
	else if (sockmap_access_action(v, action, sizeof(action)) != NULL)
		log_msg(LOG_INFO, "tables: reject %s=<%s> %s%s%s%s", what, key,
		    action, v->detail[0] ? " (" : "", v->detail,
		    v->detail[0] ? ")" : "");
	else
		log_msg(LOG_INFO, "tables: %s=<%s> unchanged %s", what, key,
		    reason_name(v->reason));
}

/* The line of a write that succeeded. */
static void
tables_log_write(const config_t *cfg, const tables_stats_t *st, int stale)
{
	char	 counts[256];
	size_t	 n = 0;

	counts[0] = '\0';
	for (int m = 0; m < TABLES_NMAPS; m++) {
		if (!(cfg->tables.maps & tables_map_bit((tables_map_t)m)))
			continue;
		n += (size_t)snprintf(counts + n, sizeof(counts) - n,
		    "%s%s %zu", n > 0 ? ", " : "",
		    tables_map_name((tables_map_t)m), st->entries[m]);
		if (n >= sizeof(counts))
			break;
	}
	if (st->full)
		log_msg(LOG_INFO, "tables: full write ok: %zu directory entries, "
		    "entries %s%s, %lld.%03lld s (%s)", st->decided, counts,
		    stale ? ", not found as try again (past max_age)" : "",
		    (long long)(st->ms / 1000), (long long)(st->ms % 1000),
		    cfg->tables.path);
	else
		log_msg(LOG_INFO, "tables: update ok: %zu keys decided, %zu "
		    "entries changed (virtual %zu, access %zu, generic %zu), "
		    "entries %s, %lld.%03lld s", st->decided,
		    st->changed[TABLES_ACCESS] + st->changed[TABLES_VIRTUAL] +
		    st->changed[TABLES_GENERIC], st->changed[TABLES_VIRTUAL],
		    st->changed[TABLES_ACCESS], st->changed[TABLES_GENERIC],
		    counts, (long long)(st->ms / 1000),
		    (long long)(st->ms % 1000));
}

/* One look at the running generation; writes when there is something. */
static void
tables_tick(struct tables_thread *tt)
{
	runtime_t		*rt = runtime_acquire();
	const config_t		*cfg;
	dir_snapshot_t		 snap;
	tables_stats_t		 st;
	char			 err[CONFIG_ERR_MAX];
	bool			 new_config, off;
	int			 r;

	if (rt == NULL)
		return;
	off = runtime_config(rt)->tables.path[0] == '\0';
	if (off || !directory_snapshot(runtime_directory(rt), &snap)) {
		if (off)
			metrics_tables_current(0);
		runtime_release(rt);
		return;
	}
	new_config = rt != tt->written;
	if (new_config) {
		runtime_release(tt->written);	/* keep rt: a held pointer is */
		tt->written = rt;		/* never another generation's */
		rt = NULL;
		tt->failing = false;
	} else if (tt->failing && clock_ms() < tt->retry_ms) {
		dir_index_release(snap.index);
		runtime_release(rt);
		return;
	}
	cfg = runtime_config(tt->written);
	tt->logged = tt->unlogged = 0;
	r = tables_writer_sync(tt->w, cfg, new_config, &snap, &st,
	    tables_log_key, tt, err, sizeof(err));
	if (tt->unlogged > 0)
		log_msg(LOG_INFO, "tables: and %zu keys more changed",
		    tt->unlogged);
	if (r == -1) {
		metrics_tables_write(st.full ? METRICS_TABLES_FULL :
		    METRICS_TABLES_UPDATE, 0, NULL);
		/* the same failure again is said at debug only */
		log_msg(tt->failing && strcmp(err, tt->last_err) == 0 ?
		    LOG_DEBUG : LOG_WARNING, "tables: write failed: %s (tried "
		    "again in %d s; Postfix reads the tables as they were)",
		    err, TABLES_THREAD_RETRY_MS / 1000);
		snprintf(tt->last_err, sizeof(tt->last_err), "%s", err);
		tt->failing = true;
		tt->retry_ms = clock_ms() + TABLES_THREAD_RETRY_MS;
	} else {
		if (r == 1) {
			metrics_tables_write(st.full ? METRICS_TABLES_FULL :
			    METRICS_TABLES_UPDATE, 1, st.entries);
			if (snap.stale && !tt->stale)
				log_msg(LOG_WARNING, "tables: the directory's copy "
				    "is older than max_age: every address it "
				    "does not hold now gets the try-again answer "
				    "(%s)", snap.why);
			else if (!snap.stale && tt->stale)
				log_msg(LOG_NOTICE, "tables: the directory's "
				    "copy is current again");
			tables_log_write(cfg, &st, snap.stale);
			tt->stale = snap.stale;
		}
		if (tt->failing)
			log_msg(LOG_NOTICE, "tables: written again");
		tt->failing = false;
		metrics_tables_current(tables_unix_ms());
	}
	dir_index_release(snap.index);
	runtime_release(rt);
}

static void *
tables_thread_main(void *arg)
{
	struct tables_thread	*tt = arg;
	struct timespec		 tick = { 0, TABLES_THREAD_TICK_MS * 1000000L };

	for (;;) {
		tables_tick(tt);
		nanosleep(&tick, NULL);
	}
	return NULL;
}

int
tables_thread_start(void)
{
	static struct tables_thread	 tt;
	pthread_t			 tid;

	if (tt.w != NULL)
		return 0;
	if ((tt.w = tables_writer_new()) == NULL) {
		log_msg(LOG_ERR, "tables: out of memory");
		return -1;
	}
	if (pthread_create(&tid, NULL, tables_thread_main, &tt) != 0) {
		log_msg(LOG_ERR, "tables: cannot start the writing thread");
		return -1;
	}
	pthread_detach(tid);
	return 0;
}

/*
 * metrics.c - see metrics.h.
 *
 * Every counter is a cell of a fixed array of atomics; the label texts are
 * tables beside the enums.  The verdict of a reason is found once
 * (pthread_once) by its reason_metric() label, so a decision costs one
 * table read and one relaxed atomic add.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "directory.h"
#include "metrics.h"

#define VERDICT_MAX	9	/* the inbound set is the larger one */

static const char *const frontend_names[METRICS_FRONTEND_COUNT] = {
	[METRICS_MILTER] = "milter",
	[METRICS_SOCKETMAP] = "socketmap",
	[METRICS_QUERY] = "query",
};

static const char *const direction_names[METRICS_DIRECTION_COUNT] = {
	[METRICS_INBOUND] = "inbound",
	[METRICS_OUTBOUND] = "outbound",
};

/* SPEC section 7's verdicts of each direction, as reason_metric() names them. */
static const struct verdict_set {
	const char	*names[VERDICT_MAX];
	size_t		 count;
	size_t		 unchanged;	/* the index of "unchanged" */
} verdicts[METRICS_DIRECTION_COUNT] = {
	[METRICS_INBOUND] = { { "contact", "canonical", "forward", "unchanged",
	    "unknown", "loop", "ambiguous", "syntax", "tempfail" }, 9, 3 },
	[METRICS_OUTBOUND] = { { "directory", "rule", "unchanged",
	    "tempfail" }, 4, 2 },
};

static const char *const sync_kind_names[METRICS_SYNC_KIND_COUNT] = {
	[METRICS_SYNC_FULL] = "full",
	[METRICS_SYNC_INCREMENTAL] = "incremental",
	[METRICS_SYNC_PUSH] = "push",
};

static const char *const tables_kind_names[METRICS_TABLES_KIND_COUNT] = {
	[METRICS_TABLES_FULL] = "full",
	[METRICS_TABLES_UPDATE] = "update",
};

static const char *const tables_map_names[METRICS_TABLES_MAPS] = {
	"access", "virtual", "generic"
};

static const char *const result_names[METRICS_RESULT_COUNT] = {
	[METRICS_ACCEPTED] = "accepted",
	[METRICS_TEMPFAILED] = "tempfail",
	[METRICS_REJECTED] = "rejected",
};

/* Lookup outcomes, in the order of the exposition. */
static const struct outcome {
	int		 rc;
	const char	*name;
} outcomes[] = {
	{ DIR_FOUND, "found" },
	{ DIR_NOTFOUND, "notfound" },
	{ DIR_TRYAGAIN, "tryagain" },
};
#define OUTCOME_COUNT	(sizeof(outcomes) / sizeof(outcomes[0]))

/* The histogram's upper bounds: the label and the bound in nanoseconds. */
static const struct bucket {
	const char	*le;
	uint64_t	 ns;
} buckets[] = {
	{ "0.0001", 100000ULL }, { "0.00025", 250000ULL },
	{ "0.0005", 500000ULL }, { "0.001", 1000000ULL },
	{ "0.0025", 2500000ULL }, { "0.005", 5000000ULL },
	{ "0.01", 10000000ULL }, { "0.025", 25000000ULL },
	{ "0.05", 50000000ULL }, { "0.1", 100000000ULL },
	{ "0.25", 250000000ULL }, { "0.5", 500000000ULL },
	{ "1", 1000000000ULL }, { "2.5", 2500000000ULL },
	{ "5", 5000000000ULL },
};
#define BUCKET_COUNT	(sizeof(buckets) / sizeof(buckets[0]))

static struct {
	atomic_ullong	decisions[METRICS_FRONTEND_COUNT]
			    [METRICS_DIRECTION_COUNT][VERDICT_MAX];
	atomic_ullong	lookups[OUTCOME_COUNT];
	atomic_ullong	duration[BUCKET_COUNT + 1];	/* per bucket; +Inf last */
	atomic_ullong	duration_ns;			/* the sum */
	atomic_int	directory_up;
	atomic_llong	connections[METRICS_FRONTEND_COUNT];
	atomic_ullong	messages[METRICS_RESULT_COUNT];
	atomic_ullong	reloads[2];			/* failed, ok */
	atomic_ullong	syncs[METRICS_SYNC_KIND_COUNT][2];	/* failed, ok */
	atomic_llong	loaded_ms;
	atomic_ullong	tables_writes[METRICS_TABLES_KIND_COUNT][2]; /* failed, ok */
	atomic_ullong	tables_entries[METRICS_TABLES_MAPS];
	atomic_llong	tables_current_ms;
} m;

/* [direction][tempfail][reason] -> verdict index, made once. */
static unsigned char	verdict_of[METRICS_DIRECTION_COUNT][2][REASON_COUNT];
static pthread_once_t	verdict_once = PTHREAD_ONCE_INIT;

static void
verdict_init(void)
{
	for (size_t d = 0; d < METRICS_DIRECTION_COUNT; d++)
		for (int t = 0; t < 2; t++)
			for (int r = 0; r < REASON_COUNT; r++) {
				const char *label = reason_metric((reason_t)r, t);
				size_t	 v = verdicts[d].unchanged;

				for (size_t i = 0; i < verdicts[d].count; i++)
					if (strcmp(verdicts[d].names[i],
					    label) == 0)
						v = i;
				verdict_of[d][t][r] = (unsigned char)v;
			}
}

#define ADD(cell, n)	atomic_fetch_add_explicit(&(cell), (n), \
			    memory_order_relaxed)
#define GET(cell)	atomic_load_explicit(&(cell), memory_order_relaxed)
#define SET(cell, v)	atomic_store_explicit(&(cell), (v), \
			    memory_order_relaxed)

void
metrics_decision(metrics_frontend_t fe, metrics_direction_t dir, reason_t r,
    int tempfail)
{
	if ((unsigned)fe >= METRICS_FRONTEND_COUNT ||
	    (unsigned)dir >= METRICS_DIRECTION_COUNT ||
	    (unsigned)r >= REASON_COUNT)
		return;
	pthread_once(&verdict_once, verdict_init);
	ADD(m.decisions[fe][dir][verdict_of[dir][tempfail != 0][r]], 1);
}

void
metrics_lookup(int outcome, uint64_t ns)
{
	size_t	 b = 0;

	for (size_t i = 0; i < OUTCOME_COUNT; i++)
		if (outcomes[i].rc == outcome)
			ADD(m.lookups[i], 1);
	while (b < BUCKET_COUNT && ns > buckets[b].ns)
		b++;
	ADD(m.duration[b], 1);
	ADD(m.duration_ns, ns);
}

void
metrics_directory_up(int up)
{
	SET(m.directory_up, up != 0);
}

void
metrics_connection(metrics_frontend_t fe, int delta)
{
	if ((unsigned)fe < METRICS_FRONTEND_COUNT)
		ADD(m.connections[fe], delta);
}

void
metrics_message(metrics_result_t result)
{
	if ((unsigned)result < METRICS_RESULT_COUNT)
		ADD(m.messages[result], 1);
}

void
metrics_reload(int ok)
{
	ADD(m.reloads[ok != 0], 1);
}

void
metrics_replica_sync(metrics_sync_kind_t kind, int ok)
{
	if ((unsigned)kind < METRICS_SYNC_KIND_COUNT)
		ADD(m.syncs[kind][ok != 0], 1);
}

void
metrics_tables_write(metrics_tables_kind_t kind, int ok,
    const size_t *entries)
{
	if ((unsigned)kind >= METRICS_TABLES_KIND_COUNT)
		return;
	ADD(m.tables_writes[kind][ok != 0], 1);
	if (ok && entries != NULL)
		for (size_t i = 0; i < METRICS_TABLES_MAPS; i++)
			SET(m.tables_entries[i], entries[i]);
}

void
metrics_tables_current(int64_t unix_ms)
{
	SET(m.tables_current_ms, unix_ms);
}

void
metrics_loaded(int64_t unix_ms)
{
	SET(m.loaded_ms, unix_ms);
}

void
metrics_reset(void)
{
	memset(&m, 0, sizeof(m));	/* for tests: no thread counts now */
}

/* The text being written: snprintf() semantics over the whole of it. */
struct out {
	char	*buf;
	size_t	 len;
	size_t	 used;		/* the length of the whole text so far */
};

static void __attribute__((format(printf, 2, 3)))
out(struct out *o, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(o->used < o->len ? o->buf + o->used : NULL,
	    o->used < o->len ? o->len - o->used : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->used += (size_t)n;
}

/*
 * A sample whose value is whole + frac / 10^digits, as a decimal without
 * trailing zeros ("10.0001", "0.25", "0").
 */
static void
out_decimal(struct out *o, const char *name, unsigned long long whole,
    unsigned long long frac, int digits)
{
	char	 f[24];
	int	 n;

	n = snprintf(f, sizeof(f), "%0*llu", digits, frac);
	while (n > 0 && f[n - 1] == '0')
		f[--n] = '\0';
	out(o, "%s %llu%s%s\n", name, whole, n > 0 ? "." : "", f);
}

/* The # HELP and # TYPE lines of a family. */
static void
family(struct out *o, const char *name, const char *type, const char *help)
{
	out(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

size_t
metrics_format(char *buf, size_t len, const metrics_cache_t *cache)
{
	static const metrics_cache_t	 none;
	struct out			 o = { buf, len, 0 };
	unsigned long long		 cum = 0, ns;
	long long			 ms;

	if (cache == NULL)
		cache = &none;
	if (len > 0)
		buf[0] = '\0';

	family(&o, "mailswitch_decisions_total", "counter",
	    "Recipient (inbound) and sender (outbound) decisions, by front end "
	    "and verdict.");
	for (size_t f = 0; f < METRICS_FRONTEND_COUNT; f++)
		for (size_t d = 0; d < METRICS_DIRECTION_COUNT; d++)
			for (size_t v = 0; v < verdicts[d].count; v++)
				out(&o, "mailswitch_decisions_total{frontend=\"%s\","
				    "direction=\"%s\",verdict=\"%s\"} %llu\n",
				    frontend_names[f], direction_names[d],
				    verdicts[d].names[v],
				    GET(m.decisions[f][d][v]));

	family(&o, "mailswitch_directory_lookups_total", "counter",
	    "Lookups that reached the directory back-end (not answered by the "
	    "cache), by outcome.");
	for (size_t i = 0; i < OUTCOME_COUNT; i++)
		out(&o, "mailswitch_directory_lookups_total{outcome=\"%s\"} "
		    "%llu\n", outcomes[i].name, GET(m.lookups[i]));

	family(&o, "mailswitch_directory_lookup_duration_seconds", "histogram",
	    "How long the lookups that reached the directory back-end took.");
	for (size_t b = 0; b <= BUCKET_COUNT; b++) {
		cum += GET(m.duration[b]);
		out(&o, "mailswitch_directory_lookup_duration_seconds_bucket"
		    "{le=\"%s\"} %llu\n", b < BUCKET_COUNT ? buckets[b].le :
		    "+Inf", cum);
	}
	ns = GET(m.duration_ns);
	out_decimal(&o, "mailswitch_directory_lookup_duration_seconds_sum",
	    ns / 1000000000ULL, ns % 1000000000ULL, 9);
	out(&o, "mailswitch_directory_lookup_duration_seconds_count %llu\n", cum);

	family(&o, "mailswitch_cache_hits_total", "counter",
	    "Directory lookups answered from the cache.");
	out(&o, "mailswitch_cache_hits_total %llu\n",
	    (unsigned long long)cache->hits);
	family(&o, "mailswitch_cache_misses_total", "counter",
	    "Directory lookups the cache had no fresh answer for.");
	out(&o, "mailswitch_cache_misses_total %llu\n",
	    (unsigned long long)cache->misses);
	family(&o, "mailswitch_cache_entries", "gauge",
	    "Answers the cache of the running configuration holds.");
	out(&o, "mailswitch_cache_entries %llu\n",
	    (unsigned long long)cache->entries);
	family(&o, "mailswitch_cache_stale_answers_total", "counter",
	    "Expired answers served because the directory failed.");
	out(&o, "mailswitch_cache_stale_answers_total %llu\n",
	    (unsigned long long)cache->stale);

	family(&o, "mailswitch_directory_up", "gauge",
	    "1 when the last directory query (or the start-up check) was "
	    "answered, 0 after a failure.");
	out(&o, "mailswitch_directory_up %d\n", GET(m.directory_up));

	family(&o, "mailswitch_connections", "gauge",
	    "Connections open now, by front end.");
	for (size_t f = 0; f < METRICS_QUERY; f++)
		out(&o, "mailswitch_connections{frontend=\"%s\"} %lld\n",
		    frontend_names[f], GET(m.connections[f]));

	family(&o, "mailswitch_messages_total", "counter",
	    "The milter's answers at the end of a message: continue, 4xx, 5xx.");
	for (size_t r = 0; r < METRICS_RESULT_COUNT; r++)
		out(&o, "mailswitch_messages_total{result=\"%s\"} %llu\n",
		    result_names[r], GET(m.messages[r]));

	family(&o, "mailswitch_config_reloads_total", "counter",
	    "Configuration reloads (SIGHUP), by result.");
	out(&o, "mailswitch_config_reloads_total{result=\"ok\"} %llu\n",
	    GET(m.reloads[1]));
	out(&o, "mailswitch_config_reloads_total{result=\"failed\"} %llu\n",
	    GET(m.reloads[0]));

	family(&o, "mailswitch_replica_entries", "gauge",
	    "Entries the directory replica of the running configuration holds "
	    "(0: no replica).");
	out(&o, "mailswitch_replica_entries %llu\n",
	    (unsigned long long)cache->replica_entries);
	family(&o, "mailswitch_replica_age_seconds", "gauge",
	    "Seconds since the replica's last good sync (0: no replica; +Inf: "
	    "none yet).");
	if (!cache->replica)
		out(&o, "mailswitch_replica_age_seconds 0\n");
	else if (cache->replica_age_ms < 0)
		out(&o, "mailswitch_replica_age_seconds +Inf\n");
	else
		out_decimal(&o, "mailswitch_replica_age_seconds",
		    (unsigned long long)(cache->replica_age_ms / 1000),
		    (unsigned long long)(cache->replica_age_ms % 1000), 3);
	family(&o, "mailswitch_replica_syncs_total", "counter",
	    "Replica syncs, by kind and result.");
	for (size_t k = 0; k < METRICS_SYNC_KIND_COUNT; k++) {
		out(&o, "mailswitch_replica_syncs_total{kind=\"%s\","
		    "result=\"ok\"} %llu\n", sync_kind_names[k],
		    GET(m.syncs[k][1]));
		out(&o, "mailswitch_replica_syncs_total{kind=\"%s\","
		    "result=\"failed\"} %llu\n", sync_kind_names[k],
		    GET(m.syncs[k][0]));
	}

	family(&o, "mailswitch_tables_entries", "gauge",
	    "Entries of the lmdb tables of the tables mode, by map (0: no "
	    "such table).");
	for (size_t i = 0; i < METRICS_TABLES_MAPS; i++)
		out(&o, "mailswitch_tables_entries{map=\"%s\"} %llu\n",
		    tables_map_names[i], GET(m.tables_entries[i]));
	family(&o, "mailswitch_tables_writes_total", "counter",
	    "Writes of the tables of the tables mode, by kind and result.");
	for (size_t k = 0; k < METRICS_TABLES_KIND_COUNT; k++) {
		out(&o, "mailswitch_tables_writes_total{kind=\"%s\","
		    "result=\"ok\"} %llu\n", tables_kind_names[k],
		    GET(m.tables_writes[k][1]));
		out(&o, "mailswitch_tables_writes_total{kind=\"%s\","
		    "result=\"failed\"} %llu\n", tables_kind_names[k],
		    GET(m.tables_writes[k][0]));
	}
	ms = GET(m.tables_current_ms);
	family(&o, "mailswitch_tables_current_timestamp_seconds", "gauge",
	    "When the tables last held the directory's copy, in Unix time "
	    "(0: no tables, or not yet).");
	out_decimal(&o, "mailswitch_tables_current_timestamp_seconds",
	    (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000), 3);

	ms = GET(m.loaded_ms);
	family(&o, "mailswitch_config_loaded_timestamp_seconds", "gauge",
	    "When the running configuration was loaded, in Unix time.");
	out_decimal(&o, "mailswitch_config_loaded_timestamp_seconds",
	    (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000), 3);

	family(&o, "mailswitch_build_info", "gauge",
	    "The version of mailswitch; always 1.");
	out(&o, "mailswitch_build_info{version=\"%s\"} 1\n", MAILSWITCH_VERSION);
	return o.used;
}

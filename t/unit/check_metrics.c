/*
 * check_metrics.c - the exposition of lib/util/metrics.c: one row per case,
 * the counts made and the sample lines that are then not 0 (every other
 * sample of the fixed set must be 0); then the shape of the text: every
 * family once, with # HELP and # TYPE before its samples, the exact set
 * of series, the histogram's buckets cumulative up to +Inf, no address;
 * a text cut short reports its whole length; and threads counting at
 * once lose nothing (run it built with -DMAILSWITCH_TSAN=ON too); and
 * the metrics wrapper of a back-end (dir_metrics.h) over dir_fake.h.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dir_fake.h"
#include "dir_metrics.h"
#include "directory.h"
#include "metrics.h"
#include "reason.h"
#include "tcheck.h"

#define TEXT_MAX	32768
#define SERIES		90	/* 39 decisions, 3 lookups, 18 histogram,
				   4 cache, 1 up, 2 connections, 3 messages,
				   2 reloads, 2 replica gauges, 6 replica
				   syncs, 3 tables entries, 4 tables writes,
				   1 tables timestamp, 1 timestamp,
				   1 build_info */

enum act { END, DECIDE, LOOKUP, UP, CONN, MSG, RELOAD, LOADED, SYNC, TWRITE,
	TCURRENT };

struct action {
	enum act	 act;
	long long	 a, b, c, d;
};

static const struct row {
	const char	*name;
	struct action	 acts[8];
	metrics_cache_t	 cache;
	const char	*want[24];	/* the samples not 0 (build_info aside) */
} rows[] = {
	{ "nothing counted", { { END, 0, 0, 0, 0 } }, { 0, 0, 0, 0, 0, 0, 0 },
	    { NULL } },
	{ "inbound decisions of the milter", {
	    { DECIDE, METRICS_MILTER, METRICS_INBOUND, REASON_CONTACT, 0 },
	    { DECIDE, METRICS_MILTER, METRICS_INBOUND, REASON_CONTACT, 0 },
	    { DECIDE, METRICS_MILTER, METRICS_INBOUND, REASON_UNKNOWN, 0 },
	    { DECIDE, METRICS_MILTER, METRICS_INBOUND, REASON_MAILBOX, 0 },
	    { DECIDE, METRICS_MILTER, METRICS_INBOUND, REASON_RELAY, 0 },
	    { DECIDE, METRICS_MILTER, METRICS_INBOUND,
		REASON_DIRECTORY_ERROR, 1 },
	    { END, 0, 0, 0, 0 } }, { 0, 0, 0, 0, 0, 0, 0 }, {
	    "mailswitch_decisions_total{frontend=\"milter\",direction=\"inbound\",verdict=\"contact\"} 2",
	    "mailswitch_decisions_total{frontend=\"milter\",direction=\"inbound\",verdict=\"unknown\"} 1",
	    "mailswitch_decisions_total{frontend=\"milter\",direction=\"inbound\",verdict=\"unchanged\"} 2",
	    "mailswitch_decisions_total{frontend=\"milter\",direction=\"inbound\",verdict=\"tempfail\"} 1" } },
	{ "a directory error accepted is unchanged; outbound; query", {
	    { DECIDE, METRICS_SOCKETMAP, METRICS_INBOUND,
		REASON_DIRECTORY_ERROR, 0 },
	    { DECIDE, METRICS_SOCKETMAP, METRICS_OUTBOUND, REASON_SENDER_RULE,
		0 },
	    { DECIDE, METRICS_SOCKETMAP, METRICS_OUTBOUND,
		REASON_SENDER_DIRECTORY, 0 },
	    { DECIDE, METRICS_MILTER, METRICS_OUTBOUND, REASON_SENDER_NULL, 0 },
	    { DECIDE, METRICS_MILTER, METRICS_OUTBOUND,
		REASON_DIRECTORY_ERROR, 1 },
	    { DECIDE, METRICS_QUERY, METRICS_INBOUND, REASON_SYNTAX, 0 },
	    { DECIDE, METRICS_QUERY, METRICS_OUTBOUND, REASON_CONTACT, 0 },
	    { END, 0, 0, 0, 0 } }, { 0, 0, 0, 0, 0, 0, 0 }, {
	    "mailswitch_decisions_total{frontend=\"socketmap\",direction=\"inbound\",verdict=\"unchanged\"} 1",
	    "mailswitch_decisions_total{frontend=\"socketmap\",direction=\"outbound\",verdict=\"rule\"} 1",
	    "mailswitch_decisions_total{frontend=\"socketmap\",direction=\"outbound\",verdict=\"directory\"} 1",
	    "mailswitch_decisions_total{frontend=\"milter\",direction=\"outbound\",verdict=\"unchanged\"} 1",
	    "mailswitch_decisions_total{frontend=\"milter\",direction=\"outbound\",verdict=\"tempfail\"} 1",
	    "mailswitch_decisions_total{frontend=\"query\",direction=\"inbound\",verdict=\"syntax\"} 1",
	    /* an inbound reason asked outbound: no label of its own */
	    "mailswitch_decisions_total{frontend=\"query\",direction=\"outbound\",verdict=\"unchanged\"} 1" } },
	{ "lookups: outcomes, buckets (le inclusive), sum; up untouched", {
	    { LOOKUP, DIR_FOUND, 100000, 0, 0 },
	    { LOOKUP, DIR_NOTFOUND, 7000000000LL, 0, 0 },
	    { LOOKUP, DIR_TRYAGAIN, 3000000001LL, 0, 0 },
	    { END, 0, 0, 0, 0 } }, { 0, 0, 0, 0, 0, 0, 0 }, {
	    "mailswitch_directory_lookups_total{outcome=\"found\"} 1",
	    "mailswitch_directory_lookups_total{outcome=\"notfound\"} 1",
	    "mailswitch_directory_lookups_total{outcome=\"tryagain\"} 1",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.0001\"} 1",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.00025\"} 1",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.0005\"} 1",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.001\"} 1",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.0025\"} 1",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.005\"} 1",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.01\"} 1",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.025\"} 1",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.05\"} 1",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.1\"} 1",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.25\"} 1",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.5\"} 1",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"1\"} 1",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"2.5\"} 1",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"5\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"+Inf\"} 3",
	    "mailswitch_directory_lookup_duration_seconds_sum 10.000100001",
	    "mailswitch_directory_lookup_duration_seconds_count 3" } },
	{ "up as the server said; cache counters as given", {
	    { LOOKUP, DIR_TRYAGAIN, 5, 0, 0 },
	    { UP, 0, 0, 0, 0 },
	    { LOOKUP, DIR_NOTFOUND, 2000000, 0, 0 },
	    { UP, 1, 0, 0, 0 },
	    { END, 0, 0, 0, 0 } }, { 5, 3, 0, 2, 0, 0, 0 }, {
	    "mailswitch_directory_lookups_total{outcome=\"notfound\"} 1",
	    "mailswitch_directory_lookups_total{outcome=\"tryagain\"} 1",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.0001\"} 1",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.00025\"} 1",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.0005\"} 1",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.001\"} 1",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.0025\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.005\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.01\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.025\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.05\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.1\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.25\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.5\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"1\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"2.5\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"5\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"+Inf\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_sum 0.002000005",
	    "mailswitch_directory_lookup_duration_seconds_count 2",
	    "mailswitch_directory_up 1",
	    "mailswitch_cache_hits_total 5",
	    "mailswitch_cache_misses_total 3",
	    "mailswitch_cache_entries 2" } },
	{ "a lookup from memory leaves up as the server left it", {
	    { UP, 1, 0, 0, 0 },
	    { UP, 0, 0, 0, 0 },
	    { LOOKUP, DIR_FOUND, 1000, 0, 0 },
	    { LOOKUP, DIR_NOTFOUND, 1000, 0, 0 },
	    { END, 0, 0, 0, 0 } }, { 0, 0, 0, 0, 0, 0, 0 }, {
	    "mailswitch_directory_lookups_total{outcome=\"found\"} 1",
	    "mailswitch_directory_lookups_total{outcome=\"notfound\"} 1",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.0001\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.00025\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.0005\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.001\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.0025\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.005\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.01\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.025\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.05\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.1\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.25\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"0.5\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"1\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"2.5\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"5\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_bucket{le=\"+Inf\"} 2",
	    "mailswitch_directory_lookup_duration_seconds_sum 0.000002",
	    "mailswitch_directory_lookup_duration_seconds_count 2" } },
	{ "connections, messages, reloads, load time", {
	    { CONN, METRICS_MILTER, 1, 0, 0 },
	    { CONN, METRICS_MILTER, 1, 0, 0 },
	    { CONN, METRICS_MILTER, -1, 0, 0 },
	    { CONN, METRICS_SOCKETMAP, 3, 0, 0 },
	    { MSG, METRICS_ACCEPTED, 0, 0, 0 },
	    { MSG, METRICS_TEMPFAILED, 0, 0, 0 },
	    { RELOAD, 1, 0, 0, 0 },
	    { LOADED, 1700000000123LL, 0, 0, 0 } }, { 0, 0, 0, 0, 0, 0, 0 }, {
	    "mailswitch_connections{frontend=\"milter\"} 1",
	    "mailswitch_connections{frontend=\"socketmap\"} 3",
	    "mailswitch_messages_total{result=\"accepted\"} 1",
	    "mailswitch_messages_total{result=\"tempfail\"} 1",
	    "mailswitch_config_reloads_total{result=\"ok\"} 1",
	    "mailswitch_config_loaded_timestamp_seconds 1700000000.123" } },
	{ "a failed reload; a rejected message", {
	    { RELOAD, 0, 0, 0, 0 },
	    { RELOAD, 0, 0, 0, 0 },
	    { MSG, METRICS_REJECTED, 0, 0, 0 },
	    { END, 0, 0, 0, 0 } }, { 0, 0, 7, 0, 0, 0, 0 }, {
	    "mailswitch_config_reloads_total{result=\"failed\"} 2",
	    "mailswitch_messages_total{result=\"rejected\"} 1",
	    "mailswitch_cache_stale_answers_total 7" } },
	{ "a replica: entries, age, syncs by kind and result", {
	    { SYNC, METRICS_SYNC_FULL, 1, 0, 0 },
	    { SYNC, METRICS_SYNC_INCREMENTAL, 1, 0, 0 },
	    { SYNC, METRICS_SYNC_INCREMENTAL, 1, 0, 0 },
	    { SYNC, METRICS_SYNC_INCREMENTAL, 0, 0, 0 },
	    { SYNC, METRICS_SYNC_PUSH, 0, 0, 0 },
	    { END, 0, 0, 0, 0 } }, { 0, 0, 0, 0, 1, 1200, 2500 }, {
	    "mailswitch_replica_entries 1200",
	    "mailswitch_replica_age_seconds 2.5",
	    "mailswitch_replica_syncs_total{kind=\"full\",result=\"ok\"} 1",
	    "mailswitch_replica_syncs_total{kind=\"incremental\",result=\"ok\"} 2",
	    "mailswitch_replica_syncs_total{kind=\"incremental\",result=\"failed\"} 1",
	    "mailswitch_replica_syncs_total{kind=\"push\",result=\"failed\"} 1" } },
	{ "a replica before its first sync: age +Inf", {
	    { END, 0, 0, 0, 0 } }, { 0, 0, 0, 0, 1, 0, -1 }, {
	    "mailswitch_replica_age_seconds +Inf" } },
	{ "the tables: writes by kind and result, entries, when current", {
	    { TWRITE, METRICS_TABLES_FULL, 1, 0, 0 },
	    { TWRITE, METRICS_TABLES_UPDATE, 1, 0, 0 },
	    { TWRITE, METRICS_TABLES_UPDATE, 1, 0, 0 },
	    { TWRITE, METRICS_TABLES_UPDATE, 0, 0, 0 },
	    { TCURRENT, 1700000000500LL, 0, 0, 0 },
	    { END, 0, 0, 0, 0 } }, { 0, 0, 0, 0, 0, 0, 0 }, {
	    "mailswitch_tables_entries{map=\"access\"} 26",
	    "mailswitch_tables_entries{map=\"virtual\"} 22",
	    "mailswitch_tables_entries{map=\"generic\"} 9",
	    "mailswitch_tables_writes_total{kind=\"full\",result=\"ok\"} 1",
	    "mailswitch_tables_writes_total{kind=\"update\",result=\"ok\"} 2",
	    "mailswitch_tables_writes_total{kind=\"update\",result=\"failed\"} 1",
	    "mailswitch_tables_current_timestamp_seconds 1700000000.5" } },
};

static void
row_apply(const struct row *r)
{
	metrics_reset();
	for (size_t i = 0; i < NELEM(r->acts) && r->acts[i].act != END; i++) {
		const struct action *a = &r->acts[i];

		switch (a->act) {
		case DECIDE:
			metrics_decision((metrics_frontend_t)a->a,
			    (metrics_direction_t)a->b, (reason_t)a->c,
			    (int)a->d);
			break;
		case LOOKUP:
			metrics_lookup((int)a->a, (uint64_t)a->b);
			break;
		case UP:
			metrics_directory_up((int)a->a);
			break;
		case CONN:
			metrics_connection((metrics_frontend_t)a->a, (int)a->b);
			break;
		case MSG:
			metrics_message((metrics_result_t)a->a);
			break;
		case RELOAD:
			metrics_reload((int)a->a);
			break;
		case LOADED:
			metrics_loaded(a->a);
			break;
		case SYNC:
			metrics_replica_sync((metrics_sync_kind_t)a->a,
			    (int)a->b);
			break;
		case TWRITE: {
			/* a failed write leaves the entries of the last good one */
			static const size_t entries[] = { 26, 22, 9 };

			metrics_tables_write((metrics_tables_kind_t)a->a,
			    (int)a->b, entries);
			break;
		}
		case TCURRENT:
			metrics_tables_current(a->a);
			break;
		case END:
			break;
		}
	}
}

/* True when want[] of r holds line. */
static bool
row_wants(const struct row *r, const char *line)
{
	for (size_t i = 0; i < NELEM(r->want) && r->want[i] != NULL; i++)
		if (strcmp(r->want[i], line) == 0)
			return true;
	return false;
}

static bool
is_zero(const char *line)
{
	size_t	 n = strlen(line);

	return n > 2 && strcmp(line + n - 2, " 0") == 0;
}

START_TEST(test_rows)
{
	const struct row *r = &rows[_i];
	static char	 text[TEXT_MAX];
	char		*line, *save;
	size_t		 n, series = 0, seen = 0;

	row_apply(r);
	n = metrics_format(text, sizeof(text), &r->cache);
	ck_assert_msg(n == strlen(text), "row %d (%s): length %zu, text %zu",
	    _i, r->name, n, strlen(text));
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		series++;
		if (strncmp(line, "mailswitch_build_info{", 22) == 0) {
			ck_assert_msg(strcmp(line, "mailswitch_build_info"
			    "{version=\"" MAILSWITCH_VERSION "\"} 1") == 0,
			    "row %d: got '%s'", _i, line);
			continue;
		}
		if (row_wants(r, line)) {
			seen++;
			continue;
		}
		ck_assert_msg(is_zero(line), "row %d (%s): got '%s', want it 0",
		    _i, r->name, line);
	}
	for (n = 0; n < NELEM(r->want) && r->want[n] != NULL; n++)
		;
	ck_assert_msg(seen == n, "row %d (%s): %zu of the %zu wanted lines",
	    _i, r->name, seen, n);
	ck_assert_msg(series == SERIES, "row %d: %zu series, want %d", _i,
	    series, SERIES);
}
END_TEST

/* The families, in order, with their type. */
static const struct family {
	const char	*name;
	const char	*type;
	size_t		 series;
} families[] = {
	{ "mailswitch_decisions_total", "counter", 39 },
	{ "mailswitch_directory_lookups_total", "counter", 3 },
	{ "mailswitch_directory_lookup_duration_seconds", "histogram", 18 },
	{ "mailswitch_cache_hits_total", "counter", 1 },
	{ "mailswitch_cache_misses_total", "counter", 1 },
	{ "mailswitch_cache_entries", "gauge", 1 },
	{ "mailswitch_cache_stale_answers_total", "counter", 1 },
	{ "mailswitch_directory_up", "gauge", 1 },
	{ "mailswitch_connections", "gauge", 2 },
	{ "mailswitch_messages_total", "counter", 3 },
	{ "mailswitch_config_reloads_total", "counter", 2 },
	{ "mailswitch_replica_entries", "gauge", 1 },
	{ "mailswitch_replica_age_seconds", "gauge", 1 },
	{ "mailswitch_replica_syncs_total", "counter", 6 },
	{ "mailswitch_tables_entries", "gauge", 3 },
	{ "mailswitch_tables_writes_total", "counter", 4 },
	{ "mailswitch_tables_current_timestamp_seconds", "gauge", 1 },
	{ "mailswitch_config_loaded_timestamp_seconds", "gauge", 1 },
	{ "mailswitch_build_info", "gauge", 1 },
};

/* A sample's metric name belongs to family f (a histogram's suffixes). */
static bool
sample_of(const char *line, const struct family *f)
{
	size_t		 n = strlen(f->name);
	const char	*rest = line + n;

	if (strncmp(line, f->name, n) != 0)
		return false;
	if (strcmp(f->type, "histogram") == 0) {
		if (strncmp(rest, "_bucket{le=\"", 12) == 0 ||
		    strncmp(rest, "_sum ", 5) == 0 ||
		    strncmp(rest, "_count ", 7) == 0)
			return true;
		return false;
	}
	return *rest == '{' || *rest == ' ';
}

START_TEST(test_shape)
{
	static char	 text[TEXT_MAX];
	char		 help[256], type[256], *line, *save;
	size_t		 f = 0, state = 0, n = 0;

	row_apply(&rows[3]);		/* the lookups: buckets not all 0 */
	metrics_format(text, sizeof(text), NULL);
	ck_assert_msg(strchr(text, '@') == NULL, "an '@' in the text");
	ck_assert_msg(strstr(text, "_bucket{le=\"+Inf\"} 3\n") != NULL,
	    "no +Inf bucket");
	ck_assert(text[strlen(text) - 1] == '\n');
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (state == 2 && n == families[f].series) {
			f++;
			state = 0;
		}
		ck_assert_msg(f < NELEM(families), "more than the families: %s",
		    line);
		snprintf(help, sizeof(help), "# HELP %s ", families[f].name);
		snprintf(type, sizeof(type), "# TYPE %s %s", families[f].name,
		    families[f].type);
		if (state == 0) {
			ck_assert_msg(strncmp(line, help, strlen(help)) == 0 &&
			    strlen(line) > strlen(help),
			    "got '%s', want '%s...'", line, help);
			state = 1;
		} else if (state == 1) {
			ck_assert_msg(strcmp(line, type) == 0,
			    "got '%s', want '%s'", line, type);
			state = 2;
			n = 0;
		} else {
			ck_assert_msg(sample_of(line, &families[f]),
			    "got '%s' in family %s", line, families[f].name);
			n++;
		}
	}
	ck_assert_msg(f == NELEM(families) - 1 && state == 2 &&
	    n == families[f].series, "the text ends early, in %s",
	    families[f].name);
}
END_TEST

/* A short buffer: cut, NUL-terminated, and the whole length reported. */
START_TEST(test_short)
{
	static char	 text[TEXT_MAX], small[100];
	size_t		 whole, cut;

	metrics_reset();
	whole = metrics_format(text, sizeof(text), NULL);
	cut = metrics_format(small, sizeof(small), NULL);
	ck_assert_uint_eq(whole, cut);
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	ck_assert(strncmp(small, text, sizeof(small) - 1) == 0);
	ck_assert_uint_eq(metrics_format(NULL, 0, NULL), whole);
}
END_TEST

#define THREADS	8
#define PER	20000

static void *
count_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < PER; i++) {
		metrics_decision(METRICS_MILTER, METRICS_INBOUND,
		    REASON_CONTACT, 0);
		metrics_lookup(DIR_FOUND, 1000);
		metrics_connection(METRICS_SOCKETMAP, 1);
		metrics_connection(METRICS_SOCKETMAP, -1);
	}
	return NULL;
}

START_TEST(test_threads)
{
	static char	 text[TEXT_MAX];
	pthread_t	 t[THREADS];
	char		 want[256];

	metrics_reset();
	for (int i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, count_thread,
		    NULL), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	metrics_format(text, sizeof(text), NULL);
	snprintf(want, sizeof(want), "verdict=\"contact\"} %d\n",
	    THREADS * PER);
	ck_assert_msg(strstr(text, want) != NULL, "lost decisions");
	snprintf(want, sizeof(want), "{outcome=\"found\"} %d\n", THREADS * PER);
	ck_assert_msg(strstr(text, want) != NULL, "lost lookups");
	ck_assert(strstr(text, "{frontend=\"socketmap\"} 0\n") != NULL);
}
END_TEST

/* The wrapper counts what reaches the back-end, and directory_up follows. */
START_TEST(test_wrapper)
{
	static char	 text[TEXT_MAX];
	dir_fake_t	*f;
	directory_t	*d;
	dir_result_t	 res;
	char		 err[256];

	metrics_reset();
	ck_assert((d = dir_metrics_wrap(dir_fake_open(&f, err, sizeof(err)),
	    err, sizeof(err))) != NULL);
	ck_assert_str_eq(directory_backend_name(d), "fake");
	ck_assert_int_eq(dir_fake_set(f, 0, "a@b.c", DIR_FOUND, "cn=a", NULL,
	    NULL), 0);
	ck_assert_int_eq(directory_by_proxy(d, "a@b.c", &res, err,
	    sizeof(err)), DIR_FOUND);
	dir_result_free(&res);
	ck_assert_int_eq(directory_by_target(d, "x@b.c", &res, err,
	    sizeof(err)), DIR_NOTFOUND);
	dir_fake_fail(f, 1);
	ck_assert_int_eq(directory_by_proxy(d, "a@b.c", &res, err,
	    sizeof(err)), DIR_TRYAGAIN);
	metrics_format(text, sizeof(text), NULL);
	ck_assert(strstr(text, "{outcome=\"found\"} 1\n") != NULL);
	ck_assert(strstr(text, "{outcome=\"notfound\"} 1\n") != NULL);
	ck_assert(strstr(text, "{outcome=\"tryagain\"} 1\n") != NULL);
	ck_assert(strstr(text, "_count 3\n") != NULL);
	ck_assert(strstr(text, "mailswitch_directory_up 0\n") != NULL);
	ck_assert_int_eq(directory_ping(d, err, sizeof(err)), -1);
	dir_fake_fail(f, 0);
	ck_assert_int_eq(directory_ping(d, err, sizeof(err)), 0);
	metrics_format(text, sizeof(text), NULL);
	ck_assert(strstr(text, "mailswitch_directory_up 1\n") != NULL);
	ck_assert(strstr(text, "_count 3\n") != NULL);	/* a ping is no lookup */
	directory_close(d);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("metrics");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_rows, 0, (int)NELEM(rows));
	tcase_add_test(tc, test_shape);
	tcase_add_test(tc, test_short);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_wrapper);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return tcheck_run(s);
}

/*
 * metrics.h - the counters of SPEC section 7, and their exposition in the
 * Prometheus text format (version 0.0.4).
 *
 * One process-wide set of fixed arrays indexed by enums, each cell a C11
 * atomic updated with relaxed ordering: counting a decision on the message
 * path takes no lock.  Every label combination is known in advance, so
 * every family is exposed, with zeros, from the first scrape.  The
 * counters live here, not in a configuration generation: they survive
 * SIGHUP.  No label holds an address.
 *
 * The cache's counters belong to the cache of each generation (cache.h);
 * the caller of metrics_format() sums them (runtime_cache_stats()) and
 * passes them in, so that the exposition stays a pure function of the
 * counters and its argument.
 */
#ifndef MAILSWITCH_METRICS_H
#define MAILSWITCH_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "reason.h"

typedef enum metrics_frontend {
	METRICS_MILTER,
	METRICS_SOCKETMAP,
	METRICS_QUERY,		/* -q / -Q: one-shot, never exposed */
	METRICS_FRONTEND_COUNT
} metrics_frontend_t;

typedef enum metrics_direction {
	METRICS_INBOUND,	/* a recipient */
	METRICS_OUTBOUND,	/* a sender */
	METRICS_DIRECTION_COUNT
} metrics_direction_t;

/* The milter's answer at the end of a message. */
typedef enum metrics_result {
	METRICS_ACCEPTED,	/* continue */
	METRICS_TEMPFAILED,	/* 4xx */
	METRICS_REJECTED,	/* 5xx */
	METRICS_RESULT_COUNT
} metrics_result_t;

/* The cache's counters, summed over the generations (see runtime.h). */
typedef struct metrics_cache {
	uint64_t	hits;
	uint64_t	misses;
	uint64_t	stale;		/* stale answers served */
	uint64_t	entries;	/* of the current generation */
	/* the replica of the current generation (dir_replica.h) */
	int		replica;	/* 1: it has one */
	uint64_t	replica_entries;
	int64_t		replica_age_ms;	/* since its last good sync; -1:
					   none yet */
} metrics_cache_t;

/* The kinds of replica sync (SPEC section 9). */
typedef enum metrics_sync_kind {
	METRICS_SYNC_FULL,
	METRICS_SYNC_INCREMENTAL,
	METRICS_SYNC_PUSH,
	METRICS_SYNC_KIND_COUNT
} metrics_sync_kind_t;

/*
 * Counts one decision: the verdict label is reason_metric(r, tempfail)
 * (reason.h); a reason whose label is not one of the direction's is
 * counted as "unchanged".  Thread-safe, lock-free.
 */
void	metrics_decision(metrics_frontend_t fe, metrics_direction_t dir,
	    reason_t r, int tempfail);

/*
 * Counts one lookup that reached a directory back-end: its outcome
 * (DIR_FOUND, DIR_NOTFOUND, DIR_TRYAGAIN) and how long it took.  It
 * leaves mailswitch_directory_up as it is: an answer from memory (the
 * replica) says nothing about the server; a caller that asked the server
 * sets it (metrics_directory_up()).  Thread-safe.
 */
void	metrics_lookup(int outcome, uint64_t nanoseconds);

/* Sets mailswitch_directory_up to up (1 or 0).  Thread-safe. */
void	metrics_directory_up(int up);

/* Adds delta (+1, -1) to the open connections of fe.  Thread-safe. */
void	metrics_connection(metrics_frontend_t fe, int delta);

/* Counts the milter's answer at the end of one message.  Thread-safe. */
void	metrics_message(metrics_result_t result);

/* Counts one replica sync of kind (ok: 1, failed: 0).  Thread-safe. */
void	metrics_replica_sync(metrics_sync_kind_t kind, int ok);

/* The kinds of write of the tables mode (tables_writer.h). */
typedef enum metrics_tables_kind {
	METRICS_TABLES_FULL,		/* every table written whole */
	METRICS_TABLES_UPDATE,		/* the keys that changed */
	METRICS_TABLES_KIND_COUNT
} metrics_tables_kind_t;

/* The maps of the tables mode, in tables.h's order. */
#define METRICS_TABLES_MAPS	3

/*
 * Counts one write of the tables of kind (ok: 1, failed: 0) and, when it
 * succeeded, sets the entries of each map (entries[METRICS_TABLES_MAPS],
 * access, virtual, generic).  Thread-safe.
 */
void	metrics_tables_write(metrics_tables_kind_t kind, int ok,
	    const size_t *entries);

/*
 * Records when the tables were last found to hold the directory's copy
 * (the Unix time, in milliseconds; 0: never, or no tables).  Thread-safe.
 */
void	metrics_tables_current(int64_t unix_ms);

/* Counts one SIGHUP reload (ok: 1, failed: 0).  Thread-safe. */
void	metrics_reload(int ok);

/*
 * Records when the running configuration was loaded (the Unix time, in
 * milliseconds).  Thread-safe.
 */
void	metrics_loaded(int64_t unix_ms);

/*
 * Writes the whole exposition into buf (len bytes, NUL-terminated unless
 * len is 0), with the cache counters of cache (NULL: all zero).  Returns
 * the length of the whole text, as snprintf() does: when it is len or
 * more, the text was cut; call again with a larger buffer.  Thread-safe
 * (each value is read atomically; the text is no snapshot of one instant).
 */
size_t	metrics_format(char *buf, size_t len, const metrics_cache_t *cache);

/* Sets every counter and gauge back to 0.  For tests. */
void	metrics_reset(void);

#endif /* MAILSWITCH_METRICS_H */

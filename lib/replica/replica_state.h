/*
 * replica_state.h - what the replica's back-end (dir_replica.c) and its
 * sync thread (replica_thread.h) share, and nothing else: the settings of
 * one replica, the index its lookups read, when it last synced well, and
 * the thread's start and stop.
 *
 * Neither side calls the other: both call this module.  The back-end
 * reads the index (replica_state_lookup()) and the time of the last good
 * sync; the thread publishes through replica_state_swap() and
 * replica_state_good(), and sleeps in replica_state_sleep(), which a stop
 * wakes.
 *
 * Locking: the index pointer is under a read-write lock (a lookup holds
 * it for reading for the whole lookup, a swap for writing for the
 * pointer's exchange only); the counters are atomics; the thread's flags
 * are under a mutex, with a condition variable (on CLOCK_MONOTONIC) for
 * the stop and the first load.  Every function here is thread-safe.
 */
#ifndef MAILSWITCH_REPLICA_STATE_H
#define MAILSWITCH_REPLICA_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config_directory.h"
#include "dir_index.h"
#include "directory.h"
#include "ldap_conn.h"

/* The settings of one replica: fixed when it is made, read by its thread. */
typedef struct replica_settings {
	ldap_conn_t	*ldap;		/* the ldap back-end's, for sessions */
	char		*base;
	int		 scope;		/* LDAP_SCOPE_* */
	char		*proxy_attr, *target_attr, *change_attr;
	int		 poll, refresh;	/* seconds */
	int		 page_size;	/* entries a page */
	int		 max_age;	/* seconds */
	bool		 syncrepl;	/* RFC 4533 where offered */
	int64_t		 timeout_ms;	/* directory.ldap.timeout, >= 1 */
} replica_settings_t;

typedef struct replica_state replica_state_t;

/*
 * Makes the state of a replica of the directory section dc fed from ldap
 * (which must outlive it), with no index yet.  Copies what it needs of dc.
 * Returns it (free with replica_state_free()), or NULL with a message in
 * err when out of memory.
 */
replica_state_t *replica_state_new(const config_directory_t *dc,
	    ldap_conn_t *ldap, char *err, size_t errlen);

/*
 * Stops the thread, if it was started, waits for it to end, and frees st
 * with its reference to the index; NULL is a no-op.  No lookup may be
 * running.
 */
void	replica_state_free(replica_state_t *st);

/* The settings of st; they belong to st and never change. */
const replica_settings_t *replica_state_settings(const replica_state_t *st);

/*
 * Takes over the index and the time of the last good sync of previous
 * (the replica of the configuration being replaced), if it has an index,
 * and asks its thread to stop (its lookups keep the index they have).
 * Call it before st's thread starts.
 */
void	replica_state_adopt(replica_state_t *st, replica_state_t *previous);

/*
 * Looks key (a folded address) up in the index, by target or by proxy
 * address, as dir_index_lookup() does.  Returns 1 with the outcome in
 * *rc (res and err filled as dir_index_lookup() fills them), or 0 when
 * there is no index yet (nothing filled: the caller asks elsewhere).
 */
int	replica_state_lookup(replica_state_t *st, int by_target,
	    const char *key, dir_result_t *res, char *err, size_t errlen,
	    int *rc);

/*
 * Returns a reference to the index lookups read now (release it with
 * dir_index_release()), or NULL when there is none yet.
 */
dir_index_t *replica_state_hold(replica_state_t *st);

/*
 * Returns the clock_ms() time (clock.h) of the last good sync (or the one
 * adopted), or 0 when there was none yet.
 */
int64_t	replica_state_last_ok(const replica_state_t *st);

/* Returns the number of entries of the index (0 without one). */
uint64_t replica_state_entries(const replica_state_t *st);

/*
 * Starts the thread, body(st), unless it was started or st is being
 * stopped.  Returns 0, or -1 with a message in err when no thread can be
 * made.
 */
int	replica_state_start(replica_state_t *st, void *(*body)(void *),
	    char *err, size_t errlen);

/*
 * Waits until st has an index of its own (replica_state_swap()), at most
 * ms milliseconds.  Returns 0, or -1 on time out.
 */
int	replica_state_wait(replica_state_t *st, int64_t ms);

/*
 * Swaps ix in (taking over the caller's reference) as st's own index,
 * marks a good sync now and wakes replica_state_wait().  The old index is
 * released; the lookups that hold it finish first.  With trim, what it
 * freed is given back to the system (malloc_trim(): for an index built
 * whole, whose predecessor goes whole; it walks the heap).  For the
 * thread.
 */
void	replica_state_swap(replica_state_t *st, dir_index_t *ix, int trim);

/* Marks a good sync now (one that changed nothing).  For the thread. */
void	replica_state_good(replica_state_t *st);

/*
 * Sleeps ms milliseconds, or less when st is being stopped.  Returns 1
 * when it is (the thread should end), else 0.  For the thread.
 */
int	replica_state_sleep(replica_state_t *st, int64_t ms);

/* Returns 1 when st is being stopped, else 0.  For the thread. */
int	replica_state_stopping(replica_state_t *st);

#endif /* MAILSWITCH_REPLICA_STATE_H */

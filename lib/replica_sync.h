/*
 * replica_sync.h - what the replica's back-end (dir_replica.c) and its
 * sync thread (replica_sync.c) share: the state of one replica.  Private
 * to those two files.
 *
 * The back-end owns the state; the thread reads the settings, which never
 * change, and publishes through replica_swap() and replica_good().  The
 * index pointer is under ixlock (lookups hold it for reading for the
 * whole lookup, a swap for writing for the pointer's exchange only); the
 * counters are atomics; stop is under mu.
 */
#ifndef MAILSWITCH_REPLICA_SYNC_H
#define MAILSWITCH_REPLICA_SYNC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "dir_index.h"
#include "directory.h"
#include "ldap_conn.h"
#include "metrics.h"

struct replica {
	/* settings, fixed at the start */
	directory_t		*inner;		/* answers until the first load */
	ldap_conn_t		*ldap;		/* inner's, for sessions */
	char			*base;
	int			 scope;		/* LDAP_SCOPE_* */
	char			*proxy_attr, *target_attr, *change_attr;
	int			 poll, refresh, page_size, max_age;
	bool			 syncrepl;
	int64_t			 timeout_ms;

	/* the index lookups read */
	pthread_rwlock_t	 ixlock;
	dir_index_t		*ix;		/* NULL: pass lookups to inner */
	atomic_int		 own;		/* ix is of this replica's load */
	atomic_llong		 last_ok_ms;	/* monotonic; 0: none yet */
	atomic_ullong		 entries;

	/* the thread */
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;		/* stop, and the first load */
	int			 stop;		/* under mu */
	pthread_t		 thread;
	int			 started;
};

/* The sync thread's body; arg is the struct replica. */
void	*replica_sync_main(void *arg);

/*
 * Swaps ix in (taking over the caller's reference) as the replica's own,
 * marks a good sync now and wakes dir_replica_wait().  Thread: the sync
 * thread.
 */
void	replica_swap(struct replica *r, dir_index_t *ix);

/* Marks a good sync now (nothing changed). */
void	replica_good(struct replica *r);

/*
 * Sleeps ms milliseconds, or less when the replica is being stopped.
 * Returns 1 when it is (the thread should return), else 0.
 */
int	replica_sleep(struct replica *r, int64_t ms);

/* Returns 1 when the replica is being stopped. */
int	replica_stopping(struct replica *r);

#endif /* MAILSWITCH_REPLICA_SYNC_H */

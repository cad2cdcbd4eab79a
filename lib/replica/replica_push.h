/*
 * replica_push.h - the replica kept current by the server itself: an RFC
 * 4533 refreshAndPersist search (SPEC section 9), where the rootDSE lists
 * the Sync Request Control and syncrepl is auto.
 *
 * The refresh phase brings what changed since the cookie (everything
 * without one), then the server sends each add, change, rename and
 * deletion as it happens; they are applied in batches (a batch ends when
 * the server has been quiet for 200 ms, or after 1 s at the latest), one
 * new index and one log line a batch.  After a reconnection the search
 * resumes from the last cookie.  The store is keyed by entryUUID (the
 * full load before it asks for it too).  While the search is open, a
 * liveness check of the server every min(poll, 30) s.
 */
#ifndef MAILSWITCH_REPLICA_PUSH_H
#define MAILSWITCH_REPLICA_PUSH_H

#include "replica_sync.h"

/* What replica_push_run() returns besides -1 (failed, y->err set). */
#define REPLICA_PUSH_RELOAD	1	/* a full reload is due, or the server
					   asked for one (cookie dropped) */
#define REPLICA_PUSH_STOPPED	2	/* the replica is being stopped */
#define REPLICA_PUSH_REFUSED	3	/* the server refused the search (a
					   size limit, syncprov not on this
					   database): y->err says why */

/*
 * Runs one refreshAndPersist search on y's session (open) until it fails,
 * a full reload is due, or the replica is being stopped.  Returns -1 with
 * y->err set, or one of the REPLICA_PUSH_ values.
 */
int	replica_push_run(replica_sync_t *y);

#endif /* MAILSWITCH_REPLICA_PUSH_H */

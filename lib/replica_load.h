/*
 * replica_load.h - the replica's loads by search: the full load, and the
 * poll that keeps the copy current without RFC 4533 (SPEC section 9).
 *
 *   full   every entry with a proxy or target attribute under base,
 *          RFC 2696 paged, with only the proxy, target and change
 *          attributes (and entryUUID when the store is keyed by it); at
 *          the start, after refresh seconds, after a failover, and when
 *          the server asks for it (e-syncRefreshRequired).  It updates the
 *          store in place (replica_store_round() and _sweep()) and builds
 *          a new index only when something changed.
 *   poll   every poll seconds: the entries whose change_attribute is at
 *          least the highest value seen (">=" because modifyTimestamp
 *          counts seconds: an entry seen twice changes nothing), then a
 *          DN-only paged sweep of the entries with a proxy or target
 *          attribute, which finds the deletions; the sweep reads every
 *          entry's DN, so it runs at most once every 30 times the time the
 *          last one took.
 *
 * Both log one line and count the sync (replica_sync_ok()); a failure is
 * left to the caller (replica_sync_failed()).
 */
#ifndef MAILSWITCH_REPLICA_LOAD_H
#define MAILSWITCH_REPLICA_LOAD_H

#include "replica_sync.h"

/*
 * Loads every entry into y's store (a new store when it is to be keyed
 * otherwise: by entryUUID when y->use_sync) and, when that changed it or
 * it is the first load, swaps a new index in; y->loaded and
 * y->last_full_ms then say it is done.  Returns 0, -1 with y->err set, or
 * 1 when the replica is being stopped.
 */
int	replica_load_full(replica_sync_t *y);

/*
 * One poll: the changed entries, then (when due) the sweep for
 * deletions; a new index when anything changed.  Returns 0, -1 with
 * y->err set, or 1 when the replica is being stopped.
 */
int	replica_load_poll(replica_sync_t *y);

#endif /* MAILSWITCH_REPLICA_LOAD_H */

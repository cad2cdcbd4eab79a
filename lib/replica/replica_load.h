/*
 * replica_load.h - the replica's loads by search: the full load, and the
 * poll that keeps the copy current without RFC 4533 (SPEC section 9).
 * Entries are kept by their identity (replica_entry.h): objectGUID on
 * Active Directory, entryUUID elsewhere, the DN only where the server
 * gives neither; a rename or a move is a change of one entry.
 *
 *   full   every entry with a proxy or target attribute under base,
 *          RFC 2696 paged, with only the proxy, target, change and
 *          identity attributes; at the start, after refresh seconds,
 *          after a failover, after a domain controller was restored, and
 *          when the server asks for it (e-syncRefreshRequired).  It
 *          updates the store in place (replica_store_round() and
 *          _sweep()) and builds a new index only when the store changed.
 *   poll   every poll seconds, the entries whose change_attribute is at
 *          least the highest value seen (">=" because modifyTimestamp
 *          counts seconds: an entry seen twice changes nothing):
 *          - on Active Directory, when the bind account may read the
 *            tombstones (replica_server.h), one search of the whole
 *            naming context with the Show Deleted control: a tombstone
 *            (isDeleted) or an entry now outside base is deleted by its
 *            objectGUID, any other is put.  No sweep: a deletion costs
 *            what a change costs, whatever the size of the directory.
 *          - elsewhere, the search under base, then a paged sweep of
 *            every entry's identity, which finds the deletions; it reads
 *            every entry, so it runs at most once every 30 times the time
 *            the last one took.
 *
 * Both log one line and count the sync (replica_sync_ok()); a failure is
 * left to the caller (replica_sync_failed()).  Both publish when the
 * store holds changes not yet published (replica_store_dirty()), also
 * those a failed sync left.
 */
#ifndef MAILSWITCH_REPLICA_LOAD_H
#define MAILSWITCH_REPLICA_LOAD_H

#include "replica_sync.h"

/*
 * Loads every entry into y's store (a new store when it is to be keyed
 * otherwise: by entryUUID when y->use_sync, else as y->server_ids says)
 * and, when the store changed or it is the first load, swaps a new index
 * in; y->loaded and y->last_full_ms then say it is done.  Returns 0, -1
 * with y->err set, or 1 when the replica is being stopped.
 */
int	replica_load_full(replica_sync_t *y);

/*
 * One poll: the changed entries and tombstones, or the changed entries
 * then (when due) the sweep for deletions; a new index when the store
 * changed.  Returns 0, -1 with y->err set, or 1 when the replica is being
 * stopped.
 */
int	replica_load_poll(replica_sync_t *y);

#endif /* MAILSWITCH_REPLICA_LOAD_H */

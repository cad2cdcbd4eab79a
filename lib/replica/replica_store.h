/*
 * replica_store.h - the replica's own copy of the directory: every entry
 * that holds a proxy or target address, by its identity (the entryUUID
 * where the server gives one, else its DN in lower case), as the sync
 * thread applies adds, changes and deletions to it.
 *
 * The store is what changes; lookups never read it.  After each sync the
 * thread makes the next index of it (replica_store_index(), dir_index.h)
 * and swaps that in: the index before with the sync's changes applied, in
 * time proportional to them, sharing the rest with the one before.  Each
 * record is an entry of the index itself (dir_index_entry_t), not a copy.
 * One thread owns a store: no locking here.
 */
#ifndef MAILSWITCH_REPLICA_STORE_H
#define MAILSWITCH_REPLICA_STORE_H

#include <stddef.h>

#include "dir_index.h"

typedef struct replica_store replica_store_t;

/* Returns an empty store, or NULL when out of memory. */
replica_store_t *replica_store_new(void);

/* Frees the store and every record; NULL is a no-op. */
void	replica_store_free(replica_store_t *st);

/* Returns the number of records. */
size_t	replica_store_count(const replica_store_t *st);

/*
 * Puts the entry rec under id (replacing the record of that id, if any),
 * and marks it seen in the current round (replica_store_round()).  An
 * entry without any key is not kept: putting one deletes the id.  Every
 * string is copied once (the index shares that copy).  Returns 1 when the
 * store changed, 0 when it held the same already, -1 when out of memory
 * (the store is as it was).
 */
int	replica_store_put(replica_store_t *st, const char *id,
	    const dir_index_record_t *rec);

/* Returns 1 when the record of id holds exactly rec, else 0. */
int	replica_store_holds(const replica_store_t *st, const char *id,
	    const dir_index_record_t *rec);

/* Deletes the record of id.  Returns 1 when there was one, else 0. */
int	replica_store_del(replica_store_t *st, const char *id);

/*
 * Marks the record of id seen in the current round without changing it.
 * Returns 1 when there is one, else 0.
 */
int	replica_store_seen(replica_store_t *st, const char *id);

/*
 * Starts a new round of marks: from now on no record is marked seen until
 * put or replica_store_seen() again.
 */
void	replica_store_round(replica_store_t *st);

/* Deletes every record not seen in this round; returns how many. */
size_t	replica_store_sweep(replica_store_t *st);

/*
 * Returns the index of every record, the one to publish: the last one
 * made (with a new reference) when nothing changed since, else the last
 * one with the changes since applied as one edit (dir_index_edit_new();
 * built whole the first time, or when the store has outgrown its
 * shards).  From then on the store counts as unchanged
 * (replica_store_dirty()).  Returns it with one reference for the caller
 * (the store keeps one of its own), or NULL when out of memory (the store
 * still counts as changed).
 */
dir_index_t *replica_store_index(replica_store_t *st);

/*
 * Returns 1 when the last index replica_store_index() made was built
 * whole rather than edited from the one before (which then goes whole
 * once released: worth a malloc_trim()), else 0.
 */
int	replica_store_last_whole(const replica_store_t *st);

/*
 * Returns 1 when the store changed (a put, delete or sweep that changed
 * it) since its last index was built, else 0.  A sync publishes when
 * this says so, not when its own count of changes does: a sync that
 * failed half-way leaves changes in the store that the next one, which
 * finds nothing new, must still publish.
 */
int	replica_store_dirty(const replica_store_t *st);

/*
 * Lower-cases a DN into an identity: the store's key of an entry whose
 * server gives no entryUUID.  Returns a string to free(), or NULL when
 * out of memory.
 */
char	*replica_store_dn_id(const char *dn);

#endif /* MAILSWITCH_REPLICA_STORE_H */

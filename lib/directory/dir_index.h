/*
 * dir_index.h - the in-memory index of directory entries, by folded
 * address: the one the LDIF back-end loads an export into and the replica
 * (dir_replica.h) loads a directory into.
 *
 * An index, once made, is never changed: lookups only read, so any number
 * of threads may run them without a lock.  A builder makes one from a
 * whole export; an edit (dir_index_edit_new()) makes the next generation
 * of one from a few changes, in time proportional to the changes: the two
 * share every part the changes did not touch, and the owner swaps the new
 * one in.  Entries (dir_index_entry_t) are immutable and reference
 * counted, so that the replica's store and every generation of its index
 * hold the same one, not copies.
 *
 * An entry may be marked bad (its primary or target breaks the entry
 * rules, dir_entry.h): a lookup that finds it answers DIR_TRYAGAIN with
 * its message, as the ldap back-end does for such an entry.  The LDIF
 * back-end never adds one: it refuses the whole export instead.
 */
#ifndef MAILSWITCH_DIR_INDEX_H
#define MAILSWITCH_DIR_INDEX_H

#include <stddef.h>

#include "directory.h"

typedef struct dir_index dir_index_t;
typedef struct dir_index_builder dir_index_builder_t;
typedef struct dir_index_entry dir_index_entry_t;
typedef struct dir_index_edit dir_index_edit_t;

/* One entry as the builder takes it; every string is copied. */
typedef struct dir_index_record {
	const char		*dn;
	const char		*primary;	/* bare, as spelled; NULL: none */
	const char		*target;	/* bare, as spelled; NULL: a user */
	const char *const	*proxy_keys;	/* folded proxy addresses,
						   primary and secondary;
						   none NULL */
	size_t			 nproxy_keys;
	const char		*target_key;	/* folded target; NULL: none */
	const char		*bad;		/* NULL, or why the entry's answer
						   would be wrong ("entry 'DN':
						   ..."): its keys answer
						   DIR_TRYAGAIN with it */
	const char		*secondary;	/* the secondary proxy addresses,
						   as spelled, joined by '\n'
						   (dir_entry_list_add()); NULL:
						   none.  Kept for an entry with a
						   target only: by_target lookups
						   return it (directory.h) */
} dir_index_record_t;

/* Returns an empty builder, or NULL when out of memory. */
dir_index_builder_t *dir_index_builder_new(void);

/*
 * Adds one entry with its keys (folded again here; the same key twice in
 * one entry counts once).  An entry with no key at all is not kept.
 * Returns 0, or -1 when out of memory: then nothing of rec was added, and
 * the builder may still be added to, built or freed.  Nothing of rec is
 * kept after the call.
 */
int	dir_index_add(dir_index_builder_t *b, const dir_index_record_t *rec);

/*
 * Turns the builder into an index and frees the builder, whatever the
 * outcome.  Returns the index with one reference (an index with no entry
 * is not NULL), or NULL when out of memory or b is NULL (so that
 * dir_index_build(dir_index_builder_new()) needs one check).
 */
dir_index_t *dir_index_build(dir_index_builder_t *b);

/* Frees a builder that will not be built; NULL is a no-op. */
void	dir_index_builder_free(dir_index_builder_t *b);

/*
 * Finds the entries holding key (a folded address; folded again here, so
 * any case works) as a proxy address (by_target 0) or as their target
 * (1).  Returns DIR_FOUND with copies appended to res (the caller frees
 * them with dir_result_free(); by_target answers with the entries'
 * secondary addresses), DIR_NOTFOUND, or DIR_TRYAGAIN with a
 * message in err: out of memory, or a bad entry holds the key (the first
 * such entry's bad, as it was given); res is then emptied with
 * dir_result_free().  ix may be NULL: an empty index.  Thread-safe.
 */
int	dir_index_lookup(const dir_index_t *ix, int by_target, const char *key,
	    dir_result_t *res, char *err, size_t errlen);

/*
 * What dir_index_each() calls with each distinct key: the key (folded)
 * and the n (>= 1) entries that hold it, in the order they were added;
 * the strings point into the index (read-only, valid during the call).
 * Returns 0 to go on; anything else stops dir_index_each(), which returns
 * it.
 */
typedef int	(*dir_index_each_fn)(void *arg, const char *key,
		    const dir_entry_t *entries, size_t n);

/*
 * Calls fn for every distinct key of the proxy (by_target 0) or target
 * (1) table, in no meaningful order.  Returns 0 when every key was handed
 * over, fn's first non-zero return, or -1 when out of memory.  ix may be
 * NULL (no key).  For a reader of the whole index (the audit, audit.h;
 * the tables' full write, tables_writer.h).
 */
int	dir_index_each(const dir_index_t *ix, int by_target,
	    dir_index_each_fn fn, void *arg);

/* Called for one key by dir_index_diff(): 0 to go on, anything else to
   stop with that value. */
typedef int (*dir_index_key_fn)(const char *key, void *arg);

/*
 * Calls fn(key, arg) for every key of the proxy (by_target 0) or target
 * (1) table whose lookup would answer differently in a and in b (either
 * may be NULL: empty): a key in one of them only, or held by other
 * entries (another dn, primary, target or bad).  Two generations of one
 * index (dir_index_edit_new()) are compared shard by shard, reading only
 * the shards that differ: time proportional to the change; any other two
 * in one pass over both.  Returns 0, or fn's value that stopped it.
 * Thread-safe.
 */
int	dir_index_diff(const dir_index_t *a, const dir_index_t *b,
	    int by_target, dir_index_key_fn fn, void *arg);

/*
 * Makes one immutable entry of rec, with one reference: every string
 * copied, the keys folded, the same proxy key twice kept once; id (may be
 * NULL) is kept with it for its owner (dir_index_entry_id(): the
 * replica's store keeps its identity there).  Returns NULL when out of
 * memory.  Thread-safe.
 */
dir_index_entry_t *dir_index_entry_new(const dir_index_record_t *rec,
	    const char *id);

/* The id e was made with (NULL: none); valid while e is held. */
const char *dir_index_entry_id(const dir_index_entry_t *e);

/* The number of e's keys, proxy and target (0: e is never indexed). */
size_t	dir_index_entry_keys(const dir_index_entry_t *e);

/*
 * Returns 1 when e holds exactly rec (the same strings, the same keys in
 * the same order once folded), else 0.
 */
int	dir_index_entry_is(const dir_index_entry_t *e,
	    const dir_index_record_t *rec);

/* Adds a reference to e and returns it (NULL for NULL).  Thread-safe. */
dir_index_entry_t *dir_index_entry_hold(dir_index_entry_t *e);

/* Drops a reference; the last one frees e.  NULL is a no-op. Thread-safe. */
void	dir_index_entry_release(dir_index_entry_t *e);

/* The largest number of shards of a key table (dir_index_edit_new()). */
#define DIR_INDEX_SHARDS_MAX	65536

/*
 * Starts the next generation of base (NULL: an empty index of nshards
 * shards a table, a power of two up to DIR_INDEX_SHARDS_MAX; base's own
 * count otherwise).  base is not changed and stays the caller's; the edit
 * copies only the shards its changes touch.  Returns NULL when out of
 * memory.  One thread uses an edit.
 */
dir_index_edit_t *dir_index_edit_new(const dir_index_t *base, size_t nshards);

/*
 * Indexes e (holding a reference of its own) under each of its keys,
 * after the entries that already hold them.  An entry without a key is
 * not indexed.  Returns 0, or -1 when out of memory (the edit then may
 * only be freed).
 */
int	dir_index_edit_add(dir_index_edit_t *ed, dir_index_entry_t *e);

/*
 * Takes e (the very entry added before, not an equal one) out from under
 * each of its keys.  Returns 0, or -1 when out of memory (the edit then
 * may only be freed).
 */
int	dir_index_edit_del(dir_index_edit_t *ed, dir_index_entry_t *e);

/*
 * Ends the edit (freed) and returns the new index with one reference
 * (NULL only for a NULL ed: nothing is allocated here).
 */
dir_index_t *dir_index_edit_done(dir_index_edit_t *ed);

/* Frees an edit that will not be done; NULL is a no-op. */
void	dir_index_edit_free(dir_index_edit_t *ed);

/*
 * What dir_index_make() walks a set of entries with: the entry at *cursor
 * or after it (*cursor moved past it; it starts at 0), or NULL after the
 * last.  The entries stay the caller's.
 */
typedef dir_index_entry_t *(*dir_index_walk_fn)(void *arg, size_t *cursor);

/*
 * Makes an index of nshards shards a table (a power of two up to
 * DIR_INDEX_SHARDS_MAX; dir_index_shards_for()) from every entry walk
 * yields, an entry without a key left out, each key's entries in the
 * order walked: as dir_index_edit_add() of each into an empty edit, but
 * each shard allocated once and sorted once.  Walks the set twice: both
 * walks must yield the same entries (an index that does not find them is
 * freed: NULL).  The index holds references of its own.  Returns it with
 * one reference, or NULL when out of memory.
 */
dir_index_t *dir_index_make(size_t nshards, dir_index_walk_fn walk,
	    void *arg);

/* The shard count a table of nkeys keys is made whole with. */
size_t	dir_index_shards_for(size_t nkeys);

/* Returns the number of entries kept (bad ones included); 0 for NULL. */
size_t	dir_index_entries(const dir_index_t *ix);

/* Adds a reference (for a second owner, such as a replica that adopts
   another's index); returns ix (NULL for NULL).  Thread-safe. */
dir_index_t *dir_index_hold(dir_index_t *ix);

/* Drops a reference; the last one frees the index.  NULL is a no-op.
   Thread-safe; no lookup may be running on the freed index. */
void	dir_index_release(dir_index_t *ix);

#endif /* MAILSWITCH_DIR_INDEX_H */

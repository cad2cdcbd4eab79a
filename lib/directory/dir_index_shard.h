/*
 * dir_index_shard.h - the parts of an index (dir_index.h) that its own
 * files share: the pairs, the shards, the root, and the order of a shard.
 * Only lib/directory/dir_index*.c include it: dir_index.c (the root,
 * lookups, walks and diffs, the builder), dir_index_edit.c (a generation
 * made from a few changes) and dir_index_make.c (one made whole).
 *
 * Each key table (proxy, target) is cut by the keys' hash into a fixed
 * number of shards (a power of two); a shard is an immutable,
 * reference-counted array of (hash, key number, entry) pairs sorted by
 * (hash, key), the entries of one key side by side in the order they were
 * added.  An index is a reference-counted root: the two arrays of shard
 * pointers (NULL: an empty shard).  Each pair holds a reference to its
 * entry (dir_index_entry.h), each root one to each of its shards.
 */
#ifndef MAILSWITCH_DIR_INDEX_SHARD_H
#define MAILSWITCH_DIR_INDEX_SHARD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dir_index.h"
#include "dir_index_entry.h"
#include "hash.h"

enum { DIR_INDEX_PROXY, DIR_INDEX_TARGET, DIR_INDEX_TABLES };

#define DIR_INDEX_PER_SHARD	8	/* a whole build's keys a shard */

/* One key of one entry: 16 octets. */
struct dir_index_pair {
	uint32_t		 hash;		/* of the key */
	uint32_t		 keyno;		/* entry->keys[keyno], or
						   DIR_INDEX_TARGET_KEY */
	dir_index_entry_t	*entry;		/* one reference */
};

#define DIR_INDEX_TARGET_KEY	UINT32_MAX	/* keyno: entry->target_key */

/* One shard: pairs v[0..n) sorted by (hash, key), room for max. */
struct dir_index_shard {
	atomic_uint		 refs;
	uint32_t		 n, max;
	struct dir_index_pair	 v[];
};

struct dir_index {
	atomic_size_t		  refs;
	size_t			  nentries;
	size_t			  nshards;	/* a table; a power of two */
	struct dir_index_shard	**shard[DIR_INDEX_TABLES];
};

/* The key of the pair p (the entry's own string). */
static inline const char *
dir_index_key(const struct dir_index_pair *p)
{
	return p->keyno == DIR_INDEX_TARGET_KEY ?
	    DIR_INDEX_STR(p->entry, target_key) :
	    DIR_INDEX_STR(p->entry, keys[p->keyno]);
}

/* The hash of a folded key, as the pairs keep it. */
static inline uint32_t
dir_index_hash(const char *key)
{
	return (uint32_t)hash_string(key, 0);
}

/* (hash, key) order: < 0, 0 or > 0 as strcmp(). */
static inline int
dir_index_cmp(uint32_t ha, const char *ka, uint32_t hb, const char *kb)
{
	if (ha != hb)
		return ha < hb ? -1 : 1;
	return strcmp(ka, kb);
}

/* A root of nshards empty shards a table, one reference; NULL: no memory. */
dir_index_t *dir_index_root_new(size_t nshards);

/* Frees an index whatever its reference count; NULL is a no-op. */
void	dir_index_root_free(dir_index_t *ix);

/* Drops a reference to sh; the last one releases its entries.  NULL: no-op. */
void	dir_index_shard_release(struct dir_index_shard *sh);

/* The first pair of sh not below (hash, key): 0..n. */
uint32_t dir_index_lower(const struct dir_index_shard *sh, uint32_t hash,
	    const char *key);

/* The number of pairs from v[i] (i < n) on that hold the key of v[i]. */
uint32_t dir_index_run(const struct dir_index_shard *sh, uint32_t i);

#endif /* MAILSWITCH_DIR_INDEX_SHARD_H */

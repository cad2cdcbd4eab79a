/*
 * replica_store.c - see replica_store.h.  An open-addressing hash table
 * of the index's own entries (dir_index_entry_t, one reference each) by
 * the identity each keeps: the store and every generation of the index
 * share one entry, no string is copied twice, and a record costs one
 * slot of 16 octets beside it.
 *
 * What changed since the last index is kept as a list of (old entry, new
 * entry) pairs; replica_store_index() applies them to that index as one
 * edit (dir_index_edit_new()), so a sync costs what it changed.  The
 * first index, and one whose shards have grown too full for the store's
 * size, is built whole from the records instead.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "replica_store.h"

#define STORE_SLOTS_MIN		1024	/* a power of two */
#define STORE_KEYS_REBUILD	64	/* a shard's average that rebuilds */

/*
 * One slot of the table (open addressing, linear probing): the index's
 * own entry, which keeps the identity (dir_index_entry_id()), one
 * reference; NULL: empty.
 */
struct store_slot {
	dir_index_entry_t	*entry;
	uint32_t		 hash;		/* of the identity */
	uint32_t		 round;		/* last seen in this round */
};

/* One change since the last index; each entry one reference, or NULL. */
struct store_change {
	dir_index_entry_t	*old, *new;
};

struct replica_store {
	struct store_slot	*slots;
	size_t			 nslots;	/* a power of two */
	size_t			 count;		/* at most 3/4 of nslots */
	size_t			 nkeys;		/* of every record */
	uint32_t		 round;
	int			 dirty;		/* changed since the last index */
	int			 rebuild;	/* changes not noted: build whole */
	int			 whole;		/* the last index was built whole */
	dir_index_t		*ix;		/* the last index; one reference */
	size_t			 nshards;	/* its shards a table */
	struct store_change	*changes;	/* since ix (none without ix) */
	size_t			 nchanges, maxchanges;
};

replica_store_t *
replica_store_new(void)
{
	replica_store_t	*st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	st->nslots = STORE_SLOTS_MIN;
	if ((st->slots = calloc(st->nslots, sizeof(*st->slots))) == NULL) {
		free(st);
		return NULL;
	}
	return st;
}

/* Forgets the changes since the last index. */
static void
store_changes_clear(replica_store_t *st)
{
	for (size_t i = 0; i < st->nchanges; i++) {
		dir_index_entry_release(st->changes[i].old);
		dir_index_entry_release(st->changes[i].new);
	}
	st->nchanges = 0;
}

void
replica_store_free(replica_store_t *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < st->nslots; i++)
		dir_index_entry_release(st->slots[i].entry);
	store_changes_clear(st);
	free(st->changes);
	dir_index_release(st->ix);
	free(st->slots);
	free(st);
}

size_t
replica_store_count(const replica_store_t *st)
{
	return st->count;
}

/* The identity's hash, as the slots keep it. */
static uint32_t
store_hash(const char *id)
{
	return (uint32_t)hash_string(id, 0);
}

/* The slot of id, or the empty slot where it would go. */
static size_t
store_find(const replica_store_t *st, const char *id, uint32_t hash)
{
	size_t	mask = st->nslots - 1, i = hash & mask;

	while (st->slots[i].entry != NULL && (st->slots[i].hash != hash ||
	    strcmp(dir_index_entry_id(st->slots[i].entry), id) != 0))
		i = (i + 1) & mask;
	return i;
}

/* Doubles the table when it is 3/4 full; a failure leaves it as it is. */
static void
store_grow(replica_store_t *st)
{
	struct store_slot	*ns;
	size_t			 n = st->nslots * 2, mask = n - 1;

	if (st->count < st->nslots / 4 * 3 || n > SIZE_MAX / sizeof(*ns) ||
	    (ns = calloc(n, sizeof(*ns))) == NULL)
		return;
	for (size_t i = 0; i < st->nslots; i++) {
		size_t	j;

		if (st->slots[i].entry == NULL)
			continue;
		for (j = st->slots[i].hash & mask; ns[j].entry != NULL;
		    j = (j + 1) & mask)
			;
		ns[j] = st->slots[i];
	}
	free(st->slots);
	st->slots = ns;
	st->nslots = n;
}

/*
 * Empties slot i and moves the slots after it that belong before it
 * back (linear probing's deletion: no tombstones).  The entry's
 * reference is the caller's.
 */
static void
store_vacate(replica_store_t *st, size_t i)
{
	size_t	mask = st->nslots - 1, j = i, home;

	st->slots[i].entry = NULL;
	for (;;) {
		j = (j + 1) & mask;
		if (st->slots[j].entry == NULL)
			return;
		home = st->slots[j].hash & mask;
		/* j's entry stays when its home lies cyclically in (i, j] */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		st->slots[i] = st->slots[j];
		st->slots[j].entry = NULL;
		i = j;
	}
}

/* The number of keys of the entry e (NULL: 0). */
static size_t
store_keys(const dir_index_entry_t *e)
{
	return e == NULL ? 0 : dir_index_entry_keys(e);
}

/*
 * Notes that old became new (either may be NULL), taking a reference to
 * each, so that the next index applies it.  When there is no memory to
 * note it, the next index is built whole instead.
 */
static void
store_note(replica_store_t *st, dir_index_entry_t *old, dir_index_entry_t *new)
{
	st->nkeys = st->nkeys - store_keys(old) + store_keys(new);
	st->dirty = 1;
	if (st->ix == NULL || st->rebuild)
		return;			/* the next index is built whole */
	if (st->nchanges == st->maxchanges) {
		size_t			 max = st->maxchanges ?
					    st->maxchanges * 2 : 64;
		struct store_change	*v;

		if (max > SIZE_MAX / sizeof(*v) ||
		    (v = realloc(st->changes, max * sizeof(*v))) == NULL) {
			store_changes_clear(st);
			st->rebuild = 1;
			return;
		}
		st->changes = v;
		st->maxchanges = max;
	}
	st->changes[st->nchanges++] = (struct store_change){
	    dir_index_entry_hold(old), dir_index_entry_hold(new) };
}

int
replica_store_put(replica_store_t *st, const char *id,
    const dir_index_record_t *rec)
{
	uint32_t		 hash = store_hash(id);
	struct store_slot	*slot;
	dir_index_entry_t	*e;

	if (rec->nproxy_keys == 0 && rec->target_key == NULL)
		return replica_store_del(st, id);
	slot = &st->slots[store_find(st, id, hash)];
	if (slot->entry != NULL && dir_index_entry_is(slot->entry, rec)) {
		slot->round = st->round;
		return 0;
	}
	if ((e = dir_index_entry_new(rec, id)) == NULL)
		return -1;
	store_note(st, slot->entry, e);
	if (slot->entry != NULL)
		dir_index_entry_release(slot->entry);
	else
		st->count++;
	slot->entry = e;
	slot->hash = hash;
	slot->round = st->round;
	store_grow(st);
	return 1;
}

int
replica_store_holds(const replica_store_t *st, const char *id,
    const dir_index_record_t *rec)
{
	const struct store_slot	*slot = &st->slots[store_find(st, id,
				    store_hash(id))];

	return slot->entry != NULL && dir_index_entry_is(slot->entry, rec);
}

/* Deletes the record of slot i, noting the deletion. */
static void
store_remove(replica_store_t *st, size_t i)
{
	dir_index_entry_t	*e = st->slots[i].entry;

	store_note(st, e, NULL);
	store_vacate(st, i);
	dir_index_entry_release(e);
	st->count--;
}

int
replica_store_del(replica_store_t *st, const char *id)
{
	size_t	i = store_find(st, id, store_hash(id));

	if (st->slots[i].entry == NULL)
		return 0;
	store_remove(st, i);
	return 1;
}

int
replica_store_seen(replica_store_t *st, const char *id)
{
	struct store_slot	*slot = &st->slots[store_find(st, id,
				    store_hash(id))];

	if (slot->entry == NULL)
		return 0;
	slot->round = st->round;
	return 1;
}

void
replica_store_round(replica_store_t *st)
{
	st->round++;
}

size_t
replica_store_sweep(replica_store_t *st)
{
	size_t	n = 0;

	/*
	 * A deletion moves a later slot into i: look at i again.  One that
	 * wraps round moves a slot already seen (kept) to the end: looked
	 * at twice, kept twice.
	 */
	for (size_t i = 0; i < st->nslots; ) {
		if (st->slots[i].entry == NULL ||
		    st->slots[i].round == st->round) {
			i++;
			continue;
		}
		store_remove(st, i);
		n++;
	}
	return n;
}

/* dir_index_walk_fn over the store's records, in slot order */
static dir_index_entry_t *
store_walk(void *arg, size_t *cursor)
{
	const replica_store_t *st = arg;

	while (*cursor < st->nslots)
		if (st->slots[(*cursor)++].entry != NULL)
			return st->slots[*cursor - 1].entry;
	return NULL;
}

/* An index of every record, of shards for the store's size; NULL: no memory. */
static dir_index_t *
store_build(replica_store_t *st, size_t *nshards)
{
	*nshards = dir_index_shards_for(st->nkeys);
	return dir_index_make(*nshards, store_walk, st);
}

/* The last index with the changes since applied; NULL: no memory. */
static dir_index_t *
store_apply(replica_store_t *st)
{
	dir_index_edit_t	*ed;

	if ((ed = dir_index_edit_new(st->ix, 0)) == NULL)
		return NULL;
	for (size_t i = 0; i < st->nchanges; i++) {
		const struct store_change *c = &st->changes[i];

		if ((c->old != NULL && dir_index_edit_del(ed, c->old) == -1) ||
		    (c->new != NULL && dir_index_edit_add(ed, c->new) == -1)) {
			dir_index_edit_free(ed);
			return NULL;
		}
	}
	return dir_index_edit_done(ed);
}

dir_index_t *
replica_store_index(replica_store_t *st)
{
	dir_index_t	*ix;
	size_t		 nshards = st->nshards;
	int		 whole;

	if (st->ix != NULL && !st->dirty)
		return dir_index_hold(st->ix);
	whole = st->ix == NULL || st->rebuild ||
	    (st->nshards < DIR_INDEX_SHARDS_MAX &&
	    st->nkeys > st->nshards * STORE_KEYS_REBUILD);
	ix = whole ? store_build(st, &nshards) : store_apply(st);
	if (ix == NULL)
		return NULL;
	store_changes_clear(st);
	dir_index_release(st->ix);
	st->ix = dir_index_hold(ix);
	st->nshards = nshards;
	st->dirty = 0;
	st->rebuild = 0;
	st->whole = whole;
	return ix;
}

int
replica_store_last_whole(const replica_store_t *st)
{
	return st->whole;
}

int
replica_store_dirty(const replica_store_t *st)
{
	return st->dirty;
}

char *
replica_store_dn_id(const char *dn)
{
	char	*id = strdup(dn);

	for (char *p = id; p != NULL && *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return id;
}

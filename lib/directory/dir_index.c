/*
 * dir_index.c - the in-memory index of directory entries by folded
 * address (dir_index.h).
 *
 * Each key table (proxy, target) is cut by the keys' hash into a fixed
 * number of shards (a power of two); a shard is an immutable,
 * reference-counted array of (hash, key number, entry) pairs sorted by
 * (hash, key), the entries of one key side by side in the order they were
 * added.
 * An index is a reference-counted root: the two arrays of shard pointers
 * (NULL: an empty shard).  Each pair holds a reference to its entry
 * (dir_index_entry.h), each root one to each of its shards.
 *
 * An edit copies the root's pointers, and a shard only when a change
 * touches it (from then on the edit changes its own copy in place);
 * every other shard is shared with the generation before.  So a change
 * costs one shard's copy and one root's pointers, and a reader of any
 * generation never sees a half-made one: nothing it can reach changes.
 *
 * The builder is an edit on an empty index, its shard count chosen from
 * the number of keys it was given.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "dir_index.h"
#include "dir_index_entry.h"
#include "hash.h"
#include "x500.h"

_Static_assert(X500_KEY_MAX <= ADDR_TEXT_MAX,
    "a lookup key, an X500 one too, fits an address's buffer");

enum { DIR_INDEX_PROXY, DIR_INDEX_TARGET, DIR_INDEX_TABLES };

#define DIR_INDEX_PER_SHARD	8	/* the builder's keys a shard */

/* One key of one entry: 16 octets. */
struct dir_index_pair {
	uint32_t		 hash;		/* of the key */
	uint32_t		 keyno;		/* entry->keys[keyno], or
						   DIR_INDEX_TARGET_KEY */
	dir_index_entry_t	*entry;		/* one reference */
};

#define DIR_INDEX_TARGET_KEY	UINT32_MAX	/* keyno: entry->target_key */

/* The key of the pair p (the entry's own string). */
static const char *
dir_index_key(const struct dir_index_pair *p)
{
	return p->keyno == DIR_INDEX_TARGET_KEY ?
	    DIR_INDEX_STR(p->entry, target_key) :
	    DIR_INDEX_STR(p->entry, keys[p->keyno]);
}

/* The hash of a folded key, as the pairs keep it. */
static uint32_t
dir_index_hash(const char *key)
{
	return (uint32_t)hash_string(key, 0);
}

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

struct dir_index_edit {
	dir_index_t		 *ix;		/* the generation in the making */
	unsigned char		 *own[DIR_INDEX_TABLES]; /* 1: the edit's copy */
};

struct dir_index_builder {
	dir_index_entry_t	**v;
	size_t			  n, max, nkeys;
};

/* Drops a reference to sh; the last one releases its entries. */
static void
dir_index_shard_release(struct dir_index_shard *sh)
{
	if (sh == NULL || atomic_fetch_sub_explicit(&sh->refs, 1,
	    memory_order_acq_rel) != 1)
		return;
	for (uint32_t i = 0; i < sh->n; i++)
		dir_index_entry_release(sh->v[i].entry);
	free(sh);
}

/* A root of nshards empty shards a table, one reference; NULL: no memory. */
static dir_index_t *
dir_index_root_new(size_t nshards)
{
	dir_index_t	*ix;

	if (nshards > SIZE_MAX / DIR_INDEX_TABLES / sizeof(void *) - 1 ||
	    (ix = calloc(1, sizeof(*ix) + DIR_INDEX_TABLES * nshards *
	    sizeof(void *))) == NULL)
		return NULL;
	atomic_init(&ix->refs, 1);
	ix->nshards = nshards;
	for (int t = 0; t < DIR_INDEX_TABLES; t++)
		ix->shard[t] = (struct dir_index_shard **)(void *)(ix + 1) +
		    (size_t)t * nshards;
	return ix;
}

/* Frees an index whatever its reference count; NULL is a no-op. */
static void
dir_index_free(dir_index_t *ix)
{
	if (ix == NULL)
		return;
	for (int t = 0; t < DIR_INDEX_TABLES; t++)
		for (size_t s = 0; s < ix->nshards; s++)
			dir_index_shard_release(ix->shard[t][s]);
	free(ix);
}

/* (hash, key) order */
static int
dir_index_cmp(uint32_t ha, const char *ka, uint32_t hb, const char *kb)
{
	if (ha != hb)
		return ha < hb ? -1 : 1;
	return strcmp(ka, kb);
}

/* The first pair of sh not below (hash, key): 0..n. */
static uint32_t
dir_index_lower(const struct dir_index_shard *sh, uint32_t hash,
    const char *key)
{
	uint32_t	lo = 0, hi = sh->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		const struct dir_index_pair *p = &sh->v[mid];

		/* the key (through its entry) only when the hashes tie */
		if (p->hash < hash || (p->hash == hash &&
		    strcmp(dir_index_key(p), key) < 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The number of pairs from v[i] on that hold the key of v[i]. */
static uint32_t
dir_index_run(const struct dir_index_shard *sh, uint32_t i)
{
	uint32_t	j = i + 1;

	while (j < sh->n && sh->v[j].hash == sh->v[i].hash &&
	    strcmp(dir_index_key(&sh->v[j]), dir_index_key(&sh->v[i])) == 0)
		j++;
	return j - i;
}

dir_index_edit_t *
dir_index_edit_new(const dir_index_t *base, size_t nshards)
{
	dir_index_edit_t	*ed;

	if (base != NULL)
		nshards = base->nshards;
	if (nshards == 0 || (nshards & (nshards - 1)) != 0 ||
	    nshards > DIR_INDEX_SHARDS_MAX ||
	    (ed = calloc(1, sizeof(*ed))) == NULL)
		return NULL;
	if ((ed->ix = dir_index_root_new(nshards)) == NULL)
		goto fail;
	for (int t = 0; t < DIR_INDEX_TABLES; t++)
		if ((ed->own[t] = calloc(nshards, 1)) == NULL)
			goto fail;
	if (base != NULL) {
		ed->ix->nentries = base->nentries;
		for (int t = 0; t < DIR_INDEX_TABLES; t++)
			for (size_t s = 0; s < nshards; s++) {
				struct dir_index_shard *sh = base->shard[t][s];

				if (sh != NULL)
					atomic_fetch_add_explicit(&sh->refs, 1,
					    memory_order_relaxed);
				ed->ix->shard[t][s] = sh;
			}
	}
	return ed;

fail:
	dir_index_edit_free(ed);
	return NULL;
}

void
dir_index_edit_free(dir_index_edit_t *ed)
{
	if (ed == NULL)
		return;
	dir_index_free(ed->ix);
	for (int t = 0; t < DIR_INDEX_TABLES; t++)
		free(ed->own[t]);
	free(ed);
}

/*
 * Returns shard s of table t as the edit's own copy with room for more
 * pairs more, or NULL when out of memory (the shard as it was).
 */
static struct dir_index_shard *
dir_index_edit_own(dir_index_edit_t *ed, int t, size_t s, uint32_t more)
{
	struct dir_index_shard	*sh = ed->ix->shard[t][s], *c;
	uint32_t		 n = sh != NULL ? sh->n : 0, max;

	if (n > UINT32_MAX - more - 4)
		return NULL;
	if (ed->own[t][s] && sh->max >= n + more)
		return sh;
	max = n + more < 4 ? 4 : n + more;
	if (ed->own[t][s] && max < n * 2 && n <= UINT32_MAX / 2)
		max = n * 2;
	if (ed->own[t][s]) {
		if ((c = realloc(sh, sizeof(*c) + max * sizeof(c->v[0]))) ==
		    NULL)
			return NULL;
		c->max = max;
		return ed->ix->shard[t][s] = c;
	}
	if ((c = malloc(sizeof(*c) + max * sizeof(c->v[0]))) == NULL)
		return NULL;
	atomic_init(&c->refs, 1);
	c->n = n;
	c->max = max;
	for (uint32_t i = 0; i < n; i++) {
		c->v[i] = sh->v[i];
		(void)dir_index_entry_hold(c->v[i].entry);
	}
	dir_index_shard_release(sh);
	ed->own[t][s] = 1;
	return ed->ix->shard[t][s] = c;
}

/*
 * Puts e's key keyno after the pairs of that key in table t.  0, or -1:
 * no memory.
 */
static int
dir_index_edit_put(dir_index_edit_t *ed, int t, uint32_t keyno,
    dir_index_entry_t *e)
{
	struct dir_index_pair	 p = { 0, keyno, e };
	const char		*key = dir_index_key(&p);
	uint32_t		 hash = dir_index_hash(key);
	size_t			 s = hash & (ed->ix->nshards - 1);
	struct dir_index_shard	*sh;
	uint32_t		 i;

	if ((sh = dir_index_edit_own(ed, t, s, 1)) == NULL)
		return -1;
	i = dir_index_lower(sh, hash, key);
	if (i < sh->n && sh->v[i].hash == hash &&
	    strcmp(dir_index_key(&sh->v[i]), key) == 0)
		i += dir_index_run(sh, i);
	memmove(&sh->v[i + 1], &sh->v[i], (sh->n - i) * sizeof(sh->v[0]));
	sh->v[i] = (struct dir_index_pair){ hash, keyno,
	    dir_index_entry_hold(e) };
	sh->n++;
	return 0;
}

/* Takes (key, e) out of table t, if there.  0, or -1: no memory. */
static int
dir_index_edit_take(dir_index_edit_t *ed, int t, const char *key,
    dir_index_entry_t *e)
{
	uint32_t		 hash = dir_index_hash(key);
	size_t			 s = hash & (ed->ix->nshards - 1);
	struct dir_index_shard	*sh = ed->ix->shard[t][s];
	uint32_t		 i, n;

	if (sh == NULL)
		return 0;
	i = dir_index_lower(sh, hash, key);
	n = i < sh->n ? dir_index_run(sh, i) : 0;
	while (n > 0 && sh->v[i].entry != e) {
		i++;
		n--;
	}
	if (n == 0 || sh->v[i].hash != hash ||
	    strcmp(dir_index_key(&sh->v[i]), key) != 0)
		return 0;
	if ((sh = dir_index_edit_own(ed, t, s, 0)) == NULL)
		return -1;
	dir_index_entry_release(sh->v[i].entry);
	memmove(&sh->v[i], &sh->v[i + 1], (sh->n - i - 1) * sizeof(sh->v[0]));
	sh->n--;
	return 0;
}

int
dir_index_edit_add(dir_index_edit_t *ed, dir_index_entry_t *e)
{
	if (dir_index_entry_keys(e) == 0)
		return 0;
	for (unsigned i = 0; i < e->nkeys; i++)
		if (dir_index_edit_put(ed, DIR_INDEX_PROXY, i, e) == -1)
			return -1;
	if (e->target_key != 0 && dir_index_edit_put(ed, DIR_INDEX_TARGET,
	    DIR_INDEX_TARGET_KEY, e) == -1)
		return -1;
	ed->ix->nentries++;
	return 0;
}

int
dir_index_edit_del(dir_index_edit_t *ed, dir_index_entry_t *e)
{
	if (dir_index_entry_keys(e) == 0)
		return 0;
	for (unsigned i = 0; i < e->nkeys; i++)
		if (dir_index_edit_take(ed, DIR_INDEX_PROXY,
		    DIR_INDEX_STR(e, keys[i]), e) == -1)
			return -1;
	if (e->target_key != 0 && dir_index_edit_take(ed, DIR_INDEX_TARGET,
	    DIR_INDEX_STR(e, target_key), e) == -1)
		return -1;
	ed->ix->nentries--;
	return 0;
}

dir_index_t *
dir_index_edit_done(dir_index_edit_t *ed)
{
	dir_index_t	*ix;

	if (ed == NULL)
		return NULL;
	/* the edit's own shards: an empty one goes, the others fit */
	for (int t = 0; t < DIR_INDEX_TABLES; t++)
		for (size_t s = 0; s < ed->ix->nshards; s++) {
			struct dir_index_shard *sh = ed->ix->shard[t][s], *c;

			if (!ed->own[t][s])
				continue;
			if (sh->n == 0) {
				dir_index_shard_release(sh);
				ed->ix->shard[t][s] = NULL;
			} else if (sh->max > sh->n && (c = realloc(sh,
			    sizeof(*c) + sh->n * sizeof(c->v[0]))) != NULL) {
				c->max = c->n;
				ed->ix->shard[t][s] = c;
			}
		}
	ix = ed->ix;
	ed->ix = NULL;
	dir_index_edit_free(ed);
	return ix;
}

dir_index_builder_t *
dir_index_builder_new(void)
{
	return calloc(1, sizeof(dir_index_builder_t));
}

int
dir_index_add(dir_index_builder_t *b, const dir_index_record_t *rec)
{
	dir_index_entry_t	*e;

	if (rec->nproxy_keys == 0 && rec->target_key == NULL)
		return 0;		/* nothing to find it by */
	if (b->n == b->max) {
		size_t			 max = b->max ? b->max * 2 : 1024;
		dir_index_entry_t	**v;

		if (max > SIZE_MAX / sizeof(*v) ||
		    (v = realloc(b->v, max * sizeof(*v))) == NULL)
			return -1;
		b->v = v;
		b->max = max;
	}
	if ((e = dir_index_entry_new(rec, NULL)) == NULL)
		return -1;
	b->v[b->n++] = e;
	b->nkeys += e->nkeys + (e->target_key != 0);
	return 0;
}

dir_index_t *
dir_index_build(dir_index_builder_t *b)
{
	dir_index_edit_t	*ed;
	size_t			 nshards = 1;

	if (b == NULL)
		return NULL;
	while (nshards < DIR_INDEX_SHARDS_MAX &&
	    nshards * DIR_INDEX_PER_SHARD < b->nkeys)
		nshards *= 2;
	if ((ed = dir_index_edit_new(NULL, nshards)) == NULL)
		goto fail;
	for (size_t i = 0; i < b->n; i++)
		if (dir_index_edit_add(ed, b->v[i]) == -1)
			goto fail;
	dir_index_builder_free(b);
	return dir_index_edit_done(ed);

fail:
	dir_index_edit_free(ed);
	dir_index_builder_free(b);
	return NULL;
}

void
dir_index_builder_free(dir_index_builder_t *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->n; i++)
		dir_index_entry_release(b->v[i]);
	free(b->v);
	free(b);
}

/*
 * Finds the pairs of a folded key in table t of ix: returns their shard
 * and sets *first and *n (NULL, n 0: none).
 */
static const struct dir_index_shard *
dir_index_find(const dir_index_t *ix, int t, const char *key,
    uint32_t *first, uint32_t *n)
{
	uint32_t			 hash = dir_index_hash(key);
	const struct dir_index_shard	*sh;
	uint32_t			 i;

	*n = 0;
	sh = ix->shard[t][hash & (ix->nshards - 1)];
	if (sh == NULL)
		return NULL;
	i = dir_index_lower(sh, hash, key);
	if (i == sh->n || sh->v[i].hash != hash ||
	    strcmp(dir_index_key(&sh->v[i]), key) != 0)
		return NULL;
	*first = i;
	*n = dir_index_run(sh, i);
	return sh;
}

int
dir_index_lookup(const dir_index_t *ix, int by_target, const char *key,
    dir_result_t *res, char *err, size_t errlen)
{
	const struct dir_index_shard	*sh;
	const dir_index_entry_t		*e;
	char				 folded[ADDR_TEXT_MAX + 1];
	size_t				 len = strlen(key);
	uint32_t			 first = 0, n;

	if (ix == NULL || len >= sizeof(folded))
		return DIR_NOTFOUND;	/* no address is that long */
	memcpy(folded, key, len + 1);
	addr_fold(folded);
	sh = dir_index_find(ix, by_target ? DIR_INDEX_TARGET : DIR_INDEX_PROXY,
	    folded, &first, &n);
	if (sh == NULL)
		return DIR_NOTFOUND;

	/* one bad entry spoils the whole answer: look before copying */
	for (uint32_t i = first; i < first + n; i++) {
		e = sh->v[i].entry;
		if (e->bad != 0) {
			dir_result_free(res);
			snprintf(err, errlen, "%s", DIR_INDEX_STR(e, bad));
			return DIR_TRYAGAIN;
		}
	}
	for (uint32_t i = first; i < first + n; i++) {
		dir_entry_t	 found;

		e = sh->v[i].entry;
		found.dn = (char *)(uintptr_t)DIR_INDEX_STR(e, dn);
		found.primary = (char *)(uintptr_t)DIR_INDEX_STR(e, primary);
		found.target = (char *)(uintptr_t)DIR_INDEX_STR(e, target);
		found.secondary = by_target ?
		    (char *)(uintptr_t)DIR_INDEX_STR(e, secondary) : NULL;
		if (dir_result_add_entry(res, &found) == -1) {
			dir_result_free(res);
			snprintf(err, errlen, "directory index: out of memory");
			return DIR_TRYAGAIN;
		}
	}
	return DIR_FOUND;
}

int
dir_index_each(const dir_index_t *ix, int by_target, dir_index_each_fn fn,
    void *arg)
{
	const int	 t = by_target ? DIR_INDEX_TARGET : DIR_INDEX_PROXY;
	dir_entry_t	*v = NULL, *p;
	size_t		 max = 0;
	int		 rc = 0;

	if (ix == NULL)
		return 0;
	for (size_t s = 0; rc == 0 && s < ix->nshards; s++) {
		const struct dir_index_shard *sh = ix->shard[t][s];

		for (uint32_t i = 0; rc == 0 && sh != NULL && i < sh->n; ) {
			uint32_t n = dir_index_run(sh, i);

			if (n > max) {
				if ((p = realloc(v, n * sizeof(*v))) == NULL) {
					rc = -1;
					break;
				}
				v = p;
				max = n;
			}
			for (uint32_t j = 0; j < n; j++) {
				const dir_index_entry_t *e = sh->v[i + j].entry;

				/* read-only views, nothing else set */
				v[j] = (dir_entry_t){
					.dn = (char *)(uintptr_t)
					    DIR_INDEX_STR(e, dn),
					.primary = (char *)(uintptr_t)
					    DIR_INDEX_STR(e, primary),
					.target = (char *)(uintptr_t)
					    DIR_INDEX_STR(e, target),
				};
			}
			rc = fn(arg, dir_index_key(&sh->v[i]), v, n);
			i += n;
		}
	}
	free(v);
	return rc;
}

/* strcmp() that takes NULL (less than any string) */
static int
dir_index_strcmp(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/* dir_index_strcmp() of one string of ea and eb */
#define SAME(f)	dir_index_strcmp(DIR_INDEX_STR(ea, f), DIR_INDEX_STR(eb, f))

/* 1 when the n pairs from a[0] and the m from b[0] hold the same entries. */
static int
dir_index_same_row(const struct dir_index_pair *a, uint32_t n,
    const struct dir_index_pair *b, uint32_t m)
{
	if (n != m)
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		const dir_index_entry_t *ea = a[i].entry, *eb = b[i].entry;

		if (ea != eb && (SAME(dn) != 0 || SAME(primary) != 0 ||
		    SAME(target) != 0 || SAME(bad) != 0))
			return 0;
	}
	return 1;
}
#undef SAME

/* Walks two shards (either may be NULL) side by side; see dir_index_diff. */
static int
dir_index_diff_shard(const struct dir_index_shard *sa,
    const struct dir_index_shard *sb, dir_index_key_fn fn, void *arg)
{
	uint32_t	 na = sa != NULL ? sa->n : 0, nb = sb != NULL ? sb->n : 0;
	uint32_t	 i = 0, j = 0, ra, rb;
	int		 c, r;

	while (i < na || j < nb) {
		if (i == na)
			c = 1;
		else if (j == nb)
			c = -1;
		else
			c = dir_index_cmp(sa->v[i].hash,
			    dir_index_key(&sa->v[i]), sb->v[j].hash,
			    dir_index_key(&sb->v[j]));
		ra = c <= 0 ? dir_index_run(sa, i) : 0;
		rb = c >= 0 ? dir_index_run(sb, j) : 0;
		if (c < 0)
			r = fn(dir_index_key(&sa->v[i]), arg);
		else if (c > 0)
			r = fn(dir_index_key(&sb->v[j]), arg);
		else
			r = dir_index_same_row(&sa->v[i], ra, &sb->v[j], rb) ?
			    0 : fn(dir_index_key(&sa->v[i]), arg);
		i += ra;
		j += rb;
		if (r != 0)
			return r;
	}
	return 0;
}

/*
 * Calls fn for each key of table t of a that b does not hold, and, with
 * only_missing 0, each that b holds with other entries: a diff of indexes
 * of different shard counts, key by key.
 */
static int
dir_index_diff_keys(const dir_index_t *a, const dir_index_t *b, int t,
    int only_missing, dir_index_key_fn fn, void *arg)
{
	for (size_t s = 0; a != NULL && s < a->nshards; s++) {
		const struct dir_index_shard *sa = a->shard[t][s], *sb;

		for (uint32_t i = 0; sa != NULL && i < sa->n; ) {
			uint32_t ra = dir_index_run(sa, i), first = 0, rb = 0;
			int r = 0;

			sb = b != NULL ? dir_index_find(b, t,
			    dir_index_key(&sa->v[i]),
			    &first, &rb) : NULL;
			if (sb == NULL)
				r = fn(dir_index_key(&sa->v[i]), arg);
			else if (!only_missing &&
			    !dir_index_same_row(&sa->v[i], ra, &sb->v[first], rb))
				r = fn(dir_index_key(&sa->v[i]), arg);
			if (r != 0)
				return r;
			i += ra;
		}
	}
	return 0;
}

int
dir_index_diff(const dir_index_t *a, const dir_index_t *b, int by_target,
    dir_index_key_fn fn, void *arg)
{
	const int	 t = by_target ? DIR_INDEX_TARGET : DIR_INDEX_PROXY;
	int		 r;

	if (a == NULL || b == NULL || a->nshards != b->nshards) {
		if ((r = dir_index_diff_keys(a, b, t, 0, fn, arg)) != 0)
			return r;
		return dir_index_diff_keys(b, a, t, 1, fn, arg);
	}
	/* two generations of one index: only the shards that differ */
	for (size_t s = 0; s < a->nshards; s++)
		if (a->shard[t][s] != b->shard[t][s] &&
		    (r = dir_index_diff_shard(a->shard[t][s], b->shard[t][s],
		    fn, arg)) != 0)
			return r;
	return 0;
}

size_t
dir_index_entries(const dir_index_t *ix)
{
	return ix == NULL ? 0 : ix->nentries;
}

dir_index_t *
dir_index_hold(dir_index_t *ix)
{
	if (ix != NULL)
		atomic_fetch_add_explicit(&ix->refs, 1, memory_order_relaxed);
	return ix;
}

void
dir_index_release(dir_index_t *ix)
{
	if (ix == NULL)
		return;
	/* acq_rel: every owner's reads happen before the last one frees */
	if (atomic_fetch_sub_explicit(&ix->refs, 1, memory_order_acq_rel) != 1)
		return;
	dir_index_free(ix);
}

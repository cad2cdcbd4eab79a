/*
 * dir_index.c - the in-memory index of directory entries by folded
 * address (dir_index.h): its root, lookups, walks and diffs, and the
 * builder.  The parts are described in dir_index_shard.h; an edit is in
 * dir_index_edit.c, an index made whole in dir_index_make.c (the builder
 * makes its index there).
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "dir_index.h"
#include "dir_index_entry.h"
#include "dir_index_shard.h"
#include "x500.h"

_Static_assert(X500_KEY_MAX <= ADDR_TEXT_MAX,
    "a lookup key, an X500 one too, fits an address's buffer");

struct dir_index_builder {
	dir_index_entry_t	**v;
	size_t			  n, max, nkeys;
};

void
dir_index_shard_release(struct dir_index_shard *sh)
{
	if (sh == NULL || atomic_fetch_sub_explicit(&sh->refs, 1,
	    memory_order_acq_rel) != 1)
		return;
	for (uint32_t i = 0; i < sh->n; i++)
		dir_index_entry_release(sh->v[i].entry);
	free(sh);
}

dir_index_t *
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

void
dir_index_root_free(dir_index_t *ix)
{
	if (ix == NULL)
		return;
	for (int t = 0; t < DIR_INDEX_TABLES; t++)
		for (size_t s = 0; s < ix->nshards; s++)
			dir_index_shard_release(ix->shard[t][s]);
	free(ix);
}

size_t
dir_index_shards_for(size_t nkeys)
{
	size_t	nshards = 1;

	while (nshards < DIR_INDEX_SHARDS_MAX &&
	    nshards * DIR_INDEX_PER_SHARD < nkeys)
		nshards *= 2;
	return nshards;
}

uint32_t
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

uint32_t
dir_index_run(const struct dir_index_shard *sh, uint32_t i)
{
	uint32_t	j = i + 1;

	while (j < sh->n && sh->v[j].hash == sh->v[i].hash &&
	    strcmp(dir_index_key(&sh->v[j]), dir_index_key(&sh->v[i])) == 0)
		j++;
	return j - i;
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

/* dir_index_walk_fn over a builder's entries */
static dir_index_entry_t *
dir_index_builder_walk(void *arg, size_t *cursor)
{
	const dir_index_builder_t *b = arg;

	return *cursor < b->n ? b->v[(*cursor)++] : NULL;
}

dir_index_t *
dir_index_build(dir_index_builder_t *b)
{
	dir_index_t	*ix;

	if (b == NULL)
		return NULL;
	ix = dir_index_make(dir_index_shards_for(b->nkeys),
	    dir_index_builder_walk, b);
	dir_index_builder_free(b);	/* the index holds its own references */
	return ix;
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
	dir_index_root_free(ix);
}

/*
 * dir_index_make.c - an index made whole from a set of entries
 * (dir_index.h, dir_index_make()).
 *
 * Two walks over the set: the first counts each shard's pairs, so that
 * every shard is allocated once at its size; the second places each pair
 * at the end of its shard, in the order the walk yields them.  Then each
 * shard is sorted on its own by (hash, key), stably, so that the entries
 * of one key stay in that order.  No pair is moved into place one by one,
 * and no shard grows.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dir_index.h"
#include "dir_index_entry.h"
#include "dir_index_shard.h"

#define MAKE_INSERTION_MAX	16	/* runs sorted by insertion */

/* The pair of e's key k (0..nkeys-1 proxy keys, nkeys the target key). */
static struct dir_index_pair
make_pair(dir_index_entry_t *e, uint32_t k, int *t)
{
	struct dir_index_pair	 p = { 0, k, e };

	*t = DIR_INDEX_PROXY;
	if (k == e->nkeys) {
		p.keyno = DIR_INDEX_TARGET_KEY;
		*t = DIR_INDEX_TARGET;
	}
	p.hash = dir_index_hash(dir_index_key(&p));
	return p;
}

/* -1, 0 or 1: pair a against b in a shard's order. */
static int
make_cmp(const struct dir_index_pair *a, const struct dir_index_pair *b)
{
	if (a->hash != b->hash)		/* the keys only when they tie */
		return a->hash < b->hash ? -1 : 1;
	return strcmp(dir_index_key(a), dir_index_key(b));
}

/*
 * Sorts v[0..n) stably (a merge sort, its short runs by insertion); tmp
 * has room for n / 2 + 1 pairs.
 */
static void
make_sort(struct dir_index_pair *v, uint32_t n, struct dir_index_pair *tmp)
{
	uint32_t	 m, i, j, k;

	if (n <= MAKE_INSERTION_MAX) {
		for (i = 1; i < n; i++) {
			struct dir_index_pair p = v[i];

			for (j = i; j > 0 && make_cmp(&v[j - 1], &p) > 0; j--)
				v[j] = v[j - 1];
			v[j] = p;
		}
		return;
	}
	m = n / 2;
	make_sort(v, m, tmp);
	make_sort(v + m, n - m, tmp);
	if (make_cmp(&v[m - 1], &v[m]) <= 0)
		return;			/* already in order */
	memcpy(tmp, v, m * sizeof(*v));
	/* the left run's pair first on a tie: stable */
	for (i = 0, j = m, k = 0; i < m; k++)
		v[k] = j < n && make_cmp(&v[j], &tmp[i]) < 0 ? v[j++] :
		    tmp[i++];
}

/* Frees counts and the index made so far. */
static dir_index_t *
make_fail(dir_index_t *ix, uint32_t *count)
{
	dir_index_root_free(ix);
	free(count);
	return NULL;
}

dir_index_t *
dir_index_make(size_t nshards, dir_index_walk_fn walk, void *arg)
{
	dir_index_t		*ix;
	dir_index_entry_t	*e;
	struct dir_index_pair	*tmp;
	uint32_t		*count, most = 0;
	size_t			 cursor, mask = nshards - 1;
	int			 t;

	if (nshards == 0 || (nshards & mask) != 0 ||
	    nshards > DIR_INDEX_SHARDS_MAX ||
	    (ix = dir_index_root_new(nshards)) == NULL)
		return NULL;
	if ((count = calloc(DIR_INDEX_TABLES * nshards, sizeof(*count))) ==
	    NULL)
		return make_fail(ix, NULL);

	/* the first walk: each shard's size */
	for (cursor = 0; (e = walk(arg, &cursor)) != NULL; ) {
		for (uint32_t k = 0; k < (uint32_t)dir_index_entry_keys(e);
		    k++) {
			struct dir_index_pair p = make_pair(e, k, &t);
			uint32_t *c = &count[(size_t)t * nshards +
			    (p.hash & mask)];

			if (*c == UINT32_MAX / 2)
				return make_fail(ix, count);
			(*c)++;
		}
	}
	for (t = 0; t < DIR_INDEX_TABLES; t++)
		for (size_t s = 0; s < nshards; s++) {
			uint32_t		 c = count[(size_t)t * nshards + s];
			struct dir_index_shard	*sh;

			if (c == 0)
				continue;
			if ((sh = malloc(sizeof(*sh) + c * sizeof(sh->v[0]))) ==
			    NULL)
				return make_fail(ix, count);
			atomic_init(&sh->refs, 1);
			sh->n = 0;
			sh->max = c;
			ix->shard[t][s] = sh;
			if (c > most)
				most = c;
		}
	free(count);

	/* the second: each pair at the end of its shard */
	for (cursor = 0; (e = walk(arg, &cursor)) != NULL; ) {
		if (dir_index_entry_keys(e) == 0)
			continue;
		for (uint32_t k = 0; k < (uint32_t)dir_index_entry_keys(e);
		    k++) {
			struct dir_index_pair	 p = make_pair(e, k, &t);
			struct dir_index_shard	*sh = ix->shard[t][p.hash & mask];

			if (sh == NULL || sh->n == sh->max)
				return make_fail(ix, NULL); /* not the same set */
			p.entry = dir_index_entry_hold(e);
			sh->v[sh->n++] = p;
		}
		ix->nentries++;
	}

	/* and each shard in order */
	if ((tmp = malloc((most / 2 + 1) * sizeof(*tmp))) == NULL)
		return make_fail(ix, NULL);
	for (t = 0; t < DIR_INDEX_TABLES; t++)
		for (size_t s = 0; s < nshards; s++) {
			struct dir_index_shard *sh = ix->shard[t][s];

			if (sh == NULL)
				continue;
			if (sh->n != sh->max) {
				free(tmp);
				return make_fail(ix, NULL); /* not the same set */
			}
			make_sort(sh->v, sh->n, tmp);
		}
	free(tmp);
	return ix;
}

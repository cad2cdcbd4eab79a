/*
 * dir_index_make.c - an index made whole from a set of entries
 * (dir_index.h, dir_index_make()).
 *
 * Two walks over the set: the first counts each shard's pairs, so that
 * every shard is allocated once at its size; the second places each pair
 * at the end of its shard, in the order the walk yields them.  Then each
 * shard is sorted on its own by (hash, key), stably, so that the entries
 * of one key stay in that order.  No pair is moved into place one by one,
 * and no shard grows.  At a million entries the time is the cache's:
 * entries and shards are fetched ahead of their use (make_walk,
 * make_batch), so that their misses overlap.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dir_index.h"
#include "dir_index_entry.h"
#include "dir_index_shard.h"

#define MAKE_INSERTION_MAX	16	/* runs sorted by insertion */
#define MAKE_AHEAD		16	/* entries fetched ahead of use */
#define MAKE_LINES		4	/* of an entry, fetched ahead */
#define MAKE_BATCH		64	/* pairs counted or placed at once */

/*
 * A walk read ahead: the entries of a large set lie all over the heap, in
 * no order a walk knows, so each is fetched into the cache MAKE_AHEAD
 * entries before it is used, and the misses overlap instead of adding up.
 */
struct make_walk {
	dir_index_walk_fn	 walk;
	void			*arg;
	size_t			 cursor;
	dir_index_entry_t	*ring[MAKE_AHEAD];
	unsigned		 head, n;
	int			 end;
};

/* Starts w over the set again. */
static void
make_walk_start(struct make_walk *w, dir_index_walk_fn walk, void *arg)
{
	w->walk = walk;
	w->arg = arg;
	w->cursor = 0;
	w->head = w->n = 0;
	w->end = 0;
}

/* The next entry of w's walk, or NULL after the last. */
static dir_index_entry_t *
make_walk_next(struct make_walk *w)
{
	dir_index_entry_t	*e;

	while (!w->end && w->n < MAKE_AHEAD) {
		if ((e = w->walk(w->arg, &w->cursor)) == NULL) {
			w->end = 1;
			break;
		}
		for (int l = 0; l < MAKE_LINES; l++)
			__builtin_prefetch((const char *)e + l * 64);
		w->ring[(w->head + w->n++) % MAKE_AHEAD] = e;
	}
	if (w->n == 0)
		return NULL;
	e = w->ring[w->head];
	w->head = (w->head + 1) % MAKE_AHEAD;
	w->n--;
	return e;
}

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

/* < 0, 0 or > 0 as pair a sorts before, with or after b in a shard. */
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

/* A shard's size (the first walk) and how full it is (the second). */
struct make_count {
	uint32_t	 size, fill;
};

/*
 * The next pairs of a walk, a batch at a time: each batch's shards are
 * fetched ahead before the batch is counted or placed.
 */
struct make_batch {
	struct dir_index_pair	 v[MAKE_BATCH];
	size_t			 slot[MAKE_BATCH];	/* t * nshards + s */
	unsigned		 n;
	dir_index_entry_t	*e;	/* the entry being cut into pairs */
	uint32_t		 k;	/* its next key */
	size_t			 nentries;	/* entries with a key so far */
};

/* Fills b with the next pairs of w (at most MAKE_BATCH); 0: none left. */
static unsigned
make_batch_fill(struct make_batch *b, struct make_walk *w, size_t nshards)
{
	struct dir_index_pair	 p;
	int			 t;

	for (b->n = 0; b->n < MAKE_BATCH; ) {
		if (b->e == NULL || b->k == dir_index_entry_keys(b->e)) {
			if ((b->e = make_walk_next(w)) == NULL)
				break;
			b->k = 0;
			b->nentries += dir_index_entry_keys(b->e) > 0;
			continue;
		}
		p = make_pair(b->e, b->k++, &t);
		b->slot[b->n] = (size_t)t * nshards + (p.hash & (nshards - 1));
		b->v[b->n++] = p;
	}
	return b->n;
}

/* The shard of a slot (t * nshards + s) of ix. */
static struct dir_index_shard **
make_shard(dir_index_t *ix, size_t slot)
{
	return &ix->shard[slot / ix->nshards][slot % ix->nshards];
}

/*
 * Sets each shard's count of pairs to what the second walk placed; -1
 * when one is short of its size (the walks differed).
 */
static int
make_settle(dir_index_t *ix, const struct make_count *count)
{
	int	 rc = 0;

	for (size_t slot = 0; slot < DIR_INDEX_TABLES * ix->nshards; slot++) {
		struct dir_index_shard *sh = *make_shard(ix, slot);

		if (sh == NULL)
			continue;
		sh->n = count[slot].fill;
		if (sh->n != count[slot].size)
			rc = -1;
	}
	return rc;
}

/* Frees count and the index made so far; NULL. */
static dir_index_t *
make_fail(dir_index_t *ix, struct make_count *count)
{
	dir_index_root_free(ix);
	free(count);
	return NULL;
}

/* The first walk: each shard's size, each allocated.  0, or -1. */
static int
make_count(dir_index_t *ix, struct make_count *count, dir_index_walk_fn walk,
    void *arg, uint32_t *most)
{
	struct make_walk	 w;
	struct make_batch	 b = { .e = NULL };

	make_walk_start(&w, walk, arg);
	while (make_batch_fill(&b, &w, ix->nshards) > 0) {
		for (unsigned i = 0; i < b.n; i++)
			__builtin_prefetch(&count[b.slot[i]], 1);
		for (unsigned i = 0; i < b.n; i++)
			if (count[b.slot[i]].size++ == UINT32_MAX / 2)
				return -1;
	}
	for (size_t slot = 0; slot < DIR_INDEX_TABLES * ix->nshards; slot++) {
		uint32_t		 n = count[slot].size;
		struct dir_index_shard	*sh;

		if (n == 0)
			continue;
		if ((sh = malloc(sizeof(*sh) + n * sizeof(sh->v[0]))) == NULL)
			return -1;
		atomic_init(&sh->refs, 1);
		sh->n = 0;
		sh->max = n;
		*make_shard(ix, slot) = sh;
		if (n > *most)
			*most = n;
	}
	return 0;
}

/*
 * The second walk: each pair at the end of its shard, holding its entry.
 * 0, or -1 when the walk yields more than the first did (then
 * make_settle() before the index is freed).
 */
static int
make_place(dir_index_t *ix, struct make_count *count, dir_index_walk_fn walk,
    void *arg)
{
	struct make_walk	 w;
	struct make_batch	 b = { .e = NULL };

	make_walk_start(&w, walk, arg);
	while (make_batch_fill(&b, &w, ix->nshards) > 0) {
		for (unsigned i = 0; i < b.n; i++) {
			__builtin_prefetch(make_shard(ix, b.slot[i]));
			__builtin_prefetch(&count[b.slot[i]], 1);
		}
		for (unsigned i = 0; i < b.n; i++) {
			struct dir_index_shard *sh = *make_shard(ix, b.slot[i]);

			if (sh != NULL)
				__builtin_prefetch(&sh->v[count[b.slot[i]].fill],
				    1);
		}
		for (unsigned i = 0; i < b.n; i++) {
			struct dir_index_shard	*sh = *make_shard(ix, b.slot[i]);
			struct make_count	*c = &count[b.slot[i]];

			if (sh == NULL || c->fill == c->size)
				return -1;
			b.v[i].entry = dir_index_entry_hold(b.v[i].entry);
			sh->v[c->fill++] = b.v[i];
		}
	}
	ix->nentries = b.nentries;
	return 0;
}

dir_index_t *
dir_index_make(size_t nshards, dir_index_walk_fn walk, void *arg)
{
	dir_index_t		*ix;
	struct dir_index_pair	*tmp;
	struct make_count	*count;
	uint32_t		 most = 0;

	if (nshards == 0 || (nshards & (nshards - 1)) != 0 ||
	    nshards > DIR_INDEX_SHARDS_MAX ||
	    (ix = dir_index_root_new(nshards)) == NULL)
		return NULL;
	if ((count = calloc(DIR_INDEX_TABLES * nshards, sizeof(*count))) ==
	    NULL)
		return make_fail(ix, NULL);
	if (make_count(ix, count, walk, arg, &most) == -1)
		return make_fail(ix, count);
	if (make_place(ix, count, walk, arg) == -1) {
		(void)make_settle(ix, count);
		return make_fail(ix, count);
	}
	if (make_settle(ix, count) == -1)
		return make_fail(ix, count);
	free(count);

	/* and each shard in order */
	if ((tmp = malloc((most / 2 + 1) * sizeof(*tmp))) == NULL)
		return make_fail(ix, NULL);
	for (int t = 0; t < DIR_INDEX_TABLES; t++)
		for (size_t s = 0; s < nshards; s++)
			if (ix->shard[t][s] != NULL)
				make_sort(ix->shard[t][s]->v,
				    ix->shard[t][s]->n, tmp);
	free(tmp);
	return ix;
}

/*
 * dir_index_edit.c - the next generation of an index made from a few
 * changes (dir_index.h, dir_index_edit_new()).
 *
 * An edit copies the root's pointers, and a shard only when a change
 * touches it (from then on the edit changes its own copy in place);
 * every other shard is shared with the generation before.  So a change
 * costs one shard's copy and one root's pointers, and a reader of any
 * generation never sees a half-made one: nothing it can reach changes.
 * An index made whole is dir_index_make.c's.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dir_index.h"
#include "dir_index_entry.h"
#include "dir_index_shard.h"

struct dir_index_edit {
	dir_index_t		 *ix;		/* the generation in the making */
	unsigned char		 *own[DIR_INDEX_TABLES]; /* 1: the edit's copy */
};

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
	dir_index_root_free(ed->ix);
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

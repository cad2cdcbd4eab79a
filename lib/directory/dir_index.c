/*
 * dir_index.c - the in-memory index of directory entries by folded
 * address (dir_index.h).
 *
 * A builder copies every string once into an arena of 64 KiB blocks,
 * keeps the entries in one growing array and, for each of the two tables
 * (proxy, target), one (key, entry number) pair per key.  Building sorts
 * each table's pairs by (hash, key, entry) and turns every run of one key
 * into one row of the key table, whose entries are idx[first..+count): the
 * same key twice in one entry is then two neighbours, and counts once.
 * The arena and the entries move to the index as they are; the pairs go.
 *
 * Keys are ordered by their hash first, then by the key itself: most
 * comparisons are then one integer compare instead of a strcmp() through
 * a pointer.  The order means nothing else.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "dir_index.h"
#include "hash.h"
#include "x500.h"

_Static_assert(X500_KEY_MAX <= ADDR_TEXT_MAX,
    "a lookup key, an X500 one too, fits an address's buffer");

#define DIR_INDEX_BLOCK	(64 * 1024)	/* string arena block */

enum { DIR_INDEX_PROXY, DIR_INDEX_TARGET, DIR_INDEX_TABLES };

/* One block of the string arena; strings are never freed one by one. */
struct dir_index_block {
	struct dir_index_block	*next;
	size_t			 used, size;
	char			 data[];
};

/*
 * One entry kept; the strings live in the arena, and no lookup changes
 * them (they are not const only so that a dir_entry_t can point at them).
 */
struct dir_index_entry {
	char	*dn;
	char	*primary;	/* NULL: none */
	char	*target;	/* NULL: a user */
	char	*secondary;	/* joined; NULL: none, or a user */
	char	*bad;		/* NULL, or its keys answer DIR_TRYAGAIN */
};

/* One (folded key, entry number) pair, gathered while building. */
struct dir_index_pair {
	unsigned long	 hash;
	const char	*key;
	size_t		 entry;
};

/* The pairs of one table while building. */
struct dir_index_pairs {
	struct dir_index_pair	*v;
	size_t			 n, max;
};

/* One distinct key of a table: its entries are idx[first..+count). */
struct dir_index_key {
	unsigned long	 hash;
	const char	*key;
	size_t		 first, count;
};

/* One table, built: keys sorted by (hash, key). */
struct dir_index_table {
	struct dir_index_key	*keys;
	size_t			 nkeys;
	size_t			*idx;		/* entry numbers */
};

struct dir_index_builder {
	struct dir_index_block	*blocks;
	struct dir_index_entry	*entries;
	size_t			 nentries, maxentries;
	struct dir_index_pairs	 pairs[DIR_INDEX_TABLES];
};

struct dir_index {
	atomic_size_t		 refs;
	struct dir_index_block	*blocks;
	struct dir_index_entry	*entries;
	size_t			 nentries;
	struct dir_index_table	 table[DIR_INDEX_TABLES];
};

/* Frees a list of arena blocks. */
static void
dir_index_blocks_free(struct dir_index_block *b)
{
	struct dir_index_block	*next;

	for (; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
}

/*
 * Copies s, NUL included, into the builder's arena and sets *out to the
 * copy (NULL for a NULL s).  Returns 0, or -1: no memory.
 */
static int
dir_index_store(dir_index_builder_t *bl, const char *s, char **out)
{
	struct dir_index_block	*b = bl->blocks;
	size_t			 len;

	*out = NULL;
	if (s == NULL)
		return 0;
	len = strlen(s);
	if (b == NULL || b->size - b->used < len + 1) {
		size_t	size = len + 1 > DIR_INDEX_BLOCK ? len + 1 :
			    DIR_INDEX_BLOCK;

		if (size > SIZE_MAX - sizeof(*b) ||
		    (b = malloc(sizeof(*b) + size)) == NULL)
			return -1;
		b->size = size;
		b->used = 0;
		b->next = bl->blocks;
		bl->blocks = b;
	}
	*out = b->data + b->used;
	memcpy(*out, s, len + 1);
	b->used += len + 1;
	return 0;
}

/*
 * Returns the array v of *max elements of size bytes grown to hold need
 * (doubling, from 1024), or NULL when out of memory (v is kept).  need
 * must be more than 0.
 */
static void *
dir_index_grow(void *v, size_t *max, size_t need, size_t size)
{
	size_t	 n = *max ? *max : 1024;
	void	*p;

	if (need <= *max)
		return v;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return NULL;
		n *= 2;
	}
	if (n > SIZE_MAX / size || (p = realloc(v, n * size)) == NULL)
		return NULL;
	*max = n;
	return p;
}

/*
 * Makes room in b for one more entry, nproxy more proxy pairs and ntarget
 * more target pairs.  Returns 0, or -1: no memory (b is as it was, some
 * arrays larger).
 */
static int
dir_index_room(dir_index_builder_t *b, size_t nproxy, size_t ntarget)
{
	struct dir_index_pairs	*ps;
	size_t			 more[DIR_INDEX_TABLES];
	void			*p;

	if ((p = dir_index_grow(b->entries, &b->maxentries, b->nentries + 1,
	    sizeof(*b->entries))) == NULL)
		return -1;
	b->entries = p;
	more[DIR_INDEX_PROXY] = nproxy;
	more[DIR_INDEX_TARGET] = ntarget;
	for (int t = 0; t < DIR_INDEX_TABLES; t++) {
		ps = &b->pairs[t];
		if (more[t] == 0)
			continue;
		if (more[t] > SIZE_MAX - ps->n || (p = dir_index_grow(ps->v,
		    &ps->max, ps->n + more[t], sizeof(*ps->v))) == NULL)
			return -1;
		ps->v = p;
	}
	return 0;
}

dir_index_builder_t *
dir_index_builder_new(void)
{
	return calloc(1, sizeof(dir_index_builder_t));
}

/* Adds (key, entry) to a table whose room is reserved.  0, or -1: no memory. */
static int
dir_index_pair_add(dir_index_builder_t *b, struct dir_index_pairs *ps,
    const char *key, size_t entry)
{
	struct dir_index_pair	*p = &ps->v[ps->n];
	char			*k;

	if (dir_index_store(b, key, &k) == -1)
		return -1;
	addr_fold(k);
	p->hash = hash_string(k, 0);
	p->key = k;
	p->entry = entry;
	ps->n++;
	return 0;
}

int
dir_index_add(dir_index_builder_t *b, const dir_index_record_t *rec)
{
	struct dir_index_pairs	*proxy = &b->pairs[DIR_INDEX_PROXY];
	struct dir_index_pairs	*target = &b->pairs[DIR_INDEX_TARGET];
	struct dir_index_entry	*e;
	size_t			 nproxy = proxy->n, ntarget = target->n;
	size_t			 n = b->nentries;
	char			*dn, *primary, *tgt, *secondary, *bad;

	if (rec->nproxy_keys == 0 && rec->target_key == NULL)
		return 0;		/* nothing to find it by */

	/* room first, then the strings: a failure adds nothing */
	if (dir_index_room(b, rec->nproxy_keys, rec->target_key != NULL) == -1)
		return -1;
	if (dir_index_store(b, rec->dn, &dn) == -1 ||
	    dir_index_store(b, rec->primary, &primary) == -1 ||
	    dir_index_store(b, rec->target, &tgt) == -1 ||
	    dir_index_store(b, rec->target != NULL ? rec->secondary : NULL,
	    &secondary) == -1 ||
	    dir_index_store(b, rec->bad, &bad) == -1)
		return -1;
	for (size_t i = 0; i < rec->nproxy_keys; i++)
		if (dir_index_pair_add(b, proxy, rec->proxy_keys[i], n) == -1)
			goto nomem;
	if (rec->target_key != NULL &&
	    dir_index_pair_add(b, target, rec->target_key, n) == -1)
		goto nomem;
	e = &b->entries[b->nentries++];
	e->dn = dn;
	e->primary = primary;
	e->target = tgt;
	e->secondary = secondary;
	e->bad = bad;
	return 0;

nomem:
	/* what went into the arena stays there until the builder goes */
	proxy->n = nproxy;
	target->n = ntarget;
	return -1;
}

static int
dir_index_pair_cmp(const void *a, const void *b)
{
	const struct dir_index_pair	*pa = a, *pb = b;
	int				 c;

	if (pa->hash != pb->hash)
		return pa->hash < pb->hash ? -1 : 1;
	if ((c = strcmp(pa->key, pb->key)) != 0)
		return c;
	return (pa->entry > pb->entry) - (pa->entry < pb->entry);
}

/*
 * Sorts the pairs ps and turns them into the key table t: one row per
 * distinct key, the same key twice in one entry once.  Returns 0, or -1:
 * no memory.
 */
static int
dir_index_table_build(struct dir_index_table *t, struct dir_index_pairs *ps)
{
	size_t	 nidx = 0;

	if (ps->n == 0)
		return 0;
	qsort(ps->v, ps->n, sizeof(*ps->v), dir_index_pair_cmp);
	if ((t->keys = calloc(ps->n, sizeof(*t->keys))) == NULL ||
	    (t->idx = calloc(ps->n, sizeof(*t->idx))) == NULL)
		return -1;
	for (size_t i = 0; i < ps->n; i++) {
		const struct dir_index_pair	*p = &ps->v[i];
		struct dir_index_key		*k = t->nkeys == 0 ? NULL :
						    &t->keys[t->nkeys - 1];

		if (k == NULL || k->hash != p->hash ||
		    strcmp(k->key, p->key) != 0) {
			k = &t->keys[t->nkeys++];
			k->hash = p->hash;
			k->key = p->key;
			k->first = nidx;
			k->count = 0;
		} else if (t->idx[nidx - 1] == p->entry)
			continue;	/* the same key twice in one entry */
		t->idx[nidx++] = p->entry;
		k->count++;
	}
	return 0;
}

/* Frees an index whatever its reference count; NULL is a no-op. */
static void
dir_index_free(dir_index_t *ix)
{
	if (ix == NULL)
		return;
	for (int t = 0; t < DIR_INDEX_TABLES; t++) {
		free(ix->table[t].keys);
		free(ix->table[t].idx);
	}
	dir_index_blocks_free(ix->blocks);
	free(ix->entries);
	free(ix);
}

dir_index_t *
dir_index_build(dir_index_builder_t *b)
{
	dir_index_t	*ix;

	if (b == NULL)
		return NULL;
	if ((ix = calloc(1, sizeof(*ix))) == NULL)
		goto fail;
	for (int t = 0; t < DIR_INDEX_TABLES; t++)
		if (dir_index_table_build(&ix->table[t], &b->pairs[t]) == -1)
			goto fail;
	ix->blocks = b->blocks;
	ix->entries = b->entries;
	ix->nentries = b->nentries;
	b->blocks = NULL;
	b->entries = NULL;
	atomic_init(&ix->refs, 1);
	dir_index_builder_free(b);
	return ix;

fail:
	dir_index_free(ix);
	dir_index_builder_free(b);
	return NULL;
}

void
dir_index_builder_free(dir_index_builder_t *b)
{
	if (b == NULL)
		return;
	dir_index_blocks_free(b->blocks);
	free(b->entries);
	for (int t = 0; t < DIR_INDEX_TABLES; t++)
		free(b->pairs[t].v);
	free(b);
}

static int
dir_index_key_cmp(const void *a, const void *b)
{
	const struct dir_index_key	*ka = a, *kb = b;

	if (ka->hash != kb->hash)
		return ka->hash < kb->hash ? -1 : 1;
	return strcmp(ka->key, kb->key);
}

/* Returns the row of a folded key in t, or NULL. */
static const struct dir_index_key *
dir_index_find(const struct dir_index_table *t, const char *key)
{
	struct dir_index_key	 k;

	if (t->nkeys == 0)
		return NULL;
	k.hash = hash_string(key, 0);
	k.key = key;
	return bsearch(&k, t->keys, t->nkeys, sizeof(*t->keys),
	    dir_index_key_cmp);
}

int
dir_index_lookup(const dir_index_t *ix, int by_target, const char *key,
    dir_result_t *res, char *err, size_t errlen)
{
	const struct dir_index_table	*t;
	const struct dir_index_key	*k;
	const struct dir_index_entry	*e;
	char				 folded[ADDR_TEXT_MAX + 1];
	size_t				 len = strlen(key);

	if (ix == NULL || len >= sizeof(folded))
		return DIR_NOTFOUND;	/* no address is that long */
	memcpy(folded, key, len + 1);
	addr_fold(folded);
	t = &ix->table[by_target ? DIR_INDEX_TARGET : DIR_INDEX_PROXY];
	if ((k = dir_index_find(t, folded)) == NULL)
		return DIR_NOTFOUND;

	/* one bad entry spoils the whole answer: look before copying */
	for (size_t i = k->first; i < k->first + k->count; i++) {
		e = &ix->entries[t->idx[i]];
		if (e->bad != NULL) {
			dir_result_free(res);
			snprintf(err, errlen, "%s", e->bad);
			return DIR_TRYAGAIN;
		}
	}
	for (size_t i = k->first; i < k->first + k->count; i++) {
		dir_entry_t	 found;

		e = &ix->entries[t->idx[i]];
		found.dn = e->dn;
		found.primary = e->primary;
		found.target = e->target;
		found.secondary = by_target ? e->secondary : NULL;
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
	const struct dir_index_table	*t;
	dir_entry_t			*v = NULL, *p;
	size_t				 max = 0;
	int				 rc = 0;

	if (ix == NULL)
		return 0;
	t = &ix->table[by_target ? DIR_INDEX_TARGET : DIR_INDEX_PROXY];
	for (size_t k = 0; rc == 0 && k < t->nkeys; k++) {
		const struct dir_index_key *key = &t->keys[k];

		if (key->count > max) {
			if (key->count > SIZE_MAX / sizeof(*v) ||
			    (p = realloc(v, key->count * sizeof(*v))) == NULL) {
				rc = -1;
				break;
			}
			v = p;
			max = key->count;
		}
		for (size_t i = 0; i < key->count; i++) {
			const struct dir_index_entry *e =
			    &ix->entries[t->idx[key->first + i]];

			/* read-only views into the arena, nothing else set */
			v[i] = (dir_entry_t){
				.dn = (char *)(uintptr_t)e->dn,
				.primary = (char *)(uintptr_t)e->primary,
				.target = (char *)(uintptr_t)e->target,
			};
		}
		rc = fn(arg, key->key, v, key->count);
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

/* Returns 1 when the rows ka of a and kb of b hold the same entries. */
static int
dir_index_same_row(const dir_index_t *a, const struct dir_index_table *ta,
    const struct dir_index_key *ka, const dir_index_t *b,
    const struct dir_index_table *tb, const struct dir_index_key *kb)
{
	if (ka->count != kb->count)
		return 0;
	for (size_t i = 0; i < ka->count; i++) {
		const struct dir_index_entry *ea = &a->entries[ta->idx[ka->first + i]];
		const struct dir_index_entry *eb = &b->entries[tb->idx[kb->first + i]];

		if (dir_index_strcmp(ea->dn, eb->dn) != 0 ||
		    dir_index_strcmp(ea->primary, eb->primary) != 0 ||
		    dir_index_strcmp(ea->target, eb->target) != 0 ||
		    dir_index_strcmp(ea->bad, eb->bad) != 0)
			return 0;
	}
	return 1;
}

int
dir_index_diff(const dir_index_t *a, const dir_index_t *b, int by_target,
    dir_index_key_fn fn, void *arg)
{
	static const struct dir_index_table	 none;
	const int				 w = by_target ?
						    DIR_INDEX_TARGET :
						    DIR_INDEX_PROXY;
	const struct dir_index_table		*ta = a ? &a->table[w] : &none;
	const struct dir_index_table		*tb = b ? &b->table[w] : &none;
	size_t					 i = 0, j = 0;
	int					 c, r;

	/* both tables are sorted by (hash, key): walk them side by side */
	while (i < ta->nkeys || j < tb->nkeys) {
		if (i == ta->nkeys)
			c = 1;
		else if (j == tb->nkeys)
			c = -1;
		else
			c = dir_index_key_cmp(&ta->keys[i], &tb->keys[j]);
		if (c < 0)
			r = fn(ta->keys[i++].key, arg);
		else if (c > 0)
			r = fn(tb->keys[j++].key, arg);
		else {
			r = dir_index_same_row(a, ta, &ta->keys[i], b, tb,
			    &tb->keys[j]) ? 0 : fn(ta->keys[i].key, arg);
			i++;
			j++;
		}
		if (r != 0)
			return r;
	}
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

/*
 * replica_store.c - see replica_store.h.  A chained hash table of
 * records by identity; each record is one allocation that holds its
 * strings, so replacing or deleting one is one free().
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "replica_store.h"

#define STORE_BUCKETS_MIN	1024

struct store_rec {
	struct store_rec	*next;
	unsigned long		 hash;
	unsigned		 round;		/* last seen in this round */
	const char		*id, *dn, *primary, *target, *target_key, *bad;
	const char		*secondary;	/* joined (dir_entry.h) */
	const char		**keys;
	size_t			 nkeys;
};

struct replica_store {
	struct store_rec	**buckets;
	size_t			  nbuckets;
	size_t			  count;
	unsigned		  round;
	int			  dirty;	/* changed since the last index */
};

replica_store_t *
replica_store_new(void)
{
	replica_store_t	*st;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	st->nbuckets = STORE_BUCKETS_MIN;
	if ((st->buckets = calloc(st->nbuckets, sizeof(*st->buckets))) ==
	    NULL) {
		free(st);
		return NULL;
	}
	return st;
}

void
replica_store_free(replica_store_t *st)
{
	struct store_rec	*r, *next;

	if (st == NULL)
		return;
	for (size_t i = 0; i < st->nbuckets; i++)
		for (r = st->buckets[i]; r != NULL; r = next) {
			next = r->next;
			free(r);
		}
	free(st->buckets);
	free(st);
}

size_t
replica_store_count(const replica_store_t *st)
{
	return st->count;
}

/* Returns the link that points at the record of id (or at NULL). */
static struct store_rec **
store_link(const replica_store_t *st, const char *id, unsigned long hash)
{
	struct store_rec	**link = &st->buckets[hash % st->nbuckets];

	while (*link != NULL && ((*link)->hash != hash ||
	    strcmp((*link)->id, id) != 0))
		link = &(*link)->next;
	return link;
}

/* Doubles the table when it is full; a failure leaves it as it is. */
static void
store_grow(replica_store_t *st)
{
	struct store_rec	**nb, *r, *next;
	size_t			  n = st->nbuckets * 2;

	if (st->count < st->nbuckets || n > SIZE_MAX / sizeof(*nb) ||
	    (nb = calloc(n, sizeof(*nb))) == NULL)
		return;
	for (size_t i = 0; i < st->nbuckets; i++)
		for (r = st->buckets[i]; r != NULL; r = next) {
			next = r->next;
			r->next = nb[r->hash % n];
			nb[r->hash % n] = r;
		}
	free(st->buckets);
	st->buckets = nb;
	st->nbuckets = n;
}

/* 1 when both strings are NULL or equal. */
static int
store_same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* 1 when the record already holds exactly rec. */
static int
store_same(const struct store_rec *r, const dir_index_record_t *rec)
{
	if (!store_same_str(r->dn, rec->dn) ||
	    !store_same_str(r->primary, rec->primary) ||
	    !store_same_str(r->target, rec->target) ||
	    !store_same_str(r->target_key, rec->target_key) ||
	    !store_same_str(r->secondary, rec->secondary) ||
	    !store_same_str(r->bad, rec->bad) ||
	    r->nkeys != rec->nproxy_keys)
		return 0;
	for (size_t i = 0; i < r->nkeys; i++)
		if (strcmp(r->keys[i], rec->proxy_keys[i]) != 0)
			return 0;
	return 1;
}

/* Copies s (may be NULL) to *p and moves *p on; returns the copy. */
static const char *
store_copy(char **p, const char *s)
{
	char	*d = *p;
	size_t	 len;

	if (s == NULL)
		return NULL;
	len = strlen(s) + 1;
	memcpy(d, s, len);
	*p += len;
	return d;
}

/* Returns the length of s plus its NUL, 0 for NULL. */
static size_t
store_len(const char *s)
{
	return s == NULL ? 0 : strlen(s) + 1;
}

/* Makes one record of id and rec, in one allocation; NULL: no memory. */
static struct store_rec *
store_make(const char *id, unsigned long hash, const dir_index_record_t *rec)
{
	struct store_rec	*r;
	size_t			 size = sizeof(*r), n = rec->nproxy_keys;
	char			*p;

	if (n > (SIZE_MAX - size) / sizeof(char *) / 2)
		return NULL;
	size += n * sizeof(char *);
	size += store_len(id) + store_len(rec->dn) + store_len(rec->primary) +
	    store_len(rec->target) + store_len(rec->target_key) +
	    store_len(rec->secondary) + store_len(rec->bad);
	for (size_t i = 0; i < n; i++)
		size += store_len(rec->proxy_keys[i]);
	if ((r = malloc(size)) == NULL)
		return NULL;
	r->next = NULL;
	r->hash = hash;
	r->round = 0;
	r->keys = (const char **)(void *)(r + 1);
	r->nkeys = n;
	p = (char *)(r->keys + n);
	r->id = store_copy(&p, id);
	r->dn = store_copy(&p, rec->dn);
	r->primary = store_copy(&p, rec->primary);
	r->target = store_copy(&p, rec->target);
	r->target_key = store_copy(&p, rec->target_key);
	r->secondary = store_copy(&p, rec->secondary);
	r->bad = store_copy(&p, rec->bad);
	for (size_t i = 0; i < n; i++)
		r->keys[i] = store_copy(&p, rec->proxy_keys[i]);
	return r;
}

int
replica_store_put(replica_store_t *st, const char *id,
    const dir_index_record_t *rec)
{
	unsigned long		  hash = hash_string(id, 0);
	struct store_rec	**link, *r;

	if (rec->nproxy_keys == 0 && rec->target_key == NULL)
		return replica_store_del(st, id);
	link = store_link(st, id, hash);
	if (*link != NULL && store_same(*link, rec)) {
		(*link)->round = st->round;
		return 0;
	}
	if ((r = store_make(id, hash, rec)) == NULL)
		return -1;
	r->round = st->round;
	st->dirty = 1;
	if (*link != NULL) {
		r->next = (*link)->next;
		free(*link);
		*link = r;
		return 1;
	}
	*link = r;
	st->count++;
	store_grow(st);
	return 1;
}

int
replica_store_holds(const replica_store_t *st, const char *id,
    const dir_index_record_t *rec)
{
	struct store_rec	**link = store_link(st, id, hash_string(id, 0));

	return *link != NULL && store_same(*link, rec);
}

int
replica_store_del(replica_store_t *st, const char *id)
{
	struct store_rec	**link = store_link(st, id, hash_string(id, 0)), *r;

	if ((r = *link) == NULL)
		return 0;
	*link = r->next;
	free(r);
	st->count--;
	st->dirty = 1;
	return 1;
}

int
replica_store_seen(replica_store_t *st, const char *id)
{
	struct store_rec	**link = store_link(st, id, hash_string(id, 0));

	if (*link == NULL)
		return 0;
	(*link)->round = st->round;
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
	struct store_rec	**link, *r;
	size_t			  n = 0;

	for (size_t i = 0; i < st->nbuckets; i++)
		for (link = &st->buckets[i]; (r = *link) != NULL; ) {
			if (r->round == st->round) {
				link = &r->next;
				continue;
			}
			*link = r->next;
			free(r);
			st->count--;
			n++;
		}
	if (n > 0)
		st->dirty = 1;
	return n;
}

dir_index_t *
replica_store_index(replica_store_t *st)
{
	dir_index_t		*ix;
	dir_index_builder_t	*b;
	dir_index_record_t	 rec;
	const struct store_rec	*r;

	if ((b = dir_index_builder_new()) == NULL)
		return NULL;
	for (size_t i = 0; i < st->nbuckets; i++)
		for (r = st->buckets[i]; r != NULL; r = r->next) {
			rec.dn = r->dn;
			rec.primary = r->primary;
			rec.target = r->target;
			rec.proxy_keys = r->keys;
			rec.nproxy_keys = r->nkeys;
			rec.target_key = r->target_key;
			rec.secondary = r->secondary;
			rec.bad = r->bad;
			if (dir_index_add(b, &rec) == -1) {
				dir_index_builder_free(b);
				return NULL;
			}
		}
	if ((ix = dir_index_build(b)) != NULL)
		st->dirty = 0;
	return ix;
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

/*
 * dir_index_entry.c - one immutable, reference-counted entry of the
 * directory index (dir_index.h, dir_index_entry.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "dir_index_entry.h"

/* Returns the length of s plus its NUL, 0 for NULL. */
static size_t
entry_len(const char *s)
{
	return s == NULL ? 0 : strlen(s) + 1;
}

/* Copies s (may be NULL) to *p and moves *p on; returns the copy. */
static char *
entry_copy(char **p, const char *s)
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

/* The ASCII fold of addr_fold() (addr.h), for one octet. */
static char
entry_fold(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* 1 when s folded (addr_fold()) is folded, the string as it is. */
static int
entry_fold_eq(const char *folded, const char *s)
{
	for (; *s != '\0'; folded++, s++)
		if (*folded != entry_fold(*s))
			return 0;
	return *folded == '\0';
}

/* 1 when addr_fold() would leave s as it is. */
static int
entry_is_folded(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s != entry_fold(*s))
			return 0;
	return 1;
}

/*
 * Sets *out to key folded: the string same or same2 (already folded, may
 * be NULL) when key folds to it, else a copy at *p (moved on).  With p
 * NULL only counts.  Returns the octets a copy takes (0 when one of the
 * two serves).
 */
static size_t
entry_key(char **p, const char *key, const char *same, const char *same2,
    const char **out)
{
	char	*d;

	if (same2 != NULL && entry_fold_eq(same2, key))
		same = same2;
	if (same != NULL && entry_fold_eq(same, key)) {
		if (out != NULL)
			*out = same;
		return 0;
	}
	if (p == NULL)
		return strlen(key) + 1;
	*out = d = entry_copy(p, key);
	addr_fold(d);
	return strlen(d) + 1;
}

/* The offset of s (within e's allocation, or NULL: 0) from e. */
static uint32_t
entry_off(const dir_index_entry_t *e, const char *s)
{
	return s == NULL ? 0 : (uint32_t)(s - (const char *)e);
}

/* 1 when key, folded, is one of the first n keys of e (folded). */
static int
entry_has_key(const dir_index_entry_t *e, unsigned n, const char *key)
{
	for (unsigned i = 0; i < n; i++)
		if (entry_fold_eq(DIR_INDEX_STR(e, keys[i]), key))
			return 1;
	return 0;
}

dir_index_entry_t *
dir_index_entry_new(const dir_index_record_t *rec, const char *id)
{
	dir_index_entry_t	*e;
	const char		*primary_key, *target_key, *secondary_key;
	const char		*key;
	size_t			 size = sizeof(*e), n = rec->nproxy_keys;
	char			*p;

	if (n > UINT32_MAX / 2 / sizeof(e->keys[0]))
		return NULL;
	/* the primary and the target serve as their own keys when folded */
	primary_key = rec->primary != NULL && entry_is_folded(rec->primary) ?
	    rec->primary : NULL;
	target_key = rec->target != NULL && entry_is_folded(rec->target) ?
	    rec->target : NULL;
	/* a contact's one secondary address, too (a user keeps none) */
	secondary_key = rec->target != NULL && rec->secondary != NULL &&
	    strchr(rec->secondary, '\n') == NULL &&
	    entry_is_folded(rec->secondary) ? rec->secondary : NULL;
	size += n * sizeof(e->keys[0]);
	size += entry_len(id) + entry_len(rec->dn) + entry_len(rec->primary) +
	    entry_len(rec->target) + entry_len(rec->bad) +
	    entry_len(rec->target != NULL ? rec->secondary : NULL);
	if (rec->target_key != NULL)
		size += entry_key(NULL, rec->target_key, target_key, NULL,
		    NULL);
	for (size_t i = 0; i < n; i++)
		size += entry_key(NULL, rec->proxy_keys[i], primary_key,
		    secondary_key, NULL);
	if (size > UINT32_MAX || (e = malloc(size)) == NULL)
		return NULL;
	atomic_init(&e->refs, 1);
	p = (char *)(e->keys + n);
	e->id = entry_off(e, entry_copy(&p, id));
	e->dn = entry_off(e, entry_copy(&p, rec->dn));
	e->primary = entry_off(e, entry_copy(&p, rec->primary));
	e->target = entry_off(e, entry_copy(&p, rec->target));
	e->secondary = entry_off(e, entry_copy(&p, rec->target != NULL ?
	    rec->secondary : NULL));
	e->bad = entry_off(e, entry_copy(&p, rec->bad));
	if (primary_key != NULL)
		primary_key = DIR_INDEX_STR(e, primary);
	if (target_key != NULL)
		target_key = DIR_INDEX_STR(e, target);
	if (secondary_key != NULL)
		secondary_key = DIR_INDEX_STR(e, secondary);
	e->target_key = 0;
	if (rec->target_key != NULL) {
		(void)entry_key(&p, rec->target_key, target_key, NULL, &key);
		e->target_key = entry_off(e, key);
	}
	e->nkeys = 0;
	for (size_t i = 0; i < n; i++) {
		if (entry_has_key(e, e->nkeys, rec->proxy_keys[i]))
			continue;	/* the same key twice counts once */
		(void)entry_key(&p, rec->proxy_keys[i], primary_key,
		    secondary_key, &key);
		e->keys[e->nkeys++] = entry_off(e, key);
	}
	return e;
}

const char *
dir_index_entry_id(const dir_index_entry_t *e)
{
	return DIR_INDEX_STR(e, id);
}

size_t
dir_index_entry_keys(const dir_index_entry_t *e)
{
	return (size_t)e->nkeys + (e->target_key != 0);
}

/* 1 when both strings are NULL or equal. */
static int
entry_same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int
dir_index_entry_is(const dir_index_entry_t *e, const dir_index_record_t *rec)
{
	unsigned	n = 0;

	if (!entry_same_str(DIR_INDEX_STR(e, dn), rec->dn) ||
	    !entry_same_str(DIR_INDEX_STR(e, primary), rec->primary) ||
	    !entry_same_str(DIR_INDEX_STR(e, target), rec->target) ||
	    !entry_same_str(DIR_INDEX_STR(e, secondary), rec->target != NULL ?
	    rec->secondary : NULL) ||
	    !entry_same_str(DIR_INDEX_STR(e, bad), rec->bad) ||
	    (e->target_key == 0) != (rec->target_key == NULL) ||
	    (e->target_key != 0 &&
	    !entry_fold_eq(DIR_INDEX_STR(e, target_key), rec->target_key)))
		return 0;
	/* the record's keys, once each, in order, are the entry's */
	for (size_t i = 0; i < rec->nproxy_keys; i++) {
		if (entry_has_key(e, n, rec->proxy_keys[i]))
			continue;
		if (n == e->nkeys || !entry_fold_eq(DIR_INDEX_STR(e, keys[n]),
		    rec->proxy_keys[i]))
			return 0;
		n++;
	}
	return n == e->nkeys;
}

dir_index_entry_t *
dir_index_entry_hold(dir_index_entry_t *e)
{
	if (e != NULL)
		atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
	return e;
}

void
dir_index_entry_release(dir_index_entry_t *e)
{
	if (e == NULL)
		return;
	if (atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) == 1)
		free(e);
}

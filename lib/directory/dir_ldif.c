/*
 * dir_ldif.c - the embedded back-end: an LDIF file (an ldifde or slapcat
 * export) read by ldif_read.h (libldap's own LDIF reader), kept in memory
 * and indexed by folded address.
 *
 * Every entry's proxy and target values must pass the rules every
 * back-end shares (dir_entry.h: every SMTP address parses, at most one
 * primary and one target), and every record must be an entry
 * (ldif_read.h).  The first problem stops the load with "FILE:LINE:
 * message", LINE being the record's first line, or the faulty line itself
 * when libldap refused one: an export is fixed before it is used (the
 * audit, audit.h, reads it through the same reader and reports every
 * problem instead).
 *
 * Each entry goes into an index (dir_index.h) with its folded proxy
 * addresses and target; dir_ldif_open() builds it once and it never
 * changes after: lookups only read, so any number of threads may run them
 * without a lock.  The back-end's handle is the index itself.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>		/* malloc_trim() */
#endif

#include <lber.h>

#include "addr.h"
#include "dir_entry.h"
#include "dir_index.h"
#include "dir_ldif.h"
#include "ldif_read.h"
#include "printable.h"

/* The state of one load. */
struct ldif_load {
	dir_index_builder_t	*b;
	const char	*path;
	const char	*target_attr;
	unsigned long	 line;		/* first line of the current record */
	char		(*keys)[ADDR_TEXT_MAX + 1]; /* its folded proxy keys */
	const char	**keyv;		/* keys[0..nkeys), for dir_index_add */
	size_t		 nkeys, maxkeys;
	dir_entry_list_t secondary;	/* its secondary addresses */
	char		*err;
	size_t		 errlen;
};

static int	dir_ldif_by_proxy(void *, const char *, dir_result_t *, char *,
		    size_t);
static int	dir_ldif_by_target(void *, const char *, dir_result_t *, char *,
		    size_t);
static void	dir_ldif_close(void *);
static int	dir_ldif_snapshot(void *, dir_snapshot_t *);

const dir_backend_ops_t dir_ldif_ops = {
	.name = "ldif",
	.by_proxy = dir_ldif_by_proxy,
	.by_target = dir_ldif_by_target,
	.close = dir_ldif_close,
	.ping = NULL,		/* loaded: it always answers */
	.snapshot = dir_ldif_snapshot,
};

/* Writes "PATH:LINE: msg" (the current record's line); returns -1. */
static int
dir_ldif_error(struct ldif_load *ld, const char *msg)
{
	snprintf(ld->err, ld->errlen, "%s:%lu: %s", ld->path, ld->line, msg);
	return -1;
}

/* Keeps one folded proxy key of the current entry.  0, or -1: no memory. */
static int
dir_ldif_key(struct ldif_load *ld, const char *key)
{
	if (ld->nkeys == ld->maxkeys) {
		size_t	 max = ld->maxkeys ? 2 * ld->maxkeys : 16;
		void	*p;

		if (max > SIZE_MAX / sizeof(*ld->keys))
			return -1;
		if ((p = realloc(ld->keys, max * sizeof(*ld->keys))) == NULL)
			return -1;
		ld->keys = p;
		if ((p = realloc(ld->keyv, max * sizeof(*ld->keyv))) == NULL)
			return -1;
		ld->keyv = p;
		ld->maxkeys = max;
	}
	snprintf(ld->keys[ld->nkeys++], sizeof(*ld->keys), "%s", key);
	return 0;
}

/*
 * Reads one value of the proxy (is_target 0) or target (1) attribute of
 * the current entry by the shared rules (dir_entry.h): r keeps its primary
 * and target, ld->keys its proxy keys, ld->secondary the secondary ones
 * as spelled.  Any value the rules refuse stops
 * the load: an export is fixed before it is used.  Returns 0, or -1 with
 * the message in ld->err.
 */
static int
dir_ldif_address(struct ldif_load *ld, dir_entry_rules_t *r,
    const struct berval *bv, int is_target)
{
	dir_entry_kind_t	 kind;
	char			 msg[1024];
	addr_t			 a;

	kind = is_target ?
	    dir_entry_target(r, bv->bv_val, bv->bv_len, &a, msg, sizeof(msg)) :
	    dir_entry_proxy(r, bv->bv_val, bv->bv_len, &a, msg, sizeof(msg));
	switch (kind) {
	case DIR_ENTRY_OTHER:
		return 0;		/* x400:, sip: ... */
	case DIR_ENTRY_BAD_VALUE:
	case DIR_ENTRY_BAD_ENTRY:
		return dir_ldif_error(ld, msg);
	case DIR_ENTRY_TARGET:
		return 0;		/* r->target: one at most */
	case DIR_ENTRY_PRIMARY:
	case DIR_ENTRY_SECONDARY:
	case DIR_ENTRY_X500:		/* found by its key too (x500.h) */
		break;
	}
	if (dir_ldif_key(ld, a.key) == -1 || (kind == DIR_ENTRY_SECONDARY &&
	    dir_entry_list_add(&ld->secondary, a.text) == -1))
		return dir_ldif_error(ld, "out of memory");
	return 0;
}

/*
 * Reads one entry (ldif_read.h) by the shared rules and adds it to the
 * index (which keeps no entry without proxy or target addresses).
 * Returns 0, or -1 with the message in ld->err.
 */
static int
dir_ldif_entry(void *arg, const ldif_read_entry_t *e)
{
	struct ldif_load	*ld = arg;
	dir_index_record_t	 rec;
	dir_entry_rules_t	 r;

	ld->line = e->line;
	ld->nkeys = 0;
	ld->secondary.len = 0;
	dir_entry_begin(&r, e->dn, ld->target_attr);
	for (size_t v = 0; e->proxy[v] != NULL; v++)
		if (dir_ldif_address(ld, &r, e->proxy[v], 0) == -1)
			return -1;
	for (size_t v = 0; e->target[v] != NULL; v++)
		if (dir_ldif_address(ld, &r, e->target[v], 1) == -1)
			return -1;
	for (size_t k = 0; k < ld->nkeys; k++)
		ld->keyv[k] = ld->keys[k];
	rec.dn = e->dn;
	rec.primary = r.has_primary ? r.primary.text : NULL;
	rec.target = r.has_target ? r.target.text : NULL;
	rec.proxy_keys = ld->keyv;
	rec.nproxy_keys = ld->nkeys;
	rec.target_key = r.has_target ? r.target.key : NULL;
	rec.secondary = ld->secondary.len > 0 ? ld->secondary.s : NULL;
	rec.bad = NULL;			/* a bad entry stopped the load */
	if (dir_index_add(ld->b, &rec) == -1)
		return dir_ldif_error(ld, "out of memory");
	return 0;
}

/* A record that is no entry stops the load (its message is in err). */
static int
dir_ldif_problem(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
	return -1;
}

/* dir_ldif_open(), but for the message's characters. */
static dir_index_t *
dir_ldif_load(const char *path, const char *proxy_attr,
    const char *target_attr, char *err, size_t errlen)
{
	struct ldif_load	 ld;
	dir_index_t		*ix = NULL;

	memset(&ld, 0, sizeof(ld));
	if ((ld.b = dir_index_builder_new()) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	ld.path = path;
	ld.target_attr = target_attr;
	ld.err = err;
	ld.errlen = errlen;
	if (ldif_read(path, proxy_attr, target_attr, dir_ldif_entry,
	    dir_ldif_problem, &ld, err, errlen) == 0) {
		ix = dir_index_build(ld.b);	/* frees the builder */
		ld.b = NULL;
		if (ix == NULL)
			snprintf(err, errlen, "%s: out of memory", path);
	}
	dir_index_builder_free(ld.b);
	free(ld.keys);
	free(ld.keyv);
	free(ld.secondary.s);
	return ix;
}

void *
dir_ldif_open(const char *path, const char *proxy_attr,
    const char *target_attr, char *err, size_t errlen)
{
	dir_index_t	*ix;

	ix = dir_ldif_load(path, proxy_attr, target_attr, err, errlen);
	if (ix == NULL && errlen > 0)
		printable_mask(err);	/* a dn or URL in it stays one line */
	return ix;
}

static int
dir_ldif_by_proxy(void *h, const char *key, dir_result_t *res, char *err,
    size_t errlen)
{
	return dir_index_lookup(h, 0, key, res, err, errlen);
}

static int
dir_ldif_by_target(void *h, const char *key, dir_result_t *res, char *err,
    size_t errlen)
{
	return dir_index_lookup(h, 1, key, res, err, errlen);
}

/* The export as loaded: it never changes and never grows old. */
static int
dir_ldif_snapshot(void *h, dir_snapshot_t *snap)
{
	snap->index = dir_index_hold(h);
	return 1;
}

/*
 * Closed when the last lookup of its configuration is done (a reload's
 * old one, or at exit).  A whole index's blocks lie between those of the
 * one loaded after it: without a trim, glibc keeps their pages and the
 * resident size grows by about a copy at each reload (README, Benchmark
 * 9), as the replica's whole swaps would (replica_state.c).
 */
static void
dir_ldif_close(void *h)
{
	dir_index_release(h);
#ifdef __GLIBC__
	(void)malloc_trim(0);
#endif
}

/*
 * dir_ldif.c - the embedded back-end: an LDIF file (an ldifde or slapcat
 * export) read with libldap's own LDIF reader, kept in memory and indexed
 * by folded address.
 *
 * libldap does the LDIF: ldif_read_record() splits the file into records
 * (CRLF line ends, comments, "version: 1"), ldap_parse_ldif_record()
 * unfolds continuation lines, decodes "::" base64 values, applies
 * "changetype: add" and groups the values by attribute.  This file checks
 * what mailswitch needs on top: every record is an entry, and its proxy and
 * target values pass the rules every back-end shares (dir_entry.h: every
 * SMTP address parses, at most one primary and one target).  The first
 * problem stops the load with "FILE:LINE: message", LINE being the
 * record's first line, or the faulty line itself when libldap refused one.
 *
 * libldap also follows "include: URL" lines (as ldapadd does) and, for a
 * malformed line, writes its own one-line diagnostic through liblber's
 * print function (stderr unless the program sets LBER_OPT_LOG_PRINT_FN).
 * It opens the files it includes itself, so dir_ldif_check_files() looks
 * at the export and every file: URL it includes first: a FIFO or a device
 * would block it for ever or never end (regfile.h).
 *
 * Everything is built once in dir_ldif_open() and never changed after:
 * lookups only read, so any number of threads may run them without a lock.
 * Loading sorts the (address, entry) pairs once: O(n log n); a lookup is a
 * binary search.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lber.h>
#include <ldap.h>
#include <ldif.h>

#include "addr.h"
#include "dir_entry.h"
#include "dir_ldif.h"
#include "regfile.h"

#define LDIF_BLOCK_SIZE	(64 * 1024)	/* string arena block */
#define LDIF_ERRSTR	"mailswitch"	/* libldap's name for its debug lines */

/* One block of the string arena; strings are never freed one by one. */
struct ldif_block {
	struct ldif_block	*next;
	size_t			 used, size;
	char			 data[];
};

/* One entry that holds a proxy or a target address. */
struct ldif_entry {
	const char	*dn;
	const char	*primary;	/* bare, as spelled; NULL when none */
	const char	*target;	/* bare, as spelled; NULL for a user */
};

/*
 * One (folded address, entry) pair, gathered while loading.  Pairs and
 * keys are ordered by hash, then address: most comparisons are then one
 * integer compare instead of a strcmp() through a pointer.
 */
struct ldif_pair {
	unsigned long	 hash;
	const char	*key;
	size_t		 entry;
};

/* One distinct address of an index: its entries are idx[first..+count). */
struct ldif_key {
	unsigned long	 hash;
	const char	*key;
	size_t		 first, count;
};

struct ldif_index {
	struct ldif_pair	*pairs;		/* loading only */
	size_t			 npairs, maxpairs;
	struct ldif_key		*keys;		/* sorted by key */
	size_t			 nkeys;
	size_t			*idx;		/* entry numbers */
};

struct dir_ldif {
	struct ldif_block	*blocks;
	struct ldif_entry	*entries;
	size_t			 nentries, maxentries;
	struct ldif_index	 proxy, target;
};

/* The state of one load. */
struct ldif_load {
	struct dir_ldif	*dl;
	const char	*path;
	const char	*proxy_attr, *target_attr;
	unsigned long	 line;		/* first line of the current record */
	char		*copy;		/* the current record, untouched */
	size_t		 copylen;
	char		*err;
	size_t		 errlen;
};

static int	dir_ldif_by_proxy(void *, const char *, dir_result_t *, char *,
		    size_t);
static int	dir_ldif_by_target(void *, const char *, dir_result_t *, char *,
		    size_t);
static void	dir_ldif_close(void *);

const dir_backend_ops_t dir_ldif_ops = {
	.name = "ldif",
	.by_proxy = dir_ldif_by_proxy,
	.by_target = dir_ldif_by_target,
	.close = dir_ldif_close,
	.ping = NULL,		/* loaded: it always answers */
};

/* Writes "PATH:LINE: message" into the load's error buffer; returns -1. */
static int __attribute__((format(printf, 3, 4)))
dir_ldif_error(struct ldif_load *ld, unsigned long line, const char *fmt, ...)
{
	char	 msg[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(ld->err, ld->errlen, "%s:%lu: %s", ld->path, line, msg);
	return -1;
}

/* Copies len bytes of s, plus a NUL, into the arena.  NULL: no memory. */
static const char *
dir_ldif_store(struct dir_ldif *dl, const char *s, size_t len)
{
	struct ldif_block	*b = dl->blocks;
	char			*p;

	if (b == NULL || b->size - b->used < len + 1) {
		size_t	size = len + 1 > LDIF_BLOCK_SIZE ? len + 1 :
			    LDIF_BLOCK_SIZE;

		if ((b = malloc(sizeof(*b) + size)) == NULL)
			return NULL;
		b->size = size;
		b->used = 0;
		b->next = dl->blocks;
		dl->blocks = b;
	}
	p = b->data + b->used;
	memcpy(p, s, len);
	p[len] = '\0';
	b->used += len + 1;
	return p;
}

/* Grows *buf to hold at least need bytes.  Returns 0, or -1: no memory. */
static int
dir_ldif_reserve(char **buf, size_t *size, size_t need)
{
	char	*p;

	if (need <= *size)
		return 0;
	if ((p = realloc(*buf, need)) == NULL)
		return -1;
	*buf = p;
	*size = need;
	return 0;
}

/* Returns the FNV-1a hash of s. */
static unsigned long
dir_ldif_hash(const char *s)
{
	unsigned long	 h = 2166136261UL;

	for (; *s != '\0'; s++)
		h = ((h ^ (unsigned char)*s) * 16777619UL) & 0xffffffffUL;
	return h;
}

/* Adds (key, entry) to an index.  Returns 0, or -1: no memory. */
static int
dir_ldif_index_add(struct dir_ldif *dl, struct ldif_index *ix, const char *key,
    size_t entry)
{
	struct ldif_pair	*p;
	const char		*k;

	if (ix->npairs == ix->maxpairs) {
		size_t	n = ix->maxpairs ? 2 * ix->maxpairs : 1024;

		if (n > SIZE_MAX / sizeof(*p) ||
		    (p = realloc(ix->pairs, n * sizeof(*p))) == NULL)
			return -1;
		ix->pairs = p;
		ix->maxpairs = n;
	}
	if ((k = dir_ldif_store(dl, key, strlen(key))) == NULL)
		return -1;
	ix->pairs[ix->npairs].hash = dir_ldif_hash(k);
	ix->pairs[ix->npairs].key = k;
	ix->pairs[ix->npairs].entry = entry;
	ix->npairs++;
	return 0;
}

static int
dir_ldif_pair_cmp(const void *a, const void *b)
{
	const struct ldif_pair	*pa = a, *pb = b;
	int			 c;

	if (pa->hash != pb->hash)
		return pa->hash < pb->hash ? -1 : 1;
	if ((c = strcmp(pa->key, pb->key)) != 0)
		return c;
	return (pa->entry > pb->entry) - (pa->entry < pb->entry);
}

/*
 * Turns the gathered pairs into the sorted key table.  The same address
 * twice in one entry counts once.  Returns 0, or -1: no memory.
 */
static int
dir_ldif_index_build(struct ldif_index *ix)
{
	size_t	 i;

	if (ix->npairs == 0)
		goto done;
	qsort(ix->pairs, ix->npairs, sizeof(*ix->pairs), dir_ldif_pair_cmp);
	if ((ix->keys = calloc(ix->npairs, sizeof(*ix->keys))) == NULL ||
	    (ix->idx = calloc(ix->npairs, sizeof(*ix->idx))) == NULL)
		return -1;
	for (i = 0; i < ix->npairs; i++) {
		const struct ldif_pair	*p = &ix->pairs[i];
		struct ldif_key		*k = &ix->keys[ix->nkeys - 1];
		size_t			 n;

		if (ix->nkeys == 0 || k->hash != p->hash ||
		    strcmp(k->key, p->key) != 0) {
			k = &ix->keys[ix->nkeys++];
			k->hash = p->hash;
			k->key = p->key;
			k->first = i == 0 ? 0 : ix->keys[ix->nkeys - 2].first +
			    ix->keys[ix->nkeys - 2].count;
			k->count = 0;
		} else if (ix->idx[k->first + k->count - 1] == p->entry)
			continue;
		n = k->first + k->count++;
		ix->idx[n] = p->entry;
	}
done:
	free(ix->pairs);
	ix->pairs = NULL;
	ix->npairs = ix->maxpairs = 0;
	return 0;
}

static int
dir_ldif_key_cmp(const void *a, const void *b)
{
	const struct ldif_key	*ka = a, *kb = b;

	if (ka->hash != kb->hash)
		return ka->hash < kb->hash ? -1 : 1;
	return strcmp(ka->key, kb->key);
}

/* Returns the key table row of key, or NULL. */
static const struct ldif_key *
dir_ldif_index_find(const struct ldif_index *ix, const char *key)
{
	struct ldif_key	 k;

	if (ix->nkeys == 0)
		return NULL;
	k.hash = dir_ldif_hash(key);
	k.key = key;
	return bsearch(&k, ix->keys, ix->nkeys, sizeof(*ix->keys),
	    dir_ldif_key_cmp);
}

/*
 * Reads one value of the proxy (is_target 0) or target (1) attribute of
 * entry number n by the shared rules (dir_entry.h), keeps it in *e and
 * indexes it.  Any value the rules refuse stops the load: an export is
 * fixed before it is used.  Returns 0, or -1 with the message in ld->err.
 */
static int
dir_ldif_address(struct ldif_load *ld, dir_entry_rules_t *r,
    const struct berval *bv, int is_target, struct ldif_entry *e, size_t n)
{
	struct dir_ldif		*dl = ld->dl;
	dir_entry_kind_t	 kind;
	char			 msg[1024];
	addr_t			 a;

	kind = is_target ?
	    dir_entry_target(r, bv->bv_val, bv->bv_len, &a, msg, sizeof(msg)) :
	    dir_entry_proxy(r, bv->bv_val, bv->bv_len, &a, msg, sizeof(msg));
	switch (kind) {
	case DIR_ENTRY_OTHER:
		return 0;		/* X500:, x400:, sip: ... */
	case DIR_ENTRY_BAD_VALUE:
	case DIR_ENTRY_BAD_ENTRY:
		return dir_ldif_error(ld, ld->line, "%s", msg);
	case DIR_ENTRY_TARGET:
		if ((e->target = dir_ldif_store(dl, a.text,
		    strlen(a.text))) == NULL)
			return dir_ldif_error(ld, ld->line, "out of memory");
		break;
	case DIR_ENTRY_PRIMARY:
		if (e->primary == NULL && (e->primary = dir_ldif_store(dl,
		    a.text, strlen(a.text))) == NULL)
			return dir_ldif_error(ld, ld->line, "out of memory");
		break;
	case DIR_ENTRY_SECONDARY:
		break;
	}
	if (dir_ldif_index_add(dl, is_target ? &dl->target : &dl->proxy,
	    a.key, n) == -1)
		return dir_ldif_error(ld, ld->line, "out of memory");
	return 0;
}

/*
 * Reads what mailswitch needs from one parsed entry and indexes it: an
 * entry with neither proxy nor target addresses is not kept.  Returns 0,
 * or -1 with the message in ld->err.
 */
static int
dir_ldif_entry(struct ldif_load *ld, LDIFRecord *lr)
{
	struct dir_ldif		*dl = ld->dl;
	struct ldif_entry	 e = { NULL, NULL, NULL };
	dir_entry_rules_t	 r;
	size_t			 n = dl->nentries, npairs;
	LDAPMod			**mods = lr->lrop_mods;

	npairs = dl->proxy.npairs + dl->target.npairs;
	e.dn = dir_ldif_store(dl, lr->lr_dn.bv_val, lr->lr_dn.bv_len);
	if (e.dn == NULL)
		return dir_ldif_error(ld, ld->line, "out of memory");
	dir_entry_begin(&r, e.dn, ld->target_attr);
	for (size_t m = 0; mods != NULL && mods[m] != NULL; m++) {
		const char	 *type = mods[m]->mod_type;
		struct berval	**vals = mods[m]->mod_bvalues;
		int		  is_proxy, is_target;

		if (strcasecmp(type, "dn") == 0)
			return dir_ldif_error(ld, ld->line, "entry '%s': a "
			    "second dn: line (is a blank line missing?)",
			    e.dn);
		is_proxy = strcasecmp(type, ld->proxy_attr) == 0;
		is_target = strcasecmp(type, ld->target_attr) == 0;
		if (vals == NULL || (!is_proxy && !is_target))
			continue;
		for (size_t v = 0; vals[v] != NULL; v++) {
			if (is_proxy && dir_ldif_address(ld, &r, vals[v], 0,
			    &e, n) == -1)
				return -1;
			if (is_target && dir_ldif_address(ld, &r, vals[v], 1,
			    &e, n) == -1)
				return -1;
		}
	}
	if (dl->proxy.npairs + dl->target.npairs == npairs)
		return 0;	/* nothing to find it by */
	if (dl->nentries == dl->maxentries) {
		size_t			 max = dl->maxentries ?
					    2 * dl->maxentries : 1024;
		struct ldif_entry	*p;

		if (max > SIZE_MAX / sizeof(*p) ||
		    (p = realloc(dl->entries, max * sizeof(*p))) == NULL)
			return dir_ldif_error(ld, ld->line, "out of memory");
		dl->entries = p;
		dl->maxentries = max;
	}
	dl->entries[dl->nentries++] = e;
	return 0;
}

/*
 * Says why libldap refused a record: finds the first line that
 * ldif_parse_line2() refuses, in a fresh copy of the record, and names it.
 * Otherwise the record's shape is wrong (changetype, modify sections).
 * Returns -1.
 */
static int
dir_ldif_diagnose(struct ldif_load *ld)
{
	char		*work, *next, *line, *colon;
	const char	*why;
	struct berval	 type, value;
	unsigned long	 lineno;
	int		 freeval;

	if ((work = strdup(ld->copy)) == NULL)
		return dir_ldif_error(ld, ld->line, "out of memory");
	next = work;
	while ((line = ldif_getline(&next)) != NULL) {
		if (strcmp(line, "-") == 0)
			continue;
		/* its number: the record's first, plus the line ends before */
		lineno = ld->line;
		for (const char *p = ld->copy; p < ld->copy + (line - work);
		    p++)
			if (*p == '\n')
				lineno++;
		colon = strchr(line, ':');
		if (colon == NULL)
			why = "line without ':'";
		else if (colon[1] == ':')
			why = "bad base64 value";
		else if (colon[1] == '<')
			why = "cannot read the URL value";
		else
			why = "bad LDIF line";
		if (ldif_parse_line2(line, &type, &value, &freeval) == 0) {
			if (freeval)
				ber_memfree(value.bv_val);
			continue;
		}
		free(work);
		return dir_ldif_error(ld, lineno, "%s", why);
	}
	free(work);
	return dir_ldif_error(ld, ld->line, "bad LDIF record (an unknown "
	    "changetype, or malformed change lines)");
}

/*
 * Handles one record read by ldif_read_record(): buf, whose last line
 * ended at line end (the blank line after it, or the file's last line when
 * at_eof).  Returns 0, or -1 with the message in ld->err.
 */
static int
dir_ldif_record(struct ldif_load *ld, char *buf, unsigned long end, int at_eof)
{
	LDIFRecord	 lr;
	struct berval	 bv;
	const char	*p;
	size_t		 len, nl = 0;
	int		 rc;

	for (p = buf; *p != '\0'; p++)
		if (*p == '\n')
			nl++;
	len = (size_t)(p - buf);
	ld->line = end - nl + (at_eof ? 1 : 0);

	/* comments before the record come with it: skip them */
	for (p = buf; *p == '#'; ) {
		do {
			p = strchr(p, '\n');
			p = p == NULL ? buf + len : p + 1;
			ld->line++;
		} while (*p == ' ');
	}
	if (*p == ' ' || *p == '\t')
		return dir_ldif_error(ld, ld->line, "continuation line with "
		    "nothing to continue");
	len -= (size_t)(p - buf);
	if (dir_ldif_reserve(&ld->copy, &ld->copylen, len + 1) == -1)
		return dir_ldif_error(ld, ld->line, "out of memory");
	memcpy(ld->copy, p, len + 1);

	bv.bv_val = buf + (p - buf);
	bv.bv_len = len;
	rc = ldap_parse_ldif_record(&bv, ld->line, &lr, LDIF_ERRSTR,
	    LDIF_DEFAULT_ADD | LDIF_NO_CONTROLS);
	if (rc == LDAP_NO_MEMORY)
		return dir_ldif_error(ld, ld->line, "out of memory");
	if (rc != LDAP_SUCCESS)
		return dir_ldif_diagnose(ld);

	if (lr.lr_dn.bv_val == NULL) {
		/* "version: 1" alone is fine; anything else needs a dn */
		for (int i = 0; i < lr.lr_lines; i++)
			if (lr.lr_btype[i].bv_val != NULL &&
			    strcasecmp(lr.lr_btype[i].bv_val, "version") != 0) {
				ldap_ldif_record_done(&lr);
				return dir_ldif_error(ld, ld->line,
				    "record without a dn: line");
			}
		ldap_ldif_record_done(&lr);
		return 0;
	}
	if (lr.lr_op != LDAP_REQ_ADD) {
		rc = dir_ldif_error(ld, ld->line, "entry '%.*s': a change "
		    "record (changetype other than add), not an entry",
		    (int)lr.lr_dn.bv_len, lr.lr_dn.bv_val);
		ldap_ldif_record_done(&lr);
		return rc;
	}
	rc = dir_ldif_entry(ld, &lr);
	ldap_ldif_record_done(&lr);
	return rc;
}

#define DIR_LDIF_INCLUDE_DEPTH	16

/* The value of a hexadecimal digit. */
static int
dir_ldif_hex(char c)
{
	return isdigit((unsigned char)c) ? c - '0' :
	    tolower((unsigned char)c) - 'a' + 10;
}

/* Turns an include: value's "file:" URL into a path, as libldap does. */
static int
dir_ldif_url_path(const char *url, char *out, size_t outlen)
{
	size_t	 o = 0;

	if (strncasecmp(url, "file:", 5) != 0)
		return -1;		/* libldap refuses other URLs */
	url += 5;
	if (url[0] == '/' && url[1] == '/')
		url += 2;
	for (; *url != '\0' && o + 1 < outlen; url++) {
		if (url[0] == '%' && isxdigit((unsigned char)url[1]) &&
		    isxdigit((unsigned char)url[2])) {
			out[o++] = (char)(dir_ldif_hex(url[1]) << 4 |
			    dir_ldif_hex(url[2]));
			url += 2;
		} else
			out[o++] = *url;
	}
	out[o] = '\0';
	return 0;
}

/*
 * Checks that path is a regular file and that so is every file its
 * "include: file:..." lines name, nested ones too.  Returns 0, or -1 with
 * "FILE: cannot open: ..." or "FILE:LINE: include: ...: not a regular
 * file" in err.
 */
static int
dir_ldif_check_files(const char *path, int depth, char *err, size_t errlen)
{
	char		 why[256], inc[4096];
	char		*line = NULL, *url;
	const char	*kind;
	size_t		 cap = 0, n;
	unsigned long	 lineno = 0;
	FILE		*fp;
	int		 r = 0;

	if ((fp = regfile_fopen(path, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, why);
		return -1;
	}
	while (r == 0 && getline(&line, &cap, fp) != -1) {
		lineno++;
		if (strncasecmp(line, "include:", 8) != 0)
			continue;
		url = line + 8 + strspn(line + 8, " \t");
		n = strcspn(url, "\r\n");
		url[n] = '\0';
		if (dir_ldif_url_path(url, inc, sizeof(inc)) == -1)
			continue;	/* libldap reports what it cannot open */
		if ((kind = regfile_kind(inc)) != NULL) {
			snprintf(err, errlen, "%s:%lu: include: %s: %s, not a "
			    "regular file", path, lineno, url, kind);
			r = -1;
		} else if (depth < DIR_LDIF_INCLUDE_DEPTH)
			r = dir_ldif_check_files(inc, depth + 1, err, errlen);
	}
	free(line);
	fclose(fp);
	return r;
}

void *
dir_ldif_open(const char *path, const char *proxy_attr,
    const char *target_attr, char *err, size_t errlen)
{
	struct ldif_load	 ld;
	struct dir_ldif		*dl;
	LDIFFP			*fp;
	unsigned long		 lineno = 0;
	char			*buf = NULL;
	int			 buflen = 0, rc, ok = 0;

	if ((dl = calloc(1, sizeof(*dl))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	memset(&ld, 0, sizeof(ld));
	ld.dl = dl;
	ld.path = path;
	ld.proxy_attr = proxy_attr;
	ld.target_attr = target_attr;
	ld.err = err;
	ld.errlen = errlen;

	if (dir_ldif_check_files(path, 0, err, errlen) == -1) {
		dir_ldif_close(dl);
		return NULL;
	}
	errno = 0;
	if ((fp = ldif_open(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno ? errno : ENOMEM));
		dir_ldif_close(dl);
		return NULL;
	}
	errno = 0;
	while ((rc = ldif_read_record(fp, &lineno, &buf, &buflen)) > 0)
		if (dir_ldif_record(&ld, buf, lineno, feof(fp->fp)) == -1)
			break;
	if (rc < 0)
		dir_ldif_error(&ld, lineno, "cannot read an include: file");
	else if (rc == 0 && ferror(fp->fp))
		snprintf(err, errlen, "%s: cannot read: %s", path,
		    strerror(errno ? errno : EIO));
	else if (rc == 0 && (dir_ldif_index_build(&dl->proxy) == -1 ||
	    dir_ldif_index_build(&dl->target) == -1))
		snprintf(err, errlen, "%s: out of memory", path);
	else if (rc == 0)
		ok = 1;
	ber_memfree(buf);
	ldif_close(fp);
	free(ld.copy);
	if (!ok) {
		dir_ldif_close(dl);
		return NULL;
	}
	return dl;
}

/* Copies the entries of one index row into res. */
static int
dir_ldif_result(const struct dir_ldif *dl, const struct ldif_index *ix,
    const char *key, dir_result_t *res, char *err, size_t errlen)
{
	const struct ldif_key	*k;
	char			 folded[ADDR_TEXT_MAX + 1];
	size_t			 len = strlen(key);

	/* keys come folded; folding again costs little and is safe */
	if (len >= sizeof(folded))
		return DIR_NOTFOUND;
	memcpy(folded, key, len + 1);
	addr_fold(folded);
	if ((k = dir_ldif_index_find(ix, folded)) == NULL)
		return DIR_NOTFOUND;
	for (size_t i = k->first; i < k->first + k->count; i++) {
		const struct ldif_entry	*e = &dl->entries[ix->idx[i]];

		if (dir_result_add(res, e->dn, e->primary, e->target) == -1) {
			dir_result_free(res);
			snprintf(err, errlen, "ldif: out of memory");
			return DIR_TRYAGAIN;
		}
	}
	return DIR_FOUND;
}

static int
dir_ldif_by_proxy(void *h, const char *key, dir_result_t *res, char *err,
    size_t errlen)
{
	const struct dir_ldif	*dl = h;

	return dir_ldif_result(dl, &dl->proxy, key, res, err, errlen);
}

static int
dir_ldif_by_target(void *h, const char *key, dir_result_t *res, char *err,
    size_t errlen)
{
	const struct dir_ldif	*dl = h;

	return dir_ldif_result(dl, &dl->target, key, res, err, errlen);
}

static void
dir_ldif_index_free(struct ldif_index *ix)
{
	free(ix->pairs);
	free(ix->keys);
	free(ix->idx);
}

static void
dir_ldif_close(void *h)
{
	struct dir_ldif		*dl = h;
	struct ldif_block	*b, *next;

	if (dl == NULL)
		return;
	for (b = dl->blocks; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	dir_ldif_index_free(&dl->proxy);
	dir_ldif_index_free(&dl->target);
	free(dl->entries);
	free(dl);
}

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
 * Each entry goes into an index (dir_index.h) with its folded proxy
 * addresses and target; dir_ldif_open() builds it once and it never
 * changes after: lookups only read, so any number of threads may run them
 * without a lock.  The back-end's handle is the index itself.
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
#include "dir_index.h"
#include "dir_ldif.h"
#include "regfile.h"

#define LDIF_ERRSTR	"mailswitch"	/* libldap's name for its debug lines */

/* The state of one load. */
struct ldif_load {
	dir_index_builder_t	*b;
	const char	*path;
	const char	*proxy_attr, *target_attr;
	unsigned long	 line;		/* first line of the current record */
	char		*copy;		/* the current record, untouched */
	size_t		 copylen;
	char		*dn;		/* the current entry's dn */
	size_t		 dnlen;
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
		return 0;		/* X500:, x400:, sip: ... */
	case DIR_ENTRY_BAD_VALUE:
	case DIR_ENTRY_BAD_ENTRY:
		return dir_ldif_error(ld, ld->line, "%s", msg);
	case DIR_ENTRY_TARGET:
		return 0;		/* r->target: one at most */
	case DIR_ENTRY_PRIMARY:
	case DIR_ENTRY_SECONDARY:
		break;
	}
	if (dir_ldif_key(ld, a.key) == -1 || (kind == DIR_ENTRY_SECONDARY &&
	    dir_entry_list_add(&ld->secondary, a.text) == -1))
		return dir_ldif_error(ld, ld->line, "out of memory");
	return 0;
}

/*
 * Reads what mailswitch needs from one parsed entry and adds it to the
 * index (which keeps no entry without proxy or target addresses).
 * Returns 0, or -1 with the message in ld->err.
 */
static int
dir_ldif_entry(struct ldif_load *ld, LDIFRecord *lr)
{
	dir_index_record_t	 rec;
	dir_entry_rules_t	 r;
	LDAPMod			**mods = lr->lrop_mods;

	if (dir_ldif_reserve(&ld->dn, &ld->dnlen, lr->lr_dn.bv_len + 1) == -1)
		return dir_ldif_error(ld, ld->line, "out of memory");
	memcpy(ld->dn, lr->lr_dn.bv_val, lr->lr_dn.bv_len);
	ld->dn[lr->lr_dn.bv_len] = '\0';
	ld->nkeys = 0;
	ld->secondary.len = 0;
	dir_entry_begin(&r, ld->dn, ld->target_attr);
	for (size_t m = 0; mods != NULL && mods[m] != NULL; m++) {
		const char	 *type = mods[m]->mod_type;
		struct berval	**vals = mods[m]->mod_bvalues;
		int		  is_proxy, is_target;

		if (strcasecmp(type, "dn") == 0)
			return dir_ldif_error(ld, ld->line, "entry '%s': a "
			    "second dn: line (is a blank line missing?)",
			    ld->dn);
		is_proxy = strcasecmp(type, ld->proxy_attr) == 0;
		is_target = strcasecmp(type, ld->target_attr) == 0;
		if (vals == NULL || (!is_proxy && !is_target))
			continue;
		for (size_t v = 0; vals[v] != NULL; v++) {
			if (is_proxy &&
			    dir_ldif_address(ld, &r, vals[v], 0) == -1)
				return -1;
			if (is_target &&
			    dir_ldif_address(ld, &r, vals[v], 1) == -1)
				return -1;
		}
	}
	for (size_t k = 0; k < ld->nkeys; k++)
		ld->keyv[k] = ld->keys[k];
	rec.dn = ld->dn;
	rec.primary = r.has_primary ? r.primary.text : NULL;
	rec.target = r.has_target ? r.target.text : NULL;
	rec.proxy_keys = ld->keyv;
	rec.nproxy_keys = ld->nkeys;
	rec.target_key = r.has_target ? r.target.key : NULL;
	rec.secondary = ld->secondary.len > 0 ? ld->secondary.s : NULL;
	rec.bad = NULL;			/* a bad entry stopped the load */
	if (dir_index_add(ld->b, &rec) == -1)
		return dir_ldif_error(ld, ld->line, "out of memory");
	return 0;
}

/* The number of the line that starts at line, in work, a copy of ld->copy. */
static unsigned long
dir_ldif_lineno(const struct ldif_load *ld, const char *work, const char *line)
{
	unsigned long	 lineno = ld->line;

	for (const char *p = ld->copy; p < ld->copy + (line - work); p++)
		if (*p == '\n')
			lineno++;
	return lineno;
}

/*
 * Refuses, before libldap sees the record, the lines that make libldap's
 * ldap_parse_ldif_record() read through a NULL pointer: a "-" line (a
 * separator of changetype: modify, nothing in an entry) or a line whose
 * attribute name is empty (": x").  libldap takes either as the first
 * attribute of an entry without checking it (ldapadd -n crashes on the
 * same record); mailswitch refuses both wherever they are.  A "-" line in
 * a changetype: modify record is left to libldap, which handles it (and
 * the record is refused as a change record).  Returns 0, or -1 with
 * "FILE:LINE: message" in ld->err.
 */
static int
dir_ldif_precheck(struct ldif_load *ld)
{
	char		*work, *next, *line;
	struct berval	 type, value;
	int		 freeval, modify = 0, r = 0;

	if ((work = strdup(ld->copy)) == NULL)
		return dir_ldif_error(ld, ld->line, "out of memory");
	next = work;
	while (r == 0 && (line = ldif_getline(&next)) != NULL) {
		if (strcmp(line, "-") == 0) {
			if (!modify)
				r = dir_ldif_error(ld, dir_ldif_lineno(ld, work,
				    line), "a '-' line (it ends a change of "
				    "changetype: modify; an entry has none)");
			continue;
		}
		if (line[0] == ':') {
			r = dir_ldif_error(ld, dir_ldif_lineno(ld, work, line),
			    "no attribute name before ':'");
			continue;
		}
		if (ldif_parse_line2(line, &type, &value, &freeval) != 0)
			continue;	/* dir_ldif_diagnose() names it */
		if (type.bv_len == 0)
			r = dir_ldif_error(ld, dir_ldif_lineno(ld, work, line),
			    "no attribute name before ':'");
		else if (strcasecmp(type.bv_val, "changetype") == 0 &&
		    value.bv_len == 6 &&
		    strncasecmp(value.bv_val, "modify", 6) == 0)
			modify = 1;
		if (freeval)
			ber_memfree(value.bv_val);
	}
	free(work);
	return r;
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
		lineno = dir_ldif_lineno(ld, work, line);
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
	if (p[strspn(p, "\n")] == '\0')	/* dir_ldif_check_files() */
		return dir_ldif_error(ld, ld->line, "a record with no lines "
		    "(an old-style index line?)");
	len -= (size_t)(p - buf);
	if (dir_ldif_reserve(&ld->copy, &ld->copylen, len + 1) == -1)
		return dir_ldif_error(ld, ld->line, "out of memory");
	memcpy(ld->copy, p, len + 1);

	if (dir_ldif_precheck(ld) == -1)
		return -1;
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
 * Reads path before libldap does and refuses what libldap would mishandle:
 * path, and every file its "include: file:..." lines name, nested ones
 * too, must be regular files, nested at most DIR_LDIF_INCLUDE_DEPTH deep
 * (libldap has no limit: a file that includes itself would open files
 * until none is left); and no record may begin with a line that begins
 * with a digit (an old-style index line: ldif_read_record() skips it
 * without a word, and returns a record it never wrote when nothing
 * follows).  Returns 0, or -1 with "FILE: cannot open: ..." or
 * "FILE:LINE: message" in err.
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
	int		 r = 0, at_start = 1, in_comment = 0;

	if ((fp = regfile_fopen(path, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, why);
		return -1;
	}
	while (r == 0 && getline(&line, &cap, fp) != -1) {
		lineno++;
		/* where a record begins: blank lines, then comments */
		if (line[0] == '\n' || strcmp(line, "\r\n") == 0) {
			at_start = 1;
			in_comment = 0;
			continue;
		}
		if (at_start && (line[0] == '#' ||
		    (in_comment && line[0] == ' '))) {
			in_comment = 1;
			continue;
		}
		if (at_start && isdigit((unsigned char)line[0])) {
			snprintf(err, errlen, "%s:%lu: a record begins with a "
			    "digit (an old-style index line?): not LDIF",
			    path, lineno);
			r = -1;
			break;
		}
		at_start = 0;
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
		} else if (depth >= DIR_LDIF_INCLUDE_DEPTH) {
			snprintf(err, errlen, "%s:%lu: include: %s: includes "
			    "nested more than %d deep (a file that includes "
			    "itself?)", path, lineno, url,
			    DIR_LDIF_INCLUDE_DEPTH);
			r = -1;
		} else {
			r = dir_ldif_check_files(inc, depth + 1, err, errlen);
			at_start = 1;	/* libldap: a new record follows */
		}
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
	dir_index_t		*ix = NULL;
	LDIFFP			*fp;
	unsigned long		 lineno = 0;
	char			*buf = NULL;
	int			 buflen = 0, rc;

	memset(&ld, 0, sizeof(ld));
	if ((ld.b = dir_index_builder_new()) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	ld.path = path;
	ld.proxy_attr = proxy_attr;
	ld.target_attr = target_attr;
	ld.err = err;
	ld.errlen = errlen;

	if (dir_ldif_check_files(path, 0, err, errlen) == -1) {
		dir_index_builder_free(ld.b);
		return NULL;
	}
	errno = 0;
	if ((fp = ldif_open(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno ? errno : ENOMEM));
		dir_index_builder_free(ld.b);
		return NULL;
	}
	errno = 0;
	for (;;) {
		if (buf != NULL)
			buf[0] = '\0';	/* a record libldap never wrote is "" */
		if ((rc = ldif_read_record(fp, &lineno, &buf, &buflen)) <= 0)
			break;
		if (dir_ldif_record(&ld, buf != NULL ? buf : "", lineno,
		    feof(fp->fp)) == -1)
			break;
	}
	if (rc < 0)
		dir_ldif_error(&ld, lineno, "cannot read an include: file");
	else if (rc == 0 && ferror(fp->fp))
		snprintf(err, errlen, "%s: cannot read: %s", path,
		    strerror(errno ? errno : EIO));
	else if (rc == 0) {
		ix = dir_index_build(ld.b);	/* frees the builder */
		ld.b = NULL;
		if (ix == NULL)
			snprintf(err, errlen, "%s: out of memory", path);
	}
	dir_index_builder_free(ld.b);
	ber_memfree(buf);
	ldif_close(fp);
	free(ld.copy);
	free(ld.dn);
	free(ld.keys);
	free(ld.keyv);
	free(ld.secondary.s);
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

static void
dir_ldif_close(void *h)
{
	dir_index_release(h);
}

/*
 * ldif_read.c - an LDIF export read entry by entry (see ldif_read.h).
 *
 * libldap follows "include: URL" lines (as ldapadd does) and opens the
 * files it includes itself, so ldif_read_check_files() looks at the
 * export and every file: URL it includes first: a FIFO or a device would
 * block it for ever or never end (regfile.h).  A record libldap refuses
 * is diagnosed here (ldif_read_diagnose(): the first line
 * ldif_parse_line2() refuses), so that the message names its line.
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

#include "ldif_read.h"
#include "regfile.h"

#define LDIF_ERRSTR	"mailswitch"	/* libldap's name for its debug lines */

/* The values of one attribute of the current entry, NULL-terminated. */
struct ldif_read_values {
	struct berval	**v;
	size_t		  n, max;
};

/* The state of one read. */
struct ldif_reader {
	const char		*path;
	const char		*proxy_attr, *target_attr;
	ldif_read_entry_fn	 entry;
	ldif_read_problem_fn	 problem;
	void			*arg;
	unsigned long		 line;		/* first line of the current
						   record */
	char			*copy;		/* the current record, untouched */
	size_t			 copylen;
	char			*dn;		/* the current entry's dn */
	size_t			 dnlen;
	struct ldif_read_values	 proxy, target;
	char			*err;
	size_t			 errlen;
	int			 stopped;	/* a callback said stop: err is
						   set (problem) or the caller's */
};

/* Writes "PATH:LINE: message" into the read's error buffer; returns -1. */
static int __attribute__((format(printf, 3, 4)))
ldif_read_error(struct ldif_reader *ld, unsigned long line, const char *fmt,
    ...)
{
	char	 msg[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(ld->err, ld->errlen, "%s:%lu: %s", ld->path, line, msg);
	return -1;
}

/*
 * A record that is no usable entry, "PATH:LINE: message" in the error
 * buffer: handed to the caller, who says whether the read goes on (0:
 * the record is skipped) or stops (-1).
 */
static int
ldif_read_problem(struct ldif_reader *ld)
{
	if (ld->problem(ld->arg, ld->err) == 0)
		return 0;
	ld->stopped = 1;
	return -1;
}

/* Grows *buf to hold at least need bytes.  Returns 0, or -1: no memory. */
static int
ldif_read_reserve(char **buf, size_t *size, size_t need)
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

/* Appends bv to vals (keeping the NULL at the end).  0, or -1: no memory. */
static int
ldif_read_value(struct ldif_read_values *vals, struct berval *bv)
{
	if (vals->n + 1 >= vals->max) {
		size_t	 max = vals->max ? 2 * vals->max : 16;
		void	*p;

		if (max > SIZE_MAX / sizeof(*vals->v) ||
		    (p = realloc(vals->v, max * sizeof(*vals->v))) == NULL)
			return -1;
		vals->v = p;
		vals->max = max;
	}
	vals->v[vals->n++] = bv;
	vals->v[vals->n] = NULL;
	return 0;
}

/*
 * Hands one parsed entry, its DN and the values of its proxy and target
 * attributes, to the caller.  A second dn: line is a problem of the
 * record.  Returns 0, or -1 (stopped, or out of memory: ld->err).
 */
static int
ldif_read_entry(struct ldif_reader *ld, LDIFRecord *lr)
{
	ldif_read_entry_t	 e;
	LDAPMod			**mods = lr->lrop_mods;

	if (ldif_read_reserve(&ld->dn, &ld->dnlen, lr->lr_dn.bv_len + 1) == -1)
		return ldif_read_error(ld, ld->line, "out of memory");
	memcpy(ld->dn, lr->lr_dn.bv_val, lr->lr_dn.bv_len);
	ld->dn[lr->lr_dn.bv_len] = '\0';
	ld->proxy.n = ld->target.n = 0;
	if (ldif_read_value(&ld->proxy, NULL) == -1 ||
	    ldif_read_value(&ld->target, NULL) == -1)
		return ldif_read_error(ld, ld->line, "out of memory");
	ld->proxy.n = ld->target.n = 0;
	for (size_t m = 0; mods != NULL && mods[m] != NULL; m++) {
		const char	 *type = mods[m]->mod_type;
		struct berval	**vals = mods[m]->mod_bvalues;
		int		  is_proxy, is_target;

		if (strcasecmp(type, "dn") == 0) {
			ldif_read_error(ld, ld->line, "entry '%s': a second "
			    "dn: line (is a blank line missing?)", ld->dn);
			return ldif_read_problem(ld);
		}
		is_proxy = strcasecmp(type, ld->proxy_attr) == 0;
		is_target = strcasecmp(type, ld->target_attr) == 0;
		for (size_t v = 0; vals != NULL && vals[v] != NULL; v++)
			if ((is_proxy && ldif_read_value(&ld->proxy,
			    vals[v]) == -1) || (is_target &&
			    ldif_read_value(&ld->target, vals[v]) == -1))
				return ldif_read_error(ld, ld->line,
				    "out of memory");
	}
	e.dn = ld->dn;
	e.line = ld->line;
	e.proxy = ld->proxy.v;
	e.target = ld->target.v;
	if (ld->entry(ld->arg, &e) == 0)
		return 0;
	ld->stopped = 1;
	return -1;
}

/* The number of the line that starts at line, in work, a copy of ld->copy. */
static unsigned long
ldif_read_lineno(const struct ldif_reader *ld, const char *work, const char *line)
{
	unsigned long	 lineno = ld->line;

	for (const char *p = ld->copy; p < ld->copy + (line - work); p++)
		if (*p == '\n')
			lineno++;
	return lineno;
}

/* Turns an include: value's "file:" URL into a path, as libldap does. */
static int	ldif_read_url_path(const char *url, char *out, size_t outlen);

/*
 * A URL value ("type:< file:///path", RFC 2849) is read whole by libldap
 * (ldif_fetch_url()) as the record is parsed, so its file must be a
 * regular file, as an include: file must: a FIFO would block the read for
 * ever and /dev/zero fill the memory.  When line (one line from
 * ldif_getline(): its folds marked with CR) holds a URL value whose file
 * is no regular file, returns what it is (regfile_kind()), with the URL,
 * unfolded, in url and the attribute name in *type (*typelen bytes of
 * line); otherwise NULL (libldap reports a URL it cannot read).
 */
static const char *
ldif_read_url_kind(const char *line, char *url, size_t urllen,
    const char **type, size_t *typelen)
{
	const char	*colon, *s;
	char		 path[4096];
	size_t		 o = 0;

	while (isspace((unsigned char)*line))
		line++;
	if ((colon = strchr(line, ':')) == NULL || colon[1] != '<')
		return NULL;
	for (s = colon + 2; isspace((unsigned char)*s); s++)
		;
	for (; *s != '\0' && o + 1 < urllen; s++)
		if (*s != '\r')
			url[o++] = *s;
	url[o] = '\0';
	*type = line;
	*typelen = (size_t)(colon - line);
	if (ldif_read_url_path(url, path, sizeof(path)) == -1)
		return NULL;
	return regfile_kind(path);
}

/*
 * Refuses, before libldap sees the record, the lines that make libldap's
 * ldap_parse_ldif_record() read through a NULL pointer: a "-" line (a
 * separator of changetype: modify, nothing in an entry) or a line whose
 * attribute name is empty (": x").  libldap takes either as the first
 * attribute of an entry without checking it (ldapadd -n crashes on the
 * same record); mailswitch refuses both wherever they are.  A "-" line in
 * a changetype: modify record is left to libldap, which handles it (and
 * the record is refused as a change record).  A URL value must name a
 * regular file (ldif_read_url_kind()).  Returns 0, or -1 with
 * "FILE:LINE: message" in ld->err (-2: out of memory).
 */
static int
ldif_read_precheck(struct ldif_reader *ld)
{
	char		*work, *next, *line, url[4096];
	const char	*kind, *name;
	struct berval	 type, value;
	size_t		 typelen;
	int		 freeval, modify = 0, r = 0;

	if ((work = strdup(ld->copy)) == NULL) {
		ldif_read_error(ld, ld->line, "out of memory");
		return -2;
	}
	next = work;
	while (r == 0 && (line = ldif_getline(&next)) != NULL) {
		if (strcmp(line, "-") == 0) {
			if (!modify)
				r = ldif_read_error(ld, ldif_read_lineno(ld, work,
				    line), "a '-' line (it ends a change of "
				    "changetype: modify; an entry has none)");
			continue;
		}
		if (line[0] == ':') {
			r = ldif_read_error(ld, ldif_read_lineno(ld, work, line),
			    "no attribute name before ':'");
			continue;
		}
		if ((kind = ldif_read_url_kind(line, url, sizeof(url), &name,
		    &typelen)) != NULL) {
			r = ldif_read_error(ld, ldif_read_lineno(ld, work, line),
			    "%.*s:< %s: %s, not a regular file",
			    (int)(typelen < 64 ? typelen : 64), name, url, kind);
			continue;
		}
		if (ldif_parse_line2(line, &type, &value, &freeval) != 0)
			continue;	/* ldif_read_diagnose() names it */
		if (type.bv_len == 0)
			r = ldif_read_error(ld, ldif_read_lineno(ld, work, line),
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
 * Returns -1 with "FILE:LINE: message" in ld->err (-2: out of memory).
 */
static int
ldif_read_diagnose(struct ldif_reader *ld)
{
	char		*work, *next, *line, *colon;
	const char	*why;
	struct berval	 type, value;
	unsigned long	 lineno;
	int		 freeval;

	if ((work = strdup(ld->copy)) == NULL) {
		ldif_read_error(ld, ld->line, "out of memory");
		return -2;
	}
	next = work;
	while ((line = ldif_getline(&next)) != NULL) {
		if (strcmp(line, "-") == 0)
			continue;
		lineno = ldif_read_lineno(ld, work, line);
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
		return ldif_read_error(ld, lineno, "%s", why);
	}
	free(work);
	return ldif_read_error(ld, ld->line, "bad LDIF record (an unknown "
	    "changetype, or malformed change lines)");
}

/*
 * Handles one record read by libldap's ldif_read_record(): buf, whose last line
 * ended at line end (the blank line after it, or the file's last line when
 * at_eof): an entry goes to the caller, anything else is a problem of the
 * record.  Returns 0 (go on), or -1 (stop: out of memory, with the message
 * in ld->err, or a callback said so).
 */
static int
ldif_read_record_one(struct ldif_reader *ld, char *buf, unsigned long end, int at_eof)
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
	if (*p == ' ' || *p == '\t') {
		ldif_read_error(ld, ld->line, "continuation line with nothing "
		    "to continue");
		return ldif_read_problem(ld);
	}
	if (p[strspn(p, "\n")] == '\0') {	/* ldif_read_check_files() */
		ldif_read_error(ld, ld->line, "a record with no lines (an "
		    "old-style index line?)");
		return ldif_read_problem(ld);
	}
	len -= (size_t)(p - buf);
	if (ldif_read_reserve(&ld->copy, &ld->copylen, len + 1) == -1)
		return ldif_read_error(ld, ld->line, "out of memory");
	memcpy(ld->copy, p, len + 1);

	if ((rc = ldif_read_precheck(ld)) == -2)
		return -1;	/* out of memory */
	if (rc == -1)
		return ldif_read_problem(ld);
	bv.bv_val = buf + (p - buf);
	bv.bv_len = len;
	rc = ldap_parse_ldif_record(&bv, ld->line, &lr, LDIF_ERRSTR,
	    LDIF_DEFAULT_ADD | LDIF_NO_CONTROLS);
	if (rc == LDAP_NO_MEMORY)
		return ldif_read_error(ld, ld->line, "out of memory");
	if (rc != LDAP_SUCCESS) {
		if (ldif_read_diagnose(ld) == -2)
			return -1;	/* out of memory */
		return ldif_read_problem(ld);
	}

	if (lr.lr_dn.bv_val == NULL) {
		/* "version: 1" alone is fine; anything else needs a dn */
		for (int i = 0; i < lr.lr_lines; i++)
			if (lr.lr_btype[i].bv_val != NULL &&
			    strcasecmp(lr.lr_btype[i].bv_val, "version") != 0) {
				ldap_ldif_record_done(&lr);
				ldif_read_error(ld, ld->line,
				    "record without a dn: line");
				return ldif_read_problem(ld);
			}
		ldap_ldif_record_done(&lr);
		return 0;
	}
	if (lr.lr_op != LDAP_REQ_ADD) {
		ldif_read_error(ld, ld->line, "entry '%.*s': a change record "
		    "(changetype other than add), not an entry",
		    (int)lr.lr_dn.bv_len, lr.lr_dn.bv_val);
		ldap_ldif_record_done(&lr);
		return ldif_read_problem(ld);
	}
	rc = ldif_read_entry(ld, &lr);
	ldap_ldif_record_done(&lr);
	return rc;
}

#define LDIF_READ_INCLUDE_DEPTH	16

/* The value of a hexadecimal digit. */
static int
ldif_read_hex(char c)
{
	return isdigit((unsigned char)c) ? c - '0' :
	    tolower((unsigned char)c) - 'a' + 10;
}

static int
ldif_read_url_path(const char *url, char *out, size_t outlen)
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
			out[o++] = (char)(ldif_read_hex(url[1]) << 4 |
			    ldif_read_hex(url[2]));
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
 * too, must be regular files, nested at most LDIF_READ_INCLUDE_DEPTH deep
 * (libldap has no limit: a file that includes itself would open files
 * until none is left); and no record may begin with a line that begins
 * with a digit (an old-style index line: ldif_read_record() skips it
 * without a word, and returns a record it never wrote when nothing
 * follows).  Returns 0, or -1 with "FILE: cannot open: ..." or
 * "FILE:LINE: message" in err.
 */
static int
ldif_read_check_files(const char *path, int depth, char *err, size_t errlen)
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
		if (ldif_read_url_path(url, inc, sizeof(inc)) == -1)
			continue;	/* libldap reports what it cannot open */
		if ((kind = regfile_kind(inc)) != NULL) {
			snprintf(err, errlen, "%s:%lu: include: %s: %s, not a "
			    "regular file", path, lineno, url, kind);
			r = -1;
		} else if (depth >= LDIF_READ_INCLUDE_DEPTH) {
			snprintf(err, errlen, "%s:%lu: include: %s: includes "
			    "nested more than %d deep (a file that includes "
			    "itself?)", path, lineno, url,
			    LDIF_READ_INCLUDE_DEPTH);
			r = -1;
		} else {
			r = ldif_read_check_files(inc, depth + 1, err, errlen);
			at_start = 1;	/* libldap: a new record follows */
		}
	}
	free(line);
	fclose(fp);
	return r;
}


int
ldif_read(const char *path, const char *proxy_attr, const char *target_attr,
    ldif_read_entry_fn entry, ldif_read_problem_fn problem, void *arg,
    char *err, size_t errlen)
{
	struct ldif_reader	 ld;
	LDIFFP			*fp;
	unsigned long		 lineno = 0;
	char			*buf = NULL;
	int			 buflen = 0, rc, r = -1;

	memset(&ld, 0, sizeof(ld));
	ld.path = path;
	ld.proxy_attr = proxy_attr;
	ld.target_attr = target_attr;
	ld.entry = entry;
	ld.problem = problem;
	ld.arg = arg;
	ld.err = err;
	ld.errlen = errlen;
	if (errlen > 0)
		err[0] = '\0';

	if (ldif_read_check_files(path, 0, err, errlen) == -1)
		return -1;
	errno = 0;
	if ((fp = ldif_open(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno ? errno : ENOMEM));
		return -1;
	}
	errno = 0;
	for (;;) {
		if (buf != NULL)
			buf[0] = '\0';	/* a record libldap never wrote is "" */
		if ((rc = ldif_read_record(fp, &lineno, &buf, &buflen)) <= 0)
			break;
		if (ldif_read_record_one(&ld, buf != NULL ? buf : "", lineno,
		    feof(fp->fp)) == -1)
			break;
	}
	if (rc < 0)
		ldif_read_error(&ld, lineno, "cannot read an include: file");
	else if (rc == 0 && ferror(fp->fp))
		snprintf(err, errlen, "%s: cannot read: %s", path,
		    strerror(errno ? errno : EIO));
	else if (rc == 0)
		r = 0;
	ber_memfree(buf);
	ldif_close(fp);
	free(ld.copy);
	free(ld.dn);
	free(ld.proxy.v);
	free(ld.target.v);
	return r;
}

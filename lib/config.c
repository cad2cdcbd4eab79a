/*
 * config.c - reads the configuration file with libconfig and turns it into
 * a validated config_t that owns all its strings.
 *
 * Every group is walked member by member, in file order, so that the first
 * error in the file is the one reported, and a key nobody knows is an
 * error rather than silently ignored.  Messages are "FILE:LINE: message",
 * FILE being the file the setting came from (which may be an @include).
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* libconfig's config_t and ours share a name: rename libconfig's. */
#define config_t libconfig_config_t
#include <libconfig.h>
#undef config_t

#include "config.h"
#include "log.h"
#include "printable.h"
#include "regfile.h"

#define TIMEOUT_MAX	300.0		/* seconds */
#define HOPS_MAX	100
#define CONNECTIONS_MAX	64
#define RANGE_SIZE_MAX	1000000	/* values a ranged request asks for */

/* What one load needs to report errors and resolve paths. */
struct load {
	const char	*path;		/* the main file */
	char		*dir;		/* its folder, for relative paths */
	char		*err;
	size_t		 errlen;
	config_t	*cfg;
	const config_setting_t *tables;	/* the tables group, for the checks
					   at the end */
};

static int	fail(struct load *, const config_setting_t *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/*
 * Writes "FILE:LINE: message" (or "FILE: message" without a setting) into
 * the caller's buffer; returns -1 so that callers can return fail(...).
 */
static int
fail(struct load *l, const config_setting_t *s, const char *fmt, ...)
{
	const char	*file = l->path;
	unsigned	 line = 0;
	size_t		 n;
	int		 r;
	va_list		 ap;

	if (s != NULL) {
		if (config_setting_source_file(s) != NULL)
			file = config_setting_source_file(s);
		line = config_setting_source_line(s);
	}
	if (line > 0)
		r = snprintf(l->err, l->errlen, "%s:%u: ", file, line);
	else
		r = snprintf(l->err, l->errlen, "%s: ", file);
	n = r < 0 ? 0 : (size_t)r;
	if (n < l->errlen) {
		va_start(ap, fmt);
		vsnprintf(l->err + n, l->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
nomem(struct load *l)
{
	return fail(l, NULL, "out of memory");
}

/* Frees a NULL-terminated vector of strings. */
static void
strvec_free(char **v)
{
	if (v == NULL)
		return;
	for (char **p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

/* Returns a copy of p, made absolute against the configuration's folder. */
static char *
resolve(const struct load *l, const char *p)
{
	char	*r;
	size_t	 dl, pl;

	if (p[0] == '\0' || p[0] == '/')
		return strdup(p);
	dl = strlen(l->dir);
	pl = strlen(p);
	if ((r = malloc(dl + 1 + pl + 1)) == NULL)
		return NULL;
	memcpy(r, l->dir, dl);
	if (dl == 0 || l->dir[dl - 1] != '/')
		r[dl++] = '/';
	memcpy(r + dl, p, pl + 1);
	return r;
}

/* Returns the folder of path, absolute when the working folder is known. */
static char *
folder_of(const char *path)
{
	char		 cwd[PATH_MAX];
	const char	*slash = strrchr(path, '/');
	size_t		 len;
	char		*d;

	if (slash == path)
		return strdup("/");
	len = slash == NULL ? 0 : (size_t)(slash - path);
	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL) {
		if (len == 0)
			return strdup(".");
		return strndup(path, len);
	}
	if (len == 0)
		return strdup(cwd);
	if ((d = malloc(strlen(cwd) + 1 + len + 1)) == NULL)
		return NULL;
	snprintf(d, strlen(cwd) + 1 + len + 1, "%s/%.*s", cwd, (int)len, path);
	return d;
}

/*
 * Typed getters.  Each returns 0 with the value, or -1 with the error
 * "FILE:LINE: 'what' must be ..." written.
 */
static int
get_string(struct load *l, const config_setting_t *s, const char *what,
    const char **out)
{
	*out = NULL;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail(l, s, "'%s' must be a string", what);
	*out = config_setting_get_string(s);
	return 0;
}

static int
get_int(struct load *l, const config_setting_t *s, const char *what,
    long long min, long long max, long long *out)
{
	long long	v;

	if (config_setting_type(s) == CONFIG_TYPE_INT)
		v = config_setting_get_int(s);
	else if (config_setting_type(s) == CONFIG_TYPE_INT64)
		v = config_setting_get_int64(s);
	else
		return fail(l, s, "'%s' must be an integer", what);
	if (v < min && max >= INT_MAX)
		return fail(l, s, "'%s' must be at least %lld", what, min);
	if (v < min || v > max)
		return fail(l, s, "'%s' must be between %lld and %lld", what,
		    min, max);
	*out = v;
	return 0;
}

static int
get_number(struct load *l, const config_setting_t *s, const char *what,
    double *out)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		*out = config_setting_get_int(s);
		return 0;
	case CONFIG_TYPE_INT64:
		*out = (double)config_setting_get_int64(s);
		return 0;
	case CONFIG_TYPE_FLOAT:
		*out = config_setting_get_float(s);
		return 0;
	}
	return fail(l, s, "'%s' must be a number", what);
}

static int
get_bool(struct load *l, const config_setting_t *s, const char *what,
    bool *out)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return fail(l, s, "'%s' must be a boolean (true or false)", what);
	*out = config_setting_get_bool(s) != 0;
	return 0;
}

static int
check_group(struct load *l, const config_setting_t *s, const char *what)
{
	if (!config_setting_is_group(s))
		return fail(l, s, "'%s' must be a group { ... }", what);
	return 0;
}

/* Replaces *dst by a copy of the string setting s (resolved as a path when asked). */
static int
set_string(struct load *l, const config_setting_t *s, const char *what,
    char **dst, bool path)
{
	const char	*v;
	char		*copy;

	if (get_string(l, s, what, &v) == -1)
		return -1;
	if ((copy = path ? resolve(l, v) : strdup(v)) == NULL)
		return nomem(l);
	free(*dst);
	*dst = copy;
	return 0;
}

/*
 * set_string() of a path that mailswitch reads: one that names a FIFO or a
 * device is refused here (a missing one is the opener's to report).
 */
static int
set_file(struct load *l, const config_setting_t *s, const char *what,
    char **dst)
{
	const char	*kind;

	if (set_string(l, s, what, dst, true) == -1)
		return -1;
	if (**dst != '\0' && (kind = regfile_kind(*dst)) != NULL)
		return fail(l, s, "'%s' %s: %s, not a regular file", what, *dst,
		    kind);
	return 0;
}

/* Replaces *dst by "FILE:LINE" of setting s (a message names it later). */
static int
set_where(struct load *l, const config_setting_t *s, char **dst)
{
	const char	*file = config_setting_source_file(s);
	size_t		 len;
	char		*at;

	file = file != NULL ? file : l->path;
	len = strlen(file) + 16;
	if ((at = malloc(len)) == NULL)
		return nomem(l);
	snprintf(at, len, "%s:%u", file, config_setting_source_line(s));
	free(*dst);
	*dst = at;
	return 0;
}

static int
unknown(struct load *l, const config_setting_t *s, const char *where)
{
	const char	*name = config_setting_name(s);

	if (where == NULL)
		return fail(l, s, "unknown key '%s'", name ? name : "?");
	return fail(l, s, "unknown key '%s' in %s", name ? name : "?", where);
}

/*
 * Reads a list (or array) of strings into a new NULL-terminated vector,
 * calling check on each element.  Replaces *out and *n.
 */
typedef int	(*strcheck_fn)(struct load *, const config_setting_t *,
		    const char *, const char *);

static int
get_strvec(struct load *l, const config_setting_t *s, const char *what,
    strcheck_fn check, char ***out, size_t *n)
{
	char	**v;
	int	  len;

	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return fail(l, s, "'%s' must be a list of strings [ \"...\", ... ]",
		    what);
	len = config_setting_length(s);
	if ((v = calloc((size_t)len + 1, sizeof(*v))) == NULL)
		return nomem(l);
	for (int i = 0; i < len; i++) {
		const config_setting_t	*e = config_setting_get_elem(s, (unsigned)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			strvec_free(v);
			return fail(l, e, "'%s' must be a list of strings "
			    "[ \"...\", ... ]", what);
		}
		if (check != NULL &&
		    check(l, e, what, config_setting_get_string(e)) == -1) {
			strvec_free(v);
			return -1;
		}
		if ((v[i] = strdup(config_setting_get_string(e))) == NULL) {
			strvec_free(v);
			return nomem(l);
		}
	}
	strvec_free(*out);
	*out = v;
	*n = (size_t)len;
	return 0;
}

/* Returns 1 when s is a header field name: printable ASCII except ':'. */
static int
is_field_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 33 || (unsigned char)*s > 126 || *s == ':')
			return 0;
	return 1;
}

/* Returns 1 when s is an LDAP attribute description (name and options). */
static int
is_attribute(const char *s)
{
	if (*s == '\0' || *s == ';' || *s == '-')
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-;") == strlen(s);
}

int
config_check_socket(const char *v, char *why, size_t whylen)
{
	const char	*p;
	size_t		 digits;
	long		 port;

	if (*v == '\0')		/* this front end is off */
		return 0;
	if (strncmp(v, "unix:", 5) == 0 || strncmp(v, "local:", 6) == 0) {
		if (strchr(v, ':')[1] == '\0') {
			snprintf(why, whylen, "bad socket '%s': no path", v);
			return -1;
		}
		return 0;
	}
	if (strncmp(v, "inet:", 5) == 0)
		p = v + 5;
	else if (strncmp(v, "inet6:", 6) == 0)
		p = v + 6;
	else {
		snprintf(why, whylen, "bad socket '%s': must be unix:PATH, "
		    "local:PATH, inet:PORT@HOST or inet6:PORT@HOST", v);
		return -1;
	}
	digits = strspn(p, "0123456789");
	port = digits > 0 && digits <= 5 ? strtol(p, NULL, 10) : 0;
	if (port < 1 || port > 65535 || (p[digits] != '\0' && p[digits] != '@')) {
		snprintf(why, whylen, "bad socket '%s': the port must be "
		    "1..65535", v);
		return -1;
	}
	if (p[digits] == '@' && p[digits + 1] == '\0') {
		snprintf(why, whylen, "bad socket '%s': no host after '@'", v);
		return -1;
	}
	return 0;
}

/* config_check_socket() of a setting, with FILE:LINE. */
static int
check_socket(struct load *l, const config_setting_t *s, const char *v)
{
	char	 why[CONFIG_ERR_MAX];

	if (config_check_socket(v, why, sizeof(why)) == -1)
		return fail(l, s, "%s", why);
	return 0;
}

/* The metrics endpoint: TCP only, and where it listens said. */
static int
check_metrics(struct load *l, const config_setting_t *s, const char *v)
{
	char	 why[CONFIG_ERR_MAX];

	if (*v == '\0')
		return 0;
	if (strncmp(v, "inet:", 5) != 0 && strncmp(v, "inet6:", 6) != 0)
		return fail(l, s, "bad metrics '%s': must be inet:PORT@HOST "
		    "or inet6:PORT@HOST", v);
	if (config_check_socket(v, why, sizeof(why)) == -1)
		return fail(l, s, "%s", why);
	if (strchr(v, '@') == NULL)
		return fail(l, s, "bad metrics '%s': no host: say where it "
		    "listens (inet:PORT@HOST)", v);
	return 0;
}

/*
 * A socket key: checked, and a relative unix:PATH made absolute against
 * the configuration's folder, as every other path of the file.
 */
static int
set_socket(struct load *l, const config_setting_t *s, const char *what,
    char **dst)
{
	const char	*v, *path = NULL;
	char		*abs, *copy;
	size_t		 plen;

	if (get_string(l, s, what, &v) == -1 || check_socket(l, s, v) == -1)
		return -1;
	if (strncmp(v, "unix:", 5) == 0 || strncmp(v, "local:", 6) == 0)
		path = strchr(v, ':') + 1;
	if (path == NULL || path[0] == '/')
		return set_string(l, s, what, dst, false);
	if ((abs = resolve(l, path)) == NULL)
		return nomem(l);
	plen = (size_t)(path - v);
	if ((copy = malloc(plen + strlen(abs) + 1)) == NULL) {
		free(abs);
		return nomem(l);
	}
	memcpy(copy, v, plen);
	memcpy(copy + plen, abs, strlen(abs) + 1);
	free(abs);
	free(*dst);
	*dst = copy;
	return 0;
}

static int
check_uri(struct load *l, const config_setting_t *s, const char *what,
    const char *v)
{
	if (strncasecmp(v, "ldap://", 7) != 0 &&
	    strncasecmp(v, "ldaps://", 8) != 0 &&
	    strncasecmp(v, "ldapi://", 8) != 0)
		return fail(l, s, "bad URI '%s' in '%s': must start with "
		    "ldap://, ldaps:// or ldapi://", v, what);
	if (strpbrk(v, " \t\r\n") != NULL)
		return fail(l, s, "bad URI '%s' in '%s': white space (one URI "
		    "per string)", v, what);
	return 0;
}

static int
check_daemon(struct load *l, const config_setting_t *s, const char *what,
    const char *v)
{
	if (*v == '\0')
		return fail(l, s, "empty service name in '%s'", what);
	return 0;
}

static int
check_header(struct load *l, const config_setting_t *s, const char *what,
    const char *v)
{
	const config_setting_t	*list = config_setting_parent(s);
	int			 idx = config_setting_index(s);

	if (!is_field_name(v))
		return fail(l, s, "bad header field name '%s' in '%s'", v, what);
	for (int i = 0; i < idx; i++) {
		const char	*prev;

		prev = config_setting_get_string_elem(list, i);
		if (prev != NULL && strcasecmp(prev, v) == 0)
			return fail(l, s, "duplicate header '%s' in '%s'", v,
			    what);
	}
	return 0;
}

static int
check_attribute(struct load *l, const config_setting_t *s, const char *what,
    const char *v)
{
	if (!is_attribute(v))
		return fail(l, s, "bad attribute name '%s' in '%s' (letters, "
		    "digits, '-' and ';' options)", v, what);
	return 0;
}

static int
load_ldif(struct load *l, const config_setting_t *g)
{
	struct config_directory	*d = &l->cfg->directory;

	if (check_group(l, g, "directory.ldif") == -1)
		return -1;
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t	*s = config_setting_get_elem(g, (unsigned)i);
		const char		*name = config_setting_name(s);

		if (strcmp(name, "path") == 0) {
			const char	*v;

			if (get_string(l, s, "directory.ldif.path", &v) == -1)
				return -1;
			if (*v == '\0')
				return fail(l, s, "'directory.ldif.path' must "
				    "not be empty");
			if (set_file(l, s, "directory.ldif.path",
			    &d->ldif_path) == -1)
				return -1;
		} else
			return unknown(l, s, "directory.ldif");
	}
	return 0;
}

#define REPLICA_PAGE_MAX	100000

static int
load_replica(struct load *l, const config_setting_t *g)
{
	struct config_replica	*rp = &l->cfg->directory.ldap.replica;
	const char		*v;
	long long		 n;

	if (check_group(l, g, "directory.ldap.replica") == -1)
		return -1;
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t	*s = config_setting_get_elem(g, (unsigned)i);
		const char		*name = config_setting_name(s);
		int			*slot = NULL, r = 0;
		long long		 max = INT_MAX;
		char			 what[64];

		snprintf(what, sizeof(what), "directory.ldap.replica.%s", name);
		if (strcmp(name, "enabled") == 0)
			r = get_bool(l, s, what, &rp->enabled);
		else if (strcmp(name, "poll") == 0)
			slot = &rp->poll;
		else if (strcmp(name, "refresh") == 0)
			slot = &rp->refresh;
		else if (strcmp(name, "max_age") == 0)
			slot = &rp->max_age;
		else if (strcmp(name, "page_size") == 0) {
			slot = &rp->page_size;
			max = REPLICA_PAGE_MAX;
		} else if (strcmp(name, "change_attribute") == 0) {
			if ((r = get_string(l, s, what, &v)) == 0 &&
			    (r = check_attribute(l, s, what, v)) == 0) {
				char	*copy = strdup(v);

				if (copy == NULL)
					return nomem(l);
				free(rp->change_attribute);
				rp->change_attribute = copy;
			}
		} else if (strcmp(name, "syncrepl") == 0) {
			if ((r = get_string(l, s, what, &v)) == 0) {
				if (strcmp(v, "auto") == 0)
					rp->syncrepl = true;
				else if (strcmp(v, "off") == 0)
					rp->syncrepl = false;
				else
					r = fail(l, s, "bad value '%s' in '%s': "
					    "must be auto or off", v, what);
			}
		} else
			r = unknown(l, s, "directory.ldap.replica");
		if (slot != NULL && (r = get_int(l, s, what, 1, max, &n)) == 0)
			*slot = (int)n;
		if (r == -1)
			return -1;
	}
	return 0;
}

/*
 * The keys of one kind of bind are refused (unless "") with the other: a
 * password file next to a keytab is a mistake, not a choice.  bind is
 * the bind setting (NULL: not given, "simple"); set[] the settings of
 * bind_dn, bind_password_file, keytab and principal, NULL when not
 * given.
 */
static int
check_bind(struct load *l, const config_setting_t *bind,
    const config_setting_t *const set[4])
{
	static const char *const keys[4] = { "bind_dn", "bind_password_file",
	    "keytab", "principal" };
	const struct config_ldap *ld = &l->cfg->directory.ldap;
	const char		*values[4] = { ld->bind_dn,
				    ld->bind_password_file, ld->keytab,
				    ld->principal };
	int			 gssapi = ld->bind == BIND_GSSAPI;

	for (int i = 0; i < 4; i++)
		if (set[i] != NULL && values[i][0] != '\0' &&
		    (i >= 2) != gssapi)
			return fail(l, set[i], "'directory.ldap.%s' is for "
			    "bind = \"%s\" (this one is \"%s\")", keys[i],
			    i >= 2 ? "gssapi" : "simple",
			    gssapi ? "gssapi" : "simple");
	if (gssapi && ld->keytab[0] == '\0')
		return fail(l, set[2] != NULL ? set[2] : bind, "bind = "
		    "\"gssapi\" needs 'directory.ldap.keytab': the keytab "
		    "whose keys prove who mailswitch is");
	return 0;
}

/*
 * A replica's max_age must be one that a healthy replica meets.  Every
 * replica may poll -- on Active Directory and servers without syncprov
 * it always does, under syncrepl = "auto" too, and a syncrepl replica
 * polls while its server refuses the search -- and a polling copy is up
 * to poll seconds, plus what a poll takes (each of its requests bounded
 * by timeout), older than the last good sync just before a poll ends.  A
 * max_age not above that would turn unknown addresses into 451s while
 * the directory answers.  The error names max_age's line (poll's, or the
 * group's, when max_age is not given).  Also what keeps a quiet syncrepl
 * session fresh: its liveness check comes every min(poll, 30) s.
 */
static int
check_replica_age(struct load *l, const libconfig_config_t *lc)
{
	const struct config_ldap	*ld = &l->cfg->directory.ldap;
	const struct config_replica	*rp = &ld->replica;
	const config_setting_t		*s;

	if (l->cfg->directory.backend != BACKEND_LDAP || !rp->enabled ||
	    (double)rp->max_age > (double)rp->poll + ld->timeout)
		return 0;
	if ((s = config_lookup(lc, "directory.ldap.replica.max_age")) == NULL &&
	    (s = config_lookup(lc, "directory.ldap.replica.poll")) == NULL)
		s = config_lookup(lc, "directory.ldap.replica");
	return fail(l, s, "'directory.ldap.replica.max_age' (%d s) must be "
	    "more than poll (%d s) plus timeout (%g s): a replica that polls "
	    "is that old before each poll ends, and would answer unknown "
	    "addresses with 451 while the directory answers (syncrepl = "
	    "\"auto\" polls where the server offers no RFC 4533, as Active "
	    "Directory)", rp->max_age, rp->poll, ld->timeout);
}

static int
load_ldap(struct load *l, const config_setting_t *g)
{
	struct config_ldap	*ld = &l->cfg->directory.ldap;
	const config_setting_t	*bind = NULL, *set[4] = { NULL };
	const char		*v;
	long long		 n;

	if (check_group(l, g, "directory.ldap") == -1)
		return -1;
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t	*s = config_setting_get_elem(g, (unsigned)i);
		const char		*name = config_setting_name(s);
		int			 r;

		if (strcmp(name, "uri") == 0) {
			r = get_strvec(l, s, "directory.ldap.uri", check_uri,
			    &ld->uri, &ld->nuri);
			if (r == 0 && ld->nuri == 0)
				r = fail(l, s, "'directory.ldap.uri' must name "
				    "at least one server");
		} else if (strcmp(name, "starttls") == 0)
			r = get_bool(l, s, "directory.ldap.starttls", &ld->starttls);
		else if (strcmp(name, "tls_ca_file") == 0)
			r = set_file(l, s, "directory.ldap.tls_ca_file",
			    &ld->tls_ca_file);
		else if (strcmp(name, "bind") == 0) {
			bind = s;
			if ((r = get_string(l, s, "directory.ldap.bind", &v)) == 0) {
				if (strcmp(v, "simple") == 0)
					ld->bind = BIND_SIMPLE;
				else if (strcmp(v, "gssapi") == 0)
					ld->bind = BIND_GSSAPI;
				else
					r = fail(l, s, "bad bind '%s' in "
					    "'directory.ldap.bind': must be "
					    "simple or gssapi", v);
			}
		} else if (strcmp(name, "bind_dn") == 0) {
			set[0] = s;
			r = set_string(l, s, "directory.ldap.bind_dn",
			    &ld->bind_dn, false);
		} else if (strcmp(name, "bind_password_file") == 0) {
			set[1] = s;
			r = set_file(l, s,
			    "directory.ldap.bind_password_file",
			    &ld->bind_password_file);
		} else if (strcmp(name, "keytab") == 0) {
			set[2] = s;
			r = set_file(l, s, "directory.ldap.keytab", &ld->keytab);
			if (r == 0)
				r = set_where(l, s, &ld->keytab_at);
		} else if (strcmp(name, "principal") == 0) {
			set[3] = s;
			r = set_string(l, s, "directory.ldap.principal",
			    &ld->principal, false);
			if (r == 0)
				r = set_where(l, s, &ld->principal_at);
		}
		else if (strcmp(name, "base") == 0)
			r = set_string(l, s, "directory.ldap.base", &ld->base,
			    false);
		else if (strcmp(name, "scope") == 0) {
			if ((r = get_string(l, s, "directory.ldap.scope", &v)) == 0) {
				if (strcmp(v, "base") == 0)
					ld->scope = SCOPE_BASE;
				else if (strcmp(v, "one") == 0)
					ld->scope = SCOPE_ONE;
				else if (strcmp(v, "sub") == 0)
					ld->scope = SCOPE_SUB;
				else
					r = fail(l, s, "bad scope '%s' in "
					    "'directory.ldap.scope': must be "
					    "base, one or sub", v);
			}
		} else if (strcmp(name, "timeout") == 0) {
			r = get_number(l, s, "directory.ldap.timeout",
			    &ld->timeout);
			if (r == 0 && !(ld->timeout > 0 &&
			    ld->timeout <= TIMEOUT_MAX))
				r = fail(l, s, "'directory.ldap.timeout' must be "
				    "more than 0 and at most %g seconds",
				    TIMEOUT_MAX);
		} else if (strcmp(name, "connections") == 0) {
			r = get_int(l, s, "directory.ldap.connections", 1,
			    CONNECTIONS_MAX, &n);
			if (r == 0)
				ld->connections = (int)n;
		} else if (strcmp(name, "range_size") == 0) {
			r = get_int(l, s, "directory.ldap.range_size", 0,
			    RANGE_SIZE_MAX, &n);
			if (r == 0)
				ld->range_size = (int)n;
		} else if (strcmp(name, "replica") == 0)
			r = load_replica(l, s);
		else
			r = unknown(l, s, "directory.ldap");
		if (r == -1)
			return -1;
	}
	if (ld->principal_at[0] == '\0' && ld->keytab_at[0] != '\0') {
		char	*at = strdup(ld->keytab_at);

		if (at == NULL)
			return nomem(l);
		free(ld->principal_at);
		ld->principal_at = at;
	}
	return check_bind(l, bind, set);
}

static int
load_cache(struct load *l, const config_setting_t *g)
{
	struct config_cache	*c = &l->cfg->directory.cache;
	long long		 n;

	if (check_group(l, g, "directory.cache") == -1)
		return -1;
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t	*s = config_setting_get_elem(g, (unsigned)i);
		const char		*name = config_setting_name(s);

		if (strcmp(name, "entries") == 0) {
			if (get_int(l, s, "directory.cache.entries", 0, LONG_MAX,
			    &n) == -1)
				return -1;
			c->entries = (long)n;
		} else if (strcmp(name, "ttl") == 0) {
			if (get_int(l, s, "directory.cache.ttl", 0, INT_MAX,
			    &n) == -1)
				return -1;
			c->ttl = (int)n;
		} else if (strcmp(name, "negative_ttl") == 0) {
			if (get_int(l, s, "directory.cache.negative_ttl", 0,
			    INT_MAX, &n) == -1)
				return -1;
			c->negative_ttl = (int)n;
		} else if (strcmp(name, "stale_ttl") == 0) {
			if (get_int(l, s, "directory.cache.stale_ttl", 0,
			    INT_MAX, &n) == -1)
				return -1;
			c->stale_ttl = (int)n;
		} else
			return unknown(l, s, "directory.cache");
	}
	return 0;
}

static int
load_directory(struct load *l, const config_setting_t *g)
{
	struct config_directory	*d = &l->cfg->directory;
	const char		*v;

	if (check_group(l, g, "directory") == -1)
		return -1;
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t	*s = config_setting_get_elem(g, (unsigned)i);
		const char		*name = config_setting_name(s);
		int			 r;

		if (strcmp(name, "backend") == 0) {
			if ((r = get_string(l, s, "directory.backend", &v)) == 0) {
				if (strcmp(v, "ldap") == 0)
					d->backend = BACKEND_LDAP;
				else if (strcmp(v, "ldif") == 0)
					d->backend = BACKEND_LDIF;
				else
					r = fail(l, s, "bad backend '%s' in "
					    "'directory.backend': must be ldap "
					    "or ldif", v);
			}
		} else if (strcmp(name, "ldif") == 0)
			r = load_ldif(l, s);
		else if (strcmp(name, "ldap") == 0)
			r = load_ldap(l, s);
		else if (strcmp(name, "cache") == 0)
			r = load_cache(l, s);
		else if (strcmp(name, "proxy_attribute") == 0 ||
		    strcmp(name, "target_attribute") == 0) {
			const char	*what = name[0] == 'p' ?
			    "directory.proxy_attribute" :
			    "directory.target_attribute";
			char		**dst = name[0] == 'p' ?
			    &d->proxy_attribute : &d->target_attribute;

			r = get_string(l, s, what, &v);
			if (r == 0)
				r = check_attribute(l, s, what, v);
			if (r == 0)
				r = set_string(l, s, what, dst, false);
		} else
			r = unknown(l, s, "directory");
		if (r == -1)
			return -1;
	}
	return 0;
}

/*
 * Reads one entry of domains into the table; its forward_to setting (or
 * NULL) is returned in *fwd for the loop check.
 */
static int
load_domain(struct load *l, const config_setting_t *g,
    const config_setting_t **fwd)
{
	const config_setting_t	*name_s = NULL;
	const char		*v, *name = NULL, *forward_to = NULL;
	domain_t		 d;
	char			 derr[CONFIG_ERR_MAX];
	int			 have_auth = 0, r = -1;

	*fwd = NULL;
	memset(&d, 0, sizeof(d));
	if (!config_setting_is_group(g))
		return fail(l, g, "each entry of 'domains' must be a group "
		    "{ name = \"...\"; authority = \"...\"; }");
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t	*s = config_setting_get_elem(g, (unsigned)i);
		const char		*key = config_setting_name(s);

		if (strcmp(key, "name") == 0) {
			if (get_string(l, s, "name", &name) == -1)
				return -1;
			if (domains_check_name(name, true, derr,
			    sizeof(derr)) == -1)
				return fail(l, s, "%s", derr);
			name_s = s;
		} else if (strcmp(key, "authority") == 0) {
			if (get_string(l, s, "authority", &v) == -1)
				return -1;
			if (strcmp(v, "authoritative") == 0)
				d.authority = AUTHORITY_AUTHORITATIVE;
			else if (strcmp(v, "internal_relay") == 0)
				d.authority = AUTHORITY_INTERNAL_RELAY;
			else if (strcmp(v, "external_relay") == 0)
				d.authority = AUTHORITY_EXTERNAL_RELAY;
			else
				return fail(l, s, "bad authority '%s': must be "
				    "authoritative, internal_relay or "
				    "external_relay", v);
			have_auth = 1;
		} else if (strcmp(key, "forward_to") == 0) {
			if (get_string(l, s, "forward_to", &forward_to) == -1)
				return -1;
			if (domains_check_name(forward_to, false, derr,
			    sizeof(derr)) == -1)
				return fail(l, s, "forward_to: %s", derr);
			*fwd = s;
		} else if (strcmp(key, "canonicalize") == 0) {
			if (get_bool(l, s, "canonicalize", &d.canonicalize) == -1)
				return -1;
		} else
			return unknown(l, s, "a domains entry");
	}
	if (name_s == NULL)
		return fail(l, g, "a domains entry has no 'name'");
	if (!have_auth)
		return fail(l, g, "domain '%s' has no 'authority' "
		    "(authoritative, internal_relay or external_relay)", name);
	if (*fwd != NULL && d.authority != AUTHORITY_INTERNAL_RELAY)
		return fail(l, *fwd, "domain '%s': forward_to is only allowed "
		    "with authority = \"internal_relay\", not \"%s\"", name,
		    domains_authority_name(d.authority));

	d.line = (int)config_setting_source_line(name_s);
	if ((d.name = strdup(name)) == NULL ||
	    (forward_to != NULL && (d.forward_to = strdup(forward_to)) == NULL)) {
		r = nomem(l);
		goto done;
	}
	if (domains_add(l->cfg->domains, &d, derr, sizeof(derr)) == -1) {
		r = fail(l, name_s, "%s", derr);
		goto done;
	}
	r = 0;
done:
	free(d.name);
	free(d.forward_to);
	return r;
}

/*
 * Refuses forward_to chains that come back: D forwards to F, F is (by
 * domains_match) an internal_relay domain that forwards on, and so on,
 * until a domain is met again.
 */
static int
check_forward_loops(struct load *l, const config_setting_t **fwd)
{
	const domains_t	 *t = l->cfg->domains;
	size_t		  n = domains_count(t);
	const domain_t	**seen;
	char		  chain[CONFIG_ERR_MAX];
	int		  r = 0;

	if ((seen = calloc(n + 1, sizeof(*seen))) == NULL)
		return nomem(l);
	for (size_t i = 0; i < n && r == 0; i++) {
		const domain_t	*d = domains_get(t, i);
		const char	*next = d->forward_to;
		size_t		 nseen = 0, len;

		if (next == NULL)
			continue;
		seen[nseen++] = d;
		len = (size_t)snprintf(chain, sizeof(chain), "%s", d->name);
		while (next != NULL && r == 0) {
			const domain_t	*m = domains_match(t, next);

			if (len < sizeof(chain))
				len += (size_t)snprintf(chain + len,
				    sizeof(chain) - len, " -> %s", next);
			if (m == NULL || m->authority != AUTHORITY_INTERNAL_RELAY ||
			    m->forward_to == NULL)
				break;
			for (size_t k = 0; k < nseen && r == 0; k++)
				if (seen[k] == m)
					r = fail(l, fwd[i], "forward_to loop: %s",
					    chain);
			/* every domain is seen at most once: nseen <= n */
			seen[nseen++] = m;
			next = m->forward_to;
		}
	}
	free(seen);
	return r;
}

static int
load_domains(struct load *l, const config_setting_t *list)
{
	const config_setting_t	**fwd;
	int			  len, r = 0;

	/* an empty [ ] is an array; anything else must be a list */
	if (!config_setting_is_list(list) && !(config_setting_is_array(list) &&
	    config_setting_length(list) == 0))
		return fail(l, list, "'domains' must be a list of groups "
		    "( { ... }, ... )");
	len = config_setting_length(list);
	if ((fwd = calloc((size_t)len + 1, sizeof(*fwd))) == NULL)
		return nomem(l);
	for (int i = 0; i < len && r == 0; i++)
		r = load_domain(l, config_setting_get_elem(list, (unsigned)i),
		    &fwd[domains_count(l->cfg->domains)]);
	if (r == 0)
		r = check_forward_loops(l, fwd);
	free(fwd);
	return r;
}

static int
load_rules(struct load *l, const config_setting_t *list)
{
	struct config_outbound	*o = &l->cfg->outbound;
	rewrite_rule_t		*rules;
	char			 derr[CONFIG_ERR_MAX];
	int			 len;

	if (!config_setting_is_list(list) && !(config_setting_is_array(list) &&
	    config_setting_length(list) == 0))
		return fail(l, list, "'outbound.rules' must be a list of groups "
		    "( { from = \"...\"; to = \"...\"; }, ... )");
	len = config_setting_length(list);
	if ((rules = calloc((size_t)len + 1, sizeof(*rules))) == NULL)
		return nomem(l);
	for (size_t i = 0; i < o->nrules; i++) {
		free(o->rules[i].from);
		free(o->rules[i].to);
	}
	free(o->rules);
	o->rules = rules;
	o->nrules = 0;

	for (int i = 0; i < len; i++) {
		const config_setting_t	*g = config_setting_get_elem(list, (unsigned)i);
		const config_setting_t	*from_s = NULL, *to_s = NULL;
		const char		*from = NULL, *to = NULL;
		rewrite_rule_t		*rule = &rules[o->nrules];

		if (!config_setting_is_group(g))
			return fail(l, g, "each entry of 'outbound.rules' must "
			    "be a group { from = \"...\"; to = \"...\"; }");
		for (int k = 0; k < config_setting_length(g); k++) {
			const config_setting_t	*s = config_setting_get_elem(g, (unsigned)k);
			const char		*key = config_setting_name(s);

			if (strcmp(key, "from") == 0) {
				if (get_string(l, s, "from", &from) == -1)
					return -1;
				if (domains_check_name(from, true, derr,
				    sizeof(derr)) == -1)
					return fail(l, s, "from: %s", derr);
				from_s = s;
			} else if (strcmp(key, "to") == 0) {
				if (get_string(l, s, "to", &to) == -1)
					return -1;
				if (domains_check_name(to, false, derr,
				    sizeof(derr)) == -1)
					return fail(l, s, "to: %s", derr);
				to_s = s;
			} else
				return unknown(l, s, "an outbound.rules entry");
		}
		if (from_s == NULL || to_s == NULL)
			return fail(l, g, "an outbound.rules entry needs both "
			    "'from' and 'to'");
		if ((rule->from = strdup(from)) == NULL)
			return nomem(l);
		for (char *p = rule->from; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		o->nrules++;		/* from is owned from here on */
		if ((rule->to = strdup(to)) == NULL)
			return nomem(l);
		rule->line = (int)config_setting_source_line(g);
	}
	return 0;
}

static int
load_clients(struct load *l, const config_setting_t *list)
{
	struct config_outbound	*o = &l->cfg->outbound;
	netaddr_t		*nets;
	char			 nerr[CONFIG_ERR_MAX];
	int			 len;

	if (!config_setting_is_array(list) && !config_setting_is_list(list))
		return fail(l, list, "'outbound.clients' must be a list of "
		    "strings [ \"...\", ... ]");
	len = config_setting_length(list);
	if ((nets = calloc((size_t)len + 1, sizeof(*nets))) == NULL)
		return nomem(l);
	free(o->clients);
	o->clients = nets;
	o->nclients = 0;
	for (int i = 0; i < len; i++) {
		const config_setting_t	*e = config_setting_get_elem(list, (unsigned)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return fail(l, e, "'outbound.clients' must be a list of "
			    "strings [ \"...\", ... ]");
		if (netaddr_parse(config_setting_get_string(e), &nets[i], nerr,
		    sizeof(nerr)) == -1)
			return fail(l, e, "%s", nerr);
		o->nclients++;
	}
	return 0;
}

static int
load_outbound(struct load *l, const config_setting_t *g)
{
	struct config_outbound	*o = &l->cfg->outbound;

	if (check_group(l, g, "outbound") == -1)
		return -1;
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t	*s = config_setting_get_elem(g, (unsigned)i);
		const char		*name = config_setting_name(s);
		int			 r;

		if (strcmp(name, "clients") == 0)
			r = load_clients(l, s);
		else if (strcmp(name, "daemons") == 0)
			r = get_strvec(l, s, "outbound.daemons", check_daemon,
			    &o->daemons, &o->ndaemons);
		else if (strcmp(name, "authenticated") == 0)
			r = get_bool(l, s, "outbound.authenticated",
			    &o->authenticated);
		else if (strcmp(name, "lookup") == 0)
			r = get_bool(l, s, "outbound.lookup", &o->lookup);
		else if (strcmp(name, "rules") == 0)
			r = load_rules(l, s);
		else if (strcmp(name, "headers") == 0)
			r = get_strvec(l, s, "outbound.headers", check_header,
			    &o->headers, &o->nheaders);
		else
			r = unknown(l, s, "outbound");
		if (r == -1)
			return -1;
	}
	return 0;
}

static const char *const table_map_names[] = { "access", "virtual", "generic" };

/* tables.maps: names of maps, each once, at least one. */
static int
load_table_maps(struct load *l, const config_setting_t *s)
{
	unsigned	 maps = 0, bit;
	int		 len;

	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return fail(l, s, "'tables.maps' must be a list of strings "
		    "[ \"...\", ... ]");
	if ((len = config_setting_length(s)) == 0)
		return fail(l, s, "'tables.maps' must name at least one of "
		    "access, virtual, generic");
	for (int i = 0; i < len; i++) {
		const config_setting_t	*e = config_setting_get_elem(s, (unsigned)i);
		const char		*v = config_setting_get_string(e);

		bit = 0;
		for (unsigned m = 0; v != NULL && m < 3; m++)
			if (strcmp(v, table_map_names[m]) == 0)
				bit = 1u << m;
		if (bit == 0)
			return fail(l, e, "bad map '%s' in 'tables.maps': must "
			    "be access, virtual or generic", v ? v : "?");
		if (maps & bit)
			return fail(l, e, "'tables.maps' names '%s' twice", v);
		maps |= bit;
	}
	l->cfg->tables.maps = maps;
	return 0;
}

static int
load_tables(struct load *l, const config_setting_t *g)
{
	if (check_group(l, g, "tables") == -1)
		return -1;
	l->tables = g;
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t	*s = config_setting_get_elem(g, (unsigned)i);
		const char		*name = config_setting_name(s);
		int			 r;

		if (strcmp(name, "path") == 0)
			r = set_string(l, s, "tables.path", &l->cfg->tables.path,
			    true);
		else if (strcmp(name, "maps") == 0)
			r = load_table_maps(l, s);
		else
			r = unknown(l, s, "tables");
		if (r == -1)
			return -1;
	}
	return 0;
}

/*
 * With tables.path set: a copy of the whole directory to write them from,
 * a folder for them, and nothing the chosen maps cannot hold (Postfix
 * looks up "@domain" exactly in the virtual and generic tables).
 */
static int
check_tables(struct load *l)
{
	const config_t		*cfg = l->cfg;
	const config_setting_t	*g = l->tables;
	struct stat		 st;

	if (cfg->tables.path[0] == '\0')
		return 0;
	if (cfg->directory.backend == BACKEND_LDAP &&
	    !cfg->directory.ldap.replica.enabled)
		return fail(l, g, "'tables' are written from a copy of the "
		    "whole directory: set directory.backend = \"ldif\" or "
		    "directory.ldap.replica.enabled = true");
	if (stat(cfg->tables.path, &st) == -1 || !S_ISDIR(st.st_mode))
		return fail(l, g, "'tables.path' %s: %s", cfg->tables.path,
		    errno == ENOENT ? "no such folder" : "not a folder");
	for (size_t i = 0; i < domains_count(cfg->domains); i++) {
		const domain_t	*d = domains_get(cfg->domains, i);

		if ((cfg->tables.maps & CONFIG_TABLES_VIRTUAL) &&
		    d->forward_to != NULL && strncmp(d->name, "*.", 2) == 0)
			return fail(l, g, "'tables.maps' has virtual, but domain "
			    "%s (line %d) has a forward_to that Postfix's "
			    "virtual table cannot hold (it looks up @domain "
			    "exactly): name its subdomains, or leave virtual "
			    "out", d->name, d->line);
	}
	for (size_t i = 0; i < cfg->outbound.nrules; i++) {
		const rewrite_rule_t	*r = &cfg->outbound.rules[i];

		if ((cfg->tables.maps & CONFIG_TABLES_GENERIC) &&
		    strncmp(r->from, "*.", 2) == 0)
			return fail(l, g, "'tables.maps' has generic, but the "
			    "outbound rule from = \"%s\" (line %d) is one "
			    "Postfix's generic table cannot hold (it looks up "
			    "@domain exactly): name its subdomains, or leave "
			    "generic out and give the Internet transport the "
			    "socketmap's generic map", r->from, r->line);
	}
	return 0;
}

/* Reads one top-level setting. */
static int
load_top(struct load *l, const config_setting_t *s)
{
	config_t	*cfg = l->cfg;
	const char	*name = config_setting_name(s);
	const char	*v;
	long long	 n;
	int		 x;

	if (strcmp(name, "socket") == 0)
		return set_socket(l, s, "socket", &cfg->socket);
	if (strcmp(name, "socketmap") == 0)
		return set_socket(l, s, "socketmap", &cfg->socketmap);
	if (strcmp(name, "metrics") == 0) {
		if (get_string(l, s, "metrics", &v) == -1 ||
		    check_metrics(l, s, v) == -1)
			return -1;
		return set_string(l, s, "metrics", &cfg->metrics, false);
	}
	if (strcmp(name, "user") == 0)
		return set_string(l, s, "user", &cfg->user, false);
	if (strcmp(name, "pidfile") == 0)
		return set_string(l, s, "pidfile", &cfg->pidfile, true);
	if (strcmp(name, "log_level") == 0) {
		if (get_string(l, s, "log_level", &v) == -1)
			return -1;
		if ((x = log_level_from_name(v)) == -1)
			return fail(l, s, "bad log_level '%s': must be error, "
			    "warning, notice, info or debug", v);
		cfg->log_level = x;
		return 0;
	}
	if (strcmp(name, "syslog_facility") == 0) {
		if (get_string(l, s, "syslog_facility", &v) == -1)
			return -1;
		if ((x = log_facility_from_name(v)) == -1)
			return fail(l, s, "bad syslog_facility '%s': must be "
			    "mail, daemon, user or local0 .. local7", v);
		cfg->syslog_facility = x;
		return 0;
	}
	if (strcmp(name, "on_directory_error") == 0) {
		if (get_string(l, s, "on_directory_error", &v) == -1)
			return -1;
		if (strcmp(v, "tempfail") == 0)
			cfg->on_directory_error = DIRERR_TEMPFAIL;
		else if (strcmp(v, "accept") == 0)
			cfg->on_directory_error = DIRERR_ACCEPT;
		else
			return fail(l, s, "bad on_directory_error '%s': must be "
			    "tempfail or accept", v);
		return 0;
	}
	if (strcmp(name, "mta") == 0) {
		if (get_string(l, s, "mta", &v) == -1)
			return -1;
		if (strcmp(v, "auto") == 0)
			cfg->mta = MTA_AUTO;
		else if (strcmp(v, "postfix") == 0)
			cfg->mta = MTA_POSTFIX;
		else if (strcmp(v, "sendmail") == 0)
			cfg->mta = MTA_SENDMAIL;
		else
			return fail(l, s, "bad mta '%s': must be auto, postfix "
			    "or sendmail", v);
		return 0;
	}
	if (strcmp(name, "max_hops") == 0) {
		if (get_int(l, s, "max_hops", 1, HOPS_MAX, &n) == -1)
			return -1;
		cfg->max_hops = (int)n;
		return 0;
	}
	if (strcmp(name, "trace_header") == 0) {
		if (get_string(l, s, "trace_header", &v) == -1)
			return -1;
		if (*v != '\0' && !is_field_name(v))
			return fail(l, s, "bad header field name '%s' in "
			    "'trace_header' (printable ASCII without ':', or "
			    "\"\" for none)", v);
		return set_string(l, s, "trace_header", &cfg->trace_header,
		    false);
	}
	if (strcmp(name, "directory") == 0)
		return load_directory(l, s);
	if (strcmp(name, "domains") == 0)
		return load_domains(l, s);
	if (strcmp(name, "outbound") == 0)
		return load_outbound(l, s);
	if (strcmp(name, "tables") == 0)
		return load_tables(l, s);
	return unknown(l, s, NULL);
}

/* Fills cfg with the defaults of the contract. */
static int
set_defaults(struct load *l)
{
	static const char *const headers[] = { "From", "Sender", "Reply-To" };
	config_t		*cfg = l->cfg;
	struct config_directory	*d = &cfg->directory;
	struct config_outbound	*o = &cfg->outbound;

	cfg->log_level = LOG_INFO;
	cfg->syslog_facility = LOG_MAIL;
	cfg->on_directory_error = DIRERR_TEMPFAIL;
	cfg->max_hops = 8;
	cfg->mta = MTA_AUTO;
	d->backend = BACKEND_LDAP;
	d->ldap.nuri = 1;
	d->ldap.starttls = false;
	d->ldap.scope = SCOPE_SUB;
	d->ldap.timeout = 5.0;
	d->ldap.connections = 4;
	d->ldap.replica.enabled = false;
	d->ldap.replica.poll = 15;
	d->ldap.replica.refresh = 3600;
	d->ldap.replica.page_size = 500;
	d->ldap.replica.max_age = 3600;
	d->ldap.replica.syncrepl = true;
	d->cache.entries = 100000;
	d->cache.ttl = 300;
	d->cache.negative_ttl = 60;
	o->authenticated = false;
	o->lookup = true;
	o->nheaders = sizeof(headers) / sizeof(headers[0]);
	cfg->tables.maps = CONFIG_TABLES_ALL;

	if ((cfg->file = strdup(l->path)) == NULL ||
	    (cfg->socket = strdup("unix:/run/mailswitch/mailswitch.sock")) == NULL ||
	    (cfg->socketmap = strdup("")) == NULL ||
	    (cfg->metrics = strdup("")) == NULL ||
	    (cfg->user = strdup("mailswitch")) == NULL ||
	    (cfg->pidfile = strdup("")) == NULL ||
	    (cfg->trace_header = strdup("X-Mailswitch")) == NULL ||
	    (cfg->tables.path = strdup("")) == NULL ||
	    (d->ldif_path = resolve(l, "contacts.ldif")) == NULL ||
	    (d->ldap.uri = calloc(2, sizeof(char *))) == NULL ||
	    (d->ldap.uri[0] = strdup("ldap://127.0.0.1:389/")) == NULL ||
	    (d->ldap.tls_ca_file = strdup("")) == NULL ||
	    (d->ldap.bind_dn = strdup("")) == NULL ||
	    (d->ldap.bind_password_file = strdup("")) == NULL ||
	    (d->ldap.keytab = strdup("")) == NULL ||
	    (d->ldap.principal = strdup("")) == NULL ||
	    (d->ldap.keytab_at = strdup("")) == NULL ||
	    (d->ldap.principal_at = strdup("")) == NULL ||
	    (d->ldap.base = strdup("")) == NULL ||
	    (d->ldap.replica.change_attribute = strdup("modifyTimestamp")) ==
	    NULL ||
	    (d->proxy_attribute = strdup("proxyAddresses")) == NULL ||
	    (d->target_attribute = strdup("targetAddress")) == NULL ||
	    (cfg->domains = domains_create()) == NULL ||
	    (o->daemons = calloc(1, sizeof(char *))) == NULL ||
	    (o->headers = calloc(o->nheaders + 1, sizeof(char *))) == NULL)
		return nomem(l);
	for (size_t i = 0; i < o->nheaders; i++)
		if ((o->headers[i] = strdup(headers[i])) == NULL)
			return nomem(l);
	return 0;
}

#define INCLUDE_DEPTH_MAX 10	/* libconfig's own limit */

/*
 * Reads file (the configuration or one of its @include files) once, before
 * libconfig does, to report a missing, unreadable or non-regular file
 * plainly, and checks each "@include" line of it the same way, nested
 * includes too.  libconfig 1.5 has no hook to open the included files
 * itself, and would block for ever on a FIFO or read /dev/zero without end.
 */
static int
check_readable(struct load *l, const char *file, int depth)
{
	char		 why[256];
	char		*line = NULL, *name, *end, *inc;
	size_t		 cap = 0;
	unsigned	 lineno = 0;
	FILE		*fp;
	int		 r = 0;

	if ((fp = regfile_fopen(file, why, sizeof(why))) == NULL) {
		snprintf(l->err, l->errlen, "%s: cannot read: %s", file, why);
		return -1;
	}
	while (r == 0 && getline(&line, &cap, fp) != -1) {
		lineno++;
		name = line + strspn(line, " \t");
		if (strncmp(name, "@include", 8) != 0 ||
		    (name[8] != ' ' && name[8] != '\t'))
			continue;
		name += 8 + strspn(name + 8, " \t");
		if (*name++ != '"' || (end = strchr(name, '"')) == NULL)
			continue;		/* libconfig reports it */
		*end = '\0';
		if ((inc = resolve(l, name)) == NULL) {
			r = nomem(l);
			break;
		}
		if (depth < INCLUDE_DEPTH_MAX &&
		    check_readable(l, inc, depth + 1) == -1) {
			/* name the @include line, then the file's problem */
			size_t	 n = strlen(l->err);
			char	*msg = strdup(l->err);

			if (msg != NULL && n > 0)
				snprintf(l->err, l->errlen, "%s:%u: @include "
				    "\"%s\": %s", file, lineno, name, msg);
			free(msg);
			r = -1;
		}
		free(inc);
	}
	if (r == 0 && ferror(fp)) {
		snprintf(l->err, l->errlen, "%s: cannot read: %s", file,
		    strerror(errno));
		r = -1;
	}
	free(line);
	fclose(fp);
	return r;
}

config_t *
config_load(const char *path, char *err, size_t errlen)
{
	struct load		 l;
	libconfig_config_t	 lc;
	config_setting_t	*root;
	int			 r = -1;

	memset(&l, 0, sizeof(l));
	l.path = path;
	l.err = err;
	l.errlen = errlen;
	if (errlen > 0)
		err[0] = '\0';
	if ((l.cfg = calloc(1, sizeof(*l.cfg))) == NULL ||
	    (l.dir = folder_of(path)) == NULL) {
		nomem(&l);
		free(l.cfg);
		return NULL;
	}
	if (set_defaults(&l) == -1 || check_readable(&l, path, 0) == -1) {
		config_free(l.cfg);
		free(l.dir);
		if (errlen > 0)
			printable_mask(err);
		return NULL;
	}

	config_init(&lc);
	config_set_include_dir(&lc, l.dir);	/* @include "x" is relative to the file */
	if (!config_read_file(&lc, path)) {
		const char	*file = config_error_file(&lc);

		if (config_error_type(&lc) == CONFIG_ERR_FILE_IO ||
		    config_error_line(&lc) <= 0)
			snprintf(err, errlen, "%s: %s", file ? file : path,
			    config_error_text(&lc));
		else
			snprintf(err, errlen, "%s:%d: %s", file ? file : path,
			    config_error_line(&lc), config_error_text(&lc));
		goto done;
	}
	root = config_root_setting(&lc);
	for (int i = 0; i < config_setting_length(root); i++)
		if (load_top(&l, config_setting_get_elem(root, (unsigned)i)) == -1)
			goto done;
	if (check_tables(&l) == -1 || check_replica_age(&l, &lc) == -1 ||
	    config_check_listeners(l.cfg, err, errlen) == -1)
		goto done;
	r = 0;
done:
	config_destroy(&lc);
	free(l.dir);
	if (r == -1) {
		config_free(l.cfg);
		if (errlen > 0)		/* a value shown in it stays one line */
			printable_mask(err);
		return NULL;
	}
	return l.cfg;
}

int
config_check_listeners(const config_t *cfg, char *err, size_t errlen)
{
	if (cfg->socket[0] != '\0' || cfg->socketmap[0] != '\0' ||
	    cfg->tables.path[0] != '\0')
		return 0;
	snprintf(err, errlen, "%s: 'socket' and 'socketmap' are both \"\": "
	    "nothing to listen on (and 'tables.path' is \"\": nothing to "
	    "write)", cfg->file);
	return -1;
}

bool
config_mta_is_postfix(const config_t *cfg, const char *v)
{
	switch (cfg->mta) {
	case MTA_POSTFIX:
		return true;
	case MTA_SENDMAIL:
		return false;
	case MTA_AUTO:
		break;
	}
	return v != NULL && strncasecmp(v, "Postfix", 7) == 0;
}

void
config_free(config_t *cfg)
{
	struct config_directory	*d;
	struct config_outbound	*o;

	if (cfg == NULL)
		return;
	d = &cfg->directory;
	o = &cfg->outbound;
	free(cfg->file);
	free(cfg->socket);
	free(cfg->socketmap);
	free(cfg->metrics);
	free(cfg->user);
	free(cfg->pidfile);
	free(cfg->trace_header);
	free(cfg->tables.path);
	free(d->ldif_path);
	strvec_free(d->ldap.uri);
	free(d->ldap.tls_ca_file);
	free(d->ldap.bind_dn);
	free(d->ldap.bind_password_file);
	free(d->ldap.keytab);
	free(d->ldap.principal);
	free(d->ldap.keytab_at);
	free(d->ldap.principal_at);
	free(d->ldap.base);
	free(d->ldap.replica.change_attribute);
	free(d->proxy_attribute);
	free(d->target_attribute);
	domains_destroy(cfg->domains);
	free(o->clients);
	strvec_free(o->daemons);
	for (size_t i = 0; i < o->nrules; i++) {
		free(o->rules[i].from);
		free(o->rules[i].to);
	}
	free(o->rules);
	strvec_free(o->headers);
	free(cfg);
}

const rewrite_rule_t *
config_outbound_rule(const config_t *cfg, const char *domain)
{
	size_t	dlen;

	if (cfg == NULL || domain == NULL)
		return NULL;
	dlen = strlen(domain);
	if (dlen > 0 && domain[dlen - 1] == '.')
		dlen--;
	if (dlen == 0)
		return NULL;
	for (size_t i = 0; i < cfg->outbound.nrules; i++) {
		const rewrite_rule_t	*r = &cfg->outbound.rules[i];
		size_t			 flen = strlen(r->from);

		if (r->from[0] == '*' && r->from[1] == '.') {
			/* ".x" at the end, after a label that is not empty */
			const char	*suffix = r->from + 1;
			size_t		 slen = flen - 1;

			if (dlen > slen && domain[0] != '.' &&
			    strncasecmp(domain + dlen - slen, suffix, slen) == 0)
				return r;
		} else if (dlen == flen && strncasecmp(domain, r->from, flen) == 0)
			return r;
	}
	return NULL;
}

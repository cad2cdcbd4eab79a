/*
 * config_directory.c - the directory section of the configuration: its
 * defaults, its keys read and checked in file order (ldif, ldap with its
 * binds and replica, cache, the attributes), and what is freed with it.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_directory.h"
#include "config_read.h"

#define TIMEOUT_MAX	300.0		/* seconds */
#define CONNECTIONS_MAX	64
#define RANGE_SIZE_MAX	1000000	/* values a ranged request asks for */

/* Returns 1 when s is an LDAP attribute description (name and options). */
static int
is_attribute(const char *s)
{
	if (*s == '\0' || *s == ';' || *s == '-')
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-;") == strlen(s);
}

static int
check_uri(config_read_t *rd, const config_setting_t *s, const char *what,
    const char *v)
{
	if (strncasecmp(v, "ldap://", 7) != 0 &&
	    strncasecmp(v, "ldaps://", 8) != 0 &&
	    strncasecmp(v, "ldapi://", 8) != 0)
		return config_read_fail(rd, s,
		    "bad URI '%s' in '%s': must start with "
		    "ldap://, ldaps:// or ldapi://",
		    v, what);
	if (strpbrk(v, " \t\r\n") != NULL)
		return config_read_fail(rd, s,
		    "bad URI '%s' in '%s': white space (one URI "
		    "per string)",
		    v, what);
	return 0;
}


static int
check_attribute(config_read_t *rd, const config_setting_t *s, const char *what,
    const char *v)
{
	if (!is_attribute(v))
		return config_read_fail(rd, s,
		    "bad attribute name '%s' in '%s' (letters, "
		    "digits, '-' and ';' options)",
		    v, what);
	return 0;
}

static int
load_ldif(config_read_t *rd, const config_setting_t *g, config_directory_t *d)
{

	if (config_read_group(rd, g, "directory.ldif") == -1)
		return -1;
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t	*s = config_setting_get_elem(g, (unsigned)i);
		const char		*name = config_setting_name(s);

		if (strcmp(name, "path") == 0) {
			const char	*v;

			if (config_read_text(rd, s, "directory.ldif.path",
			    &v) == -1)
				return -1;
			if (*v == '\0')
				return config_read_fail(rd, s,
				    "'directory.ldif.path' must "
				    "not be empty");
			if (config_read_set_file(rd, s, "directory.ldif.path",
			    &d->ldif_path) == -1)
				return -1;
		} else
			return config_read_unknown(rd, s, "directory.ldif");
	}
	return 0;
}

#define REPLICA_PAGE_MAX	100000

static int
load_replica(config_read_t *rd, const config_setting_t *g,
    config_replica_t *rp)
{
	const char		*v;
	long long		 n;

	if (config_read_group(rd, g, "directory.ldap.replica") == -1)
		return -1;
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t	*s = config_setting_get_elem(g, (unsigned)i);
		const char		*name = config_setting_name(s);
		int			*slot = NULL, r = 0;
		long long		 max = INT_MAX;
		char			 what[64];

		snprintf(what, sizeof(what), "directory.ldap.replica.%s", name);
		if (strcmp(name, "enabled") == 0)
			r = config_read_bool(rd, s, what, &rp->enabled);
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
			if ((r = config_read_text(rd, s, what, &v)) == 0 &&
			    (r = check_attribute(rd, s, what, v)) == 0) {
				char	*copy = strdup(v);

				if (copy == NULL)
					return config_read_nomem(rd);
				free(rp->change_attribute);
				rp->change_attribute = copy;
			}
		} else if (strcmp(name, "syncrepl") == 0) {
			if ((r = config_read_text(rd, s, what, &v)) == 0) {
				if (strcmp(v, "auto") == 0)
					rp->syncrepl = true;
				else if (strcmp(v, "off") == 0)
					rp->syncrepl = false;
				else
					r = config_read_fail(rd, s,
					    "bad value '%s' in '%s': "
					    "must be auto or off",
					    v, what);
			}
		} else
			r = config_read_unknown(rd, s,
			    "directory.ldap.replica");
		if (slot != NULL &&
		    (r = config_read_int(rd, s, what, 1, max, &n)) == 0)
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
check_bind(config_read_t *rd, const config_ldap_t *ld,
    const config_setting_t *bind, const config_setting_t *const set[4])
{
	static const char *const keys[4] = { "bind_dn", "bind_password_file",
	    "keytab", "principal" };
	const char		*values[4] = { ld->bind_dn,
				    ld->bind_password_file, ld->keytab,
				    ld->principal };
	int			 gssapi = ld->bind == BIND_GSSAPI;

	for (int i = 0; i < 4; i++)
		if (set[i] != NULL && values[i][0] != '\0' &&
		    (i >= 2) != gssapi)
			return config_read_fail(rd, set[i],
			    "'directory.ldap.%s' is for "
			    "bind = \"%s\" (this one is \"%s\")",
			    keys[i], i >= 2 ? "gssapi" : "simple",
			    gssapi ? "gssapi" : "simple");
	if (gssapi && ld->keytab[0] == '\0')
		return config_read_fail(rd, set[2] != NULL ? set[2] : bind,
		    "bind = "
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
int
config_directory_check(config_read_t *rd, const libconfig_config_t *lc,
    const config_directory_t *d)
{
	const config_ldap_t		*ld = &d->ldap;
	const config_replica_t		*rp = &ld->replica;
	const config_setting_t		*s;

	if (d->backend != BACKEND_LDAP || !rp->enabled ||
	    (double)rp->max_age > (double)rp->poll + ld->timeout)
		return 0;
	if ((s = config_lookup(lc, "directory.ldap.replica.max_age")) == NULL &&
	    (s = config_lookup(lc, "directory.ldap.replica.poll")) == NULL)
		s = config_lookup(lc, "directory.ldap.replica");
	return config_read_fail(rd, s,
	    "'directory.ldap.replica.max_age' (%d s) must be "
	    "more than poll (%d s) plus timeout (%g s): a replica that polls "
	    "is that old before each poll ends, and would answer unknown "
	    "addresses with 451 while the directory answers (syncrepl = "
	    "\"auto\" polls where the server offers no RFC 4533, as Active "
	    "Directory)",
	    rp->max_age, rp->poll, ld->timeout);
}

static int
load_ldap(config_read_t *rd, const config_setting_t *g, config_ldap_t *ld)
{
	const config_setting_t	*bind = NULL, *set[4] = { NULL };
	const char		*v;
	long long		 n;

	if (config_read_group(rd, g, "directory.ldap") == -1)
		return -1;
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t	*s = config_setting_get_elem(g, (unsigned)i);
		const char		*name = config_setting_name(s);
		int			 r;

		if (strcmp(name, "uri") == 0) {
			r = config_read_strvec(rd, s, "directory.ldap.uri",
			    check_uri, &ld->uri, &ld->nuri);
			if (r == 0 && ld->nuri == 0)
				r = config_read_fail(rd, s,
				    "'directory.ldap.uri' must name "
				    "at least one server");
		} else if (strcmp(name, "starttls") == 0)
			r = config_read_bool(rd, s, "directory.ldap.starttls",
			    &ld->starttls);
		else if (strcmp(name, "tls_ca_file") == 0)
			r = config_read_set_file(rd, s,
			    "directory.ldap.tls_ca_file", &ld->tls_ca_file);
		else if (strcmp(name, "bind") == 0) {
			bind = s;
			if ((r = config_read_text(rd, s, "directory.ldap.bind",
			    &v)) == 0) {
				if (strcmp(v, "simple") == 0)
					ld->bind = BIND_SIMPLE;
				else if (strcmp(v, "gssapi") == 0)
					ld->bind = BIND_GSSAPI;
				else
					r = config_read_fail(rd, s,
					    "bad bind '%s' in "
					    "'directory.ldap.bind': must be "
					    "simple or gssapi",
					    v);
			}
		} else if (strcmp(name, "bind_dn") == 0) {
			set[0] = s;
			r = config_read_set_text(rd, s,
			    "directory.ldap.bind_dn", &ld->bind_dn, false);
		} else if (strcmp(name, "bind_password_file") == 0) {
			set[1] = s;
			r = config_read_set_file(rd, s,
			    "directory.ldap.bind_password_file",
			    &ld->bind_password_file);
		} else if (strcmp(name, "keytab") == 0) {
			set[2] = s;
			r = config_read_set_file(rd, s, "directory.ldap.keytab",
			    &ld->keytab);
			if (r == 0)
				r = config_read_set_where(rd, s,
				    &ld->keytab_at);
		} else if (strcmp(name, "principal") == 0) {
			set[3] = s;
			r = config_read_set_text(rd, s,
			    "directory.ldap.principal", &ld->principal, false);
			if (r == 0)
				r = config_read_set_where(rd, s,
				    &ld->principal_at);
		}
		else if (strcmp(name, "base") == 0)
			r = config_read_set_text(rd, s, "directory.ldap.base",
			    &ld->base, false);
		else if (strcmp(name, "scope") == 0) {
			if ((r = config_read_text(rd, s, "directory.ldap.scope",
			    &v)) == 0) {
				if (strcmp(v, "base") == 0)
					ld->scope = SCOPE_BASE;
				else if (strcmp(v, "one") == 0)
					ld->scope = SCOPE_ONE;
				else if (strcmp(v, "sub") == 0)
					ld->scope = SCOPE_SUB;
				else
					r = config_read_fail(rd, s,
					    "bad scope '%s' in "
					    "'directory.ldap.scope': must be "
					    "base, one or sub",
					    v);
			}
		} else if (strcmp(name, "timeout") == 0) {
			r = config_read_number(rd, s, "directory.ldap.timeout",
			    &ld->timeout);
			if (r == 0 && !(ld->timeout > 0 &&
			    ld->timeout <= TIMEOUT_MAX))
				r = config_read_fail(rd, s,
				    "'directory.ldap.timeout' must be "
				    "more than 0 and at most %g seconds",
				    TIMEOUT_MAX);
		} else if (strcmp(name, "connections") == 0) {
			r = config_read_int(rd, s, "directory.ldap.connections",
			    1, CONNECTIONS_MAX, &n);
			if (r == 0)
				ld->connections = (int)n;
		} else if (strcmp(name, "range_size") == 0) {
			r = config_read_int(rd, s, "directory.ldap.range_size",
			    0, RANGE_SIZE_MAX, &n);
			if (r == 0)
				ld->range_size = (int)n;
		} else if (strcmp(name, "replica") == 0)
			r = load_replica(rd, s, &ld->replica);
		else
			r = config_read_unknown(rd, s, "directory.ldap");
		if (r == -1)
			return -1;
	}
	if (ld->principal_at[0] == '\0' && ld->keytab_at[0] != '\0') {
		char	*at = strdup(ld->keytab_at);

		if (at == NULL)
			return config_read_nomem(rd);
		free(ld->principal_at);
		ld->principal_at = at;
	}
	return check_bind(rd, ld, bind, set);
}

static int
load_cache(config_read_t *rd, const config_setting_t *g, config_cache_t *c)
{
	long long		 n;

	if (config_read_group(rd, g, "directory.cache") == -1)
		return -1;
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t	*s = config_setting_get_elem(g, (unsigned)i);
		const char		*name = config_setting_name(s);

		if (strcmp(name, "entries") == 0) {
			if (config_read_int(rd, s, "directory.cache.entries", 0,
			    LONG_MAX, &n) == -1)
				return -1;
			c->entries = (long)n;
		} else if (strcmp(name, "ttl") == 0) {
			if (config_read_int(rd, s, "directory.cache.ttl", 0,
			    INT_MAX, &n) == -1)
				return -1;
			c->ttl = (int)n;
		} else if (strcmp(name, "negative_ttl") == 0) {
			if (config_read_int(rd, s,
			    "directory.cache.negative_ttl", 0, INT_MAX,
			    &n) == -1)
				return -1;
			c->negative_ttl = (int)n;
		} else if (strcmp(name, "stale_ttl") == 0) {
			if (config_read_int(rd, s, "directory.cache.stale_ttl",
			    0, INT_MAX, &n) == -1)
				return -1;
			c->stale_ttl = (int)n;
		} else
			return config_read_unknown(rd, s, "directory.cache");
	}
	return 0;
}

int
config_directory_load(config_read_t *rd, const config_setting_t *g,
    config_directory_t *d)
{
	const char		*v;

	if (config_read_group(rd, g, "directory") == -1)
		return -1;
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t	*s = config_setting_get_elem(g, (unsigned)i);
		const char		*name = config_setting_name(s);
		int			 r;

		if (strcmp(name, "backend") == 0) {
			if ((r = config_read_text(rd, s, "directory.backend",
			    &v)) == 0) {
				if (strcmp(v, "ldap") == 0)
					d->backend = BACKEND_LDAP;
				else if (strcmp(v, "ldif") == 0)
					d->backend = BACKEND_LDIF;
				else
					r = config_read_fail(rd, s,
					    "bad backend '%s' in "
					    "'directory.backend': must be ldap "
					    "or ldif",
					    v);
			}
		} else if (strcmp(name, "ldif") == 0)
			r = load_ldif(rd, s, d);
		else if (strcmp(name, "ldap") == 0)
			r = load_ldap(rd, s, &d->ldap);
		else if (strcmp(name, "cache") == 0)
			r = load_cache(rd, s, &d->cache);
		else if (strcmp(name, "proxy_attribute") == 0 ||
		    strcmp(name, "target_attribute") == 0) {
			const char	*what = name[0] == 'p' ?
			    "directory.proxy_attribute" :
			    "directory.target_attribute";
			char		**dst = name[0] == 'p' ?
			    &d->proxy_attribute : &d->target_attribute;

			r = config_read_text(rd, s, what, &v);
			if (r == 0)
				r = check_attribute(rd, s, what, v);
			if (r == 0)
				r = config_read_set_text(rd, s, what, dst,
				    false);
		} else
			r = config_read_unknown(rd, s, "directory");
		if (r == -1)
			return -1;
	}
	return 0;
}

int
config_directory_defaults(config_read_t *rd, config_directory_t *d)
{
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
	if ((d->ldif_path = config_read_path(rd, "contacts.ldif")) == NULL ||
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
	    (d->target_attribute = strdup("targetAddress")) == NULL)
		return config_read_nomem(rd);
	return 0;
}

void
config_directory_free(config_directory_t *d)
{
	free(d->ldif_path);
	config_read_strvec_free(d->ldap.uri);
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
}

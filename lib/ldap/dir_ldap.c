/*
 * dir_ldap.c - the production back-end: the lookups of an LDAP directory
 * (see dir_ldap.h), as Postfix's dict_ldap makes them: a filter of
 * escaped values, a search on the pool (ldap_pool.h) that always times
 * out, and the entries it returns read again here.
 *
 * Every value is escaped (RFC 4515) before it enters a filter, and the
 * entries a server returns are checked again: one is kept only when one
 * of its values is the address asked for.  Its values are read by the
 * rules the LDIF back-end uses too (dir_entry.h); see dir_ldap_entry()
 * for what a bad one costs.  How the servers are reached -- failover,
 * deadlines, TLS, the bind -- is ldap_conn.h's business.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lber.h>
#include <ldap.h>

#include "addr.h"
#include "clock.h"
#include "dir_entry.h"
#include "dir_ldap.h"
#include "ldap_conn.h"
#include "ldap_op.h"
#include "ldap_pool.h"
#include "ldap_range.h"
#include "printable.h"
#include "x500.h"

#define DIR_LDAP_SIZELIMIT	8	/* two entries already say "ambiguous" */

struct dir_ldap {
	ldap_conn_t	*conn;
	ldap_pool_t	*pool;
	char		*base;
	int		 scope;		/* LDAP_SCOPE_* */
	char		*proxy_attr, *target_attr;
	char		 proxy_ask[LDAP_RANGE_ATTR_MAX];	/* ldap_range.h */
};

/*
 * One lookup: the folded key, which attribute, where answers go, and
 * the lookup's deadline (a clock_ms() value: that of the pool's
 * operation, give or take the microseconds between the two), which also
 * bounds the further requests of ranged values.
 */
struct ldap_query {
	struct dir_ldap	*dl;
	const char	*key;
	int		 by_target;
	dir_result_t	*res;
	int64_t		 deadline;
};

static int	dir_ldap_by_proxy(void *, const char *, dir_result_t *, char *,
		    size_t);
static int	dir_ldap_by_target(void *, const char *, dir_result_t *,
		    char *, size_t);
static void	dir_ldap_close(void *);
static int	dir_ldap_ping(void *, char *, size_t);

const dir_backend_ops_t dir_ldap_ops = {
	.name = "ldap",
	.by_proxy = dir_ldap_by_proxy,
	.by_target = dir_ldap_by_target,
	.close = dir_ldap_close,
	.ping = dir_ldap_ping,
};

/*
 * Reads one entry by the rules every back-end shares (dir_entry.h) and
 * adds it to q->res when one of its values really is q->key (the server's
 * matching is not ours: an entry that does not hold the key is dropped,
 * whatever is wrong with it).  Of the matched entry, a secondary proxy
 * value that is no address is skipped: it is not the key, and the answer
 * does not depend on it.  Anything that would make the answer wrong -- a
 * primary or target that is no address, two primaries, two targets --
 * fails the lookup.  Returns 0, or -1 with "ldap: entry 'DN': ..." in err.
 */
static int
dir_ldap_entry(struct dir_ldap *dl, struct ldap_query *q, char *dn,
    struct berval **pv, struct berval **tv, char *err, size_t errlen)
{
	dir_entry_rules_t	 r;
	dir_entry_kind_t	 kind;
	dir_entry_list_t	 secondary = { NULL, 0, 0 };
	dir_entry_t		 found;
	char			 msg[1024], bad[1024] = "";
	addr_t			 a;
	int			 matched = 0, rc = 0;

	dir_entry_begin(&r, dn, dl->target_attr);
	for (size_t i = 0; pv != NULL && pv[i] != NULL; i++) {
		kind = dir_entry_proxy(&r, pv[i]->bv_val, pv[i]->bv_len, &a,
		    msg, sizeof(msg));
		if (!q->by_target && a.key[0] != '\0' &&
		    strcmp(a.key, q->key) == 0)
			matched = 1;
		if (kind == DIR_ENTRY_BAD_ENTRY && bad[0] == '\0')
			snprintf(bad, sizeof(bad), "%s", msg);
		/* the outbound rewrite's step 1 may need them (directory.h) */
		if (kind == DIR_ENTRY_SECONDARY && q->by_target && rc == 0)
			rc = dir_entry_list_add(&secondary, a.text);
	}
	for (size_t i = 0; tv != NULL && tv[i] != NULL; i++) {
		kind = dir_entry_target(&r, tv[i]->bv_val, tv[i]->bv_len, &a,
		    msg, sizeof(msg));
		if (q->by_target && a.key[0] != '\0' &&
		    strcmp(a.key, q->key) == 0)
			matched = 1;
		if (kind == DIR_ENTRY_BAD_ENTRY && bad[0] == '\0')
			snprintf(bad, sizeof(bad), "%s", msg);
	}
	if (matched && bad[0] != '\0') {
		snprintf(err, errlen, "ldap: %s", bad);
		rc = -1;
	} else if (matched) {
		found.dn = dn;
		found.primary = r.has_primary ? r.primary.text : NULL;
		found.target = r.has_target ? r.target.text : NULL;
		found.secondary = secondary.s;
		if (rc == -1 || dir_result_add_entry(q->res, &found) == -1) {
			snprintf(err, errlen, "ldap: out of memory");
			rc = -1;
		}
	} else
		rc = 0;
	free(secondary.s);
	return rc;
}

/* ldap_range_t's arm for a lookup: what is left of its deadline. */
static int
dir_ldap_arm(void *arg, struct timeval *tv)
{
	struct ldap_query	*q = arg;

	return ldap_op_left(q->deadline, tv);
}

/*
 * Reads the values of one entry of a lookup, ranged ones whole
 * (ldap_range.h), into *pv and *tv.  An entry the server matched by the
 * attribute asked for, that comes without any value of it, cannot be
 * checked: a failure too (a server that ignores a range it does not
 * know, with directory.ldap.range_size set, sends such entries).
 * Returns 0, or -1 with "ldap: ..." in err and nothing to free.
 */
static int
dir_ldap_values(struct ldap_query *q, LDAP *ld, LDAPMessage *e,
    const char *dn, struct berval ***pv, struct berval ***tv, char *err,
    size_t errlen)
{
	struct dir_ldap	*dl = q->dl;
	ldap_range_t	 r = { ldap_conn_range_size(dl->conn), dir_ldap_arm, q };
	char		 why[1024];

	*pv = *tv = NULL;
	if (ldap_range_values(ld, e, dl->proxy_attr, &r, pv, why,
	    sizeof(why)) == -1 ||
	    ldap_range_values(ld, e, dl->target_attr, &r, tv, why,
	    sizeof(why)) == -1) {
		ldap_value_free_len(*pv);
		*pv = NULL;
		snprintf(err, errlen, "ldap: %s", why);
		return -1;
	}
	if ((q->by_target ? *tv : *pv) == NULL) {
		snprintf(err, errlen, "ldap: entry '%s': the server found it "
		    "by %s but sent none of its values%s", dn,
		    q->by_target ? dl->target_attr : dl->proxy_attr,
		    r.size > 0 ? " (directory.ldap.range_size is set: does "
		    "the server know ranged values?)" : "");
		ldap_value_free_len(*pv);
		ldap_value_free_len(*tv);
		*pv = *tv = NULL;
		return -1;
	}
	return 0;
}

/* parse for lookups: fills q->res from the entries of msg. */
static int
dir_ldap_parse_entries(void *arg, LDAP *ld, LDAPMessage *msg, char *err,
    size_t errlen)
{
	struct ldap_query	*q = arg;
	struct dir_ldap		*dl = q->dl;
	LDAPMessage		*e;
	struct berval		**pv, **tv;
	char			*dn;
	int			 rc = 0;

	for (e = ldap_first_entry(ld, msg); e != NULL && rc == 0;
	    e = ldap_next_entry(ld, e)) {
		dn = ldap_get_dn(ld, e);
		if (dn != NULL)
			printable_mask(dn);
		rc = dir_ldap_values(q, ld, e, dn != NULL ? dn : "", &pv, &tv,
		    err, errlen);
		if (rc == 0)
			rc = dir_ldap_entry(dl, q, dn != NULL ? dn : "", pv, tv,
			    err, errlen);
		ldap_value_free_len(pv);
		ldap_value_free_len(tv);
		ldap_memfree(dn);
	}
	if (rc == -1) {
		dir_result_free(q->res);
		return DIR_TRYAGAIN;
	}
	return q->res->count > 0 ? DIR_FOUND : DIR_NOTFOUND;
}

/* One lookup: the entries whose proxy (or target) attribute is key. */
static int
dir_ldap_lookup(struct dir_ldap *dl, int by_target, const char *key,
    dir_result_t *res, char *err, size_t errlen)
{
	struct ldap_query	 q;
	struct berval		 in, out;
	const char		*attr = by_target ? dl->target_attr : dl->proxy_attr;
	char			 folded[ADDR_TEXT_MAX + 1];
	char			*attrs[3], *filter;
	size_t			 len = strlen(key), flen;
	int			 status;

	/* keys come folded; folding again costs little and is safe */
	if (len == 0 || len >= sizeof(folded))
		return DIR_NOTFOUND;
	memcpy(folded, key, len + 1);
	addr_fold(folded);

	in.bv_val = folded;
	in.bv_len = len;
	out.bv_val = NULL;
	if (ldap_bv2escaped_filter_value(&in, &out) != 0) {
		snprintf(err, errlen, "ldap: out of memory");
		return DIR_TRYAGAIN;
	}
	flen = 2 * strlen(attr) + 2 * out.bv_len + 32;
	if ((filter = malloc(flen)) == NULL) {
		ber_memfree(out.bv_val);
		snprintf(err, errlen, "ldap: out of memory");
		return DIR_TRYAGAIN;
	}
	if (!x500_is_key(folded))
		snprintf(filter, flen, "(|(%s=smtp:%s)(%s=%s))", attr,
		    out.bv_val, attr, out.bv_val);
	else if (!by_target)	/* the key is the value: "x500:<dn>" */
		snprintf(filter, flen, "(%s=%s)", attr, out.bv_val);
	else {			/* no target is an X500 value */
		ber_memfree(out.bv_val);
		free(filter);
		return DIR_NOTFOUND;
	}
	ber_memfree(out.bv_val);

	attrs[0] = dl->proxy_ask;
	attrs[1] = dl->target_attr;
	attrs[2] = NULL;
	q.dl = dl;
	q.key = folded;
	q.by_target = by_target;
	q.res = res;
	q.deadline = clock_ms() + ldap_conn_timeout_ms(dl->conn);
	status = ldap_pool_search(dl->pool, dl->base, dl->scope, filter, attrs,
	    DIR_LDAP_SIZELIMIT, dir_ldap_parse_entries, &q, err, errlen);
	free(filter);
	return status;
}

static int
dir_ldap_by_proxy(void *h, const char *key, dir_result_t *res, char *err,
    size_t errlen)
{
	return dir_ldap_lookup(h, 0, key, res, err, errlen);
}

static int
dir_ldap_by_target(void *h, const char *key, dir_result_t *res, char *err,
    size_t errlen)
{
	return dir_ldap_lookup(h, 1, key, res, err, errlen);
}

/* parse for the ping: the base entry must be there; arg is the dir_ldap. */
static int
dir_ldap_parse_base(void *arg, LDAP *ld, LDAPMessage *msg, char *err,
    size_t errlen)
{
	struct dir_ldap	*dl = arg;

	if (ldap_count_entries(ld, msg) > 0)
		return DIR_FOUND;
	snprintf(err, errlen, "ldap: the base '%s' is not there (or not "
	    "readable)", dl->base);
	return DIR_TRYAGAIN;
}

/*
 * Checks that a server answers: takes a pooled connection (connecting and
 * binding when needed, servers in order) and reads the base entry with a
 * base-scope search.  Returns 0, or -1 with a message in err naming the
 * server(s) and the reason.  Thread-safe.
 */
static int
dir_ldap_ping(void *h, char *err, size_t errlen)
{
	struct dir_ldap	*dl = h;
	char		 noattrs[] = LDAP_NO_ATTRS;
	char		*attrs[] = { noattrs, NULL };

	if (ldap_pool_search(dl->pool, dl->base, LDAP_SCOPE_BASE,
	    "(objectClass=*)", attrs, 0, dir_ldap_parse_base, dl, err,
	    errlen) != DIR_FOUND)
		return -1;
	return 0;
}

/* Returns 1 when name is an attribute description we put in filters. */
static int
dir_ldap_attr_ok(const char *name)
{
	const char	*p = name;

	if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
	    (*p >= '0' && *p <= '9')))
		return 0;
	for (; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == ';'))
			return 0;
	return p - name < 128;
}

void *
dir_ldap_open(const config_directory_t *dc, const char *file, const char *user,
    char *err, size_t errlen)
{
	const struct config_ldap	*lc = &dc->ldap;
	struct dir_ldap			*dl;

	if (file == NULL || lc->uri == NULL || lc->tls_ca_file == NULL ||
	    lc->bind_dn == NULL || lc->bind_password_file == NULL ||
	    lc->base == NULL || dc->proxy_attribute == NULL ||
	    dc->target_attribute == NULL) {
		snprintf(err, errlen, "directory: incomplete ldap settings");
		return NULL;
	}
	if ((dl = calloc(1, sizeof(*dl))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", file);
		return NULL;
	}
	if (!dir_ldap_attr_ok(dc->proxy_attribute) ||
	    !dir_ldap_attr_ok(dc->target_attribute)) {
		snprintf(err, errlen, "%s: directory.%s '%s' is not an LDAP "
		    "attribute name", file,
		    dir_ldap_attr_ok(dc->proxy_attribute) ?
		    "target_attribute" : "proxy_attribute",
		    dir_ldap_attr_ok(dc->proxy_attribute) ?
		    dc->target_attribute : dc->proxy_attribute);
		goto fail;
	}
	if ((dl->conn = ldap_conn_open(lc, file, user, err, errlen)) == NULL ||
	    (dl->pool = ldap_pool_open(dl->conn, lc->connections > 0 ?
	    (size_t)lc->connections : 1, err, errlen)) == NULL)
		goto fail;
	if ((dl->base = strdup(lc->base)) == NULL ||
	    (dl->proxy_attr = strdup(dc->proxy_attribute)) == NULL ||
	    (dl->target_attr = strdup(dc->target_attribute)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", file);
		goto fail;
	}
	if (ldap_range_attr(dl->proxy_attr, lc->range_size, dl->proxy_ask,
	    sizeof(dl->proxy_ask)) == NULL) {
		snprintf(err, errlen, "%s: directory.proxy_attribute '%s': too "
		    "long", file, dl->proxy_attr);
		goto fail;
	}
	dl->scope = lc->scope == SCOPE_BASE ? LDAP_SCOPE_BASE :
	    lc->scope == SCOPE_ONE ? LDAP_SCOPE_ONELEVEL : LDAP_SCOPE_SUBTREE;
	return dl;

fail:
	dir_ldap_close(dl);
	return NULL;
}

ldap_conn_t *
dir_ldap_conn(void *h)
{
	struct dir_ldap	*dl = h;

	return dl->conn;
}

static void
dir_ldap_close(void *h)
{
	struct dir_ldap	*dl = h;

	if (dl == NULL)
		return;
	ldap_pool_close(dl->pool);
	ldap_conn_close(dl->conn);
	free(dl->base);
	free(dl->proxy_attr);
	free(dl->target_attr);
	free(dl);
}

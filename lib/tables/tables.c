/*
 * tables.c - see tables.h.
 *
 * The domain entries are decided by asking resolve.c about an address
 * in each configured domain through an empty directory view (dir_view.h):
 * whatever section 1 answers for an address the directory does not hold
 * there is what Postfix must find for it in the tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "dir_view.h"
#include "sockmap.h"
#include "tables.h"

/* The local part of the addresses the domain entries are decided for. */
#define TABLES_PROBE_LOCAL	"x"

static const char *const tables_map_names[TABLES_NMAPS] = {
	[TABLES_ACCESS] = "access",
	[TABLES_VIRTUAL] = "virtual",
	[TABLES_GENERIC] = "generic",
};

static const unsigned tables_map_bits[TABLES_NMAPS] = {
	[TABLES_ACCESS] = CONFIG_TABLES_ACCESS,
	[TABLES_VIRTUAL] = CONFIG_TABLES_VIRTUAL,
	[TABLES_GENERIC] = CONFIG_TABLES_GENERIC,
};

struct tables_domain_entry {
	tables_map_t	 map;
	char		*key;
	char		*value;
};

struct tables_domains {
	struct tables_domain_entry	*v;
	size_t				 n, max;
};

const char *
tables_map_name(tables_map_t m)
{
	return (size_t)m < TABLES_NMAPS ? tables_map_names[m] : "?";
}

unsigned
tables_map_bit(tables_map_t m)
{
	return (size_t)m < TABLES_NMAPS ? tables_map_bits[m] : 0;
}

void
tables_domains_free(tables_domains_t *td)
{
	if (td == NULL)
		return;
	for (size_t i = 0; i < td->n; i++) {
		free(td->v[i].key);
		free(td->v[i].value);
	}
	free(td->v);
	free(td);
}

/* Returns the value of (map, key) among the domain entries, or NULL. */
static const char *
tables_domains_find(const tables_domains_t *td, tables_map_t map,
    const char *key)
{
	for (size_t i = 0; i < td->n; i++)
		if (td->v[i].map == map && strcmp(td->v[i].key, key) == 0)
			return td->v[i].value;
	return NULL;
}

/* Adds (map, key, value) unless key is there already.  0, or -1: no memory. */
static int
tables_domains_add(tables_domains_t *td, tables_map_t map, const char *key,
    const char *value)
{
	struct tables_domain_entry	*e;

	if (tables_domains_find(td, map, key) != NULL)
		return 0;		/* the first rule for a domain wins */
	if (td->n == td->max) {
		size_t	 max = td->max ? 2 * td->max : 16;

		if ((e = realloc(td->v, max * sizeof(*e))) == NULL)
			return -1;
		td->v = e;
		td->max = max;
	}
	e = &td->v[td->n];
	e->map = map;
	if ((e->key = strdup(key)) == NULL)
		return -1;
	if ((e->value = strdup(value)) == NULL) {
		free(e->key);
		return -1;
	}
	addr_fold(e->key);
	td->n++;
	return 0;
}

/*
 * Writes into out an address of the domain entry d ("x@d", or for "*.p"
 * "x@LABEL.p" with a label that no more specific entry takes).  Returns
 * 0, or -1 when none is found.
 */
static int
tables_probe(const config_t *cfg, const domain_t *d, char *out, size_t len)
{
	char	 name[ADDR_DOMAIN_MAX + 32];

	if (strncmp(d->name, "*.", 2) != 0) {
		snprintf(out, len, TABLES_PROBE_LOCAL "@%s", d->name);
		return 0;
	}
	for (int i = 0; i < 100; i++) {
		if (i == 0)
			snprintf(name, sizeof(name), "mailswitch%s", d->name + 1);
		else
			snprintf(name, sizeof(name), "mailswitch%d%s", i,
			    d->name + 1);
		if (domains_match(cfg->domains, name) == d) {
			snprintf(out, len, TABLES_PROBE_LOCAL "@%s", name);
			return 0;
		}
	}
	return -1;
}

/*
 * Returns "@domain" of a verdict that rewrote TABLES_PROBE_LOCAL@... to
 * another domain keeping the local part, into out; NULL otherwise.
 */
static const char *
tables_at_domain(const rcpt_verdict_t *v, char *out, size_t len)
{
	const size_t	 n = sizeof(TABLES_PROBE_LOCAL) - 1;

	if (v->action != RESOLVE_REWRITE || v->address.local_len != n ||
	    strncmp(v->address.text, TABLES_PROBE_LOCAL, n) != 0)
		return NULL;
	snprintf(out, len, "@%s", addr_domain(&v->address));
	return out;
}

/* The access and virtual entries of one configured domain. */
static int
tables_domain_rcpt(const config_t *cfg, directory_t *empty,
    tables_domains_t *td, const domain_t *d, char *err, size_t errlen)
{
	rcpt_verdict_t	 v;
	char		 probe[ADDR_TEXT_MAX + 64], buf[TABLES_VALUE_MAX];
	char		 key[ADDR_DOMAIN_MAX + 2];
	const char	*action, *at;
	bool		 wild = strncmp(d->name, "*.", 2) == 0;

	if (tables_probe(cfg, d, probe, sizeof(probe)) == -1) {
		snprintf(err, errlen, "tables: no address decides for domain "
		    "%s", d->name);
		return -1;
	}
	resolve_rcpt(cfg, empty, probe, &v);
	/* access: "d" for d, ".p" for *.p (parent_domain_matches_subdomains
	   without smtpd_access_maps) */
	snprintf(key, sizeof(key), "%s", wild ? d->name + 1 : d->name);
	action = sockmap_access_action(&v, buf, sizeof(buf));
	if (tables_domains_add(td, TABLES_ACCESS, key,
	    action != NULL ? action : "DUNNO") == -1)
		goto nomem;
	if ((at = tables_at_domain(&v, buf, sizeof(buf))) == NULL)
		return 0;
	if (wild && (cfg->tables.maps & CONFIG_TABLES_VIRTUAL)) {
		snprintf(err, errlen, "tables: domain %s: Postfix's virtual "
		    "table cannot hold its forward_to (it looks up @domain "
		    "exactly)", d->name);
		return -1;
	}
	snprintf(key, sizeof(key), "@%s", d->name);
	if (!wild && tables_domains_add(td, TABLES_VIRTUAL, key, at) == -1)
		goto nomem;
	return 0;
nomem:
	snprintf(err, errlen, "tables: out of memory");
	return -1;
}

/* The generic entry of one outbound rule: "@from" -> "@to". */
static int
tables_domain_rule(const config_t *cfg, directory_t *empty,
    tables_domains_t *td, const rewrite_rule_t *rule, char *err,
    size_t errlen)
{
	rcpt_verdict_t	 v;
	char		 probe[ADDR_TEXT_MAX + 64], buf[TABLES_VALUE_MAX];
	char		 key[ADDR_DOMAIN_MAX + 2];
	const char	*at;

	if (strncmp(rule->from, "*.", 2) == 0) {
		if (!(cfg->tables.maps & CONFIG_TABLES_GENERIC))
			return 0;
		snprintf(err, errlen, "tables: the outbound rule from %s: "
		    "Postfix's generic table cannot hold it (it looks up "
		    "@domain exactly)", rule->from);
		return -1;
	}
	snprintf(probe, sizeof(probe), TABLES_PROBE_LOCAL "@%s", rule->from);
	resolve_sender(cfg, empty, probe, &v);
	if ((at = tables_at_domain(&v, buf, sizeof(buf))) == NULL)
		return 0;	/* the first rule for it said otherwise */
	snprintf(key, sizeof(key), "@%s", rule->from);
	if (tables_domains_add(td, TABLES_GENERIC, key, at) == -1) {
		snprintf(err, errlen, "tables: out of memory");
		return -1;
	}
	return 0;
}

tables_domains_t *
tables_domains_new(const config_t *cfg, int stale, const char *why,
    char *err, size_t errlen)
{
	tables_domains_t	*td;
	directory_t		*empty = NULL, *fresh = NULL;
	int			 r = 0;

	if ((td = calloc(1, sizeof(*td))) == NULL) {
		snprintf(err, errlen, "tables: out of memory");
		return NULL;
	}
	/*
	 * An address the directory does not hold, as the copy answers now;
	 * the rules as with a copy that answers (an lmdb table cannot say
	 * "try again": the generic map keeps its rules past max_age).
	 */
	if ((empty = dir_view_new(NULL, stale, why, err, errlen)) == NULL ||
	    (fresh = dir_view_new(NULL, 0, NULL, err, errlen)) == NULL)
		r = -1;
	for (size_t i = 0; r == 0 && i < domains_count(cfg->domains); i++)
		r = tables_domain_rcpt(cfg, empty, td,
		    domains_get(cfg->domains, i), err, errlen);
	for (size_t i = 0; r == 0 && i < cfg->outbound.nrules; i++)
		r = tables_domain_rule(cfg, fresh, td, &cfg->outbound.rules[i],
		    err, errlen);
	directory_close(empty);
	directory_close(fresh);
	if (r == -1) {
		tables_domains_free(td);
		return NULL;
	}
	return td;
}

int
tables_domains_foreach(const tables_domains_t *td, tables_entry_fn fn,
    void *arg)
{
	int	 r;

	for (size_t i = 0; i < td->n; i++)
		if ((r = fn(td->v[i].map, td->v[i].key, td->v[i].value,
		    arg)) != 0)
			return r;
	return 0;
}

/* Returns true when map has the catch-all "@domain" (domain folded). */
static bool
tables_catchall(const tables_domains_t *td, tables_map_t map,
    const char *domain)
{
	char	 key[ADDR_DOMAIN_MAX + 2];

	snprintf(key, sizeof(key), "@%s", domain);
	return tables_domains_find(td, map, key) != NULL;
}

static void
tables_set(tables_row_t *row, tables_map_t map, const char *value)
{
	row->has[map] = true;
	snprintf(row->value[map], sizeof(row->value[map]), "%s", value);
}

void
tables_rcpt(const config_t *cfg, directory_t *dir, const tables_domains_t *td,
    const char *key, tables_row_t *row)
{
	rcpt_verdict_t	*v = &row->verdict;
	const domain_t	*d;
	addr_t		 a;
	char		 err[256], action[TABLES_VALUE_MAX];

	memset(row, 0, sizeof(*row));
	if (addr_parse(key, &a, err, sizeof(err)) != ADDR_OK ||
	    (d = domains_match(cfg->domains, addr_domain_key(&a))) == NULL ||
	    d->authority == AUTHORITY_EXTERNAL_RELAY)
		return;		/* never looked up: the domain entries say */
	resolve_rcpt(cfg, dir, key, v);
	tables_set(row, TABLES_ACCESS, sockmap_access_action(v, action,
	    sizeof(action)) != NULL ? action : "DUNNO");
	if (v->action == RESOLVE_REWRITE)
		tables_set(row, TABLES_VIRTUAL, v->address.text);
	else if (v->original.text[0] != '\0' &&
	    tables_catchall(td, TABLES_VIRTUAL, addr_domain_key(&a)))
		tables_set(row, TABLES_VIRTUAL, v->original.text);
}

void
tables_sender(const config_t *cfg, directory_t *dir,
    const tables_domains_t *td, const char *key, tables_row_t *row)
{
	rcpt_verdict_t	*v = &row->verdict;

	memset(row, 0, sizeof(*row));
	row->sender = true;
	resolve_sender(cfg, dir, key, v);
	if (v->action == RESOLVE_REWRITE)
		tables_set(row, TABLES_GENERIC, v->address.text);
	else if (v->action == RESOLVE_KEEP && v->original.text[0] != '\0' &&
	    tables_catchall(td, TABLES_GENERIC, addr_domain_key(&v->original)))
		tables_set(row, TABLES_GENERIC, v->original.text);
}

const char *
tables_internal_key(const char *key, char *out, size_t len)
{
	const char	*at = strrchr(key, '@');
	size_t		 n = 0;

	if (key[0] != '"' || at == NULL || at - key < 2 || at[-1] != '"')
		return NULL;
	for (const char *p = key + 1; p < at - 1; p++) {
		if (*p == '\\' && p + 1 < at - 1)
			p++;
		if (n + 1 >= len)
			return NULL;
		out[n++] = *p;
	}
	if (n + strlen(at) + 1 > len)
		return NULL;
	memcpy(out + n, at, strlen(at) + 1);
	return strcmp(out, key) == 0 ? NULL : out;
}

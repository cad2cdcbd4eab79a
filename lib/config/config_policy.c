/*
 * config_policy.c - the policy sections of the configuration: domains
 * (each domain's authority, forward_to without loops) and outbound (which
 * clients, daemons and senders are outbound, the rewrite rules, the header
 * fields to rewrite), read and checked in file order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_policy.h"
#include "config_read.h"

static int
check_daemon(config_read_t *rd, const config_setting_t *s, const char *what,
    const char *v)
{
	if (*v == '\0')
		return config_read_fail(rd, s, "empty service name in '%s'",
		    what);
	return 0;
}

static int
check_header(config_read_t *rd, const config_setting_t *s, const char *what,
    const char *v)
{
	const config_setting_t	*list = config_setting_parent(s);
	int			 idx = config_setting_index(s);

	if (!config_read_is_field_name(v))
		return config_read_fail(rd, s,
		    "bad header field name '%s' in '%s'", v, what);
	for (int i = 0; i < idx; i++) {
		const char	*prev;

		prev = config_setting_get_string_elem(list, i);
		if (prev != NULL && strcasecmp(prev, v) == 0)
			return config_read_fail(rd, s,
			    "duplicate header '%s' in '%s'", v, what);
	}
	return 0;
}

/*
 * Reads one entry of domains into the table; its forward_to setting (or
 * NULL) is returned in *fwd for the loop check.
 */
static int
load_domain(config_read_t *rd, const config_setting_t *g, domains_t *t,
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
		return config_read_fail(rd, g,
		    "each entry of 'domains' must be a group "
		    "{ name = \"...\"; authority = \"...\"; }");
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t	*s = config_setting_get_elem(g, (unsigned)i);
		const char		*key = config_setting_name(s);

		if (strcmp(key, "name") == 0) {
			if (config_read_text(rd, s, "name", &name) == -1)
				return -1;
			if (domains_check_name(name, true, derr,
			    sizeof(derr)) == -1)
				return config_read_fail(rd, s, "%s", derr);
			name_s = s;
		} else if (strcmp(key, "authority") == 0) {
			if (config_read_text(rd, s, "authority", &v) == -1)
				return -1;
			if (strcmp(v, "authoritative") == 0)
				d.authority = AUTHORITY_AUTHORITATIVE;
			else if (strcmp(v, "internal_relay") == 0)
				d.authority = AUTHORITY_INTERNAL_RELAY;
			else if (strcmp(v, "external_relay") == 0)
				d.authority = AUTHORITY_EXTERNAL_RELAY;
			else
				return config_read_fail(rd, s,
				    "bad authority '%s': must be "
				    "authoritative, internal_relay or "
				    "external_relay",
				    v);
			have_auth = 1;
		} else if (strcmp(key, "forward_to") == 0) {
			if (config_read_text(rd, s, "forward_to",
			    &forward_to) == -1)
				return -1;
			if (domains_check_name(forward_to, false, derr,
			    sizeof(derr)) == -1)
				return config_read_fail(rd, s, "forward_to: %s",
				    derr);
			*fwd = s;
		} else if (strcmp(key, "canonicalize") == 0) {
			if (config_read_bool(rd, s, "canonicalize",
			    &d.canonicalize) == -1)
				return -1;
		} else
			return config_read_unknown(rd, s, "a domains entry");
	}
	if (name_s == NULL)
		return config_read_fail(rd, g, "a domains entry has no 'name'");
	if (!have_auth)
		return config_read_fail(rd, g, "domain '%s' has no 'authority' "
		    "(authoritative, internal_relay or external_relay)", name);
	if (*fwd != NULL && d.authority != AUTHORITY_INTERNAL_RELAY)
		return config_read_fail(rd, *fwd,
		    "domain '%s': forward_to is only allowed "
		    "with authority = \"internal_relay\", not \"%s\"",
		    name, domains_authority_name(d.authority));

	d.line = (int)config_setting_source_line(name_s);
	if ((d.name = strdup(name)) == NULL ||
	    (forward_to != NULL && (d.forward_to = strdup(forward_to)) == NULL)) {
		r = config_read_nomem(rd);
		goto done;
	}
	if (domains_add(t, &d, derr, sizeof(derr)) == -1) {
		r = config_read_fail(rd, name_s, "%s", derr);
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
check_forward_loops(config_read_t *rd, const domains_t *t,
    const config_setting_t **fwd)
{
	size_t		  n = domains_count(t);
	const domain_t	**seen;
	char		  chain[CONFIG_ERR_MAX];
	int		  r = 0;

	if ((seen = calloc(n + 1, sizeof(*seen))) == NULL)
		return config_read_nomem(rd);
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
					r = config_read_fail(rd, fwd[i],
					    "forward_to loop: %s", chain);
			/* every domain is seen at most once: nseen <= n */
			seen[nseen++] = m;
			next = m->forward_to;
		}
	}
	free(seen);
	return r;
}

int
config_policy_load_domains(config_read_t *rd, const config_setting_t *list,
    domains_t *t)
{
	const config_setting_t	**fwd;
	int			  len, r = 0;

	/* an empty [ ] is an array; anything else must be a list */
	if (!config_setting_is_list(list) && !(config_setting_is_array(list) &&
	    config_setting_length(list) == 0))
		return config_read_fail(rd, list,
		    "'domains' must be a list of groups "
		    "( { ... }, ... )");
	len = config_setting_length(list);
	if ((fwd = calloc((size_t)len + 1, sizeof(*fwd))) == NULL)
		return config_read_nomem(rd);
	for (int i = 0; i < len && r == 0; i++)
		r = load_domain(rd, config_setting_get_elem(list, (unsigned)i),
		    t, &fwd[domains_count(t)]);
	if (r == 0)
		r = check_forward_loops(rd, t, fwd);
	free(fwd);
	return r;
}

static int
load_rules(config_read_t *rd, const config_setting_t *list,
    config_outbound_t *o)
{
	rewrite_rule_t		*rules;
	char			 derr[CONFIG_ERR_MAX];
	int			 len;

	if (!config_setting_is_list(list) && !(config_setting_is_array(list) &&
	    config_setting_length(list) == 0))
		return config_read_fail(rd, list,
		    "'outbound.rules' must be a list of groups "
		    "( { from = \"...\"; to = \"...\"; }, ... )");
	len = config_setting_length(list);
	if ((rules = calloc((size_t)len + 1, sizeof(*rules))) == NULL)
		return config_read_nomem(rd);
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
			return config_read_fail(rd, g,
			    "each entry of 'outbound.rules' must "
			    "be a group { from = \"...\"; to = \"...\"; }");
		for (int k = 0; k < config_setting_length(g); k++) {
			const config_setting_t	*s = config_setting_get_elem(g, (unsigned)k);
			const char		*key = config_setting_name(s);

			if (strcmp(key, "from") == 0) {
				if (config_read_text(rd, s, "from", &from) ==
				    -1)
					return -1;
				if (domains_check_name(from, true, derr,
				    sizeof(derr)) == -1)
					return config_read_fail(rd, s,
					    "from: %s", derr);
				from_s = s;
			} else if (strcmp(key, "to") == 0) {
				if (config_read_text(rd, s, "to", &to) == -1)
					return -1;
				if (domains_check_name(to, false, derr,
				    sizeof(derr)) == -1)
					return config_read_fail(rd, s, "to: %s",
					    derr);
				to_s = s;
			} else
				return config_read_unknown(rd, s,
				    "an outbound.rules entry");
		}
		if (from_s == NULL || to_s == NULL)
			return config_read_fail(rd, g,
			    "an outbound.rules entry needs both "
			    "'from' and 'to'");
		if ((rule->from = strdup(from)) == NULL)
			return config_read_nomem(rd);
		for (char *p = rule->from; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		o->nrules++;		/* from is owned from here on */
		if ((rule->to = strdup(to)) == NULL)
			return config_read_nomem(rd);
		rule->line = (int)config_setting_source_line(g);
	}
	return 0;
}

static int
load_clients(config_read_t *rd, const config_setting_t *list,
    config_outbound_t *o)
{
	netaddr_t		*nets;
	char			 nerr[CONFIG_ERR_MAX];
	int			 len;

	if (!config_setting_is_array(list) && !config_setting_is_list(list))
		return config_read_fail(rd, list,
		    "'outbound.clients' must be a list of "
		    "strings [ \"...\", ... ]");
	len = config_setting_length(list);
	if ((nets = calloc((size_t)len + 1, sizeof(*nets))) == NULL)
		return config_read_nomem(rd);
	free(o->clients);
	o->clients = nets;
	o->nclients = 0;
	for (int i = 0; i < len; i++) {
		const config_setting_t	*e = config_setting_get_elem(list, (unsigned)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return config_read_fail(rd, e,
			    "'outbound.clients' must be a list of "
			    "strings [ \"...\", ... ]");
		if (netaddr_parse(config_setting_get_string(e), &nets[i], nerr,
		    sizeof(nerr)) == -1)
			return config_read_fail(rd, e, "%s", nerr);
		o->nclients++;
	}
	return 0;
}

int
config_policy_load_outbound(config_read_t *rd, const config_setting_t *g,
    config_outbound_t *o)
{

	if (config_read_group(rd, g, "outbound") == -1)
		return -1;
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t	*s = config_setting_get_elem(g, (unsigned)i);
		const char		*name = config_setting_name(s);
		int			 r;

		if (strcmp(name, "clients") == 0)
			r = load_clients(rd, s, o);
		else if (strcmp(name, "daemons") == 0)
			r = config_read_strvec(rd, s, "outbound.daemons",
			    check_daemon, &o->daemons, &o->ndaemons);
		else if (strcmp(name, "authenticated") == 0)
			r = config_read_bool(rd, s, "outbound.authenticated",
			    &o->authenticated);
		else if (strcmp(name, "lookup") == 0)
			r = config_read_bool(rd, s, "outbound.lookup",
			    &o->lookup);
		else if (strcmp(name, "rules") == 0)
			r = load_rules(rd, s, o);
		else if (strcmp(name, "headers") == 0)
			r = config_read_strvec(rd, s, "outbound.headers",
			    check_header, &o->headers, &o->nheaders);
		else
			r = config_read_unknown(rd, s, "outbound");
		if (r == -1)
			return -1;
	}
	return 0;
}


int
config_policy_outbound_defaults(config_read_t *rd, config_outbound_t *o)
{
	static const char *const headers[] = { "From", "Sender", "Reply-To" };

	o->authenticated = false;
	o->lookup = true;
	o->nheaders = sizeof(headers) / sizeof(headers[0]);
	if ((o->daemons = calloc(1, sizeof(char *))) == NULL ||
	    (o->headers = calloc(o->nheaders + 1, sizeof(char *))) == NULL)
		return config_read_nomem(rd);
	for (size_t i = 0; i < o->nheaders; i++)
		if ((o->headers[i] = strdup(headers[i])) == NULL)
			return config_read_nomem(rd);
	return 0;
}

void
config_policy_outbound_free(config_outbound_t *o)
{
	free(o->clients);
	config_read_strvec_free(o->daemons);
	for (size_t i = 0; i < o->nrules; i++) {
		free(o->rules[i].from);
		free(o->rules[i].to);
	}
	free(o->rules);
	config_read_strvec_free(o->headers);
}

/*
 * config_tables.c - the tables section of the configuration (tables {
 * path; maps; }, README "Tables mode"), read, and checked against the
 * directory, domains and outbound sections once the whole file is read.
 */
#include <sys/stat.h>

#include <errno.h>
#include <string.h>

#include "config_directory.h"
#include "config_policy.h"
#include "config_read.h"
#include "config_tables.h"

static const char *const table_map_names[] = { "access", "virtual", "generic" };

/* tables.maps: names of maps, each once, at least one. */
static int
load_table_maps(config_read_t *rd, const config_setting_t *s,
    config_tables_t *t)
{
	unsigned	 maps = 0, bit;
	int		 len;

	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return config_read_fail(rd, s,
		    "'tables.maps' must be a list of strings "
		    "[ \"...\", ... ]");
	if ((len = config_setting_length(s)) == 0)
		return config_read_fail(rd, s,
		    "'tables.maps' must name at least one of "
		    "access, virtual, generic");
	for (int i = 0; i < len; i++) {
		const config_setting_t	*e = config_setting_get_elem(s, (unsigned)i);
		const char		*v = config_setting_get_string(e);

		bit = 0;
		for (unsigned m = 0; v != NULL && m < 3; m++)
			if (strcmp(v, table_map_names[m]) == 0)
				bit = 1u << m;
		if (bit == 0)
			return config_read_fail(rd, e,
			    "bad map '%s' in 'tables.maps': must "
			    "be access, virtual or generic",
			    v ? v : "?");
		if (maps & bit)
			return config_read_fail(rd, e,
			    "'tables.maps' names '%s' twice", v);
		maps |= bit;
	}
	t->maps = maps;
	return 0;
}

int
config_tables_load(config_read_t *rd, const config_setting_t *g,
    config_tables_t *t)
{
	if (config_read_group(rd, g, "tables") == -1)
		return -1;
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t	*s = config_setting_get_elem(g, (unsigned)i);
		const char		*name = config_setting_name(s);
		int			 r;

		if (strcmp(name, "path") == 0)
			r = config_read_set_text(rd, s, "tables.path", &t->path,
			    true);
		else if (strcmp(name, "maps") == 0)
			r = load_table_maps(rd, s, t);
		else
			r = config_read_unknown(rd, s, "tables");
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
int
config_tables_check(config_read_t *rd, const libconfig_config_t *lc,
    const config_tables_t *t, const config_directory_t *dir,
    const domains_t *domains, const config_outbound_t *outbound)
{
	const config_setting_t	*g = config_lookup(lc, "tables");
	struct stat		 st;

	if (t->path[0] == '\0')
		return 0;
	if (dir->backend == BACKEND_LDAP &&
	    !dir->ldap.replica.enabled)
		return config_read_fail(rd, g,
		    "'tables' are written from a copy of the "
		    "whole directory: set directory.backend = \"ldif\" or "
		    "directory.ldap.replica.enabled = true");
	if (stat(t->path, &st) == -1 || !S_ISDIR(st.st_mode))
		return config_read_fail(rd, g, "'tables.path' %s: %s",
		    t->path,
		    errno == ENOENT ? "no such folder" : "not a folder");
	for (size_t i = 0; i < domains_count(domains); i++) {
		const domain_t	*d = domains_get(domains, i);

		if ((t->maps & CONFIG_TABLES_VIRTUAL) &&
		    d->forward_to != NULL && strncmp(d->name, "*.", 2) == 0)
			return config_read_fail(rd, g,
			    "'tables.maps' has virtual, but domain "
			    "%s (line %d) has a forward_to that Postfix's "
			    "virtual table cannot hold (it looks up @domain "
			    "exactly): name its subdomains, or leave virtual "
			    "out",
			    d->name, d->line);
	}
	for (size_t i = 0; i < outbound->nrules; i++) {
		const rewrite_rule_t	*r = &outbound->rules[i];

		if ((t->maps & CONFIG_TABLES_GENERIC) &&
		    strncmp(r->from, "*.", 2) == 0)
			return config_read_fail(rd, g,
			    "'tables.maps' has generic, but the "
			    "outbound rule from = \"%s\" (line %d) is one "
			    "Postfix's generic table cannot hold (it looks up "
			    "@domain exactly): name its subdomains, or leave "
			    "generic out and give the Internet transport the "
			    "socketmap's generic map",
			    r->from, r->line);
	}
	return 0;
}


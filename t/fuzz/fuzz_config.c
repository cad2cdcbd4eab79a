/*
 * fuzz_config.c - libFuzzer target for the configuration loader
 * (lib/config/config.c over libconfig, with domains.c, netaddr.c and the socket
 * checks): the input is a configuration file, written to a file in memory
 * and loaded with config_load() as `mailswitch -n`, a start or a SIGHUP
 * would load it.  Its "@include" lines are defused first, so that no other
 * file is read (the unit tests, check_config, cover @include); the files
 * it names (the LDIF export, the CA and password files) are only looked
 * at (stat), never read, by config_load().
 *
 * Besides crashes, leaks and sanitizer reports, it checks: a refused file
 * has one line of message, "FILE:LINE: ..." or "FILE: ..."; a loaded one
 * holds only values config.h allows (sockets that pass the socket check,
 * one listener at least, ranges, a URI list, NULL-terminated lists,
 * networks without host bits, rules and domains that match themselves);
 * and loading the same file again gives the same answer.
 */
#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "config.h"
#include "domains.h"
#include "fuzz_common.h"
#include "resolve.h"

/*
 * libconfig 1.5 (Debian 12) leaks the string of a TOK_STRING the parser
 * drops on a syntax error ("x \"y\";": a few bytes per refused load, so
 * per refused SIGHUP); fixed in libconfig 1.7.3 (hyperrealm/libconfig
 * issue 142, pull request 155).  Not ours to fix: LeakSanitizer is told,
 * in this target only, for the strings of libconfig's scanner.
 */
const char	*__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\nleak:libconfig_yylex\n";
}

/* Stops the run: an invariant does not hold. */
static void
fail(const char *what)
{
	fuzz_fail("config", what);
}

/* A NULL-terminated vector of n strings. */
static void
check_strvec(char **v, size_t n)
{
	if (v == NULL)
		fail("a list that is NULL");
	for (size_t i = 0; i < n; i++)
		if (v[i] == NULL)
			fail("a list shorter than its count");
	if (v[n] != NULL)
		fail("a list longer than its count");
}

/* A header field name: printable, no colon, no space, not empty. */
static int
is_field_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 32 || (unsigned char)*s >= 127 ||
		    *s == ':')
			return 0;
	return 1;
}

/* Checks the values of a loaded configuration. */
static void
check_config(const config_t *cfg, const char *path)
{
	const struct config_directory *d = &cfg->directory;
	const struct config_outbound *o = &cfg->outbound;
	char	 why[256];

	if (cfg->file == NULL || strcmp(cfg->file, path) != 0)
		fail("the configuration does not name its file");
	if (config_check_socket(cfg->socket, why, sizeof(why)) == -1 ||
	    config_check_socket(cfg->socketmap, why, sizeof(why)) == -1)
		fail("a socket that the socket check refuses");
	if (cfg->socket[0] == '\0' && cfg->socketmap[0] == '\0')
		fail("nothing to listen on");
	if (cfg->metrics == NULL || cfg->user == NULL || cfg->pidfile == NULL)
		fail("a string key left NULL");
	if (cfg->log_level < LOG_ERR || cfg->log_level > LOG_DEBUG)
		fail("log_level out of range");
	if (cfg->max_hops < 1 || cfg->max_hops > 100)
		fail("max_hops out of range");
	if (cfg->trace_header == NULL || (cfg->trace_header[0] != '\0' &&
	    !is_field_name(cfg->trace_header)))
		fail("trace_header is no field name");

	if (d->ldif_path == NULL || d->proxy_attribute == NULL ||
	    d->target_attribute == NULL || d->proxy_attribute[0] == '\0' ||
	    d->target_attribute[0] == '\0')
		fail("a directory string left NULL or empty");
	if (d->ldap.nuri < 1)
		fail("no ldap uri");
	check_strvec(d->ldap.uri, d->ldap.nuri);
	if (!(d->ldap.timeout > 0 && d->ldap.timeout <= 300))
		fail("ldap.timeout out of range");
	if (d->ldap.connections < 1 || d->ldap.connections > 64)
		fail("ldap.connections out of range");
	if (d->ldap.tls_ca_file == NULL || d->ldap.bind_dn == NULL ||
	    d->ldap.bind_password_file == NULL || d->ldap.base == NULL)
		fail("an ldap string left NULL");
	if (d->ldap.replica.poll < 1 || d->ldap.replica.refresh < 1 ||
	    d->ldap.replica.max_age < 1 || d->ldap.replica.page_size < 1 ||
	    d->ldap.replica.page_size > 100000 ||
	    d->ldap.replica.change_attribute == NULL)
		fail("a replica key out of range");
	if (d->cache.entries < 0 || d->cache.ttl < 0 ||
	    d->cache.negative_ttl < 0 || d->cache.stale_ttl < 0)
		fail("a cache key below 0");

	if (cfg->domains == NULL)
		fail("no domain table");
	for (size_t i = 0; i < domains_count(cfg->domains); i++) {
		const domain_t	*dm = domains_get(cfg->domains, i);
		const char	*name = dm->name;

		if (domains_check_name(name, true, why, sizeof(why)) == -1)
			fail("a domain name the check refuses");
		if (name[0] == '*')	/* "*.x" matches a.x, not x */
			continue;
		if (domains_match(cfg->domains, name) != dm)
			fail("a domain is not its own best match");
	}

	if (o->nclients > 0 && o->clients == NULL)
		fail("clients counted but not there");
	for (size_t i = 0; i < o->nclients; i++)
		if (o->clients[i].prefix > (o->clients[i].family == AF_INET ?
		    32u : 128u))
			fail("a client network with a prefix out of range");
	check_strvec(o->daemons, o->ndaemons);
	check_strvec(o->headers, o->nheaders);
	for (size_t i = 0; i < o->nheaders; i++)
		if (!is_field_name(o->headers[i]))
			fail("an outbound header that is no field name");
	if (o->nrules > 0 && o->rules == NULL)
		fail("rules counted but not there");
	for (size_t i = 0; i < o->nrules; i++) {
		const char *from = o->rules[i].from;

		if (from == NULL || o->rules[i].to == NULL)
			fail("a rule without from or to");
		if (resolve_outbound_rule(&cfg->outbound, from[0] == '*' ? from + 2 :
		    from) == NULL && from[0] != '*')
			fail("a rule does not match its own domain");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*text, err[CONFIG_ERR_MAX], again[CONFIG_ERR_MAX];
	const char	*path;
	config_t	*cfg, *cfg2;
	size_t		 plen;

	if (size > 65536)
		return 0;
	/* no other file: @include lines are defused */
	if ((text = fuzz_defuse(data, size, "@include")) == NULL)
		return 0;
	path = fuzz_memfile(text, size);
	plen = strlen(path);

	err[0] = again[0] = '\0';
	cfg = config_load(path, err, sizeof(err));
	if (cfg == NULL) {
		if (strncmp(err, path, plen) != 0 || err[plen] != ':' ||
		    strchr(err, '\n') != NULL) {
			fprintf(stderr, "refused with: %s\n", err);
			fail("a refusal without FILE:LINE, or of two lines");
		}
	} else
		check_config(cfg, path);
	cfg2 = config_load(path, again, sizeof(again));
	if ((cfg == NULL) != (cfg2 == NULL) || strcmp(err, again) != 0)
		fail("the same file loads differently twice");
	config_free(cfg);
	config_free(cfg2);
	free(text);
	return 0;
}

/*
 * config.c - reads the configuration file with libconfig and turns it into
 * a validated config_t that owns all its strings: the top-level keys, the
 * defaults, load and free; each section's keys are read by its own file
 * (config_directory.c, config_policy.c, config_tables.c), all through the
 * reader of config_read.c.
 *
 * Every group is walked member by member, in file order, so that the first
 * error in the file is the one reported, and a key nobody knows is an
 * error rather than silently ignored.  Messages are "FILE:LINE: message",
 * FILE being the file the setting came from (which may be an @include).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "config_read.h"
#include "log.h"
#include "printable.h"

#define HOPS_MAX	100

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
check_socket(config_read_t *rd, const config_setting_t *s, const char *v)
{
	char	 why[CONFIG_ERR_MAX];

	if (config_check_socket(v, why, sizeof(why)) == -1)
		return config_read_fail(rd, s, "%s", why);
	return 0;
}

/* The metrics endpoint: TCP only, and where it listens said. */
static int
check_metrics(config_read_t *rd, const config_setting_t *s, const char *v)
{
	char	 why[CONFIG_ERR_MAX];

	if (*v == '\0')
		return 0;
	if (strncmp(v, "inet:", 5) != 0 && strncmp(v, "inet6:", 6) != 0)
		return config_read_fail(rd, s,
		    "bad metrics '%s': must be inet:PORT@HOST "
		    "or inet6:PORT@HOST",
		    v);
	if (config_check_socket(v, why, sizeof(why)) == -1)
		return config_read_fail(rd, s, "%s", why);
	if (strchr(v, '@') == NULL)
		return config_read_fail(rd, s,
		    "bad metrics '%s': no host: say where it "
		    "listens (inet:PORT@HOST)",
		    v);
	return 0;
}

/*
 * A socket key: checked, and a relative unix:PATH made absolute against
 * the configuration's folder, as every other path of the file.
 */
static int
set_socket(config_read_t *rd, const config_setting_t *s, const char *what,
    char **dst)
{
	const char	*v, *path = NULL;
	char		*abs, *copy;
	size_t		 plen;

	if (config_read_text(rd, s, what, &v) == -1 ||
	    check_socket(rd, s, v) == -1)
		return -1;
	if (strncmp(v, "unix:", 5) == 0 || strncmp(v, "local:", 6) == 0)
		path = strchr(v, ':') + 1;
	if (path == NULL || path[0] == '/')
		return config_read_set_text(rd, s, what, dst, false);
	if ((abs = config_read_path(rd, path)) == NULL)
		return config_read_nomem(rd);
	plen = (size_t)(path - v);
	if ((copy = malloc(plen + strlen(abs) + 1)) == NULL) {
		free(abs);
		return config_read_nomem(rd);
	}
	memcpy(copy, v, plen);
	memcpy(copy + plen, abs, strlen(abs) + 1);
	free(abs);
	free(*dst);
	*dst = copy;
	return 0;
}

/* Reads one top-level setting. */
static int
load_top(config_read_t *rd, config_t *cfg, const config_setting_t *s)
{
	const char	*name = config_setting_name(s);
	const char	*v;
	long long	 n;
	int		 x;

	if (strcmp(name, "socket") == 0)
		return set_socket(rd, s, "socket", &cfg->socket);
	if (strcmp(name, "socketmap") == 0)
		return set_socket(rd, s, "socketmap", &cfg->socketmap);
	if (strcmp(name, "metrics") == 0) {
		if (config_read_text(rd, s, "metrics", &v) == -1 ||
		    check_metrics(rd, s, v) == -1)
			return -1;
		return config_read_set_text(rd, s, "metrics", &cfg->metrics,
		    false);
	}
	if (strcmp(name, "user") == 0)
		return config_read_set_text(rd, s, "user", &cfg->user, false);
	if (strcmp(name, "pidfile") == 0)
		return config_read_set_text(rd, s, "pidfile", &cfg->pidfile,
		    true);
	if (strcmp(name, "log_level") == 0) {
		if (config_read_text(rd, s, "log_level", &v) == -1)
			return -1;
		if ((x = log_level_from_name(v)) == -1)
			return config_read_fail(rd, s,
			    "bad log_level '%s': must be error, "
			    "warning, notice, info or debug",
			    v);
		cfg->log_level = x;
		return 0;
	}
	if (strcmp(name, "syslog_facility") == 0) {
		if (config_read_text(rd, s, "syslog_facility", &v) == -1)
			return -1;
		if ((x = log_facility_from_name(v)) == -1)
			return config_read_fail(rd, s,
			    "bad syslog_facility '%s': must be "
			    "mail, daemon, user or local0 .. local7",
			    v);
		cfg->syslog_facility = x;
		return 0;
	}
	if (strcmp(name, "on_directory_error") == 0) {
		if (config_read_text(rd, s, "on_directory_error", &v) == -1)
			return -1;
		if (strcmp(v, "tempfail") == 0)
			cfg->on_directory_error = DIRERR_TEMPFAIL;
		else if (strcmp(v, "accept") == 0)
			cfg->on_directory_error = DIRERR_ACCEPT;
		else
			return config_read_fail(rd, s,
			    "bad on_directory_error '%s': must be "
			    "tempfail or accept",
			    v);
		return 0;
	}
	if (strcmp(name, "mta") == 0) {
		if (config_read_text(rd, s, "mta", &v) == -1)
			return -1;
		if (strcmp(v, "auto") == 0)
			cfg->mta = MTA_AUTO;
		else if (strcmp(v, "postfix") == 0)
			cfg->mta = MTA_POSTFIX;
		else if (strcmp(v, "sendmail") == 0)
			cfg->mta = MTA_SENDMAIL;
		else
			return config_read_fail(rd, s,
			    "bad mta '%s': must be auto, postfix "
			    "or sendmail",
			    v);
		return 0;
	}
	if (strcmp(name, "max_hops") == 0) {
		if (config_read_int(rd, s, "max_hops", 1, HOPS_MAX, &n) == -1)
			return -1;
		cfg->max_hops = (int)n;
		return 0;
	}
	if (strcmp(name, "trace_header") == 0) {
		if (config_read_text(rd, s, "trace_header", &v) == -1)
			return -1;
		if (*v != '\0' && !config_read_is_field_name(v))
			return config_read_fail(rd, s,
			    "bad header field name '%s' in "
			    "'trace_header' (printable ASCII without ':', or "
			    "\"\" for none)",
			    v);
		return config_read_set_text(rd, s, "trace_header",
		    &cfg->trace_header, false);
	}
	if (strcmp(name, "directory") == 0)
		return config_directory_load(rd, s, &cfg->directory);
	if (strcmp(name, "domains") == 0)
		return config_policy_load_domains(rd, s, cfg->domains);
	if (strcmp(name, "outbound") == 0)
		return config_policy_load_outbound(rd, s, &cfg->outbound);
	if (strcmp(name, "tables") == 0)
		return config_tables_load(rd, s, &cfg->tables);
	return config_read_unknown(rd, s, NULL);
}

/* Fills cfg with the defaults of the contract. */
static int
set_defaults(config_read_t *rd, config_t *cfg)
{
	cfg->log_level = LOG_INFO;
	cfg->syslog_facility = LOG_MAIL;
	cfg->on_directory_error = DIRERR_TEMPFAIL;
	cfg->max_hops = 8;
	cfg->mta = MTA_AUTO;
	cfg->tables.maps = CONFIG_TABLES_ALL;
	if ((cfg->file = strdup(rd->path)) == NULL ||
	    (cfg->socket = strdup("unix:/run/mailswitch/mailswitch.sock")) == NULL ||
	    (cfg->socketmap = strdup("")) == NULL ||
	    (cfg->metrics = strdup("")) == NULL ||
	    (cfg->user = strdup("mailswitch")) == NULL ||
	    (cfg->pidfile = strdup("")) == NULL ||
	    (cfg->trace_header = strdup("X-Mailswitch")) == NULL ||
	    (cfg->tables.path = strdup("")) == NULL ||
	    (cfg->domains = domains_create()) == NULL)
		return config_read_nomem(rd);
	if (config_directory_defaults(rd, &cfg->directory) == -1 ||
	    config_policy_outbound_defaults(rd, &cfg->outbound) == -1)
		return -1;
	return 0;
}

config_t *
config_load(const char *path, char *err, size_t errlen)
{
	config_read_t		 rd;
	libconfig_config_t	 lc;
	config_setting_t	*root;
	config_t		*cfg;
	int			 r = -1;

	if (config_read_open(&rd, path, err, errlen) == -1)
		return NULL;
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL) {
		config_read_nomem(&rd);
		config_read_close(&rd);
		return NULL;
	}
	if (set_defaults(&rd, cfg) == -1 ||
	    config_read_includes(&rd, path, 0) == -1) {
		config_free(cfg);
		config_read_close(&rd);
		if (errlen > 0)
			printable_mask(err);
		return NULL;
	}

	config_init(&lc);
	config_set_include_dir(&lc, rd.dir);	/* @include "x" is relative to the file */
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
		if (load_top(&rd, cfg,
		    config_setting_get_elem(root, (unsigned)i)) == -1)
			goto done;
	if (config_tables_check(&rd, &lc, &cfg->tables,
	    &cfg->directory, cfg->domains, &cfg->outbound) == -1 ||
	    config_directory_check(&rd, &lc, &cfg->directory) == -1 ||
	    config_check_listeners(cfg, err, errlen) == -1)
		goto done;
	r = 0;
done:
	config_destroy(&lc);
	config_read_close(&rd);
	if (r == -1) {
		config_free(cfg);
		if (errlen > 0)		/* a value shown in it stays one line */
			printable_mask(err);
		return NULL;
	}
	return cfg;
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

void
config_free(config_t *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->file);
	free(cfg->socket);
	free(cfg->socketmap);
	free(cfg->metrics);
	free(cfg->user);
	free(cfg->pidfile);
	free(cfg->trace_header);
	free(cfg->tables.path);
	config_directory_free(&cfg->directory);
	domains_destroy(cfg->domains);
	config_policy_outbound_free(&cfg->outbound);
	free(cfg);
}

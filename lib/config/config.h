/*
 * config.h - the configuration file (libconfig syntax), parsed once into a
 * validated, immutable struct that owns all its strings: the top-level
 * keys here, each section's struct in its own header (config_directory.h,
 * config_policy.h, config_tables.h), the reader under them all in
 * config_read.h.
 *
 * Unknown keys, wrong types and bad values are errors that name FILE:LINE.
 * Files it names that mailswitch reads (the @include files, the LDIF
 * export, the CA and password files) must be regular files (regfile.h).
 */
#ifndef MAILSWITCH_CONFIG_H
#define MAILSWITCH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "config_directory.h"
#include "config_err.h"
#include "config_policy.h"
#include "config_tables.h"
#include "domains.h"

typedef enum dir_error_policy {
	DIRERR_TEMPFAIL,		/* 451 4.3.0, the mail stays queued */
	DIRERR_ACCEPT			/* pass unchanged, log it */
} dir_error_policy_t;

typedef enum mta_kind {
	MTA_AUTO,			/* Postfix when "v" says so, else Sendmail */
	MTA_POSTFIX,
	MTA_SENDMAIL
} mta_kind_t;

typedef struct config {
	char		*file;		/* the file it was read from */
	char		*socket;	/* the milter's; "" = no milter */
	char		*socketmap;	/* the socketmap server's; "" = none */
	char		*metrics;	/* GET /metrics: "inet:PORT@HOST" or
					   "inet6:PORT@HOST"; "" = off */
	char		*user;
	char		*pidfile;	/* "" = none */
	int		 log_level;	/* syslog LOG_ERR .. LOG_DEBUG */
	int		 syslog_facility; /* syslog LOG_MAIL, LOG_LOCAL0 ... */
	dir_error_policy_t on_directory_error;
	int		 max_hops;	/* >= 1 */
	char		*trace_header;	/* "" = add none */
	mta_kind_t	 mta;		/* which MTA's milter dialect */

	config_directory_t directory;	/* config_directory.h */
	domains_t	*domains;	/* config_policy.h */
	config_outbound_t outbound;
	config_tables_t	 tables;	/* config_tables.h */
} config_t;

/*
 * Reads and validates the configuration file at path.  Returns a new
 * config_t (free with config_free()), or NULL with "FILE:LINE: message"
 * (or "FILE: message" where there is no line) in err, one line: control
 * characters of a value it shows are '?'.  Relative paths in
 * the file are resolved against the file's folder.  Thread-safe.
 */
config_t *config_load(const char *path, char *err, size_t errlen);

/*
 * Checks a milter socket specification as the "socket" key and the -p flag
 * take it: unix:PATH, local:PATH, inet:PORT[@HOST], inet6:PORT[@HOST] with
 * PORT 1..65535, or "" (that front end off).  Returns 0, or -1 with the
 * reason in why.  Thread-safe.
 */
int	config_check_socket(const char *spec, char *why, size_t whylen);

/*
 * Checks that at least one front end works: socket, socketmap or
 * tables.path not "".  Returns 0, or -1 with "FILE: message" in err.
 */
int	config_check_listeners(const config_t *cfg, char *err, size_t errlen);

/* Frees a configuration; NULL is a no-op. */
void	config_free(config_t *cfg);

#endif /* MAILSWITCH_CONFIG_H */

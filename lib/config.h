/*
 * config.h - the configuration file (libconfig syntax), parsed once into a
 * validated, immutable struct that owns all its strings.
 *
 * Unknown keys, wrong types and bad values are errors that name FILE:LINE.
 * Files it names that mailswitch reads (the @include files, the LDIF
 * export, the CA and password files) must be regular files (regfile.h).
 */
#ifndef MAILSWITCH_CONFIG_H
#define MAILSWITCH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "domains.h"
#include "netaddr.h"

#define CONFIG_ERR_MAX	1024	/* size for error buffers */

typedef enum dir_error_policy {
	DIRERR_TEMPFAIL,		/* 451 4.3.0, the mail stays queued */
	DIRERR_ACCEPT			/* pass unchanged, log it */
} dir_error_policy_t;

typedef enum mta_kind {
	MTA_AUTO,			/* Postfix when "v" says so, else Sendmail */
	MTA_POSTFIX,
	MTA_SENDMAIL
} mta_kind_t;

typedef enum dir_backend {
	BACKEND_LDAP,
	BACKEND_LDIF
} dir_backend_t;

typedef enum ldap_scope_kind {
	SCOPE_BASE,
	SCOPE_ONE,
	SCOPE_SUB
} ldap_scope_kind_t;

typedef enum ldap_bind_method {
	BIND_SIMPLE,			/* bind_dn + password, or anonymous */
	BIND_GSSAPI			/* SASL GSSAPI from a keytab (SPEC 10) */
} ldap_bind_method_t;

/* The maps of the tables mode (config_t.tables.maps, tables.h). */
#define CONFIG_TABLES_ACCESS	0x1u
#define CONFIG_TABLES_VIRTUAL	0x2u
#define CONFIG_TABLES_GENERIC	0x4u
#define CONFIG_TABLES_ALL	0x7u

typedef struct rewrite_rule {
	char	*from;			/* folded; "*.x" for every subdomain of x */
	char	*to;			/* the new domain */
	int	 line;
} rewrite_rule_t;

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

	struct config_directory {
		dir_backend_t	 backend;
		char		*ldif_path;	/* absolute or relative to cwd, resolved */
		struct config_ldap {
			char	**uri;		/* NULL-terminated, >= 1 */
			size_t	  nuri;
			bool	  starttls;
			char	 *tls_ca_file;	/* resolved; "" = none */
			ldap_bind_method_t bind;
			char	 *bind_dn;	/* "" = anonymous */
			char	 *bind_password_file; /* resolved; "" = none */
			char	 *keytab;	/* gssapi: resolved; "" = none */
			char	 *principal;	/* gssapi: "" = the keytab's
						   first */
			char	 *keytab_at;	/* "FILE:LINE" of the keytab
						   and principal keys, for the
						   messages of ldap_bind.c; the
						   file alone when not set */
			char	 *principal_at;
			char	 *base;
			ldap_scope_kind_t scope;
			double	  timeout;	/* seconds, > 0 */
			int	  connections;	/* >= 1 */
			int	  range_size;	/* values asked for at a time
						   (AD's ranged values, SPEC
						   9); 0: ask plainly */
			struct config_replica {	/* SPEC 9, dir_replica.h */
				bool	 enabled;
				int	 poll;		/* seconds, >= 1 */
				int	 refresh;	/* seconds, >= 1 */
				char	*change_attribute;
				int	 page_size;	/* 1 .. 100000 */
				int	 max_age;	/* seconds, >= 1 */
				bool	 syncrepl;	/* "auto": true; "off" */
			} replica;
		} ldap;
		char		*proxy_attribute;
		char		*target_attribute;
		struct config_cache {
			long	entries;	/* 0 = no cache */
			int	ttl;		/* seconds */
			int	negative_ttl;	/* seconds */
			int	stale_ttl;	/* seconds past expiry an answer
						   may serve when the directory
						   fails; 0 = off */
		} cache;
	} directory;

	domains_t	*domains;

	struct config_outbound {
		netaddr_t	*clients;
		size_t		 nclients;
		char		**daemons;	/* NULL-terminated */
		size_t		 ndaemons;
		bool		 authenticated;
		bool		 lookup;
		rewrite_rule_t	*rules;
		size_t		 nrules;
		char		**headers;	/* NULL-terminated */
		size_t		 nheaders;
	} outbound;

	struct config_tables {		/* Postfix's own lmdb: tables, kept
					   current (README "Tables mode") */
		char		*path;	/* their folder, resolved; "" = off */
		unsigned	 maps;	/* CONFIG_TABLES_* */
	} tables;
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

/*
 * Returns true when the MTA of a milter connection speaks Postfix's dialect
 * (added recipients without ESMTP parameters): always with mta = postfix,
 * never with sendmail, and with auto only when its "v" macro (may be NULL)
 * starts with "Postfix" -- Sendmail's stock macro lists send no "v", and
 * taking Sendmail for Postfix would drop a DSN request silently.
 */
bool	config_mta_is_postfix(const config_t *cfg, const char *v);

/* Frees a configuration; NULL is a no-op. */
void	config_free(config_t *cfg);

/*
 * Returns the first outbound rule whose domain matches domain (any case;
 * exact names and "*." wildcards, in file order), or NULL.
 */
const rewrite_rule_t *config_outbound_rule(const config_t *cfg, const char *domain);

#endif /* MAILSWITCH_CONFIG_H */

/*
 * config_directory.h - the directory section of the configuration
 * (directory { backend; ldif { }; ldap { replica { } }; cache { }; ... }):
 * its structs, read and checked by config_directory.c, and what the
 * directory back-ends are opened with.
 */
#ifndef MAILSWITCH_CONFIG_DIRECTORY_H
#define MAILSWITCH_CONFIG_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>

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

typedef struct config_replica {		/* SPEC 9, dir_replica.h */
	bool	 enabled;
	int	 poll;			/* seconds, >= 1 */
	int	 refresh;		/* seconds, >= 1 */
	char	*change_attribute;
	int	 page_size;		/* 1 .. 100000 */
	int	 max_age;		/* seconds, >= 1 */
	bool	 syncrepl;		/* "auto": true; "off" */
} config_replica_t;

typedef struct config_ldap {
	char	**uri;			/* NULL-terminated, >= 1 */
	size_t	  nuri;
	bool	  starttls;
	char	 *tls_ca_file;		/* resolved; "" = none */
	ldap_bind_method_t bind;
	char	 *bind_dn;		/* "" = anonymous */
	char	 *bind_password_file;	/* resolved; "" = none */
	char	 *keytab;		/* gssapi: resolved; "" = none */
	char	 *principal;		/* gssapi: "" = the keytab's first */
	char	 *keytab_at;		/* "FILE:LINE" of the keytab and
					   principal keys, for the messages
					   of ldap_bind.c; the file alone
					   when not set */
	char	 *principal_at;
	char	 *base;
	ldap_scope_kind_t scope;
	double	  timeout;		/* seconds, > 0 */
	int	  connections;		/* >= 1 */
	int	  range_size;		/* values asked for at a time (AD's
					   ranged values, SPEC 9); 0: ask
					   plainly */
	config_replica_t replica;
} config_ldap_t;

typedef struct config_cache {
	long	entries;		/* 0 = no cache */
	int	ttl;			/* seconds */
	int	negative_ttl;		/* seconds */
	int	stale_ttl;		/* seconds past expiry an answer may
					   serve when the directory fails;
					   0 = off */
} config_cache_t;

typedef struct config_directory {
	dir_backend_t	 backend;
	char		*ldif_path;	/* absolute or relative to cwd,
					   resolved */
	config_ldap_t	 ldap;
	char		*proxy_attribute;
	char		*target_attribute;
	config_cache_t	 cache;
} config_directory_t;

/* Only config*.c call these (config_read.h, libconfig's settings). */
struct config_read;
struct config_setting_t;
struct libconfig_config_t;		/* libconfig's config_t (config_read.h) */

/*
 * Fills d with the defaults of the contract (ldif_path resolved against
 * the configuration's folder).  Returns 0, or -1 with "out of memory"
 * written; what was set is freed by config_directory_free().
 */
int	config_directory_defaults(struct config_read *rd,
	    config_directory_t *d);

/*
 * Reads the directory group g into d, key by key in file order.  Returns
 * 0, or -1 with "FILE:LINE: message" written (the first error).
 */
int	config_directory_load(struct config_read *rd,
	    const struct config_setting_t *g, config_directory_t *d);

/*
 * The checks of d that need the whole file read (lc, the libconfig file,
 * finds the line to name): a replica's max_age above poll plus timeout.
 * Returns 0, or -1 with the error written.
 */
int	config_directory_check(struct config_read *rd,
	    const struct libconfig_config_t *lc, const config_directory_t *d);

/* Frees the strings of d (not d itself). */
void	config_directory_free(config_directory_t *d);

#endif /* MAILSWITCH_CONFIG_DIRECTORY_H */

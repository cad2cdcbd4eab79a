/*
 * ldap_bind.h - how mailswitch proves who it is to the directory: the
 * bind that makes a new LDAP connection usable, and the secret it needs,
 * read once at load.
 *
 * Two kinds (directory.ldap.bind): "simple", a simple bind (RFC 4513) as
 * bind_dn with the password of bind_password_file, or an anonymous one
 * when both are ""; "gssapi", a SASL GSSAPI bind with the keys of a
 * keytab (ldap_gss.h).  The kind is the handle's business: the
 * connections (ldap_conn.h) only call ldap_bind_run(), name a failure
 * with ldap_bind_name() and add ldap_bind_hint().
 *
 * A simple bind with a password sends it in clear unless the connection
 * speaks TLS (ldaps://, or StartTLS): ldap_bind_clear() says so at load,
 * and Active Directory refuses such a bind ("Strong(er) authentication
 * required"), which ldap_bind_hint() turns into the cure.
 */
#ifndef MAILSWITCH_LDAP_BIND_H
#define MAILSWITCH_LDAP_BIND_H

#include <stddef.h>

#include <ldap.h>

#include "config_directory.h"

typedef struct ldap_bind ldap_bind_t;

/*
 * Reads what the bind of the ldap section lc needs.  simple: bind_dn and
 * bind_password_file are both set or both "", and the password file is a
 * regular file that group and others may not read, of at most 1024 bytes
 * (one trailing newline is not part of the password), neither empty nor
 * holding a NUL.  gssapi: the keytab and principal (ldap_gss_open()).
 * Returns the handle (free with ldap_bind_close()), or NULL with "FILE:
 * directory.ldap....: what is wrong" in err; err never holds the
 * password.  Keeps no pointer to lc.  file is the configuration file's
 * name (the FILE of the messages), user the user mailswitch runs as
 * (config_t's; ldap_gss_open()).
 */
ldap_bind_t *ldap_bind_open(const config_ldap_t *lc, const char *file,
	    const char *user, char *err, size_t errlen);

/*
 * Binds ld, within the timeouts already set on it; for a connection
 * without StartTLS the bind is what connects it.  tls says whether ld
 * speaks TLS (ldaps://, or StartTLS done).  Returns libldap's result
 * code: LDAP_SUCCESS, or the failure (its diagnostic message is on ld).
 * Thread-safe.
 */
int	ldap_bind_run(ldap_bind_t *b, LDAP *ld, int tls);

/*
 * Returns how a message names this bind when it fails: "bind as DN",
 * "anonymous bind" or "GSSAPI bind as PRINCIPAL".  The string belongs to
 * b.
 */
const char *ldap_bind_name(const ldap_bind_t *b);

/*
 * Returns what to add to the message of a bind that failed with rc on a
 * connection with or without tls, when the server found it too weak
 * ("Strong(er) authentication required", or confidentiality required):
 * for a simple bind with a password in clear, that ldaps:// or starttls
 * is the cure; for a GSSAPI bind inside TLS, why (no SASL layer there,
 * as Active Directory requires; a Samba DC before 4.20 refuses it).  ""
 * otherwise.  Static strings.
 */
const char *ldap_bind_hint(const ldap_bind_t *b, int rc, int tls);

/*
 * Writes into buf, when the ldap section lc (of the ldap back-end: the
 * caller asks only then) makes a simple bind with a password to a server
 * without TLS (an ldap:// URI, starttls false), with file the
 * configuration file's name,
 * the warning "FILE: directory.ldap: a simple bind sends the password in
 * clear to URI[, ...]: use ldaps:// or starttls = true".  Returns 1 when
 * it wrote one, 0 when the password never goes in clear (or there is
 * none).  Pure.
 */
int	ldap_bind_clear(const config_ldap_t *lc, const char *file, char *buf,
	    size_t buflen);

/* Wipes the secret from memory and frees b; NULL is a no-op. */
void	ldap_bind_close(ldap_bind_t *b);

#endif /* MAILSWITCH_LDAP_BIND_H */

/*
 * ldap_bind.h - how mailswitch proves who it is to the directory: the
 * bind that makes a new LDAP connection usable, and the secret it needs,
 * read once at load.
 *
 * One kind of bind today: a simple bind (RFC 4513) as directory.ldap.
 * bind_dn with the password of bind_password_file, or an anonymous one
 * when both are "".  The kind is the handle's business: another one (a
 * SASL GSSAPI bind from a keytab, SPEC section 10) is one more case here,
 * and the connections (ldap_conn.h), which only call ldap_bind_run() and
 * name a failure with ldap_bind_name(), do not change.
 */
#ifndef MAILSWITCH_LDAP_BIND_H
#define MAILSWITCH_LDAP_BIND_H

#include <stddef.h>

#include <ldap.h>

#include "config.h"

typedef struct ldap_bind ldap_bind_t;

/*
 * Reads what the bind of cfg->directory.ldap needs: bind_dn and
 * bind_password_file are both set or both "", and the password file is a
 * regular file that group and others may not read, of at most 1024 bytes
 * (one trailing newline is not part of the password), neither empty nor
 * holding a NUL.  Returns the handle (free with ldap_bind_close()), or
 * NULL with "FILE: directory.ldap....: what is wrong" in err; err never
 * holds the password.  Keeps no pointer to cfg.
 */
ldap_bind_t *ldap_bind_open(const config_t *cfg, char *err, size_t errlen);

/*
 * Binds ld, within the timeouts already set on it; for a connection
 * without StartTLS the bind is what connects it.  Returns libldap's
 * result code: LDAP_SUCCESS, or the failure (its diagnostic message is on
 * ld).  Thread-safe: b is only read.
 */
int	ldap_bind_run(const ldap_bind_t *b, LDAP *ld);

/*
 * Returns how a message names this bind when it fails: "bind as DN" or
 * "anonymous bind".  The string belongs to b.
 */
const char *ldap_bind_name(const ldap_bind_t *b);

/* Wipes the secret from memory and frees b; NULL is a no-op. */
void	ldap_bind_close(ldap_bind_t *b);

#endif /* MAILSWITCH_LDAP_BIND_H */

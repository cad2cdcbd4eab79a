/*
 * ldap_gss.h - the bind of directory.ldap.bind = "gssapi" (SPEC section
 * 10): a SASL GSSAPI bind (RFC 4752, Kerberos V5) with the keys of a
 * client keytab, no password on disk.
 *
 * The keytab is read at load, under the rules of a secret file (a
 * regular file, no access for group or others, owned by root or by the
 * user mailswitch runs as), and the principal's keys are kept in memory
 * (ldap_gss_cred.h), as the bind password is: the renewals need no file
 * access after the switch to `user`.  The tickets are got and renewed
 * in the background, in credential caches in memory of mailswitch's own
 * (never the invoking user's: KRB5CCNAME is neither read nor set), and
 * handed to libldap's SASL bind through LDAP_OPT_X_SASL_GSS_CREDS; a
 * bind waits for the first ones at most until its deadline.  No variable
 * of the environment is set: KRB5CCNAME and KRB5_CLIENT_KTNAME would be
 * the whole process's, and a reload with another keytab would change
 * them under the threads that bind.
 *
 * Over ldap:// the GSSAPI layer signs and seals (SASL minssf 56); over TLS
 * it adds none (maxssf 0: Active Directory refuses a SASL layer inside
 * TLS).  The service principal is ldap/ + the host of the URI as written
 * (SASL_NOCANON: no reverse lookup of the server's address).
 */
#ifndef MAILSWITCH_LDAP_GSS_H
#define MAILSWITCH_LDAP_GSS_H

#include <stddef.h>

#include <ldap.h>

#include "config_directory.h"

typedef struct ldap_gss ldap_gss_t;

/*
 * Reads the keytab of the ldap section lc (keytab, principal) and makes
 * the handle; contacts no KDC.  A keytab that is missing, unreadable,
 * not a regular file, readable by group or others, owned by another
 * user, not a keytab, or without the principal ("" = its first one), and
 * a libsasl2 without its GSSAPI module, are configuration errors: NULL
 * with "FILE:LINE: directory.ldap.keytab PATH: ..." in err.  Returns the
 * handle (free with ldap_gss_close()).  Keeps no pointer to lc.  file is
 * the configuration file's name (for "out of memory"), user the user
 * mailswitch runs as (config_t's), who must be able to read the keytab.
 */
ldap_gss_t *ldap_gss_open(const config_ldap_t *lc, const char *file,
	    const char *user, char *err, size_t errlen);

/*
 * Binds ld with SASL GSSAPI as the handle's principal; tls says whether
 * ld speaks TLS already (ldaps:// or after StartTLS).  Without tickets
 * yet it waits for them until what ld's timeout (LDAP_OPT_TIMEOUT) leaves
 * at most (none: LDAP_LOCAL_ERROR with the reason as ld's diagnostic
 * message).  Returns libldap's result code, as
 * ldap_sasl_interactive_bind_s() does.  Thread-safe: binds run at once
 * on several handles, and the tickets are got once for them all.
 */
int	ldap_gss_bind(ldap_gss_t *g, LDAP *ld, int tls);

/* The principal the handle binds as ("name@REALM"); belongs to g. */
const char *ldap_gss_principal(const ldap_gss_t *g);

/*
 * Frees the credential, destroys the handle's credential cache and
 * in-memory keytab, and frees g; NULL is a no-op.  No bind may be
 * running.
 */
void	ldap_gss_close(ldap_gss_t *g);

#endif /* MAILSWITCH_LDAP_GSS_H */

/*
 * ldap_gss_cred.h - the Kerberos credential of a GSSAPI bind
 * (ldap_gss.h): the keys of one principal, copied from a keytab file into
 * a MEMORY: keytab at open, and the tickets got with them, in MEMORY:
 * credential caches of this handle's own (never the invoking user's).
 *
 * The tickets are got in the background, by a thread of the handle's
 * own (started by the first bind, after any fork; asleep in between),
 * never on a bind's own time: when a bind finds no credential, and again
 * half way through the credential's life, whether binds need it then or
 * not.  An acquisition asks the KDC for a ticket-granting ticket (MIT's
 * gss_acquire_cred_from() with the keytab and a new cache) and then for
 * the service ticket of each server (ldap/HOST), so that a bind needs no
 * KDC at all; then the new credential replaces the old one, whose cache
 * goes once no bind uses it.  MIT's libraries bound a KDC exchange only
 * by their own timeouts (a KDC that hangs: 13 to 27 s, measured); a bind
 * waits for a credential only until its deadline, and only when it has
 * none, or one that ends in less than 5 s (then it asks for an attempt at
 * once); it binds with the one it has while a renewal is under way.  A
 * failed renewal is tried again after 30 s.  Closing the handle waits for
 * the attempt under way, if any.
 *
 * Thread-safe, but for open and close.
 */
#ifndef MAILSWITCH_LDAP_GSS_CRED_H
#define MAILSWITCH_LDAP_GSS_CRED_H

#include <stddef.h>
#include <stdint.h>

#include <gssapi/gssapi.h>

typedef struct ldap_gss_cred ldap_gss_cred_t;

/*
 * Copies the keys of principal (its name, or "" for the first of the
 * file) from the keytab file at path into memory, and keeps the hosts
 * (nhosts of them; the servers' host names, for the service tickets
 * "ldap/HOST" to get ahead).  Contacts no KDC.  Returns the handle (free
 * with ldap_gss_cred_close()), or NULL with the reason in why and
 * *wrong_name set when the principal is what is wrong (no such name, not
 * in the keytab).
 */
ldap_gss_cred_t *ldap_gss_cred_open(const char *path, const char *principal,
	    const char *const *hosts, size_t nhosts, int *wrong_name,
	    char *why, size_t whylen);

/*
 * Returns the credential to bind with, and holds it until
 * ldap_gss_cred_put() (binds may hold it at once; a renewal waits for
 * them to put theirs before it frees it).  Starts the handle's thread
 * the first time.  Without a credential, or with one that ends in less
 * than 5 s, asks for an attempt and waits for it until deadline (a
 * clock_ms() value) at most: GSS_C_NO_CREDENTIAL then, with the reason in
 * why, and nothing to put.  Thread-safe.
 */
gss_cred_id_t ldap_gss_cred_get(ldap_gss_cred_t *c, int64_t deadline,
	    char *why, size_t whylen);

/* Lets go of the credential of ldap_gss_cred_get().  Thread-safe. */
void	ldap_gss_cred_put(ldap_gss_cred_t *c);

/* The principal ("name@REALM"); belongs to c. */
const char *ldap_gss_cred_principal(const ldap_gss_cred_t *c);

/*
 * Stops the handle's thread, after the attempt under way if there is one
 * (MIT's libraries give up on a KDC that hangs within 13 to 27 s), and
 * frees c; NULL is a no-op.  No bind may hold it.
 */
void	ldap_gss_cred_close(ldap_gss_cred_t *c);

#endif /* MAILSWITCH_LDAP_GSS_CRED_H */

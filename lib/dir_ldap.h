/*
 * dir_ldap.h - the production back-end: an LDAP directory (Active
 * Directory, OpenLDAP) reached with OpenLDAP's libldap.
 *
 * A pool of directory.ldap.connections handles is shared by all threads;
 * no handle is used by two threads at once.  Servers are the
 * directory.ldap.uri list, tried in order, with failover and reconnection
 * done here.  Every network step (connect, StartTLS, bind, search) is
 * bounded by directory.ldap.timeout.  Any failure to get an answer is
 * DIR_TRYAGAIN, never DIR_NOTFOUND; so is an entry holding the key whose
 * values break the entry rules (dir_entry.h) in a way that would make the
 * answer wrong (a malformed primary or target, two of either): the
 * message names its DN.  A malformed secondary value is skipped.
 *
 * libldap writes to sockets with write(2): a program using this back-end
 * should ignore SIGPIPE, or a server that closes a connection can kill it.
 */
#ifndef MAILSWITCH_DIR_LDAP_H
#define MAILSWITCH_DIR_LDAP_H

#include <stddef.h>
#include <stdint.h>

#include <ldap.h>

#include "config.h"
#include "directory.h"

extern const dir_backend_ops_t dir_ldap_ops;

/*
 * Prepares the pool for cfg->directory (copies what it needs; keeps no
 * pointer to cfg).  Reads the bind password file (refused when group or
 * others may read it) and checks that tls_ca_file can be read.  Does not
 * connect: servers that are down at start are not an error.  Returns the
 * back-end handle for dir_ldap_ops, or NULL with a message in err for a
 * configuration that cannot work.  The message never holds the password.
 */
void	*dir_ldap_open(const config_t *cfg, char *err, size_t errlen);

/*
 * A connection of its own, apart from the pool, for a reader that keeps
 * it for long (the replica's sync thread, dir_replica.h).  Opened as a
 * pooled one is: servers in order, those not down first, with the same
 * TLS checks and bind, the whole within directory.ldap.timeout; a server
 * that fails is marked down for the pool too.  Returns the session, or
 * NULL with "ldap: URI: step: reason; ..." in err.  h must outlive it.
 * Free with dir_ldap_session_close().  One thread uses a session at a
 * time.
 */
typedef struct dir_ldap_session dir_ldap_session_t;

dir_ldap_session_t *dir_ldap_session_open(void *h, char *err, size_t errlen);

/* The session's handle, for the caller's own requests; belongs to s. */
LDAP	*dir_ldap_session_ld(dir_ldap_session_t *s);

/* The URI of the server the session is connected to; belongs to s. */
const char *dir_ldap_session_uri(const dir_ldap_session_t *s);

/*
 * Bounds every read and write on the session's socket from now on by ms
 * milliseconds from now (the I/O layer of ldapio.h).  Call it before each
 * request and each wait for an answer.
 */
void	dir_ldap_session_deadline(dir_ldap_session_t *s, int64_t ms);

/* Marks the session's server down for the pool (a failed request). */
void	dir_ldap_session_failed(dir_ldap_session_t *s);

/* Unbinds and frees the session; NULL is a no-op. */
void	dir_ldap_session_close(dir_ldap_session_t *s);

/* directory.ldap.timeout of the back-end h, in milliseconds (>= 1). */
int64_t	dir_ldap_timeout_ms(const void *h);

#endif /* MAILSWITCH_DIR_LDAP_H */

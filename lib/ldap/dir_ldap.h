/*
 * dir_ldap.h - the production back-end: an LDAP directory (Active
 * Directory, OpenLDAP) reached with OpenLDAP's libldap.
 *
 * Each lookup is one search on a pool of directory.ldap.connections
 * connections shared by all threads (ldap_pool.h), over the servers of
 * directory.ldap.uri with failover, TLS, the bind and one deadline of
 * directory.ldap.timeout for the whole lookup (ldap_conn.h).  Any failure
 * to get an answer is DIR_TRYAGAIN, never DIR_NOTFOUND; so is an entry
 * holding the key whose values break the entry rules (dir_entry.h) in a
 * way that would make the answer wrong (a malformed primary or target,
 * two of either): the message names its DN.  A malformed secondary value
 * is skipped.
 *
 * libldap writes to sockets with write(2): a program using this back-end
 * should ignore SIGPIPE, or a server that closes a connection can kill it.
 */
#ifndef MAILSWITCH_DIR_LDAP_H
#define MAILSWITCH_DIR_LDAP_H

#include <stddef.h>

#include "config_directory.h"
#include "directory.h"
#include "ldap_conn.h"

extern const dir_backend_ops_t dir_ldap_ops;

/*
 * Prepares the back-end for the directory section dc (copies what it
 * needs; keeps no pointer to dc): checks the attribute names, then opens the way to
 * the servers (ldap_conn_open(): the uri list, tls_ca_file, the bind
 * password file, refused when group or others may read it) and a pool
 * over it.  Does not connect: servers that are down at start are not an
 * error.  Returns the back-end handle for dir_ldap_ops, or NULL with a
 * message in err for a configuration that cannot work.  The message
 * never holds the password.  file is the configuration file's name for
 * the messages, user the user mailswitch runs as (config_t's).
 */
void	*dir_ldap_open(const config_directory_t *dc, const char *file,
	    const char *user, char *err, size_t errlen);

/*
 * Returns the way to the servers of the back-end h, for a reader with
 * sessions of its own (the replica, dir_replica.h).  It belongs to h and
 * lives as long as h.  Thread-safe.
 */
ldap_conn_t *dir_ldap_conn(void *h);

#endif /* MAILSWITCH_DIR_LDAP_H */

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

#endif /* MAILSWITCH_DIR_LDAP_H */

/*
 * ldap_pool.h - a pool of LDAP sessions (ldap_conn.h) shared by the
 * threads that look addresses up, and one search on it with failover, as
 * Postfix's dict_ldap and OpenDKIM's LDAP code keep one.
 *
 * directory.ldap.connections slots, each a session, connected or not yet.
 * A thread takes a slot off a free list (it waits until the search's
 * deadline at most), uses it alone, outside the lock, and puts it back.
 * A slot that is not connected is connected by the thread that took it,
 * so a slow server never holds the lock.
 */
#ifndef MAILSWITCH_LDAP_POOL_H
#define MAILSWITCH_LDAP_POOL_H

#include <stddef.h>

#include <ldap.h>

#include "ldap_conn.h"

typedef struct ldap_pool ldap_pool_t;

/*
 * What a search hands its answer to: msg holds the entries (LDAP_SUCCESS,
 * or LDAP_SIZELIMIT_EXCEEDED with entries); returns what
 * ldap_pool_search() is to return, with a message in err where it says
 * so.  Called with the slot taken: it must not use the pool.
 */
typedef int	(*ldap_pool_parse_fn)(void *arg, LDAP *ld, LDAPMessage *msg,
		    char *err, size_t errlen);

/*
 * Makes a pool of n slots (at least 1) over lc, none connected yet; lc
 * must outlive it.  Returns it (free with ldap_pool_close()), or NULL
 * with a message in err when out of memory.
 */
ldap_pool_t *ldap_pool_open(ldap_conn_t *lc, size_t n, char *err,
	    size_t errlen);

/*
 * Runs one search (ldap_search_ext_s() with base, scope, filter, attrs
 * and sizelimit) within one operation of lc (ldap_conn_begin(): the
 * wait for a slot, the connection, the search and the retry share one
 * deadline) and hands the answer to parse.  A search that fails at the
 * connection level (server down, timeout, TLS, busy, unavailable,
 * protocol) drops the slot's connection and is tried once more on a fresh
 * one; a connection that had served before and finds its server gone (an
 * idle connection the server closed, a server restarted) may reconnect to
 * the same server.  Returns parse's return, or -1 with "ldap: ..." in err
 * (every server tried and libldap's reason, or the server's error) when
 * no answer came.  Thread-safe.
 */
int	ldap_pool_search(ldap_pool_t *p, const char *base, int scope,
	    const char *filter, char **attrs, int sizelimit,
	    ldap_pool_parse_fn parse, void *arg, char *err, size_t errlen);

/*
 * Closes every slot's connection and frees p; NULL is a no-op.  No search
 * may be running.
 */
void	ldap_pool_close(ldap_pool_t *p);

#endif /* MAILSWITCH_LDAP_POOL_H */

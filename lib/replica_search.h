/*
 * replica_search.h - the searches of the replica's loads on the thread's
 * session (replica_sync.h): RFC 2696 paged, every request and every
 * answer bounded by directory.ldap.timeout, abandoned when the replica is
 * being stopped.  A search is a filter, the attributes to return, and what
 * to do with each entry.
 */
#ifndef MAILSWITCH_REPLICA_SEARCH_H
#define MAILSWITCH_REPLICA_SEARCH_H

#include <sys/time.h>

#include <stddef.h>
#include <stdint.h>

#include <ldap.h>

#include "ldap_range.h"
#include "replica_state.h"
#include "replica_sync.h"

/*
 * What a search does with one entry (msg, on ld): 0, or -1 with y->err
 * set, which fails the search once its last page has come.
 */
typedef int	(*replica_search_fn)(replica_sync_t *y, LDAP *ld,
		    LDAPMessage *msg);

/*
 * Runs one search under the replica's base and scope on y's session (open),
 * page_size entries a page, and hands each entry to fn.  Continuation
 * references are skipped, never chased.  Returns 0 when every page came,
 * -1 with y->err set, or 1 when the replica is being stopped.
 */
int	replica_search_paged(replica_sync_t *y, const char *filter,
	    char **attrs, replica_search_fn fn);

/*
 * Bounds the next request or wait for an answer on y's session (open):
 * every read and write by ms + 1 s from now, and *tv (libldap's time
 * limit) by ms.
 */
void	replica_search_budget(replica_sync_t *y, struct timeval *tv,
	    int64_t ms);

/*
 * Fills r for the ranged values of y's entries (ldap_range.h): the
 * range_size of its connections, and each further request bounded as a
 * page of the search is (replica_search_budget()).  r points at y.
 */
void	replica_search_range(replica_sync_t *y, ldap_range_t *r);

/*
 * Writes into buf (LDAP_RANGE_ATTR_MAX octets) how the searches of y ask
 * for the proxy attribute: itself, or its first range
 * (ldap_range_attr()).  Returns buf.
 */
char	*replica_search_proxy_ask(const replica_sync_t *y, char *buf,
	    size_t buflen);

/*
 * Writes the filter of the entries a replica holds, "(|(P=*)(T=*))" with
 * the proxy and target attributes of set, into buf.
 */
void	replica_search_filter(const replica_settings_t *set, char *buf,
	    size_t buflen);

#endif /* MAILSWITCH_REPLICA_SEARCH_H */

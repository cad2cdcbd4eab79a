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
 * What a search does with one entry (msg, on ld; freed after the call):
 * 0, or -1 with y->err set, which fails the search after that entry's
 * page (fn sees no other entry of the search).
 */
typedef int	(*replica_search_fn)(replica_sync_t *y, LDAP *ld,
		    LDAPMessage *msg);

/* Active Directory's Show Deleted control: tombstones are returned too. */
#define REPLICA_SEARCH_SHOW_DELETED_OID	"1.2.840.113556.1.4.417"

/*
 * Runs one search of base and scope on y's session (open), page_size
 * entries a page, with the server control extra too when not NULL, and
 * hands each entry to fn.  Each page is sent with a server time limit
 * that never ends it before the client's wait (ldap_op_timelimit()).
 * Continuation references are skipped, never chased.  A page's entries
 * are handed to fn once the request for the next page is out, so that
 * the server makes the next page while fn works on this one: the next
 * page's messages wait in libldap's queue while fn's own requests on the
 * session (ranged values) are answered.  Returns 0 when every page came,
 * -1 with y->err set, or 1 when the replica is being stopped.
 */
int	replica_search_paged(replica_sync_t *y, const char *base, int scope,
	    const char *filter, char **attrs, LDAPControl *extra,
	    replica_search_fn fn);

/*
 * Fills *c with the Show Deleted control, critical (a server that does
 * not know it must refuse the search rather than leave the tombstones
 * out).  Nothing to free.
 */
void	replica_search_show_deleted(LDAPControl *c);

/*
 * Bounds the next request or wait for an answer on y's session (open):
 * every read and write by ms + 1 s from now, and *tv (the wait for the
 * answer; a search's server-side limit is ldap_op_timelimit() of it) by
 * ms.
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

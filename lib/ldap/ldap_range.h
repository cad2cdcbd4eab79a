/*
 * ldap_range.h - every value of an attribute, however the server sends
 * it: Active Directory returns an attribute with more values than its
 * MaxValRange (1,500 by default) as "proxyAddresses;range=0-1499", and
 * the rest only to further requests for "proxyAddresses;range=1500-*" and
 * so on; libldap's ldap_get_values_len(..., "proxyAddresses") then finds
 * nothing.  SPEC section 9: such an attribute is read whole, and an entry
 * is never taken with part of its values.
 *
 * A reader may also ask for ranges itself (directory.ldap.range_size: N
 * values at a time, "attr;range=0-(N-1)" first): what Active Directory
 * does past MaxValRange, and what a server that sends all values unless
 * asked (Samba) does only when asked.  Only Active Directory and Samba
 * know the range option: OpenLDAP drops an attribute asked for with it,
 * so range_size must stay 0 there.
 *
 * Used by the lookups (dir_ldap.c), by the replica's entries
 * (replica_entry.c) and by the audit's scan (replica_scan.c); no state of
 * its own.
 */
#ifndef MAILSWITCH_LDAP_RANGE_H
#define MAILSWITCH_LDAP_RANGE_H

#include <sys/time.h>

#include <stddef.h>

#include <ldap.h>

#define LDAP_RANGE_ATTR_MAX	192	/* "attr;range=LOW-HIGH", NUL */
#define LDAP_RANGE_ALL		(-1L)	/* the HIGH of a range ending in "*" */

/*
 * How a reader asks for the further ranges of an entry: size values at a
 * time (0: "the rest", as many as the server sends), each request within
 * what arm gives it.  arm(arg, tv) is called before each further request:
 * it sets *tv to the time the request and its answer may take (and may
 * renew the deadline of the connection's I/O), and returns 0, or -1 when
 * no time is left.
 */
typedef struct ldap_range {
	int	 size;
	int	(*arm)(void *arg, struct timeval *tv);
	void	*arg;
} ldap_range_t;

/*
 * Writes into buf the attribute description to ask for attr with:
 * attr itself when size is 0, else "attr;range=0-(size-1)".  Returns buf,
 * or NULL when it does not fit (buflen LDAP_RANGE_ATTR_MAX is enough for
 * an attribute name of up to 128 octets).
 */
char	*ldap_range_attr(const char *attr, int size, char *buf, size_t buflen);

/*
 * Returns 1 when the attribute description name is attr with a range
 * option, "attr;range=LOW-HIGH" or "attr;range=LOW-*" (any case, no other
 * option, LOW <= HIGH), with *low and *high (LDAP_RANGE_ALL for "*");
 * else 0.  Pure.
 */
int	ldap_range_parse(const char *name, const char *attr, long *low,
	    long *high);

/*
 * Reads every value of attr of the search entry e (on ld): the values
 * returned under attr itself, or those of "attr;range=0-HIGH" (any
 * case) followed by base-scope searches of e's DN for
 * "attr;range=HIGH+1-..." (r->size values at a time, or "*") until a
 * range ends in "*".  Each range must start where the last one ended and
 * hold as many values as it says.  The further searches run on ld while
 * e's own search may still be open (libldap keeps its answers apart by
 * message id), without a server-side time limit: r->arm bounds each.
 *
 * Returns 0 with the values in *vals -- NULL when the entry has none;
 * free with ldap_value_free_len() -- or -1 with "attr: ..." in err when
 * the values could not all be read (a range out of order or short, an
 * entry gone, an error, a timeout): then *vals is NULL and nothing is
 * left to free.  Never a part of the values.  One thread per ld.
 */
int	ldap_range_values(LDAP *ld, LDAPMessage *e, const char *attr,
	    const ldap_range_t *r, struct berval ***vals, char *err,
	    size_t errlen);

#endif /* MAILSWITCH_LDAP_RANGE_H */

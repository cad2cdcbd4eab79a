/*
 * netaddr.h - IPv4 / IPv6 networks in CIDR notation, and matching.
 */
#ifndef MAILSWITCH_NETADDR_H
#define MAILSWITCH_NETADDR_H

#include <stddef.h>

typedef struct netaddr {
	int		family;		/* AF_INET or AF_INET6 */
	unsigned char	addr[16];	/* network address, host bits zero */
	unsigned	prefix;		/* 0..32 or 0..128 */
} netaddr_t;

/*
 * Parses "192.0.2.0/24", "2001:db8::/32" or a single address (a full-length
 * prefix).  An IPv4-mapped IPv6 address is taken as IPv4.  Host bits set
 * below the prefix are an error.  Returns 0, or -1 with a message in err.
 */
int	netaddr_parse(const char *text, netaddr_t *out, char *err, size_t errlen);

/*
 * Returns 1 when the textual address ip (as Postfix passes {client_addr},
 * possibly "IPv6:..." prefixed) lies in net, 0 when not or unparseable.
 */
int	netaddr_match(const netaddr_t *net, const char *ip);

#endif /* MAILSWITCH_NETADDR_H */

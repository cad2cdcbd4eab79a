/*
 * netaddr.c - IPv4 / IPv6 networks in CIDR notation, and matching a
 * client address against them.  IPv4-mapped IPv6 addresses
 * (::ffff:192.0.2.7) count as the IPv4 address they carry, both in
 * networks and in the addresses matched.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "netaddr.h"

#define TEXT_MAX	64	/* longer than any address/prefix */

static const unsigned char v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/*
 * Parses one address (no prefix) into family and addr (16 bytes, an IPv4
 * address in the first 4).  A mapped IPv6 address is returned as IPv4 with
 * *mapped set.  Returns 0, or -1.
 */
static int
parse_ip(const char *s, int *family, unsigned char addr[16], int *mapped)
{
	*mapped = 0;
	memset(addr, 0, 16);
	if (strchr(s, ':') == NULL) {
		*family = AF_INET;
		return inet_pton(AF_INET, s, addr) == 1 ? 0 : -1;
	}
	*family = AF_INET6;
	if (inet_pton(AF_INET6, s, addr) != 1)
		return -1;
	if (memcmp(addr, v4mapped, sizeof(v4mapped)) == 0) {
		*family = AF_INET;
		memmove(addr, addr + 12, 4);
		memset(addr + 4, 0, 12);
		*mapped = 1;
	}
	return 0;
}

/* Returns 1 when the first prefix bits of a and b are equal. */
static int
prefix_equal(const unsigned char *a, const unsigned char *b, unsigned prefix)
{
	unsigned	bytes = prefix / 8, bits = prefix % 8;

	if (memcmp(a, b, bytes) != 0)
		return 0;
	if (bits == 0)
		return 1;
	return ((a[bytes] ^ b[bytes]) & (0xff00u >> bits) & 0xffu) == 0;
}

int
netaddr_parse(const char *text, netaddr_t *out, char *err, size_t errlen)
{
	static const unsigned char zero[16];
	char		 buf[TEXT_MAX];
	char		*slash;
	netaddr_t	 n;
	unsigned	 max;
	int		 mapped;

	if (strlen(text) >= sizeof(buf)) {
		snprintf(err, errlen, "bad network '%.40s...'", text);
		return -1;
	}
	strcpy(buf, text);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (buf[0] == '\0' || parse_ip(buf, &n.family, n.addr, &mapped) == -1) {
		snprintf(err, errlen, "bad address in network '%s'", text);
		return -1;
	}
	max = mapped ? 128 : n.family == AF_INET ? 32 : 128;
	n.prefix = max;
	if (slash != NULL) {
		size_t	digits = strspn(slash, "0123456789");

		if (digits == 0 || digits > 3 || slash[digits] != '\0' ||
		    (n.prefix = (unsigned)atoi(slash)) > max) {
			snprintf(err, errlen, "bad prefix length in network '%s' "
			    "(0..%u)", text, max);
			return -1;
		}
	}
	if (mapped) {
		if (n.prefix >= 96)
			n.prefix -= 96;
		else {
			/* shorter than the mapped range: an IPv6 network */
			n.family = AF_INET6;
			memmove(n.addr + 12, n.addr, 4);
			memcpy(n.addr, v4mapped, sizeof(v4mapped));
		}
	}
	/* the address must be the network: no bit set below the prefix */
	{
		unsigned char	masked[16];
		unsigned	bytes = n.prefix / 8, bits = n.prefix % 8;

		memset(masked, 0, sizeof(masked));
		memcpy(masked, n.addr, bytes);
		if (bits != 0)
			masked[bytes] = n.addr[bytes] & (0xff00u >> bits);
		if (memcmp(masked, n.addr, 16) != 0 ||
		    (n.family == AF_INET && memcmp(n.addr + 4, zero, 12) != 0)) {
			snprintf(err, errlen, "host bits set in %s", text);
			return -1;
		}
	}
	*out = n;
	return 0;
}

int
netaddr_match(const netaddr_t *net, const char *ip)
{
	unsigned char	 addr[16];
	int		 family, mapped;

	if (net == NULL || ip == NULL)
		return 0;
	if (strncasecmp(ip, "IPv6:", 5) == 0)
		ip += 5;
	if (parse_ip(ip, &family, addr, &mapped) == -1)
		return 0;
	if (family != net->family)
		return 0;
	return prefix_equal(addr, net->addr, net->prefix);
}

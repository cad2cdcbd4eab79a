/*
 * fuzz_netaddr.c - libFuzzer target for lib/policy/netaddr.c: the networks of
 * outbound.clients and the client addresses the MTA passes
 * ({client_addr}, "IPv6:" prefixed or not).
 *
 * Input: a network on the first line, a client address on the second.
 *
 * Besides crashes and sanitizer reports, it checks what netaddr.h
 * promises: a parsed network has a prefix in range and no host bit set; it
 * prints (inet_ntop "/" prefix) to a text that parses to the same network;
 * its first and last addresses match it, in every spelling a client
 * address may come in (bare, "IPv6:" prefixed, IPv4 mapped into IPv6);
 * the address just past its last one and the one before its first do not.
 * A refused network has a message.  A client address that matches a
 * network matches the network of that one address too.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_common.h"
#include "netaddr.h"

/* Stops the run: an invariant does not hold. */
static void
fail(const char *what)
{
	fuzz_fail("netaddr", what);
}

/*
 * Writes addr (of family) as a client address: how 0 bare, 1 "IPv6:"
 * prefixed, 2 mapped into IPv6.  Returns -1 for a spelling that does not
 * apply, and for an IPv6 address in the IPv4-mapped range (::ffff:0:0/96):
 * that is an IPv4 client, which no IPv6 network matches (netaddr.h).
 */
static int
spell(int family, const unsigned char *addr, int how, char *buf, size_t len)
{
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	char	 t[INET6_ADDRSTRLEN];

	if (family == AF_INET6 && memcmp(addr, mapped, sizeof(mapped)) == 0)
		return -1;
	if (inet_ntop(family, addr, t, sizeof(t)) == NULL)
		fail("inet_ntop refused a parsed address");
	switch (how) {
	case 0:
		snprintf(buf, len, "%s", t);
		return 0;
	case 1:
		if (family != AF_INET6)
			return -1;
		snprintf(buf, len, "IPv6:%s", t);
		return 0;
	default:
		if (family != AF_INET)
			return -1;
		snprintf(buf, len, "::ffff:%s", t);
		return 0;
	}
}

/* Adds (+1) or subtracts (-1) one at the last bit of a bytes-long address. */
static int
step(unsigned char *addr, size_t bytes, int dir)
{
	for (size_t i = bytes; i-- > 0; ) {
		unsigned v = addr[i];

		addr[i] = (unsigned char)(v + (unsigned)dir);
		if ((dir > 0 && v != 0xff) || (dir < 0 && v != 0))
			return 0;
	}
	return -1;		/* wrapped around: no such address */
}

/* Checks the promises about one parsed network. */
static void
check_net(const netaddr_t *n)
{
	char		 text[80], ip[INET6_ADDRSTRLEN + 8];
	unsigned char	 last[16], out[16];
	size_t		 bytes = n->family == AF_INET ? 4 : 16;
	unsigned	 max = n->family == AF_INET ? 32 : 128;
	netaddr_t	 again;

	if ((n->family != AF_INET && n->family != AF_INET6) || n->prefix > max)
		fail("a family or prefix out of range");
	memcpy(last, n->addr, 16);
	for (unsigned b = n->prefix; b < max; b++) {
		if (n->addr[b / 8] & (0x80u >> (b % 8)))
			fail("a host bit set");
		last[b / 8] |= (unsigned char)(0x80u >> (b % 8));
	}
	for (size_t i = bytes; i < 16; i++)
		if (n->addr[i] != 0)
			fail("an IPv4 network with bytes past its 4");

	if (inet_ntop(n->family, n->addr, ip, sizeof(ip)) == NULL)
		fail("inet_ntop refused a network");
	snprintf(text, sizeof(text), "%s/%u", ip, n->prefix);
	if (netaddr_parse(text, &again, ip, sizeof(ip)) == -1 ||
	    again.family != n->family || again.prefix != n->prefix ||
	    memcmp(again.addr, n->addr, 16) != 0)
		fail("a network does not parse back from its text");

	for (int how = 0; how < 3; how++) {
		if (spell(n->family, n->addr, how, ip, sizeof(ip)) == 0 &&
		    !netaddr_match(n, ip))
			fail("a network does not match its first address");
		if (spell(n->family, last, how, ip, sizeof(ip)) == 0 &&
		    !netaddr_match(n, ip))
			fail("a network does not match its last address");
	}
	memcpy(out, last, 16);
	if (n->prefix > 0 && step(out, bytes, 1) == 0 &&
	    spell(n->family, out, 0, ip, sizeof(ip)) == 0 &&
	    netaddr_match(n, ip))
		fail("a network matches the address past its last");
	memcpy(out, n->addr, 16);
	if (n->prefix > 0 && step(out, bytes, -1) == 0 &&
	    spell(n->family, out, 0, ip, sizeof(ip)) == 0 &&
	    netaddr_match(n, ip))
		fail("a network matches the address before its first");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*s, *client, err[256];
	netaddr_t	 net, one;
	int		 parsed;

	if (size > 1024 || (s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if ((client = strchr(s, '\n')) != NULL)
		*client++ = '\0';

	err[0] = '\0';
	parsed = netaddr_parse(s, &net, err, sizeof(err)) == 0;
	if (parsed)
		check_net(&net);
	else if (err[0] == '\0')
		fail("a refusal without a message");

	if (client != NULL) {
		int m = parsed ? netaddr_match(&net, client) : 0;

		/* a client that matches is an address: its own /max matches */
		if (m) {
			const char *bare = strncasecmp(client, "IPv6:", 5) == 0 ?
			    client + 5 : client;

			if (netaddr_parse(bare, &one, err, sizeof(err)) == -1 ||
			    !netaddr_match(&one, client))
				fail("a matching client is no address of its own");
		}
		(void)netaddr_match(NULL, client);
	}
	free(s);
	return 0;
}

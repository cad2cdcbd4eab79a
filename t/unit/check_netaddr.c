/*
 * check_netaddr.c - CIDR parsing and client address matching.
 */
#include <sys/socket.h>

#include <string.h>

#include "netaddr.h"
#include "tcheck.h"

static const struct {
	const char	*text;
	int		 family;	/* when accepted */
	unsigned	 prefix;
	const char	*err;		/* substring of the error, NULL = accepted */
} parse_rows[] = {
	{ "192.0.2.0/24", AF_INET, 24, NULL },
	{ "192.0.2.7", AF_INET, 32, NULL },
	{ "192.0.2.7/32", AF_INET, 32, NULL },
	{ "0.0.0.0/0", AF_INET, 0, NULL },
	{ "10.0.0.0/8", AF_INET, 8, NULL },
	{ "192.0.2.128/25", AF_INET, 25, NULL },
	{ "2001:db8::/32", AF_INET6, 32, NULL },
	{ "2001:db8::1", AF_INET6, 128, NULL },
	{ "2001:db8::1/128", AF_INET6, 128, NULL },
	{ "::/0", AF_INET6, 0, NULL },
	{ "::1", AF_INET6, 128, NULL },
	{ "fe80::/10", AF_INET6, 10, NULL },
	{ "::ffff:192.0.2.7", AF_INET, 32, NULL },
	{ "::ffff:192.0.2.0/120", AF_INET, 24, NULL },
	{ "::ffff:0:0/96", AF_INET, 0, NULL },
	{ "192.0.2.1/24", 0, 0, "host bits set in 192.0.2.1/24" },
	{ "192.0.2.129/25", 0, 0, "host bits set in 192.0.2.129/25" },
	{ "2001:db8::1/32", 0, 0, "host bits set in 2001:db8::1/32" },
	{ "::ffff:192.0.2.1/120", 0, 0, "host bits set" },
	{ "192.0.2.0/33", 0, 0, "bad prefix length" },
	{ "2001:db8::/129", 0, 0, "bad prefix length" },
	{ "192.0.2.0/", 0, 0, "bad prefix length" },
	{ "192.0.2.0/-1", 0, 0, "bad prefix length" },
	{ "192.0.2.0/24x", 0, 0, "bad prefix length" },
	{ "192.0.2.0/0024", 0, 0, "bad prefix length" },
	{ "192.0.2.0/24/8", 0, 0, "bad prefix length" },
	{ "192.0.2/24", 0, 0, "bad address" },
	{ "192.0.2.256", 0, 0, "bad address" },
	{ "192.0.2.0 /24", 0, 0, "bad address" },
	{ "example.com", 0, 0, "bad address" },
	{ "", 0, 0, "bad address" },
	{ "/24", 0, 0, "bad address" },
	{ "2001:db8:::1", 0, 0, "bad address" },
	{ "IPv6:2001:db8::1", 0, 0, "bad address" },
	{ "0123456789012345678901234567890123456789012345678901234567890123456789",
	    0, 0, "bad network" },
};

START_TEST(test_parse)
{
	netaddr_t	 n;
	char		 err[256] = "";
	int		 r = netaddr_parse(parse_rows[_i].text, &n, err, sizeof(err));

	if (parse_rows[_i].err == NULL) {
		ck_assert_msg(r == 0, "parse(%s) refused: %s",
		    parse_rows[_i].text, err);
		ck_assert_msg(n.family == parse_rows[_i].family &&
		    n.prefix == parse_rows[_i].prefix,
		    "parse(%s) = family %d /%u, want %d /%u",
		    parse_rows[_i].text, n.family, n.prefix,
		    parse_rows[_i].family, parse_rows[_i].prefix);
	} else
		ck_assert_msg(r == -1 && strstr(err, parse_rows[_i].err) != NULL,
		    "parse(%s) = %d '%s', want an error with '%s'",
		    parse_rows[_i].text, r, err, parse_rows[_i].err);
}
END_TEST

static const struct {
	const char	*net;
	const char	*ip;
	int		 want;
} match_rows[] = {
	{ "192.0.2.0/24", "192.0.2.7", 1 },
	{ "192.0.2.0/24", "192.0.2.0", 1 },
	{ "192.0.2.0/24", "192.0.2.255", 1 },
	{ "192.0.2.0/24", "192.0.3.1", 0 },
	{ "192.0.2.0/24", "192.0.1.255", 0 },
	{ "192.0.2.0/24", "::ffff:192.0.2.7", 1 },
	{ "192.0.2.0/24", "IPv6:::ffff:192.0.2.7", 1 },
	{ "192.0.2.0/24", "::ffff:192.0.3.7", 0 },
	{ "192.0.2.0/24", "2001:db8::1", 0 },
	{ "192.0.2.0/24", "::192.0.2.7", 0 },		/* compatible, not mapped */
	{ "192.0.2.128/25", "192.0.2.200", 1 },
	{ "192.0.2.128/25", "192.0.2.127", 0 },
	{ "192.0.2.7/32", "192.0.2.7", 1 },
	{ "192.0.2.7", "192.0.2.7", 1 },
	{ "192.0.2.7/32", "192.0.2.8", 0 },
	{ "0.0.0.0/0", "203.0.113.9", 1 },
	{ "0.0.0.0/0", "::ffff:203.0.113.9", 1 },
	{ "0.0.0.0/0", "2001:db8::1", 0 },
	{ "::ffff:192.0.2.0/120", "192.0.2.9", 1 },
	{ "2001:db8::/32", "2001:db8::1", 1 },
	{ "2001:db8::/32", "2001:DB8:FFFF::1", 1 },
	{ "2001:db8::/32", "IPv6:2001:db8::1", 1 },
	{ "2001:db8::/32", "ipv6:2001:db8::1", 1 },
	{ "2001:db8::/32", "2001:db9::1", 0 },
	{ "2001:db8::/32", "192.0.2.7", 0 },
	{ "2001:db8::/33", "2001:db8:8000::1", 0 },
	{ "2001:db8::/33", "2001:db8:7fff::1", 1 },
	{ "2001:db8::1/128", "2001:db8::1", 1 },
	{ "2001:db8::1/128", "2001:db8::2", 0 },
	{ "::/0", "2001:db8::1", 1 },
	{ "::/0", "192.0.2.7", 0 },
	{ "::/0", "::ffff:192.0.2.7", 0 },		/* an IPv4 client */
	{ "192.0.2.0/24", "", 0 },
	{ "192.0.2.0/24", "IPv6:", 0 },
	{ "192.0.2.0/24", "garbage", 0 },
	{ "192.0.2.0/24", "192.0.2.7/32", 0 },
	{ "192.0.2.0/24", "[192.0.2.7]", 0 },
	{ "192.0.2.0/24", " 192.0.2.7", 0 },
	{ "2001:db8::/32", "2001:db8::1%eth0", 0 },
};

START_TEST(test_match)
{
	netaddr_t	 n;
	char		 err[256];
	int		 got;

	ck_assert_msg(netaddr_parse(match_rows[_i].net, &n, err,
	    sizeof(err)) == 0, "parse(%s): %s", match_rows[_i].net, err);
	got = netaddr_match(&n, match_rows[_i].ip);
	ck_assert_msg(got == match_rows[_i].want,
	    "match(%s, %s) = %d, want %d", match_rows[_i].net,
	    match_rows[_i].ip, got, match_rows[_i].want);
}
END_TEST

START_TEST(test_null)
{
	netaddr_t	 n;
	char		 err[256];

	ck_assert_int_eq(netaddr_parse("192.0.2.0/24", &n, err, sizeof(err)), 0);
	ck_assert_int_eq(netaddr_match(&n, NULL), 0);
	ck_assert_int_eq(netaddr_match(NULL, "192.0.2.1"), 0);
	/* the network is stored with its address bytes */
	ck_assert_int_eq(n.addr[0], 192);
	ck_assert_int_eq(n.addr[2], 2);
	ck_assert_int_eq(n.addr[3], 0);
}
END_TEST

static Suite *
netaddr_suite(void)
{
	Suite	*s = suite_create("netaddr");
	TCase	*tc = tcase_create("netaddr");

	tcase_add_loop_test(tc, test_parse, 0, (int)NELEM(parse_rows));
	tcase_add_loop_test(tc, test_match, 0, (int)NELEM(match_rows));
	tcase_add_test(tc, test_null);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tcheck_run(netaddr_suite());
}

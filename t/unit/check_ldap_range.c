/*
 * check_ldap_range.c - the names of Active Directory's ranged values
 * (ldap_range.h), row by row: what a range option says, and what is no
 * range of the attribute asked for; the description a reader asks with.
 * Reading the values themselves needs a server that sends ranges: the
 * Samba DC of t/ad/test-ad-entries.sh.
 */
#include <stdio.h>
#include <string.h>

#include "ldap_range.h"
#include "tcheck.h"

static const struct {
	const char	*name;
	int		 ok;
	long		 low, high;
} parse_rows[] = {
	{ "proxyAddresses;range=0-1499", 1, 0, 1499 },
	{ "proxyAddresses;range=1500-*", 1, 1500, LDAP_RANGE_ALL },
	{ "PROXYADDRESSES;Range=0-*", 1, 0, LDAP_RANGE_ALL },
	{ "proxyAddresses;range=7-7", 1, 7, 7 },
	{ "proxyAddresses", 0, 0, 0 },
	{ "proxyAddresses;range=", 0, 0, 0 },
	{ "proxyAddresses;range=0", 0, 0, 0 },
	{ "proxyAddresses;range=0-", 0, 0, 0 },
	{ "proxyAddresses;range=5-3", 0, 0, 0 },		/* backwards */
	{ "proxyAddresses;range=-1-3", 0, 0, 0 },
	{ "proxyAddresses;range=+1-3", 0, 0, 0 },
	{ "proxyAddresses;range=0-**", 0, 0, 0 },
	{ "proxyAddresses;range=0-1499;binary", 0, 0, 0 },	/* another option */
	{ "proxyAddresses;binary;range=0-1499", 0, 0, 0 },
	{ "proxyAddressesX;range=0-1499", 0, 0, 0 },		/* another attribute */
	{ "proxyAddresse;range=0-1499", 0, 0, 0 },
	{ "targetAddress;range=0-*", 0, 0, 0 },
	{ "proxyAddresses;range=0-99999999999999999999999", 0, 0, 0 },	/* overflow */
};

START_TEST(test_parse)
{
	long	 low = -7, high = -7;
	int	 ok;

	ok = ldap_range_parse(parse_rows[_i].name, "proxyAddresses", &low,
	    &high);
	ck_assert_msg(ok == parse_rows[_i].ok &&
	    (!ok || (low == parse_rows[_i].low && high == parse_rows[_i].high)),
	    "%s: got %d (%ld-%ld), want %d (%ld-%ld)", parse_rows[_i].name,
	    ok, low, high, parse_rows[_i].ok, parse_rows[_i].low,
	    parse_rows[_i].high);
}
END_TEST

START_TEST(test_attr)
{
	char	 buf[LDAP_RANGE_ATTR_MAX], small[20];

	ck_assert_str_eq(ldap_range_attr("proxyAddresses", 0, buf,
	    sizeof(buf)), "proxyAddresses");
	ck_assert_str_eq(ldap_range_attr("proxyAddresses", 1500, buf,
	    sizeof(buf)), "proxyAddresses;range=0-1499");
	ck_assert_str_eq(ldap_range_attr("proxyAddresses", 1, buf,
	    sizeof(buf)), "proxyAddresses;range=0-0");
	ck_assert_ptr_null(ldap_range_attr("proxyAddresses", 1500, small,
	    sizeof(small)));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("ldap_range");
	TCase	*tc = tcase_create("names");

	tcase_add_loop_test(tc, test_parse, 0, (int)NELEM(parse_rows));
	tcase_add_test(tc, test_attr);
	suite_add_tcase(s, tc);
	return tcheck_run(s);
}

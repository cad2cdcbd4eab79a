/*
 * check_x500.c - tables for lib/policy/x500.c: the encapsulation prefix, the
 * decoder (every escape, '_', "+HH" in either case, truncated and bad
 * escapes, long local parts) and the key.
 *
 * Inputs may hold "{N*s}", expanded to N copies of s (the long rows).
 */
#include <string.h>

#include "x500.h"
#include "tcheck.h"

#define EXP_MAX	8192

/* The "{N*s}" templates of the rows (tcheck.h). */
#define expand	tcheck_expand

/* ---- x500_prefix() -------------------------------------------------- */

static const struct prefix_row {
	const char	*local;
	size_t		 want;
} prefix_rows[] = {
	{ "IMCEAEX-_O=X", 8 },
	{ "imceaex-_o=x", 8 },
	{ "ImCeAeX-", 8 },
	{ "IMCEAX500-_O=X", 10 },
	{ "imceax500-", 10 },
	/* merely the letters: ordinary local parts */
	{ "IMCEAEX", 0 },
	{ "IMCEAEXfoo", 0 },
	{ "imceaexample", 0 },
	{ "IMCEAEX_O=X", 0 },
	{ "IMCEAX500", 0 },
	{ "IMCEAX500_", 0 },
	{ "IMCEASMTP-bob+40example+2Ecom", 0 },	/* another type: not ours */
	{ "IMCEAEX+2D_O=X", 0 },		/* the '-' must be plain */
	{ "xIMCEAEX-", 0 },
	{ "", 0 },
};

START_TEST(test_prefix)
{
	const struct prefix_row	*r = &prefix_rows[_i];
	size_t			 got = x500_prefix(r->local, strlen(r->local));

	ck_assert_msg(got == r->want, "x500_prefix(%s): got %zu, want %zu",
	    r->local, got, r->want);
}
END_TEST

/* The prefix must fit in the length given, not only in the string. */
START_TEST(test_prefix_len)
{
	ck_assert_uint_eq(x500_prefix("IMCEAEX-x", 7), 0);
	ck_assert_uint_eq(x500_prefix("IMCEAEX-x", 8), 8);
	ck_assert_uint_eq(x500_prefix("IMCEAX500-", 9), 0);
}
END_TEST

/* ---- x500_decode() -------------------------------------------------- */

static const struct decode_row {
	const char	*local;		/* "{N*s}" expanded */
	int		 rc;
	const char	*dn;		/* X500_OK: the DN; else NULL */
	const char	*why;		/* X500_BAD: in the message */
} decode_rows[] = {
	/* SPEC section 11's example */
	{ "IMCEAEX-_O=FOURTHCOFFEE_OU=EXCHANGE+20ADMINISTRATIVE+20GROUP+20"
	  "+28FYDIBOHF23SPDLT+29_CN=RECIPIENTS_CN=BOB", X500_OK,
	  "/O=FOURTHCOFFEE/OU=EXCHANGE ADMINISTRATIVE GROUP (FYDIBOHF23SPDLT)"
	  "/CN=RECIPIENTS/CN=BOB", NULL },
	/* the spelling is kept; the key folds it (below) */
	{ "imceaex-_o=FourthCoffee_cn=Bob", X500_OK, "/o=FourthCoffee/cn=Bob",
	  NULL },
	{ "IMCEAX500-_O=ORG_CN=BOB", X500_OK, "/O=ORG/CN=BOB", NULL },
	/* '_' is '/', anywhere */
	{ "IMCEAEX-_", X500_OK, "/", NULL },
	{ "IMCEAEX-a__b_", X500_OK, "a//b/", NULL },
	/* "+HH", the digits in either case */
	{ "IMCEAEX-+20", X500_OK, " ", NULL },
	{ "IMCEAEX-+2f+2F", X500_OK, "//", NULL },
	{ "IMCEAEX-+2b+2B", X500_OK, "++", NULL },
	{ "IMCEAEX-+5f+5F", X500_OK, "__", NULL },	/* not made '/' again */
	{ "IMCEAEX-+40+2E+3D+2C+3B", X500_OK, "@.=,;", NULL },
	{ "IMCEAEX-+28a+29", X500_OK, "(a)", NULL },
	{ "IMCEAEX-+aB+Ab", X500_OK, "\xab\xab", NULL },
	{ "IMCEAEX-Ren+C3+A9", X500_OK, "Ren\xc3\xa9", NULL },
	{ "IMCEAEX-+7E+7e", X500_OK, "~~", NULL },
	{ "IMCEAEX-+7F", X500_BAD, NULL, "control character" },
	{ "IMCEAEX-+FF", X500_OK, "\xff", NULL },
	/* every other octet is itself */
	{ "IMCEAEX-a.b-c=d", X500_OK, "a.b-c=d", NULL },
	{ "IMCEAEX-IMCEAEX-", X500_OK, "IMCEAEX-", NULL },
	/* truncated and bad escapes */
	{ "IMCEAEX-+", X500_BAD, NULL, "two hexadecimal digits" },
	{ "IMCEAEX-+2", X500_BAD, NULL, "two hexadecimal digits" },
	{ "IMCEAEX-_O=X+2", X500_BAD, NULL, "two hexadecimal digits" },
	{ "IMCEAEX-+G0", X500_BAD, NULL, "two hexadecimal digits" },
	{ "IMCEAEX-+0G", X500_BAD, NULL, "two hexadecimal digits" },
	{ "IMCEAEX-+ 2", X500_BAD, NULL, "two hexadecimal digits" },
	{ "IMCEAEX-++20", X500_BAD, NULL, "two hexadecimal digits" },
	{ "IMCEAEX-+-1", X500_BAD, NULL, "two hexadecimal digits" },
	/* octets no DN holds */
	{ "IMCEAEX-a+00b", X500_BAD, NULL, "control character" },
	{ "IMCEAEX-+0A", X500_BAD, NULL, "control character" },
	{ "IMCEAEX-+1f", X500_BAD, NULL, "control character" },
	{ "IMCEAEX-a\tb", X500_BAD, NULL, "control character" },
	/* nothing to decode */
	{ "IMCEAEX-", X500_BAD, NULL, "nothing after" },
	{ "imceax500-", X500_BAD, NULL, "nothing after" },
	/* no prefix: an ordinary local part, not decoded */
	{ "bob", X500_PLAIN, "", NULL },
	{ "IMCEAEXfoo_+20", X500_PLAIN, "", NULL },
	{ "imceaexample", X500_PLAIN, "", NULL },
	/* long local parts: decoded whatever their length */
	{ "IMCEAEX-_O={60*X}", X500_OK, "/O={60*X}", NULL },
	{ "IMCEAEX-_O={300*+20}", X500_OK, "/O={300* }", NULL },
	{ "IMCEAEX-{2032*a}", X500_OK, "{2032*a}", NULL },
	{ "IMCEAEX-{2033*a}", X500_BAD, NULL, "longer than" },
	{ "IMCEAEX-{2032*+41}", X500_OK, "{2032*A}", NULL },
	{ "IMCEAEX-{2032*+41}+41", X500_BAD, NULL, "longer than" },
};

START_TEST(test_decode)
{
	const struct decode_row	*r = &decode_rows[_i];
	static char		 in[EXP_MAX], want[EXP_MAX];
	char			 dn[X500_DN_MAX + 1];
	const char		*why = NULL, *local;
	int			 rc;

	local = expand(r->local, in, sizeof(in));
	expand(r->dn, want, sizeof(want));
	memset(dn, 'Z', sizeof(dn));
	rc = x500_decode(local, strlen(local), dn, sizeof(dn), &why);
	ck_assert_msg(rc == r->rc, "x500_decode(%.80s): got %d (%s), want %d",
	    r->local, rc, why != NULL ? why : "", r->rc);
	if (rc == X500_OK || rc == X500_PLAIN)
		ck_assert_msg(strcmp(dn, r->dn != NULL ? want : "") == 0 &&
		    why == NULL, "x500_decode(%.80s): got '%.80s', want '%.80s'",
		    r->local, dn, want);
	else
		ck_assert_msg(dn[0] == '\0' && why != NULL &&
		    strstr(why, r->why) != NULL,
		    "x500_decode(%.80s): got '%s' (%s), want %s", r->local, dn,
		    why != NULL ? why : "no reason", r->why);
}
END_TEST

/* The local part is len octets: what follows is not read. */
START_TEST(test_decode_len)
{
	char		 dn[64];
	const char	*why;

	ck_assert_int_eq(x500_decode("IMCEAEX-ab@x", 10, dn, sizeof(dn), &why),
	    X500_OK);
	ck_assert_str_eq(dn, "ab");
	/* "+2" cut off from its second digit by the length */
	ck_assert_int_eq(x500_decode("IMCEAEX-+20", 10, dn, sizeof(dn), &why),
	    X500_BAD);
	/* a DN that fills dn exactly, and one octet more */
	ck_assert_int_eq(x500_decode("IMCEAEX-abc", 11, dn, 4, &why), X500_OK);
	ck_assert_str_eq(dn, "abc");
	ck_assert_int_eq(x500_decode("IMCEAEX-abcd", 12, dn, 4, &why),
	    X500_BAD);
	ck_assert_str_eq(dn, "");
}
END_TEST

/* ---- x500_key() ----------------------------------------------------- */

static const struct key_row {
	const char	*dn;
	int		 rc;
	const char	*key;
} key_rows[] = {
	{ "/O=FourthCoffee/OU=Exchange Administrative Group (FYDIBOHF23SPDLT)"
	  "/CN=Recipients/CN=Bob", 0,
	  "x500:/o=fourthcoffee/ou=exchange administrative group "
	  "(fydibohf23spdlt)/cn=recipients/cn=bob" },
	{ "/o=x", 0, "x500:/o=x" },
	{ "/O=Ren\xc3\x89", 0, "x500:/o=ren\xc3\x89" },	/* ASCII only */
	{ "", -1, "" },
	{ "/o=a\tb", -1, "" },
	{ "/o=a\x7f", -1, "" },
};

START_TEST(test_key)
{
	const struct key_row	*r = &key_rows[_i];
	char			 key[X500_KEY_MAX + 1];
	int			 rc;

	rc = x500_key(r->dn, strlen(r->dn), key, sizeof(key));
	ck_assert_msg(rc == r->rc && strcmp(key, r->key) == 0,
	    "x500_key(%s): got %d '%s', want %d '%s'", r->dn, rc, key, r->rc,
	    r->key);
	ck_assert_int_eq(x500_is_key(key), rc == 0);
}
END_TEST

/* The same DN from both sides gives one key; the key's length bound. */
START_TEST(test_key_meet)
{
	static const char enc[] = "IMCEAEX-_O=FOURTHCOFFEE_OU=EXCHANGE+20"
	    "ADMINISTRATIVE+20GROUP+20+28FYDIBOHF23SPDLT+29_CN=RECIPIENTS_CN=BOB";
	static const char value[] = "/o=FourthCoffee/ou=Exchange Administrative "
	    "Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=bob";
	char		 dn[X500_DN_MAX + 1], k1[X500_KEY_MAX + 1];
	char		 k2[X500_KEY_MAX + 1], big[X500_DN_MAX + 2];
	const char	*why;

	ck_assert_int_eq(x500_decode(enc, strlen(enc), dn, sizeof(dn), &why),
	    X500_OK);
	ck_assert_int_eq(x500_key(dn, strlen(dn), k1, sizeof(k1)), 0);
	ck_assert_int_eq(x500_key(value, strlen(value), k2, sizeof(k2)), 0);
	ck_assert_str_eq(k1, k2);

	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(x500_key(big, X500_DN_MAX, k1, sizeof(k1)), 0);
	ck_assert_uint_eq(strlen(k1), X500_KEY_MAX);
	ck_assert_int_eq(x500_key(big, X500_DN_MAX + 1, k1, sizeof(k1)), -1);
	ck_assert_str_eq(k1, "");
	ck_assert_int_eq(x500_key("/o=x", 4, k1, 5), -1);
	ck_assert_int_eq(x500_is_key("bob@x"), 0);
	ck_assert_int_eq(x500_is_key("\"x500:a\"@b"), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("x500");
	TCase	*tc = tcase_create("x500");

	tcase_add_loop_test(tc, test_prefix, 0, NELEM(prefix_rows));
	tcase_add_test(tc, test_prefix_len);
	tcase_add_loop_test(tc, test_decode, 0, NELEM(decode_rows));
	tcase_add_test(tc, test_decode_len);
	tcase_add_loop_test(tc, test_key, 0, NELEM(key_rows));
	tcase_add_test(tc, test_key_meet);
	suite_add_tcase(s, tc);
	return tcheck_run(s);
}

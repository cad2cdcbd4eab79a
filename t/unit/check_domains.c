/*
 * check_domains.c - the domain table: exact names, wildcards, the most
 * specific entry, case, and the names refused.
 */
#include <string.h>

#include "domains.h"
#include "tcheck.h"

#define MAXNAMES	6

/* Builds a table from up to MAXNAMES names (NULL-terminated). */
static domains_t *
make(const char *const names[])
{
	domains_t	*t = domains_create();
	char		 err[256];

	ck_assert_ptr_nonnull(t);
	for (int i = 0; i < MAXNAMES && names[i] != NULL; i++) {
		domain_t	d = { 0 };
		char		name[256];

		snprintf(name, sizeof(name), "%s", names[i]);
		d.name = name;
		d.authority = AUTHORITY_AUTHORITATIVE;
		d.line = i + 1;
		ck_assert_msg(domains_add(t, &d, err, sizeof(err)) == 0,
		    "adding %s: %s", names[i], err);
	}
	return t;
}

static const struct {
	const char	*names[MAXNAMES + 1];
	const char	*query;
	const char	*want;		/* the matching entry's name, or NULL */
} match_rows[] = {
	{ { "example.com" }, "example.com", "example.com" },
	{ { "example.com" }, "EXAMPLE.Com", "example.com" },
	{ { "example.com" }, "example.com.", "example.com" },
	{ { "example.com" }, "a.example.com", NULL },
	{ { "example.com" }, "example.org", NULL },
	{ { "example.com" }, "xexample.com", NULL },
	{ { "example.com" }, "", NULL },
	{ { "*.example.com" }, "a.example.com", "*.example.com" },
	{ { "*.example.com" }, "a.b.example.com", "*.example.com" },
	{ { "*.example.com" }, "A.B.EXAMPLE.COM", "*.example.com" },
	{ { "*.example.com" }, "example.com", NULL },
	{ { "*.example.com" }, "xexample.com", NULL },
	{ { "*.example.com" }, ".example.com", NULL },
	{ { "*.example.com" }, "a..example.com", NULL },
	{ { "*.Example.COM" }, "a.example.com", "*.example.com" },
	/* exact before wildcard, longer wildcard before shorter */
	{ { "*.example.com", "a.example.com" }, "a.example.com", "a.example.com" },
	{ { "a.example.com", "*.example.com" }, "b.example.com", "*.example.com" },
	{ { "*.example.com", "*.a.example.com" }, "x.a.example.com", "*.a.example.com" },
	{ { "*.a.example.com", "*.example.com" }, "x.a.example.com", "*.a.example.com" },
	{ { "*.example.com", "*.a.example.com" }, "a.example.com", "*.example.com" },
	{ { "*.example.com", "*.a.example.com" }, "x.b.example.com", "*.example.com" },
	{ { "*.example.com", "example.com" }, "example.com", "example.com" },
	{ { "*.com", "example.com" }, "x.example.com", "*.com" },
	{ { "*.com", "*.example.com" }, "x.example.com", "*.example.com" },
	{ { "contoso.com", "sales.contoso.com", "fourthcoffee.com" },
	    "SALES.contoso.com", "sales.contoso.com" },
	{ { "contoso.com", "sales.contoso.com", "fourthcoffee.com" },
	    "eu.sales.contoso.com", NULL },
	{ { "bücher.example", "*.bücher.example" }, "a.bücher.example",
	    "*.bücher.example" },
	{ { NULL }, "example.com", NULL },
};

START_TEST(test_match)
{
	domains_t	*t = make(match_rows[_i].names);
	const domain_t	*d = domains_match(t, match_rows[_i].query);
	const char	*got = d ? d->name : NULL;
	const char	*want = match_rows[_i].want;

	ck_assert_msg((got == NULL && want == NULL) ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0),
	    "row %d: match(%s) = %s, want %s", _i, match_rows[_i].query,
	    got ? got : "NULL", want ? want : "NULL");
	domains_destroy(t);
}
END_TEST

static const struct {
	const char	*name;
	const char	*err;		/* substring of the error, NULL = accepted */
} add_rows[] = {
	{ "example.com", NULL },
	{ "*.example.com", NULL },
	{ "localdomain", NULL },
	{ "a-b.example", NULL },
	{ "xn--bcher-kva.example", NULL },
	{ "bücher.example", NULL },
	{ "1.2.3.example", NULL },
	{ "", "empty domain name" },
	{ "*", "wildcard" },
	{ "*.", "empty domain name" },
	{ "*example.com", "wildcard" },
	{ "a.*.example.com", "wildcard" },
	{ "*.*.example.com", "wildcard" },
	{ "ex*mple.com", "wildcard" },
	{ ".example.com", "empty label" },
	{ "example.com.", "empty label" },
	{ "example..com", "empty label" },
	{ "-example.com", "'-'" },
	{ "example-.com", "'-'" },
	{ "exa_mple.com", "letters, digits" },
	{ "exa mple.com", "letters, digits" },
	{ "[192.0.2.1]", "letters, digits" },
	{ "b\xfc" "cher.example", "letters, digits" },	/* Latin-1, not UTF-8 */
	{ "a\xc0\xaf.example", "letters, digits" },	/* overlong UTF-8 */
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com",
	    "longer than 63" },
};

START_TEST(test_add)
{
	domains_t	*t = domains_create();
	domain_t	 d = { 0 };
	char		 name[300], err[256] = "";
	int		 r;

	snprintf(name, sizeof(name), "%s", add_rows[_i].name);
	d.name = name;
	r = domains_add(t, &d, err, sizeof(err));
	if (add_rows[_i].err == NULL)
		ck_assert_msg(r == 0, "add(%s) refused: %s", add_rows[_i].name,
		    err);
	else
		ck_assert_msg(r == -1 && strstr(err, add_rows[_i].err) != NULL,
		    "add(%s) = %d '%s', want an error with '%s'",
		    add_rows[_i].name, r, err, add_rows[_i].err);
	domains_destroy(t);
}
END_TEST

START_TEST(test_long_name)
{
	char		 name[300], err[256];
	domains_t	*t = domains_create();
	domain_t	 d = { 0 };

	/* 4 x 63 + 3 dots = 255 > 253 */
	memset(name, 'a', sizeof(name));
	name[63] = name[127] = name[191] = '.';
	name[255] = '\0';
	d.name = name;
	ck_assert_int_eq(domains_add(t, &d, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "longer than 253"));
	ck_assert_ptr_null(domains_match(t, name));
	name[254] = '\0';		/* 254 bytes: one too many */
	ck_assert_int_eq(domains_add(t, &d, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "longer than 253"));
	name[253] = '\0';		/* 253 bytes: the most a name has */
	ck_assert_msg(domains_add(t, &d, err, sizeof(err)) == 0, "%s", err);
	ck_assert_ptr_nonnull(domains_match(t, name));
	name[251] = '\0';		/* 251 bytes: fine */
	ck_assert_msg(domains_add(t, &d, err, sizeof(err)) == 0, "%s", err);
	ck_assert_ptr_nonnull(domains_match(t, name));
	domains_destroy(t);
}
END_TEST

START_TEST(test_duplicate_and_order)
{
	domains_t	*t = domains_create();
	domain_t	 d = { 0 };
	char		 name[64], fwd[64], err[256];
	const domain_t	*e;

	snprintf(name, sizeof(name), "Contoso.COM");
	snprintf(fwd, sizeof(fwd), "legacy.contoso.com");
	d.name = name;
	d.authority = AUTHORITY_INTERNAL_RELAY;
	d.forward_to = fwd;
	d.line = 7;
	ck_assert_int_eq(domains_add(t, &d, err, sizeof(err)), 0);
	snprintf(name, sizeof(name), "zz.example");
	d.forward_to = NULL;
	d.authority = AUTHORITY_EXTERNAL_RELAY;
	d.canonicalize = true;
	d.line = 8;
	ck_assert_int_eq(domains_add(t, &d, err, sizeof(err)), 0);
	snprintf(name, sizeof(name), "aa.example");
	ck_assert_int_eq(domains_add(t, &d, err, sizeof(err)), 0);

	snprintf(name, sizeof(name), "contoso.com");
	d.line = 12;
	ck_assert_int_eq(domains_add(t, &d, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "duplicate domain 'contoso.com' (first at line 7)");

	ck_assert_uint_eq(domains_count(t), 3);
	e = domains_get(t, 0);
	ck_assert_str_eq(e->name, "contoso.com");	/* folded */
	ck_assert_str_eq(e->forward_to, "legacy.contoso.com");
	ck_assert_int_eq(e->authority, AUTHORITY_INTERNAL_RELAY);
	ck_assert_int_eq(e->line, 7);
	ck_assert(!e->canonicalize);
	ck_assert_str_eq(domains_get(t, 1)->name, "zz.example");
	ck_assert(domains_get(t, 1)->canonicalize);
	ck_assert_str_eq(domains_get(t, 2)->name, "aa.example");
	ck_assert_ptr_null(domains_get(t, 3));
	/* the copy is the table's own */
	snprintf(fwd, sizeof(fwd), "changed");
	ck_assert_str_eq(domains_match(t, "CONTOSO.com")->forward_to,
	    "legacy.contoso.com");
	domains_destroy(t);
	domains_destroy(NULL);
	ck_assert_uint_eq(domains_count(NULL), 0);
	ck_assert_ptr_null(domains_match(NULL, "contoso.com"));
}
END_TEST

START_TEST(test_authority_name)
{
	ck_assert_str_eq(domains_authority_name(AUTHORITY_AUTHORITATIVE),
	    "authoritative");
	ck_assert_str_eq(domains_authority_name(AUTHORITY_INTERNAL_RELAY),
	    "internal_relay");
	ck_assert_str_eq(domains_authority_name(AUTHORITY_EXTERNAL_RELAY),
	    "external_relay");
}
END_TEST

START_TEST(test_check_name)
{
	char	err[256];

	ck_assert_int_eq(domains_check_name("a.example", false, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(domains_check_name("*.example", false, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no wildcard allowed"));
	ck_assert_int_eq(domains_check_name("*.example", true, err,
	    sizeof(err)), 0);
}
END_TEST

static Suite *
domains_suite(void)
{
	Suite	*s = suite_create("domains");
	TCase	*tc = tcase_create("domains");

	tcase_add_loop_test(tc, test_match, 0, (int)NELEM(match_rows));
	tcase_add_loop_test(tc, test_add, 0, (int)NELEM(add_rows));
	tcase_add_test(tc, test_long_name);
	tcase_add_test(tc, test_duplicate_and_order);
	tcase_add_test(tc, test_authority_name);
	tcase_add_test(tc, test_check_name);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tcheck_run(domains_suite());
}

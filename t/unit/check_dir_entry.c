/*
 * check_dir_entry.c - the entry rules both back-ends share: how a proxy
 * value splits, and what each value of an entry is, in order, with the
 * message a refusal gives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dir_entry.h"
#include "x500.h"
#include "tcheck.h"

#define S(x)	((x) != NULL ? (x) : "(null)")

static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* ---- dir_entry_proxy_value() ---------------------------------------- */

static const struct proxy_row {
	const char	*value;
	const char	*want;		/* NULL: another type */
	int		 primary;
} proxy_rows[] = {
	{ "SMTP:a@b", "a@b", 1 },
	{ "smtp:a@b", "a@b", 0 },
	{ "Smtp:a@b", "a@b", 0 },
	{ "sMTP:a@b", "a@b", 0 },
	{ "a@b", "a@b", 0 },
	{ "SMTP:smtp:a@b", "smtp:a@b", 1 },	/* one prefix only */
	{ "SMTP:", "", 1 },
	{ "X500:/o=Org/ou=Site/cn=Recipients/cn=bob", NULL, 0 },
	{ "x500:/o=Org/cn=bob", NULL, 0 },
	{ "X400:c=US;a= ;p=Org;s=Bob;", NULL, 0 },
	{ "x400:c=US;a= ;p=Org;s=Bob;", NULL, 0 },
	{ "sip:a@b", NULL, 0 },
	{ "SIP:a@b", NULL, 0 },
	{ "EUM:1234;phone-context=x", NULL, 0 },
	{ "SMTPX:a@b", NULL, 0 },
	{ "SMT:a@b", NULL, 0 },
	{ "x-500:a@b", "x-500:a@b", 0 },	/* '-' is no type letter */
	{ "a@b:c", "a@b:c", 0 },		/* ':' after '@' */
	{ "\"a:b\"@c", "\"a:b\"@c", 0 },	/* quoted local part */
	{ ":a@b", ":a@b", 0 },			/* empty type: left whole */
	{ ":", ":", 0 },
	{ "smtp", "smtp", 0 },
	{ "", "", 0 },
	{ NULL, NULL, 0 },
};

START_TEST(test_proxy_value)
{
	const struct proxy_row	*r = &proxy_rows[_i];
	const char		*got;
	int			 primary = -1;

	got = dir_entry_proxy_value(r->value, &primary);
	ck_assert_msg(same(got, r->want) && (got == NULL ||
	    primary == r->primary),
	    "dir_entry_proxy_value(%s): got '%s' primary %d, want '%s' primary %d",
	    S(r->value), S(got), primary, S(r->want), r->primary);
	/* the address is inside the value, not a copy */
	ck_assert_msg(got == NULL || (got >= r->value &&
	    got <= r->value + strlen(r->value)), "row %d: not inside", _i);
}
END_TEST

/* ---- one entry's values, in order ----------------------------------- */

enum { PR = DIR_ENTRY_PRIMARY, SE = DIR_ENTRY_SECONDARY, TA = DIR_ENTRY_TARGET,
	X5 = DIR_ENTRY_X500, OT = DIR_ENTRY_OTHER, BV = DIR_ENTRY_BAD_VALUE,
	BE = DIR_ENTRY_BAD_ENTRY };

struct value {
	char		 attr;		/* 'p' proxy, 't' target; 0 ends */
	const char	*value;		/* "\0" inside counts (len from sizeof) */
	size_t		 len;		/* 0: strlen(value) */
	int		 kind;
	const char	*key;		/* of *a, "" when none */
	const char	*msg;		/* in the message for BV / BE */
};

static const struct entry_row {
	const char	*name;
	struct value	 values[6];
	const char	*primary;	/* afterwards, NULL: none */
	const char	*target;
} entry_rows[] = {
	{ "a contact", {
		{ 'p', "SMTP:Bob@Contoso.com", 0, PR, "bob@contoso.com", NULL },
		{ 'p', "smtp:bob.lee@contoso.com", 0, SE, "bob.lee@contoso.com", NULL },
		{ 'p', "X500:/o=Org/cn=bob", 0, X5, "x500:/o=org/cn=bob", NULL },
		{ 'p', "b@contoso.com", 0, SE, "b@contoso.com", NULL },
		{ 't', "SMTP:bob@fourthcoffee.com", 0, TA, "bob@fourthcoffee.com", NULL } },
	  "Bob@Contoso.com", "bob@fourthcoffee.com" },
	{ "a bare target, the same primary twice", {
		{ 'p', "SMTP:a@x", 0, PR, "a@x", NULL },
		{ 'p', "SMTP:A@X", 0, PR, "a@x", NULL },
		{ 't', "a@y", 0, TA, "a@y", NULL } },
	  "a@x", "a@y" },
	{ "a malformed secondary is the value's fault", {
		{ 'p', "smtp:bob@", 0, BV, "", "entry 'cn=e': bad proxy address 'smtp:bob@': " },
		{ 'p', "not an address", 0, BV, "", "bad proxy address 'not an address'" },
		{ 'p', ":a@x", 0, BV, "", "bad proxy address ':a@x'" },
		{ 'p', "smtp:a\0@x", 9, BV, "", "'smtp:a?@x': a NUL byte" },
		{ 'p', "SMTP:a@x", 0, PR, "a@x", NULL } },
	  "a@x", NULL },
	{ "a malformed primary is the entry's", {
		{ 'p', "SMTP:a b@x", 0, BE, "", "entry 'cn=e': bad proxy address 'SMTP:a b@x': " } },
	  NULL, NULL },
	{ "X500 values: any case, found by their key; no DN, no key", {
		{ 'p', "x500:/O=Org/OU=Exchange Administrative Group (FYDIBOHF23SPDLT)", 0, X5,
		    "x500:/o=org/ou=exchange administrative group (fydibohf23spdlt)", NULL },
		{ 'p', "X500:/o=Org/cn=Ann\xc3\xa9", 0, X5, "x500:/o=org/cn=ann\xc3\xa9", NULL },
		{ 'p', "X500:", 0, OT, "", NULL },
		{ 'p', "X500:/o=a\tb", 0, OT, "", NULL },
		{ 'p', "X500:/o=a\0b", 11, OT, "", NULL } },
	  NULL, NULL },
	{ "two primaries", {
		{ 'p', "SMTP:a@x", 0, PR, "a@x", NULL },
		{ 'p', "SMTP:b@x", 0, BE, "b@x", "entry 'cn=e': two primary addresses, 'a@x' and 'b@x' (only one SMTP: value is allowed)" } },
	  "a@x", NULL },
	{ "two targets", {
		{ 't', "SMTP:a@y", 0, TA, "a@y", NULL },
		{ 't', "b@y", 0, BE, "b@y", "entry 'cn=e': more than one targetAddress value" } },
	  NULL, "a@y" },
	{ "targets that are no SMTP address", {
		{ 't', "X400:c=US;a= ;p=X;", 0, BE, "", "entry 'cn=e': target address 'X400:c=US;a= ;p=X;' is not an SMTP address" },
		{ 't', "SMTP:a@@y", 0, BE, "", "entry 'cn=e': bad target address 'SMTP:a@@y': " },
		{ 't', "smtp:a\ty@x", 0, BE, "", "bad target address 'smtp:a?y@x'" } },
	  NULL, NULL },
};

START_TEST(test_entry)
{
	const struct entry_row	*row = &entry_rows[_i];
	dir_entry_rules_t	 r;

	dir_entry_begin(&r, "cn=e", "targetAddress");
	for (size_t i = 0; i < NELEM(row->values) && row->values[i].attr; i++) {
		const struct value	*v = &row->values[i];
		size_t			 len = v->len ? v->len : strlen(v->value);
		char			 msg[512] = "";
		addr_t			 a;
		dir_entry_kind_t	 k;

		k = v->attr == 'p' ?
		    dir_entry_proxy(&r, v->value, len, &a, msg, sizeof(msg)) :
		    dir_entry_target(&r, v->value, len, &a, msg, sizeof(msg));
		ck_assert_msg((int)k == v->kind && strcmp(a.key, v->key) == 0 &&
		    (v->msg == NULL || strstr(msg, v->msg) != NULL),
		    "%s, value %zu '%s': got %s '%s' (%s), want %s '%s' (%s)",
		    row->name, i + 1, v->value, dir_entry_kind_name(k), a.key,
		    msg, dir_entry_kind_name(v->kind), v->key, S(v->msg));
	}
	ck_assert_msg(same(r.has_primary ? r.primary.text : NULL,
	    row->primary) && same(r.has_target ? r.target.text : NULL,
	    row->target), "%s: got primary %s target %s, want %s %s",
	    row->name, r.has_primary ? r.primary.text : "(null)",
	    r.has_target ? r.target.text : "(null)", S(row->primary),
	    S(row->target));
}
END_TEST

/* Long values: another type is still ignored, an address is refused. */
START_TEST(test_long)
{
	char			 v[3000], msg[512];
	dir_entry_rules_t	 r;
	addr_t			 a;

	dir_entry_begin(&r, "cn=e", "targetAddress");
	memset(v, 'x', sizeof(v));
	memcpy(v, "X500:/o=", 8);
	ck_assert_int_eq(dir_entry_proxy(&r, v, sizeof(v), &a, msg,
	    sizeof(msg)), DIR_ENTRY_OTHER);
	/* the longest X500 value that makes a key, and one octet more */
	ck_assert_int_eq(dir_entry_proxy(&r, v, X500_KEY_MAX, &a, msg,
	    sizeof(msg)), DIR_ENTRY_X500);
	ck_assert_uint_eq(strlen(a.key), X500_KEY_MAX);
	ck_assert_int_eq(dir_entry_proxy(&r, v, X500_KEY_MAX + 1, &a, msg,
	    sizeof(msg)), DIR_ENTRY_OTHER);
	memcpy(v, "smtp:", 5);
	ck_assert_int_eq(dir_entry_proxy(&r, v, sizeof(v), &a, msg,
	    sizeof(msg)), DIR_ENTRY_BAD_VALUE);
	ck_assert_msg(strstr(msg, "longer than an address can be") != NULL &&
	    strlen(msg) < 400, "%s", msg);
	memcpy(v, "SMTP:", 5);
	ck_assert_int_eq(dir_entry_target(&r, v, sizeof(v), &a, msg,
	    sizeof(msg)), DIR_ENTRY_BAD_ENTRY);
	ck_assert_str_eq(dir_entry_kind_name((dir_entry_kind_t)99), "unknown");
}
END_TEST

/*
 * The joined list of secondary addresses: what goes in comes out, in
 * order; an address too long for the buffer is cut; NULL and "" are
 * empty lists.
 */
START_TEST(test_list)
{
	static const char *const in[] = { "a@b", "\"x y\"@c", "Z@D" };
	dir_entry_list_t	 l = { NULL, 0, 0 };
	const char		*p;
	char			 buf[8];
	size_t			 n = 0;

	for (size_t i = 0; i < NELEM(in); i++)
		ck_assert_int_eq(dir_entry_list_add(&l, in[i]), 0);
	ck_assert_str_eq(l.s, "a@b\n\"x y\"@c\nZ@D");
	for (p = l.s; dir_entry_list_next(&p, buf, sizeof(buf)); n++)
		ck_assert_str_eq(buf, in[n]);
	ck_assert_uint_eq(n, NELEM(in));
	l.len = 0;			/* emptied, reused */
	ck_assert_int_eq(dir_entry_list_add(&l, "long.address@example.org"), 0);
	p = l.s;
	ck_assert_int_eq(dir_entry_list_next(&p, buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "long.ad");
	ck_assert_int_eq(dir_entry_list_next(&p, buf, sizeof(buf)), 0);
	p = NULL;
	ck_assert_int_eq(dir_entry_list_next(&p, buf, sizeof(buf)), 0);
	p = "";
	ck_assert_int_eq(dir_entry_list_next(&p, buf, sizeof(buf)), 0);
	free(l.s);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("dir_entry");
	TCase	*tc = tcase_create("rules");

	tcase_add_loop_test(tc, test_proxy_value, 0, NELEM(proxy_rows));
	tcase_add_loop_test(tc, test_entry, 0, NELEM(entry_rows));
	tcase_add_test(tc, test_long);
	tcase_add_test(tc, test_list);
	suite_add_tcase(s, tc);
	return tcheck_run(s);
}

/*
 * check_audit.c - the directory audit (lib/policy/audit.c) on the shipped
 * configuration (etc/mailswitch.conf: contoso.com an internal relay that
 * forwards to legacy.contoso.com, sales.contoso.com authoritative,
 * fourthcoffee.com external; the rule fourthcoffee.com -> contoso.com;
 * max_hops 8): a directory with one case of every kind among clean
 * entries gives exactly those findings, in order; the clean directory
 * alone gives none; the findings are the same whatever order the entries
 * come in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "config.h"
#include "tcheck.h"

/* One entry: its DN, proxy values and target values (NULL-terminated). */
struct seed {
	const char	*dn;
	const char	*proxy[6];
	const char	*target[3];
};

/* Entries nothing is wrong with. */
static const struct seed clean[] = {
	{ "cn=Bob Lee,ou=contacts", { "SMTP:bob@contoso.com",
	    "smtp:bob.lee@contoso.com",
	    "X500:/o=FourthCoffee/ou=Exchange/cn=Recipients/cn=bob" },
	    { "SMTP:bob@fourthcoffee.com" } },
	{ "cn=Dan Park,ou=users", { "SMTP:dan@contoso.com",
	    "smtp:dan.park@contoso.com" }, { NULL } },
	{ "cn=Carol Diaz,ou=users", { "SMTP:Carol.Diaz@sales.contoso.com",
	    "smtp:carol@sales.contoso.com", "x400:c=US;a= ;p=Contoso;" },
	    { NULL } },
	/* a chain of two contacts: fine */
	{ "cn=Erin Chain,ou=contacts", { "SMTP:erin@contoso.com" },
	    { "erin.old@contoso.com" } },
	{ "cn=Erin Old,ou=contacts", { "SMTP:erin.old@contoso.com" },
	    { "SMTP:erin@fourthcoffee.com" } },
	/* a target in contoso.com, held by no entry: forwarded, routable */
	{ "cn=Moved,ou=contacts", { "SMTP:moved@contoso.com" },
	    { "SMTP:moved@legacy.contoso.com" } },
	/* an address in an external_relay domain, held twice: never looked up */
	{ "cn=Ext One,ou=users", { "SMTP:ext1@contoso.com",
	    "smtp:same@fourthcoffee.com" }, { NULL } },
	{ "cn=Ext Two,ou=users", { "SMTP:ext2@contoso.com",
	    "smtp:same@fourthcoffee.com" }, { NULL } },
	/* Tom Jones is tom@contoso.com; his own target: no collision */
	{ "cn=Tom Jones,ou=users", { "SMTP:tom@contoso.com" }, { NULL } },
	{ "cn=Ann Lake,ou=contacts", { "SMTP:ann@contoso.com" },
	    { "SMTP:ann@fourthcoffee.com" } },
	/*
	 * Fourth Coffee's Dave Smith is dave.smith@contoso.com, since
	 * dave@contoso.com is Contoso's Dave Jones: the directory makes his
	 * replies come back to him (outbound.lookup), the rule alone would not
	 */
	{ "cn=Dave Smith,ou=contacts", { "SMTP:dave.smith@contoso.com" },
	    { "SMTP:dave@fourthcoffee.com" } },
	{ "cn=Dave Jones,ou=users", { "SMTP:dave@contoso.com" }, { NULL } },
	/*
	 * An Exchange 2010-style contact (its primary address its external
	 * one) sends as its secondary address gina.fox@contoso.com, not as
	 * the rule's gina@contoso.com, which is Gina Ray's
	 */
	{ "cn=Gina Fox,ou=contacts", { "SMTP:gina@fourthcoffee.com",
	    "smtp:gina.fox@contoso.com" }, { "SMTP:gina@fourthcoffee.com" } },
	{ "cn=Gina Ray,ou=users", { "SMTP:gina@contoso.com" }, { NULL } },
};

/* One case of every kind. */
static const struct seed cases[] = {
	/* ambiguous: an address, and an X500 value, held by two entries */
	{ "cn=Shared One,ou=users", { "SMTP:shared1@contoso.com",
	    "smtp:shared@contoso.com",
	    "X500:/o=Contoso/cn=Recipients/cn=shared" }, { NULL } },
	{ "cn=Shared Two,ou=users", { "SMTP:shared2@contoso.com",
	    "smtp:SHARED@contoso.com",
	    "x500:/O=CONTOSO/CN=RECIPIENTS/CN=SHARED" }, { NULL } },
	/* loop: a cycle of two contacts */
	{ "cn=Loop One,ou=contacts", { "SMTP:loop1@contoso.com" },
	    { "SMTP:loop2@contoso.com" } },
	{ "cn=Loop Two,ou=contacts", { "SMTP:loop2@contoso.com" },
	    { "SMTP:loop1@contoso.com" } },
	/* loop: nine contacts in a chain (max_hops 8): only the first */
	{ "cn=H1", { "SMTP:h1@contoso.com" }, { "h2@contoso.com" } },
	{ "cn=H2", { "SMTP:h2@contoso.com" }, { "h3@contoso.com" } },
	{ "cn=H3", { "SMTP:h3@contoso.com" }, { "h4@contoso.com" } },
	{ "cn=H4", { "SMTP:h4@contoso.com" }, { "h5@contoso.com" } },
	{ "cn=H5", { "SMTP:h5@contoso.com" }, { "h6@contoso.com" } },
	{ "cn=H6", { "SMTP:h6@contoso.com" }, { "h7@contoso.com" } },
	{ "cn=H7", { "SMTP:h7@contoso.com" }, { "h8@contoso.com" } },
	{ "cn=H8", { "SMTP:h8@contoso.com" }, { "h9@contoso.com" } },
	{ "cn=H9", { "SMTP:h9@contoso.com" }, { "h@fourthcoffee.com" } },
	/* unroutable: the target is unknown in an authoritative domain */
	{ "cn=Ghost,ou=contacts", { "SMTP:ghost@contoso.com" },
	    { "SMTP:gone@sales.contoso.com" } },
	/*
	 * collision: Fourth Coffee's Tom Baker has no primary address, so
	 * the rule makes tom@fourthcoffee.com tom@contoso.com: Tom Jones's
	 */
	{ "cn=Tom Baker,ou=contacts", { "smtp:tbaker@contoso.com" },
	    { "SMTP:tom@fourthcoffee.com" } },
	/* malformed: a secondary that is no address, an empty X500 value */
	{ "cn=Typo,ou=users", { "SMTP:typo@contoso.com",
	    "smtp:typo@@contoso.com", "X500:" }, { NULL } },
	/* malformed: a target that is no SMTP address (the entry fails) */
	{ "cn=X400 Target,ou=contacts", { "SMTP:x400@contoso.com" },
	    { "X400:c=US;a= ;p=FourthCoffee;s=Lee;" } },
	/* unconfigured: an address of the old name */
	{ "cn=Old Name,ou=users", { "SMTP:old@contoso.com",
	    "smtp:old@oldname.example" }, { NULL } },
};

/* The findings of clean + cases, in order. */
static const char *const want[] = {
	"ambiguous\tshared@contoso.com\theld by 2 entries: 'cn=Shared One,ou=users'; 'cn=Shared Two,ou=users'",
	"ambiguous\tx500:/o=contoso/cn=recipients/cn=shared\theld by 2 entries: 'cn=Shared One,ou=users'; 'cn=Shared Two,ou=users'",
	"loop\th1@contoso.com\tentry 'cn=H1': 554 5.4.6: more than 8 contacts in a chain",
	"loop\tloop1@contoso.com\tentry 'cn=Loop One,ou=contacts': 554 5.4.6: loop1@contoso.com leads back to loop1@contoso.com",
	"loop\tloop2@contoso.com\tentry 'cn=Loop Two,ou=contacts': 554 5.4.6: loop2@contoso.com leads back to loop2@contoso.com",
	"unroutable\tghost@contoso.com\tcontact 'cn=Ghost,ou=contacts': its mail goes to gone@sales.contoso.com, which this gateway refuses: 550 5.1.1 user unknown",
	"collision\ttom@fourthcoffee.com\trule fourthcoffee.com -> contoso.com makes it tom@contoso.com, held by 'cn=Tom Jones,ou=users'; replies to it go to tom@contoso.com; tom@fourthcoffee.com is the target of 'cn=Tom Baker,ou=contacts'",
	"malformed\t-\tcontacts.ldif:412: bad base64 value",
	"malformed\tX400:c=US;a= ;p=FourthCoffee;s=Lee;\tentry 'cn=X400 Target,ou=contacts': target address 'X400:c=US;a= ;p=FourthCoffee;s=Lee;' is not an SMTP address",
	"malformed\tX500:\tentry 'cn=Typo,ou=users': an X500 value without a usable DN (empty, a control character, or longer than 2032 octets): ignored",
	"malformed\tsmtp:typo@@contoso.com\tentry 'cn=Typo,ou=users': bad proxy address 'smtp:typo@@contoso.com': more than one @",
	"unconfigured\told@oldname.example\tin no configured domain: 'cn=Old Name,ou=users'",
};

/* Feeds one seed to a; its values as bervals. */
static void
feed(audit_t *a, const struct seed *s)
{
	struct berval	 pv[6], tv[3], *pp[7], *tp[4];
	size_t		 n;

	for (n = 0; n < NELEM(s->proxy) && s->proxy[n] != NULL; n++) {
		pv[n].bv_val = (char *)(uintptr_t)s->proxy[n];
		pv[n].bv_len = strlen(s->proxy[n]);
		pp[n] = &pv[n];
	}
	pp[n] = NULL;
	for (n = 0; n < NELEM(s->target) && s->target[n] != NULL; n++) {
		tv[n].bv_val = (char *)(uintptr_t)s->target[n];
		tv[n].bv_len = strlen(s->target[n]);
		tp[n] = &tv[n];
	}
	tp[n] = NULL;
	ck_assert_int_eq(audit_entry(a, s->dn, pp, tp), 0);
}

/*
 * Runs an audit of clean (and cases, when with_cases), in order or
 * backwards, and returns its findings as lines in buf.
 */
static void
run(const config_t *cfg, int with_cases, int backwards, char *buf,
    size_t len, audit_t **keep)
{
	audit_t		*a = audit_new(cfg);
	audit_finding_t	 f;
	char		 err[256];
	size_t		 o = 0, n = NELEM(clean) + (with_cases ?
			    NELEM(cases) : 0);

	ck_assert_ptr_nonnull(a);
	for (size_t i = 0; i < n; i++) {
		size_t	 j = backwards ? n - 1 - i : i;

		feed(a, j < NELEM(clean) ? &clean[j] :
		    &cases[j - NELEM(clean)]);
	}
	if (with_cases)
		ck_assert_int_eq(audit_problem(a,
		    "contacts.ldif:412: bad base64 value"), 0);
	ck_assert_msg(audit_run(a, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(audit_run(a, err, sizeof(err)), -1);
	buf[0] = '\0';
	for (size_t i = 0; audit_finding(a, i, &f) == 0; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s\t%s\t%s\n",
		    audit_kind_name(f.kind), f.address, f.detail);
	ck_assert_int_eq(audit_finding(a, audit_nfindings(a), &f), -1);
	ck_assert_uint_eq(audit_entries(a), n);
	if (keep != NULL)
		*keep = a;
	else
		audit_free(a);
}

static config_t *
example(void)
{
	char		 err[CONFIG_ERR_MAX];
	config_t	*cfg = config_load(tcheck_etc("mailswitch.conf"), err,
			    sizeof(err));

	ck_assert_msg(cfg != NULL, "%s", err);
	return cfg;
}

START_TEST(test_clean)
{
	config_t	*cfg = example();
	char		 got[16384];
	audit_t		*a;

	run(cfg, 0, 0, got, sizeof(got), &a);
	ck_assert_msg(got[0] == '\0', "findings in a clean directory:\n%s",
	    got);
	for (int k = 0; k < AUDIT_KINDS; k++)
		ck_assert_uint_eq(audit_count(a, (audit_kind_t)k), 0);
	audit_free(a);
	config_free(cfg);
}
END_TEST

START_TEST(test_every_kind)
{
	config_t	*cfg = example();
	char		 got[16384], expect[16384] = "", again[16384];
	audit_t		*a;
	size_t		 per[AUDIT_KINDS] = { 2, 3, 1, 1, 4, 1 };

	for (size_t i = 0; i < NELEM(want); i++)
		snprintf(expect + strlen(expect), sizeof(expect) -
		    strlen(expect), "%s\n", want[i]);
	run(cfg, 1, 0, got, sizeof(got), &a);
	ck_assert_msg(strcmp(got, expect) == 0, "got:\n%s\nwant:\n%s", got,
	    expect);
	for (int k = 0; k < AUDIT_KINDS; k++)
		ck_assert_msg(audit_count(a, (audit_kind_t)k) == per[k],
		    "%s: %zu, want %zu", audit_kind_name((audit_kind_t)k),
		    audit_count(a, (audit_kind_t)k), per[k]);
	audit_free(a);
	/* stable: the same lines whatever order the entries come in */
	run(cfg, 1, 1, again, sizeof(again), NULL);
	ck_assert_str_eq(again, got);
	config_free(cfg);
}
END_TEST

/*
 * With outbound.lookup = false every target meets the rule alone: Dave
 * Smith's and Gina Fox's replies would reach Dave Jones and Gina Ray;
 * Bob's, Ann's and Erin's come back to them (Erin's through the chain of
 * erin@contoso.com).
 */
START_TEST(test_no_lookup)
{
	config_t	*cfg = example();
	char		 got[16384];

	cfg->outbound.lookup = false;
	run(cfg, 0, 0, got, sizeof(got), NULL);
	ck_assert_str_eq(got, "collision\tdave@fourthcoffee.com\trule "
	    "fourthcoffee.com -> contoso.com makes it dave@contoso.com, held by "
	    "'cn=Dave Jones,ou=users'; replies to it go to dave@contoso.com; "
	    "dave@fourthcoffee.com is the target of 'cn=Dave Smith,ou=contacts'"
	    "\n"
	    "collision\tgina@fourthcoffee.com\trule "
	    "fourthcoffee.com -> contoso.com makes it gina@contoso.com, held by "
	    "'cn=Gina Ray,ou=users'; replies to it go to gina@contoso.com; "
	    "gina@fourthcoffee.com is the target of 'cn=Gina Fox,ou=contacts'"
	    "\n");
	config_free(cfg);
}
END_TEST

START_TEST(test_names)
{
	static const char *const names[] = { "ambiguous", "loop",
	    "unroutable", "collision", "malformed", "unconfigured" };

	for (int k = 0; k < AUDIT_KINDS; k++) {
		ck_assert_str_eq(audit_kind_name((audit_kind_t)k), names[k]);
		ck_assert_int_eq(audit_kind_is_problem((audit_kind_t)k),
		    k != AUDIT_UNCONFIGURED);
	}
	ck_assert_str_eq(audit_kind_name(AUDIT_KINDS), "?");
	audit_free(NULL);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("audit");
	TCase	*tc = tcase_create("audit");

	tcase_add_test(tc, test_clean);
	tcase_add_test(tc, test_every_kind);
	tcase_add_test(tc, test_no_lookup);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return tcheck_run(s);
}

/*
 * check_resolve.c - the inbound decision table of the contract, row by row,
 * on the shipped example (etc/mailswitch.conf, etc/contacts.ldif) and on a
 * stricter variant (wildcard domain, max_hops = 1, no forward_to).
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "dir_cache.h"
#include "dir_fake.h"
#include "dir_replica.h"
#include "directory.h"
#include "resolve.h"
#include "tcheck.h"
#include "x500.h"

struct rcpt_row {
	const char		*rcpt;
	resolve_action_t	 action;
	const char		*expect;	/* address, or the whole reply */
	const char		*reason;
};

static const char *const action_names[] = { "KEEP", "REWRITE", "REJECT", "TEMPFAIL" };

/* The shipped example: contoso.com internal_relay -> legacy.contoso.com,
 * sales.contoso.com authoritative + canonicalize, fourthcoffee.com external. */
/* SPEC section 11's example local part: Bob Lee's second X500: value */
#define BOB_IMCEAEX "IMCEAEX-_O=FOURTHCOFFEE_OU=EXCHANGE+20ADMINISTRATIVE" \
	"+20GROUP+20+28FYDIBOHF23SPDLT+29_CN=RECIPIENTS_CN=BOB"

static const struct rcpt_row example_rows[] = {
	/* in no configured domain, or an external_relay one: untouched */
	{ "<someone@example.org>", RESOLVE_KEEP, "someone@example.org", "unconfigured" },
	{ "<bob@contoso.com.example.org>", RESOLVE_KEEP, "bob@contoso.com.example.org", "unconfigured" },
	{ "<Bob@FourthCoffee.com>", RESOLVE_KEEP, "Bob@FourthCoffee.com", "external" },
	/* <postmaster> needs no domain and is always accepted, no lookup */
	{ "<postmaster>", RESOLVE_KEEP, "postmaster", "postmaster" },
	{ "<PostMaster>", RESOLVE_KEEP, "PostMaster", "postmaster" },
	{ "postmaster", RESOLVE_KEEP, "postmaster", "postmaster" },
	{ "<postmaster@sales.contoso.com>", RESOLVE_REJECT,
	    "550 5.1.1 <postmaster@sales.contoso.com>: Recipient address "
	    "rejected: User unknown", "unknown" },
	/* contacts: any proxy address, any case -> the target as stored */
	{ "<bob@contoso.com>", RESOLVE_REWRITE, "bob@fourthcoffee.com", "contact" },
	{ "<BOB@Contoso.COM>", RESOLVE_REWRITE, "bob@fourthcoffee.com", "contact" },
	{ "bob@contoso.com", RESOLVE_REWRITE, "bob@fourthcoffee.com", "contact" },
	{ "<bob.lee@contoso.com>", RESOLVE_REWRITE, "bob@fourthcoffee.com", "contact" },
	{ "<\"bob\"@contoso.com>", RESOLVE_REWRITE, "bob@fourthcoffee.com", "contact" },
	{ "<@relay.example,@mx.example:bob@contoso.com>", RESOLVE_REWRITE, "bob@fourthcoffee.com", "contact" },
	{ "<alice@contoso.com>", RESOLVE_REWRITE, "Alice.Wong@fourthcoffee.com", "contact" },
	{ "<awong@contoso.com>", RESOLVE_REWRITE, "Alice.Wong@fourthcoffee.com", "contact" },
	{ "<frank@sales.contoso.com>", RESOLVE_REWRITE, "frank@fourthcoffee.com", "contact" },
	{ "<zoe@contoso.com>", RESOLVE_REWRITE, "zoe.mueller@fourthcoffee.com", "contact" },
	{ "<zm@contoso.com>", RESOLVE_REWRITE, "zoe.mueller@fourthcoffee.com", "contact" },
	/* an Exchange 2010-style contact: its external primary is not ours */
	{ "<hank.reed@contoso.com>", RESOLVE_REWRITE, "hank@fourthcoffee.com", "contact" },
	{ "<hank@fourthcoffee.com>", RESOLVE_KEEP, "hank@fourthcoffee.com", "external" },
	/* a chain of contacts is followed to its end */
	{ "<erin@contoso.com>", RESOLVE_REWRITE, "erin@fourthcoffee.com", "contact" },
	{ "<erin.old@contoso.com>", RESOLVE_REWRITE, "erin@fourthcoffee.com", "contact" },
	/* mailbox users: untouched, or their primary with canonicalize */
	{ "<dan@contoso.com>", RESOLVE_KEEP, "dan@contoso.com", "mailbox" },
	{ "<dan.park@contoso.com>", RESOLVE_KEEP, "dan.park@contoso.com", "mailbox" },
	{ "<cdiaz@contoso.com>", RESOLVE_KEEP, "cdiaz@contoso.com", "mailbox" },
	{ "<carol@sales.contoso.com>", RESOLVE_REWRITE, "Carol.Diaz@sales.contoso.com", "canonical" },
	{ "<CAROL@SALES.CONTOSO.COM>", RESOLVE_REWRITE, "Carol.Diaz@sales.contoso.com", "canonical" },
	{ "<carol.diaz@sales.contoso.com>", RESOLVE_KEEP, "carol.diaz@sales.contoso.com", "canonical" },
	{ "<g.ho@sales.contoso.com>", RESOLVE_REWRITE, "gina@sales.contoso.com", "canonical" },
	{ "<gina@sales.contoso.com>", RESOLVE_KEEP, "gina@sales.contoso.com", "canonical" },
	/* unknown: rejected in an authoritative domain, forwarded in a shared one */
	{ "<nobody@sales.contoso.com>", RESOLVE_REJECT,
	  "550 5.1.1 <nobody@sales.contoso.com>: Recipient address rejected: User unknown", "unknown" },
	{ "<Nobody@Sales.Contoso.com>", RESOLVE_REJECT,
	  "550 5.1.1 <Nobody@Sales.Contoso.com>: Recipient address rejected: User unknown", "unknown" },
	{ "<nobody@contoso.com>", RESOLVE_REWRITE, "nobody@legacy.contoso.com", "forward" },
	{ "<No.Body+tag@contoso.com>", RESOLVE_REWRITE, "No.Body+tag@legacy.contoso.com", "forward" },
	{ "<bob@legacy.contoso.com>", RESOLVE_KEEP, "bob@legacy.contoso.com", "unconfigured" },
	/* loops, chains and cycles */
	{ "<loop1@contoso.com>", RESOLVE_REJECT,
	  "554 5.4.6 <loop1@contoso.com>: Routing loop detected", "loop" },
	{ "<loop2@contoso.com>", RESOLVE_REJECT,
	  "554 5.4.6 <loop2@contoso.com>: Routing loop detected", "loop" },
	{ "<self@contoso.com>", RESOLVE_REJECT,
	  "554 5.4.6 <self@contoso.com>: Routing loop detected", "loop" },
	/* one proxy address, two entries */
	{ "<shared@contoso.com>", RESOLVE_REJECT,
	  "550 5.1.4 <shared@contoso.com>: Recipient address rejected: ambiguous", "ambiguous" },
	/* not a valid RFC 5321 path */
	{ "<>", RESOLVE_REJECT, "501 5.1.3 Bad recipient address syntax", "syntax" },
	{ "<a b@contoso.com>", RESOLVE_REJECT, "501 5.1.3 Bad recipient address syntax", "syntax" },
	{ "<@contoso.com>", RESOLVE_REJECT, "501 5.1.3 Bad recipient address syntax", "syntax" },
	{ "<bob@contoso.com", RESOLVE_REJECT, "501 5.1.3 Bad recipient address syntax", "syntax" },
	{ "", RESOLVE_REJECT, "501 5.1.3 Bad recipient address syntax", "syntax" },
	/*
	 * Replies to old Exchange addresses (SPEC section 11): the DN of an
	 * IMCEAEX / IMCEAX500 local part found among the X500: values, then
	 * decided as mail to that entry's primary address
	 */
	{ "<" BOB_IMCEAEX "@contoso.com>", RESOLVE_REWRITE,
	  "bob@fourthcoffee.com", "x500-contact" },
	{ "<" BOB_IMCEAEX "@sales.contoso.com>", RESOLVE_REWRITE,
	  "bob@fourthcoffee.com", "x500-contact" },
	{ "<@relay.example:" BOB_IMCEAEX "@contoso.com>", RESOLVE_REWRITE,
	  "bob@fourthcoffee.com", "x500-contact" },
	{ "<imceaex-_o=fourthcoffee_ou=exchange_cn=recipients_cn=BOB@Contoso.com>",
	  RESOLVE_REWRITE, "bob@fourthcoffee.com", "x500-contact" },
	{ "<IMCEAX500-_o=FourthCoffee_ou=Exchange_cn=Recipients_cn=bob@contoso.com>",
	  RESOLVE_REWRITE, "bob@fourthcoffee.com", "x500-contact" },
	{ "<IMCEAEX-+2Fo+3DFourthCoffee+2fou+3dExchange_cn=Recipients_cn=bob@contoso.com>",
	  RESOLVE_REWRITE, "bob@fourthcoffee.com", "x500-contact" },
	/* a chain is followed from the entry, as usual */
	{ "<IMCEAX500-_o=FourthCoffee_ou=Exchange_cn=Recipients_cn=erin@contoso.com>",
	  RESOLVE_REWRITE, "erin@fourthcoffee.com", "x500-contact" },
	/* a mailbox user: its primary address */
	{ "<IMCEAEX-_O=CONTOSO_OU=FIRST+20ADMINISTRATIVE+20GROUP_CN=RECIPIENTS_CN=DPARK@contoso.com>",
	  RESOLVE_REWRITE, "dan@contoso.com", "x500-mailbox" },
	{ "<IMCEAEX-_o=Contoso_ou=Sales_cn=Recipients_cn=cdiaz@sales.contoso.com>",
	  RESOLVE_REWRITE, "Carol.Diaz@sales.contoso.com", "x500-mailbox" },
	/* the primary's refusals, naming the address that was given */
	{ "<IMCEAEX-_o=Contoso_cn=Recipients_cn=loop1@contoso.com>",
	  RESOLVE_REJECT, "554 5.4.6 <IMCEAEX-_o=Contoso_cn=Recipients_cn="
	  "loop1@contoso.com>: Routing loop detected", "loop" },
	/* one DN, two entries (in two spellings) */
	{ "<IMCEAEX-_o=Contoso_cn=Recipients_cn=shared@contoso.com>",
	  RESOLVE_REJECT, "550 5.1.4 <IMCEAEX-_o=Contoso_cn=Recipients_cn="
	  "shared@contoso.com>: Recipient address rejected: ambiguous",
	  "ambiguous" },
	/* not found, or not decodable: the domain's answer for the unknown */
	{ "<IMCEAEX-_o=Contoso_cn=Recipients_cn=nobody@sales.contoso.com>",
	  RESOLVE_REJECT, "550 5.1.1 <IMCEAEX-_o=Contoso_cn=Recipients_cn="
	  "nobody@sales.contoso.com>: Recipient address rejected: User unknown",
	  "unknown" },
	{ "<IMCEAEX-_o=Contoso_cn=Recipients_cn=nobody@contoso.com>",
	  RESOLVE_REWRITE, "IMCEAEX-_o=Contoso_cn=Recipients_cn=nobody@"
	  "legacy.contoso.com", "forward" },
	{ "<IMCEAEX-_o=FourthCoffee_ou=Exchange_cn=Recipients+2@sales.contoso.com>",
	  RESOLVE_REJECT, "550 5.1.1 <IMCEAEX-_o=FourthCoffee_ou=Exchange_cn="
	  "Recipients+2@sales.contoso.com>: Recipient address rejected: User "
	  "unknown", "unknown" },
	{ "<IMCEAEX-@sales.contoso.com>", RESOLVE_REJECT, "550 5.1.1 "
	  "<IMCEAEX-@sales.contoso.com>: Recipient address rejected: User "
	  "unknown", "unknown" },
	{ "<IMCEAEX-+00@contoso.com>", RESOLVE_REWRITE,
	  "IMCEAEX-+00@legacy.contoso.com", "forward" },
	/* merely the letters: an ordinary address */
	{ "<IMCEAEXbob@sales.contoso.com>", RESOLVE_REJECT, "550 5.1.1 "
	  "<IMCEAEXbob@sales.contoso.com>: Recipient address rejected: User "
	  "unknown", "unknown" },
	/* in no configured domain, or an external one: untouched, no lookup */
	{ "<" BOB_IMCEAEX "@example.org>", RESOLVE_KEEP,
	  BOB_IMCEAEX "@example.org", "unconfigured" },
	{ "<" BOB_IMCEAEX "@fourthcoffee.com>", RESOLVE_KEEP,
	  BOB_IMCEAEX "@fourthcoffee.com", "external" },
};

/*
 * Senders of the shipped example (SPEC section 2, steps 1 and 2): the
 * contact whose target is the sender gives its primary address; an
 * Exchange 2010-style contact, whose primary is its external address
 * (which the rule fourthcoffee.com -> contoso.com rewrites too), gives
 * its first secondary address in contoso.com, and one without such an
 * address leaves it to the rule.
 */
static const struct rcpt_row sender_rows[] = {
	{ "<bob@fourthcoffee.com>", RESOLVE_REWRITE, "bob@contoso.com", "directory" },
	{ "<Alice.Wong@FourthCoffee.com>", RESOLVE_REWRITE, "alice@contoso.com", "directory" },
	{ "<hank@fourthcoffee.com>", RESOLVE_REWRITE, "Hank.Reed@contoso.com", "directory" },
	{ "<HANK@FourthCoffee.COM>", RESOLVE_REWRITE, "Hank.Reed@contoso.com", "directory" },
	{ "<ivy@fourthcoffee.com>", RESOLVE_REWRITE, "ivy@contoso.com", "rule" },
	{ "<nobody@fourthcoffee.com>", RESOLVE_REWRITE, "nobody@contoso.com", "rule" },
	{ "<x@mail.fourthcoffee.com>", RESOLVE_REWRITE, "x@contoso.com", "rule" },
	{ "<someone@example.org>", RESOLVE_KEEP, "someone@example.org", "unmapped" },
	{ "<>", RESOLVE_KEEP, "", "null" },
};

/* A stricter site: every subdomain authoritative, no forwarding, one hop. */
static const char strict_conf[] =
	"directory = { backend = \"ldif\"; ldif = { path = \"%s\"; }; };\n"
	"max_hops = 1;\n"
	"domains = (\n"
	"  { name = \"contoso.com\"; authority = \"internal_relay\"; },\n"
	"  { name = \"*.contoso.com\"; authority = \"authoritative\"; },\n"
	"  { name = \"fourthcoffee.com\"; authority = \"authoritative\"; }\n"
	");\n";

static const struct rcpt_row strict_rows[] = {
	{ "<nobody@contoso.com>", RESOLVE_KEEP, "nobody@contoso.com", "relay" },
	{ "<nobody@sales.contoso.com>", RESOLVE_REJECT,
	  "550 5.1.1 <nobody@sales.contoso.com>: Recipient address rejected: User unknown", "unknown" },
	{ "<nobody@a.b.contoso.com>", RESOLVE_REJECT,
	  "550 5.1.1 <nobody@a.b.contoso.com>: Recipient address rejected: User unknown", "unknown" },
	{ "<carol@sales.contoso.com>", RESOLVE_KEEP, "carol@sales.contoso.com", "mailbox" },
	{ "<bob@contoso.com>", RESOLVE_REWRITE, "bob@fourthcoffee.com", "contact" },
	/* two contacts in a chain are more than max_hops = 1 */
	{ "<erin@contoso.com>", RESOLVE_REJECT,
	  "554 5.4.6 <erin@contoso.com>: Routing loop detected", "loop" },
	/* the target's domain is authoritative now, and unknown there: still delivered */
	{ "<alice@contoso.com>", RESOLVE_REWRITE, "Alice.Wong@fourthcoffee.com", "contact" },
	{ "<x@fourthcoffee.com>", RESOLVE_REJECT,
	  "550 5.1.1 <x@fourthcoffee.com>: Recipient address rejected: User unknown", "unknown" },
	{ "<x@example.org>", RESOLVE_KEEP, "x@example.org", "unconfigured" },
	/* no forward_to: an unknown X500 address is passed on as it is */
	{ "<IMCEAEX-_o=Contoso_cn=nobody@contoso.com>", RESOLVE_KEEP,
	  "IMCEAEX-_o=Contoso_cn=nobody@contoso.com", "relay" },
	{ "<IMCEAEX-_o=Contoso_cn=nobody@x.contoso.com>", RESOLVE_REJECT,
	  "550 5.1.1 <IMCEAEX-_o=Contoso_cn=nobody@x.contoso.com>: Recipient "
	  "address rejected: User unknown", "unknown" },
	/* the entry's primary, as mail to it: two contacts are a loop here */
	{ "<IMCEAX500-_o=FourthCoffee_ou=Exchange_cn=Recipients_cn=erin@contoso.com>",
	  RESOLVE_REJECT, "554 5.4.6 <IMCEAX500-_o=FourthCoffee_ou=Exchange_"
	  "cn=Recipients_cn=erin@contoso.com>: Routing loop detected", "loop" },
	{ "<IMCEAEX-_O=CONTOSO_OU=FIRST+20ADMINISTRATIVE+20GROUP_CN=RECIPIENTS_CN=DPARK@x.contoso.com>",
	  RESOLVE_REWRITE, "dan@contoso.com", "x500-mailbox" },
};

/*
 * Loads the configuration at path into *cfg and opens its directory; the
 * caller closes the directory and frees *cfg.
 */
static directory_t *
open_directory(const char *path, config_t **cfg)
{
	char		 err[CONFIG_ERR_MAX];
	directory_t	*dir;

	*cfg = config_load(path, err, sizeof(err));
	ck_assert_msg(*cfg != NULL, "%s", err);
	dir = directory_open(*cfg, err, sizeof(err));
	ck_assert_msg(dir != NULL, "%s", err);
	return dir;
}

/*
 * The example configuration over a fresh fake directory (*dir, *fake):
 * on_error is its on_directory_error, or -1 to keep the example's.  The
 * caller closes *dir and frees the configuration.
 */
static config_t *
fake_setup(int on_error, directory_t **dir, dir_fake_t **fake)
{
	char		 err[CONFIG_ERR_MAX];
	config_t	*cfg = config_load(tcheck_example_conf(), err, sizeof(err));

	ck_assert_msg(cfg != NULL, "%s", err);
	if (on_error != -1)
		cfg->on_directory_error = (dir_error_policy_t)on_error;
	*dir = dir_fake_open(fake, err, sizeof(err));
	ck_assert_msg(*dir != NULL, "%s", err);
	return cfg;
}

static void
check_rows(const config_t *cfg, directory_t *dir, const struct rcpt_row *rows,
    size_t n)
{
	rcpt_verdict_t	 v;
	char		 reply[RESOLVE_TEXT_MAX + 16];
	const char	*got;

	for (size_t i = 0; i < n; i++) {
		const struct rcpt_row *row = &rows[i];

		resolve_rcpt(cfg, dir, row->rcpt, &v);
		got = v.action == RESOLVE_REJECT || v.action == RESOLVE_TEMPFAIL ?
		    resolve_reply(&v, reply, sizeof(reply)) : v.address.text;
		ck_assert_msg(v.action == row->action &&
		    strcmp(got, row->expect) == 0 &&
		    strcmp(reason_name(v.reason), row->reason) == 0,
		    "%s: got %s \"%s\" (%s; %s), want %s \"%s\" (%s)",
		    row->rcpt, action_names[v.action], got,
		    reason_name(v.reason), v.detail,
		    action_names[row->action], row->expect, row->reason);
	}
}

/* check_rows() for senders (resolve_sender()). */
static void
check_sender_rows(const config_t *cfg, directory_t *dir,
    const struct rcpt_row *rows, size_t n)
{
	rcpt_verdict_t	 v;

	for (size_t i = 0; i < n; i++) {
		const struct rcpt_row *row = &rows[i];

		resolve_sender(cfg, dir, row->rcpt, &v);
		ck_assert_msg(v.action == row->action &&
		    strcmp(v.address.text, row->expect) == 0 &&
		    strcmp(reason_name(v.reason), row->reason) == 0,
		    "sender %s: got %s \"%s\" (%s; %s), want %s \"%s\" (%s)",
		    row->rcpt, action_names[v.action], v.address.text,
		    reason_name(v.reason), v.detail,
		    action_names[row->action], row->expect, row->reason);
	}
}

START_TEST(test_example_table)
{
	config_t	*cfg;
	directory_t	*dir = open_directory(tcheck_example_conf(), &cfg);

	check_rows(cfg, dir, example_rows, NELEM(example_rows));
	check_sender_rows(cfg, dir, sender_rows, NELEM(sender_rows));
	directory_close(dir);
	config_free(cfg);
}
END_TEST

/*
 * The example table on the directory replica (t/ldap/run-check.sh): once
 * its first full load is done every lookup is answered from memory, and
 * the answers must be those of the LDIF and ldap back-ends.  A directory
 * without a replica has nothing to wait for.
 */
START_TEST(test_replica_table)
{
	const char	*path = getenv("T_REPLICA_CONF");
	config_t	*cfg, *plain_cfg;
	directory_t	*dir, *plain;

	ck_assert_msg(path != NULL, "T_REPLICA_CONF is not set");
	plain = open_directory(tcheck_example_conf(), &plain_cfg);
	ck_assert_msg(dir_replica_wait(plain, 0.2) == -1,
	    "dir_replica_wait on %s (no replica) did not say -1",
	    tcheck_example_conf());
	directory_close(plain);
	config_free(plain_cfg);

	dir = open_directory(path, &cfg);
	ck_assert_msg(dir_replica_wait(dir, 20) == 0,
	    "the replica of %s did not load within 20 s", path);
	check_rows(cfg, dir, example_rows, NELEM(example_rows));
	check_sender_rows(cfg, dir, sender_rows, NELEM(sender_rows));
	directory_close(dir);
	config_free(cfg);
}
END_TEST

START_TEST(test_strict_table)
{
	char		 path[] = "/tmp/check_resolve.XXXXXX";
	char		 ldif[4096];
	config_t	*cfg;
	directory_t	*dir;
	FILE		*fp;
	int		 fd = mkstemp(path);

	ck_assert(fd != -1);
	ck_assert(realpath(tcheck_etc("contacts.ldif"), ldif) != NULL);
	fp = fdopen(fd, "w");
	fprintf(fp, strict_conf, ldif);
	fclose(fp);
	dir = open_directory(path, &cfg);
	unlink(path);
	check_rows(cfg, dir, strict_rows, NELEM(strict_rows));
	directory_close(dir);
	config_free(cfg);
}
END_TEST

/*
 * "To the Internet" (SPEC section 2), asked of a recipient as it will be
 * delivered: in no configured domain, and not a forward_to routing domain
 * (that is the other system, reached by the transport maps).
 */
static const struct {
	const char	*rcpt;
	int		 internet;
} internet_rows[] = {
	{ "someone@example.org", 1 },
	{ "<partner@partner.example>", 1 },
	{ "bob@contoso.com", 0 },		/* internal_relay */
	{ "Carol.Diaz@sales.contoso.com", 0 },	/* authoritative */
	{ "bob@fourthcoffee.com", 0 },		/* external_relay: configured */
	{ "nobody@legacy.contoso.com", 0 },	/* contoso.com's forward_to */
	{ "NOBODY@Legacy.Contoso.COM", 0 },
	{ "x@sub.legacy.contoso.com", 1 },
	{ "postmaster", 0 },
	{ "a b@example.org", 0 },		/* does not parse */
};

START_TEST(test_internet)
{
	char		 err[CONFIG_ERR_MAX];
	config_t	*cfg = config_load(tcheck_example_conf(), err, sizeof(err));

	ck_assert_msg(cfg != NULL, "%s", err);
	for (size_t i = 0; i < NELEM(internet_rows); i++)
		ck_assert_msg(resolve_is_internet(cfg, internet_rows[i].rcpt) ==
		    internet_rows[i].internet, "%s: got %d, want %d",
		    internet_rows[i].rcpt, !internet_rows[i].internet,
		    internet_rows[i].internet);
	config_free(cfg);
}
END_TEST

/*
 * A directory that fails (t/unit/dir_fake.c), under both policies of
 * on_directory_error, for recipients (resolve_rcpt) and senders
 * (resolve_sender).  Addresses that need no lookup are decided as usual.
 */
static const struct failure_row {
	int			 accept;	/* on_directory_error = accept */
	int			 sender;	/* resolve_sender, not _rcpt */
	const char		*address;
	resolve_action_t	 action;
	const char		*expect;	/* address, or the whole reply */
	const char		*reason;
} failure_rows[] = {
	{ 0, 0, "<bob@contoso.com>", RESOLVE_TEMPFAIL,
	  "451 4.3.0 <bob@contoso.com>: Temporary lookup failure", "directory" },
	{ 0, 0, "<x@sales.contoso.com>", RESOLVE_TEMPFAIL,
	  "451 4.3.0 <x@sales.contoso.com>: Temporary lookup failure", "directory" },
	{ 0, 0, "<someone@example.org>", RESOLVE_KEEP, "someone@example.org",
	  "unconfigured" },
	{ 0, 0, "<bob@fourthcoffee.com>", RESOLVE_KEEP, "bob@fourthcoffee.com",
	  "external" },
	{ 0, 0, "<postmaster>", RESOLVE_KEEP, "postmaster", "postmaster" },
	{ 1, 0, "<bob@contoso.com>", RESOLVE_KEEP, "bob@contoso.com",
	  "directory" },
	{ 1, 0, "<x@sales.contoso.com>", RESOLVE_KEEP, "x@sales.contoso.com",
	  "directory" },
	{ 0, 1, "<bob@fourthcoffee.com>", RESOLVE_TEMPFAIL,
	  "451 4.3.0 <bob@fourthcoffee.com>: Temporary lookup failure", "directory" },
	{ 0, 1, "<>", RESOLVE_KEEP, "", "null" },
	{ 1, 1, "<bob@fourthcoffee.com>", RESOLVE_KEEP, "bob@fourthcoffee.com",
	  "directory" },
};

START_TEST(test_directory_failure)
{
	const struct failure_row *row = &failure_rows[_i];
	char		 reply[RESOLVE_TEXT_MAX + 16];
	directory_t	*dir;
	dir_fake_t	*fake;
	config_t	*cfg = fake_setup(row->accept ? DIRERR_ACCEPT :
			    DIRERR_TEMPFAIL, &dir, &fake);
	rcpt_verdict_t	 v;
	const char	*got;

	dir_fake_fail(fake, 1);
	if (row->sender)
		resolve_sender(cfg, dir, row->address, &v);
	else
		resolve_rcpt(cfg, dir, row->address, &v);
	got = v.action == RESOLVE_REJECT || v.action == RESOLVE_TEMPFAIL ?
	    resolve_reply(&v, reply, sizeof(reply)) : v.address.text;
	ck_assert_msg(v.action == row->action && strcmp(got, row->expect) == 0 &&
	    strcmp(reason_name(v.reason), row->reason) == 0,
	    "%s (%s, %s): got %s \"%s\" (%s; %s), want %s \"%s\" (%s)",
	    row->address, row->sender ? "sender" : "rcpt",
	    row->accept ? "accept" : "tempfail", action_names[v.action], got,
	    reason_name(v.reason), v.detail, action_names[row->action],
	    row->expect, row->reason);
	if (v.reason == REASON_DIRECTORY_ERROR)
		ck_assert_msg(strstr(v.detail, "fake: down") != NULL,
		    "%s: the detail says why: %s", row->address, v.detail);
	directory_close(dir);
	config_free(cfg);
}
END_TEST

/*
 * Serve-stale: a cache (ttl 10, negative_ttl 5, stale_ttl 30) on an
 * injected clock over the fake.  Answered at t=0; at t=15 the directory is
 * down: the same decisions, each saying it used a stale answer and how
 * old; a recipient never looked up is a failure.
 */
static _Atomic int64_t	stale_now;

static int64_t
stale_clock(void)
{
	return atomic_load(&stale_now);
}

static const struct stale_row {
	int			 sender;
	const char		*address;
	resolve_action_t	 action;
	const char		*expect;	/* address, or the whole reply */
	const char		*detail;	/* at t=15, down */
} stale_rows[] = {
	{ 0, "<bob@contoso.com>", RESOLVE_REWRITE, "bob@fourthcoffee.com",
	  "stale answer, 5 s old" },
	{ 0, "<x@sales.contoso.com>", RESOLVE_REJECT,
	  "550 5.1.1 <x@sales.contoso.com>: Recipient address rejected: "
	  "User unknown", "stale answer, 10 s old" },
	{ 1, "<bob@fourthcoffee.com>", RESOLVE_REWRITE, "bob@contoso.com",
	  "stale answer, 5 s old" },
};

START_TEST(test_stale)
{
	const struct stale_row *row = &stale_rows[_i];
	char		 err[CONFIG_ERR_MAX], reply[RESOLVE_TEXT_MAX + 16];
	directory_t	*dir;
	dir_fake_t	*fake;
	config_t	*cfg = fake_setup(-1, &dir, &fake);
	rcpt_verdict_t	 v;
	const char	*got;

	ck_assert_int_eq(dir_fake_set(fake, 0, "bob@contoso.com", DIR_FOUND,
	    "cn=bob", "bob@contoso.com", "bob@fourthcoffee.com"), 0);
	ck_assert_int_eq(dir_fake_set(fake, 1, "bob@fourthcoffee.com",
	    DIR_FOUND, "cn=bob", "bob@contoso.com", "bob@fourthcoffee.com"), 0);
	ck_assert_ptr_nonnull(dir = dir_cache_wrap(dir, 10, 10, 5, 30,
	    stale_clock, err, sizeof(err)));
	for (int t = 0; t <= 15; t += 15) {
		atomic_store(&stale_now, t * 1000);
		dir_fake_fail(fake, t > 0);
		if (row->sender)
			resolve_sender(cfg, dir, row->address, &v);
		else
			resolve_rcpt(cfg, dir, row->address, &v);
		got = v.action == RESOLVE_REJECT ||
		    v.action == RESOLVE_TEMPFAIL ?
		    resolve_reply(&v, reply, sizeof(reply)) : v.address.text;
		ck_assert_msg(v.action == row->action &&
		    strcmp(got, row->expect) == 0 &&
		    strcmp(v.detail, t > 0 ? row->detail : "") == 0 &&
		    v.stale == (t > 0),
		    "%s at t=%d: got %s \"%s\" (%s), want %s \"%s\" (%s)",
		    row->address, t, action_names[v.action], got, v.detail,
		    action_names[row->action], row->expect,
		    t > 0 ? row->detail : "");
	}
	resolve_rcpt(cfg, dir, "<alice@contoso.com>", &v);
	ck_assert_msg(v.action == RESOLVE_TEMPFAIL && !v.stale &&
	    strstr(v.detail, "stale") == NULL,
	    "never looked up: got %s (%s)", action_names[v.action], v.detail);
	directory_close(dir);
	config_free(cfg);
}
END_TEST

/* The hop count a chain reports, and that a verdict keeps the original. */
START_TEST(test_chain_hops)
{
	config_t	*cfg;
	directory_t	*dir = open_directory(tcheck_example_conf(), &cfg);
	rcpt_verdict_t	 v;

	resolve_rcpt(cfg, dir, "<Erin@Contoso.com>", &v);
	ck_assert_int_eq(v.hops, 2);
	ck_assert_str_eq(v.original.text, "Erin@Contoso.com");
	resolve_rcpt(cfg, dir, "<bob@contoso.com>", &v);
	ck_assert_int_eq(v.hops, 1);
	directory_close(dir);
	config_free(cfg);
}
END_TEST

/*
 * X500 entries the example directory has not (t/unit/dir_fake.c): a
 * contact without a primary address, an entry with neither, failures of
 * either lookup under both policies, a stale answer, and the longest
 * encapsulated address (ADDR_TEXT_MAX octets) whose DN is held.
 */
#define X_KEY(cn)	"x500:/o=org/cn=" cn
#define X_RCPT(cn, d)	"<IMCEAEX-_o=Org_cn=" cn "@" d ">"

static const struct x500_row {
	int			 accept;	/* on_directory_error = accept */
	const char		*rcpt;
	resolve_action_t	 action;
	const char		*expect;	/* address, or the whole reply */
	const char		*reason;
	const char		*detail;	/* in v.detail */
} x500_rows[] = {
	{ 0, X_RCPT("noprimary", "contoso.com"), RESOLVE_REWRITE,
	  "np@fourthcoffee.com", "x500-contact", "X500:/o=Org/cn=noprimary: cn=np" },
	{ 0, X_RCPT("nothing", "sales.contoso.com"), RESOLVE_REJECT,
	  "550 5.1.1 <IMCEAEX-_o=Org_cn=nothing@sales.contoso.com>: Recipient "
	  "address rejected: User unknown", "unknown",
	  "cn=nothing, which has no primary SMTP address" },
	{ 0, X_RCPT("down", "sales.contoso.com"), RESOLVE_TEMPFAIL,
	  "451 4.3.0 <IMCEAEX-_o=Org_cn=down@sales.contoso.com>: Temporary "
	  "lookup failure", "directory", "fake: x500:/o=org/cn=down: down" },
	{ 1, X_RCPT("down", "sales.contoso.com"), RESOLVE_KEEP,
	  "IMCEAEX-_o=Org_cn=down@sales.contoso.com", "directory",
	  "fake: x500:/o=org/cn=down: down" },
	{ 0, X_RCPT("primarydown", "contoso.com"), RESOLVE_TEMPFAIL,
	  "451 4.3.0 <IMCEAEX-_o=Org_cn=primarydown@contoso.com>: Temporary "
	  "lookup failure", "directory", "fake: pd@contoso.com: down" },
	{ 1, X_RCPT("primarydown", "contoso.com"), RESOLVE_KEEP,
	  "IMCEAEX-_o=Org_cn=primarydown@contoso.com", "directory",
	  "primary pd@contoso.com; fake: pd@contoso.com: down" },
	/* an entry whose primary is in no configured domain: kept as it is */
	{ 0, X_RCPT("outside", "contoso.com"), RESOLVE_REWRITE,
	  "out@example.org", "x500-mailbox", "cn=out, primary out@example.org" },
	/* an X500 value as the primary of another: decoded once, not twice */
	{ 0, X_RCPT("x500primary", "sales.contoso.com"), RESOLVE_REJECT,
	  "550 5.1.1 <IMCEAEX-_o=Org_cn=x500primary@sales.contoso.com>: "
	  "Recipient address rejected: User unknown", "unknown",
	  "IMCEAEX-_o=Org_cn=x500primary@sales.contoso.com" },
};

START_TEST(test_x500_fake)
{
	const struct x500_row *row = &x500_rows[_i];
	char		 reply[RESOLVE_TEXT_MAX + 16];
	directory_t	*dir;
	dir_fake_t	*fake;
	config_t	*cfg = fake_setup(row->accept ? DIRERR_ACCEPT :
			    DIRERR_TEMPFAIL, &dir, &fake);
	rcpt_verdict_t	 v;
	const char	*got;

	ck_assert_int_eq(dir_fake_set(fake, 0, X_KEY("noprimary"), DIR_FOUND,
	    "cn=np", NULL, "np@fourthcoffee.com"), 0);
	ck_assert_int_eq(dir_fake_set(fake, 0, X_KEY("nothing"), DIR_FOUND,
	    "cn=nothing", NULL, NULL), 0);
	ck_assert_int_eq(dir_fake_set(fake, 0, X_KEY("down"), DIR_TRYAGAIN,
	    NULL, NULL, NULL), 0);
	ck_assert_int_eq(dir_fake_set(fake, 0, X_KEY("primarydown"), DIR_FOUND,
	    "cn=pd", "pd@contoso.com", NULL), 0);
	ck_assert_int_eq(dir_fake_set(fake, 0, "pd@contoso.com", DIR_TRYAGAIN,
	    NULL, NULL, NULL), 0);
	ck_assert_int_eq(dir_fake_set(fake, 0, X_KEY("outside"), DIR_FOUND,
	    "cn=out", "out@example.org", NULL), 0);
	ck_assert_int_eq(dir_fake_set(fake, 0, X_KEY("x500primary"), DIR_FOUND,
	    "cn=x", "IMCEAEX-_o=Org_cn=x500primary@sales.contoso.com", NULL),
	    0);
	resolve_rcpt(cfg, dir, row->rcpt, &v);
	got = v.action == RESOLVE_REJECT || v.action == RESOLVE_TEMPFAIL ?
	    resolve_reply(&v, reply, sizeof(reply)) : v.address.text;
	ck_assert_msg(v.action == row->action && strcmp(got, row->expect) == 0 &&
	    strcmp(reason_name(v.reason), row->reason) == 0 &&
	    strstr(v.detail, row->detail) != NULL,
	    "%s: got %s \"%s\" (%s; %s), want %s \"%s\" (%s; %s)", row->rcpt,
	    action_names[v.action], got, reason_name(v.reason), v.detail,
	    action_names[row->action], row->expect, row->reason, row->detail);
	directory_close(dir);
	config_free(cfg);
}
END_TEST

/* The longest encapsulated address, found and not found; stale answers. */
START_TEST(test_x500_long)
{
	static char	 rcpt[ADDR_TEXT_MAX + 16], key[X500_KEY_MAX + 1];
	char		 reply[RESOLVE_TEXT_MAX + 16];
	directory_t	*dir;
	dir_fake_t	*fake;
	config_t	*cfg = fake_setup(-1, &dir, &fake);
	rcpt_verdict_t	 v;
	size_t		 n;

	/* "IMCEAEX-_o=Org_cn=" + 2008 octets + "@contoso.com": 2038 */
	n = (size_t)snprintf(rcpt, sizeof(rcpt), "<IMCEAEX-_o=Org_cn=");
	memset(rcpt + n, 'b', ADDR_TEXT_MAX - 18 - 12);
	n += ADDR_TEXT_MAX - 18 - 12;
	snprintf(rcpt + n, sizeof(rcpt) - n, "@contoso.com>");
	ck_assert_uint_eq(strlen(rcpt), ADDR_TEXT_MAX + 2);
	snprintf(key, sizeof(key), "x500:/o=org/cn=%.*s",
	    (int)(ADDR_TEXT_MAX - 18 - 12), rcpt + 19);
	ck_assert_int_eq(dir_fake_set(fake, 0, key, DIR_FOUND, "cn=long",
	    NULL, "long@fourthcoffee.com"), 0);
	resolve_rcpt(cfg, dir, rcpt, &v);
	ck_assert_msg(v.action == RESOLVE_REWRITE &&
	    strcmp(v.address.text, "long@fourthcoffee.com") == 0 &&
	    v.reason == REASON_X500_CONTACT && strlen(v.original.text) ==
	    ADDR_TEXT_MAX, "got %s %s (%s)", action_names[v.action],
	    v.address.text, v.detail);
	ck_assert_str_eq(reason_metric(v.reason, 0), "contact");
	ck_assert_str_eq(reason_metric(REASON_X500_MAILBOX, 0), "canonical");

	/* the same, unknown: forwarded whole, or refused naming it whole */
	ck_assert_int_eq(dir_fake_set(fake, 0, key, DIR_NOTFOUND, NULL, NULL,
	    NULL), 0);
	resolve_rcpt(cfg, dir, rcpt, &v);
	ck_assert_msg(v.action == RESOLVE_REJECT && v.reason == REASON_SYNTAX &&
	    strcmp(v.xcode, "5.1.3") == 0, "forward_to of 2038 octets: got %s "
	    "%s (%s)", action_names[v.action], reason_name(v.reason), v.detail);
	memcpy(rcpt + n, "@sales.contoso.com>", 20);
	memmove(rcpt + n - 6, rcpt + n, 20);	/* the same length again */
	resolve_rcpt(cfg, dir, rcpt, &v);
	resolve_reply(&v, reply, sizeof(reply));
	ck_assert_msg(v.action == RESOLVE_REJECT && v.reason == REASON_UNKNOWN &&
	    strlen(v.original.text) == ADDR_TEXT_MAX &&
	    strstr(reply, v.original.text) != NULL &&
	    strstr(reply, ">: Recipient address rejected: User unknown") != NULL,
	    "got %s %.80s", action_names[v.action], reply);
	directory_close(dir);
	config_free(cfg);
}
END_TEST

/* The outbound rule of a domain: exact, then wildcard, in file order. */
static const struct {
	const char	*domain;
	const char	*to;		/* the rule found, NULL = none */
} rule_rows[] = {
	{ "example.com", "exact.example" },
	{ "EXAMPLE.COM", "exact.example" },
	{ "example.com.", "exact.example" },
	{ "x.example.com", "wild.example" },
	{ "a.b.example.com", "wild.example" },
	{ "eu.example.org", "first.example" },	/* first in file order */
	{ "example.org", "org.example" },
	{ "xexample.com", NULL },
	{ ".example.com", NULL },
	{ "com", NULL },
	{ "", NULL },
};

START_TEST(test_rules)
{
	static const char text[] =
	    "outbound = { rules = (\n"
	    "  { from = \"*.EXAMPLE.org\"; to = \"first.example\"; },\n"
	    "  { from = \"eu.example.org\"; to = \"second.example\"; },\n"
	    "  { from = \"Example.com\"; to = \"exact.example\"; },\n"
	    "  { from = \"*.example.com\"; to = \"wild.example\"; },\n"
	    "  { from = \"example.org\"; to = \"org.example\"; }\n"
	    "); };\n";
	char			 err[CONFIG_ERR_MAX] = "";
	config_t		*cfg = tcheck_config_text(text, err, sizeof(err));
	const rewrite_rule_t	*r;
	const char		*want = rule_rows[_i].to;

	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_str_eq(cfg->outbound.rules[0].from, "*.example.org");
	ck_assert_int_eq(cfg->outbound.rules[4].line, 6);
	r = resolve_outbound_rule(&cfg->outbound, rule_rows[_i].domain);
	ck_assert_msg((r == NULL && want == NULL) ||
	    (r != NULL && want != NULL && strcmp(r->to, want) == 0),
	    "rule(%s) = %s, want %s", rule_rows[_i].domain,
	    r ? r->to : "NULL", want ? want : "NULL");
	config_free(cfg);
}
END_TEST

static Suite *
resolve_suite(void)
{
	Suite	*s = suite_create("resolve");
	TCase	*tc = tcase_create("inbound");

	tcase_add_test(tc, test_example_table);
	tcase_add_loop_test(tc, test_rules, 0, (int)NELEM(rule_rows));
	/* on slapd only (t/ldap/run-check.sh sets it; the unit run has none) */
	if (getenv("T_REPLICA_CONF") != NULL)
		tcase_add_test(tc, test_replica_table);
	tcase_add_test(tc, test_strict_table);
	tcase_add_test(tc, test_chain_hops);
	tcase_add_test(tc, test_internet);
	tcase_add_loop_test(tc, test_stale, 0, (int)NELEM(stale_rows));
	tcase_add_loop_test(tc, test_directory_failure, 0,
	    (int)NELEM(failure_rows));
	tcase_add_loop_test(tc, test_x500_fake, 0, (int)NELEM(x500_rows));
	tcase_add_test(tc, test_x500_long);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tcheck_run(resolve_suite());
}

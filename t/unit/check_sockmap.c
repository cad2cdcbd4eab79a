/*
 * check_sockmap.c - the socketmap replies of SPEC section 6, row by row:
 * on the shipped example (etc/mailswitch.conf, etc/contacts.ldif) every
 * row of section 1 through the access and virtual maps, the outbound
 * rewrite through generic, malformed requests; and on an ldap directory
 * that is down (a closed port on 127.0.0.1) with on_directory_error
 * tempfail and accept.
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "directory.h"
#include "log.h"
#include "resolve.h"
#include "sockmap.h"
#include "tcheck.h"

/*
 * One request and its reply.  want ending in '*' matches any reply that
 * starts with what precedes it.  flags: 'q' quiet (log at debug), 'd' a
 * directory failure, 'c' close the connection; exactly those are set.
 */
struct row {
	const char	*request;
	size_t		 len;		/* 0: strlen(request) */
	const char	*want;
	const char	*flags;
};

#define R(request, want, flags)	{ request, 0, want, flags }
#define NOTFOUND	"NOTFOUND "

static const struct row example_rows[] = {
	/* access: the refusals of section 1 as access(5) actions */
	R("access someone@example.org", NOTFOUND, "q"),		/* unconfigured */
	R("access Bob@FourthCoffee.com", NOTFOUND, "q"),		/* external_relay */
	R("access postmaster", NOTFOUND, "q"),
	R("access PostMaster", NOTFOUND, "q"),
	R("access bob@contoso.com", NOTFOUND, "q"),		/* a contact: virtual's job */
	R("access BOB.LEE@CONTOSO.COM", NOTFOUND, "q"),
	R("access dan@contoso.com", NOTFOUND, "q"),		/* a mailbox user */
	R("access carol@sales.contoso.com", NOTFOUND, "q"),	/* canonicalized */
	R("access nobody@contoso.com", NOTFOUND, "q"),		/* forward_to */
	R("access nobody@legacy.contoso.com", NOTFOUND, "q"),
	R("access nobody@sales.contoso.com", "OK 550 5.1.1 User unknown", ""),
	R("access Nobody@Sales.Contoso.COM", "OK 550 5.1.1 User unknown", ""),
	R("access postmaster@sales.contoso.com", "OK 550 5.1.1 User unknown", ""),
	R("access loop1@contoso.com", "OK 554 5.4.6 Routing loop detected", ""),
	R("access LOOP2@contoso.com", "OK 554 5.4.6 Routing loop detected", ""),
	R("access self@contoso.com", "OK 554 5.4.6 Routing loop detected", ""),
	R("access shared@contoso.com", "OK 550 5.1.4 ambiguous", ""),
	R("access Shared@Contoso.com", "OK 550 5.1.4 ambiguous", ""),
	/* Postfix's internal form: "a b@x" is <"a b"@x>, unknown in an
	 * internal_relay domain; a quoted form is taken as it is */
	R("access a b@contoso.com", NOTFOUND, "q"),
	R("access \"a b\"@contoso.com", NOTFOUND, "q"),
	R("access a b@sales.contoso.com", "OK 550 5.1.1 User unknown", ""),
	R("access a\"b@sales.contoso.com", "OK 550 5.1.1 User unknown", ""),
	R("access a@b@contoso.com", NOTFOUND, "q"),	/* <"a@b"@contoso.com> */
	R("access a b@", "OK 501 5.1.3 Bad recipient address syntax", ""),
	R("access @contoso.com", "OK 501 5.1.3 Bad recipient address syntax", ""),
	R("access <>", "OK 501 5.1.3 Bad recipient address syntax", ""),
	R("access bob@", "OK 501 5.1.3 Bad recipient address syntax", ""),
	R("access contoso.com", "OK 501 5.1.3 Bad recipient address syntax", ""),
	R("access bob@contoso.com ", "OK 501 5.1.3 Bad recipient address syntax", ""),
	R("access \x01@contoso.com", "OK 501 5.1.3 Bad recipient address syntax", ""),

	/* virtual: the end of the chain, as stored; NOTFOUND when it stays */
	R("virtual bob@contoso.com", "OK bob@fourthcoffee.com", ""),
	R("virtual BOB@Contoso.COM", "OK bob@fourthcoffee.com", ""),
	R("virtual bob.lee@contoso.com", "OK bob@fourthcoffee.com", ""),
	R("virtual <bob@contoso.com>", "OK bob@fourthcoffee.com", ""),
	R("virtual \"bob\"@contoso.com", "OK bob@fourthcoffee.com", ""),
	R("virtual alice@contoso.com", "OK Alice.Wong@fourthcoffee.com", ""),
	R("virtual AWONG@contoso.com", "OK Alice.Wong@fourthcoffee.com", ""),
	R("virtual frank@sales.contoso.com", "OK frank@fourthcoffee.com", ""),
	R("virtual zm@contoso.com", "OK zoe.mueller@fourthcoffee.com", ""),
	R("virtual erin@contoso.com", "OK erin@fourthcoffee.com", ""),	/* not erin.old@ */
	R("virtual erin.old@contoso.com", "OK erin@fourthcoffee.com", ""),
	/* replies to old Exchange addresses (SPEC section 11) */
	R("virtual IMCEAEX-_O=FOURTHCOFFEE_OU=EXCHANGE+20ADMINISTRATIVE+20GROUP"
	    "+20+28FYDIBOHF23SPDLT+29_CN=RECIPIENTS_CN=BOB@contoso.com",
	    "OK bob@fourthcoffee.com", ""),
	R("virtual imceax500-_o=contoso_ou=first+20administrative+20group_cn="
	    "recipients_cn=dpark@contoso.com", "OK dan@contoso.com", ""),
	R("access IMCEAEX-_o=Contoso_cn=Recipients_cn=loop1@contoso.com",
	    "OK 554 5.4.6 Routing loop detected", ""),
	R("access IMCEAEX-_o=Contoso_cn=Recipients_cn=shared@contoso.com",
	    "OK 550 5.1.4 ambiguous", ""),
	R("access IMCEAEX-_o=Contoso_cn=nobody@sales.contoso.com",
	    "OK 550 5.1.1 User unknown", ""),
	R("access IMCEAEX-_o=FourthCoffee_ou=Exchange_cn=Recipients_cn=bob@contoso.com",
	    NOTFOUND, "q"),
	R("virtual IMCEAEX-_o=Contoso_cn=nobody@contoso.com",
	    "OK IMCEAEX-_o=Contoso_cn=nobody@legacy.contoso.com", ""),
	R("virtual carol@sales.contoso.com", "OK Carol.Diaz@sales.contoso.com", ""),
	R("virtual CAROL@SALES.CONTOSO.COM", "OK Carol.Diaz@sales.contoso.com", ""),
	R("virtual g.ho@sales.contoso.com", "OK gina@sales.contoso.com", ""),
	R("virtual nobody@contoso.com", "OK nobody@legacy.contoso.com", ""),
	R("virtual No.Body+tag@Contoso.com", "OK No.Body+tag@legacy.contoso.com", ""),
	/* itself, at most in another case: NOTFOUND, Postfix stops at once */
	R("virtual carol.diaz@sales.contoso.com", NOTFOUND, "q"),
	R("virtual CAROL.DIAZ@SALES.CONTOSO.COM", NOTFOUND, "q"),
	R("virtual gina@sales.contoso.com", NOTFOUND, "q"),
	R("virtual dan@contoso.com", NOTFOUND, "q"),
	R("virtual cdiaz@contoso.com", NOTFOUND, "q"),		/* mailbox, no canonicalize */
	R("virtual someone@example.org", NOTFOUND, "q"),
	R("virtual bob@fourthcoffee.com", NOTFOUND, "q"),
	R("virtual nobody@legacy.contoso.com", NOTFOUND, "q"),
	R("virtual postmaster", NOTFOUND, "q"),
	/* rejected: the access map refuses it at RCPT time */
	R("virtual nobody@sales.contoso.com", NOTFOUND, "q"),
	R("virtual loop1@contoso.com", NOTFOUND, "q"),
	R("virtual self@contoso.com", NOTFOUND, "q"),
	R("virtual shared@contoso.com", NOTFOUND, "q"),
	R("virtual a b@contoso.com", "OK \"a b\"@legacy.contoso.com", ""),
	R("virtual \"a b\"@contoso.com", "OK \"a b\"@legacy.contoso.com", ""),

	/* generic: the directory (target -> primary), then the rules */
	R("generic bob@fourthcoffee.com", "OK bob@contoso.com", ""),
	R("generic BOB@FOURTHCOFFEE.COM", "OK bob@contoso.com", ""),
	R("generic alice.wong@fourthcoffee.com", "OK alice@contoso.com", ""),
	R("generic erin@fourthcoffee.com", "OK erin.old@contoso.com", ""),
	R("generic zoe.mueller@fourthcoffee.com", "OK zoe@contoso.com", ""),
	R("generic frank@fourthcoffee.com", "OK frank@sales.contoso.com", ""),
	/* an Exchange 2010-style contact: its secondary in contoso.com */
	R("generic hank@fourthcoffee.com", "OK Hank.Reed@contoso.com", ""),
	R("generic ivy@fourthcoffee.com", "OK ivy@contoso.com", ""),	/* rule */
	R("generic Someone@FourthCoffee.com", "OK Someone@contoso.com", ""),	/* rule */
	R("generic x@mail.fourthcoffee.com", "OK x@contoso.com", ""),		/* *. rule */
	R("generic <bob@fourthcoffee.com>", "OK bob@contoso.com", ""),
	R("generic someone@example.org", NOTFOUND, "q"),		/* unmapped */
	R("generic bob@contoso.com", NOTFOUND, "q"),
	R("generic x@fourthcoffee.com.example", NOTFOUND, "q"),
	R("generic <>", NOTFOUND, "q"),				/* the null sender */
	R("generic postmaster", NOTFOUND, "q"),
	R("generic a b@fourthcoffee.com", "OK \"a b\"@contoso.com", ""),	/* internal form */
	R("generic @fourthcoffee.com", NOTFOUND, "q"),

	/* malformed requests: PERM, and the connection is closed */
	R("", "PERM no space between map name and key", "c"),
	R("access", "PERM no space between map name and key", "c"),
	R("access\tbob@contoso.com", "PERM no space between map name and key", "c"),
	R("access ", "PERM empty key", "c"),
	R("access  bob@contoso.com", "PERM more than one space after the map name", "c"),
	R("access   ", "PERM more than one space after the map name", "c"),
	R(" access bob@contoso.com", "PERM unknown map name", "c"),
	R("ACCESS bob@contoso.com", "PERM unknown map name", "c"),
	R("Virtual bob@contoso.com", "PERM unknown map name", "c"),
	R("relocated bob@contoso.com", "PERM unknown map name", "c"),
	R("accessx bob@contoso.com", "PERM unknown map name", "c"),
	R("acces bob@contoso.com", "PERM unknown map name", "c"),
	R(" bob@contoso.com", "PERM unknown map name", "c"),
	{ "access bob@contoso.com\0x", 24, "PERM NUL, CR or LF in the request", "c" },
	{ "access \0", 8, "PERM NUL, CR or LF in the request", "c" },
	R("access bob@contoso.com\r\n", "PERM NUL, CR or LF in the request", "c"),
	R("virtual bob@contoso.com\nvirtual x@y", "PERM NUL, CR or LF in the request", "c"),
	R("generic bob@fourthcoffee.com\r", "PERM NUL, CR or LF in the request", "c"),
};

/* The example's domains and outbound rules on an ldap server that is down. */
static const char down_conf[] =
	"on_directory_error = \"@F@\";\n"
	"directory = {\n"
	"  backend = \"ldap\";\n"
	"  ldap = { uri = [ \"ldap://127.0.0.1:1/\" ]; timeout = 0.5;\n"
	"           base = \"dc=contoso,dc=com\"; };\n"
	"};\n"
	"domains = (\n"
	"  { name = \"contoso.com\"; authority = \"internal_relay\"; forward_to = \"legacy.contoso.com\"; },\n"
	"  { name = \"sales.contoso.com\"; authority = \"authoritative\"; canonicalize = true; },\n"
	"  { name = \"fourthcoffee.com\"; authority = \"external_relay\"; }\n"
	");\n"
	"outbound = { lookup = true;\n"
	"  rules = ( { from = \"fourthcoffee.com\"; to = \"contoso.com\"; } ); };\n";

static const struct row tempfail_rows[] = {
	R("access bob@contoso.com", "OK 451 4.3.0 Temporary lookup failure", "d"),
	R("access nobody@sales.contoso.com", "OK 451 4.3.0 Temporary lookup failure", "d"),
	R("access NOBODY@contoso.com", "OK 451 4.3.0 Temporary lookup failure", "d"),
	R("virtual bob@contoso.com", "TEMP *", "d"),
	R("virtual carol@sales.contoso.com", "TEMP *", "d"),
	R("generic bob@fourthcoffee.com", "TEMP *", "d"),
	R("generic someone@example.org", "TEMP *", "d"),	/* lookup = true asks for all */
	/* no lookup, no failure */
	R("access someone@example.org", NOTFOUND, "q"),
	R("access bob@fourthcoffee.com", NOTFOUND, "q"),
	R("access postmaster", NOTFOUND, "q"),
	R("access bob@", "OK 501 5.1.3 Bad recipient address syntax", ""),
	R("virtual bob@fourthcoffee.com", NOTFOUND, "q"),
	R("generic <>", NOTFOUND, "q"),
	R("access", "PERM no space between map name and key", "c"),
};

static const struct row accept_rows[] = {
	/* unchanged, and logged as a directory failure (not quiet) */
	R("access bob@contoso.com", NOTFOUND, "d"),
	R("access nobody@sales.contoso.com", NOTFOUND, "d"),
	R("virtual bob@contoso.com", NOTFOUND, "d"),
	R("virtual nobody@contoso.com", NOTFOUND, "d"),
	R("generic bob@fourthcoffee.com", NOTFOUND, "d"),
	R("generic someone@fourthcoffee.com", NOTFOUND, "d"),
	R("access someone@example.org", NOTFOUND, "q"),
	R("generic <>", NOTFOUND, "q"),
	R("access bob@", "OK 501 5.1.3 Bad recipient address syntax", ""),
	R("virtual  bob@contoso.com", "PERM more than one space after the map name", "c"),
};

/* forward_to onto a domain so long that local@it is over 254 octets. */
static const char long_conf[] =
	"directory = { backend = \"ldif\"; ldif = { path = \"@F@\"; }; };\n"
	"domains = (\n"
	"  { name = \"contoso.com\"; authority = \"internal_relay\";\n"
	"    forward_to = \"@M@\"; }\n"
	");\n";

static const struct row long_rows[] = {
	/* 553 5.1.3 as the milter says it: "<a>: Recipient address rejected:
	 * too long to forward"; the text after Postfix's own prefix */
	R("access twenty.characters@contoso.com", "OK 553 5.1.3 too long to forward", ""),
	R("virtual twenty.characters@contoso.com", NOTFOUND, "q"),
	R("access bob@contoso.com", NOTFOUND, "q"),
	R("virtual bob@contoso.com", "OK bob@fourthcoffee.com", ""),
	R("virtual x@contoso.com", "OK x@*", ""),
};

/*
 * One request and what the front end logs and counts of it: the log line
 * (after "socketmap: "; '*' at the end as in want above) at level, and
 * count: "" nothing, "i" inbound, "o" outbound, with "t" a tempfail.
 */
struct log_row {
	const char	*request;
	int		 level;
	const char	*log;
	const char	*count;
};

static const struct log_row example_log_rows[] = {
	{ "access someone@example.org", LOG_DEBUG,
	  "access rcpt=<someone@example.org> unchanged unconfigured", "" },
	{ "access postmaster", LOG_DEBUG,
	  "access rcpt=<postmaster> unchanged postmaster", "" },
	{ "access bob@contoso.com", LOG_DEBUG,
	  "access rcpt=<bob@contoso.com> unchanged contact", "" },
	{ "access Nobody@Sales.Contoso.COM", LOG_INFO,
	  "reject rcpt=<Nobody@Sales.Contoso.COM> 550 5.1.1 user unknown", "i" },
	{ "access loop1@contoso.com", LOG_INFO,
	  "reject rcpt=<loop1@contoso.com> 554 5.4.6 routing loop (*", "i" },
	{ "access shared@contoso.com", LOG_INFO,
	  "reject rcpt=<shared@contoso.com> 550 5.1.4 ambiguous (*", "i" },
	{ "access bob@", LOG_INFO,
	  "reject rcpt=<bob@> 501 5.1.3 bad address syntax (*", "i" },
	{ "virtual BOB@Contoso.COM", LOG_INFO,
	  "rcpt=<BOB@Contoso.COM> -> <bob@fourthcoffee.com> contact", "i" },
	{ "virtual nobody@contoso.com", LOG_INFO,
	  "rcpt=<nobody@contoso.com> -> <nobody@legacy.contoso.com> forward", "i" },
	{ "virtual dan@contoso.com", LOG_DEBUG,
	  "virtual rcpt=<dan@contoso.com> unchanged mailbox", "i" },
	/* refused: counted at the access map, not again here */
	{ "virtual nobody@sales.contoso.com", LOG_DEBUG,
	  "virtual rcpt=<nobody@sales.contoso.com> unchanged unknown", "" },
	{ "generic Someone@FourthCoffee.com", LOG_INFO,
	  "address=<Someone@FourthCoffee.com> -> <Someone@contoso.com> rule "
	  "outbound", "o" },
	{ "generic someone@example.org", LOG_DEBUG,
	  "generic address=<someone@example.org> unchanged unmapped", "o" },
	{ "access", LOG_WARNING,
	  "refused request \"access\": no space between map name and key", "" },
	{ "virtual ", LOG_WARNING, "refused request \"virtual \": empty key", "" },
};

static const struct log_row tempfail_log_rows[] = {
	{ "access bob@contoso.com", LOG_WARNING,
	  "access rcpt=<bob@contoso.com> temporary lookup failure (*", "it" },
	{ "virtual bob@contoso.com", LOG_WARNING,
	  "virtual rcpt=<bob@contoso.com> temporary lookup failure (*", "it" },
	{ "generic bob@fourthcoffee.com", LOG_WARNING,
	  "generic address=<bob@fourthcoffee.com> temporary lookup failure (*",
	  "ot" },
	{ "access someone@example.org", LOG_DEBUG,
	  "access rcpt=<someone@example.org> unchanged unconfigured", "" },
};

static const struct log_row accept_log_rows[] = {
	{ "access bob@contoso.com", LOG_WARNING,
	  "access rcpt=<bob@contoso.com> unchanged directory (*", "" },
	{ "virtual bob@contoso.com", LOG_WARNING,
	  "virtual rcpt=<bob@contoso.com> unchanged directory (*", "i" },
	{ "generic bob@fourthcoffee.com", LOG_WARNING,
	  "generic address=<bob@fourthcoffee.com> unchanged directory (*", "o" },
};

static int
flags_match(const sockmap_result_t *res, const char *flags)
{
	return res->quiet == (strchr(flags, 'q') != NULL) &&
	    res->directory_error == (strchr(flags, 'd') != NULL) &&
	    res->close == (strchr(flags, 'c') != NULL);
}

static int
reply_match(const char *got, const char *want)
{
	size_t	 n = strlen(want);

	if (n > 0 && want[n - 1] == '*')
		return strncmp(got, want, n - 1) == 0 && got[n - 1] != '\0';
	return strcmp(got, want) == 0;
}

static void
check_rows(const config_t *cfg, directory_t *dir, const struct row *rows,
    size_t n)
{
	static const char *const status_word[] = { "OK ", "NOTFOUND ", "TEMP ", "PERM " };
	sockmap_result_t res;

	for (size_t i = 0; i < n; i++) {
		const struct row *row = &rows[i];
		size_t	 len = row->len ? row->len : strlen(row->request);

		sockmap_reply(cfg, dir, row->request, len, &res);
		ck_assert_msg(reply_match(res.reply, row->want) &&
		    flags_match(&res, row->flags),
		    "\"%s\": got \"%s\" (%s%s%s; %s), want \"%s\" (%s)",
		    row->request, res.reply, res.quiet ? "q" : "",
		    res.directory_error ? "d" : "", res.close ? "c" : "",
		    res.verdict.detail, row->want, row->flags);
		ck_assert_msg(res.reply_len == strlen(res.reply) &&
		    strncmp(res.reply, status_word[res.status],
		    strlen(status_word[res.status])) == 0 &&
		    (res.status == SOCKMAP_PERM) == (res.why != NULL),
		    "\"%s\": reply \"%s\" of length %zu, status %s",
		    res.key, res.reply, res.reply_len,
		    sockmap_status_name(res.status));
	}
}

static int reply_match(const char *got, const char *want);

static void
check_log_rows(const config_t *cfg, directory_t *dir,
    const struct log_row *rows, size_t n)
{
	sockmap_result_t res;
	char		 count[4];

	for (size_t i = 0; i < n; i++) {
		const struct log_row *row = &rows[i];

		sockmap_reply(cfg, dir, row->request, strlen(row->request), &res);
		snprintf(count, sizeof(count), "%s%s", !res.count ? "" :
		    res.direction == METRICS_OUTBOUND ? "o" : "i",
		    res.count && res.tempfail ? "t" : "");
		ck_assert_msg(reply_match(res.log, row->log) &&
		    res.log_level == row->level &&
		    strcmp(count, row->count) == 0,
		    "\"%s\": got \"%s\" at %d, count \"%s\"; want \"%s\" at %d, "
		    "count \"%s\"", row->request, res.log, res.log_level, count,
		    row->log, row->level, row->count);
	}
}


/* Loads a configuration from text, "@F@" and "@M@" replaced by f and m. */
static config_t *
load_text(const char *tmpl, const char *f, const char *m)
{
	char		 err[CONFIG_ERR_MAX], text[8192];
	config_t	*cfg;

	tcheck_subst(tmpl, f, m, "", text, sizeof(text));
	cfg = tcheck_config_text(text, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	return cfg;
}

static void
run_table(config_t *cfg, const struct row *rows, size_t n)
{
	char		 err[CONFIG_ERR_MAX];
	directory_t	*dir = directory_open(cfg, err, sizeof(err));

	ck_assert_msg(dir != NULL, "%s", err);
	check_rows(cfg, dir, rows, n);
	directory_close(dir);
	config_free(cfg);
}

START_TEST(test_example_table)
{
	char		 err[CONFIG_ERR_MAX];

	run_table(config_load(tcheck_example_conf(), err, sizeof(err)), example_rows,
	    NELEM(example_rows));
}
END_TEST

/*
 * virtual returns the end of the chain: every address it answers with is
 * NOTFOUND in turn, so that Postfix's own recursion stops at once.
 */
START_TEST(test_virtual_end_of_chain)
{
	char		 err[CONFIG_ERR_MAX], req[SOCKMAP_TEXT_MAX + 16];
	config_t	*cfg = config_load(tcheck_example_conf(), err, sizeof(err));
	directory_t	*dir;
	sockmap_result_t res, again;
	int		 checked = 0;

	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert((dir = directory_open(cfg, err, sizeof(err))) != NULL);
	for (size_t i = 0; i < NELEM(example_rows); i++) {
		if (strncmp(example_rows[i].request, "virtual ", 8) != 0)
			continue;
		sockmap_reply(cfg, dir, example_rows[i].request,
		    strlen(example_rows[i].request), &res);
		if (res.status != SOCKMAP_OK)
			continue;
		snprintf(req, sizeof(req), "virtual %.300s", res.reply + 3);
		sockmap_reply(cfg, dir, req, strlen(req), &again);
		ck_assert_msg(again.status == SOCKMAP_NOTFOUND,
		    "%s -> %s -> \"%s\": got \"%s\", want \"NOTFOUND \"",
		    example_rows[i].request, res.reply, req, again.reply);
		checked++;
	}
	ck_assert_int_gt(checked, 10);
	directory_close(dir);
	config_free(cfg);
}
END_TEST

/*
 * What the SMTP client reads when Postfix applies the access map's action
 * (smtpd_check.c: "<CODE> <DSN> <%s>: Recipient address rejected: %s"):
 * for 550 exactly the text of section 1, which resolve_reply() gives.
 */
static const struct {
	const char	*key;
	const char	*reads;
	int		 as_milter;	/* the milter's reply is the same text */
} reads_rows[] = {
	{ "nobody@sales.contoso.com",
	  "550 5.1.1 <nobody@sales.contoso.com>: Recipient address rejected: User unknown", 1 },
	{ "Nobody@Sales.Contoso.COM",
	  "550 5.1.1 <Nobody@Sales.Contoso.COM>: Recipient address rejected: User unknown", 1 },
	{ "shared@contoso.com",
	  "550 5.1.4 <shared@contoso.com>: Recipient address rejected: ambiguous", 1 },
	{ "loop1@contoso.com",
	  "554 5.4.6 <loop1@contoso.com>: Recipient address rejected: Routing loop detected", 0 },
	{ "bob@",
	  "501 5.1.3 <bob@>: Recipient address rejected: Bad recipient address syntax", 0 },
};

START_TEST(test_client_reads)
{
	char		 err[CONFIG_ERR_MAX], req[600], reads[900], milter[900];
	config_t	*cfg = config_load(tcheck_example_conf(), err, sizeof(err));
	directory_t	*dir;
	sockmap_result_t res;
	rcpt_verdict_t	 v;

	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert((dir = directory_open(cfg, err, sizeof(err))) != NULL);
	for (size_t i = 0; i < NELEM(reads_rows); i++) {
		snprintf(req, sizeof(req), "access %s", reads_rows[i].key);
		sockmap_reply(cfg, dir, req, strlen(req), &res);
		ck_assert_msg(res.status == SOCKMAP_OK, "%s: %s", req, res.reply);
		/* "OK 550 5.1.1 text" -> "550 5.1.1 <key>: ... rejected: text" */
		snprintf(reads, sizeof(reads), "%.9s <%s>: Recipient address "
		    "rejected: %.300s", res.reply + 3, reads_rows[i].key,
		    res.reply + 13);
		ck_assert_msg(strcmp(reads, reads_rows[i].reads) == 0,
		    "%s: the client reads \"%s\", want \"%s\"", req, reads,
		    reads_rows[i].reads);
		resolve_rcpt(cfg, dir, reads_rows[i].key, &v);
		resolve_reply(&v, milter, sizeof(milter));
		ck_assert_msg(!reads_rows[i].as_milter ||
		    strcmp(reads, milter) == 0, "%s: the client reads \"%s\", "
		    "the milter says \"%s\"", req, reads, milter);
	}
	directory_close(dir);
	config_free(cfg);
}
END_TEST

/* What the caller logs: the map, the key as received, the verdict. */
START_TEST(test_log_fields)
{
	char		 err[CONFIG_ERR_MAX];
	config_t	*cfg = config_load(tcheck_example_conf(), err, sizeof(err));
	directory_t	*dir;
	sockmap_result_t res;

	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert((dir = directory_open(cfg, err, sizeof(err))) != NULL);
	sockmap_reply(cfg, dir, "virtual BOB@Contoso.COM", 23, &res);
	ck_assert_int_eq(res.map, SOCKMAP_VIRTUAL);
	ck_assert_str_eq(sockmap_map_name(res.map), "virtual");
	ck_assert_str_eq(res.key, "BOB@Contoso.COM");
	ck_assert_int_eq(res.verdict.action, RESOLVE_REWRITE);
	ck_assert_str_eq(res.verdict.original.text, "BOB@Contoso.COM");
	ck_assert_str_eq(res.verdict.address.text, "bob@fourthcoffee.com");
	ck_assert_ptr_null(res.why);

	sockmap_reply(cfg, dir, "generic Someone@FourthCoffee.com", 32, &res);
	ck_assert_int_eq(res.map, SOCKMAP_GENERIC);
	ck_assert_str_eq(res.verdict.address.text, "Someone@contoso.com");

	/* a known map, a bad key: the map is named, the key made printable */
	sockmap_reply(cfg, dir, "access bob\0x", 12, &res);
	ck_assert_int_eq(res.map, SOCKMAP_MAP_NONE);
	ck_assert_str_eq(res.key, "access bob?x");
	ck_assert_str_eq(res.why, "NUL, CR or LF in the request");
	sockmap_reply(cfg, dir, "access ", 7, &res);
	ck_assert_int_eq(res.map, SOCKMAP_ACCESS);
	ck_assert_str_eq(res.key, "access ");
	ck_assert_str_eq(sockmap_map_name(SOCKMAP_MAP_NONE), "-");

	/* the reader's verdict on a request that is no netstring */
	sockmap_malformed("no ':' after the length", &res);
	ck_assert_str_eq(res.reply, "PERM bad netstring: no ':' after the length");
	ck_assert_uint_eq(res.reply_len, strlen(res.reply));
	ck_assert(res.close && !res.quiet && res.status == SOCKMAP_PERM);
	directory_close(dir);
	config_free(cfg);
}
END_TEST

/* 10,000 bytes is a request; 10,001 is not (whatever the reader let by). */
START_TEST(test_request_size)
{
	static char	 req[SOCKMAP_QUERY_MAX + 2];
	char		 err[CONFIG_ERR_MAX];
	config_t	*cfg = config_load(tcheck_example_conf(), err, sizeof(err));
	directory_t	*dir;
	sockmap_result_t res;

	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert((dir = directory_open(cfg, err, sizeof(err))) != NULL);
	memcpy(req, "access ", 7);
	memset(req + 7, 'a', sizeof(req) - 7);
	memcpy(req + SOCKMAP_QUERY_MAX - 12, "@contoso.com", 12);
	sockmap_reply(cfg, dir, req, SOCKMAP_QUERY_MAX, &res);
	ck_assert_str_eq(res.reply, "OK 501 5.1.3 Bad recipient address syntax");
	ck_assert_uint_lt(strlen(res.key), SOCKMAP_KEY_MAX);
	sockmap_reply(cfg, dir, req, SOCKMAP_QUERY_MAX + 1, &res);
	ck_assert_str_eq(res.reply, "PERM request too long");
	ck_assert(res.close);
	directory_close(dir);
	config_free(cfg);
}
END_TEST

static void
run_log_table(config_t *cfg, const struct log_row *rows, size_t n)
{
	char		 err[CONFIG_ERR_MAX];
	directory_t	*dir;

	ck_assert(cfg != NULL);
	ck_assert_msg((dir = directory_open(cfg, err, sizeof(err))) != NULL,
	    "%s", err);
	check_log_rows(cfg, dir, rows, n);
	directory_close(dir);
	config_free(cfg);
}

/* The log line, its level and what to count: the front end only applies them. */
START_TEST(test_log_and_count)
{
	char		 err[CONFIG_ERR_MAX];
	sockmap_result_t res;
	config_t	*cfg;
	directory_t	*dir;

	log_set_level(LOG_DEBUG);	/* every line is made */
	run_log_table(config_load(tcheck_example_conf(), err, sizeof(err)),
	    example_log_rows, NELEM(example_log_rows));
	run_log_table(load_text(down_conf, "tempfail", ""), tempfail_log_rows,
	    NELEM(tempfail_log_rows));
	run_log_table(load_text(down_conf, "accept", ""), accept_log_rows,
	    NELEM(accept_log_rows));

	/* at the usual level, a debug line is not even made */
	log_set_level(LOG_INFO);
	cfg = config_load(tcheck_example_conf(), err, sizeof(err));
	ck_assert(cfg != NULL);
	ck_assert_msg((dir = directory_open(cfg, err, sizeof(err))) != NULL,
	    "%s", err);
	ck_assert(sockmap_reply(cfg, dir, "access postmaster", 17, &res) ==
	    SOCKMAP_NOTFOUND);
	ck_assert(res.log_level == LOG_DEBUG && res.log[0] == '\0');
	directory_close(dir);
	config_free(cfg);

	sockmap_malformed("no ':' after the length", &res);
	ck_assert_str_eq(res.log, "refused request \"\": no ':' after the length");
	ck_assert(res.log_level == LOG_WARNING && !res.count);
}
END_TEST

START_TEST(test_directory_down_tempfail)
{
	run_table(load_text(down_conf, "tempfail", ""), tempfail_rows,
	    NELEM(tempfail_rows));
}
END_TEST

START_TEST(test_directory_down_accept)
{
	run_table(load_text(down_conf, "accept", ""), accept_rows,
	    NELEM(accept_rows));
}
END_TEST

START_TEST(test_too_long_to_forward)
{
	char	 ldif[4096], domain[256];

	ck_assert(realpath(tcheck_etc("contacts.ldif"), ldif) != NULL);
	/* 4 labels of 59 + ".example": 247 octets; 20 + 1 + 247 > 254 */
	domain[0] = '\0';
	for (int i = 0; i < 4; i++) {
		size_t	 n = strlen(domain);

		memset(domain + n, 'a' + i, 59);
		domain[n + 59] = '.';
		domain[n + 60] = '\0';
	}
	strcat(domain, "example");
	run_table(load_text(long_conf, ldif, domain), long_rows,
	    NELEM(long_rows));
}
END_TEST

static Suite *
sockmap_suite(void)
{
	Suite	*s = suite_create("sockmap");
	TCase	*tc = tcase_create("sockmap");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_example_table);
	tcase_add_test(tc, test_virtual_end_of_chain);
	tcase_add_test(tc, test_client_reads);
	tcase_add_test(tc, test_log_fields);
	tcase_add_test(tc, test_request_size);
	tcase_add_test(tc, test_log_and_count);
	tcase_add_test(tc, test_directory_down_tempfail);
	tcase_add_test(tc, test_directory_down_accept);
	tcase_add_test(tc, test_too_long_to_forward);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tcheck_run(sockmap_suite());
}

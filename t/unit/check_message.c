/*
 * check_message.c - the plan of a whole message (lib/policy/message.c), on the
 * shipped example: what is answered at RCPT, and the steps the milter
 * applies at the end, written one per line as
 *
 *	KIND name [value] [#index]   | and the log line, for steps with one
 *
 * so that a row reads like the MTA's log of the changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dir_fake.h"
#include "directory.h"
#include "message.h"
#include "tcheck.h"

static const char *const kind_names[] = {
	"LOG", "DELRCPT", "ADDRCPT", "ADDHEADER", "CHGFROM", "CHGHEADER"
};

static const struct message_row {
	const char	*name;
	const char	*client;	/* the client's IP */
	int		 postfix;	/* the dialect */
	const char	*sender;
	const char	*rcpts[4];	/* "PATH" or "PATH PARAM" */
	const char	*headers[4];	/* "Name: value" */
	const char	*replies;	/* "R" per accepted RCPT, or "550", ... */
	const char	*plan;		/* the steps, as above */
	const char	*reject;	/* "554 5.4.6 text": refused at the end */
	int		 notrace;	/* trace_header = "" */
} rows[] = {
	{ "postfix: a source-routed contact is removed as Postfix stored it",
	  "203.0.113.7", 1, "<someone@example.org>",
	  { "<@x.example:bob@contoso.com>" }, { NULL }, "R",
	  "DELRCPT <bob@contoso.com>\n"
	  "ADDRCPT <bob@fourthcoffee.com>\n"
	  "ADDHEADER X-Mailswitch rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com>\n"
	  "LOG | rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com> contact\n", NULL, 0 },
	{ "sendmail: removed as written, NOTIFY kept and ORCPT added",
	  "203.0.113.7", 0, "<someone@example.org>",
	  { "<@x.example:bob@contoso.com> NOTIFY=SUCCESS" }, { NULL }, "R",
	  "DELRCPT <@x.example:bob@contoso.com>\n"
	  "ADDRCPT <bob@fourthcoffee.com> NOTIFY=SUCCESS ORCPT=rfc822;bob@contoso.com\n"
	  "ADDHEADER X-Mailswitch rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com>\n"
	  "LOG | rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com> contact\n", NULL, 0 },
	{ "two proxy addresses of one contact: the target is added once",
	  "203.0.113.7", 1, "<someone@example.org>",
	  { "<bob@contoso.com>", "<bob.lee@contoso.com>" }, { NULL }, "RR",
	  "DELRCPT <bob@contoso.com>\n"
	  "ADDRCPT <bob@fourthcoffee.com>\n"
	  "ADDHEADER X-Mailswitch rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com>\n"
	  "LOG | rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com> contact\n"
	  "DELRCPT <bob.lee@contoso.com>\n"
	  "ADDHEADER X-Mailswitch rcpt=<bob.lee@contoso.com> -> <bob@fourthcoffee.com>\n"
	  "LOG | rcpt=<bob.lee@contoso.com> -> <bob@fourthcoffee.com> contact\n", NULL, 0 },
	{ "a refused recipient is answered at RCPT and not planned",
	  "203.0.113.7", 1, "<someone@example.org>",
	  { "<nobody@sales.contoso.com>", "<dan@contoso.com>" }, { NULL },
	  "550R",
	  "LOG | rcpt=<dan@contoso.com> unchanged mailbox\n", NULL, 0 },
	{ "the subsidiary to the Internet: sender and From rewritten first",
	  "192.0.2.10", 1, "<bob@fourthcoffee.com>",
	  { "<someone@example.org>" },
	  { "From: \"Bob Lee\" <bob@fourthcoffee.com>", "Subject: x" }, "R",
	  "CHGFROM <bob@contoso.com> | from=<bob@fourthcoffee.com> -> <bob@contoso.com> outbound\n"
	  "CHGHEADER From \"Bob Lee\" <bob@contoso.com> #1 | header From: \"Bob Lee\" <bob@fourthcoffee.com> -> \"Bob Lee\" <bob@contoso.com> outbound\n"
	  "LOG | rcpt=<someone@example.org> unchanged unconfigured\n", NULL, 0 },
	{ "an Exchange 2010-style contact sends as its secondary address",
	  "192.0.2.10", 1, "<hank@fourthcoffee.com>",
	  { "<someone@example.org>" },
	  { "From: Hank <HANK@fourthcoffee.com>", "Reply-To: ivy@fourthcoffee.com" }, "R",
	  "CHGFROM <Hank.Reed@contoso.com> | from=<hank@fourthcoffee.com> -> <Hank.Reed@contoso.com> outbound\n"
	  "CHGHEADER From Hank <Hank.Reed@contoso.com> #1 | header From: Hank <HANK@fourthcoffee.com> -> Hank <Hank.Reed@contoso.com> outbound\n"
	  "CHGHEADER Reply-To ivy@contoso.com #1 | header Reply-To: ivy@fourthcoffee.com -> ivy@contoso.com outbound\n"
	  "LOG | rcpt=<someone@example.org> unchanged unconfigured\n", NULL, 0 },
	{ "the subsidiary to a contact whose target is configured: internal",
	  "192.0.2.10", 1, "<bob@fourthcoffee.com>",
	  { "<alice@contoso.com>" },
	  { "From: \"Bob Lee\" <bob@fourthcoffee.com>" }, "R",
	  "DELRCPT <alice@contoso.com>\n"
	  "ADDRCPT <Alice.Wong@fourthcoffee.com>\n"
	  "ADDHEADER X-Mailswitch rcpt=<alice@contoso.com> -> <Alice.Wong@fourthcoffee.com>\n"
	  "LOG | rcpt=<alice@contoso.com> -> <Alice.Wong@fourthcoffee.com> contact\n", NULL, 0 },
	{ "<postmaster> is left alone",
	  "203.0.113.7", 1, "<someone@example.org>",
	  { "<postmaster>" }, { NULL }, "R",
	  "LOG | rcpt=<postmaster> unchanged postmaster\n", NULL, 0 },
	/* the loop check between systems (SPEC section 8) */
	{ "back with the trace field of this rewrite: refused, nothing changed",
	  "203.0.113.7", 1, "<someone@example.org>",
	  { "<bob@contoso.com>", "<dan@contoso.com>" },
	  { "X-Mailswitch: rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com>",
	    "Subject: x" }, "RR",
	  "LOG | reject 554 5.4.6 routing loop: X-Mailswitch: "
	  "rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com> already present\n",
	  "554 5.4.6 Routing loop detected", 0 },
	{ "the trace field's name in another case, folded, spaced: refused",
	  "203.0.113.7", 1, "<someone@example.org>",
	  { "<bob@contoso.com>" },
	  { "x-MAILSWITCH:  rcpt=<Bob@Contoso.com>\r\n\t-> <bob@fourthcoffee.com> " },
	  "R",
	  "LOG | reject 554 5.4.6 routing loop: X-Mailswitch: "
	  "rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com> already present\n",
	  "554 5.4.6 Routing loop detected", 0 },
	{ "a trace field with another original: rewritten as usual",
	  "203.0.113.7", 1, "<someone@example.org>",
	  { "<bob@contoso.com>" },
	  { "X-Mailswitch: rcpt=<bob.lee@contoso.com> -> <bob@fourthcoffee.com>" },
	  "R",
	  "DELRCPT <bob@contoso.com>\n"
	  "ADDRCPT <bob@fourthcoffee.com>\n"
	  "ADDHEADER X-Mailswitch rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com>\n"
	  "LOG | rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com> contact\n", NULL, 0 },
	{ "a trace field with another target: rewritten as usual",
	  "203.0.113.7", 1, "<someone@example.org>",
	  { "<bob@contoso.com>" },
	  { "X-Mailswitch: rcpt=<bob@contoso.com> -> <bob@elsewhere.example>" },
	  "R",
	  "DELRCPT <bob@contoso.com>\n"
	  "ADDRCPT <bob@fourthcoffee.com>\n"
	  "ADDHEADER X-Mailswitch rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com>\n"
	  "LOG | rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com> contact\n", NULL, 0 },
	/* replies to old Exchange addresses (SPEC section 11) */
	{ "postfix: an X500 reply, removed by its name, the target added once",
	  "203.0.113.7", 1, "<someone@example.org>",
	  { "<IMCEAEX-_o=FourthCoffee_ou=Exchange_cn=Recipients_cn=bob@contoso.com>",
	    "<bob@contoso.com>" }, { NULL }, "RR",
	  "DELRCPT <IMCEAEX-_o=FourthCoffee_ou=Exchange_cn=Recipients_cn=bob@contoso.com>\n"
	  "ADDRCPT <bob@fourthcoffee.com>\n"
	  "ADDHEADER X-Mailswitch rcpt=<IMCEAEX-_o=FourthCoffee_ou=Exchange_cn=Recipients_cn=bob@contoso.com> -> <bob@fourthcoffee.com>\n"
	  "LOG | rcpt=<IMCEAEX-_o=FourthCoffee_ou=Exchange_cn=Recipients_cn=bob@contoso.com> -> <bob@fourthcoffee.com> x500-contact (X500:/o=FourthCoffee/ou=Exchange/cn=Recipients/cn=bob: cn=Bob Lee,ou=contacts,dc=contoso,dc=com, primary bob@contoso.com)\n"
	  "DELRCPT <bob@contoso.com>\n"
	  "ADDHEADER X-Mailswitch rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com>\n"
	  "LOG | rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com> contact\n", NULL, 0 },
	{ "an X500 reply to a mailbox user: its primary; unknown: refused",
	  "203.0.113.7", 1, "<someone@example.org>",
	  { "<IMCEAEX-_o=Contoso_ou=Sales_cn=Recipients_cn=CDIAZ@contoso.com>",
	    "<IMCEAEX-_o=Contoso_cn=nobody@sales.contoso.com>" }, { NULL },
	  "R550",
	  "DELRCPT <IMCEAEX-_o=Contoso_ou=Sales_cn=Recipients_cn=CDIAZ@contoso.com>\n"
	  "ADDRCPT <Carol.Diaz@sales.contoso.com>\n"
	  "ADDHEADER X-Mailswitch rcpt=<IMCEAEX-_o=Contoso_ou=Sales_cn=Recipients_cn=CDIAZ@contoso.com> -> <Carol.Diaz@sales.contoso.com>\n"
	  "LOG | rcpt=<IMCEAEX-_o=Contoso_ou=Sales_cn=Recipients_cn=CDIAZ@contoso.com> -> <Carol.Diaz@sales.contoso.com> x500-mailbox (X500:/o=Contoso/ou=Sales/cn=Recipients/cn=CDIAZ: cn=Carol Diaz,ou=users,dc=contoso,dc=com, primary Carol.Diaz@sales.contoso.com)\n",
	  NULL, 0 },
	{ "trace_header = \"\": no loop check, rewritten without a field",
	  "203.0.113.7", 1, "<someone@example.org>",
	  { "<bob@contoso.com>" },
	  { "X-Mailswitch: rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com>" },
	  "R",
	  "DELRCPT <bob@contoso.com>\n"
	  "ADDRCPT <bob@fourthcoffee.com>\n"
	  "LOG | rcpt=<bob@contoso.com> -> <bob@fourthcoffee.com> contact\n",
	  NULL, 1 },
};

/* Appends the plan, one step a line, to buf. */
static void
plan_text(const plan_t *plan, char *buf, size_t len)
{
	size_t	 o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < plan->nsteps && o < len; i++) {
		const plan_step_t *s = &plan->steps[i];

		o += (size_t)snprintf(buf + o, len - o, "%s%s%s%s%s",
		    kind_names[s->kind], s->name ? " " : "", s->name ? s->name : "",
		    s->value ? " " : "", s->value ? s->value : "");
		if (o < len && s->kind == PLAN_CHGHEADER)
			o += (size_t)snprintf(buf + o, len - o, " #%d", s->index);
		if (o < len && s->log != NULL)
			o += (size_t)snprintf(buf + o, len - o, " | %s", s->log);
		if (o < len)
			o += (size_t)snprintf(buf + o, len - o, "\n");
	}
}

START_TEST(test_message)
{
	const struct message_row *row = &rows[_i];
	char		 err[CONFIG_ERR_MAX], got[4096], replies[64] = "";
	char		 refusal[128] = "";
	char		 rcpt[512], *argv[3], *sp;
	config_t	*cfg;
	directory_t	*dir;
	message_t	*m;
	message_reply_t	 reply;
	message_client_t client = { row->client, NULL, NULL, row->postfix };
	plan_t		 plan;

	ck_assert_msg((cfg = config_load(tcheck_etc("mailswitch.conf"), err,
	    sizeof(err))) != NULL, "%s", err);
	if (row->notrace) {
		free(cfg->trace_header);
		ck_assert_ptr_nonnull(cfg->trace_header = strdup(""));
	}
	ck_assert_msg((dir = directory_open(cfg, err, sizeof(err))) != NULL,
	    "%s", err);
	ck_assert_ptr_nonnull(m = message_create());
	ck_assert_int_eq(message_begin(m, cfg, &client, row->sender), 0);
	for (size_t i = 0; i < 4 && row->rcpts[i] != NULL; i++) {
		snprintf(rcpt, sizeof(rcpt), "%s", row->rcpts[i]);
		argv[0] = rcpt;
		argv[1] = NULL;
		argv[2] = NULL;
		if ((sp = strchr(rcpt, ' ')) != NULL) {
			*sp = '\0';
			argv[1] = sp + 1;
		}
		ck_assert_int_eq(message_rcpt(m, cfg, dir, argv, &reply), 0);
		strncat(replies, reply.refuse ? reply.rcode : "R",
		    sizeof(replies) - strlen(replies) - 1);
	}
	for (size_t i = 0; i < 4 && row->headers[i] != NULL; i++) {
		char	 name[64];
		const char *colon = strchr(row->headers[i], ':');

		snprintf(name, sizeof(name), "%.*s",
		    (int)(colon - row->headers[i]), row->headers[i]);
		ck_assert_int_eq(message_header(m, cfg, name, colon + 2), 0);
	}
	ck_assert_msg(strcmp(replies, row->replies) == 0,
	    "%s: replies got %s, want %s", row->name, replies, row->replies);
	plan_init(&plan);
	ck_assert_int_eq(message_plan(m, cfg, dir, &plan), 0);
	plan_text(&plan, got, sizeof(got));
	ck_assert_msg(!plan.defer && strcmp(got, row->plan) == 0,
	    "%s:\ngot%s:\n%swant:\n%s", row->name, plan.defer ? " (deferred)" :
	    "", got, row->plan);
	if (plan.reject && plan.rcode != NULL)
		snprintf(refusal, sizeof(refusal), "%s %s %s", plan.rcode,
		    plan.xcode, plan.text);
	else if (plan.reject)
		snprintf(refusal, sizeof(refusal), "(no reply)");
	ck_assert_msg(strcmp(refusal, row->reject ? row->reject : "") == 0,
	    "%s: refusal got \"%s\", want \"%s\"", row->name, refusal,
	    row->reject ? row->reject : "");
	plan_free(&plan);
	message_destroy(m);
	directory_close(dir);
	config_free(cfg);
}
END_TEST

/*
 * An encapsulated address of 2038 octets, unknown in an authoritative
 * domain: refused with a reply text libmilter takes (at most 400 octets,
 * the address's first 200 shown), logged whole.
 */
START_TEST(test_long_reply)
{
	static char	 rcpt[ADDR_TEXT_MAX + 3];
	char		 err[CONFIG_ERR_MAX], *argv[2] = { rcpt, NULL };
	config_t	*cfg;
	directory_t	*dir;
	message_t	*m;
	message_reply_t	 reply;
	message_client_t client = { "203.0.113.7", NULL, NULL, 1 };
	size_t		 n = strlen("<IMCEAEX-");

	ck_assert_msg((cfg = config_load(tcheck_etc("mailswitch.conf"), err,
	    sizeof(err))) != NULL, "%s", err);
	ck_assert_msg((dir = directory_open(cfg, err, sizeof(err))) != NULL,
	    "%s", err);
	memcpy(rcpt, "<IMCEAEX-", n);
	memset(rcpt + n, 'a', ADDR_TEXT_MAX - 8 - 18);
	memcpy(rcpt + n + ADDR_TEXT_MAX - 8 - 18, "@sales.contoso.com>", 20);
	ck_assert_uint_eq(strlen(rcpt), ADDR_TEXT_MAX + 2);
	ck_assert_ptr_nonnull(m = message_create());
	ck_assert_int_eq(message_begin(m, cfg, &client, "<a@example.org>"), 0);
	ck_assert_int_eq(message_rcpt(m, cfg, dir, argv, &reply), 0);
	ck_assert(reply.refuse && !reply.tempfail);
	ck_assert_str_eq(reply.rcode, "550");
	ck_assert_msg(strlen(reply.text) <= 400 &&
	    strncmp(reply.text, rcpt, 201) == 0 &&
	    strcmp(reply.text + 201, "...>: Recipient address rejected: User "
	    "unknown") == 0, "reply text: %s", reply.text);
	ck_assert_msg(strstr(reply.log, rcpt) != NULL, "log: %.100s", reply.log);
	message_destroy(m);
	directory_close(dir);
	config_free(cfg);
}
END_TEST

/*
 * The directory down (t/unit/dir_fake.c), on_directory_error = tempfail: a
 * recipient that needs a lookup is answered 451 at RCPT, and the
 * subsidiary's Internet mail is deferred at its end with nothing changed.
 */
START_TEST(test_directory_down)
{
	char		 err[CONFIG_ERR_MAX], got[2048];
	char		 r1[] = "<bob@contoso.com>", r2[] = "<someone@example.org>";
	char		*argv1[] = { r1, NULL }, *argv2[] = { r2, NULL };
	config_t	*cfg;
	directory_t	*dir;
	dir_fake_t	*fake;
	message_t	*m;
	message_reply_t	 reply;
	message_client_t client = { "192.0.2.10", NULL, NULL, 1 };
	plan_t		 plan;

	ck_assert_msg((cfg = config_load(tcheck_etc("mailswitch.conf"), err,
	    sizeof(err))) != NULL, "%s", err);
	ck_assert_ptr_nonnull(dir = dir_fake_open(&fake, err, sizeof(err)));
	dir_fake_fail(fake, 1);
	ck_assert_ptr_nonnull(m = message_create());
	ck_assert_int_eq(message_begin(m, cfg, &client,
	    "<bob@fourthcoffee.com>"), 0);
	ck_assert_int_eq(message_rcpt(m, cfg, dir, argv1, &reply), 0);
	ck_assert_msg(reply.refuse && reply.tempfail &&
	    strcmp(reply.rcode, "451") == 0 &&
	    strcmp(reply.log, "reject rcpt=<bob@contoso.com> 451 4.3.0 "
	    "temporary lookup failure (fake: down)") == 0,
	    "rcpt: got %s %s", reply.rcode, reply.log);
	ck_assert_int_eq(message_rcpt(m, cfg, dir, argv2, &reply), 0);
	ck_assert(!reply.refuse);
	ck_assert_int_eq(message_header(m, cfg, "From",
	    "Bob <bob@fourthcoffee.com>"), 0);
	plan_init(&plan);
	ck_assert_int_eq(message_plan(m, cfg, dir, &plan), 0);
	plan_text(&plan, got, sizeof(got));
	ck_assert_msg(plan.defer && plan.rcode != NULL &&
	    strcmp(plan.rcode, "451") == 0 && strcmp(plan.xcode, "4.3.0") == 0 &&
	    strcmp(got, "LOG | defer from 451 4.3.0 temporary lookup failure "
	    "(fake: down)\n") == 0, "plan: %s%s", plan.defer ? "" :
	    "(not deferred) ", got);
	plan_free(&plan);
	message_destroy(m);
	directory_close(dir);
	config_free(cfg);
}
END_TEST

/* mta = auto takes Postfix only when "v" says so (SPEC section 1, DSN). */
static const struct {
	mta_kind_t	 mta;
	const char	*v;
	bool		 postfix;
} mta_rows[] = {
	{ MTA_AUTO, "Postfix 3.7.11", true },
	{ MTA_AUTO, "postfix", true },
	{ MTA_AUTO, NULL, false },	/* Sendmail's stock macro lists */
	{ MTA_AUTO, "", false },
	{ MTA_AUTO, "8.17.1", false },
	{ MTA_AUTO, "Sendmail 8.17.1", false },
	{ MTA_POSTFIX, NULL, true },
	{ MTA_POSTFIX, "8.17.1", true },
	{ MTA_SENDMAIL, "Postfix 3.7.11", false },
	{ MTA_SENDMAIL, NULL, false },
};

START_TEST(test_mta)
{
	config_t	 cfg = { .mta = mta_rows[_i].mta };

	ck_assert_msg(message_mta_is_postfix(cfg.mta, mta_rows[_i].v) ==
	    mta_rows[_i].postfix, "row %d (v %s): got %d", _i,
	    mta_rows[_i].v ? mta_rows[_i].v : "none", !mta_rows[_i].postfix);
}
END_TEST

static Suite *
message_suite(void)
{
	Suite	*s = suite_create("message");
	TCase	*tc = tcase_create("plan");

	tcase_add_loop_test(tc, test_message, 0, (int)NELEM(rows));
	tcase_add_test(tc, test_directory_down);
	tcase_add_loop_test(tc, test_mta, 0, (int)NELEM(mta_rows));
	tcase_add_test(tc, test_long_reply);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tcheck_run(message_suite());
}

/*
 * check_reason.c - the reason table's SMTP columns: each refusing reason
 * has its reply, the codes and texts of SPEC section 1 side by side, and
 * the access(5) text is what Postfix's own prefix turns into the milter's.
 */
#include <stdio.h>
#include <string.h>

#include "reason.h"
#include "tcheck.h"

static const struct {
	reason_t	 reason;
	reason_reply_t	 reply;		/* reason_reply(reason) */
	const char	*smtp;		/* "rcode xcode text | access", or NULL */
} reason_rows[] = {
	{ REASON_UNCONFIGURED, REASON_REPLY_NONE, NULL },
	{ REASON_CONTACT, REASON_REPLY_NONE, NULL },
	{ REASON_X500_MAILBOX, REASON_REPLY_NONE, NULL },
	{ REASON_SENDER_SYNTAX, REASON_REPLY_NONE, NULL },
	{ REASON_UNKNOWN, REASON_REPLY_UNKNOWN,
	  "550 5.1.1 Recipient address rejected: User unknown | User unknown" },
	{ REASON_LOOP, REASON_REPLY_LOOP,
	  "554 5.4.6 Routing loop detected | Routing loop detected" },
	{ REASON_AMBIGUOUS, REASON_REPLY_AMBIGUOUS,
	  "550 5.1.4 Recipient address rejected: ambiguous | ambiguous" },
	{ REASON_SYNTAX, REASON_REPLY_SYNTAX,
	  "501 5.1.3 Bad recipient address syntax | Bad recipient address syntax" },
	{ REASON_DIRECTORY_ERROR, REASON_REPLY_TEMPFAIL,
	  "451 4.3.0 Temporary lookup failure | Temporary lookup failure" },
};

START_TEST(test_reason_replies)
{
	char	 got[300];

	for (size_t i = 0; i < NELEM(reason_rows); i++) {
		reason_reply_t		 reply = reason_reply(reason_rows[i].reason);
		const reason_smtp_t	*s = reason_smtp(reply);

		if (s->rcode == NULL)
			snprintf(got, sizeof(got), "(none)");
		else
			snprintf(got, sizeof(got), "%s %s %s | %s", s->rcode,
			    s->xcode, s->text, s->access);
		ck_assert_msg(reply == reason_rows[i].reply &&
		    strcmp(got, reason_rows[i].smtp != NULL ?
		    reason_rows[i].smtp : "(none)") == 0,
		    "%s: got %d \"%s\", want %d \"%s\"",
		    reason_name(reason_rows[i].reason), reply, got,
		    reason_rows[i].reply, reason_rows[i].smtp);
	}
}
END_TEST

/*
 * Every reply but NONE has all four columns, and Postfix's "Recipient
 * address rejected: " before the access text gives the reply text
 * whenever the text says so itself; an out-of-range reply is NONE's.
 */
START_TEST(test_reply_columns)
{
	const char	*prefix = "Recipient address rejected: ";
	char		 reads[300];

	for (int r = REASON_REPLY_NONE + 1; r < REASON_REPLY_COUNT; r++) {
		const reason_smtp_t *s = reason_smtp((reason_reply_t)r);

		ck_assert_msg(s->rcode != NULL && s->xcode != NULL &&
		    s->text != NULL && s->access != NULL, "reply %d", r);
		ck_assert_msg(s->rcode[0] == s->xcode[0], "reply %d: %s %s", r,
		    s->rcode, s->xcode);
		snprintf(reads, sizeof(reads), "%s%s", prefix, s->access);
		ck_assert_msg(strncmp(s->text, prefix, strlen(prefix)) != 0 ||
		    strcmp(reads, s->text) == 0, "reply %d: \"%s\" vs \"%s\"",
		    r, reads, s->text);
	}
	ck_assert_ptr_null(reason_smtp(REASON_REPLY_NONE)->rcode);
	ck_assert_ptr_null(reason_smtp(REASON_REPLY_COUNT)->rcode);
	ck_assert_ptr_null(reason_smtp((reason_reply_t)-1)->access);
	ck_assert_str_eq(reason_smtp(REASON_REPLY_TOO_LONG)->rcode, "553");
	ck_assert_str_eq(reason_smtp(REASON_REPLY_TOO_LONG)->access,
	    "too long to forward");
}
END_TEST

static Suite *
reason_suite(void)
{
	Suite	*s = suite_create("reason");
	TCase	*tc = tcase_create("reason");

	tcase_add_test(tc, test_reason_replies);
	tcase_add_test(tc, test_reply_columns);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tcheck_run(reason_suite());
}

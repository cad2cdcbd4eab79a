/*
 * reason.c - see reason.h: the one table of reasons.
 */
#include <stddef.h>
#include <syslog.h>

#include "reason.h"

static const struct reason_info {
	const char	*name;		/* the log's word */
	const char	*metric;	/* SPEC section 7's verdict label */
	const char	*phrase;	/* a refusal's log phrase */
	int		 level;		/* the decision's log level */
	reason_reply_t	 reply;		/* a refusal's reply */
} reason_table[REASON_COUNT] = {
#define R(name, metric, phrase, level, reply) \
	{ name, metric, phrase, level, REASON_REPLY_ ## reply }
	[REASON_UNCONFIGURED] =	R("unconfigured", "unchanged", "", LOG_DEBUG, NONE),
	[REASON_EXTERNAL] =	R("external", "unchanged", "", LOG_INFO, NONE),
	[REASON_MAILBOX] =	R("mailbox", "unchanged", "", LOG_INFO, NONE),
	[REASON_RELAY] =	R("relay", "unchanged", "", LOG_INFO, NONE),
	[REASON_POSTMASTER] =	R("postmaster", "unchanged", "", LOG_DEBUG, NONE),
	[REASON_CONTACT] =	R("contact", "contact", "", LOG_INFO, NONE),
	[REASON_CANONICAL] =	R("canonical", "canonical", "", LOG_INFO, NONE),
	[REASON_FORWARD] =	R("forward", "forward", "", LOG_INFO, NONE),
	[REASON_X500_CONTACT] =	R("x500-contact", "contact", "", LOG_INFO, NONE),
	[REASON_X500_MAILBOX] =	R("x500-mailbox", "canonical", "", LOG_INFO, NONE),
	[REASON_UNKNOWN] =	R("unknown", "unknown", "user unknown", LOG_INFO,
				    UNKNOWN),
	[REASON_LOOP] =		R("loop", "loop", "routing loop", LOG_INFO, LOOP),
	[REASON_AMBIGUOUS] =	R("ambiguous", "ambiguous", "ambiguous", LOG_INFO,
				    AMBIGUOUS),
	[REASON_SYNTAX] =	R("syntax", "syntax", "bad address syntax",
				    LOG_INFO, SYNTAX),
	[REASON_DIRECTORY_ERROR] = R("directory", "unchanged",
				    "temporary lookup failure", LOG_WARNING,
				    TEMPFAIL),
	[REASON_SENDER_DIRECTORY] = R("directory", "directory", "", LOG_INFO, NONE),
	[REASON_SENDER_RULE] =	R("rule", "rule", "", LOG_INFO, NONE),
	[REASON_SENDER_UNMAPPED] = R("unmapped", "unchanged", "", LOG_INFO, NONE),
	[REASON_SENDER_NULL] =	R("null", "unchanged", "", LOG_INFO, NONE),
	[REASON_SENDER_POSTMASTER] = R("postmaster", "unchanged", "", LOG_INFO,
				    NONE),
	[REASON_SENDER_SYNTAX] = R("syntax", "unchanged", "", LOG_INFO, NONE),
#undef R
};

/*
 * The replies (SPEC section 1): codes, the milter's text, and the access
 * action's text, which Postfix prefixes with "<a>: Recipient address
 * rejected: " itself.
 */
static const reason_smtp_t reason_smtp_table[REASON_REPLY_COUNT] = {
	[REASON_REPLY_NONE] =	  { NULL, NULL, NULL, NULL },
	[REASON_REPLY_UNKNOWN] =  { "550", "5.1.1",
	    "Recipient address rejected: User unknown", "User unknown" },
	[REASON_REPLY_LOOP] =	  { "554", "5.4.6", "Routing loop detected",
	    "Routing loop detected" },
	[REASON_REPLY_AMBIGUOUS] = { "550", "5.1.4",
	    "Recipient address rejected: ambiguous", "ambiguous" },
	[REASON_REPLY_SYNTAX] =	  { "501", "5.1.3",
	    "Bad recipient address syntax", "Bad recipient address syntax" },
	[REASON_REPLY_TOO_LONG] = { "553", "5.1.3",
	    "Recipient address rejected: too long to forward",
	    "too long to forward" },
	[REASON_REPLY_TEMPFAIL] = { "451", "4.3.0", "Temporary lookup failure",
	    "Temporary lookup failure" },
};

/* The row of r; an out-of-range value gets the first row, never a crash. */
static const struct reason_info *
reason_info(reason_t r)
{
	return (unsigned)r < REASON_COUNT ? &reason_table[r] : &reason_table[0];
}

const char *
reason_name(reason_t r)
{
	return reason_info(r)->name;
}

const char *
reason_metric(reason_t r, int tempfail)
{
	return tempfail ? "tempfail" : reason_info(r)->metric;
}

const char *
reason_phrase(reason_t r)
{
	const struct reason_info *i = reason_info(r);

	return i->phrase[0] != '\0' ? i->phrase : i->name;
}

int
reason_log_level(reason_t r)
{
	return reason_info(r)->level;
}

reason_reply_t
reason_reply(reason_t r)
{
	return reason_info(r)->reply;
}

const reason_smtp_t *
reason_smtp(reason_reply_t reply)
{
	return (unsigned)reply < REASON_REPLY_COUNT ? &reason_smtp_table[reply] :
	    &reason_smtp_table[REASON_REPLY_NONE];
}

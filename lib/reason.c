/*
 * reason.c - see reason.h: the one table of reasons.
 */
#include <syslog.h>

#include "reason.h"

static const struct reason_info {
	const char	*name;		/* the log's word */
	const char	*metric;	/* SPEC section 7's verdict label */
	const char	*phrase;	/* a refusal's log phrase */
	int		 level;		/* the decision's log level */
} reason_table[REASON_COUNT] = {
	[REASON_UNCONFIGURED] =	{ "unconfigured", "unchanged", "", LOG_DEBUG },
	[REASON_EXTERNAL] =	{ "external", "unchanged", "", LOG_INFO },
	[REASON_MAILBOX] =	{ "mailbox", "unchanged", "", LOG_INFO },
	[REASON_RELAY] =	{ "relay", "unchanged", "", LOG_INFO },
	[REASON_POSTMASTER] =	{ "postmaster", "unchanged", "", LOG_DEBUG },
	[REASON_CONTACT] =	{ "contact", "contact", "", LOG_INFO },
	[REASON_CANONICAL] =	{ "canonical", "canonical", "", LOG_INFO },
	[REASON_FORWARD] =	{ "forward", "forward", "", LOG_INFO },
	[REASON_X500_CONTACT] =	{ "x500-contact", "contact", "", LOG_INFO },
	[REASON_X500_MAILBOX] =	{ "x500-mailbox", "canonical", "", LOG_INFO },
	[REASON_UNKNOWN] =	{ "unknown", "unknown", "user unknown", LOG_INFO },
	[REASON_LOOP] =		{ "loop", "loop", "routing loop", LOG_INFO },
	[REASON_AMBIGUOUS] =	{ "ambiguous", "ambiguous", "ambiguous", LOG_INFO },
	[REASON_SYNTAX] =	{ "syntax", "syntax", "bad address syntax", LOG_INFO },
	[REASON_DIRECTORY_ERROR] = { "directory", "unchanged",
				    "temporary lookup failure", LOG_WARNING },
	[REASON_SENDER_DIRECTORY] = { "directory", "directory", "", LOG_INFO },
	[REASON_SENDER_RULE] =	{ "rule", "rule", "", LOG_INFO },
	[REASON_SENDER_UNMAPPED] = { "unmapped", "unchanged", "", LOG_INFO },
	[REASON_SENDER_NULL] =	{ "null", "unchanged", "", LOG_INFO },
	[REASON_SENDER_POSTMASTER] = { "postmaster", "unchanged", "", LOG_INFO },
	[REASON_SENDER_SYNTAX] = { "syntax", "unchanged", "", LOG_INFO },
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

/*
 * reason.h - why a recipient or a sender was decided as it was: a closed
 * set, with one table of what each reason is called in the log and in
 * metrics, the phrase of a refusal's log line, the level its decision is
 * logged at, and the SMTP reply that refuses for it.
 *
 * The replies are a closed set of their own (reason_reply_t), kept in the
 * same file: every reply code, enhanced code and text mailswitch answers
 * with is one row there.  A reason names the reply a refusal for it gets;
 * REASON_SYNTAX has a second one (a forward_to that makes the address too
 * long), which resolve.c asks for by name.
 */
#ifndef MAILSWITCH_REASON_H
#define MAILSWITCH_REASON_H

typedef enum reason {
	/* inbound: left as addressed */
	REASON_UNCONFIGURED,	/* in no configured domain */
	REASON_EXTERNAL,	/* an external_relay domain */
	REASON_MAILBOX,		/* a mailbox user */
	REASON_RELAY,		/* unknown in an internal_relay domain */
	REASON_POSTMASTER,	/* <postmaster>, no domain */
	/* inbound: rewritten */
	REASON_CONTACT,		/* a contact's target */
	REASON_CANONICAL,	/* a mailbox user's primary address */
	REASON_FORWARD,		/* local@forward_to */
	REASON_X500_CONTACT,	/* an encapsulated X500 address (x500.h) of a
				   contact: its target (metric "contact") */
	REASON_X500_MAILBOX,	/* one of a mailbox user: its primary address
				   (metric "canonical") */
	/* inbound: refused */
	REASON_UNKNOWN,		/* unknown in an authoritative domain */
	REASON_LOOP,		/* a contact chain that loops or is too long */
	REASON_AMBIGUOUS,	/* held by several directory entries */
	REASON_SYNTAX,		/* not a valid path (or too long to forward) */
	/* either way */
	REASON_DIRECTORY_ERROR,	/* the directory could not answer */
	/* outbound */
	REASON_SENDER_DIRECTORY, /* the directory entry's primary address */
	REASON_SENDER_RULE,	/* an outbound rule */
	REASON_SENDER_UNMAPPED,	/* nothing maps it */
	REASON_SENDER_NULL,	/* the null sender <> */
	REASON_SENDER_POSTMASTER, /* <postmaster> */
	REASON_SENDER_SYNTAX,	/* does not parse */
	REASON_COUNT
} reason_t;

/* Returns the word for the log ("contact", "unknown", "directory" ...). */
const char *reason_name(reason_t r);

/*
 * Returns the verdict label of SPEC section 7 (mailswitch_decisions_total):
 * inbound contact | canonical | forward | unchanged | unknown | loop |
 * ambiguous | syntax | tempfail, outbound directory | rule | unchanged |
 * tempfail.  tempfail is true when the decision was a temporary failure
 * (a directory error under on_directory_error = tempfail).
 */
const char *reason_metric(reason_t r, int tempfail);

/* Returns the short phrase of a refusal's log line ("user unknown" ...). */
const char *reason_phrase(reason_t r);

/* Returns the syslog level its decision is logged at (LOG_DEBUG ...). */
int	reason_log_level(reason_t r);

/* The SMTP replies that refuse a recipient or a whole message. */
typedef enum reason_reply {
	REASON_REPLY_NONE,	/* no refusal: its columns are NULL */
	REASON_REPLY_UNKNOWN,	/* 550 5.1.1 */
	REASON_REPLY_LOOP,	/* 554 5.4.6 */
	REASON_REPLY_AMBIGUOUS,	/* 550 5.1.4 */
	REASON_REPLY_SYNTAX,	/* 501 5.1.3 */
	REASON_REPLY_TOO_LONG,	/* 553 5.1.3: forward_to made it too long */
	REASON_REPLY_TEMPFAIL,	/* 451 4.3.0 */
	REASON_REPLY_COUNT
} reason_reply_t;

/* One reply's columns: static strings, never freed. */
typedef struct reason_smtp {
	const char	*rcode;		/* "550" ... */
	const char	*xcode;		/* "5.1.1" ... */
	const char	*text;		/* the reply text (after "<address>: "
					   when it names a recipient) */
	const char	*access;	/* the text of the socketmap's access(5)
					   action "OK <rcode> <xcode> <access>",
					   after which Postfix's own "<address>:
					   Recipient address rejected: " reads
					   as text does */
} reason_smtp_t;

/* Returns the reply a refusal for r gets (REASON_REPLY_NONE: r refuses nothing). */
reason_reply_t reason_reply(reason_t r);

/*
 * Returns the columns of reply; REASON_REPLY_NONE's (and an out-of-range
 * value's) are all NULL.  Never NULL itself.
 */
const reason_smtp_t *reason_smtp(reason_reply_t reply);

#endif /* MAILSWITCH_REASON_H */

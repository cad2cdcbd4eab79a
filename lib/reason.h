/*
 * reason.h - why a recipient or a sender was decided as it was: a closed
 * set, with one table of what each reason is called in the log and in
 * metrics, the phrase of a refusal's log line, and the level its decision
 * is logged at.
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

#endif /* MAILSWITCH_REASON_H */

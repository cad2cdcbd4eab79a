/*
 * resolve.h - the decisions: what becomes of a recipient (inbound) and of a
 * sender (outbound).  Pure policy: no MTA protocol, no logging.  Both the
 * milter and the -q / -Q query mode call these, and so can any other front
 * end.
 */
#ifndef MAILSWITCH_RESOLVE_H
#define MAILSWITCH_RESOLVE_H

#include <stddef.h>

#include "addr.h"
#include "config.h"
#include "directory.h"

typedef enum resolve_action {
	RESOLVE_KEEP,		/* deliver as addressed */
	RESOLVE_REWRITE,	/* deliver to verdict.address instead */
	RESOLVE_REJECT,		/* permanent: verdict.rcode / xcode / text */
	RESOLVE_TEMPFAIL	/* temporary: verdict.rcode / xcode / text */
} resolve_action_t;

#define RESOLVE_TEXT_MAX	(ADDR_TEXT_MAX + 128)

typedef struct rcpt_verdict {
	resolve_action_t action;
	addr_t		 original;	/* the recipient as parsed (text "" if bad) */
	addr_t		 address;	/* KEEP: the original; REWRITE: the new one */
	const char	*reason;	/* static word for the log: "contact",
					   "canonical", "forward", "unknown",
					   "loop", "ambiguous", "syntax",
					   "directory", "unconfigured",
					   "external", "mailbox", "relay" */
	const char	*rcode;		/* "550" ... for REJECT / TEMPFAIL */
	const char	*xcode;		/* "5.1.1" ... */
	char		 text[RESOLVE_TEXT_MAX];	/* reply text after the codes */
	char		 detail[1024];	/* directory error or other detail, or "" */
	int		 hops;		/* contacts followed */
} rcpt_verdict_t;

/*
 * Decides what becomes of the recipient path rcpt ("<a@b>" or "a@b") under
 * cfg with directory dir, per the inbound table of the contract.  Always
 * fills *v and returns v->action.  Thread-safe when dir is.
 */
resolve_action_t resolve_rcpt(const config_t *cfg, directory_t *dir,
	    const char *rcpt, rcpt_verdict_t *v);

/* Returns "<code> <xcode> <text>" of a REJECT / TEMPFAIL verdict in buf. */
const char *resolve_reply(const rcpt_verdict_t *v, char *buf, size_t len);

#endif /* MAILSWITCH_RESOLVE_H */

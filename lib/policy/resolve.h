/*
 * resolve.h - the decisions: what becomes of a recipient (inbound) and of a
 * sender (outbound).  Pure policy: no MTA protocol, no logging.  The
 * milter (through message.c), the socketmap server (sockmap.c) and the
 * -q / -Q query mode all call these.
 */
#ifndef MAILSWITCH_RESOLVE_H
#define MAILSWITCH_RESOLVE_H

#include <stddef.h>

#include "addr.h"
#include "config.h"
#include "directory.h"
#include "reason.h"

typedef enum resolve_action {
	RESOLVE_KEEP,		/* deliver as addressed */
	RESOLVE_REWRITE,	/* deliver to verdict.address instead */
	RESOLVE_REJECT,		/* permanent: verdict.rcode / xcode / text */
	RESOLVE_TEMPFAIL	/* temporary: verdict.rcode / xcode / text */
} resolve_action_t;

#define RESOLVE_TEXT_MAX	(ADDR_TEXT_MAX + 256)	/* "<a>: " + 200 */

typedef struct rcpt_verdict {
	resolve_action_t action;
	addr_t		 original;	/* the recipient as parsed (text "" if bad) */
	addr_t		 address;	/* KEEP: the original; REWRITE: the new one */
	reason_t	 reason;	/* why (reason.h: its log word, metric
					   label, phrase and log level) */
	reason_reply_t	 reply;		/* REJECT / TEMPFAIL: the reply of
					   reason.h's table, whose codes ... */
	const char	*rcode;		/* "550" ... for REJECT / TEMPFAIL */
	const char	*xcode;		/* "5.1.1" ... */
	char		 text[RESOLVE_TEXT_MAX];	/* ... and text ("<a>: "
					   first) these are */
	char		 detail[1024];	/* directory error or other detail, or "";
					   ends in "stale answer, N s old"
					   when stale is set */
	int		 hops;		/* contacts followed */
	int		 stale;		/* 1: decided on a stale answer of the
					   cache (directory.cache.stale_ttl) */
	int		 stale_age;	/* the oldest one's age, seconds */
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

/*
 * Decides the outbound address for sender (a path "<a@b>", a bare address,
 * or an addr-spec from a header field): with outbound.lookup, the primary
 * proxy address of the directory entry whose target it is -- or, when a
 * rule would rewrite that primary address too (an Exchange 2010-style
 * contact), the entry's first secondary address in a rule's `to` domain;
 * otherwise, or when there is none, the first outbound rule for its
 * domain, keeping the local part.  The null sender, an unparseable one and one that nothing
 * maps are KEEP.  A directory failure is TEMPFAIL (451 4.3.0) or, with
 * on_directory_error = accept, KEEP with REASON_DIRECTORY_ERROR.  Fills *v
 * (a rcpt_verdict_t: the same fields serve) and returns v->action; the
 * other reasons are the REASON_SENDER_* ones.  Thread-safe.
 */
resolve_action_t resolve_sender(const config_t *cfg, directory_t *dir,
	    const char *sender, rcpt_verdict_t *v);

/*
 * Returns 1 when a message with these properties comes from the subsidiary
 * (outbound.clients, outbound.daemons, outbound.authenticated), else 0.
 * client_ip is the client's address as text (Postfix's {client_addr} form
 * is accepted), daemon is {daemon_name}, auth is {auth_authen}; each may be
 * NULL when unknown.
 */
int	resolve_is_outbound_client(const config_t *cfg, const char *client_ip,
	    const char *daemon, const char *auth);

/*
 * Returns 1 when the recipient path rcpt is in no configured domain and is
 * no domain's forward_to routing domain (mail to it goes to the Internet),
 * 0 otherwise or when it does not parse.  Ask it of the address a
 * recipient will be delivered to (SPEC section 2).
 */
int	resolve_is_internet(const config_t *cfg, const char *rcpt);

/*
 * Returns the first rule of o whose domain matches domain (any case; exact
 * names and "*." wildcards, in file order), or NULL: the rule that
 * rewrites an outbound sender of that domain.  o may be NULL.
 */
const rewrite_rule_t *resolve_outbound_rule(const config_outbound_t *o,
	    const char *domain);

#endif /* MAILSWITCH_RESOLVE_H */

/*
 * message.h - one message's policy, from MAIL FROM to its end, for a front
 * end that sees whole messages (the milter).
 *
 * The front end hands over what the MTA tells it -- the client, the
 * sender, each RCPT, each header field -- and gets back what to answer at
 * RCPT and, at the end of the message, a plan (plan.h): which recipients
 * are removed and added (a target delivered once; removed by the name the
 * MTA stored them under), the trace header fields, the outbound rewrite,
 * and every log line.  Why a recipient was rewritten is decided here and
 * in resolve.c, nowhere else.
 *
 * A message_t belongs to one connection (one thread at a time).
 */
#ifndef MAILSWITCH_MESSAGE_H
#define MAILSWITCH_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "directory.h"
#include "plan.h"
#include "resolve.h"

typedef struct message message_t;

/* Who sent the message, as the MTA says. */
typedef struct message_client {
	const char	*ip;		/* the client's address as text, or NULL */
	const char	*daemon;	/* Postfix's {daemon_name}, or NULL */
	const char	*auth;		/* {auth_authen}, or NULL */
	bool		 postfix;	/* Postfix's dialect (message_mta_is_postfix) */
} message_client_t;

/* The answer to one RCPT. */
typedef struct message_reply {
	reason_t	 reason;	/* why (its metric label: reason.h) */
	bool		 refuse;	/* false: accept it */
	bool		 tempfail;	/* a temporary refusal (4xx) */
	const char	*rcode;		/* "550" ... */
	const char	*xcode;		/* "5.1.1" ... */
	char		 text[2 * RESOLVE_TEXT_MAX];	/* '%' doubled (MTAs
					   take reply text as a format); at
					   most 400 octets before, an
					   encapsulated address cut short */
	int		 log_level;
	char		 log[2 * RESOLVE_TEXT_MAX + 1100];	/* no queue id */
} message_reply_t;

/* Returns a new message, or NULL when out of memory.  Free with message_destroy(). */
message_t *message_create(void);

/* Frees m; NULL is a no-op. */
void	message_destroy(message_t *m);

/*
 * Starts a message from client with the MAIL FROM path sender (forgetting
 * the previous one).  The strings of client are copied as needed.
 * Returns 0, or -1 when out of memory.
 */
int	message_begin(message_t *m, const config_t *cfg,
	    const message_client_t *client, const char *sender);

/*
 * Decides one RCPT (argv[0] the path as the MTA passed it, then its ESMTP
 * parameters, NULL-terminated) and fills *reply.  An accepted recipient is
 * kept for the plan.  Returns 0, or -1 when out of memory (tempfail it).
 * Thread-safe when dir is.
 */
int	message_rcpt(message_t *m, const config_t *cfg, directory_t *dir,
	    char **argv, message_reply_t *reply);

/*
 * Notes a header field (for the outbound rewrite, and one too long to be
 * sure it came whole).  Returns 0, or -1 when out of memory: the message
 * is then deferred at its end.
 */
int	message_header(message_t *m, const config_t *cfg, const char *name,
	    const char *value);

/*
 * Makes the plan of the end of the message into plan (plan_init()ed by the
 * caller, who frees it with plan_free()).  Returns 0, or -1 when out of
 * memory (defer the message).  Thread-safe when dir is.
 */
int	message_plan(message_t *m, const config_t *cfg, directory_t *dir,
	    plan_t *plan);

/*
 * After message_plan(): returns true when the plan decided the sender (a
 * message from the subsidiary to the Internet), with the reason in *r and
 * in *tempfail whether that deferred the message; false when no sender
 * was decided.
 */
bool	message_sender_verdict(const message_t *m, reason_t *r, bool *tempfail);

/* Forgets the current message (end, abort, a new MAIL FROM). */
void	message_reset(message_t *m);

/*
 * Returns true when the MTA of a milter connection speaks Postfix's dialect
 * (added recipients without ESMTP parameters): always with mta = postfix,
 * never with sendmail, and with auto only when its "v" macro (may be NULL)
 * starts with "Postfix" -- Sendmail's stock macro lists send no "v", and
 * taking Sendmail for Postfix would drop a DSN request silently.
 */
bool	message_mta_is_postfix(mta_kind_t mta, const char *v);

#endif /* MAILSWITCH_MESSAGE_H */

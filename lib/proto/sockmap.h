/*
 * sockmap.h - Postfix socketmap lookups (socketmap_table(5)) answered by
 * the decisions of resolve.h: the request payload "NAME KEY" in, the reply
 * payload ("OK DATA", "NOTFOUND ", "TEMP REASON", "PERM REASON"), the log
 * line and its level, and what to count out -- the socketmap's
 * message_reply_t (message.h).  Pure: no sockets, no threads, no logging.
 * The server that reads the netstrings (netstring.h), writes the replies,
 * logs and counts is a front end of its own (SPEC section 6).
 *
 * The maps:
 *   access   a recipient; its refusal of SPEC section 1 as an access(5)
 *            action ("OK 550 5.1.1 User unknown": Postfix adds
 *            "<a>: Recipient address rejected: " itself), else NOTFOUND
 *   virtual  a recipient; "OK <target>" for a rewrite (the end of the
 *            chain), NOTFOUND when it stays (or is refused: that is the
 *            access map's job), TEMP when the directory fails
 *   generic  any address; "OK <new>" for an outbound rewrite (SPEC
 *            section 2 steps 1-2), else NOTFOUND, TEMP when the
 *            directory fails
 * With on_directory_error = accept a directory failure is NOTFOUND (and
 * directory_error is set, so that it is logged).
 */
#ifndef MAILSWITCH_SOCKMAP_H
#define MAILSWITCH_SOCKMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "directory.h"
#include "metrics.h"
#include "resolve.h"

/* Largest request payload (Postfix's socketmap_max_query is 10,000). */
#define SOCKMAP_QUERY_MAX	10000
/* Largest reply payload Postfix 3.7 reads (socketmap_max_reply). */
#define SOCKMAP_REPLY_MAX	100000
/* Size of sockmap_result_t.reply: every reply fits (TEMP carries the
 * directory's message, at most sizeof(rcpt_verdict_t.detail)). */
#define SOCKMAP_TEXT_MAX	(ADDR_TEXT_MAX + 1280)
/* Size of sockmap_result_t.key: the key as received, for the log (an
 * encapsulated address whole: ADDR_TEXT_MAX, addr.h). */
#define SOCKMAP_KEY_MAX		(ADDR_TEXT_MAX + 2)
/* Size of sockmap_result_t.log: two addresses whole and the verdict's
 * detail (sizeof(rcpt_verdict_t.detail)) fit. */
#define SOCKMAP_LOG_MAX		(2 * ADDR_TEXT_MAX + 1280)

typedef enum sockmap_map {
	SOCKMAP_MAP_NONE,	/* the request named no map (PERM) */
	SOCKMAP_ACCESS,
	SOCKMAP_VIRTUAL,
	SOCKMAP_GENERIC
} sockmap_map_t;

/* The reply's first word. */
typedef enum sockmap_status {
	SOCKMAP_OK,
	SOCKMAP_NOTFOUND,
	SOCKMAP_TEMP,
	SOCKMAP_PERM
} sockmap_status_t;

/* One answered request: the reply to send, what to log and to count. */
typedef struct sockmap_result {
	sockmap_status_t status;
	char		 reply[SOCKMAP_TEXT_MAX];	/* the reply payload, NUL-terminated */
	size_t		 reply_len;			/* strlen(reply), <= SOCKMAP_REPLY_MAX */
	sockmap_map_t	 map;
	char		 key[SOCKMAP_KEY_MAX];		/* the key (for PERM: the request)
							   as received, truncated, control
							   characters as '?' */
	rcpt_verdict_t	 verdict;	/* resolve_rcpt / resolve_sender's
					   verdict; all zero for PERM */
	const char	*why;		/* PERM: what is wrong with the request
					   (static); else NULL */
	bool		 quiet;		/* nothing happened (NOTFOUND, no
					   failure): log at debug only */
	bool		 directory_error; /* the directory failed (TEMP, the
					   access map's 451, or accepted) */
	bool		 close;		/* close the connection after the
					   reply (PERM) */
	int		 log_level;	/* syslog level of log */
	char		 log[SOCKMAP_LOG_MAX];	/* the request's log line, for
					   after the front end's "socketmap: ";
					   empty when log_level is not
					   log_enabled() */
	bool		 count;		/* a decision to count (README
					   "Metrics"): verdict.reason, */
	metrics_direction_t direction;	/* in this direction, */
	bool		 tempfail;	/* as a temporary failure or not */
} sockmap_result_t;

/*
 * Answers one socketmap request: request[0 .. len) is the payload of the
 * request netstring, "NAME KEY" (NAME access | virtual | generic, exactly
 * one space, a non-empty KEY; no NUL, CR or LF anywhere; len at most
 * SOCKMAP_QUERY_MAX).  Anything else is answered "PERM <reason>" with
 * res->close set.  Keys are matched case-insensitively.  Fills *res (the
 * reply, the log line and its level, what to count) and returns
 * res->status.  Thread-safe when dir is.
 */
sockmap_status_t sockmap_reply(const config_t *cfg, directory_t *dir,
	    const char *request, size_t len, sockmap_result_t *res);

/*
 * Fills *res with the reply to a request that is no netstring at all
 * (netstring_feed() said NETSTRING_BAD; why is netstring_strerror()'s
 * text, or NULL): "PERM bad netstring: <why>", res->close set, its log
 * line, nothing to count.  Returns SOCKMAP_PERM.  Thread-safe.
 */
sockmap_status_t sockmap_malformed(const char *why, sockmap_result_t *res);

/*
 * Writes into buf (size len) the access(5) action of a REJECT or TEMPFAIL
 * verdict, as the access map answers it ("550 5.1.1 User unknown"), and
 * returns buf; returns NULL for any other verdict.  The lmdb tables
 * (tables.h) write the same action.  Thread-safe.
 */
const char *sockmap_access_action(const rcpt_verdict_t *v, char *buf,
	    size_t len);

/* Returns the map's name ("access" ... or "-" for SOCKMAP_MAP_NONE). */
const char *sockmap_map_name(sockmap_map_t map);

/* Returns the status word ("OK", "NOTFOUND", "TEMP", "PERM"). */
const char *sockmap_status_name(sockmap_status_t status);

#endif /* MAILSWITCH_SOCKMAP_H */

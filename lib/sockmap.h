/*
 * sockmap.h - Postfix socketmap lookups (socketmap_table(5)) answered by
 * the decisions of resolve.h: the request payload "NAME KEY" in, the reply
 * payload ("OK DATA", "NOTFOUND ", "TEMP REASON", "PERM REASON") and what
 * to log out.  Pure: no sockets, no threads, no logging.  The server that
 * reads the netstrings (netstring.h) and writes the replies is a front end
 * of its own (SPEC section 6).
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

/* One answered request: the reply to send and what to log. */
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
} sockmap_result_t;

/*
 * Answers one socketmap request: request[0 .. len) is the payload of the
 * request netstring, "NAME KEY" (NAME access | virtual | generic, exactly
 * one space, a non-empty KEY; no NUL, CR or LF anywhere; len at most
 * SOCKMAP_QUERY_MAX).  Anything else is answered "PERM <reason>" with
 * res->close set.  Keys are matched case-insensitively.  Fills *res and
 * returns res->status.  Thread-safe when dir is.
 */
sockmap_status_t sockmap_reply(const config_t *cfg, directory_t *dir,
	    const char *request, size_t len, sockmap_result_t *res);

/*
 * Fills *res with the reply to a request that is no netstring at all
 * (netstring_feed() said NETSTRING_BAD; why is netstring_strerror()'s
 * text, or NULL): "PERM bad netstring: <why>", res->close set.  Returns
 * SOCKMAP_PERM.  Thread-safe.
 */
sockmap_status_t sockmap_malformed(const char *why, sockmap_result_t *res);

/* Returns the map's name ("access" ... or "-" for SOCKMAP_MAP_NONE). */
const char *sockmap_map_name(sockmap_map_t map);

/* Returns the status word ("OK", "NOTFOUND", "TEMP", "PERM"). */
const char *sockmap_status_name(sockmap_status_t status);

#endif /* MAILSWITCH_SOCKMAP_H */

/*
 * outbound.h - the Address Rewrite side of a message: mail from the
 * subsidiary to the Internet leaves with the parent domain's sender, in the
 * envelope and in the header fields of outbound.headers, per SPEC section
 * 2.  Pure policy: the changes are steps of a plan (plan.h) that the front
 * end applies.
 */
#ifndef MAILSWITCH_OUTBOUND_H
#define MAILSWITCH_OUTBOUND_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "directory.h"
#include "plan.h"
#include "reason.h"

/*
 * The longest header field (name, ": " and value, in octets) that
 * mailswitch reads as it came or writes back.  With a milter attached,
 * Postfix cuts every longer field to 60000 octets (at its last line break
 * past 54000, else at 60000) before the milter sees it, and would cut a
 * longer replacement too (libmilter refuses to send one over 65535).  A
 * field over this size may already be shortened: it is never rewritten,
 * only logged.
 */
#define OUTBOUND_FIELD_MAX	54000

/* Returns the size of a header field as OUTBOUND_FIELD_MAX counts it. */
size_t	outbound_field_size(const char *name, const char *value);

/* One header field of a name in outbound.headers. */
typedef struct outbound_header {
	char	*name;		/* as the MTA passed it */
	int	 index;		/* 1-based among the fields of this name */
	char	*value;	/* NULL: longer than OUTBOUND_FIELD_MAX, left alone */
} outbound_header_t;

/* The outbound state of one message; zero it before first use. */
typedef struct outbound_msg {
	bool		 from_subsidiary;	/* outbound.clients / daemons / auth */
	bool		 to_internet;		/* a recipient delivered to the Internet */
	char		*sender;		/* MAIL FROM as passed */
	outbound_header_t *headers;
	size_t		 nheaders, cap;
	bool		 decided;	/* outbound_plan() decided the sender: */
	reason_t	 reason;	/* why, */
	bool		 tempfail;	/* and whether it deferred the message */
} outbound_msg_t;

/*
 * Starts a message: records whether it comes from the subsidiary (client
 * address, Postfix service name, SASL login; each may be NULL) and its
 * sender (the MAIL FROM path; its ESMTP parameters are the MTA's to keep).
 * Returns 0, or -1 when out of memory.
 */
int	outbound_begin(outbound_msg_t *m, const config_t *cfg,
	    const char *client_ip, const char *daemon, const char *auth,
	    const char *sender);

/*
 * Notes an accepted recipient by the address it will be delivered to
 * (to_internet when that is in no configured domain).
 */
void	outbound_rcpt(outbound_msg_t *m, const config_t *cfg, const char *rcpt);

/*
 * Keeps a header field when the message is from the subsidiary and the
 * name is in outbound.headers (counting every field of that name for its
 * index), unless it is longer than OUTBOUND_FIELD_MAX (the caller logs
 * that).  Returns 0, or -1 when out of memory.
 */
int	outbound_header(outbound_msg_t *m, const config_t *cfg,
	    const char *name, const char *value);

/*
 * At end of message: when the message is from the subsidiary and to the
 * Internet, appends to plan the new envelope sender and the rewritten
 * header fields, each with its log line.  When the directory cannot answer
 * under on_directory_error = tempfail, the steps it added are dropped, a
 * warning step is added and the plan is deferred with 451 4.3.0.  Sets
 * decided, reason and tempfail when it decided the sender.  Returns
 * 0, or -1 when out of memory.  Thread-safe when dir is.
 */
int	outbound_plan(outbound_msg_t *m, const config_t *cfg, directory_t *dir,
	    plan_t *plan);

/* Forgets the message; the struct can be used again. */
void	outbound_reset(outbound_msg_t *m);

#endif /* MAILSWITCH_OUTBOUND_H */

/*
 * ldap_op.h - one operation against the LDAP servers (a lookup, the
 * opening of a session): its time budget and its story.
 *
 * The budget: one deadline, taken when the operation begins, that every
 * step shares -- the wait for a pooled connection, connect, TLS, bind,
 * the request and a retry.  So that a hung server does not spend it all
 * while another one could answer, a step on one server gets a share of
 * what is left: left / (1 + the servers still untried) -- all of it with
 * one server.  The story: the servers tried so far (each at most once per
 * operation) and what went wrong, "URI: step: reason; ...", which becomes
 * the operation's message when nothing answered.
 *
 * An ldap_op_t is its caller's, on its stack, used by one thread.
 */
#ifndef MAILSWITCH_LDAP_OP_H
#define MAILSWITCH_LDAP_OP_H

#include <sys/time.h>

#include <stddef.h>
#include <stdint.h>

#include <ldap.h>

#define LDAP_OP_NOTES_MAX	768	/* what went wrong, for the message */
#define LDAP_OP_SERVERS_MAX	64	/* servers an op can tell apart */

typedef struct ldap_op {
	int64_t		 deadline;	/* a clock_ms() value (clock.h) */
	int64_t		 timeout_ms;	/* the whole budget, for messages */
	size_t		 nservers;	/* <= LDAP_OP_SERVERS_MAX */
	uint64_t	 tried;		/* bit i: server i */
	size_t		 len;
	char		 notes[LDAP_OP_NOTES_MAX];
} ldap_op_t;

/*
 * Begins an operation over nservers servers with timeout_ms milliseconds:
 * its deadline is now + timeout_ms, no server tried, nothing noted.
 */
void	ldap_op_begin(ldap_op_t *op, int64_t timeout_ms, size_t nservers);

/*
 * Returns the deadline of a step on server self: what is left of op's,
 * shared with the servers op has not tried (self aside), so that each of
 * them keeps its share.
 */
int64_t	ldap_op_share(const ldap_op_t *op, size_t self);

/*
 * Puts what is left until deadline (a clock_ms() value) into *tv (at
 * least 1 ms).  Returns 0, or -1 when nothing is left.
 */
int	ldap_op_left(int64_t deadline, struct timeval *tv);

/*
 * Returns the time limit, in whole seconds, to send with a search that
 * the client itself gives up on after *tv: the seconds of *tv rounded up,
 * plus one.  libldap sends the whole seconds of the timeout it is given
 * (1 for 1.9 s), and Samba ends a search at the whole second of its start
 * plus the limit, which can come almost a second sooner still: a search
 * given what is left of `timeout` failed "Time limit exceeded" while the
 * client still had time.  With this limit the client's own deadline ends
 * the operation first, always, and the server still drops a search that
 * nobody waits for.
 */
int	ldap_op_timelimit(const struct timeval *tv);

/*
 * One search whose whole answer is awaited at most *tv, sent with the
 * time limit of ldap_op_timelimit(tv) and abandoned when *tv runs out:
 * ldap_search_ext_s() with the client's deadline apart from the server's
 * limit.  Returns libldap's code: LDAP_SUCCESS, the result's code (the
 * server's diagnostic message then on ld), LDAP_TIMEOUT, or a connection
 * error; *res holds what came (may be NULL; the caller ldap_msgfree()s
 * it whatever the code).
 */
int	ldap_op_search(LDAP *ld, const char *base, int scope,
	    const char *filter, char **attrs, LDAPControl **sctrls,
	    const struct timeval *tv, int sizelimit, LDAPMessage **res);

/*
 * Writes "STEP: Timed out (the lookup's timeout of N s is spent)" into
 * why ("Timed out (...)" when step is "").
 */
void	ldap_op_spent(const ldap_op_t *op, const char *step, char *why,
	    size_t whylen);

/* Adds a note to op ("; " between notes); cut quietly when full. */
void	ldap_op_note(ldap_op_t *op, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Writes the message of a failed operation into err: "ldap: NOTES", or
 * "ldap: no server to try" when nothing was noted.
 */
void	ldap_op_error(const ldap_op_t *op, char *err, size_t errlen);

/*
 * Writes libldap's reason for rc on ld (may be NULL) into buf:
 * ldap_err2string(), plus the diagnostic message (the server's text, or
 * libldap's TLS reason), control characters replaced.  Returns buf.
 * Thread-safe.
 */
const char *ldap_op_reason(LDAP *ld, int rc, char *buf, size_t buflen);

#endif /* MAILSWITCH_LDAP_OP_H */

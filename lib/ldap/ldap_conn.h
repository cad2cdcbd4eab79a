/*
 * ldap_conn.h - the way to the LDAP servers: the uri list with failover,
 * TLS, the bind (ldap_bind.h) and per-operation deadlines, for every part
 * of mailswitch that talks to the directory -- the pool of the lookups
 * (ldap_pool.h) and the replica's long-running reader (replica_server.h).
 *
 * An ldap_conn_t holds what every connection needs and what they all
 * learn: which server failed lately.  A session is one connection to one
 * of the servers, used by one thread at a time; a pooled slot and the
 * replica's reader are both sessions.
 *
 * Servers.  The uri list is tried in order.  libldap's LDAP_OPT_RESTART
 * only restarts interrupted system calls, it never reconnects: failover is
 * done here.  A server that failed (connect, StartTLS, bind, or a request
 * its user reports with ldap_conn_session_failed()) is "down" for 30 s:
 * new connections try the servers that are not down first, in order, then
 * the down ones, in order, so a server that comes back is used again at
 * once when it is the only one, and a hung server does not slow every
 * reconnection while another one answers.  Within one operation
 * (ldap_op.h) a server is tried at most once.
 *
 * Deadlines.  An operation has one deadline, taken when it starts
 * (ldap_conn_begin(): now + directory.ldap.timeout).  Every step gets only
 * its share of what is left of it (ldap_op_share()) -- the TCP connect
 * (LDAP_OPT_NETWORK_TIMEOUT), StartTLS, the bind and each request and its
 * answer (LDAP_OPT_TIMEOUT, and the wait for a search's answer), set again
 * before each step -- and, with the I/O layer of ldapio.h in each
 * connection (it reads the session's deadline), every read and write of
 * the TLS handshake, which libldap leaves unbounded.
 *
 * Security.  TLS (ldaps:// or StartTLS) always verifies the server's
 * certificate (LDAP_OPT_X_TLS_REQUIRE_CERT = DEMAND) against tls_ca_file
 * (or the system's CAs), TLS 1.2 at least, with a TLS context made per
 * connection (LDAP_OPT_X_TLS_NEWCTX); a failed StartTLS is a failure of
 * that server, never a plaintext fallback.  Referrals are never chased.
 *
 * libldap writes to sockets with write(2): a program using this module
 * should ignore SIGPIPE, or a server that closes a connection can kill it.
 */
#ifndef MAILSWITCH_LDAP_CONN_H
#define MAILSWITCH_LDAP_CONN_H

#include <sys/time.h>

#include <stddef.h>
#include <stdint.h>

#include <ldap.h>

#include "config_directory.h"
#include "ldap_op.h"

typedef struct ldap_conn ldap_conn_t;
typedef struct ldap_conn_session ldap_conn_session_t;

/*
 * Prepares the way to the servers of the ldap section cl (copies what it
 * needs; keeps no pointer to cl): each uri must parse, tls_ca_file must
 * be readable, the bind's secret is read (ldap_bind_open()).  Does not
 * connect: servers that are down at start are not an error.  Returns the
 * handle (free with ldap_conn_close()), or NULL with "FILE: ..." in err
 * for a configuration that cannot work; err never holds the password.
 * file is the configuration file's name (the FILE of the messages), user
 * the user mailswitch runs as (config_t's; ldap_gss_open()).
 */
ldap_conn_t *ldap_conn_open(const config_ldap_t *cl, const char *file,
	    const char *user, char *err, size_t errlen);

/*
 * Frees lc; NULL is a no-op.  Every session of lc must be closed first.
 */
void	ldap_conn_close(ldap_conn_t *lc);

/* directory.ldap.timeout of lc, in milliseconds (>= 1).  Thread-safe. */
int64_t	ldap_conn_timeout_ms(const ldap_conn_t *lc);

/*
 * directory.ldap.range_size of lc: how many values of a multi-valued
 * attribute to ask for at a time (ldap_range.h); 0: ask plainly.
 * Thread-safe.
 */
int	ldap_conn_range_size(const ldap_conn_t *lc);

/*
 * Begins an operation on lc's servers (ldap_op_begin() with lc's timeout
 * and its number of servers).  Thread-safe.
 */
void	ldap_conn_begin(const ldap_conn_t *lc, ldap_op_t *op);

/*
 * Returns a session of lc that is not connected yet
 * (ldap_conn_session_connect()), or NULL when out of memory.  Free with
 * ldap_conn_session_close(); lc must outlive it.
 */
ldap_conn_session_t *ldap_conn_session_new(ldap_conn_t *lc);

/*
 * Connects s (which must not be connected) to the first server that
 * answers -- those not down first, then the down ones, each in order,
 * none that op has tried -- each within its share of what is left of
 * op's deadline: options, TLS, bind.  Each server tried is added to
 * op->tried; each that fails is marked down and noted.  Returns 0, or -1
 * when none answered.
 */
int	ldap_conn_session_connect(ldap_conn_session_t *s, ldap_op_t *op);

/*
 * Returns a new session connected as ldap_conn_session_connect() does,
 * within one operation of its own, or NULL with "ldap: URI: step: reason;
 * ..." in err.  For a reader that keeps its connection for long (the
 * replica).  Free with ldap_conn_session_close().
 */
ldap_conn_session_t *ldap_conn_session_open(ldap_conn_t *lc, char *err,
	    size_t errlen);

/* Returns 1 when s holds a connection, 0 when it does not. */
int	ldap_conn_session_connected(const ldap_conn_session_t *s);

/*
 * Gives the next request on s (connected) its share of what is left of
 * op's deadline: every read and write on its socket, libldap's network
 * timeout and timeout, and *tv (the wait for a search's answer:
 * ldap_op_search(), which sends the server a limit that never ends the
 * search sooner).  Returns
 * 0, or -1 with "URI: [step: ]Timed out (...)" noted in op when nothing is
 * left (or "URI: cannot set ..." when libldap refuses an option).
 */
int	ldap_conn_session_arm(ldap_conn_session_t *s, ldap_op_t *op,
	    const char *step, struct timeval *tv);

/*
 * Bounds every read and write on the socket of s (connected) from now on
 * by ms milliseconds from now.  For a reader with deadlines of its own
 * (the replica): call it before each request and each wait for an answer.
 */
void	ldap_conn_session_deadline(ldap_conn_session_t *s, int64_t ms);

/* The session's handle, for the caller's requests; belongs to s. */
LDAP	*ldap_conn_session_ld(ldap_conn_session_t *s);

/* The URI of the server s is (or was last) connected to; belongs to lc. */
const char *ldap_conn_session_uri(const ldap_conn_session_t *s);

/*
 * Marks the server of s down (a request on it failed at the connection
 * level) and, when op is not NULL, adds it to the servers op has tried.
 * Thread-safe as far as lc goes.
 */
void	ldap_conn_session_failed(ldap_conn_session_t *s, ldap_op_t *op);

/* Unbinds s, which may be connected again; a no-op when it is not. */
void	ldap_conn_session_drop(ldap_conn_session_t *s);

/* Unbinds and frees s; NULL is a no-op. */
void	ldap_conn_session_close(ldap_conn_session_t *s);

#endif /* MAILSWITCH_LDAP_CONN_H */

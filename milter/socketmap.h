/*
 * socketmap.h - the Postfix socketmap server (SPEC section 6): a second
 * front end in the same daemon, answering Postfix's socketmap_table(5)
 * lookups with the decisions of lib/proto/sockmap.c.
 *
 * One thread accepts; each connection (Postfix keeps one per process and
 * reuses it) has a thread of its own, so a slow or stalled client never
 * holds up another.  At most SOCKETMAP_CONNECTIONS connections at once
 * (one more is closed at once, and logged); a connection idle for
 * SOCKETMAP_IDLE_SECONDS between requests, or SOCKETMAP_READ_SECONDS in
 * the middle of one, is closed; a malformed or oversized request is
 * answered PERM and the connection closed.  Each request is answered with
 * the configuration generation current when it arrived.
 */
#ifndef MAILSWITCH_SOCKETMAP_H
#define MAILSWITCH_SOCKETMAP_H

#include <stddef.h>

#define SOCKETMAP_CONNECTIONS	512	/* Postfix: one per process */
#define SOCKETMAP_IDLE_SECONDS	60	/* longer than Postfix's own (10 s) */
#define SOCKETMAP_READ_SECONDS	10	/* from a request's first byte on */
#define SOCKETMAP_WRITE_SECONDS	10

/*
 * Opens the listening socket spec (unix:PATH / local:PATH, removing a
 * stale socket file first; inet:PORT@HOST / inet6:PORT@HOST).  Call before
 * privileges are dropped.  Returns 0, or -1 with a message in err.
 */
int	socketmap_open(const char *spec, char *err, size_t errlen);

/* Starts the accepting thread.  Returns 0, or -1 (logged). */
int	socketmap_start(void);

/*
 * Stops taking connections and requests: the listener is closed, a
 * request that has begun to arrive is still read (at most
 * SOCKETMAP_READ_SECONDS) and answered, connections close after their
 * current request.  Thread-safe.
 */
void	socketmap_stop(void);

/*
 * Returns how many requests are in flight now: from a request's first byte
 * until its reply is sent.
 */
int	socketmap_in_flight(void);

/* Returns how many connections are open now. */
int	socketmap_connections(void);

#endif /* MAILSWITCH_SOCKETMAP_H */

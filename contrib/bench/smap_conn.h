/*
 * smap_conn.h - the one client of mailswitch's socketmap server (Postfix's
 * socketmap protocol: netstring requests "MAP KEY", netstring replies) for
 * the tools around the daemon: t/socketmap/smclient.c (the server's test
 * driver, and one-shot lookups for the shell tests) and contrib/bench's
 * load_gen (round trips).  Every wait is bounded by the milliseconds the
 * caller gives; nothing here exits or prints.
 *
 * Addresses: inet:PORT@IPV4 and unix:PATH (mailswitch's own syntax), or
 * IPV4:PORT.  A TCP connection has TCP_NODELAY set (Postfix's client sets
 * none but sends a request in one write).  The waits are the socket's
 * own (SO_RCVTIMEO, SO_SNDTIMEO, set when a call's ms differs from the
 * last call's): a round trip costs the client one write and one read.
 */
#ifndef SMAP_CONN_H
#define SMAP_CONN_H

#include <stdbool.h>
#include <stddef.h>

typedef struct smap_conn smap_conn_t;

/*
 * A blocking socket connected to addr, or -1 with errno set (EINVAL for an
 * address that does not parse).  The caller closes it.
 */
int	smap_conn_socket(const char *addr);

/* A connection to addr, or NULL with errno set; smap_conn_close frees it. */
smap_conn_t *smap_conn_open(const char *addr);

/* Closes and frees c; NULL is a no-op. */
void	smap_conn_close(smap_conn_t *c);

/* Writes all of buf, each wait ms at most.  Returns 0, or -1. */
int	smap_conn_write(smap_conn_t *c, const void *buf, size_t len, int ms);

/* Sends payload (a C string) as one netstring in one write.  0, or -1. */
int	smap_conn_send(smap_conn_t *c, const char *payload, int ms);

/*
 * Reads one reply netstring into out (NUL-terminated), each wait ms at
 * most.  Returns its length; -2 at end of file before any byte; -1
 * otherwise (timeout, a broken netstring, more than outlen - 1 bytes, end
 * of file inside it).
 */
int	smap_conn_reply(smap_conn_t *c, char *out, size_t outlen, int ms);

/*
 * Waits (ms at most) for the server to close c.  Returns 1 on end of file
 * (or a reset) with no data before it, 0 when data arrived, -1 on timeout.
 */
int	smap_conn_closed(smap_conn_t *c, int ms);

/*
 * One request, one reply on c.  True with the reply in got; false with a
 * description in got ("(write failed: ...)", "(connection closed)", "(no
 * reply / bad netstring)").
 */
bool	smap_conn_ask(smap_conn_t *c, const char *req, char *got,
	    size_t gotlen, int ms);

#endif

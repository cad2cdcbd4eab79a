/*
 * netstring.h - netstrings (D. J. Bernstein's "LEN:PAYLOAD,"), as Postfix's
 * socketmap client speaks them: an incremental reader that is fed bytes as
 * they arrive, and a writer.  Pure: no I/O, no logging.
 *
 * The reader is strict: the length is decimal digits without leading zeros
 * ("0" alone is the empty netstring), at most the maximum given at
 * creation, followed by ':'; the payload is followed by ','.  It never
 * consumes a byte past the ',' of the netstring it is reading, so that the
 * bytes of a pipelined next request stay with the caller.
 */
#ifndef MAILSWITCH_NETSTRING_H
#define MAILSWITCH_NETSTRING_H

#include <stddef.h>

/* Results of netstring_feed(). */
typedef enum netstring_status {
	NETSTRING_MORE,		/* incomplete: feed more bytes */
	NETSTRING_DONE,		/* one netstring complete: netstring_payload() */
	NETSTRING_BAD		/* malformed: netstring_error() says how */
} netstring_status_t;

/* What is wrong with a malformed netstring; netstring_strerror() names it. */
typedef enum netstring_error {
	NETSTRING_ERR_NONE,
	NETSTRING_ERR_DIGIT,	/* the length does not start with a digit */
	NETSTRING_ERR_ZERO,	/* a leading zero ("00:", "01:x,") */
	NETSTRING_ERR_TOO_LONG,	/* the length is over the reader's maximum */
	NETSTRING_ERR_COLON,	/* no ':' after the length digits */
	NETSTRING_ERR_COMMA	/* no ',' after the payload */
} netstring_error_t;

/* The largest maximum a reader accepts (netstring_reader_create). */
#define NETSTRING_LIMIT	(64UL * 1024 * 1024)

typedef struct netstring_reader netstring_reader_t;

/*
 * Returns a reader for netstrings of at most max payload bytes
 * (max <= NETSTRING_LIMIT; it owns a buffer of max + 1 bytes), or NULL
 * when out of memory or max is too large.  Free it with
 * netstring_reader_destroy().  One reader per connection: it is not
 * thread-safe, and needs no lock when one thread uses it.
 */
netstring_reader_t *netstring_reader_create(size_t max);

/* Frees the reader and its buffer; NULL is a no-op. */
void	netstring_reader_destroy(netstring_reader_t *r);

/*
 * Consumes bytes from data[0 .. len) and stores in *used how many (never
 * more than up to and including the ',' that completes a netstring: the
 * rest is the caller's, for the next call).  Returns NETSTRING_DONE when a
 * netstring is complete (its payload is then valid until the next
 * netstring_feed() or netstring_reader_reset()), NETSTRING_MORE when all
 * of data was consumed and more is needed, or NETSTRING_BAD at the first
 * byte that cannot belong to a netstring (that byte is not consumed).
 * After DONE, the next call starts a new netstring; after BAD, every call
 * returns BAD with *used = 0 until netstring_reader_reset().  len may be 0.
 */
netstring_status_t netstring_feed(netstring_reader_t *r, const void *data,
	    size_t len, size_t *used);

/*
 * Returns the payload of the netstring that the last netstring_feed()
 * completed, NUL-terminated for convenience (the payload itself may hold
 * NUL bytes: *lenp is its length; lenp may be NULL), owned by the reader.
 * Returns NULL when the last call did not return NETSTRING_DONE.
 */
const char *netstring_payload(const netstring_reader_t *r, size_t *lenp);

/*
 * Returns 1 when bytes of an unfinished netstring have been consumed (the
 * peer is in the middle of a request: a read timeout applies, and an end
 * of file is a truncated request), 0 between netstrings.  A reader that
 * returned BAD counts as unfinished.
 */
int	netstring_pending(const netstring_reader_t *r);

/* Returns why the reader returned NETSTRING_BAD (NETSTRING_ERR_NONE if not). */
netstring_error_t netstring_error(const netstring_reader_t *r);

/* Returns a short static description of err ("length over the maximum"). */
const char *netstring_strerror(netstring_error_t err);

/* Forgets any partial or complete netstring: the reader starts afresh. */
void	netstring_reader_reset(netstring_reader_t *r);

/* Returns the size of the netstring of a payload of len bytes. */
size_t	netstring_size(size_t len);

/*
 * Writes payload[0 .. len) as the netstring "LEN:PAYLOAD," into out (not
 * NUL-terminated).  Returns the number of bytes written, netstring_size(len),
 * or 0 when outlen is smaller than that (out is then left unspecified).
 * Thread-safe.
 */
size_t	netstring_format(char *out, size_t outlen, const void *payload,
	    size_t len);

#endif /* MAILSWITCH_NETSTRING_H */

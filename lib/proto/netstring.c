/*
 * netstring.c - an incremental netstring reader and a netstring writer.
 *
 * The reader is a small state machine (length digits, payload, comma) that
 * copies the payload into a buffer of its own as the bytes arrive, so that
 * a server can read with poll() and timeouts in chunks of any size, and
 * stops at the comma: whatever follows belongs to the next request.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netstring.h"

typedef enum netstring_state {
	NS_LENGTH,		/* reading length digits, up to ':' */
	NS_PAYLOAD,		/* copying the payload */
	NS_COMMA,		/* expecting the ',' */
	NS_DONE,		/* a netstring is complete */
	NS_BAD			/* malformed, until a reset */
} netstring_state_t;

struct netstring_reader {
	netstring_state_t state;
	netstring_error_t error;
	size_t		  max;		/* largest payload accepted */
	size_t		  ndigits;	/* length digits read so far */
	size_t		  length;	/* the payload's length (so far) */
	size_t		  have;		/* payload bytes copied */
	char		 *buf;		/* max + 1 bytes */
};

netstring_reader_t *
netstring_reader_create(size_t max)
{
	netstring_reader_t *r;

	if (max > NETSTRING_LIMIT)
		return NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->buf = malloc(max + 1)) == NULL) {
		free(r);
		return NULL;
	}
	r->max = max;
	netstring_reader_reset(r);
	return r;
}

void
netstring_reader_destroy(netstring_reader_t *r)
{
	if (r == NULL)
		return;
	free(r->buf);
	free(r);
}

void
netstring_reader_reset(netstring_reader_t *r)
{
	r->state = NS_LENGTH;
	r->error = NETSTRING_ERR_NONE;
	r->ndigits = r->length = r->have = 0;
	r->buf[0] = '\0';
}

/* Marks the reader malformed; returns NETSTRING_BAD. */
static netstring_status_t
netstring_bad(netstring_reader_t *r, netstring_error_t err)
{
	r->state = NS_BAD;
	r->error = err;
	return NETSTRING_BAD;
}

netstring_status_t
netstring_feed(netstring_reader_t *r, const void *data, size_t len,
    size_t *used)
{
	const unsigned char	*p = data;
	size_t			 i = 0, n;

	*used = 0;
	if (r->state == NS_BAD)
		return NETSTRING_BAD;
	if (r->state == NS_DONE)
		netstring_reader_reset(r);
	while (i < len) {
		switch (r->state) {
		case NS_LENGTH:
			if (p[i] >= '0' && p[i] <= '9') {
				if (r->ndigits > 0 && r->length == 0)
					return netstring_bad(r, NETSTRING_ERR_ZERO);
				/* max <= NETSTRING_LIMIT: no overflow here */
				r->length = r->length * 10 + (size_t)(p[i] - '0');
				r->ndigits++;
				if (r->length > r->max)
					return netstring_bad(r,
					    NETSTRING_ERR_TOO_LONG);
			} else if (r->ndigits == 0)
				return netstring_bad(r, NETSTRING_ERR_DIGIT);
			else if (p[i] != ':')
				return netstring_bad(r, NETSTRING_ERR_COLON);
			else
				r->state = r->length > 0 ? NS_PAYLOAD : NS_COMMA;
			*used = ++i;
			break;
		case NS_PAYLOAD:
			n = r->length - r->have;
			if (n > len - i)
				n = len - i;
			memcpy(r->buf + r->have, p + i, n);
			r->have += n;
			i += n;
			*used = i;
			if (r->have == r->length)
				r->state = NS_COMMA;
			break;
		case NS_COMMA:
			if (p[i] != ',')
				return netstring_bad(r, NETSTRING_ERR_COMMA);
			*used = ++i;
			r->buf[r->length] = '\0';
			r->state = NS_DONE;
			return NETSTRING_DONE;
		default:	/* NS_DONE and NS_BAD were handled above */
			return netstring_bad(r, NETSTRING_ERR_NONE);
		}
	}
	return NETSTRING_MORE;
}

const char *
netstring_payload(const netstring_reader_t *r, size_t *lenp)
{
	if (r->state != NS_DONE)
		return NULL;
	if (lenp != NULL)
		*lenp = r->length;
	return r->buf;
}

int
netstring_pending(const netstring_reader_t *r)
{
	switch (r->state) {
	case NS_LENGTH:
		return r->ndigits > 0;
	case NS_DONE:
		return 0;
	default:
		return 1;
	}
}

netstring_error_t
netstring_error(const netstring_reader_t *r)
{
	return r->state == NS_BAD ? r->error : NETSTRING_ERR_NONE;
}

static const char *const netstring_errors[] = {
	[NETSTRING_ERR_NONE] = "no error",
	[NETSTRING_ERR_DIGIT] = "length is not a decimal number",
	[NETSTRING_ERR_ZERO] = "length has a leading zero",
	[NETSTRING_ERR_TOO_LONG] = "length over the maximum",
	[NETSTRING_ERR_COLON] = "no ':' after the length",
	[NETSTRING_ERR_COMMA] = "no ',' after the payload",
};

const char *
netstring_strerror(netstring_error_t err)
{
	if ((size_t)err >= sizeof(netstring_errors) / sizeof(netstring_errors[0]))
		return "unknown error";
	return netstring_errors[err];
}

size_t
netstring_size(size_t len)
{
	size_t	 digits = 1;

	for (size_t l = len; l >= 10; l /= 10)
		digits++;
	return digits + 1 + len + 1;
}

size_t
netstring_format(char *out, size_t outlen, const void *payload, size_t len)
{
	size_t	 need = netstring_size(len);
	int	 n;
	char	 digits[24];

	if (need < len || outlen < need)	/* need < len: it wrapped */
		return 0;
	n = snprintf(digits, sizeof(digits), "%zu:", len);
	memcpy(out, digits, (size_t)n);
	if (len > 0)
		memcpy(out + n, payload, len);
	out[(size_t)n + len] = ',';
	return need;
}

/*
 * x500.c - Exchange's encapsulated addresses and the X500 key space (see
 * x500.h).  Each input octet is looked at once; nothing is allocated.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "x500.h"

/* The encapsulation prefixes, compared without case. */
static const char *const x500_prefixes[] = { "IMCEAEX-", "IMCEAX500-" };

size_t
x500_prefix(const char *local, size_t len)
{
	for (size_t i = 0; i < sizeof(x500_prefixes) / sizeof(x500_prefixes[0]);
	    i++) {
		size_t	 n = strlen(x500_prefixes[i]);

		if (len >= n && strncasecmp(local, x500_prefixes[i], n) == 0)
			return n;
	}
	return 0;
}

/* The value of the hexadecimal digit c, or -1. */
static int
x500_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 1 when c may not be in a DN of a key: NUL and the control characters. */
static int
x500_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

int
x500_decode(const char *local, size_t len, char *dn, size_t dnlen,
    const char **why)
{
	const unsigned char	*p, *end = (const unsigned char *)local + len;
	size_t			 o = 0, skip;
	int			 hi, lo;
	unsigned char		 c;

	if (dnlen > 0)
		dn[0] = '\0';
	*why = NULL;
	if ((skip = x500_prefix(local, len)) == 0)
		return X500_PLAIN;
	p = (const unsigned char *)local + skip;
	if (p == end) {
		*why = "nothing after the encapsulation prefix";
		return X500_BAD;
	}
	for (; p < end; p++) {
		c = *p;
		if (c == '_')
			c = '/';
		else if (c == '+') {
			if (end - p < 3 || (hi = x500_hex(p[1])) < 0 ||
			    (lo = x500_hex(p[2])) < 0) {
				*why = "a '+' not followed by two hexadecimal "
				    "digits";
				goto bad;
			}
			c = (unsigned char)(hi << 4 | lo);
			p += 2;
		}
		if (x500_control(c)) {
			*why = "a control character in the DN";
			goto bad;
		}
		if (o + 1 >= dnlen) {
			*why = "a DN longer than an X500 address can be";
			goto bad;
		}
		dn[o++] = (char)c;
	}
	dn[o] = '\0';
	return X500_OK;

bad:
	if (dnlen > 0)
		dn[0] = '\0';
	return X500_BAD;
}

int
x500_key(const char *dn, size_t len, char *key, size_t keylen)
{
	size_t	 o;

	if (keylen > 0)
		key[0] = '\0';
	if (len == 0 || keylen < X500_KEY_PREFIX_LEN + 1 ||
	    len > keylen - X500_KEY_PREFIX_LEN - 1)
		return -1;
	memcpy(key, X500_KEY_PREFIX, X500_KEY_PREFIX_LEN);
	o = X500_KEY_PREFIX_LEN;
	for (size_t i = 0; i < len; i++) {
		unsigned char	 c = (unsigned char)dn[i];

		if (x500_control(c)) {
			key[0] = '\0';
			return -1;
		}
		key[o++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	key[o] = '\0';
	return 0;
}

int
x500_is_key(const char *key)
{
	return strncmp(key, X500_KEY_PREFIX, X500_KEY_PREFIX_LEN) == 0;
}

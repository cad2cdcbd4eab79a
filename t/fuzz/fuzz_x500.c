/*
 * fuzz_x500.c - libFuzzer target for Exchange's encapsulated addresses
 * (lib/policy/x500.c), and for the path parser on them (lib/policy/addr.c).
 *
 * The input is a local part.  Besides crashes and sanitizer reports, it
 * checks what x500.h promises: a local part without the prefix is
 * X500_PLAIN and decodes to nothing; a decoded DN is no longer than what
 * follows the prefix and holds no control character; its key is "x500:"
 * and the DN folded; encoded again the way Exchange encodes ('/' as '_',
 * every other octet that is not a letter, digit, '.', '-' or '=' as +HH),
 * it decodes to the same DN.  And the path "<input@contoso.com>": when it
 * parses, a local part longer than 64 octets is an encapsulated one, and
 * the address is at most ADDR_TEXT_MAX octets.
 */
#include <stdint.h>
#include <string.h>

#include "addr.h"
#include "fuzz_common.h"
#include "x500.h"

/* Stops the run: an invariant does not hold. */
static void
fail(const char *what)
{
	fuzz_fail("x500", what);
}

/* Exchange's encoding of dn into out (room for 3 * len + 9). */
static size_t
encode(const char *dn, size_t len, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t		 o = 0;

	memcpy(out, "IMCEAEX-", 8);
	o = 8;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)dn[i];

		if (c == '/')
			out[o++] = '_';
		else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '=')
			out[o++] = (char)c;
		else {
			out[o++] = '+';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	return o;
}

/* The checks of one decoded DN (the input's, of len octets after skip). */
static void
check_dn(const char *dn, size_t inlen, size_t skip)
{
	static char	 again[3 * X500_DN_MAX + 16];
	char		 dn2[X500_DN_MAX + 1], key[X500_KEY_MAX + 1];
	const char	*why;
	size_t		 len = strlen(dn), n;

	if (len == 0 || len > inlen - skip)
		fail("a DN longer than its encoding, or empty");
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)dn[i] < 0x20 || dn[i] == 0x7f)
			fail("a control character in a decoded DN");
	if (x500_key(dn, len, key, sizeof(key)) != 0 || !x500_is_key(key) ||
	    strlen(key) != X500_KEY_PREFIX_LEN + len)
		fail("no key for a decoded DN");
	for (size_t i = 0; i < len; i++) {
		char	 c = dn[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (key[X500_KEY_PREFIX_LEN + i] != c)
			fail("the key is not the DN folded");
	}
	n = encode(dn, len, again);
	if (x500_decode(again, n, dn2, sizeof(dn2), &why) != X500_OK ||
	    strcmp(dn, dn2) != 0)
		fail("encoded again, the DN does not decode to itself");
}

/* The path "<input@contoso.com>", when it parses. */
static void
check_path(const char *local, size_t len)
{
	static char	 path[3 * 1024];
	char		 err[128];
	addr_t		 a;

	if (len + 16 > sizeof(path))
		return;
	path[0] = '<';
	memcpy(path + 1, local, len);
	memcpy(path + 1 + len, "@contoso.com>", 14);
	if (addr_parse_path(path, &a, err, sizeof(err)) != ADDR_OK)
		return;
	if (strlen(a.text) > ADDR_TEXT_MAX)
		fail("an address over ADDR_TEXT_MAX");
	if (a.local_len > ADDR_LOCAL_MAX &&
	    x500_prefix(a.text, a.local_len) == 0)
		fail("a long local part that is not encapsulated");
	if (strlen(a.text) > ADDR_SMTP_MAX &&
	    x500_prefix(a.text, a.local_len) == 0)
		fail("a long address that is not encapsulated");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char	 dn[X500_DN_MAX + 1];
	const char	*local = (const char *)data, *why = NULL;
	size_t		 skip = x500_prefix(local, size);
	int		 rc;

	rc = x500_decode(local, size, dn, sizeof(dn), &why);
	switch (rc) {
	case X500_PLAIN:
		if (skip != 0 || dn[0] != '\0' || why != NULL)
			fail("X500_PLAIN of an encapsulated local part");
		break;
	case X500_OK:
		if (skip == 0 || why != NULL)
			fail("X500_OK without a prefix");
		check_dn(dn, size, skip);
		break;
	case X500_BAD:
		if (skip == 0 || why == NULL || dn[0] != '\0')
			fail("X500_BAD without a prefix, a reason, or with a DN");
		break;
	default:
		fail("an outcome x500.h does not name");
	}
	check_path(local, size);
	return 0;
}

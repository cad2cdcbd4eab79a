/*
 * x500.h - Exchange's encapsulated addresses and the X500 key space
 * (SPEC section 11).
 *
 * Outlook remembers people by their Exchange legacyExchangeDN; a reply to
 * such a remembered entry reaches SMTP with the DN encapsulated in the
 * local part ("IMCEA" encoding):
 *
 *     IMCEAEX-_O=FOURTHCOFFEE_OU=EXCHANGE+20ADMINISTRATIVE+20GROUP+20
 *         +28FYDIBOHF23SPDLT+29_CN=RECIPIENTS_CN=BOB@contoso.com
 *
 * A local part that begins with "IMCEAEX-" or "IMCEAX500-" (any case) is
 * encapsulated; the rest of it decodes to the DN: '_' is '/', "+HH" (two
 * hexadecimal digits, either case) is the octet HH, every other octet is
 * itself.  Migrations keep the old DN on the new directory object as a
 * proxy address "X500:<dn>"; both sides meet in one key,
 * "x500:" followed by the DN with its ASCII letters folded to lower case.
 * No SMTP address is such a key: ':' is no atext, so an address's key
 * never holds one before its '@' (a quoted local part's key starts with
 * '"').  The lookup layers (cache, metrics, replica, index) carry these
 * keys unchanged; the ldap back-end asks for them with its own filter.
 *
 * Pure functions on the caller's buffers: thread-safe, nothing to free.
 */
#ifndef MAILSWITCH_X500_H
#define MAILSWITCH_X500_H

#include <stddef.h>

#define X500_KEY_PREFIX		"x500:"
#define X500_KEY_PREFIX_LEN	5
/*
 * The longest DN a key holds, in octets: more than any X500 value Active
 * Directory stores (proxyAddresses holds at most 1123 characters a value)
 * and than any encapsulated address mailswitch accepts decodes to
 * (ADDR_TEXT_MAX, addr.h).
 */
#define X500_DN_MAX		2032
#define X500_KEY_MAX		(X500_KEY_PREFIX_LEN + X500_DN_MAX)

/* Outcomes of x500_decode(). */
#define X500_OK			0	/* encapsulated, decoded */
#define X500_PLAIN		1	/* no encapsulation prefix: an ordinary
					   local part, nothing decoded */
#define X500_BAD		(-1)	/* encapsulated, but not decodable */

/*
 * Returns the length of the encapsulation prefix ("IMCEAEX-": 8,
 * "IMCEAX500-": 10, any case) that the len octets of local begin with, or
 * 0 when they begin with neither ("IMCEAEXfoo", "imceaexample" are
 * ordinary local parts).
 */
size_t	x500_prefix(const char *local, size_t len);

/*
 * Decodes the local part local (len octets, the prefix included; need
 * not be NUL-terminated) into the DN it encapsulates, written to dn
 * (dnlen octets with the NUL) in the spelling it had.  Returns X500_OK;
 * X500_PLAIN when local has no encapsulation prefix (dn is ""); or
 * X500_BAD with *why set to a static message (dn is ""): nothing after
 * the prefix, a '+' not followed by two hexadecimal digits, an octet that
 * decodes to NUL or another control character, or a DN longer than
 * dnlen - 1 octets.
 */
int	x500_decode(const char *local, size_t len, char *dn, size_t dnlen,
	    const char **why);

/*
 * Writes the key of the DN dn (len octets, no NUL needed) into key
 * (keylen octets with the NUL): "x500:" and the DN, ASCII letters folded.
 * Returns 0, or -1 (key is "") when the DN is empty, holds a NUL or
 * another control character, or the key would not fit.  The key of an
 * "X500:<dn>" proxy value and that of a decoded address are made here
 * alike.
 */
int	x500_key(const char *dn, size_t len, char *key, size_t keylen);

/* Returns 1 when key (NUL-terminated) is in the X500 key space, else 0. */
int	x500_is_key(const char *key);

#endif /* MAILSWITCH_X500_H */

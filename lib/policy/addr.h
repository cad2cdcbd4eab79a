/*
 * addr.h - RFC 5321 mailbox paths: parse, normalise, compare.
 *
 * An addr_t holds one mailbox as text ("local@domain", no angle brackets,
 * no source route) in the spelling the client used, plus a folded key used
 * for matching.  Everything lives inside the struct: nothing to free.
 */
#ifndef MAILSWITCH_ADDR_H
#define MAILSWITCH_ADDR_H

#include <stddef.h>

#define ADDR_LOCAL_MAX	64	/* RFC 5321 4.5.3.1.1, octets */
/*
 * A domain name is at most 253 octets, written with dots and without the
 * trailing one.  RFC 5321 4.5.3.1.2 says 255 octets, which is RFC 1035
 * 2.3.4's limit for a name on the wire: its labels each with a length
 * octet, plus the root's empty label -- 253 octets of text.  A longer name
 * cannot be in the DNS, so no mail to it can ever be delivered; and in a
 * mailbox the 254-octet address limit leaves at most 252 for it anyway.
 * One rule for every domain name: addr_check_domain().
 */
#define ADDR_DOMAIN_MAX	253
#define ADDR_SMTP_MAX	254	/* path of 256 octets less the two brackets */
/*
 * An Exchange-encapsulated address (x500.h, SPEC section 11: a local part
 * that begins with "IMCEAEX-" or "IMCEAX500-", any case) is usually longer
 * than RFC 5321 allows, and Exchange and Postfix accept it: its local part
 * may have any length, the address up to ADDR_TEXT_MAX octets -- the
 * longest one a Postfix with its default line_length_limit (2048) can
 * pass: "RCPT TO:<" and ">" around 2038 octets.  Every other address keeps
 * RFC 5321's limits (ADDR_LOCAL_MAX, ADDR_SMTP_MAX).  ADDR_TEXT_MAX is
 * what an addr_t holds, and so the size of every buffer that holds one
 * address or one lookup key (an X500 key included: X500_KEY_MAX).
 */
#define ADDR_TEXT_MAX	2038

/*
 * What addr_check_domain() finds wrong with a domain name;
 * addr_domain_fault_text() says it in words.
 */
typedef enum addr_domain_fault {
	ADDR_DOMAIN_OK = 0,
	ADDR_DOMAIN_EMPTY,		/* no octet at all */
	ADDR_DOMAIN_TOO_LONG,		/* over ADDR_DOMAIN_MAX octets */
	ADDR_DOMAIN_LEADING_DOT,
	ADDR_DOMAIN_TRAILING_DOT,
	ADDR_DOMAIN_EMPTY_LABEL,	/* two dots in a row */
	ADDR_DOMAIN_LONG_LABEL,		/* a label over 63 octets */
	ADDR_DOMAIN_HYPHEN_FIRST,	/* a label starts with '-' */
	ADDR_DOMAIN_HYPHEN_LAST,	/* a label ends with '-' */
	ADDR_DOMAIN_BAD_UTF8,		/* an octet >= 0x80 not in well-formed UTF-8 */
	ADDR_DOMAIN_BAD_CHAR,		/* not a letter, digit, '-' or '.' */
	ADDR_DOMAIN_AT			/* an '@' (a second one, in an address) */
} addr_domain_fault_t;

/* Results of addr_parse_path() and addr_parse(). */
#define ADDR_OK		0	/* a mailbox */
#define ADDR_NULL	1	/* the null path "<>" (only from addr_parse_path) */
#define ADDR_POSTMASTER	2	/* "<Postmaster>" without a domain (RFC 5321
				   4.1.1.3; only from addr_parse_path) */
#define ADDR_BAD	(-1)	/* not a valid path; the error buffer says why */

typedef struct addr {
	char	text[ADDR_TEXT_MAX + 1];	/* local@domain, spelling kept */
	char	key[ADDR_TEXT_MAX + 1];		/* the same, case folded */
	size_t	local_len;			/* octets of the local part in text */
} addr_t;

/*
 * Parses an SMTP path as given to MAIL FROM or RCPT TO ("<a@b>", also
 * accepted without brackets, as Postfix and sendmail may pass it).  A source
 * route ("<@x,@y:a@b>") is dropped.  Quoted local parts are kept quoted only
 * where quoting is needed ("\"bob\"@x" becomes "bob@x").  UTF-8 local parts
 * and domains are accepted when the UTF-8 is well formed.  Input over the
 * RFC 5321 length limits is refused, never truncated -- except an
 * encapsulated address (an unquoted local part beginning with "IMCEAEX-"
 * or "IMCEAX500-"), which may be up to ADDR_TEXT_MAX octets.  "<postmaster>"
 * (any case, also bare) is ADDR_POSTMASTER: out holds it as given as a
 * local part with an empty domain.
 * Returns ADDR_OK, ADDR_NULL, ADDR_POSTMASTER or ADDR_BAD (with a message
 * in err).
 */
int	addr_parse_path(const char *path, addr_t *out, char *err, size_t errlen);

/*
 * Parses a bare addr-spec ("a@b", no brackets, no source route), as stored
 * in a directory.  Returns ADDR_OK or ADDR_BAD (with a message in err).
 */
int	addr_parse(const char *text, addr_t *out, char *err, size_t errlen);

/*
 * The one rule for a domain name, for addresses and for the configured
 * domains alike: len octets of name (no NUL needed) are LDH labels of 1 to
 * 63 octets (UTF-8 sequences count as letters), no hyphen at either end of
 * a label, no empty label, no trailing dot, at most ADDR_DOMAIN_MAX
 * octets.  Returns ADDR_DOMAIN_OK or the first fault found.  Pure.
 */
addr_domain_fault_t addr_check_domain(const char *name, size_t len);

/* Returns the fault in words ("domain label longer than 63 octets"). */
const char *addr_domain_fault_text(addr_domain_fault_t fault);

/*
 * Turns an address in Postfix's internal form (the local part unquoted:
 * "a b@x" for <"a b"@x>, as Postfix hands keys to its lookup tables) into
 * an addr-spec: text itself when it parses (addr_parse_path), else its local part
 * (up to the last '@') quoted, with '"' and '\\' escaped.  Writes the
 * result into out and returns out; an input that does not fit is copied
 * as it is (it will not parse either).  Thread-safe.
 */
const char *addr_quote_internal(const char *text, char *out, size_t outlen);

/* Returns the domain part of a parsed address (inside a->text). */
const char *addr_domain(const addr_t *a);

/* Returns the folded domain part of a parsed address (inside a->key). */
const char *addr_domain_key(const addr_t *a);

/*
 * Builds local@domain from a's local part and another domain into out.
 * Returns ADDR_OK, or ADDR_BAD when the result would be too long or the
 * domain is not valid.
 */
int	addr_with_domain(const addr_t *a, const char *domain, addr_t *out,
	    char *err, size_t errlen);

/* Returns non-zero when both addresses are the same mailbox (folded keys). */
int	addr_equal(const addr_t *a, const addr_t *b);

/*
 * Folds ASCII letters of s to lower case in place (as Active Directory and
 * Postfix compare addresses); UTF-8 bytes are left as they are.
 */
void	addr_fold(char *s);

/*
 * Builds into out the ESMTP parameters for a recipient added in place of
 * original: the RCPT's own parameters esmtp (NULL-terminated, may be NULL),
 * space-separated, plus "ORCPT=rfc822;" and original as RFC 3461 xtext
 * when they hold no ORCPT.  Returns 0, or -1 when out is too small.
 */
int	addr_rcpt_params(char *const *esmtp, const char *original, char *out,
	    size_t outlen);

/* Returns an outlen that addr_rcpt_params() always finds large enough. */
size_t	addr_rcpt_params_size(char *const *esmtp, const char *original);

#endif /* MAILSWITCH_ADDR_H */

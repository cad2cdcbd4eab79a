/*
 * addr.c - RFC 5321 mailbox paths: parse, normalise, compare.
 *
 * The grammar is RFC 5321 section 4.1.2 (Path, Mailbox, Local-part, Domain,
 * address-literal) with the SMTPUTF8 additions of RFC 6531 section 3.3:
 * well-formed UTF-8 is allowed in atext, in qtextSMTP and in domain labels
 * (U-labels, taken as letters; their 63-octet limit counts octets).
 *
 * Every function works on the caller's addr_t and a caller's error buffer:
 * no allocation, no global state, so all of it is thread-safe.  Each input
 * octet is looked at a bounded number of times, so parsing is linear.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "x500.h"

/*
 * Cheap bound on the whole input, checked before anything else: an SMTP
 * command line is at most 512 octets (RFC 5321 4.5.3.1.4), so no real path
 * is longer -- but for an encapsulated address (addr.h), which may be
 * ADDR_TEXT_MAX octets, with a source route of up to 512 in front.
 * Whether the path may be that long is known once its mailbox is parsed
 * (addr_parse_path()).  The precise limits (local part, domain, address)
 * are checked on the normalised form.
 */
#define ADDR_INPUT_MAX	512
#define ADDR_SCAN_MAX	(ADDR_TEXT_MAX + ADDR_INPUT_MAX)
_Static_assert(ADDR_SCAN_MAX == 2550, "addr_scan()'s message says 2550");

#define ADDR_LABEL_MAX	63	/* RFC 1035 2.3.4, octets */

/* Clears *a to the empty (null) address. */
static void
addr_clear(addr_t *a)
{
	a->text[0] = '\0';
	a->key[0] = '\0';
	a->local_len = 0;
}

/* Copies prefix and msg into err (when there is one) and returns ADDR_BAD. */
static int
addr_error(char *err, size_t errlen, const char *prefix, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s%s", prefix, msg);
	return ADDR_BAD;
}

/*
 * Returns the length (2 to 4) of the well-formed UTF-8 sequence starting at
 * p (whose first octet is >= 0x80) and ending before end, or 0 when it is
 * not well formed: a lone continuation octet, an overlong form, a surrogate,
 * a code point above U+10FFFF or a truncated sequence (RFC 3629 section 4).
 */
static size_t
addr_utf8(const unsigned char *p, const unsigned char *end)
{
	unsigned char	 lo = 0x80, hi = 0xbf;
	size_t		 n, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;		/* overlong */
		else if (p[0] == 0xed)
			hi = 0x9f;		/* surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		if (p[0] == 0xf0)
			lo = 0x90;		/* overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f;		/* above U+10FFFF */
	} else
		return 0;
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* Returns non-zero when c is ASCII atext (RFC 5322 3.2.3). */
static int
addr_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* Returns non-zero when c is an ASCII letter, digit or hyphen. */
static int
addr_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

/*
 * Checks the whole input: no control characters, at most ADDR_INPUT_MAX
 * octets, no white space at either end.  Stores the length in *lenp.
 * Returns NULL, or what is wrong.
 */
static const char *
addr_scan(const char *s, size_t *lenp)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n;

	for (n = 0; p[n] != '\0'; n++) {
		if (n >= ADDR_SCAN_MAX)
			return "path longer than 2550 octets";
		if (p[n] < 32 || p[n] == 127)
			return "control character in address";
	}
	*lenp = n;
	if (n > 0 && (p[0] == ' ' || p[n - 1] == ' '))
		return "leading or trailing white space";
	return NULL;
}

/*
 * Checks that [p, end) is a Dot-string: atoms of atext (or well-formed
 * UTF-8) separated by single dots.  Returns NULL, or what is wrong.
 */
static const char *
addr_dot_string(const unsigned char *p, const unsigned char *end)
{
	size_t	 n;

	if (p == end)
		return "empty local part";
	if (*p == '.')
		return "local part starts with a dot";
	while (p < end) {
		if (*p == '.') {
			if (p + 1 == end)
				return "local part ends with a dot";
			if (p[1] == '.')
				return "consecutive dots in local part";
			p++;
		} else if (*p >= 0x80) {
			if ((n = addr_utf8(p, end)) == 0)
				return "invalid UTF-8 in local part";
			p += n;
		} else if (addr_atext(*p))
			p++;
		else
			return "invalid character in local part";
	}
	return NULL;
}

/*
 * Parses the Quoted-string starting at *pp (on its opening quote) and ending
 * before end, writes the normalised local part into out (at most
 * ADDR_LOCAL_MAX octets, not terminated) and its length into *lenp, and
 * moves *pp past the closing quote.  The normalised form is the content
 * itself when that is a valid Dot-string, otherwise the content quoted again
 * with only '"' and '\' escaped.  Returns NULL, or what is wrong.
 */
static const char *
addr_quoted(const unsigned char **pp, const unsigned char *end, char *out,
    size_t *lenp)
{
	unsigned char		 content[ADDR_LOCAL_MAX];
	const unsigned char	*p = *pp + 1, *src;
	size_t			 n = 0, len, seq, i;

	for (;;) {
		if (p == end)
			return "missing closing quote";
		if (*p == '"')
			break;
		if (*p == '\\') {
			/* quoted-pairSMTP: backslash and one of 32-126 */
			if (p + 1 == end)
				return "missing closing quote";
			if (p[1] < 32 || p[1] > 126)
				return "invalid quoted pair in local part";
			src = p + 1;
			seq = 1;
			p += 2;
		} else if (*p >= 0x80) {
			if ((seq = addr_utf8(p, end)) == 0)
				return "invalid UTF-8 in local part";
			src = p;
			p += seq;
		} else if (*p < 32 || *p == 127)
			return "control character in address";
		else {
			src = p;
			seq = 1;
			p++;
		}
		/* The normalised form is never shorter than the content. */
		if (n + seq > ADDR_LOCAL_MAX)
			return "local part longer than 64 octets";
		memcpy(content + n, src, seq);
		n += seq;
	}
	*pp = p + 1;

	/*
	 * ""@x is valid RFC 5321 syntax, but no directory holds an empty
	 * mailbox name: refused.
	 */
	if (n == 0)
		return "empty local part";
	if (addr_dot_string(content, content + n) == NULL) {
		memcpy(out, content, n);
		*lenp = n;
		return NULL;
	}
	len = n + 2;
	for (i = 0; i < n; i++)
		if (content[i] == '"' || content[i] == '\\')
			len++;
	if (len > ADDR_LOCAL_MAX)
		return "local part longer than 64 octets";
	len = 0;
	out[len++] = '"';
	for (i = 0; i < n; i++) {
		if (content[i] == '"' || content[i] == '\\')
			out[len++] = '\\';
		out[len++] = (char)content[i];
	}
	out[len++] = '"';
	*lenp = len;
	return NULL;
}

static const char *const addr_domain_faults[] = {
	[ADDR_DOMAIN_OK] = "a domain name",
	[ADDR_DOMAIN_EMPTY] = "empty domain",
	[ADDR_DOMAIN_TOO_LONG] = "domain longer than 253 octets",
	[ADDR_DOMAIN_LEADING_DOT] = "domain starts with a dot",
	[ADDR_DOMAIN_TRAILING_DOT] = "domain ends with a dot",
	[ADDR_DOMAIN_EMPTY_LABEL] = "empty domain label",
	[ADDR_DOMAIN_LONG_LABEL] = "domain label longer than 63 octets",
	[ADDR_DOMAIN_HYPHEN_FIRST] = "domain label starts with a hyphen",
	[ADDR_DOMAIN_HYPHEN_LAST] = "domain label ends with a hyphen",
	[ADDR_DOMAIN_BAD_UTF8] = "invalid UTF-8 in domain",
	[ADDR_DOMAIN_BAD_CHAR] = "invalid character in domain",
	[ADDR_DOMAIN_AT] = "more than one @",
};

const char *
addr_domain_fault_text(addr_domain_fault_t fault)
{
	if ((size_t)fault >= sizeof(addr_domain_faults) /
	    sizeof(addr_domain_faults[0]))
		return "bad domain";
	return addr_domain_faults[fault];
}

addr_domain_fault_t
addr_check_domain(const char *name, size_t len)
{
	const unsigned char	*p = (const unsigned char *)name, *end = p + len;
	const unsigned char	*label;
	size_t			 n;

	if (p == end)
		return ADDR_DOMAIN_EMPTY;
	if (len > ADDR_DOMAIN_MAX)
		return ADDR_DOMAIN_TOO_LONG;
	if (*p == '.')
		return ADDR_DOMAIN_LEADING_DOT;
	if (end[-1] == '.')
		return ADDR_DOMAIN_TRAILING_DOT;
	for (;;) {
		label = p;
		while (p < end && *p != '.') {
			if (*p >= 0x80) {
				if ((n = addr_utf8(p, end)) == 0)
					return ADDR_DOMAIN_BAD_UTF8;
				p += n;
			} else if (addr_ldh(*p))
				p++;
			else if (*p == '@')
				return ADDR_DOMAIN_AT;
			else
				return ADDR_DOMAIN_BAD_CHAR;
		}
		if (p == label)
			return ADDR_DOMAIN_EMPTY_LABEL;
		if (p - label > ADDR_LABEL_MAX)
			return ADDR_DOMAIN_LONG_LABEL;
		if (*label == '-')
			return ADDR_DOMAIN_HYPHEN_FIRST;
		if (p[-1] == '-')
			return ADDR_DOMAIN_HYPHEN_LAST;
		if (p == end)
			return ADDR_DOMAIN_OK;
		p++;
	}
}

/* Checks that [p, end) is a domain name.  Returns NULL, or what is wrong. */
static const char *
addr_check_name(const unsigned char *p, const unsigned char *end)
{
	addr_domain_fault_t	 f;

	f = addr_check_domain((const char *)p, (size_t)(end - p));
	return f == ADDR_DOMAIN_OK ? NULL : addr_domain_fault_text(f);
}

/* Returns non-zero when [p, end) is a dotted quad (RFC 5321 IPv4-address-literal). */
static int
addr_ipv4(const unsigned char *p, const unsigned char *end)
{
	int	 part, digits, value;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (p == end || *p != '.')
				return 0;
			p++;
		}
		value = 0;
		for (digits = 0; p < end && *p >= '0' && *p <= '9'; p++)
			if (++digits <= 3)	/* more are refused below */
				value = value * 10 + (*p - '0');
		/* Snum = 1*3DIGIT, 0 to 255 (leading zeros allowed) */
		if (digits == 0 || digits > 3 || value > 255)
			return 0;
	}
	return p == end;
}

/*
 * Checks that [p, end) (starting with '[') is an address literal: an IPv4
 * dotted quad or "IPv6:" and an address inet_pton() accepts.  General
 * address literals ("[tag:content]", RFC 5321 4.1.3) have no registered tag
 * besides IPv6 and no use for a milter: they are refused.
 * Returns NULL, or what is wrong.
 */
static const char *
addr_check_literal(const unsigned char *p, const unsigned char *end)
{
	const unsigned char	*close;
	char			 buf[INET6_ADDRSTRLEN];
	unsigned char		 bin[16];
	size_t			 n;

	if ((size_t)(end - p) > ADDR_DOMAIN_MAX)
		return addr_domain_fault_text(ADDR_DOMAIN_TOO_LONG);
	if ((close = memchr(p, ']', (size_t)(end - p))) == NULL)
		return "missing closing bracket in address literal";
	if (close + 1 != end)
		return "characters after address literal";
	p++;
	if (p == close)
		return "empty address literal";
	n = (size_t)(close - p);
	if (n >= 5 && strncasecmp((const char *)p, "IPv6:", 5) == 0) {
		p += 5;
		n -= 5;
		if (n == 0 || n >= sizeof(buf))
			return "invalid IPv6 address literal";
		memcpy(buf, p, n);
		buf[n] = '\0';
		if (inet_pton(AF_INET6, buf, bin) != 1)
			return "invalid IPv6 address literal";
		return NULL;
	}
	if (memchr(p, ':', n) != NULL)
		return "unsupported address literal";
	if (!addr_ipv4(p, close))
		return "invalid IPv4 address literal";
	return NULL;
}

/*
 * Parses the Mailbox [p, end) (local@domain, already scanned by
 * addr_scan()) into out.  Returns ADDR_OK or ADDR_BAD.
 */
static int
addr_mailbox(const unsigned char *p, const unsigned char *end, addr_t *out,
    char *err, size_t errlen)
{
	const unsigned char	*at, *dom;
	const char		*msg;
	size_t			 llen, dlen, max = ADDR_SMTP_MAX;

	if (*p == '"') {
		if ((msg = addr_quoted(&p, end, out->text, &llen)) != NULL)
			goto bad;
		if (p == end) {
			msg = "missing domain";
			goto bad;
		}
		if (*p != '@') {
			msg = "characters after closing quote";
			goto bad;
		}
		at = p;
	} else {
		at = memchr(p, '@', (size_t)(end - p));
		if ((msg = addr_dot_string(p, at != NULL ? at : end)) != NULL)
			goto bad;
		if (at == NULL) {
			msg = "missing domain";
			goto bad;
		}
		llen = (size_t)(at - p);
		if (x500_prefix((const char *)p, llen) > 0)
			max = ADDR_TEXT_MAX;	/* encapsulated: see addr.h */
		else if (llen > ADDR_LOCAL_MAX) {
			msg = "local part longer than 64 octets";
			goto bad;
		}
		if (llen > max) {
			msg = "address longer than 2038 octets";
			goto bad;
		}
		memcpy(out->text, p, llen);
	}

	dom = at + 1;
	dlen = (size_t)(end - dom);
	if (dom < end && *dom == '[')
		msg = addr_check_literal(dom, end);
	else
		msg = addr_check_name(dom, end);
	if (msg != NULL)
		goto bad;
	if (llen + 1 + dlen > max) {
		msg = max == ADDR_SMTP_MAX ? "address longer than 254 octets" :
		    "address longer than 2038 octets";
		goto bad;
	}

	out->text[llen] = '@';
	memcpy(out->text + llen + 1, dom, dlen);
	out->text[llen + 1 + dlen] = '\0';
	memcpy(out->key, out->text, llen + dlen + 2);
	addr_fold(out->key);
	out->local_len = llen;
	return ADDR_OK;

bad:
	addr_clear(out);
	return addr_error(err, errlen, "", msg);
}

/*
 * Checks the source route (A-d-l, "@a,@b") in [p, colon).  Its hops are
 * domain names only: RFC 5321 allows no address literal there.
 * Returns NULL, or what is wrong.
 */
static const char *
addr_route(const unsigned char *p, const unsigned char *colon)
{
	const unsigned char	*hop_end;
	const char		*msg;

	for (;;) {
		if (p == colon || *p != '@')
			return "missing @ before domain";
		p++;
		hop_end = memchr(p, ',', (size_t)(colon - p));
		if (hop_end == NULL)
			hop_end = colon;
		if ((msg = addr_check_name(p, hop_end)) != NULL)
			return msg;
		if (hop_end == colon)
			return NULL;
		p = hop_end + 1;
	}
}

/*
 * Returns 1 (and fills *out: the local part as given, an empty domain) when
 * [p, end) is "<postmaster>" or "postmaster" in any case.
 */
static int
addr_is_postmaster(const unsigned char *p, const unsigned char *end,
    addr_t *out)
{
	size_t	 n = (size_t)(end - p);

	if (n == 12 && p[0] == '<' && p[11] == '>') {
		p++;
		n = 10;
	}
	if (n != 10 || strncasecmp((const char *)p, "postmaster", 10) != 0)
		return 0;
	memcpy(out->text, p, 10);
	out->text[10] = '\0';
	memcpy(out->key, "postmaster", 11);
	out->local_len = 10;
	return 1;
}

/*
 * Parses the mailbox [p, end) of an input of n octets in all: an input
 * over ADDR_INPUT_MAX octets is refused unless the mailbox is
 * encapsulated (its local part begins with an x500_prefix()).
 */
static int
addr_mailbox_of(const unsigned char *p, const unsigned char *end, size_t n,
    addr_t *out, char *err, size_t errlen)
{
	if (n > ADDR_INPUT_MAX && x500_prefix((const char *)p,
	    (size_t)(end - p)) == 0)
		return addr_error(err, errlen, "", "path longer than 512 octets");
	return addr_mailbox(p, end, out, err, errlen);
}

int
addr_parse_path(const char *path, addr_t *out, char *err, size_t errlen)
{
	const unsigned char	*p, *end, *colon;
	const char		*msg;
	size_t			 n;

	addr_clear(out);
	if (path == NULL)
		return addr_error(err, errlen, "", "no path");
	if ((msg = addr_scan(path, &n)) != NULL)
		return addr_error(err, errlen, "", msg);
	if (n == 0)
		return addr_error(err, errlen, "", "empty path");
	p = (const unsigned char *)path;
	end = p + n;
	if (addr_is_postmaster(p, end, out))
		return ADDR_POSTMASTER;

	if (*p != '<') {
		if (end[-1] == '>')
			return addr_error(err, errlen, "",
			    "missing opening angle bracket");
		/* Bare form: a Mailbox only, no source route. */
		return addr_mailbox_of(p, end, n, out, err, errlen);
	}
	if (n < 2 || end[-1] != '>')
		return addr_error(err, errlen, "", "missing closing angle bracket");
	p++;
	end--;
	if (p == end)
		return ADDR_NULL;

	if (*p == '@') {
		colon = memchr(p, ':', (size_t)(end - p));
		if (colon == NULL) {
			/* "<@example.com>" is more likely a mailbox without
			 * its local part than a route without its mailbox. */
			if (memchr(p, ',', (size_t)(end - p)) == NULL &&
			    memchr(p + 1, '@', (size_t)(end - p - 1)) == NULL)
				return addr_error(err, errlen, "",
				    "empty local part");
			return addr_error(err, errlen, "",
			    "missing colon after source route");
		}
		if ((msg = addr_route(p, colon)) != NULL)
			return addr_error(err, errlen, "source route: ", msg);
		p = colon + 1;
		if (p == end)
			return addr_error(err, errlen, "",
			    "missing mailbox after source route");
	}
	return addr_mailbox_of(p, end, n, out, err, errlen);
}

int
addr_parse(const char *text, addr_t *out, char *err, size_t errlen)
{
	const unsigned char	*p;
	const char		*msg;
	size_t			 n;

	addr_clear(out);
	if (text == NULL)
		return addr_error(err, errlen, "", "no address");
	if ((msg = addr_scan(text, &n)) != NULL)
		return addr_error(err, errlen, "", msg);
	if (n == 0)
		return addr_error(err, errlen, "", "empty address");
	p = (const unsigned char *)text;
	if (*p == '<' || p[n - 1] == '>')
		return addr_error(err, errlen, "", "angle brackets not allowed");
	return addr_mailbox_of(p, p + n, n, out, err, errlen);
}

const char *
addr_quote_internal(const char *text, char *out, size_t outlen)
{
	const char	*at = strrchr(text, '@');
	addr_t		 a;
	size_t		 o = 0;

	snprintf(out, outlen, "%s", text);
	if (at == NULL || at == text || addr_parse_path(text, &a, NULL, 0) !=
	    ADDR_BAD)
		return out;
	if (outlen < 2)
		return out;
	out[o++] = '"';
	for (const char *p = text; p < at; p++) {
		if (o + 4 >= outlen)		/* \x, '"', and the NUL */
			goto toolong;
		if (*p == '"' || *p == '\\')
			out[o++] = '\\';
		out[o++] = *p;
	}
	if (o + 1 + strlen(at) + 1 > outlen)
		goto toolong;
	out[o++] = '"';
	memcpy(out + o, at, strlen(at) + 1);
	return out;
toolong:
	snprintf(out, outlen, "%s", text);
	return out;
}

const char *
addr_domain(const addr_t *a)
{
	if (a->text[a->local_len] == '\0')	/* "" or <postmaster> */
		return a->text + a->local_len;
	return a->text + a->local_len + 1;
}

const char *
addr_domain_key(const addr_t *a)
{
	if (a->key[a->local_len] == '\0')
		return a->key + a->local_len;
	return a->key + a->local_len + 1;
}

int
addr_with_domain(const addr_t *a, const char *domain, addr_t *out,
    char *err, size_t errlen)
{
	char	 buf[ADDR_TEXT_MAX + 1 + ADDR_DOMAIN_MAX + 1];
	addr_t	 tmp;
	size_t	 dlen;
	int	 rc;

	if (a->text[0] == '\0' || a->local_len == 0 ||
	    a->local_len > ADDR_TEXT_MAX) {
		addr_clear(out);
		return addr_error(err, errlen, "", "no local part");
	}
	if (domain == NULL || (dlen = strnlen(domain, ADDR_DOMAIN_MAX + 1)) == 0) {
		addr_clear(out);
		return addr_error(err, errlen, "", "empty domain");
	}
	if (dlen > ADDR_DOMAIN_MAX) {
		addr_clear(out);
		return addr_error(err, errlen, "",
		    addr_domain_fault_text(ADDR_DOMAIN_TOO_LONG));
	}
	memcpy(buf, a->text, a->local_len);
	buf[a->local_len] = '@';
	memcpy(buf + a->local_len + 1, domain, dlen);
	buf[a->local_len + 1 + dlen] = '\0';
	/* Parse into tmp: out may be a. */
	rc = addr_parse(buf, &tmp, err, errlen);
	*out = tmp;
	return rc;
}

int
addr_equal(const addr_t *a, const addr_t *b)
{
	return strcmp(a->key, b->key) == 0;
}

void
addr_fold(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* Appends s at out + *o as RFC 3461 xtext; returns -1 when it does not fit. */
static int
addr_xtext(char *out, size_t outlen, size_t *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int	 hexed = *p < 33 || *p > 126 || *p == '+' || *p == '=';

		if (*o + (hexed ? 3 : 1) + 1 > outlen)	/* and the NUL */
			return -1;
		if (hexed) {
			out[(*o)++] = '+';
			out[(*o)++] = hex[*p >> 4];
			out[(*o)++] = hex[*p & 15];
		} else
			out[(*o)++] = (char)*p;
	}
	out[*o] = '\0';
	return 0;
}

size_t
addr_rcpt_params_size(char *const *esmtp, const char *original)
{
	size_t	 n = sizeof("ORCPT=rfc822;") + 3 * strlen(original) + 1;

	for (char *const *p = esmtp; p != NULL && *p != NULL; p++)
		n += strlen(*p) + 1;
	return n;
}

int
addr_rcpt_params(char *const *esmtp, const char *original, char *out,
    size_t outlen)
{
	size_t	 o = 0;
	int	 n, has_orcpt = 0;

	if (outlen == 0)
		return -1;
	out[0] = '\0';
	for (char *const *p = esmtp; p != NULL && *p != NULL; p++) {
		if (strncasecmp(*p, "ORCPT=", 6) == 0)
			has_orcpt = 1;
		n = snprintf(out + o, outlen - o, "%s%s", o ? " " : "", *p);
		if (n < 0 || (size_t)n >= outlen - o)
			return -1;
		o += (size_t)n;
	}
	if (has_orcpt)
		return 0;
	n = snprintf(out + o, outlen - o, "%sORCPT=rfc822;", o ? " " : "");
	if (n < 0 || (size_t)n >= outlen - o)
		return -1;
	o += (size_t)n;
	return addr_xtext(out, outlen, &o, original);
}

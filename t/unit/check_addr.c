/*
 * check_addr.c - tables for lib/policy/addr.c.
 *
 * Inputs and expected texts may hold "{N*s}", expanded to N copies of s,
 * so that the length limits can be written down exactly.
 */
#include <string.h>

#include "addr.h"
#include "tcheck.h"

#define OK	ADDR_OK
#define NUL	ADDR_NULL
#define BAD	ADDR_BAD
#define PM	ADDR_POSTMASTER

#define EXP_MAX	4096

/* The "{N*s}" templates of the rows (tcheck.h). */
#define expand	tcheck_expand

static const char *
rcname(int rc)
{
	return rc == OK ? "OK" : rc == NUL ? "NULL" : rc == BAD ? "BAD" :
	    rc == PM ? "POSTMASTER" : "?";
}

/*
 * One parse case: the input, the result code, and for OK the text, the key
 * (NULL: the same as the text) and for BAD the error message.
 */
struct parse_case {
	const char	*in;
	int		 rc;
	const char	*text;		/* OK: expected text */
	const char	*key;		/* OK: expected key, NULL = text */
	const char	*err;		/* BAD: expected message */
};

static const struct parse_case path_cases[] = {
	/* plain, case kept in the text and folded in the key */
	{ "<bob@example.com>", OK, "bob@example.com", NULL, NULL },
	{ "bob@example.com", OK, "bob@example.com", NULL, NULL },
	{ "<Bob.Lee@Contoso.COM>", OK, "Bob.Lee@Contoso.COM",
	    "bob.lee@contoso.com", NULL },
	{ "<a@b>", OK, "a@b", NULL, NULL },
	{ "<x1-y_z+tag@mail-1.example.org>", OK,
	    "x1-y_z+tag@mail-1.example.org", NULL, NULL },
	{ "<!#$%&'*+-/=?^_`{|}~@example.com>", OK,
	    "!#$%&'*+-/=?^_`{|}~@example.com", NULL, NULL },
	{ "<a.b.c@x.y.z>", OK, "a.b.c@x.y.z", NULL, NULL },
	{ "<123@192.0.2.1>", OK, "123@192.0.2.1", NULL, NULL },
	{ "<a@xn--bcher-kva.example>", OK, "a@xn--bcher-kva.example", NULL, NULL },
	{ "<a@a--b.example>", OK, "a@a--b.example", NULL, NULL },

	/* the null path */
	{ "<>", NUL, "", NULL, NULL },
	{ "", BAD, NULL, NULL, "empty path" },
	{ "<<>>", BAD, NULL, NULL, "invalid character in local part" },

	/* brackets */
	{ "<bob@example.com", BAD, NULL, NULL, "missing closing angle bracket" },
	{ "bob@example.com>", BAD, NULL, NULL, "missing opening angle bracket" },
	{ "<", BAD, NULL, NULL, "missing closing angle bracket" },
	{ ">", BAD, NULL, NULL, "missing opening angle bracket" },
	{ "<bob@example.com>>", BAD, NULL, NULL, "invalid character in domain" },
	{ "<<bob@example.com>", BAD, NULL, NULL,
	    "invalid character in local part" },

	/* source routes: validated and dropped */
	{ "<@relay.example:bob@example.com>", OK, "bob@example.com", NULL, NULL },
	{ "<@a.example,@B.example,@c:Bob@example.com>", OK, "Bob@example.com",
	    "bob@example.com", NULL },
	{ "<@a:\"x:y\"@d>", OK, "\"x:y\"@d", NULL, NULL },
	{ "@a:bob@example.com", BAD, NULL, NULL, "empty local part" },
	{ "<@a,b:bob@example.com>", BAD, NULL, NULL,
	    "source route: missing @ before domain" },
	{ "<@a,:bob@example.com>", BAD, NULL, NULL,
	    "source route: missing @ before domain" },
	{ "<@:bob@example.com>", BAD, NULL, NULL, "source route: empty domain" },
	{ "<@-a:bob@example.com>", BAD, NULL, NULL,
	    "source route: domain label starts with a hyphen" },
	{ "<@a..b:bob@example.com>", BAD, NULL, NULL,
	    "source route: empty domain label" },
	{ "<@[192.0.2.1]:bob@example.com>", BAD, NULL, NULL,
	    "source route: invalid character in domain" },
	{ "<@a,@b bob@example.com>", BAD, NULL, NULL,
	    "missing colon after source route" },
	{ "<@a:>", BAD, NULL, NULL, "missing mailbox after source route" },
	{ "<@example.com>", BAD, NULL, NULL, "empty local part" },
	{ "<@a:@b:bob@example.com>", BAD, NULL, NULL, "empty local part" },

	/* quoted local parts */
	{ "<\"john smith\"@example.com>", OK, "\"john smith\"@example.com",
	    NULL, NULL },
	{ "<\"John Smith\"@Example.com>", OK, "\"John Smith\"@Example.com",
	    "\"john smith\"@example.com", NULL },
	{ "<\"bob\"@example.com>", OK, "bob@example.com", NULL, NULL },
	{ "<\"Bob.Lee\"@x>", OK, "Bob.Lee@x", "bob.lee@x", NULL },
	{ "<\"\\b\\o\\b\"@x>", OK, "bob@x", NULL, NULL },
	{ "<\"a\\\"b\"@x>", OK, "\"a\\\"b\"@x", NULL, NULL },
	{ "<\"a\\\\b\"@x>", OK, "\"a\\\\b\"@x", NULL, NULL },
	{ "<\"a\\ b\"@x>", OK, "\"a b\"@x", NULL, NULL },
	{ "<\"a@b\"@x>", OK, "\"a@b\"@x", NULL, NULL },
	{ "<\".bob\"@x>", OK, "\".bob\"@x", NULL, NULL },
	{ "<\"a..b\"@x>", OK, "\"a..b\"@x", NULL, NULL },
	{ "<\"a>b\"@x>", OK, "\"a>b\"@x", NULL, NULL },
	{ "<\"\"@x>", BAD, NULL, NULL, "empty local part" },
	{ "<\"bob@x>", BAD, NULL, NULL, "missing closing quote" },
	{ "<\"bob\\\"@x>", BAD, NULL, NULL, "missing closing quote" },
	{ "<\"bob\"x@x>", BAD, NULL, NULL, "characters after closing quote" },
	{ "<\"bob\">", BAD, NULL, NULL, "missing domain" },
	{ "<bob\"x\"@x>", BAD, NULL, NULL, "invalid character in local part" },
	{ "<\"a\\\xc3\xa9\"@x>", BAD, NULL, NULL,
	    "invalid quoted pair in local part" },

	/* address literals */
	{ "<bob@[192.0.2.1]>", OK, "bob@[192.0.2.1]", NULL, NULL },
	{ "<bob@[010.0.0.255]>", OK, "bob@[010.0.0.255]", NULL, NULL },
	{ "<bob@[IPv6:2001:DB8::1]>", OK, "bob@[IPv6:2001:DB8::1]",
	    "bob@[ipv6:2001:db8::1]", NULL },
	{ "<bob@[ipv6:::ffff:192.0.2.1]>", OK, "bob@[ipv6:::ffff:192.0.2.1]",
	    NULL, NULL },
	{ "<bob@[192.0.2.256]>", BAD, NULL, NULL, "invalid IPv4 address literal" },
	{ "<bob@[192.0.2]>", BAD, NULL, NULL, "invalid IPv4 address literal" },
	{ "<bob@[1.2.3.4.5]>", BAD, NULL, NULL, "invalid IPv4 address literal" },
	{ "<bob@[1.2.3.0004]>", BAD, NULL, NULL, "invalid IPv4 address literal" },
	{ "<bob@[a.b.c.d]>", BAD, NULL, NULL, "invalid IPv4 address literal" },
	{ "<bob@[IPv6:2001:db8::g]>", BAD, NULL, NULL,
	    "invalid IPv6 address literal" },
	{ "<bob@[IPv6:192.0.2.1]>", BAD, NULL, NULL,
	    "invalid IPv6 address literal" },
	{ "<bob@[IPv6:]>", BAD, NULL, NULL, "invalid IPv6 address literal" },
	{ "<bob@[2001:db8::1]>", BAD, NULL, NULL, "unsupported address literal" },
	{ "<bob@[x-tag:stuff]>", BAD, NULL, NULL, "unsupported address literal" },
	{ "<bob@[]>", BAD, NULL, NULL, "empty address literal" },
	{ "<bob@[192.0.2.1>", BAD, NULL, NULL,
	    "missing closing bracket in address literal" },
	{ "<bob@[192.0.2.1]x>", BAD, NULL, NULL,
	    "characters after address literal" },

	/* UTF-8 (RFC 6531) */
	{ "<j\xc3\xb6rg@m\xc3\xbc" "ller.example>", OK,
	    "j\xc3\xb6rg@m\xc3\xbc" "ller.example", NULL, NULL },
	{ "<J\xc3\x96RG@M\xc3\x9c" "LLER.example>", OK,
	    "J\xc3\x96RG@M\xc3\x9c" "LLER.example",
	    "j\xc3\x96rg@m\xc3\x9c" "ller.example", NULL },
	{ "<\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.\xe5\xb9\xbf\xe5\x91\x8a>",
	    OK, "\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.\xe5\xb9\xbf\xe5\x91\x8a",
	    NULL, NULL },
	{ "<\xf0\x9f\x98\x80@x>", OK, "\xf0\x9f\x98\x80@x", NULL, NULL },
	{ "<\xf4\x8f\xbf\xbf@x>", OK, "\xf4\x8f\xbf\xbf@x", NULL, NULL },
	{ "<\"\xc3\xa9 \xc3\xa9\"@x>", OK, "\"\xc3\xa9 \xc3\xa9\"@x", NULL, NULL },
	{ "<\"\xc3\xa9\"@x>", OK, "\xc3\xa9@x", NULL, NULL },
	{ "<a\x80@x>", BAD, NULL, NULL, "invalid UTF-8 in local part" },
	{ "<a\xc0\x80@x>", BAD, NULL, NULL, "invalid UTF-8 in local part" },
	{ "<a\xc1\xbf@x>", BAD, NULL, NULL, "invalid UTF-8 in local part" },
	{ "<a\xe0\x80\x80@x>", BAD, NULL, NULL, "invalid UTF-8 in local part" },
	{ "<a\xed\xa0\x80@x>", BAD, NULL, NULL, "invalid UTF-8 in local part" },
	{ "<a\xf4\x90\x80\x80@x>", BAD, NULL, NULL,
	    "invalid UTF-8 in local part" },
	{ "<a\xf5\x80\x80\x80@x>", BAD, NULL, NULL,
	    "invalid UTF-8 in local part" },
	{ "<a\xc3@x>", BAD, NULL, NULL, "invalid UTF-8 in local part" },
	{ "<a\xe2\x82@x>", BAD, NULL, NULL, "invalid UTF-8 in local part" },
	{ "<\"a\xc3\"@x>", BAD, NULL, NULL, "invalid UTF-8 in local part" },
	{ "<a@x\xc3>", BAD, NULL, NULL, "invalid UTF-8 in domain" },
	{ "<a@\xc0\x80.example>", BAD, NULL, NULL, "invalid UTF-8 in domain" },
	{ "<a@x\x80y.example>", BAD, NULL, NULL, "invalid UTF-8 in domain" },
	{ "<a@x.\xf0\x9f\x98>", BAD, NULL, NULL, "invalid UTF-8 in domain" },

	/* length limits: local part 64, label 63, domain 253, address 254 */
	{ "<{64*a}@x>", OK, "{64*a}@x", NULL, NULL },
	{ "<{65*a}@x>", BAD, NULL, NULL, "local part longer than 64 octets" },
	{ "<\"{64*a}\"@x>", OK, "{64*a}@x", NULL, NULL },
	{ "<\"{65*a}\"@x>", BAD, NULL, NULL, "local part longer than 64 octets" },
	{ "<\"{60*a} b\"@x>", OK, "\"{60*a} b\"@x", NULL, NULL },
	{ "<\"{61*a} b\"@x>", BAD, NULL, NULL, "local part longer than 64 octets" },
	{ "<\"{60*a}\\\\\"@x>", OK, "\"{60*a}\\\\\"@x", NULL, NULL },
	{ "<\"{61*a}\\\\\"@x>", BAD, NULL, NULL,
	    "local part longer than 64 octets" },
	{ "<{32*\xc3\xa9}@x>", OK, "{32*\xc3\xa9}@x", NULL, NULL },
	{ "<{32*\xc3\xa9}a@x>", BAD, NULL, NULL,
	    "local part longer than 64 octets" },
	{ "<a@{63*b}.example>", OK, "a@{63*b}.example", NULL, NULL },
	{ "<a@{64*b}.example>", BAD, NULL, NULL,
	    "domain label longer than 63 octets" },
	{ "<a@{21*\xe2\x82\xac}.example>", OK, "a@{21*\xe2\x82\xac}.example",
	    NULL, NULL },
	{ "<a@{21*\xe2\x82\xac}b.example>", BAD, NULL, NULL,
	    "domain label longer than 63 octets" },
	{ "<{64*a}@{63*b}.{63*c}.{61*d}>", OK,
	    "{64*a}@{63*b}.{63*c}.{61*d}", NULL, NULL },
	{ "<{64*a}@{63*b}.{63*c}.{62*d}>", BAD, NULL, NULL,
	    "address longer than 254 octets" },
	{ "<@r:{64*a}@{63*b}.{63*c}.{61*d}>", OK,
	    "{64*a}@{63*b}.{63*c}.{61*d}", NULL, NULL },
	/* a domain of 255 octets: over the 253 a name can have */
	{ "<a@{63*b}.{63*c}.{63*d}.{63*e}>", BAD, NULL, NULL,
	    "domain longer than 253 octets" },
	{ "<a@{63*b}.{63*c}.{63*d}.{63*e}.f>", BAD, NULL, NULL,
	    "domain longer than 253 octets" },
	/* 253 and 254 octets, in a source route hop (dropped) */
	{ "<@{63*b}.{63*c}.{63*d}.{61*e}:a@x>", OK, "a@x", NULL, NULL },
	{ "<@{63*b}.{63*c}.{63*d}.{62*e}:a@x>", BAD, NULL, NULL,
	    "source route: domain longer than 253 octets" },
	{ "<{600*a}@x>", BAD, NULL, NULL, "path longer than 512 octets" },
	{ "<@r:{64*a}@x.{460*b}>", BAD, NULL, NULL, "path longer than 512 octets" },

	/*
	 * Exchange's encapsulated addresses (SPEC section 11): a local part
	 * that begins with IMCEAEX- or IMCEAX500-, any case, may be longer than
	 * 64 octets, the address up to 2038 (addr.h); others keep the limits
	 */
	{ "<IMCEAEX-{57*A}@x>", OK, "IMCEAEX-{57*A}@x", "imceaex-{57*a}@x", NULL },
	{ "<IMCEAEX-_O=X_CN={300*A}+20@contoso.com>", OK,
	    "IMCEAEX-_O=X_CN={300*A}+20@contoso.com",
	    "imceaex-_o=x_cn={300*a}+20@contoso.com", NULL },
	{ "<imceax500-{300*a}@x>", OK, "imceax500-{300*a}@x", NULL, NULL },
	{ "<@r.example,@s.example:IMCEAEX-{600*a}@x>", OK, "IMCEAEX-{600*a}@x",
	    "imceaex-{600*a}@x", NULL },
	{ "IMCEAEX-{600*a}@x", OK, "IMCEAEX-{600*a}@x", "imceaex-{600*a}@x", NULL },
	{ "<IMCEAEX-{2026*a}@x.y>", OK, "IMCEAEX-{2026*a}@x.y",
	    "imceaex-{2026*a}@x.y", NULL },
	{ "<IMCEAEX-{2027*a}@x.y>", BAD, NULL, NULL,
	    "address longer than 2038 octets" },
	{ "<IMCEAEX-{2100*a}@x>", BAD, NULL, NULL,
	    "address longer than 2038 octets" },
	{ "<IMCEAEX-{3000*a}@x>", BAD, NULL, NULL, "path longer than 2550 octets" },
	{ "<IMCEAEX-{100*a}@{64*b}.example>", BAD, NULL, NULL,
	    "domain label longer than 63 octets" },
	{ "<IMCEAEX-a..b{60*c}@x>", BAD, NULL, NULL,
	    "consecutive dots in local part" },
	{ "<IMCEAEX-a b{60*c}@x>", BAD, NULL, NULL,
	    "invalid character in local part" },
	/* merely the letters, or quoted: an ordinary local part */
	{ "<IMCEAEXfoo{60*a}@x>", BAD, NULL, NULL,
	    "local part longer than 64 octets" },
	{ "<imceaexample{60*a}@x>", BAD, NULL, NULL,
	    "local part longer than 64 octets" },
	{ "<IMCEAEX{60*a}@x>", BAD, NULL, NULL,
	    "local part longer than 64 octets" },
	{ "<\"IMCEAEX-{60*a}\"@x>", BAD, NULL, NULL,
	    "local part longer than 64 octets" },
	{ "<\"IMCEAEX-{50*a}\"@x>", OK, "IMCEAEX-{50*a}@x", "imceaex-{50*a}@x",
	    NULL },
	{ "<a{600*b}@x>", BAD, NULL, NULL, "path longer than 512 octets" },

	/* dots */
	{ "<.bob@x>", BAD, NULL, NULL, "local part starts with a dot" },
	{ "<bob.@x>", BAD, NULL, NULL, "local part ends with a dot" },
	{ "<bob..lee@x>", BAD, NULL, NULL, "consecutive dots in local part" },
	{ "<bob@.x>", BAD, NULL, NULL, "domain starts with a dot" },
	{ "<bob@x.>", BAD, NULL, NULL, "domain ends with a dot" },
	{ "<bob@x..y>", BAD, NULL, NULL, "empty domain label" },
	{ "<bob@.>", BAD, NULL, NULL, "domain starts with a dot" },

	/* hyphens and other domain characters */
	{ "<bob@-x.example>", BAD, NULL, NULL,
	    "domain label starts with a hyphen" },
	{ "<bob@x-.example>", BAD, NULL, NULL, "domain label ends with a hyphen" },
	{ "<bob@x.example->", BAD, NULL, NULL, "domain label ends with a hyphen" },
	{ "<bob@x_y.example>", BAD, NULL, NULL, "invalid character in domain" },

	/* white space and control characters */
	{ " <bob@x>", BAD, NULL, NULL, "leading or trailing white space" },
	{ "<bob@x> ", BAD, NULL, NULL, "leading or trailing white space" },
	{ "< bob@x>", BAD, NULL, NULL, "invalid character in local part" },
	{ "<bob @x>", BAD, NULL, NULL, "invalid character in local part" },
	{ "<bob@x y>", BAD, NULL, NULL, "invalid character in domain" },
	{ "<bob@x >", BAD, NULL, NULL, "invalid character in domain" },
	{ "\t<bob@x>", BAD, NULL, NULL, "control character in address" },
	{ "<b\x01ob@x>", BAD, NULL, NULL, "control character in address" },
	{ "<bob@x\x7f>", BAD, NULL, NULL, "control character in address" },
	{ "<\"b\tob\"@x>", BAD, NULL, NULL, "control character in address" },
	{ "<bob@x>\r\n", BAD, NULL, NULL, "control character in address" },

	/* <postmaster> needs no domain (RFC 5321 4.1.1.3), in any case */
	{ "<postmaster>", PM, "postmaster", NULL, NULL },
	{ "postmaster", PM, "postmaster", NULL, NULL },
	{ "<PostMaster>", PM, "PostMaster", "postmaster", NULL },
	{ "POSTMASTER", PM, "POSTMASTER", "postmaster", NULL },
	{ "<postmaster@contoso.com>", OK, "postmaster@contoso.com", NULL, NULL },
	{ "<@x.example:postmaster>", BAD, NULL, NULL, "missing domain" },
	{ "<postmasters>", BAD, NULL, NULL, "missing domain" },
	{ "<\"postmaster\">", BAD, NULL, NULL, "missing domain" },
	{ "< postmaster>", BAD, NULL, NULL, "invalid character in local part" },

	/* missing parts, several @ */
	{ "<bob>", BAD, NULL, NULL, "missing domain" },
	{ "<bob@>", BAD, NULL, NULL, "empty domain" },
	{ "<@>", BAD, NULL, NULL, "empty local part" },
	{ "@x", BAD, NULL, NULL, "empty local part" },
	{ "<bob@x@y>", BAD, NULL, NULL, "more than one @" },
	{ "<bob@@x>", BAD, NULL, NULL, "more than one @" },
	{ "<b(c)ob@x>", BAD, NULL, NULL, "invalid character in local part" },
	{ "<bob@x>y>", BAD, NULL, NULL, "invalid character in domain" },
};

static const struct parse_case bare_cases[] = {
	{ "bob@example.com", OK, "bob@example.com", NULL, NULL },
	{ "Bob@Example.COM", OK, "Bob@Example.COM", "bob@example.com", NULL },
	{ "\"bob\"@x", OK, "bob@x", NULL, NULL },
	{ "\"a b\"@x", OK, "\"a b\"@x", NULL, NULL },
	{ "\"a@b\"@x", OK, "\"a@b\"@x", NULL, NULL },
	{ "bob@[192.0.2.1]", OK, "bob@[192.0.2.1]", NULL, NULL },
	{ "j\xc3\xb6rg@x", OK, "j\xc3\xb6rg@x", NULL, NULL },
	{ "{64*a}@x", OK, "{64*a}@x", NULL, NULL },
	{ "{65*a}@x", BAD, NULL, NULL, "local part longer than 64 octets" },
	{ "IMCEAEX-{65*a}@x", OK, "IMCEAEX-{65*a}@x", "imceaex-{65*a}@x", NULL },
	{ "Imceax500-{1000*a}@x", OK, "Imceax500-{1000*a}@x",
	    "imceax500-{1000*a}@x", NULL },
	{ "IMCEAEXx{65*a}@x", BAD, NULL, NULL, "local part longer than 64 octets" },
	{ "<bob@example.com>", BAD, NULL, NULL, "angle brackets not allowed" },
	{ "bob@example.com>", BAD, NULL, NULL, "angle brackets not allowed" },
	{ "<>", BAD, NULL, NULL, "angle brackets not allowed" },
	{ "", BAD, NULL, NULL, "empty address" },
	{ "@a:bob@x", BAD, NULL, NULL, "empty local part" },
	{ "bob", BAD, NULL, NULL, "missing domain" },
	{ "bob@", BAD, NULL, NULL, "empty domain" },
	{ "bob@x.", BAD, NULL, NULL, "domain ends with a dot" },
	{ " bob@x", BAD, NULL, NULL, "leading or trailing white space" },
	{ "bob@x\n", BAD, NULL, NULL, "control character in address" },
	{ "a\xc0\x80@x", BAD, NULL, NULL, "invalid UTF-8 in local part" },
};

/* Checks one parse result against its row; what names the table. */
static void
check_parse_row(const char *what, size_t i, const struct parse_case *c,
    int (*parse)(const char *, addr_t *, char *, size_t))
{
	char		 ib[EXP_MAX], tb[EXP_MAX], kb[EXP_MAX];
	char		 err[128];
	const char	*in, *text, *key, *dom;
	addr_t		 a;
	int		 rc;

	in = expand(c->in, ib, sizeof(ib));
	text = expand(c->text, tb, sizeof(tb));
	key = expand(c->key, kb, sizeof(kb));
	if (key == NULL)
		key = text;
	strcpy(err, "(none)");
	memset(&a, 'Z', sizeof(a));
	rc = parse(in, &a, err, sizeof(err));

	ck_assert_msg(rc == c->rc, "%s[%zu] \"%s\": got %s (%s), want %s",
	    what, i, in, rcname(rc), err, rcname(c->rc));
	switch (rc) {
	case OK:
		ck_assert_msg(strcmp(a.text, text) == 0,
		    "%s[%zu] \"%s\": text got \"%s\", want \"%s\"",
		    what, i, in, a.text, text);
		ck_assert_msg(strcmp(a.key, key) == 0,
		    "%s[%zu] \"%s\": key got \"%s\", want \"%s\"",
		    what, i, in, a.key, key);
		/* The domain never holds '@': the last one separates. */
		dom = strrchr(text, '@') + 1;
		ck_assert_msg(a.local_len == (size_t)(dom - 1 - text),
		    "%s[%zu] \"%s\": local_len got %zu, want %zu",
		    what, i, in, a.local_len, (size_t)(dom - 1 - text));
		ck_assert_msg(strcmp(addr_domain(&a), dom) == 0,
		    "%s[%zu] \"%s\": domain got \"%s\", want \"%s\"",
		    what, i, in, addr_domain(&a), dom);
		break;
	case PM:
		ck_assert_msg(strcmp(a.text, text) == 0 &&
		    strcmp(a.key, key) == 0 && a.local_len == 10 &&
		    *addr_domain(&a) == '\0' && *addr_domain_key(&a) == '\0',
		    "%s[%zu] \"%s\": postmaster got \"%s\" / \"%s\" (%zu)",
		    what, i, in, a.text, a.key, a.local_len);
		break;
	case NUL:
		ck_assert_msg(a.text[0] == '\0' && a.key[0] == '\0' &&
		    a.local_len == 0, "%s[%zu] \"%s\": null path not empty",
		    what, i, in);
		break;
	case BAD:
		ck_assert_msg(strcmp(err, c->err) == 0,
		    "%s[%zu] \"%s\": error got \"%s\", want \"%s\"",
		    what, i, in, err, c->err);
		ck_assert_msg(a.text[0] == '\0' && a.key[0] == '\0' &&
		    a.local_len == 0, "%s[%zu] \"%s\": not cleared on error",
		    what, i, in);
		break;
	}
}

START_TEST(test_parse_path)
{
	check_parse_row("path", (size_t)_i, &path_cases[_i], addr_parse_path);
}
END_TEST

START_TEST(test_parse)
{
	check_parse_row("bare", (size_t)_i, &bare_cases[_i], addr_parse);
}
END_TEST

/* addr_domain / addr_domain_key, with '@' inside quoted local parts. */
static const struct {
	const char	*in;
	const char	*domain;
	const char	*domain_key;
} domain_cases[] = {
	{ "<bob@Example.COM>", "Example.COM", "example.com" },
	{ "<\"a@b\"@X.Example>", "X.Example", "x.example" },
	{ "<\"A@B@C\"@[IPv6:2001:DB8::1]>", "[IPv6:2001:DB8::1]",
	    "[ipv6:2001:db8::1]" },
	{ "<\"@\"@y>", "y", "y" },
	{ "<\"x\\\"@\"@Y>", "Y", "y" },
	{ "<@r:\"@a\"@D>", "D", "d" },
	{ "<>", "", "" },
};

START_TEST(test_domain)
{
	char		 err[128];
	const char	*in;
	addr_t		 a;
	size_t		 i = (size_t)_i;
	int		 rc;

	in = domain_cases[i].in;
	rc = addr_parse_path(in, &a, err, sizeof(err));
	ck_assert_msg(rc != BAD, "domain[%zu] \"%s\": got BAD (%s)",
	    i, in, err);
	ck_assert_msg(strcmp(addr_domain(&a), domain_cases[i].domain) == 0,
	    "domain[%zu] \"%s\": addr_domain got \"%s\", want \"%s\"",
	    i, in, addr_domain(&a), domain_cases[i].domain);
	ck_assert_msg(strcmp(addr_domain_key(&a),
	    domain_cases[i].domain_key) == 0,
	    "domain[%zu] \"%s\": addr_domain_key got \"%s\", want \"%s\"",
	    i, in, addr_domain_key(&a), domain_cases[i].domain_key);
}
END_TEST

static const struct {
	const char	*addr;		/* bare */
	const char	*domain;
	int		 rc;
	const char	*text;		/* OK: expected text */
	const char	*key;		/* OK: expected key, NULL = text */
	const char	*err;		/* BAD: expected message */
} with_cases[] = {
	{ "bob@fourthcoffee.com", "contoso.com", OK, "bob@contoso.com",
	    NULL, NULL },
	{ "Bob@fourthcoffee.com", "Contoso.COM", OK, "Bob@Contoso.COM",
	    "bob@contoso.com", NULL },
	{ "\"john smith\"@a", "b.example", OK, "\"john smith\"@b.example",
	    NULL, NULL },
	{ "\"a@b\"@a", "c", OK, "\"a@b\"@c", NULL, NULL },
	{ "bob@a", "[192.0.2.1]", OK, "bob@[192.0.2.1]", NULL, NULL },
	{ "bob@a", "m\xc3\xbc" "ller.example", OK,
	    "bob@m\xc3\xbc" "ller.example", NULL, NULL },
	{ "{64*a}@x", "{63*b}.{63*c}.{61*d}", OK,
	    "{64*a}@{63*b}.{63*c}.{61*d}", NULL, NULL },
	{ "{64*a}@x", "{63*b}.{63*c}.{62*d}", BAD, NULL, NULL,
	    "address longer than 254 octets" },
	{ "a@x", "{63*b}.{63*c}.{63*d}.{63*e}.f", BAD, NULL, NULL,
	    "domain longer than 253 octets" },
	/* an encapsulated local part keeps its own limit (addr.h) */
	{ "IMCEAEX-{300*a}@x", "legacy.contoso.com", OK,
	    "IMCEAEX-{300*a}@legacy.contoso.com",
	    "imceaex-{300*a}@legacy.contoso.com", NULL },
	{ "IMCEAEX-{1776*a}@x", "{63*b}.{63*c}.{63*d}.{61*e}", OK,
	    "IMCEAEX-{1776*a}@{63*b}.{63*c}.{63*d}.{61*e}",
	    "imceaex-{1776*a}@{63*b}.{63*c}.{63*d}.{61*e}", NULL },
	{ "IMCEAEX-{1777*a}@x", "{63*b}.{63*c}.{63*d}.{61*e}", BAD, NULL,
	    NULL, "address longer than 2038 octets" },
	{ "a@x", "{300*b}", BAD, NULL, NULL, "domain longer than 253 octets" },
	{ "bob@a", "", BAD, NULL, NULL, "empty domain" },
	{ "bob@a", NULL, BAD, NULL, NULL, "empty domain" },
	{ "bob@a", "-b.example", BAD, NULL, NULL,
	    "domain label starts with a hyphen" },
	{ "bob@a", "b.example.", BAD, NULL, NULL, "domain ends with a dot" },
	{ "bob@a", "x@y", BAD, NULL, NULL, "more than one @" },
	{ "bob@a", "x y", BAD, NULL, NULL, "invalid character in domain" },
	{ "bob@a", "x\n", BAD, NULL, NULL, "control character in address" },
	{ "bob@a", "[1.2.3]", BAD, NULL, NULL, "invalid IPv4 address literal" },
	{ "bob@a", "x\xc3", BAD, NULL, NULL, "invalid UTF-8 in domain" },
};

START_TEST(test_with_domain)
{
	char		 ab[EXP_MAX], db[EXP_MAX], tb[EXP_MAX], kb[EXP_MAX];
	char		 err[128];
	const char	*in, *dom, *text, *key;
	addr_t		 a, out, self;
	size_t		 i = (size_t)_i;
	int		 rc;

	in = expand(with_cases[i].addr, ab, sizeof(ab));
	dom = expand(with_cases[i].domain, db, sizeof(db));
	text = expand(with_cases[i].text, tb, sizeof(tb));
	key = expand(with_cases[i].key, kb, sizeof(kb));
	if (key == NULL)
		key = text;
	rc = addr_parse(in, &a, err, sizeof(err));
	ck_assert_msg(rc == OK, "with[%zu] \"%s\": setup got %s (%s)",
	    i, in, rcname(rc), err);
	strcpy(err, "(none)");
	rc = addr_with_domain(&a, dom, &out, err, sizeof(err));
	ck_assert_msg(rc == with_cases[i].rc,
	    "with[%zu] \"%s\" + \"%s\": got %s (%s), want %s", i, in,
	    dom ? dom : "(null)", rcname(rc), err,
	    rcname(with_cases[i].rc));
	if (rc == BAD) {
		ck_assert_msg(strcmp(err, with_cases[i].err) == 0,
		    "with[%zu] \"%s\" + \"%s\": error got \"%s\", "
		    "want \"%s\"", i, in, dom ? dom : "(null)", err,
		    with_cases[i].err);
		return;
	}
	ck_assert_msg(strcmp(out.text, text) == 0 &&
	    strcmp(out.key, key) == 0,
	    "with[%zu] \"%s\" + \"%s\": got \"%s\" / \"%s\", "
	    "want \"%s\" / \"%s\"", i, in, dom, out.text, out.key,
	    text, key);
	ck_assert_msg(out.local_len == a.local_len,
	    "with[%zu] \"%s\": local_len got %zu, want %zu",
	    i, in, out.local_len, a.local_len);

	/* out may be the input itself */
	self = a;
	rc = addr_with_domain(&self, dom, &self, err, sizeof(err));
	ck_assert_msg(rc == OK && strcmp(self.text, text) == 0,
	    "with[%zu] \"%s\" in place: got %s \"%s\", want \"%s\"",
	    i, in, rcname(rc), self.text, text);
}
END_TEST

START_TEST(test_with_domain_null)
{
	char	 err[128];
	addr_t	 a, out;

	ck_assert_int_eq(addr_parse_path("<>", &a, err, sizeof(err)), NUL);
	ck_assert_int_eq(addr_with_domain(&a, "x", &out, err, sizeof(err)), BAD);
	ck_assert_str_eq(err, "no local part");
}
END_TEST

static const struct {
	const char	*a;		/* paths, as given to RCPT TO */
	const char	*b;
	int		 equal;
} equal_cases[] = {
	{ "<bob@example.com>", "<bob@example.com>", 1 },
	{ "<Bob@Example.COM>", "<bob@example.com>", 1 },
	{ "bob@example.com", "<BOB@EXAMPLE.COM>", 1 },
	{ "<\"bob\"@x>", "<bob@x>", 1 },
	{ "<\"Bob\"@x>", "<bOB@X>", 1 },
	{ "<\"a b\"@x>", "<\"A B\"@X>", 1 },
	{ "<\"a\\ b\"@x>", "<\"a b\"@x>", 1 },
	{ "<@r:bob@x>", "<bob@x>", 1 },
	{ "<bob@[IPv6:2001:DB8::1]>", "<bob@[ipv6:2001:db8::1]>", 1 },
	{ "<>", "<>", 1 },
	{ "<bob@x>", "<bob@y>", 0 },
	{ "<bob@x>", "<bobby@x>", 0 },
	{ "<bob@x>", "<bob@x.example>", 0 },
	{ "<\"a b\"@x>", "<\"a  b\"@x>", 0 },
	{ "<b\xc3\xb6" "b@x>", "<b\xc3\xb6" "b@x>", 1 },
	/* only ASCII is folded */
	{ "<b\xc3\xb6" "b@x>", "<B\xc3\x96" "B@x>", 0 },
	{ "<bob@x>", "<>", 0 },
};

START_TEST(test_equal)
{
	char	 err[128];
	addr_t	 a, b;
	size_t	 i = (size_t)_i;
	int	 got;

	ck_assert_msg(addr_parse_path(equal_cases[i].a, &a, err,
	    sizeof(err)) != BAD, "equal[%zu] \"%s\": %s", i,
	    equal_cases[i].a, err);
	ck_assert_msg(addr_parse_path(equal_cases[i].b, &b, err,
	    sizeof(err)) != BAD, "equal[%zu] \"%s\": %s", i,
	    equal_cases[i].b, err);
	got = addr_equal(&a, &b) != 0;
	ck_assert_msg(got == equal_cases[i].equal,
	    "equal[%zu] \"%s\" vs \"%s\": got %d, want %d", i,
	    equal_cases[i].a, equal_cases[i].b, got,
	    equal_cases[i].equal);
	ck_assert_msg((addr_equal(&b, &a) != 0) == got,
	    "equal[%zu]: not symmetric", i);
}
END_TEST

static const struct {
	const char	*in;
	const char	*want;
} fold_cases[] = {
	{ "", "" },
	{ "Bob@Example.COM", "bob@example.com" },
	{ "AZaz09@[]{}_", "azaz09@[]{}_" },
	{ "\xc3\x96\xc3\x9c" "X", "\xc3\x96\xc3\x9c" "x" },
};

START_TEST(test_fold)
{
	char	 buf[64];
	size_t	 i = (size_t)_i;

	strcpy(buf, fold_cases[i].in);
	addr_fold(buf);
	ck_assert_msg(strcmp(buf, fold_cases[i].want) == 0,
	    "fold[%zu] \"%s\": got \"%s\", want \"%s\"", i,
	    fold_cases[i].in, buf, fold_cases[i].want);
}
END_TEST

/* ESMTP parameters of a recipient added under Sendmail. */
static char *const params_none[] = { NULL };
static char *const params_notify[] = { "NOTIFY=SUCCESS,FAILURE", NULL };
static char *const params_orcpt[] = { "NOTIFY=NEVER", "orcpt=rfc822;x@y", NULL };
static const struct {
	char *const	*esmtp;
	const char	*original;
	size_t		 outlen;
	int		 want_rc;
	const char	*want;
} params_cases[] = {
	{ NULL, "bob@contoso.com", 64, 0, "ORCPT=rfc822;bob@contoso.com" },
	{ params_none, "bob@contoso.com", 64, 0, "ORCPT=rfc822;bob@contoso.com" },
	{ params_notify, "bob@contoso.com", 128, 0,
	  "NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@contoso.com" },
	/* the client's own ORCPT (any case) is kept, none is added */
	{ params_orcpt, "bob@contoso.com", 128, 0, "NOTIFY=NEVER orcpt=rfc822;x@y" },
	/* xtext: '+', '=', spaces and 8-bit octets as +HH */
	{ NULL, "a+b=c@contoso.com", 64, 0, "ORCPT=rfc822;a+2Bb+3Dc@contoso.com" },
	{ NULL, "\"a b\"@contoso.com", 64, 0, "ORCPT=rfc822;\"a+20b\"@contoso.com" },
	{ NULL, "j\xc3\xb6@contoso.com", 64, 0, "ORCPT=rfc822;j+C3+B6@contoso.com" },
	/* too small: refused, never cut */
	{ NULL, "bob@contoso.com", 29, 0, "ORCPT=rfc822;bob@contoso.com" },
	{ NULL, "bob@contoso.com", 28, -1, NULL },
	{ params_notify, "bob@contoso.com", 20, -1, NULL },
	{ NULL, "a+b@contoso.com", 31, 0, "ORCPT=rfc822;a+2Bb@contoso.com" },
	{ NULL, "a+b@contoso.com", 30, -1, NULL },
};

START_TEST(test_rcpt_params)
{
	char	 buf[256];
	size_t	 i = (size_t)_i;
	int	 rc;

	rc = addr_rcpt_params(params_cases[i].esmtp, params_cases[i].original,
	    buf, params_cases[i].outlen);
	ck_assert_msg(rc == params_cases[i].want_rc &&
	    (rc != 0 || strcmp(buf, params_cases[i].want) == 0),
	    "params[%zu] \"%s\" in %zu: got %d \"%s\", want %d \"%s\"", i,
	    params_cases[i].original, params_cases[i].outlen, rc,
	    rc == 0 ? buf : "", params_cases[i].want_rc,
	    params_cases[i].want ? params_cases[i].want : "");
}
END_TEST

/* addr_rcpt_params_size() is always enough: every row, and 3 KB of them. */
START_TEST(test_rcpt_params_size)
{
	static char	 big[3][1001];
	char		*esmtp[] = { big[0], big[1], big[2], NULL };
	char		 original[ADDR_TEXT_MAX + 1], *buf;
	size_t		 len;

	for (size_t i = 0; i < NELEM(params_cases); i++) {
		len = addr_rcpt_params_size(params_cases[i].esmtp,
		    params_cases[i].original);
		ck_assert_ptr_nonnull(buf = malloc(len));
		ck_assert_msg(addr_rcpt_params(params_cases[i].esmtp,
		    params_cases[i].original, buf, len) == 0,
		    "params[%zu]: %zu octets are not enough", i, len);
		free(buf);
	}
	for (int i = 0; i < 3; i++) {
		memset(big[i], 'x', 1000);
		memcpy(big[i], "X-P=", 4);
		big[i][1000] = '\0';
	}
	memset(original, '+', 64);
	snprintf(original + 64, sizeof(original) - 64, "@example.org");
	len = addr_rcpt_params_size(esmtp, original);
	ck_assert_ptr_nonnull(buf = malloc(len));
	ck_assert_int_eq(addr_rcpt_params(esmtp, original, buf, len), 0);
	ck_assert_uint_eq(strlen(buf), 3 * 1000 + 2 + 14 + 3 * 64 + 12);
	free(buf);
}
END_TEST

/* Postfix's internal form (local part unquoted) back to an addr-spec. */
static const struct {
	const char	*in;
	const char	*out;
} internal_cases[] = {
	{ "bob@contoso.com", "bob@contoso.com" },
	{ "<bob@contoso.com>", "<bob@contoso.com>" },	/* a path parses */
	{ "a b@contoso.com", "\"a b\"@contoso.com" },
	{ ".bob@contoso.com", "\".bob\"@contoso.com" },
	{ "a\"b@x", "\"a\\\"b\"@x" },
	{ "a\\b@x", "\"a\\\\b\"@x" },
	{ "a@b@x", "\"a@b\"@x" },
	{ "\"a b\"@x", "\"a b\"@x" },	/* already quoted */
	{ "postmaster", "postmaster" },
	{ "@x", "@x" },				/* nothing to quote */
	{ "contoso.com", "contoso.com" },
	{ "", "" },
};

START_TEST(test_quote_internal)
{
	char	 out[64];

	ck_assert_msg(strcmp(addr_quote_internal(internal_cases[_i].in, out,
	    sizeof(out)), internal_cases[_i].out) == 0,
	    "internal[%d] \"%s\": got \"%s\", want \"%s\"", _i,
	    internal_cases[_i].in, out, internal_cases[_i].out);
}
END_TEST

/* The error buffer may be small or missing. */
START_TEST(test_errbuf)
{
	char	 err[8];
	addr_t	 a;

	ck_assert_int_eq(addr_parse_path("<bob>", &a, NULL, 0), BAD);
	ck_assert_int_eq(addr_parse_path("<bob>", &a, err, sizeof(err)), BAD);
	ck_assert_str_eq(err, "missing");
	ck_assert_int_eq(addr_parse_path(NULL, &a, err, sizeof(err)), BAD);
	ck_assert_int_eq(addr_parse(NULL, &a, err, sizeof(err)), BAD);
}
END_TEST

static Suite *
addr_suite(void)
{
	Suite	*s = suite_create("addr");
	TCase	*tc = tcase_create("addr");

	/* One loop test per table: each row runs (and fails) on its own. */
	tcase_add_loop_test(tc, test_parse_path, 0, (int)NELEM(path_cases));
	tcase_add_loop_test(tc, test_parse, 0, (int)NELEM(bare_cases));
	tcase_add_loop_test(tc, test_domain, 0, (int)NELEM(domain_cases));
	tcase_add_loop_test(tc, test_with_domain, 0, (int)NELEM(with_cases));
	tcase_add_test(tc, test_with_domain_null);
	tcase_add_loop_test(tc, test_equal, 0, (int)NELEM(equal_cases));
	tcase_add_loop_test(tc, test_fold, 0, (int)NELEM(fold_cases));
	tcase_add_loop_test(tc, test_rcpt_params, 0, (int)NELEM(params_cases));
	tcase_add_test(tc, test_rcpt_params_size);
	tcase_add_loop_test(tc, test_quote_internal, 0,
	    (int)NELEM(internal_cases));
	tcase_add_test(tc, test_errbuf);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tcheck_run(addr_suite());
}

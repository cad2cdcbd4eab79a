/*
 * check_hdraddr.c - tables for lib/policy/hdraddr.c.
 *
 * The map of the rewrite table is the Address Rewrite rule of the running
 * example: any address at fourthcoffee.com or one of its subdomains (any
 * case) becomes the same local part at contoso.com.  A few local parts
 * drive the other outcomes: "tempfail" (map says try again), "badmap" (map
 * gives an invalid addr-spec), "keepempty" (map says 1 with an empty
 * answer) and "same" (map gives back the same addr-spec).
 */
#include <string.h>
#include <strings.h>

#include "hdraddr.h"
#include "tcheck.h"

#define CHG	HDRADDR_CHANGED
#define UNCH	HDRADDR_UNCHANGED
#define TEMP	HDRADDR_TEMPFAIL
#define BAD	HDRADDR_BAD

static int	map_calls;

/* The test map (see above). */
static int
map_fc(void *arg, const char *spec, char *out, size_t outlen)
{
	const char	*at, *dom;
	size_t		 dlen, llen;
	int		 n;

	(void)arg;
	map_calls++;
	ck_assert_msg(strlen(spec) <= HDRADDR_SPEC_MAX, "spec too long");
	ck_assert_msg(outlen == HDRADDR_SPEC_MAX + 1, "outlen %zu", outlen);
	if ((at = strrchr(spec, '@')) == NULL)
		return 0;
	dom = at + 1;
	dlen = strlen(dom);
	llen = (size_t)(at - spec);
	if (strcasecmp(dom, "fourthcoffee.com") != 0 &&
	    (dlen <= 17 || strcasecmp(dom + dlen - 17, ".fourthcoffee.com") != 0)) {
		if (strncmp(spec, "same@", 5) == 0) {
			snprintf(out, outlen, "%s", spec);
			return 1;
		}
		return 0;
	}
	if (llen == 8 && strncmp(spec, "tempfail", llen) == 0)
		return -1;
	if (llen == 6 && strncmp(spec, "badmap", llen) == 0) {
		snprintf(out, outlen, "bad map@contoso.com");
		return 1;
	}
	if (llen == 9 && strncmp(spec, "keepempty", llen) == 0)
		return 1;
	n = snprintf(out, outlen, "%.*s@contoso.com", (int)llen, spec);
	ck_assert_msg(n > 0 && (size_t)n < outlen, "map overflow");
	return 1;
}

static const char *
rcname(int rc)
{
	switch (rc) {
	case CHG:	return "CHANGED";
	case UNCH:	return "UNCHANGED";
	case TEMP:	return "TEMPFAIL";
	case BAD:	return "BAD";
	default:	return "?";
	}
}

/* One rewrite: the value, the result, and for CHANGED the new value. */
struct rw_case {
	const char	*in;
	int		 rc;
	const char	*want;		/* NULL: unchanged */
};

static const struct rw_case rw_cases[] = {
	/* plain addr-spec, case of the local part kept */
	{ "bob@fourthcoffee.com", CHG, "bob@contoso.com" },
	{ "Bob@FourthCoffee.com", CHG, "Bob@contoso.com" },
	{ "BOB.LEE@FOURTHCOFFEE.COM", CHG, "BOB.LEE@contoso.com" },
	{ "<bob@fourthcoffee.com>", CHG, "<bob@contoso.com>" },
	{ "  bob@fourthcoffee.com  ", CHG, "  bob@contoso.com  " },

	/* display names: atoms, quoted, encoded words, UTF-8 */
	{ "Bob Lee <bob@fourthcoffee.com>", CHG, "Bob Lee <bob@contoso.com>" },
	{ "\"Lee, Bob \\\"The Boss\\\"\" <bob@fourthcoffee.com>", CHG,
	  "\"Lee, Bob \\\"The Boss\\\"\" <bob@contoso.com>" },
	{ "\"bob@fourthcoffee.com\" <bob@fourthcoffee.com>", CHG,
	  "\"bob@fourthcoffee.com\" <bob@contoso.com>" },
	{ "=?UTF-8?B?Qm9iIEzDqWU=?= <bob@fourthcoffee.com>", CHG,
	  "=?UTF-8?B?Qm9iIEzDqWU=?= <bob@contoso.com>" },
	{ "=?ISO-8859-1?Q?Andr=E9_Pirard?= <PIRARD@FourthCoffee.com>", CHG,
	  "=?ISO-8859-1?Q?Andr=E9_Pirard?= <PIRARD@contoso.com>" },
	{ "=?utf-8?q?Lee=2C_Bob?= =?utf-8?q?_Jr?= <bob@fourthcoffee.com>", CHG,
	  "=?utf-8?q?Lee=2C_Bob?= =?utf-8?q?_Jr?= <bob@contoso.com>" },
	{ "\"=?UTF-8?Q?Lee=2C_Bob?=\" <bob@fourthcoffee.com>", CHG,
	  "\"=?UTF-8?Q?Lee=2C_Bob?=\" <bob@contoso.com>" },
	{ "\"J\xc3\xb6rg M\xc3\xbcller\" <joerg@fourthcoffee.com>", CHG,
	  "\"J\xc3\xb6rg M\xc3\xbcller\" <joerg@contoso.com>" },
	{ "J\xc3\xb6rg M\xc3\xbcller <joerg@fourthcoffee.com>", CHG,
	  "J\xc3\xb6rg M\xc3\xbcller <joerg@contoso.com>" },
	{ "Andr\xe9 <andre@fourthcoffee.com>", CHG,	/* raw Latin-1 */
	  "Andr\xe9 <andre@contoso.com>" },
	{ "Bob E. Lee <bob@fourthcoffee.com>", CHG,
	  "Bob E. Lee <bob@contoso.com>" },
	{ "'Bob Lee' <bob@fourthcoffee.com>", CHG,
	  "'Bob Lee' <bob@contoso.com>" },
	{ "Bob<bob@fourthcoffee.com>", CHG, "Bob<bob@contoso.com>" },
	{ "Bob < bob@fourthcoffee.com >", CHG, "Bob < bob@contoso.com >" },

	/* comments before, after, inside, nested, with quoted-pairs */
	{ "(Bob) bob@fourthcoffee.com (work)", CHG,
	  "(Bob) bob@contoso.com (work)" },
	{ "bob@fourthcoffee.com (Bob Lee)", CHG, "bob@contoso.com (Bob Lee)" },
	{ "Bob (the boss (really)) <bob@fourthcoffee.com>", CHG,
	  "Bob (the boss (really)) <bob@contoso.com>" },
	{ "Bob <bob@fourthcoffee.com> (\\(not\\) a \\\\ comment)", CHG,
	  "Bob <bob@contoso.com> (\\(not\\) a \\\\ comment)" },
	{ "Bob <(c) bob@fourthcoffee.com (d)>", CHG,
	  "Bob <(c) bob@contoso.com (d)>" },
	{ "bob(c1)@(c2)fourthcoffee.com", CHG, "bob@contoso.com" },
	{ "(a@fourthcoffee.com) b@example.org", UNCH, NULL },

	/* obs- CFWS inside the addr-spec: the span goes, clean addr-spec comes */
	{ "bob @ fourthcoffee.com", CHG, "bob@contoso.com" },
	{ "bob . lee @ fourthcoffee . com", CHG, "bob.lee@contoso.com" },
	{ "a..b@fourthcoffee.com", CHG, "a..b@contoso.com" },
	{ "a.@fourthcoffee.com", CHG, "a.@contoso.com" },

	/* groups */
	{ "Team: a@fourthcoffee.com, b@example.org;", CHG,
	  "Team: a@contoso.com, b@example.org;" },
	{ "\"Team, Ops\": <a@fourthcoffee.com>;, c@fourthcoffee.com", CHG,
	  "\"Team, Ops\": <a@contoso.com>;, c@contoso.com" },
	{ "undisclosed-recipients:;", UNCH, NULL },
	{ "undisclosed-recipients: ;", UNCH, NULL },
	{ "undisclosed-recipients:", UNCH, NULL },
	{ "Team: a@fourthcoffee.com", CHG, "Team: a@contoso.com" },
	{ "Team: ;, bob@fourthcoffee.com", CHG, "Team: ;, bob@contoso.com" },
	{ "Team:,,a@fourthcoffee.com,;(end)", CHG,
	  "Team:,,a@contoso.com,;(end)" },

	/* several mailboxes, some mapped */
	{ "a@example.org, b@fourthcoffee.com, \"C\" <c@example.net>", CHG,
	  "a@example.org, b@contoso.com, \"C\" <c@example.net>" },
	{ "alice@fourthcoffee.com,bob@fourthcoffee.com", CHG,
	  "alice@contoso.com,bob@contoso.com" },
	{ "a@example.org, Bob <b@example.net>", UNCH, NULL },
	{ ",, bob@fourthcoffee.com ,,", CHG, ",, bob@contoso.com ,," },
	{ "a@fourthcoffee.com, b@fourthcoffee.com,", CHG,
	  "a@contoso.com, b@contoso.com," },
	{ "", UNCH, NULL },
	{ " \t", UNCH, NULL },

	/* IDN and UTF-8 local parts */
	{ "j\xc3\xb6rg@fourthcoffee.com", CHG, "j\xc3\xb6rg@contoso.com" },
	{ "\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.\xe5\xb9\xbf"
	  "\xe5\x91\x8a", UNCH, NULL },
	{ "user@m\xc3\xbcnchen.fourthcoffee.com", CHG, "user@contoso.com" },
	{ "user@xn--mnchen-3ya.fourthcoffee.com", CHG, "user@contoso.com" },
	{ "bob@xn--bcher-kva.example", UNCH, NULL },

	/* folding kept: CRLF or LF, then space or tab */
	{ "Bob Lee\r\n <bob@fourthcoffee.com>", CHG,
	  "Bob Lee\r\n <bob@contoso.com>" },
	{ "a@example.org,\r\n\tbob@fourthcoffee.com,\r\n c@fourthcoffee.com",
	  CHG, "a@example.org,\r\n\tbob@contoso.com,\r\n c@contoso.com" },
	{ "Bob Lee\n <bob@fourthcoffee.com>", CHG, "Bob Lee\n <bob@contoso.com>" },
	{ "\"Lee,\r\n Bob\" <bob@fourthcoffee.com>", CHG,
	  "\"Lee,\r\n Bob\" <bob@contoso.com>" },
	{ "Bob (a long\r\n\tcomment) <bob@fourthcoffee.com>", CHG,
	  "Bob (a long\r\n\tcomment) <bob@contoso.com>" },
	{ "bob\r\n @fourthcoffee.com", CHG, "bob@contoso.com" },

	/* obs-route kept */
	{ "<@relay.example,@r2.example:bob@fourthcoffee.com>", CHG,
	  "<@relay.example,@r2.example:bob@contoso.com>" },
	{ "Bob <@fourthcoffee.com:bob@example.org>", UNCH, NULL },
	{ "<,@a, @b:bob@fourthcoffee.com>", CHG, "<,@a, @b:bob@contoso.com>" },

	/* quoted local parts */
	{ "\"john doe\"@fourthcoffee.com", CHG, "\"john doe\"@contoso.com" },
	{ "John <\"john\\\"doe\"@fourthcoffee.com>", CHG,
	  "John <\"john\\\"doe\"@contoso.com>" },
	{ "\"a@b\"@fourthcoffee.com", CHG, "\"a@b\"@contoso.com" },

	/* subdomains, and what must not map */
	{ "x@mail.fourthcoffee.com", CHG, "x@contoso.com" },
	{ "x@a.b.FourthCoffee.COM", CHG, "x@contoso.com" },
	{ "bob@fourthcoffee.com.evil.example", UNCH, NULL },
	{ "bob@notfourthcoffee.com", UNCH, NULL },
	{ "bob@fourthcoffee.co", UNCH, NULL },
	{ "bob@contoso.com", UNCH, NULL },
	{ "bob@[192.0.2.1]", UNCH, NULL },
	{ "bob@[ 192.0.2.1 ]", UNCH, NULL },
	{ "\"bob@fourthcoffee.com\" <bob@example.org>", UNCH, NULL },

	/* map outcomes */
	{ "tempfail@fourthcoffee.com", TEMP, NULL },
	{ "a@fourthcoffee.com, Temp <tempfail@fourthcoffee.com>", TEMP, NULL },
	{ "badmap@fourthcoffee.com", BAD, NULL },
	{ "keepempty@fourthcoffee.com", UNCH, NULL },
	{ "Same <same@example.com>", UNCH, NULL },

	/* malformed: left alone, map never asked */
	{ "\"Bob <bob@fourthcoffee.com>", BAD, NULL },
	{ "(Bob bob@fourthcoffee.com", BAD, NULL },
	{ "bob@fourthcoffee.com (unterminated", BAD, NULL },
	{ "Bob) bob@fourthcoffee.com", BAD, NULL },
	{ "<bob@fourthcoffee.com", BAD, NULL },
	{ "bob@fourthcoffee.com>", BAD, NULL },
	{ "<<bob@fourthcoffee.com>>", BAD, NULL },
	{ "a@b@c", BAD, NULL },
	{ "@", BAD, NULL },
	{ "@fourthcoffee.com", BAD, NULL },
	{ "bob@", BAD, NULL },
	{ "Bob <>", BAD, NULL },
	{ "<>", BAD, NULL },
	{ "<@a:>", BAD, NULL },
	{ "Bob <bob>", BAD, NULL },
	{ "bob", BAD, NULL },
	{ "Lee, Bob <bob@fourthcoffee.com>", BAD, NULL },
	{ "bob@fourthcoffee.com <bob@fourthcoffee.com>", BAD, NULL },
	{ "Bob <bob@fourthcoffee.com> trailing", BAD, NULL },
	{ "Bob <bob@fourthcoffee.com> <c@fourthcoffee.com>", BAD, NULL },
	{ "Bob <bob@fourthcoffee.com>, garbage<", BAD, NULL },
	{ "john doe@fourthcoffee.com", BAD, NULL },
	{ "\"john\"doe@fourthcoffee.com", BAD, NULL },
	{ "bob@fourthcoffee..com", BAD, NULL },
	{ "bob@fourthcoffee.com.", BAD, NULL },
	{ "bob@.fourthcoffee.com", BAD, NULL },
	{ "Bob <bob@[192.0.2.1>", BAD, NULL },
	{ "Bob <bob@fourthcoffee.com>;", BAD, NULL },
	{ "A: B: c@fourthcoffee.com;;", BAD, NULL },
	{ ": a@fourthcoffee.com;", BAD, NULL },
	{ "\"Bob\\", BAD, NULL },
	{ "Bob\r <bob@fourthcoffee.com>", BAD, NULL },
	{ "Bob\r\n<bob@fourthcoffee.com>", BAD, NULL },
	{ "bob@fourthcoffee.com\r\n", BAD, NULL },
	{ "Bob\x01 <bob@fourthcoffee.com>", BAD, NULL },
	{ "<@a bob@fourthcoffee.com>", BAD, NULL },
	{ "<@a,@b@c:bob@fourthcoffee.com>", BAD, NULL },
	{ ". <bob@fourthcoffee.com>", BAD, NULL },
	{ "Bob <bob@fourthcoffee.com (c>", BAD, NULL },
	{ "bob@fourth\\coffee.com", BAD, NULL },
};

START_TEST(test_rewrite)
{
	const struct rw_case	*c = &rw_cases[_i];
	char			 err[256], err2[256], *out = NULL, *again;
	int			 rc;

	map_calls = 0;
	strcpy(err, "(none)");
	rc = hdraddr_rewrite(c->in, map_fc, NULL, &out, err, sizeof(err));
	ck_assert_msg(rc == c->rc,
	    "rewrite[%d] \"%s\": got %s (%s) \"%s\", want %s \"%s\"", _i,
	    c->in, rcname(rc), err, out ? out : "(unchanged)", rcname(c->rc),
	    c->want ? c->want : "(unchanged)");
	if (c->want == NULL)
		ck_assert_msg(out == NULL, "rewrite[%d] \"%s\": got \"%s\", "
		    "want it unchanged", _i, c->in, out);
	else {
		ck_assert_msg(out != NULL && strcmp(out, c->want) == 0,
		    "rewrite[%d] \"%s\": got \"%s\", want \"%s\"", _i, c->in,
		    out ? out : "(unchanged)", c->want);
		/* The result parses, and rewriting it again changes nothing. */
		again = NULL;
		ck_assert_msg(hdraddr_rewrite(out, map_fc, NULL, &again, err2,
		    sizeof(err2)) == UNCH, "rewrite[%d] \"%s\": result \"%s\" "
		    "rewrites again (%s)", _i, c->in, out, err2);
		ck_assert(again == NULL);
	}
	if (rc == BAD || rc == TEMP)
		ck_assert_msg(err[0] != '\0' && strcmp(err, "(none)") != 0,
		    "rewrite[%d] \"%s\": no error message", _i, c->in);
	if (rc == BAD && strstr(c->in, "badmap") == NULL)
		ck_assert_msg(map_calls == 0, "rewrite[%d] \"%s\": map called "
		    "%d times on an unparseable value", _i, c->in, map_calls);
	free(out);
}
END_TEST

/*
 * One parse: the value, the number of mailboxes (or BAD), and for each
 * mailbox "name|spec as written|clean spec|group|angle" on its own line.
 */
struct parse_case {
	const char	*in;
	int		 rc;
	const char	*want;
};

static const struct parse_case parse_cases[] = {
	{ "bob@x", 1, "|bob@x|bob@x||0\n" },
	{ "Bob Lee <bob@x>", 1, "Bob Lee|bob@x|bob@x||1\n" },
	{ "\"Lee, Bob\" <bob@x>, c@d", 2,
	  "\"Lee, Bob\"|bob@x|bob@x||1\n|c@d|c@d||0\n" },
	{ "(Bob) bob . lee (x) @ (y) Example . COM (z)", 1,
	  "|bob . lee (x) @ (y) Example . COM|bob.lee@Example.COM||0\n" },
	{ "Team: a@x, B <b@y>;, c@z", 3,
	  "|a@x|a@x|Team|0\nB|b@y|b@y|Team|1\n|c@z|c@z||0\n" },
	{ "\"My Team\" (ops) : a@x;", 1, "|a@x|a@x|\"My Team\"|0\n" },
	{ "undisclosed-recipients:;", 0, "" },
	{ "", 0, "" },
	{ ",,,", 0, "" },
	{ "<@r1,@r2:a@x>", 1, "|a@x|a@x||1\n" },
	{ "\"john\r\n doe\"@x", 1, "|\"john\r\n doe\"@x|\"john doe\"@x||0\n" },
	{ "a@[ 192.0.2.1 ]", 1, "|a@[ 192.0.2.1 ]|a@[192.0.2.1]||0\n" },
	{ "a@[IPv6:2001:db8::1]", 1,
	  "|a@[IPv6:2001:db8::1]|a@[IPv6:2001:db8::1]||0\n" },
	{ "Bob E. Lee <\"b\\\"ob\"@x>", 1,
	  "Bob E. Lee|\"b\\\"ob\"@x|\"b\\\"ob\"@x||1\n" },
	{ "a@b@c", BAD, NULL },
};

/* What the parse table's each collects. */
struct collect {
	const char	*value;
	char		 buf[2048];
};

/* hdraddr_each_fn of the parse table: describes one mailbox in a line. */
static int
describe(void *arg, const hdraddr_mbox_t *mb)
{
	struct collect	*co = arg;
	size_t		 o = strlen(co->buf);

	snprintf(co->buf + o, sizeof(co->buf) - o, "%.*s|%.*s|%s|%.*s|%d\n",
	    (int)mb->name_len, co->value + mb->name_off,
	    (int)mb->spec_len, co->value + mb->spec_off,
	    mb->spec ? mb->spec : "(null)",
	    (int)mb->group_len, co->value + mb->group_off, mb->angle);
	return 0;
}

START_TEST(test_parse)
{
	const struct parse_case	*c = &parse_cases[_i];
	struct collect		 co;
	char			 err[256];
	int			 rc;

	co.value = c->in;
	co.buf[0] = '\0';
	rc = hdraddr_parse(c->in, describe, &co, err, sizeof(err));
	ck_assert_msg(rc == c->rc, "parse[%d] \"%s\": got %d (%s), want %d",
	    _i, c->in, rc, rc < 0 ? err : "", c->rc);
	ck_assert_int_eq(hdraddr_parse(c->in, NULL, NULL, err, sizeof(err)),
	    c->rc);
	if (c->want != NULL)
		ck_assert_msg(strcmp(co.buf, c->want) == 0,
		    "parse[%d] \"%s\": got\n%s want\n%s", _i, c->in, co.buf,
		    c->want);
	else
		ck_assert_msg(co.buf[0] == '\0', "parse[%d] \"%s\": each "
		    "called on an unparseable value", _i, c->in);
}
END_TEST

/* Replacements the map may give. */
struct valid_case {
	const char	*in;
	int		 valid;
};

static const struct valid_case valid_cases[] = {
	{ "bob@contoso.com", 1 },
	{ "bob.lee@sales.contoso.com", 1 },
	{ "\"john doe\"@contoso.com", 1 },
	{ "\"a\\\"b\"@contoso.com", 1 },
	{ "j\xc3\xb6rg@m\xc3\xbcnchen.example", 1 },
	{ "bob@[192.0.2.1]", 1 },
	{ "bob@[IPv6:2001:db8::1]", 1 },
	{ "", 0 },
	{ "bob", 0 },
	{ "bob@", 0 },
	{ "@contoso.com", 0 },
	{ "bob lee@contoso.com", 0 },
	{ "bob@contoso.com\r\nBcc: x@y", 0 },
	{ "bob@contoso.com>", 0 },
	{ "a..b@contoso.com", 1 },
	{ "a.@contoso.com", 1 },
	{ ".", 0 },
	{ "..@contoso.com", 0 },
	{ "bob@contoso..com", 0 },
	{ "bob@contoso.com.", 0 },
	{ "\"a\r\n b\"@contoso.com", 0 },
	{ "\"ab@contoso.com", 0 },
	{ "\"ab\"x@contoso.com", 0 },
	{ "a@b@contoso.com", 0 },
	{ "bob@[192.0.2.1", 0 },
	{ "bob@[192.0.2.1]x", 0 },
	{ "bob@[1 2]", 0 },
	{ "(c)bob@contoso.com", 0 },
};

START_TEST(test_valid)
{
	const struct valid_case	*c = &valid_cases[_i];

	ck_assert_msg(hdraddr_valid_spec(c->in) == c->valid,
	    "valid[%d] \"%s\": got %d, want %d", _i, c->in,
	    hdraddr_valid_spec(c->in), c->valid);
}
END_TEST

/* Limits: value length, comment depth, addr-spec length. */
START_TEST(test_limits)
{
	char	*v, *out, err[256];
	size_t	 i;

	v = malloc(HDRADDR_INPUT_MAX + 64);
	ck_assert(v != NULL);

	/* A value of exactly the limit parses; one more octet does not. */
	memset(v, ' ', HDRADDR_INPUT_MAX);
	memcpy(v, "bob@fourthcoffee.com", 20);
	v[HDRADDR_INPUT_MAX] = '\0';
	ck_assert_int_eq(hdraddr_rewrite(v, map_fc, NULL, &out, err,
	    sizeof(err)), CHG);
	ck_assert(strncmp(out, "bob@contoso.com ", 16) == 0);
	free(out);
	v[HDRADDR_INPUT_MAX] = ' ';
	v[HDRADDR_INPUT_MAX + 1] = '\0';
	ck_assert_int_eq(hdraddr_rewrite(v, map_fc, NULL, &out, err,
	    sizeof(err)), BAD);
	ck_assert_ptr_null(out);
	ck_assert_msg(strstr(err, "longer") != NULL, "err %s", err);

	/* Comments nested HDRADDR_DEPTH_MAX deep parse, one more does not. */
	for (i = 0; i < HDRADDR_DEPTH_MAX; i++)
		v[i] = '(';
	for (i = 0; i < HDRADDR_DEPTH_MAX; i++)
		v[HDRADDR_DEPTH_MAX + i] = ')';
	strcpy(v + 2 * HDRADDR_DEPTH_MAX, " a@b");
	ck_assert_int_eq(hdraddr_parse(v, NULL, NULL, err, sizeof(err)), 1);
	memmove(v + 1, v, strlen(v) + 1);
	strcpy(v + 2 * HDRADDR_DEPTH_MAX + 1, ") a@b");
	ck_assert_int_eq(hdraddr_parse(v, NULL, NULL, err, sizeof(err)), BAD);
	ck_assert_msg(strstr(err, "deep") != NULL, "err %s", err);

	/* Thousands of unclosed comments: refused, not recursed into. */
	memset(v, '(', HDRADDR_INPUT_MAX);
	v[HDRADDR_INPUT_MAX] = '\0';
	ck_assert_int_eq(hdraddr_parse(v, NULL, NULL, err, sizeof(err)), BAD);

	/* An addr-spec over HDRADDR_SPEC_MAX is never offered to map. */
	memset(v, 'a', HDRADDR_SPEC_MAX);
	strcpy(v + HDRADDR_SPEC_MAX, "@fourthcoffee.com");
	map_calls = 0;
	ck_assert_int_eq(hdraddr_rewrite(v, map_fc, NULL, &out, err,
	    sizeof(err)), UNCH);
	ck_assert_int_eq(map_calls, 0);

	/* Many mailboxes: every one mapped. */
	v[0] = '\0';
	for (i = 0; i < 2000; i++)
		strcat(v, "x@fourthcoffee.com,");
	ck_assert_int_eq(hdraddr_rewrite(v, map_fc, NULL, &out, err,
	    sizeof(err)), CHG);
	ck_assert_uint_eq(strlen(out), 2000 * strlen("x@contoso.com,"));
	free(out);
	free(v);
}
END_TEST

/* The error buffer may be small or missing; NULL is refused. */
START_TEST(test_errbuf)
{
	char	 err[8], *out;

	ck_assert_int_eq(hdraddr_rewrite("a@b@c", map_fc, NULL, &out, NULL, 0),
	    BAD);
	ck_assert_int_eq(hdraddr_rewrite("a@b@c", map_fc, NULL, &out, err,
	    sizeof(err)), BAD);
	ck_assert_uint_eq(strlen(err), sizeof(err) - 1);
	ck_assert_int_eq(hdraddr_rewrite("tempfail@fourthcoffee.com", map_fc,
	    NULL, &out, NULL, 0), TEMP);
	ck_assert_int_eq(hdraddr_parse(NULL, NULL, NULL, err, sizeof(err)),
	    BAD);
	ck_assert_int_eq(hdraddr_rewrite(NULL, map_fc, NULL, &out, err,
	    sizeof(err)), BAD);
	ck_assert_ptr_null(out);
}
END_TEST

/* hdraddr_each_fn that stops at the second mailbox. */
static int
stop_second(void *arg, const hdraddr_mbox_t *mb)
{
	int	*n = arg;

	(void)mb;
	return ++*n == 2 ? -7 : 0;
}

/* An each that stops is obeyed, and its value returned. */
START_TEST(test_each_stops)
{
	char	err[64];
	int	n = 0;

	ck_assert_int_eq(hdraddr_parse("a@b, c@d, e@f", stop_second, &n, err,
	    sizeof(err)), -7);
	ck_assert_int_eq(n, 2);
}
END_TEST

static Suite *
hdraddr_suite(void)
{
	Suite	*s = suite_create("hdraddr");
	TCase	*tc = tcase_create("hdraddr");

	tcase_add_loop_test(tc, test_rewrite, 0, (int)NELEM(rw_cases));
	tcase_add_loop_test(tc, test_parse, 0, (int)NELEM(parse_cases));
	tcase_add_loop_test(tc, test_valid, 0, (int)NELEM(valid_cases));
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_errbuf);
	tcase_add_test(tc, test_each_stops);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tcheck_run(hdraddr_suite());
}

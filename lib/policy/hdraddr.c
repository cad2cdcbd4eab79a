/*
 * hdraddr.c - RFC 5322 address lists in header fields: find and replace
 * addresses.
 *
 * The grammar is RFC 5322 sections 3.2 and 3.4 (address-list, mailbox,
 * name-addr, angle-addr, group, addr-spec) with the obs- forms of section
 * 4.4 and the UTF-8 of RFC 6532; hdraddr.h lists what is tolerated beyond.
 *
 * A value is read left to right, once per pass, by a hand-written scanner
 * that keeps its position in a struct hp; the only nesting (comments) is a
 * counter, bounded by HDRADDR_DEPTH_MAX, so no input can grow the stack.
 * The scanner tells a display-name from a local-part only when it reaches
 * what follows the words: "<" (name-addr), ":" (group) or "@" (addr-spec).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdraddr.h"

/* The state of one pass over a value. */
struct hp {
	const unsigned char	*s;		/* the value */
	size_t			 len;		/* its octets */
	size_t			 i;		/* where the scanner is */
	const char		*why;		/* what is wrong, when it is */
	size_t			 where;		/* and where */
	char			 spec[HDRADDR_SPEC_MAX + 1];	/* clean addr-spec */
	size_t			 speclen;
	int			 speclong;	/* spec overflowed */
};

/* What a run of words (a display-name or a local-part) looked like. */
struct words {
	size_t	first;		/* offset of the first word or dot */
	size_t	end;		/* offset after the last word or dot */
	int	nwords;		/* atoms and quoted strings */
	int	ndots;
	int	adjacent;	/* two words with no dot between them */
};

/* Returns the octet at the scanner, or -1 at the end of the value. */
static int
hp_peek(const struct hp *hp)
{
	return hp->i < hp->len ? hp->s[hp->i] : -1;
}

/* Records what is wrong at the scanner and returns -1. */
static int
hp_fail(struct hp *hp, const char *why)
{
	hp->why = why;
	hp->where = hp->i;
	return -1;
}

/* Returns non-zero when c is atext (RFC 5322 3.2.3, RFC 6532 3.2). */
static int
hp_atext(int c)
{
	if (c < 0)
		return 0;
	if (c >= 0x80)
		return 1;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* Returns non-zero when c is a white space octet (WSP). */
static int
hp_wsp(int c)
{
	return c == ' ' || c == '\t';
}

/* Empties the clean addr-spec. */
static void
hp_spec_reset(struct hp *hp)
{
	hp->speclen = 0;
	hp->speclong = 0;
	hp->spec[0] = '\0';
}

/* Appends one octet to the clean addr-spec (or notes that it is too long). */
static void
hp_spec_add(struct hp *hp, int c)
{
	if (hp->speclen >= HDRADDR_SPEC_MAX) {
		hp->speclong = 1;
		return;
	}
	hp->spec[hp->speclen++] = (char)c;
	hp->spec[hp->speclen] = '\0';
}

/*
 * Checks the line break at the scanner ("\r\n" or "\n"), which must be
 * followed by white space (the folding of RFC 5322 3.2.2), and leaves the
 * scanner on its last octet.  Returns 0 or -1.
 */
static int
hp_linebreak(struct hp *hp)
{
	if (hp->s[hp->i] == '\r') {
		if (hp->i + 1 >= hp->len || hp->s[hp->i + 1] != '\n')
			return hp_fail(hp, "CR not followed by LF");
		hp->i++;
	}
	if (hp->i + 1 >= hp->len || !hp_wsp(hp->s[hp->i + 1]))
		return hp_fail(hp, "line break not followed by white space");
	return 0;
}

/*
 * Consumes the comment at the scanner (on its "("), nested comments and
 * quoted-pairs included.  Returns 0 or -1.
 */
static int
hp_comment(struct hp *hp)
{
	size_t	depth = 0;
	size_t	start = hp->i;
	int	c;

	for (;;) {
		if ((c = hp_peek(hp)) < 0) {
			hp->i = start;
			return hp_fail(hp, "unterminated comment");
		}
		switch (c) {
		case '(':
			if (++depth > HDRADDR_DEPTH_MAX)
				return hp_fail(hp, "comments nested too deep");
			break;
		case ')':
			if (--depth == 0) {
				hp->i++;
				return 0;
			}
			break;
		case '\\':
			hp->i++;
			c = hp_peek(hp);
			if (c < 0 || c == '\r' || c == '\n') {
				hp->i--;
				return hp_fail(hp, "backslash before a line break or the end");
			}
			break;
		case '\r':
		case '\n':
			if (hp_linebreak(hp) == -1)
				return -1;
			break;
		default:			/* ctext, WSP, obs-ctext */
			break;
		}
		hp->i++;
	}
}

/* Skips CFWS (white space, folding, comments).  Returns 0 or -1. */
static int
hp_cfws(struct hp *hp)
{
	int	c;

	for (;;) {
		c = hp_peek(hp);
		if (hp_wsp(c))
			hp->i++;
		else if (c == '\r' || c == '\n') {
			if (hp_linebreak(hp) == -1)
				return -1;
			hp->i++;
		} else if (c == '(') {
			if (hp_comment(hp) == -1)
				return -1;
		} else
			return 0;
	}
}

/*
 * Consumes the quoted string at the scanner (on its opening quote) and
 * appends it, quotes and quoted-pairs included, line breaks removed, to the
 * clean addr-spec.  Returns 0 or -1.
 */
static int
hp_quoted(struct hp *hp)
{
	size_t	start = hp->i;
	int	c;

	hp_spec_add(hp, '"');
	hp->i++;
	for (;;) {
		if ((c = hp_peek(hp)) < 0) {
			hp->i = start;
			return hp_fail(hp, "unterminated quoted string");
		}
		switch (c) {
		case '"':
			hp_spec_add(hp, c);
			hp->i++;
			return 0;
		case '\\':
			hp->i++;
			c = hp_peek(hp);
			if (c < 0 || c == '\r' || c == '\n') {
				hp->i--;
				return hp_fail(hp, "backslash before a line break or the end");
			}
			hp_spec_add(hp, '\\');
			hp_spec_add(hp, c);
			break;
		case '\r':
		case '\n':
			if (hp_linebreak(hp) == -1)
				return -1;
			break;
		default:			/* qtext, WSP, obs-qtext */
			hp_spec_add(hp, c);
			break;
		}
		hp->i++;
	}
}

/*
 * Reads a run of words and dots with CFWS between them (a display-name, a
 * group name or a local-part: which one is known only from what follows),
 * appending it without the CFWS to the clean addr-spec.  Stops, after
 * CFWS, on the first octet that is neither.  Returns 0 or -1.
 */
static int
hp_words(struct hp *hp, struct words *w)
{
	int	c, prevword = 0;

	memset(w, 0, sizeof(*w));
	for (;;) {
		if (hp_cfws(hp) == -1)
			return -1;
		c = hp_peek(hp);
		if (c == '"' || hp_atext(c)) {
			if (prevword)
				w->adjacent = 1;
			if (w->nwords + w->ndots == 0)
				w->first = hp->i;
			if (c == '"') {
				if (hp_quoted(hp) == -1)
					return -1;
			} else
				while (hp_atext(hp_peek(hp)))
					hp_spec_add(hp, hp->s[hp->i++]);
			w->nwords++;
			prevword = 1;
		} else if (c == '.') {
			if (w->nwords + w->ndots == 0)
				w->first = hp->i;
			hp_spec_add(hp, c);
			hp->i++;
			w->ndots++;
			prevword = 0;
		} else
			return 0;
		w->end = hp->i;
	}
}

/*
 * Reads a domain (dot-atom, obs-domain or domain-literal) after CFWS,
 * appending it without the CFWS to the clean addr-spec when add is set,
 * and stores in *endp the offset after its last octet.  Returns 0 or -1.
 */
static int
hp_domain(struct hp *hp, int add, size_t *endp)
{
	size_t	start;
	int	c, closing;

	if (hp_cfws(hp) == -1)
		return -1;
	c = hp_peek(hp);
	if (c == '[') {
		start = hp->i;
		if (add)
			hp_spec_add(hp, c);
		hp->i++;
		for (;;) {
			c = hp_peek(hp);
			if (c < 0 || c == '[') {
				hp->i = start;
				return hp_fail(hp, "unterminated domain literal");
			}
			closing = c == ']';
			if (c == '\\') {		/* obs-dtext quoted-pair */
				hp->i++;
				c = hp_peek(hp);
				if (c < 0 || c == '\r' || c == '\n') {
					hp->i--;
					return hp_fail(hp,
					    "backslash before a line break or the end");
				}
				if (add)
					hp_spec_add(hp, '\\');
			} else if (c == '\r' || c == '\n') {
				if (hp_linebreak(hp) == -1)
					return -1;
				c = -1;
			} else if (hp_wsp(c))
				c = -1;	/* FWS between dtext: folding only */
			if (add && c >= 0)
				hp_spec_add(hp, c);
			hp->i++;
			if (closing)
				break;
		}
		*endp = hp->i;
		return 0;
	}
	if (!hp_atext(c))
		return hp_fail(hp, c < 0 ? "missing domain" :
		    "invalid character at start of domain");
	for (;;) {
		while (hp_atext(hp_peek(hp))) {
			if (add)
				hp_spec_add(hp, hp->s[hp->i]);
			hp->i++;
		}
		*endp = hp->i;
		if (hp_cfws(hp) == -1)
			return -1;
		if (hp_peek(hp) != '.')
			return 0;
		if (add)
			hp_spec_add(hp, '.');
		hp->i++;
		if (hp_cfws(hp) == -1)
			return -1;
		if (!hp_atext(hp_peek(hp)))
			return hp_fail(hp, "empty label in domain");
	}
}

/* Checks that w is a usable local-part.  Returns 0 or -1. */
static int
hp_local_ok(struct hp *hp, const struct words *w)
{
	if (w->nwords == 0)
		return hp_fail(hp, "empty local part");
	if (w->adjacent) {
		hp->i = w->first;
		return hp_fail(hp, "words without a dot in local part");
	}
	return 0;
}

/*
 * Reads an angle-addr after its "<": an optional obs-route, the addr-spec
 * and the ">".  Stores the local part's words in *w and the domain's end
 * in *endp.  Returns 0 or -1.
 */
static int
hp_angle(struct hp *hp, struct words *w, size_t *endp)
{
	size_t	dend;
	int	c, route = 0, prevdom = 0;

	if (hp_cfws(hp) == -1)
		return -1;
	c = hp_peek(hp);
	if (c == '@' || c == ',') {
		for (;;) {
			if (hp_cfws(hp) == -1)
				return -1;
			c = hp_peek(hp);
			if (c == ',') {
				hp->i++;
				prevdom = 0;
			} else if (c == '@' && !prevdom) {
				hp->i++;
				if (hp_domain(hp, 0, &dend) == -1)
					return -1;
				route = prevdom = 1;
			} else if (c == ':' && route) {
				hp->i++;
				break;
			} else
				return hp_fail(hp, "invalid source route");
		}
	}
	hp_spec_reset(hp);
	if (hp_words(hp, w) == -1)
		return -1;
	c = hp_peek(hp);
	if (c == '>' && w->nwords + w->ndots == 0)
		return hp_fail(hp, "empty angle-addr");
	if (c != '@')
		return hp_fail(hp, c < 0 ? "missing \">\"" :
		    "missing \"@\" in angle-addr");
	if (hp_local_ok(hp, w) == -1)
		return -1;
	hp_spec_add(hp, '@');
	hp->i++;
	if (hp_domain(hp, 1, endp) == -1)
		return -1;
	if (hp_cfws(hp) == -1)
		return -1;
	if (hp_peek(hp) != '>')
		return hp_fail(hp, hp_peek(hp) < 0 ? "missing \">\"" :
		    "unexpected character in angle-addr");
	hp->i++;
	return 0;
}

/*
 * Runs one pass over the value, calling each (when not NULL) per mailbox.
 * Returns the number of mailboxes, -1 with hp->why set, or (< -1 or -1
 * with hp->why NULL) what each returned.
 */
static int
hp_run(struct hp *hp, hdraddr_each_fn each, void *arg)
{
	hdraddr_mbox_t	 mb;
	struct words	 w;
	size_t		 group_off = 0, group_len = 0, dend;
	int		 c, rc, n = 0, ingroup = 0;

	hp->i = 0;
	for (;;) {
		if (hp_cfws(hp) == -1)
			return -1;
		c = hp_peek(hp);
		if (c < 0)
			return n;	/* a group's missing ";" tolerated */
		if (c == ',') {
			hp->i++;
			continue;
		}
		if (c == ';' && ingroup) {
			hp->i++;
			ingroup = 0;
			group_off = group_len = 0;
			goto separator;
		}
		memset(&mb, 0, sizeof(mb));
		hp_spec_reset(hp);
		if (hp_words(hp, &w) == -1)
			return -1;
		c = hp_peek(hp);
		if (c == ':') {
			if (ingroup)
				return hp_fail(hp, "group inside a group");
			if (w.nwords == 0)
				return hp_fail(hp, "group without a name");
			hp->i++;
			ingroup = 1;
			group_off = w.first;
			group_len = w.end - w.first;
			continue;
		} else if (c == '<') {
			if (w.nwords == 0 && w.ndots > 0) {
				hp->i = w.first;
				return hp_fail(hp, "invalid display name");
			}
			if (w.nwords > 0) {
				mb.name_off = w.first;
				mb.name_len = w.end - w.first;
			}
			hp->i++;
			if (hp_angle(hp, &w, &dend) == -1)
				return -1;
			mb.angle = 1;
		} else if (c == '@') {
			if (hp_local_ok(hp, &w) == -1)
				return -1;
			hp_spec_add(hp, '@');
			hp->i++;
			if (hp_domain(hp, 1, &dend) == -1)
				return -1;
		} else if (w.nwords + w.ndots > 0)
			return hp_fail(hp, c < 0 ?
			    "words without \"@\", \"<\" or \":\"" :
			    "unexpected character after words");
		else
			return hp_fail(hp, "unexpected character");
		mb.spec = hp->speclong ? NULL : hp->spec;
		mb.spec_off = w.first;
		mb.spec_len = dend - w.first;
		mb.group_off = group_off;
		mb.group_len = group_len;
		n++;
		if (each != NULL && (rc = each(arg, &mb)) < 0) {
			hp->why = NULL;
			return rc;
		}
separator:
		if (hp_cfws(hp) == -1)
			return -1;
		c = hp_peek(hp);
		if (c < 0)
			return n;
		if (c == ',')
			hp->i++;
		else if (c != ';' || !ingroup)
			return hp_fail(hp, ingroup ?
			    "unexpected character after mailbox in group" :
			    "unexpected character after address");
	}
}

/*
 * Sets up hp for value, checking its length.  Returns 0, or -1 with the
 * message in err.
 */
static int
hp_init(struct hp *hp, const char *value, char *err, size_t errlen)
{
	memset(hp, 0, sizeof(*hp));
	if (value == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "no value");
		return -1;
	}
	hp->s = (const unsigned char *)value;
	hp->len = strnlen(value, HDRADDR_INPUT_MAX + 1);
	if (hp->len > HDRADDR_INPUT_MAX) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "value longer than %d octets",
			    HDRADDR_INPUT_MAX);
		return -1;
	}
	return 0;
}

/* Copies what hp found wrong into err and returns HDRADDR_BAD. */
static int
hp_error(const struct hp *hp, char *err, size_t errlen)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s at offset %zu",
		    hp->why != NULL ? hp->why : "parse error", hp->where);
	return HDRADDR_BAD;
}

int
hdraddr_parse(const char *value, hdraddr_each_fn each, void *arg, char *err,
    size_t errlen)
{
	struct hp	hp;
	int		rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (hp_init(&hp, value, err, errlen) == -1)
		return HDRADDR_BAD;
	if ((rc = hp_run(&hp, NULL, NULL)) == -1)
		return hp_error(&hp, err, errlen);
	if (each == NULL)
		return rc;
	rc = hp_run(&hp, each, arg);
	if (rc == -1 && hp.why != NULL)		/* cannot happen: parsed once */
		return hp_error(&hp, err, errlen);
	return rc;
}

/* A growing output buffer. */
struct obuf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

/* Appends n octets of s to b.  Returns 0, or -1 when memory ran out. */
static int
obuf_add(struct obuf *b, const char *s, size_t n)
{
	char	*np;
	size_t	 ncap;

	if (b->len + n + 1 > b->cap) {
		ncap = b->cap > 0 ? b->cap : 256;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		if ((np = realloc(b->p, ncap)) == NULL)
			return -1;
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* What hdraddr_rewrite() carries from one mailbox to the next. */
struct rewrite {
	const char	*value;
	hdraddr_map_fn	 map;
	void		*arg;
	struct obuf	 out;
	size_t		 done;		/* value copied to out up to here */
	char		*err;
	size_t		 errlen;
};

/* hdraddr_each_fn of hdraddr_rewrite(): maps one mailbox. */
static int
rewrite_one(void *arg, const hdraddr_mbox_t *mb)
{
	struct rewrite	*rw = arg;
	char		 repl[HDRADDR_SPEC_MAX + 1];
	size_t		 n;
	int		 rc;

	if (mb->spec == NULL)
		return 0;		/* too long to be anybody's address */
	memset(repl, 0, sizeof(repl));
	rc = rw->map(rw->arg, mb->spec, repl, sizeof(repl));
	if (rc < 0) {
		if (rw->err != NULL && rw->errlen > 0)
			snprintf(rw->err, rw->errlen,
			    "lookup of <%s> failed, try again later", mb->spec);
		return HDRADDR_TEMPFAIL;
	}
	if (rc == 0 || repl[0] == '\0')
		return 0;
	if ((n = strnlen(repl, sizeof(repl))) == sizeof(repl) ||
	    !hdraddr_valid_spec(repl)) {
		if (rw->err != NULL && rw->errlen > 0)
			snprintf(rw->err, rw->errlen,
			    "map gave an invalid addr-spec for <%s>", mb->spec);
		return HDRADDR_BAD;
	}
	if (n == mb->spec_len && memcmp(repl, rw->value + mb->spec_off, n) == 0)
		return 0;
	if (obuf_add(&rw->out, rw->value + rw->done,
	    mb->spec_off - rw->done) == -1 ||
	    obuf_add(&rw->out, repl, n) == -1) {
		if (rw->err != NULL && rw->errlen > 0)
			snprintf(rw->err, rw->errlen, "out of memory");
		return HDRADDR_TEMPFAIL;
	}
	rw->done = mb->spec_off + mb->spec_len;
	return 0;
}

int
hdraddr_rewrite(const char *value, hdraddr_map_fn map, void *arg, char **out,
    char *err, size_t errlen)
{
	struct rewrite	rw;
	int		rc;

	*out = NULL;
	memset(&rw, 0, sizeof(rw));
	rw.value = value;
	rw.map = map;
	rw.arg = arg;
	rw.err = err;
	rw.errlen = errlen;
	rc = hdraddr_parse(value, rewrite_one, &rw, err, errlen);
	if (rc >= 0 && rw.out.p != NULL) {
		if (obuf_add(&rw.out, value + rw.done,
		    strlen(value + rw.done)) == 0) {
			*out = rw.out.p;
			return HDRADDR_CHANGED;
		}
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "out of memory");
		rc = HDRADDR_TEMPFAIL;
	}
	free(rw.out.p);
	if (rc >= 0)
		return HDRADDR_UNCHANGED;
	return rc == HDRADDR_BAD ? HDRADDR_BAD : HDRADDR_TEMPFAIL;
}

/*
 * Checks that [p, end) is atext and dots with at least one atext, the
 * unquoted local part that the parser accepts.  Returns non-zero when it is.
 */
static int
valid_local(const unsigned char *p, const unsigned char *end)
{
	int	atext = 0;

	for (; p < end; p++) {
		if (hp_atext(*p))
			atext = 1;
		else if (*p != '.')
			return 0;
	}
	return atext;
}

/*
 * Checks that [p, end) is a dot-atom-text (atoms of atext separated by
 * single dots).  Returns non-zero when it is.
 */
static int
valid_dot_atom(const unsigned char *p, const unsigned char *end)
{
	int	prevdot = 1;

	if (p == end)
		return 0;
	for (; p < end; p++) {
		if (*p == '.') {
			if (prevdot)
				return 0;
			prevdot = 1;
		} else if (hp_atext(*p))
			prevdot = 0;
		else
			return 0;
	}
	return !prevdot;
}

int
hdraddr_valid_spec(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s, *at, *end;
	size_t			 len;

	len = strnlen(s, HDRADDR_SPEC_MAX + 1);
	if (len > HDRADDR_SPEC_MAX)
		return 0;
	end = p + len;
	if (*p == '"') {
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\') {
				if (++p == end || (*p < ' ' && *p != '\t') ||
				    *p == 0x7f)
					return 0;
			} else if ((*p < ' ' && *p != '\t') || *p == 0x7f)
				return 0;
		}
		if (p == end || p + 1 == end || p[1] != '@')
			return 0;
		at = p + 1;
	} else {
		if ((at = memchr(p, '@', len)) == NULL ||
		    !valid_local(p, at))
			return 0;
	}
	p = at + 1;
	if (p < end && *p == '[') {
		for (p++; p < end && *p != ']'; p++) {
			if (*p == '[' || *p == '\\' || *p <= ' ' || *p == 0x7f)
				return 0;
		}
		return p + 1 == end;
	}
	return valid_dot_atom(p, end);
}

/*
 * hdraddr.h - RFC 5322 address lists in header fields: find and replace
 * addresses.
 *
 * The value of a From, Sender, Reply-To (or To, Cc, ...) header field is
 * parsed as an address-list (RFC 5322 section 3.4) and the addr-spec of each
 * mailbox can be replaced.  Everything else - display names (quoted, or RFC
 * 2047 encoded-words, which are plain atoms to this parser), comments,
 * groups, the other mailboxes and the folding ("\r\n" or "\n" followed by
 * white space, as the milter passes it) - is kept octet for octet.
 *
 * Accepted besides the strict grammar, because real mail uses them:
 *  - the obs- forms of RFC 5322 section 4.4: CFWS around the dots and the
 *    "@" of an addr-spec ("bob @ example.com"), an obs-route in an
 *    angle-addr ("<@a,@b:x@y>", kept as it is), empty list elements
 *    (",,"), "." in a display name (Bob E. Lee <b@x>), control characters
 *    inside quoted strings and comments;
 *  - consecutive, leading or trailing dots in an unquoted local part
 *    ("a..b@x", "a.@x": Japanese mobile carriers);
 *  - any octet over 0x7f where RFC 6532 allows UTF-8 (atoms, quoted
 *    strings, comments, domain literals): raw Latin-1 display names occur;
 *  - a group whose ";" is missing at the very end of the value
 *    ("undisclosed-recipients:");
 *  - an empty value, or one of CFWS and commas only: no mailbox.
 * Refused as unparseable (HDRADDR_BAD): unbalanced quotes, comments, angle
 * brackets or domain-literal brackets; an angle-addr without an addr-spec,
 * including "<>" (no valid From / Sender / Reply-To holds it: the field is
 * left alone and reported); a bare word list without "@" or "<"; a nested
 * group; anything after a mailbox other than CFWS and "," (e.g. "a@b@c",
 * "a@b>"); a domain with an empty label; a CR not followed by LF, a line
 * break not followed by white space, a control character outside quoted
 * strings and comments; a value over HDRADDR_INPUT_MAX octets; comments
 * nested deeper than HDRADDR_DEPTH_MAX.
 *
 * Parsing is iterative (no recursion), linear in the input, allocates
 * nothing, and uses no global state: all functions are thread-safe.
 */
#ifndef MAILSWITCH_HDRADDR_H
#define MAILSWITCH_HDRADDR_H

#include <stddef.h>

#define HDRADDR_INPUT_MAX	65536	/* octets of a value, NUL excluded */
#define HDRADDR_DEPTH_MAX	32	/* nesting of comments */
#define HDRADDR_SPEC_MAX	512	/* octets of a clean addr-spec */

/* Results of hdraddr_rewrite() (and the failures of hdraddr_parse()). */
#define HDRADDR_CHANGED		1	/* *out holds the new value */
#define HDRADDR_UNCHANGED	0	/* nothing mapped */
#define HDRADDR_TEMPFAIL	(-1)	/* map said try again, or out of memory */
#define HDRADDR_BAD		(-2)	/* cannot be parsed (or rewritten) */

/*
 * One mailbox of a value, as hdraddr_parse() reports it.  Offsets are into
 * the value; a length of 0 means "none".
 */
typedef struct hdraddr_mbox {
	const char	*spec;		/* clean addr-spec, or NULL when over
					   HDRADDR_SPEC_MAX octets */
	size_t		 spec_off;	/* addr-spec as written, local-part */
	size_t		 spec_len;	/* start to domain end, CFWS inside */
	size_t		 name_off;	/* display-name as written, first */
	size_t		 name_len;	/* word to last, quotes included */
	size_t		 group_off;	/* display-name of the group the */
	size_t		 group_len;	/* mailbox is in */
	int		 angle;		/* in angle brackets */
} hdraddr_mbox_t;

/*
 * The clean addr-spec is local-part "@" domain with the CFWS between their
 * words removed and line breaks unfolded; words are otherwise as written
 * (case kept, a quoted local part kept quoted with its quoted-pairs:
 * "bob . lee @ x" gives "bob.lee@x", "\"john doe\"@x" stays as it is).
 */

/*
 * Called for each mailbox in order; mb and mb->spec are valid during the
 * call only.  Returns 0 to go on, or a negative value to stop.
 */
typedef int (*hdraddr_each_fn)(void *arg, const hdraddr_mbox_t *mb);

/*
 * Parses the header field value (without the field name and colon; folding
 * kept).  The whole value is checked before each is first called, so each
 * never sees a mailbox of a value that turns out to be unparseable.  each
 * may be NULL to only check and count.
 * Returns the number of mailboxes (>= 0); HDRADDR_BAD with a message in err
 * when the value cannot be parsed; or the negative value each returned.
 */
int	hdraddr_parse(const char *value, hdraddr_each_fn each, void *arg,
	    char *err, size_t errlen);

/*
 * Maps one clean addr-spec (see above).  out is outlen (HDRADDR_SPEC_MAX + 1)
 * octets, cleared before the call.  Returns 1 to replace the addr-spec by
 * the NUL-terminated out, which must be a plain addr-spec (dot-atom or
 * quoted-string "@" dot-atom or domain-literal, no CFWS, no line break;
 * the dots of an unquoted local part as the parser tolerates them);
 * 0 to keep it (as does 1 with an empty out); -1 when the answer is not
 * known now (a directory failure).
 */
typedef int (*hdraddr_map_fn)(void *arg, const char *spec, char *out,
    size_t outlen);

/*
 * Rewrites the value: every mailbox whose addr-spec map replaces gets the
 * new one in place of exactly the span of the old (local-part start to
 * domain end); CFWS inside that span goes with it, nothing else changes.
 * map is called once per mailbox (whose clean addr-spec fits in
 * HDRADDR_SPEC_MAX octets), in order, and only after the whole value has
 * parsed; any negative return counts as -1.
 * Returns HDRADDR_CHANGED with a malloc'd value in *out that the caller
 * frees; HDRADDR_UNCHANGED (also when every replacement equals the
 * original); HDRADDR_TEMPFAIL when map returned -1 (the rewrite is
 * abandoned, the caller tempfails) or memory ran out; HDRADDR_BAD when the
 * value cannot be parsed or map gave an invalid addr-spec.  *out is NULL
 * unless HDRADDR_CHANGED; on HDRADDR_TEMPFAIL and HDRADDR_BAD err says why
 * (and where).  Thread-safe when map is.
 */
int	hdraddr_rewrite(const char *value, hdraddr_map_fn map, void *arg,
	    char **out, char *err, size_t errlen);

/*
 * Returns 1 when s (NUL-terminated) is a plain addr-spec as map must give
 * it (see hdraddr_map_fn), 0 otherwise.
 */
int	hdraddr_valid_spec(const char *s);

#endif /* MAILSWITCH_HDRADDR_H */

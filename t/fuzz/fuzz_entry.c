/*
 * fuzz_entry.c - libFuzzer target for the entry rules
 * (lib/directory/dir_entry.c) on the values an LDAP server returns: any octets, NUL bytes included,
 * of any length, read in the order the ldap back-end and the replica read
 * them (every proxy value, then every target value).
 *
 * Input: lines "P:VALUE" (a proxyAddresses value) and "T:VALUE" (a
 * targetAddress value); in VALUE, "\xHH" is the octet HH (so a value may
 * hold a NUL or a newline); other lines and empty values are ignored.
 *
 * Besides crashes and sanitizer reports, it checks what dir_entry.h
 * promises: an address it returns parses, as itself, its key folded (an
 * X500 value's key is its DN's, x500.h); only
 * the first primary is kept and a different second one is a bad entry; a
 * second target is always a bad entry; a message names the entry and
 * shows no control character.  And the LDIF back-end agrees, as the
 * contract says it must: the same values written as an export (base64
 * where LDIF needs it) load exactly when no value was bad, with the
 * first bad value's message otherwise; a loaded entry is found under each
 * of its addresses with the primary and target the rules kept.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lber.h>
#include <ldif.h>

#include "addr.h"
#include "dir_entry.h"
#include "dir_ldif.h"
#include "fuzz_common.h"
#include "x500.h"

#define DN		"cn=Fuzz,dc=contoso,dc=com"
#define VALUES_MAX	64	/* values read per input */
#define MSG_MAX		1024	/* as dir_ldif.c's */

/* One value, decoded. */
struct value {
	int	 target;	/* 0: proxy */
	char	*bytes;
	size_t	 len;
};

/* Stops the run: an invariant does not hold. */
static void
fail(const char *what)
{
	fuzz_fail("entry", what);
}

/* liblber's diagnostics: not wanted here. */
static void
quiet(const char *msg)
{
	(void)msg;
}

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	    c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/*
 * Splits the input into values: proxy values first, then target values,
 * each in input order.  Returns how many (at most VALUES_MAX); *buf holds
 * their bytes (the caller frees it).
 */
static size_t
parse_values(const uint8_t *data, size_t size, struct value *v, char **buf)
{
	size_t	 n = 0, o = 0, i, end;
	char	*b;

	if ((b = *buf = malloc(size + 1)) == NULL)
		return 0;
	for (int pass = 0; pass < 2; pass++)
		for (i = 0; i < size; i = end + 1) {
			for (end = i; end < size && data[end] != '\n'; end++)
				;
			if (end - i < 3 || data[i + 1] != ':' ||
			    data[i] != (pass ? 'T' : 'P') || n == VALUES_MAX)
				continue;
			v[n].target = pass;
			v[n].bytes = b + o;
			for (size_t j = i + 2; j < end; j++) {
				if (data[j] == '\\' && j + 3 < end &&
				    data[j + 1] == 'x' &&
				    hexval((char)data[j + 2]) >= 0 &&
				    hexval((char)data[j + 3]) >= 0) {
					b[o++] = (char)(hexval((char)data[j + 2])
					    << 4 | hexval((char)data[j + 3]));
					j += 3;
				} else
					b[o++] = (char)data[j];
			}
			v[n].len = (size_t)(b + o - v[n].bytes);
			if (v[n].len > 0)
				n++;
		}
	return n;
}

/* A message of a bad value: names the entry, no control character. */
static void
check_msg(const char *msg)
{
	if (strncmp(msg, "entry '" DN "': ", sizeof("entry '" DN "': ") - 1)
	    != 0)
		fail("a message that does not name the entry");
	for (const char *p = msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fail("a control character in a message");
}

/* An address the rules returned: parses as itself, key folded. */
static void
check_addr(const addr_t *a)
{
	char	 key[ADDR_TEXT_MAX + 1], err[256];
	addr_t	 b;

	if (a->key[0] == '\0' || addr_parse(a->text, &b, err,
	    sizeof(err)) != ADDR_OK || strcmp(b.text, a->text) != 0 ||
	    strcmp(b.key, a->key) != 0)
		fail("an address that does not parse as itself");
	snprintf(key, sizeof(key), "%s", a->text);
	addr_fold(key);
	if (strcmp(key, a->key) != 0)
		fail("a key that is not the address folded");
}

/* An X500 value the rules took: its key is x500_key()'s of its DN. */
static void
check_x500(const addr_t *a, const struct value *v)
{
	char	 key[X500_KEY_MAX + 1];

	if (v->len <= X500_KEY_PREFIX_LEN || x500_key(v->bytes +
	    X500_KEY_PREFIX_LEN, v->len - X500_KEY_PREFIX_LEN, key,
	    sizeof(key)) != 0 || strcmp(key, a->key) != 0 ||
	    !x500_is_key(a->key) || a->local_len != 0)
		fail("an X500 value whose key is not its DN's");
}

/* Checks that the entry is found under key, by proxy or by target. */
static void
check_found(void *h, int by_target, const char *key,
    const dir_entry_rules_t *r)
{
	dir_result_t	 res;
	char		 err[256];
	int		 rc;

	memset(&res, 0, sizeof(res));
	rc = by_target ? dir_ldif_ops.by_target(h, key, &res, err, sizeof(err)) :
	    dir_ldif_ops.by_proxy(h, key, &res, err, sizeof(err));
	if (rc != DIR_FOUND || res.count != 1 ||
	    strcmp(res.entries[0].dn, DN) != 0)
		fail("the LDIF back-end does not find the entry by an address");
	if ((res.entries[0].primary == NULL) != !r->has_primary ||
	    (r->has_primary &&
	    strcmp(res.entries[0].primary, r->primary.text) != 0))
		fail("the LDIF back-end has another primary");
	if ((res.entries[0].target == NULL) != !r->has_target ||
	    (r->has_target && strcmp(res.entries[0].target, r->target.text) != 0))
		fail("the LDIF back-end has another target");
	dir_result_free(&res);
}

/* Appends one LDIF line for value v to *out (grown as needed). */
static void
put_value(char **out, size_t *len, const struct value *v)
{
	char	*line, *n;
	size_t	 l;

	if ((line = ldif_put_wrap(LDIF_PUT_VALUE, v->target ?
	    "targetAddress" : "proxyAddresses", v->bytes, v->len, 0)) == NULL)
		fail("out of memory");
	l = strlen(line);
	if ((n = realloc(*out, *len + l + 1)) == NULL)
		fail("out of memory");
	memcpy(n + *len, line, l + 1);
	*out = n;
	*len += l;
	ber_memfree(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 setup;
	struct value	 v[VALUES_MAX];
	dir_entry_rules_t r;
	dir_entry_kind_t kind;
	addr_t		 a, keys[VALUES_MAX];
	char		*buf = NULL, *ldif, msg[MSG_MAX], first_bad[MSG_MAX] = "";
	char		 err[CONFIG_ERR_MAX], want[CONFIG_ERR_MAX + MSG_MAX + 64];
	const char	*path;
	size_t		 n, nkeys = 0, len;
	int		 primaries = 0, targets = 0;
	void		*h;

	if (size > 16384)
		return 0;
	if (!setup) {
		ber_set_option(NULL, LBER_OPT_LOG_PRINT_FN, quiet);
		setup = 1;
	}
	n = parse_values(data, size, v, &buf);

	/* the rules, as the ldap back-end and the replica read an entry */
	dir_entry_begin(&r, DN, "targetAddress");
	for (size_t i = 0; i < n; i++) {
		int	 had_primary = r.has_primary, had_target = r.has_target;
		addr_t	 first = r.primary;

		msg[0] = '\0';
		kind = v[i].target ?
		    dir_entry_target(&r, v[i].bytes, v[i].len, &a, msg,
		    sizeof(msg)) :
		    dir_entry_proxy(&r, v[i].bytes, v[i].len, &a, msg,
		    sizeof(msg));
		switch (kind) {
		case DIR_ENTRY_PRIMARY:
			primaries++;
			if (had_primary && strcmp(first.key, a.key) != 0)
				fail("a second, different primary taken");
			/* FALLTHROUGH */
		case DIR_ENTRY_SECONDARY:
			if (v[i].target)
				fail("a proxy kind for a target value");
			check_addr(&a);
			keys[nkeys++] = a;
			break;
		case DIR_ENTRY_TARGET:
			if (!v[i].target || had_target)
				fail("a target taken twice, or from a proxy");
			targets++;
			check_addr(&a);
			break;
		case DIR_ENTRY_X500:
			if (v[i].target)
				fail("an X500 kind for a target value");
			check_x500(&a, &v[i]);
			keys[nkeys++] = a;
			break;
		case DIR_ENTRY_OTHER:
			if (v[i].target || a.key[0] != '\0')
				fail("another type for a target, or with a key");
			break;
		case DIR_ENTRY_BAD_VALUE:
		case DIR_ENTRY_BAD_ENTRY:
			check_msg(msg);
			if (a.key[0] != '\0')
				check_addr(&a);
			if (first_bad[0] == '\0')
				snprintf(first_bad, sizeof(first_bad), "%s",
				    msg);
			break;
		default:
			fail("a kind out of range");
		}
		if (v[i].target && had_target && kind != DIR_ENTRY_BAD_ENTRY)
			fail("a second target that is not a bad entry");
	}
	if (r.has_primary != (primaries > 0) || r.has_target != (targets > 0))
		fail("the entry's primary or target is not what was read");
	if (r.has_primary)
		check_addr(&r.primary);
	if (r.has_target)
		check_addr(&r.target);

	/* the same values as an export, through the LDIF back-end */
	len = strlen("dn: " DN "\n");
	if ((ldif = strdup("dn: " DN "\n")) == NULL)
		fail("out of memory");
	for (size_t i = 0; i < n; i++)
		put_value(&ldif, &len, &v[i]);
	path = fuzz_memfile(ldif, len);
	err[0] = '\0';
	h = dir_ldif_open(path, "proxyAddresses", "targetAddress", err,
	    sizeof(err));
	if (first_bad[0] != '\0') {
		snprintf(want, sizeof(want), "%s:1: %s", path, first_bad);
		want[sizeof(err) - 1] = '\0';	/* err is cut there too */
		if (h != NULL || strcmp(err, want) != 0)
			fail("the LDIF back-end judges a bad value otherwise");
	} else {
		if (h == NULL)
			fail("the LDIF back-end refuses what the rules take");
		for (size_t k = 0; k < nkeys; k++)
			check_found(h, 0, keys[k].key, &r);
		if (r.has_target)
			check_found(h, 1, r.target.key, &r);
		dir_ldif_ops.close(h);
	}
	free(ldif);
	free(buf);
	return 0;
}

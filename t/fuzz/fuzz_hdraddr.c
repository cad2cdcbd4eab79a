/*
 * fuzz_hdraddr.c - libFuzzer target for lib/policy/hdraddr.c.
 *
 * Besides crashes and sanitizer reports, it checks what hdraddr promises:
 * every offset lies inside the value; a rewrite is only refused when the
 * value does not parse (or the replacement is invalid); a rewritten value
 * parses to as many mailboxes, with the text between the addr-specs kept
 * octet for octet; and rewriting it again changes nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hdraddr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The spans of the addr-specs of one value. */
struct spans {
	size_t	 len;		/* of the value */
	size_t	 n;
	size_t	 cap;
	size_t	*off;		/* pairs: offset, length */
};

/* Stops the run: an invariant does not hold. */
static void
fail(void)
{
	abort();
}

/* hdraddr_each_fn: checks the offsets of mb and records its span. */
static int
record(void *arg, const hdraddr_mbox_t *mb)
{
	struct spans	*sp = arg;
	size_t		*np;

	if (mb->spec_len == 0 || mb->spec_off + mb->spec_len > sp->len ||
	    mb->name_off + mb->name_len > sp->len ||
	    mb->group_off + mb->group_len > sp->len)
		fail();
	if (mb->name_len > 0 && mb->name_off + mb->name_len > mb->spec_off)
		fail();
	if (mb->group_len > 0 && mb->group_off + mb->group_len > mb->spec_off)
		fail();
	if (mb->spec != NULL && (strlen(mb->spec) > HDRADDR_SPEC_MAX ||
	    strchr(mb->spec, '@') == NULL || strchr(mb->spec, '\n') != NULL))
		fail();
	if (sp->n > 0 && mb->spec_off < sp->off[2 * sp->n - 2] +
	    sp->off[2 * sp->n - 1])
		fail();
	if (sp->n == sp->cap) {
		sp->cap = sp->cap ? 2 * sp->cap : 16;
		if ((np = realloc(sp->off, 2 * sp->cap * sizeof(*np))) == NULL)
			return -1;
		sp->off = np;
	}
	sp->off[2 * sp->n] = mb->spec_off;
	sp->off[2 * sp->n + 1] = mb->spec_len;
	sp->n++;
	return 0;
}

/* The Address Rewrite rule: *fourthcoffee.com -> contoso.com. */
static int
map(void *arg, const char *spec, char *out, size_t outlen)
{
	const char	*at = strrchr(spec, '@'), *dom;
	size_t		 dl;

	(void)arg;
	if (at == NULL)
		fail();
	dom = at + 1;
	dl = strlen(dom);
	if (strcasecmp(dom, "fourthcoffee.com") != 0 && (dl <= 17 ||
	    strcasecmp(dom + dl - 17, ".fourthcoffee.com") != 0))
		return 0;
	if ((size_t)(at - spec) + sizeof("@contoso.com") > outlen)
		return 0;
	memcpy(out, spec, (size_t)(at - spec));
	memcpy(out + (at - spec), "@contoso.com", sizeof("@contoso.com"));
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spans	 a, b;
	char		*v, *out = NULL, *again = NULL, err[256];
	size_t		 i, ga, gb, ea, eb;
	int		 n, rc, rc2;

	if (size > HDRADDR_INPUT_MAX + 16)
		return 0;
	if ((v = malloc(size + 1)) == NULL)
		return 0;
	memcpy(v, data, size);
	v[size] = '\0';
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.len = strlen(v);

	n = hdraddr_parse(v, record, &a, err, sizeof(err));
	if (n == -1)
		goto done;			/* out of memory here */
	if (n != HDRADDR_BAD && (n < 0 || (size_t)n != a.n))
		fail();
	if (n == HDRADDR_BAD && (err[0] == '\0' || a.n != 0))
		fail();

	rc = hdraddr_rewrite(v, map, NULL, &out, err, sizeof(err));
	if (rc == HDRADDR_TEMPFAIL)
		goto done;			/* out of memory */
	if ((rc == HDRADDR_CHANGED) != (out != NULL))
		fail();
	if (rc == HDRADDR_BAD && n != HDRADDR_BAD &&
	    strncmp(err, "map gave", 8) != 0)
		fail();
	if (n == HDRADDR_BAD && rc != HDRADDR_BAD)
		fail();
	if (rc != HDRADDR_CHANGED)
		goto done;

	/* The new value has the same mailboxes and the same text between. */
	b.len = strlen(out);
	if (hdraddr_parse(out, record, &b, err, sizeof(err)) != n ||
	    b.n != a.n)
		fail();
	ea = eb = 0;
	for (i = 0; i <= a.n; i++) {
		ga = i < a.n ? a.off[2 * i] : a.len;
		gb = i < b.n ? b.off[2 * i] : b.len;
		if (ga - ea != gb - eb || memcmp(v + ea, out + eb, ga - ea) != 0)
			fail();
		if (i < a.n) {
			ea = ga + a.off[2 * i + 1];
			eb = gb + b.off[2 * i + 1];
		}
	}
	rc2 = hdraddr_rewrite(out, map, NULL, &again, err, sizeof(err));
	if (rc2 != HDRADDR_UNCHANGED && rc2 != HDRADDR_TEMPFAIL)
		fail();
done:
	free(again);
	free(out);
	free(a.off);
	free(b.off);
	free(v);
	return 0;
}

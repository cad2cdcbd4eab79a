/*
 * domains.c - the table of configured domains: exact names and "*."
 * wildcards, the most specific entry wins.
 *
 * The entries live in an array in the order they were added; a second
 * array holds their indexes sorted by name, so that a lookup is a few
 * binary searches over a name folded into a stack buffer, without any
 * allocation.  The table is filled at configuration time and is read-only
 * afterwards.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "domains.h"

#define LABEL_MAX	63

struct domains {
	domain_t	*entries;	/* in the order added */
	size_t		*sorted;	/* indexes into entries, sorted by name */
	size_t		 n;
	size_t		 cap;
};

domains_t *
domains_create(void)
{
	return calloc(1, sizeof(domains_t));
}

void
domains_destroy(domains_t *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n; i++) {
		free(t->entries[i].name);
		free(t->entries[i].forward_to);
	}
	free(t->entries);
	free(t->sorted);
	free(t);
}

const char *
domains_authority_name(authority_t a)
{
	switch (a) {
	case AUTHORITY_AUTHORITATIVE:
		return "authoritative";
	case AUTHORITY_INTERNAL_RELAY:
		return "internal_relay";
	case AUTHORITY_EXTERNAL_RELAY:
		return "external_relay";
	}
	return "unknown";
}

int
domains_check_name(const char *name, bool wildcard, char *err, size_t errlen)
{
	const char	*p = name, *why;
	size_t		 len;

	if (wildcard && p[0] == '*' && p[1] == '.')
		p += 2;
	len = strlen(p);
	switch (addr_check_domain(p, len)) {
	case ADDR_DOMAIN_OK:
		if (strchr(p, '*') == NULL)
			return 0;
		/* FALLTHROUGH */
	case ADDR_DOMAIN_BAD_CHAR:
		if (strchr(p, '*') != NULL) {
			snprintf(err, errlen, "bad domain name '%s' (%s)", name,
			    wildcard ? "the only wildcard form is '*.domain'" :
			    "no wildcard allowed here");
			return -1;
		}
		why = "letters, digits, '-' and UTF-8 only";
		break;
	case ADDR_DOMAIN_EMPTY:
		snprintf(err, errlen, "empty domain name '%s'", name);
		return -1;
	case ADDR_DOMAIN_TOO_LONG:
		snprintf(err, errlen, "domain name '%.40s...' longer than %d "
		    "bytes", name, ADDR_DOMAIN_MAX);
		return -1;
	case ADDR_DOMAIN_LEADING_DOT:
	case ADDR_DOMAIN_TRAILING_DOT:
	case ADDR_DOMAIN_EMPTY_LABEL:
		why = "empty label";
		break;
	case ADDR_DOMAIN_HYPHEN_FIRST:
	case ADDR_DOMAIN_HYPHEN_LAST:
		why = "a label starts or ends with '-'";
		break;
	case ADDR_DOMAIN_LONG_LABEL:
		snprintf(err, errlen, "bad domain name '%s' (a label is longer "
		    "than %d bytes)", name, LABEL_MAX);
		return -1;
	default:		/* bad UTF-8, '@' */
		why = "letters, digits, '-' and UTF-8 only";
		break;
	}
	snprintf(err, errlen, "bad domain name '%s' (%s)", name, why);
	return -1;
}

/* Folds ASCII letters of src to lower case into dst; returns dst. */
static char *
domains_fold(char *dst, const char *src, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char	c = (unsigned char)src[i];

		dst[i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
	}
	dst[len] = '\0';
	return dst;
}

/* Binary search for a folded name; returns its position in sorted (or where it goes). */
static size_t
domains_find(const domains_t *t, const char *name, int *found)
{
	size_t	lo = 0, hi = t->n;

	*found = 0;
	while (lo < hi) {
		size_t	 mid = lo + (hi - lo) / 2;
		int	 c = strcmp(name, t->entries[t->sorted[mid]].name);

		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

int
domains_add(domains_t *t, const domain_t *d, char *err, size_t errlen)
{
	domain_t	 e;
	size_t		 pos, len;
	int		 found;

	if (d->name == NULL) {
		snprintf(err, errlen, "domain without a name");
		return -1;
	}
	if (domains_check_name(d->name, true, err, errlen) == -1)
		return -1;
	len = strlen(d->name);
	e = *d;
	if ((e.name = malloc(len + 1)) == NULL)
		goto nomem;
	domains_fold(e.name, d->name, len);
	pos = domains_find(t, e.name, &found);
	if (found) {
		snprintf(err, errlen, "duplicate domain '%s' (first at line %d)",
		    e.name, t->entries[t->sorted[pos]].line);
		free(e.name);
		return -1;
	}
	e.forward_to = NULL;
	if (d->forward_to != NULL && (e.forward_to = strdup(d->forward_to)) == NULL)
		goto nomem;
	if (t->n == t->cap) {
		size_t		 cap = t->cap ? t->cap * 2 : 8;
		domain_t	*ne;
		size_t		*ns;

		if ((ne = realloc(t->entries, cap * sizeof(*ne))) == NULL)
			goto nomem;
		t->entries = ne;
		if ((ns = realloc(t->sorted, cap * sizeof(*ns))) == NULL)
			goto nomem;
		t->sorted = ns;
		t->cap = cap;
	}
	memmove(t->sorted + pos + 1, t->sorted + pos,
	    (t->n - pos) * sizeof(*t->sorted));
	t->sorted[pos] = t->n;
	t->entries[t->n++] = e;
	return 0;

nomem:
	free(e.name);
	free(e.forward_to);
	snprintf(err, errlen, "out of memory");
	return -1;
}

const domain_t *
domains_match(const domains_t *t, const char *domain)
{
	char	 buf[2 + ADDR_DOMAIN_MAX + 2];	/* room for "*." in front */
	char	*name = buf + 2;
	size_t	 len, pos;
	int	 found;

	if (t == NULL || domain == NULL || t->n == 0)
		return NULL;
	len = strlen(domain);
	if (len > 0 && domain[len - 1] == '.')	/* an absolute name */
		len--;
	if (len == 0 || len > ADDR_DOMAIN_MAX)
		return NULL;
	domains_fold(name, domain, len);
	pos = domains_find(t, name, &found);
	if (found)
		return &t->entries[t->sorted[pos]];

	/*
	 * "*.parent" for every parent, longest first.  The "*." is written
	 * over the two bytes before the parent: the end of the label that
	 * is dropped, which no later (shorter) parent needs.
	 */
	for (size_t i = 0; i < len; i++) {
		if (name[i] != '.')
			continue;
		if (i == 0 || i + 1 == len || name[i + 1] == '.')
			return NULL;		/* empty label */
		name[i - 1] = '*';
		pos = domains_find(t, name + i - 1, &found);
		if (found)
			return &t->entries[t->sorted[pos]];
	}
	return NULL;
}

size_t
domains_count(const domains_t *t)
{
	return t == NULL ? 0 : t->n;
}

const domain_t *
domains_get(const domains_t *t, size_t i)
{
	if (t == NULL || i >= t->n)
		return NULL;
	return &t->entries[i];
}

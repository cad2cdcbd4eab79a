/*
 * ldap_range.c - see ldap_range.h.  The values of every range are moved
 * into one array allocated as libldap allocates its own (ber_memalloc),
 * so that the caller frees the whole with ldap_value_free_len().
 */
#include <sys/time.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lber.h>
#include <ldap.h>

#include "ldap_op.h"
#include "ldap_range.h"
#include "printable.h"

#define LDAP_RANGE_REQUESTS_MAX	100000	/* further requests for one attribute */

/* The values gathered so far, NULL-terminated once done. */
struct ldap_range_vec {
	struct berval	**v;
	size_t		  n, max;
};

/* What one read is about, for the messages. */
struct ldap_range_read {
	LDAP		*ld;
	const char	*attr;
	char		*dn;		/* ldap_memfree(); NULL until needed */
	char		*err;
	size_t		 errlen;
};

char *
ldap_range_attr(const char *attr, int size, char *buf, size_t buflen)
{
	int	 n;

	if (size <= 0)
		n = snprintf(buf, buflen, "%s", attr);
	else
		n = snprintf(buf, buflen, "%s;range=0-%d", attr, size - 1);
	return n < 0 || (size_t)n >= buflen ? NULL : buf;
}

/* Reads a number of a range into *out; returns the end, or NULL. */
static const char *
ldap_range_number(const char *p, long *out)
{
	char	*end;
	long	 v;

	if (*p < '0' || *p > '9')
		return NULL;
	errno = 0;
	v = strtol(p, &end, 10);
	if (errno != 0 || v > LONG_MAX - 1)
		return NULL;
	*out = v;
	return end;
}

int
ldap_range_parse(const char *name, const char *attr, long *low, long *high)
{
	size_t		 n = strlen(attr);
	const char	*p;

	if (strncasecmp(name, attr, n) != 0 || name[n] != ';' ||
	    strncasecmp(name + n + 1, "range=", 6) != 0)
		return 0;
	if ((p = ldap_range_number(name + n + 7, low)) == NULL || *p++ != '-')
		return 0;
	if (p[0] == '*' && p[1] == '\0') {
		*high = LDAP_RANGE_ALL;
		return 1;
	}
	if ((p = ldap_range_number(p, high)) == NULL || *p != '\0' ||
	    *high < *low)
		return 0;
	return 1;
}

/*
 * Returns the name of the ranged attribute of attr in entry e, with its
 * range in *low and *high (ldap_memfree() it), or NULL when e has none.
 */
static char *
ldap_range_find(LDAP *ld, LDAPMessage *e, const char *attr, long *low,
    long *high)
{
	BerElement	*ber = NULL;
	char		*a, *found = NULL;

	for (a = ldap_first_attribute(ld, e, &ber); a != NULL;
	    a = ldap_next_attribute(ld, e, ber)) {
		if (found == NULL && ldap_range_parse(a, attr, low, high))
			found = a;
		else
			ldap_memfree(a);
	}
	ber_free(ber, 0);
	return found;
}

/*
 * Writes "entry 'DN': what; not taken with part of its ATTR" into rd's
 * error buffer; returns -1.
 */
static int __attribute__((format(printf, 2, 3)))
ldap_range_fail(struct ldap_range_read *rd, const char *fmt, ...)
{
	char	 what[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (rd->dn != NULL)
		printable_mask(rd->dn);
	snprintf(rd->err, rd->errlen, "entry '%s': %s; not taken with part "
	    "of its %s", rd->dn != NULL ? rd->dn : "?", what, rd->attr);
	return -1;
}

/*
 * Moves the values of the range name of entry e, which says it runs from
 * low to high, into vec.  Returns 0, or -1 with the message set.
 */
static int
ldap_range_take(struct ldap_range_read *rd, struct ldap_range_vec *vec,
    LDAPMessage *e, const char *name, long low, long high)
{
	struct berval	**v = ldap_get_values_len(rd->ld, e, name), **p;
	size_t		  n = v != NULL ? (size_t)ldap_count_values_len(v) : 0;

	if (n == 0 || (high != LDAP_RANGE_ALL &&
	    n != (size_t)(high - low) + 1)) {
		ldap_value_free_len(v);
		return ldap_range_fail(rd, "%s holds %zu value%s", name, n,
		    n == 1 ? "" : "s");
	}
	if (vec->n + n + 1 > vec->max) {
		size_t	 max = vec->max > 0 ? vec->max : 64;

		while (max < vec->n + n + 1)
			max *= 2;
		if (max > SIZE_MAX / sizeof(*p) || (p = ber_memrealloc(vec->v,
		    max * sizeof(*p))) == NULL) {
			ldap_value_free_len(v);
			return ldap_range_fail(rd, "out of memory");
		}
		vec->v = p;
		vec->max = max;
	}
	memcpy(vec->v + vec->n, v, n * sizeof(*v));
	vec->n += n;
	vec->v[vec->n] = NULL;
	ber_memfree(v);			/* the array only: its values moved */
	return 0;
}

/*
 * Asks for the range of attr from low on (size values, or all: size 0)
 * with a base-scope search of rd->dn, and moves its values into vec.
 * Returns the end of the range it got (LDAP_RANGE_ALL for "*"), or -2
 * with the message set.
 */
static long
ldap_range_next(struct ldap_range_read *rd, struct ldap_range_vec *vec,
    const ldap_range_t *r, long low)
{
	struct timeval	 tv;
	LDAPMessage	*res = NULL, *e;
	char		 ask[LDAP_RANGE_ATTR_MAX], reason[640], *name;
	char		*attrs[] = { ask, NULL };
	long		 got_low, high = -2;
	int		 rc, msgid, status;

	if (r->size > 0)
		snprintf(ask, sizeof(ask), "%s;range=%ld-%ld", rd->attr, low,
		    low + r->size - 1);
	else
		snprintf(ask, sizeof(ask), "%s;range=%ld-*", rd->attr, low);
	if (r->arm(r->arg, &tv) == -1) {
		ldap_range_fail(rd, "%s: Timed out (no time left for it)", ask);
		return -2;
	}
	/* no server-side time limit: tv bounds the wait for the answer */
	if ((rc = ldap_search_ext(rd->ld, rd->dn, LDAP_SCOPE_BASE,
	    "(objectClass=*)", attrs, 0, NULL, NULL, NULL, 0, &msgid)) !=
	    LDAP_SUCCESS) {
		ldap_range_fail(rd, "%s: %s", ask,
		    ldap_op_reason(rd->ld, rc, reason, sizeof(reason)));
		return -2;
	}
	if ((rc = ldap_result(rd->ld, msgid, LDAP_MSG_ALL, &tv, &res)) <= 0) {
		ldap_msgfree(res);
		(void)ldap_abandon_ext(rd->ld, msgid, NULL, NULL);
		if (rc == 0)
			rc = LDAP_TIMEOUT;
		else
			(void)ldap_get_option(rd->ld, LDAP_OPT_RESULT_CODE, &rc);
		ldap_range_fail(rd, "%s: %s", ask,
		    ldap_op_reason(rd->ld, rc, reason, sizeof(reason)));
		return -2;
	}
	if (ldap_parse_result(rd->ld, res, &status, NULL, NULL, NULL, NULL,
	    0) != LDAP_SUCCESS)
		status = LDAP_DECODING_ERROR;
	if (status != LDAP_SUCCESS)
		ldap_range_fail(rd, "%s: %s", ask,
		    ldap_op_reason(rd->ld, status, reason, sizeof(reason)));
	else if ((e = ldap_first_entry(rd->ld, res)) == NULL)
		ldap_range_fail(rd, "%s: the entry is gone", ask);
	else if ((name = ldap_range_find(rd->ld, e, rd->attr, &got_low,
	    &high)) == NULL) {
		ldap_range_fail(rd, "%s: no values came", ask);
		high = -2;
	} else {
		if (got_low != low) {
			ldap_range_fail(rd, "%s: %s came", ask, name);
			high = -2;
		} else if (ldap_range_take(rd, vec, e, name, low, high) == -1)
			high = -2;
		ldap_memfree(name);
	}
	ldap_msgfree(res);
	return high;
}

int
ldap_range_values(LDAP *ld, LDAPMessage *e, const char *attr,
    const ldap_range_t *r, struct berval ***vals, char *err, size_t errlen)
{
	struct ldap_range_read	 rd = { ld, attr, NULL, err, errlen };
	struct ldap_range_vec	 vec = { NULL, 0, 0 };
	char			*name;
	long			 low, high;
	int			 rc = -1;

	*vals = NULL;
	if ((*vals = ldap_get_values_len(ld, e, attr)) != NULL)
		return 0;		/* all of them, as asked */
	if ((name = ldap_range_find(ld, e, attr, &low, &high)) == NULL)
		return 0;		/* none */
	if ((rd.dn = ldap_get_dn(ld, e)) == NULL)
		ldap_range_fail(&rd, "%s: an entry without a DN", name);
	else if (low != 0)
		ldap_range_fail(&rd, "%s: the first range does not start at "
		    "0", name);
	else if (ldap_range_take(&rd, &vec, e, name, low, high) == 0) {
		for (int i = 0; high != LDAP_RANGE_ALL; i++) {
			if (i == LDAP_RANGE_REQUESTS_MAX) {
				ldap_range_fail(&rd, "%s: more than %d ranges",
				    rd.attr, LDAP_RANGE_REQUESTS_MAX);
				break;
			}
			if ((high = ldap_range_next(&rd, &vec, r, high + 1)) ==
			    -2)
				break;
		}
		rc = high == LDAP_RANGE_ALL ? 0 : -1;
	}
	ldap_memfree(name);
	ldap_memfree(rd.dn);
	if (rc == -1) {
		ldap_value_free_len(vec.v);
		return -1;
	}
	*vals = vec.v;
	return 0;
}

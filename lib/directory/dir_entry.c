/*
 * dir_entry.c - the rules for the values of one directory entry, shared by
 * the LDIF and the LDAP back-ends (see dir_entry.h).
 *
 * A value is copied into a bounded buffer and NUL-terminated; its type
 * decides what it is; an SMTP value must pass addr_parse().  The state
 * remembers the first primary and the target, so that a second one is a
 * conflict.  Messages show the value as far as DIR_ENTRY_SHOWN bytes, with
 * control characters and NUL bytes as '?'.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dir_entry.h"
#include "x500.h"

#define DIR_ENTRY_VALUE_MAX	2048	/* longer values are no addresses, nor
					   X500 DNs (X500_KEY_MAX) */
#define DIR_ENTRY_SHOWN		256	/* bytes of a value in a message */

static const char *const dir_entry_names[] = {
	[DIR_ENTRY_PRIMARY] = "primary",
	[DIR_ENTRY_SECONDARY] = "secondary",
	[DIR_ENTRY_TARGET] = "target",
	[DIR_ENTRY_X500] = "x500",
	[DIR_ENTRY_OTHER] = "other",
	[DIR_ENTRY_BAD_VALUE] = "bad value",
	[DIR_ENTRY_BAD_ENTRY] = "bad entry",
};

const char *
dir_entry_kind_name(dir_entry_kind_t kind)
{
	if ((size_t)kind >= sizeof(dir_entry_names) / sizeof(dir_entry_names[0]))
		return "unknown";
	return dir_entry_names[kind];
}

void
dir_entry_begin(dir_entry_rules_t *r, const char *dn, const char *target_attr)
{
	memset(r, 0, sizeof(*r));
	r->dn = dn != NULL ? dn : "";
	r->target_attr = target_attr != NULL ? target_attr : "target";
}

/*
 * A value is typed when it starts with letters or digits and a ':' that
 * comes before any '@': "SMTP:a@b", "X500:/o=...", "sip:a@b".  A quoted
 * local part holding a ':' ("\"a:b\"@c") is not typed, since '"' is not a
 * letter.  "SMTP" in capitals is the primary address; "smtp" in any other
 * case a secondary one.  An empty prefix (":a@b") is not a type: the value
 * is returned whole, for the caller's address check to refuse.
 */
const char *
dir_entry_proxy_value(const char *value, int *primary)
{
	const char	*p;

	*primary = 0;
	if (value == NULL)
		return NULL;
	for (p = value; isalnum((unsigned char)*p); p++)
		;
	if (*p != ':' || p == value)
		return value;
	if (p - value != 4 || strncasecmp(value, "smtp", 4) != 0)
		return NULL;
	*primary = strncmp(value, "SMTP", 4) == 0;
	return p + 1;
}

/* The value as a message shows it: at most DIR_ENTRY_SHOWN bytes. */
static const char *
dir_entry_shown(const char *value, size_t len, char *buf, size_t buflen)
{
	size_t	 n = len < buflen - 1 ? len : buflen - 1;

	for (size_t i = 0; i < n; i++)
		buf[i] = (unsigned char)value[i] < 0x20 || value[i] == 0x7f ?
		    '?' : value[i];
	buf[n] = '\0';
	return buf;
}

/*
 * Copies value into buf (NUL-terminated, at most buflen - 1 bytes) and
 * returns the address part (NULL: another type), with *primary set.
 * *why says what is wrong with the bytes themselves, or is NULL.
 */
static const char *
dir_entry_read(const char *value, size_t len, char *buf, size_t buflen,
    int *primary, const char **why)
{
	size_t	 n = len < buflen - 1 ? len : buflen - 1;

	memcpy(buf, value, n);
	buf[n] = '\0';
	*why = NULL;
	if (len >= buflen)
		*why = "longer than an address can be";
	else if (memchr(value, '\0', len) != NULL)
		*why = "a NUL byte";
	return dir_entry_proxy_value(buf, primary);
}

/*
 * An "X500:<dn>" value (len bytes at value) as dir_entry_proxy() gives it:
 * DIR_ENTRY_X500 with its key in a->key and the value in a->text, or
 * DIR_ENTRY_OTHER when it is of another type or its DN makes no key.
 */
static dir_entry_kind_t
dir_entry_x500(const char *value, size_t len, addr_t *a)
{
	_Static_assert(X500_KEY_MAX <= ADDR_TEXT_MAX, "a key fits an addr_t");

	if (len <= X500_KEY_PREFIX_LEN || len > X500_KEY_MAX ||
	    strncasecmp(value, X500_KEY_PREFIX, X500_KEY_PREFIX_LEN) != 0 ||
	    x500_key(value + X500_KEY_PREFIX_LEN, len - X500_KEY_PREFIX_LEN,
	    a->key, X500_KEY_MAX + 1) == -1) {
		a->key[0] = '\0';
		return DIR_ENTRY_OTHER;
	}
	memcpy(a->text, value, len);
	a->text[len] = '\0';
	a->local_len = 0;
	return DIR_ENTRY_X500;
}

dir_entry_kind_t
dir_entry_proxy(dir_entry_rules_t *r, const char *value, size_t len,
    addr_t *a, char *msg, size_t msglen)
{
	char		 buf[DIR_ENTRY_VALUE_MAX], shown[DIR_ENTRY_SHOWN + 1];
	char		 why[256];
	const char	*text, *bad;
	int		 primary;

	a->key[0] = a->text[0] = '\0';
	if ((text = dir_entry_read(value, len, buf, sizeof(buf), &primary,
	    &bad)) == NULL)
		return dir_entry_x500(value, len, a);	/* x400:, sip: ... */
	if (bad == NULL && addr_parse(text, a, why, sizeof(why)) != ADDR_OK) {
		a->key[0] = a->text[0] = '\0';
		bad = why;
	}
	if (bad != NULL) {
		snprintf(msg, msglen, "entry '%s': bad proxy address '%s': %s",
		    r->dn, dir_entry_shown(value, len, shown, sizeof(shown)),
		    bad);
		return primary ? DIR_ENTRY_BAD_ENTRY : DIR_ENTRY_BAD_VALUE;
	}
	if (!primary)
		return DIR_ENTRY_SECONDARY;
	if (!r->has_primary) {
		r->primary = *a;
		r->has_primary = 1;
	} else if (strcmp(r->primary.key, a->key) != 0) {
		snprintf(msg, msglen, "entry '%s': two primary addresses, '%s' "
		    "and '%s' (only one SMTP: value is allowed)", r->dn,
		    r->primary.text, a->text);
		return DIR_ENTRY_BAD_ENTRY;
	}
	return DIR_ENTRY_PRIMARY;
}

dir_entry_kind_t
dir_entry_target(dir_entry_rules_t *r, const char *value, size_t len,
    addr_t *a, char *msg, size_t msglen)
{
	char		 buf[DIR_ENTRY_VALUE_MAX], shown[DIR_ENTRY_SHOWN + 1];
	char		 why[256];
	const char	*text, *bad;
	int		 primary;

	a->key[0] = a->text[0] = '\0';
	if (r->has_target) {
		/* parsed all the same, so that a caller can see it matched */
		if ((text = dir_entry_read(value, len, buf, sizeof(buf),
		    &primary, &bad)) != NULL && bad == NULL &&
		    addr_parse(text, a, why, sizeof(why)) != ADDR_OK)
			a->key[0] = a->text[0] = '\0';
		snprintf(msg, msglen, "entry '%s': more than one %s value",
		    r->dn, r->target_attr);
		return DIR_ENTRY_BAD_ENTRY;
	}
	if ((text = dir_entry_read(value, len, buf, sizeof(buf), &primary,
	    &bad)) == NULL) {
		snprintf(msg, msglen, "entry '%s': target address '%s' is not "
		    "an SMTP address", r->dn,
		    dir_entry_shown(value, len, shown, sizeof(shown)));
		return DIR_ENTRY_BAD_ENTRY;
	}
	if (bad == NULL && addr_parse(text, a, why, sizeof(why)) != ADDR_OK) {
		a->key[0] = a->text[0] = '\0';
		bad = why;
	}
	if (bad != NULL) {
		snprintf(msg, msglen, "entry '%s': bad target address '%s': %s",
		    r->dn, dir_entry_shown(value, len, shown, sizeof(shown)),
		    bad);
		return DIR_ENTRY_BAD_ENTRY;
	}
	r->target = *a;
	r->has_target = 1;
	return DIR_ENTRY_TARGET;
}

int
dir_entry_list_add(dir_entry_list_t *l, const char *address)
{
	size_t	 n = strlen(address), need, cap;
	char	*p;

	if (n > SIZE_MAX / 4 || l->len > SIZE_MAX / 4)
		return -1;
	need = l->len + (l->len > 0) + n + 1;
	if (need > l->cap) {
		for (cap = l->cap > 0 ? l->cap : 64; cap < need; cap *= 2)
			;
		if ((p = realloc(l->s, cap)) == NULL)
			return -1;
		l->s = p;
		l->cap = cap;
	}
	if (l->len > 0)
		l->s[l->len++] = '\n';
	memcpy(l->s + l->len, address, n + 1);
	l->len += n;
	return 0;
}

int
dir_entry_list_next(const char **list, char *buf, size_t buflen)
{
	const char	*p = *list, *end;
	size_t		 len;

	if (p == NULL || *p == '\0')
		return 0;
	if ((end = strchr(p, '\n')) == NULL)
		end = p + strlen(p);
	len = (size_t)(end - p);
	if (len >= buflen)
		len = buflen - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	*list = *end == '\n' ? end + 1 : end;
	return 1;
}

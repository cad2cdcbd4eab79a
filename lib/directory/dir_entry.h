/*
 * dir_entry.h - the rules every back-end applies to the values of one
 * directory entry: how a proxy address value and a target address value
 * are read, that an address must parse, and that an entry has at most one
 * primary address and one target.  The LDIF back-end (at load) and the
 * LDAP back-end (per lookup) call the same functions and get the same
 * classification and the same message; each decides what a refusal costs
 * (dir_ldif.h, dir_ldap.h).
 */
#ifndef MAILSWITCH_DIR_ENTRY_H
#define MAILSWITCH_DIR_ENTRY_H

#include <stddef.h>

#include "addr.h"

/* What one value is; dir_entry_kind_name() names each (for tests). */
typedef enum dir_entry_kind {
	DIR_ENTRY_PRIMARY,	/* proxy "SMTP:a@b": the primary address */
	DIR_ENTRY_SECONDARY,	/* proxy "smtp:a@b" (any case but SMTP), or a
				   bare "a@b" */
	DIR_ENTRY_TARGET,	/* target "SMTP:a@b" (any case) or a bare "a@b" */
	DIR_ENTRY_X500,		/* proxy "X500:<dn>" (any case): an old
				   Exchange DN, found by its key (x500.h) */
	DIR_ENTRY_OTHER,	/* proxy of another type (x400:, sip:), or an
				   X500 value with no usable DN: ignored */
	DIR_ENTRY_BAD_VALUE,	/* a secondary proxy value that is no address:
				   the entry's answer does not depend on it */
	DIR_ENTRY_BAD_ENTRY	/* a primary or target that is no address (or
				   no SMTP address), a second primary, a second
				   target: the entry's answer would be wrong */
} dir_entry_kind_t;

/*
 * The state of one entry while its values are read: set up with
 * dir_entry_begin(), then read by the rule functions.  Lives on the
 * caller's stack; nothing to free.  Fields are read-only for callers.
 */
typedef struct dir_entry_rules {
	const char	*dn;		/* for messages; not copied */
	const char	*target_attr;	/* for messages; not copied */
	int		 has_primary, has_target;
	addr_t		 primary;	/* the first primary, when has_primary */
	addr_t		 target;	/* the target, when has_target */
} dir_entry_rules_t;

/*
 * Starts reading the entry named dn whose target attribute is named
 * target_attr.  Both strings must outlive r.
 */
void	dir_entry_begin(dir_entry_rules_t *r, const char *dn,
	    const char *target_attr);

/*
 * Reads one value (len bytes, need not be NUL-terminated, may hold NUL
 * bytes) of the proxy attribute.  Returns DIR_ENTRY_PRIMARY or
 * DIR_ENTRY_SECONDARY with its address in *a (the same primary twice is
 * still DIR_ENTRY_PRIMARY), DIR_ENTRY_X500 with its key
 * ("x500:<dn>", x500_key()) in a->key, the value as stored in a->text and
 * a->local_len 0 (so that a caller keeps an entry's keys, SMTP and X500,
 * alike), DIR_ENTRY_OTHER, DIR_ENTRY_BAD_VALUE (a
 * malformed secondary), or DIR_ENTRY_BAD_ENTRY (a malformed primary, or a
 * second primary that differs from the first: then *a holds it).  For
 * the two BAD kinds, msg holds "entry 'DN': ..." naming the value (control
 * characters shown as '?').  a->key is "" whenever no address was parsed.
 */
dir_entry_kind_t dir_entry_proxy(dir_entry_rules_t *r, const char *value,
	    size_t len, addr_t *a, char *msg, size_t msglen);

/*
 * Reads one value of the target attribute, as dir_entry_proxy() does:
 * DIR_ENTRY_TARGET with its address in *a, or DIR_ENTRY_BAD_ENTRY with a
 * message (not an SMTP address, malformed, or a second target value: then
 * *a holds it when it parsed).
 */
dir_entry_kind_t dir_entry_target(dir_entry_rules_t *r, const char *value,
	    size_t len, addr_t *a, char *msg, size_t msglen);

/*
 * Splits a proxy address value: "SMTP:a@b" (primary), "smtp:a@b"
 * (secondary) or a bare "a@b" (secondary).  Returns a pointer to the
 * address inside value and sets *primary, or NULL when the value is of
 * another type ("X500:", "x400:", "sip:" ...).  Pure.
 */
const char *dir_entry_proxy_value(const char *value, int *primary);

/*
 * A list of addresses as one string, joined by '\n', which no address
 * holds (RFC 5321 allows no control character, not even quoted): the
 * secondary addresses of an entry (directory.h, dir_entry_t) as the
 * back-ends gather them.  Start with { NULL, 0, 0 }; s is NULL until the
 * first address; free s with free().
 */
typedef struct dir_entry_list {
	char	*s;
	size_t	 len, cap;
} dir_entry_list_t;

/* Appends address to l.  Returns 0, or -1 when out of memory (l as it was). */
int	dir_entry_list_add(dir_entry_list_t *l, const char *address);

/*
 * Copies the next address of a joined list from *list into buf and moves
 * *list past it.  Returns 1, or 0 when the list is done (*list NULL or
 * "").  An address longer than buflen - 1 is cut (it is no address then,
 * and will not parse).  Pure.
 */
int	dir_entry_list_next(const char **list, char *buf, size_t buflen);

/* Returns the name of a kind ("primary", "bad entry", ...). */
const char *dir_entry_kind_name(dir_entry_kind_t kind);

#endif /* MAILSWITCH_DIR_ENTRY_H */

/*
 * domains.h - the table of configured domains and their authority.
 *
 * A name is either exact ("contoso.com") or a wildcard ("*.contoso.com",
 * every subdomain of contoso.com but not contoso.com itself).  The most
 * specific entry wins: an exact name before any wildcard, a longer wildcard
 * before a shorter one.  A table is built at configuration time and is
 * read-only afterwards, so lookups are thread-safe.
 */
#ifndef MAILSWITCH_DOMAINS_H
#define MAILSWITCH_DOMAINS_H

#include <stdbool.h>
#include <stddef.h>

typedef enum authority {
	AUTHORITY_AUTHORITATIVE,	/* every address is in the directory */
	AUTHORITY_INTERNAL_RELAY,	/* shared: unknown ones go to the other system */
	AUTHORITY_EXTERNAL_RELAY	/* someone else's: never looked up */
} authority_t;

typedef struct domain {
	char		*name;		/* folded; "*.x" for a wildcard */
	authority_t	 authority;
	char		*forward_to;	/* internal_relay routing domain, or NULL */
	bool		 canonicalize;	/* rewrite mailbox users to their primary */
	int		 line;		/* configuration line, for messages */
} domain_t;

typedef struct domains domains_t;

/* Returns an empty table, or NULL when out of memory.  Free with domains_destroy(). */
domains_t *domains_create(void);

/*
 * Adds a copy of d (its strings are copied, the name folded).  Returns 0, or
 * -1 with a message in err when the name is malformed or already present
 * (names compared after folding).
 */
int	domains_add(domains_t *t, const domain_t *d, char *err, size_t errlen);

/*
 * Returns the most specific entry for a domain (any case), or NULL when the
 * domain is in no configured entry.  The entry belongs to the table.
 */
const domain_t *domains_match(const domains_t *t, const char *domain);

/* Returns the number of entries and the i-th one (in the order added). */
size_t	domains_count(const domains_t *t);
const domain_t *domains_get(const domains_t *t, size_t i);

/* Frees the table and its entries; NULL is a no-op. */
void	domains_destroy(domains_t *t);

/*
 * Checks that name is a domain by the rule addresses follow too
 * (addr_check_domain(): LDH or UTF-8 labels of 1..63 bytes, at most
 * ADDR_DOMAIN_MAX = 253 bytes, no trailing dot); with wildcard, "*."
 * followed by such a name is accepted too.  Returns 0, or -1 with a
 * message in err.
 */
int	domains_check_name(const char *name, bool wildcard, char *err, size_t errlen);

/* Returns "authoritative", "internal_relay" or "external_relay". */
const char *domains_authority_name(authority_t a);

#endif /* MAILSWITCH_DOMAINS_H */

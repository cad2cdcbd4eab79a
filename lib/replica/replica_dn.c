/*
 * replica_dn.c - see replica_dn.h.
 */
#include <stddef.h>
#include <strings.h>

#include <lber.h>
#include <ldap.h>

#include "replica_dn.h"

/* 1 when a and b hold the same octets, ASCII case aside. */
static int
replica_dn_same_bv(const struct berval *a, const struct berval *b)
{
	return a->bv_len == b->bv_len && (a->bv_len == 0 ||
	    strncasecmp(a->bv_val, b->bv_val, a->bv_len) == 0);
}

/* 1 when two RDNs hold the same AVAs in the same order. */
static int
replica_dn_same_rdn(LDAPRDN a, LDAPRDN b)
{
	size_t	 i;

	for (i = 0; a[i] != NULL && b[i] != NULL; i++)
		if (!replica_dn_same_bv(&a[i]->la_attr, &b[i]->la_attr) ||
		    !replica_dn_same_bv(&a[i]->la_value, &b[i]->la_value))
			return 0;
	return a[i] == NULL && b[i] == NULL;
}

/* The number of RDNs of a parsed DN (NULL: the root, 0). */
static size_t
replica_dn_length(LDAPDN dn)
{
	size_t	 n = 0;

	while (dn != NULL && dn[n] != NULL)
		n++;
	return n;
}

int
replica_dn_within(const char *dn, const char *base, int scope)
{
	LDAPDN	 d = NULL, b = NULL;
	size_t	 nd, nb;
	int	 within = 1;

	if (ldap_str2dn(dn, &d, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		return -1;
	if (ldap_str2dn(base, &b, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS) {
		ldap_dnfree(d);
		return -1;
	}
	nd = replica_dn_length(d);
	nb = replica_dn_length(b);
	switch (scope) {
	case LDAP_SCOPE_BASE:
		within = nd == nb;
		break;
	case LDAP_SCOPE_ONELEVEL:
		within = nd == nb + 1;
		break;
	default:
		within = nd >= nb;
		break;
	}
	/* the last nb RDNs of dn (the first is the leaf) are base's */
	for (size_t i = 0; within && i < nb; i++)
		within = replica_dn_same_rdn(d[nd - nb + i], b[i]);
	ldap_dnfree(d);
	ldap_dnfree(b);
	return within;
}

const char *
replica_dn_context(const char *const *ncs, size_t n, const char *base)
{
	const char	*best = NULL;
	size_t		 best_len = 0;
	LDAPDN		 d;

	for (size_t i = 0; i < n; i++) {
		if (replica_dn_within(base, ncs[i], LDAP_SCOPE_SUBTREE) != 1 ||
		    ldap_str2dn(ncs[i], &d, LDAP_DN_FORMAT_LDAPV3) !=
		    LDAP_SUCCESS)
			continue;
		if (best == NULL || replica_dn_length(d) > best_len) {
			best = ncs[i];
			best_len = replica_dn_length(d);
		}
		ldap_dnfree(d);
	}
	/* the root ("") holds everything, and is no naming context */
	return best != NULL && best[0] != '\0' ? best : NULL;
}

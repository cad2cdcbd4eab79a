/*
 * replica_dn.h - where an entry stands against the replica's base and
 * scope, by its DN: the search that reads Active Directory's changes and
 * tombstones covers the whole naming context (replica_load.h), so an
 * entry it returns may lie outside base -- moved out of it, or never in
 * it -- and is then no entry of the copy.
 *
 * DNs are compared RDN by RDN, as parsed by libldap (ldap_str2dn()):
 * attribute types and values without regard to ASCII case, as Active
 * Directory compares them; escapes and spacing do not matter.  Pure
 * functions: thread-safe.
 */
#ifndef MAILSWITCH_REPLICA_DN_H
#define MAILSWITCH_REPLICA_DN_H

/*
 * Returns 1 when dn lies within base for scope (LDAP_SCOPE_BASE: it is
 * base; _ONELEVEL: a child of base; _SUBTREE: base or below it), 0 when
 * it does not, -1 when either does not parse as an LDAPv3 DN.  "" as
 * base is the root: every DN is below it.
 */
int	replica_dn_within(const char *dn, const char *base, int scope);

/*
 * Returns the one of the n DNs ncs (a rootDSE's namingContexts) that
 * holds base (replica_dn_within() with LDAP_SCOPE_SUBTREE) and is the
 * longest such, or NULL when none does (base "" or outside every one).
 * Points into ncs.
 */
const char *replica_dn_context(const char *const *ncs, size_t n,
	    const char *base);

#endif /* MAILSWITCH_REPLICA_DN_H */

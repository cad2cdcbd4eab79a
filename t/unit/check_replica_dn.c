/*
 * check_replica_dn.c - where an entry stands against the replica's base
 * and scope (lib/replica/replica_dn.c), as Active Directory spells DNs:
 * a table of DN, base, scope and the answer; and which naming context holds a base.
 */
#include <ldap.h>

#include "replica_dn.h"
#include "tcheck.h"

#define AD_BASE	"DC=contoso,DC=com"

static const struct within_row {
	const char	*dn, *base;
	int		 scope, want;
} within_rows[] = {
	{ "CN=Contact 0042,OU=Contacts," AD_BASE, AD_BASE,
	    LDAP_SCOPE_SUBTREE, 1 },
	/* spelt otherwise: case, spaces after the commas */
	{ "cn=contact 0042,ou=CONTACTS,dc=Contoso,dc=COM", AD_BASE,
	    LDAP_SCOPE_SUBTREE, 1 },
	{ "CN=Contact 0042, OU=Contacts, DC=contoso, DC=com",
	    "ou=contacts,dc=contoso,dc=com", LDAP_SCOPE_SUBTREE, 1 },
	/* moved out of the OU that is the base */
	{ "CN=Contact 0043,OU=Moved," AD_BASE, "OU=Contacts," AD_BASE,
	    LDAP_SCOPE_SUBTREE, 0 },
	/* a tombstone: its escaped newline, in CN=Deleted Objects */
	{ "CN=Contact 0100\\0ADEL:9608e5b3-faa4-4401-9628-9c155dc2e2eb,"
	    "CN=Deleted Objects," AD_BASE, "OU=Contacts," AD_BASE,
	    LDAP_SCOPE_SUBTREE, 0 },
	{ "CN=Contact 0100\\0ADEL:9608e5b3-faa4-4401-9628-9c155dc2e2eb,"
	    "CN=Deleted Objects," AD_BASE, AD_BASE, LDAP_SCOPE_SUBTREE, 1 },
	/* a name that ends like the base is not below it */
	{ "CN=x,OU=Contacts,DC=notcontoso,DC=com", AD_BASE,
	    LDAP_SCOPE_SUBTREE, 0 },
	{ "CN=x,OU=Contacts,DC=sub,DC=contoso,DC=com", AD_BASE,
	    LDAP_SCOPE_SUBTREE, 1 },
	{ "CN=x\\,OU=Contacts,DC=contoso,DC=com", "OU=Contacts," AD_BASE,
	    LDAP_SCOPE_SUBTREE, 0 },	/* an escaped comma: one RDN */
	{ AD_BASE, AD_BASE, LDAP_SCOPE_SUBTREE, 1 },
	{ "DC=com", AD_BASE, LDAP_SCOPE_SUBTREE, 0 },
	/* one level, base */
	{ "CN=Bob,OU=Contacts," AD_BASE, "OU=Contacts," AD_BASE,
	    LDAP_SCOPE_ONELEVEL, 1 },
	{ "CN=Bob,OU=Sub,OU=Contacts," AD_BASE, "OU=Contacts," AD_BASE,
	    LDAP_SCOPE_ONELEVEL, 0 },
	{ "OU=Contacts," AD_BASE, "OU=Contacts," AD_BASE,
	    LDAP_SCOPE_ONELEVEL, 0 },
	{ "ou=contacts," AD_BASE, "OU=Contacts," AD_BASE, LDAP_SCOPE_BASE, 1 },
	{ "CN=Bob,OU=Contacts," AD_BASE, "OU=Contacts," AD_BASE,
	    LDAP_SCOPE_BASE, 0 },
	/* a multi-valued RDN: the same AVAs in the same order */
	{ "CN=Bob+UID=7,OU=Contacts," AD_BASE, "CN=Bob+UID=7,OU=Contacts,"
	    AD_BASE, LDAP_SCOPE_BASE, 1 },
	{ "CN=Bob+UID=7,OU=Contacts," AD_BASE, "CN=Bob,OU=Contacts,"
	    AD_BASE, LDAP_SCOPE_BASE, 0 },
	/* the root as base: the global catalog's forest-wide view */
	{ "CN=Bob,OU=Contacts," AD_BASE, "", LDAP_SCOPE_SUBTREE, 1 },
	{ AD_BASE, "", LDAP_SCOPE_ONELEVEL, 0 },
	{ "DC=com", "", LDAP_SCOPE_ONELEVEL, 1 },
	/* what does not parse */
	{ "CN=Bob,,DC=com", AD_BASE, LDAP_SCOPE_SUBTREE, -1 },
	{ "CN=Bob," AD_BASE, "not a dn", LDAP_SCOPE_SUBTREE, -1 },
};

START_TEST(test_within)
{
	const struct within_row	*r = &within_rows[_i];
	int			 got = replica_dn_within(r->dn, r->base,
				    r->scope);

	ck_assert_msg(got == r->want, "'%s' within '%s' (scope %d): %d, want "
	    "%d", r->dn, r->base, r->scope, got, r->want);
}
END_TEST

static const char *const ncs[] = {
	AD_BASE,
	"CN=Configuration," AD_BASE,
	"CN=Schema,CN=Configuration," AD_BASE,
	"DC=DomainDnsZones," AD_BASE,
	"DC=ForestDnsZones," AD_BASE,
};

static const struct context_row {
	const char	*base;
	const char	*want;		/* NULL: none */
} context_rows[] = {
	{ AD_BASE, AD_BASE },
	{ "OU=Contacts,dc=contoso,dc=com", AD_BASE },
	{ "CN=Sites,CN=Configuration," AD_BASE, "CN=Configuration," AD_BASE },
	{ "CN=x,CN=Schema,CN=Configuration," AD_BASE,
	    "CN=Schema,CN=Configuration," AD_BASE },
	{ "DC=fabrikam,DC=com", NULL },
	{ "", NULL },
};

START_TEST(test_context)
{
	const struct context_row	*r = &context_rows[_i];
	const char			*got = replica_dn_context(ncs,
					    NELEM(ncs), r->base);

	if (r->want == NULL)
		ck_assert_msg(got == NULL, "'%s': '%s', want none", r->base,
		    got);
	else
		ck_assert_msg(got != NULL && strcmp(got, r->want) == 0,
		    "'%s': '%s', want '%s'", r->base, got ? got : "(none)",
		    r->want);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("replica_dn");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_within, 0, (int)NELEM(within_rows));
	tcase_add_loop_test(tc, test_context, 0, (int)NELEM(context_rows));
	suite_add_tcase(s, tc);
	return tcheck_run(s);
}

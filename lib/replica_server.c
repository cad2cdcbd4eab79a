/*
 * replica_server.c - see replica_server.h.
 */
#include <sys/time.h>

#include <stdio.h>
#include <string.h>

#include <lber.h>
#include <ldap.h>

#include "ldap_conn.h"
#include "ldap_op.h"
#include "replica_entry.h"
#include "replica_search.h"
#include "replica_server.h"
#include "replica_sync.h"
#include "syncrepl.h"

/*
 * Reads the session's rootDSE: y->offered (1 when supportedControl lists
 * the Sync Request Control) and y->server_id (the URI, and Active
 * Directory's dsServiceName: one name for one domain controller, whatever
 * name or balancer reached it).
 */
static void
replica_server_rootdse(replica_sync_t *y)
{
	LDAP		*ld = ldap_conn_session_ld(y->s);
	char		 sc[] = "supportedControl", ds[] = "dsServiceName";
	char		*attrs[] = { sc, ds, NULL }, name[512];
	struct berval	**v;
	LDAPMessage	*msg = NULL, *e = NULL;
	struct timeval	 tv;

	y->offered = 0;
	name[0] = '\0';
	replica_search_budget(y, &tv, y->set->timeout_ms);
	if (ldap_op_search(ld, "", LDAP_SCOPE_BASE, "(objectClass=*)", attrs,
	    NULL, &tv, 1, &msg) == LDAP_SUCCESS &&
	    (e = ldap_first_entry(ld, msg)) != NULL &&
	    (v = ldap_get_values_len(ld, e, sc)) != NULL) {
		for (size_t i = 0; v[i] != NULL; i++)
			if (v[i]->bv_len == strlen(SYNCREPL_REQUEST_OID) &&
			    memcmp(v[i]->bv_val, SYNCREPL_REQUEST_OID,
			    v[i]->bv_len) == 0)
				y->offered = 1;
		ldap_value_free_len(v);
	}
	if (e != NULL)
		replica_entry_value(ld, e, ds, name, sizeof(name));
	ldap_msgfree(msg);
	snprintf(y->server_id, sizeof(y->server_id), "%s|%s",
	    ldap_conn_session_uri(y->s), name);
}

/*
 * Returns 1 when the new session reaches the server of the last one, 0
 * when another (or the first), and remembers it.  Change values are the
 * server's own: Active Directory's uSNChanged counts per domain
 * controller, and another server's cookie or highest value means
 * nothing; after a failover the copy is loaded again.
 */
static int
replica_server_same(replica_sync_t *y)
{
	if (y->last_server[0] != '\0' &&
	    strcmp(y->last_server, y->server_id) == 0)
		return 1;
	snprintf(y->last_server, sizeof(y->last_server), "%s", y->server_id);
	syncrepl_cookie_free(&y->cookie);
	return 0;
}

int
replica_server_open(replica_sync_t *y)
{
	if ((y->s = ldap_conn_session_open(y->set->ldap, y->err,
	    sizeof(y->err))) == NULL)
		return -1;
	replica_server_rootdse(y);
	if (replica_server_same(y) == 0)
		y->last_full_ms = 0;	/* its own change values */
	return 0;
}

int
replica_server_beat(replica_sync_t *y)
{
	LDAP		*ld = ldap_conn_session_ld(y->s);
	char		 noattrs[] = LDAP_NO_ATTRS;
	char		*attrs[] = { noattrs, NULL };
	LDAPMessage	*msg = NULL;
	struct timeval	 tv;
	int		 rc;

	replica_search_budget(y, &tv, y->set->timeout_ms);
	rc = ldap_op_search(ld, "", LDAP_SCOPE_BASE, "(objectClass=*)", attrs,
	    NULL, &tv, 1, &msg);
	ldap_msgfree(msg);
	if (rc != LDAP_SUCCESS)
		return replica_sync_error(y, ld, rc, "liveness check");
	return 0;
}

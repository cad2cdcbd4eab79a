/*
 * replica_server.c - see replica_server.h.
 */
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lber.h>
#include <ldap.h>

#include "ldap_conn.h"
#include "ldap_op.h"
#include "log.h"
#include "replica_dn.h"
#include "replica_entry.h"
#include "replica_search.h"
#include "replica_server.h"
#include "replica_sync.h"
#include "syncrepl.h"

/* supportedCapabilities: LDAP_CAP_ACTIVE_DIRECTORY_OID */
#define REPLICA_SERVER_AD_OID		"1.2.840.113556.1.4.800"
/* the well-known GUID of a naming context's CN=Deleted Objects */
#define REPLICA_SERVER_DELETED_WKGUID	"18E2EA80684F11D2B9AA00C04F79F805"
#define REPLICA_SERVER_NCS_MAX		64	/* namingContexts it looks at */

/* What one read of the rootDSE says. */
struct rootdse {
	int			 offered;	/* the Sync Request Control */
	int			 ad;		/* Active Directory */
	int			 show_deleted;	/* the Show Deleted control */
	char			 ds[REPLICA_SYNC_DN_MAX]; /* dsServiceName */
	char			 nc[REPLICA_SYNC_DN_MAX]; /* holds base */
	unsigned long long	 usn;		/* highestCommittedUSN; 0: none */
};

/* 1 when one of the values v is the text s. */
static int
replica_server_has(struct berval **v, const char *s)
{
	size_t	 len = strlen(s);

	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		if (v[i]->bv_len == len && memcmp(v[i]->bv_val, s, len) == 0)
			return 1;
	return 0;
}

/* The naming context of the values ncs that holds base, into r->nc. */
static void
replica_server_context(replica_sync_t *y, struct berval **ncs,
    struct rootdse *r)
{
	char		*names[REPLICA_SERVER_NCS_MAX];
	const char	*nc;
	size_t		 n = 0;

	for (size_t i = 0; ncs != NULL && ncs[i] != NULL &&
	    n < REPLICA_SERVER_NCS_MAX; i++)
		if ((names[n] = strndup(ncs[i]->bv_val, ncs[i]->bv_len)) !=
		    NULL)
			n++;
	nc = replica_dn_context((const char *const *)names, n, y->set->base);
	if (nc != NULL && strlen(nc) < sizeof(r->nc))
		snprintf(r->nc, sizeof(r->nc), "%s", nc);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
}

/*
 * Reads the session's rootDSE into *r (all of it empty when the server
 * answers without one: it may hide it).  Returns 0 when the server
 * answered, or -1 with y->err set when the connection did not work (a
 * libldap error: the server is gone, closed the connection, timed out).
 */
static int
replica_server_rootdse(replica_sync_t *y, struct rootdse *r)
{
	LDAP		*ld = ldap_conn_session_ld(y->s);
	char		 sc[] = "supportedControl", cap[] =
			    "supportedCapabilities", ds[] = "dsServiceName",
			    ncs[] = "namingContexts", usn[] =
			    "highestCommittedUSN";
	char		*attrs[] = { sc, cap, ds, ncs, usn, NULL }, num[32];
	struct berval	**v;
	LDAPMessage	*msg = NULL, *e;
	struct timeval	 tv;
	int		 rc;

	memset(r, 0, sizeof(*r));
	replica_search_budget(y, &tv, y->set->timeout_ms);
	rc = ldap_op_search(ld, "", LDAP_SCOPE_BASE, "(objectClass=*)", attrs,
	    NULL, &tv, 1, &msg);
	if (LDAP_API_ERROR(rc)) {
		ldap_msgfree(msg);
		return replica_sync_error(y, ld, rc, "rootDSE");
	}
	if (rc != LDAP_SUCCESS || (e = ldap_first_entry(ld, msg)) == NULL) {
		ldap_msgfree(msg);
		return 0;		/* it answered: the connection works */
	}
	v = ldap_get_values_len(ld, e, sc);
	r->offered = replica_server_has(v, SYNCREPL_REQUEST_OID);
	r->show_deleted = replica_server_has(v,
	    REPLICA_SEARCH_SHOW_DELETED_OID);
	ldap_value_free_len(v);
	v = ldap_get_values_len(ld, e, cap);
	r->ad = replica_server_has(v, REPLICA_SERVER_AD_OID);
	ldap_value_free_len(v);
	v = ldap_get_values_len(ld, e, ncs);
	replica_server_context(y, v, r);
	ldap_value_free_len(v);
	replica_entry_value(ld, e, ds, r->ds, sizeof(r->ds));
	replica_entry_value(ld, e, usn, num, sizeof(num));
	r->usn = strtoull(num, NULL, 10);
	ldap_msgfree(msg);
	return 0;
}

/*
 * The invocationId of the domain controller whose NTDS Settings object is
 * ds (its dsServiceName), into out; "" when there is none to read.
 */
static void
replica_server_invocation(replica_sync_t *y, const char *ds, char *out,
    size_t outlen)
{
	LDAP		*ld = ldap_conn_session_ld(y->s);
	char		 inv[] = "invocationId";
	char		*attrs[] = { inv, NULL };
	LDAPMessage	*msg = NULL, *e;
	struct timeval	 tv;

	out[0] = '\0';
	if (ds[0] == '\0')
		return;
	replica_search_budget(y, &tv, y->set->timeout_ms);
	if (ldap_op_search(ld, ds, LDAP_SCOPE_BASE, "(objectClass=*)", attrs,
	    NULL, &tv, 1, &msg) == LDAP_SUCCESS &&
	    (e = ldap_first_entry(ld, msg)) != NULL)
		(void)replica_entry_guid(ld, e, inv, out, outlen);
	ldap_msgfree(msg);
}

/* 1 when the change attribute is Active Directory's uSNChanged. */
static int
replica_server_counts_usn(const replica_sync_t *y)
{
	return strcasecmp(y->set->change_attr, "uSNChanged") == 0;
}

/*
 * Compares what the domain controller says now (its highestCommittedUSN
 * usn, its invocationId inv) with what it said before, and remembers it.
 * A USN below one seen, or another invocationId, is a restore from a
 * backup (or a snapshot): the changes made since have USNs the polls
 * would not ask for, so a full load is made due.
 */
static void
replica_server_history(replica_sync_t *y, unsigned long long usn,
    const char *inv)
{
	unsigned long long	 seen = 0;
	char			 why[256];

	why[0] = '\0';
	if (replica_server_counts_usn(y) && y->last_change[0] != '\0')
		seen = strtoull(y->last_change, NULL, 10);
	if (y->dc_usn > seen)
		seen = y->dc_usn;
	if (y->invocation[0] != '\0' && inv[0] != '\0' &&
	    strcmp(y->invocation, inv) != 0)
		snprintf(why, sizeof(why), "its invocationId changed from %s to "
		    "%s", y->invocation, inv);
	else if (usn > 0 && usn < seen)
		snprintf(why, sizeof(why), "its highestCommittedUSN went back "
		    "from %llu to %llu", seen, usn);
	if (why[0] != '\0') {
		log_msg(LOG_WARNING, "replica: the domain controller %s was "
		    "restored from a backup (%s): full reload",
		    ldap_conn_session_uri(y->s), why);
		y->last_full_ms = 0;
	}
	if (usn > 0)
		y->dc_usn = usn;
	if (inv[0] != '\0')
		snprintf(y->invocation, sizeof(y->invocation), "%s", inv);
}

/*
 * Decides whether the polls read Active Directory's tombstones
 * (y->tombstones): the server offers the Show Deleted control, base lies
 * in one of its naming contexts, and the bind account may read that
 * context's CN=Deleted Objects (its isDeleted comes back).  Says once why
 * not, on Active Directory.
 */
static void
replica_server_tombstones(replica_sync_t *y)
{
	LDAP		*ld = ldap_conn_session_ld(y->s);
	char		 isdel[] = "isDeleted", base[REPLICA_SYNC_DN_MAX + 64];
	char		*attrs[] = { isdel, NULL }, flag[8];
	LDAPControl	 sd, *ctrls[2] = { &sd, NULL };
	LDAPMessage	*msg = NULL, *e;
	struct timeval	 tv;
	const char	*why = NULL;
	int		 rc;

	y->tombstones = 0;
	if (y->server_ids != REPLICA_ID_OBJECTGUID)
		return;			/* not Active Directory */
	if (!y->show_deleted)
		why = "the server does not offer the Show Deleted control";
	else if (y->nc[0] == '\0')
		why = "base lies in none of the server's naming contexts";
	else {
		snprintf(base, sizeof(base), "<WKGUID=%s,%s>",
		    REPLICA_SERVER_DELETED_WKGUID, y->nc);
		replica_search_show_deleted(&sd);
		replica_search_budget(y, &tv, y->set->timeout_ms);
		rc = ldap_op_search(ld, base, LDAP_SCOPE_BASE,
		    "(objectClass=*)", attrs, ctrls, &tv, 1, &msg);
		flag[0] = '\0';
		if (rc == LDAP_SUCCESS && (e = ldap_first_entry(ld, msg)) !=
		    NULL)
			replica_entry_value(ld, e, isdel, flag, sizeof(flag));
		ldap_msgfree(msg);
		if (strcasecmp(flag, "TRUE") == 0)
			y->tombstones = 1;
		else if (rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT ||
		    rc == LDAP_CONNECT_ERROR)
			return;		/* the session's trouble, not the rights */
		else
			why = "the bind account may not read them (grant it "
			    "List Contents and Read Property on CN=Deleted "
			    "Objects)";
	}
	if (why != NULL && !y->tombstones_noted) {
		log_msg(LOG_WARNING, "replica: deletions are found by a sweep "
		    "of every entry, not in the tombstones of %s: %s",
		    y->nc[0] != '\0' ? y->nc : "base", why);
		y->tombstones_noted = 1;
	}
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
	y->dc_usn = 0;
	y->invocation[0] = '\0';
	return 0;
}

int
replica_server_open(replica_sync_t *y)
{
	struct rootdse	 r;
	char		 inv[REPLICA_ENTRY_ID_MAX];

	if ((y->s = ldap_conn_session_open(y->set->ldap, y->err,
	    sizeof(y->err))) == NULL)
		return -1;
	/* a server that hides its rootDSE is taken as it is: polled */
	(void)replica_server_rootdse(y, &r);
	y->offered = r.offered;
	y->show_deleted = r.show_deleted;
	y->server_ids = r.ad ? REPLICA_ID_OBJECTGUID : REPLICA_ID_ENTRYUUID;
	snprintf(y->nc, sizeof(y->nc), "%s", r.nc);
	snprintf(y->server_id, sizeof(y->server_id), "%s|%s",
	    ldap_conn_session_uri(y->s), r.ds);
	replica_server_invocation(y, r.ds, inv, sizeof(inv));
	if (replica_server_same(y) == 0) {
		y->last_full_ms = 0;	/* its own change values */
		y->last_change[0] = '\0';	/* the last server's */
	}
	replica_server_history(y, r.usn, inv);
	replica_server_tombstones(y);
	return 0;
}

int
replica_server_check(replica_sync_t *y)
{
	struct rootdse	 r;
	char		 inv[REPLICA_ENTRY_ID_MAX];

	if (replica_server_rootdse(y, &r) == 0) {
		replica_server_invocation(y, r.ds, inv, sizeof(inv));
		replica_server_history(y, r.usn, inv);
		return 0;
	}
	/* closed while idle (or gone): connect again, no failed sync yet */
	log_msg(y->reconnects == 0 ? LOG_INFO : LOG_DEBUG, "replica: the "
	    "connection to %s no longer answers (%s): connecting again before "
	    "the search%s", ldap_conn_session_uri(y->s), y->err,
	    y->reconnects == 0 ? " (a restarted server, or one that closes "
	    "idle connections sooner than poll: Active Directory's "
	    "MaxConnIdleTime, a firewall; said once, then at debug)" : "");
	y->reconnects++;
	ldap_conn_session_close(y->s);
	y->s = NULL;
	return replica_server_open(y);
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

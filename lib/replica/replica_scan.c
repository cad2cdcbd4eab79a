/*
 * replica_scan.c - see replica_scan.h.  The replica's own parts do the
 * work, on what a replica is made on: the ldap back-end's servers
 * (dir_ldap_open(), which checks the settings as at start-up; its pool is
 * never used), the replica's settings (replica_state.h), its session and
 * server (replica_server.h) and its paged search (replica_search.h) with
 * its ranged reads of the values (ldap_range.h), on a state whose thread
 * is never started.
 */
#include <stdio.h>
#include <string.h>

#include <lber.h>
#include <ldap.h>

#include "dir_ldap.h"
#include "ldap_conn.h"
#include "ldap_range.h"
#include "printable.h"
#include "replica_scan.h"
#include "replica_search.h"
#include "replica_server.h"
#include "replica_state.h"
#include "replica_sync.h"

/* One scan; the search's callback gets &y and finds the rest around it. */
struct replica_scan {
	replica_sync_t	 y;		/* first */
	replica_scan_fn	 fn;
	void		*arg;
};

/*
 * The paged search's entry: its values read whole, ranged ones too
 * (ldap_range.h, as the replica's load reads them), handed to the
 * caller.  A ranged read that fails, or an entry that comes with no
 * value of either attribute although the filter asked for one (a server
 * that drops a range it does not know: OpenLDAP), ends the scan: never
 * an entry with part of its values.
 */
static int
replica_scan_entry(replica_sync_t *y, LDAP *ld, LDAPMessage *msg)
{
	struct replica_scan	*sc = (struct replica_scan *)(void *)y;
	struct berval		**pv = NULL, **tv = NULL;
	ldap_range_t		 range;
	char			*dn = ldap_get_dn(ld, msg);
	int			 rc = -1;

	if (dn != NULL)
		printable_mask(dn);
	replica_search_range(y, &range);
	if (ldap_range_values(ld, msg, y->set->proxy_attr, &range, &pv,
	    y->err, sizeof(y->err)) == -1 ||
	    ldap_range_values(ld, msg, y->set->target_attr, &range, &tv,
	    y->err, sizeof(y->err)) == -1)
		goto done;
	if (pv == NULL && tv == NULL) {
		/* the filter asked for one: the server dropped the range */
		snprintf(y->err, sizeof(y->err), "entry '%s': the server "
		    "found it by %s or %s but sent none of their values%s",
		    dn != NULL ? dn : "", y->set->proxy_attr,
		    y->set->target_attr, range.size > 0 ? " (directory.ldap."
		    "range_size is set: does the server know ranged values?)" :
		    "");
		goto done;
	}
	if ((rc = sc->fn(sc->arg, dn != NULL ? dn : "", pv, tv)) != 0)
		snprintf(y->err, sizeof(y->err), "out of memory");
done:
	ldap_value_free_len(pv);
	ldap_value_free_len(tv);
	ldap_memfree(dn);
	return rc != 0 ? -1 : 0;
}

int
replica_scan(const config_t *cfg, replica_scan_fn fn, void *arg, char *err,
    size_t errlen)
{
	struct replica_scan	 sc;
	replica_state_t		*st = NULL;
	void			*dl;
	char			 filter[512], ask[LDAP_RANGE_ATTR_MAX];
	char			*attrs[3];
	int			 rc = -2;

	memset(&sc, 0, sizeof(sc));
	sc.fn = fn;
	sc.arg = arg;
	if ((dl = dir_ldap_open(&cfg->directory, cfg->file, cfg->user, err,
	    errlen)) == NULL)
		return -2;
	if ((st = replica_state_new(&cfg->directory, dir_ldap_conn(dl), err,
	    errlen)) == NULL)
		goto done;
	if (replica_sync_begin(&sc.y, st) == -1) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	/*
	 * One read, no poll: whether the account may read Active
	 * Directory's tombstones does not matter here, and the replica's
	 * note about the sweep would tell the mail log of a replica that
	 * does not run.
	 */
	sc.y.tombstones_noted = 1;
	rc = -1;
	if (replica_server_open(&sc.y) == -1) {
		snprintf(err, errlen, "%s", sc.y.err);
		goto done;
	}
	replica_search_filter(sc.y.set, filter, sizeof(filter));
	attrs[0] = replica_search_proxy_ask(&sc.y, ask, sizeof(ask));
	attrs[1] = sc.y.set->target_attr;
	attrs[2] = NULL;
	if (replica_search_paged(&sc.y, sc.y.set->base, sc.y.set->scope, filter,
	    attrs, NULL, replica_scan_entry) == 0)
		rc = 0;
	else
		snprintf(err, errlen, "%s (%s)", sc.y.err, sc.y.s != NULL ?
		    ldap_conn_session_uri(sc.y.s) : "no session");
done:
	replica_sync_end(&sc.y);
	replica_state_free(st);
	dir_ldap_ops.close(dl);
	return rc;
}

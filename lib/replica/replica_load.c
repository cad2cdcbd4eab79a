/*
 * replica_load.c - see replica_load.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lber.h>
#include <ldap.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "replica_dn.h"
#include "replica_entry.h"
#include "replica_load.h"
#include "replica_search.h"
#include "replica_state.h"
#include "replica_store.h"
#include "replica_sync.h"

#define REPLICA_LOAD_SWEEP_FACTOR 30	/* a sweep at most every 30 x
					   its time */

/*
 * 1 when change value a is newer than b: as numbers when both are digits
 * only (uSNChanged), else as strings (GeneralizedTime of one format).
 */
static int
replica_load_newer(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b);

	if (la > 0 && lb > 0 && strspn(a, "0123456789") == la &&
	    strspn(b, "0123456789") == lb) {
		while (*a == '0' && la > 1) {
			a++;
			la--;
		}
		while (*b == '0' && lb > 1) {
			b++;
			lb--;
		}
		if (la != lb)
			return la > lb;
	}
	return strcmp(a, b) > 0;
}

/* Remembers the highest change value seen. */
static void
replica_load_note_change(replica_sync_t *y, const char *change)
{
	if (change[0] != '\0' && replica_load_newer(change, y->last_change))
		snprintf(y->last_change, sizeof(y->last_change), "%s", change);
}

/*
 * An entry put into the store (deleted when it holds no address any
 * more), counted when it changed it.  whole: the search asked for
 * entries with a proxy or target value (the full load's filter), so one
 * that comes with none is one whose values the server dropped (a ranged
 * request it does not know): the search fails rather than take the entry
 * without its addresses.  An incremental search's entry may have lost
 * every address.
 */
static int
replica_load_entry(replica_sync_t *y, LDAP *ld, LDAPMessage *msg, int whole)
{
	replica_entry_t	 e;
	ldap_range_t	 range;
	int		 rc;

	replica_search_range(y, &range);
	if (replica_entry_read(&e, y->set, ld, msg, NULL, y->ids, &range,
	    y->err, sizeof(y->err)) == -1)
		return -1;
	if (whole && !e.has_values) {
		snprintf(y->err, sizeof(y->err), "entry '%s': the server found "
		    "it by %s or %s but sent none of their values%s", e.dn,
		    y->set->proxy_attr, y->set->target_attr, range.size > 0 ?
		    " (directory.ldap.range_size is set: does the server know "
		    "ranged values?)" : "");
		replica_entry_clear(&e);
		return -1;
	}
	replica_load_note_change(y, e.change);
	rc = replica_store_put(y->store, replica_entry_id(&e), &e.rec);
	replica_entry_clear(&e);
	if (rc == -1) {
		snprintf(y->err, sizeof(y->err), "out of memory");
		return -1;
	}
	y->changes += (size_t)rc;
	return 0;
}

/* A full load's entry (replica_load_entry(), whole). */
static int
replica_load_put(replica_sync_t *y, LDAP *ld, LDAPMessage *msg)
{
	return replica_load_entry(y, ld, msg, 1);
}

/* An incremental search's entry (replica_load_entry()). */
static int
replica_load_put_changed(replica_sync_t *y, LDAP *ld, LDAPMessage *msg)
{
	return replica_load_entry(y, ld, msg, 0);
}

/*
 * An entry of the search over the whole naming context, tombstones
 * included (Active Directory): a tombstone (isDeleted TRUE) or an entry
 * outside base and scope (moved out, or never in) is deleted from the
 * store by its identity; any other entry is put.
 */
static int
replica_load_change(replica_sync_t *y, LDAP *ld, LDAPMessage *msg)
{
	const replica_settings_t *set = y->set;
	replica_entry_t	 e;
	ldap_range_t	 range;
	char		 deleted[8];
	int		 rc;

	replica_entry_value(ld, msg, "isDeleted", deleted, sizeof(deleted));
	replica_search_range(y, &range);
	if (replica_entry_read(&e, set, ld, msg, NULL, y->ids, &range, y->err,
	    sizeof(y->err)) == -1)
		return -1;
	replica_load_note_change(y, e.change);
	if (strcasecmp(deleted, "TRUE") == 0 ||
	    replica_dn_within(e.dn, set->base, set->scope) == 0)
		rc = replica_store_del(y->store, replica_entry_id(&e));
	else
		rc = replica_store_put(y->store, replica_entry_id(&e), &e.rec);
	replica_entry_clear(&e);
	if (rc == -1) {
		snprintf(y->err, sizeof(y->err), "out of memory");
		return -1;
	}
	y->changes += (size_t)rc;
	return 0;
}

/* A sweep's entry (its identity only): marked seen. */
static int
replica_load_seen(replica_sync_t *y, LDAP *ld, LDAPMessage *msg)
{
	char	 buf[REPLICA_ENTRY_ID_MAX], *dn, *id = NULL;

	if (replica_entry_ident(ld, msg, y->ids, buf, sizeof(buf)) == 1) {
		(void)replica_store_seen(y->store, buf);
		return 0;
	}
	if ((dn = ldap_get_dn(ld, msg)) == NULL)
		return 0;
	id = replica_store_dn_id(dn);
	ldap_memfree(dn);
	if (id == NULL) {
		snprintf(y->err, sizeof(y->err), "out of memory");
		return -1;
	}
	(void)replica_store_seen(y->store, id);
	free(id);
	return 0;
}

/*
 * The identity the store is to be keyed by: entryUUID for RFC 4533 (its
 * messages name entries by it), else what the server offers.
 */
static replica_id_kind_t
replica_load_ids(const replica_sync_t *y)
{
	return y->use_sync ? REPLICA_ID_ENTRYUUID : y->server_ids;
}

int
replica_load_full(replica_sync_t *y)
{
	const replica_settings_t *set = y->set;
	replica_id_kind_t ids = replica_load_ids(y);
	char		 filter[512], id_attr[32], ask[LDAP_RANGE_ATTR_MAX];
	char		*attrs[] = { replica_search_proxy_ask(y, ask,
			    sizeof(ask)), set->target_attr, set->change_attr,
			    NULL, NULL };
	unsigned long long usn_before = y->dc_usn;
	int64_t		 start = clock_ms();
	int		 rc;

	replica_search_filter(set, filter, sizeof(filter));
	if (y->ids != ids) {
		/* keyed otherwise: the old store is no guide */
		replica_store_free(y->store);
		if ((y->store = replica_store_new()) == NULL) {
			snprintf(y->err, sizeof(y->err), "out of memory");
			return -1;
		}
		y->ids = ids;
	}
	if (replica_entry_id_attr(ids) != NULL) {
		snprintf(id_attr, sizeof(id_attr), "%s",
		    replica_entry_id_attr(ids));
		attrs[3] = id_attr;
	}
	y->changes = 0;
	y->last_change[0] = '\0';
	/*
	 * In place: each entry is put into the store (an unchanged one is
	 * only marked), then the unmarked ones are gone.  The index is built
	 * after the whole load, so lookups never see half of it; a load that
	 * fails half-way leaves real changes in the store, which the next
	 * sync publishes (replica_store_dirty(), even when that sync finds
	 * nothing new).  An unchanged directory costs no new index, and no
	 * second copy in memory.
	 */
	replica_store_round(y->store);
	if ((rc = replica_search_paged(y, set->base, set->scope, filter, attrs,
	    NULL, replica_load_put)) != 0)
		return rc;
	y->changes += replica_store_sweep(y->store);
	/* the store, not this load's count: a failed sync left changes */
	if (replica_store_dirty(y->store) || !y->loaded) {
		if (replica_sync_publish(y) == -1)
			return -1;
	} else
		replica_state_good(y->st);
	y->loaded = 1;
	y->last_full_ms = clock_ms();
	/*
	 * A load longer than a poll stands for a sweep (it saw every entry):
	 * the polls right after it do not sweep, and hold no change back
	 * for as long.  A shorter one leaves the next poll's sweep due.
	 */
	if (y->sweep_ms == 0)
		y->sweep_ms = y->last_full_ms - start;	/* a first estimate */
	if (y->last_full_ms - start > (int64_t)set->poll * 1000)
		y->next_sweep_ms = y->last_full_ms + (y->last_full_ms -
		    start) * REPLICA_LOAD_SWEEP_FACTOR;
	/*
	 * On Active Directory every change committed before the load began
	 * (the highestCommittedUSN read right before it) is in it: the polls
	 * go on from there, not from the highest uSNChanged of the entries
	 * loaded, which may be above a change made during the load.
	 */
	if (usn_before > 0 && strcasecmp(set->change_attr, "uSNChanged") == 0)
		snprintf(y->last_change, sizeof(y->last_change), "%llu",
		    usn_before);
	replica_sync_ok(y, METRICS_SYNC_FULL, start);
	if (!y->use_sync && y->last_change[0] == '\0' &&
	    replica_store_count(y->store) > 0)
		log_msg(LOG_WARNING, "replica: no entry has a value of %s (a "
		    "wrong change_attribute, or one the bind account may not "
		    "read): changes are seen at the full reload only, every "
		    "%d s; deletions at the polls' sweeps", set->change_attr,
		    set->refresh);
	return 0;
}

/*
 * Writes the filter of the entries changed since the highest change value
 * seen, "(CHANGE>=VALUE)", into buf.  Returns 0, or -1 with y->err set.
 */
static int
replica_load_changed_filter(replica_sync_t *y, char *buf, size_t buflen)
{
	struct berval	 value, escaped = { 0, NULL };

	value.bv_val = y->last_change;
	value.bv_len = strlen(y->last_change);
	if (ldap_bv2escaped_filter_value(&value, &escaped) != 0) {
		snprintf(y->err, sizeof(y->err), "out of memory");
		return -1;
	}
	snprintf(buf, buflen, "(%s>=%s)", y->set->change_attr, escaped.bv_val);
	ber_memfree(escaped.bv_val);
	return 0;
}

/*
 * Active Directory, an account that may read tombstones: one search of
 * the whole naming context for what changed, tombstones included (Show
 * Deleted), which brings adds, changes, renames, moves in and out of
 * base, and deletions, each by its objectGUID.  No sweep.
 */
static int
replica_load_poll_tombstones(replica_sync_t *y)
{
	const replica_settings_t *set = y->set;
	char		 filter[512], guid[] = "objectGUID", isdel[] =
			    "isDeleted", ask[LDAP_RANGE_ATTR_MAX];
	char		*attrs[] = { replica_search_proxy_ask(y, ask,
			    sizeof(ask)), set->target_attr, set->change_attr,
			    guid, isdel, NULL };
	LDAPControl	 sd;

	if (replica_load_changed_filter(y, filter, sizeof(filter)) == -1)
		return -1;
	replica_search_show_deleted(&sd);
	return replica_search_paged(y, y->nc, LDAP_SCOPE_SUBTREE, filter,
	    attrs, &sd, replica_load_change);
}

/*
 * Any other server: the entries of base changed since the highest value
 * seen, then (when due) a sweep of every entry's identity, which finds
 * the deletions.  A sweep longer than a poll that would hold changes back
 * is put off to the next poll, once, so that they are published now.
 */
static int
replica_load_poll_sweep(replica_sync_t *y)
{
	const replica_settings_t *set = y->set;
	char		 filter[512], id_attr[32], noattrs[] = LDAP_NO_ATTRS;
	char		 ask[LDAP_RANGE_ATTR_MAX];
	char		*attrs[] = { replica_search_proxy_ask(y, ask,
			    sizeof(ask)), set->target_attr, set->change_attr,
			    NULL, NULL };
	char		*ids_only[] = { noattrs, NULL };
	size_t		 changes = y->changes;
	int		 rc;

	if (replica_entry_id_attr(y->ids) != NULL) {
		snprintf(id_attr, sizeof(id_attr), "%s",
		    replica_entry_id_attr(y->ids));
		attrs[3] = id_attr;
		ids_only[0] = id_attr;
	}
	if (y->last_change[0] != '\0') {
		if (replica_load_changed_filter(y, filter, sizeof(filter)) == -1)
			return -1;
		if ((rc = replica_search_paged(y, set->base, set->scope, filter,
		    attrs, NULL, replica_load_put_changed)) != 0)
			return rc;
	}
	if (clock_ms() >= y->next_sweep_ms) {
		int64_t	 t0 = clock_ms(), spent;

		if (y->changes > changes && !y->sweep_put_off &&
		    y->sweep_ms > (int64_t)set->poll * 1000) {
			y->sweep_put_off = 1;
			return 0;
		}
		y->sweep_put_off = 0;

		replica_search_filter(set, filter, sizeof(filter));
		replica_store_round(y->store);
		if ((rc = replica_search_paged(y, set->base, set->scope, filter,
		    ids_only, NULL, replica_load_seen)) != 0)
			return rc;
		y->changes += replica_store_sweep(y->store);
		spent = clock_ms() - t0;
		y->sweep_ms = spent;
		y->next_sweep_ms = clock_ms() + spent *
		    REPLICA_LOAD_SWEEP_FACTOR;
	}
	return 0;
}

int
replica_load_poll(replica_sync_t *y)
{
	int64_t		 start = clock_ms();
	int		 rc;

	y->changes = 0;
	if (y->tombstones && y->ids == REPLICA_ID_OBJECTGUID &&
	    y->last_change[0] != '\0')
		rc = replica_load_poll_tombstones(y);
	else
		rc = replica_load_poll_sweep(y);
	if (rc != 0)
		return rc;
	if (replica_store_dirty(y->store)) {
		if (replica_sync_publish(y) == -1)
			return -1;
	} else
		replica_state_good(y->st);
	replica_sync_ok(y, METRICS_SYNC_INCREMENTAL, start);
	return 0;
}

/*
 * replica_load.c - see replica_load.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lber.h>
#include <ldap.h>

#include "clock.h"
#include "log.h"
#include "metrics.h"
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
 * A full load's or an incremental search's entry: put into the store
 * (deleted when it holds no address any more), counted when it changed it.
 */
static int
replica_load_put(replica_sync_t *y, LDAP *ld, LDAPMessage *msg)
{
	replica_entry_t	 e;
	ldap_range_t	 range;
	int		 rc;

	replica_search_range(y, &range);
	if (replica_entry_read(&e, y->set, ld, msg, NULL, y->uuid_ids ?
	    "entryUUID" : NULL, &range, y->err, sizeof(y->err)) == -1)
		return -1;
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

/* A sweep's entry (its DN only): marked seen. */
static int
replica_load_seen(replica_sync_t *y, LDAP *ld, LDAPMessage *msg)
{
	char	*dn = ldap_get_dn(ld, msg), *id;

	if (dn == NULL)
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

int
replica_load_full(replica_sync_t *y)
{
	const replica_settings_t *set = y->set;
	char		 filter[512], uuid[] = "entryUUID";
	char		 ask[LDAP_RANGE_ATTR_MAX];
	char		*attrs[] = { replica_search_proxy_ask(y, ask,
			    sizeof(ask)), set->target_attr, set->change_attr,
			    y->use_sync ? uuid : NULL, NULL };
	int64_t		 start = clock_ms();
	int		 rc;

	replica_search_filter(set, filter, sizeof(filter));
	if (y->uuid_ids != y->use_sync) {
		/* keyed otherwise: the old store is no guide */
		replica_store_free(y->store);
		if ((y->store = replica_store_new()) == NULL) {
			snprintf(y->err, sizeof(y->err), "out of memory");
			return -1;
		}
		y->uuid_ids = y->use_sync;
	}
	y->changes = 0;
	y->last_change[0] = '\0';
	/*
	 * In place: each entry is put into the store (an unchanged one is
	 * only marked), then the unmarked ones are gone.  The index is built
	 * after the whole load, so lookups never see half of it; a load that
	 * fails half-way leaves real changes in the store, which the next
	 * sync publishes.  An unchanged directory costs no new index, and no
	 * second copy in memory.
	 */
	replica_store_round(y->store);
	if ((rc = replica_search_paged(y, filter, attrs,
	    replica_load_put)) != 0)
		return rc;
	y->changes += replica_store_sweep(y->store);
	if (y->changes > 0 || !y->loaded) {
		if (replica_sync_publish(y) == -1)
			return -1;
	} else
		replica_state_good(y->st);
	y->loaded = 1;
	y->last_full_ms = clock_ms();
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

int
replica_load_poll(replica_sync_t *y)
{
	const replica_settings_t *set = y->set;
	struct berval	 value, escaped = { 0, NULL };
	char		 filter[512], noattrs[] = LDAP_NO_ATTRS;
	char		 ask[LDAP_RANGE_ATTR_MAX];
	char		*attrs[] = { replica_search_proxy_ask(y, ask,
			    sizeof(ask)), set->target_attr, set->change_attr,
			    NULL };
	char		*dn_only[] = { noattrs, NULL };
	int64_t		 start = clock_ms();
	int		 rc;

	y->changes = 0;
	if (y->last_change[0] != '\0') {
		value.bv_val = y->last_change;
		value.bv_len = strlen(y->last_change);
		if (ldap_bv2escaped_filter_value(&value, &escaped) != 0) {
			snprintf(y->err, sizeof(y->err), "out of memory");
			return -1;
		}
		snprintf(filter, sizeof(filter), "(%s>=%s)", set->change_attr,
		    escaped.bv_val);
		ber_memfree(escaped.bv_val);
		if ((rc = replica_search_paged(y, filter, attrs,
		    replica_load_put)) != 0)
			return rc;
	}
	if (clock_ms() >= y->next_sweep_ms) {
		int64_t	 t0 = clock_ms(), spent;

		replica_search_filter(set, filter, sizeof(filter));
		replica_store_round(y->store);
		if ((rc = replica_search_paged(y, filter, dn_only,
		    replica_load_seen)) != 0)
			return rc;
		y->changes += replica_store_sweep(y->store);
		spent = clock_ms() - t0;
		y->next_sweep_ms = clock_ms() + spent *
		    REPLICA_LOAD_SWEEP_FACTOR;
	}
	if (y->changes > 0) {
		if (replica_sync_publish(y) == -1)
			return -1;
	} else
		replica_state_good(y->st);
	replica_sync_ok(y, METRICS_SYNC_INCREMENTAL, start);
	return 0;
}

/*
 * replica_thread.c - the replica's sync thread (see dir_replica.h).
 *
 * One session (ldap_conn_session_open(): the ldap back-end's servers, TLS
 * and bind) at a time.  The thread keeps its own copy of the directory
 * (replica_store.h) and, after each sync that changed it, builds a new
 * index of it and swaps that in (replica_state_swap()): lookups never see a
 * half-applied sync.
 *
 *   full         every entry with a proxy or target attribute under base,
 *                RFC 2696 paged, into a new store that replaces the old
 *                one; at the start, after refresh seconds, and when the
 *                server asks for it (e-syncRefreshRequired).
 *   incremental  without syncrepl, every poll seconds: the entries whose
 *                change_attribute is at least the highest value seen (">="
 *                because modifyTimestamp counts seconds: an entry seen
 *                twice changes nothing), then a DN-only paged sweep of the
 *                entries with a proxy or target attribute, which finds the
 *                deletions; the sweep reads every entry's DN, so it runs
 *                at most once every SYNC_SWEEP_FACTOR times the time the
 *                last one took.
 *   A full load updates the store in place (replica_store_round() and
 *   _sweep()), and builds a new index only when something changed.
 *   push         with syncrepl (RFC 4533 refreshAndPersist, where the
 *                rootDSE lists the Sync Request Control and syncrepl is
 *                auto): the refresh phase, then each add, change and
 *                deletion as the server sends it, applied in batches (a
 *                batch ends when the server has been quiet for
 *                SYNC_BATCH_MS); after a reconnection the search resumes
 *                from the last cookie.  The store is then keyed by
 *                entryUUID, which the full load asks for too.
 *
 * A failure drops the session; the next attempt comes after
 * min(max(poll, 1), 30) seconds.  The replica keeps serving meanwhile.
 * Every value is read by the entry rules every back-end shares
 * (dir_entry.h); an entry whose answer would be wrong is kept as bad:
 * lookups of its addresses answer try-again, as the ldap back-end's do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lber.h>
#include <ldap.h>

#include "addr.h"
#include "clock.h"
#include "dir_entry.h"
#include "ldap_conn.h"
#include "log.h"
#include "metrics.h"
#include "replica_store.h"
#include "replica_state.h"
#include "replica_thread.h"
#include "syncrepl.h"

#define SYNC_BATCH_MS		200	/* quiet time that ends a push batch */
#define SYNC_BATCH_MAX_MS	1000	/* the longest a push batch waits */
#define SYNC_RETRY_MAX_S	30	/* longest wait before a new attempt */
#define SYNC_BEAT_MAX_S		30	/* longest time between liveness checks */
#define SYNC_CHANGE_MAX		128	/* octets of a change_attribute value */
#define SYNC_SWEEP_FACTOR	30	/* a sweep at most every 30 x its time */
#define SYNC_ERR_MAX		1024
#define SYNC_MSG_MAX		900	/* a rule's message, inside SYNC_ERR_MAX */
#define SYNC_REFRESH_REQUIRED	4096	/* e-syncRefreshRequired (RFC 4533) */

/* One entry read from the server. */
struct sync_entry {
	dir_index_record_t	 rec;
	char			*dn;		/* ldap_memfree() */
	char			 id[SYNCREPL_UUID_TEXT > 64 ? SYNCREPL_UUID_TEXT : 64];
	char			*dn_id;		/* free(); id when no UUID */
	char			 primary[ADDR_TEXT_MAX + 1];
	char			 target[ADDR_TEXT_MAX + 1];
	char			 target_key[ADDR_TEXT_MAX + 1];
	char			**keys;
	size_t			 nkeys, maxkeys;
	char			 bad[SYNC_ERR_MAX];
	char			 change[SYNC_CHANGE_MAX];
};

/* The thread's state. */
struct sync {
	replica_state_t		*st;
	const replica_settings_t *set;
	ldap_conn_session_t	*s;
	replica_store_t		*store;
	int			 loaded;	/* a full load of its own done */
	int			 use_sync;	/* the session's server: RFC 4533 */
	int			 uuid_ids;	/* the store is keyed by entryUUID */
	int64_t			 last_full_ms;
	char			 last_change[SYNC_CHANGE_MAX];
	int64_t			 next_sweep_ms;	/* no sweep before then */
	char			 server_id[1024]; /* the session's server */
	char			 last_server[1024]; /* the last session's */
	int			 offered;	/* its rootDSE: RFC 4533 */
	int64_t			 refused_until;	/* poll until then: the server
						   refused a sync search */
	syncrepl_cookie_t	 cookie;
	size_t			 changes;	/* of the sync under way */
	int			 failing;	/* the last sync failed */
	int			 stale_warned;	/* "older than max_age" logged */
	char			 err[SYNC_ERR_MAX];
};

typedef int	(*sync_entry_fn)(struct sync *, LDAP *, LDAPMessage *);

static const char *const sync_kind_names[] = {
	[METRICS_SYNC_FULL] = "full",
	[METRICS_SYNC_INCREMENTAL] = "incremental",
	[METRICS_SYNC_PUSH] = "push",
};

/* Writes "what: libldap's reason" into y->err; returns -1. */
static int
sync_ldap_error(struct sync *y, LDAP *ld, int rc, const char *what)
{
	char	*diag = NULL;

	if (ld != NULL)
		(void)ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	snprintf(y->err, sizeof(y->err), "%s: %s%s%s%s", what,
	    ldap_err2string(rc), diag != NULL && *diag != '\0' ? " (" : "",
	    diag != NULL ? diag : "", diag != NULL && *diag != '\0' ? ")" :
	    "");
	ldap_memfree(diag);
	return -1;
}

/* 1 for a result that says the server or the connection is the trouble. */
static int
sync_transient(int rc)
{
	switch (rc) {
	case LDAP_SERVER_DOWN:
	case LDAP_TIMEOUT:
	case LDAP_CONNECT_ERROR:
	case LDAP_BUSY:
	case LDAP_UNAVAILABLE:
	case LDAP_UNWILLING_TO_PERFORM:
	case LDAP_OTHER:
		return 1;
	}
	return 0;
}

/* Seconds to wait after a failure. */
static int64_t
sync_retry_ms(const replica_settings_t *set)
{
	int	 s = set->poll < 1 ? 1 : set->poll;

	return (int64_t)(s > SYNC_RETRY_MAX_S ? SYNC_RETRY_MAX_S : s) * 1000;
}

/* Logs "older than max_age" once when the replica has become so. */
static void
sync_check_age(struct sync *y)
{
	const replica_settings_t *set = y->set;
	long long	 last = replica_state_last_ok(y->st);
	int64_t		 age = clock_ms() - last;

	if (last == 0 || y->stale_warned ||
	    age <= (int64_t)set->max_age * 1000)
		return;
	y->stale_warned = 1;
	log_msg(LOG_WARNING, "replica: older than max_age (%lld s): not-found "
	    "answers are now try-again", (long long)(age / 1000));
}

/* Logs and counts a failed sync; drops the session. */
static void
sync_failed(struct sync *y, metrics_sync_kind_t kind)
{
	long long	 last = replica_state_last_ok(y->st);

	metrics_replica_sync(kind, 0);
	metrics_directory_up(0);
	if (last == 0)
		log_msg(LOG_WARNING, "replica: %s sync failed: %s (no good "
		    "sync yet)", sync_kind_names[kind], y->err);
	else
		log_msg(LOG_WARNING, "replica: %s sync failed: %s (last good "
		    "sync %lld s ago)", sync_kind_names[kind], y->err,
		    (long long)((clock_ms() - last) / 1000));
	y->failing = 1;
	ldap_conn_session_close(y->s);
	y->s = NULL;
	sync_check_age(y);
}

/* Logs and counts a good sync of n entries and y->changes changes. */
static void
sync_ok(struct sync *y, metrics_sync_kind_t kind, int64_t start)
{
	int64_t		 ms = clock_ms() - start;

	metrics_replica_sync(kind, 1);
	metrics_directory_up(1);
	log_msg(LOG_INFO, "replica: %s sync ok: %zu entries, %zu changes, "
	    "%lld.%03lld s (%s)", sync_kind_names[kind],
	    replica_store_count(y->store), y->changes, (long long)(ms / 1000),
	    (long long)(ms % 1000), ldap_conn_session_uri(y->s));
	if (y->failing || y->stale_warned)
		log_msg(LOG_NOTICE, "replica: in sync again (%s)",
		    ldap_conn_session_uri(y->s));
	y->failing = 0;
	y->stale_warned = 0;
}

/* Builds an index of the store and swaps it in; -1: out of memory. */
static int
sync_publish(struct sync *y)
{
	dir_index_t	*ix;

	if ((ix = replica_store_index(y->store)) == NULL) {
		snprintf(y->err, sizeof(y->err), "out of memory");
		return -1;
	}
	replica_state_swap(y->st, ix);
	return 0;
}

static void
sync_entry_clear(struct sync_entry *e)
{
	for (size_t i = 0; i < e->nkeys; i++)
		free(e->keys[i]);
	free(e->keys);
	free(e->dn_id);
	ldap_memfree(e->dn);
	memset(e, 0, sizeof(*e));
}

/* Adds key to the entry's proxy keys; -1: out of memory. */
static int
sync_entry_key(struct sync_entry *e, const char *key)
{
	char	**p;

	if (e->nkeys == e->maxkeys) {
		size_t	 n = e->maxkeys ? 2 * e->maxkeys : 8;

		if ((p = realloc(e->keys, n * sizeof(*p))) == NULL)
			return -1;
		e->keys = p;
		e->maxkeys = n;
	}
	if ((e->keys[e->nkeys] = strdup(key)) == NULL)
		return -1;
	e->nkeys++;
	return 0;
}

/* Copies a single value of attr (the first) into buf; "" when none. */
static void
sync_first_value(LDAP *ld, LDAPMessage *msg, const char *attr, char *buf,
    size_t buflen)
{
	struct berval	**v = ldap_get_values_len(ld, msg, attr);

	buf[0] = '\0';
	if (v != NULL && v[0] != NULL && v[0]->bv_len < buflen) {
		memcpy(buf, v[0]->bv_val, v[0]->bv_len);
		buf[v[0]->bv_len] = '\0';
	}
	ldap_value_free_len(v);
}

/*
 * Reads one entry into e by the shared rules: its DN, its identity (uuid
 * when not NULL, else the entryUUID value when the store is keyed by it,
 * else the DN), its keys, and its change_attribute value.  Returns 0, or
 * -1 with y->err set.
 */
static int
sync_read_entry(struct sync *y, LDAP *ld, LDAPMessage *msg, const char *uuid,
    struct sync_entry *e)
{
	const replica_settings_t *set = y->set;
	struct berval		**pv, **tv;
	dir_entry_rules_t	 rules;
	dir_entry_kind_t	 kind;
	char			 msgbuf[SYNC_MSG_MAX];
	addr_t			 a;
	int			 rc = 0;

	memset(e, 0, sizeof(*e));
	if ((e->dn = ldap_get_dn(ld, msg)) == NULL) {
		snprintf(y->err, sizeof(y->err), "an entry without a DN");
		return -1;
	}
	if (uuid != NULL)
		snprintf(e->id, sizeof(e->id), "%s", uuid);
	else if (y->uuid_ids)
		sync_first_value(ld, msg, "entryUUID", e->id, sizeof(e->id));
	if (e->id[0] == '\0' && (e->dn_id = replica_store_dn_id(e->dn)) ==
	    NULL)
		goto nomem;
	sync_first_value(ld, msg, set->change_attr, e->change,
	    sizeof(e->change));

	pv = ldap_get_values_len(ld, msg, set->proxy_attr);
	tv = ldap_get_values_len(ld, msg, set->target_attr);
	dir_entry_begin(&rules, e->dn, set->target_attr);
	for (size_t i = 0; rc == 0 && pv != NULL && pv[i] != NULL; i++) {
		kind = dir_entry_proxy(&rules, pv[i]->bv_val, pv[i]->bv_len, &a,
		    msgbuf, sizeof(msgbuf));
		if (kind == DIR_ENTRY_BAD_ENTRY && e->bad[0] == '\0')
			snprintf(e->bad, sizeof(e->bad), "replica: %s", msgbuf);
		if (kind != DIR_ENTRY_OTHER && a.key[0] != '\0')
			rc = sync_entry_key(e, a.key);
	}
	for (size_t i = 0; rc == 0 && tv != NULL && tv[i] != NULL; i++) {
		kind = dir_entry_target(&rules, tv[i]->bv_val, tv[i]->bv_len, &a,
		    msgbuf, sizeof(msgbuf));
		if (kind == DIR_ENTRY_BAD_ENTRY && e->bad[0] == '\0')
			snprintf(e->bad, sizeof(e->bad), "replica: %s", msgbuf);
		if (a.key[0] != '\0' && e->target_key[0] == '\0')
			snprintf(e->target_key, sizeof(e->target_key), "%s",
			    a.key);
	}
	ldap_value_free_len(pv);
	ldap_value_free_len(tv);
	if (rc == -1)
		goto nomem;
	if (rules.has_primary)
		snprintf(e->primary, sizeof(e->primary), "%s",
		    rules.primary.text);
	if (rules.has_target)
		snprintf(e->target, sizeof(e->target), "%s", rules.target.text);
	e->rec.dn = e->dn;
	e->rec.primary = e->primary[0] != '\0' ? e->primary : NULL;
	e->rec.target = e->target[0] != '\0' ? e->target : NULL;
	e->rec.proxy_keys = (const char *const *)e->keys;
	e->rec.nproxy_keys = e->nkeys;
	e->rec.target_key = e->target_key[0] != '\0' ? e->target_key : NULL;
	e->rec.bad = e->bad[0] != '\0' ? e->bad : NULL;
	return 0;

nomem:
	snprintf(y->err, sizeof(y->err), "out of memory");
	return -1;
}

/* The identity the entry is stored under. */
static const char *
sync_entry_id(const struct sync_entry *e)
{
	return e->dn_id != NULL ? e->dn_id : e->id;
}

/*
 * 1 when change value a is newer than b: as numbers when both are digits
 * only (uSNChanged), else as strings (GeneralizedTime of one format).
 */
static int
sync_newer(const char *a, const char *b)
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
sync_note_change(struct sync *y, const char *change)
{
	if (change[0] != '\0' && sync_newer(change, y->last_change))
		snprintf(y->last_change, sizeof(y->last_change), "%s", change);
}

/* Arms the session's I/O bound and *tv for one request or answer. */
static void
sync_budget(struct sync *y, struct timeval *tv, int64_t ms)
{
	ldap_conn_session_deadline(y->s, ms + 1000);
	tv->tv_sec = (time_t)(ms / 1000);
	tv->tv_usec = (suseconds_t)(ms % 1000) * 1000;
}

/*
 * Runs one search, RFC 2696 paged (page_size entries a page), and hands
 * each entry to fn.  Each request and each answer gets the ldap timeout.
 * Returns 0 when every page came, -1 with y->err set (or 1 when the
 * replica is being stopped).
 */
static int
sync_paged(struct sync *y, const char *filter, char **attrs, sync_entry_fn fn)
{
	const replica_settings_t *set = y->set;
	LDAP		*ld = ldap_conn_session_ld(y->s);
	struct berval	 cookie = { 0, NULL };
	LDAPControl	*page = NULL, *ctrls[2] = { NULL, NULL }, **rctrls;
	LDAPMessage	*msg;
	struct timeval	 tv;
	ber_int_t	 count;
	int		 rc, msgid, done, status = 0;

	do {
		rc = ldap_create_page_control(ld, (ber_int_t)set->page_size,
		    &cookie, 0, &page);
		ber_memfree(cookie.bv_val);
		cookie.bv_val = NULL;
		cookie.bv_len = 0;
		if (rc != LDAP_SUCCESS)
			return sync_ldap_error(y, ld, rc, "paged results");
		ctrls[0] = page;
		sync_budget(y, &tv, set->timeout_ms);
		rc = ldap_search_ext(ld, set->base, set->scope, filter, attrs, 0,
		    ctrls, NULL, &tv, 0, &msgid);
		ldap_control_free(page);
		if (rc != LDAP_SUCCESS)
			return sync_ldap_error(y, ld, rc, "search");
		for (done = 0; !done; ) {
			if (replica_state_stopping(y->st)) {
				(void)ldap_abandon_ext(ld, msgid, NULL, NULL);
				return 1;
			}
			sync_budget(y, &tv, set->timeout_ms);
			msg = NULL;
			rc = ldap_result(ld, msgid, LDAP_MSG_ONE, &tv, &msg);
			if (rc <= 0) {
				ldap_msgfree(msg);
				(void)ldap_abandon_ext(ld, msgid, NULL, NULL);
				if (rc == 0)
					return sync_ldap_error(y, ld,
					    LDAP_TIMEOUT, "search");
				(void)ldap_get_option(ld, LDAP_OPT_RESULT_CODE,
				    &rc);
				return sync_ldap_error(y, ld, rc, "search");
			}
			switch (rc) {
			case LDAP_RES_SEARCH_ENTRY:
				if (status == 0 && fn(y, ld, msg) == -1)
					status = -1;
				break;
			case LDAP_RES_SEARCH_REFERENCE:
			case LDAP_RES_INTERMEDIATE:
				break;
			case LDAP_RES_SEARCH_RESULT:
				done = 1;
				rctrls = NULL;
				if (ldap_parse_result(ld, msg, &rc, NULL, NULL,
				    NULL, &rctrls, 0) != LDAP_SUCCESS)
					rc = LDAP_DECODING_ERROR;
				if (rc == LDAP_SUCCESS && rctrls != NULL &&
				    (page = ldap_control_find(
				    LDAP_CONTROL_PAGEDRESULTS, rctrls,
				    NULL)) != NULL &&
				    ldap_parse_pageresponse_control(ld, page,
				    &count, &cookie) != LDAP_SUCCESS)
					rc = LDAP_DECODING_ERROR;
				ldap_controls_free(rctrls);
				if (rc != LDAP_SUCCESS && status == 0) {
					ldap_msgfree(msg);
					ber_memfree(cookie.bv_val);
					return sync_ldap_error(y, ld, rc,
					    "search");
				}
				break;
			}
			ldap_msgfree(msg);
		}
		if (status == -1) {
			ber_memfree(cookie.bv_val);
			return -1;
		}
	} while (cookie.bv_len > 0);
	ber_memfree(cookie.bv_val);
	return 0;
}

/* The filter of the entries a replica holds: "(|(P=*)(T=*))". */
static void
sync_filter(const replica_settings_t *set, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "(|(%s=*)(%s=*))", set->proxy_attr,
	    set->target_attr);
}

/*
 * A full load's or an incremental search's entry: put into the store
 * (deleted when it holds no address any more), counted when it changed it.
 */
static int
sync_put_entry(struct sync *y, LDAP *ld, LDAPMessage *msg)
{
	struct sync_entry	 e;
	int			 rc;

	if (sync_read_entry(y, ld, msg, NULL, &e) == -1)
		return -1;
	sync_note_change(y, e.change);
	rc = replica_store_put(y->store, sync_entry_id(&e), &e.rec);
	sync_entry_clear(&e);
	if (rc == -1) {
		snprintf(y->err, sizeof(y->err), "out of memory");
		return -1;
	}
	y->changes += (size_t)rc;
	return 0;
}

/*
 * Loads every entry into the store and, when that changed it, swaps a new
 * index in.  Returns 0, -1 with y->err set, or 1 when the replica is
 * being stopped.
 */
static int
sync_full(struct sync *y)
{
	const replica_settings_t *set = y->set;
	char		 filter[512], uuid[] = "entryUUID";
	char		*attrs[] = { set->proxy_attr, set->target_attr, set->change_attr,
			    y->use_sync ? uuid : NULL, NULL };
	int64_t		 start = clock_ms();
	int		 rc;

	sync_filter(set, filter, sizeof(filter));
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
	if ((rc = sync_paged(y, filter, attrs, sync_put_entry)) != 0)
		return rc;
	y->changes += replica_store_sweep(y->store);
	if (y->changes > 0 || !y->loaded) {
		if (sync_publish(y) == -1)
			return -1;
	} else
		replica_state_good(y->st);
	y->loaded = 1;
	y->last_full_ms = clock_ms();
	sync_ok(y, METRICS_SYNC_FULL, start);
	if (!y->use_sync && y->last_change[0] == '\0' &&
	    replica_store_count(y->store) > 0)
		log_msg(LOG_WARNING, "replica: no entry has a value of %s (a "
		    "wrong change_attribute, or one the bind account may not "
		    "read): changes are seen at the full reload only, every "
		    "%d s; deletions at the polls' sweeps", set->change_attr,
		    set->refresh);
	return 0;
}

/* A sweep's entry (its DN only): marked seen. */
static int
sync_sweep_entry(struct sync *y, LDAP *ld, LDAPMessage *msg)
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

/*
 * One poll: the changed entries, then the sweep for deletions; a new
 * index when anything changed.  Returns 0, -1 with y->err set, or 1 when
 * the replica is being stopped.
 */
static int
sync_incremental(struct sync *y)
{
	const replica_settings_t *set = y->set;
	struct berval	 value, escaped = { 0, NULL };
	char		 filter[512], noattrs[] = LDAP_NO_ATTRS;
	char		*attrs[] = { set->proxy_attr, set->target_attr, set->change_attr,
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
		if ((rc = sync_paged(y, filter, attrs, sync_put_entry)) != 0)
			return rc;
	}
	if (clock_ms() >= y->next_sweep_ms) {
		int64_t	 t0 = clock_ms(), spent;

		sync_filter(set, filter, sizeof(filter));
		replica_store_round(y->store);
		if ((rc = sync_paged(y, filter, dn_only, sync_sweep_entry)) != 0)
			return rc;
		y->changes += replica_store_sweep(y->store);
		spent = clock_ms() - t0;
		y->next_sweep_ms = clock_ms() + spent * SYNC_SWEEP_FACTOR;
	}
	if (y->changes > 0) {
		if (sync_publish(y) == -1)
			return -1;
	} else
		replica_state_good(y->st);
	sync_ok(y, METRICS_SYNC_INCREMENTAL, start);
	return 0;
}

/*
 * Reads the session's rootDSE: y->offered (1 when supportedControl lists
 * the Sync Request Control) and y->server_id (the URI, and Active
 * Directory's dsServiceName: one name for one domain controller, whatever
 * name or balancer reached it).
 */
static void
sync_rootdse(struct sync *y)
{
	LDAP		*ld = ldap_conn_session_ld(y->s);
	char		 sc[] = "supportedControl", ds[] = "dsServiceName";
	char		*attrs[] = { sc, ds, NULL }, name[512];
	struct berval	**v;
	LDAPMessage	*msg = NULL, *e = NULL;
	struct timeval	 tv;

	y->offered = 0;
	name[0] = '\0';
	sync_budget(y, &tv, y->set->timeout_ms);
	if (ldap_search_ext_s(ld, "", LDAP_SCOPE_BASE, "(objectClass=*)",
	    attrs, 0, NULL, NULL, &tv, 1, &msg) == LDAP_SUCCESS &&
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
		sync_first_value(ld, e, ds, name, sizeof(name));
	ldap_msgfree(msg);
	snprintf(y->server_id, sizeof(y->server_id), "%s|%s",
	    ldap_conn_session_uri(y->s), name);
}

/* Checks that the server still answers, on the session: 0 or -1. */
static int
sync_beat(struct sync *y)
{
	LDAP		*ld = ldap_conn_session_ld(y->s);
	char		 noattrs[] = LDAP_NO_ATTRS;
	char		*attrs[] = { noattrs, NULL };
	LDAPMessage	*msg = NULL;
	struct timeval	 tv;
	int		 rc;

	sync_budget(y, &tv, y->set->timeout_ms);
	rc = ldap_search_ext_s(ld, "", LDAP_SCOPE_BASE, "(objectClass=*)",
	    attrs, 0, NULL, NULL, &tv, 1, &msg);
	ldap_msgfree(msg);
	if (rc != LDAP_SUCCESS)
		return sync_ldap_error(y, ld, rc, "liveness check");
	return 0;
}

/* Sets y->cookie to c when it holds one; -1: out of memory. */
static int
sync_take_cookie(struct sync *y, const syncrepl_cookie_t *c)
{
	if (c->val == NULL)
		return 0;
	if (syncrepl_cookie_copy(&y->cookie, c) == -1) {
		snprintf(y->err, sizeof(y->err), "out of memory");
		return -1;
	}
	return 0;
}

/* The state of one refreshAndPersist search. */
struct persist {
	int	 refreshing;	/* in the refresh phase */
	int	 full;		/* began without a cookie: all is sent */
	int	 swept;		/* the refresh's present phase is applied */
	int	 pending;	/* changes not yet in an index */
	int64_t	 start;		/* of the batch */
};

/* Applies the changes gathered so far: a new index, one log line. */
static int
sync_apply(struct sync *y, struct persist *p)
{
	if (y->changes > 0 && sync_publish(y) == -1)
		return -1;
	if (y->changes == 0)
		replica_state_good(y->st);
	sync_ok(y, METRICS_SYNC_PUSH, p->start);
	y->changes = 0;
	p->pending = 0;
	return 0;
}

/* A searchResultEntry of the sync search, with its Sync State Control. */
static int
sync_push_entry(struct sync *y, struct persist *p, LDAP *ld, LDAPMessage *msg)
{
	LDAPControl		**ctrls = NULL, *c;
	syncrepl_state_t	 st;
	struct sync_entry	 e;
	char			 uuid[SYNCREPL_UUID_TEXT];
	int			 rc = 0;

	if (ldap_get_entry_controls(ld, msg, &ctrls) != LDAP_SUCCESS ||
	    (c = ldap_control_find(SYNCREPL_STATE_OID, ctrls, NULL)) == NULL ||
	    syncrepl_state_decode(&c->ldctl_value, &st) == -1) {
		ldap_controls_free(ctrls);
		snprintf(y->err, sizeof(y->err), "syncrepl: an entry without "
		    "a valid Sync State Control");
		return -1;
	}
	ldap_controls_free(ctrls);
	syncrepl_uuid_format(st.uuid, uuid);
	if (!p->pending) {
		p->pending = 1;
		p->start = clock_ms();
	}
	switch (st.state) {
	case SYNCREPL_PRESENT:
		(void)replica_store_seen(y->store, uuid);
		break;
	case SYNCREPL_ADD:
	case SYNCREPL_MODIFY:
		if (sync_read_entry(y, ld, msg, uuid, &e) == -1) {
			rc = -1;
			break;
		}
		rc = replica_store_put(y->store, uuid, &e.rec);
		sync_entry_clear(&e);
		if (rc == -1)
			snprintf(y->err, sizeof(y->err), "out of memory");
		else
			y->changes += (size_t)rc;
		break;
	case SYNCREPL_DELETE:
		y->changes += (size_t)replica_store_del(y->store, uuid);
		break;
	}
	if (rc != -1)
		rc = sync_take_cookie(y, &st.cookie);
	syncrepl_state_free(&st);
	return rc == -1 ? -1 : 0;
}

/* The end of the refresh phase's present part: the unseen are gone. */
static void
sync_present_done(struct sync *y, struct persist *p)
{
	if (p->swept)
		return;
	y->changes += replica_store_sweep(y->store);
	p->swept = 1;
}

/* A Sync Info Message. */
static int
sync_push_info(struct sync *y, struct persist *p, LDAP *ld, LDAPMessage *msg)
{
	struct berval	*data = NULL;
	char		*oid = NULL;
	syncrepl_info_t	 in;
	char		 uuid[SYNCREPL_UUID_TEXT];
	int		 rc = 0, done = 0;

	if (ldap_parse_intermediate(ld, msg, &oid, &data, NULL, 0) !=
	    LDAP_SUCCESS || oid == NULL || strcmp(oid, SYNCREPL_INFO_OID) != 0 ||
	    data == NULL) {
		ldap_memfree(oid);
		ber_bvfree(data);
		return 0;		/* not ours: ignored */
	}
	if (syncrepl_info_decode(data, &in) == -1) {
		ldap_memfree(oid);
		ber_bvfree(data);
		snprintf(y->err, sizeof(y->err), "syncrepl: a malformed Sync "
		    "Info Message");
		return -1;
	}
	ldap_memfree(oid);
	ber_bvfree(data);
	if (!p->pending) {
		p->pending = 1;
		p->start = clock_ms();
	}
	switch (in.kind) {
	case SYNCREPL_NEW_COOKIE:
		break;
	case SYNCREPL_REFRESH_DELETE:
		done = in.refresh_done;
		break;
	case SYNCREPL_REFRESH_PRESENT:
		sync_present_done(y, p);
		done = in.refresh_done;
		break;
	case SYNCREPL_ID_SET:
		for (size_t i = 0; i < in.nuuids; i++) {
			syncrepl_uuid_format(in.uuids[i], uuid);
			if (in.refresh_deletes)
				y->changes += (size_t)replica_store_del(
				    y->store, uuid);
			else
				(void)replica_store_seen(y->store, uuid);
		}
		break;
	}
	rc = sync_take_cookie(y, &in.cookie);
	syncrepl_info_free(&in);
	if (rc == 0 && done && p->refreshing) {
		p->refreshing = 0;
		if (p->full)
			sync_present_done(y, p);
		rc = sync_apply(y, p);
	}
	return rc;
}

/*
 * One refreshAndPersist search on the session, until it fails, a full
 * reload is due, or the replica is being stopped.  Returns -1 with y->err
 * set, 1 when a full reload is due or the server asked for one (the
 * cookie is then dropped), 2 when stopped, 3 when the server refused the
 * search (a size limit, syncprov not on this database: y->err says).
 */
static int
sync_persist(struct sync *y)
{
	const replica_settings_t *set = y->set;
	LDAP		*ld = ldap_conn_session_ld(y->s);
	LDAPControl	 req, *ctrls[2] = { &req, NULL }, **rctrls, *c;
	LDAPMessage	*msg;
	struct persist	 p;
	struct berval	 value;
	struct timeval	 tv;
	syncrepl_done_t	 dn;
	char		 filter[512];
	char		*attrs[] = { set->proxy_attr, set->target_attr, NULL };
	int64_t		 beat_ms, last_beat;
	int		 rc, msgid, resumed = y->cookie.val != NULL;

	sync_filter(set, filter, sizeof(filter));
	if (syncrepl_request_encode(SYNCREPL_REFRESH_AND_PERSIST,
	    resumed ? &y->cookie : NULL, 0, &value) == -1) {
		snprintf(y->err, sizeof(y->err), "out of memory");
		return -1;
	}
	req.ldctl_oid = (char *)(uintptr_t)SYNCREPL_REQUEST_OID;
	req.ldctl_value = value;
	req.ldctl_iscritical = 1;
	sync_budget(y, &tv, set->timeout_ms);
	rc = ldap_search_ext(ld, set->base, set->scope, filter, attrs, 0, ctrls,
	    NULL, NULL, 0, &msgid);
	ber_memfree(value.bv_val);
	if (rc != LDAP_SUCCESS)
		return sync_ldap_error(y, ld, rc, "syncrepl search");
	log_msg(LOG_INFO, "replica: syncrepl refreshAndPersist started (%s, "
	    "cookie: %s)", ldap_conn_session_uri(y->s), resumed ? "resumed" :
	    "none");
	memset(&p, 0, sizeof(p));
	p.refreshing = 1;
	p.full = !resumed;
	y->changes = 0;
	replica_store_round(y->store);
	beat_ms = (int64_t)(set->poll < SYNC_BEAT_MAX_S ? set->poll :
	    SYNC_BEAT_MAX_S) * 1000;
	last_beat = clock_ms();

	for (;;) {
		if (replica_state_stopping(y->st)) {
			(void)ldap_abandon_ext(ld, msgid, NULL, NULL);
			return 2;
		}
		if (!p.refreshing && clock_ms() - y->last_full_ms >=
		    (int64_t)set->refresh * 1000) {
			(void)ldap_abandon_ext(ld, msgid, NULL, NULL);
			return 1;
		}
		if (!p.refreshing && clock_ms() - last_beat >= beat_ms) {
			if (sync_beat(y) == -1) {
				(void)ldap_abandon_ext(ld, msgid, NULL, NULL);
				return -1;
			}
			last_beat = clock_ms();
			if (!p.pending)
				replica_state_good(y->st);
			sync_check_age(y);
		}
		/* an answer may take the timeout; a quiet persist phase not */
		sync_budget(y, &tv, SYNC_BATCH_MS);
		ldap_conn_session_deadline(y->s, set->timeout_ms + 1000);
		msg = NULL;
		rc = ldap_result(ld, msgid, LDAP_MSG_ONE, &tv, &msg);
		if (rc == -1) {
			ldap_msgfree(msg);
			(void)ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &rc);
			return sync_ldap_error(y, ld, rc, "syncrepl");
		}
		if (rc == 0) {
			if (p.pending && !p.refreshing &&
			    sync_apply(y, &p) == -1)
				return -1;
			continue;
		}
		switch (rc) {
		case LDAP_RES_SEARCH_ENTRY:
			rc = sync_push_entry(y, &p, ld, msg);
			break;
		case LDAP_RES_INTERMEDIATE:
			rc = sync_push_info(y, &p, ld, msg);
			break;
		case LDAP_RES_SEARCH_RESULT:
			rctrls = NULL;
			if (ldap_parse_result(ld, msg, &rc, NULL, NULL, NULL,
			    &rctrls, 0) != LDAP_SUCCESS)
				rc = LDAP_DECODING_ERROR;
			if ((c = ldap_control_find(SYNCREPL_DONE_OID, rctrls,
			    NULL)) != NULL && syncrepl_done_decode(
			    &c->ldctl_value, &dn) == 0) {
				(void)sync_take_cookie(y, &dn.cookie);
				syncrepl_done_free(&dn);
			}
			ldap_controls_free(rctrls);
			ldap_msgfree(msg);
			if (rc == SYNC_REFRESH_REQUIRED) {
				syncrepl_cookie_free(&y->cookie);
				y->last_full_ms = 0;
				return 1;
			}
			if (rc == LDAP_SUCCESS)
				rc = LDAP_OTHER;
			(void)sync_ldap_error(y, ld, rc, "syncrepl search");
			/* the server answered: no use asking again soon */
			return sync_transient(rc) ? -1 : 3;
		default:
			rc = 0;
			break;
		}
		ldap_msgfree(msg);
		if (rc == 0 && p.pending && !p.refreshing &&
		    clock_ms() - p.start >= SYNC_BATCH_MAX_MS)
			rc = sync_apply(y, &p);	/* a server that never pauses */
		if (rc == -1) {
			(void)ldap_abandon_ext(ld, msgid, NULL, NULL);
			return -1;
		}
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
sync_same_server(struct sync *y)
{
	if (y->last_server[0] != '\0' &&
	    strcmp(y->last_server, y->server_id) == 0)
		return 1;
	snprintf(y->last_server, sizeof(y->last_server), "%s", y->server_id);
	syncrepl_cookie_free(&y->cookie);
	return 0;
}

/* 1 when the next sync should be syncrepl. */
static int
sync_wanted(const struct sync *y)
{
	return y->set->syncrepl && y->offered &&
	    clock_ms() >= y->refused_until;
}

/* The wait before the next poll: poll seconds, or less when a full reload
   is due sooner. */
static int64_t
sync_poll_wait(const struct sync *y)
{
	int64_t	 poll = (int64_t)y->set->poll * 1000;
	int64_t	 full = y->last_full_ms + (int64_t)y->set->refresh * 1000 -
		    clock_ms();

	if (full < 0)
		full = 0;
	return full < poll ? full : poll;
}

void *
replica_thread_main(void *arg)
{
	struct sync			 y;
	replica_state_t			*st = arg;
	const replica_settings_t	*set = replica_state_settings(st);
	int				 rc;

	memset(&y, 0, sizeof(y));
	y.st = st;
	y.set = set;
	if ((y.store = replica_store_new()) == NULL) {
		log_msg(LOG_ERR, "replica: out of memory: no replica");
		return NULL;
	}
	while (!replica_state_stopping(st)) {
		if (y.s == NULL) {
			if ((y.s = ldap_conn_session_open(set->ldap, y.err,
			    sizeof(y.err))) == NULL) {
				sync_failed(&y, !y.loaded ? METRICS_SYNC_FULL :
				    y.use_sync ? METRICS_SYNC_PUSH :
				    METRICS_SYNC_INCREMENTAL);
				if (replica_state_sleep(st, sync_retry_ms(set)))
					break;
				continue;
			}
			sync_rootdse(&y);
			if (sync_same_server(&y) == 0)
				y.last_full_ms = 0;	/* its own change values */
		}
		if (!y.loaded || y.last_full_ms == 0 || clock_ms() -
		    y.last_full_ms >= (int64_t)set->refresh * 1000) {
			y.use_sync = sync_wanted(&y);	/* keyed by it */
			if ((rc = sync_full(&y)) == 1)
				break;
			if (rc == -1) {
				sync_failed(&y, METRICS_SYNC_FULL);
				if (replica_state_sleep(st, sync_retry_ms(set)))
					break;
			}
			continue;
		}
		if (y.use_sync && !sync_wanted(&y)) {
			y.last_full_ms = 0;	/* another server: poll */
			continue;
		}
		if (y.use_sync) {
			if ((rc = sync_persist(&y)) == 2)
				break;
			if (rc == 3) {
				metrics_replica_sync(METRICS_SYNC_PUSH, 0);
				log_msg(LOG_WARNING, "replica: the server refused "
				    "the syncrepl search: %s; polling every %d s "
				    "until the next full reload", y.err, set->poll);
				y.refused_until = clock_ms() +
				    (int64_t)set->refresh * 1000;
				y.last_full_ms = 0;	/* keyed otherwise */
				continue;
			}
			if (rc == -1) {
				sync_failed(&y, METRICS_SYNC_PUSH);
				if (replica_state_sleep(st, sync_retry_ms(set)))
					break;
			}
			continue;
		}
		if (replica_state_sleep(st, sync_poll_wait(&y)))
			break;
		sync_check_age(&y);
		if (clock_ms() - y.last_full_ms >= (int64_t)set->refresh * 1000)
			continue;
		if ((rc = sync_incremental(&y)) == 1)
			break;
		if (rc == -1) {
			sync_failed(&y, METRICS_SYNC_INCREMENTAL);
			if (replica_state_sleep(st, sync_retry_ms(set)))
				break;
		}
	}
	ldap_conn_session_close(y.s);
	replica_store_free(y.store);
	syncrepl_cookie_free(&y.cookie);
	return NULL;
}

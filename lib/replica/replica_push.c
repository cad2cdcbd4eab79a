/*
 * replica_push.c - see replica_push.h.
 */
#include <sys/time.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <lber.h>
#include <ldap.h>

#include "clock.h"
#include "ldap_conn.h"
#include "log.h"
#include "metrics.h"
#include "replica_entry.h"
#include "replica_push.h"
#include "replica_search.h"
#include "replica_server.h"
#include "replica_state.h"
#include "replica_store.h"
#include "replica_sync.h"
#include "syncrepl.h"

#define REPLICA_PUSH_BATCH_MS		200	/* the quiet that ends a batch */
#define REPLICA_PUSH_BATCH_MAX_MS	1000	/* the longest a batch waits */
#define REPLICA_PUSH_BEAT_MAX_S		30	/* longest time between
						   liveness checks */
#define REPLICA_PUSH_REFRESH_REQUIRED	4096	/* e-syncRefreshRequired
						   (RFC 4533) */

/* 1 for a result that says the server or the connection is the trouble. */
static int
replica_push_transient(int rc)
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

/* Sets y->cookie to c when it holds one; -1: out of memory. */
static int
replica_push_cookie(replica_sync_t *y, const syncrepl_cookie_t *c)
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
replica_push_apply(replica_sync_t *y, struct persist *p)
{
	if (replica_store_dirty(y->store)) {
		if (replica_sync_publish(y) == -1)
			return -1;
	} else
		replica_state_good(y->st);
	replica_sync_ok(y, METRICS_SYNC_PUSH, p->start);
	y->changes = 0;
	p->pending = 0;
	return 0;
}

/* A searchResultEntry of the sync search, with its Sync State Control. */
static int
replica_push_entry(replica_sync_t *y, struct persist *p, LDAP *ld,
    LDAPMessage *msg)
{
	LDAPControl		**ctrls = NULL, *c;
	syncrepl_state_t	 st;
	replica_entry_t		 e;
	ldap_range_t		 range;
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
		replica_search_range(y, &range);
		if (replica_entry_read(&e, y->set, ld, msg, uuid,
		    REPLICA_ID_ENTRYUUID, &range, y->err, sizeof(y->err)) ==
		    -1) {
			rc = -1;
			break;
		}
		rc = replica_store_put(y->store, uuid, &e.rec);
		replica_entry_clear(&e);
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
		rc = replica_push_cookie(y, &st.cookie);
	syncrepl_state_free(&st);
	return rc == -1 ? -1 : 0;
}

/* The end of the refresh phase's present part: the unseen are gone. */
static void
replica_push_present_done(replica_sync_t *y, struct persist *p)
{
	if (p->swept)
		return;
	y->changes += replica_store_sweep(y->store);
	p->swept = 1;
}

/* A Sync Info Message. */
static int
replica_push_info(replica_sync_t *y, struct persist *p, LDAP *ld,
    LDAPMessage *msg)
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
		replica_push_present_done(y, p);
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
	rc = replica_push_cookie(y, &in.cookie);
	syncrepl_info_free(&in);
	if (rc == 0 && done && p->refreshing) {
		p->refreshing = 0;
		if (p->full)
			replica_push_present_done(y, p);
		rc = replica_push_apply(y, p);
	}
	return rc;
}

int
replica_push_run(replica_sync_t *y)
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

	replica_search_filter(set, filter, sizeof(filter));
	if (syncrepl_request_encode(SYNCREPL_REFRESH_AND_PERSIST,
	    resumed ? &y->cookie : NULL, 0, &value) == -1) {
		snprintf(y->err, sizeof(y->err), "out of memory");
		return -1;
	}
	req.ldctl_oid = (char *)(uintptr_t)SYNCREPL_REQUEST_OID;
	req.ldctl_value = value;
	req.ldctl_iscritical = 1;
	replica_search_budget(y, &tv, set->timeout_ms);
	rc = ldap_search_ext(ld, set->base, set->scope, filter, attrs, 0, ctrls,
	    NULL, NULL, 0, &msgid);
	ber_memfree(value.bv_val);
	if (rc != LDAP_SUCCESS)
		return replica_sync_error(y, ld, rc, "syncrepl search");
	log_msg(LOG_INFO, "replica: syncrepl refreshAndPersist started (%s, "
	    "cookie: %s)", ldap_conn_session_uri(y->s), resumed ? "resumed" :
	    "none");
	memset(&p, 0, sizeof(p));
	p.refreshing = 1;
	p.full = !resumed;
	y->changes = 0;
	replica_store_round(y->store);
	beat_ms = (int64_t)(set->poll < REPLICA_PUSH_BEAT_MAX_S ? set->poll :
	    REPLICA_PUSH_BEAT_MAX_S) * 1000;
	last_beat = clock_ms();

	for (;;) {
		if (replica_state_stopping(y->st)) {
			(void)ldap_abandon_ext(ld, msgid, NULL, NULL);
			return REPLICA_PUSH_STOPPED;
		}
		if (!p.refreshing && clock_ms() - y->last_full_ms >=
		    (int64_t)set->refresh * 1000) {
			(void)ldap_abandon_ext(ld, msgid, NULL, NULL);
			return REPLICA_PUSH_RELOAD;
		}
		if (!p.refreshing && clock_ms() - last_beat >= beat_ms) {
			if (replica_server_beat(y) == -1) {
				(void)ldap_abandon_ext(ld, msgid, NULL, NULL);
				return -1;
			}
			last_beat = clock_ms();
			if (!p.pending)
				replica_state_good(y->st);
			replica_sync_check_age(y);
		}
		/* an answer may take the timeout; a quiet persist phase not */
		replica_search_budget(y, &tv, REPLICA_PUSH_BATCH_MS);
		ldap_conn_session_deadline(y->s, set->timeout_ms + 1000);
		msg = NULL;
		rc = ldap_result(ld, msgid, LDAP_MSG_ONE, &tv, &msg);
		if (rc == -1) {
			ldap_msgfree(msg);
			(void)ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &rc);
			return replica_sync_error(y, ld, rc, "syncrepl");
		}
		if (rc == 0) {
			if (p.pending && !p.refreshing &&
			    replica_push_apply(y, &p) == -1)
				return -1;
			continue;
		}
		switch (rc) {
		case LDAP_RES_SEARCH_ENTRY:
			rc = replica_push_entry(y, &p, ld, msg);
			break;
		case LDAP_RES_INTERMEDIATE:
			rc = replica_push_info(y, &p, ld, msg);
			break;
		case LDAP_RES_SEARCH_RESULT:
			rctrls = NULL;
			if (ldap_parse_result(ld, msg, &rc, NULL, NULL, NULL,
			    &rctrls, 0) != LDAP_SUCCESS)
				rc = LDAP_DECODING_ERROR;
			if ((c = ldap_control_find(SYNCREPL_DONE_OID, rctrls,
			    NULL)) != NULL && syncrepl_done_decode(
			    &c->ldctl_value, &dn) == 0) {
				(void)replica_push_cookie(y, &dn.cookie);
				syncrepl_done_free(&dn);
			}
			ldap_controls_free(rctrls);
			ldap_msgfree(msg);
			if (rc == REPLICA_PUSH_REFRESH_REQUIRED) {
				syncrepl_cookie_free(&y->cookie);
				y->last_full_ms = 0;
				return REPLICA_PUSH_RELOAD;
			}
			if (rc == LDAP_SUCCESS)
				rc = LDAP_OTHER;
			(void)replica_sync_error(y, ld, rc, "syncrepl search");
			/* the server answered: no use asking again soon */
			return replica_push_transient(rc) ? -1 :
			    REPLICA_PUSH_REFUSED;
		default:
			rc = 0;
			break;
		}
		ldap_msgfree(msg);
		if (rc == 0 && p.pending && !p.refreshing &&
		    clock_ms() - p.start >= REPLICA_PUSH_BATCH_MAX_MS)
			rc = replica_push_apply(y, &p);	/* never pausing */
		if (rc == -1) {
			(void)ldap_abandon_ext(ld, msgid, NULL, NULL);
			return -1;
		}
	}
}

/*
 * replica_search.c - see replica_search.h.
 */
#include <sys/time.h>
#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <lber.h>
#include <ldap.h>

#include "ldap_conn.h"
#include "ldap_op.h"
#include "ldap_range.h"
#include "replica_search.h"
#include "replica_state.h"
#include "replica_sync.h"

void
replica_search_budget(replica_sync_t *y, struct timeval *tv, int64_t ms)
{
	ldap_conn_session_deadline(y->s, ms + 1000);
	tv->tv_sec = (time_t)(ms / 1000);
	tv->tv_usec = (suseconds_t)(ms % 1000) * 1000;
}

void
replica_search_show_deleted(LDAPControl *c)
{
	c->ldctl_oid = (char *)(uintptr_t)REPLICA_SEARCH_SHOW_DELETED_OID;
	c->ldctl_value.bv_len = 0;
	c->ldctl_value.bv_val = NULL;
	c->ldctl_iscritical = 1;
}

int
replica_search_paged(replica_sync_t *y, const char *base, int scope,
    const char *filter, char **attrs, LDAPControl *extra,
    replica_search_fn fn)
{
	const replica_settings_t *set = y->set;
	LDAP		*ld = ldap_conn_session_ld(y->s);
	struct berval	 cookie = { 0, NULL };
	LDAPControl	*page = NULL, *ctrls[3] = { NULL, extra, NULL };
	LDAPControl	**rctrls;
	LDAPMessage	*msg;
	struct timeval	 tv, limit;
	ber_int_t	 count;
	int		 rc, msgid, done, status = 0;

	do {
		rc = ldap_create_page_control(ld, (ber_int_t)set->page_size,
		    &cookie, 0, &page);
		ber_memfree(cookie.bv_val);
		cookie.bv_val = NULL;
		cookie.bv_len = 0;
		if (rc != LDAP_SUCCESS)
			return replica_sync_error(y, ld, rc, "paged results");
		ctrls[0] = page;
		replica_search_budget(y, &tv, set->timeout_ms);
		/* the server's limit never ends a page before the client */
		limit.tv_sec = ldap_op_timelimit(&tv);
		limit.tv_usec = 0;
		rc = ldap_search_ext(ld, base, scope, filter, attrs, 0, ctrls,
		    NULL, &limit, 0, &msgid);
		ldap_control_free(page);
		if (rc != LDAP_SUCCESS)
			return replica_sync_error(y, ld, rc, "search");
		for (done = 0; !done; ) {
			if (replica_state_stopping(y->st)) {
				(void)ldap_abandon_ext(ld, msgid, NULL, NULL);
				return 1;
			}
			replica_search_budget(y, &tv, set->timeout_ms);
			msg = NULL;
			rc = ldap_result(ld, msgid, LDAP_MSG_ONE, &tv, &msg);
			if (rc <= 0) {
				ldap_msgfree(msg);
				(void)ldap_abandon_ext(ld, msgid, NULL, NULL);
				if (rc == 0)
					return replica_sync_error(y, ld,
					    LDAP_TIMEOUT, "search");
				(void)ldap_get_option(ld, LDAP_OPT_RESULT_CODE,
				    &rc);
				return replica_sync_error(y, ld, rc, "search");
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
					return replica_sync_error(y, ld, rc,
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

void
replica_search_filter(const replica_settings_t *set, char *buf,
    size_t buflen)
{
	snprintf(buf, buflen, "(|(%s=*)(%s=*))", set->proxy_attr,
	    set->target_attr);
}

/* ldap_range_t's arm for the replica: a request's time, as a page's. */
static int
replica_search_arm(void *arg, struct timeval *tv)
{
	replica_sync_t	*y = arg;

	replica_search_budget(y, tv, y->set->timeout_ms);
	return 0;
}

void
replica_search_range(replica_sync_t *y, ldap_range_t *r)
{
	r->size = ldap_conn_range_size(y->set->ldap);
	r->arm = replica_search_arm;
	r->arg = y;
}

char *
replica_search_proxy_ask(const replica_sync_t *y, char *buf, size_t buflen)
{
	const replica_settings_t *set = y->set;

	if (ldap_range_attr(set->proxy_attr, ldap_conn_range_size(set->ldap),
	    buf, buflen) == NULL)
		snprintf(buf, buflen, "%s", set->proxy_attr);
	return buf;
}

/*
 * replica_search.c - see replica_search.h.
 */
#include <sys/time.h>
#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <lber.h>
#include <ldap.h>

#include "ldap_conn.h"
#include "ldap_op.h"
#include "ldap_range.h"
#include "replica_search.h"
#include "replica_state.h"
#include "replica_sync.h"

/* One search's question, the same for each of its pages. */
struct replica_query {
	const char	 *base;
	int		  scope;
	const char	 *filter;
	char		**attrs;
	LDAPControl	 *extra;
};

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

/* The entries of one page, kept until the request for the next is sent. */
struct replica_page {
	LDAPMessage	**v;
	size_t		  n, max;
};

/* Keeps msg in pg (pg owns it from then on).  0, or -1: no memory. */
static int
replica_page_keep(struct replica_page *pg, LDAPMessage *msg)
{
	LDAPMessage	**v;
	size_t		  max;

	if (pg->n == pg->max) {
		max = pg->max ? pg->max * 2 : 256;
		if ((v = realloc(pg->v, max * sizeof(*v))) == NULL)
			return -1;
		pg->v = v;
		pg->max = max;
	}
	pg->v[pg->n++] = msg;
	return 0;
}

/* Frees the entries pg still holds, and its array. */
static void
replica_page_free(struct replica_page *pg)
{
	for (size_t i = 0; i < pg->n; i++)
		ldap_msgfree(pg->v[i]);
	free(pg->v);
	pg->v = NULL;
	pg->n = pg->max = 0;
}

/*
 * Sends the request for the page after cookie (NULL: the first).  0 with
 * its message id in *msgid, or -1 with y->err set.
 */
static int
replica_search_send(replica_sync_t *y, const struct replica_query *q,
    struct berval *cookie, int *msgid)
{
	LDAP		*ld = ldap_conn_session_ld(y->s);
	LDAPControl	*page = NULL, *ctrls[3] = { NULL, q->extra, NULL };
	struct timeval	 tv, limit;
	int		 rc;

	rc = ldap_create_page_control(ld, (ber_int_t)y->set->page_size,
	    cookie, 0, &page);
	if (rc != LDAP_SUCCESS)
		return replica_sync_error(y, ld, rc, "paged results");
	ctrls[0] = page;
	replica_search_budget(y, &tv, y->set->timeout_ms);
	/* the server's limit never ends a page before the client */
	limit.tv_sec = ldap_op_timelimit(&tv);
	limit.tv_usec = 0;
	rc = ldap_search_ext(ld, q->base, q->scope, q->filter, q->attrs, 0,
	    ctrls, NULL, &limit, 0, msgid);
	ldap_control_free(page);
	if (rc != LDAP_SUCCESS)
		return replica_sync_error(y, ld, rc, "search");
	return 0;
}

/*
 * Reads the answer to page request msgid to its end: its entries kept in
 * pg, the cookie for the next page in *cookie (the caller frees it with
 * ber_memfree(); empty after the last page).  0, -1 with y->err set, or 1
 * when the replica is being stopped; the request is abandoned unless it
 * ended.
 */
static int
replica_search_read(replica_sync_t *y, int msgid, struct replica_page *pg,
    struct berval *cookie)
{
	LDAP		*ld = ldap_conn_session_ld(y->s);
	LDAPControl	**rctrls, *page;
	LDAPMessage	*msg;
	struct timeval	 tv;
	ber_int_t	 count;
	int		 rc;

	for (;;) {
		if (replica_state_stopping(y->st)) {
			(void)ldap_abandon_ext(ld, msgid, NULL, NULL);
			return 1;
		}
		replica_search_budget(y, &tv, y->set->timeout_ms);
		msg = NULL;
		rc = ldap_result(ld, msgid, LDAP_MSG_ONE, &tv, &msg);
		if (rc <= 0) {
			ldap_msgfree(msg);
			(void)ldap_abandon_ext(ld, msgid, NULL, NULL);
			if (rc == 0)
				return replica_sync_error(y, ld, LDAP_TIMEOUT,
				    "search");
			(void)ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &rc);
			return replica_sync_error(y, ld, rc, "search");
		}
		if (rc == LDAP_RES_SEARCH_ENTRY) {
			if (replica_page_keep(pg, msg) == -1) {
				ldap_msgfree(msg);
				(void)ldap_abandon_ext(ld, msgid, NULL, NULL);
				snprintf(y->err, sizeof(y->err),
				    "out of memory");
				return -1;
			}
			continue;
		}
		if (rc != LDAP_RES_SEARCH_RESULT) {
			ldap_msgfree(msg);	/* references are not chased */
			continue;
		}
		rctrls = NULL;
		if (ldap_parse_result(ld, msg, &rc, NULL, NULL, NULL, &rctrls,
		    0) != LDAP_SUCCESS)
			rc = LDAP_DECODING_ERROR;
		ldap_msgfree(msg);
		if (rc == LDAP_SUCCESS && rctrls != NULL &&
		    (page = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS,
		    rctrls, NULL)) != NULL &&
		    ldap_parse_pageresponse_control(ld, page, &count,
		    cookie) != LDAP_SUCCESS)
			rc = LDAP_DECODING_ERROR;
		ldap_controls_free(rctrls);
		if (rc != LDAP_SUCCESS)
			return replica_sync_error(y, ld, rc, "search");
		return 0;
	}
}

/*
 * The pages are read one ahead: once a page's last message has come, the
 * request for the next goes out before fn sees the page's entries, so
 * that the server makes the next page while fn works on this one.
 */
int
replica_search_paged(replica_sync_t *y, const char *base, int scope,
    const char *filter, char **attrs, LDAPControl *extra,
    replica_search_fn fn)
{
	const struct replica_query q = { base, scope, filter, attrs, extra };
	LDAP			*ld = ldap_conn_session_ld(y->s);
	struct replica_page	 pg = { NULL, 0, 0 };
	struct berval		 cookie = { 0, NULL };
	int			 msgid, next, rc = 0;

	if (replica_search_send(y, &q, NULL, &msgid) == -1)
		return -1;
	for (;;) {
		if ((rc = replica_search_read(y, msgid, &pg, &cookie)) != 0)
			break;
		next = -1;
		if (cookie.bv_len > 0 &&
		    replica_search_send(y, &q, &cookie, &next) == -1)
			rc = -1;
		ber_memfree(cookie.bv_val);
		cookie.bv_val = NULL;
		cookie.bv_len = 0;
		for (size_t i = 0; i < pg.n; i++) {
			if (rc == 0 && fn(y, ld, pg.v[i]) == -1)
				rc = -1;
			ldap_msgfree(pg.v[i]);
		}
		pg.n = 0;
		if (rc == 0 && next != -1 && replica_state_stopping(y->st))
			rc = 1;
		if (rc != 0 || next == -1) {
			if (next != -1)
				(void)ldap_abandon_ext(ld, next, NULL, NULL);
			break;
		}
		msgid = next;
	}
	replica_page_free(&pg);
	ber_memfree(cookie.bv_val);	/* a page that failed may leave one */
	return rc;
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

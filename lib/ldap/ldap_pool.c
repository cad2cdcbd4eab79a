/*
 * ldap_pool.c - see ldap_pool.h.  The free list is under the pool's lock
 * and condition variable (on CLOCK_MONOTONIC, the clock of the
 * deadlines); everything else a thread does with its slot is outside it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <ldap.h>

#include "clock.h"
#include "ldap_conn.h"
#include "ldap_op.h"
#include "ldap_pool.h"

struct ldap_pool {
	ldap_conn_t		 *lc;
	pthread_mutex_t		  lock;
	pthread_cond_t		  cond;
	int			  lock_made, cond_made;
	ldap_conn_session_t	**slots;
	size_t			  nslots;
	size_t			 *freelist;	/* free slots (lock) */
	size_t			  nfree;
};

/*
 * Returns 1 when rc says the connection or the server failed, rather
 * than the request: the connection is dropped and another one tried.
 */
static int
ldap_pool_conn_error(int rc)
{
	switch (rc) {
	case LDAP_SERVER_DOWN:
	case LDAP_CONNECT_ERROR:
	case LDAP_TIMEOUT:
	case LDAP_UNAVAILABLE:
	case LDAP_BUSY:
	case LDAP_LOCAL_ERROR:
	case LDAP_ENCODING_ERROR:
	case LDAP_DECODING_ERROR:
	case LDAP_PROTOCOL_ERROR:
	case LDAP_OTHER:
		return 1;
	default:
		return 0;
	}
}

/*
 * Takes a free slot, waiting until deadline (a clock_ms() value) at most.
 * Returns its number, or -1 with a message in err.
 */
static long
ldap_pool_acquire(ldap_pool_t *p, int64_t deadline_ms, char *err,
    size_t errlen)
{
	struct timespec	 deadline;
	int64_t		 timeout_ms = ldap_conn_timeout_ms(p->lc);
	long		 slot;
	int		 rc = 0;

	/* clock_ms() is CLOCK_MONOTONIC, the condition variable's clock */
	clock_timespec(deadline_ms, &deadline);
	pthread_mutex_lock(&p->lock);
	while (p->nfree == 0 && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&p->cond, &p->lock, &deadline);
	if (p->nfree == 0) {
		pthread_mutex_unlock(&p->lock);
		snprintf(err, errlen, "ldap: all %zu connections stayed busy "
		    "for the lookup's timeout of %ld.%03ld s", p->nslots,
		    (long)(timeout_ms / 1000), (long)(timeout_ms % 1000));
		return -1;
	}
	slot = (long)p->freelist[--p->nfree];
	pthread_mutex_unlock(&p->lock);
	return slot;
}

/* Puts a slot back and wakes one waiting thread. */
static void
ldap_pool_release(ldap_pool_t *p, long slot)
{
	pthread_mutex_lock(&p->lock);
	p->freelist[p->nfree++] = (size_t)slot;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

int
ldap_pool_search(ldap_pool_t *p, const char *base, int scope,
    const char *filter, char **attrs, int sizelimit, ldap_pool_parse_fn parse,
    void *arg, char *err, size_t errlen)
{
	ldap_op_t		 op;
	ldap_conn_session_t	*s;
	struct timeval		 tv;
	LDAPMessage		*msg;
	LDAP			*ld;
	char			 reason[640];
	long			 slot;
	int			 rc, reused, status;

	ldap_conn_begin(p->lc, &op);
	if ((slot = ldap_pool_acquire(p, op.deadline, err, errlen)) == -1)
		return -1;
	s = p->slots[slot];
	for (int attempt = 0; attempt < 2; attempt++) {
		reused = ldap_conn_session_connected(s);
		if (!reused && ldap_conn_session_connect(s, &op) == -1)
			break;
		/* no time left: the handle is fine, keep it */
		if (ldap_conn_session_arm(s, &op, "search", &tv) == -1)
			break;
		ld = ldap_conn_session_ld(s);
		msg = NULL;
		rc = ldap_op_search(ld, base, scope, filter, attrs, NULL, &tv,
		    sizelimit, &msg);
		if (rc == LDAP_SUCCESS || (rc == LDAP_SIZELIMIT_EXCEEDED &&
		    msg != NULL && ldap_count_entries(ld, msg) > 0)) {
			status = parse(arg, ld, msg, err, errlen);
			ldap_msgfree(msg);
			ldap_pool_release(p, slot);
			return status;
		}
		ldap_msgfree(msg);
		ldap_op_note(&op, "%s: search: %s", ldap_conn_session_uri(s),
		    ldap_op_reason(ld, rc, reason, sizeof(reason)));
		if (!ldap_pool_conn_error(rc)) {
			/* the server answered, with an error: keep the handle */
			ldap_pool_release(p, slot);
			ldap_op_error(&op, err, errlen);
			return -1;
		}
		if (!reused || rc != LDAP_SERVER_DOWN)
			ldap_conn_session_failed(s, &op);
		ldap_conn_session_drop(s);
	}
	ldap_pool_release(p, slot);
	ldap_op_error(&op, err, errlen);
	return -1;
}

ldap_pool_t *
ldap_pool_open(ldap_conn_t *lc, size_t n, char *err, size_t errlen)
{
	ldap_pool_t		*p;
	pthread_condattr_t	 ca;

	if (n == 0)
		n = 1;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		goto nomem;
	p->lc = lc;
	if ((p->slots = calloc(n, sizeof(*p->slots))) == NULL ||
	    (p->freelist = calloc(n, sizeof(size_t))) == NULL)
		goto fail;
	for (p->nslots = 0; p->nslots < n; p->nslots++)
		if ((p->slots[p->nslots] = ldap_conn_session_new(lc)) == NULL)
			goto fail;
	for (size_t i = 0; i < n; i++)
		p->freelist[p->nfree++] = n - 1 - i;
	if (pthread_mutex_init(&p->lock, NULL) != 0)
		goto fail;
	p->lock_made = 1;
	if (pthread_condattr_init(&ca) != 0)
		goto fail;
	if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&p->cond, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		goto fail;
	}
	pthread_condattr_destroy(&ca);
	p->cond_made = 1;
	return p;

fail:
	ldap_pool_close(p);
nomem:
	snprintf(err, errlen, "ldap: out of memory");
	return NULL;
}

void
ldap_pool_close(ldap_pool_t *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->nslots; i++)
		ldap_conn_session_close(p->slots[i]);
	if (p->cond_made)
		pthread_cond_destroy(&p->cond);
	if (p->lock_made)
		pthread_mutex_destroy(&p->lock);
	free(p->slots);
	free(p->freelist);
	free(p);
}

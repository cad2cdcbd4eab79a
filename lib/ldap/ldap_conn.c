/*
 * ldap_conn.c - the way to the LDAP servers (see ldap_conn.h): the
 * server list and which servers are down, and connecting one session
 * with failover, TLS and the bind, each step within its share of an
 * operation's deadline (ldap_op.h).
 *
 * The down marks are the only thing sessions share: they are under the
 * handle's lock, taken for the marks only, never across a network step.
 */
#include <sys/time.h>
#include <sys/types.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <lber.h>
#include <ldap.h>

#include "clock.h"
#include "ldap_bind.h"
#include "ldap_conn.h"
#include "ldapio.h"
#include "log.h"
#include "regfile.h"

#define LDAP_CONN_DOWN_MS	30000	/* a failed server is tried last */

struct ldap_conn_server {
	char		*uri;
	int		 starttls;	/* ldap:// with starttls = true */
	int		 tls;		/* ldaps:// or StartTLS */
	int64_t		 failed_at;	/* ldap_conn_stamp(); 0: up (lock) */
};

struct ldap_conn {
	struct ldap_conn_server	*servers;
	size_t			 nservers;
	char			*ca_file;	/* "" = the system's */
	ldap_bind_t		*bind;
	int64_t			 timeout_ms;	/* >= 1 */
	int			 range_size;	/* ldap_range.h; 0: plainly */
	pthread_mutex_t		 lock;		/* the down marks */
	int			 lock_made;
};

struct ldap_conn_session {
	ldap_conn_t		*lc;
	LDAP			*ld;		/* NULL: not connected */
	size_t			 server;	/* the one it is connected to */
	int64_t			 deadline;	/* of its I/O (clock_ms()) */
	struct ldap_conncb	 conncb;	/* adds ldapio, to deadline */
};

/* Returns clock_ms() + 1: a time that is never 0 ("not down"). */
static int64_t
ldap_conn_stamp(void)
{
	return clock_ms() + 1;
}

void
ldap_conn_begin(const ldap_conn_t *lc, ldap_op_t *op)
{
	ldap_op_begin(op, lc->timeout_ms, lc->nservers);
}

/* Records that server i failed (now) or answered (0). */
static void
ldap_conn_mark(ldap_conn_t *lc, size_t i, int failed)
{
	pthread_mutex_lock(&lc->lock);
	lc->servers[i].failed_at = failed ? ldap_conn_stamp() : 0;
	pthread_mutex_unlock(&lc->lock);
}

/* libldap's connection callback: a TCP connection is up, TLS not yet. */
static int
ldap_conn_io_add(LDAP *ld, Sockbuf *sb, LDAPURLDesc *srv,
    struct sockaddr *addr, struct ldap_conncb *ctx)
{
	ldap_conn_session_t	*s = ctx->lc_arg;

	(void)ld;
	(void)srv;
	(void)addr;
	return ldapio_push(sb, &s->deadline);
}

/* libldap's connection callback: nothing to undo (sb may be NULL). */
static void
ldap_conn_io_del(LDAP *ld, Sockbuf *sb, struct ldap_conncb *ctx)
{
	(void)ld;
	(void)sb;
	(void)ctx;
}

/* Sets one option of a new handle; names it in why on failure. */
static int
ldap_conn_option(LDAP *ld, int option, const void *value, const char *name,
    char *why, size_t whylen)
{
	int	 rc;

	if ((rc = ldap_set_option(ld, option, value)) == LDAP_OPT_SUCCESS)
		return 0;
	snprintf(why, whylen, "cannot set %s: %s", name, ldap_err2string(rc));
	return -1;
}

/*
 * Gives the next request on ld what is left of s's deadline: the connect
 * (LDAP_OPT_NETWORK_TIMEOUT) and the wait for each answer
 * (LDAP_OPT_TIMEOUT); *tv gets it too.  Returns 0, or -1 with the reason
 * in why when nothing is left (op's timeout is spent) or an option is
 * refused.
 */
static int
ldap_conn_budget(ldap_conn_session_t *s, const ldap_op_t *op, LDAP *ld,
    const char *step, struct timeval *tv, char *why, size_t whylen)
{
	if (ldap_op_left(s->deadline, tv) == -1) {
		ldap_op_spent(op, step, why, whylen);
		return -1;
	}
	if (ldap_conn_option(ld, LDAP_OPT_NETWORK_TIMEOUT, tv,
	    "the network timeout", why, whylen) == -1 ||
	    ldap_conn_option(ld, LDAP_OPT_TIMEOUT, tv,
	    "the timeout", why, whylen) == -1)
		return -1;
	return 0;
}

/*
 * Sets the options of a new handle to server sv: LDAPv3, no referrals,
 * the I/O layer of s, and TLS checks when sv uses TLS.  Returns 0, or -1
 * with the reason in why.
 */
static int
ldap_conn_options(ldap_conn_session_t *s, const struct ldap_conn_server *sv,
    LDAP *ld, char *why, size_t whylen)
{
	const ldap_conn_t	*lc = s->lc;
	int			 v = LDAP_VERSION3;

	if (ldap_conn_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v,
	    "the protocol version", why, whylen) == -1 ||
	    ldap_conn_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF,
	    "referrals off", why, whylen) == -1 ||
	    ldap_conn_option(ld, LDAP_OPT_CONNECT_CB, &s->conncb,
	    "the connection callback", why, whylen) == -1)
		return -1;
	if (!sv->tls)
		return 0;
	v = LDAP_OPT_X_TLS_DEMAND;
	if (ldap_conn_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &v,
	    "TLS certificate checks", why, whylen) == -1)
		return -1;
	if (lc->ca_file[0] != '\0' &&
	    ldap_conn_option(ld, LDAP_OPT_X_TLS_CACERTFILE, lc->ca_file,
	    "the TLS CA file", why, whylen) == -1)
		return -1;
	v = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2;
	if (ldap_conn_option(ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &v,
	    "the TLS version", why, whylen) == -1)
		return -1;
	v = 0;		/* a client context */
	return ldap_conn_option(ld, LDAP_OPT_X_TLS_NEWCTX, &v, "a TLS context",
	    why, whylen);
}

/*
 * Connects a handle to server i for s, within op: options, TLS, bind,
 * each within what is left of s->deadline.  Returns the handle, or NULL
 * with the reason in why (never the password).
 */
static LDAP *
ldap_conn_one(ldap_conn_session_t *s, const ldap_op_t *op, size_t i,
    char *why, size_t whylen)
{
	const struct ldap_conn_server	*sv = &s->lc->servers[i];
	LDAP				*ld = NULL;
	struct timeval			 tv;
	char				 reason[512];
	int				 rc;

	if ((rc = ldap_initialize(&ld, sv->uri)) != LDAP_SUCCESS) {
		snprintf(why, whylen, "%s", ldap_err2string(rc));
		return NULL;
	}
	if (ldap_conn_options(s, sv, ld, why, whylen) == -1)
		goto fail;
	if (sv->starttls) {
		if (ldap_conn_budget(s, op, ld, "StartTLS", &tv, why,
		    whylen) == -1)
			goto fail;
		if ((rc = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS) {
			snprintf(why, whylen, "StartTLS: %s",
			    ldap_op_reason(ld, rc, reason, sizeof(reason)));
			goto fail;
		}
	}
	if (ldap_conn_budget(s, op, ld, sv->starttls ? "bind" : "connect", &tv,
	    why, whylen) == -1)
		goto fail;
	if ((rc = ldap_bind_run(s->lc->bind, ld, sv->tls)) != LDAP_SUCCESS) {
		if (!sv->starttls && (rc == LDAP_SERVER_DOWN ||
		    rc == LDAP_CONNECT_ERROR))
			snprintf(why, whylen, "connect: %s",
			    ldap_op_reason(ld, rc, reason, sizeof(reason)));
		else
			snprintf(why, whylen, "%s: %s%s",
			    ldap_bind_name(s->lc->bind),
			    ldap_op_reason(ld, rc, reason, sizeof(reason)),
			    ldap_bind_hint(s->lc->bind, rc, sv->tls));
		goto fail;
	}
	return ld;

fail:
	(void)ldap_unbind_ext_s(ld, NULL, NULL);
	return NULL;
}

int
ldap_conn_session_connect(ldap_conn_session_t *s, ldap_op_t *op)
{
	ldap_conn_t	*lc = s->lc;
	struct timeval	 tv;
	uint64_t	 down = 0;
	int64_t		 now = ldap_conn_stamp();
	char		 why[640];
	LDAP		*ld;

	pthread_mutex_lock(&lc->lock);
	for (size_t i = 0; i < lc->nservers; i++)
		if (lc->servers[i].failed_at != 0 &&
		    now - lc->servers[i].failed_at < LDAP_CONN_DOWN_MS)
			down |= UINT64_C(1) << i;
	pthread_mutex_unlock(&lc->lock);

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < lc->nservers; i++) {
			uint64_t	 bit = UINT64_C(1) << i;

			if ((op->tried & bit) || ((down & bit) != 0) != pass)
				continue;
			if (ldap_op_left(op->deadline, &tv) == -1) {
				/* not the server's fault: it is not marked */
				ldap_op_spent(op, "", why, sizeof(why));
				ldap_op_note(op, "%s: not tried: %s",
				    lc->servers[i].uri, why);
				return -1;
			}
			s->deadline = ldap_op_share(op, i);
			op->tried |= bit;
			if ((ld = ldap_conn_one(s, op, i, why, sizeof(why))) ==
			    NULL) {
				ldap_conn_mark(lc, i, 1);
				ldap_op_note(op, "%s: %s",
				    lc->servers[i].uri, why);
				continue;
			}
			ldap_conn_mark(lc, i, 0);
			s->ld = ld;
			s->server = i;
			return 0;
		}
	}
	return -1;
}

ldap_conn_session_t *
ldap_conn_session_new(ldap_conn_t *lc)
{
	ldap_conn_session_t	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->lc = lc;
	s->conncb.lc_add = ldap_conn_io_add;
	s->conncb.lc_del = ldap_conn_io_del;
	s->conncb.lc_arg = s;
	return s;
}

ldap_conn_session_t *
ldap_conn_session_open(ldap_conn_t *lc, char *err, size_t errlen)
{
	ldap_conn_session_t	*s;
	ldap_op_t		 op;

	if ((s = ldap_conn_session_new(lc)) == NULL) {
		snprintf(err, errlen, "ldap: out of memory");
		return NULL;
	}
	ldap_conn_begin(lc, &op);
	if (ldap_conn_session_connect(s, &op) == -1) {
		ldap_op_error(&op, err, errlen);
		ldap_conn_session_close(s);
		return NULL;
	}
	return s;
}

int
ldap_conn_session_connected(const ldap_conn_session_t *s)
{
	return s->ld != NULL;
}

int
ldap_conn_session_arm(ldap_conn_session_t *s, ldap_op_t *op,
    const char *step, struct timeval *tv)
{
	char	 why[640];

	s->deadline = ldap_op_share(op, s->server);
	if (ldap_conn_budget(s, op, s->ld, step, tv, why, sizeof(why)) == -1) {
		ldap_op_note(op, "%s: %s", s->lc->servers[s->server].uri,
		    why);
		return -1;
	}
	return 0;
}

void
ldap_conn_session_deadline(ldap_conn_session_t *s, int64_t ms)
{
	s->deadline = clock_ms() + ms;
}

LDAP *
ldap_conn_session_ld(ldap_conn_session_t *s)
{
	return s->ld;
}

const char *
ldap_conn_session_uri(const ldap_conn_session_t *s)
{
	return s->lc->servers[s->server].uri;
}

void
ldap_conn_session_failed(ldap_conn_session_t *s, ldap_op_t *op)
{
	if (op != NULL)
		op->tried |= UINT64_C(1) << s->server;
	ldap_conn_mark(s->lc, s->server, 1);
}

void
ldap_conn_session_drop(ldap_conn_session_t *s)
{
	if (s->ld != NULL)
		(void)ldap_unbind_ext_s(s->ld, NULL, NULL);
	s->ld = NULL;
}

void
ldap_conn_session_close(ldap_conn_session_t *s)
{
	if (s == NULL)
		return;
	ldap_conn_session_drop(s);
	free(s);
}

int64_t
ldap_conn_timeout_ms(const ldap_conn_t *lc)
{
	return lc->timeout_ms;
}

int
ldap_conn_range_size(const ldap_conn_t *lc)
{
	return lc->range_size;
}

/*
 * Copies the server list: each URI must parse; ldaps:// is TLS, ldap://
 * with starttls gets StartTLS.  Returns 0, or -1 with a message in err.
 */
static int
ldap_conn_servers(ldap_conn_t *lc, const config_ldap_t *cl, const char *file,
    char *err, size_t errlen)
{
	LDAPURLDesc			*lud;
	int				 rc;

	if (cl->nuri == 0 || cl->nuri > LDAP_OP_SERVERS_MAX) {
		snprintf(err, errlen, "%s: directory.ldap.uri: between 1 and "
		    "%d servers", file, LDAP_OP_SERVERS_MAX);
		return -1;
	}
	if ((lc->servers = calloc(cl->nuri, sizeof(*lc->servers))) == NULL)
		goto nomem;
	lc->nservers = cl->nuri;
	for (size_t i = 0; i < cl->nuri; i++) {
		struct ldap_conn_server	*sv = &lc->servers[i];

		if ((rc = ldap_url_parse(cl->uri[i], &lud)) != LDAP_URL_SUCCESS) {
			snprintf(err, errlen, "%s: directory.ldap.uri '%s': not "
			    "a valid LDAP URI (error %d)", file,
			    cl->uri[i], rc);
			return -1;
		}
		sv->tls = strcasecmp(lud->lud_scheme, "ldaps") == 0;
		sv->starttls = cl->starttls &&
		    strcasecmp(lud->lud_scheme, "ldap") == 0;
		sv->tls |= sv->starttls;
		ldap_free_urldesc(lud);
		if ((sv->uri = strdup(cl->uri[i])) == NULL)
			goto nomem;
	}
	return 0;
nomem:
	snprintf(err, errlen, "%s: out of memory", file);
	return -1;
}

/* directory.ldap.timeout in milliseconds, as a timeval rounds it: >= 1. */
static int64_t
ldap_conn_timeout(double timeout)
{
	struct timeval	 tv;

	tv.tv_sec = (time_t)timeout;
	tv.tv_usec = (suseconds_t)((timeout - (double)tv.tv_sec) * 1e6);
	if (tv.tv_sec == 0 && tv.tv_usec < 1000)
		tv.tv_usec = 1000;
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

ldap_conn_t *
ldap_conn_open(const config_ldap_t *cl, const char *file, const char *user,
    char *err, size_t errlen)
{
	ldap_conn_t			*lc;
	char				 why[1024];
	int				 fd, v;

	if (file == NULL || cl->uri == NULL || cl->tls_ca_file == NULL) {
		snprintf(err, errlen, "directory: incomplete ldap settings");
		return NULL;
	}
	if ((lc = calloc(1, sizeof(*lc))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", file);
		return NULL;
	}
	if (ldap_conn_servers(lc, cl, file, err, errlen) == -1)
		goto fail;
	if (cl->tls_ca_file[0] != '\0') {
		if ((fd = regfile_open(cl->tls_ca_file, why, sizeof(why))) == -1) {
			snprintf(err, errlen, "%s: directory.ldap.tls_ca_file "
			    "%s: cannot read: %s", file, cl->tls_ca_file,
			    why);
			goto fail;
		}
		(void)close(fd);
	}
	if ((lc->bind = ldap_bind_open(cl, file, user, err, errlen)) == NULL)
		goto fail;
	if (ldap_bind_clear(cl, file, why, sizeof(why)))
		log_msg(LOG_WARNING, "%s", why);
	if ((lc->ca_file = strdup(cl->tls_ca_file)) == NULL)
		goto nomem;
	lc->timeout_ms = ldap_conn_timeout(cl->timeout);
	lc->range_size = cl->range_size;
	if (pthread_mutex_init(&lc->lock, NULL) != 0)
		goto nomem;
	lc->lock_made = 1;

	/* libldap's global set-up (ldap.conf), once, before any thread */
	(void)ldap_get_option(NULL, LDAP_OPT_PROTOCOL_VERSION, &v);
	return lc;

nomem:
	snprintf(err, errlen, "%s: out of memory", file);
fail:
	ldap_conn_close(lc);
	return NULL;
}

void
ldap_conn_close(ldap_conn_t *lc)
{
	if (lc == NULL)
		return;
	for (size_t i = 0; lc->servers != NULL && i < lc->nservers; i++)
		free(lc->servers[i].uri);
	if (lc->lock_made)
		pthread_mutex_destroy(&lc->lock);
	ldap_bind_close(lc->bind);
	free(lc->servers);
	free(lc->ca_file);
	free(lc);
}

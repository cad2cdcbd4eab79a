/*
 * dir_ldap.c - the production back-end: an LDAP directory reached with
 * OpenLDAP's libldap, as Postfix's dict_ldap and OpenDKIM's LDAP code do.
 *
 * The pool.  directory.ldap.connections slots, each an LDAP handle or
 * nothing yet.  A thread takes a slot off a free list (mutex + condition
 * variable; it waits until the lookup's deadline at most), uses it
 * alone, outside the lock, and puts it back.  A slot without a handle is
 * connected by the thread that took it, so a slow server never holds the
 * lock.
 *
 * Servers.  The uri list is tried in order.  libldap's LDAP_OPT_RESTART
 * only restarts interrupted system calls, it never reconnects: failover is
 * done here.  A server that failed (connect, StartTLS, bind, or a search
 * that timed out) is "down" for DIR_LDAP_DOWN_MS: new connections try the
 * servers that are not down first, in order, then the down ones, in
 * order, so a server that comes back is used again at once when it is the
 * only one, and a hung server does not slow every reconnection while
 * another one answers.  Within one lookup a server is tried at most once.
 *
 * Timeouts.  directory.ldap.timeout bounds the whole lookup, as one
 * deadline taken when it starts: the wait for a free slot
 * (pthread_cond_timedwait to the deadline), then every step gets only
 * what is left of it -- the TCP connect (LDAP_OPT_NETWORK_TIMEOUT),
 * StartTLS, the bind and the search, each request and its answer
 * (LDAP_OPT_TIMEOUT, and the search's own time limit), set again before
 * each call -- and, with the I/O layer of ldapio.c in each connection
 * (it reads the slot's deadline), every read and write of the TLS
 * handshake, which libldap leaves unbounded.  The retry on a fresh
 * connection and the next server share the same deadline; once it is
 * spent nothing more is tried.  So that a hung server does not spend it
 * all while another one could answer, a step on one server (connect to
 * bind, or a search) gets a share of what is left: left / (1 + the
 * servers still untried in this lookup) -- all of it with one server.
 *
 * Failures.  A search that fails at the connection level (server down,
 * timeout, TLS, busy, unavailable, protocol) drops the handle and is
 * retried once on a fresh connection.  A handle that had been used before
 * and finds its server gone (LDAP_SERVER_DOWN: an idle connection the
 * server closed, or a server restarted) may reconnect to the same server.
 * When nothing answers, the lookup is DIR_TRYAGAIN with every server tried
 * and libldap's reason; never DIR_NOTFOUND.
 *
 * Security.  TLS (ldaps:// or StartTLS) always verifies the server's
 * certificate (LDAP_OPT_X_TLS_REQUIRE_CERT = DEMAND) against tls_ca_file
 * (or the system's CAs), with a TLS context made per handle
 * (LDAP_OPT_X_TLS_NEWCTX); a failed StartTLS is a failure of that server,
 * never a plaintext fallback.  The bind password is read once from a file
 * that group and others may not read, kept in memory, wiped on close, and
 * never written into a message.  Every value is escaped (RFC 4515) before
 * it enters a filter, and the entries a server returns are checked again
 * here: one is kept only when one of its values is the address asked for.
 * Its values are read by the rules the LDIF back-end uses too
 * (dir_entry.h); see dir_ldap_entry() for what a bad one costs.
 */
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <lber.h>
#include <ldap.h>

#include "addr.h"
#include "dir_entry.h"
#include "dir_ldap.h"
#include "ldapio.h"
#include "printable.h"
#include "regfile.h"

#define DIR_LDAP_SIZELIMIT	8	/* two entries already say "ambiguous" */
#define DIR_LDAP_PASSWORD_MAX	1024	/* bytes in the password file */
#define DIR_LDAP_SERVERS_MAX	64	/* uri entries (a bit mask per lookup) */
#define DIR_LDAP_DOWN_MS	30000	/* a failed server is tried last */
#define DIR_LDAP_NOTES_MAX	768	/* what went wrong, for the message */

struct ldap_server {
	char		*uri;
	int		 starttls;	/* ldap:// with starttls = true */
	int		 tls;		/* ldaps:// or StartTLS */
	int64_t		 failed_at;	/* ms, monotonic; 0: not down (lock) */
};

struct ldap_conn {
	LDAP			*ld;		/* NULL: not connected */
	size_t			 server;	/* the one it is connected to */
	int64_t			 deadline;	/* the lookup's (ldapio_now ms) */
	struct ldap_conncb	 conncb;	/* adds the I/O layer, to deadline */
};

struct dir_ldap {
	struct ldap_server	*servers;
	size_t			 nservers;
	char			*ca_file;	/* "" = the system's */
	char			*bind_dn;	/* "" = anonymous */
	struct berval		 password;	/* bv_len 0 = anonymous */
	char			*base;
	int			 scope;
	struct timeval		 timeout;
	int64_t			 timeout_ms;	/* the same, >= 1 */
	char			*proxy_attr, *target_attr;

	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	int			 lock_made, cond_made;
	struct ldap_conn	*conns;
	size_t			 nconns;
	size_t			*freelist;	/* free slots (lock) */
	size_t			 nfree;
};

/* What went wrong during one lookup: "URI: step: reason; ...". */
struct ldap_notes {
	char	 text[DIR_LDAP_NOTES_MAX];
	size_t	 len;
};

/* One lookup: the folded key, which attribute, and where answers go. */
struct ldap_query {
	const char	*key;
	int		 by_target;
	dir_result_t	*res;
};

typedef int	(*dir_ldap_parse_fn)(struct dir_ldap *, LDAP *, LDAPMessage *,
		    void *, char *, size_t);

static int	dir_ldap_by_proxy(void *, const char *, dir_result_t *, char *,
		    size_t);
static int	dir_ldap_by_target(void *, const char *, dir_result_t *,
		    char *, size_t);
static void	dir_ldap_close(void *);
static int	dir_ldap_ping(void *, char *, size_t);

const dir_backend_ops_t dir_ldap_ops = {
	.name = "ldap",
	.by_proxy = dir_ldap_by_proxy,
	.by_target = dir_ldap_by_target,
	.close = dir_ldap_close,
	.ping = dir_ldap_ping,
};

/* Returns CLOCK_MONOTONIC in milliseconds (never 0). */
static int64_t
dir_ldap_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 1;
}

/* Appends a formatted note, "; " between notes; truncates quietly. */
static void __attribute__((format(printf, 2, 3)))
dir_ldap_note(struct ldap_notes *n, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	if (n->len >= sizeof(n->text) - 1)
		return;
	if (n->len > 0) {
		r = snprintf(n->text + n->len, sizeof(n->text) - n->len, "; ");
		n->len += (size_t)r;
		if (n->len >= sizeof(n->text)) {
			n->len = sizeof(n->text) - 1;
			return;
		}
	}
	va_start(ap, fmt);
	r = vsnprintf(n->text + n->len, sizeof(n->text) - n->len, fmt, ap);
	va_end(ap);
	if (r > 0)
		n->len += (size_t)r;
	if (n->len >= sizeof(n->text))
		n->len = sizeof(n->text) - 1;
}

/*
 * Writes libldap's reason for rc on ld into buf: ldap_err2string(), plus
 * the diagnostic message (the server's text, or libldap's TLS reason).
 */
static const char *
dir_ldap_reason(LDAP *ld, int rc, char *buf, size_t buflen)
{
	char	*diag = NULL;

	if (ld != NULL)
		(void)ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	if (diag != NULL && diag[0] != '\0') {
		snprintf(buf, buflen, "%s (%s)", ldap_err2string(rc), diag);
		printable_mask(buf);
	} else
		snprintf(buf, buflen, "%s", ldap_err2string(rc));
	ldap_memfree(diag);
	return buf;
}

/*
 * Returns 1 when rc says the connection or the server failed, rather
 * than the request: the handle is dropped and another connection tried.
 */
static int
dir_ldap_conn_error(int rc)
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

/* Records that server i failed (now) or answered (0). */
static void
dir_ldap_mark(struct dir_ldap *dl, size_t i, int failed)
{
	pthread_mutex_lock(&dl->lock);
	dl->servers[i].failed_at = failed ? dir_ldap_now() : 0;
	pthread_mutex_unlock(&dl->lock);
}

/* Closes the handle of a slot, if any. */
static void
dir_ldap_drop(struct ldap_conn *c)
{
	if (c->ld != NULL)
		(void)ldap_unbind_ext_s(c->ld, NULL, NULL);
	c->ld = NULL;
}

/* libldap's connection callback: a TCP connection is up, TLS not yet. */
static int
dir_ldap_conn_add(LDAP *ld, Sockbuf *sb, LDAPURLDesc *srv,
    struct sockaddr *addr, struct ldap_conncb *ctx)
{
	struct ldap_conn	*c = ctx->lc_arg;

	(void)ld;
	(void)srv;
	(void)addr;
	return ldapio_push(sb, &c->deadline);
}

/* libldap's connection callback: nothing to undo (sb may be NULL). */
static void
dir_ldap_conn_del(LDAP *ld, Sockbuf *sb, struct ldap_conncb *ctx)
{
	(void)ld;
	(void)sb;
	(void)ctx;
}

/* Sets one option of a new handle; names it in the note on failure. */
static int
dir_ldap_option(LDAP *ld, int option, const void *value, const char *name,
    char *why, size_t whylen)
{
	int	 rc;

	if ((rc = ldap_set_option(ld, option, value)) == LDAP_OPT_SUCCESS)
		return 0;
	snprintf(why, whylen, "cannot set %s: %s", name, ldap_err2string(rc));
	return -1;
}

/*
 * Puts what is left until deadline into *tv (at least 1 ms).  Returns 0,
 * or -1 when nothing is left.
 */
static int
dir_ldap_left(int64_t deadline, struct timeval *tv)
{
	int64_t	 left = deadline - ldapio_now();

	if (left <= 0)
		return -1;
	tv->tv_sec = (time_t)(left / 1000);
	tv->tv_usec = (suseconds_t)(left % 1000) * 1000;
	return 0;
}

/* Writes "Timed out (the timeout of N s is spent)" into why. */
static void
dir_ldap_spent(struct dir_ldap *dl, const char *step, char *why,
    size_t whylen)
{
	snprintf(why, whylen, "%s%s%s (the lookup's timeout of %ld.%03ld s is "
	    "spent)", step, step[0] != '\0' ? ": " : "",
	    ldap_err2string(LDAP_TIMEOUT), (long)dl->timeout.tv_sec,
	    (long)dl->timeout.tv_usec / 1000);
}

/*
 * Gives the next request on ld what is left of c's deadline: the connect
 * (LDAP_OPT_NETWORK_TIMEOUT) and the wait for each answer
 * (LDAP_OPT_TIMEOUT); *tv gets it too.  Returns 0, or -1 with the reason
 * in why when nothing is left or an option is refused.
 */
static int
dir_ldap_budget(struct dir_ldap *dl, struct ldap_conn *c, LDAP *ld,
    const char *step, struct timeval *tv, char *why, size_t whylen)
{
	if (dir_ldap_left(c->deadline, tv) == -1) {
		dir_ldap_spent(dl, step, why, whylen);
		return -1;
	}
	if (dir_ldap_option(ld, LDAP_OPT_NETWORK_TIMEOUT, tv,
	    "the network timeout", why, whylen) == -1 ||
	    dir_ldap_option(ld, LDAP_OPT_TIMEOUT, tv,
	    "the timeout", why, whylen) == -1)
		return -1;
	return 0;
}

/*
 * Connects slot c to server i: options, TLS, bind, each within what is
 * left of c->deadline.  Returns the handle, or NULL with the reason in
 * why (never the password).
 */
static LDAP *
dir_ldap_connect_one(struct dir_ldap *dl, struct ldap_conn *c, size_t i,
    char *why, size_t whylen)
{
	const struct ldap_server	*s = &dl->servers[i];
	LDAP				*ld = NULL;
	struct timeval			 tv;
	char				 reason[512];
	int				 rc, v;

	if ((rc = ldap_initialize(&ld, s->uri)) != LDAP_SUCCESS) {
		snprintf(why, whylen, "%s", ldap_err2string(rc));
		return NULL;
	}
	v = LDAP_VERSION3;
	if (dir_ldap_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v,
	    "the protocol version", why, whylen) == -1 ||
	    dir_ldap_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF,
	    "referrals off", why, whylen) == -1 ||
	    dir_ldap_option(ld, LDAP_OPT_CONNECT_CB, &c->conncb,
	    "the connection callback", why, whylen) == -1)
		goto fail;
	if (s->tls) {
		v = LDAP_OPT_X_TLS_DEMAND;
		if (dir_ldap_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &v,
		    "TLS certificate checks", why, whylen) == -1)
			goto fail;
		if (dl->ca_file[0] != '\0' &&
		    dir_ldap_option(ld, LDAP_OPT_X_TLS_CACERTFILE, dl->ca_file,
		    "the TLS CA file", why, whylen) == -1)
			goto fail;
		v = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2;
		if (dir_ldap_option(ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &v,
		    "the TLS version", why, whylen) == -1)
			goto fail;
		v = 0;		/* a client context */
		if (dir_ldap_option(ld, LDAP_OPT_X_TLS_NEWCTX, &v,
		    "a TLS context", why, whylen) == -1)
			goto fail;
	}
	if (s->starttls) {
		if (dir_ldap_budget(dl, c, ld, "StartTLS", &tv, why,
		    whylen) == -1)
			goto fail;
		if ((rc = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS) {
			snprintf(why, whylen, "StartTLS: %s",
			    dir_ldap_reason(ld, rc, reason, sizeof(reason)));
			goto fail;
		}
	}
	if (dir_ldap_budget(dl, c, ld, s->starttls ? "bind" : "connect", &tv,
	    why, whylen) == -1)
		goto fail;
	rc = ldap_sasl_bind_s(ld, dl->bind_dn, LDAP_SASL_SIMPLE,
	    &dl->password, NULL, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		if (!s->starttls && (rc == LDAP_SERVER_DOWN ||
		    rc == LDAP_CONNECT_ERROR))
			snprintf(why, whylen, "connect: %s",
			    dir_ldap_reason(ld, rc, reason, sizeof(reason)));
		else if (dl->bind_dn[0] != '\0')
			snprintf(why, whylen, "bind as %s: %s", dl->bind_dn,
			    dir_ldap_reason(ld, rc, reason, sizeof(reason)));
		else
			snprintf(why, whylen, "anonymous bind: %s",
			    dir_ldap_reason(ld, rc, reason, sizeof(reason)));
		goto fail;
	}
	return ld;

fail:
	(void)ldap_unbind_ext_s(ld, NULL, NULL);
	return NULL;
}

/*
 * Returns the deadline of a step on server self: what is left until
 * deadline, shared with the servers still untried (not in tried, not
 * self), so that each of them keeps its share.
 */
static int64_t
dir_ldap_share(struct dir_ldap *dl, int64_t deadline, uint64_t tried,
    size_t self)
{
	int64_t	 now = ldapio_now(), others = 0;

	for (size_t i = 0; i < dl->nservers; i++)
		if (i != self && !(tried & (UINT64_C(1) << i)))
			others++;
	if (deadline <= now || others == 0)
		return deadline;
	return now + (deadline - now) / (others + 1);
}

/*
 * Connects slot c to the first server that answers: those not down
 * first, then the down ones, each in order, none in *tried, each within
 * its share of what is left until deadline.  Returns 0, or -1 when none
 * answered (each failure noted, and added to *tried).
 */
static int
dir_ldap_connect(struct dir_ldap *dl, struct ldap_conn *c, int64_t deadline,
    uint64_t *tried, struct ldap_notes *notes)
{
	struct timeval	 tv;
	uint64_t	 down = 0;
	int64_t		 now = dir_ldap_now();
	char		 why[640];
	LDAP		*ld;

	pthread_mutex_lock(&dl->lock);
	for (size_t i = 0; i < dl->nservers; i++)
		if (dl->servers[i].failed_at != 0 &&
		    now - dl->servers[i].failed_at < DIR_LDAP_DOWN_MS)
			down |= UINT64_C(1) << i;
	pthread_mutex_unlock(&dl->lock);

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < dl->nservers; i++) {
			uint64_t	 bit = UINT64_C(1) << i;

			if ((*tried & bit) || ((down & bit) != 0) != pass)
				continue;
			if (dir_ldap_left(deadline, &tv) == -1) {
				/* not the server's fault: it is not marked */
				dir_ldap_spent(dl, "", why, sizeof(why));
				dir_ldap_note(notes, "%s: not tried: %s",
				    dl->servers[i].uri, why);
				return -1;
			}
			c->deadline = dir_ldap_share(dl, deadline, *tried, i);
			*tried |= bit;
			if ((ld = dir_ldap_connect_one(dl, c, i, why,
			    sizeof(why))) == NULL) {
				dir_ldap_mark(dl, i, 1);
				dir_ldap_note(notes, "%s: %s", dl->servers[i].uri,
				    why);
				continue;
			}
			dir_ldap_mark(dl, i, 0);
			c->ld = ld;
			c->server = i;
			return 0;
		}
	}
	return -1;
}

/*
 * Takes a free slot, waiting until deadline (ldapio_now() milliseconds)
 * at most.  Returns its number, or -1 with a message in err.
 */
static long
dir_ldap_acquire(struct dir_ldap *dl, int64_t deadline_ms, char *err,
    size_t errlen)
{
	struct timespec	 deadline;
	long		 slot;
	int		 rc = 0;

	/* ldapio_now() is CLOCK_MONOTONIC, the condition variable's clock */
	deadline.tv_sec = (time_t)(deadline_ms / 1000);
	deadline.tv_nsec = (long)(deadline_ms % 1000) * 1000000L;
	pthread_mutex_lock(&dl->lock);
	while (dl->nfree == 0 && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&dl->cond, &dl->lock, &deadline);
	if (dl->nfree == 0) {
		pthread_mutex_unlock(&dl->lock);
		snprintf(err, errlen, "ldap: all %zu connections stayed busy "
		    "for the lookup's timeout of %ld.%03ld s", dl->nconns, (long)dl->timeout.tv_sec,
		    (long)dl->timeout.tv_usec / 1000);
		return -1;
	}
	slot = (long)dl->freelist[--dl->nfree];
	pthread_mutex_unlock(&dl->lock);
	return slot;
}

/* Puts a slot back and wakes one waiting thread. */
static void
dir_ldap_release(struct dir_ldap *dl, long slot)
{
	pthread_mutex_lock(&dl->lock);
	dl->freelist[dl->nfree++] = (size_t)slot;
	pthread_cond_signal(&dl->cond);
	pthread_mutex_unlock(&dl->lock);
}

/*
 * Runs one search on a pooled connection, with failover, and hands the
 * answer to parse (which returns the lookup's outcome).  An answer is
 * LDAP_SUCCESS, or LDAP_SIZELIMIT_EXCEEDED with entries.  Returns parse's
 * outcome, or DIR_TRYAGAIN with a message in err.
 */
static int
dir_ldap_run(struct dir_ldap *dl, const char *base, int scope,
    const char *filter, char **attrs, int sizelimit, dir_ldap_parse_fn parse,
    void *arg, char *err, size_t errlen)
{
	struct ldap_notes	 notes;
	struct ldap_conn	*c;
	struct timeval		 tv;
	LDAPMessage		*msg;
	uint64_t		 tried = 0;
	int64_t			 deadline = ldapio_now() + dl->timeout_ms;
	char			 reason[640];
	long			 slot;
	int			 rc, reused, status;

	notes.len = 0;
	notes.text[0] = '\0';
	if ((slot = dir_ldap_acquire(dl, deadline, err, errlen)) == -1)
		return DIR_TRYAGAIN;
	c = &dl->conns[slot];
	for (int attempt = 0; attempt < 2; attempt++) {
		reused = c->ld != NULL;
		if (!reused && dir_ldap_connect(dl, c, deadline, &tried,
		    &notes) == -1)
			break;
		c->deadline = dir_ldap_share(dl, deadline, tried, c->server);
		if (dir_ldap_budget(dl, c, c->ld, "search", &tv, reason,
		    sizeof(reason)) == -1) {
			/* the handle is fine, the time is spent: keep it */
			dir_ldap_note(&notes, "%s: %s",
			    dl->servers[c->server].uri, reason);
			break;
		}
		msg = NULL;
		rc = ldap_search_ext_s(c->ld, base, scope, filter, attrs, 0,
		    NULL, NULL, &tv, sizelimit, &msg);
		if (rc == LDAP_SUCCESS || (rc == LDAP_SIZELIMIT_EXCEEDED &&
		    msg != NULL && ldap_count_entries(c->ld, msg) > 0)) {
			status = parse(dl, c->ld, msg, arg, err, errlen);
			ldap_msgfree(msg);
			dir_ldap_release(dl, slot);
			return status;
		}
		ldap_msgfree(msg);
		dir_ldap_note(&notes, "%s: search: %s",
		    dl->servers[c->server].uri,
		    dir_ldap_reason(c->ld, rc, reason, sizeof(reason)));
		if (!dir_ldap_conn_error(rc)) {
			/* the server answered, with an error: keep the handle */
			dir_ldap_release(dl, slot);
			snprintf(err, errlen, "ldap: %s", notes.text);
			return DIR_TRYAGAIN;
		}
		if (!reused || rc != LDAP_SERVER_DOWN) {
			tried |= UINT64_C(1) << c->server;
			dir_ldap_mark(dl, c->server, 1);
		}
		dir_ldap_drop(c);
	}
	dir_ldap_release(dl, slot);
	if (notes.len == 0)
		dir_ldap_note(&notes, "no server to try");
	snprintf(err, errlen, "ldap: %s", notes.text);
	return DIR_TRYAGAIN;
}

/* A connection of its own, apart from the pool (dir_ldap.h). */
struct dir_ldap_session {
	struct dir_ldap		*dl;
	struct ldap_conn	 c;
};

dir_ldap_session_t *
dir_ldap_session_open(void *h, char *err, size_t errlen)
{
	struct dir_ldap		*dl = h;
	struct ldap_notes	 notes;
	dir_ldap_session_t	*s;
	uint64_t		 tried = 0;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "ldap: out of memory");
		return NULL;
	}
	s->dl = dl;
	s->c.conncb.lc_add = dir_ldap_conn_add;
	s->c.conncb.lc_del = dir_ldap_conn_del;
	s->c.conncb.lc_arg = &s->c;
	notes.len = 0;
	notes.text[0] = '\0';
	if (dir_ldap_connect(dl, &s->c, ldapio_now() + dl->timeout_ms, &tried,
	    &notes) == -1) {
		if (notes.len == 0)
			dir_ldap_note(&notes, "no server to try");
		snprintf(err, errlen, "ldap: %s", notes.text);
		free(s);
		return NULL;
	}
	return s;
}

LDAP *
dir_ldap_session_ld(dir_ldap_session_t *s)
{
	return s->c.ld;
}

const char *
dir_ldap_session_uri(const dir_ldap_session_t *s)
{
	return s->dl->servers[s->c.server].uri;
}

void
dir_ldap_session_deadline(dir_ldap_session_t *s, int64_t ms)
{
	s->c.deadline = ldapio_now() + ms;
}

int64_t
dir_ldap_timeout_ms(const void *h)
{
	const struct dir_ldap	*dl = h;

	return dl->timeout_ms;
}

void
dir_ldap_session_failed(dir_ldap_session_t *s)
{
	dir_ldap_mark(s->dl, s->c.server, 1);
}

void
dir_ldap_session_close(dir_ldap_session_t *s)
{
	if (s == NULL)
		return;
	dir_ldap_drop(&s->c);
	free(s);
}

/*
 * Reads one entry by the rules every back-end shares (dir_entry.h) and
 * adds it to q->res when one of its values really is q->key (the server's
 * matching is not ours: an entry that does not hold the key is dropped,
 * whatever is wrong with it).  Of the matched entry, a secondary proxy
 * value that is no address is skipped: it is not the key, and the answer
 * does not depend on it.  Anything that would make the answer wrong -- a
 * primary or target that is no address, two primaries, two targets --
 * fails the lookup.  Returns 0, or -1 with "ldap: entry 'DN': ..." in err.
 */
static int
dir_ldap_entry(struct dir_ldap *dl, struct ldap_query *q, const char *dn,
    struct berval **pv, struct berval **tv, char *err, size_t errlen)
{
	dir_entry_rules_t	 r;
	dir_entry_kind_t	 kind;
	char			 msg[1024], bad[1024] = "";
	addr_t			 a;
	int			 matched = 0;

	dir_entry_begin(&r, dn, dl->target_attr);
	for (size_t i = 0; pv != NULL && pv[i] != NULL; i++) {
		kind = dir_entry_proxy(&r, pv[i]->bv_val, pv[i]->bv_len, &a,
		    msg, sizeof(msg));
		if (!q->by_target && a.key[0] != '\0' &&
		    strcmp(a.key, q->key) == 0)
			matched = 1;
		if (kind == DIR_ENTRY_BAD_ENTRY && bad[0] == '\0')
			snprintf(bad, sizeof(bad), "%s", msg);
	}
	for (size_t i = 0; tv != NULL && tv[i] != NULL; i++) {
		kind = dir_entry_target(&r, tv[i]->bv_val, tv[i]->bv_len, &a,
		    msg, sizeof(msg));
		if (q->by_target && a.key[0] != '\0' &&
		    strcmp(a.key, q->key) == 0)
			matched = 1;
		if (kind == DIR_ENTRY_BAD_ENTRY && bad[0] == '\0')
			snprintf(bad, sizeof(bad), "%s", msg);
	}
	if (!matched)
		return 0;
	if (bad[0] != '\0') {
		snprintf(err, errlen, "ldap: %s", bad);
		return -1;
	}
	if (dir_result_add(q->res, dn, r.has_primary ? r.primary.text : NULL,
	    r.has_target ? r.target.text : NULL) == -1) {
		snprintf(err, errlen, "ldap: out of memory");
		return -1;
	}
	return 0;
}

/* parse for lookups: fills q->res from the entries of msg. */
static int
dir_ldap_parse_entries(struct dir_ldap *dl, LDAP *ld, LDAPMessage *msg,
    void *arg, char *err, size_t errlen)
{
	struct ldap_query	*q = arg;
	LDAPMessage		*e;
	struct berval		**pv, **tv;
	char			*dn;
	int			 rc = 0;

	for (e = ldap_first_entry(ld, msg); e != NULL && rc == 0;
	    e = ldap_next_entry(ld, e)) {
		dn = ldap_get_dn(ld, e);
		pv = ldap_get_values_len(ld, e, dl->proxy_attr);
		tv = ldap_get_values_len(ld, e, dl->target_attr);
		if (dn != NULL)
			printable_mask(dn);
		rc = dir_ldap_entry(dl, q, dn != NULL ? dn : "", pv, tv, err,
		    errlen);
		ldap_value_free_len(pv);
		ldap_value_free_len(tv);
		ldap_memfree(dn);
	}
	if (rc == -1) {
		dir_result_free(q->res);
		return DIR_TRYAGAIN;
	}
	return q->res->count > 0 ? DIR_FOUND : DIR_NOTFOUND;
}

/* One lookup: the entries whose proxy (or target) attribute is key. */
static int
dir_ldap_lookup(struct dir_ldap *dl, int by_target, const char *key,
    dir_result_t *res, char *err, size_t errlen)
{
	struct ldap_query	 q;
	struct berval		 in, out;
	const char		*attr = by_target ? dl->target_attr : dl->proxy_attr;
	char			 folded[ADDR_TEXT_MAX + 1];
	char			*attrs[3], *filter;
	size_t			 len = strlen(key), flen;
	int			 status;

	/* keys come folded; folding again costs little and is safe */
	if (len == 0 || len >= sizeof(folded))
		return DIR_NOTFOUND;
	memcpy(folded, key, len + 1);
	addr_fold(folded);

	in.bv_val = folded;
	in.bv_len = len;
	out.bv_val = NULL;
	if (ldap_bv2escaped_filter_value(&in, &out) != 0) {
		snprintf(err, errlen, "ldap: out of memory");
		return DIR_TRYAGAIN;
	}
	flen = 2 * strlen(attr) + 2 * out.bv_len + 32;
	if ((filter = malloc(flen)) == NULL) {
		ber_memfree(out.bv_val);
		snprintf(err, errlen, "ldap: out of memory");
		return DIR_TRYAGAIN;
	}
	snprintf(filter, flen, "(|(%s=smtp:%s)(%s=%s))", attr, out.bv_val,
	    attr, out.bv_val);
	ber_memfree(out.bv_val);

	attrs[0] = dl->proxy_attr;
	attrs[1] = dl->target_attr;
	attrs[2] = NULL;
	q.key = folded;
	q.by_target = by_target;
	q.res = res;
	status = dir_ldap_run(dl, dl->base, dl->scope, filter, attrs,
	    DIR_LDAP_SIZELIMIT, dir_ldap_parse_entries, &q, err, errlen);
	free(filter);
	return status;
}

static int
dir_ldap_by_proxy(void *h, const char *key, dir_result_t *res, char *err,
    size_t errlen)
{
	return dir_ldap_lookup(h, 0, key, res, err, errlen);
}

static int
dir_ldap_by_target(void *h, const char *key, dir_result_t *res, char *err,
    size_t errlen)
{
	return dir_ldap_lookup(h, 1, key, res, err, errlen);
}

/* parse for the ping: the base entry must be there. */
static int
dir_ldap_parse_base(struct dir_ldap *dl, LDAP *ld, LDAPMessage *msg,
    void *arg, char *err, size_t errlen)
{
	(void)arg;
	if (ldap_count_entries(ld, msg) > 0)
		return DIR_FOUND;
	snprintf(err, errlen, "ldap: the base '%s' is not there (or not "
	    "readable)", dl->base);
	return DIR_TRYAGAIN;
}

/*
 * Checks that a server answers: takes a pooled connection (connecting and
 * binding when needed, servers in order) and reads the base entry with a
 * base-scope search.  Returns 0, or -1 with a message in err naming the
 * server(s) and the reason.  Thread-safe.
 */
static int
dir_ldap_ping(void *h, char *err, size_t errlen)
{
	struct dir_ldap	*dl = h;
	char		 noattrs[] = LDAP_NO_ATTRS;
	char		*attrs[] = { noattrs, NULL };

	if (dir_ldap_run(dl, dl->base, LDAP_SCOPE_BASE, "(objectClass=*)",
	    attrs, 0, dir_ldap_parse_base, NULL, err, errlen) != DIR_FOUND)
		return -1;
	return 0;
}

/* Returns 1 when name is an attribute description we put in filters. */
static int
dir_ldap_attr_ok(const char *name)
{
	const char	*p = name;

	if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
	    (*p >= '0' && *p <= '9')))
		return 0;
	for (; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == ';'))
			return 0;
	return p - name < 128;
}

/*
 * Reads the bind password from path: a regular file that group and
 * others may not read; one trailing newline is not part of it.  Returns
 * 0, or -1 with a message in err (never the file's content).
 */
static int
dir_ldap_password(struct dir_ldap *dl, const char *conf, const char *path,
    char *err, size_t errlen)
{
	struct stat	 st;
	char		 buf[DIR_LDAP_PASSWORD_MAX + 2], why[256];
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, ret = -1;

	if ((fd = regfile_open(path, why, sizeof(why))) == -1) {
		snprintf(err, errlen, "%s: directory.ldap.bind_password_file "
		    "%s: cannot open: %s", conf, path, why);
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: directory.ldap.bind_password_file "
		    "%s: %s", conf, path, strerror(errno));
		goto done;
	}
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		snprintf(err, errlen, "%s: directory.ldap.bind_password_file "
		    "%s: readable by group or others (mode %04o); refusing "
		    "to use it: make it readable by its owner only (chmod "
		    "600)", conf, path, (unsigned)(st.st_mode & 07777));
		goto done;
	}
	while (len < sizeof(buf) &&
	    (n = read(fd, buf + len, sizeof(buf) - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: directory.ldap."
			    "bind_password_file %s: cannot read: %s", conf,
			    path, strerror(errno));
			goto done;
		}
		len += (size_t)n;
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > DIR_LDAP_PASSWORD_MAX)
		snprintf(err, errlen, "%s: directory.ldap.bind_password_file "
		    "%s: longer than %d bytes", conf, path,
		    DIR_LDAP_PASSWORD_MAX);
	else if (len == 0)
		snprintf(err, errlen, "%s: directory.ldap.bind_password_file "
		    "%s: empty (an empty password is an anonymous bind)",
		    conf, path);
	else if (memchr(buf, '\0', len) != NULL)
		snprintf(err, errlen, "%s: directory.ldap.bind_password_file "
		    "%s: holds a NUL byte", conf, path);
	else if ((dl->password.bv_val = malloc(len + 1)) == NULL)
		snprintf(err, errlen, "%s: out of memory", conf);
	else {
		memcpy(dl->password.bv_val, buf, len);
		dl->password.bv_val[len] = '\0';
		dl->password.bv_len = len;
		ret = 0;
	}
done:
	explicit_bzero(buf, sizeof(buf));
	(void)close(fd);
	return ret;
}

/*
 * Copies the server list: each URI must parse; ldaps:// is TLS, ldap://
 * with starttls gets StartTLS.  Returns 0, or -1 with a message in err.
 */
static int
dir_ldap_servers(struct dir_ldap *dl, const config_t *cfg, char *err,
    size_t errlen)
{
	const struct config_ldap	*lc = &cfg->directory.ldap;
	LDAPURLDesc			*lud;
	int				 rc;

	if (lc->nuri == 0 || lc->nuri > DIR_LDAP_SERVERS_MAX) {
		snprintf(err, errlen, "%s: directory.ldap.uri: between 1 and "
		    "%d servers", cfg->file, DIR_LDAP_SERVERS_MAX);
		return -1;
	}
	if ((dl->servers = calloc(lc->nuri, sizeof(*dl->servers))) == NULL)
		goto nomem;
	dl->nservers = lc->nuri;
	for (size_t i = 0; i < lc->nuri; i++) {
		struct ldap_server	*s = &dl->servers[i];

		if ((rc = ldap_url_parse(lc->uri[i], &lud)) != LDAP_URL_SUCCESS) {
			snprintf(err, errlen, "%s: directory.ldap.uri '%s': not "
			    "a valid LDAP URI (error %d)", cfg->file,
			    lc->uri[i], rc);
			return -1;
		}
		s->tls = strcasecmp(lud->lud_scheme, "ldaps") == 0;
		s->starttls = lc->starttls &&
		    strcasecmp(lud->lud_scheme, "ldap") == 0;
		s->tls |= s->starttls;
		ldap_free_urldesc(lud);
		if ((s->uri = strdup(lc->uri[i])) == NULL)
			goto nomem;
	}
	return 0;
nomem:
	snprintf(err, errlen, "%s: out of memory", cfg->file);
	return -1;
}

void *
dir_ldap_open(const config_t *cfg, char *err, size_t errlen)
{
	const struct config_directory	*dc = &cfg->directory;
	const struct config_ldap	*lc = &dc->ldap;
	struct dir_ldap			*dl;
	pthread_condattr_t		 ca;
	double				 usec;
	char				 why[256];
	int				 fd, v;

	if (cfg->file == NULL || lc->uri == NULL || lc->tls_ca_file == NULL ||
	    lc->bind_dn == NULL || lc->bind_password_file == NULL ||
	    lc->base == NULL || dc->proxy_attribute == NULL ||
	    dc->target_attribute == NULL) {
		snprintf(err, errlen, "directory: incomplete ldap settings");
		return NULL;
	}
	if ((dl = calloc(1, sizeof(*dl))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", cfg->file);
		return NULL;
	}
	if (!dir_ldap_attr_ok(dc->proxy_attribute) ||
	    !dir_ldap_attr_ok(dc->target_attribute)) {
		snprintf(err, errlen, "%s: directory.%s '%s' is not an LDAP "
		    "attribute name", cfg->file,
		    dir_ldap_attr_ok(dc->proxy_attribute) ?
		    "target_attribute" : "proxy_attribute",
		    dir_ldap_attr_ok(dc->proxy_attribute) ?
		    dc->target_attribute : dc->proxy_attribute);
		goto fail;
	}
	if (dir_ldap_servers(dl, cfg, err, errlen) == -1)
		goto fail;
	if (lc->tls_ca_file[0] != '\0') {
		if ((fd = regfile_open(lc->tls_ca_file, why, sizeof(why))) == -1) {
			snprintf(err, errlen, "%s: directory.ldap.tls_ca_file "
			    "%s: cannot read: %s", cfg->file, lc->tls_ca_file,
			    why);
			goto fail;
		}
		(void)close(fd);
	}
	if (lc->bind_dn[0] != '\0' && lc->bind_password_file[0] == '\0') {
		snprintf(err, errlen, "%s: directory.ldap.bind_dn is set but "
		    "bind_password_file is empty", cfg->file);
		goto fail;
	}
	if (lc->bind_dn[0] == '\0' && lc->bind_password_file[0] != '\0') {
		snprintf(err, errlen, "%s: directory.ldap.bind_password_file "
		    "is set but bind_dn is empty", cfg->file);
		goto fail;
	}
	if (lc->bind_dn[0] != '\0' && dir_ldap_password(dl, cfg->file,
	    lc->bind_password_file, err, errlen) == -1)
		goto fail;
	if ((dl->ca_file = strdup(lc->tls_ca_file)) == NULL ||
	    (dl->bind_dn = strdup(lc->bind_dn)) == NULL ||
	    (dl->base = strdup(lc->base)) == NULL ||
	    (dl->proxy_attr = strdup(dc->proxy_attribute)) == NULL ||
	    (dl->target_attr = strdup(dc->target_attribute)) == NULL)
		goto nomem;
	dl->scope = lc->scope == SCOPE_BASE ? LDAP_SCOPE_BASE :
	    lc->scope == SCOPE_ONE ? LDAP_SCOPE_ONELEVEL : LDAP_SCOPE_SUBTREE;
	dl->timeout.tv_sec = (time_t)lc->timeout;
	usec = (lc->timeout - (double)dl->timeout.tv_sec) * 1e6;
	dl->timeout.tv_usec = (suseconds_t)usec;
	if (dl->timeout.tv_sec == 0 && dl->timeout.tv_usec < 1000)
		dl->timeout.tv_usec = 1000;
	dl->timeout_ms = (int64_t)dl->timeout.tv_sec * 1000 +
	    dl->timeout.tv_usec / 1000;

	dl->nconns = lc->connections > 0 ? (size_t)lc->connections : 1;
	if ((dl->conns = calloc(dl->nconns, sizeof(*dl->conns))) == NULL ||
	    (dl->freelist = calloc(dl->nconns, sizeof(size_t))) == NULL)
		goto nomem;
	for (size_t i = 0; i < dl->nconns; i++) {
		dl->freelist[dl->nfree++] = dl->nconns - 1 - i;
		dl->conns[i].conncb.lc_add = dir_ldap_conn_add;
		dl->conns[i].conncb.lc_del = dir_ldap_conn_del;
		dl->conns[i].conncb.lc_arg = &dl->conns[i];
	}
	if (pthread_mutex_init(&dl->lock, NULL) != 0)
		goto nomem;
	dl->lock_made = 1;
	if (pthread_condattr_init(&ca) != 0)
		goto nomem;
	if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&dl->cond, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		goto nomem;
	}
	pthread_condattr_destroy(&ca);
	dl->cond_made = 1;

	/* libldap's global set-up (ldap.conf), once, before any thread */
	(void)ldap_get_option(NULL, LDAP_OPT_PROTOCOL_VERSION, &v);
	return dl;

nomem:
	snprintf(err, errlen, "%s: out of memory", cfg->file);
fail:
	dir_ldap_close(dl);
	return NULL;
}

static void
dir_ldap_close(void *h)
{
	struct dir_ldap	*dl = h;

	if (dl == NULL)
		return;
	for (size_t i = 0; dl->conns != NULL && i < dl->nconns; i++)
		dir_ldap_drop(&dl->conns[i]);
	for (size_t i = 0; dl->servers != NULL && i < dl->nservers; i++)
		free(dl->servers[i].uri);
	if (dl->password.bv_val != NULL) {
		explicit_bzero(dl->password.bv_val, dl->password.bv_len);
		free(dl->password.bv_val);
	}
	if (dl->cond_made)
		pthread_cond_destroy(&dl->cond);
	if (dl->lock_made)
		pthread_mutex_destroy(&dl->lock);
	free(dl->servers);
	free(dl->ca_file);
	free(dl->bind_dn);
	free(dl->base);
	free(dl->proxy_attr);
	free(dl->target_attr);
	free(dl->conns);
	free(dl->freelist);
	free(dl);
}

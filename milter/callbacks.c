/*
 * callbacks.c - the milter protocol side of the mail switch.
 *
 * A connection context is made in connect, reset per message and freed in
 * close; it holds the configuration generation the connection started
 * with.  Recipients are decided at RCPT time (so that rejects are SMTP
 * replies); the changes are applied at end of message, where Postfix
 * always knows the queue id, and logged there one line per decision.  The
 * outbound sender rewrite is outbound.c's.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "callbacks.h"
#include "log.h"
#include "outbound.h"
#include "resolve.h"
#include "runtime.h"

/* One accepted recipient of the current message. */
typedef struct msg_rcpt {
	char		*stored;	/* as the MTA stored it, for smfi_delrcpt */
	char		**esmtp;	/* its ESMTP parameters (Sendmail only) */
	resolve_action_t action;	/* KEEP or REWRITE */
	const char	*reason;
	char		*original;	/* parsed, bare */
	char		*address;	/* the address delivered to, bare */
	char		*key;		/* folded address, for duplicates */
	char		 detail[1024];
} msg_rcpt_t;

/* A header field longer than OUTBOUND_FIELD_MAX, logged at end of message. */
#define LONG_FIELDS_MAX	8	/* named in the log; more are counted */
typedef struct long_field {
	char	 name[64];
	size_t	 size;
} long_field_t;

typedef struct conn {
	runtime_t	*rt;		/* the generation this connection uses */
	bool		 postfix;	/* Postfix's dialect (mta, "v" macro) */
	char		 client_ip[INET6_ADDRSTRLEN];	/* "" when unknown */
	char		*daemon;	/* {daemon_name}, or NULL */
	bool		 noreply_headers;	/* SMFIP_NR_HDR negotiated */
	bool		 in_message;
	bool		 header_failed;	/* out of memory: defer the message */
	msg_rcpt_t	*rcpts;
	size_t		 nrcpts, cap;
	outbound_msg_t	 outbound;
	long_field_t	 long_fields[LONG_FIELDS_MAX];
	size_t		 nlong;		/* may exceed LONG_FIELDS_MAX */
} conn_t;

static atomic_int	messages_in_flight;
static atomic_bool	stopping;

int
callbacks_in_flight(void)
{
	return atomic_load(&messages_in_flight);
}

void
callbacks_stop(void)
{
	atomic_store(&stopping, true);
}

/* Returns the queue id for log lines: Postfix's {i}, or "NOQUEUE". */
static const char *
conn_queue_id(SMFICTX *ctx)
{
	const char	*qid = smfi_getsymval(ctx, "i");

	return qid != NULL && *qid != '\0' ? qid : "NOQUEUE";
}

static void
rcpt_free(msg_rcpt_t *r)
{
	free(r->stored);
	if (r->esmtp != NULL)
		for (char **p = r->esmtp; *p != NULL; p++)
			free(*p);
	free(r->esmtp);
	free(r->original);
	free(r->address);
	free(r->key);
}

/* Forgets the current message (end, abort, or a new MAIL FROM). */
static void
conn_reset(conn_t *c)
{
	for (size_t i = 0; i < c->nrcpts; i++)
		rcpt_free(&c->rcpts[i]);
	c->nrcpts = 0;
	c->nlong = 0;
	c->header_failed = false;
	outbound_reset(&c->outbound);
	if (c->in_message) {
		c->in_message = false;
		atomic_fetch_sub(&messages_in_flight, 1);
	}
}

/* Copies a NULL-terminated argument vector; NULL when out of memory. */
static char **
copy_args(char **argv)
{
	size_t	 n = 0;
	char	**copy;

	while (argv[n] != NULL)
		n++;
	if ((copy = calloc(n + 1, sizeof(*copy))) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if ((copy[i] = strdup(argv[i])) == NULL) {
			while (i-- > 0)
				free(copy[i]);
			free(copy);
			return NULL;
		}
	return copy;
}

/*
 * Returns a copy of the recipient as the MTA stored it, the name
 * smfi_delrcpt must be given: Postfix keeps it without a source route or
 * needless quoting ("<@a,@b:u@d>" and "<\"u\"@d>" are stored as u@d), which
 * is the parsed address; Sendmail parses the argument again, so it is
 * given the path as the client wrote it.  NULL when out of memory.
 */
static char *
conn_stored_rcpt(const conn_t *c, const char *given, const rcpt_verdict_t *v)
{
	char	 path[ADDR_TEXT_MAX + 3];

	if (!c->postfix)
		return strdup(given);
	snprintf(path, sizeof(path), "<%s>", v->original.text);
	return strdup(path);
}

/* Records an accepted recipient; returns -1 when out of memory. */
static int
conn_add_rcpt(conn_t *c, char **argv, const rcpt_verdict_t *v)
{
	msg_rcpt_t	*r;

	if (c->nrcpts == c->cap) {
		size_t		 cap = c->cap ? c->cap * 2 : 8;
		msg_rcpt_t	*n = realloc(c->rcpts, cap * sizeof(*n));

		if (n == NULL)
			return -1;
		c->rcpts = n;
		c->cap = cap;
	}
	r = &c->rcpts[c->nrcpts];
	memset(r, 0, sizeof(*r));
	r->action = v->action;
	r->reason = v->reason;
	snprintf(r->detail, sizeof(r->detail), "%s", v->detail);
	r->stored = conn_stored_rcpt(c, argv[0], v);
	r->original = strdup(v->original.text);
	r->address = strdup(v->address.text);
	r->key = strdup(v->address.key);
	if (!c->postfix)
		r->esmtp = copy_args(argv + 1);
	if (r->stored == NULL || r->original == NULL || r->address == NULL ||
	    r->key == NULL || (!c->postfix && r->esmtp == NULL)) {
		rcpt_free(r);
		return -1;
	}
	c->nrcpts++;
	return 0;
}

/* The SMTP client's address as text: from the socket address, else {client_addr}. */
static void
conn_client_ip(SMFICTX *ctx, const _SOCK_ADDR *sa, char *buf, size_t len)
{
	const char	*macro;

	buf[0] = '\0';
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    buf, (socklen_t)len);
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    buf, (socklen_t)len);
	else if ((macro = smfi_getsymval(ctx, "{client_addr}")) != NULL)
		snprintf(buf, len, "%s", macro);
}

/*
 * Returns the connection's context, made on first use (option negotiation
 * comes before connect), or NULL when out of memory.
 */
static conn_t *
conn_get(SMFICTX *ctx)
{
	conn_t	*c = smfi_getpriv(ctx);

	if (c != NULL)
		return c;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (smfi_setpriv(ctx, c) != MI_SUCCESS) {
		free(c);
		return NULL;
	}
	return c;
}

static sfsistat
cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	conn_t		*c;
	const char	*mta = smfi_getsymval(ctx, "v");
	const char	*daemon;

	(void)hostname;
	if (atomic_load(&stopping))
		return SMFIS_TEMPFAIL;
	if ((c = conn_get(ctx)) == NULL) {
		log_msg(LOG_ERR, "connect: out of memory");
		return SMFIS_TEMPFAIL;
	}
	conn_client_ip(ctx, hostaddr, c->client_ip, sizeof(c->client_ip));
	free(c->daemon);
	c->daemon = NULL;
	if ((daemon = smfi_getsymval(ctx, "{daemon_name}")) != NULL &&
	    (c->daemon = strdup(daemon)) == NULL)
		return SMFIS_TEMPFAIL;
	if (c->rt == NULL)
		c->rt = runtime_acquire();
	c->postfix = config_mta_is_postfix(c->rt->cfg, mta);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	conn_t	*c = smfi_getpriv(ctx);

	if (c == NULL || c->rt == NULL)
		return SMFIS_TEMPFAIL;
	conn_reset(c);
	if (atomic_load(&stopping)) {
		(void)smfi_setreply(ctx, "421", "4.3.2",
		    "mail switch shutting down, try again later");
		return SMFIS_TEMPFAIL;
	}
	c->in_message = true;
	atomic_fetch_add(&messages_in_flight, 1);
	if (outbound_begin(&c->outbound, c->rt->cfg,
	    c->client_ip[0] ? c->client_ip : NULL, c->daemon,
	    smfi_getsymval(ctx, "{auth_authen}"), argv) == -1) {
		log_msg(LOG_ERR, "%s: out of memory at MAIL FROM",
		    conn_queue_id(ctx));
		return SMFIS_TEMPFAIL;
	}
	return SMFIS_CONTINUE;
}

/* A short phrase for a rejected recipient's log line. */
static const char *
reject_phrase(const char *reason)
{
	if (strcmp(reason, "unknown") == 0)
		return "user unknown";
	if (strcmp(reason, "loop") == 0)
		return "routing loop";
	if (strcmp(reason, "directory") == 0)
		return "temporary lookup failure";
	if (strcmp(reason, "syntax") == 0)
		return "bad address syntax";
	return reason;
}

/*
 * Copies reply text into buf with every '%' doubled: MTAs take milter reply
 * text as a format (Postfix maps "%%" back to "%").
 */
static char *
reply_escape(const char *text, char *buf, size_t len)
{
	size_t	 o = 0;

	for (; *text != '\0' && o + 2 < len; text++) {
		if (*text == '%')
			buf[o++] = '%';
		buf[o++] = *text;
	}
	buf[o] = '\0';
	return buf;
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	conn_t		*c = smfi_getpriv(ctx);
	rcpt_verdict_t	 v;
	char		 text[2 * RESOLVE_TEXT_MAX];

	if (c == NULL || c->rt == NULL || argv[0] == NULL)
		return SMFIS_TEMPFAIL;
	switch (resolve_rcpt(c->rt->cfg, c->rt->dir, argv[0], &v)) {
	case RESOLVE_REJECT:
	case RESOLVE_TEMPFAIL:
		log_msg(v.action == RESOLVE_TEMPFAIL ? LOG_WARNING : LOG_INFO,
		    "%s: reject rcpt=%s %s %s %s%s%s%s", conn_queue_id(ctx),
		    argv[0], v.rcode, v.xcode, reject_phrase(v.reason),
		    v.detail[0] ? " (" : "", v.detail, v.detail[0] ? ")" : "");
		if (smfi_setreply(ctx, (char *)(uintptr_t)v.rcode,
		    (char *)(uintptr_t)v.xcode,
		    reply_escape(v.text, text, sizeof(text))) != MI_SUCCESS)
			log_msg(LOG_ERR, "%s: smfi_setreply failed",
			    conn_queue_id(ctx));
		return v.action == RESOLVE_TEMPFAIL ? SMFIS_TEMPFAIL :
		    SMFIS_REJECT;
	case RESOLVE_KEEP:
	case RESOLVE_REWRITE:
		break;
	}
	if (conn_add_rcpt(c, argv, &v) == -1) {
		log_msg(LOG_ERR, "%s: out of memory at rcpt=%s",
		    conn_queue_id(ctx), argv[0]);
		return SMFIS_TEMPFAIL;
	}
	/* "to the Internet" is decided on the address delivered to */
	outbound_rcpt(&c->outbound, c->rt->cfg, v.address.text);
	return SMFIS_CONTINUE;
}

/*
 * Header fields matter only to the outbound rewrite; no reply is sent.
 * One too long to be sure it came whole is noted for the log.
 */
static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	conn_t	*c = smfi_getpriv(ctx);
	size_t	 size = outbound_field_size(name, value);

	if (c != NULL && size > OUTBOUND_FIELD_MAX) {
		if (c->nlong < LONG_FIELDS_MAX) {
			long_field_t *f = &c->long_fields[c->nlong];

			snprintf(f->name, sizeof(f->name), "%s", name);
			f->size = size;
		}
		c->nlong++;
	}

	if (c != NULL && c->rt != NULL &&
	    outbound_header(&c->outbound, c->rt->cfg, name, value) == -1) {
		log_msg(LOG_ERR, "%s: out of memory at header %s",
		    conn_queue_id(ctx), name);
		c->outbound.from_subsidiary = false;
		c->header_failed = true;
	}
	return c != NULL && c->noreply_headers ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* Returns true when key is delivered to by a recipient before index upto. */
static bool
conn_delivers_to(const conn_t *c, const char *key, size_t upto, bool all_kept)
{
	for (size_t i = 0; i < c->nrcpts; i++) {
		const msg_rcpt_t *r = &c->rcpts[i];

		if (strcmp(r->key, key) != 0)
			continue;
		if (r->action == RESOLVE_KEEP && all_kept)
			return true;
		if (r->action == RESOLVE_REWRITE && i < upto)
			return true;
	}
	return false;
}

/*
 * Returns true when a rewritten recipient before index upto already added
 * the trace line of recipient i (the same recipient given twice, e.g. with
 * and without a source route).
 */
static bool
conn_traced(const conn_t *c, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (c->rcpts[j].action == RESOLVE_REWRITE &&
		    strcmp(c->rcpts[j].original, c->rcpts[i].original) == 0 &&
		    strcmp(c->rcpts[j].address, c->rcpts[i].address) == 0)
			return true;
	return false;
}

/*
 * Adds the new recipient: bare under Postfix (which ignores ESMTP
 * parameters of added recipients), with the original RCPT's parameters
 * and an ORCPT under Sendmail.  Returns MI_SUCCESS, or MI_FAILURE with
 * *why saying whose failure it is.
 */
static int
eom_add_rcpt(SMFICTX *ctx, conn_t *c, const msg_rcpt_t *r, const char **why)
{
	char	 path[ADDR_TEXT_MAX + 3];
	char	*args;
	size_t	 len;
	int	 rc;

	*why = "the MTA refused";
	snprintf(path, sizeof(path), "<%s>", r->address);
	if (c->postfix)
		return smfi_addrcpt(ctx, path);
	len = addr_rcpt_params_size(r->esmtp, r->original);
	if ((args = malloc(len)) == NULL ||
	    addr_rcpt_params(r->esmtp, r->original, args, len) == -1) {
		free(args);
		*why = "out of memory";
		return MI_FAILURE;
	}
	rc = smfi_addrcpt_par(ctx, path, args[0] ? args : NULL);
	free(args);
	return rc;
}

/* Logs the fields too long to be sure they came whole (see cb_header). */
static void
eom_log_long_fields(const conn_t *c, const char *qid)
{
	for (size_t i = 0; i < c->nlong && i < LONG_FIELDS_MAX; i++)
		log_msg(LOG_WARNING, "%s: header %s: %zu octets, more than %d: "
		    "it may have been truncated by the MTA (Postfix cuts a "
		    "field to 60000 octets when a milter is attached); left "
		    "as it is", qid, c->long_fields[i].name,
		    c->long_fields[i].size, OUTBOUND_FIELD_MAX);
	if (c->nlong > LONG_FIELDS_MAX)
		log_msg(LOG_WARNING, "%s: %zu more header fields of more than "
		    "%d octets, left as they are", qid,
		    c->nlong - LONG_FIELDS_MAX, OUTBOUND_FIELD_MAX);
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	conn_t		*c = smfi_getpriv(ctx);
	const config_t	*cfg;
	const char	*qid = conn_queue_id(ctx);
	char		 trace[2 * ADDR_TEXT_MAX + 32];
	const char	*why;
	sfsistat	 rc = SMFIS_CONTINUE;

	if (c == NULL || c->rt == NULL)
		return SMFIS_TEMPFAIL;
	cfg = c->rt->cfg;
	eom_log_long_fields(c, qid);
	if (c->header_failed ||
	    outbound_eom(&c->outbound, ctx, c->rt, qid) !=
	    SMFIS_CONTINUE) {
		conn_reset(c);
		return SMFIS_TEMPFAIL;
	}
	for (size_t i = 0; i < c->nrcpts; i++) {
		const msg_rcpt_t *r = &c->rcpts[i];

		if (r->action == RESOLVE_KEEP) {
			log_msg(strcmp(r->reason, "unconfigured") == 0 ||
			    strcmp(r->reason, "postmaster") == 0 ?
			    LOG_DEBUG : LOG_INFO, "%s: rcpt=<%s> unchanged %s%s%s%s",
			    qid, r->original, r->reason,
			    r->detail[0] ? " (" : "", r->detail,
			    r->detail[0] ? ")" : "");
			continue;
		}
		why = "the MTA refused";
		if (smfi_delrcpt(ctx, r->stored) != MI_SUCCESS ||
		    (!conn_delivers_to(c, r->key, i, true) &&
		    eom_add_rcpt(ctx, c, r, &why) != MI_SUCCESS)) {
			log_msg(LOG_ERR, "%s: cannot change rcpt=<%s> -> <%s>: "
			    "%s; message deferred", qid, r->original,
			    r->address, why);
			rc = SMFIS_TEMPFAIL;
			break;
		}
		if (cfg->trace_header[0] != '\0' && !conn_traced(c, i)) {
			snprintf(trace, sizeof(trace), "rcpt=<%s> -> <%s>",
			    r->original, r->address);
			if (smfi_addheader(ctx, cfg->trace_header, trace) !=
			    MI_SUCCESS) {
				log_msg(LOG_ERR, "%s: cannot add %s header; "
				    "message deferred", qid, cfg->trace_header);
				rc = SMFIS_TEMPFAIL;
				break;
			}
		}
		log_msg(LOG_INFO, "%s: rcpt=<%s> -> <%s> %s", qid, r->original,
		    r->address, r->reason);
	}
	conn_reset(c);
	return rc;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	conn_t	*c = smfi_getpriv(ctx);

	if (c != NULL)
		conn_reset(c);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	conn_t	*c = smfi_getpriv(ctx);

	if (c == NULL)
		return SMFIS_CONTINUE;
	conn_reset(c);
	free(c->rcpts);
	free(c->daemon);
	runtime_release(c->rt);
	free(c);
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

/*
 * Asks for the changes mailswitch makes, skips the protocol steps it has no
 * callback for, and has header fields sent without waiting for a reply to
 * each when the MTA offers it.
 */
static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	const unsigned long skip = SMFIP_NOHELO | SMFIP_NOEOH | SMFIP_NOBODY |
	    SMFIP_NOUNKNOWN | SMFIP_NODATA;
	const unsigned long need = SMFIF_ADDHDRS | SMFIF_ADDRCPT |
	    SMFIF_DELRCPT | SMFIF_CHGHDRS | SMFIF_CHGFROM;
	conn_t	*c = conn_get(ctx);

	(void)f2;
	(void)f3;
	if ((f0 & need) != need) {
		log_msg(LOG_ERR, "the MTA does not offer the changes mailswitch "
		    "makes (offered 0x%lx, needed 0x%lx)", f0, need);
		return SMFIS_REJECT;
	}
	*pf0 = f0 & callbacks_filter.xxfi_flags;
	*pf1 = f1 & (skip | SMFIP_NR_HDR);
	*pf2 = *pf3 = 0;
	if (c != NULL)
		c->noreply_headers = (*pf1 & SMFIP_NR_HDR) != 0;
	return SMFIS_CONTINUE;
}

struct smfiDesc callbacks_filter = {
	.xxfi_name = "mailswitch",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT |
	    SMFIF_ADDRCPT_PAR | SMFIF_DELRCPT | SMFIF_CHGFROM,
	.xxfi_connect = cb_connect,
	.xxfi_envfrom = cb_envfrom,
	.xxfi_envrcpt = cb_envrcpt,
	.xxfi_header = cb_header,
	.xxfi_eom = cb_eom,
	.xxfi_abort = cb_abort,
	.xxfi_close = cb_close,
	.xxfi_negotiate = cb_negotiate,
};

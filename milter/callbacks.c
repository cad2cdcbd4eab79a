/*
 * callbacks.c - the milter protocol side of the mail switch.
 *
 * A connection context is made in connect, reset per message and freed in
 * close; it holds the configuration generation the connection started
 * with.  What to answer at RCPT and what to change at the end of the
 * message come from lib/policy/message.c; this file only speaks libmilter: it
 * sets the replies and applies the plan's steps with smfi_* calls, putting
 * the queue id in front of each log line.
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
#include <sysexits.h>

#include "callbacks.h"
#include "log.h"
#include "message.h"
#include "metrics.h"
#include "runtime.h"

typedef struct conn {
	runtime_t	*rt;		/* the generation this connection uses */
	bool		 postfix;	/* Postfix's dialect (mta, "v" macro) */
	char		 client_ip[INET6_ADDRSTRLEN];	/* "" when unknown */
	char		*daemon;	/* {daemon_name}, or NULL */
	bool		 noreply_headers;	/* SMFIP_NR_HDR negotiated */
	bool		 in_message;
	message_t	*msg;
} conn_t;

static atomic_int	messages_in_flight;
static atomic_bool	stopping;

int
callbacks_open(const char *spec, char *err, size_t errlen)
{
	if (smfi_setconn((char *)(uintptr_t)spec) != MI_SUCCESS ||
	    smfi_register(callbacks_filter) != MI_SUCCESS) {
		snprintf(err, errlen, "cannot register the milter on %s", spec);
		return EX_SOFTWARE;
	}
	if (smfi_opensocket(true) != MI_SUCCESS) {
		snprintf(err, errlen, "cannot open socket %s", spec);
		return EX_UNAVAILABLE;
	}
	return EX_OK;
}

int
callbacks_run(void)
{
	return smfi_main() == MI_SUCCESS ? EX_OK : EX_SOFTWARE;
}

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

/* Returns the queue id for log lines: the MTA's {i}, or "NOQUEUE". */
static const char *
conn_queue_id(SMFICTX *ctx)
{
	const char	*qid = smfi_getsymval(ctx, "i");

	return qid != NULL && *qid != '\0' ? qid : "NOQUEUE";
}

/* Forgets the current message (end, abort, or a new MAIL FROM). */
static void
conn_reset(conn_t *c)
{
	if (c->msg != NULL)
		message_reset(c->msg);
	if (c->in_message) {
		c->in_message = false;
		atomic_fetch_sub(&messages_in_flight, 1);
	}
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
	if ((c->msg = message_create()) == NULL ||
	    smfi_setpriv(ctx, c) != MI_SUCCESS) {
		message_destroy(c->msg);
		free(c);
		return NULL;
	}
	metrics_connection(METRICS_MILTER, 1);	/* until cb_close */
	return c;
}

static sfsistat
cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *hostaddr)
{
	conn_t		*c;
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
	c->postfix = message_mta_is_postfix(runtime_config(c->rt)->mta,
	    smfi_getsymval(ctx, "v"));
	return SMFIS_CONTINUE;
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	conn_t			*c = smfi_getpriv(ctx);
	message_client_t	 client;

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
	client.ip = c->client_ip[0] ? c->client_ip : NULL;
	client.daemon = c->daemon;
	client.auth = smfi_getsymval(ctx, "{auth_authen}");
	client.postfix = c->postfix;
	if (message_begin(c->msg, runtime_config(c->rt), &client,
	    argv[0]) == -1) {
		log_msg(LOG_ERR, "%s: out of memory at MAIL FROM",
		    conn_queue_id(ctx));
		return SMFIS_TEMPFAIL;
	}
	return SMFIS_CONTINUE;
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	conn_t		*c = smfi_getpriv(ctx);
	message_reply_t	 reply;

	if (c == NULL || c->rt == NULL || argv[0] == NULL)
		return SMFIS_TEMPFAIL;
	if (message_rcpt(c->msg, runtime_config(c->rt),
	    runtime_directory(c->rt), argv, &reply) == -1) {
		log_msg(LOG_ERR, "%s: out of memory at rcpt=%s",
		    conn_queue_id(ctx), argv[0]);
		return SMFIS_TEMPFAIL;
	}
	metrics_decision(METRICS_MILTER, METRICS_INBOUND, reply.reason,
	    reply.refuse && reply.tempfail);
	if (!reply.refuse)
		return SMFIS_CONTINUE;
	log_msg(reply.log_level, "%s: %s", conn_queue_id(ctx), reply.log);
	if (smfi_setreply(ctx, (char *)(uintptr_t)reply.rcode,
	    (char *)(uintptr_t)reply.xcode, reply.text) != MI_SUCCESS)
		log_msg(LOG_ERR, "%s: smfi_setreply failed", conn_queue_id(ctx));
	return reply.tempfail ? SMFIS_TEMPFAIL : SMFIS_REJECT;
}

/*
 * Header fields matter to the outbound rewrite and to the loop check (the
 * trace fields); no reply is sent.
 */
static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	conn_t	*c = smfi_getpriv(ctx);

	if (c != NULL && c->rt != NULL &&
	    message_header(c->msg, runtime_config(c->rt), name, value) == -1)
		log_msg(LOG_ERR, "%s: out of memory at header %s; the message "
		    "will be deferred", conn_queue_id(ctx), name);
	return c != NULL && c->noreply_headers ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* Applies one step of the plan; returns MI_SUCCESS or MI_FAILURE. */
static int
eom_apply(SMFICTX *ctx, const plan_step_t *s)
{
	switch (s->kind) {
	case PLAN_LOG:
		return MI_SUCCESS;
	case PLAN_DELRCPT:
		return smfi_delrcpt(ctx, s->name);
	case PLAN_ADDRCPT:
		return s->value == NULL ? smfi_addrcpt(ctx, s->name) :
		    smfi_addrcpt_par(ctx, s->name, s->value);
	case PLAN_ADDHEADER:
		return smfi_addheader(ctx, s->name, s->value);
	case PLAN_CHGFROM:
		return smfi_chgfrom(ctx, s->name, NULL);
	case PLAN_CHGHEADER:
		return smfi_chgheader(ctx, s->name, s->index, s->value);
	}
	return MI_FAILURE;
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	conn_t		*c = smfi_getpriv(ctx);
	const char	*qid = conn_queue_id(ctx);
	plan_t		 plan;
	sfsistat	 rc = SMFIS_CONTINUE;
	reason_t	 sender;
	bool		 sender_tempfail;

	if (c == NULL || c->rt == NULL) {
		metrics_message(METRICS_TEMPFAILED);
		return SMFIS_TEMPFAIL;
	}
	plan_init(&plan);
	if (message_plan(c->msg, runtime_config(c->rt),
	    runtime_directory(c->rt), &plan) == -1) {
		log_msg(LOG_ERR, "%s: out of memory at end of message; "
		    "message deferred", qid);
		rc = SMFIS_TEMPFAIL;
		plan_truncate(&plan, 0);	/* half a plan is not applied */
	}
	for (size_t i = 0; i < plan.nsteps; i++) {
		const plan_step_t *s = &plan.steps[i];

		if (eom_apply(ctx, s) != MI_SUCCESS) {
			log_msg(LOG_ERR, "%s: %s", qid, s->refused != NULL ?
			    s->refused : "the MTA refused a change; message "
			    "deferred");
			rc = SMFIS_TEMPFAIL;
			break;
		}
		if (s->log != NULL)
			log_msg(s->log_level, "%s: %s", qid, s->log);
	}
	if (plan.defer || plan.reject) {
		if (plan.rcode != NULL &&
		    smfi_setreply(ctx, (char *)(uintptr_t)plan.rcode,
		    (char *)(uintptr_t)plan.xcode,
		    (char *)(uintptr_t)plan.text) != MI_SUCCESS)
			log_msg(LOG_ERR, "%s: smfi_setreply failed", qid);
		/* a reject plan has only LOG steps: nothing for the MTA to refuse */
		rc = plan.defer ? SMFIS_TEMPFAIL : SMFIS_REJECT;
	}
	plan_free(&plan);
	if (message_sender_verdict(c->msg, &sender, &sender_tempfail))
		metrics_decision(METRICS_MILTER, METRICS_OUTBOUND, sender,
		    sender_tempfail);
	metrics_message(rc == SMFIS_CONTINUE ? METRICS_ACCEPTED :
	    rc == SMFIS_TEMPFAIL ? METRICS_TEMPFAILED : METRICS_REJECTED);
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
	message_destroy(c->msg);
	free(c->daemon);
	runtime_release(c->rt);
	free(c);
	smfi_setpriv(ctx, NULL);
	metrics_connection(METRICS_MILTER, -1);
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

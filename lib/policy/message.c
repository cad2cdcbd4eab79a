/*
 * message.c - see message.h.
 *
 * Recipients are decided at RCPT time (resolve_rcpt), so that refusals are
 * SMTP replies; the changes wait for the end of the message, where the
 * MTA always knows the queue id.  A rewritten recipient is removed by the
 * name the MTA stored it under and its target added once per message; the
 * outbound rewrite (outbound.c) comes first in the plan.
 *
 * The loop check between systems (SPEC section 8): the values of the
 * trace header fields the message arrived with are kept (unfolded, white
 * space trimmed); one identical to a field this message's rewrite of a
 * recipient would add means it has been through this switch on this path
 * before, and the whole message is refused, with no change planned.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "addr.h"
#include "message.h"
#include "outbound.h"

/* One accepted recipient of the current message. */
typedef struct message_rcpt {
	char		*stored;	/* as the MTA stored it, for removal */
	char		**esmtp;	/* its ESMTP parameters (Sendmail only) */
	resolve_action_t action;	/* KEEP or REWRITE */
	reason_t	 reason;
	char		*original;	/* parsed, bare */
	char		*address;	/* the address delivered to, bare */
	char		*key;		/* folded address, for duplicates */
	char		 detail[1024];
} message_rcpt_t;

/* A header field longer than OUTBOUND_FIELD_MAX, logged at the end. */
#define LONG_FIELDS_MAX	8	/* named in the log; more are counted */

/* A trace field value as mailswitch writes it: rcpt=<a> -> <b>. */
#define TRACE_TEXT_MAX	(2 * ADDR_TEXT_MAX + 32)
#define TRACES_MAX	1024	/* trace fields kept; more are not checked */

struct message {
	bool		 postfix;	/* Postfix's dialect */
	bool		 failed;	/* out of memory on the way: defer */
	message_rcpt_t	*rcpts;
	size_t		 nrcpts, cap;
	outbound_msg_t	 outbound;
	struct {
		char	 name[64];
		size_t	 size;
	}		 long_fields[LONG_FIELDS_MAX];
	size_t		 nlong;		/* may exceed LONG_FIELDS_MAX */
	char		**traces;	/* the trace fields it arrived with */
	size_t		 ntraces, tcap;
};

message_t *
message_create(void)
{
	return calloc(1, sizeof(message_t));
}

static void
message_rcpt_free(message_rcpt_t *r)
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

void
message_reset(message_t *m)
{
	for (size_t i = 0; i < m->nrcpts; i++)
		message_rcpt_free(&m->rcpts[i]);
	m->nrcpts = 0;
	m->nlong = 0;
	for (size_t i = 0; i < m->ntraces; i++)
		free(m->traces[i]);
	m->ntraces = 0;
	m->failed = false;
	outbound_reset(&m->outbound);
}

void
message_destroy(message_t *m)
{
	if (m == NULL)
		return;
	message_reset(m);
	free(m->rcpts);
	free(m->traces);
	free(m);
}

int
message_begin(message_t *m, const config_t *cfg,
    const message_client_t *client, const char *sender)
{
	message_reset(m);
	m->postfix = client->postfix;
	return outbound_begin(&m->outbound, cfg, client->ip, client->daemon,
	    client->auth, sender);
}

/* Copies a NULL-terminated argument vector; NULL when out of memory. */
static char **
message_copy_args(char **argv)
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
 * Returns a copy of the recipient as the MTA stored it, the name its
 * removal must give: Postfix keeps it without a source route or needless
 * quoting ("<@a,@b:u@d>" and "<\"u\"@d>" are stored as u@d), which is the
 * parsed address; Sendmail parses the argument again, so it is given the
 * path as the client wrote it.  NULL when out of memory.
 */
static char *
message_stored_name(const message_t *m, const char *given,
    const rcpt_verdict_t *v)
{
	char	 path[ADDR_TEXT_MAX + 3];

	if (!m->postfix)
		return strdup(given);
	snprintf(path, sizeof(path), "<%s>", v->original.text);
	return strdup(path);
}

/* Records an accepted recipient; returns -1 when out of memory. */
static int
message_add_rcpt(message_t *m, char **argv, const rcpt_verdict_t *v)
{
	message_rcpt_t	*r;

	if (m->nrcpts == m->cap) {
		size_t		 cap = m->cap ? m->cap * 2 : 8;
		message_rcpt_t	*n = realloc(m->rcpts, cap * sizeof(*n));

		if (n == NULL)
			return -1;
		m->rcpts = n;
		m->cap = cap;
	}
	r = &m->rcpts[m->nrcpts];
	memset(r, 0, sizeof(*r));
	r->action = v->action;
	r->reason = v->reason;
	snprintf(r->detail, sizeof(r->detail), "%s", v->detail);
	r->stored = message_stored_name(m, argv[0], v);
	r->original = strdup(v->original.text);
	r->address = strdup(v->address.text);
	r->key = strdup(v->address.key);
	if (!m->postfix)
		r->esmtp = message_copy_args(argv + 1);
	if (r->stored == NULL || r->original == NULL || r->address == NULL ||
	    r->key == NULL || (!m->postfix && r->esmtp == NULL)) {
		message_rcpt_free(r);
		return -1;
	}
	m->nrcpts++;
	return 0;
}

/*
 * The longest reply text handed to the MTA, before '%' is doubled:
 * libmilter refuses a text over 980 octets (MAXREPLYLEN; Postfix then
 * answers "550 5.7.1 Command rejected" instead), and RFC 5321 allows a
 * reply line of 512.  Only an encapsulated address (addr.h: up to 2038
 * octets) makes one longer.
 */
#define MESSAGE_REPLY_TEXT	400
#define MESSAGE_REPLY_ADDR	200	/* octets of such an address shown */

/*
 * Copies v's reply text into buf (size len), at most MESSAGE_REPLY_TEXT
 * octets: a longer "<address>: text" shows the address's first
 * MESSAGE_REPLY_ADDR octets and "...".  Returns buf.
 */
static const char *
message_reply_text(const rcpt_verdict_t *v, char *buf, size_t len)
{
	size_t	 n = strlen(v->original.text);

	if (strlen(v->text) <= MESSAGE_REPLY_TEXT || n <= MESSAGE_REPLY_ADDR ||
	    v->text[0] != '<' || strncmp(v->text + 1, v->original.text, n) != 0)
		snprintf(buf, len, "%.*s", MESSAGE_REPLY_TEXT, v->text);
	else
		snprintf(buf, len, "<%.*s...%.*s", MESSAGE_REPLY_ADDR,
		    v->original.text, MESSAGE_REPLY_TEXT - MESSAGE_REPLY_ADDR - 4,
		    v->text + 1 + n);
	return buf;
}

/* Copies text into buf with every '%' doubled (Postfix maps "%%" to "%"). */
static void
message_reply_escape(const char *text, char *buf, size_t len)
{
	size_t	 o = 0;

	for (; *text != '\0' && o + 2 < len; text++) {
		if (*text == '%')
			buf[o++] = '%';
		buf[o++] = *text;
	}
	buf[o] = '\0';
}

int
message_rcpt(message_t *m, const config_t *cfg, directory_t *dir,
    char **argv, message_reply_t *reply)
{
	rcpt_verdict_t	 v;
	char		 text[MESSAGE_REPLY_TEXT + 1];

	memset(reply, 0, sizeof(*reply));
	(void)resolve_rcpt(cfg, dir, argv[0], &v);	/* v.action */
	reply->reason = v.reason;
	switch (v.action) {
	case RESOLVE_REJECT:
	case RESOLVE_TEMPFAIL:
		reply->refuse = true;
		reply->tempfail = v.action == RESOLVE_TEMPFAIL;
		reply->rcode = v.rcode;
		reply->xcode = v.xcode;
		message_reply_escape(message_reply_text(&v, text, sizeof(text)),
		    reply->text, sizeof(reply->text));
		reply->log_level = reason_log_level(v.reason);
		snprintf(reply->log, sizeof(reply->log),
		    "reject rcpt=%s %s %s %s%s%s%s", argv[0], v.rcode, v.xcode,
		    reason_phrase(v.reason), v.detail[0] ? " (" : "", v.detail,
		    v.detail[0] ? ")" : "");
		return 0;
	case RESOLVE_KEEP:
	case RESOLVE_REWRITE:
		break;
	}
	if (message_add_rcpt(m, argv, &v) == -1)
		return -1;
	/* "to the Internet" is decided on the address delivered to */
	outbound_rcpt(&m->outbound, cfg, v.address.text);
	return 0;
}

bool
message_sender_verdict(const message_t *m, reason_t *r, bool *tempfail)
{
	*r = m->outbound.reason;
	*tempfail = m->outbound.tempfail;
	return m->outbound.decided;
}

/*
 * Writes value into buf unfolded (CR and LF dropped), each run of white
 * space made one space, and trimmed.  Returns -1 when it does not fit in
 * len: longer than any value mailswitch writes.
 */
static int
message_trace_text(const char *value, char *buf, size_t len)
{
	size_t	 o = 0;
	bool	 space = false;

	for (; *value != '\0'; value++) {
		unsigned char ch = (unsigned char)*value;

		if (ch == '\r' || ch == '\n')
			continue;
		if (isspace(ch)) {
			space = o > 0;
			continue;
		}
		if (o + (space ? 2 : 1) >= len)
			return -1;
		if (space)
			buf[o++] = ' ';
		space = false;
		buf[o++] = (char)ch;
	}
	buf[o] = '\0';
	return 0;
}

/* Keeps the value of a trace header field; -1 when out of memory. */
static int
message_keep_trace(message_t *m, const char *value)
{
	char	 text[TRACE_TEXT_MAX];

	if (m->ntraces == TRACES_MAX ||
	    message_trace_text(value, text, sizeof(text)) == -1)
		return 0;	/* cannot be one mailswitch wrote */
	if (m->ntraces == m->tcap) {
		size_t	 cap = m->tcap ? m->tcap * 2 : 4;
		char	**n = realloc(m->traces, cap * sizeof(*n));

		if (n == NULL)
			return -1;
		m->traces = n;
		m->tcap = cap;
	}
	if ((m->traces[m->ntraces] = strdup(text)) == NULL)
		return -1;
	m->ntraces++;
	return 0;
}

int
message_header(message_t *m, const config_t *cfg, const char *name,
    const char *value)
{
	size_t	 size = outbound_field_size(name, value);

	if (cfg->trace_header[0] != '\0' &&
	    strcasecmp(name, cfg->trace_header) == 0 &&
	    message_keep_trace(m, value) == -1) {
		m->failed = true;
		return -1;
	}

	if (size > OUTBOUND_FIELD_MAX) {
		if (m->nlong < LONG_FIELDS_MAX) {
			snprintf(m->long_fields[m->nlong].name,
			    sizeof(m->long_fields[m->nlong].name), "%s", name);
			m->long_fields[m->nlong].size = size;
		}
		m->nlong++;
	}
	if (outbound_header(&m->outbound, cfg, name, value) == -1) {
		m->outbound.from_subsidiary = false;
		m->failed = true;
		return -1;
	}
	return 0;
}

/* Returns true when key is delivered to by a recipient before index upto. */
static bool
message_delivers_to(const message_t *m, const char *key, size_t upto)
{
	for (size_t i = 0; i < m->nrcpts; i++) {
		const message_rcpt_t *r = &m->rcpts[i];

		if (strcmp(r->key, key) != 0)
			continue;
		if (r->action == RESOLVE_KEEP)
			return true;
		if (r->action == RESOLVE_REWRITE && i < upto)
			return true;
	}
	return false;
}

/*
 * Returns true when a rewritten recipient before index i already has the
 * trace line of recipient i (one recipient given twice, e.g. with and
 * without a source route).
 */
static bool
message_traced(const message_t *m, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (m->rcpts[j].action == RESOLVE_REWRITE &&
		    strcmp(m->rcpts[j].original, m->rcpts[i].original) == 0 &&
		    strcmp(m->rcpts[j].address, m->rcpts[i].address) == 0)
			return true;
	return false;
}

/* Writes recipient r's trace field value (rcpt=<a> -> <b>) into buf. */
static void
message_trace_of(const message_rcpt_t *r, char *buf, size_t len)
{
	snprintf(buf, len, "rcpt=<%s> -> <%s>", r->original, r->address);
}

/*
 * The loop check: when the message arrived with a trace field identical to
 * one a rewritten recipient would add (the addresses compared
 * case-insensitively, as mailswitch matches them), plans its refusal with
 * REASON_LOOP's reply (554 5.4.6) and returns 1; 0 when none does, -1 when out of memory.
 */
static int
message_plan_loop(const message_t *m, const config_t *cfg, plan_t *plan)
{
	const reason_smtp_t *loop = reason_smtp(reason_reply(REASON_LOOP));
	char	 trace[TRACE_TEXT_MAX];

	if (cfg->trace_header[0] == '\0')
		return 0;
	for (size_t i = 0; i < m->nrcpts; i++) {
		if (m->rcpts[i].action != RESOLVE_REWRITE)
			continue;
		message_trace_of(&m->rcpts[i], trace, sizeof(trace));
		for (size_t j = 0; j < m->ntraces; j++) {
			if (strcasecmp(m->traces[j], trace) != 0)
				continue;
			if (plan_add(plan, PLAN_LOG, NULL, NULL, 0, LOG_WARNING,
			    "reject %s %s %s: %s: %s already present",
			    loop->rcode, loop->xcode, reason_phrase(REASON_LOOP),
			    cfg->trace_header, trace) == -1)
				return -1;
			plan->reject = true;
			plan_reply(plan, reason_reply(REASON_LOOP));
			return 1;
		}
	}
	return 0;
}

/* The warnings about fields too long to be sure they came whole. */
static int
message_plan_long_fields(const message_t *m, plan_t *plan)
{
	for (size_t i = 0; i < m->nlong && i < LONG_FIELDS_MAX; i++)
		if (plan_add(plan, PLAN_LOG, NULL, NULL, 0, LOG_WARNING,
		    "header %s: %zu octets, more than %d: it may have been "
		    "truncated by the MTA (Postfix cuts a field to 60000 "
		    "octets when a milter is attached); left as it is",
		    m->long_fields[i].name, m->long_fields[i].size,
		    OUTBOUND_FIELD_MAX) == -1)
			return -1;
	if (m->nlong > LONG_FIELDS_MAX &&
	    plan_add(plan, PLAN_LOG, NULL, NULL, 0, LOG_WARNING,
	    "%zu more header fields of more than %d octets, left as they are",
	    m->nlong - LONG_FIELDS_MAX, OUTBOUND_FIELD_MAX) == -1)
		return -1;
	return 0;
}

/*
 * The steps of one rewritten recipient: remove it, add its target (once a
 * message: bare under Postfix, which ignores ESMTP parameters of added
 * recipients; with the RCPT's parameters and an ORCPT under Sendmail), the
 * trace field, the log line.
 */
static int
message_plan_rewrite(const message_t *m, const config_t *cfg, size_t i,
    plan_t *plan)
{
	const message_rcpt_t	*r = &m->rcpts[i];
	char			 path[ADDR_TEXT_MAX + 3], trace[TRACE_TEXT_MAX];
	char			*args = NULL;
	size_t			 len;
	int			 rc = -1;

	if (plan_add(plan, PLAN_DELRCPT, r->stored, NULL, 0, LOG_INFO,
	    NULL) == -1 ||
	    plan_refused(plan, "cannot change rcpt=<%s> -> <%s>: the MTA "
	    "refused; message deferred", r->original, r->address) == -1)
		return -1;
	if (!message_delivers_to(m, r->key, i)) {
		snprintf(path, sizeof(path), "<%s>", r->address);
		if (!m->postfix) {
			len = addr_rcpt_params_size(r->esmtp, r->original);
			if ((args = malloc(len)) == NULL ||
			    addr_rcpt_params(r->esmtp, r->original, args,
			    len) == -1)
				goto done;
		}
		if (plan_add(plan, PLAN_ADDRCPT, path,
		    args != NULL && args[0] != '\0' ? args : NULL, 0, LOG_INFO,
		    NULL) == -1 ||
		    plan_refused(plan, "cannot change rcpt=<%s> -> <%s>: the "
		    "MTA refused; message deferred", r->original,
		    r->address) == -1)
			goto done;
	}
	if (cfg->trace_header[0] != '\0' && !message_traced(m, i)) {
		message_trace_of(r, trace, sizeof(trace));
		if (plan_add(plan, PLAN_ADDHEADER, cfg->trace_header, trace, 0,
		    LOG_INFO, NULL) == -1 ||
		    plan_refused(plan, "cannot add %s header; message deferred",
		    cfg->trace_header) == -1)
			goto done;
	}
	rc = plan_add(plan, PLAN_LOG, NULL, NULL, 0, reason_log_level(r->reason),
	    "rcpt=<%s> -> <%s> %s%s%s%s", r->original, r->address,
	    reason_name(r->reason), r->detail[0] ? " (" : "", r->detail,
	    r->detail[0] ? ")" : "");
done:
	free(args);
	return rc;
}

int
message_plan(message_t *m, const config_t *cfg, directory_t *dir,
    plan_t *plan)
{
	if (message_plan_long_fields(m, plan) == -1)
		return -1;
	if (m->failed) {
		plan->defer = true;	/* the header was logged when it failed */
		return 0;
	}
	switch (message_plan_loop(m, cfg, plan)) {
	case -1:
		return -1;
	case 1:
		return 0;	/* refused: nothing changed */
	}
	if (outbound_plan(&m->outbound, cfg, dir, plan) == -1)
		return -1;
	if (plan->defer)
		return 0;
	for (size_t i = 0; i < m->nrcpts; i++) {
		const message_rcpt_t *r = &m->rcpts[i];

		if (r->action == RESOLVE_REWRITE) {
			if (message_plan_rewrite(m, cfg, i, plan) == -1)
				return -1;
		} else if (plan_add(plan, PLAN_LOG, NULL, NULL, 0,
		    reason_log_level(r->reason), "rcpt=<%s> unchanged %s%s%s%s",
		    r->original, reason_name(r->reason),
		    r->detail[0] ? " (" : "", r->detail,
		    r->detail[0] ? ")" : "") == -1)
			return -1;
	}
	return 0;
}

bool
message_mta_is_postfix(mta_kind_t mta, const char *v)
{
	switch (mta) {
	case MTA_POSTFIX:
		return true;
	case MTA_SENDMAIL:
		return false;
	case MTA_AUTO:
		break;
	}
	return v != NULL && strncasecmp(v, "Postfix", 7) == 0;
}

/*
 * outbound.c - see outbound.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "hdraddr.h"
#include "outbound.h"
#include "resolve.h"

/* What the header map callback needs; tempfail detail comes back in v. */
typedef struct outbound_map {
	const config_t	*cfg;
	directory_t	*dir;
	rcpt_verdict_t	 v;
} outbound_map_t;

int
outbound_begin(outbound_msg_t *m, const config_t *cfg, const char *client_ip,
    const char *daemon, const char *auth, const char *sender)
{
	outbound_reset(m);
	m->from_subsidiary = resolve_is_outbound_client(cfg, client_ip, daemon,
	    auth);
	if (m->from_subsidiary && (m->sender = strdup(sender)) == NULL)
		return -1;
	return 0;
}

void
outbound_rcpt(outbound_msg_t *m, const config_t *cfg, const char *rcpt)
{
	if (m->from_subsidiary && !m->to_internet)
		m->to_internet = resolve_is_internet(cfg, rcpt);
}

size_t
outbound_field_size(const char *name, const char *value)
{
	return strlen(name) + 2 + strlen(value);
}

int
outbound_header(outbound_msg_t *m, const config_t *cfg, const char *name,
    const char *value)
{
	outbound_header_t	*h;
	size_t			 i;
	int			 index = 1;

	if (!m->from_subsidiary)
		return 0;
	for (i = 0; i < cfg->outbound.nheaders; i++)
		if (strcasecmp(cfg->outbound.headers[i], name) == 0)
			break;
	if (i == cfg->outbound.nheaders)
		return 0;
	for (i = 0; i < m->nheaders; i++)
		if (strcasecmp(m->headers[i].name, name) == 0)
			index++;
	if (m->nheaders == m->cap) {
		size_t			 cap = m->cap ? m->cap * 2 : 4;
		outbound_header_t	*n = realloc(m->headers, cap * sizeof(*n));

		if (n == NULL)
			return -1;
		m->headers = n;
		m->cap = cap;
	}
	h = &m->headers[m->nheaders];
	h->index = index;
	h->name = strdup(name);
	/* counted for the index, but too long to be trusted whole */
	h->value = outbound_field_size(name, value) > OUTBOUND_FIELD_MAX ?
	    NULL : strdup(value);
	if (h->name == NULL || (h->value == NULL &&
	    outbound_field_size(name, value) <= OUTBOUND_FIELD_MAX)) {
		free(h->name);
		free(h->value);
		return -1;
	}
	m->nheaders++;
	return 0;
}

/* hdraddr_map_fn: one header address through the sender decision. */
static int
outbound_map_address(void *arg, const char *spec, char *out, size_t outlen)
{
	outbound_map_t	*map = arg;

	switch (resolve_sender(map->cfg, map->dir, spec, &map->v)) {
	case RESOLVE_REWRITE:
		snprintf(out, outlen, "%s", map->v.address.text);
		return 1;
	case RESOLVE_TEMPFAIL:
	case RESOLVE_REJECT:
		return -1;
	default:
		return 0;
	}
}

/*
 * Drops the steps from mark on and defers the plan with the directory
 * error's reply (451 4.3.0) and a warning about what could not be
 * resolved.  Returns 0, or -1 (memory).
 */
static int
outbound_defer(plan_t *plan, size_t mark, const char *what,
    const rcpt_verdict_t *v)
{
	plan_truncate(plan, mark);
	plan->defer = true;
	plan_reply(plan, reason_reply(REASON_DIRECTORY_ERROR));
	return plan_add(plan, PLAN_LOG, NULL, NULL, 0, LOG_WARNING,
	    "defer %s %s %s %s%s%s%s", what, plan->rcode, plan->xcode,
	    reason_phrase(REASON_DIRECTORY_ERROR), v->detail[0] ? " (" : "",
	    v->detail, v->detail[0] ? ")" : "");
}

/* The steps of the kept header fields; the envelope is done by the caller. */
static int
outbound_headers(outbound_msg_t *m, const config_t *cfg, directory_t *dir,
    plan_t *plan, size_t mark)
{
	outbound_map_t	 map = { .cfg = cfg, .dir = dir };
	char		 err[256], what[64];
	char		*value;
	int		 r;

	for (size_t i = 0; i < m->nheaders; i++) {
		outbound_header_t *h = &m->headers[i];

		if (h->value == NULL)		/* too long: logged by the caller */
			continue;
		switch (hdraddr_rewrite(h->value, outbound_map_address, &map,
		    &value, err, sizeof(err))) {
		case HDRADDR_CHANGED:
			if (h->index > 1)
				snprintf(what, sizeof(what), "%.40s[%d]",
				    h->name, h->index);
			else
				snprintf(what, sizeof(what), "%.40s", h->name);
			if (outbound_field_size(h->name, value) >
			    OUTBOUND_FIELD_MAX)
				r = plan_add(plan, PLAN_LOG, NULL, NULL, 0,
				    LOG_WARNING, "header %s left as it is: "
				    "rewritten, it would be %zu octets, more "
				    "than the %d the MTA is sure to keep whole "
				    "(it may be truncated)", what,
				    outbound_field_size(h->name, value),
				    OUTBOUND_FIELD_MAX);
			else
				r = plan_add(plan, PLAN_CHGHEADER, h->name,
				    value, h->index, LOG_INFO,
				    "header %s: %s -> %s outbound", what,
				    h->value, value) == -1 ||
				    plan_refused(plan, "the MTA refused to "
				    "change header %s; message deferred",
				    h->name) == -1 ? -1 : 0;
			free(value);
			if (r == -1)
				return -1;
			break;
		case HDRADDR_TEMPFAIL:
			if (map.v.action != RESOLVE_TEMPFAIL)
				snprintf(map.v.detail, sizeof(map.v.detail),
				    "%s", err);
			snprintf(what, sizeof(what), "header %.40s", h->name);
			return outbound_defer(plan, mark, what, &map.v);
		case HDRADDR_BAD:
			if (plan_add(plan, PLAN_LOG, NULL, NULL, 0, LOG_WARNING,
			    "header %s left as it is: %s: %s", h->name, err,
			    h->value) == -1)
				return -1;
			break;
		default:
			break;
		}
	}
	return 0;
}

int
outbound_plan(outbound_msg_t *m, const config_t *cfg, directory_t *dir,
    plan_t *plan)
{
	rcpt_verdict_t	 v;
	char		 path[ADDR_TEXT_MAX + 3];
	size_t		 mark = plan->nsteps;

	if (!m->from_subsidiary || !m->to_internet || m->sender == NULL)
		return 0;
	(void)resolve_sender(cfg, dir, m->sender, &v);	/* v.action */
	m->decided = true;
	m->reason = v.reason;
	m->tempfail = v.action == RESOLVE_TEMPFAIL ||
	    v.action == RESOLVE_REJECT;
	switch (v.action) {
	case RESOLVE_TEMPFAIL:
	case RESOLVE_REJECT:
		return outbound_defer(plan, mark, "from", &v);
	case RESOLVE_REWRITE:
		/*
		 * No ESMTP parameters: Postfix ignores them (with a warning)
		 * and Sendmail keeps the MAIL FROM's own; given again, it
		 * would relay an empty AUTH=.
		 */
		snprintf(path, sizeof(path), "<%s>", v.address.text);
		if (plan_add(plan, PLAN_CHGFROM, path, NULL, 0, LOG_INFO,
		    "from=<%s> -> <%s> outbound", v.original.text,
		    v.address.text) == -1 ||
		    plan_refused(plan, "the MTA refused to change the sender; "
		    "message deferred") == -1)
			return -1;
		break;
	case RESOLVE_KEEP:
		if (plan_add(plan, PLAN_LOG, NULL, NULL, 0, LOG_INFO,
		    "from=%s unchanged outbound %s%s%s%s", m->sender,
		    reason_name(v.reason), v.detail[0] ? " (" : "", v.detail,
		    v.detail[0] ? ")" : "") == -1)
			return -1;
		break;
	}
	return outbound_headers(m, cfg, dir, plan, mark);
}

void
outbound_reset(outbound_msg_t *m)
{
	for (size_t i = 0; i < m->nheaders; i++) {
		free(m->headers[i].name);
		free(m->headers[i].value);
	}
	free(m->headers);
	free(m->sender);
	memset(m, 0, sizeof(*m));
}

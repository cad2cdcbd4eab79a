/*
 * outbound.c - see outbound.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hdraddr.h"
#include "log.h"
#include "outbound.h"
#include "resolve.h"

/* What the header map callback needs; tempfail detail comes back in v. */
typedef struct outbound_map {
	const runtime_t	*rt;
	rcpt_verdict_t	 v;
} outbound_map_t;

int
outbound_begin(outbound_msg_t *m, const config_t *cfg, const char *client_ip,
    const char *daemon, const char *auth, char **mail_argv)
{
	outbound_reset(m);
	m->from_subsidiary = resolve_is_outbound_client(cfg, client_ip, daemon,
	    auth);
	if (m->from_subsidiary && (m->sender = strdup(mail_argv[0])) == NULL)
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

	switch (resolve_sender(map->rt->cfg, map->rt->dir, spec, &map->v)) {
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

/* Sets the 451 reply of a directory failure and logs it. */
static sfsistat
outbound_tempfail(SMFICTX *ctx, const char *qid, const char *what,
    const rcpt_verdict_t *v)
{
	log_msg(LOG_WARNING, "%s: defer %s 451 4.3.0 temporary lookup failure%s%s%s",
	    qid, what, v->detail[0] ? " (" : "", v->detail,
	    v->detail[0] ? ")" : "");
	(void)smfi_setreply(ctx, "451", "4.3.0", "Temporary lookup failure");
	return SMFIS_TEMPFAIL;
}

/* Rewrites the kept header fields; the envelope is done by the caller. */
static sfsistat
outbound_headers(outbound_msg_t *m, SMFICTX *ctx, const runtime_t *rt,
    const char *qid)
{
	outbound_map_t	 map = { .rt = rt };
	char		 err[256], what[64];
	char		*value;

	for (size_t i = 0; i < m->nheaders; i++) {
		outbound_header_t *h = &m->headers[i];

		if (h->value == NULL)		/* too long: logged by the caller */
			continue;
		switch (hdraddr_rewrite(h->value, outbound_map_address, &map,
		    &value, err, sizeof(err))) {
		case HDRADDR_CHANGED:
			if (outbound_field_size(h->name, value) >
			    OUTBOUND_FIELD_MAX) {
				log_msg(LOG_WARNING, "%s: header %s left as it "
				    "is: rewritten, it would be %zu octets, more "
				    "than the %d the MTA is sure to keep whole "
				    "(it may be truncated)", qid, h->name,
				    outbound_field_size(h->name, value),
				    OUTBOUND_FIELD_MAX);
				free(value);
				break;
			}
			if (smfi_chgheader(ctx, h->name, h->index, value) !=
			    MI_SUCCESS) {
				free(value);
				log_msg(LOG_ERR, "%s: the MTA refused to change "
				    "header %s; message deferred", qid, h->name);
				return SMFIS_TEMPFAIL;
			}
			if (h->index > 1)
				snprintf(what, sizeof(what), "%.40s[%d]",
				    h->name, h->index);
			else
				snprintf(what, sizeof(what), "%.40s", h->name);
			log_msg(LOG_INFO, "%s: header %s: %s -> %s outbound",
			    qid, what, h->value, value);
			free(value);
			break;
		case HDRADDR_TEMPFAIL:
			if (map.v.action != RESOLVE_TEMPFAIL)
				snprintf(map.v.detail, sizeof(map.v.detail),
				    "%s", err);
			snprintf(what, sizeof(what), "header %.40s", h->name);
			return outbound_tempfail(ctx, qid, what, &map.v);
		case HDRADDR_BAD:
			log_msg(LOG_WARNING, "%s: header %s left as it is: %s: %s",
			    qid, h->name, err, h->value);
			break;
		default:
			break;
		}
	}
	return SMFIS_CONTINUE;
}

sfsistat
outbound_eom(outbound_msg_t *m, SMFICTX *ctx, const runtime_t *rt,
    const char *qid)
{
	rcpt_verdict_t	 v;
	char		 path[ADDR_TEXT_MAX + 3];

	if (!m->from_subsidiary || !m->to_internet || m->sender == NULL)
		return SMFIS_CONTINUE;
	switch (resolve_sender(rt->cfg, rt->dir, m->sender, &v)) {
	case RESOLVE_TEMPFAIL:
	case RESOLVE_REJECT:
		return outbound_tempfail(ctx, qid, "from", &v);
	case RESOLVE_REWRITE:
		snprintf(path, sizeof(path), "<%s>", v.address.text);
		/*
		 * No ESMTP parameters: Postfix ignores them (with a warning)
		 * and Sendmail keeps the MAIL FROM's own; given again, it
		 * would relay an empty AUTH=.
		 */
		if (smfi_chgfrom(ctx, path, NULL) !=
		    MI_SUCCESS) {
			log_msg(LOG_ERR, "%s: the MTA refused to change the "
			    "sender; message deferred", qid);
			return SMFIS_TEMPFAIL;
		}
		log_msg(LOG_INFO, "%s: from=<%s> -> <%s> outbound", qid,
		    v.original.text, v.address.text);
		break;
	case RESOLVE_KEEP:
		log_msg(LOG_INFO, "%s: from=%s unchanged outbound %s%s%s%s",
		    qid, m->sender, v.reason, v.detail[0] ? " (" : "",
		    v.detail, v.detail[0] ? ")" : "");
		break;
	}
	return outbound_headers(m, ctx, rt, qid);
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

/*
 * sockmap.c - a socketmap request in, the reply and what to log out.
 *
 * The request is checked first (a known map name, one space, a key without
 * NUL, CR or LF); then the key goes to resolve_rcpt() (access, virtual) or
 * resolve_sender() (generic) and the verdict becomes the map's reply, as in
 * the table of SPEC section 6.  The replies depend on the verdict's action
 * and reply (its codes and access(5) text are reason.h's); the one place
 * that reads the reason is sockmap_accepted_failure().
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "log.h"
#include "sockmap.h"

_Static_assert(SOCKMAP_TEXT_MAX <= SOCKMAP_REPLY_MAX,
    "a socketmap reply must fit Postfix's limit");
_Static_assert(SOCKMAP_TEXT_MAX > sizeof("TEMP ") +
    sizeof(((rcpt_verdict_t *)0)->detail),
    "a TEMP reply carries the directory's message whole");

static const char *const sockmap_map_names[] = {
	[SOCKMAP_MAP_NONE] = "-",
	[SOCKMAP_ACCESS] = "access",
	[SOCKMAP_VIRTUAL] = "virtual",
	[SOCKMAP_GENERIC] = "generic",
};

static const char *const sockmap_status_names[] = {
	[SOCKMAP_OK] = "OK",
	[SOCKMAP_NOTFOUND] = "NOTFOUND",
	[SOCKMAP_TEMP] = "TEMP",
	[SOCKMAP_PERM] = "PERM",
};

const char *
sockmap_map_name(sockmap_map_t map)
{
	if ((size_t)map >= sizeof(sockmap_map_names) / sizeof(sockmap_map_names[0]))
		return "?";
	return sockmap_map_names[map];
}

const char *
sockmap_status_name(sockmap_status_t status)
{
	if ((size_t)status >=
	    sizeof(sockmap_status_names) / sizeof(sockmap_status_names[0]))
		return "?";
	return sockmap_status_names[status];
}

/* Copies s[0 .. len) into out (size outlen), control characters as '?'. */
static void
sockmap_printable(char *out, size_t outlen, const char *s, size_t len)
{
	size_t	 i;

	if (len > outlen - 1)
		len = outlen - 1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	out[i] = '\0';
}

/*
 * Sets the reply: status, then the text made by fmt.  A reply that would
 * not fit (it cannot: every part is bounded) becomes "TEMP reply too long"
 * rather than a truncated OK.  Returns the status set.
 */
static sockmap_status_t __attribute__((format(printf, 3, 4)))
sockmap_set(sockmap_result_t *res, sockmap_status_t status, const char *fmt,
    ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(res->reply, sizeof(res->reply), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(res->reply)) {
		status = SOCKMAP_TEMP;
		n = snprintf(res->reply, sizeof(res->reply), "TEMP reply too long");
	}
	res->status = status;
	res->reply_len = (size_t)n;
	res->quiet = status == SOCKMAP_NOTFOUND && !res->directory_error;
	res->close = status == SOCKMAP_PERM;
	return status;
}

static sockmap_status_t
sockmap_perm(sockmap_result_t *res, const char *request, size_t len,
    const char *why)
{
	sockmap_printable(res->key, sizeof(res->key), request, len);
	res->why = why;
	return sockmap_set(res, SOCKMAP_PERM, "PERM %s", why);
}

static sockmap_status_t
sockmap_notfound(sockmap_result_t *res)
{
	return sockmap_set(res, SOCKMAP_NOTFOUND, "NOTFOUND ");
}

/* TEMP with the directory's message (printable), or a word of our own. */
static sockmap_status_t
sockmap_temp(sockmap_result_t *res)
{
	const rcpt_verdict_t *v = &res->verdict;
	char	 reason[sizeof(v->detail)];

	sockmap_printable(reason, sizeof(reason), v->detail, strlen(v->detail));
	return sockmap_set(res, SOCKMAP_TEMP, "TEMP %s",
	    reason[0] != '\0' ? reason : "directory lookup failed");
}

/*
 * Returns true when the verdict is KEEP because the directory failed and
 * on_directory_error is accept.
 */
static bool
sockmap_accepted_failure(const rcpt_verdict_t *v)
{
	return v->action == RESOLVE_KEEP && v->reason == REASON_DIRECTORY_ERROR;
}

const char *
sockmap_access_action(const rcpt_verdict_t *v, char *buf, size_t len)
{
	const reason_smtp_t *smtp = reason_smtp(v->reply);

	if ((v->action != RESOLVE_REJECT && v->action != RESOLVE_TEMPFAIL) ||
	    smtp->rcode == NULL)	/* resolve.h promises one */
		return NULL;
	snprintf(buf, len, "%s %s %s", smtp->rcode, smtp->xcode, smtp->access);
	return buf;
}

static sockmap_status_t
sockmap_access(sockmap_result_t *res)
{
	char		 action[SOCKMAP_TEXT_MAX];

	switch (res->verdict.action) {
	case RESOLVE_TEMPFAIL:
	case RESOLVE_REJECT:
		if (sockmap_access_action(&res->verdict, action,
		    sizeof(action)) == NULL)
			return sockmap_set(res, SOCKMAP_TEMP,
			    "TEMP refusal without a reply code");
		return sockmap_set(res, SOCKMAP_OK, "OK %s", action);
	default:
		return sockmap_notfound(res);
	}
}

/* virtual and generic: the new address, or none. */
static sockmap_status_t
sockmap_rewrite(sockmap_result_t *res)
{
	const rcpt_verdict_t *v = &res->verdict;

	switch (v->action) {
	case RESOLVE_REWRITE:
		return sockmap_set(res, SOCKMAP_OK, "OK %s", v->address.text);
	case RESOLVE_TEMPFAIL:
		return sockmap_temp(res);
	default:
		return sockmap_notfound(res);
	}
}

/*
 * Sets the log line of res: its level, then the text made by fmt -- only
 * when a line at that level would be written (log_enabled()); else the
 * text is empty, and a request at the usual level costs no formatting.
 */
static void __attribute__((format(printf, 3, 4)))
sockmap_log_set(sockmap_result_t *res, int level, const char *fmt, ...)
{
	va_list	 ap;

	res->log_level = level;
	res->log[0] = '\0';
	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	(void)vsnprintf(res->log, sizeof(res->log), fmt, ap);
	va_end(ap);
}

/*
 * The log line of an answered request: a refused request, a directory
 * failure, nothing happened (at debug level, unless the answer was stale),
 * a refusal (the access map) or a rewrite.
 */
static void
sockmap_log(sockmap_result_t *res)
{
	const rcpt_verdict_t	*v = &res->verdict;
	const char		*map = sockmap_map_name(res->map);
	const char		*what = res->map == SOCKMAP_GENERIC ? "address" :
	    "rcpt";
	const char		*detail = v->detail;
	const char		*open = detail[0] ? " (" : "";
	const char		*close = detail[0] ? ")" : "";

	if (res->status == SOCKMAP_PERM)
		sockmap_log_set(res, LOG_WARNING, "refused request \"%s\": %s",
		    res->key, res->why != NULL ? res->why : "malformed");
	else if (res->directory_error)
		sockmap_log_set(res, LOG_WARNING, "%s %s=<%s> %s%s%s%s", map,
		    what, res->key, res->status == SOCKMAP_NOTFOUND ?
		    "unchanged directory" : "temporary lookup failure", open,
		    detail, close);
	else if (res->quiet)	/* a stale answer is worth saying, unchanged as it is */
		sockmap_log_set(res, v->stale ? LOG_INFO : LOG_DEBUG,
		    "%s %s=<%s> unchanged %s%s%s%s", map, what, res->key,
		    reason_name(v->reason), open, detail, close);
	else if (res->map == SOCKMAP_ACCESS)
		sockmap_log_set(res, reason_log_level(v->reason),
		    "reject rcpt=<%s> %s %s %s%s%s%s", res->key, v->rcode,
		    v->xcode, reason_phrase(v->reason), open, detail, close);
	else
		sockmap_log_set(res, LOG_INFO, "%s=<%s> -> <%s> %s%s%s%s%s",
		    what, v->original.text, v->address.text,
		    reason_name(v->reason),
		    res->map == SOCKMAP_GENERIC ? " outbound" : "", open, detail,
		    close);
}

/*
 * What to count of an answered request (README "Metrics"): Postfix asks
 * the access map at RCPT and the virtual map only for a recipient it
 * accepted, so a refusal is counted at the access map and every other
 * verdict (the rewrites, unchanged, tempfail) at the virtual map; a
 * generic answer is an outbound decision.  A PERM (no decision) is not
 * counted.
 */
static void
sockmap_count(sockmap_result_t *res)
{
	const rcpt_verdict_t	*v = &res->verdict;
	bool			 refused = v->action == RESOLVE_REJECT ||
				    v->action == RESOLVE_TEMPFAIL;

	res->tempfail = v->action == RESOLVE_TEMPFAIL;
	res->direction = res->map == SOCKMAP_GENERIC ? METRICS_OUTBOUND :
	    METRICS_INBOUND;
	switch (res->map) {
	case SOCKMAP_ACCESS:
		res->count = refused;
		break;
	case SOCKMAP_VIRTUAL:
		res->count = !refused || res->status == SOCKMAP_TEMP;
		break;
	case SOCKMAP_GENERIC:
		res->count = true;
		break;
	case SOCKMAP_MAP_NONE:
		res->count = false;
		break;
	}
	if (res->status == SOCKMAP_PERM)
		res->count = false;
}

/* The reply of a checked request (the request's key in res->key). */
static sockmap_status_t
sockmap_decide(const config_t *cfg, directory_t *dir, const char *request,
    size_t len, sockmap_result_t *res)
{
	char		 key[SOCKMAP_QUERY_MAX + 1];
	char		 quoted[2 * SOCKMAP_QUERY_MAX + 3];
	const char	*sp;
	size_t		 namelen, keylen;

	memset(res, 0, sizeof(*res));
	res->map = SOCKMAP_MAP_NONE;
	if (len > SOCKMAP_QUERY_MAX)
		return sockmap_perm(res, request, len, "request too long");
	if (memchr(request, '\0', len) != NULL ||
	    memchr(request, '\r', len) != NULL ||
	    memchr(request, '\n', len) != NULL)
		return sockmap_perm(res, request, len,
		    "NUL, CR or LF in the request");
	if ((sp = memchr(request, ' ', len)) == NULL)
		return sockmap_perm(res, request, len,
		    "no space between map name and key");
	namelen = (size_t)(sp - request);
	for (int m = SOCKMAP_ACCESS; m <= SOCKMAP_GENERIC; m++)
		if (strlen(sockmap_map_names[m]) == namelen &&
		    memcmp(sockmap_map_names[m], request, namelen) == 0)
			res->map = (sockmap_map_t)m;
	if (res->map == SOCKMAP_MAP_NONE)
		return sockmap_perm(res, request, len, "unknown map name");
	keylen = len - namelen - 1;
	if (keylen == 0)
		return sockmap_perm(res, request, len, "empty key");
	if (sp[1] == ' ')
		return sockmap_perm(res, request, len,
		    "more than one space after the map name");

	memcpy(key, sp + 1, keylen);
	key[keylen] = '\0';
	sockmap_printable(res->key, sizeof(res->key), key, keylen);
	/* Postfix's keys are in its internal form: "a b@x" for <"a b"@x> */
	addr_quote_internal(key, quoted, sizeof(quoted));
	if (res->map == SOCKMAP_GENERIC)
		resolve_sender(cfg, dir, quoted, &res->verdict);
	else
		resolve_rcpt(cfg, dir, quoted, &res->verdict);
	res->directory_error = sockmap_accepted_failure(&res->verdict) ||
	    res->verdict.action == RESOLVE_TEMPFAIL;
	if (res->map == SOCKMAP_ACCESS)
		return sockmap_access(res);
	return sockmap_rewrite(res);
}

sockmap_status_t
sockmap_reply(const config_t *cfg, directory_t *dir, const char *request,
    size_t len, sockmap_result_t *res)
{
	(void)sockmap_decide(cfg, dir, request, len, res);
	sockmap_log(res);
	sockmap_count(res);
	return res->status;
}

sockmap_status_t
sockmap_malformed(const char *why, sockmap_result_t *res)
{
	memset(res, 0, sizeof(*res));
	res->map = SOCKMAP_MAP_NONE;
	res->why = why != NULL ? why : "malformed";
	(void)sockmap_set(res, SOCKMAP_PERM, "PERM bad netstring: %s",
	    res->why);
	sockmap_log(res);
	sockmap_count(res);
	return res->status;
}

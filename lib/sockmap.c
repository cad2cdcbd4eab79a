/*
 * sockmap.c - a socketmap request in, the reply and what to log out.
 *
 * The request is checked first (a known map name, one space, a key without
 * NUL, CR or LF); then the key goes to resolve_rcpt() (access, virtual) or
 * resolve_sender() (generic) and the verdict becomes the map's reply, as in
 * the table of SPEC section 6.  The replies depend on the verdict's action
 * and codes; the one place that reads the reason is
 * sockmap_accepted_failure().
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

/*
 * The access(5) action for each refusal of SPEC section 1: the codes and
 * the text after Postfix's own "<a>: Recipient address rejected: ".
 */
static const struct sockmap_refusal {
	const char	*rcode;
	const char	*xcode;
	const char	*text;
} sockmap_refusals[] = {
	{ "550", "5.1.1", "User unknown" },
	{ "554", "5.4.6", "Routing loop detected" },
	{ "550", "5.1.4", "ambiguous" },
	{ "501", "5.1.3", "Bad recipient address syntax" },
	{ "553", "5.1.3", "too long to forward" },	/* forward_to overflow */
	{ "451", "4.3.0", "Temporary lookup failure" },
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

/* The access(5) action text of a refusal: from the table, else from v->text. */
static const char *
sockmap_refusal_text(const rcpt_verdict_t *v)
{
	const char	*t = v->text;
	size_t		 n = strlen(v->original.text);

	for (size_t i = 0; i < sizeof(sockmap_refusals) /
	    sizeof(sockmap_refusals[0]); i++)
		if (strcmp(v->rcode, sockmap_refusals[i].rcode) == 0 &&
		    strcmp(v->xcode, sockmap_refusals[i].xcode) == 0)
			return sockmap_refusals[i].text;
	/* a refusal of a kind this table does not know: "<a>: " is Postfix's */
	if (n > 0 && t[0] == '<' && strncmp(t + 1, v->original.text, n) == 0 &&
	    strncmp(t + 1 + n, ">: ", 3) == 0)
		t += n + 4;
	if (strncmp(t, "Recipient address rejected: ", 28) == 0)
		t += 28;
	return t;
}

const char *
sockmap_access_action(const rcpt_verdict_t *v, char *buf, size_t len)
{
	if ((v->action != RESOLVE_REJECT && v->action != RESOLVE_TEMPFAIL) ||
	    v->rcode == NULL || v->xcode == NULL)	/* resolve.h promises them */
		return NULL;
	snprintf(buf, len, "%s %s %s", v->rcode, v->xcode,
	    sockmap_refusal_text(v));
	return buf;
}

static sockmap_status_t
sockmap_access(sockmap_result_t *res)
{
	const rcpt_verdict_t *v = &res->verdict;
	char		 action[SOCKMAP_TEXT_MAX];

	switch (v->action) {
	case RESOLVE_TEMPFAIL:
	case RESOLVE_REJECT:
		if (sockmap_access_action(v, action, sizeof(action)) == NULL)
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

sockmap_status_t
sockmap_reply(const config_t *cfg, directory_t *dir, const char *request,
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
sockmap_malformed(const char *why, sockmap_result_t *res)
{
	memset(res, 0, sizeof(*res));
	res->map = SOCKMAP_MAP_NONE;
	res->why = why != NULL ? why : "malformed";
	return sockmap_set(res, SOCKMAP_PERM, "PERM bad netstring: %s",
	    res->why);
}

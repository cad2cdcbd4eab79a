/*
 * ldap_op.c - see ldap_op.h.
 */
#include <sys/time.h>
#include <sys/types.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <ldap.h>

#include "clock.h"
#include "ldap_op.h"
#include "printable.h"

#define LDAP_OP_TIMELIMIT_MAX	65535	/* RFC 4511 gives it no bound; AD's
					   MaxQueryDuration is far below */

void
ldap_op_begin(ldap_op_t *op, int64_t timeout_ms, size_t nservers)
{
	op->deadline = clock_ms() + timeout_ms;
	op->timeout_ms = timeout_ms;
	op->nservers = nservers;
	op->tried = 0;
	op->len = 0;
	op->notes[0] = '\0';
}

int64_t
ldap_op_share(const ldap_op_t *op, size_t self)
{
	int64_t	 now = clock_ms(), others = 0;

	for (size_t i = 0; i < op->nservers; i++)
		if (i != self && !(op->tried & (UINT64_C(1) << i)))
			others++;
	if (op->deadline <= now || others == 0)
		return op->deadline;
	return now + (op->deadline - now) / (others + 1);
}

int
ldap_op_left(int64_t deadline, struct timeval *tv)
{
	int64_t	 left = deadline - clock_ms();

	if (left <= 0)
		return -1;
	tv->tv_sec = (time_t)(left / 1000);
	tv->tv_usec = (suseconds_t)(left % 1000) * 1000;
	return 0;
}

int
ldap_op_timelimit(const struct timeval *tv)
{
	long long	 s = (long long)tv->tv_sec + (tv->tv_usec > 0);

	if (s < 0)
		s = 0;
	return s >= LDAP_OP_TIMELIMIT_MAX ? LDAP_OP_TIMELIMIT_MAX : (int)s + 1;
}

int
ldap_op_search(LDAP *ld, const char *base, int scope, const char *filter,
    char **attrs, LDAPControl **sctrls, const struct timeval *tv,
    int sizelimit, LDAPMessage **res)
{
	/* ldap_search_ext() sends the seconds of its timeout, waits not */
	struct timeval	 limit = { ldap_op_timelimit(tv), 0 }, wait = *tv;
	int		 rc, msgid, code;

	*res = NULL;
	if ((rc = ldap_search_ext(ld, base, scope, filter, attrs, 0, sctrls,
	    NULL, &limit, sizelimit, &msgid)) != LDAP_SUCCESS)
		return rc;
	rc = ldap_result(ld, msgid, LDAP_MSG_ALL, &wait, res);
	if (rc == 0) {
		(void)ldap_abandon_ext(ld, msgid, NULL, NULL);
		code = LDAP_TIMEOUT;
		(void)ldap_set_option(ld, LDAP_OPT_RESULT_CODE, &code);
		return code;
	}
	if (rc == -1) {
		code = LDAP_OTHER;
		(void)ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &code);
		return code;
	}
	/* the diagnostic message of the result is left on ld */
	if (ldap_parse_result(ld, *res, &code, NULL, NULL, NULL, NULL, 0) !=
	    LDAP_SUCCESS)
		return LDAP_DECODING_ERROR;
	return code;
}

void
ldap_op_spent(const ldap_op_t *op, const char *step, char *why,
    size_t whylen)
{
	snprintf(why, whylen, "%s%s%s (the lookup's timeout of %ld.%03ld s is "
	    "spent)", step, step[0] != '\0' ? ": " : "",
	    ldap_err2string(LDAP_TIMEOUT), (long)(op->timeout_ms / 1000),
	    (long)(op->timeout_ms % 1000));
}

void
ldap_op_note(ldap_op_t *op, const char *fmt, ...)
{
	va_list	 ap;
	int	 r;

	if (op->len >= sizeof(op->notes) - 1)
		return;
	if (op->len > 0) {
		r = snprintf(op->notes + op->len, sizeof(op->notes) - op->len,
		    "; ");
		op->len += (size_t)r;
		if (op->len >= sizeof(op->notes)) {
			op->len = sizeof(op->notes) - 1;
			return;
		}
	}
	va_start(ap, fmt);
	r = vsnprintf(op->notes + op->len, sizeof(op->notes) - op->len, fmt,
	    ap);
	va_end(ap);
	if (r > 0)
		op->len += (size_t)r;
	if (op->len >= sizeof(op->notes))
		op->len = sizeof(op->notes) - 1;
}

void
ldap_op_error(const ldap_op_t *op, char *err, size_t errlen)
{
	snprintf(err, errlen, "ldap: %s", op->len > 0 ? op->notes :
	    "no server to try");
}

const char *
ldap_op_reason(LDAP *ld, int rc, char *buf, size_t buflen)
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

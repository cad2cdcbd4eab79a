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

/*
 * plan.c - see plan.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

void
plan_init(plan_t *p)
{
	memset(p, 0, sizeof(*p));
}

/* strdup() that keeps NULL; returns -1 only when a copy failed. */
static int
plan_copy(char **dst, const char *s)
{
	*dst = NULL;
	return s != NULL && (*dst = strdup(s)) == NULL ? -1 : 0;
}

/* vasprintf() into *dst; -1 when out of memory. */
static int __attribute__((format(printf, 2, 0)))
plan_format(char **dst, const char *fmt, va_list ap)
{
	va_list	 aq;
	int	 n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || (*dst = malloc((size_t)n + 1)) == NULL)
		return -1;
	vsnprintf(*dst, (size_t)n + 1, fmt, ap);
	return 0;
}

static void
plan_step_free(plan_step_t *s)
{
	free(s->name);
	free(s->value);
	free(s->log);
	free(s->refused);
}

int
plan_add(plan_t *p, plan_kind_t kind, const char *name, const char *value,
    int index, int log_level, const char *fmt, ...)
{
	plan_step_t	*s;
	va_list		 ap;
	int		 r = 0;

	if (p->nsteps == p->cap) {
		size_t		 cap = p->cap ? p->cap * 2 : 8;
		plan_step_t	*n = realloc(p->steps, cap * sizeof(*n));

		if (n == NULL)
			return -1;
		p->steps = n;
		p->cap = cap;
	}
	s = &p->steps[p->nsteps];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->index = index;
	s->log_level = log_level;
	if (plan_copy(&s->name, name) == -1 || plan_copy(&s->value, value) == -1)
		r = -1;
	if (r == 0 && fmt != NULL) {
		va_start(ap, fmt);
		r = plan_format(&s->log, fmt, ap);
		va_end(ap);
	}
	if (r == -1) {
		plan_step_free(s);
		return -1;
	}
	p->nsteps++;
	return 0;
}

int
plan_refused(plan_t *p, const char *fmt, ...)
{
	plan_step_t	*s;
	va_list		 ap;
	int		 r;

	if (p->nsteps == 0)
		return -1;
	s = &p->steps[p->nsteps - 1];
	free(s->refused);
	va_start(ap, fmt);
	r = plan_format(&s->refused, fmt, ap);
	va_end(ap);
	return r;
}

void
plan_reply(plan_t *p, reason_reply_t reply)
{
	const reason_smtp_t *smtp = reason_smtp(reply);

	p->rcode = smtp->rcode;
	p->xcode = smtp->xcode;
	p->text = smtp->text;
}

void
plan_truncate(plan_t *p, size_t n)
{
	while (p->nsteps > n)
		plan_step_free(&p->steps[--p->nsteps]);
}

void
plan_free(plan_t *p)
{
	plan_truncate(p, 0);
	free(p->steps);
	plan_init(p);
}

/*
 * plan.h - what a front end does at the end of a message: the changes, in
 * order, each with the log line it earns once it is done, or a refusal of
 * the whole message (a deferral, or a permanent reject).
 *
 * The plan is made in lib/ (message.h) and applied by the front end (the
 * milter: one smfi_* call per step), which adds the queue id in front of
 * every log line.  A step the MTA refuses stops the plan: the front end
 * logs the step's `refused` line and defers the message.
 */
#ifndef MAILSWITCH_PLAN_H
#define MAILSWITCH_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "reason.h"

typedef enum plan_kind {
	PLAN_LOG,		/* only the log line */
	PLAN_DELRCPT,		/* remove recipient `name` (as the MTA stored it) */
	PLAN_ADDRCPT,		/* add recipient `name` with ESMTP `value` (or NULL) */
	PLAN_ADDHEADER,		/* append field `name`: `value` */
	PLAN_CHGFROM,		/* the envelope sender becomes `name` */
	PLAN_CHGHEADER		/* the `index`-th field `name` becomes `value` */
} plan_kind_t;

typedef struct plan_step {
	plan_kind_t	 kind;
	char		*name;		/* a path "<a@b>" or a field name */
	char		*value;		/* see plan_kind_t, or NULL */
	int		 index;		/* PLAN_CHGHEADER: 1-based */
	int		 log_level;	/* syslog level of log */
	char		*log;		/* logged once done (no queue id), or NULL */
	char		*refused;	/* logged when the MTA refuses it, or NULL */
} plan_step_t;

typedef struct plan {
	plan_step_t	*steps;
	size_t		 nsteps, cap;
	bool		 defer;		/* answer a temporary failure at the end */
	bool		 reject;	/* answer a permanent failure at the end
					   (the steps are then only LOG ones) */
	const char	*rcode;		/* defer's or reject's reply ("451",
					   "554"), or NULL: none (defer only) */
	const char	*xcode;
	const char	*text;
} plan_t;

/* Makes an empty plan. */
void	plan_init(plan_t *p);

/*
 * Appends a step; name and value are copied (either may be NULL), the log
 * line is formatted from fmt (NULL: none).  Returns 0, or -1 when out of
 * memory (the plan is left as it was).
 */
int	plan_add(plan_t *p, plan_kind_t kind, const char *name,
	    const char *value, int index, int log_level, const char *fmt, ...)
	    __attribute__((format(printf, 7, 8)));

/* Sets the `refused` line of the last step.  Returns 0, or -1 (memory). */
int	plan_refused(plan_t *p, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Sets the reply of a plan that defers or rejects the message: the codes
 * and text of reply (reason.h's table; the text names no recipient).
 */
void	plan_reply(plan_t *p, reason_reply_t reply);

/* Drops the steps from index n on (to undo a half-made part of a plan). */
void	plan_truncate(plan_t *p, size_t n);

/* Frees the steps; the plan can be used again after plan_init(). */
void	plan_free(plan_t *p);

#endif /* MAILSWITCH_PLAN_H */

/*
 * fuzz_message.c - libFuzzer target for the per-message policy as an SMTP
 * client drives it through the MTA: lib/policy/message.c (with resolve.c,
 * outbound.c, hdraddr.c, plan.c), called as milter/callbacks.c calls it,
 * on the shipped example configuration (its domains, its outbound clients,
 * rules and header fields: the real outbound mapping) over
 * fuzz_flaky_open()'s directory (the example's, behind a cache that
 * serves stale answers and a fake that fails on demand).
 *
 * Input: a script, one command a line:
 *   V TEXT       the MTA's "v" macro (mta = auto: "Postfix ..." speaks
 *                Postfix's dialect, anything else Sendmail's)
 *   C IP         the client's address (connect); "C" alone: none
 *   N NAME       {daemon_name};  A LOGIN  {auth_authen}
 *   M PATH       MAIL FROM: a new message (the one before is planned)
 *   R PATH ARGS  RCPT TO with its ESMTP parameters (split at spaces)
 *   H NAME:VALUE a header field; the lines after it that begin with a
 *                blank continue it (a folded field)
 *   D 0|1        the directory up (0) or down (1)
 *   T SECONDS    the clock moves on
 *   E            end of message: plan it
 * R and H before any M start a message from "<>".  A message still open
 * at the end is planned.  Other lines, and R and H lines past the 64th of
 * a message, are ignored.
 *
 * Besides crashes, leaks and sanitizer reports, it checks the replies and
 * the plan against the contract: a refusal has a 4xx/5xx code, an
 * enhanced code of the same class and a text without line breaks whose
 * '%' are doubled; a recipient is removed by a name the MTA stored it
 * under (Postfix: the parsed address; Sendmail: the path as given), so a
 * rewritten recipient is never delivered to both its original and its
 * target; a target is added once and never beside a recipient kept with
 * that address; an added recipient carries, under Sendmail, the RCPT's
 * parameters and exactly one ORCPT (the client's, or rfc822;<original> in
 * xtext that decodes back), under Postfix none; trace fields and the new
 * sender are well formed; a changed header field is one that came, with as
 * many mailboxes; a refused message changes nothing.  And the plans and
 * replies of the whole script are the same when every message gets a
 * message_t of its own as when one is reused (message_reset() forgets
 * everything).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "fuzz_common.h"
#include "hdraddr.h"
#include "message.h"
#include "outbound.h"

#define ARGS_MAX	16	/* ESMTP parameters kept per RCPT */
#define RCPTS_MAX	64	/* RCPTs per message */
#define FIELDS_MAX	64	/* header fields per message */

/* An accepted RCPT, as the checks need it. */
struct rcpt {
	char	*given;		/* argv[0] */
	char	*stored;	/* the name the MTA stored it under */
	char	*params;	/* its parameters joined by spaces */
	bool	 orcpt;		/* one of them is ORCPT= */
	char	 original[ADDR_TEXT_MAX + 1];	/* parsed, or "" */
	char	 key[ADDR_TEXT_MAX + 1];	/* folded, or "" */
	int	 deleted;	/* DELRCPT steps that named it */
};

/* A header field as given. */
struct field {
	char	*name, *value;
};

/* One run of the script. */
struct run {
	const config_t	*cfg;
	directory_t	*dir;
	dir_fake_t	*fake;
	message_t	*msg;
	bool		 fresh;		/* a new message_t per message */
	bool		 open;		/* a message is begun */
	bool		 postfix;	/* its dialect, from V at M */
	char		*vmacro, *ip, *daemon, *auth;
	struct rcpt	 rcpts[RCPTS_MAX];	/* the accepted ones */
	size_t		 nrcpts, ncalls;	/* ncalls: RCPTs given */
	struct field	 fields[FIELDS_MAX];
	size_t		 nfields;
	bool		 null_sender;
	uint64_t	 hash;		/* of every reply and plan */
};

/* Stops the run: an invariant does not hold. */
static void
fail(const char *what)
{
	fuzz_fail("message", what);
}

static void
hash(struct run *r, const void *p, size_t len)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < len; i++)
		r->hash = (r->hash ^ s[i]) * 0x100000001b3ULL;
}

static void
hash_str(struct run *r, const char *s)
{
	hash(r, s != NULL ? s : "(null)", s != NULL ? strlen(s) + 1 : 7);
}

static char *
xstrdup(const char *s)
{
	char	*d = strdup(s);

	if (d == NULL)
		fail("out of memory");
	return d;
}

/* Replaces *dst by a copy of s (NULL: none). */
static void
set(char **dst, const char *s)
{
	free(*dst);
	*dst = s != NULL ? xstrdup(s) : NULL;
}

/* Forgets the current message's RCPTs and fields. */
static void
forget(struct run *r)
{
	for (size_t i = 0; i < r->nrcpts; i++) {
		free(r->rcpts[i].given);
		free(r->rcpts[i].stored);
		free(r->rcpts[i].params);
	}
	for (size_t i = 0; i < r->nfields; i++) {
		free(r->fields[i].name);
		free(r->fields[i].value);
	}
	r->nrcpts = r->ncalls = r->nfields = 0;
}

/* The reply to a refused RCPT: codes of one class, a clean text. */
static void
check_reply(const message_reply_t *rep)
{
	const char	*t = rep->text;

	if (!rep->refuse)
		return;
	if (rep->rcode == NULL || rep->xcode == NULL ||
	    strlen(rep->rcode) != 3 ||
	    rep->rcode[0] != (rep->tempfail ? '4' : '5') ||
	    rep->xcode[0] != rep->rcode[0] || rep->xcode[1] != '.')
		fail("a refusal with codes of another class");
	if (t[0] == '\0' || strpbrk(t, "\r\n") != NULL || rep->log[0] == '\0')
		fail("a refusal without text, or with a line break");
	for (; *t != '\0'; t++)
		if (*t == '%' && *++t != '%')
			fail("a '%' in a reply text that is not doubled");
}

/* Decodes RFC 3461 xtext; -1 when s is not xtext. */
static int
xtext_decode(const char *s, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	const char	*h1, *h2;
	size_t		 o = 0;

	for (; *s != '\0'; s++) {
		if (o + 1 >= outlen)
			return -1;
		if (*s == '+') {
			if (s[1] == '\0' || s[2] == '\0' ||
			    (h1 = strchr(hex, s[1])) == NULL ||
			    (h2 = strchr(hex, s[2])) == NULL)
				return -1;
			out[o++] = (char)((h1 - hex) << 4 | (h2 - hex));
			s += 2;
		} else if (*s < 33 || *s > 126 || *s == '=')
			return -1;
		else
			out[o++] = *s;
	}
	out[o] = '\0';
	return 0;
}

/*
 * The parameters of an added recipient under Sendmail: the RCPT's own,
 * and exactly one ORCPT (the client's, or rfc822;<original> in xtext).
 */
static void
check_params(const struct rcpt *rc, const char *value)
{
	char		 orig[4 * ADDR_TEXT_MAX];
	size_t		 pl = strlen(rc->params);
	const char	*rest;

	if (rc->orcpt) {
		if (value == NULL || strcmp(value, rc->params) != 0)
			fail("an added recipient without the RCPT's parameters");
		return;
	}
	if (value == NULL)
		fail("an added recipient without ORCPT under Sendmail");
	if (strncmp(value, rc->params, pl) != 0)
		fail("an added recipient without the RCPT's parameters");
	rest = value + pl;
	if (pl > 0 && *rest++ != ' ')
		fail("parameters not separated by one space");
	if (strncmp(rest, "ORCPT=rfc822;", 13) != 0 ||
	    xtext_decode(rest + 13, orig, sizeof(orig)) == -1 ||
	    strcmp(orig, rc->original) != 0)
		fail("an ORCPT that does not decode to the original");
}

/* Returns the n-th (0-based) accepted RCPT stored under name, or NULL. */
static struct rcpt *
stored_as(struct run *r, const char *name, int n)
{
	for (size_t i = 0; i < r->nrcpts; i++)
		if (strcmp(r->rcpts[i].stored, name) == 0 && n-- == 0)
			return &r->rcpts[i];
	return NULL;
}

/* How many steps before step i removed the recipient step i removes. */
static int
removals(const plan_t *plan, size_t i)
{
	int	 k = 0;

	for (size_t j = 0; j < i; j++)
		if (plan->steps[j].kind == PLAN_DELRCPT &&
		    strcmp(plan->steps[j].name, plan->steps[i].name) == 0)
			k++;
	return k;
}

/* Counts the fields named name (any case). */
static int
fields_named(const struct run *r, const char *name, size_t *first)
{
	int	 n = 0;

	for (size_t i = 0; i < r->nfields; i++)
		if (strcasecmp(r->fields[i].name, name) == 0 && n++ == 0)
			*first = i;
	return n;
}

/* Checks one trace field value: rcpt=<a> -> <b>. */
static void
check_trace(const char *v)
{
	const char	*arrow = strstr(v, "> -> <");
	size_t		 n = strlen(v);

	if (strncmp(v, "rcpt=<", 6) != 0 || arrow == NULL || n < 2 ||
	    v[n - 1] != '>' || strpbrk(v, "\r\n") != NULL)
		fail("a trace field that is not rcpt=<a> -> <b>");
}

/* Plans the current message and checks the plan. */
static void
end_message(struct run *r)
{
	plan_t		 plan;
	struct rcpt	*last_del = NULL;
	char		 err[256], keys[RCPTS_MAX][ADDR_TEXT_MAX + 1];
	size_t		 nadded = 0, first = 0;
	int		 nchgfrom = 0;
	addr_t		 a;

	if (!r->open)
		return;
	plan_init(&plan);
	if (message_plan(r->msg, r->cfg, r->dir, &plan) == -1)
		fail("out of memory in message_plan");
	hash(r, &plan.defer, sizeof(plan.defer));
	hash(r, &plan.reject, sizeof(plan.reject));
	if (plan.reject && (plan.rcode == NULL || plan.rcode[0] != '5'))
		fail("a rejected message without a 5xx");
	if (plan.defer && plan.rcode != NULL && plan.rcode[0] != '4')
		fail("a deferred message with another code than 4xx");
	for (size_t i = 0; i < plan.nsteps; i++) {
		const plan_step_t *s = &plan.steps[i];

		hash(r, &s->kind, sizeof(s->kind));
		hash_str(r, s->name);
		hash_str(r, s->value);
		hash_str(r, s->log);
		if ((plan.reject || plan.defer) && s->kind != PLAN_LOG)
			fail("a refused message with a change");
		switch (s->kind) {
		case PLAN_LOG:
			if (s->log == NULL)
				fail("a log step without a line");
			break;
		case PLAN_DELRCPT:
			/* the k-th removal of a name is its k-th RCPT */
			if ((last_del = stored_as(r, s->name,
			    removals(&plan, i))) == NULL)
				fail("a recipient removed by a name the MTA did "
				    "not store (or more often than given)");
			last_del->deleted++;
			break;
		case PLAN_ADDRCPT:
			if (last_del == NULL ||
			    plan.steps[i - 1].kind != PLAN_DELRCPT)
				fail("a recipient added without one removed");
			if (s->name[0] != '<' || addr_parse_path(s->name, &a,
			    err, sizeof(err)) != ADDR_OK ||
			    strlen(s->name) != strlen(a.text) + 2)
				fail("an added recipient that is no path");
			for (size_t j = 0; j < nadded; j++)
				if (strcmp(keys[j], a.key) == 0)
					fail("a target added twice");
			snprintf(keys[nadded++], sizeof(keys[0]), "%s", a.key);
			if (r->postfix) {
				if (s->value != NULL)
					fail("parameters added under Postfix");
			} else
				check_params(last_del, s->value);
			break;
		case PLAN_ADDHEADER:
			if (strcmp(s->name, r->cfg->trace_header) != 0)
				fail("a field added that is not the trace");
			check_trace(s->value);
			break;
		case PLAN_CHGFROM:
			if (nchgfrom++ > 0 || r->null_sender ||
			    addr_parse_path(s->name, &a, err,
			    sizeof(err)) != ADDR_OK || s->name[0] != '<')
				fail("a second, null or malformed new sender");
			break;
		case PLAN_CHGHEADER:
			if (s->index < 1 ||
			    fields_named(r, s->name, &first) < s->index)
				fail("a header field changed that did not come");
			if (outbound_field_size(s->name, s->value) >
			    OUTBOUND_FIELD_MAX)
				fail("a changed header field too long");
			{
				size_t	 j = first;
				int	 k = s->index;

				for (; j < r->nfields; j++)
					if (strcasecmp(r->fields[j].name,
					    s->name) == 0 && --k == 0)
						break;
				if (hdraddr_parse(s->value, NULL, NULL, err,
				    sizeof(err)) != hdraddr_parse(
				    r->fields[j].value, NULL, NULL, err,
				    sizeof(err)))
					fail("a changed field with another "
					    "number of mailboxes");
			}
			break;
		default:
			fail("a step of no kind");
		}
	}
	/* an added target never beside a recipient kept with its address */
	for (size_t j = 0; j < r->nrcpts; j++)
		for (size_t k = 0; k < nadded; k++)
			if (r->rcpts[j].deleted == 0 && r->rcpts[j].key[0] &&
			    strcmp(r->rcpts[j].key, keys[k]) == 0)
				fail("a target added beside a recipient kept "
				    "with its address");
	plan_free(&plan);
	forget(r);
	if (r->fresh) {
		message_destroy(r->msg);
		if ((r->msg = message_create()) == NULL)
			fail("out of memory");
	}
	r->open = false;
}

/* Starts a message from sender, as cb_envfrom does. */
static void
begin(struct run *r, const char *sender)
{
	message_client_t client;
	addr_t		 a;
	char		 err[256];

	end_message(r);
	client.ip = r->ip;
	client.daemon = r->daemon;
	client.auth = r->auth;
	client.postfix = r->postfix = message_mta_is_postfix(r->cfg->mta, r->vmacro);
	if (message_begin(r->msg, r->cfg, &client, sender) == -1)
		fail("out of memory in message_begin");
	r->null_sender = addr_parse_path(sender, &a, err, sizeof(err)) ==
	    ADDR_NULL || sender[0] == '\0';
	r->open = true;
}

/* RCPT TO: line holds the path and its parameters. */
static void
rcpt(struct run *r, char *line)
{
	message_reply_t	 rep;
	char		*argv[ARGS_MAX + 2], *p;
	struct rcpt	*rc;
	size_t		 argc = 0;
	addr_t		 a;
	char		 err[256];
	size_t		 plen = 0;

	if (!r->open)
		begin(r, "<>");
	if (r->ncalls == RCPTS_MAX)
		return;			/* more are not checked: not given */
	r->ncalls++;
	argv[argc++] = line;
	for (p = line; (p = strchr(p, ' ')) != NULL && argc <= ARGS_MAX; ) {
		*p++ = '\0';
		if (*p != '\0' && *p != ' ')
			argv[argc++] = p;
	}
	argv[argc] = NULL;
	if (message_rcpt(r->msg, r->cfg, r->dir, argv, &rep) == -1)
		fail("out of memory in message_rcpt");
	check_reply(&rep);
	hash(r, &rep.refuse, sizeof(rep.refuse));
	hash(r, &rep.tempfail, sizeof(rep.tempfail));
	hash(r, &rep.reason, sizeof(rep.reason));
	hash_str(r, rep.text);
	if (rep.refuse)
		return;
	rc = &r->rcpts[r->nrcpts++];
	memset(rc, 0, sizeof(*rc));
	rc->given = xstrdup(argv[0]);
	switch (addr_parse_path(argv[0], &a, err, sizeof(err))) {
	case ADDR_OK:
	case ADDR_POSTMASTER:
		snprintf(rc->original, sizeof(rc->original), "%s", a.text);
		snprintf(rc->key, sizeof(rc->key), "%s", a.key);
		break;
	}
	if (r->postfix) {
		rc->stored = malloc(strlen(rc->original) + 3);
		if (rc->stored == NULL)
			fail("out of memory");
		sprintf(rc->stored, "<%s>", rc->original);
	} else
		rc->stored = xstrdup(argv[0]);
	for (size_t i = 1; i < argc; i++)
		plen += strlen(argv[i]) + 1;
	if ((rc->params = calloc(1, plen + 1)) == NULL)
		fail("out of memory");
	for (size_t i = 1; i < argc; i++) {
		if (i > 1)
			strcat(rc->params, " ");
		strcat(rc->params, argv[i]);
		if (strncasecmp(argv[i], "ORCPT=", 6) == 0)
			rc->orcpt = true;
	}
}

/* A header field: name, ':', value. */
static void
header(struct run *r, char *line)
{
	char	*colon = strchr(line, ':');

	if (colon == NULL || colon == line)
		return;
	*colon = '\0';
	if (!r->open)
		begin(r, "<>");
	if (r->nfields == FIELDS_MAX)
		return;			/* more are not checked: not given */
	if (message_header(r->msg, r->cfg, line, colon + 1) == -1)
		fail("out of memory in message_header");
	r->fields[r->nfields].name = xstrdup(line);
	r->fields[r->nfields].value = xstrdup(colon + 1);
	r->nfields++;
}

/* Runs the script text (lines of it are changed in place). */
static uint64_t
run_script(char *text, bool fresh)
{
	struct run	 r;
	char		*line, *next, *end, *arg;

	memset(&r, 0, sizeof(r));
	r.hash = 0xcbf29ce484222325ULL;
	r.fresh = fresh;
	r.cfg = fuzz_example_config();
	r.dir = fuzz_flaky_open(&r.fake);
	fuzz_clock_ms = 0;
	if ((r.msg = message_create()) == NULL)
		fail("out of memory");
	for (line = text; *line != '\0'; line = next) {
		end = line + strcspn(line, "\n");
		/* a header field takes the lines that continue it */
		if (line[0] == 'H')
			while (end[0] == '\n' && (end[1] == ' ' || end[1] == '\t'))
				end += 1 + strcspn(end + 1, "\n");
		next = *end != '\0' ? end + 1 : end;
		*end = '\0';
		arg = line[0] != '\0' && line[1] == ' ' ? line + 2 : line + 1;
		if (line[0] != '\0' && line[1] != ' ' && line[1] != '\0')
			continue;
		switch (line[0]) {
		case 'V':
			set(&r.vmacro, arg);
			break;
		case 'C':
			set(&r.ip, *arg != '\0' ? arg : NULL);
			break;
		case 'N':
			set(&r.daemon, arg);
			break;
		case 'A':
			set(&r.auth, arg);
			break;
		case 'M':
			begin(&r, arg);
			break;
		case 'R':
			rcpt(&r, arg);
			break;
		case 'H':
			header(&r, arg);
			break;
		case 'D':
			dir_fake_fail(r.fake, arg[0] == '1');
			break;
		case 'T':
			fuzz_clock_ms += 1000 *
			    (int64_t)(strtoul(arg, NULL, 10) % 100000);
			break;
		case 'E':
			end_message(&r);
			break;
		}
	}
	end_message(&r);
	message_destroy(r.msg);
	directory_close(r.dir);
	free(r.vmacro);
	free(r.ip);
	free(r.daemon);
	free(r.auth);
	return r.hash;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*a, *b;
	uint64_t	 ha, hb;

	if (size > 65536)
		return 0;
	if ((a = malloc(size + 1)) == NULL || (b = malloc(size + 1)) == NULL) {
		free(a);
		return 0;
	}
	memcpy(a, data, size);
	a[size] = '\0';
	memcpy(b, a, size + 1);
	ha = run_script(a, false);
	hb = run_script(b, true);
	if (ha != hb)
		fail("a reused message_t answers otherwise than a fresh one");
	free(a);
	free(b);
	return 0;
}

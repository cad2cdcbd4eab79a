/*
 * audit.c - the directory audit (see audit.h).
 *
 * Reading: each entry's values go through the entry rules (dir_entry.h);
 * what they refuse becomes a malformed finding at once, and the entry
 * goes into an index builder with its keys (SMTP and X500), as the LDIF
 * back-end would keep it -- but never stops the audit: an entry whose
 * primary or target is broken is kept as a bad one.
 *
 * Checking: the index is wrapped as a directory (its handle is what the
 * LDIF back-end's is, dir_ldif_ops), and every distinct proxy key is
 * decided by resolve_rcpt(), every subsidiary address by
 * resolve_sender(), exactly as for real mail.  The findings are then
 * sorted and made unique.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "audit.h"
#include "dir_entry.h"
#include "dir_index.h"
#include "dir_ldif.h"
#include "directory.h"
#include "resolve.h"
#include "x500.h"

#define AUDIT_SHOWN	256	/* octets of a malformed value shown */
#define AUDIT_DNS_SHOWN	8	/* DNs named in one finding */
#define AUDIT_DETAIL	8192	/* octets of a detail made here */

struct audit_kept {
	audit_kind_t	 kind;
	char		*address;
	char		*detail;
};

struct audit {
	const config_t		*cfg;
	dir_index_builder_t	*builder;
	dir_index_t		*ix;		/* after audit_run() */
	directory_t		*dir;		/* around ix */
	size_t			 entries;
	char			**keys;		/* one entry's keys */
	size_t			 nkeys, maxkeys;
	dir_entry_list_t	 secondary;	/* one entry's secondary
						   addresses (outbound step 1) */
	struct audit_kept	*found;
	size_t			 nfound, maxfound;
	size_t			 count[AUDIT_KINDS];
	int			 ran;
	int			 nomem;		/* a callback ran out of memory */
};

static const char *const audit_kind_names[AUDIT_KINDS] = {
	[AUDIT_AMBIGUOUS] = "ambiguous",
	[AUDIT_LOOP] = "loop",
	[AUDIT_UNROUTABLE] = "unroutable",
	[AUDIT_COLLISION] = "collision",
	[AUDIT_MALFORMED] = "malformed",
	[AUDIT_UNCONFIGURED] = "unconfigured",
};

const char *
audit_kind_name(audit_kind_t kind)
{
	return (unsigned)kind < AUDIT_KINDS ? audit_kind_names[kind] : "?";
}

int
audit_kind_is_problem(audit_kind_t kind)
{
	return (unsigned)kind < AUDIT_KINDS && kind != AUDIT_UNCONFIGURED;
}

audit_t *
audit_new(const config_t *cfg)
{
	audit_t	*a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->cfg = cfg;
	if ((a->builder = dir_index_builder_new()) == NULL) {
		free(a);
		return NULL;
	}
	return a;
}

void
audit_free(audit_t *a)
{
	if (a == NULL)
		return;
	dir_index_builder_free(a->builder);
	directory_close(a->dir);	/* releases the index */
	for (size_t i = 0; i < a->nkeys; i++)
		free(a->keys[i]);
	free(a->keys);
	free(a->secondary.s);
	for (size_t i = 0; i < a->nfound; i++) {
		free(a->found[i].address);
		free(a->found[i].detail);
	}
	free(a->found);
	free(a);
}

/* A copy of s (len octets) with tabs and control characters as '?'. */
static char *
audit_clean(const char *s, size_t len)
{
	char	*c = malloc(len + 1);

	if (c == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++)
		c[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	c[len] = '\0';
	return c;
}

/*
 * Keeps a finding: address (addrlen octets) and detail, both copied and
 * cleaned.  Returns 0, or -1 when out of memory.
 */
static int
audit_add(audit_t *a, audit_kind_t kind, const char *address, size_t addrlen,
    const char *detail)
{
	struct audit_kept	*k;

	if (a->nfound == a->maxfound) {
		size_t	 max = a->maxfound ? 2 * a->maxfound : 64;
		void	*p = realloc(a->found, max * sizeof(*a->found));

		if (p == NULL)
			return -1;
		a->found = p;
		a->maxfound = max;
	}
	k = &a->found[a->nfound];
	k->kind = kind;
	k->address = audit_clean(address, addrlen);
	k->detail = audit_clean(detail, strlen(detail));
	if (k->address == NULL || k->detail == NULL) {
		free(k->address);
		free(k->detail);
		return -1;
	}
	a->nfound++;
	return 0;
}

/* audit_add() of a NUL-terminated address. */
static int
audit_add_s(audit_t *a, audit_kind_t kind, const char *address,
    const char *detail)
{
	return audit_add(a, kind, address, strlen(address), detail);
}

/* Keeps one key of the current entry.  0, or -1: no memory. */
static int
audit_key(audit_t *a, const char *key)
{
	if (a->nkeys == a->maxkeys) {
		size_t	 max = a->maxkeys ? 2 * a->maxkeys : 16;
		void	*p = realloc(a->keys, max * sizeof(*a->keys));

		if (p == NULL)
			return -1;
		a->keys = p;
		a->maxkeys = max;
	}
	if ((a->keys[a->nkeys] = strdup(key)) == NULL)
		return -1;
	a->nkeys++;
	return 0;
}

/* 1 when the value (len octets) is of the X500 type, "X500:" in any case. */
static int
audit_is_x500(const char *value, size_t len)
{
	return len >= X500_KEY_PREFIX_LEN &&
	    strncasecmp(value, X500_KEY_PREFIX, X500_KEY_PREFIX_LEN) == 0;
}

/*
 * Reads one proxy (is_target 0) or target value of the entry dn by the
 * rules r: its key kept, or a malformed finding (a bad entry's first
 * message in bad).  Returns 0, or -1 when out of memory.
 */
static int
audit_value(audit_t *a, dir_entry_rules_t *r, const char *dn,
    const struct berval *bv, int is_target, char *bad, size_t badlen)
{
	char			 msg[1024];
	dir_entry_kind_t	 kind;
	addr_t			 ad;
	size_t			 shown = bv->bv_len < AUDIT_SHOWN ? bv->bv_len :
				    AUDIT_SHOWN;

	kind = is_target ?
	    dir_entry_target(r, bv->bv_val, bv->bv_len, &ad, msg, sizeof(msg)) :
	    dir_entry_proxy(r, bv->bv_val, bv->bv_len, &ad, msg, sizeof(msg));
	switch (kind) {
	case DIR_ENTRY_SECONDARY:
		/* an Exchange 2010-style contact sends as one (resolve.c) */
		if (dir_entry_list_add(&a->secondary, ad.text) == -1)
			return -1;
		/* FALLTHROUGH */
	case DIR_ENTRY_PRIMARY:
	case DIR_ENTRY_X500:
		return audit_key(a, ad.key);
	case DIR_ENTRY_TARGET:
		return 0;			/* r->target */
	case DIR_ENTRY_OTHER:
		if (!audit_is_x500(bv->bv_val, bv->bv_len))
			return 0;		/* x400:, sip: ... */
		snprintf(msg, sizeof(msg), "entry '%s': an X500 value without "
		    "a usable DN (empty, a control character, or longer than "
		    "%d octets): ignored", dn, X500_DN_MAX);
		return audit_add(a, AUDIT_MALFORMED, bv->bv_val, shown, msg);
	case DIR_ENTRY_BAD_ENTRY:
		if (bad[0] == '\0')
			snprintf(bad, badlen, "%s", msg);
		/* FALLTHROUGH */
	case DIR_ENTRY_BAD_VALUE:
		break;
	}
	return audit_add(a, AUDIT_MALFORMED, bv->bv_len > 0 ? bv->bv_val : "-",
	    bv->bv_len > 0 ? shown : 1, msg);
}

int
audit_entry(audit_t *a, const char *dn, struct berval *const *proxy,
    struct berval *const *target)
{
	dir_index_record_t	 rec;
	dir_entry_rules_t	 r;
	char			 bad[1024] = "";
	int			 rc = 0;

	if (a->ran || a->builder == NULL)
		return -1;
	a->entries++;
	a->secondary.len = 0;
	dir_entry_begin(&r, dn, a->cfg->directory.target_attribute);
	for (size_t i = 0; rc == 0 && proxy != NULL && proxy[i] != NULL; i++)
		rc = audit_value(a, &r, dn, proxy[i], 0, bad, sizeof(bad));
	for (size_t i = 0; rc == 0 && target != NULL && target[i] != NULL; i++)
		rc = audit_value(a, &r, dn, target[i], 1, bad, sizeof(bad));
	if (rc == 0) {
		rec.dn = dn;
		rec.primary = r.has_primary ? r.primary.text : NULL;
		rec.target = r.has_target ? r.target.text : NULL;
		rec.proxy_keys = (const char *const *)a->keys;
		rec.nproxy_keys = a->nkeys;
		rec.target_key = r.has_target ? r.target.key : NULL;
		rec.bad = bad[0] != '\0' ? bad : NULL;
		rec.secondary = a->secondary.len > 0 ? a->secondary.s : NULL;
		rc = dir_index_add(a->builder, &rec);
	}
	for (size_t i = 0; i < a->nkeys; i++)
		free(a->keys[i]);
	a->nkeys = 0;
	return rc;
}

int
audit_problem(audit_t *a, const char *msg)
{
	return audit_add_s(a, AUDIT_MALFORMED, "-", msg);
}

/* strcmp() of two pointers to strings, for qsort(). */
static int
audit_strcmp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/*
 * Appends "'DN1'; 'DN2' ..." of the n entries e to buf, sorted (the
 * order a directory returns entries in means nothing), at most
 * AUDIT_DNS_SHOWN of them.  Returns 0, or -1 when out of memory.
 */
static int
audit_dns(char *buf, size_t len, const dir_entry_t *e, size_t n)
{
	const char	**dn = malloc(n * sizeof(*dn));
	size_t		  o = strlen(buf), shown = n;

	if (dn == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		dn[i] = e[i].dn;
	qsort(dn, n, sizeof(*dn), audit_strcmp);
	if (shown > AUDIT_DNS_SHOWN)
		shown = AUDIT_DNS_SHOWN;
	for (size_t i = 0; i < shown && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s'%s'", i ? "; " : "",
		    dn[i]);
	if (n > shown && o < len)
		snprintf(buf + o, len - o, "; and %zu more", n - shown);
	free(dn);
	return 0;
}

/* Parses a key (a folded address) into *ad: 0, or -1 (no address). */
static int
audit_parse(const char *key, addr_t *ad)
{
	char	 err[128];

	return addr_parse(key, ad, err, sizeof(err)) == ADDR_OK ? 0 : -1;
}

/*
 * The inbound checks of one proxy key held by one entry e: a loop, or a
 * contact whose chain ends in an address this policy refuses.
 */
static int
audit_inbound(audit_t *a, const char *key, const dir_entry_t *e)
{
	rcpt_verdict_t	*v, *w;
	char		 detail[AUDIT_DETAIL];
	int		 rc = 0;

	if ((v = malloc(2 * sizeof(*v))) == NULL)
		return -1;
	w = v + 1;
	resolve_rcpt(a->cfg, a->dir, key, v);
	if (v->action == RESOLVE_REJECT && v->reason == REASON_LOOP) {
		snprintf(detail, sizeof(detail), "entry '%.1500s': %s %s: %s",
		    e->dn, v->rcode, v->xcode, v->detail);
		rc = audit_add_s(a, AUDIT_LOOP, key, detail);
	} else if (v->action == RESOLVE_REWRITE &&
	    v->reason == REASON_CONTACT) {
		resolve_rcpt(a->cfg, a->dir, v->address.text, w);
		if (w->action == RESOLVE_REJECT) {
			snprintf(detail, sizeof(detail), "contact '%.1500s': its "
			    "mail goes to %s, which this gateway refuses: "
			    "%s %s %s", e->dn, v->address.text, w->rcode,
			    w->xcode, reason_phrase(w->reason));
			rc = audit_add_s(a, AUDIT_UNROUTABLE, key, detail);
		}
	}
	free(v);
	return rc;
}

/* dir_index_each() on the proxy table: the checks of one key. */
static int
audit_proxy_key(void *arg, const char *key, const dir_entry_t *e, size_t n)
{
	audit_t		*a = arg;
	const domain_t	*domain;
	char		 detail[AUDIT_DETAIL];
	addr_t		 ad;

	if (x500_is_key(key)) {
		if (n < 2)
			return 0;
		snprintf(detail, sizeof(detail), "held by %zu entries: ", n);
		return audit_dns(detail, sizeof(detail), e, n) == 0 &&
		    audit_add_s(a, AUDIT_AMBIGUOUS, key, detail) == 0 ? 0 : -1;
	}
	if (audit_parse(key, &ad) == -1)
		return 0;		/* a key is an address: cannot be */
	domain = domains_match(a->cfg->domains, addr_domain_key(&ad));
	if (domain == NULL) {
		snprintf(detail, sizeof(detail), "in no configured domain: ");
		return audit_dns(detail, sizeof(detail), e, n) == 0 &&
		    audit_add_s(a, AUDIT_UNCONFIGURED, key, detail) == 0 ?
		    0 : -1;
	}
	if (domain->authority == AUTHORITY_EXTERNAL_RELAY)
		return 0;		/* untouched, never looked up */
	if (n >= 2) {
		snprintf(detail, sizeof(detail), "held by %zu entries: ", n);
		return audit_dns(detail, sizeof(detail), e, n) == 0 &&
		    audit_add_s(a, AUDIT_AMBIGUOUS, key, detail) == 0 ? 0 : -1;
	}
	return audit_inbound(a, key, &e[0]) == 0 ? 0 : -1;
}

/*
 * The outbound check of one subsidiary address key (its rule maps it),
 * whose owners (the entries that have it as their target, or hold it)
 * are e[0..n), "owned" saying how: a collision when the rule makes it an
 * address held by an entry, and mail to that address does not come back
 * to key (replies would reach someone else).
 */
static int
audit_sender(audit_t *a, const char *key, const dir_entry_t *e, size_t n,
    const char *owned)
{
	const rewrite_rule_t	*rule;
	rcpt_verdict_t		*v, *w;
	dir_result_t		 res = { .entries = NULL };
	char			 detail[AUDIT_DETAIL], err[256], reply[512];
	addr_t			 ad;
	size_t			 o;
	int			 rc = 0;

	if (audit_parse(key, &ad) == -1 || (rule = resolve_outbound_rule(
	    &a->cfg->outbound, addr_domain_key(&ad))) == NULL)
		return 0;
	if ((v = malloc(2 * sizeof(*v))) == NULL)
		return -1;
	w = v + 1;
	resolve_sender(a->cfg, a->dir, key, v);
	if (v->action != RESOLVE_REWRITE || v->reason != REASON_SENDER_RULE ||
	    directory_by_proxy(a->dir, v->address.key, &res, err,
	    sizeof(err)) != DIR_FOUND)
		goto done;
	resolve_rcpt(a->cfg, a->dir, v->address.text, w);
	if ((w->action == RESOLVE_KEEP || w->action == RESOLVE_REWRITE) &&
	    strcmp(w->address.key, key) == 0)
		goto done;		/* replies come back to key */
	if (w->action == RESOLVE_KEEP || w->action == RESOLVE_REWRITE)
		snprintf(reply, sizeof(reply), "go to %.400s", w->address.text);
	else
		snprintf(reply, sizeof(reply), "get %s %s %s", w->rcode,
		    w->xcode, reason_phrase(w->reason));
	snprintf(detail, sizeof(detail), "rule %s -> %s makes it %.400s, "
	    "held by ", rule->from, rule->to, v->address.text);
	if ((rc = audit_dns(detail, sizeof(detail), res.entries,
	    res.count)) == -1)
		goto done;
	o = strlen(detail);
	snprintf(detail + o, sizeof(detail) - o, "; replies to it %s; %.400s "
	    "is %s ", reply, key, owned);
	if ((rc = audit_dns(detail, sizeof(detail), e, n)) == 0)
		rc = audit_add_s(a, AUDIT_COLLISION, key, detail);
done:
	dir_result_free(&res);
	free(v);
	return rc;
}

/* dir_index_each() on the target table: the outbound check of a target. */
static int
audit_target_key(void *arg, const char *key, const dir_entry_t *e, size_t n)
{
	return audit_sender(arg, key, e, n, "the target of") == 0 ? 0 : -1;
}

/*
 * dir_index_each() on the proxy table: the outbound check of a proxy
 * address that is no entry's target (a target is checked as one).
 */
static int
audit_proxy_sender(void *arg, const char *key, const dir_entry_t *e,
    size_t n)
{
	audit_t		*a = arg;
	dir_result_t	 res = { .entries = NULL };
	char		 err[256];
	int		 status;

	if (x500_is_key(key))
		return 0;
	status = directory_by_target(a->dir, key, &res, err, sizeof(err));
	dir_result_free(&res);
	if (status != DIR_NOTFOUND)
		return 0;
	return audit_sender(a, key, e, n, "a proxy address of") == 0 ? 0 : -1;
}

/* Orders findings: kind, address, detail, bytewise. */
static int
audit_cmp(const void *x, const void *y)
{
	const struct audit_kept	*p = x, *q = y;
	int			 c;

	if (p->kind != q->kind)
		return p->kind < q->kind ? -1 : 1;
	if ((c = strcmp(p->address, q->address)) != 0)
		return c;
	return strcmp(p->detail, q->detail);
}

/* Sorts the findings, drops repeated ones, counts them by kind. */
static void
audit_sort(audit_t *a)
{
	size_t	 n = 0;

	if (a->nfound > 0)	/* qsort() wants an array, even of none */
		qsort(a->found, a->nfound, sizeof(*a->found), audit_cmp);
	for (size_t i = 0; i < a->nfound; i++) {
		if (n > 0 && audit_cmp(&a->found[n - 1], &a->found[i]) == 0) {
			free(a->found[i].address);
			free(a->found[i].detail);
			continue;
		}
		a->found[n++] = a->found[i];
	}
	a->nfound = n;
	memset(a->count, 0, sizeof(a->count));
	for (size_t i = 0; i < n; i++)
		a->count[a->found[i].kind]++;
}

int
audit_run(audit_t *a, char *err, size_t errlen)
{
	if (a->ran) {
		snprintf(err, errlen, "audit: already run");
		return -1;
	}
	a->ran = 1;
	a->ix = dir_index_build(a->builder);	/* frees the builder */
	a->builder = NULL;
	if (a->ix == NULL || (a->dir = directory_new(&dir_ldif_ops, a->ix, err,
	    errlen)) == NULL) {
		snprintf(err, errlen, "audit: out of memory");
		return -1;
	}
	if (dir_index_each(a->ix, 0, audit_proxy_key, a) != 0 ||
	    dir_index_each(a->ix, 1, audit_target_key, a) != 0 ||
	    dir_index_each(a->ix, 0, audit_proxy_sender, a) != 0) {
		snprintf(err, errlen, "audit: out of memory");
		return -1;
	}
	audit_sort(a);
	return 0;
}

size_t
audit_entries(const audit_t *a)
{
	return a->entries;
}

size_t
audit_count(const audit_t *a, audit_kind_t kind)
{
	return (unsigned)kind < AUDIT_KINDS ? a->count[kind] : 0;
}

size_t
audit_nfindings(const audit_t *a)
{
	return a->nfound;
}

int
audit_finding(const audit_t *a, size_t i, audit_finding_t *f)
{
	if (i >= a->nfound)
		return -1;
	f->kind = a->found[i].kind;
	f->address = a->found[i].address;
	f->detail = a->found[i].detail;
	return 0;
}

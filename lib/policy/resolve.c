/*
 * resolve.c - the inbound decision: what becomes of one recipient.
 *
 * The table of the contract, in order: syntax, domain authority, directory
 * lookup (try again / ambiguous / contact / mailbox user / unknown), then
 * the contact chain up to max_hops.  No protocol, no logging: the caller
 * turns the verdict into an SMTP reply and a log line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dir_entry.h"
#include "resolve.h"
#include "x500.h"

#define RESOLVE_CHAIN_MAX	128	/* addresses of a chain, max_hops <= 100 */

/*
 * Fills a REJECT / TEMPFAIL verdict with reply (reason.h's table): its
 * codes, and its text after "<addr>: ".
 */
static resolve_action_t
resolve_fail(rcpt_verdict_t *v, resolve_action_t action, reason_t reason,
    reason_reply_t reply)
{
	const reason_smtp_t *smtp = reason_smtp(reply);

	v->action = action;
	v->reason = reason;
	v->reply = reply;
	v->rcode = smtp->rcode;
	v->xcode = smtp->xcode;
	if (v->original.text[0] != '\0')
		snprintf(v->text, sizeof(v->text), "<%s>: %.200s",
		    v->original.text, smtp->text);
	else
		snprintf(v->text, sizeof(v->text), "%s", smtp->text);
	return action;
}

/* Refuses v for reason with the reply the reason table gives it. */
static resolve_action_t
resolve_refuse(rcpt_verdict_t *v, reason_t reason)
{
	return resolve_fail(v, RESOLVE_REJECT, reason, reason_reply(reason));
}

static resolve_action_t
resolve_keep(rcpt_verdict_t *v, reason_t reason)
{
	v->action = RESOLVE_KEEP;
	v->reason = reason;
	v->address = v->original;
	return RESOLVE_KEEP;
}

static resolve_action_t
resolve_to(rcpt_verdict_t *v, const addr_t *to, reason_t reason)
{
	if (addr_equal(to, &v->original))	/* at most a change of case */
		return resolve_keep(v, reason);
	v->action = RESOLVE_REWRITE;
	v->reason = reason;
	v->address = *to;
	return RESOLVE_REWRITE;
}

/* The directory could not answer: the on_directory_error policy decides. */
static resolve_action_t
resolve_directory_error(const config_t *cfg, rcpt_verdict_t *v)
{
	if (cfg->on_directory_error == DIRERR_ACCEPT)
		return resolve_keep(v, REASON_DIRECTORY_ERROR);
	return resolve_fail(v, RESOLVE_TEMPFAIL, REASON_DIRECTORY_ERROR,
	    reason_reply(REASON_DIRECTORY_ERROR));
}

static resolve_action_t
resolve_ambiguous(rcpt_verdict_t *v, const char *key, const dir_result_t *res)
{
	snprintf(v->detail, sizeof(v->detail),
	    "%s is a proxy address of %zu entries: %s, %s", key, res->count,
	    res->entries[0].dn, res->entries[1].dn);
	return resolve_refuse(v, REASON_AMBIGUOUS);
}

/* Notes in v that res is a stale answer; the oldest one counts. */
static void
resolve_note_stale(rcpt_verdict_t *v, const dir_result_t *res)
{
	if (!res->stale)
		return;
	if (!v->stale || res->stale_age > v->stale_age)
		v->stale_age = res->stale_age;
	v->stale = 1;
}

/* Says in v->detail that the decision used a stale answer, when it did. */
static resolve_action_t
resolve_stale_detail(rcpt_verdict_t *v)
{
	size_t	 n = strlen(v->detail);

	if (v->stale)
		snprintf(v->detail + n, sizeof(v->detail) - n,
		    "%sstale answer, %d s old", n > 0 ? "; " : "",
		    v->stale_age);
	return v->action;
}

/* Returns 1 when the domain of a is one whose addresses the directory holds. */
static int
resolve_is_directory_domain(const config_t *cfg, const addr_t *a)
{
	const domain_t	*d = domains_match(cfg->domains, addr_domain_key(a));

	return d != NULL && d->authority != AUTHORITY_EXTERNAL_RELAY;
}

/* Returns 1 when key is one of the n keys of seen. */
static int
resolve_seen(char *const *seen, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (strcmp(seen[i], key) == 0)
			return 1;
	return 0;
}

/*
 * Follows the contact chain from the first target.  Every target in a
 * directory domain is looked up again; the chain ends at a target that is no
 * contact's proxy address.  A revisited address or more than max_hops
 * contacts is a loop.  The keys seen are kept on the heap (an addr_t is
 * large: ADDR_TEXT_MAX); out of memory is a directory error.
 */
static resolve_action_t
resolve_chain(const config_t *cfg, directory_t *dir, rcpt_verdict_t *v,
    const char *first_target, const char *dn)
{
	char		*seen[RESOLVE_CHAIN_MAX];
	addr_t		 cur;
	dir_result_t	 res = { .entries = NULL };
	char		 err[256];
	int		 nseen = 0, status;

	if (addr_parse(first_target, &cur, err, sizeof(err)) != ADDR_OK) {
		snprintf(v->detail, sizeof(v->detail),
		    "entry %.300s: bad target address %s: %s", dn, first_target, err);
		return resolve_directory_error(cfg, v);
	}
	for (v->hops = 1;; v->hops++) {
		if (addr_equal(&v->original, &cur) ||
		    resolve_seen(seen, nseen, cur.key)) {
			snprintf(v->detail, sizeof(v->detail),
			    "%.480s leads back to %.480s", v->original.text,
			    cur.text);
			resolve_refuse(v, REASON_LOOP);
			goto done;
		}
		if (!resolve_is_directory_domain(cfg, &cur))
			break;
		status = directory_by_proxy(dir, cur.key, &res, err, sizeof(err));
		resolve_note_stale(v, &res);
		if (status == DIR_TRYAGAIN) {
			snprintf(v->detail, sizeof(v->detail), "%s", err);
			resolve_directory_error(cfg, v);
			goto done;
		}
		if (status == DIR_NOTFOUND)
			break;
		if (res.count > 1) {
			resolve_ambiguous(v, cur.key, &res);
			dir_result_free(&res);
			goto done;
		}
		if (res.entries[0].target == NULL) {	/* a mailbox user */
			dir_result_free(&res);
			break;
		}
		if (v->hops >= cfg->max_hops || nseen + 1 >= RESOLVE_CHAIN_MAX) {
			dir_result_free(&res);
			snprintf(v->detail, sizeof(v->detail),
			    "more than %d contacts in a chain", cfg->max_hops);
			resolve_refuse(v, REASON_LOOP);
			goto done;
		}
		if ((seen[nseen] = strdup(cur.key)) == NULL) {
			dir_result_free(&res);
			snprintf(v->detail, sizeof(v->detail), "out of memory");
			resolve_directory_error(cfg, v);
			goto done;
		}
		nseen++;
		if (addr_parse(res.entries[0].target, &cur, err,
		    sizeof(err)) != ADDR_OK) {
			snprintf(v->detail, sizeof(v->detail),
			    "entry %.300s: bad target address %s: %s",
			    res.entries[0].dn, res.entries[0].target, err);
			dir_result_free(&res);
			resolve_directory_error(cfg, v);
			goto done;
		}
		dir_result_free(&res);
	}
	resolve_to(v, &cur, REASON_CONTACT);
done:
	while (nseen > 0)
		free(seen[--nseen]);
	return v->action;
}

/*
 * The domain's answer for an address the directory does not hold:
 * refused in an authoritative domain, passed on (to forward_to, where the
 * domain has one) in an internal relay one.
 */
static resolve_action_t
resolve_unknown(const domain_t *domain, rcpt_verdict_t *v)
{
	addr_t		 to;
	char		 err[256];
	size_t		 n;

	if (domain->authority == AUTHORITY_AUTHORITATIVE)
		return resolve_refuse(v, REASON_UNKNOWN);
	if (domain->forward_to == NULL)
		return resolve_keep(v, REASON_RELAY);
	if (addr_with_domain(&v->original, domain->forward_to, &to, err,
	    sizeof(err)) != ADDR_OK) {
		n = strlen(v->detail);
		snprintf(v->detail + n, sizeof(v->detail) - n, "%sforward_to: %s",
		    n > 0 ? "; " : "", err);
		return resolve_fail(v, RESOLVE_REJECT, REASON_SYNTAX,
		    REASON_REPLY_TOO_LONG);
	}
	return resolve_to(v, &to, REASON_FORWARD);
}

static resolve_action_t resolve_rcpt_decide(const config_t *, directory_t *,
	    const char *, int, rcpt_verdict_t *);

/*
 * The X500 entry e of v's encapsulated address (whose DN is dn) decides,
 * as mail to e's primary SMTP address would be decided (a contact without
 * one: its target, followed as a chain); reason is v's when that mail is
 * rewritten or kept.  v->detail says which entry it was.
 */
static resolve_action_t
resolve_x500_entry(const config_t *cfg, directory_t *dir,
    const domain_t *domain, rcpt_verdict_t *v, const char *dn,
    const dir_entry_t *e)
{
	rcpt_verdict_t	*sub;
	reason_t	 reason = e->target != NULL ? REASON_X500_CONTACT :
			    REASON_X500_MAILBOX;
	size_t		 n;

	snprintf(v->detail, sizeof(v->detail), "X500:%.400s: %.300s%s%.254s",
	    dn, e->dn, e->primary != NULL ? ", primary " : "",
	    e->primary != NULL ? e->primary : "");
	if (e->primary == NULL && e->target == NULL) {
		n = strlen(v->detail);
		snprintf(v->detail + n, sizeof(v->detail) - n,
		    ", which has no primary SMTP address");
		return resolve_unknown(domain, v);
	}
	if (e->primary == NULL) {
		if (resolve_chain(cfg, dir, v, e->target, e->dn) ==
		    RESOLVE_REWRITE)
			v->reason = reason;
		return v->action;
	}
	if ((sub = malloc(sizeof(*sub))) == NULL) {
		snprintf(v->detail, sizeof(v->detail), "out of memory");
		return resolve_directory_error(cfg, v);
	}
	(void)resolve_rcpt_decide(cfg, dir, e->primary, 0, sub);
	if (sub->stale)
		resolve_note_stale(v, &(dir_result_t){ .stale = 1,
		    .stale_age = sub->stale_age });
	v->hops = sub->hops;
	n = strlen(v->detail);
	if (sub->detail[0] != '\0')
		snprintf(v->detail + n, sizeof(v->detail) - n, "; %s",
		    sub->detail);
	switch (sub->action) {
	case RESOLVE_REJECT:
	case RESOLVE_TEMPFAIL:
		/* the reply names v's address, not the primary */
		resolve_fail(v, sub->action, sub->reason, sub->reply);
		break;
	case RESOLVE_KEEP:
	case RESOLVE_REWRITE:
		if (sub->reason == REASON_DIRECTORY_ERROR)
			resolve_keep(v, REASON_DIRECTORY_ERROR);
		else
			resolve_to(v, &sub->address, reason);
		break;
	}
	free(sub);
	return v->action;
}

/*
 * An encapsulated recipient (x500.h) in the configured domain domain:
 * its DN is looked up among the entries' X500 proxy addresses.  Found, it
 * is decided by resolve_x500_entry(); not found or not decodable, it gets
 * the domain's answer for an unknown address.
 */
static resolve_action_t
resolve_x500(const config_t *cfg, directory_t *dir, const domain_t *domain,
    rcpt_verdict_t *v)
{
	char		 dn[X500_DN_MAX + 1], key[X500_KEY_MAX + 1], err[256];
	const char	*why = NULL;
	dir_result_t	 res = { .entries = NULL };
	int		 status;

	if (x500_decode(v->original.text, v->original.local_len, dn,
	    sizeof(dn), &why) != X500_OK ||
	    x500_key(dn, strlen(dn), key, sizeof(key)) == -1) {
		snprintf(v->detail, sizeof(v->detail), "not an X500 address: "
		    "%s", why != NULL ? why : "a DN longer than a key can be");
		return resolve_unknown(domain, v);
	}
	status = directory_by_proxy(dir, key, &res, err, sizeof(err));
	resolve_note_stale(v, &res);
	if (status == DIR_TRYAGAIN) {
		snprintf(v->detail, sizeof(v->detail), "%s", err);
		return resolve_directory_error(cfg, v);
	}
	if (status == DIR_NOTFOUND) {
		snprintf(v->detail, sizeof(v->detail), "X500:%.900s: held by "
		    "no entry", dn);
		return resolve_unknown(domain, v);
	}
	if (res.count > 1)
		resolve_ambiguous(v, key, &res);
	else
		resolve_x500_entry(cfg, dir, domain, v, dn, &res.entries[0]);
	dir_result_free(&res);
	return v->action;
}

/*
 * The inbound decision of rcpt; x500: whether an encapsulated address is
 * decoded (not when deciding an X500 entry's primary address: one level).
 */
static resolve_action_t
resolve_rcpt_decide(const config_t *cfg, directory_t *dir, const char *rcpt,
    int x500, rcpt_verdict_t *v)
{
	const domain_t	*domain;
	dir_result_t	 res = { .entries = NULL };
	addr_t		 to;
	char		 err[sizeof(v->detail)];	/* a directory's story */
	int		 status;

	memset(v, 0, sizeof(*v));
	switch (addr_parse_path(rcpt, &v->original, err, sizeof(err))) {
	case ADDR_OK:
		break;
	case ADDR_POSTMASTER:	/* always accepted (RFC 5321 4.5.1) */
		return resolve_keep(v, REASON_POSTMASTER);
	case ADDR_NULL:		/* the null path is no recipient */
		snprintf(err, sizeof(err), "the null path");
		/* FALLTHROUGH */
	default:
		v->original.text[0] = v->original.key[0] = '\0';
		snprintf(v->detail, sizeof(v->detail), "%s", err);
		return resolve_refuse(v, REASON_SYNTAX);
	}
	domain = domains_match(cfg->domains, addr_domain_key(&v->original));
	if (domain == NULL)
		return resolve_keep(v, REASON_UNCONFIGURED);
	if (domain->authority == AUTHORITY_EXTERNAL_RELAY)
		return resolve_keep(v, REASON_EXTERNAL);
	if (x500 && x500_prefix(v->original.text, v->original.local_len) > 0)
		return resolve_x500(cfg, dir, domain, v);

	status = directory_by_proxy(dir, v->original.key, &res, err, sizeof(err));
	resolve_note_stale(v, &res);
	if (status == DIR_TRYAGAIN) {
		snprintf(v->detail, sizeof(v->detail), "%s", err);
		return resolve_directory_error(cfg, v);
	}
	if (status == DIR_FOUND && res.count > 1) {
		resolve_ambiguous(v, v->original.key, &res);
	} else if (status == DIR_FOUND && res.entries[0].target != NULL) {
		resolve_chain(cfg, dir, v, res.entries[0].target,
		    res.entries[0].dn);
	} else if (status == DIR_FOUND) {
		/* a mailbox user: its primary address if the domain asks */
		if (domain->canonicalize && res.entries[0].primary != NULL &&
		    addr_parse(res.entries[0].primary, &to, err,
		    sizeof(err)) == ADDR_OK)
			resolve_to(v, &to, REASON_CANONICAL);
		else
			resolve_keep(v, REASON_MAILBOX);
	} else
		resolve_unknown(domain, v);
	dir_result_free(&res);
	return v->action;
}

resolve_action_t
resolve_rcpt(const config_t *cfg, directory_t *dir, const char *rcpt,
    rcpt_verdict_t *v)
{
	(void)resolve_rcpt_decide(cfg, dir, rcpt, 1, v);
	return resolve_stale_detail(v);
}

const char *
resolve_reply(const rcpt_verdict_t *v, char *buf, size_t len)
{
	if (v->rcode == NULL)
		snprintf(buf, len, "250 2.1.5 Ok");
	else
		snprintf(buf, len, "%s %s %s", v->rcode, v->xcode, v->text);
	return buf;
}

/* The outbound rule for a's domain, applied; returns 1 when one maps it. */
static int
resolve_sender_rule(const config_t *cfg, rcpt_verdict_t *v)
{
	const rewrite_rule_t	*rule;
	addr_t			 to;
	char			 err[256];

	rule = resolve_outbound_rule(&cfg->outbound, addr_domain_key(&v->original));
	if (rule == NULL)
		return 0;
	if (addr_with_domain(&v->original, rule->to, &to, err,
	    sizeof(err)) != ADDR_OK) {
		snprintf(v->detail, sizeof(v->detail), "rule %s -> %s: %s",
		    rule->from, rule->to, err);
		return 0;
	}
	resolve_to(v, &to, REASON_SENDER_RULE);
	return 1;
}

/* 1 when domain (folded) is the `to` domain of an outbound rule. */
static int
resolve_rule_to(const config_t *cfg, const char *domain)
{
	for (size_t i = 0; i < cfg->outbound.nrules; i++)
		if (strcasecmp(cfg->outbound.rules[i].to, domain) == 0)
			return 1;
	return 0;
}

/*
 * Step 1 of SPEC section 2 for the one entry e whose target is the
 * sender: its primary address -- unless an outbound rule would rewrite
 * that one too (an Exchange 2010-style contact, whose primary SMTP
 * address is its external one): then its first secondary address in a
 * rule's `to` domain.  Returns 1 with the new sender in *to, or 0 when
 * the entry gives none and the rules decide (a note in v->detail says
 * why when the entry had a primary address).
 */
static int
resolve_sender_entry(const config_t *cfg, const dir_entry_t *e, addr_t *to,
    rcpt_verdict_t *v)
{
	const char	*list = e->secondary;
	char		 buf[ADDR_TEXT_MAX + 1], err[256];
	addr_t		 primary;

	if (e->primary == NULL ||
	    addr_parse(e->primary, &primary, err, sizeof(err)) != ADDR_OK)
		return 0;
	if (resolve_outbound_rule(&cfg->outbound, addr_domain_key(&primary)) == NULL) {
		*to = primary;
		return 1;
	}
	while (dir_entry_list_next(&list, buf, sizeof(buf)))
		if (addr_parse(buf, to, err, sizeof(err)) == ADDR_OK &&
		    resolve_rule_to(cfg, addr_domain_key(to))) {
			snprintf(v->detail, sizeof(v->detail), "the primary "
			    "address of %.300s, %.300s, is an external one: its "
			    "secondary address", e->dn, primary.text);
			return 1;
		}
	snprintf(v->detail, sizeof(v->detail), "the primary address of "
	    "%.300s, %.300s, is an external one, and no secondary address is in "
	    "an outbound rule's domain: the rule", e->dn, primary.text);
	return 0;
}

static resolve_action_t
resolve_sender_decide(const config_t *cfg, directory_t *dir,
    const char *sender, rcpt_verdict_t *v)
{
	dir_result_t	 res = { .entries = NULL };
	addr_t		 to;
	char		 err[sizeof(v->detail)];	/* a directory's story */
	int		 status;

	memset(v, 0, sizeof(*v));
	switch (addr_parse_path(sender, &v->original, err, sizeof(err))) {
	case ADDR_NULL:
		return resolve_keep(v, REASON_SENDER_NULL);
	case ADDR_POSTMASTER:
		return resolve_keep(v, REASON_SENDER_POSTMASTER);
	case ADDR_BAD:
		v->original.text[0] = v->original.key[0] = '\0';
		snprintf(v->detail, sizeof(v->detail), "%s", err);
		return resolve_keep(v, REASON_SENDER_SYNTAX);
	default:
		break;
	}
	if (cfg->outbound.lookup) {
		status = directory_by_target(dir, v->original.key, &res, err,
		    sizeof(err));
		resolve_note_stale(v, &res);
		if (status == DIR_TRYAGAIN) {
			snprintf(v->detail, sizeof(v->detail), "%s", err);
			return resolve_directory_error(cfg, v);
		}
		if (status == DIR_FOUND && res.count > 1)
			snprintf(v->detail, sizeof(v->detail),
			    "%.300s is the target of %zu entries (%.300s, %.300s); "
			    "using the rules", v->original.text, res.count,
			    res.entries[0].dn, res.entries[1].dn);
		else if (status == DIR_FOUND &&
		    resolve_sender_entry(cfg, &res.entries[0], &to, v)) {
			dir_result_free(&res);
			return resolve_to(v, &to, REASON_SENDER_DIRECTORY);
		}
		dir_result_free(&res);
	}
	if (resolve_sender_rule(cfg, v))
		return v->action;
	return resolve_keep(v, REASON_SENDER_UNMAPPED);
}

resolve_action_t
resolve_sender(const config_t *cfg, directory_t *dir, const char *sender,
    rcpt_verdict_t *v)
{
	(void)resolve_sender_decide(cfg, dir, sender, v);
	return resolve_stale_detail(v);
}

int
resolve_is_outbound_client(const config_t *cfg, const char *client_ip,
    const char *daemon, const char *auth)
{
	const struct config_outbound *o = &cfg->outbound;

	if (client_ip != NULL)
		for (size_t i = 0; i < o->nclients; i++)
			if (netaddr_match(&o->clients[i], client_ip))
				return 1;
	if (daemon != NULL)
		for (size_t i = 0; i < o->ndaemons; i++)
			if (strcmp(o->daemons[i], daemon) == 0)
				return 1;
	return o->authenticated && auth != NULL && auth[0] != '\0';
}

int
resolve_is_internet(const config_t *cfg, const char *rcpt)
{
	addr_t	 a;
	char	 err[256];

	if (addr_parse_path(rcpt, &a, err, sizeof(err)) != ADDR_OK)
		return 0;
	if (domains_match(cfg->domains, addr_domain_key(&a)) != NULL)
		return 0;
	/* a forward_to routing domain is the other system, not the Internet */
	for (size_t i = 0; i < domains_count(cfg->domains); i++) {
		const domain_t	*d = domains_get(cfg->domains, i);

		if (d->forward_to != NULL &&
		    strcasecmp(d->forward_to, addr_domain_key(&a)) == 0)
			return 0;
	}
	return 1;
}

const rewrite_rule_t *
resolve_outbound_rule(const config_outbound_t *o, const char *domain)
{
	size_t	dlen;

	if (o == NULL || domain == NULL)
		return NULL;
	dlen = strlen(domain);
	if (dlen > 0 && domain[dlen - 1] == '.')
		dlen--;
	if (dlen == 0)
		return NULL;
	for (size_t i = 0; i < o->nrules; i++) {
		const rewrite_rule_t	*r = &o->rules[i];
		size_t			 flen = strlen(r->from);

		if (r->from[0] == '*' && r->from[1] == '.') {
			/* ".x" at the end, after a label that is not empty */
			const char	*suffix = r->from + 1;
			size_t		 slen = flen - 1;

			if (dlen > slen && domain[0] != '.' &&
			    strncasecmp(domain + dlen - slen, suffix, slen) == 0)
				return r;
		} else if (dlen == flen && strncasecmp(domain, r->from, flen) == 0)
			return r;
	}
	return NULL;
}

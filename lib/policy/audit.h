/*
 * audit.h - the directory audit (SPEC sections 3 and 11, mailswitch -A):
 * the whole directory checked against the configuration before anyone's
 * mail depends on it, one finding per problem.
 *
 * The caller feeds every entry as it is read -- its DN and the raw values
 * of its proxy and target attributes (audit_entry()), from the LDIF
 * reader (ldif_read.h) or the replica's paged search (replica_scan.h) --
 * and every record that is no entry (audit_problem()), then runs the
 * checks (audit_run()).  A value is read by the rules every back-end
 * shares (dir_entry.h); one that breaks them is a finding, never the end
 * of the audit.  The entries go into an index (dir_index.h) that answers
 * as the LDIF back-end would, and each address is decided by the same
 * functions as a recipient or a sender of real mail (resolve.h): a
 * finding says what mail to that address gets today.
 *
 *   kind          ADDRESS                 what mail to it gets
 *   ambiguous     held by 2+ entries      550 5.1.4
 *   loop          its chain cycles or     554 5.4.6
 *                 is over max_hops
 *   unroutable    a contact's address,    accepted, then refused at the
 *                 its chain ending in an  next hop (an authoritative
 *                 address this policy     domain's unknown address)
 *                 refuses
 *   collision     a subsidiary address    its outbound rule makes it the
 *                 (a target, or a proxy   address of another entry
 *                 address, in a rule's    (replies reach someone else)
 *                 from domain)
 *   malformed     the value as written    ignored, or the entry fails
 *                 ("-": a record that     (dir_entry.h)
 *                 is no entry)
 *   unconfigured  a proxy address in no   not switched (information)
 *                 configured domain
 *
 * ADDRESS is the address folded (as mailswitch matches it), or an X500
 * key ("x500:<dn>") for an X500 value held twice.  The findings are
 * sorted by kind in the order above, then by ADDRESS, then by DETAIL,
 * bytewise: two audits of one directory give the same lines.  An
 * address in no configured domain, or in an external_relay one, is
 * never looked up, so it is never ambiguous, a loop or unroutable.
 *
 * One audit belongs to one thread; nothing is shared.
 */
#ifndef MAILSWITCH_AUDIT_H
#define MAILSWITCH_AUDIT_H

#include <stddef.h>

#include <lber.h>

#include "config.h"

typedef enum audit_kind {
	AUDIT_AMBIGUOUS,
	AUDIT_LOOP,
	AUDIT_UNROUTABLE,
	AUDIT_COLLISION,
	AUDIT_MALFORMED,
	AUDIT_UNCONFIGURED,	/* information: not a problem */
	AUDIT_KINDS
} audit_kind_t;

/* One finding; its strings belong to the audit. */
typedef struct audit_finding {
	audit_kind_t	 kind;
	const char	*address;	/* no tab, no control character */
	const char	*detail;	/* the same */
} audit_finding_t;

typedef struct audit audit_t;

/*
 * Starts an audit of a directory under cfg (which must outlive it).
 * Returns NULL when out of memory.  Free with audit_free().
 */
audit_t	*audit_new(const config_t *cfg);

/* Frees a; NULL is a no-op. */
void	audit_free(audit_t *a);

/*
 * Reads one entry: dn and the values of its proxy and target attributes
 * (NULL-terminated arrays; NULL for none).  Every value that breaks the
 * entry rules is a malformed finding; the entry itself is kept for the
 * checks (one whose primary or target is broken as a bad entry, whose
 * addresses then decide nothing).  Nothing is kept of the arguments.
 * Returns 0, or -1 when out of memory.
 */
int	audit_entry(audit_t *a, const char *dn, struct berval *const *proxy,
	    struct berval *const *target);

/*
 * Notes a record that is no entry, msg saying where and why ("FILE:LINE:
 * message"): a malformed finding.  Returns 0, or -1 when out of memory.
 */
int	audit_problem(audit_t *a, const char *msg);

/*
 * Runs the checks on what was read, once, and sorts the findings.
 * Returns 0, or -1 with a message in err when out of memory.
 */
int	audit_run(audit_t *a, char *err, size_t errlen);

/* The number of entries read (audit_entry() calls). */
size_t	audit_entries(const audit_t *a);

/* The number of findings of kind, after audit_run(). */
size_t	audit_count(const audit_t *a, audit_kind_t kind);

/* The number of findings, after audit_run(). */
size_t	audit_nfindings(const audit_t *a);

/*
 * Fills f with the i-th finding in order (its strings belong to a) and
 * returns 0, or -1 when there are not that many.
 */
int	audit_finding(const audit_t *a, size_t i, audit_finding_t *f);

/* The name of kind ("ambiguous" ...), as the findings print it. */
const char *audit_kind_name(audit_kind_t kind);

/* 1 when kind is a problem (all but unconfigured), else 0. */
int	audit_kind_is_problem(audit_kind_t kind);

#endif /* MAILSWITCH_AUDIT_H */

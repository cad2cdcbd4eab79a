/*
 * ldif_read.h - an LDIF export read entry by entry: the one reader of the
 * LDIF back-end (dir_ldif.h, which refuses an export at its first
 * problem) and of the directory audit (audit.h, which reports every
 * problem and goes on).
 *
 * libldap does the LDIF: ldif_read_record() splits the file into records
 * (CRLF line ends, comments, "version: 1"), ldap_parse_ldif_record()
 * unfolds continuation lines, decodes "::" base64 values, applies
 * "changetype: add" and groups the values by attribute.  This reader
 * checks what mailswitch needs on top -- every record is an entry -- and
 * hands each entry's DN and the values of its proxy and target attributes
 * to its caller.  What libldap would mishandle is refused first (see
 * ldif_read()).
 */
#ifndef MAILSWITCH_LDIF_READ_H
#define MAILSWITCH_LDIF_READ_H

#include <stddef.h>

#include <lber.h>

/* One entry of the export; everything belongs to the reader. */
typedef struct ldif_read_entry {
	const char		*dn;		/* as written (decoded) */
	unsigned long		 line;		/* the record's first line */
	struct berval *const	*proxy;		/* the proxy attribute's values,
						   NULL-terminated, never NULL */
	struct berval *const	*target;	/* the target attribute's */
} ldif_read_entry_t;

/*
 * What the caller does with one entry: 0 to go on, -1 to stop the read
 * (ldif_read() then returns -1; the caller keeps its own message).  The
 * entry is valid during the call only.
 */
typedef int	(*ldif_read_entry_fn)(void *arg, const ldif_read_entry_t *e);

/*
 * What the caller does with a record that is no usable entry, msg being
 * "FILE:LINE: message" (a line libldap refuses, a change record, a record
 * without a dn: line, a second dn: line): 0 to skip the record and go on,
 * -1 to stop the read (ldif_read() then returns -1 with msg in err).
 */
typedef int	(*ldif_read_problem_fn)(void *arg, const char *msg);

/*
 * Reads the LDIF file at path (attribute names compared without case)
 * and hands every entry to entry, every unusable record to problem, in
 * file order.  Before libldap sees them, path and every file its
 * "include: file:" lines name (nested ones too) must be regular files,
 * nested at most 16 deep, and no record may begin with a line that
 * begins with a digit (an old-style index line, which libldap skips
 * without a word).  Returns 0 when the whole file was read; -1 when it
 * could not be (cannot open or read it or an include, one of the checks
 * above: "FILE: cannot open: ..." or "FILE:LINE: message" in err, as for
 * out of memory) or a callback stopped it.  libldap writes its own
 * one-line diagnostic of a malformed line through liblber's print
 * function.  Not thread-safe in itself: one read per thread.
 */
int	ldif_read(const char *path, const char *proxy_attr,
	    const char *target_attr, ldif_read_entry_fn entry,
	    ldif_read_problem_fn problem, void *arg, char *err, size_t errlen);

#endif /* MAILSWITCH_LDIF_READ_H */

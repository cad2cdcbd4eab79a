/*
 * tables.h - what Postfix's own lookup tables must hold so that Postfix,
 * looking up in-process, decides as mailswitch does (SPEC sections 1 and
 * 2): the content of the lmdb: tables of the tables mode (README
 * "Tables mode").  Every value comes from resolve_rcpt() and
 * resolve_sender() -- the milter's and the socketmap's decisions -- asked
 * about each key of the directory's copy, and about an address the
 * directory does not hold in each configured domain.  Pure: no files, no
 * log.
 *
 * The maps, and how Postfix reads them (src/global/mail_addr_find.c):
 *
 *   access   check_recipient_access lmdb:DIR/access, with Postfix's
 *            parent_domain_matches_subdomains NOT listing
 *            smtpd_access_maps (lookups: the address, then its domain,
 *            then ".parent" domains, then "local@"):
 *              a directory address: its section 1 refusal as an access
 *                action ("550 5.1.4 ambiguous", "554 5.4.6 Routing loop
 *                detected", "451 4.3.0 Temporary lookup failure"), else
 *                DUNNO (which stops the search: no domain entry applies);
 *              a configured domain "d" (exact) or ".d" ("*.d"): what an
 *                address the directory does not hold gets there ("550
 *                5.1.1 User unknown" for an authoritative domain, "451
 *                4.3.0 ..." past max_age), else DUNNO.
 *   virtual  virtual_alias_maps = lmdb:DIR/virtual (lookups: the address,
 *            then "@domain"; Postfix looks up each result again):
 *              a directory address that is rewritten: the end of its
 *                chain, or the primary address (canonicalize);
 *              "@d" for an exact domain with forward_to: "@forward_to"
 *                (Postfix keeps the local part), and then every directory
 *                address of d that stays gets itself, so that the
 *                catch-all does not take it.
 *   generic  smtp_generic_maps = lmdb:DIR/generic on the Internet
 *            transport (lookups: the address, then "@domain"):
 *              a directory target address that section 2 rewrites: the
 *                new address (step 1, or the rules);
 *              "@from" for each outbound rule: "@to" (step 2); a target
 *                that stays in such a domain gets itself.
 *
 * A key is the folded address in Postfix's external form (quoted where
 * needed), and also in its internal form (unquoted) when that differs.
 */
#ifndef MAILSWITCH_TABLES_H
#define MAILSWITCH_TABLES_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "directory.h"
#include "resolve.h"

typedef enum tables_map {
	TABLES_ACCESS,
	TABLES_VIRTUAL,
	TABLES_GENERIC,
	TABLES_NMAPS
} tables_map_t;

#define TABLES_VALUE_MAX	(RESOLVE_TEXT_MAX + 16)

/* Returns "access", "virtual" or "generic". */
const char *tables_map_name(tables_map_t m);

/* Returns the CONFIG_TABLES_* bit of a map (config.h). */
unsigned tables_map_bit(tables_map_t m);

/* What one key of the directory puts in each map. */
typedef struct tables_row {
	bool		 has[TABLES_NMAPS];	/* an entry in that map */
	char		 value[TABLES_NMAPS][TABLES_VALUE_MAX];
	rcpt_verdict_t	 verdict;		/* the decision it comes from */
	bool		 sender;		/* verdict is resolve_sender()'s */
} tables_row_t;

/* The entries of the configured domains (and of the outbound rules). */
typedef struct tables_domains tables_domains_t;

/*
 * Decides, for cfg, the domain entries of the three maps: the verdict of
 * an address the directory does not hold in each configured domain, with
 * not found as try again when stale is 1 (why: the message), and the
 * outbound rules.  Returns them (free with tables_domains_free()), or
 * NULL with a message in err.
 */
tables_domains_t *tables_domains_new(const config_t *cfg, int stale,
	    const char *why, char *err, size_t errlen);

/* Frees the domain entries; NULL is a no-op. */
void	tables_domains_free(tables_domains_t *td);

/* One entry of a map, for tables_domains_foreach(). */
typedef int (*tables_entry_fn)(tables_map_t map, const char *key,
	    const char *value, void *arg);

/*
 * Calls fn(map, key, value, arg) for every domain entry; stops at fn's
 * first non-zero value and returns it, else returns 0.
 */
int	tables_domains_foreach(const tables_domains_t *td, tables_entry_fn fn,
	    void *arg);

/*
 * Fills row with what the directory address key (a folded proxy address
 * of the copy dir answers from) puts in the access and virtual maps:
 * resolve_rcpt(cfg, dir, key) made access(5) action and alias.  An
 * address in no configured domain, or in an external_relay domain, puts
 * nothing.  Thread-safe when dir is.
 */
void	tables_rcpt(const config_t *cfg, directory_t *dir,
	    const tables_domains_t *td, const char *key, tables_row_t *row);

/*
 * Fills row with what the directory target address key puts in the
 * generic map: resolve_sender(cfg, dir, key)'s new address.  A sender the
 * directory cannot decide on now (try again) puts nothing, so that the
 * rules of its domain apply (an lmdb table has no "try again").
 * Thread-safe when dir is.
 */
void	tables_sender(const config_t *cfg, directory_t *dir,
	    const tables_domains_t *td, const char *key, tables_row_t *row);

/*
 * Writes into out (size len) key in Postfix's internal form (the local
 * part unquoted) and returns out, or returns NULL when it is the same as
 * key (or does not fit).
 */
const char *tables_internal_key(const char *key, char *out, size_t len);

#endif /* MAILSWITCH_TABLES_H */

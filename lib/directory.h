/*
 * directory.h - the directory back-end interface.
 *
 * Every lookup has three outcomes, as Postfix's dict(3) does: found, not
 * found, and "try again later".  "Try again" is never folded into "not
 * found": the caller turns it into a 4xx and the mail stays queued.
 *
 * A directory_t is shared by all threads: its lookups are thread-safe.
 */
#ifndef MAILSWITCH_DIRECTORY_H
#define MAILSWITCH_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define DIR_FOUND	1
#define DIR_NOTFOUND	0
#define DIR_TRYAGAIN	(-1)

/* One directory object, as far as mailswitch cares about it. */
typedef struct dir_entry {
	char	*dn;		/* distinguished name, for messages */
	char	*primary;	/* primary proxy address ("SMTP:"), bare, or NULL */
	char	*target;	/* target address, bare ("SMTP:" removed), or NULL
				   for a mailbox user */
} dir_entry_t;

/* The entries that matched one lookup; free with dir_result_free(). */
typedef struct dir_result {
	dir_entry_t	*entries;
	size_t		 count;
} dir_result_t;

/* What a back-end provides; h is the back-end's own handle. */
typedef struct dir_backend_ops {
	const char *name;
	/* see directory_by_proxy() / directory_by_target() */
	int	(*by_proxy)(void *h, const char *key, dir_result_t *res,
		    char *err, size_t errlen);
	int	(*by_target)(void *h, const char *key, dir_result_t *res,
		    char *err, size_t errlen);
	void	(*close)(void *h);
	/*
	 * true: directory_open() puts a cache (cache.h, sized by
	 * cfg->directory.cache) in front of by_proxy and by_target.  A
	 * back-end that answers from memory anyway (ldif) says false.
	 */
	bool	  cached;
	/*
	 * Checks that the back-end answers now (see directory_ping()):
	 * 0, or -1 with a message in err.  NULL: it always does.
	 */
	int	(*ping)(void *h, char *err, size_t errlen);
} dir_backend_ops_t;

typedef struct directory directory_t;

/*
 * Opens the back-end named by cfg->directory (loads the LDIF file, or
 * prepares the LDAP pool), with a cache in front of it when the back-end
 * wants one and cfg->directory.cache.entries > 0.  The cache belongs to the
 * directory_t: a new directory_t (a SIGHUP reload) starts with an empty
 * one.  Returns NULL with a message in err when the configuration cannot
 * work (for LDIF: "FILE:LINE: message").  Does not keep a pointer to cfg.
 */
directory_t *directory_open(const config_t *cfg, char *err, size_t errlen);

/*
 * Finds the entries holding key (a folded address, "a@b") as a proxy
 * address, primary or secondary.  Returns DIR_FOUND with res filled (the
 * caller frees it with dir_result_free()), DIR_NOTFOUND, or DIR_TRYAGAIN
 * with a message in err.  Thread-safe.
 */
int	directory_by_proxy(directory_t *d, const char *key, dir_result_t *res,
	    char *err, size_t errlen);

/*
 * Finds the entries whose target address is key (a folded address).
 * Same outcomes as directory_by_proxy().  Thread-safe.
 */
int	directory_by_target(directory_t *d, const char *key, dir_result_t *res,
	    char *err, size_t errlen);

/*
 * Returns 0 when the back-end answers: for ldap, connect + bind + a
 * base-scope search of the base (past the cache); for ldif always 0.
 * Otherwise -1 with a message in err.  For `mailswitch -n`.  Thread-safe.
 */
int	directory_ping(directory_t *d, char *err, size_t errlen);

/* Returns the back-end's name ("ldif", "ldap"). */
const char *directory_backend_name(const directory_t *d);

/* Frees the entries of a result (not the struct itself); NULL is a no-op. */
void	dir_result_free(dir_result_t *res);

/*
 * Appends a copy of an entry to res.  Returns 0, or -1 when out of memory
 * (res is left as it was).  For back-ends.
 */
int	dir_result_add(dir_result_t *res, const char *dn, const char *primary,
	    const char *target);

/*
 * Fills st with the counters of the directory's cache (all zero when it
 * has none).  For tests and statistics.  Thread-safe.
 */
struct cache_stats;
void	directory_cache_stats(directory_t *d, struct cache_stats *st);

/* Closes the back-end and frees its cache; NULL is a no-op. */
void	directory_close(directory_t *d);

/*
 * Splits a proxy address value: "SMTP:a@b" (primary), "smtp:a@b"
 * (secondary) or a bare "a@b" (secondary).  Returns a pointer to the
 * address inside value and sets *primary, or NULL when the value is of
 * another type ("X500:", "x400:", "sip:" ...).
 */
const char *dir_proxy_value(const char *value, int *primary);

#endif /* MAILSWITCH_DIRECTORY_H */

/*
 * directory.h - the directory back-end interface.
 *
 * Every lookup has three outcomes, as Postfix's dict(3) does: found, not
 * found, and "try again later".  "Try again" is never folded into "not
 * found": the caller turns it into a 4xx and the mail stays queued.
 *
 * A directory_t is shared by all threads: its lookups are thread-safe
 * (for one made by directory_new(), as far as its back-end's are).  The
 * registry of back-ends (directory_open()) is dir_open.c; the cache is a
 * back-end that wraps another directory_t (dir_cache.h); the rules an
 * entry's values follow are dir_entry.h.  A caller of this interface
 * (runtime.c) knows no back-end by name: what one back-end needs after
 * the fork (start) and what it tells about itself (stats) are operations
 * of the interface too.
 */
#ifndef MAILSWITCH_DIRECTORY_H
#define MAILSWITCH_DIRECTORY_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define DIR_FOUND	1
#define DIR_NOTFOUND	0
#define DIR_TRYAGAIN	(-1)

/*
 * One directory object, as far as mailswitch cares about it.  secondary
 * is for the outbound rewrite (SPEC section 2, step 1: an Exchange
 * 2010-style contact whose primary address is its external one is sent
 * out as a secondary address): filled by the by_target lookups of every
 * back-end, NULL in by_proxy answers.  Its addresses are joined by '\n'
 * (dir_entry.h: dir_entry_list_add(), dir_entry_list_next()), so that it
 * is one string like the others.
 */
typedef struct dir_entry {
	char	*dn;		/* distinguished name, for messages */
	char	*primary;	/* primary proxy address ("SMTP:"), bare, or NULL */
	char	*target;	/* target address, bare ("SMTP:" removed), or NULL
				   for a mailbox user */
	char	*secondary;	/* the secondary proxy addresses ("smtp:" or
				   bare), as spelled, in the directory's
				   order, joined by '\n'; NULL: none (or a
				   by_proxy answer) */
} dir_entry_t;

/*
 * The entries that matched one lookup; free with dir_result_free().  A
 * cache (dir_cache.h) with a stale_ttl may answer DIR_FOUND or
 * DIR_NOTFOUND with an expired answer when the directory fails: then stale
 * is 1 and stale_age the seconds since that answer expired.  lib/ does not
 * log, so this is how the caller learns it (resolve.c puts it in the
 * verdict).
 */
typedef struct dir_result {
	dir_entry_t	*entries;
	size_t		 count;
	int		 stale;		/* 1: an expired answer, served stale */
	int		 stale_age;	/* seconds since it expired */
} dir_result_t;

/*
 * What the layers of one directory tell about themselves
 * (directory_stats()): each layer fills its own part, the rest stays 0.
 */
typedef struct dir_stats {
	/* a cache (dir_cache.h): counters since it was made */
	uint64_t	cache_hits;
	uint64_t	cache_misses;
	uint64_t	cache_stale;	/* stale answers served */
	uint64_t	cache_entries;	/* answers it holds now */
	/* a replica (dir_replica.h) */
	int		replica;	/* 1: there is one */
	uint64_t	replica_entries;
	int64_t		replica_age_ms;	/* since its last good sync; -1:
					   none yet */
} dir_stats_t;

typedef struct directory directory_t;
typedef struct dir_index dir_index_t;	/* dir_index.h */

/*
 * The whole copy a back-end holds in memory (the LDIF export, the
 * replica), for a writer of tables that Postfix reads itself
 * (directory_snapshot()).
 */
typedef struct dir_snapshot {
	dir_index_t	*index;		/* a reference: dir_index_release() it */
	int		 stale;		/* 1: the copy is older than its max_age:
					   the back-end answers not found as
					   try again */
	char		 why[256];	/* when stale: the back-end's message */
} dir_snapshot_t;

/*
 * What a back-end provides; h is the back-end's own handle.  A wrapper (a
 * back-end in front of another directory_t, as dir_cache.c is) says so
 * with inner; a plain back-end leaves it NULL.  start and stats are for
 * the layers that have something to start or to tell; NULL otherwise.
 */
typedef struct dir_backend_ops {
	const char *name;
	/* see directory_by_proxy() / directory_by_target() */
	int	(*by_proxy)(void *h, const char *key, dir_result_t *res,
		    char *err, size_t errlen);
	int	(*by_target)(void *h, const char *key, dir_result_t *res,
		    char *err, size_t errlen);
	/* frees h (and, for a wrapper, its inner directory) */
	void	(*close)(void *h);
	/*
	 * Checks that the back-end answers now (see directory_ping()):
	 * 0, or -1 with a message in err.  NULL: it always does.
	 */
	int	(*ping)(void *h, char *err, size_t errlen);
	/* A wrapper's inner directory (see directory_backend_name()); NULL */
	directory_t	*(*inner)(void *h);
	/*
	 * Starts what the layer runs in the background (a thread), once:
	 * 0, or -1 with a message in err.  See directory_start().  NULL:
	 * nothing to start.
	 */
	int	(*start)(void *h, char *err, size_t errlen);
	/* Fills the layer's own part of st (directory_stats()); NULL: none */
	void	(*stats)(void *h, dir_stats_t *st);
	/*
	 * Fills snap with the layer's whole copy: 1, or 0 when it has none
	 * yet (see directory_snapshot()).  NULL: it holds none.
	 */
	int	(*snapshot)(void *h, dir_snapshot_t *snap);
} dir_backend_ops_t;

/*
 * Opens the back-end named by cfg->directory.backend, as the registry
 * (dir_open.c) lists it: loads the LDIF file, or prepares the LDAP pool
 * with a cache wrapped around it (dir_cache.h) when
 * cfg->directory.cache.entries > 0.  The cache belongs to the directory_t:
 * a new directory_t (a SIGHUP reload) starts with an empty one.  Returns
 * NULL with a message in err when the configuration cannot work (for LDIF:
 * "FILE:LINE: message").  Does not keep a pointer to cfg.  Free with
 * directory_close().
 */
directory_t *directory_open(const config_t *cfg, char *err, size_t errlen);

/*
 * directory_open() for the configuration that replaces the one whose
 * directory is previous (a SIGHUP; NULL: none): a replica takes over the
 * previous one's copy and serves it until its own first load is done
 * (dir_replica.h).  previous stays the caller's and keeps serving its
 * connections.
 */
directory_t *directory_open_next(const config_t *cfg, directory_t *previous,
	    char *err, size_t errlen);

/*
 * Makes a directory_t of a back-end's ops and its handle h: for the
 * registry, for wrappers, and for tests that bring a back-end of their own
 * (t/unit/dir_fake.h).  ops must outlive the directory_t (a static table);
 * h belongs to it from now on: directory_close() calls ops->close(h).
 * Returns NULL with a message in err when out of memory, after calling
 * ops->close(h).
 */
directory_t *directory_new(const dir_backend_ops_t *ops, void *h, char *err,
	    size_t errlen);

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
 * base-scope search of the base (a wrapper such as the cache passes it to
 * its inner directory); for ldif always 0.  Otherwise -1 with a message in
 * err.  For `mailswitch -n`.  Thread-safe.
 */
int	directory_ping(directory_t *d, char *err, size_t errlen);

/*
 * Returns the back-end's name ("ldif", "ldap"): for a wrapper, the name of
 * the back-end it wraps (an ldap directory with a cache is "ldap").
 */
const char *directory_backend_name(const directory_t *d);

/*
 * Returns the handle of the back-end of d whose ops are ops: d's own, or
 * that of a directory it wraps, outermost first; NULL when there is none
 * (d NULL included).  The handle still belongs to d.  For the back-ends'
 * own functions (dir_cache_stats(), dir_replica_wait()).
 */
void	*directory_find(directory_t *d, const dir_backend_ops_t *ops);

/* Frees the entries of a result (not the struct itself); NULL is a no-op. */
void	dir_result_free(dir_result_t *res);

/*
 * Appends a copy of an entry to res (no secondary addresses).  Returns 0,
 * or -1 when out of memory (res is left as it was).  For back-ends.
 */
int	dir_result_add(dir_result_t *res, const char *dn, const char *primary,
	    const char *target);

/*
 * Appends a copy of e, secondary addresses included, to res.  Returns 0,
 * or -1 when out of memory (res is left as it was).
 */
int	dir_result_add_entry(dir_result_t *res, const dir_entry_t *e);

/*
 * Copies the entries of src into dst (which it overwrites; stale and
 * stale_age are not copied).  Returns 0, or -1 when out of memory with
 * dst empty.
 */
int	dir_result_copy(dir_result_t *dst, const dir_result_t *src);

/*
 * Starts what the layers of d run in the background (the replica's sync
 * thread), outermost first; a layer already started is left as it is.
 * Call it in the process that serves, after any fork, with the signal
 * mask its threads should have.  Returns 0, or -1 with a message in err
 * (the first layer that could not start; the others are not tried).
 * Thread-safe.
 */
int	directory_start(directory_t *d, char *err, size_t errlen);

/*
 * Fills st with what the layers of d tell about themselves: all zero,
 * then each layer's part, innermost first (of two layers of one kind, the
 * outermost's stands).  Thread-safe.
 */
void	directory_stats(directory_t *d, dir_stats_t *st);

/*
 * Fills snap with the copy of the whole directory that the outermost
 * layer holding one has (the LDIF back-end's export, the replica's copy):
 * a reference to its index, which answers every lookup exactly as that
 * layer does, and whether that layer answers not found as try again now
 * (a replica past max_age).  Returns 1, or 0 when no layer holds a copy
 * (an ldap back-end without a replica) or it has none yet (a replica
 * before its first load).  Thread-safe.
 */
int	directory_snapshot(directory_t *d, dir_snapshot_t *snap);

/*
 * Closes the back-end (a wrapper closes its inner directory too) and frees
 * d; NULL is a no-op.  No lookup may be running.
 */
void	directory_close(directory_t *d);

#endif /* MAILSWITCH_DIRECTORY_H */

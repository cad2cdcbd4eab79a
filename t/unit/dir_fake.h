/*
 * dir_fake.h - a directory back-end for tests: answers programmed per key,
 * and a switch that makes every lookup (and ping) fail with DIR_TRYAGAIN,
 * as a directory that goes down would.  Injected with directory_new(), so
 * the cache (dir_cache.h) and whatever sits above it can be tested
 * against failures on demand.
 */
#ifndef MAILSWITCH_DIR_FAKE_H
#define MAILSWITCH_DIR_FAKE_H

#include <stddef.h>

#include "directory.h"

typedef struct dir_fake dir_fake_t;

/*
 * Makes a fake back-end and a directory_t around it (backend name "fake");
 * *fp is set to the fake, for the test to program.  The directory_t owns
 * the fake: directory_close() frees it, after which *fp must not be used.
 * Returns NULL with a message in err when out of memory.
 */
directory_t *dir_fake_open(dir_fake_t **fp, char *err, size_t errlen);

/*
 * Programs the answer for key (folded, as lookups come) by proxy
 * (by_target 0) or by target (1): status DIR_FOUND adds one entry (dn,
 * primary, target; call again for more), DIR_NOTFOUND forgets the key,
 * DIR_TRYAGAIN makes that key fail with "fake: KEY: down".  An unknown key
 * is not found.  Returns 0, or -1 when out of memory.  Thread-safe.
 */
int	dir_fake_set(dir_fake_t *f, int by_target, const char *key, int status,
	    const char *dn, const char *primary, const char *target);

/*
 * Makes the fake answer a key it has no row for from inner instead of
 * "not found", so that failures and odd answers can be put in front of a
 * real directory (NULL: not found again).  inner stays the caller's and
 * must outlive the fake; set it before the first lookup.
 */
void	dir_fake_pass_to(dir_fake_t *f, directory_t *inner);

/*
 * on != 0: every lookup and ping fails (DIR_TRYAGAIN, "fake: down") until
 * it is called again with 0.  Thread-safe.
 */
void	dir_fake_fail(dir_fake_t *f, int on);

/* Returns the lookups the back-end has answered so far.  Thread-safe. */
unsigned dir_fake_calls(dir_fake_t *f);

#endif /* MAILSWITCH_DIR_FAKE_H */

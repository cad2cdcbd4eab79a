/*
 * runtime.h - the configuration generation in force: the parsed
 * configuration and the directory opened from it, reference counted.
 *
 * Each connection of a front end (a milter connection, a socketmap
 * connection) holds the generation it started with until it closes;
 * SIGHUP builds a new one and swaps it in, and the old one is freed when
 * its last connection lets go.
 */
#ifndef MAILSWITCH_RUNTIME_H
#define MAILSWITCH_RUNTIME_H

#include <stddef.h>

#include "config.h"
#include "directory.h"
#include "metrics.h"

/* Command-line values that override the file's (NULL / -1: keep the file's). */
typedef struct runtime_overrides {
	const char	*socket;
	const char	*user;
	const char	*pidfile;
	int		 verbose;	/* -v count: raises log_level */
} runtime_overrides_t;

/* One generation; its fields are runtime.c's (runtime_config(), ...). */
typedef struct runtime runtime_t;

/*
 * The generation's parsed configuration and its directory.  Both live as
 * long as the caller's reference to rt; the caller frees neither.
 */
const config_t *runtime_config(const runtime_t *rt);
directory_t *runtime_directory(const runtime_t *rt);

/*
 * Loads the configuration at path, applies the overrides and opens its
 * directory.  Returns a generation with one reference, or NULL with
 * "FILE:LINE: message" in err.
 */
runtime_t *runtime_load(const char *path, const runtime_overrides_t *ov,
	    char *err, size_t errlen);

/*
 * Makes rt the current generation (taking over the caller's reference),
 * starts what its directory runs in the background, such as a replica's
 * thread (directory_start(): call this after any fork, with the signal
 * mask the serving threads should have), applies its log_level and
 * syslog_facility, and records the time as
 * mailswitch_config_loaded_timestamp_seconds.
 */
void	runtime_install(runtime_t *rt);

/* Returns the current generation with a reference the caller must release. */
runtime_t *runtime_acquire(void);

/* Drops a reference; the last one frees the generation.  NULL is a no-op. */
void	runtime_release(runtime_t *rt);

/*
 * Loads path again and installs it; a bad configuration is logged and the
 * current one stays.  Counts the reload (metrics_reload()).  Returns 0 on
 * success, -1 when the old one stays.
 */
int	runtime_reload(const char *path, const runtime_overrides_t *ov);

/*
 * Fills c with the cache counters of every generation installed since the
 * start (the freed ones' final counts included: a reload does not set them
 * back) and the entries of the current one.  Thread-safe.
 */
void	runtime_cache_stats(metrics_cache_t *c);

#endif /* MAILSWITCH_RUNTIME_H */

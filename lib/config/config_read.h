/*
 * config_read.h - the reader under every section of the configuration: the
 * libconfig file, read once, with typed getters that report
 * "FILE:LINE: message" (FILE being the file the setting came from, which
 * may be an @include) and resolve relative paths against the file's folder.
 *
 * Only the config*.c files include it: it brings in libconfig, whose
 * config_t is renamed libconfig_config_t here (ours is config.h's).
 * Each getter returns 0 with the value, or -1 with the message written
 * into the reader's error buffer, so that a section returns at its first
 * error and that error is the one reported.
 */
#ifndef MAILSWITCH_CONFIG_READ_H
#define MAILSWITCH_CONFIG_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "config_err.h"

/* libconfig's config_t and ours share a name: rename libconfig's. */
#define config_t libconfig_config_t
#include <libconfig.h>
#undef config_t

/* What one load needs to report errors and resolve paths. */
typedef struct config_read {
	const char	*path;		/* the main file */
	char		*dir;		/* its folder, for relative paths */
	char		*err;
	size_t		 errlen;
} config_read_t;

/*
 * Starts a reader of the file at path, writing its errors into err: sets
 * rd's fields and works out the file's folder (absolute when the working
 * folder is known).  Returns 0, or -1 with "out of memory" in err.  Free
 * with config_read_close().
 */
int	config_read_open(config_read_t *rd, const char *path, char *err,
	    size_t errlen);

/* Frees what config_read_open() allocated; err stays the caller's. */
void	config_read_close(config_read_t *rd);

/*
 * Reads file (the configuration or one of its @include files) once, before
 * libconfig does, to report a missing, unreadable or non-regular file
 * plainly, and checks each "@include" line of it the same way, nested
 * includes too; depth is 0 for the main file.  Returns 0, or -1 with the
 * error written.
 */
int	config_read_includes(config_read_t *rd, const char *file, int depth);

/*
 * Writes "FILE:LINE: message" (or "FILE: message" without a setting) into
 * the reader's buffer; returns -1 so that callers can return it.
 */
int	config_read_fail(config_read_t *rd, const config_setting_t *s,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* config_read_fail() of "out of memory"; returns -1. */
int	config_read_nomem(config_read_t *rd);

/*
 * Returns a copy of p (the caller frees it), made absolute against the
 * configuration's folder ("" and absolute paths as they are), or NULL
 * when out of memory.
 */
char	*config_read_path(const config_read_t *rd, const char *p);

/* Frees a NULL-terminated vector of strings; NULL is a no-op. */
void	config_read_strvec_free(char **v);

/*
 * Typed getters of setting s, named what in their messages
 * ("'what' must be ...").  The string of config_read_text() is libconfig's
 * (valid while the file is loaded); config_read_int() also checks
 * min <= value <= max.
 */
int	config_read_text(config_read_t *rd, const config_setting_t *s,
	    const char *what, const char **out);
int	config_read_int(config_read_t *rd, const config_setting_t *s,
	    const char *what, long long min, long long max, long long *out);
int	config_read_number(config_read_t *rd, const config_setting_t *s,
	    const char *what, double *out);
int	config_read_bool(config_read_t *rd, const config_setting_t *s,
	    const char *what, bool *out);

/* Checks that s is a group { ... }. */
int	config_read_group(config_read_t *rd, const config_setting_t *s,
	    const char *what);

/*
 * Replaces *dst (freed) by a copy of the string setting s, resolved as a
 * path when path is true.
 */
int	config_read_set_text(config_read_t *rd, const config_setting_t *s,
	    const char *what, char **dst, bool path);

/*
 * config_read_set_text() of a path that mailswitch reads: one that names a
 * FIFO or a device is refused here (a missing one is the opener's to
 * report).
 */
int	config_read_set_file(config_read_t *rd, const config_setting_t *s,
	    const char *what, char **dst);

/* Replaces *dst (freed) by "FILE:LINE" of setting s (a message names it later). */
int	config_read_set_where(config_read_t *rd, const config_setting_t *s,
	    char **dst);

/*
 * Reports s as an unknown key ("unknown key 'k' in where", or without
 * " in where" when where is NULL); returns -1.
 */
int	config_read_unknown(config_read_t *rd, const config_setting_t *s,
	    const char *where);

/* Checks one string v of a list setting s; 0, or -1 with the error written. */
typedef int	(*config_read_check_fn)(config_read_t *,
		    const config_setting_t *, const char *, const char *);

/*
 * Reads a list (or array) of strings into a new NULL-terminated vector,
 * calling check (may be NULL) on each element.  Replaces *out (freed with
 * config_read_strvec_free()) and *n.
 */
int	config_read_strvec(config_read_t *rd, const config_setting_t *s,
	    const char *what, config_read_check_fn check, char ***out,
	    size_t *n);

/* Returns 1 when s is a header field name: printable ASCII except ':'. */
int	config_read_is_field_name(const char *s);

#endif /* MAILSWITCH_CONFIG_READ_H */

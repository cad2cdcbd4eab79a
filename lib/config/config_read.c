/*
 * config_read.c - the libconfig reader under the sections of config.c:
 * FILE:LINE errors, typed getters, paths resolved against the file's
 * folder, and the pre-scan of the file and its @include lines.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_read.h"
#include "regfile.h"

int
config_read_fail(config_read_t *rd, const config_setting_t *s, const char *fmt,
    ...)
{
	const char	*file = rd->path;
	unsigned	 line = 0;
	size_t		 n;
	int		 r;
	va_list		 ap;

	if (s != NULL) {
		if (config_setting_source_file(s) != NULL)
			file = config_setting_source_file(s);
		line = config_setting_source_line(s);
	}
	if (line > 0)
		r = snprintf(rd->err, rd->errlen, "%s:%u: ", file, line);
	else
		r = snprintf(rd->err, rd->errlen, "%s: ", file);
	n = r < 0 ? 0 : (size_t)r;
	if (n < rd->errlen) {
		va_start(ap, fmt);
		vsnprintf(rd->err + n, rd->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int
config_read_nomem(config_read_t *rd)
{
	return config_read_fail(rd, NULL, "out of memory");
}

/* Frees a NULL-terminated vector of strings. */
void
config_read_strvec_free(char **v)
{
	if (v == NULL)
		return;
	for (char **p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

/* Returns a copy of p, made absolute against the configuration's folder. */
char *
config_read_path(const config_read_t *rd, const char *p)
{
	char	*r;
	size_t	 dl, pl;

	if (p[0] == '\0' || p[0] == '/')
		return strdup(p);
	dl = strlen(rd->dir);
	pl = strlen(p);
	if ((r = malloc(dl + 1 + pl + 1)) == NULL)
		return NULL;
	memcpy(r, rd->dir, dl);
	if (dl == 0 || rd->dir[dl - 1] != '/')
		r[dl++] = '/';
	memcpy(r + dl, p, pl + 1);
	return r;
}

/* Returns the folder of path, absolute when the working folder is known. */
static char *
folder_of(const char *path)
{
	char		 cwd[PATH_MAX];
	const char	*slash = strrchr(path, '/');
	size_t		 len;
	char		*d;

	if (slash == path)
		return strdup("/");
	len = slash == NULL ? 0 : (size_t)(slash - path);
	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL) {
		if (len == 0)
			return strdup(".");
		return strndup(path, len);
	}
	if (len == 0)
		return strdup(cwd);
	if ((d = malloc(strlen(cwd) + 1 + len + 1)) == NULL)
		return NULL;
	snprintf(d, strlen(cwd) + 1 + len + 1, "%s/%.*s", cwd, (int)len, path);
	return d;
}

/*
 * Typed getters.  Each returns 0 with the value, or -1 with the error
 * "FILE:LINE: 'what' must be ..." written.
 */
int
config_read_text(config_read_t *rd, const config_setting_t *s,
    const char *what, const char **out)
{
	*out = NULL;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return config_read_fail(rd, s, "'%s' must be a string", what);
	*out = config_setting_get_string(s);
	return 0;
}

int
config_read_int(config_read_t *rd, const config_setting_t *s,
    const char *what, long long min, long long max, long long *out)
{
	long long	v;

	if (config_setting_type(s) == CONFIG_TYPE_INT)
		v = config_setting_get_int(s);
	else if (config_setting_type(s) == CONFIG_TYPE_INT64)
		v = config_setting_get_int64(s);
	else
		return config_read_fail(rd, s, "'%s' must be an integer", what);
	if (v < min && max >= INT_MAX)
		return config_read_fail(rd, s, "'%s' must be at least %lld",
		    what, min);
	if (v < min || v > max)
		return config_read_fail(rd, s, "'%s' must be between %lld and "
		    "%lld", what, min, max);
	*out = v;
	return 0;
}

int
config_read_number(config_read_t *rd, const config_setting_t *s,
    const char *what, double *out)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		*out = config_setting_get_int(s);
		return 0;
	case CONFIG_TYPE_INT64:
		*out = (double)config_setting_get_int64(s);
		return 0;
	case CONFIG_TYPE_FLOAT:
		*out = config_setting_get_float(s);
		return 0;
	}
	return config_read_fail(rd, s, "'%s' must be a number", what);
}

int
config_read_bool(config_read_t *rd, const config_setting_t *s,
    const char *what, bool *out)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return config_read_fail(rd, s, "'%s' must be a boolean (true "
		    "or false)", what);
	*out = config_setting_get_bool(s) != 0;
	return 0;
}

int
config_read_group(config_read_t *rd, const config_setting_t *s,
    const char *what)
{
	if (!config_setting_is_group(s))
		return config_read_fail(rd, s, "'%s' must be a group { ... }",
		    what);
	return 0;
}

int
config_read_set_text(config_read_t *rd, const config_setting_t *s,
    const char *what, char **dst, bool path)
{
	const char	*v;
	char		*copy;

	if (config_read_text(rd, s, what, &v) == -1)
		return -1;
	if ((copy = path ? config_read_path(rd, v) : strdup(v)) == NULL)
		return config_read_nomem(rd);
	free(*dst);
	*dst = copy;
	return 0;
}

/*
 * config_read_set_text() of a path that mailswitch reads: one that names a
 * FIFO or a device is refused here (a missing one is the opener's to
 * report).
 */
int
config_read_set_file(config_read_t *rd, const config_setting_t *s,
    const char *what, char **dst)
{
	const char	*kind;

	if (config_read_set_text(rd, s, what, dst, true) == -1)
		return -1;
	if (**dst != '\0' && (kind = regfile_kind(*dst)) != NULL)
		return config_read_fail(rd, s, "'%s' %s: %s, not a regular "
		    "file", what, *dst, kind);
	return 0;
}

/* Replaces *dst by "FILE:LINE" of setting s (a message names it later). */
int
config_read_set_where(config_read_t *rd, const config_setting_t *s, char **dst)
{
	const char	*file = config_setting_source_file(s);
	size_t		 len;
	char		*at;

	file = file != NULL ? file : rd->path;
	len = strlen(file) + 16;
	if ((at = malloc(len)) == NULL)
		return config_read_nomem(rd);
	snprintf(at, len, "%s:%u", file, config_setting_source_line(s));
	free(*dst);
	*dst = at;
	return 0;
}

int
config_read_unknown(config_read_t *rd, const config_setting_t *s,
    const char *where)
{
	const char	*name = config_setting_name(s);

	if (where == NULL)
		return config_read_fail(rd, s, "unknown key '%s'",
		    name ? name : "?");
	return config_read_fail(rd, s, "unknown key '%s' in %s",
	    name ? name : "?", where);
}

int
config_read_strvec(config_read_t *rd, const config_setting_t *s,
    const char *what, config_read_check_fn check, char ***out, size_t *n)
{
	char	**v;
	int	  len;

	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return config_read_fail(rd, s, "'%s' must be a list of strings "
		    "[ \"...\", ... ]", what);
	len = config_setting_length(s);
	if ((v = calloc((size_t)len + 1, sizeof(*v))) == NULL)
		return config_read_nomem(rd);
	for (int i = 0; i < len; i++) {
		const config_setting_t	*e = config_setting_get_elem(s, (unsigned)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			config_read_strvec_free(v);
			return config_read_fail(rd, e, "'%s' must be a list "
			    "of strings [ \"...\", ... ]", what);
		}
		if (check != NULL &&
		    check(rd, e, what, config_setting_get_string(e)) == -1) {
			config_read_strvec_free(v);
			return -1;
		}
		if ((v[i] = strdup(config_setting_get_string(e))) == NULL) {
			config_read_strvec_free(v);
			return config_read_nomem(rd);
		}
	}
	config_read_strvec_free(*out);
	*out = v;
	*n = (size_t)len;
	return 0;
}

/* Returns 1 when s is a header field name: printable ASCII except ':'. */
int
config_read_is_field_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 33 || (unsigned char)*s > 126 || *s == ':')
			return 0;
	return 1;
}

#define INCLUDE_DEPTH_MAX 10	/* libconfig's own limit */

/*
 * Reads file (the configuration or one of its @include files) once, before
 * libconfig does, to report a missing, unreadable or non-regular file
 * plainly, and checks each "@include" line of it the same way, nested
 * includes too.  libconfig 1.5 has no hook to open the included files
 * itself, and would block for ever on a FIFO or read /dev/zero without end.
 */
int
config_read_includes(config_read_t *rd, const char *file, int depth)
{
	char		 why[256];
	char		*line = NULL, *name, *end, *inc;
	size_t		 cap = 0;
	unsigned	 lineno = 0;
	FILE		*fp;
	int		 r = 0;

	if ((fp = regfile_fopen(file, why, sizeof(why))) == NULL) {
		snprintf(rd->err, rd->errlen, "%s: cannot read: %s", file, why);
		return -1;
	}
	while (r == 0 && getline(&line, &cap, fp) != -1) {
		lineno++;
		name = line + strspn(line, " \t");
		if (strncmp(name, "@include", 8) != 0 ||
		    (name[8] != ' ' && name[8] != '\t'))
			continue;
		name += 8 + strspn(name + 8, " \t");
		if (*name++ != '"' || (end = strchr(name, '"')) == NULL)
			continue;		/* libconfig reports it */
		*end = '\0';
		if ((inc = config_read_path(rd, name)) == NULL) {
			r = config_read_nomem(rd);
			break;
		}
		if (depth < INCLUDE_DEPTH_MAX &&
		    config_read_includes(rd, inc, depth + 1) == -1) {
			/* name the @include line, then the file's problem */
			size_t	 n = strlen(rd->err);
			char	*msg = strdup(rd->err);

			if (msg != NULL && n > 0)
				snprintf(rd->err, rd->errlen, "%s:%u: @include "
				    "\"%s\": %s", file, lineno, name, msg);
			free(msg);
			r = -1;
		}
		free(inc);
	}
	if (r == 0 && ferror(fp)) {
		snprintf(rd->err, rd->errlen, "%s: cannot read: %s", file,
		    strerror(errno));
		r = -1;
	}
	free(line);
	fclose(fp);
	return r;
}


int
config_read_open(config_read_t *rd, const char *path, char *err, size_t errlen)
{
	memset(rd, 0, sizeof(*rd));
	rd->path = path;
	rd->err = err;
	rd->errlen = errlen;
	if (errlen > 0)
		err[0] = '\0';
	if ((rd->dir = folder_of(path)) == NULL)
		return config_read_nomem(rd);
	return 0;
}

void
config_read_close(config_read_t *rd)
{
	free(rd->dir);
	rd->dir = NULL;
}

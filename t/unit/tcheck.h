/*
 * tcheck.h - the little that every check test shares.
 */
#ifndef MAILSWITCH_TCHECK_H
#define MAILSWITCH_TCHECK_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Runs one suite and returns the process exit status. */
static inline int
tcheck_run(Suite *s)
{
	SRunner	*sr = srunner_create(s);
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Returns the path of a test data file (t/data/NAME) in a static buffer. */
static inline const char *
tcheck_data(const char *name)
{
	static char	 buf[4096];
	const char	*dir = getenv("T_DATA");

	snprintf(buf, sizeof(buf), "%s/%s", dir ? dir : "t/data", name);
	return buf;
}

/* Returns the path of a shipped example file (etc/NAME) in a static buffer. */
static inline const char *
tcheck_etc(const char *name)
{
	static char	 buf[4096];
	const char	*dir = getenv("T_ETC");

	snprintf(buf, sizeof(buf), "%s/%s", dir ? dir : "etc", name);
	return buf;
}

/*
 * Returns the configuration the policy tests run on: $T_CONF when set (the
 * same domains on another back-end: t/ldap/run-check.sh points it at
 * slapd), else the shipped etc/mailswitch.conf.  ($T_REPLICA_CONF, set by
 * run-check.sh too, is the same ldap back-end with its replica enabled:
 * check_resolve's test_replica_table.)
 */
static inline const char *
tcheck_example_conf(void)
{
	const char	*conf = getenv("T_CONF");

	return conf != NULL && conf[0] != '\0' ? conf :
	    tcheck_etc("mailswitch.conf");
}

/*
 * Copies tmpl into out with each "@F@", "@M@" and "@P@" replaced by f, m
 * and p: paths a table row cannot know before the test makes them.
 */
static inline void
tcheck_subst(const char *tmpl, const char *f, const char *m, const char *p,
    char *out, size_t outlen)
{
	size_t	 o = 0;

	while (*tmpl != '\0' && o + 1 < outlen) {
		const char *with = strncmp(tmpl, "@F@", 3) == 0 ? f :
		    strncmp(tmpl, "@M@", 3) == 0 ? m :
		    strncmp(tmpl, "@P@", 3) == 0 ? p : NULL;

		if (with == NULL) {
			out[o++] = *tmpl++;
			continue;
		}
		o += (size_t)snprintf(out + o, outlen - o, "%s", with);
		if (o >= outlen)
			o = outlen - 1;
		tmpl += 3;
	}
	out[o] = '\0';
}

/*
 * Expands the "{N*s}" repetitions of tmpl (N copies of s) into buf, so
 * that a table row can write a length limit down exactly; NULL stays
 * NULL.  A result that does not fit in len fails the test.
 */
static inline const char *
tcheck_expand(const char *tmpl, char *buf, size_t len)
{
	const char	*p, *s, *e;
	char		*end;
	size_t		 o = 0, sl;
	long		 n;

	if (tmpl == NULL)
		return NULL;
	for (p = tmpl; *p != '\0';) {
		if (*p == '{' && (n = strtol(p + 1, &end, 10)) > 0 &&
		    *end == '*' && (e = strchr(end, '}')) != NULL) {
			s = end + 1;
			sl = (size_t)(e - s);
			for (; n > 0; n--) {
				ck_assert_msg(o + sl < len, "template too long");
				memcpy(buf + o, s, sl);
				o += sl;
			}
			p = e + 1;
		} else {
			ck_assert_msg(o + 1 < len, "template too long");
			buf[o++] = *p++;
		}
	}
	buf[o] = '\0';
	return buf;
}

/*
 * Writes text to a new file in /tmp; returns its path in a static buffer
 * (the next call reuses it).  The caller unlinks the file.
 */
static inline const char *
tcheck_temp_file(const char *text)
{
	static char	 path[64];
	FILE		*fp;
	int		 fd;

	snprintf(path, sizeof(path), "/tmp/tcheck-XXXXXX");
	fd = mkstemp(path);
	ck_assert_msg(fd != -1, "mkstemp");
	fp = fdopen(fd, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	ck_assert_int_eq(fclose(fp), 0);
	return path;
}

/*
 * Loads the configuration text (written to a temporary file, removed
 * again): config_load()'s result, NULL with the message in err.
 */
static inline config_t *
tcheck_config_text(const char *text, char *err, size_t errlen)
{
	const char	*path = tcheck_temp_file(text);
	config_t	*cfg = config_load(path, err, errlen);

	unlink(path);
	return cfg;
}

#endif /* MAILSWITCH_TCHECK_H */

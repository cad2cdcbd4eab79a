/*
 * tcheck.h - the little that every check test shares.
 */
#ifndef MAILSWITCH_TCHECK_H
#define MAILSWITCH_TCHECK_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

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

#endif /* MAILSWITCH_TCHECK_H */

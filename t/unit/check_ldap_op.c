/*
 * check_ldap_op.c - the budget of one LDAP operation (lib/ldap/ldap_op.c):
 * the time limit a search is sent with, against the client's own wait
 * for it.
 */
#include <sys/time.h>

#include "ldap_op.h"
#include "tcheck.h"

/*
 * The limit sent never ends a search before the client gives up: Samba
 * ends it at the whole second of its start plus the limit, up to a
 * second sooner than the limit itself, so the limit is the wait rounded
 * up plus one.
 */
static const struct timelimit_row {
	time_t		 sec;
	suseconds_t	 usec;
	int		 want;
} timelimit_rows[] = {
	{ 0, 1000, 2 },		/* 1 ms left */
	{ 0, 999999, 2 },
	{ 1, 0, 2 },		/* exactly 1 s */
	{ 1, 500000, 3 },	/* timeout = 1.5: libldap alone sends 1 */
	{ 1, 999999, 3 },
	{ 2, 0, 3 },
	{ 5, 0, 6 },		/* the default timeout */
	{ 4, 999000, 6 },
	{ 60, 0, 61 },
	{ 65534, 0, 65535 },	/* the largest the protocol allows */
	{ 99999, 0, 65535 },
};

START_TEST(test_timelimit)
{
	const struct timelimit_row	*r = &timelimit_rows[_i];
	struct timeval			 tv = { r->sec, r->usec };
	int				 got = ldap_op_timelimit(&tv);

	ck_assert_msg(got == r->want, "%ld.%06ld s left: limit %d, want %d",
	    (long)r->sec, (long)r->usec, got, r->want);
	/* whatever Samba's rounding, the server ends it after the client */
	if (r->want < 65535)
		ck_assert((double)got - 1.0 >= (double)r->sec +
		    (double)r->usec / 1e6);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("ldap_op");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_timelimit, 0, (int)NELEM(timelimit_rows));
	suite_add_tcase(s, tc);
	return tcheck_run(s);
}

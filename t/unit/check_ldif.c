/*
 * check_ldif.c - the directory interface and its LDIF back-end: the
 * shipped etc/contacts.ldif, malformed files, custom attribute names,
 * proxy value types, and ldifde exports with CRLF line ends.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "directory.h"
#include "tcheck.h"

#define ERRLEN	1024

enum { P, T };		/* by_proxy, by_target */

/* Opens path as an LDIF directory through directory_open(). */
static directory_t *
open_ldif(const char *path, const char *pattr, const char *tattr, char *err)
{
	config_t	 cfg;
	char		 p[4096], pa[128], ta[128];

	memset(&cfg, 0, sizeof(cfg));
	snprintf(p, sizeof(p), "%s", path);
	snprintf(pa, sizeof(pa), "%s", pattr);
	snprintf(ta, sizeof(ta), "%s", tattr);
	cfg.directory.backend = BACKEND_LDIF;
	cfg.directory.ldif_path = p;
	cfg.directory.proxy_attribute = pa;
	cfg.directory.target_attribute = ta;
	return directory_open(&cfg, err, ERRLEN);
}

/* Folds key as the callers do, and looks it up. */
static int
lookup(directory_t *d, int by, const char *key, dir_result_t *res)
{
	char	 folded[1024], err[ERRLEN];

	snprintf(folded, sizeof(folded), "%s", key);
	addr_fold(folded);
	if (by == P)
		return directory_by_proxy(d, folded, res, err, sizeof(err));
	return directory_by_target(d, folded, res, err, sizeof(err));
}

/* Writes text to a new temporary file; returns its path (static). */
static const char *
tmpfile_with(const char *text, size_t len)
{
	static char	 path[64];
	int		 fd;

	snprintf(path, sizeof(path), "/tmp/check_ldif.XXXXXX");
	fd = mkstemp(path);
	ck_assert_msg(fd >= 0, "mkstemp");
	ck_assert_msg(write(fd, text, len) == (ssize_t)len, "write");
	close(fd);
	return path;
}

static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

#define S(x)	((x) != NULL ? (x) : "(null)")

/* ---- (a) etc/contacts.ldif ------------------------------------------- */

#define CONTACT(cn)	"cn=" cn ",ou=contacts,dc=contoso,dc=com"
#define USER(cn)	"cn=" cn ",ou=users,dc=contoso,dc=com"
#define ZOE		CONTACT("Zo\xc3\xab M\xc3\xbcller")	/* base64 */

static const struct lookup_row {
	int		 by;
	const char	*key;
	int		 status;
	size_t		 count;
	const char	*dn, *primary, *target;	/* of the first entry */
} contacts_rows[] = {
	/* contacts: primary, secondary, any case */
	{ P, "bob@contoso.com", DIR_FOUND, 1, CONTACT("Bob Lee"),
	  "bob@contoso.com", "bob@fourthcoffee.com" },
	{ P, "bob.lee@contoso.com", DIR_FOUND, 1, CONTACT("Bob Lee"),
	  "bob@contoso.com", "bob@fourthcoffee.com" },
	{ P, "BOB@Contoso.COM", DIR_FOUND, 1, CONTACT("Bob Lee"),
	  "bob@contoso.com", "bob@fourthcoffee.com" },
	{ P, "Bob.Lee@CONTOSO.com", DIR_FOUND, 1, CONTACT("Bob Lee"),
	  "bob@contoso.com", "bob@fourthcoffee.com" },
	{ T, "bob@fourthcoffee.com", DIR_FOUND, 1, CONTACT("Bob Lee"),
	  "bob@contoso.com", "bob@fourthcoffee.com" },
	{ P, "alice@contoso.com", DIR_FOUND, 1, CONTACT("Alice Wong"),
	  "alice@contoso.com", "Alice.Wong@fourthcoffee.com" },
	{ P, "awong@contoso.com", DIR_FOUND, 1, CONTACT("Alice Wong"),
	  "alice@contoso.com", "Alice.Wong@fourthcoffee.com" },
	{ T, "Alice.Wong@fourthcoffee.com", DIR_FOUND, 1, CONTACT("Alice Wong"),
	  "alice@contoso.com", "Alice.Wong@fourthcoffee.com" },
	/* an X500: value is found by its key (x500.h), x400: not at all */
	{ P, "/o=FourthCoffee/ou=Exchange/cn=Recipients/cn=bob", DIR_NOTFOUND,
	  0, NULL, NULL, NULL },
	{ P, "x500:/o=fourthcoffee/ou=exchange/cn=recipients/cn=bob",
	  DIR_FOUND, 1, CONTACT("Bob Lee"), "bob@contoso.com",
	  "bob@fourthcoffee.com" },
	{ P, "X500:/o=FourthCoffee/ou=Exchange/cn=Recipients/cn=bob",
	  DIR_FOUND, 1, CONTACT("Bob Lee"), "bob@contoso.com",
	  "bob@fourthcoffee.com" },
	{ T, "x500:/o=fourthcoffee/ou=exchange/cn=recipients/cn=bob",
	  DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ P, "x500:/o=fourthcoffee/ou=exchange/cn=recipients",
	  DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ P, "c=US;a= ;p=Contoso;o=Sales;s=Diaz;g=Carol;", DIR_NOTFOUND, 0,
	  NULL, NULL, NULL },
	/* mailbox users: no target; the primary keeps its spelling */
	{ P, "carol@sales.contoso.com", DIR_FOUND, 1, USER("Carol Diaz"),
	  "Carol.Diaz@sales.contoso.com", NULL },
	{ P, "carol.diaz@sales.contoso.com", DIR_FOUND, 1, USER("Carol Diaz"),
	  "Carol.Diaz@sales.contoso.com", NULL },
	{ P, "cdiaz@contoso.com", DIR_FOUND, 1, USER("Carol Diaz"),
	  "Carol.Diaz@sales.contoso.com", NULL },
	{ P, "dan@contoso.com", DIR_FOUND, 1, USER("Dan Park"),
	  "dan@contoso.com", NULL },
	{ P, "dan.park@contoso.com", DIR_FOUND, 1, USER("Dan Park"),
	  "dan@contoso.com", NULL },
	{ P, "g.ho@sales.contoso.com", DIR_FOUND, 1, USER("Gina Ho"),
	  "gina@sales.contoso.com", NULL },
	{ T, "gina@sales.contoso.com", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	/* a bare target */
	{ P, "frank@sales.contoso.com", DIR_FOUND, 1, CONTACT("Frank Moss"),
	  "frank@sales.contoso.com", "frank@fourthcoffee.com" },
	{ T, "frank@fourthcoffee.com", DIR_FOUND, 1, CONTACT("Frank Moss"),
	  "frank@sales.contoso.com", "frank@fourthcoffee.com" },
	/* chains and loops: the back-end only answers, resolve follows */
	{ P, "erin@contoso.com", DIR_FOUND, 1, CONTACT("Erin Chain"),
	  "erin@contoso.com", "erin.old@contoso.com" },
	{ P, "erin.old@contoso.com", DIR_FOUND, 1, CONTACT("Erin Old"),
	  "erin.old@contoso.com", "erin@fourthcoffee.com" },
	{ T, "erin.old@contoso.com", DIR_FOUND, 1, CONTACT("Erin Chain"),
	  "erin@contoso.com", "erin.old@contoso.com" },
	{ T, "erin@fourthcoffee.com", DIR_FOUND, 1, CONTACT("Erin Old"),
	  "erin.old@contoso.com", "erin@fourthcoffee.com" },
	{ P, "loop1@contoso.com", DIR_FOUND, 1, CONTACT("Loop One"),
	  "loop1@contoso.com", "loop2@contoso.com" },
	{ T, "loop1@contoso.com", DIR_FOUND, 1, CONTACT("Loop Two"),
	  "loop2@contoso.com", "loop1@contoso.com" },
	{ P, "self@contoso.com", DIR_FOUND, 1, CONTACT("Self Loop"),
	  "self@contoso.com", "self@contoso.com" },
	{ T, "self@contoso.com", DIR_FOUND, 1, CONTACT("Self Loop"),
	  "self@contoso.com", "self@contoso.com" },
	/* one address, two entries: both come back, in file order */
	{ P, "shared@contoso.com", DIR_FOUND, 2, USER("Shared One"),
	  "shared1@contoso.com", NULL },
	{ P, "SHARED@contoso.com", DIR_FOUND, 2, USER("Shared One"),
	  "shared1@contoso.com", NULL },
	{ P, "shared2@contoso.com", DIR_FOUND, 1, USER("Shared Two"),
	  "shared2@contoso.com", NULL },
	/* base64 dn, base64 proxy value, folded description */
	{ P, "zoe@contoso.com", DIR_FOUND, 1, ZOE,
	  "zoe@contoso.com", "zoe.mueller@fourthcoffee.com" },
	{ P, "zoe.mueller@contoso.com", DIR_FOUND, 1,
	  ZOE,
	  "zoe@contoso.com", "zoe.mueller@fourthcoffee.com" },
	{ P, "zm@contoso.com", DIR_FOUND, 1, ZOE,
	  "zoe@contoso.com", "zoe.mueller@fourthcoffee.com" },
	{ T, "zoe.mueller@fourthcoffee.com", DIR_FOUND, 1,
	  ZOE,
	  "zoe@contoso.com", "zoe.mueller@fourthcoffee.com" },
	/* not there */
	{ P, "nobody@contoso.com", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ P, "bob@fourthcoffee.com", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ T, "bob@contoso.com", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ P, "contoso.com", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ P, "", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ T, "", DIR_NOTFOUND, 0, NULL, NULL, NULL },
};

/* Checks one row's outcome in res; name says which table and row. */
static void
check_row(const struct lookup_row *r, int rc, const dir_result_t *res,
    const char *name)
{
	const dir_entry_t	*e = res->count > 0 ? &res->entries[0] : NULL;

	ck_assert_msg(rc == r->status && res->count == r->count,
	    "%s: %s(%s): got status %d count %zu, want %d count %zu", name,
	    r->by == P ? "by_proxy" : "by_target", r->key, rc, res->count,
	    r->status, r->count);
	if (e == NULL) {
		ck_assert_msg(res->entries == NULL, "%s: %s: entries left",
		    name, r->key);
		return;
	}
	ck_assert_msg(same(e->dn, r->dn) && same(e->primary, r->primary) &&
	    same(e->target, r->target),
	    "%s: %s(%s): got dn '%s' primary '%s' target '%s', "
	    "want '%s' '%s' '%s'", name, r->by == P ? "by_proxy" : "by_target",
	    r->key, S(e->dn), S(e->primary), S(e->target), S(r->dn),
	    S(r->primary), S(r->target));
}

START_TEST(test_contacts)
{
	const struct lookup_row	*r = &contacts_rows[_i];
	char			 err[ERRLEN] = "";
	directory_t		*d;
	dir_result_t		 res;
	int			 rc;

	d = open_ldif(tcheck_etc("contacts.ldif"), "proxyAddresses",
	    "targetAddress", err);
	ck_assert_msg(d != NULL, "contacts.ldif: %s", err);
	ck_assert_str_eq(directory_backend_name(d), "ldif");
	rc = lookup(d, r->by, r->key, &res);
	check_row(r, rc, &res, "contacts.ldif");
	dir_result_free(&res);
	directory_close(d);
}
END_TEST

/* The second entry of the ambiguous address, and that results are copies. */
START_TEST(test_contacts_shared)
{
	char		 err[ERRLEN] = "";
	directory_t	*d;
	dir_result_t	 res;

	d = open_ldif(tcheck_etc("contacts.ldif"), "proxyAddresses",
	    "targetAddress", err);
	ck_assert_msg(d != NULL, "contacts.ldif: %s", err);
	ck_assert_int_eq(lookup(d, P, "shared@contoso.com", &res), DIR_FOUND);
	ck_assert_uint_eq(res.count, 2);
	ck_assert_str_eq(res.entries[1].dn, USER("Shared Two"));
	ck_assert_str_eq(res.entries[1].primary, "shared2@contoso.com");
	ck_assert_ptr_null(res.entries[1].target);
	directory_close(d);		/* the result outlives the directory */
	ck_assert_str_eq(res.entries[0].dn, USER("Shared One"));
	dir_result_free(&res);
	ck_assert_ptr_null(res.entries);
	ck_assert_uint_eq(res.count, 0);
	dir_result_free(&res);		/* twice is harmless */
	dir_result_free(NULL);
	directory_close(NULL);
}
END_TEST

/* ---- (b) malformed files --------------------------------------------- */

static const struct bad_row {
	const char	*text;
	unsigned long	 line;		/* 0: "FILE: " with no line */
	const char	*want;		/* in the message, after FILE:LINE: */
} bad_rows[] = {
	{ "dn: cn=a,dc=x\nproxyAddresses:: !!!not-base64!!!\n",
	  2, "bad base64 value" },
	{ "version: 1\n\ndn: cn=a,dc=x\nobjectClass: top\n"
	  "this line has no colon\nproxyAddresses: a@x.com\n",
	  5, "line without ':'" },
	{ "dn: cn=a,dc=x\nproxyAddresses: SMTP:not an address\n",
	  1, "entry 'cn=a,dc=x': bad proxy address 'SMTP:not an address': " },
	{ "dn: cn=a,dc=x\nproxyAddresses: smtp:bob@\n",
	  1, "entry 'cn=a,dc=x': bad proxy address 'smtp:bob@': " },
	{ "dn: cn=a,dc=x\nproxyAddresses: bob\n",
	  1, "bad proxy address 'bob': " },
	{ "dn: cn=a,dc=x\nproxyAddresses: :a@x.com\n",
	  1, "bad proxy address ':a@x.com': " },
	/* "smtp:a<NUL>@x.com" */
	{ "dn: cn=a,dc=x\nproxyAddresses:: c210cDphAEB4LmNvbQ==\n",
	  1, "a NUL byte" },
	{ "dn: cn=a,dc=x\nproxyAddresses: SMTP:a@x.com\n"
	  "targetAddress: SMTP:a@y.com\ntargetAddress: SMTP:b@y.com\n",
	  1, "entry 'cn=a,dc=x': more than one targetAddress value" },
	{ "dn: cn=a,dc=x\nproxyAddresses: SMTP:a@x.com\n"
	  "proxyAddresses: SMTP:b@x.com\n",
	  1, "entry 'cn=a,dc=x': two primary addresses, 'a@x.com' and "
	  "'b@x.com'" },
	{ "dn: cn=a,dc=x\ntargetAddress: X400:c=US;a= ;p=X;\n",
	  1, "target address 'X400:c=US;a= ;p=X;' is not an SMTP address" },
	{ "dn: cn=a,dc=x\ntargetAddress: SMTP:a@@y.com\n",
	  1, "bad target address 'SMTP:a@@y.com': " },
	{ " cn: continued from nowhere\ndn: cn=a,dc=x\n",
	  1, "continuation line with nothing to continue" },
	{ "# a comment\n\n continued from nowhere\ndn: cn=a,dc=x\n",
	  3, "continuation line with nothing to continue" },
	{ "cn: a\nproxyAddresses: a@x.com\n",
	  1, "record without a dn: line" },
	{ "dn: cn=a,dc=x\nproxyAddresses: a@x.com\ndn: cn=b,dc=x\n"
	  "proxyAddresses: b@x.com\n",
	  1, "entry 'cn=a,dc=x': a second dn: line" },
	{ "dn: cn=a,dc=x\nchangetype: modify\nreplace: proxyAddresses\n"
	  "proxyAddresses: a@x.com\n-\n",
	  1, "entry 'cn=a,dc=x': a change record" },
	{ "dn: cn=a,dc=x\nchangetype: delete\n",
	  1, "a change record" },
	{ "dn: cn=a,dc=x\nchangetype: frobnicate\n",
	  1, "bad LDIF record" },
	/* the line is the bad record's, past comments and other records */
	{ "version: 1\n\n# one\ndn: cn=a,dc=x\nproxyAddresses: a@x.com\n\n\n"
	  "# two\n# two, again\n  continued comment\ndn: cn=b,dc=x\n"
	  "objectClass: top\nproxyAddresses: SMTP:b@x.com\n"
	  "proxyAddresses: SMTP:c@x.com\n\n",
	  11, "entry 'cn=b,dc=x': two primary addresses" },
	{ "dn: cn=a,dc=x\nproxyAddresses: a@x.com\n\n"
	  "dn: cn=b,dc=x\ndescription: a long\n  folded\n  value\n"
	  "proxyAddresses:: c210cDpi@x.com\n",
	  8, "bad base64 value" },
	{ "dn: cn=a,dc=x\r\nproxyAddresses: a@x.com\r\n\r\n"
	  "dn: cn=b,dc=x\r\nno colon\r\n",
	  5, "line without ':'" },
	/*
	 * What crashed libldap or the loader (issue 15): a record that is
	 * an old-style index line (ldif_read_record() returns a record it
	 * never wrote), first or after another; an empty attribute name or
	 * a "-" line as an entry's first attribute (libldap reads through
	 * NULL), anywhere else too.
	 */
	{ "1\n", 1, "a record begins with a digit" },
	{ "1", 1, "a record begins with a digit" },
	{ "1\n\n", 1, "a record begins with a digit" },
	{ "# c\n  c\n7\n", 3, "a record begins with a digit" },
	{ "dn: cn=a,dc=x\nproxyAddresses: a@x.com\n\n2\n\n", 4,
	  "a record begins with a digit" },
	{ "dn: cn=a,dc=x\nproxyAddresses: a@x.com\n\n3\ndn: cn=b,dc=x\n", 4,
	  "a record begins with a digit" },
	{ "dn: cn=a,dc=x\n: x\n", 2, "no attribute name before ':'" },
	{ "dn: cn=a,dc=x\n:: eA==\n", 2, "no attribute name before ':'" },
	{ "dn: cn=a,dc=x\n-\n", 2, "a '-' line" },
	{ "dn: cn=a,dc=x\nchangetype: add\n: x\n", 3,
	  "no attribute name before ':'" },
	{ "dn: cn=a,dc=x\nchangetype: add\n-\n", 3, "a '-' line" },
	{ "dn: cn=a,dc=x\ncn: a\n: x\n", 3, "no attribute name before ':'" },
	{ "dn: cn=a,dc=x\ncn: a\n-\ncn: b\n", 3, "a '-' line" },
	{ "version: 1\n\n# c\ndn: cn=a,dc=x\n: x\n", 5,
	  "no attribute name before ':'" },
	{ "dn: cn=a,dc=x\nproxyAddresses: a@x.com\n\ndn: cn=b,dc=x\n"
	  "-\n", 5, "a '-' line" },
	/* the dn "cn=a<LF>b<ESC>[2J,dc=x": the message stays one line of text */
	{ "dn:: Y249YQpiG1sySixkYz14\nproxyAddresses: SMTP:bob\n", 1,
	  "entry 'cn=a?b?[2J,dc=x': bad proxy address 'SMTP:bob': " },
};

START_TEST(test_bad)
{
	const struct bad_row	*r = &bad_rows[_i];
	char			 err[ERRLEN] = "", want[ERRLEN];
	const char		*path;
	directory_t		*d;

	path = tmpfile_with(r->text, strlen(r->text));
	d = open_ldif(path, "proxyAddresses", "targetAddress", err);
	unlink(path);
	ck_assert_msg(d == NULL, "row %d: loaded, want error '%s'", _i,
	    r->want);
	snprintf(want, sizeof(want), "%s:%lu: ", path, r->line);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0 &&
	    strstr(err, r->want) != NULL,
	    "row %d: got '%s', want '%s...%s'", _i, err, want, r->want);
}
END_TEST

/* A file that includes itself: refused, not opened until no fd is left. */
START_TEST(test_include_loop)
{
	char		 path[] = "/tmp/check_ldif.XXXXXX", text[256], want[512];
	char		 err[ERRLEN] = "";
	int		 fd, n;

	alarm(20);
	fd = mkstemp(path);
	ck_assert_msg(fd >= 0, "mkstemp");
	n = snprintf(text, sizeof(text), "dn: cn=a,dc=x\ncn: a\n\n"
	    "include: file://%s\n", path);
	ck_assert_msg(write(fd, text, (size_t)n) == n, "write");
	close(fd);
	ck_assert_ptr_null(open_ldif(path, "proxyAddresses", "targetAddress",
	    err));
	snprintf(want, sizeof(want), "%s:4: include: file://%s: includes "
	    "nested more than 16 deep", path, path);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
	    "got '%s', want '%s...'", err, want);
	unlink(path);
	alarm(0);
}
END_TEST

START_TEST(test_missing_file)
{
	char		 err[ERRLEN] = "";
	directory_t	*d;
	const char	*want = "/nonexistent/contacts.ldif: cannot open: "
			    "No such file or directory";

	d = open_ldif("/nonexistent/contacts.ldif", "proxyAddresses",
	    "targetAddress", err);
	ck_assert_ptr_null(d);
	ck_assert_msg(strcmp(err, want) == 0, "got '%s', want '%s'", err,
	    want);
}
END_TEST

START_TEST(test_directory_file)
{
	char		 err[ERRLEN] = "";
	const char	*want = "/: cannot open: a directory, not a regular file";

	ck_assert_ptr_null(open_ldif("/", "proxyAddresses", "targetAddress",
	    err));
	ck_assert_msg(strcmp(err, want) == 0, "got '%s', want '%s'", err,
	    want);
}
END_TEST

/* The ldap back-end (t/unit/check_ldap.c) refuses a config_t it cannot use. */
/*
 * An export, or a file it includes, that is not a regular file is refused
 * before libldap reads it: a FIFO would block the load for ever and
 * /dev/zero never ends.  "@F@" in a row stands for a FIFO, "@M@" for the
 * export (the row's text, or the path in main).
 */
static const struct {
	const char	*text;		/* NULL: load main itself */
	const char	*main;		/* NULL: the FIFO */
	const char	*want;
} irregular_rows[] = {
	{ NULL, NULL, "@F@: cannot open: a FIFO, not a regular file" },
	{ NULL, "/dev/zero",
	    "/dev/zero: cannot open: a character device, not a regular file" },
	{ "version: 1\n\ninclude: file://@F@\n", NULL,
	    "@M@:3: include: file://@F@: a FIFO, not a regular file" },
	{ "# one\ninclude: file:@F@\r\n", NULL,
	    "@M@:2: include: file:@F@: a FIFO, not a regular file" },
	{ "dn: cn=a,dc=x\ncn: a\n\nINCLUDE:  file:///dev/zero\n", NULL,
	    "@M@:4: include: file:///dev/zero: a character device, not a "
	    "regular file" },
	{ "include: file:///dev/%7aero\n", NULL,
	    "@M@:1: include: file:///dev/%7aero: a character device, not a "
	    "regular file" },
	/* a URL value is read whole by libldap: the same rule */
	{ "dn: cn=a,dc=x\ncn: a\ndescription:< file://@F@\n", NULL,
	    "@M@:3: description:< file://@F@: a FIFO, not a regular file" },
	{ "dn: cn=a,dc=x\nproxyAddresses:<file:///dev/zero\n", NULL,
	    "@M@:2: proxyAddresses:< file:///dev/zero: a character device, "
	    "not a regular file" },
	/* folded, in the second record, and the dn itself */
	{ "dn: cn=a,dc=x\ncn: a\n\ndn: cn=b,dc=x\ndescription:< file:///dev/\n"
	  " %7aero\n", NULL, "@M@:5: description:< file:///dev/%7aero: a "
	    "character device, not a regular file" },
	{ "version: 1\ndn:< file:@F@\n", NULL,
	    "@M@:2: dn:< file:@F@: a FIFO, not a regular file" },
};

START_TEST(test_irregular)
{
	char		 dir[] = "/tmp/check_ldif-XXXXXX";
	char		 fifo[64], main[64], text[512], want[1024];
	char		 err[ERRLEN] = "";

	alarm(20);		/* a regression hangs: fail, do not wait */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	if (irregular_rows[_i].text == NULL)
		snprintf(main, sizeof(main), "%s", irregular_rows[_i].main ?
		    irregular_rows[_i].main : fifo);
	else {
		tcheck_subst(irregular_rows[_i].text, fifo, "", "", text,
		    sizeof(text));
		snprintf(main, sizeof(main), "%s",
		    tmpfile_with(text, strlen(text)));
	}
	tcheck_subst(irregular_rows[_i].want, fifo, main, "", want,
	    sizeof(want));
	ck_assert_ptr_null(open_ldif(main, "proxyAddresses", "targetAddress",
	    err));
	ck_assert_msg(strcmp(err, want) == 0, "row %d: got '%s', want '%s'",
	    _i, err, want);
	if (irregular_rows[_i].text != NULL)
		unlink(main);
	unlink(fifo);
	rmdir(dir);
	alarm(0);
}
END_TEST

START_TEST(test_ldap_incomplete)
{
	config_t	 cfg;
	char		 err[ERRLEN] = "";

	memset(&cfg, 0, sizeof(cfg));
	cfg.directory.backend = BACKEND_LDAP;
	ck_assert_ptr_null(directory_open(&cfg, err, sizeof(err)));
	ck_assert_str_eq(err, "directory: incomplete ldap settings");
}
END_TEST

/* ---- files that load: edge cases of the format ----------------------- */

static const struct edge_row {
	const char	*text;
	int		 by;
	const char	*key;
	int		 status;
	size_t		 count;
} edge_rows[] = {
	{ "", P, "a@x.com", DIR_NOTFOUND, 0 },
	{ "\n\n\n", P, "a@x.com", DIR_NOTFOUND, 0 },
	{ "version: 1\n", P, "a@x.com", DIR_NOTFOUND, 0 },
	{ "# only a comment\n", P, "a@x.com", DIR_NOTFOUND, 0 },
	{ "dn: dc=x\nobjectClass: top\n", P, "a@x.com", DIR_NOTFOUND, 0 },
	/* no newline at the end */
	{ "dn: cn=a,dc=x\nproxyAddresses: a@x.com", P, "a@x.com",
	  DIR_FOUND, 1 },
	/* the same address three times in one entry counts once */
	{ "dn: cn=a,dc=x\nproxyAddresses: SMTP:a@x.com\n"
	  "proxyAddresses: smtp:A@X.com\nproxyAddresses: a@x.com\n",
	  P, "a@x.com", DIR_FOUND, 1 },
	/* the primary twice, in two spellings: still one primary */
	{ "dn: cn=a,dc=x\nproxyAddresses: SMTP:a@x.com\n"
	  "proxyAddresses: SMTP:A@x.com\n", P, "a@x.com", DIR_FOUND, 1 },
	/* a value folded in the middle, a comment inside the record */
	{ "dn: cn=a,dc=x\n# comment\nproxyAddresses: smtp:lo\n ng@x.com\n",
	  P, "long@x.com", DIR_FOUND, 1 },
	/* attribute lines of one attribute need not be together */
	{ "dn: cn=a,dc=x\nproxyAddresses: a@x.com\ncn: a\n"
	  "proxyAddresses: b@x.com\n", P, "b@x.com", DIR_FOUND, 1 },
	/* "changetype: add" and "version: 1" in the same record */
	{ "version: 1\ndn: cn=a,dc=x\nchangetype: add\n"
	  "proxyAddresses: a@x.com\n", P, "a@x.com", DIR_FOUND, 1 },
	/* a target only */
	{ "dn: cn=a,dc=x\ntargetAddress: smtp:T@y.com\n", T, "t@y.com",
	  DIR_FOUND, 1 },
	/* many blank lines between records, and a comment at the end */
	{ "dn: cn=a,dc=x\nproxyAddresses: a@x.com\n\n\n\n"
	  "dn: cn=b,dc=x\nproxyAddresses: a@x.com\n\n# end\n",
	  P, "a@x.com", DIR_FOUND, 2 },
	/* attribute names in any case */
	{ "DN: cn=a,dc=x\nPROXYADDRESSES: a@x.com\nTargetaddress: b@y.com\n",
	  T, "b@y.com", DIR_FOUND, 1 },
	/* an attribute with options is another attribute */
	{ "dn: cn=a,dc=x\nproxyAddresses;x-old: a@x.com\n", P, "a@x.com",
	  DIR_NOTFOUND, 0 },
	/* an overlong key is simply not there */
	{ "dn: cn=a,dc=x\nproxyAddresses: a@x.com\n", P,
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "@x.com", DIR_NOTFOUND, 0 },
};

START_TEST(test_edge)
{
	const struct edge_row	*r = &edge_rows[_i];
	char			 err[ERRLEN] = "";
	const char		*path;
	directory_t		*d;
	dir_result_t		 res;
	int			 rc;

	path = tmpfile_with(r->text, strlen(r->text));
	d = open_ldif(path, "proxyAddresses", "targetAddress", err);
	unlink(path);
	ck_assert_msg(d != NULL, "row %d: %s", _i, err);
	rc = lookup(d, r->by, r->key, &res);
	ck_assert_msg(rc == r->status && res.count == r->count,
	    "row %d: %s: got %d count %zu, want %d count %zu", _i, r->key,
	    rc, res.count, r->status, r->count);
	dir_result_free(&res);
	directory_close(d);
}
END_TEST

/* ---- (c) other attribute names --------------------------------------- */

static const struct lookup_row custom_rows[] = {
	{ P, "hana@example.org", DIR_FOUND, 1,
	  "uid=hana,ou=people,dc=example,dc=org",
	  NULL, "hana@elsewhere.example" },
	{ P, "hana.sato@example.org", DIR_FOUND, 1,
	  "uid=hana,ou=people,dc=example,dc=org",
	  NULL, "hana@elsewhere.example" },
	{ T, "hana@elsewhere.example", DIR_FOUND, 1,
	  "uid=hana,ou=people,dc=example,dc=org",
	  NULL, "hana@elsewhere.example" },
	{ P, "ivan@example.org", DIR_FOUND, 1,
	  "uid=ivan,ou=people,dc=example,dc=org", "ivan@example.org", NULL },
	/* proxyAddresses / targetAddress are not read under these names */
	{ P, "ignored@example.org", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ T, "ignored@elsewhere.example", DIR_NOTFOUND, 0, NULL, NULL, NULL },
};

START_TEST(test_custom)
{
	const struct lookup_row	*r = &custom_rows[_i];
	char			 err[ERRLEN] = "";
	directory_t		*d;
	dir_result_t		 res;
	int			 rc;

	d = open_ldif(tcheck_data("custom-attrs.ldif"), "mail",
	    "mailForwardingAddress", err);
	ck_assert_msg(d != NULL, "custom-attrs.ldif: %s", err);
	rc = lookup(d, r->by, r->key, &res);
	check_row(r, rc, &res, "custom-attrs.ldif");
	dir_result_free(&res);
	directory_close(d);
}
END_TEST

/* ---- (e) an ldifde export: "changetype: add", CRLF -------------------- */

static const struct lookup_row ldifde_rows[] = {
	{ P, "kim@contoso.com", DIR_FOUND, 1,
	  "CN=Kim Lutz,OU=Contacts,DC=contoso,DC=com", "kim@contoso.com",
	  "Kim.Lutz@fourthcoffee.com" },
	{ P, "kim.lutz.with.a.rather.long.local.part@research.department."
	  "contoso.com", DIR_FOUND, 1,
	  "CN=Kim Lutz,OU=Contacts,DC=contoso,DC=com", "kim@contoso.com",
	  "Kim.Lutz@fourthcoffee.com" },
	{ T, "kim.lutz@fourthcoffee.com", DIR_FOUND, 1,
	  "CN=Kim Lutz,OU=Contacts,DC=contoso,DC=com", "kim@contoso.com",
	  "Kim.Lutz@fourthcoffee.com" },
	{ P, "ming@contoso.com", DIR_FOUND, 1,
	  "CN=Lee Ming,OU=Users,DC=contoso,DC=com", "lee@contoso.com", NULL },
	{ P, "lee@contoso.com", DIR_FOUND, 1,
	  "CN=Lee Ming,OU=Users,DC=contoso,DC=com", "lee@contoso.com", NULL },
	{ P, "nobody@contoso.com", DIR_NOTFOUND, 0, NULL, NULL, NULL },
};

/*
 * Reads t/data/ldifde-export.ldif and writes it again with the line ends
 * asked for (crlf or not), whatever git did to the stored copy.
 */
static const char *
ldifde_copy(int crlf)
{
	FILE	*fp = fopen(tcheck_data("ldifde-export.ldif"), "r");
	char	 text[8192];
	size_t	 n = 0;
	int	 c;

	ck_assert_msg(fp != NULL, "%s", tcheck_data("ldifde-export.ldif"));
	while ((c = getc(fp)) != EOF && n < sizeof(text) - 2) {
		if (c == '\r')
			continue;
		if (c == '\n' && crlf)
			text[n++] = '\r';
		text[n++] = (char)c;
	}
	fclose(fp);
	return tmpfile_with(text, n);
}

START_TEST(test_ldifde)
{
	const struct lookup_row	*r = &ldifde_rows[_i];
	char			 err[ERRLEN] = "";
	const char		*path;
	directory_t		*d;
	dir_result_t		 res;
	int			 rc;

	for (int crlf = 0; crlf <= 1; crlf++) {
		path = ldifde_copy(crlf);
		d = open_ldif(path, "proxyAddresses", "targetAddress", err);
		unlink(path);
		ck_assert_msg(d != NULL, "ldifde-export.ldif (crlf %d): %s",
		    crlf, err);
		rc = lookup(d, r->by, r->key, &res);
		check_row(r, rc, &res, crlf ? "ldifde CRLF" : "ldifde LF");
		dir_result_free(&res);
		directory_close(d);
	}
}
END_TEST

/* The stored file itself loads too. */
START_TEST(test_ldifde_stored)
{
	char		 err[ERRLEN] = "";
	directory_t	*d;

	d = open_ldif(tcheck_data("ldifde-export.ldif"), "proxyAddresses",
	    "targetAddress", err);
	ck_assert_msg(d != NULL, "ldifde-export.ldif: %s", err);
	directory_close(d);
}
END_TEST

/* ---- dir_result_add() ------------------------------------------------ */

START_TEST(test_result_add)
{
	dir_result_t	 res = { .entries = NULL };

	ck_assert_int_eq(dir_result_add(&res, "cn=a", "a@x", NULL), 0);
	ck_assert_int_eq(dir_result_add(&res, "cn=b", NULL, "b@y"), 0);
	ck_assert_uint_eq(res.count, 2);
	ck_assert_str_eq(res.entries[0].dn, "cn=a");
	ck_assert_str_eq(res.entries[0].primary, "a@x");
	ck_assert_ptr_null(res.entries[0].target);
	ck_assert_ptr_null(res.entries[1].primary);
	ck_assert_str_eq(res.entries[1].target, "b@y");
	dir_result_free(&res);
	ck_assert_uint_eq(res.count, 0);
}
END_TEST

static Suite *
ldif_suite(void)
{
	Suite	*s = suite_create("ldif");
	TCase	*tc = tcase_create("ldif");

	tcase_add_loop_test(tc, test_contacts, 0, NELEM(contacts_rows));
	tcase_add_test(tc, test_contacts_shared);
	tcase_add_loop_test(tc, test_bad, 0, NELEM(bad_rows));
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_include_loop);
	tcase_add_test(tc, test_directory_file);
	tcase_add_loop_test(tc, test_irregular, 0, NELEM(irregular_rows));
	tcase_add_test(tc, test_ldap_incomplete);
	tcase_add_loop_test(tc, test_edge, 0, NELEM(edge_rows));
	tcase_add_loop_test(tc, test_custom, 0, NELEM(custom_rows));
	tcase_add_loop_test(tc, test_ldifde, 0, NELEM(ldifde_rows));
	tcase_add_test(tc, test_ldifde_stored);
	tcase_add_test(tc, test_result_add);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tcheck_run(ldif_suite());
}

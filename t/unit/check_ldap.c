/*
 * check_ldap.c - the ldap back-end against a real slapd, started by
 * t/ldap/run-check.sh (which sets T_CONF, T_TLS_CONF, T_LDAP_URI,
 * T_LDAP_DOWN, T_LDAP_TMP, T_LDAP_BIND_DN, T_LDAP_BIND_PASSWORD): lookups
 * and what they return, the entry rules on broken entries, filter
 * injection, servers down, failover, the
 * bind password file, configuration errors, and many threads on a small
 * pool, in the clear and with StartTLS.
 */
#include <sys/stat.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "directory.h"
#include "tcheck.h"

static const char *const status_names[] = { "TRYAGAIN", "NOTFOUND", "FOUND" };
#define STATUS_NAME(s)	status_names[(s) + 1]

struct lookup_row {
	int		 by_target;
	const char	*key;
	int		 status;
	size_t		 count;
	const char	*dn;		/* of the first entry */
	const char	*primary;
	const char	*target;
};

#define BOB	"cn=Bob Lee,ou=contacts,dc=contoso,dc=com"
#define ALICE	"cn=Alice Wong,ou=contacts,dc=contoso,dc=com"
#define CAROL	"cn=Carol Diaz,ou=users,dc=contoso,dc=com"
#define FRANK	"cn=Frank Moss,ou=contacts,dc=contoso,dc=com"
#define ZOE	"cn=Zo\xc3\xab M\xc3\xbcller,ou=contacts,dc=contoso,dc=com"

static const struct lookup_row lookup_rows[] = {
	/* proxy addresses: primary, secondary, any case */
	{ 0, "bob@contoso.com", DIR_FOUND, 1, BOB, "bob@contoso.com", "bob@fourthcoffee.com" },
	{ 0, "bob.lee@contoso.com", DIR_FOUND, 1, BOB, "bob@contoso.com", "bob@fourthcoffee.com" },
	{ 0, "BOB@Contoso.COM", DIR_FOUND, 1, BOB, "bob@contoso.com", "bob@fourthcoffee.com" },
	{ 0, "alice@contoso.com", DIR_FOUND, 1, ALICE, "alice@contoso.com", "Alice.Wong@fourthcoffee.com" },
	{ 0, "awong@contoso.com", DIR_FOUND, 1, ALICE, "alice@contoso.com", "Alice.Wong@fourthcoffee.com" },
	{ 0, "carol@sales.contoso.com", DIR_FOUND, 1, CAROL, "Carol.Diaz@sales.contoso.com", NULL },
	{ 0, "cdiaz@contoso.com", DIR_FOUND, 1, CAROL, "Carol.Diaz@sales.contoso.com", NULL },
	{ 0, "frank@sales.contoso.com", DIR_FOUND, 1, FRANK, "frank@sales.contoso.com", "frank@fourthcoffee.com" },
	{ 0, "zm@contoso.com", DIR_FOUND, 1, ZOE, "zoe@contoso.com", "zoe.mueller@fourthcoffee.com" },
	{ 0, "shared@contoso.com", DIR_FOUND, 2, NULL, NULL, NULL },
	/* twelve holders: the size limit (8) cuts the answer, still an answer */
	{ 0, "many@contoso.com", DIR_FOUND, 8, NULL, NULL, NULL },
	{ 0, "many7@contoso.com", DIR_FOUND, 1, "cn=Many 7,ou=users,dc=contoso,dc=com", "many7@contoso.com", NULL },
	/* missing entries, other types, the wrong attribute */
	{ 0, "nobody@contoso.com", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ 0, "bob@fourthcoffee.com", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ 0, "/o=fourthcoffee/ou=exchange/cn=recipients/cn=bob", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ 0, "c=us;a= ;p=contoso;o=sales;s=diaz;g=carol;", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ 0, "", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	/* targets */
	{ 1, "bob@fourthcoffee.com", DIR_FOUND, 1, BOB, "bob@contoso.com", "bob@fourthcoffee.com" },
	{ 1, "alice.wong@fourthcoffee.com", DIR_FOUND, 1, ALICE, "alice@contoso.com", "Alice.Wong@fourthcoffee.com" },
	{ 1, "FRANK@fourthcoffee.com", DIR_FOUND, 1, FRANK, "frank@sales.contoso.com", "frank@fourthcoffee.com" },
	{ 1, "nobody@fourthcoffee.com", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ 1, "bob@contoso.com", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	/* injection: every value is escaped, and re-checked */
	{ 0, "*", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ 0, "*@contoso.com", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ 0, "bob*", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ 0, "*bob@contoso.com", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ 0, "a)(proxyAddresses=*@contoso.com", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ 0, "bob@contoso.com)(objectClass=*", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ 0, "*)(|(objectClass=*", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ 0, "x\\2a@contoso.com", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ 0, "bob\\40contoso.com", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ 0, "\\2a", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ 0, "(", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ 0, ")", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ 0, "\\", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ 0, "smtp:bob@contoso.com", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ 0, "SMTP:bob@contoso.com", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ 1, "*", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	{ 1, "*@fourthcoffee.com", DIR_NOTFOUND, 0, NULL, NULL, NULL },
	/* and nothing broke */
	{ 0, "bob@contoso.com", DIR_FOUND, 1, BOB, "bob@contoso.com", "bob@fourthcoffee.com" },
};

static const char *
env(const char *name)
{
	const char	*v = getenv(name);

	ck_assert_msg(v != NULL && v[0] != '\0', "%s is not set: run me "
	    "with t/ldap/run-check.sh", name);
	return v;
}

static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

#define SHOW(s)	((s) != NULL ? (s) : "(null)")

/* Runs one row; returns NULL when it gave what it wants, else why not. */
static const char *
lookup_check(directory_t *dir, const struct lookup_row *row, char *why,
    size_t whylen)
{
	dir_result_t	 res;
	char		 err[512];
	int		 st;

	st = row->by_target ?
	    directory_by_target(dir, row->key, &res, err, sizeof(err)) :
	    directory_by_proxy(dir, row->key, &res, err, sizeof(err));
	if (st != row->status || res.count != row->count ||
	    (row->dn != NULL && (res.count == 0 ||
	    !same(res.entries[0].dn, row->dn) ||
	    !same(res.entries[0].primary, row->primary) ||
	    !same(res.entries[0].target, row->target)))) {
		snprintf(why, whylen, "%s '%s': got %s %zu [%s | %s | %s] "
		    "(%s), want %s %zu [%s | %s | %s]",
		    row->by_target ? "by_target" : "by_proxy", row->key,
		    STATUS_NAME(st), res.count,
		    res.count ? SHOW(res.entries[0].dn) : "",
		    res.count ? SHOW(res.entries[0].primary) : "",
		    res.count ? SHOW(res.entries[0].target) : "", err,
		    STATUS_NAME(row->status), row->count, SHOW(row->dn),
		    SHOW(row->primary), SHOW(row->target));
		dir_result_free(&res);
		return why;
	}
	dir_result_free(&res);
	return NULL;
}

/*
 * Writes a configuration whose ldap group is ldap_body, with dir_extra
 * (settings of the directory group, or "") after it; returns its path.
 */
static const char *
write_conf(const char *name, const char *ldap_body, const char *dir_extra)
{
	static char	 path[4096];
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/%s.conf", env("T_LDAP_TMP"), name);
	ck_assert((fp = fopen(path, "w")) != NULL);
	fprintf(fp, "directory = {\n  backend = \"ldap\";\n"
	    "  ldap = {\n    base = \"dc=contoso,dc=com\";\n    %s\n  };\n"
	    "  %s\n  cache = { entries = 0; };\n};\n"
	    "domains = ( { name = \"contoso.com\"; authority = "
	    "\"internal_relay\"; } );\n", ldap_body, dir_extra);
	ck_assert(fclose(fp) == 0);
	return path;
}

/* Writes a password file with content and mode; returns its path. */
static const char *
write_password(const char *name, const char *content, mode_t mode)
{
	static char	 path[4096];
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/%s", env("T_LDAP_TMP"), name);
	ck_assert((fp = fopen(path, "w")) != NULL);
	fputs(content, fp);
	ck_assert(fclose(fp) == 0);
	ck_assert(chmod(path, mode) == 0);
	return path;
}

START_TEST(test_lookups)
{
	char		 err[CONFIG_ERR_MAX], why[1024];
	config_t	*cfg = config_load(env("T_CONF"), err, sizeof(err));
	directory_t	*dir;

	ck_assert_msg(cfg != NULL, "%s", err);
	dir = directory_open(cfg, err, sizeof(err));
	ck_assert_msg(dir != NULL, "%s", err);
	ck_assert_str_eq(directory_backend_name(dir), "ldap");
	ck_assert_msg(directory_ping(dir, err, sizeof(err)) == 0, "%s", err);
	for (size_t i = 0; i < NELEM(lookup_rows); i++)
		ck_assert_msg(lookup_check(dir, &lookup_rows[i], why,
		    sizeof(why)) == NULL, "%s", why);
	/* a key too long to be an address */
	{
		char		 key[400];
		dir_result_t	 res;

		memset(key, 'a', sizeof(key) - 1);
		key[sizeof(key) - 1] = '\0';
		ck_assert_int_eq(directory_by_proxy(dir, key, &res, err,
		    sizeof(err)), DIR_NOTFOUND);
	}
	directory_close(dir);
	config_free(cfg);
}
END_TEST

/*
 * The entry rules (lib/directory/dir_entry.h) on a live directory, with
 * the broken entries t/ldap/run-check.sh adds.  An entry that holds the key answers
 * when only a secondary value of it is malformed (skipped), and fails the
 * lookup, naming its DN, when its answer would be wrong: a malformed
 * primary or target, two primaries, two targets.  An entry the server
 * returns that does not hold the key is dropped, whatever is wrong with
 * it.
 */
struct entry_row {
	const char	*target_attr;	/* NULL: targetAddress */
	int		 by_target;
	const char	*key;
	int		 status;
	const char	*primary;	/* DIR_FOUND: of the one entry */
	const char	*target;
	const char	*err_has;	/* DIR_TRYAGAIN: in the message */
};

#define BADDN(cn, ou)	"ldap: entry 'cn=" cn ",ou=" ou ",dc=contoso,dc=com': "

static const struct entry_row entry_rows[] = {
	/* malformed secondaries and other types are skipped */
	{ NULL, 0, "badsec@contoso.com", DIR_FOUND, "badsec@contoso.com", NULL,
	  NULL },
	/* a malformed primary: the entry's primary would be wrong */
	{ NULL, 0, "badprimary@contoso.com", DIR_TRYAGAIN, NULL, NULL,
	  BADDN("Bad Primary", "users") "bad proxy address 'SMTP:bad "
	  "primary@contoso.com': " },
	/* two primaries: already so before the shared rules */
	{ NULL, 0, "two1@contoso.com", DIR_TRYAGAIN, NULL, NULL,
	  BADDN("Two Primaries", "users") "two primary addresses, " },
	{ NULL, 0, "two2@contoso.com", DIR_TRYAGAIN, NULL, NULL,
	  BADDN("Two Primaries", "users") "two primary addresses, " },
	/* a malformed target, a target of another type */
	{ NULL, 0, "badtarget@contoso.com", DIR_TRYAGAIN, NULL, NULL,
	  BADDN("Bad Target", "contacts") "bad target address "
	  "'SMTP:bob@@fourthcoffee.com': " },
	{ NULL, 0, "x400target@contoso.com", DIR_TRYAGAIN, NULL, NULL,
	  BADDN("X400 Target", "contacts") "target address "
	  "'X400:c=US;a= ;p=FourthCoffee;s=Lee;' is not an SMTP address" },
	/* two targets ("mail" is multi-valued; targetAddress is not) */
	{ "mail", 0, "twotargets@contoso.com", DIR_TRYAGAIN, NULL, NULL,
	  BADDN("Two Targets", "contacts") "more than one mail value" },
	{ "mail", 1, "tt2@fourthcoffee.com", DIR_TRYAGAIN, NULL, NULL,
	  BADDN("Two Targets", "contacts") "more than one mail value" },
	{ NULL, 0, "twotargets@contoso.com", DIR_FOUND,
	  "twotargets@contoso.com", NULL, NULL },
	/* the server matches "spaced@contoso.com " (insignificant spaces),
	   mailswitch does not: dropped, its two primaries do not matter */
	{ NULL, 0, "spaced@contoso.com", DIR_NOTFOUND, NULL, NULL, NULL },
	{ NULL, 0, "sp1@contoso.com", DIR_TRYAGAIN, NULL, NULL,
	  BADDN("Spaced", "users") "two primary addresses, " },
	/* and the good entries still answer */
	{ NULL, 0, "bob@contoso.com", DIR_FOUND, "bob@contoso.com",
	  "bob@fourthcoffee.com", NULL },
	{ "mail", 0, "bob@contoso.com", DIR_FOUND, "bob@contoso.com", NULL,
	  NULL },
};

START_TEST(test_entry_rules)
{
	const struct entry_row	*row = &entry_rows[_i];
	char			 body[1024], extra[256] = "", err[CONFIG_ERR_MAX];
	config_t		*cfg;
	directory_t		*dir;
	dir_result_t		 res;
	int			 st;

	snprintf(body, sizeof(body), "uri = [ \"%s\" ]; timeout = 2.0;",
	    env("T_LDAP_URI"));
	if (row->target_attr != NULL)
		snprintf(extra, sizeof(extra), "target_attribute = \"%s\";",
		    row->target_attr);
	cfg = config_load(write_conf("entry", body, extra), err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	dir = directory_open(cfg, err, sizeof(err));
	ck_assert_msg(dir != NULL, "%s", err);
	st = row->by_target ?
	    directory_by_target(dir, row->key, &res, err, sizeof(err)) :
	    directory_by_proxy(dir, row->key, &res, err, sizeof(err));
	ck_assert_msg(st == row->status, "row %d %s: got %s (%s), want %s", _i,
	    row->key, STATUS_NAME(st), err, STATUS_NAME(row->status));
	if (st == DIR_FOUND)
		ck_assert_msg(res.count == 1 &&
		    same(res.entries[0].primary, row->primary) &&
		    same(res.entries[0].target, row->target),
		    "row %d %s: got %zu [%s | %s], want 1 [%s | %s]", _i,
		    row->key, res.count, SHOW(res.entries[0].primary),
		    SHOW(res.entries[0].target), SHOW(row->primary),
		    SHOW(row->target));
	if (row->err_has != NULL)
		ck_assert_msg(strstr(err, row->err_has) != NULL,
		    "row %d %s: got '%s', want '%s'", _i, row->key, err,
		    row->err_has);
	dir_result_free(&res);
	directory_close(dir);
	config_free(cfg);
}
END_TEST

/*
 * Servers that are down: open still works (the daemon starts), every
 * lookup is DIR_TRYAGAIN naming the server, never DIR_NOTFOUND; with a
 * good server after it, the answers come from that one.
 */
struct server_row {
	const char	*uris;		/* D: down, U: up, X: port 1 */
	int		 ping;		/* 0 or -1 */
	int		 status;	/* of bob@contoso.com */
	const char	*err_has;	/* in the message, or NULL */
};

static const struct server_row server_rows[] = {
	{ "D", -1, DIR_TRYAGAIN, "Can't contact LDAP server" },
	{ "DD", -1, DIR_TRYAGAIN, "Can't contact LDAP server" },
	{ "DU", 0, DIR_FOUND, NULL },
	{ "UD", 0, DIR_FOUND, NULL },
	{ "XDU", 0, DIR_FOUND, NULL },
};

START_TEST(test_servers)
{
	const char	*down = env("T_LDAP_DOWN"), *up = env("T_LDAP_URI");

	for (size_t i = 0; i < NELEM(server_rows); i++) {
		const struct server_row *row = &server_rows[i];
		char		 uris[512], body[1024], err[CONFIG_ERR_MAX];
		char		 rowname[600];
		config_t	*cfg;
		directory_t	*dir;
		dir_result_t	 res;
		int		 st;

		uris[0] = '\0';
		for (const char *p = row->uris; *p != '\0'; p++) {
			size_t	 len = strlen(uris);

			snprintf(uris + len, sizeof(uris) - len, "%s\"%s\"",
			    len ? ", " : "", *p == 'D' ? down : *p == 'U' ?
			    up : "ldap://127.0.0.1:1/");
		}
		snprintf(rowname, sizeof(rowname), "[%s]", uris);
		snprintf(body, sizeof(body), "uri = [ %s ]; timeout = 2.0;",
		    uris);
		cfg = config_load(write_conf("servers", body, ""), err, sizeof(err));
		ck_assert_msg(cfg != NULL, "%s: %s", rowname, err);
		dir = directory_open(cfg, err, sizeof(err));
		ck_assert_msg(dir != NULL, "%s: open: %s", rowname, err);
		ck_assert_msg(directory_ping(dir, err, sizeof(err)) == row->ping,
		    "%s: ping: got the other answer (%s)", rowname, err);
		for (int n = 0; n < 3; n++) {	/* and again: no sticky state */
			st = directory_by_proxy(dir, "bob@contoso.com", &res,
			    err, sizeof(err));
			ck_assert_msg(st == row->status, "%s: got %s (%s), "
			    "want %s", rowname, STATUS_NAME(st), err,
			    STATUS_NAME(row->status));
			if (row->err_has != NULL)
				ck_assert_msg(strstr(err, row->err_has) != NULL &&
				    strstr(err, down) != NULL, "%s: message "
				    "'%s' lacks '%s' or the URI", rowname, err,
				    row->err_has);
			dir_result_free(&res);
		}
		directory_close(dir);
		config_free(cfg);
	}
}
END_TEST

/*
 * The bind: the account's password from a file; what open, ping and a
 * lookup say; no message ever holds the password.
 */
struct bind_row {
	const char	*name;
	const char	*bind_dn;	/* NULL: none; "" : $T_LDAP_BIND_DN */
	const char	*content;	/* NULL: no file; P: the password */
	mode_t		 mode;
	int		 opens;
	int		 ping;
	const char	*err_has;
};

static const struct bind_row bind_rows[] = {
	{ "good", "", "P", 0600, 1, 0, NULL },
	{ "newline", "", "P\n", 0400, 1, 0, NULL },
	{ "two newlines", "", "P\n\n", 0600, 1, -1, "Invalid credentials" },
	{ "wrong", "", "not-P", 0600, 1, -1, "Invalid credentials" },
	{ "wrong dn", "cn=nobody,dc=contoso,dc=com", "P", 0600, 1, -1,
	  "Invalid credentials" },
	{ "mode 0644", "", "P", 0644, 0, 0, "readable by group or others" },
	{ "mode 0640", "", "P", 0640, 0, 0, "readable by group or others" },
	{ "mode 0604", "", "P", 0604, 0, 0, "readable by group or others" },
	{ "empty", "", "", 0600, 0, 0, "empty" },
	{ "newline only", "", "\n", 0600, 0, 0, "empty" },
	{ "no file", "", NULL, 0, 0, 0, "bind_password_file is empty" },
	{ "no dn", NULL, "P", 0600, 0, 0, "bind_dn is empty" },
	{ "anonymous", NULL, NULL, 0, 1, 0, NULL },
};

START_TEST(test_bind)
{
	const char	*secret = env("T_LDAP_BIND_PASSWORD");

	for (size_t i = 0; i < NELEM(bind_rows); i++) {
		const struct bind_row *row = &bind_rows[i];
		char		 body[8448], content[256], err[CONFIG_ERR_MAX];
		char		 dn[256] = "", file[4200] = "";
		config_t	*cfg;
		directory_t	*dir;
		dir_result_t	 res;
		int		 st;

		if (row->bind_dn != NULL)
			snprintf(dn, sizeof(dn), "bind_dn = \"%s\";",
			    row->bind_dn[0] ? row->bind_dn :
			    env("T_LDAP_BIND_DN"));
		if (row->content != NULL) {
			content[0] = '\0';
			for (const char *p = row->content; *p != '\0'; p++) {
				size_t	 len = strlen(content);

				if (*p == 'P')
					snprintf(content + len, sizeof(content) -
					    len, "%s", secret);
				else
					snprintf(content + len, sizeof(content) -
					    len, "%c", *p);
			}
			snprintf(file, sizeof(file), "bind_password_file = "
			    "\"%s\";", write_password("password", content,
			    row->mode));
		}
		snprintf(body, sizeof(body), "uri = [ \"%s\" ]; %s %s",
		    env("T_LDAP_URI"), dn, file);
		cfg = config_load(write_conf("bind", body, ""), err, sizeof(err));
		ck_assert_msg(cfg != NULL, "%s: %s", row->name, err);
		dir = directory_open(cfg, err, sizeof(err));
		ck_assert_msg((dir != NULL) == row->opens, "%s: open: got "
		    "%s (%s)", row->name, dir ? "a directory" : "NULL", err);
		ck_assert_msg(strstr(err, secret) == NULL, "%s: the message "
		    "holds the password: %s", row->name, err);
		if (dir == NULL) {
			ck_assert_msg(strstr(err, row->err_has) != NULL,
			    "%s: '%s' lacks '%s'", row->name, err,
			    row->err_has);
			config_free(cfg);
			continue;
		}
		st = directory_ping(dir, err, sizeof(err));
		ck_assert_msg(st == row->ping, "%s: ping gave %d (%s)",
		    row->name, st, err);
		ck_assert_msg(strstr(err, secret) == NULL, "%s: the message "
		    "holds the password: %s", row->name, err);
		st = directory_by_proxy(dir, "bob@contoso.com", &res, err,
		    sizeof(err));
		ck_assert_msg(st == (row->ping == 0 ? DIR_FOUND : DIR_TRYAGAIN),
		    "%s: lookup gave %s (%s)", row->name, STATUS_NAME(st), err);
		if (row->err_has != NULL)
			ck_assert_msg(strstr(err, row->err_has) != NULL,
			    "%s: '%s' lacks '%s'", row->name, err,
			    row->err_has);
		ck_assert_msg(strstr(err, secret) == NULL, "%s: the message "
		    "holds the password: %s", row->name, err);
		dir_result_free(&res);
		directory_close(dir);
		config_free(cfg);
	}
}
END_TEST

/*
 * Configurations that cannot work are refused at open, or already at load
 * (a path that is not a regular file, with FILE:LINE).
 */
struct conf_row {
	const char	*ldap_body;	/* after uri = [ the server ]; */
	int		 at_load;	/* refused by config_load already */
	const char	*err_has;
};

static const struct conf_row conf_rows[] = {
	{ "starttls = true; "
	  "tls_ca_file = \"/nonexistent/ca.pem\";", 0, "tls_ca_file" },
	{ "bind_password_file = \"/nonexistent/pw\"; "
	  "bind_dn = \"cn=x\";", 0, "cannot open" },
	{ "bind_password_file = \"/\"; bind_dn = \"cn=x\";", 1,
	  ":5: 'directory.ldap.bind_password_file' /: a directory, not a "
	  "regular file" },
	{ "starttls = true; tls_ca_file = \"/dev/zero\";", 1,
	  "'directory.ldap.tls_ca_file' /dev/zero: a character device" },
};

START_TEST(test_conf_errors)
{
	for (size_t i = 0; i < NELEM(conf_rows); i++) {
		char		 body[1024], err[CONFIG_ERR_MAX];
		config_t	*cfg;
		directory_t	*dir;

		snprintf(body, sizeof(body), "uri = [ \"%s\" ]; %s",
		    env("T_LDAP_URI"), conf_rows[i].ldap_body);
		cfg = config_load(write_conf("conf", body, ""), err, sizeof(err));
		if (conf_rows[i].at_load) {
			ck_assert_msg(cfg == NULL && strstr(err,
			    conf_rows[i].err_has) != NULL, "%s: got %s (%s), "
			    "want a refusal with '%s'", body, cfg ? "loaded" :
			    "refused", err, conf_rows[i].err_has);
			continue;
		}
		ck_assert_msg(cfg != NULL, "%s: %s", body, err);
		dir = directory_open(cfg, err, sizeof(err));
		ck_assert_msg(dir == NULL && strstr(err,
		    conf_rows[i].err_has) != NULL, "%s: got %s (%s), want an "
		    "error with '%s'", body, dir ? "a directory" : "NULL", err,
		    conf_rows[i].err_has);
		config_free(cfg);
	}
}
END_TEST

/* Many threads on a pool of two connections: every answer right. */
#define THREADS		8
#define ROUNDS		40

static directory_t	*shared_dir;

static void *
lookup_thread(void *arg)
{
	size_t		 t = (size_t)arg, bad = 0;
	char		 why[1024];

	for (size_t r = 0; r < ROUNDS; r++) {
		const struct lookup_row *row =
		    &lookup_rows[(t * 7 + r) % NELEM(lookup_rows)];

		if (lookup_check(shared_dir, row, why, sizeof(why)) != NULL) {
			fprintf(stderr, "thread %zu: %s\n", t, why);
			bad++;
		}
	}
	return (void *)bad;
}

/* _i: 0 in the clear ($T_CONF), 1 with StartTLS ($T_TLS_CONF). */
START_TEST(test_threads)
{
	char		 err[CONFIG_ERR_MAX];
	config_t	*cfg = config_load(env(_i ? "T_TLS_CONF" : "T_CONF"), err,
			    sizeof(err));
	pthread_t	 tid[THREADS];
	void		*bad;
	size_t		 total = 0;

	ck_assert_msg(cfg != NULL, "%s", err);
	shared_dir = directory_open(cfg, err, sizeof(err));
	ck_assert_msg(shared_dir != NULL, "%s", err);
	for (size_t t = 0; t < THREADS; t++)
		ck_assert(pthread_create(&tid[t], NULL, lookup_thread,
		    (void *)t) == 0);
	for (size_t t = 0; t < THREADS; t++) {
		ck_assert(pthread_join(tid[t], &bad) == 0);
		total += (size_t)bad;
	}
	ck_assert_msg(total == 0, "%s: %zu wrong answers of %d",
	    _i ? "StartTLS" : "clear", total, THREADS * ROUNDS);
	directory_close(shared_dir);
	config_free(cfg);
}
END_TEST

static Suite *
ldap_suite(void)
{
	Suite	*s = suite_create("ldap");
	TCase	*tc = tcase_create("slapd");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_lookups);
	tcase_add_loop_test(tc, test_entry_rules, 0, (int)NELEM(entry_rows));
	tcase_add_test(tc, test_servers);
	tcase_add_test(tc, test_bind);
	tcase_add_test(tc, test_conf_errors);
	tcase_add_loop_test(tc, test_threads, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);	/* as the daemon does (dir_ldap.h) */
	return tcheck_run(ldap_suite());
}

/*
 * check_tables.c - the tables mode (tables.h, tables_writer.h,
 * lmdb_table.h), against what the socketmap answers:
 *
 *   - Postfix with the tables decides as the socketmap: for every address
 *     of a list (each directory address of etc/contacts.ldif, the
 *     targets, unknown ones in every configured domain and subdomain,
 *     unconfigured ones), the tables are looked up as Postfix 3.7 looks
 *     them up (src/global/mail_addr_find.c: the address, then for access
 *     its domain and ".parent" domains and "local@", for virtual and
 *     generic "@domain", an "@domain" result given the local part), from
 *     the file as Postfix opens it (MDB_NOSUBDIR | MDB_NOLOCK, read-only,
 *     a shared fcntl() lock, the key with its NUL), and the answer must be
 *     the socketmap's (sockmap_reply()) for the same address: access's
 *     action or nothing (DUNNO), virtual's and generic's new address or
 *     nothing (the address itself);
 *   - the same with the copy past max_age (not found is try again), but
 *     the generic map, which keeps its rules (tables.h);
 *   - an update equals a full write: tables written for export A and
 *     brought up to date with export B hold exactly what a full write of
 *     B holds, for changes of every kind (a contact added, removed,
 *     retargeted; a chain's link changed, and an address a chain ended on
 *     that becomes a contact; an ambiguity made and undone; a mailbox user
 *     made a contact), and only the changed keys are logged;
 *   - what the writer refuses (a map that cannot hold the configuration)
 *     is refused at configuration load with FILE:LINE;
 *   - lmdb_table: the file appears with its first content; keys folded,
 *     key and value with Postfix's trailing NUL; a full map grows; a
 *     reader in another process, locking as Postfix does, never sees half
 *     a transaction.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "dir_index.h"
#include "dir_ldif.h"
#include "dir_view.h"
#include "directory.h"
#include "lmdb_table.h"
#include "sockmap.h"
#include "tables.h"
#include "tables_writer.h"
#include "tcheck.h"

/* ---- helpers: folders, files, configurations ---- */

static char	 tmpdir[256];

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/check_tables.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	char	 cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
write_file(const char *path, const char *text)
{
	FILE	*fp = fopen(path, "w");

	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(fputs(text, fp) >= 0, 1);
	ck_assert_int_eq(fclose(fp), 0);
}

/* A folder under tmpdir; returns its path (static buffer of the call). */
static const char *
folder(const char *name)
{
	static char	 path[4][512];
	static int	 next;
	char		*p = path[next++ % 4];

	snprintf(p, 512, "%s/%s", tmpdir, name);
	ck_assert(mkdir(p, 0755) == 0 || errno == EEXIST);
	return p;
}

/*
 * The configuration of the tests: the example's domains and more (a
 * wildcard internal_relay under an authoritative domain, a wildcard
 * authoritative domain), an exact outbound rule, LDIF ldif, tables in dir
 * with maps (a libconfig list) and extra lines.
 */
static config_t *
conf(const char *ldif, const char *dir, const char *maps, const char *extra,
    char *err, size_t errlen)
{
	char	 path[512];
	static char text[16384];

	snprintf(path, sizeof(path), "%s/mailswitch.conf", tmpdir);
	snprintf(text, sizeof(text),
	    "socket = \"\";\n"
	    "directory = { backend = \"ldif\"; ldif = { path = \"%s\"; }; };\n"
	    "domains = (\n"
	    "  { name = \"contoso.com\"; authority = \"internal_relay\"; "
	    "forward_to = \"legacy.contoso.com\"; },\n"
	    "  { name = \"sales.contoso.com\"; authority = \"authoritative\"; "
	    "canonicalize = true; },\n"
	    "  { name = \"*.sales.contoso.com\"; authority = \"internal_relay\"; },\n"
	    "  { name = \"*.corp.example\"; authority = \"authoritative\"; },\n"
	    "  { name = \"fourthcoffee.com\"; authority = \"external_relay\"; }\n"
	    ");\n"
	    "outbound = { clients = [ \"192.0.2.0/24\" ]; lookup = true;\n"
	    "  rules = ( { from = \"fourthcoffee.com\"; to = \"contoso.com\"; } ); };\n"
	    "tables = { path = \"%s\"; maps = %s; };\n%s",
	    ldif, dir, maps, extra);
	write_file(path, text);
	return config_load(path, err, errlen);
}

/* A snapshot of an LDIF export as its back-end gives it. */
static void
snapshot_of(directory_t *dir, int stale, dir_snapshot_t *snap)
{
	ck_assert_int_eq(directory_snapshot(dir, snap), 1);
	snap->stale = stale;
	if (stale)
		snprintf(snap->why, sizeof(snap->why), "older than max_age");
}

static directory_t *
open_ldif(const char *path)
{
	char	 err[CONFIG_ERR_MAX];
	void	*h = dir_ldif_open(path, "proxyAddresses", "targetAddress",
		    err, sizeof(err));

	ck_assert_msg(h != NULL, "%s", err);
	return directory_new(&dir_ldif_ops, h, err, sizeof(err));
}

/* ---- Postfix's side: the file as it opens it, the lookup order ---- */

struct pf_table {
	MDB_env	*env;
	MDB_dbi	 dbi;
	int	 fd;
};

static bool
pf_open(struct pf_table *t, const char *dir, const char *map)
{
	char	 path[600];
	MDB_txn	*txn;

	snprintf(path, sizeof(path), "%s/%s.lmdb", dir, map);
	if (access(path, R_OK) != 0)
		return false;
	ck_assert_int_eq(mdb_env_create(&t->env), 0);
	ck_assert_int_eq(mdb_env_open(t->env, path, MDB_NOSUBDIR |
	    MDB_NOLOCK | MDB_RDONLY, 0644), 0);
	ck_assert_int_eq(mdb_txn_begin(t->env, NULL, MDB_RDONLY, &txn), 0);
	ck_assert_int_eq(mdb_dbi_open(txn, NULL, 0, &t->dbi), 0);
	mdb_txn_abort(txn);
	ck_assert_int_eq(mdb_env_get_fd(t->env, &t->fd), 0);
	return true;
}

static void
pf_close(struct pf_table *t)
{
	if (t->env != NULL)
		mdb_env_close(t->env);
	t->env = NULL;
}

static void
pf_lock(int fd, short type)
{
	struct flock	 fl = { .l_type = type, .l_whence = SEEK_SET };

	while (fcntl(fd, F_SETLKW, &fl) == -1)
		ck_assert_int_eq(errno, EINTR);
}

/* One lookup as dict_lmdb does it: folded, with its NUL, under a lock. */
static bool
pf_get(struct pf_table *t, const char *key, char *out, size_t len)
{
	char	 k[600];
	MDB_txn	*txn;
	MDB_val	 kv, vv;
	int	 rc;

	snprintf(k, sizeof(k), "%s", key);
	for (char *p = k; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	kv.mv_data = k;
	kv.mv_size = strlen(k) + 1;
	pf_lock(t->fd, F_RDLCK);
	ck_assert_int_eq(mdb_txn_begin(t->env, NULL, MDB_RDONLY, &txn), 0);
	rc = mdb_get(txn, t->dbi, &kv, &vv);
	if (rc == 0) {
		ck_assert_msg(vv.mv_size > 0 &&
		    ((char *)vv.mv_data)[vv.mv_size - 1] == '\0',
		    "%s: a value without its NUL", key);
		snprintf(out, len, "%s", (char *)vv.mv_data);
	}
	mdb_txn_abort(txn);
	pf_lock(t->fd, F_UNLCK);
	ck_assert(rc == 0 || rc == MDB_NOTFOUND);
	return rc == 0;
}

/*
 * access as smtpd's check_mail_access() asks (MA_FIND_FULL |
 * MA_FIND_DOMAIN | MA_FIND_LOCALPART_AT, parent domains ".b.c" style):
 * the action, or "" for none.
 */
static void
pf_access(struct pf_table *t, const char *addr, char *out, size_t len)
{
	const char	*at = strrchr(addr, '@'), *d;
	char		 key[600];

	out[0] = '\0';
	if (pf_get(t, addr, out, len) || at == NULL)
		return;
	for (d = at + 1; *d != '\0'; d = strchr(d + 1, '.')) {
		if (pf_get(t, d, out, len))
			return;
		if (strchr(d + 1, '.') == NULL)
			break;
	}
	snprintf(key, sizeof(key), "%.*s@", (int)(at - addr), addr);
	if (!pf_get(t, key, out, len))
		out[0] = '\0';
}

/*
 * virtual or generic as mail_addr_map() asks (the address, then
 * "@domain"; an "@domain" result gets the local part): the new address,
 * or "" for none.
 */
static void
pf_map(struct pf_table *t, const char *addr, char *out, size_t len)
{
	const char	*at = strrchr(addr, '@');
	char		 v[600];

	out[0] = '\0';
	if (pf_get(t, addr, out, len) || at == NULL)
		return;
	if (pf_get(t, at, v, sizeof(v))) {
		size_t	 n = (size_t)(at - addr);

		ck_assert(n + strlen(v) < len);
		memcpy(out, addr, n);
		memcpy(out + n, v, strlen(v) + 1);
	}
}

/* ---- Postfix with the tables decides as the socketmap ---- */

/* The addresses of the comparison. */
static const char *const addresses[] = {
	/* every directory address of etc/contacts.ldif, and their targets */
	"bob@contoso.com", "Bob.Lee@Contoso.com", "alice@contoso.com",
	"awong@contoso.com", "Carol.Diaz@sales.contoso.com",
	"carol@sales.contoso.com", "cdiaz@contoso.com", "dan@contoso.com",
	"dan.park@contoso.com", "frank@sales.contoso.com", "erin@contoso.com",
	"erin.old@contoso.com", "loop1@contoso.com", "loop2@contoso.com",
	"self@contoso.com", "shared1@contoso.com", "shared2@contoso.com",
	"shared@contoso.com", "zoe@contoso.com", "zoe.mueller@contoso.com",
	"zm@contoso.com", "gina@sales.contoso.com", "g.ho@sales.contoso.com",
	"bob@fourthcoffee.com", "Alice.Wong@fourthcoffee.com",
	"frank@fourthcoffee.com", "erin@fourthcoffee.com",
	"zoe.mueller@fourthcoffee.com",
	/* unknown ones in every kind of domain */
	"nobody@contoso.com", "Nobody@Contoso.COM", "nobody@sales.contoso.com",
	"postmaster@sales.contoso.com", "x@eu.sales.contoso.com",
	"x@a.b.sales.contoso.com", "x@corp.example", "x@a.corp.example",
	"x@b.a.corp.example", "new@fourthcoffee.com", "x@legacy.contoso.com",
	"x@example.org", "x@sub.contoso.com", "someone@sales.contoso.com",
	/* a quoted local part (Postfix asks the quoted form first) */
	"\"a b\"@contoso.com", "\"a b\"@sales.contoso.com",
};

/* The data of a socketmap reply "OK data": data, or "" for NOTFOUND. */
static void
sm_answer(const config_t *cfg, directory_t *dir, const char *map,
    const char *addr, char *out, size_t len)
{
	sockmap_result_t	 res;
	char			 req[600];

	snprintf(req, sizeof(req), "%s %s", map, addr);
	sockmap_reply(cfg, dir, req, strlen(req), &res);
	out[0] = '\0';
	if (res.status == SOCKMAP_OK) {
		ck_assert(strlen(res.reply + 3) < len);
		memcpy(out, res.reply + 3, strlen(res.reply + 3) + 1);
	}
	else
		ck_assert_msg(res.status == SOCKMAP_NOTFOUND || res.status ==
		    SOCKMAP_TEMP, "%s: %s", req, res.reply);
}

/*
 * Compares the tables in dir (written for cfg) with the socketmap on
 * sm_dir, address by address; generic too when with_generic.
 */
static void
compare(const config_t *cfg, directory_t *sm_dir, const char *dir,
    bool with_generic)
{
	struct pf_table	 acc = { 0 }, vir = { 0 }, gen = { 0 };
	char		 want[600], got[600];

	ck_assert(pf_open(&acc, dir, "access"));
	ck_assert(pf_open(&vir, dir, "virtual"));
	ck_assert(pf_open(&gen, dir, "generic"));
	for (size_t i = 0; i < NELEM(addresses); i++) {
		const char	*a = addresses[i];
		char		 internal[600];

		/* Postfix's keys: external form, then internal form */
		snprintf(internal, sizeof(internal), "%s", a);
		if (a[0] == '"') {
			const char *q = strchr(a + 1, '"');

			snprintf(internal, sizeof(internal), "%.*s%s",
			    (int)(q - a - 1), a + 1, q + 1);
		}
		sm_answer(cfg, sm_dir, "access", internal, want, sizeof(want));
		pf_access(&acc, a, got, sizeof(got));
		if (strcmp(got, "DUNNO") == 0)
			got[0] = '\0';
		ck_assert_msg(strcmp(want, got) == 0,
		    "access %s: socketmap '%s', tables '%s'", a, want, got);

		sm_answer(cfg, sm_dir, "virtual", internal, want, sizeof(want));
		pf_map(&vir, a, got, sizeof(got));
		if (strcasecmp(got, a) == 0)
			got[0] = '\0';	/* itself: no change */
		ck_assert_msg(strcmp(want, got) == 0,
		    "virtual %s: socketmap '%s', tables '%s'", a, want, got);

		if (!with_generic)
			continue;
		sm_answer(cfg, sm_dir, "generic", internal, want, sizeof(want));
		pf_map(&gen, a, got, sizeof(got));
		if (strcasecmp(got, a) == 0)
			got[0] = '\0';
		ck_assert_msg(strcmp(want, got) == 0,
		    "generic %s: socketmap '%s', tables '%s'", a, want, got);
	}
	pf_close(&acc);
	pf_close(&vir);
	pf_close(&gen);
}

/* Writes the tables of cfg from dir's copy with a new writer. */
static void
write_all(const config_t *cfg, directory_t *dir, int stale)
{
	tables_writer_t	*w = tables_writer_new();
	dir_snapshot_t	 snap;
	tables_stats_t	 st;
	char		 err[CONFIG_ERR_MAX];

	snapshot_of(dir, stale, &snap);
	ck_assert_msg(tables_writer_sync(w, cfg, true, &snap, &st, NULL, NULL,
	    err, sizeof(err)) == 1, "%s", err);
	ck_assert(st.full);
	dir_index_release(snap.index);
	tables_writer_free(w);
}

START_TEST(test_as_socketmap)
{
	char		 err[CONFIG_ERR_MAX];
	const char	*dir = folder("tables");
	config_t	*cfg = conf(tcheck_etc("contacts.ldif"), dir,
			    "[ \"access\", \"virtual\", \"generic\" ]", "", err,
			    sizeof(err));
	directory_t	*ldif;

	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert((ldif = directory_open(cfg, err, sizeof(err))) != NULL);
	write_all(cfg, ldif, 0);
	compare(cfg, ldif, dir, true);
	directory_close(ldif);
	config_free(cfg);
}
END_TEST

START_TEST(test_as_socketmap_stale)
{
	char		 err[CONFIG_ERR_MAX];
	const char	*dir = folder("stale");
	config_t	*cfg;
	directory_t	*ldif, *view;
	dir_snapshot_t	 snap;
	struct pf_table	 acc = { 0 };
	char		 got[600];

	/* with accept too: try again is then "unchanged" */
	for (int accept = 0; accept < 2; accept++) {
		cfg = conf(tcheck_etc("contacts.ldif"), dir,
		    "[ \"access\", \"virtual\", \"generic\" ]", accept ?
		    "on_directory_error = \"accept\";\n" : "", err,
		    sizeof(err));
		ck_assert_msg(cfg != NULL, "%s", err);
		ck_assert((ldif = directory_open(cfg, err, sizeof(err))) !=
		    NULL);
		write_all(cfg, ldif, 1);
		snapshot_of(ldif, 1, &snap);
		view = dir_view_new(snap.index, 1, snap.why, err, sizeof(err));
		ck_assert_ptr_nonnull(view);
		compare(cfg, view, dir, false);
		ck_assert(pf_open(&acc, dir, "access"));
		pf_access(&acc, "nobody@sales.contoso.com", got, sizeof(got));
		ck_assert_str_eq(got, accept ? "DUNNO" :
		    "451 4.3.0 Temporary lookup failure");
		pf_close(&acc);
		directory_close(view);
		dir_index_release(snap.index);
		directory_close(ldif);
		config_free(cfg);
	}
}
END_TEST

/* ---- an update equals a full write ---- */

#define ENTRY(cn, ...)	"dn: cn=" cn ",dc=contoso,dc=com\n" __VA_ARGS__ "\n"
#define P(a)		"proxyAddresses: " a "\n"
#define T(a)		"targetAddress: " a "\n"

static const char export_a[] =
    ENTRY("Bob", P("SMTP:bob@contoso.com") P("smtp:bob.lee@contoso.com")
	P("X500:/o=Contoso/ou=Exchange/cn=Recipients/cn=bob")
	T("SMTP:bob@fourthcoffee.com"))
    ENTRY("Frank", P("SMTP:frank@sales.contoso.com") T("frank@fourthcoffee.com"))
    ENTRY("Erin", P("SMTP:erin@contoso.com") T("SMTP:erin.old@contoso.com"))
    ENTRY("Erin Old", P("SMTP:erin.old@contoso.com") T("SMTP:erin@fourthcoffee.com"))
    ENTRY("Hop", P("SMTP:hop@contoso.com") T("SMTP:later@contoso.com"))
    ENTRY("Dan", P("SMTP:dan@contoso.com") P("smtp:dan.park@contoso.com"))
    ENTRY("Gina", P("SMTP:gina@sales.contoso.com") P("smtp:shared@contoso.com"))
    ENTRY("Ivy", P("SMTP:ivy@contoso.com") P("smtp:shared@contoso.com"));

static const char export_b[] =
    /* bob: a secondary address removed, his target changed */
    ENTRY("Bob", P("SMTP:bob@contoso.com")
	P("X500:/o=Contoso/ou=Exchange/cn=Recipients/cn=robert")
	T("SMTP:robert@fourthcoffee.com"))
    /* frank: gone; erin.old: retargeted (erin@ follows the chain) */
    ENTRY("Erin", P("SMTP:erin@contoso.com") T("SMTP:erin.old@contoso.com"))
    ENTRY("Erin Old", P("SMTP:erin.old@contoso.com") T("SMTP:erin2@fourthcoffee.com"))
    /* later@contoso.com, where hop's chain ended, becomes a contact */
    ENTRY("Hop", P("SMTP:hop@contoso.com") T("SMTP:later@contoso.com"))
    ENTRY("Later", P("SMTP:later@contoso.com") T("SMTP:later@fourthcoffee.com"))
    /* dan: a mailbox user made a contact */
    ENTRY("Dan", P("SMTP:dan@contoso.com") P("smtp:dan.park@contoso.com")
	T("SMTP:dan@fourthcoffee.com"))
    /* shared@: no longer ambiguous */
    ENTRY("Gina", P("SMTP:gina@sales.contoso.com") P("smtp:shared@contoso.com"))
    /* ivy: an X500 address added, which no table holds */
    ENTRY("Ivy", P("SMTP:ivy@contoso.com")
	P("X500:/o=Contoso/ou=Exchange/cn=Recipients/cn=ivy@contoso.com"))
    /* a new contact in the authoritative domain, and an ambiguity made */
    ENTRY("New", P("SMTP:new@sales.contoso.com") P("smtp:twice@contoso.com")
	T("SMTP:new@fourthcoffee.com"))
    ENTRY("Other", P("SMTP:other@contoso.com") P("smtp:twice@contoso.com"));

/* Every key and value of a table, one "key\tvalue" a line. */
static void
dump(const char *dir, const char *map, char *out, size_t len)
{
	struct pf_table	 t = { 0 };
	MDB_txn		*txn;
	MDB_cursor	*c;
	MDB_val		 k, v;
	size_t		 n = 0;

	out[0] = '\0';
	if (!pf_open(&t, dir, map))
		return;
	ck_assert_int_eq(mdb_txn_begin(t.env, NULL, MDB_RDONLY, &txn), 0);
	ck_assert_int_eq(mdb_cursor_open(txn, t.dbi, &c), 0);
	while (mdb_cursor_get(c, &k, &v, n == 0 ? MDB_FIRST : MDB_NEXT) == 0) {
		n += (size_t)snprintf(out + n, len - n, "%.*s\t%.*s\n",
		    (int)k.mv_size, (char *)k.mv_data, (int)v.mv_size,
		    (char *)v.mv_data);
		ck_assert(n < len);
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	pf_close(&t);
}

struct logged {
	char	 keys[64][128];
	size_t	 n;
};

static void
log_key(const char *key, const tables_row_t *row, void *arg)
{
	struct logged	*l = arg;

	(void)row;
	ck_assert(l->n < NELEM(l->keys));
	snprintf(l->keys[l->n++], sizeof(l->keys[0]), "%s", key);
}

static bool
was_logged(const struct logged *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->keys[i], key) == 0)
			return true;
	return false;
}

START_TEST(test_update_is_full_write)
{
	char		 err[CONFIG_ERR_MAX], pa[600], pb[600];
	const char	*up = folder("update"), *full = folder("full");
	static char	 d1[16384], d2[16384];
	config_t	*cfg_up, *cfg_full;
	directory_t	*a, *b;
	dir_snapshot_t	 snap;
	tables_writer_t	*w;
	tables_stats_t	 st;
	struct logged	 logged = { .n = 0 };
	static const char *const changed[] = {
		"bob@contoso.com", "bob.lee@contoso.com", "frank@sales.contoso.com",
		"erin@contoso.com", "erin.old@contoso.com", "hop@contoso.com",
		"later@contoso.com", "dan@contoso.com", "dan.park@contoso.com",
		"shared@contoso.com", "new@sales.contoso.com",
		"twice@contoso.com", "other@contoso.com",
		"bob@fourthcoffee.com", "robert@fourthcoffee.com",
		"erin2@fourthcoffee.com", "dan@fourthcoffee.com",
		"frank@fourthcoffee.com", "erin@fourthcoffee.com",
		"later@fourthcoffee.com", "new@fourthcoffee.com",
	};

	snprintf(pa, sizeof(pa), "%s/a.ldif", tmpdir);
	snprintf(pb, sizeof(pb), "%s/b.ldif", tmpdir);
	write_file(pa, export_a);
	write_file(pb, export_b);
	a = open_ldif(pa);
	b = open_ldif(pb);
	cfg_up = conf(pa, up, "[ \"access\", \"virtual\", \"generic\" ]", "",
	    err, sizeof(err));
	ck_assert_msg(cfg_up != NULL, "%s", err);
	cfg_full = conf(pb, full, "[ \"access\", \"virtual\", \"generic\" ]",
	    "", err, sizeof(err));
	ck_assert_msg(cfg_full != NULL, "%s", err);

	/* A whole, then B as an update */
	w = tables_writer_new();
	snapshot_of(a, 0, &snap);
	ck_assert(tables_writer_sync(w, cfg_up, true, &snap, &st, log_key,
	    &logged, err, sizeof(err)) == 1);
	ck_assert(st.full && logged.n == 0);
	dir_index_release(snap.index);
	snapshot_of(a, 0, &snap);	/* the same copy: nothing to do */
	ck_assert(tables_writer_sync(w, cfg_up, false, &snap, &st, log_key,
	    &logged, err, sizeof(err)) == 0);
	dir_index_release(snap.index);
	snapshot_of(b, 0, &snap);
	ck_assert_msg(tables_writer_sync(w, cfg_up, false, &snap, &st,
	    log_key, &logged, err, sizeof(err)) == 1, "%s", err);
	ck_assert_msg(!st.full, "an update, not a full write");
	dir_index_release(snap.index);
	tables_writer_free(w);

	/* B whole, elsewhere */
	write_all(cfg_full, b, 0);
	for (int m = 0; m < TABLES_NMAPS; m++) {
		dump(up, tables_map_name((tables_map_t)m), d1, sizeof(d1));
		dump(full, tables_map_name((tables_map_t)m), d2, sizeof(d2));
		ck_assert_msg(strcmp(d1, d2) == 0, "%s: update\n%s\nfull "
		    "write\n%s", tables_map_name((tables_map_t)m), d1, d2);
		ck_assert_msg(strstr(d1, "x500:") == NULL, "%s holds an X500 "
		    "key:\n%s", tables_map_name((tables_map_t)m), d1);
	}
	/* and the changes logged are the keys that changed, no other */
	for (size_t i = 0; i < NELEM(changed); i++)
		ck_assert_msg(was_logged(&logged, changed[i]),
		    "%s not logged", changed[i]);
	ck_assert_msg(logged.n == NELEM(changed), "%zu keys logged, want %zu",
	    logged.n, NELEM(changed));
	ck_assert(!was_logged(&logged, "gina@sales.contoso.com"));
	directory_close(a);
	directory_close(b);
	config_free(cfg_up);
	config_free(cfg_full);
}
END_TEST

/* ---- what the maps cannot hold: refused at load ---- */

START_TEST(test_config_refusals)
{
	static const struct {
		const char	*maps;
		const char	*extra;	/* may hold its own directory */
		const char	*want;
	} rows[] = {
		{ "[ \"generic\" ]", "outbound = { rules = ( { from = "
		    "\"*.fourthcoffee.com\"; to = \"contoso.com\"; } ); };\n",
		    "'tables.maps' has generic, but the outbound rule from = "
		    "\"*.fourthcoffee.com\"" },
		{ "[ \"access\", \"virtual\" ]", "domains = ( { name = "
		    "\"*.x.example\"; authority = \"internal_relay\"; "
		    "forward_to = \"y.example\"; } );\n",
		    "'tables.maps' has virtual, but domain *.x.example" },
		{ "[ \"access\", \"access\" ]", "", "'tables.maps' names "
		    "'access' twice" },
		{ "[ ]", "", "'tables.maps' must name at least one" },
		{ "[ \"relocated\" ]", "", "bad map 'relocated'" },
		{ "[ \"access\" ]", "directory = { backend = \"ldap\"; };\n",
		    "'tables' are written from a copy of the whole directory" },
	};
	char	 err[CONFIG_ERR_MAX];

	for (size_t i = 0; i < NELEM(rows); i++) {
		char	 path[512], text[16384], dir[8192] = "";

		if (strstr(rows[i].extra, "directory =") == NULL)
			snprintf(dir, sizeof(dir), "directory = { backend = "
			    "\"ldif\"; ldif = { path = \"%s\"; }; };\n",
			    tcheck_etc("contacts.ldif"));
		snprintf(path, sizeof(path), "%s/refuse.conf", tmpdir);
		snprintf(text, sizeof(text), "socket = \"\";\n%s%stables = { "
		    "path = \"%s\"; maps = %s; };\n", dir, rows[i].extra,
		    tmpdir, rows[i].maps);
		write_file(path, text);
		ck_assert_msg(config_load(path, err, sizeof(err)) == NULL,
		    "row %zu loaded", i);
		ck_assert_msg(strstr(err, rows[i].want) != NULL &&
		    strncmp(err, path, strlen(path)) == 0 &&
		    err[strlen(path)] == ':', "row %zu: got '%s', want "
		    "FILE:LINE: ...%s", i, err, rows[i].want);
	}
	/* a folder that is not there */
	{
		char	 path[512], text[16384];

		snprintf(path, sizeof(path), "%s/nofolder.conf", tmpdir);
		snprintf(text, sizeof(text), "socket = \"\";\n"
		    "directory = { backend = \"ldif\"; ldif = { path = \"%s\"; "
		    "}; };\ntables = { path = \"%s/none\"; };\n",
		    tcheck_etc("contacts.ldif"), tmpdir);
		write_file(path, text);
		ck_assert(config_load(path, err, sizeof(err)) == NULL);
		ck_assert_msg(strstr(err, ":3: 'tables.path'") != NULL &&
		    strstr(err, "no such folder") != NULL, "%s", err);
	}
}
END_TEST

/* ---- lmdb_table ---- */

static int
put_many(lmdb_table_t *t, void *arg, char *err, size_t errlen)
{
	const int	*n = arg;
	static char	 value[1001];
	char		 key[64];

	memset(value, 'v', sizeof(value) - 1);
	for (int i = 0; i < *n; i++) {
		snprintf(key, sizeof(key), "Key%d@Example.ORG", i);
		if (lmdb_table_put(t, key, value, err, errlen) == -1)
			return -1;
	}
	return 0;
}

START_TEST(test_lmdb_table)
{
	char		 err[256], path[512], file[600], got[1100];
	lmdb_table_t	*t;
	struct pf_table	 pt = { 0 };
	struct stat	 st;
	int		 n = 20000;	/* 20 MB of values: past the first map */

	snprintf(path, sizeof(path), "%s/big", tmpdir);
	snprintf(file, sizeof(file), "%s.lmdb", path);
	t = lmdb_table_open(path, err, sizeof(err));
	ck_assert_msg(t != NULL, "%s", err);
	ck_assert_msg(stat(file, &st) == -1, "the file is there before its "
	    "first transaction");
	ck_assert_msg(lmdb_table_write(t, true, put_many, &n, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	ck_assert_uint_eq(lmdb_table_entries(t), 20000);
	lmdb_table_close(t);
	ck_assert(pf_open(&pt, tmpdir, "big"));
	ck_assert(pf_get(&pt, "KEY19999@example.org", got, sizeof(got)));
	ck_assert_uint_eq(strlen(got), 1000);
	ck_assert(!pf_get(&pt, "key20000@example.org", got, sizeof(got)));
	pf_close(&pt);
}
END_TEST

/* One generation: every key gets the value "g<N>". */
static int
put_generation(lmdb_table_t *t, void *arg, char *err, size_t errlen)
{
	const int	*g = arg;
	char		 key[64], value[32];

	snprintf(value, sizeof(value), "g%d", *g);
	for (int i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		if (lmdb_table_put(t, key, value, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/*
 * A reader in another process, as Postfix's: a shared lock and a read
 * transaction per look, the first and the last key in one transaction
 * (they were written in one); exits 0 when every look saw one
 * generation, not decreasing, and the last one at the end.
 */
static int
reader(const char *dir, int last)
{
	struct pf_table	 t = { 0 };
	MDB_txn		*txn;
	MDB_val		 k0 = { 3, "k0" }, k1 = { 6, "k1999" }, v0, v1;
	int		 seen = 0, g0, g1, looks = 0;

	if (!pf_open(&t, dir, "gen"))
		return 2;
	for (;;) {
		pf_lock(t.fd, F_RDLCK);
		if (mdb_txn_begin(t.env, NULL, MDB_RDONLY, &txn) != 0)
			return 3;
		if (mdb_get(txn, t.dbi, &k0, &v0) != 0 ||
		    mdb_get(txn, t.dbi, &k1, &v1) != 0)
			return 4;
		g0 = atoi((char *)v0.mv_data + 1);
		g1 = atoi((char *)v1.mv_data + 1);
		mdb_txn_abort(txn);
		pf_lock(t.fd, F_UNLCK);
		looks++;
		if (g0 != g1 || g0 < seen)
			return 5;
		seen = g0;
		if (seen == last)
			return looks > 1 ? 0 : 6;
	}
}

START_TEST(test_lmdb_reader)
{
	char		 err[256], path[512];
	lmdb_table_t	*t;
	pid_t		 pid;
	int		 g = 1, status, last = 200;

	snprintf(path, sizeof(path), "%s/gen", tmpdir);
	ck_assert_ptr_nonnull(t = lmdb_table_open(path, err, sizeof(err)));
	ck_assert(lmdb_table_write(t, true, put_generation, &g, err,
	    sizeof(err)) == 0);
	if ((pid = fork()) == 0) {
		alarm(60);
		_exit(reader(tmpdir, last));
	}
	ck_assert_int_gt(pid, 0);
	for (g = 2; g <= last; g++)
		ck_assert_msg(lmdb_table_write(t, false, put_generation, &g,
		    err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the reader saw half a transaction or no progress (status %d)",
	    status);
	lmdb_table_close(t);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("tables");
	TCase	*tc = tcase_create("tables");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_as_socketmap);
	tcase_add_test(tc, test_as_socketmap_stale);
	tcase_add_test(tc, test_update_is_full_write);
	tcase_add_test(tc, test_config_refusals);
	tcase_add_test(tc, test_lmdb_table);
	tcase_add_test(tc, test_lmdb_reader);
	suite_add_tcase(s, tc);
	return tcheck_run(s);
}

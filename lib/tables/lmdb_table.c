/*
 * lmdb_table.c - see lmdb_table.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "addr.h"
#include "lmdb_table.h"

#define LMDB_TABLE_MAP_MIN	(16UL * 1024 * 1024)	/* Postfix's default */
#define LMDB_TABLE_RETRIES	24	/* doublings of the map: 16 MiB .. 256 TiB */

struct lmdb_table {
	char		*path;		/* lmdb:path */
	char		*file;		/* path.lmdb */
	char		*tmp;		/* a new file until it is in place */
	MDB_env		*env;
	MDB_dbi		 dbi;
	MDB_txn		*txn;		/* within lmdb_table_write() */
	int		 fd;		/* the data file's, for the locks */
	size_t		 mapsize;
	bool		 full;		/* a write found the map full */
	bool		 emptied;	/* the transaction began empty */
};

/* fcntl() lock of the whole file: F_WRLCK, F_RDLCK or F_UNLCK, waiting. */
static int
lmdb_table_lock(int fd, short type)
{
	struct flock	 fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	while (fcntl(fd, F_SETLKW, &fl) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* The environment of file with the given map size, opened read-write. */
static int
lmdb_table_env(const char *file, size_t mapsize, MDB_env **envp)
{
	MDB_env	*env;
	int	 rc;

	*envp = NULL;
	if ((rc = mdb_env_create(&env)) != 0)
		return rc;
	if ((rc = mdb_env_set_mapsize(env, mapsize)) != 0 ||
	    (rc = mdb_env_open(env, file, MDB_NOSUBDIR | MDB_NOLOCK,
	    0644)) != 0) {
		mdb_env_close(env);
		return rc;
	}
	*envp = env;
	return 0;
}

/* Opens the main database of t->env into t->dbi.  Returns an LMDB code. */
static int
lmdb_table_dbi(lmdb_table_t *t)
{
	MDB_txn	*txn;
	int	 rc;

	if ((rc = mdb_txn_begin(t->env, NULL, 0, &txn)) != 0)
		return rc;
	if ((rc = mdb_dbi_open(txn, NULL, 0, &t->dbi)) != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	return mdb_txn_commit(txn);
}

/*
 * Puts a new table in place once its first transaction is committed:
 * its name appears with its content, so that no reader opens a file in
 * the making or an empty table.  Returns 0, or -1 with err set.
 */
static int
lmdb_table_place(lmdb_table_t *t, char *err, size_t errlen)
{
	if (t->tmp == NULL)
		return 0;
	if (chmod(t->tmp, 0644) == -1 || rename(t->tmp, t->file) == -1) {
		snprintf(err, errlen, "%s: cannot put it in place: %s", t->file,
		    strerror(errno));
		return -1;
	}
	free(t->tmp);
	t->tmp = NULL;
	return 0;
}

lmdb_table_t *
lmdb_table_open(const char *path, char *err, size_t errlen)
{
	lmdb_table_t	*t;
	struct stat	 st;
	size_t		 n = strlen(path) + sizeof(".lmdb");
	int		 rc;

	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->path = strdup(path)) == NULL ||
	    (t->file = malloc(n)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		lmdb_table_close(t);
		return NULL;
	}
	snprintf(t->file, n, "%s.lmdb", path);
	t->fd = -1;
	t->mapsize = LMDB_TABLE_MAP_MIN;
	if (stat(t->file, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "%s: not a regular file",
			    t->file);
			lmdb_table_close(t);
			return NULL;
		}
		/* room for what is there and as much again */
		while (t->mapsize < 2 * (size_t)st.st_size &&
		    t->mapsize < SIZE_MAX / 4)
			t->mapsize *= 2;
	}
	rc = stat(t->file, &st) == 0 ? lmdb_table_env(t->file, t->mapsize,
	    &t->env) : ENOENT;
	if (rc == ENOENT || rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH) {
		/* a new file, under another name until it has its content */
		n = strlen(t->file) + 32;
		if ((t->tmp = malloc(n)) == NULL) {
			snprintf(err, errlen, "%s: out of memory", path);
			lmdb_table_close(t);
			return NULL;
		}
		snprintf(t->tmp, n, "%s.new.%ld", t->file, (long)getpid());
		(void)unlink(t->tmp);
		rc = lmdb_table_env(t->tmp, t->mapsize, &t->env);
	}
	if (rc == 0)
		rc = lmdb_table_dbi(t);
	if (rc == 0)
		rc = mdb_env_get_fd(t->env, &t->fd);
	if (rc != 0) {
		snprintf(err, errlen, "%s: cannot open: %s", t->tmp != NULL ?
		    t->tmp : t->file, mdb_strerror(rc));
		lmdb_table_close(t);
		return NULL;
	}
	return t;
}

void
lmdb_table_close(lmdb_table_t *t)
{
	if (t == NULL)
		return;
	if (t->txn != NULL)
		mdb_txn_abort(t->txn);
	if (t->env != NULL)
		mdb_env_close(t->env);
	if (t->tmp != NULL)
		(void)unlink(t->tmp);
	free(t->tmp);
	free(t->path);
	free(t->file);
	free(t);
}

const char *
lmdb_table_path(const lmdb_table_t *t)
{
	return t->path;
}

/*
 * Copies s, folded, into buf (size len) as an LMDB value of strlen + 1
 * octets: Postfix's trailing NUL.  Returns 0, or -1 when it is too long.
 */
static int
lmdb_table_key(const char *s, char *buf, size_t len, MDB_val *v)
{
	size_t	 n = strlen(s);

	if (n == 0 || n >= len)
		return -1;
	memcpy(buf, s, n + 1);
	addr_fold(buf);
	v->mv_data = buf;
	v->mv_size = n + 1;
	return 0;
}

int
lmdb_table_put(lmdb_table_t *t, const char *key, const char *value,
    char *err, size_t errlen)
{
	char	 kbuf[LMDB_TABLE_KEY_MAX + 1];
	MDB_val	 k, v, old;
	size_t	 vlen = strlen(value);
	int	 rc;

	if (lmdb_table_key(key, kbuf, sizeof(kbuf), &k) == -1 ||
	    vlen > LMDB_TABLE_VALUE_MAX) {
		snprintf(err, errlen, "%s: key or value too long: %.80s",
		    t->file, key);
		return -1;
	}
	if (!t->emptied && mdb_get(t->txn, t->dbi, &k, &old) == 0 &&
	    old.mv_size == vlen + 1 && memcmp(old.mv_data, value, vlen + 1) == 0)
		return 1;
	v.mv_data = (void *)(uintptr_t)value;
	v.mv_size = vlen + 1;
	if ((rc = mdb_put(t->txn, t->dbi, &k, &v, 0)) != 0) {
		snprintf(err, errlen, "%s: cannot write %.80s: %s", t->file,
		    key, mdb_strerror(rc));
		t->full = rc == MDB_MAP_FULL;
		return -1;
	}
	return 0;
}

int
lmdb_table_del(lmdb_table_t *t, const char *key, char *err, size_t errlen)
{
	char	 kbuf[LMDB_TABLE_KEY_MAX + 1];
	MDB_val	 k;
	int	 rc;

	if (lmdb_table_key(key, kbuf, sizeof(kbuf), &k) == -1)
		return 1;	/* never written */
	if ((rc = mdb_del(t->txn, t->dbi, &k, NULL)) == MDB_NOTFOUND)
		return 1;
	if (rc != 0) {
		snprintf(err, errlen, "%s: cannot remove %.80s: %s", t->file,
		    key, mdb_strerror(rc));
		t->full = rc == MDB_MAP_FULL;
		return -1;
	}
	return 0;
}

int
lmdb_table_get(lmdb_table_t *t, const char *key, char *value, size_t len,
    char *err, size_t errlen)
{
	char	 kbuf[LMDB_TABLE_KEY_MAX + 1];
	MDB_val	 k, v;
	int	 rc;

	if (lmdb_table_key(key, kbuf, sizeof(kbuf), &k) == -1)
		return 0;
	if ((rc = mdb_get(t->txn, t->dbi, &k, &v)) == MDB_NOTFOUND)
		return 0;
	if (rc != 0) {
		snprintf(err, errlen, "%s: cannot read %.80s: %s", t->file,
		    key, mdb_strerror(rc));
		return -1;
	}
	if (len > 0) {
		size_t	 n = v.mv_size < len ? v.mv_size : len - 1;

		memcpy(value, v.mv_data, n);
		value[n] = '\0';	/* the stored NUL, or a cut */
	}
	return 1;
}

/*
 * One attempt: the transaction, fn, the commit.  Returns 0, -1 (err
 * set), or -2 when the map is full (err set; the caller grows it).
 */
static int
lmdb_table_attempt(lmdb_table_t *t, bool replace_all, lmdb_table_fn fn,
    void *arg, char *err, size_t errlen)
{
	int	 rc, r;

	t->full = false;
	t->emptied = replace_all;
	if ((rc = mdb_txn_begin(t->env, NULL, 0, &t->txn)) != 0) {
		snprintf(err, errlen, "%s: cannot begin a transaction: %s",
		    t->file, mdb_strerror(rc));
		t->txn = NULL;
		return rc == MDB_MAP_FULL ? -2 : -1;
	}
	if (replace_all && (rc = mdb_drop(t->txn, t->dbi, 0)) != 0) {
		snprintf(err, errlen, "%s: cannot empty: %s", t->file,
		    mdb_strerror(rc));
		r = rc == MDB_MAP_FULL ? -2 : -1;
	} else if ((r = fn(t, arg, err, errlen)) != 0 && t->full)
		r = -2;
	if (r != 0) {
		mdb_txn_abort(t->txn);
		t->txn = NULL;
		return r == -2 ? -2 : -1;
	}
	rc = mdb_txn_commit(t->txn);
	t->txn = NULL;
	if (rc != 0) {
		snprintf(err, errlen, "%s: cannot commit: %s", t->file,
		    mdb_strerror(rc));
		return rc == MDB_MAP_FULL ? -2 : -1;
	}
	return 0;
}

int
lmdb_table_write(lmdb_table_t *t, bool replace_all, lmdb_table_fn fn,
    void *arg, char *err, size_t errlen)
{
	int	 r = -1, rc;

	/*
	 * Exclusive: no lookup is under way, so none reads a state older
	 * than the last commit; then shared, as postmap does, so that the
	 * lookups go on (and another writer waits) while this one writes.
	 */
	if (lmdb_table_lock(t->fd, F_WRLCK) == -1 ||
	    lmdb_table_lock(t->fd, F_RDLCK) == -1) {
		snprintf(err, errlen, "%s: cannot lock: %s", t->file,
		    strerror(errno));
		return -1;
	}
	for (int i = 0; i < LMDB_TABLE_RETRIES; i++) {
		if ((r = lmdb_table_attempt(t, replace_all, fn, arg, err,
		    errlen)) != -2)
			break;
		if (t->mapsize > SIZE_MAX / 2 ||
		    (rc = mdb_env_set_mapsize(t->env, t->mapsize * 2)) != 0) {
			snprintf(err, errlen, "%s: full, and the map cannot "
			    "grow past %zu octets", t->file, t->mapsize);
			r = -1;
			break;
		}
		t->mapsize *= 2;
	}
	if (r == -2)
		r = -1;
	(void)lmdb_table_lock(t->fd, F_UNLCK);
	if (r == 0 && lmdb_table_place(t, err, errlen) == -1)
		r = -1;
	return r;
}

size_t
lmdb_table_entries(lmdb_table_t *t)
{
	MDB_txn		*txn;
	MDB_stat	 st;
	size_t		 n = 0;

	if (mdb_txn_begin(t->env, NULL, MDB_RDONLY, &txn) != 0)
		return 0;
	if (mdb_stat(txn, t->dbi, &st) == 0)
		n = st.ms_entries;
	mdb_txn_abort(txn);
	return n;
}

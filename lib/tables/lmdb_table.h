/*
 * lmdb_table.h - one Postfix lmdb: table file (lmdb_table(5)), written
 * the way Postfix's own postmap(1) writes one, so that Postfix's daemons
 * read it while it changes and never see half a change.
 *
 * What Postfix 3.7 does (src/util/dict_lmdb.c, slmdb.c), and so this file:
 *   - the table "lmdb:PATH" is the single file PATH.lmdb, opened with
 *     MDB_NOSUBDIR | MDB_NOLOCK: no lock file and no reader table, so the
 *     writer and the readers coordinate with fcntl() locks on the file;
 *   - a reader holds a shared lock around each lookup (a read transaction
 *     of its own, on the newest committed state);
 *   - a writer takes an exclusive lock, which waits until no lookup is
 *     under way -- none then reads an older state whose pages the writer
 *     may reuse -- then downgrades it to shared for its transaction, as
 *     postmap does, so that lookups go on (from the state before the
 *     commit) while it writes; a second writer waits;
 *   - keys and values carry one trailing NUL (Postfix's default on
 *     Linux: its readers try that first, and keep to it once found), and
 *     keys are folded to lower case (its maps are opened with
 *     DICT_FLAG_FOLD_FIX);
 *   - the map size grows when the file is full (MDB_MAP_FULL: doubled and
 *     the transaction done again); readers take the new size from the
 *     file (MDB_MAP_RESIZED).
 * A Postfix daemon keeps its table open; LMDB's tables are marked
 * multi-writer, so a change of the file does not make it restart, and
 * each lookup sees the last committed transaction.  A file replaced by a
 * rename would make it restart (its open file has no name left): this
 * module renames only to create a file that did not exist (or was no LMDB
 * file), after its first transaction: it appears with its content.
 *
 * One lmdb_table_t belongs to one thread.
 */
#ifndef MAILSWITCH_LMDB_TABLE_H
#define MAILSWITCH_LMDB_TABLE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct lmdb_table lmdb_table_t;

/* The longest key and value this module writes (LMDB's key limit: 511). */
#define LMDB_TABLE_KEY_MAX	500
#define LMDB_TABLE_VALUE_MAX	1024

/*
 * Opens the table lmdb:path (the file path.lmdb).  When that does not
 * exist or is no LMDB file, a new one is made under another name and
 * renamed to path.lmdb (mode 0644) by the first lmdb_table_write() that
 * commits.  Returns the handle (free with lmdb_table_close(), which
 * removes a new file never put in place), or NULL with a message in err.
 */
lmdb_table_t *lmdb_table_open(const char *path, char *err, size_t errlen);

/* Closes the table; NULL is a no-op. */
void	lmdb_table_close(lmdb_table_t *t);

/*
 * The work of one write transaction: calls lmdb_table_put(),
 * lmdb_table_del() and lmdb_table_get() on t; returns 0, or -1 with a
 * message in err (the transaction is then not committed).  It may be
 * called more than once for one lmdb_table_write() (after MDB_MAP_FULL):
 * it must do the same work each time.
 */
typedef int (*lmdb_table_fn)(lmdb_table_t *t, void *arg, char *err,
	    size_t errlen);

/*
 * Runs fn in one write transaction on t under the lock protocol above
 * and commits it: the readers see all of it or none.  With replace_all,
 * the table is emptied first in the same transaction (a full write).
 * Returns 0, or -1 with a message in err (nothing changed).
 */
int	lmdb_table_write(lmdb_table_t *t, bool replace_all, lmdb_table_fn fn,
	    void *arg, char *err, size_t errlen);

/*
 * Within fn: sets key (folded here) to value.  Returns 0, 1 when key
 * already had exactly that value (nothing written), or -1 with a message
 * in err (fn then returns -1; when the map was full, lmdb_table_write()
 * grows it and calls fn again).
 */
int	lmdb_table_put(lmdb_table_t *t, const char *key, const char *value,
	    char *err, size_t errlen);

/*
 * Within fn: removes key (folded here).  Returns 0, 1 when it was not
 * there, or -1 with a message in err.
 */
int	lmdb_table_del(lmdb_table_t *t, const char *key, char *err,
	    size_t errlen);

/*
 * Within fn: the value of key (folded here) in the transaction, into
 * value (size len).  Returns 1 when found, 0 when not, or -1 with a
 * message in err.
 */
int	lmdb_table_get(lmdb_table_t *t, const char *key, char *value,
	    size_t len, char *err, size_t errlen);

/* Returns the entries of the table as last committed (0 on error). */
size_t	lmdb_table_entries(lmdb_table_t *t);

/* Returns the table's path (without ".lmdb"); it belongs to t. */
const char *lmdb_table_path(const lmdb_table_t *t);

#endif /* MAILSWITCH_LMDB_TABLE_H */

/*
 * tables_writer.h - keeps the lmdb: tables of tables.h current with the
 * directory's copy (directory_snapshot()): the tables mode's writer.
 *
 * The first time, after a new configuration, and whenever the copy
 * crosses its max_age (not found becomes try again, or back), every
 * table is written whole, in place, in one transaction each (emptied and
 * filled: Postfix's lookups see the old content until the commit, then
 * the new).  After that, each new copy is compared with the one last
 * written (dir_index_diff()) and only the keys whose answer may have
 * changed are decided again: the keys that changed, and the keys whose
 * decision read one of them (a contact chain through a changed address;
 * the writer remembers which keys each decision read).  Their entries
 * are put or removed in one transaction per table, virtual first, then
 * access, then generic, each only when its value changed.
 *
 * A writer belongs to one thread.
 */
#ifndef MAILSWITCH_TABLES_WRITER_H
#define MAILSWITCH_TABLES_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "directory.h"
#include "tables.h"

typedef struct tables_writer tables_writer_t;

/* What one tables_writer_sync() did. */
typedef struct tables_stats {
	bool		 full;			/* every table written whole */
	size_t		 decided;		/* directory keys decided */
	size_t		 changed[TABLES_NMAPS];	/* entries put or removed */
	size_t		 entries[TABLES_NMAPS];	/* entries now (0: map off) */
	int64_t		 ms;			/* how long it took */
} tables_stats_t;

/*
 * Called by tables_writer_sync() once for every directory key whose
 * entries changed in an update (not in a full write), with the decision
 * they come from: for the log.
 */
typedef void (*tables_change_fn)(const char *key, const tables_row_t *row,
	    void *arg);

/* Returns a writer with nothing written yet, or NULL: out of memory. */
tables_writer_t *tables_writer_new(void);

/* Closes the tables and frees the writer; NULL is a no-op. */
void	tables_writer_free(tables_writer_t *w);

/*
 * Brings the tables of cfg->tables (the folder, the maps) up to date with
 * snap, as above; new_config says that cfg is not the configuration of
 * the last call (a reload).  Returns 1 with st filled when it wrote, 0
 * when the tables were current already, or -1 with a message in err:
 * then what a transaction did not commit is as it was, and the next call
 * writes every table whole.
 */
int	tables_writer_sync(tables_writer_t *w, const config_t *cfg,
	    bool new_config, const dir_snapshot_t *snap, tables_stats_t *st,
	    tables_change_fn fn, void *arg, char *err, size_t errlen);

#endif /* MAILSWITCH_TABLES_WRITER_H */

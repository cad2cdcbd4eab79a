/*
 * tables_thread.h - the tables mode's front end (README "Tables mode"):
 * a thread that keeps Postfix's own lmdb: tables (lib/tables/tables.h) current
 * with the directory's copy of the running configuration, so that
 * Postfix decides in-process, as mailswitch would.
 *
 * Every TABLES_THREAD_TICK_MS it looks at the running generation
 * (runtime.h): with tables.path set and a copy to write from
 * (directory_snapshot(): the LDIF export, or the replica once loaded), it
 * brings the tables up to date (tables_writer.h): whole after a start, a
 * reload or a max_age crossing, else the keys that changed.  Each write
 * is logged in one line, each changed key in one line more (at most
 * TABLES_THREAD_LOG_KEYS a write), a failure as a warning (tried again
 * after TABLES_THREAD_RETRY_MS); the metrics mailswitch_tables_* count
 * them.  With tables.path "" it does nothing.
 */
#ifndef MAILSWITCH_TABLES_THREAD_H
#define MAILSWITCH_TABLES_THREAD_H

#define TABLES_THREAD_TICK_MS	200
#define TABLES_THREAD_RETRY_MS	5000
#define TABLES_THREAD_LOG_KEYS	100

/* Starts the thread (once).  Returns 0, or -1 (logged). */
int	tables_thread_start(void);

#endif /* MAILSWITCH_TABLES_THREAD_H */

/*
 * replica_sync.h - the state of the replica's sync thread and what every
 * kind of sync does with it: record its error, publish the copy, log and
 * count its outcome.  Private to the thread's files (replica_thread.c and
 * the jobs it runs: replica_server.c, replica_search.c, replica_load.c,
 * replica_push.c); one thread owns a replica_sync_t, so nothing here is
 * locked.
 *
 * The thread keeps its own copy of the directory (replica_store.h) and,
 * after each sync that changed it, builds a new index of it and swaps that
 * in (replica_sync_publish(), replica_state_swap()): lookups never see a
 * half-applied sync.
 */
#ifndef MAILSWITCH_REPLICA_SYNC_H
#define MAILSWITCH_REPLICA_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include <ldap.h>

#include "ldap_conn.h"
#include "metrics.h"
#include "replica_entry.h"
#include "replica_state.h"
#include "replica_store.h"
#include "syncrepl.h"

#define REPLICA_SYNC_ERR_MAX	1024

#define REPLICA_SYNC_DN_MAX	1024	/* octets of a DN it keeps */

typedef struct replica_sync {
	replica_state_t		*st;
	const replica_settings_t *set;		/* st's */
	ldap_conn_session_t	*s;		/* NULL: none open */
	replica_store_t		*store;
	replica_id_kind_t	 ids;		/* what the store is keyed by */
	int			 loaded;	/* a full load of its own done */
	int			 use_sync;	/* the session's server: RFC 4533 */
	int64_t			 last_full_ms;	/* clock_ms(); 0: one is due */
	char			 last_change[REPLICA_ENTRY_CHANGE_MAX];
	int64_t			 next_sweep_ms;	/* no sweep before then */
	int64_t			 sweep_ms;	/* the last sweep's duration
						   (the full load's before
						   the first) */
	int			 sweep_put_off;	/* the last poll's sweep was */

	/* what the session's server says of itself (replica_server.c) */
	char			 server_id[REPLICA_SYNC_DN_MAX + 512];
						/* URI|dsServiceName */
	char			 last_server[REPLICA_SYNC_DN_MAX + 512];
						/* the last session's */
	int			 offered;	/* RFC 4533 */
	replica_id_kind_t	 server_ids;	/* how it identifies entries */
	int			 show_deleted;	/* AD's Show Deleted control */
	char			 nc[REPLICA_SYNC_DN_MAX]; /* its naming context
						   that holds base; "" none */
	int			 tombstones;	/* the polls read them (AD, and
						   the account may) */
	int			 tombstones_noted; /* why not, logged */
	unsigned long long	 dc_usn;	/* highestCommittedUSN at the
						   last read; 0: none */
	char			 invocation[REPLICA_ENTRY_ID_MAX];
						/* invocationId, last read */
	int			 reconnects;	/* idle connections found closed */

	int64_t			 refused_until;	/* poll until then: the server
						   refused a sync search */
	syncrepl_cookie_t	 cookie;
	size_t			 changes;	/* of the sync under way */
	int			 failing;	/* the last sync failed */
	int			 stale_warned;	/* "older than max_age" logged */
	char			 err[REPLICA_SYNC_ERR_MAX];
} replica_sync_t;

/*
 * Prepares y for the thread of st: no session, an empty store.  Returns
 * 0, or -1 when out of memory.  Free what it holds with
 * replica_sync_end().
 */
int	replica_sync_begin(replica_sync_t *y, replica_state_t *st);

/* Closes y's session and frees its store and cookie. */
void	replica_sync_end(replica_sync_t *y);

/*
 * Writes "what: libldap's reason for rc (the diagnostic message)" into
 * y->err.  Returns -1.
 */
int	replica_sync_error(replica_sync_t *y, LDAP *ld, int rc,
	    const char *what);

/*
 * Makes the store's next index and swaps it in (replica_state_swap()).
 * Returns 0, or -1 with y->err set when out of memory.
 */
int	replica_sync_publish(replica_sync_t *y);

/*
 * Logs and counts a good sync of kind begun at start (a clock_ms() value):
 * the store's entries, y->changes, the time it took, the server; "in sync
 * again" after a failure or a warning about max_age.
 */
void	replica_sync_ok(replica_sync_t *y, metrics_sync_kind_t kind,
	    int64_t start);

/*
 * Logs (with y->err) and counts a failed sync of kind, says the directory
 * is down, and closes the session; warns once when the copy has become
 * older than max_age.
 */
void	replica_sync_failed(replica_sync_t *y, metrics_sync_kind_t kind);

/* Warns once when the copy has become older than max_age. */
void	replica_sync_check_age(replica_sync_t *y);

#endif /* MAILSWITCH_REPLICA_SYNC_H */

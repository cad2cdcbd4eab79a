/*
 * dir_replica.h - the directory replica (SPEC section 9): a back-end that
 * answers every lookup from an in-memory copy of the LDAP directory,
 * kept seconds behind it by a thread of its own, as Exchange's Edge
 * servers answer from their EdgeSync copy.
 *
 * It wraps the ldap directory (with its cache) that the registry
 * (dir_open.c) opens and feeds itself from the same ldap back-end's
 * servers, TLS and bind (ldap_conn_session_open()).  Until its first full
 * load is done, lookups go to the wrapped directory, as without a
 * replica; from then on none touches the network: they are answered from
 * the index (dir_index.h) under a read lock, and each sync swaps in a new
 * index whole.  Found answers are always served; once the last good sync
 * is older than max_age, a not-found answer becomes DIR_TRYAGAIN, so that
 * a stale copy never refuses a new address with a 5xx.
 *
 * The sync thread (replica_thread.h) loads with RFC 2696 paged searches,
 * then either follows an RFC 4533 refreshAndPersist search, where the
 * server offers it and syncrepl is auto, or polls for entries whose
 * change_attribute is newer than the last seen, with a DN-only sweep for
 * deletions; a full reload every refresh seconds.  It logs one line per
 * sync and counts them (metrics_replica_sync()).
 */
#ifndef MAILSWITCH_DIR_REPLICA_H
#define MAILSWITCH_DIR_REPLICA_H

#include <stddef.h>

#include "config_directory.h"
#include "directory.h"
#include "ldap_conn.h"

extern const dir_backend_ops_t dir_replica_ops;

/*
 * Wraps inner (the ldap directory, with its cache) in a replica of
 * the directory section dc, fed from ldap (the way to the servers of inner's ldap
 * back-end, dir_ldap_conn(); it must live as long as inner does).  When
 * previous (the directory of the configuration being replaced; may be
 * NULL) has a replica with an index, the new one serves that index until
 * its own first full load is done, and the previous one's thread stops
 * syncing.
 * Does not start the sync thread (directory_start() does): a daemon
 * forks after it opens its directory.  directory_stats() of the result
 * gets the replica's entries and age.  Returns the directory (which owns
 * inner from now on), or NULL with a message in err (inner closed).
 */
directory_t *dir_replica_wrap(directory_t *inner, ldap_conn_t *ldap,
	    const config_directory_t *dc, directory_t *previous, char *err,
	    size_t errlen);

/*
 * Starts d's replica (as directory_start() does) and waits until it has
 * an index of its own (its first full load done), at most seconds.
 * Returns 0, or -1 on time out or when d has no replica.  For tests and
 * benchmarks.  Thread-safe.
 */
int	dir_replica_wait(directory_t *d, double seconds);

#endif /* MAILSWITCH_DIR_REPLICA_H */

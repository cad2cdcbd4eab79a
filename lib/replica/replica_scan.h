/*
 * replica_scan.h - the replica's full load as a one-off read: every entry
 * with a proxy or target attribute under base, RFC 2696 paged, on a
 * session of its own (replica_server.h: the servers of uri in order, the
 * TLS checks and the bind of the ldap back-end), each entry handed to the
 * caller instead of a replica's store.  For the directory audit (audit.h,
 * mailswitch -A), which needs the whole directory once and no replica.
 */
#ifndef MAILSWITCH_REPLICA_SCAN_H
#define MAILSWITCH_REPLICA_SCAN_H

#include <stddef.h>

#include <lber.h>

#include "config.h"

/*
 * What the caller does with one entry: its DN and every value of the
 * proxy and target attributes (ranged ones read whole, ldap_range.h;
 * NULL-terminated; NULL for none), valid during the call.  0 to go on,
 * -1 to stop the scan.
 */
typedef int	(*replica_scan_fn)(void *arg, const char *dn,
		    struct berval *const *proxy, struct berval *const *target);

/*
 * Reads every entry the replica's full load reads, with the search, the
 * page size (directory.ldap.replica.page_size) and the time limits it
 * uses, and hands each to fn in the order the server sends them.  Returns
 * 0 when every page came; -1 with a message in err when no server
 * answered, a search or a ranged read failed or fn stopped it ("the
 * directory fails"); -2 with a message in err when the ldap settings of
 * cfg cannot work (a configuration error, as at start-up).  Blocks the
 * calling thread.
 */
int	replica_scan(const config_t *cfg, replica_scan_fn fn, void *arg,
	    char *err, size_t errlen);

#endif /* MAILSWITCH_REPLICA_SCAN_H */

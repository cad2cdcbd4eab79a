/*
 * replica_server.h - the server the replica's sync thread talks to: the
 * thread's session (replica_sync.h), what the server's rootDSE says (does
 * it offer RFC 4533; which domain controller is it), whether it is the
 * server of the last session, and whether it still answers.
 *
 * Change values and cookies are a server's own (Active Directory's
 * uSNChanged counts per domain controller): a session to another server
 * than the last one starts with a full load.
 */
#ifndef MAILSWITCH_REPLICA_SERVER_H
#define MAILSWITCH_REPLICA_SERVER_H

#include "replica_sync.h"

/*
 * Opens y's session (none open) on the first server that answers
 * (ldap_conn_session_open()), reads its rootDSE: y->offered (1 when
 * supportedControl lists the Sync Request Control) and y->server_id (the
 * URI, and Active Directory's dsServiceName: one name for one domain
 * controller, whatever name or balancer reached it).  When that is
 * another server than the last session's, the cookie is dropped and a
 * full load made due (y->last_full_ms = 0).  Returns 0, or -1 with y->err
 * set when no server answered.
 */
int	replica_server_open(replica_sync_t *y);

/*
 * Checks that the server still answers, with a base-scope search of the
 * rootDSE on y's session (open).  Returns 0, or -1 with y->err set.
 */
int	replica_server_beat(replica_sync_t *y);

#endif /* MAILSWITCH_REPLICA_SERVER_H */

/*
 * replica_server.h - the server the replica's sync thread talks to: the
 * thread's session (replica_sync.h), what the server's rootDSE says of it
 * (does it offer RFC 4533; is it Active Directory, which names entries by
 * objectGUID and keeps tombstones; which domain controller is it, how far
 * has it counted, which database copy is it), whether it is the server of
 * the last session, and whether it still answers.
 *
 * Change values and cookies are a server's own (Active Directory's
 * uSNChanged counts per domain controller): a session to another server
 * than the last one starts with a full load, and so does a domain
 * controller whose highestCommittedUSN went back or whose invocationId
 * changed (restored from a backup): the changes after the restore would
 * be below the highest value the copy has seen.
 */
#ifndef MAILSWITCH_REPLICA_SERVER_H
#define MAILSWITCH_REPLICA_SERVER_H

#include "replica_sync.h"

/*
 * Opens y's session (none open) on the first server that answers
 * (ldap_conn_session_open()) and reads its rootDSE: y->offered (the Sync
 * Request Control), y->server_ids (objectGUID where supportedCapabilities
 * says Active Directory, else entryUUID), y->show_deleted, y->nc (the
 * naming context that holds base), y->server_id (the URI, and Active
 * Directory's dsServiceName: one name for one domain controller, whatever
 * name or balancer reached it), its highestCommittedUSN and invocationId;
 * and on Active Directory whether the bind account may read the
 * tombstones (y->tombstones; logged once when not).  When that is another
 * server than the last session's, the cookie is dropped and a full load
 * made due (y->last_full_ms = 0); so it is when the same domain
 * controller was restored (see above).  Returns 0, or -1 with y->err set
 * when no server answered.
 */
int	replica_server_open(replica_sync_t *y);

/*
 * Right before a search that follows a wait (a poll, a full reload):
 * reads the rootDSE and the invocationId again on y's session (open),
 * which also shows that the connection still works.  A server may close
 * a connection that was idle (Active Directory's MaxConnIdleTime, a
 * firewall, a load balancer): then the session is opened again
 * (replica_server_open()), which is no failed sync.  A full load is made
 * due when the domain controller was restored or another server answers.
 * Returns 0, or -1 with y->err set when no server answers (the session
 * is then closed).
 */
int	replica_server_check(replica_sync_t *y);

/*
 * Checks that the server still answers, with a base-scope search of the
 * rootDSE on y's session (open).  Returns 0, or -1 with y->err set.
 */
int	replica_server_beat(replica_sync_t *y);

#endif /* MAILSWITCH_REPLICA_SERVER_H */

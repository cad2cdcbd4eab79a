/*
 * ldapio.h - a liblber I/O layer that bounds every read and write of an
 * LDAP connection by a deadline, and liblber's own read-ahead above it.
 *
 * libldap bounds connect, operations and StartTLS by its own timeouts, but
 * not the TLS handshake itself: without LDAP_USE_NON_BLOCKING_TLS at its
 * build (Debian 12's libldap 2.5 has it not), an ldaps:// server that
 * accepts the TCP connection and then says nothing blocks the handshake
 * for ever.  This layer sits between the socket and TLS.
 */
#ifndef MAILSWITCH_LDAPIO_H
#define MAILSWITCH_LDAPIO_H

#include <stdint.h>

#include <lber.h>

/* The read-ahead buffer of a connection, in octets. */
#define LDAPIO_READAHEAD	(64 * 1024)

/*
 * Adds the layer, and the read-ahead above it, to the Sockbuf of a new
 * connection (call it from a struct ldap_conncb's lc_add): from then on
 * a read takes what the socket holds, and one that finds it empty, or a
 * write, first waits for the socket to be ready until *deadline (a
 * clock_ms() value, clock.h, read at each wait: the owner moves it for
 * each lookup), and fails with ETIMEDOUT when it is not.  deadline must outlive the
 * connection.  Returns 0, or -1 when liblber refuses a layer.
 */
int	ldapio_push(Sockbuf *sb, const int64_t *deadline);

#endif /* MAILSWITCH_LDAPIO_H */

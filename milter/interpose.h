/*
 * interpose.h - corrections to libmilter's behaviour that it offers no API
 * for, made by interposing the C library calls it makes.
 *
 *  - accept(): libmilter sets neither TCP_NODELAY nor quick ACKs on the MTA
 *    connections, so on inet: sockets every message waits ~40 ms on Nagle
 *    and delayed ACKs.  Accepted TCP sockets get both.
 *  - read(): quick ACK mode does not stick on Linux; it is re-armed after
 *    every read from such a socket.
 *  - sigwait(): libmilter's signal thread stops the milter on SIGHUP;
 *    mailswitch reloads its configuration on SIGHUP instead, so SIGHUP is
 *    taken out of the set libmilter waits for.
 */
#ifndef MAILSWITCH_INTERPOSE_H
#define MAILSWITCH_INTERPOSE_H

#include <signal.h>

/* Waits for one of the signals in set, bypassing the SIGHUP filter. */
int	interpose_sigwait(const sigset_t *set, int *sig);

/* Returns how many accepted TCP sockets were tuned (for the log). */
unsigned long interpose_tuned_count(void);

#endif /* MAILSWITCH_INTERPOSE_H */

/*
 * interpose.h - corrections to libmilter's behaviour that it offers no API
 * for, made by interposing the C library calls it makes.
 *
 *  - accept(): libmilter sets neither TCP_NODELAY nor quick ACKs on the MTA
 *    connections, so on inet: sockets every message waits ~40 ms on Nagle
 *    and delayed ACKs.  Accepted TCP sockets get both.
 *  - read(): quick ACK mode does not stick on Linux; it is re-armed after
 *    every read from such a socket.
 *  - sigwait(): libmilter's signal thread stops the milter on SIGHUP and
 *    drops the connections in flight on SIGTERM (its worker pool stops
 *    serving them); mailswitch reloads on SIGHUP and lets the messages in
 *    flight finish on SIGTERM / SIGINT, so those three are taken out of the
 *    set libmilter waits for and handled by mailswitch's own thread.
 */
#ifndef MAILSWITCH_INTERPOSE_H
#define MAILSWITCH_INTERPOSE_H

#include <signal.h>

/* Waits for one of the signals in set, bypassing the filter. */
int	interpose_sigwait(const sigset_t *set, int *sig);

/* Returns how many accepted TCP sockets were tuned (for the log). */
unsigned long interpose_tuned_count(void);

#endif /* MAILSWITCH_INTERPOSE_H */

/*
 * callbacks.h - the milter front end: the libmilter callbacks and the
 * per-connection context, and the front end's operations (frontend.h):
 * open, run, stop, in flight.
 */
#ifndef MAILSWITCH_CALLBACKS_H
#define MAILSWITCH_CALLBACKS_H

#include <libmilter/mfapi.h>
#include <stddef.h>

/* The filter description handed to smfi_register(). */
extern struct smfiDesc callbacks_filter;

/*
 * Registers the callbacks and opens the milter's socket spec (libmilter's
 * form: unix:PATH, inet:PORT@HOST ...).  Call before privileges are
 * dropped.  Returns EX_OK, or an exit status (sysexits.h) with a message
 * in err.
 */
int	callbacks_open(const char *spec, char *err, size_t errlen);

/*
 * Serves the socket opened until libmilter stops (smfi_main(), in the
 * calling thread).  Returns EX_OK, or EX_SOFTWARE when libmilter failed.
 */
int	callbacks_run(void);

/* Returns how many messages are between MAIL FROM and their end now. */
int	callbacks_in_flight(void);

/*
 * Refuses new work from now on: new connections and new messages get a
 * temporary failure (the MTA keeps the mail), messages in flight go on.
 */
void	callbacks_stop(void);

#endif /* MAILSWITCH_CALLBACKS_H */

/*
 * callbacks.h - the libmilter callbacks and the per-connection context.
 */
#ifndef MAILSWITCH_CALLBACKS_H
#define MAILSWITCH_CALLBACKS_H

#include <libmilter/mfapi.h>

/* The filter description handed to smfi_register(). */
extern struct smfiDesc callbacks_filter;

/* Returns how many messages are between MAIL FROM and their end now. */
int	callbacks_in_flight(void);

/*
 * Refuses new work from now on: new connections and new messages get a
 * temporary failure (the MTA keeps the mail), messages in flight go on.
 */
void	callbacks_stop(void);

#endif /* MAILSWITCH_CALLBACKS_H */

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

#endif /* MAILSWITCH_CALLBACKS_H */

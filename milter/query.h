/*
 * query.h - the -q / -Q query modes: one decision, printed.
 */
#ifndef MAILSWITCH_QUERY_H
#define MAILSWITCH_QUERY_H

#include "runtime.h"

/*
 * Resolves address as an inbound recipient under rt and prints the result
 * on stdout: the resulting address, or the SMTP reply of a reject.  With
 * verbose, the reason goes to stderr.  Returns the exit status: 0, EX_NOUSER
 * (reject) or EX_TEMPFAIL (directory failure).
 */
int	query_rcpt(const runtime_t *rt, const char *address, int verbose);

/*
 * Resolves address as the sender of Internet-bound mail from client_ip
 * (NULL: as if from the subsidiary, i.e. the first outbound.clients entry)
 * and prints the result the same way.  Returns 0 or EX_TEMPFAIL.
 */
int	query_sender(const runtime_t *rt, const char *address,
	    const char *client_ip, int verbose);

#endif /* MAILSWITCH_QUERY_H */

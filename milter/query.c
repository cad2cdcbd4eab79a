/*
 * query.c - the -q query mode.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "metrics.h"
#include "query.h"
#include "resolve.h"

/*
 * Prints a verdict the way -q and -Q do (given: the address as typed, for
 * one that does not parse); returns the exit status.
 */
static int
query_print(const rcpt_verdict_t *v, const char *given, int verbose)
{
	char	 reply[RESOLVE_TEXT_MAX + 16];

	if (v->action == RESOLVE_REJECT || v->action == RESOLVE_TEMPFAIL)
		printf("%s\n", resolve_reply(v, reply, sizeof(reply)));
	else if (v->reason == REASON_SENDER_NULL)
		printf("<>\n");
	else if (v->address.text[0] == '\0')	/* kept, but does not parse */
		printf("%s\n", given);
	else
		printf("%s\n", v->address.text);
	if (verbose || (v->action == RESOLVE_KEEP && v->detail[0] != '\0'))
		fprintf(stderr, "mailswitch: %s%s%s%s\n", reason_name(v->reason),
		    v->detail[0] ? " (" : "", v->detail, v->detail[0] ? ")" : "");
	if (fflush(stdout) == EOF)
		return EX_IOERR;
	switch (v->action) {
	case RESOLVE_REJECT:
		return EX_NOUSER;
	case RESOLVE_TEMPFAIL:
		return EX_TEMPFAIL;
	default:
		return EX_OK;
	}
}

int
query_rcpt(const runtime_t *rt, const char *address, int verbose)
{
	rcpt_verdict_t	 v;

	resolve_rcpt(runtime_config(rt), runtime_directory(rt), address, &v);
	metrics_decision(METRICS_QUERY, METRICS_INBOUND, v.reason,
	    v.action == RESOLVE_TEMPFAIL);	/* never exposed: one shot */
	return query_print(&v, address, verbose);
}

int
query_sender(const runtime_t *rt, const char *address, const char *client_ip,
    int verbose)
{
	rcpt_verdict_t	 v;

	if (client_ip != NULL &&
	    !resolve_is_outbound_client(runtime_config(rt), client_ip, NULL,
	    NULL)) {
		if (verbose)
			fprintf(stderr, "mailswitch: %s is not a subsidiary "
			    "client (outbound.clients): nothing is rewritten\n",
			    client_ip);
		printf("%s\n", address);
		return fflush(stdout) == EOF ? EX_IOERR : EX_OK;
	}
	resolve_sender(runtime_config(rt), runtime_directory(rt), address, &v);
	metrics_decision(METRICS_QUERY, METRICS_OUTBOUND, v.reason,
	    v.action == RESOLVE_TEMPFAIL || v.action == RESOLVE_REJECT);
	return query_print(&v, address, verbose);
}

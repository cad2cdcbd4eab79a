/*
 * query.c - the -q query mode.
 */
#include <stdio.h>
#include <sysexits.h>

#include "query.h"
#include "resolve.h"

int
query_rcpt(const runtime_t *rt, const char *address, int verbose)
{
	rcpt_verdict_t	 v;
	char		 reply[RESOLVE_TEXT_MAX + 16];

	switch (resolve_rcpt(rt->cfg, rt->dir, address, &v)) {
	case RESOLVE_KEEP:
	case RESOLVE_REWRITE:
		printf("%s\n", v.address.text);
		break;
	case RESOLVE_REJECT:
	case RESOLVE_TEMPFAIL:
		printf("%s\n", resolve_reply(&v, reply, sizeof(reply)));
		break;
	}
	if (verbose || (v.action == RESOLVE_KEEP && v.detail[0] != '\0'))
		fprintf(stderr, "mailswitch: %s%s%s%s\n", v.reason,
		    v.detail[0] ? " (" : "", v.detail, v.detail[0] ? ")" : "");
	if (fflush(stdout) == EOF)
		return EX_IOERR;
	switch (v.action) {
	case RESOLVE_REJECT:
		return EX_NOUSER;
	case RESOLVE_TEMPFAIL:
		return EX_TEMPFAIL;
	default:
		return EX_OK;
	}
}

/*
 * config_policy.h - the policy sections of the configuration: domains
 * (read into a domains_t, domains.h) and outbound { clients; daemons;
 * authenticated; lookup; rules; headers; }, read and checked by
 * config_policy.c.
 */
#ifndef MAILSWITCH_CONFIG_POLICY_H
#define MAILSWITCH_CONFIG_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "domains.h"
#include "netaddr.h"

typedef struct rewrite_rule {
	char	*from;			/* folded; "*.x" for every subdomain of x */
	char	*to;			/* the new domain */
	int	 line;
} rewrite_rule_t;

typedef struct config_outbound {
	netaddr_t	*clients;
	size_t		 nclients;
	char		**daemons;	/* NULL-terminated */
	size_t		 ndaemons;
	bool		 authenticated;
	bool		 lookup;
	rewrite_rule_t	*rules;
	size_t		 nrules;
	char		**headers;	/* NULL-terminated */
	size_t		 nheaders;
} config_outbound_t;

/* Only config*.c call these (config_read.h, libconfig's settings). */
struct config_read;
struct config_setting_t;

/*
 * Reads the domains list into t (which is empty), then refuses forward_to
 * chains that come back.  Returns 0, or -1 with "FILE:LINE: message"
 * written.
 */
int	config_policy_load_domains(struct config_read *rd,
	    const struct config_setting_t *list, domains_t *t);

/* Fills o with the defaults of the contract; 0, or -1 when out of memory. */
int	config_policy_outbound_defaults(struct config_read *rd,
	    config_outbound_t *o);

/*
 * Reads the outbound group g into o, key by key in file order.  Returns 0,
 * or -1 with "FILE:LINE: message" written.
 */
int	config_policy_load_outbound(struct config_read *rd,
	    const struct config_setting_t *g, config_outbound_t *o);

/* Frees what o holds (not o itself). */
void	config_policy_outbound_free(config_outbound_t *o);

#endif /* MAILSWITCH_CONFIG_POLICY_H */

/*
 * audit_cli.c - mailswitch -A (see audit_cli.h): the reading and the
 * printing; what is a finding is lib/policy/audit.c's.
 */
#include <stdio.h>
#include <sysexits.h>

#include "audit.h"
#include "audit_cli.h"
#include "config.h"
#include "ldif_read.h"
#include "printable.h"
#include "replica_scan.h"

/* What the readers' callbacks share: the audit, and whether it failed. */
struct audit_cli {
	audit_t	*a;
	int	 nomem;
};

/* ldif_read(): an entry of the export. */
static int
audit_cli_ldif_entry(void *arg, const ldif_read_entry_t *e)
{
	struct audit_cli	*c = arg;

	if (audit_entry(c->a, e->dn, e->proxy, e->target) == 0)
		return 0;
	c->nomem = 1;
	return -1;
}

/* ldif_read(): a record that is no entry: a finding, and on. */
static int
audit_cli_ldif_problem(void *arg, const char *msg)
{
	struct audit_cli	*c = arg;

	if (audit_problem(c->a, msg) == 0)
		return 0;
	c->nomem = 1;
	return -1;
}

/* replica_scan(): an entry of the ldap directory. */
static int
audit_cli_ldap_entry(void *arg, const char *dn, struct berval *const *proxy,
    struct berval *const *target)
{
	struct audit_cli	*c = arg;

	if (audit_entry(c->a, dn, proxy, target) == 0)
		return 0;
	c->nomem = 1;
	return -1;
}

/*
 * Reads the directory of cfg into c->a.  Returns 0, or the exit status
 * of a failure (its message printed).
 */
static int
audit_cli_read(const config_t *cfg, struct audit_cli *c)
{
	const struct config_directory	*dc = &cfg->directory;
	char				 err[CONFIG_ERR_MAX];
	int				 rc;

	if (dc->backend == BACKEND_LDIF) {
		if (ldif_read(dc->ldif_path, dc->proxy_attribute,
		    dc->target_attribute, audit_cli_ldif_entry,
		    audit_cli_ldif_problem, c, err, sizeof(err)) == 0)
			return 0;
		if (c->nomem) {
			fprintf(stderr, "mailswitch: audit: out of memory\n");
			return EX_TEMPFAIL;
		}
		/* FILE:LINE: message, one line whatever the file holds */
		fprintf(stderr, "%s\n", printable_mask(err));
		return EX_CONFIG;
	}
	if ((rc = replica_scan(cfg, audit_cli_ldap_entry, c, err,
	    sizeof(err))) == 0)
		return 0;
	printable_mask(err);		/* a server's message in it */
	if (rc == -2) {
		fprintf(stderr, "%s\n", err);
		return EX_CONFIG;
	}
	fprintf(stderr, "mailswitch: audit: %s: %s\n", c->nomem ?
	    "out of memory" : "the directory fails", err);
	return EX_TEMPFAIL;
}

int
audit_cli(const char *path)
{
	struct audit_cli	 c = { NULL, 0 };
	audit_finding_t		 f;
	config_t		*cfg;
	char			 err[CONFIG_ERR_MAX];
	int			 status, problems = 0;

	if ((cfg = config_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return EX_CONFIG;
	}
	if ((c.a = audit_new(cfg)) == NULL) {
		fprintf(stderr, "mailswitch: audit: out of memory\n");
		config_free(cfg);
		return EX_TEMPFAIL;
	}
	if ((status = audit_cli_read(cfg, &c)) != 0)
		goto done;
	if (audit_run(c.a, err, sizeof(err)) == -1) {
		fprintf(stderr, "mailswitch: %s\n", err);
		status = EX_TEMPFAIL;
		goto done;
	}
	for (size_t i = 0; audit_finding(c.a, i, &f) == 0; i++) {
		printf("%s\t%s\t%s\n", audit_kind_name(f.kind), f.address,
		    f.detail);
		problems |= audit_kind_is_problem(f.kind);
	}
	if (fflush(stdout) == EOF) {
		status = EX_IOERR;
		goto done;
	}
	fprintf(stderr, "mailswitch: audit of %zu entries (%s): ",
	    audit_entries(c.a), cfg->directory.backend == BACKEND_LDIF ?
	    cfg->directory.ldif_path : cfg->directory.ldap.uri[0]);
	for (int k = 0; k < AUDIT_KINDS; k++)
		fprintf(stderr, "%s%zu %s", k ? ", " : "",
		    audit_count(c.a, (audit_kind_t)k),
		    audit_kind_name((audit_kind_t)k));
	fprintf(stderr, "\n");
	status = problems ? 1 : EX_OK;
done:
	audit_free(c.a);
	config_free(cfg);
	return status;
}

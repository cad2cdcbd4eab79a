/*
 * audit_cli.h - mailswitch -A: the directory audit (audit.h) on the
 * command line.
 */
#ifndef MAILSWITCH_AUDIT_CLI_H
#define MAILSWITCH_AUDIT_CLI_H

/*
 * Audits the directory of the configuration at path: reads it whole (the
 * LDIF export through the LDIF reader, every record; the ldap servers
 * with the replica's paged search), prints each finding on stdout,
 * "KIND<TAB>ADDRESS<TAB>DETAIL", in audit.h's order, and the count by
 * kind on stderr.  Returns the exit status of SPEC section 11: 0 (no
 * finding but unconfigured ones), 1 (findings), EX_TEMPFAIL (75: the
 * directory fails, or memory ran out), EX_CONFIG (78: a bad configuration
 * or an export that cannot be read, FILE:LINE on stderr), EX_IOERR (the
 * output could not be written).
 */
int	audit_cli(const char *path);

#endif /* MAILSWITCH_AUDIT_CLI_H */

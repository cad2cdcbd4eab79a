/*
 * ldap_gss.c - see ldap_gss.h.  The credential and its tickets are
 * ldap_gss_cred.c's; here: the checks of the keytab file, the SASL
 * options and the bind.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <ldap.h>
#include <sasl/sasl.h>

#include "clock.h"
#include "ldap_gss.h"
#include "ldap_gss_cred.h"
#include "regfile.h"

struct ldap_gss {
	ldap_gss_cred_t	*cred;
};

/* What the SASL interaction of one bind needs, and what it did. */
struct ldap_gss_call {
	gss_cred_id_t	 cred;
	int		 handed;	/* the credential went to SASL */
};

/*
 * Checks the keytab file the way a secret is checked: a regular file
 * that mailswitch can open, that group and others may not read, owned
 * by root or by the user mailswitch runs as (`user`, when it starts as
 * root).  Returns 0, or -1 with the reason in why.
 */
static int
ldap_gss_file(const char *user, const char *path, char *why,
    size_t whylen)
{
	struct passwd	 pw, *pwp = NULL;
	struct stat	 st;
	char		 pwbuf[1024], reason[256];
	uid_t		 runs_as = geteuid();
	int		 fd;

	if ((fd = regfile_open(path, reason, sizeof(reason))) == -1) {
		snprintf(why, whylen, "cannot open: %s", reason);
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(why, whylen, "%s", strerror(errno));
		(void)close(fd);
		return -1;
	}
	(void)close(fd);
	if (st.st_mode & (S_IRGRP | S_IROTH | S_IWGRP | S_IWOTH)) {
		snprintf(why, whylen, "readable or writable by group or others "
		    "(mode %04o); refusing to use it: make it its owner's only "
		    "(chmod 600)", (unsigned)(st.st_mode & 07777));
		return -1;
	}
	if (runs_as == 0 && user != NULL && user[0] != '\0' &&
	    getpwnam_r(user, &pw, pwbuf, sizeof(pwbuf), &pwp) == 0 &&
	    pwp != NULL)
		runs_as = pwp->pw_uid;
	if (st.st_uid != 0 && st.st_uid != runs_as && st.st_uid != geteuid()) {
		snprintf(why, whylen, "owned by uid %lu, neither root nor the "
		    "user mailswitch runs as (uid %lu): chown it to that user",
		    (unsigned long)st.st_uid, (unsigned long)runs_as);
		return -1;
	}
	return 0;
}

/* 1 when libsasl2 offers the GSSAPI mechanism (its module is there). */
static int
ldap_gss_sasl_ready(void)
{
	char	**mechs = NULL;

	/* also libldap's SASL set-up, once, before any thread binds */
	if (ldap_get_option(NULL, LDAP_OPT_X_SASL_MECHLIST, &mechs) !=
	    LDAP_OPT_SUCCESS || mechs == NULL)
		return 0;
	for (size_t i = 0; mechs[i] != NULL; i++)
		if (strcmp(mechs[i], "GSSAPI") == 0)
			return 1;
	return 0;
}

/*
 * Makes *hosts the host of each URI of lc that has one (not ldapi://):
 * the servers whose tickets are got ahead.  Returns how many (free each
 * and the array), or -1 when out of memory (*hosts then holds nothing).
 */
static int
ldap_gss_hosts(const config_ldap_t *lc, char ***hosts)
{
	LDAPURLDesc			*lud;
	int				 n = 0;

	if ((*hosts = calloc(lc->nuri + 1, sizeof(**hosts))) == NULL)
		return -1;
	for (size_t i = 0; i < lc->nuri; i++) {
		if (ldap_url_parse(lc->uri[i], &lud) != LDAP_URL_SUCCESS)
			continue;	/* ldap_conn_open() says why */
		if (lud->lud_host != NULL && lud->lud_host[0] != '\0' &&
		    strcasecmp(lud->lud_scheme, "ldapi") != 0 &&
		    ((*hosts)[n] = strdup(lud->lud_host)) == NULL) {
			ldap_free_urldesc(lud);
			for (int k = 0; k < n; k++)
				free((*hosts)[k]);
			free(*hosts);
			*hosts = NULL;
			return -1;
		}
		if ((*hosts)[n] != NULL)
			n++;
		ldap_free_urldesc(lud);
	}
	return n;
}

ldap_gss_t *
ldap_gss_open(const config_ldap_t *lc, const char *file, const char *user,
    char *err, size_t errlen)
{
	ldap_gss_t			*g;
	char				 why[1024], **hosts = NULL;
	int				 nhosts, wrong_name;

	if (lc->keytab == NULL || lc->principal == NULL ||
	    lc->keytab_at == NULL || lc->principal_at == NULL) {
		snprintf(err, errlen, "directory: incomplete ldap settings");
		return NULL;
	}
	if (ldap_gss_file(user, lc->keytab, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: directory.ldap.keytab %s: %s",
		    lc->keytab_at, lc->keytab, why);
		return NULL;
	}
	if (!ldap_gss_sasl_ready()) {
		snprintf(err, errlen, "%s: directory.ldap.bind = \"gssapi\": "
		    "libsasl2 offers no GSSAPI mechanism (Debian: install "
		    "libsasl2-modules-gssapi-mit)", lc->keytab_at);
		return NULL;
	}
	if ((g = calloc(1, sizeof(*g))) == NULL ||
	    (nhosts = ldap_gss_hosts(lc, &hosts)) == -1) {
		free(g);
		snprintf(err, errlen, "%s: out of memory", file);
		return NULL;
	}
	g->cred = ldap_gss_cred_open(lc->keytab, lc->principal,
	    (const char *const *)hosts, (size_t)nhosts, &wrong_name, why,
	    sizeof(why));
	for (int i = 0; i < nhosts; i++)
		free(hosts[i]);
	free(hosts);
	if (g->cred == NULL) {
		if (wrong_name)
			snprintf(err, errlen, "%s: directory.ldap.principal: "
			    "keytab %s: %s", lc->principal_at, lc->keytab, why);
		else
			snprintf(err, errlen, "%s: directory.ldap.keytab %s: %s",
			    lc->keytab_at, lc->keytab, why);
		free(g);
		return NULL;
	}
	return g;
}

/*
 * libldap's SASL interaction callback: the first time, hands the
 * credential to the SASL context of the bind (which exists only once the
 * bind has begun: LDAP_OPT_X_SASL_GSS_CREDS cannot be set before); the
 * GSSAPI module asks only for an authorization identity, which is none
 * (""): mailswitch acts as its principal.
 */
static int
ldap_gss_interact(LDAP *ld, unsigned flags, void *defaults, void *in)
{
	struct ldap_gss_call	*call = defaults;
	sasl_interact_t		*p;

	(void)flags;
	if (!call->handed) {
		if (ldap_set_option(ld, LDAP_OPT_X_SASL_GSS_CREDS,
		    call->cred) != LDAP_OPT_SUCCESS)
			return LDAP_LOCAL_ERROR;
		call->handed = 1;
	}
	for (p = in; p != NULL && p->id != SASL_CB_LIST_END; p++) {
		p->result = "";
		p->len = 0;
	}
	return LDAP_SUCCESS;
}

/* Sets a SASL option of ld; 0, or -1. */
static int
ldap_gss_option(LDAP *ld, int option, const void *value)
{
	return ldap_set_option(ld, option, value) == LDAP_OPT_SUCCESS ? 0 : -1;
}

/*
 * The deadline of the bind on ld: what its timeout (LDAP_OPT_TIMEOUT,
 * set from the operation's deadline right before the bind) leaves, as a
 * clock_ms() value; 5 s when none is set.
 */
static int64_t
ldap_gss_deadline(LDAP *ld)
{
	struct timeval	*tv = NULL;
	int64_t		 ms = 5000;

	if (ldap_get_option(ld, LDAP_OPT_TIMEOUT, &tv) == LDAP_OPT_SUCCESS &&
	    tv != NULL && tv->tv_sec >= 0)
		ms = (int64_t)tv->tv_sec * 1000 + tv->tv_usec / 1000;
	ldap_memfree(tv);
	return clock_ms() + ms;
}

int
ldap_gss_bind(ldap_gss_t *g, LDAP *ld, int tls)
{
	struct ldap_gss_call	 call = { GSS_C_NO_CREDENTIAL, 0 };
	char			 why[1024];
	int			 rc;

	if (ldap_gss_option(ld, LDAP_OPT_X_SASL_NOCANON, LDAP_OPT_ON) == -1 ||
	    ldap_gss_option(ld, LDAP_OPT_X_SASL_SECPROPS,
	    tls ? "maxssf=0" : "minssf=56") == -1) {
		(void)ldap_set_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE,
		    "cannot set the SASL options");
		return LDAP_LOCAL_ERROR;
	}
	if ((call.cred = ldap_gss_cred_get(g->cred, ldap_gss_deadline(ld), why,
	    sizeof(why))) == GSS_C_NO_CREDENTIAL) {
		(void)ldap_set_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, why);
		return LDAP_LOCAL_ERROR;
	}
	rc = ldap_sasl_interactive_bind_s(ld, NULL, "GSSAPI", NULL, NULL,
	    LDAP_SASL_QUIET, ldap_gss_interact, &call);
	ldap_gss_cred_put(g->cred);
	if (rc == LDAP_SUCCESS && !call.handed) {
		/* bound with credentials that are not ours: never */
		(void)ldap_set_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE,
		    "the SASL GSSAPI module did not take mailswitch's "
		    "credential");
		return LDAP_LOCAL_ERROR;
	}
	return rc;
}

const char *
ldap_gss_principal(const ldap_gss_t *g)
{
	return ldap_gss_cred_principal(g->cred);
}

void
ldap_gss_close(ldap_gss_t *g)
{
	if (g == NULL)
		return;
	ldap_gss_cred_close(g->cred);
	free(g);
}

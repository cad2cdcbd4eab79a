/*
 * ldap_gss.c - see ldap_gss.h.  The krb5 context of a handle is used at
 * open and close only (one thread).  The binds share one GSS credential
 * (MIT locks it while a bind uses its cache) under a read-write lock: any
 * number of binds hold it for reading; acquiring the credential -- the
 * first time, then again once half its life is over -- holds it for
 * writing, because MIT refreshes a credential from the keytab only when
 * it is acquired (gss_acquire_cred_from() reads the cache's refresh
 * time; init_sec_context never refreshes a named credential), and the
 * refresh rewrites the cache the binds read.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>
#include <ldap.h>
#include <sasl/sasl.h>

#include "clock.h"
#include "ldap_gss.h"
#include "regfile.h"

#define LDAP_GSS_MSG_MAX	512	/* a Kerberos or GSS reason */
#define LDAP_GSS_RETRY_MS	30000	/* acquire again after a failed refresh */

struct ldap_gss {
	krb5_context		 ctx;
	krb5_keytab		 keytab;	/* MEMORY:, the principal's keys */
	krb5_ccache		 ccache;	/* MEMORY:, the tickets */
	char			*keytab_name;	/* "MEMORY:..." */
	char			*ccache_name;	/* "MEMORY:..." */
	char			*principal;	/* "name@REALM" */
	pthread_rwlock_t	 lock;		/* cred: binds read, acquiring
						   writes */
	int			 lock_made;
	gss_cred_id_t		 cred;		/* GSS_C_NO_CREDENTIAL: not yet */
	int64_t			 acquire_at;	/* clock_ms(): acquire (refresh)
						   again from then on; 0: now */
};

/* What the SASL interaction of one bind needs, and what it did. */
struct ldap_gss_call {
	gss_cred_id_t	 cred;
	int		 handed;	/* the credential went to SASL */
};

/* Writes krb5's message for code (may be 0) into buf; returns buf. */
static const char *
ldap_gss_krb5_reason(krb5_context ctx, krb5_error_code code, char *buf,
    size_t buflen)
{
	const char	*m = krb5_get_error_message(ctx, code);

	snprintf(buf, buflen, "%s", m != NULL ? m : "unknown Kerberos error");
	krb5_free_error_message(ctx, m);
	return buf;
}

/*
 * Writes GSS's words for minor (of krb5), or for major when there is no
 * minor, into buf; returns buf.
 */
static const char *
ldap_gss_status(OM_uint32 major, OM_uint32 minor, char *buf, size_t buflen)
{
	OM_uint32	 st, more, code[2] = { major, minor };
	int		 type[2] = { GSS_C_GSS_CODE, GSS_C_MECH_CODE };
	gss_buffer_desc	 text;
	size_t		 len = 0;

	buf[0] = '\0';
	for (int i = 0; i < 2; i++) {
		/* the mechanism's words say it; GSS's add little then */
		if (code[i] == 0 || (i == 0 && minor != 0))
			continue;
		more = 0;
		do {
			if (GSS_ERROR(gss_display_status(&st, code[i], type[i],
			    gss_mech_krb5, &more, &text)))
				break;
			if (len < buflen)
				len += (size_t)snprintf(buf + len, buflen - len,
				    "%s%.*s", len > 0 ? ": " : "",
				    (int)text.length, (const char *)text.value);
			(void)gss_release_buffer(&st, &text);
		} while (more != 0);
	}
	return buf;
}

/*
 * Checks the keytab file the way a secret is checked: a regular file
 * that mailswitch can open, that group and others may not read, owned
 * by root or by the user mailswitch runs as (`user`, when it starts as
 * root).  Returns 0, or -1 with the reason in why.
 */
static int
ldap_gss_file(const config_t *cfg, const char *path, char *why,
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
	if (runs_as == 0 && cfg->user != NULL && cfg->user[0] != '\0' &&
	    getpwnam_r(cfg->user, &pw, pwbuf, sizeof(pwbuf), &pwp) == 0 &&
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
 * Copies the keys of the principal (g->principal, or the first one of
 * the file when it is "") from the keytab at path into g->keytab, and
 * sets g->principal.  Returns 0, or -1 with the reason in why; *wrong_name
 * says it is the principal that is wrong (not in the keytab, or no
 * principal name).
 */
static int
ldap_gss_copy_keys(ldap_gss_t *g, const char *path, const char *want_name,
    int *wrong_name, char *why, size_t whylen)
{
	krb5_keytab		 file = NULL;
	krb5_kt_cursor		 cursor;
	krb5_keytab_entry	 entry;
	krb5_principal		 want = NULL;
	krb5_error_code		 code;
	char			 name[4096], msg[LDAP_GSS_MSG_MAX];
	char			*text;
	size_t			 copied = 0, seen = 0;
	int			 rc = -1;

	*wrong_name = 0;
	snprintf(name, sizeof(name), "FILE:%s", path);
	if (want_name[0] != '\0' &&
	    (code = krb5_parse_name(g->ctx, want_name, &want)) != 0) {
		*wrong_name = 1;
		snprintf(why, whylen, "principal '%s': %s", want_name,
		    ldap_gss_krb5_reason(g->ctx, code, msg, sizeof(msg)));
		return -1;
	}
	if ((code = krb5_kt_resolve(g->ctx, name, &file)) != 0 ||
	    (code = krb5_kt_start_seq_get(g->ctx, file, &cursor)) != 0) {
		snprintf(why, whylen, "not a keytab: %s",
		    ldap_gss_krb5_reason(g->ctx, code, msg, sizeof(msg)));
		goto done;
	}
	while ((code = krb5_kt_next_entry(g->ctx, file, &entry, &cursor)) ==
	    0) {
		seen++;
		if (want == NULL &&
		    (code = krb5_copy_principal(g->ctx, entry.principal,
		    &want)) != 0) {
			krb5_free_keytab_entry_contents(g->ctx, &entry);
			break;
		}
		if (krb5_principal_compare(g->ctx, entry.principal, want)) {
			if ((code = krb5_kt_add_entry(g->ctx, g->keytab,
			    &entry)) != 0) {
				krb5_free_keytab_entry_contents(g->ctx, &entry);
				break;
			}
			copied++;
		}
		krb5_free_keytab_entry_contents(g->ctx, &entry);
	}
	(void)krb5_kt_end_seq_get(g->ctx, file, &cursor);
	if (code != KRB5_KT_END) {
		snprintf(why, whylen, "cannot read it: %s",
		    ldap_gss_krb5_reason(g->ctx, code, msg, sizeof(msg)));
		goto done;
	}
	if (seen == 0) {
		snprintf(why, whylen, "holds no key");
		goto done;
	}
	if (copied == 0) {
		*wrong_name = 1;
		snprintf(why, whylen, "principal '%s' is not in it", want_name);
		goto done;
	}
	if ((code = krb5_unparse_name(g->ctx, want, &text)) != 0) {
		snprintf(why, whylen, "%s",
		    ldap_gss_krb5_reason(g->ctx, code, msg, sizeof(msg)));
		goto done;
	}
	g->principal = strdup(text);
	krb5_free_unparsed_name(g->ctx, text);
	if (g->principal == NULL) {
		snprintf(why, whylen, "out of memory");
		goto done;
	}
	rc = 0;
done:
	if (file != NULL)
		(void)krb5_kt_close(g->ctx, file);
	krb5_free_principal(g->ctx, want);
	return rc;
}

/*
 * Makes the handle's in-memory keytab and credential cache, each under a
 * name of its own.  Returns 0, or -1 with the reason in why.
 */
static int
ldap_gss_memory(ldap_gss_t *g, char *why, size_t whylen)
{
	static atomic_uint	 serial;
	krb5_error_code		 code;
	char			 name[128], msg[LDAP_GSS_MSG_MAX], *full;

	snprintf(name, sizeof(name), "MEMORY:mailswitch-%ld-%u",
	    (long)getpid(), atomic_fetch_add(&serial, 1));
	if ((g->keytab_name = strdup(name)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if ((code = krb5_kt_resolve(g->ctx, name, &g->keytab)) != 0 ||
	    (code = krb5_cc_new_unique(g->ctx, "MEMORY", NULL,
	    &g->ccache)) != 0 ||
	    (code = krb5_cc_get_full_name(g->ctx, g->ccache, &full)) != 0) {
		snprintf(why, whylen, "%s",
		    ldap_gss_krb5_reason(g->ctx, code, msg, sizeof(msg)));
		return -1;
	}
	g->ccache_name = strdup(full);
	krb5_free_string(g->ctx, full);
	if (g->ccache_name == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	return 0;
}

ldap_gss_t *
ldap_gss_open(const config_t *cfg, char *err, size_t errlen)
{
	const struct config_ldap	*lc = &cfg->directory.ldap;
	ldap_gss_t			*g;
	krb5_error_code			 code;
	char				 why[1024], msg[LDAP_GSS_MSG_MAX];
	int				 wrong_name;

	if (lc->keytab == NULL || lc->principal == NULL ||
	    lc->keytab_at == NULL || lc->principal_at == NULL) {
		snprintf(err, errlen, "directory: incomplete ldap settings");
		return NULL;
	}
	if (ldap_gss_file(cfg, lc->keytab, why, sizeof(why)) == -1) {
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
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", cfg->file);
		return NULL;
	}
	g->cred = GSS_C_NO_CREDENTIAL;
	if ((code = krb5_init_context(&g->ctx)) != 0) {
		g->ctx = NULL;
		snprintf(err, errlen, "%s: directory.ldap.keytab: Kerberos: %s",
		    lc->keytab_at, ldap_gss_krb5_reason(NULL, code, msg,
		    sizeof(msg)));
		goto fail;
	}
	if (ldap_gss_memory(g, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: directory.ldap.keytab: Kerberos: %s",
		    lc->keytab_at, why);
		goto fail;
	}
	if (ldap_gss_copy_keys(g, lc->keytab, lc->principal, &wrong_name,
	    why, sizeof(why)) == -1) {
		if (wrong_name)
			snprintf(err, errlen, "%s: directory.ldap.principal: "
			    "keytab %s: %s", lc->principal_at, lc->keytab, why);
		else
			snprintf(err, errlen, "%s: directory.ldap.keytab %s: %s",
			    lc->keytab_at, lc->keytab, why);
		goto fail;
	}
	if (pthread_rwlock_init(&g->lock, NULL) != 0) {
		snprintf(err, errlen, "%s: out of memory", cfg->file);
		goto fail;
	}
	g->lock_made = 1;
	return g;

fail:
	ldap_gss_close(g);
	return NULL;
}

/*
 * Acquires the credential from the in-memory keytab into the in-memory
 * cache when it is due (the first time, and once half its lifetime is
 * over: MIT then gets a new ticket from the keytab, or keeps the one it
 * has when the KDC does not answer and that one is still good), and
 * replaces g->cred.  Takes the write lock.  Returns 0, or -1 with the
 * reason in why when there is no credential at all.
 */
static int
ldap_gss_acquire(ldap_gss_t *g, char *why, size_t whylen)
{
	gss_key_value_element_desc	 el[2];
	gss_key_value_set_desc		 store = { 2, el };
	gss_OID_set_desc		 mechs = { 1, gss_mech_krb5 };
	gss_buffer_desc			 buf;
	gss_name_t			 name = GSS_C_NO_NAME;
	gss_cred_id_t			 cred = GSS_C_NO_CREDENTIAL;
	OM_uint32			 major, minor, st, lifetime = 0;
	char				 msg[LDAP_GSS_MSG_MAX];
	int				 rc = 0;

	pthread_rwlock_wrlock(&g->lock);
	if (g->cred != GSS_C_NO_CREDENTIAL && clock_ms() < g->acquire_at) {
		pthread_rwlock_unlock(&g->lock);	/* another did it */
		return 0;
	}
	el[0].key = "client_keytab";
	el[0].value = g->keytab_name;
	el[1].key = "ccache";
	el[1].value = g->ccache_name;
	buf.value = g->principal;
	buf.length = strlen(g->principal);
	major = gss_import_name(&minor, &buf, GSS_KRB5_NT_PRINCIPAL_NAME,
	    &name);
	if (!GSS_ERROR(major))
		major = gss_acquire_cred_from(&minor, name, GSS_C_INDEFINITE,
		    &mechs, GSS_C_INITIATE, &store, &cred, NULL, &lifetime);
	(void)gss_release_name(&st, &name);
	if (GSS_ERROR(major)) {
		snprintf(why, whylen, "Kerberos: no ticket for %s from the "
		    "keytab: %s", g->principal,
		    ldap_gss_status(major, minor, msg, sizeof(msg)));
		/* a credential that still works is kept for its binds */
		g->acquire_at = clock_ms() + LDAP_GSS_RETRY_MS;
		rc = g->cred != GSS_C_NO_CREDENTIAL ? 0 : -1;
	} else {
		if (g->cred != GSS_C_NO_CREDENTIAL)
			(void)gss_release_cred(&st, &g->cred);
		g->cred = cred;
		/* half its life; a short-lived one (or none left) each time */
		g->acquire_at = clock_ms() + (lifetime > 60 &&
		    lifetime != GSS_C_INDEFINITE ? (int64_t)lifetime * 500 : 0);
	}
	pthread_rwlock_unlock(&g->lock);
	return rc;
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
	pthread_rwlock_rdlock(&g->lock);
	if (g->cred == GSS_C_NO_CREDENTIAL || clock_ms() >= g->acquire_at) {
		pthread_rwlock_unlock(&g->lock);
		if (ldap_gss_acquire(g, why, sizeof(why)) == -1) {
			(void)ldap_set_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE,
			    why);
			return LDAP_LOCAL_ERROR;
		}
		pthread_rwlock_rdlock(&g->lock);
	}
	call.cred = g->cred;
	rc = call.cred == GSS_C_NO_CREDENTIAL ? LDAP_LOCAL_ERROR :
	    ldap_sasl_interactive_bind_s(ld, NULL, "GSSAPI", NULL, NULL,
	    LDAP_SASL_QUIET, ldap_gss_interact, &call);
	pthread_rwlock_unlock(&g->lock);
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
	return g->principal;
}

void
ldap_gss_close(ldap_gss_t *g)
{
	OM_uint32	 st;

	if (g == NULL)
		return;
	if (g->cred != GSS_C_NO_CREDENTIAL)
		(void)gss_release_cred(&st, &g->cred);
	if (g->ctx != NULL) {
		if (g->ccache != NULL)
			(void)krb5_cc_destroy(g->ctx, g->ccache);
		if (g->keytab != NULL)
			(void)krb5_kt_close(g->ctx, g->keytab);
		krb5_free_context(g->ctx);
	}
	if (g->lock_made)
		pthread_rwlock_destroy(&g->lock);
	free(g->keytab_name);
	free(g->ccache_name);
	free(g->principal);
	free(g);
}

/*
 * ldap_gss_cred.c - see ldap_gss_cred.h.
 *
 * One thread per handle, started by the first bind (after any fork),
 * joined by close, does every acquisition; it sleeps in between.  Locks:
 * "lock" (a mutex, with the condition variables "work", the thread's,
 * and "done", the binds', both on CLOCK_MONOTONIC) guards the
 * acquisition's state -- what is wanted, what runs, when the next renewal
 * is due, when the current credential ends, the last failure; "use" (a
 * read-write lock) guards the current credential: binds hold it for
 * reading while they bind, the thread takes it for writing to swap in a
 * new credential.  Nothing waits for "use" while holding "lock".  The krb5
 * context of the handle is used at open and free only; the thread has one
 * of its own for its caches.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>

#include "clock.h"
#include "ldap_gss_cred.h"
#include "log.h"

#define LDAP_GSS_CRED_MSG_MAX	512	/* a Kerberos or GSS reason */
#define LDAP_GSS_CRED_WHY_MAX	1024
#define LDAP_GSS_CRED_RETRY_MS	30000	/* after a failed acquisition */
#define LDAP_GSS_CRED_SPARE_MS	5000	/* a ticket closer to its end than
					   this waits for its renewal */

struct ldap_gss_cred {
	/* fixed at open */
	krb5_context		 ctx;		/* open and the final free */
	krb5_keytab		 keytab;	/* MEMORY:, the principal's keys */
	char			*keytab_name;
	char			*principal;	/* "name@REALM" */
	char			**hosts;	/* for "ldap/HOST" tickets */
	size_t			 nhosts;

	/* the current credential (use) */
	pthread_rwlock_t	 use;
	gss_cred_id_t		 cred;		/* GSS_C_NO_CREDENTIAL: none yet */
	char			*ccache_name;	/* its cache; NULL: none */

	/* the acquisitions (lock) */
	pthread_mutex_t		 lock;
	pthread_cond_t		 work;		/* the thread: something to do */
	pthread_cond_t		 done;		/* the binds: an attempt ended */
	pthread_t		 thread;
	int			 started;	/* the thread runs; join it */
	int			 closing;	/* the thread is to end */
	int			 wanted;	/* a bind needs a credential now */
	int			 acquiring;	/* an attempt is under way */
	int64_t			 due;		/* clock_ms(): the next renewal;
						   0: none */
	int64_t			 expires;	/* clock_ms(): the current
						   credential's end; 0: none */
	char			 why[LDAP_GSS_CRED_WHY_MAX]; /* the last
						   failure; "" */
	int			 made;		/* 1: use; 2: lock; 4, 8: work,
						   done */
};

/* Writes krb5's message for code into buf; returns buf. */
static const char *
ldap_gss_cred_krb5(krb5_context ctx, krb5_error_code code, char *buf,
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
ldap_gss_cred_status(OM_uint32 major, OM_uint32 minor, char *buf,
    size_t buflen)
{
	OM_uint32	 st, more = 0, code = minor != 0 ? minor : major;
	int		 type = minor != 0 ? GSS_C_MECH_CODE : GSS_C_GSS_CODE;
	gss_buffer_desc	 text;
	size_t		 len = 0;

	buf[0] = '\0';
	do {
		if (GSS_ERROR(gss_display_status(&st, code, type,
		    gss_mech_krb5, &more, &text)))
			break;
		if (len < buflen)
			len += (size_t)snprintf(buf + len, buflen - len, "%s%.*s",
			    len > 0 ? ": " : "", (int)text.length,
			    (const char *)text.value);
		(void)gss_release_buffer(&st, &text);
	} while (more != 0);
	return buf;
}

/*
 * Copies the keys of want_name ("" = the file's first principal) from the
 * keytab at path into c->keytab and sets c->principal.  Returns 0, or -1
 * with the reason in why; *wrong_name says it is the principal that is
 * wrong.
 */
static int
ldap_gss_cred_keys(ldap_gss_cred_t *c, const char *path,
    const char *want_name, int *wrong_name, char *why, size_t whylen)
{
	krb5_keytab		 file = NULL;
	krb5_kt_cursor		 cursor;
	krb5_keytab_entry	 entry;
	krb5_principal		 want = NULL;
	krb5_error_code		 code;
	char			 name[4096], msg[LDAP_GSS_CRED_MSG_MAX];
	char			*text;
	size_t			 copied = 0, seen = 0;
	int			 rc = -1;

	*wrong_name = 0;
	snprintf(name, sizeof(name), "FILE:%s", path);
	if (want_name[0] != '\0' &&
	    (code = krb5_parse_name(c->ctx, want_name, &want)) != 0) {
		*wrong_name = 1;
		snprintf(why, whylen, "principal '%s': %s", want_name,
		    ldap_gss_cred_krb5(c->ctx, code, msg, sizeof(msg)));
		return -1;
	}
	if ((code = krb5_kt_resolve(c->ctx, name, &file)) != 0 ||
	    (code = krb5_kt_start_seq_get(c->ctx, file, &cursor)) != 0) {
		snprintf(why, whylen, "not a keytab: %s",
		    ldap_gss_cred_krb5(c->ctx, code, msg, sizeof(msg)));
		goto done;
	}
	while ((code = krb5_kt_next_entry(c->ctx, file, &entry, &cursor)) ==
	    0) {
		seen++;
		if (want == NULL &&
		    (code = krb5_copy_principal(c->ctx, entry.principal,
		    &want)) != 0) {
			krb5_free_keytab_entry_contents(c->ctx, &entry);
			break;
		}
		if (krb5_principal_compare(c->ctx, entry.principal, want)) {
			if ((code = krb5_kt_add_entry(c->ctx, c->keytab,
			    &entry)) != 0) {
				krb5_free_keytab_entry_contents(c->ctx, &entry);
				break;
			}
			copied++;
		}
		krb5_free_keytab_entry_contents(c->ctx, &entry);
	}
	(void)krb5_kt_end_seq_get(c->ctx, file, &cursor);
	if (code != KRB5_KT_END)
		snprintf(why, whylen, "cannot read it: %s",
		    ldap_gss_cred_krb5(c->ctx, code, msg, sizeof(msg)));
	else if (seen == 0)
		snprintf(why, whylen, "holds no key");
	else if (copied == 0) {
		*wrong_name = 1;
		snprintf(why, whylen, "principal '%s' is not in it", want_name);
	} else if ((code = krb5_unparse_name(c->ctx, want, &text)) != 0)
		snprintf(why, whylen, "%s",
		    ldap_gss_cred_krb5(c->ctx, code, msg, sizeof(msg)));
	else {
		c->principal = strdup(text);
		krb5_free_unparsed_name(c->ctx, text);
		if (c->principal == NULL)
			snprintf(why, whylen, "out of memory");
		else
			rc = 0;
	}
done:
	if (file != NULL)
		(void)krb5_kt_close(c->ctx, file);
	krb5_free_principal(c->ctx, want);
	return rc;
}

/* Destroys the MEMORY: cache of that name (NULL: none), with ctx. */
static void
ldap_gss_cred_drop_cache(krb5_context ctx, const char *name)
{
	krb5_ccache	 cc;

	if (name != NULL && krb5_cc_resolve(ctx, name, &cc) == 0)
		(void)krb5_cc_destroy(ctx, cc);
}

/* Frees everything of c; the last reference is gone. */
static void
ldap_gss_cred_free(ldap_gss_cred_t *c)
{
	OM_uint32	 st;

	if (c->cred != GSS_C_NO_CREDENTIAL)
		(void)gss_release_cred(&st, &c->cred);
	if (c->ctx != NULL) {
		ldap_gss_cred_drop_cache(c->ctx, c->ccache_name);
		if (c->keytab != NULL)
			(void)krb5_kt_close(c->ctx, c->keytab);
		krb5_free_context(c->ctx);
	}
	if (c->made & 1)
		pthread_rwlock_destroy(&c->use);
	if (c->made & 2)
		pthread_mutex_destroy(&c->lock);
	if (c->made & 4)
		pthread_cond_destroy(&c->work);
	if (c->made & 8)
		pthread_cond_destroy(&c->done);
	for (size_t i = 0; i < c->nhosts; i++)
		free(c->hosts[i]);
	free(c->hosts);
	free(c->keytab_name);
	free(c->principal);
	free(c->ccache_name);
	free(c);
}

/*
 * Gets the service ticket of each server ahead of the binds: a first
 * GSS-API token for "ldap@HOST", which MIT gets the ticket for and keeps
 * in the credential's cache.  A host the KDC knows no ticket for is left
 * to its binds, which will say why.
 */
static void
ldap_gss_cred_prefetch(ldap_gss_cred_t *c, gss_cred_id_t cred)
{
	gss_buffer_desc	 buf, out = GSS_C_EMPTY_BUFFER;
	gss_name_t	 target;
	gss_ctx_id_t	 ctx;
	OM_uint32	 minor, st;
	char		 name[512];

	for (size_t i = 0; i < c->nhosts; i++) {
		snprintf(name, sizeof(name), "ldap@%s", c->hosts[i]);
		buf.value = name;
		buf.length = strlen(name);
		if (GSS_ERROR(gss_import_name(&minor, &buf,
		    GSS_C_NT_HOSTBASED_SERVICE, &target)))
			continue;
		ctx = GSS_C_NO_CONTEXT;
		(void)gss_init_sec_context(&minor, cred, &ctx, target,
		    gss_mech_krb5, GSS_C_MUTUAL_FLAG, 0,
		    GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, &out,
		    NULL, NULL);
		(void)gss_release_buffer(&st, &out);
		(void)gss_delete_sec_context(&st, &ctx, GSS_C_NO_BUFFER);
		(void)gss_release_name(&st, &target);
	}
}

/*
 * One acquisition: a new cache (its name in *ccache_name, to free), a
 * ticket-granting ticket from the keys into it, the servers' tickets.
 * Sets *lifetime (seconds).  Returns the credential, or
 * GSS_C_NO_CREDENTIAL with the reason in why (and no cache).
 */
static gss_cred_id_t
ldap_gss_cred_acquire(ldap_gss_cred_t *c, krb5_context kctx,
    char **ccache_name, OM_uint32 *lifetime, char *why, size_t whylen)
{
	gss_key_value_element_desc	 el[2];
	gss_key_value_set_desc		 store = { 2, el };
	gss_OID_set_desc		 mechs = { 1, gss_mech_krb5 };
	gss_buffer_desc			 buf;
	gss_name_t			 name = GSS_C_NO_NAME;
	gss_cred_id_t			 cred = GSS_C_NO_CREDENTIAL;
	krb5_ccache			 cc;
	krb5_error_code			 code;
	OM_uint32			 major, minor, st;
	char				 msg[LDAP_GSS_CRED_MSG_MAX], *full;

	*ccache_name = NULL;
	if ((code = krb5_cc_new_unique(kctx, "MEMORY", NULL, &cc)) != 0) {
		snprintf(why, whylen, "Kerberos: %s",
		    ldap_gss_cred_krb5(kctx, code, msg, sizeof(msg)));
		return GSS_C_NO_CREDENTIAL;
	}
	code = krb5_cc_get_full_name(kctx, cc, &full);
	(void)krb5_cc_close(kctx, cc);		/* MEMORY: stays till destroyed */
	if (code != 0 || (*ccache_name = strdup(full)) == NULL) {
		snprintf(why, whylen, "Kerberos: %s", code != 0 ?
		    ldap_gss_cred_krb5(kctx, code, msg, sizeof(msg)) :
		    "out of memory");
		if (code == 0)
			krb5_free_string(kctx, full);
		return GSS_C_NO_CREDENTIAL;
	}
	krb5_free_string(kctx, full);
	el[0].key = "client_keytab";
	el[0].value = c->keytab_name;
	el[1].key = "ccache";
	el[1].value = *ccache_name;
	buf.value = c->principal;
	buf.length = strlen(c->principal);
	major = gss_import_name(&minor, &buf, GSS_KRB5_NT_PRINCIPAL_NAME,
	    &name);
	if (!GSS_ERROR(major))
		major = gss_acquire_cred_from(&minor, name, GSS_C_INDEFINITE,
		    &mechs, GSS_C_INITIATE, &store, &cred, NULL, lifetime);
	(void)gss_release_name(&st, &name);
	if (GSS_ERROR(major)) {
		snprintf(why, whylen, "Kerberos: no ticket for %s from the "
		    "keytab: %s", c->principal,
		    ldap_gss_cred_status(major, minor, msg, sizeof(msg)));
		ldap_gss_cred_drop_cache(kctx, *ccache_name);
		free(*ccache_name);
		*ccache_name = NULL;
		return GSS_C_NO_CREDENTIAL;
	}
	ldap_gss_cred_prefetch(c, cred);
	return cred;
}

/*
 * One attempt (lock not held): a new credential, swapped in for the
 * current one when it came.  Sets *lifetime (seconds); returns 0, or -1
 * with the reason in why.
 */
static int
ldap_gss_cred_attempt(ldap_gss_cred_t *c, OM_uint32 *lifetime, char *why,
    size_t whylen)
{
	krb5_context	 kctx;
	krb5_error_code	 code;
	gss_cred_id_t	 cred, old;
	OM_uint32	 st;
	char		 msg[LDAP_GSS_CRED_MSG_MAX], *ccache, *old_ccache;

	if ((code = krb5_init_context(&kctx)) != 0) {
		snprintf(why, whylen, "Kerberos: %s",
		    ldap_gss_cred_krb5(NULL, code, msg, sizeof(msg)));
		return -1;
	}
	cred = ldap_gss_cred_acquire(c, kctx, &ccache, lifetime, why, whylen);
	if (cred != GSS_C_NO_CREDENTIAL) {
		pthread_rwlock_wrlock(&c->use);	/* no bind holds the old one */
		old = c->cred;
		old_ccache = c->ccache_name;
		c->cred = cred;
		c->ccache_name = ccache;
		pthread_rwlock_unlock(&c->use);
		if (old != GSS_C_NO_CREDENTIAL)
			(void)gss_release_cred(&st, &old);
		ldap_gss_cred_drop_cache(kctx, old_ccache);
		free(old_ccache);
	}
	krb5_free_context(kctx);
	return cred != GSS_C_NO_CREDENTIAL ? 0 : -1;
}

/* Logs a failed renewal, with what is left of the tickets (lock held). */
static void
ldap_gss_cred_warn(const ldap_gss_cred_t *c, const char *why)
{
	int64_t	 left = (c->expires - clock_ms()) / 1000;

	if (left >= 0)
		log_msg(LOG_WARNING, "ldap: %s; the tickets end in %lld s, "
		    "again in %d s", why, (long long)left,
		    LDAP_GSS_CRED_RETRY_MS / 1000);
	else
		log_msg(LOG_WARNING, "ldap: %s; the tickets ended %lld s ago, "
		    "again in %d s", why, (long long)-left,
		    LDAP_GSS_CRED_RETRY_MS / 1000);
}

/*
 * The handle's thread: an attempt when a bind wants one or a renewal is
 * due (half way through the credential's life; 30 s after a failure),
 * asleep otherwise, until close.
 */
static void *
ldap_gss_cred_thread(void *arg)
{
	ldap_gss_cred_t	*c = arg;
	struct timespec	 ts;
	OM_uint32	 lifetime = 0;
	char		 why[LDAP_GSS_CRED_WHY_MAX];
	int		 rc;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->closing && !c->wanted &&
		    (c->due == 0 || clock_ms() < c->due)) {
			if (c->due == 0)
				pthread_cond_wait(&c->work, &c->lock);
			else {
				clock_timespec(c->due, &ts);
				(void)pthread_cond_timedwait(&c->work,
				    &c->lock, &ts);
			}
		}
		if (c->closing)
			break;
		c->wanted = 0;
		c->acquiring = 1;
		pthread_mutex_unlock(&c->lock);
		rc = ldap_gss_cred_attempt(c, &lifetime, why, sizeof(why));
		pthread_mutex_lock(&c->lock);
		c->acquiring = 0;
		if (rc == 0) {
			c->why[0] = '\0';
			if (lifetime == GSS_C_INDEFINITE) {
				c->expires = INT64_MAX;
				c->due = 0;
			} else {
				c->expires = clock_ms() + (int64_t)lifetime * 1000;
				/* half way through its life */
				c->due = clock_ms() + (int64_t)lifetime * 500 + 1;
			}
		} else {
			snprintf(c->why, sizeof(c->why), "%s", why);
			c->due = clock_ms() + LDAP_GSS_CRED_RETRY_MS;
			if (c->expires > 0)	/* a renewal: no bind says it */
				ldap_gss_cred_warn(c, why);
		}
		pthread_cond_broadcast(&c->done);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

gss_cred_id_t
ldap_gss_cred_get(ldap_gss_cred_t *c, int64_t deadline, char *why,
    size_t whylen)
{
	struct timespec	 ts;
	int		 rc;

	pthread_mutex_lock(&c->lock);
	if (!c->started) {
		if ((rc = pthread_create(&c->thread, NULL,
		    ldap_gss_cred_thread, c)) != 0) {
			snprintf(why, whylen, "Kerberos: cannot start the "
			    "thread that gets the tickets: %s", strerror(rc));
			pthread_mutex_unlock(&c->lock);
			return GSS_C_NO_CREDENTIAL;
		}
		c->started = 1;
	}
	if (clock_ms() >= c->expires - LDAP_GSS_CRED_SPARE_MS) {
		/* none yet, or one at its end: an attempt now, and wait */
		if (!c->acquiring) {	/* else the one under way serves */
			c->wanted = 1;
			pthread_cond_signal(&c->work);
		}
		clock_timespec(deadline, &ts);
		while (clock_ms() >= c->expires - LDAP_GSS_CRED_SPARE_MS &&
		    (c->wanted || c->acquiring) && clock_ms() < deadline)
			(void)pthread_cond_timedwait(&c->done, &c->lock, &ts);
	}
	if (clock_ms() >= c->expires - LDAP_GSS_CRED_SPARE_MS) {
		if (c->wanted || c->acquiring)
			snprintf(why, whylen, "Kerberos: no %sticket for %s: the "
			    "KDC has not answered within the lookup's time",
			    c->expires > 0 ? "new " : "", c->principal);
		else
			snprintf(why, whylen, "%s", c->why[0] != '\0' ? c->why :
			    "Kerberos: no ticket");
		pthread_mutex_unlock(&c->lock);
		return GSS_C_NO_CREDENTIAL;
	}
	pthread_mutex_unlock(&c->lock);
	/* a renewal may swap it in between: the one read here is held */
	pthread_rwlock_rdlock(&c->use);
	return c->cred;
}

void
ldap_gss_cred_put(ldap_gss_cred_t *c)
{
	pthread_rwlock_unlock(&c->use);
}

const char *
ldap_gss_cred_principal(const ldap_gss_cred_t *c)
{
	return c->principal;
}

ldap_gss_cred_t *
ldap_gss_cred_open(const char *path, const char *principal,
    const char *const *hosts, size_t nhosts, int *wrong_name, char *why,
    size_t whylen)
{
	static atomic_uint	 serial;
	ldap_gss_cred_t		*c;
	pthread_condattr_t	 ca;
	krb5_error_code		 code;
	char			 name[128], msg[LDAP_GSS_CRED_MSG_MAX];

	*wrong_name = 0;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto nomem;
	c->cred = GSS_C_NO_CREDENTIAL;
	if ((code = krb5_init_context(&c->ctx)) != 0) {
		c->ctx = NULL;
		snprintf(why, whylen, "Kerberos: %s",
		    ldap_gss_cred_krb5(NULL, code, msg, sizeof(msg)));
		goto fail;
	}
	snprintf(name, sizeof(name), "MEMORY:mailswitch-%ld-%u",
	    (long)getpid(), atomic_fetch_add(&serial, 1));
	if ((c->keytab_name = strdup(name)) == NULL)
		goto nomem;
	if ((code = krb5_kt_resolve(c->ctx, name, &c->keytab)) != 0) {
		snprintf(why, whylen, "Kerberos: %s",
		    ldap_gss_cred_krb5(c->ctx, code, msg, sizeof(msg)));
		goto fail;
	}
	if (ldap_gss_cred_keys(c, path, principal, wrong_name, why,
	    whylen) == -1)
		goto fail;
	if (nhosts > 0 && (c->hosts = calloc(nhosts, sizeof(*c->hosts))) ==
	    NULL)
		goto nomem;
	for (; c->nhosts < nhosts; c->nhosts++)
		if ((c->hosts[c->nhosts] = strdup(hosts[c->nhosts])) == NULL)
			goto nomem;
	if (pthread_rwlock_init(&c->use, NULL) != 0)
		goto nomem;
	c->made |= 1;
	if (pthread_mutex_init(&c->lock, NULL) != 0)
		goto nomem;
	c->made |= 2;
	if (pthread_condattr_init(&ca) != 0)
		goto nomem;
	if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&c->work, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		goto nomem;
	}
	c->made |= 4;
	if (pthread_cond_init(&c->done, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		goto nomem;
	}
	pthread_condattr_destroy(&ca);
	c->made |= 8;
	return c;

nomem:
	snprintf(why, whylen, "out of memory");
fail:
	if (c != NULL)
		ldap_gss_cred_free(c);
	return NULL;
}

void
ldap_gss_cred_close(ldap_gss_cred_t *c)
{
	int	 started;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	c->closing = 1;
	started = c->started;
	pthread_cond_signal(&c->work);
	pthread_mutex_unlock(&c->lock);
	/* an attempt under way ends first: MIT bounds it (13 to 27 s) */
	if (started)
		(void)pthread_join(c->thread, NULL);
	ldap_gss_cred_free(c);
}

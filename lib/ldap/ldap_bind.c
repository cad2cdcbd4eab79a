/*
 * ldap_bind.c - see ldap_bind.h.  The password is read once, kept in
 * memory for the reconnections, wiped when the handle is closed, and never
 * written into a message.  The GSSAPI bind is ldap_gss.c's.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <lber.h>
#include <ldap.h>

#include "ldap_bind.h"
#include "ldap_gss.h"
#include "regfile.h"

#define LDAP_BIND_PASSWORD_MAX	1024	/* bytes in the password file */

struct ldap_bind {
	ldap_bind_method_t	 kind;
	char			*dn;		/* simple; "" = anonymous */
	struct berval		 password;	/* simple; bv_len 0 = anonymous */
	ldap_gss_t		*gss;		/* gssapi */
	char			*name;		/* for messages */
};

/*
 * Reads the bind password from path: a regular file that group and
 * others may not read; one trailing newline is not part of it.  Returns
 * 0, or -1 with a message in err (never the file's content).
 */
static int
ldap_bind_password(ldap_bind_t *b, const char *conf, const char *path,
    char *err, size_t errlen)
{
	struct stat	 st;
	char		 buf[LDAP_BIND_PASSWORD_MAX + 2], why[256];
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, ret = -1;

	if ((fd = regfile_open(path, why, sizeof(why))) == -1) {
		snprintf(err, errlen, "%s: directory.ldap.bind_password_file "
		    "%s: cannot open: %s", conf, path, why);
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: directory.ldap.bind_password_file "
		    "%s: %s", conf, path, strerror(errno));
		goto done;
	}
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		snprintf(err, errlen, "%s: directory.ldap.bind_password_file "
		    "%s: readable by group or others (mode %04o); refusing "
		    "to use it: make it readable by its owner only (chmod "
		    "600)", conf, path, (unsigned)(st.st_mode & 07777));
		goto done;
	}
	while (len < sizeof(buf) &&
	    (n = read(fd, buf + len, sizeof(buf) - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: directory.ldap."
			    "bind_password_file %s: cannot read: %s", conf,
			    path, strerror(errno));
			goto done;
		}
		len += (size_t)n;
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > LDAP_BIND_PASSWORD_MAX)
		snprintf(err, errlen, "%s: directory.ldap.bind_password_file "
		    "%s: longer than %d bytes", conf, path,
		    LDAP_BIND_PASSWORD_MAX);
	else if (len == 0)
		snprintf(err, errlen, "%s: directory.ldap.bind_password_file "
		    "%s: empty (an empty password is an anonymous bind)",
		    conf, path);
	else if (memchr(buf, '\0', len) != NULL)
		snprintf(err, errlen, "%s: directory.ldap.bind_password_file "
		    "%s: holds a NUL byte", conf, path);
	else if ((b->password.bv_val = malloc(len + 1)) == NULL)
		snprintf(err, errlen, "%s: out of memory", conf);
	else {
		memcpy(b->password.bv_val, buf, len);
		b->password.bv_val[len] = '\0';
		b->password.bv_len = len;
		ret = 0;
	}
done:
	explicit_bzero(buf, sizeof(buf));
	(void)close(fd);
	return ret;
}

/* The simple bind's part of ldap_bind_open(). */
static int
ldap_bind_simple(ldap_bind_t *b, const config_ldap_t *lc, const char *file,
    char *err, size_t errlen)
{

	if (lc->bind_dn[0] != '\0' && lc->bind_password_file[0] == '\0') {
		snprintf(err, errlen, "%s: directory.ldap.bind_dn is set but "
		    "bind_password_file is empty", file);
		return -1;
	}
	if (lc->bind_dn[0] == '\0' && lc->bind_password_file[0] != '\0') {
		snprintf(err, errlen, "%s: directory.ldap.bind_password_file "
		    "is set but bind_dn is empty", file);
		return -1;
	}
	if (lc->bind_dn[0] != '\0' && ldap_bind_password(b, file,
	    lc->bind_password_file, err, errlen) == -1)
		return -1;
	return 0;
}

ldap_bind_t *
ldap_bind_open(const config_ldap_t *lc, const char *file, const char *user,
    char *err, size_t errlen)
{
	ldap_bind_t			*b;
	const char			*who;
	size_t				 len;

	if (lc->bind_dn == NULL || lc->bind_password_file == NULL) {
		snprintf(err, errlen, "directory: incomplete ldap settings");
		return NULL;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL)
		goto nomem;
	b->kind = lc->bind;
	if (b->kind == BIND_GSSAPI) {
		if ((b->gss = ldap_gss_open(lc, file, user, err, errlen)) == NULL) {
			ldap_bind_close(b);
			return NULL;
		}
		who = ldap_gss_principal(b->gss);
	} else {
		if (ldap_bind_simple(b, lc, file, err, errlen) == -1) {
			ldap_bind_close(b);
			return NULL;
		}
		who = lc->bind_dn;
	}
	len = strlen(who) + sizeof("GSSAPI bind as ");
	if ((b->dn = strdup(lc->bind_dn)) == NULL ||
	    (b->name = malloc(len)) == NULL) {
		ldap_bind_close(b);
		goto nomem;
	}
	if (b->kind == BIND_GSSAPI)
		snprintf(b->name, len, "GSSAPI bind as %s", who);
	else if (who[0] != '\0')
		snprintf(b->name, len, "bind as %s", who);
	else
		snprintf(b->name, len, "anonymous bind");
	return b;

nomem:
	snprintf(err, errlen, "%s: out of memory", file);
	return NULL;
}

int
ldap_bind_run(ldap_bind_t *b, LDAP *ld, int tls)
{
	struct berval	 password = b->password;	/* libldap's is not const */

	switch (b->kind) {
	case BIND_SIMPLE:
		return ldap_sasl_bind_s(ld, b->dn, LDAP_SASL_SIMPLE, &password,
		    NULL, NULL, NULL);
	case BIND_GSSAPI:
		return ldap_gss_bind(b->gss, ld, tls);
	}
	return LDAP_PARAM_ERROR;
}

const char *
ldap_bind_hint(const ldap_bind_t *b, int rc, int tls)
{
	if (rc != LDAP_STRONG_AUTH_REQUIRED &&
	    rc != LDAP_CONFIDENTIALITY_REQUIRED)
		return "";
	if (b->kind == BIND_SIMPLE && b->password.bv_len > 0 && !tls)
		return "; the password went in clear, which the server "
		    "refuses: use ldaps:// or starttls = true";
	if (b->kind == BIND_GSSAPI && tls)
		return "; inside TLS GSSAPI adds no SASL layer (AD's rule), "
		    "which a Samba DC before 4.20 refuses unless 'ldap server "
		    "require strong auth = allow_sasl_over_tls': use ldap://";
	return "";
}

int
ldap_bind_clear(const config_ldap_t *lc, const char *file, char *buf,
    size_t buflen)
{
	size_t				 len;
	int				 n = 0;

	if (lc->bind != BIND_SIMPLE || lc->bind_dn == NULL ||
	    lc->bind_dn[0] == '\0' || lc->starttls || lc->uri == NULL)
		return 0;
	for (size_t i = 0; i < lc->nuri; i++) {
		if (strncasecmp(lc->uri[i], "ldap://", 7) != 0)
			continue;	/* ldaps://, or ldapi:// (local) */
		if (n++ == 0)
			snprintf(buf, buflen, "%s: directory.ldap: a simple bind "
			    "sends the password in clear to %s", file,
			    lc->uri[i]);
		else if ((len = strlen(buf)) < buflen)
			snprintf(buf + len, buflen - len, ", %s", lc->uri[i]);
	}
	if (n > 0 && (len = strlen(buf)) < buflen)
		snprintf(buf + len, buflen - len, ": use ldaps:// or starttls "
		    "= true");
	return n > 0;
}

const char *
ldap_bind_name(const ldap_bind_t *b)
{
	return b->name;
}

void
ldap_bind_close(ldap_bind_t *b)
{
	if (b == NULL)
		return;
	if (b->password.bv_val != NULL) {
		explicit_bzero(b->password.bv_val, b->password.bv_len);
		free(b->password.bv_val);
	}
	ldap_gss_close(b->gss);
	free(b->dn);
	free(b->name);
	free(b);
}

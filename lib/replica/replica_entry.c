/*
 * replica_entry.c - see replica_entry.h.  Every value is read by the
 * rules of dir_entry.h, as the ldap and ldif back-ends read theirs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lber.h>
#include <ldap.h>

#include "addr.h"
#include "dir_entry.h"
#include "replica_entry.h"
#include "replica_store.h"
#include "syncrepl.h"

#define REPLICA_ENTRY_GUID_LEN	16	/* octets of an objectGUID */

static const struct replica_id_kind_info {
	const char	*attr;		/* NULL: the DN */
	const char	*name;
	int		 guid;		/* 16 octets, read as such */
} replica_id_kinds[REPLICA_ID_KIND_COUNT] = {
	[REPLICA_ID_DN] = { NULL, "DN", 0 },
	[REPLICA_ID_ENTRYUUID] = { "entryUUID", "entryUUID", 0 },
	[REPLICA_ID_OBJECTGUID] = { "objectGUID", "objectGUID", 1 },
};

const char *
replica_entry_id_attr(replica_id_kind_t kind)
{
	return (unsigned)kind < REPLICA_ID_KIND_COUNT ?
	    replica_id_kinds[kind].attr : NULL;
}

const char *
replica_entry_id_name(replica_id_kind_t kind)
{
	return (unsigned)kind < REPLICA_ID_KIND_COUNT ?
	    replica_id_kinds[kind].name : "?";
}

int
replica_entry_guid(LDAP *ld, LDAPMessage *msg, const char *attr, char *out,
    size_t outlen)
{
	/* a GUID's first three fields are little-endian on the wire */
	static const size_t	 order[REPLICA_ENTRY_GUID_LEN] = {
		3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15
	};
	struct berval		**v = ldap_get_values_len(ld, msg, attr);
	unsigned char		  b[REPLICA_ENTRY_GUID_LEN];
	char			  text[SYNCREPL_UUID_TEXT];
	int			  ok = 0;

	out[0] = '\0';
	if (v != NULL && v[0] != NULL && v[0]->bv_len == sizeof(b) &&
	    outlen >= sizeof(text)) {
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)v[0]->bv_val[order[i]];
		syncrepl_uuid_format(b, text);
		snprintf(out, outlen, "%s", text);
		ok = 1;
	}
	ldap_value_free_len(v);
	return ok;
}

int
replica_entry_ident(LDAP *ld, LDAPMessage *msg, replica_id_kind_t kind,
    char *id, size_t idlen)
{
	const struct replica_id_kind_info *k;
	struct berval		**v;
	int			  ok = 0;

	id[0] = '\0';
	if ((unsigned)kind >= REPLICA_ID_KIND_COUNT ||
	    (k = &replica_id_kinds[kind])->attr == NULL)
		return 0;
	if (k->guid)
		return replica_entry_guid(ld, msg, k->attr, id, idlen);
	if ((v = ldap_get_values_len(ld, msg, k->attr)) == NULL)
		return 0;
	if (v[0] != NULL && v[0]->bv_len > 0 && v[0]->bv_len < idlen &&
	    memchr(v[0]->bv_val, '\0', v[0]->bv_len) == NULL) {
		memcpy(id, v[0]->bv_val, v[0]->bv_len);
		id[v[0]->bv_len] = '\0';
		ok = 1;
	}
	ldap_value_free_len(v);
	return ok;
}

void
replica_entry_clear(replica_entry_t *e)
{
	for (size_t i = 0; i < e->nkeys; i++)
		free(e->keys[i]);
	free(e->keys);
	free(e->secondary.s);
	free(e->dn_id);
	ldap_memfree(e->dn);
	memset(e, 0, sizeof(*e));
}

/* Adds key to the entry's proxy keys; -1: out of memory. */
static int
replica_entry_key(replica_entry_t *e, const char *key)
{
	char	**p;

	if (e->nkeys == e->maxkeys) {
		size_t	 n = e->maxkeys ? 2 * e->maxkeys : 8;

		if ((p = realloc(e->keys, n * sizeof(*p))) == NULL)
			return -1;
		e->keys = p;
		e->maxkeys = n;
	}
	if ((e->keys[e->nkeys] = strdup(key)) == NULL)
		return -1;
	e->nkeys++;
	return 0;
}

void
replica_entry_value(LDAP *ld, LDAPMessage *msg, const char *attr, char *buf,
    size_t buflen)
{
	struct berval	**v = ldap_get_values_len(ld, msg, attr);

	buf[0] = '\0';
	if (v != NULL && v[0] != NULL && v[0]->bv_len < buflen) {
		memcpy(buf, v[0]->bv_val, v[0]->bv_len);
		buf[v[0]->bv_len] = '\0';
	}
	ldap_value_free_len(v);
}

const char *
replica_entry_id(const replica_entry_t *e)
{
	return e->dn_id != NULL ? e->dn_id : e->id;
}

int
replica_entry_read(replica_entry_t *e, const replica_settings_t *set,
    LDAP *ld, LDAPMessage *msg, const char *id, replica_id_kind_t ids,
    const ldap_range_t *range, char *err, size_t errlen)
{
	struct berval		**pv, **tv;
	dir_entry_rules_t	 rules;
	dir_entry_kind_t	 kind;
	char			 msgbuf[REPLICA_ENTRY_MSG_MAX];
	addr_t			 a;
	int			 rc = 0;

	memset(e, 0, sizeof(*e));
	if ((e->dn = ldap_get_dn(ld, msg)) == NULL) {
		snprintf(err, errlen, "an entry without a DN");
		return -1;
	}
	if (id != NULL)
		snprintf(e->id, sizeof(e->id), "%s", id);
	else
		(void)replica_entry_ident(ld, msg, ids, e->id, sizeof(e->id));
	if (e->id[0] == '\0' && (e->dn_id = replica_store_dn_id(e->dn)) ==
	    NULL)
		goto nomem;
	replica_entry_value(ld, msg, set->change_attr, e->change,
	    sizeof(e->change));

	if (ldap_range_values(ld, msg, set->proxy_attr, range, &pv, err,
	    errlen) == -1)
		goto fail;
	if (ldap_range_values(ld, msg, set->target_attr, range, &tv, err,
	    errlen) == -1) {
		ldap_value_free_len(pv);
		goto fail;
	}
	e->has_values = pv != NULL || tv != NULL;
	dir_entry_begin(&rules, e->dn, set->target_attr);
	for (size_t i = 0; rc == 0 && pv != NULL && pv[i] != NULL; i++) {
		kind = dir_entry_proxy(&rules, pv[i]->bv_val, pv[i]->bv_len, &a,
		    msgbuf, sizeof(msgbuf));
		if (kind == DIR_ENTRY_BAD_ENTRY && e->bad[0] == '\0')
			snprintf(e->bad, sizeof(e->bad), "replica: %s", msgbuf);
		if (kind != DIR_ENTRY_OTHER && a.key[0] != '\0')
			rc = replica_entry_key(e, a.key);
		if (rc == 0 && kind == DIR_ENTRY_SECONDARY)
			rc = dir_entry_list_add(&e->secondary, a.text);
	}
	for (size_t i = 0; rc == 0 && tv != NULL && tv[i] != NULL; i++) {
		kind = dir_entry_target(&rules, tv[i]->bv_val, tv[i]->bv_len, &a,
		    msgbuf, sizeof(msgbuf));
		if (kind == DIR_ENTRY_BAD_ENTRY && e->bad[0] == '\0')
			snprintf(e->bad, sizeof(e->bad), "replica: %s", msgbuf);
		if (a.key[0] != '\0' && e->target_key[0] == '\0')
			snprintf(e->target_key, sizeof(e->target_key), "%s",
			    a.key);
	}
	ldap_value_free_len(pv);
	ldap_value_free_len(tv);
	if (rc == -1)
		goto nomem;
	if (rules.has_primary)
		snprintf(e->primary, sizeof(e->primary), "%s",
		    rules.primary.text);
	if (rules.has_target)
		snprintf(e->target, sizeof(e->target), "%s", rules.target.text);
	e->rec.dn = e->dn;
	e->rec.primary = e->primary[0] != '\0' ? e->primary : NULL;
	e->rec.target = e->target[0] != '\0' ? e->target : NULL;
	e->rec.proxy_keys = (const char *const *)e->keys;
	e->rec.nproxy_keys = e->nkeys;
	e->rec.target_key = e->target_key[0] != '\0' ? e->target_key : NULL;
	e->rec.secondary = e->secondary.s;
	e->rec.bad = e->bad[0] != '\0' ? e->bad : NULL;
	return 0;

nomem:
	snprintf(err, errlen, "out of memory");
fail:
	replica_entry_clear(e);
	return -1;
}

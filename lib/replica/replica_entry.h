/*
 * replica_entry.h - one entry the replica's sync reads from the server,
 * made into a record of its copy (replica_store.h, dir_index.h) by the
 * entry rules every back-end shares (dir_entry.h): its DN, the identity
 * it is stored under, its keys, its primary and target addresses, what is
 * wrong with it (an entry that breaks the rules is kept as bad: lookups
 * of its addresses answer try-again), and its change_attribute value.
 */
#ifndef MAILSWITCH_REPLICA_ENTRY_H
#define MAILSWITCH_REPLICA_ENTRY_H

#include <stddef.h>

#include <ldap.h>

#include "addr.h"
#include "dir_entry.h"
#include "dir_index.h"
#include "ldap_range.h"
#include "replica_state.h"
#include "syncrepl.h"

#define REPLICA_ENTRY_CHANGE_MAX 128	/* octets of a change_attribute value */
#define REPLICA_ENTRY_BAD_MAX	1024	/* what is wrong with it */
#define REPLICA_ENTRY_MSG_MAX	900	/* a rule's message, inside BAD_MAX */
#define REPLICA_ENTRY_ID_MAX	(SYNCREPL_UUID_TEXT > 64 ? \
				    SYNCREPL_UUID_TEXT : 64)

/*
 * What the replica keys an entry by (SPEC section 9, "Identity, not
 * name"): a rename or a move keeps it, so the copy sees a change of one
 * entry, never an entry gone and another come.  One table in
 * replica_entry.c gives each kind its attribute and its name.
 */
typedef enum replica_id_kind {
	REPLICA_ID_DN,		/* its DN in lower case: the server gives no
				   identity */
	REPLICA_ID_ENTRYUUID,	/* RFC 4530's entryUUID: OpenLDAP and others */
	REPLICA_ID_OBJECTGUID,	/* Active Directory's objectGUID: 16 octets */
	REPLICA_ID_KIND_COUNT
} replica_id_kind_t;

/* The attribute that holds an identity of kind; NULL for REPLICA_ID_DN. */
const char *replica_entry_id_attr(replica_id_kind_t kind);

/* The name of kind, for the log: "DN", "entryUUID", "objectGUID". */
const char *replica_entry_id_name(replica_id_kind_t kind);

/*
 * Writes the identity of kind of the entry msg on ld into id (idlen at
 * least REPLICA_ENTRY_ID_MAX) as text: an entryUUID as the server spells
 * it, an objectGUID (16 octets, read as such) in Active Directory's text
 * form, "9608e5b3-faa4-4401-9628-9c155dc2e2eb" (the first three groups
 * little-endian).  Returns 1, or 0 when the entry has none: kind
 * REPLICA_ID_DN, no value, or a value that cannot be one (an objectGUID
 * of another length, a text too long); id is then "".
 */
int	replica_entry_ident(LDAP *ld, LDAPMessage *msg, replica_id_kind_t kind,
	    char *id, size_t idlen);

/*
 * Writes the first value of attr of the entry msg on ld, a GUID of 16
 * octets, in Active Directory's text form (as replica_entry_ident() does
 * an objectGUID) into out (outlen at least REPLICA_ENTRY_ID_MAX).
 * Returns 1, or 0 with out "" when there is none of that length.
 */
int	replica_entry_guid(LDAP *ld, LDAPMessage *msg, const char *attr,
	    char *out, size_t outlen);

/*
 * One entry; rec points into the rest.  Filled by replica_entry_read(),
 * emptied by replica_entry_clear(); one thread.
 */
typedef struct replica_entry {
	dir_index_record_t	 rec;
	char			*dn;		/* ldap_memfree() */
	char			 id[REPLICA_ENTRY_ID_MAX];
	char			*dn_id;		/* free(); else the id */
	char			 primary[ADDR_TEXT_MAX + 1];
	char			 target[ADDR_TEXT_MAX + 1];
	char			 target_key[ADDR_TEXT_MAX + 1];
	char			**keys;
	size_t			 nkeys, maxkeys;
	dir_entry_list_t	 secondary;	/* its secondary addresses */
	char			 bad[REPLICA_ENTRY_BAD_MAX];
	char			 change[REPLICA_ENTRY_CHANGE_MAX];
	int			 has_values;	/* 1: a value of the proxy or
						   target attribute came */
} replica_entry_t;

/*
 * Reads the entry msg of a search on ld into e (which need not be
 * initialised) by the attributes of set: its DN; its identity, which is
 * id when not NULL, else its identity of kind ids (replica_entry_ident())
 * when it has one, else its DN in lower case (replica_store_dn_id());
 * its proxy and target keys, their values read whole when the server
 * sends them in ranges (ldap_range.h, further requests made as range
 * says); and its change_attribute value (e->has_values: 1 when any value
 * of the proxy or target attribute came).  Returns 0 (free what e holds
 * with replica_entry_clear()), or -1 with a message in err ("an entry
 * without a DN", "out of memory", a ranged read that failed: never an
 * entry with part of its values; e then holds nothing).
 */
int	replica_entry_read(replica_entry_t *e, const replica_settings_t *set,
	    LDAP *ld, LDAPMessage *msg, const char *id, replica_id_kind_t ids,
	    const ldap_range_t *range, char *err, size_t errlen);

/* Frees what e holds and empties it. */
void	replica_entry_clear(replica_entry_t *e);

/* The identity e is stored under; belongs to e. */
const char *replica_entry_id(const replica_entry_t *e);

/*
 * Copies the first value of attr of the entry msg into buf, when it fits
 * with its NUL; "" when there is none or it does not fit.
 */
void	replica_entry_value(LDAP *ld, LDAPMessage *msg, const char *attr,
	    char *buf, size_t buflen);

#endif /* MAILSWITCH_REPLICA_ENTRY_H */

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
} replica_entry_t;

/*
 * Reads the entry msg of a search on ld into e (which need not be
 * initialised) by the attributes of set: its DN; its identity, which is
 * id when not NULL, else the first value of id_attr when not NULL and
 * the entry has one, else its DN in lower case (replica_store_dn_id());
 * its proxy and target keys, their values read whole when the server
 * sends them in ranges (ldap_range.h, further requests made as range
 * says); and its change_attribute value.  Returns 0 (free what e holds
 * with replica_entry_clear()), or -1 with a message in err ("an entry
 * without a DN", "out of memory", a ranged read that failed: never an
 * entry with part of its values; e then holds nothing).
 */
int	replica_entry_read(replica_entry_t *e, const replica_settings_t *set,
	    LDAP *ld, LDAPMessage *msg, const char *id, const char *id_attr,
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

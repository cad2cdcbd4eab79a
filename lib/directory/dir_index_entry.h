/*
 * dir_index_entry.h - inside the directory index (dir_index.h): the
 * layout of one immutable, reference-counted entry, shared by the index's
 * shards (dir_index.c) and the replica's store.  Only dir_index*.c read
 * it; everyone else holds a dir_index_entry_t through dir_index.h.
 */
#ifndef MAILSWITCH_DIR_INDEX_ENTRY_H
#define MAILSWITCH_DIR_INDEX_ENTRY_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "dir_index.h"

/*
 * One allocation: this struct, the keys, then the strings.  Each string
 * is an offset from the entry's first octet (0: none), 4 octets where a
 * pointer takes 8; read it with DIR_INDEX_STR().  A folded key equal to a
 * string the entry keeps anyway (the primary, the target, a contact's one
 * secondary address) is that string's offset instead of a copy.
 */
struct dir_index_entry {
	atomic_uint	 refs;
	uint32_t	 nkeys;		/* proxy keys, folded, each once */
	uint32_t	 id;		/* its owner's name for it */
	uint32_t	 dn;
	uint32_t	 primary;	/* 0: none */
	uint32_t	 target;	/* 0: a user */
	uint32_t	 secondary;	/* joined; 0: none, or a user */
	uint32_t	 bad;		/* 0, or its keys answer DIR_TRYAGAIN */
	uint32_t	 target_key;	/* folded; 0: none */
	uint32_t	 keys[];	/* nkeys proxy keys */
};

/* The string at offset off of e, or NULL for 0. */
static inline const char *
dir_index_entry_at(const dir_index_entry_t *e, uint32_t off)
{
	return off == 0 ? NULL : (const char *)e + off;
}

/* The string e->field (dn, keys[i]...), or NULL. */
#define DIR_INDEX_STR(e, field)	dir_index_entry_at((e), (e)->field)

#endif /* MAILSWITCH_DIR_INDEX_ENTRY_H */

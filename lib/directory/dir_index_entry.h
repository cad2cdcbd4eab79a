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

#include "dir_index.h"

/*
 * One allocation: this struct, the key pointers, then the strings.  A
 * folded key equal to a string the entry keeps anyway (the primary, the
 * target, a contact's one secondary address) points at that string
 * instead of a copy.
 */
struct dir_index_entry {
	atomic_uint	 refs;
	unsigned	 nkeys;		/* proxy keys, folded, each once */
	const char	*id;		/* its owner's name for it; NULL: none */
	const char	*dn;
	const char	*primary;	/* NULL: none */
	const char	*target;	/* NULL: a user */
	const char	*secondary;	/* joined; NULL: none, or a user */
	const char	*bad;		/* NULL, or its keys answer DIR_TRYAGAIN */
	const char	*target_key;	/* folded; NULL: none */
	const char	*keys[];	/* nkeys proxy keys */
};

#endif /* MAILSWITCH_DIR_INDEX_ENTRY_H */

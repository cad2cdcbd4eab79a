/*
 * dir_ldif.h - the embedded back-end: an LDIF export loaded into memory.
 */
#ifndef MAILSWITCH_DIR_LDIF_H
#define MAILSWITCH_DIR_LDIF_H

#include <stddef.h>

#include "directory.h"

extern const dir_backend_ops_t dir_ldif_ops;

/*
 * Loads the LDIF file at path, indexing proxy_attr and target_attr values
 * (attribute names compared without case).  Returns the back-end handle for
 * dir_ldif_ops, or NULL with "FILE:LINE: message" in err for a file that
 * cannot be read or parsed, or an entry whose values break any of the
 * entry rules (dir_entry.h); control characters of the file shown in the
 * message are '?'.
 */
void	*dir_ldif_open(const char *path, const char *proxy_attr,
	    const char *target_attr, char *err, size_t errlen);

#endif /* MAILSWITCH_DIR_LDIF_H */

/*
 * config_tables.h - the tables section of the configuration: Postfix's own
 * lmdb tables, kept current (README "Tables mode", tables.h), read and
 * checked by config_tables.c.
 */
#ifndef MAILSWITCH_CONFIG_TABLES_H
#define MAILSWITCH_CONFIG_TABLES_H

#include "config_directory.h"
#include "config_policy.h"

/* The maps of the tables mode (config_tables_t.maps, tables.h). */
#define CONFIG_TABLES_ACCESS	0x1u
#define CONFIG_TABLES_VIRTUAL	0x2u
#define CONFIG_TABLES_GENERIC	0x4u
#define CONFIG_TABLES_ALL	0x7u

typedef struct config_tables {
	char		*path;		/* their folder, resolved; "" = off */
	unsigned	 maps;		/* CONFIG_TABLES_* */
} config_tables_t;

/* Only config*.c call these (config_read.h, libconfig's settings). */
struct config_read;
struct config_setting_t;
struct libconfig_config_t;		/* libconfig's config_t (config_read.h) */

/*
 * Reads the tables group g into t (path resolved against the
 * configuration's folder).  Returns 0, or -1 with "FILE:LINE: message"
 * written.
 */
int	config_tables_load(struct config_read *rd,
	    const struct config_setting_t *g, config_tables_t *t);

/*
 * With t->path set, once the whole file lc is read (its directory, domains
 * and outbound sections given beside t): a copy of the whole directory to
 * write them from, a folder for them, and nothing the chosen maps cannot hold (Postfix looks up "@domain" exactly in the
 * virtual and generic tables).  Returns 0, or -1 with the error written,
 * at the tables group's line.
 */
int	config_tables_check(struct config_read *rd,
	    const struct libconfig_config_t *lc, const config_tables_t *t,
	    const config_directory_t *dir, const domains_t *domains,
	    const config_outbound_t *outbound);

#endif /* MAILSWITCH_CONFIG_TABLES_H */

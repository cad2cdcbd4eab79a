/*
 * log.h - the one logging module: syslog, and stderr in the foreground.
 */
#ifndef MAILSWITCH_LOG_H
#define MAILSWITCH_LOG_H

#include <syslog.h>

/*
 * Opens syslog as ident with facility, logging messages up to level
 * (LOG_ERR .. LOG_DEBUG); with to_stderr, every line is also written to
 * standard error.  Call before threads start; log_set_level() and
 * log_set_facility() (LOG_MAIL, LOG_LOCAL0 ...: a reload's new
 * syslog_facility) may be called at any time.
 */
void	log_open(const char *ident, int facility, int level, int to_stderr);
void	log_set_level(int level);
void	log_set_facility(int facility);

/* Returns non-zero when a message at level would be written. */
int	log_enabled(int level);

/* Logs one line at level (LOG_ERR, LOG_WARNING, ...).  Thread-safe. */
void	log_msg(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Parses "error" .. "debug" / "mail", "local0" ...; -1 when unknown. */
int	log_level_from_name(const char *name);
int	log_facility_from_name(const char *name);

#endif /* MAILSWITCH_LOG_H */

/*
 * log.c - syslog, and standard error when running in the foreground.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "log.h"

static atomic_int	log_level = LOG_INFO;
static atomic_int	log_facility = LOG_MAIL;
static int		log_to_stderr;
static pthread_mutex_t	log_stderr_lock = PTHREAD_MUTEX_INITIALIZER;

static const struct {
	const char	*name;
	int		 value;
} log_levels[] = {
	{ "error", LOG_ERR },
	{ "warning", LOG_WARNING },
	{ "notice", LOG_NOTICE },
	{ "info", LOG_INFO },
	{ "debug", LOG_DEBUG },
}, log_facilities[] = {
	{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

void
log_open(const char *ident, int facility, int level, int to_stderr)
{
	openlog(ident, LOG_PID | LOG_NDELAY, facility);
	log_to_stderr = to_stderr;
	log_set_level(level);
	log_set_facility(facility);
}

void
log_set_facility(int facility)
{
	atomic_store(&log_facility, facility);
}

void
log_set_level(int level)
{
	atomic_store(&log_level, level);
}

int
log_enabled(int level)
{
	return level <= atomic_load(&log_level);
}

/*
 * Makes a line one line: line breaks (of folded header values) are taken
 * out, a tab becomes a space, other control characters become '?', as
 * Postfix's printable() does.
 */
static void
log_printable(char *line)
{
	char	*out = line;

	for (char *p = line; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n')
			continue;
		if (*p == '\t')
			*out++ = ' ';
		else
			*out++ = (*p > 0 && *p < ' ') || *p == 0x7f ? '?' : *p;
	}
	*out = '\0';
}

void
log_msg(int level, const char *fmt, ...)
{
	char	 line[8192];	/* two encapsulated addresses (addr.h) */
	va_list	 ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_printable(line);
	syslog(atomic_load(&log_facility) | level, "%s", line);
	if (log_to_stderr) {
		pthread_mutex_lock(&log_stderr_lock);
		fprintf(stderr, "mailswitch: %s\n", line);
		pthread_mutex_unlock(&log_stderr_lock);
	}
}

int
log_level_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++)
		if (strcasecmp(name, log_levels[i].name) == 0)
			return log_levels[i].value;
	return -1;
}

int
log_facility_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(log_facilities) / sizeof(log_facilities[0]); i++)
		if (strcasecmp(name, log_facilities[i].name) == 0)
			return log_facilities[i].value;
	return -1;
}

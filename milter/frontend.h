/*
 * frontend.h - the daemon's front ends in one table: the milter
 * (callbacks.h), the socketmap server (socketmap.h) and the metrics
 * endpoint (metrics_http.h), each with the same few operations, so that
 * daemon.c opens, starts and stops them without naming them.  A front end
 * is on when its socket is configured.  A new front end is a value of
 * frontend_id_t and a row of frontend.c's table.
 */
#ifndef MAILSWITCH_FRONTEND_H
#define MAILSWITCH_FRONTEND_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

typedef enum frontend_id {
	FRONTEND_MILTER,
	FRONTEND_SOCKETMAP,
	FRONTEND_METRICS,
	FRONTEND_COUNT
} frontend_id_t;

/* One front end's row; the strings are static. */
typedef struct frontend {
	const char	*name;		/* in the start-up line: "milter" ... */
	const char	*work;		/* what it has in flight, in the stop's
					   log lines ("message"), or NULL */
	/* Returns its socket in cfg: a specification, "" when it is off. */
	const char	*(*spec)(const config_t *cfg);
	/*
	 * Opens the socket spec before the daemon forks and drops its
	 * privileges.  Returns EX_OK, or an exit status (sysexits.h) with a
	 * message in err.
	 */
	int		 (*open)(const char *spec, char *err, size_t errlen);
	/* Starts its threads: 0, or -1 (logged).  NULL: it has none. */
	int		 (*start)(void);
	/*
	 * Serves in the daemon's main thread until the end (libmilter's
	 * smfi_main()); returns EX_OK or an exit status.  NULL: it does not.
	 */
	int		 (*run)(void);
	/*
	 * Stops taking new work; what is in flight goes on.  Thread-safe; a
	 * no-op for a front end that is off.
	 */
	void		 (*stop)(void);
	/* Returns how much work it has in flight (0 when off); NULL: never any. */
	int		 (*in_flight)(void);
	bool		 stop_after_drain;	/* stopped only once nothing is in
					   flight anywhere (the metrics: to be
					   watched while the daemon drains) */
} frontend_t;

/* Returns the row of id (id < FRONTEND_COUNT). */
const frontend_t *frontend_get(frontend_id_t id);

/* Returns true when f's socket is configured in cfg. */
bool	frontend_on(const frontend_t *f, const config_t *cfg);

#endif /* MAILSWITCH_FRONTEND_H */

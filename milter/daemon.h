/*
 * daemon.h - the daemon's life from start to a clean stop, shared by the
 * front ends: open the socket, detach (unless in the foreground), write
 * the pidfile, become `user`, take SIGHUP (a reload, in a thread of its
 * own) and SIGTERM / SIGINT (refuse new work, let what is in flight end,
 * stop).
 */
#ifndef MAILSWITCH_DAEMON_H
#define MAILSWITCH_DAEMON_H

#include <pwd.h>
#include <stdbool.h>
#include <stddef.h>

#include "runtime.h"

/*
 * Looks up the user to become when running as root.  Returns 0 with *pw
 * (NULL when not root), or -1 with "FILE: no such user 'x'" in err.
 */
int	daemon_lookup_user(const config_t *cfg, struct passwd **pw, char *err,
	    size_t errlen);

/*
 * Runs the daemon on rt (taking over the caller's reference) until SIGTERM
 * or SIGINT; SIGHUP reloads config_path with the overrides ov (both must
 * outlive the daemon).  Returns the exit status (sysexits.h) of a failed
 * start; a clean stop ends the process with EX_OK.
 */
int	daemon_run(runtime_t *rt, const char *config_path,
	    const runtime_overrides_t *ov, bool foreground);

#endif /* MAILSWITCH_DAEMON_H */

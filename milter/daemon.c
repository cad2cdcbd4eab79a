/*
 * daemon.c - the daemon's life from start to a clean stop, for every front
 * end of frontend.h's table: the sockets, detaching, the pidfile,
 * privileges, the signal and reload threads, and the drain of the work in
 * flight on SIGTERM.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "frontend.h"
#include "interpose.h"
#include "log.h"
#include "startup_keys.h"
#include "tables_thread.h"

#define STOP_WAIT_SECONDS 300	/* longest wait for messages in flight */

/* What a reload reads again: set once by daemon_run(). */
static const char		*daemon_config_path;
static const runtime_overrides_t *daemon_overrides;
/* What the daemon started with and a reload cannot change. */
static startup_keys_t		*daemon_startup;

/* Returns the path of a unix-domain socket specification, or NULL. */
static const char *
unix_socket_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	if (strncmp(spec, "local:", 6) == 0)
		return spec + 6;
	return NULL;
}

/* Writes the pidfile; returns -1 (logged) on failure. */
static int
write_pidfile(const char *path)
{
	FILE	*fp;

	if ((fp = fopen(path, "w")) == NULL) {
		log_msg(LOG_ERR, "cannot write pidfile %s: %s", path,
		    strerror(errno));
		return -1;
	}
	fprintf(fp, "%ld\n", (long)getpid());
	if (fclose(fp) == EOF) {
		log_msg(LOG_ERR, "cannot write pidfile %s: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* The child's end of the pipe on which the parent waits for its status. */
static int	daemon_status_fd = -1;

/*
 * Leaves the terminal: forks; the parent waits until the child says how its
 * start-up ended (daemon_started()) and exits with that status, so that the
 * pidfile exists when the command returns (systemd's Type=forking).  The
 * child gets a new session; it keeps stderr until it has started, so that
 * start-up errors still reach the terminal.  Returns 0 in the child, -1
 * when the fork fails.
 */
static int
daemon_detach(void)
{
	unsigned char	 status;
	ssize_t		 n;
	pid_t		 pid;
	int		 p[2];

	if (pipe(p) == -1 || (pid = fork()) == -1)
		return -1;
	if (pid != 0) {
		(void)close(p[1]);
		while ((n = read(p[0], &status, 1)) == -1 && errno == EINTR)
			;
		_exit(n == 1 ? status : EX_OSERR);	/* no word: it died */
	}
	(void)close(p[0]);
	daemon_status_fd = p[1];
	(void)setsid();
	return chdir("/");
}

/*
 * Tells the waiting parent how the start-up ended (EX_OK or an exit
 * status), and puts the standard files on /dev/null.
 */
static void
daemon_started(int status)
{
	unsigned char	 byte = (unsigned char)status;
	int		 fd;

	if (daemon_status_fd == -1)
		return;
	/*
	 * The parent waits for this byte; when it cannot be written (the
	 * parent is gone) there is no one left to tell.
	 */
	while (write(daemon_status_fd, &byte, 1) == -1 && errno == EINTR)
		continue;
	(void)close(daemon_status_fd);
	daemon_status_fd = -1;
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		(void)dup2(fd, STDIN_FILENO);
		(void)dup2(fd, STDOUT_FILENO);
		(void)dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			(void)close(fd);
	}
}

/*
 * Becomes pw once the sockets are open (handing it those that are files);
 * root only.  Returns -1 (logged).
 */
static int
drop_privileges(const struct passwd *pw, const config_t *cfg)
{
	const char	*path;

	for (int id = 0; id < FRONTEND_COUNT; id++)
		if ((path = unix_socket_path(frontend_get(id)->spec(cfg))) !=
		    NULL && (chown(path, pw->pw_uid, pw->pw_gid) == -1 ||
		    chmod(path, 0660) == -1)) {
			log_msg(LOG_ERR, "cannot hand socket %s to %s: %s",
			    path, pw->pw_name, strerror(errno));
			return -1;
		}
	if (initgroups(pw->pw_name, pw->pw_gid) == -1 ||
	    setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1) {
		log_msg(LOG_ERR, "cannot become user %s: %s", pw->pw_name,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* The last words of a stopping daemon: the log line, the pidfile. */
static void
stopped(void)
{
	const char	*pidfile = startup_keys_pidfile(daemon_startup);

	log_msg(LOG_INFO, "mailswitch stopped");
	/* the one written at start, whatever a reload says now */
	if (pidfile[0] != '\0' && unlink(pidfile) == -1)
		log_msg(LOG_WARNING, "cannot remove pidfile %s: %s", pidfile,
		    strerror(errno));
}

/*
 * Reloads, and warns about each start-only setting (startup_keys.h) that
 * the new configuration changes: never silently ignored.
 */
static void
reload(void)
{
	runtime_t	*rt;

	log_msg(LOG_INFO, "SIGHUP: reloading %s", daemon_config_path);
	if (runtime_reload(daemon_config_path, daemon_overrides) == -1)
		return;
	rt = runtime_acquire();		/* the one just installed */
	if (rt != NULL)
		(void)startup_keys_warn(daemon_startup, runtime_config(rt));
	runtime_release(rt);
}

/*
 * Reloads run in a thread of their own, so that the signal thread always
 * answers SIGTERM, whatever a reload waits for.  SIGHUPs that arrive during
 * a reload are folded into one more reload after it.
 */
static pthread_mutex_t	 reload_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 reload_wanted = PTHREAD_COND_INITIALIZER;
static bool		 reload_pending;

/*
 * With the metrics on: asks the directory of the current generation
 * whether it answers, for mailswitch_directory_up (dir_metrics.c records
 * the result), and logs a failure.
 */
static void
directory_check(void)
{
	runtime_t	*rt = runtime_acquire();
	char		 err[CONFIG_ERR_MAX];

	if (rt != NULL && runtime_config(rt)->metrics[0] != '\0' &&
	    directory_ping(runtime_directory(rt), err, sizeof(err)) == -1)
		log_msg(LOG_WARNING, "the directory does not answer: %s", err);
	runtime_release(rt);
}

static void *
reload_thread(void *arg)
{
	(void)arg;
	directory_check();	/* the start-up check, off the start's path */
	for (;;) {
		pthread_mutex_lock(&reload_lock);
		while (!reload_pending)
			pthread_cond_wait(&reload_wanted, &reload_lock);
		reload_pending = false;
		pthread_mutex_unlock(&reload_lock);
		reload();
	}
	return NULL;
}

/* Asks the reload thread for a reload (from the signal thread). */
static void
reload_request(void)
{
	pthread_mutex_lock(&reload_lock);
	reload_pending = true;
	pthread_cond_signal(&reload_wanted);
	pthread_mutex_unlock(&reload_lock);
}

/* Returns how much work the front ends have in flight, all told. */
static int
in_flight(void)
{
	int	 n = 0;

	for (int id = 0; id < FRONTEND_COUNT; id++)
		if (frontend_get(id)->in_flight != NULL)
			n += frontend_get(id)->in_flight();
	return n;
}

/*
 * Writes the kinds of work in flight into buf: "message or socketmap
 * request" (with plural "s": "messages or socketmap requests"), or with
 * counts ("3 message(s) and 0 socketmap request(s)").
 */
static void
describe_work(char *buf, size_t len, const char *plural, bool counts)
{
	const char	*sep = "";
	size_t		 o = 0;
	int		 n;

	buf[0] = '\0';
	for (int id = 0; id < FRONTEND_COUNT && o < len; id++) {
		const frontend_t *f = frontend_get(id);

		if (f->in_flight == NULL)
			continue;
		if (counts)
			n = snprintf(buf + o, len - o, "%s%d %s(s)", sep,
			    f->in_flight(), f->work);
		else
			n = snprintf(buf + o, len - o, "%s%s%s", sep, f->work,
			    plural);
		o = n < 0 ? len : o + (size_t)n;
		sep = counts ? " and " : " or ";
	}
}

/* Waits, bounded, until no front end has work in flight. */
static void
wait_for_work(void)
{
	struct timespec	 tick = { 0, 100 * 1000 * 1000 };
	char		 work[256];
	int		 n;

	for (int i = 0; i < STOP_WAIT_SECONDS * 10; i++) {
		if ((n = in_flight()) <= 0)
			return;
		if (i % 50 == 0) {
			describe_work(work, sizeof(work), n == 1 ? "" : "s",
			    false);
			log_msg(LOG_INFO, "stopping: waiting for %d %s in flight",
			    n, work);
		}
		nanosleep(&tick, NULL);
	}
	describe_work(work, sizeof(work), "", true);
	log_msg(LOG_WARNING, "stopping with %s still in flight", work);
}

/*
 * Stops the front ends: those that take work first, then, once their work
 * in flight is done (or the wait is over), those that only serve.
 */
static void
stop_frontends(void)
{
	for (int id = 0; id < FRONTEND_COUNT; id++)
		if (!frontend_get(id)->stop_after_drain)
			frontend_get(id)->stop();
	wait_for_work();
	for (int id = 0; id < FRONTEND_COUNT; id++)
		if (frontend_get(id)->stop_after_drain)
			frontend_get(id)->stop();
}

/*
 * The signal thread, for as long as we run: SIGHUP reloads the
 * configuration; SIGTERM and SIGINT refuse new work (4xx), let the messages
 * in flight finish, then stop libmilter so that smfi_main() returns.
 */
static void *
signal_thread(void *arg)
{
	sigset_t	*set = arg;
	int		 sig;

	for (;;) {
		if (interpose_sigwait(set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			reload_request();
			continue;
		}
		log_msg(LOG_INFO, "%s: stopping after %d message(s) in flight",
		    sig == SIGTERM ? "SIGTERM" : "SIGINT",
		    frontend_get(FRONTEND_MILTER)->in_flight());
		stop_frontends();
		/*
		 * Not smfi_stop(): libmilter's teardown races with its own
		 * listener (ThreadSanitizer sees its mutexes destroyed while
		 * locked).  Nothing is in flight and no new work is taken,
		 * so the process can end here.
		 */
		stopped();
		_exit(EX_OK);
	}
}

/* The user to become as root (daemon.h). */
int
daemon_lookup_user(const config_t *cfg, struct passwd **pw, char *err,
    size_t errlen)
{
	*pw = NULL;
	if (geteuid() != 0)
		return 0;
	if ((*pw = getpwnam(cfg->user)) == NULL) {
		snprintf(err, errlen, "%s: no such user '%s'", cfg->file,
		    cfg->user);
		return -1;
	}
	return 0;
}

/*
 * Opens the sockets of the front ends that are on, detaches (unless
 * foreground), writes the pidfile and becomes the configured user.
 * Returns EX_OK or the exit status of what failed (logged).
 */
static int
open_frontends(const config_t *cfg, bool foreground)
{
	struct passwd	*pw;
	char		 err[CONFIG_ERR_MAX];
	int		 status;

	if (daemon_lookup_user(cfg, &pw, err, sizeof(err)) == -1) {
		log_msg(LOG_ERR, "%s", err);
		return EX_CONFIG;
	}
	for (int id = 0; id < FRONTEND_COUNT; id++) {
		const frontend_t *f = frontend_get(id);

		if (frontend_on(f, cfg) &&
		    (status = f->open(f->spec(cfg), err, sizeof(err))) != EX_OK) {
			log_msg(LOG_ERR, "%s", err);
			return status;
		}
	}
	if (!foreground && daemon_detach() == -1) {
		log_msg(LOG_ERR, "cannot become a daemon: %s", strerror(errno));
		return EX_OSERR;
	}
	if (cfg->pidfile[0] != '\0' && write_pidfile(cfg->pidfile) == -1)
		return EX_CANTCREAT;
	if (pw != NULL && drop_privileges(pw, cfg) == -1)
		return EX_NOPERM;
	return EX_OK;
}

/*
 * Writes where the front ends listen into buf: "milter on unix:/x,
 * socketmap on (none), metrics on (none)".
 */
static void
describe_frontends(const config_t *cfg, char *buf, size_t len)
{
	size_t	 o = 0;
	int	 n;

	buf[0] = '\0';
	for (int id = 0; id < FRONTEND_COUNT && o < len; id++) {
		const frontend_t *f = frontend_get(id);

		n = snprintf(buf + o, len - o, "%s%s on %s", id > 0 ? ", " : "",
		    f->name, frontend_on(f, cfg) ? f->spec(cfg) : "(none)");
		o = n < 0 ? len : o + (size_t)n;
	}
}

int
daemon_run(runtime_t *rt, const char *config_path,
    const runtime_overrides_t *ov, bool foreground)
{
	static sigset_t	 set;	/* the signal thread's, for as long as it runs */
	const config_t	*cfg = runtime_config(rt);
	pthread_t	 tid;
	char		 listening[8192];	/* as long as a log line */
	bool		 on[FRONTEND_COUNT];
	int		 status;

	daemon_config_path = config_path;
	daemon_overrides = ov;
	if ((daemon_startup = startup_keys_take(cfg,
	    geteuid() == 0)) == NULL) {
		log_msg(LOG_ERR, "out of memory");
		runtime_release(rt);
		return EX_OSERR;
	}
	status = open_frontends(cfg, foreground);
	if (!foreground) {
		daemon_started(status);
		log_open("mailswitch", cfg->syslog_facility,
		    cfg->log_level, 0);
	}
	if (status != EX_OK) {
		runtime_release(rt);
		return status;
	}

	/* Every thread blocks these; the signal thread takes them. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	describe_frontends(cfg, listening, sizeof(listening));
	log_msg(LOG_INFO, "mailswitch %s started: %s, tables in %s (%zu "
	    "domains, %s directory)", MAILSWITCH_VERSION, listening,
	    cfg->tables.path[0] ? cfg->tables.path : "(none)",
	    domains_count(cfg->domains),
	    directory_backend_name(runtime_directory(rt)));
	for (int id = 0; id < FRONTEND_COUNT; id++)
		on[id] = frontend_on(frontend_get(id), cfg);
	runtime_install(rt);		/* rt and cfg now belong to the runtime */
	if (pthread_create(&tid, NULL, reload_thread, NULL) != 0) {
		log_msg(LOG_ERR, "cannot start the reload thread");
		return EX_OSERR;
	}
	pthread_detach(tid);
	/*
	 * The listeners before the thread that stops them, so that it sees
	 * them started (pthread_create() orders the two; a signal that comes
	 * meanwhile waits, blocked, for the thread).
	 */
	for (int id = 0; id < FRONTEND_COUNT; id++)
		if (on[id] && frontend_get(id)->start != NULL &&
		    frontend_get(id)->start() == -1)
			return EX_OSERR;
	if (pthread_create(&tid, NULL, signal_thread, &set) != 0) {
		log_msg(LOG_ERR, "cannot start the signal thread");
		return EX_OSERR;
	}
	pthread_detach(tid);
	/* not a front end: a writer that follows the running generation */
	if (tables_thread_start() == -1)
		return EX_OSERR;
	for (int id = 0; id < FRONTEND_COUNT; id++)
		if (on[id] && frontend_get(id)->run != NULL) {
			status = frontend_get(id)->run();
			stopped();
			return status;
		}
	for (;;)		/* the signal thread ends the process */
		pause();
}


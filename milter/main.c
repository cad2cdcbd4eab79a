/*
 * main.c - the command line: -n, -q and -Q answered here, the daemon's
 * life handed to daemon.c.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <lber.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <syslog.h>
#include <unistd.h>

#include "audit_cli.h"
#include "daemon.h"
#include "ldap_bind.h"
#include "log.h"
#include "query.h"
#include "runtime.h"

#define DEFAULT_CONFIG	MAILSWITCH_SYSCONFDIR "/mailswitch/mailswitch.conf"

static const char	*config_path = DEFAULT_CONFIG;
static runtime_overrides_t overrides;

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: mailswitch [-c FILE] [-f] [-p SOCKET] [-u USER] [-P PIDFILE] [-v]\n"
	    "       mailswitch [-c FILE] -n\n"
	    "       mailswitch [-c FILE] -q ADDRESS\n"
	    "       mailswitch [-c FILE] -Q ADDRESS [-a CLIENT-IP]\n"
	    "       mailswitch [-c FILE] -A\n"
	    "       mailswitch -V | -h\n"
	    "\n"
	    "  -c FILE     configuration file (default %s)\n"
	    "  -f          stay in the foreground, log to stderr too\n"
	    "  -p SOCKET   the milter's: unix:/path, inet:PORT@HOST, inet6:PORT@HOST,\n"
	    "              or \"\" for none (socketmap only)\n"
	    "  -u USER     run as USER once the socket is open (when root)\n"
	    "  -P PIDFILE  write the process id to PIDFILE\n"
	    "  -v          more logging (repeatable)\n"
	    "  -n          check the configuration and the directory, and exit\n"
	    "  -q ADDRESS  print what becomes of ADDRESS as an inbound recipient\n"
	    "  -Q ADDRESS  print what becomes of ADDRESS as an outbound sender\n"
	    "  -a IP       with -Q: as if from the client at IP (IPv4 or IPv6)\n"
	    "  -A          audit the whole directory against the configuration\n"
	    "  -h          print this help\n"
	    "  -V          print the version\n", DEFAULT_CONFIG);
}

/* Sends libldap's own diagnostics (LDIF syntax, TLS) to the log. */
static void
ldap_diagnostic(const char *msg)
{
	char	 line[1024];
	size_t	 n;

	snprintf(line, sizeof(line), "%s", msg);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n > 0)
		log_msg(LOG_WARNING, "libldap: %s", line);
}

/*
 * Returns path made absolute against the working folder (the daemon
 * leaves it when it detaches), in buf; path itself when it is absolute or
 * does not fit.
 */
static const char *
absolute(const char *path, char *buf, size_t len)
{
	char	 cwd[PATH_MAX];
	int	 n;

	if (path[0] == '/' || path[0] == '\0' || getcwd(cwd, sizeof(cwd)) == NULL)
		return path;
	n = snprintf(buf, len, "%s/%s", cwd, path);
	return n < 0 || (size_t)n >= len ? path : buf;
}

/* Returns true when s is an IPv4 or IPv6 address. */
static bool
is_ip_address(const char *s)
{
	unsigned char	 buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1;
}

int
main(int argc, char *argv[])
{
	runtime_t	*rt;
	char		 err[CONFIG_ERR_MAX];
	static char	 pidfile[PATH_MAX];
	const char	*query = NULL, *client_ip = NULL;
	bool		 foreground = false, check_only = false, outbound = false;
	bool		 audit = false;
	int		 ch, status;

	while ((ch = getopt(argc, argv, "Aa:c:fhnp:P:q:Q:u:vV")) != -1) {
		switch (ch) {
		case 'A':
			audit = true;
			break;
		case 'a':
			client_ip = optarg;
			break;
		case 'c':
			config_path = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		case 'n':
			check_only = true;
			break;
		case 'p':
			overrides.socket = optarg;
			break;
		case 'P':
			overrides.pidfile = absolute(optarg, pidfile,
			    sizeof(pidfile));
			break;
		case 'q':
		case 'Q':
			if (query != NULL) {
				usage(stderr);
				return EX_USAGE;
			}
			query = optarg;
			outbound = ch == 'Q';
			break;
		case 'u':
			overrides.user = optarg;
			break;
		case 'v':
			overrides.verbose++;
			break;
		case 'V':
			printf("mailswitch %s\n", MAILSWITCH_VERSION);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc || (check_only && query != NULL) ||
	    (client_ip != NULL && !outbound) ||
	    (audit && (check_only || query != NULL))) {
		usage(stderr);
		return EX_USAGE;
	}
	if (overrides.socket != NULL &&
	    config_check_socket(overrides.socket, err, sizeof(err)) == -1) {
		fprintf(stderr, "mailswitch: -p: %s\n", err);
		return EX_USAGE;
	}
	if (client_ip != NULL && !is_ip_address(client_ip)) {
		fprintf(stderr, "mailswitch: -a '%s': not an IPv4 or IPv6 "
		    "address\n", client_ip);
		return EX_USAGE;
	}

	log_open("mailswitch", LOG_MAIL, LOG_INFO, foreground);
	(void)ber_set_option(NULL, LBER_OPT_LOG_PRINT_FN,
	    (const void *)ldap_diagnostic);
	if (audit)	/* no directory_open(): an export is read whole */
		return audit_cli(config_path);
	if ((rt = runtime_load(config_path, &overrides, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		if (!foreground)
			log_msg(LOG_ERR, "%s", err);
		return EX_CONFIG;
	}
	if (check_only || query != NULL) {
		struct passwd	*pw;

		if (check_only && daemon_lookup_user(runtime_config(rt), &pw, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "%s\n", err);
			status = EX_CONFIG;
		} else if (check_only && directory_ping(runtime_directory(rt), err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "%s: the directory does not answer: "
			    "%s\n", runtime_config(rt)->file, err);
			status = EX_CONFIG;
		} else if (check_only) {
			/* the load logged it; -n says it too, when all is well */
			if (runtime_config(rt)->directory.backend == BACKEND_LDAP &&
			    ldap_bind_clear(&runtime_config(rt)->directory.ldap,
			    runtime_config(rt)->file, err, sizeof(err)))
				fprintf(stderr, "warning: %s\n", err);
			status = EX_OK;
		}
		else if (outbound)
			status = query_sender(rt, query, client_ip,
			    overrides.verbose);
		else
			status = query_rcpt(rt, query, overrides.verbose);
		runtime_release(rt);
		return status;
	}
	/* start-up errors reach the terminal too, until the daemon detaches */
	closelog();
	log_open("mailswitch", runtime_config(rt)->syslog_facility,
	    runtime_config(rt)->log_level, 1);
	status = daemon_run(rt, config_path, &overrides, foreground);
	return status;
}

/*
 * load_gen.c - contrib/bench's one load generator: SMTP load (smtp), the
 * soak's retrying SMTP load (soak) and socketmap round trips (rtt):
 *
 *	load_gen smtp [-s SESSIONS] [-m MESSAGES] [-r RCPTS] [-b BASE]
 *	    [-p PATTERN] [-f FROM] [-T SECONDS] [-w MS] [-o FILE] IPV4:PORT
 *	load_gen soak [-s SESSIONS] [-m MESSAGES] [-k FIRST] [-r RCPTS]
 *	    [-c CYCLE] [-w MS] [-T SECONDS] IPV4:PORT
 *	load_gen rtt [-n LOOKUPS] [-k KEYS] [-p PATTERN] [-m MAP]
 *	    IPV4:PORT|unix:PATH
 *
 * What each mode sends, prints and exits with: load_smtp.c (smtp, soak)
 * and load_rtt.c (rtt).  Here: the command line, the sessions (threads
 * taking item numbers in turn) and the clock.  Exit status 64 on a usage
 * error, 2 when a thread or the memory for them cannot be had.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "load_gen.h"

struct load_opt	 load = {
	.sessions = 1, .count = 100, .rcpts = 5, .cycle = 0,
	.pattern = "user%d@contoso.com", .from = "someone@example.org",
	.limit = 300, .keys = 1000, .map = "virtual",
};

static const struct load_mode	*mode;
static atomic_long		 next_item;

double
load_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
load_sleep_ms(int ms)
{
	struct timespec	 ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

void
load_fmt_key(char *buf, size_t size, const char *pattern, long i)
{
	const char	*d = strstr(pattern, "%d");

	if (d == NULL)
		snprintf(buf, size, "%s", pattern);
	else
		snprintf(buf, size, "%.*s%ld%s", (int)(d - pattern), pattern,
		    i, d + 2);
}

/* A session: items in turn until all are taken or the mode says stop. */
static void *
session(void *arg)
{
	long	 k;

	(void)arg;
	while ((k = atomic_fetch_add(&next_item, 1)) < load.count)
		if (!mode->item(k))
			break;
	return NULL;
}

/* Sets one option of the mode's; false when its value is out of range. */
static bool
option(int c, const char *arg)
{
	bool	 rtt = mode == &load_mode_rtt;

	switch (c) {
	case 's': load.sessions = atoi(arg); break;
	case 'n': load.count = atol(arg); break;
	case 'm':
		if (rtt)
			load.map = arg;
		else
			load.count = atol(arg);
		break;
	case 'k':
		if (rtt)
			load.keys = atol(arg);
		else
			load.first = atol(arg);
		break;
	case 'r': load.rcpts = atoi(arg); break;
	case 'b': load.base = atol(arg); break;
	case 'c': load.cycle = atol(arg); break;
	case 'p': load.pattern = arg; break;
	case 'f': load.from = arg; break;
	case 'T': load.limit = atoi(arg); break;
	case 'w': load.wait_ms = atoi(arg); break;
	case 'o':
		if ((load.out = fopen(arg, "w")) == NULL) {
			perror(arg);
			exit(2);
		}
		setvbuf(load.out, NULL, _IOLBF, 0);
		break;
	default:
		return false;
	}
	return true;
}

static int
usage(void)
{
	const struct load_mode	*m[] = { &load_mode_smtp, &load_mode_soak,
	    &load_mode_rtt };

	fprintf(stderr, "usage:");
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (mode == NULL || mode == m[i])
			fprintf(stderr, "\tload_gen %s %s\n", m[i]->name,
			    m[i]->usage);
	return 64;
}

int
main(int argc, char **argv)
{
	const struct load_mode	*modes[] = { &load_mode_smtp,
	    &load_mode_soak, &load_mode_rtt };
	static char		 prog[32];
	pthread_t		*th;
	double			 t0;
	int			 c, rc;

	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; argc > 1 && i < sizeof(modes) / sizeof(modes[0]);
	    i++)
		if (strcmp(argv[1], modes[i]->name) == 0)
			mode = modes[i];
	if (mode == NULL)
		return usage();
	if (mode == &load_mode_soak)
		load.rcpts = 1, load.cycle = 20000, load.wait_ms = 200;
	if (mode == &load_mode_rtt)
		load.count = 100000;
	argv++;
	argc--;
	snprintf(prog, sizeof(prog), "load_gen %s", mode->name);
	argv[0] = prog;		/* getopt's messages */
	while ((c = getopt(argc, argv, mode->optstring)) != -1)
		if (!option(c, optarg))
			return usage();
	if (optind != argc - 1 || load.sessions < 1 || load.sessions > 1000 ||
	    load.count < 1 || load.count > 10000000 || load.rcpts < 1 ||
	    load.rcpts > 100 || load.base < 0 || load.first < 0 ||
	    load.cycle < 0 || load.limit < 1 || load.wait_ms < 0 ||
	    load.keys < 1)
		return usage();
	load.addr = argv[optind];
	if ((rc = mode->prepare()) != 0)
		return rc;
	if ((th = calloc((size_t)load.sessions, sizeof(*th))) == NULL)
		return 2;
	t0 = load_now();
	load.t_end = t0 + load.limit;
	for (int i = 0; i < load.sessions; i++)
		if (pthread_create(&th[i], NULL, session, NULL) != 0)
			return 2;
	for (int i = 0; i < load.sessions; i++)
		pthread_join(th[i], NULL);
	free(th);
	if (load.out != NULL)
		fclose(load.out);
	return mode->report(load_now() - t0);
}

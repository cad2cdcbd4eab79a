/*
 * soak_load.c - the load client of contrib/bench/soak-bench.sh: smtp_load's
 * dialogue (one message per connection, EHLO, no pipelining), but a message
 * refused with a 4xx (at RCPT, DATA or the end of data, as mailswitch's
 * on_directory_error = tempfail does during a directory outage) is sent
 * again, after a pause, until it is accepted or the time limit is reached:
 *
 *	soak_load [-s SESSIONS] [-m MESSAGES] [-k FIRST] [-r RCPTS]
 *	    [-c CYCLE] [-w MS] [-T SECONDS] HOST:PORT
 *
 * Message k (FIRST .. FIRST+MESSAGES-1, taken in turn by SESSIONS threads)
 * goes to RCPTS recipients user%d@contoso.com, %d = (k * RCPTS + j) % CYCLE
 * (j = 0 .. RCPTS-1; default CYCLE 20000: t/ldap/gen-contacts.sh's
 * contacts, cycled); its Message-ID is <soak.k@load.example.org>, so the
 * dumps at smtp-sink can be matched to the messages sent.  A connection that
 * fails or closes before the message is accepted, or a reply that times out
 * (-T), counts as an error and the message is sent again too; a 5xx is
 * final (rejected).  Prints one line:
 *
 *	accepted A tempfail T error E rejected R seconds S
 *
 * (T: 4xx replies, each followed by a new attempt) and exits 1 unless every
 * message was accepted.  Not a test: a figure for the benchmark.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in addr;
static long nmsg = 100, first, cycle = 20000;
static int nrcpt = 1, limit = 300, wait_ms = 200;
static atomic_long next_msg, accepted, tempfail, errors, rejected;
static double t_end;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read one (possibly multi-line) reply; its code, or -1. */
static int reply(int fd, char *buf, size_t *len)
{
	for (;;) {
		char *nl, *line = buf;
		ssize_t n;

		while ((nl = memchr(line, '\n', *len - (line - buf))) != NULL) {
			int last = nl - line >= 3 && line[3] != '-';
			int code = atoi(line);

			line = nl + 1;
			if (last) {
				*len -= line - buf;
				memmove(buf, line, *len);
				return code;
			}
		}
		*len -= line - buf;
		memmove(buf, line, *len);
		if (*len >= 4000)
			return -1;
		n = read(fd, buf + *len, 4096 - *len);
		if (n <= 0)
			return -1;
		*len += n;
	}
}

static int say(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w <= 0)
			return 0;
		s += w;
		n -= w;
	}
	return 1;
}

enum { OK, TEMP, ERR, PERM };

/* One attempt at message k. */
static int one_message(long k)
{
	char buf[4096], cmd[512];
	size_t len = 0;
	struct timeval tv = { limit, 0 };
	int fd, res = ERR, code, j;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return ERR;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0)
		goto out;
#define CHECK(want) do { \
	code = reply(fd, buf, &len); \
	if (code != (want)) { \
		res = code >= 400 && code < 500 ? TEMP : \
		    code >= 500 && code < 600 ? PERM : ERR; \
		goto quit; \
	} \
} while (0)
#define STEP(want, ...) do { \
	int n_ = snprintf(cmd, sizeof(cmd), __VA_ARGS__); \
	if (!say(fd, cmd, n_)) goto out; \
	CHECK(want); \
} while (0)
	CHECK(220);
	STEP(250, "EHLO load.example.org\r\n");
	STEP(250, "MAIL FROM:<someone@example.org>\r\n");
	for (j = 0; j < nrcpt; j++)
		STEP(250, "RCPT TO:<user%ld@contoso.com>\r\n",
		    (k * nrcpt + j) % cycle);
	STEP(354, "DATA\r\n");
	STEP(250, "From: <someone@example.org>\r\nTo: <user%ld@contoso.com>\r\n"
	    "Subject: soak_load %ld\r\n"
	    "Message-ID: <soak.%ld@load.example.org>\r\n\r\n"
	    "La de da de da 1.\r\nLa de da de da 2.\r\nLa de da de da 3.\r\n"
	    "La de da de da 4.\r\n.\r\n", (k * nrcpt) % cycle, k, k);
	res = OK;
quit:
	if (res != ERR)
		(void)say(fd, "QUIT\r\n", 6);
#undef STEP
#undef CHECK
out:
	close(fd);
	return res;
}

static void *session(void *arg)
{
	long k;

	(void)arg;
	while ((k = atomic_fetch_add(&next_msg, 1)) < nmsg) {
		for (;;) {
			int r;

			if (now() > t_end) {
				atomic_fetch_add(&errors, 1);
				break;
			}
			r = one_message(first + k);
			if (r == OK) {
				atomic_fetch_add(&accepted, 1);
				break;
			}
			if (r == PERM) {
				atomic_fetch_add(&rejected, 1);
				break;
			}
			atomic_fetch_add(r == TEMP ? &tempfail : &errors, 1);
			usleep(wait_ms * 1000);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int nsess = 1, c, i;
	char *colon;
	pthread_t *th;
	double t0;

	while ((c = getopt(argc, argv, "s:m:k:r:c:w:T:")) != -1) {
		switch (c) {
		case 's': nsess = atoi(optarg); break;
		case 'm': nmsg = atol(optarg); break;
		case 'k': first = atol(optarg); break;
		case 'r': nrcpt = atoi(optarg); break;
		case 'c': cycle = atol(optarg); break;
		case 'w': wait_ms = atoi(optarg); break;
		case 'T': limit = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || nsess < 1 || nsess > 1000 || nmsg < 1 ||
	    first < 0 || nrcpt < 1 || nrcpt > 100 || cycle < 1 ||
	    wait_ms < 0 || limit < 1 ||
	    (colon = strrchr(argv[optind], ':')) == NULL)
		goto usage;
	*colon = '\0';
	addr.sin_family = AF_INET;
	addr.sin_port = htons(atoi(colon + 1));
	if (inet_pton(AF_INET, argv[optind], &addr.sin_addr) != 1)
		goto usage;
	if ((th = calloc(nsess, sizeof(*th))) == NULL)
		return 2;
	t0 = now();
	t_end = t0 + limit;
	for (i = 0; i < nsess; i++)
		if (pthread_create(&th[i], NULL, session, NULL) != 0)
			return 2;
	for (i = 0; i < nsess; i++)
		pthread_join(th[i], NULL);
	printf("accepted %ld tempfail %ld error %ld rejected %ld seconds %.4f\n",
	    (long)accepted, (long)tempfail, (long)errors, (long)rejected,
	    now() - t0);
	return accepted != nmsg;
usage:
	fprintf(stderr, "usage: soak_load [-s SESSIONS] [-m MESSAGES] "
	    "[-k FIRST] [-r RCPTS] [-c CYCLE] [-w MS] [-T SECONDS] "
	    "IPV4:PORT\n");
	return 64;
}

/*
 * smtp_load.c - an SMTP load client for contrib/bench/modes-bench.sh, after
 * Postfix's smtp-source (one message per connection, EHLO, no pipelining:
 * every command waits for its reply), but with recipients that can differ
 * from message to message, which smtp-source cannot do (its -r prepends
 * the recipient's number within the message, so every message has the same
 * ones):
 *
 *	smtp_load [-s SESSIONS] [-m MESSAGES] [-r RCPTS] [-b BASE]
 *	    [-p PATTERN] [-f FROM] [-T SECONDS] [-w MS] [-o FILE] HOST:PORT
 *
 * Message k (0 .. MESSAGES-1, taken in turn by SESSIONS threads) goes to
 * RCPTS recipients, PATTERN with %d = BASE + k * RCPTS + j (j = 0 ..
 * RCPTS-1); default pattern user%d@contoso.com, the contacts of
 * t/ldap/gen-contacts.sh.  Prints one line:
 *
 *	sent N failed F seconds S
 *
 * and exits 1 when a message failed (any reply other than the expected
 * one) or the time limit (-T, default 300 s; also each reply's timeout) was
 * reached.  -w waits MS milliseconds before each message of a session
 * (a paced load, for the fault tests of t/ldap/test-faults.sh); -o writes
 * one line per message to FILE, "K accepted" (250 after the DATA) or
 * "K refused CODE STEP" (the first reply that was not the expected one,
 * CODE 0 when there was none; STEP is connect, greeting, EHLO, MAIL,
 * RCPT, DATA, dot or QUIT -- a message refused at QUIT was accepted).
 */
#include <arpa/inet.h>
#include <errno.h>
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
static const char *pattern = "user%d@contoso.com";
static const char *from = "someone@example.org";
static long nmsg = 100, base;
static int nrcpt = 5, limit = 300, pace_ms;
static FILE *out;
static atomic_long next_msg, sent, failed;
static double t_end;

/* PATTERN with its first %d replaced by i (no printf: -Wformat-nonliteral). */
static void fmt_key(char *buf, size_t size, const char *pat, long i)
{
	const char *d = strstr(pat, "%d");

	if (d == NULL)
		snprintf(buf, size, "%s", pat);
	else
		snprintf(buf, size, "%.*s%ld%s", (int)(d - pat), pat, i, d + 2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int last_code(int set);

/* Read one (possibly multi-line) reply; 1 when its code is want. */
static int reply(int fd, char *buf, size_t *len, int want)
{
	(void)last_code(0);
	for (;;) {
		char *nl, *line = buf;
		ssize_t n;

		/* complete lines in the buffer */
		while ((nl = memchr(line, '\n', *len - (line - buf))) != NULL) {
			int last = nl - line >= 3 && line[3] != '-';
			int code = atoi(line);

			line = nl + 1;
			if (last) {
				*len -= line - buf;
				memmove(buf, line, *len);
				(void)last_code(code);
				return code == want;
			}
		}
		*len -= line - buf;
		memmove(buf, line, *len);
		if (*len >= 4000)
			return 0;
		n = read(fd, buf + *len, 4096 - *len);
		if (n <= 0)
			return 0;
		*len += n;
	}
}

/* The code of the last reply of this thread (set != 0 sets it). */
static int last_code(int set)
{
	static __thread int code;

	if (set >= 0)
		code = set;
	return code;
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

static int one_message(long k)
{
	char buf[4096], cmd[512], rcpt[256];
	size_t len = 0;
	struct timeval tv = { limit, 0 };
	const char *step = "connect";
	int fd, ok = 0, j;

	(void)last_code(0);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0)
		goto out;
#define STEP(want, ...) do { \
	int n_ = snprintf(cmd, sizeof(cmd), __VA_ARGS__); \
	if (!say(fd, cmd, n_) || !reply(fd, buf, &len, want)) goto out; \
} while (0)
	step = "greeting";
	if (!reply(fd, buf, &len, 220))
		goto out;
	step = "EHLO";
	STEP(250, "EHLO load.example.org\r\n");
	step = "MAIL";
	STEP(250, "MAIL FROM:<%s>\r\n", from);
	step = "RCPT";
	for (j = 0; j < nrcpt; j++) {
		fmt_key(rcpt, sizeof(rcpt), pattern, base + k * nrcpt + j);
		STEP(250, "RCPT TO:<%s>\r\n", rcpt);
	}
	step = "DATA";
	STEP(354, "DATA\r\n");
	step = "dot";
	STEP(250, "From: <%s>\r\nTo: <%s>\r\nSubject: smtp_load %ld\r\n"
	    "Message-ID: <smtp_load.%ld.%ld@load.example.org>\r\n\r\n"
	    "La de da de da 1.\r\nLa de da de da 2.\r\nLa de da de da 3.\r\n"
	    "La de da de da 4.\r\n.\r\n", from, rcpt, k, (long)getpid(), k);
	ok = 1;
	step = "QUIT";
	STEP(221, "QUIT\r\n");
#undef STEP
out:
	close(fd);
	if (out != NULL && (ok || strcmp(step, "QUIT") != 0)) {
		if (ok)
			fprintf(out, "%ld accepted\n", k);
		else
			fprintf(out, "%ld refused %d %s\n", k, last_code(-1),
			    step);
	}
	return ok;
}

static void *session(void *arg)
{
	long k;

	(void)arg;
	while ((k = atomic_fetch_add(&next_msg, 1)) < nmsg) {
		if (pace_ms > 0) {
			struct timespec ts = { pace_ms / 1000,
			    (long)(pace_ms % 1000) * 1000000L };

			nanosleep(&ts, NULL);
		}
		if (now() > t_end) {
			atomic_fetch_add(&failed, 1);
			continue;
		}
		if (one_message(k))
			atomic_fetch_add(&sent, 1);
		else
			atomic_fetch_add(&failed, 1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int nsess = 1, c, i;
	char *colon;
	pthread_t *th;
	double t0;

	while ((c = getopt(argc, argv, "s:m:r:b:p:f:T:w:o:")) != -1) {
		switch (c) {
		case 's': nsess = atoi(optarg); break;
		case 'm': nmsg = atol(optarg); break;
		case 'r': nrcpt = atoi(optarg); break;
		case 'b': base = atol(optarg); break;
		case 'p': pattern = optarg; break;
		case 'f': from = optarg; break;
		case 'T': limit = atoi(optarg); break;
		case 'w': pace_ms = atoi(optarg); break;
		case 'o':
			if ((out = fopen(optarg, "w")) == NULL) {
				perror(optarg);
				return 2;
			}
			setvbuf(out, NULL, _IOLBF, 0);
			break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || nsess < 1 || nsess > 1000 || nmsg < 1 ||
	    nrcpt < 1 || nrcpt > 100 || limit < 1 ||
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
	if (out != NULL)
		fclose(out);
	printf("sent %ld failed %ld seconds %.4f\n", (long)sent,
	    (long)failed, now() - t0);
	return failed != 0;
usage:
	fprintf(stderr, "usage: smtp_load [-s SESSIONS] [-m MESSAGES] "
	    "[-r RCPTS] [-b BASE] [-p PATTERN] [-f FROM] [-T SECONDS] "
	    "[-w MS] [-o FILE] IPV4:PORT\n");
	return 64;
}

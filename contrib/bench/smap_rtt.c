/*
 * smap_rtt.c - round trips of Postfix socketmap lookups on ONE persistent
 * connection, for contrib/bench/modes-bench.sh:
 *
 *	smap_rtt [-n LOOKUPS] [-k KEYS] [-p PATTERN] [-m MAP] IPV4:PORT|unix:PATH
 *
 * First a warm-up pass, "MAP KEY" for each of the KEYS keys (PATTERN with
 * %d = 0 .. KEYS-1, default user%d@contoso.com, map "virtual", KEYS 1000),
 * which fills mailswitch's cache; then LOOKUPS (default 100000) sequential
 * requests cycling over the same keys (all cache hits), each timed from
 * the write of the request to the end of the reply.  Every reply must be
 * "OK ...".  Prints the mean, median, p99 and max round trip in
 * microseconds, and the lookups per second; on loopback the round trip is
 * an upper bound of the server's time per lookup.  The server is a TCP
 * address (TCP_NODELAY, as Postfix's socketmap client sets none but sends
 * a request in one write) or a unix socket.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

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

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One lookup; 1 when the reply is a netstring starting "OK ". */
static int lookup(int fd, const char *map, const char *key)
{
	char req[600], rep[4200];
	int n = snprintf(req, sizeof(req), "%zu:%s %s,",
	    strlen(map) + 1 + strlen(key), map, key);
	size_t got = 0, need = 0;
	char *colon;

	if (write(fd, req, n) != n)
		return 0;
	for (;;) {
		ssize_t r = read(fd, rep + got, sizeof(rep) - 1 - got);

		if (r <= 0)
			return 0;
		got += r;
		rep[got] = '\0';
		if (need == 0 && (colon = strchr(rep, ':')) != NULL)
			need = (colon - rep) + 1 + strtoul(rep, NULL, 10) + 1;
		if (need != 0 && got >= need)
			break;
		if (got >= sizeof(rep) - 1)
			return 0;
	}
	colon = strchr(rep, ':');
	return strncmp(colon + 1, "OK ", 3) == 0;
}

/* A connected socket to spec (IPV4:PORT or unix:PATH), or -1. */
static int connect_to(char *spec)
{
	struct timeval tv = { 10, 0 };
	char *colon;
	int fd, one = 1;

	if (strncmp(spec, "unix:", 5) == 0) {
		struct sockaddr_un sun;

		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(spec + 5) >= sizeof(sun.sun_path))
			return -1;
		strcpy(sun.sun_path, spec + 5);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
		    sizeof(tv)) != 0 ||
		    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
			return -1;
		return fd;
	} else {
		struct sockaddr_in addr;

		if ((colon = strrchr(spec, ':')) == NULL)
			return -1;
		*colon = '\0';
		memset(&addr, 0, sizeof(addr));
		addr.sin_family = AF_INET;
		addr.sin_port = htons(atoi(colon + 1));
		if (inet_pton(AF_INET, spec, &addr.sin_addr) != 1)
			return -1;
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
		    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one)) != 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
		    sizeof(tv)) != 0 ||
		    connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0)
			return -1;
		return fd;
	}
}

int main(int argc, char **argv)
{
	const char *pattern = "user%d@contoso.com", *map = "virtual";
	long n = 100000, keys = 1000, i;
	char key[256];
	double *t, sum = 0, t0, tall;
	int fd, c;

	while ((c = getopt(argc, argv, "n:k:p:m:")) != -1) {
		switch (c) {
		case 'n': n = atol(optarg); break;
		case 'k': keys = atol(optarg); break;
		case 'p': pattern = optarg; break;
		case 'm': map = optarg; break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || n < 1 || n > 10000000 || keys < 1)
		goto usage;
	if ((t = malloc(n * sizeof(*t))) == NULL)
		return 2;
	if ((fd = connect_to(argv[optind])) < 0) {
		perror("smap_rtt: connect");
		return 2;
	}
	for (i = 0; i < keys; i++) {
		fmt_key(key, sizeof(key), pattern, i);
		if (!lookup(fd, map, key)) {
			fprintf(stderr, "smap_rtt: warm-up: %s %s: not OK\n",
			    map, key);
			return 1;
		}
	}
	tall = now();
	for (i = 0; i < n; i++) {
		fmt_key(key, sizeof(key), pattern, i % keys);
		t0 = now();
		if (!lookup(fd, map, key)) {
			fprintf(stderr, "smap_rtt: %s %s: not OK\n", map, key);
			return 1;
		}
		t[i] = (now() - t0) * 1e6;
		sum += t[i];
	}
	tall = now() - tall;
	qsort(t, n, sizeof(*t), cmp);
	printf("%ld lookups (%s, %ld keys, warm): mean %.1f us, median %.1f us,"
	    " p99 %.1f us, max %.0f us; %.0f lookups/s\n", n, map, keys,
	    sum / n, t[n / 2], t[(long)(n * 0.99)], t[n - 1], n / tall);
	close(fd);
	return 0;
usage:
	fprintf(stderr, "usage: smap_rtt [-n LOOKUPS] [-k KEYS] [-p PATTERN] "
	    "[-m MAP] IPV4:PORT|unix:PATH\n");
	return 64;
}

/*
 * smclient.c - drives the daemon's socketmap server (SPEC section 6,
 * milter/socketmap.h) as Postfix and as misbehaving clients would, and
 * prints one PASS/FAIL line per check.  Run by t/socketmap/test-socketmap.sh,
 * which starts the daemon on t/milter/mailswitch-test.conf's copy.
 *
 *	smclient ADDR PID CONF		every case, SIGTERM last
 *	smclient -q ADDR PID CONF	the answer table, pipelining, the
 *					malformed table and SIGTERM only
 *	smclient -r ADDR		exit 0 when ADDR refuses a connection
 *	smclient -w ADDR		wait (10 s at most) until ADDR accepts
 *	smclient -l ADDR MAP KEY	one lookup "MAP KEY" on a connection
 *					of its own: the reply's data on
 *					stdout (no newline added), exit 0;
 *					exit 1 when none came within IO_MS
 *
 * The client code (connections, netstrings, timeouts) is
 * contrib/bench/smap_conn.c, which contrib/bench's load_gen uses too.
 * ADDR is inet:PORT@HOST or unix:PATH (or HOST:PORT); PID is the daemon's (SIGHUP,
 * SIGTERM); CONF its configuration file, edited in place (a new file
 * renamed over it) for the reload case.  Every wait is bounded: each read
 * and write has a timeout (IO_MS), each case a deadline.  Exit status 0
 * only when every check passed.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "smap_conn.h"

#define IO_MS		5000	/* every read and write */
#define REPLY_MAX	2048	/* a reply payload we accept */
#define LIMIT		512	/* SOCKETMAP_CONNECTIONS */
#define READ_SECONDS	10	/* SOCKETMAP_READ_SECONDS */

static const char	*addr;
static pid_t		 daemon_pid;
static const char	*conf_path;
static atomic_int	 fails;

static void __attribute__((format(printf, 2, 3)))
result(bool ok, const char *fmt, ...)
{
	va_list	 ap;
	char	 line[1024];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("%s: %s\n", ok ? "PASS" : "FAIL", line);
	fflush(stdout);
	if (!ok)
		atomic_fetch_add(&fails, 1);
}

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
msleep(int ms)
{
	struct timespec	 ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* One request, one reply on c (smap_conn_ask, IO_MS for each wait). */
static bool
ask(smap_conn_t *c, const char *req, char *got, size_t gotlen)
{
	return smap_conn_ask(c, req, got, gotlen, IO_MS);
}

/* ---- the answer table ---------------------------------------------------- */

struct row {
	const char	*req;
	const char	*want;
};

/* The example configuration and LDIF (t/milter/mailswitch-test.conf). */
static const struct row rows[] = {
	{ "virtual bob@contoso.com",		"OK bob@fourthcoffee.com" },
	{ "virtual BOB@Contoso.COM",		"OK bob@fourthcoffee.com" },
	{ "virtual bob.lee@contoso.com",	"OK bob@fourthcoffee.com" },
	{ "virtual erin@contoso.com",		"OK erin@fourthcoffee.com" },
	{ "virtual nobody@contoso.com",		"OK nobody@legacy.contoso.com" },
	{ "virtual dan@contoso.com",		"NOTFOUND " },
	{ "virtual someone@example.org",	"NOTFOUND " },
	{ "virtual bob@fourthcoffee.com",	"NOTFOUND " },
	{ "virtual nobody@sales.contoso.com",	"NOTFOUND " },
	{ "access nobody@sales.contoso.com",	"OK 550 5.1.1 User unknown" },
	{ "access loop1@contoso.com",		"OK 554 5.4.6 Routing loop detected" },
	{ "access bob@contoso.com",		"NOTFOUND " },
	{ "access someone@example.org",		"NOTFOUND " },
	{ "generic bob@fourthcoffee.com",	"OK bob@contoso.com" },
	{ "generic Bob@FourthCoffee.com",	"OK bob@contoso.com" },
	{ "generic someone@example.org",	"NOTFOUND " },
	{ "generic bob@contoso.com",		"NOTFOUND " },
};
#define NROWS	(sizeof(rows) / sizeof(rows[0]))

/* Each row on one persistent connection, one after the other. */
static void
case_table(void)
{
	smap_conn_t	*c = smap_conn_open(addr);
	char		 got[REPLY_MAX];

	if (c == NULL) {
		result(false, "table: cannot connect to %s: %s", addr,
		    strerror(errno));
		return;
	}
	for (size_t i = 0; i < NROWS; i++) {
		bool	 ok = ask(c, rows[i].req, got, sizeof(got)) &&
		    strcmp(got, rows[i].want) == 0;

		if (ok)
			result(true, "table: %-36s -> \"%s\"", rows[i].req, got);
		else
			result(false, "table: %-36s -> got \"%s\", want \"%s\"",
			    rows[i].req, got, rows[i].want);
	}
	smap_conn_close(c);
}

/* Formats every row's request into out; returns the length. */
static size_t
all_rows(char *out, size_t outlen)
{
	size_t	 n = 0;

	for (size_t i = 0; i < NROWS; i++)
		n += (size_t)snprintf(out + n, outlen - n, "%zu:%s,",
		    strlen(rows[i].req), rows[i].req);
	return n;
}

/* Reads NROWS replies; names the first wrong one.  Returns true if all good. */
static bool
all_replies(smap_conn_t *c, char *why, size_t whylen)
{
	char	 got[REPLY_MAX];

	for (size_t i = 0; i < NROWS; i++)
		if (smap_conn_reply(c, got, sizeof(got), IO_MS) < 0 ||
		    strcmp(got, rows[i].want) != 0) {
			snprintf(why, whylen, "reply %zu (%s): got \"%s\", "
			    "want \"%s\"", i + 1, rows[i].req, got,
			    rows[i].want);
			return false;
		}
	snprintf(why, whylen, "%zu replies in order", NROWS);
	return true;
}

/* Every row in one write; then every row one byte per write. */
static void
case_pipeline(void)
{
	char		 out[4096], why[REPLY_MAX + 200];
	size_t		 n = all_rows(out, sizeof(out));
	smap_conn_t	*c = smap_conn_open(addr);
	bool		 ok;

	ok = c != NULL && smap_conn_write(c, out, n, IO_MS) == 0 &&
	    all_replies(c, why, sizeof(why));
	result(ok, "pipelined: %zu requests in one write: %s", NROWS,
	    c == NULL ? "cannot connect" : why);
	smap_conn_close(c);

	/* byte by byte, a pause after each so that each is a read of its own */
	c = smap_conn_open(addr);
	ok = c != NULL;
	for (size_t i = 0; ok && i < n; i++) {
		ok = smap_conn_write(c, out + i, 1, IO_MS) == 0;
		if (i < 120)
			msleep(1);
	}
	ok = ok && all_replies(c, why, sizeof(why));
	result(ok, "split: %zu requests sent one byte per write: %s", NROWS,
	    c == NULL ? "cannot connect" : why);
	smap_conn_close(c);
}

/* ---- malformed requests ---------------------------------------------------- */

struct bad {
	const char	*what;
	const char	*bytes;		/* sent as is */
	size_t		 len;		/* 0: strlen(bytes) */
};

static const struct bad bads[] = {
	{ "bad digit",		"x:virtual bob@contoso.com,", 0 },
	{ "leading zero",	"023:virtual bob@contoso.com,", 0 },
	{ "00",			"00:,", 0 },
	{ "no colon",		"23;virtual bob@contoso.com,", 0 },
	{ "missing comma",	"23:virtual bob@contoso.comX", 0 },
	{ "length 10001",	"10001:virtual ", 0 },
	{ "length 10^20",	"100000000000000000000:", 0 },
	{ "unknown map",	"19:foo bob@contoso.com,", 0 },
	{ "no space",		"7:virtual,", 0 },
	{ "empty key",		"8:virtual ,", 0 },
	{ "empty request",	"0:,", 0 },
	{ "two spaces",		"24:virtual  bob@contoso.com,", 0 },
	{ "map name case",	"23:VIRTUAL bob@contoso.com,", 0 },
	{ "NUL in the key",	"23:virtual bob@contoso\0com,", 27 },
	{ "LF in the key",	"23:virtual bob@contoso\ncom,", 0 },
};
#define NBADS	(sizeof(bads) / sizeof(bads[0]))

/*
 * Each row on a fresh connection after one good request: a PERM reply,
 * then the connection closed (a request written after it is not answered).
 */
static void
case_malformed(void)
{
	char	 got[REPLY_MAX], first[REPLY_MAX];

	for (size_t i = 0; i < NBADS; i++) {
		smap_conn_t	*c = smap_conn_open(addr);
		size_t		 len = bads[i].len ? bads[i].len : strlen(bads[i].bytes);
		bool		 good, perm = false, closed = false;
		int		 n = -1;

		if (c == NULL) {
			result(false, "malformed: %s: cannot connect",
			    bads[i].what);
			continue;
		}
		good = ask(c, rows[0].req, first, sizeof(first)) &&
		    strcmp(first, rows[0].want) == 0;
		if (smap_conn_write(c, bads[i].bytes, len, IO_MS) == 0 &&
		    (n = smap_conn_reply(c, got, sizeof(got), IO_MS)) >= 0)
			perm = strncmp(got, "PERM ", 5) == 0;
		else
			snprintf(got, sizeof(got), "(%s)", n == -2 ?
			    "closed without a reply" : "no reply");
		(void)smap_conn_send(c, rows[0].req, IO_MS);	/* may fail: closed */
		closed = smap_conn_closed(c, IO_MS) == 1;
		result(good && perm && closed, "malformed: %-15s -> \"%s\"%s%s",
		    bads[i].what, got, closed ? ", closed" :
		    ", NOT closed (or answered after PERM)",
		    good ? "" : ", and the good request before it failed");
		smap_conn_close(c);
	}
}

/*
 * Requests of 10,000 bytes (the maximum) are read whole and answered; a
 * NOTFOUND keeps the connection.  The key is too long for an address.
 */
static void
case_maximum(void)
{
	static const struct row maps[] = {
		{ "virtual",	"NOTFOUND " },
		{ "access",	"OK 501 5.1.3 Bad recipient address syntax" },
		{ "generic",	"NOTFOUND " },
	};
	char	 req[10001], got[REPLY_MAX], again[REPLY_MAX];

	for (size_t m = 0; m < 3; m++) {
		smap_conn_t	*c = smap_conn_open(addr);
		size_t		 nl = strlen(maps[m].req), dom = strlen("@contoso.com");
		bool		 ok;

		memcpy(req, maps[m].req, nl);
		req[nl] = ' ';
		memset(req + nl + 1, 'a', 10000 - nl - 1 - dom);
		memcpy(req + 10000 - dom, "@contoso.com", dom + 1);
		ok = c != NULL && ask(c, req, got, sizeof(got)) &&
		    strcmp(got, maps[m].want) == 0;
		/* and the connection stays */
		ok = ok && ask(c, rows[0].req, again, sizeof(again)) &&
		    strcmp(again, rows[0].want) == 0;
		result(ok, "maximum: a %zu-byte %-7s request -> \"%.60s\" "
		    "(want \"%s\", the connection kept)", strlen(req),
		    maps[m].req, c == NULL ? "(cannot connect)" : got,
		    maps[m].want);
		smap_conn_close(c);
	}
}

/* ---- concurrency -------------------------------------------------------------- */

#define CLIENTS		64
#define REQUESTS	200

struct worker {
	pthread_t	 tid;
	int		 id;
	int		 good;
	char		 why[REPLY_MAX + 100];
};

static void *
worker_run(void *arg)
{
	struct worker	*w = arg;
	smap_conn_t	*c = smap_conn_open(addr);
	char		 got[REPLY_MAX];

	if (c == NULL) {
		snprintf(w->why, sizeof(w->why), "cannot connect: %s",
		    strerror(errno));
		return NULL;
	}
	for (int i = 0; i < REQUESTS; i++) {
		const struct row *r = &rows[(size_t)(w->id + i) % NROWS];

		if (!ask(c, r->req, got, sizeof(got)) ||
		    strcmp(got, r->want) != 0) {
			snprintf(w->why, sizeof(w->why), "%s: got \"%s\", "
			    "want \"%s\"", r->req, got, r->want);
			break;
		}
		w->good++;
	}
	smap_conn_close(c);
	return NULL;
}

static void
case_concurrent(void)
{
	struct worker	*w = calloc(CLIENTS, sizeof(*w));
	double		 t0 = now();
	int		 good = 0, started = 0;
	const char	*why = "";

	if (w == NULL)
		return;
	for (int i = 0; i < CLIENTS; i++) {
		w[i].id = i;
		if (pthread_create(&w[i].tid, NULL, worker_run, &w[i]) == 0)
			started++;
		else
			w[i].id = -1;
	}
	for (int i = 0; i < CLIENTS; i++) {
		if (w[i].id == -1)
			continue;
		pthread_join(w[i].tid, NULL);
		good += w[i].good;
		if (w[i].why[0] != '\0' && why[0] == '\0')
			why = w[i].why;
	}
	result(good == CLIENTS * REQUESTS, "concurrent: %d clients x %d "
	    "requests: %d answered correctly in %.1f s%s%s", CLIENTS, REQUESTS,
	    good, now() - t0, why[0] ? "; first failure: " : "", why);
	free(w);
}

/* ---- a stalled client ----------------------------------------------------------- */

struct stall {
	pthread_t	 tid;
	double		 closed_after;	/* seconds; < 0: not closed */
	bool		 data;		/* something came back */
};

/* Sends half a request, then waits for the server to close. */
static void *
stall_run(void *arg)
{
	struct stall	*s = arg;
	smap_conn_t	*c = smap_conn_open(addr);
	double		 t0 = now();
	int		 r;

	s->closed_after = -1;
	if (c == NULL || smap_conn_write(c, "20:virtual bo", 13, IO_MS) == -1) {
		smap_conn_close(c);
		return NULL;
	}
	r = smap_conn_closed(c, (READ_SECONDS + 6) * 1000);
	s->data = r == 0;
	if (r == 1)
		s->closed_after = now() - t0;
	smap_conn_close(c);
	return NULL;
}

/* While s stalls: a new client is answered at once. */
static void
case_stall_others(void)
{
	char		 got[REPLY_MAX];
	double		 t0 = now(), took;
	smap_conn_t	*c = smap_conn_open(addr);
	bool		 ok = c != NULL && ask(c, rows[0].req, got, sizeof(got)) &&
	    strcmp(got, rows[0].want) == 0;

	took = now() - t0;
	result(ok && took < 1.0, "stall: while a client stalls mid-request, "
	    "another is answered in %.3f s (want < 1 s)", took);
	smap_conn_close(c);
}

static void
case_stall_end(struct stall *s, smap_conn_t *idle, double idle_since)
{
	char	 got[REPLY_MAX];
	bool	 ok;

	pthread_join(s->tid, NULL);
	result(!s->data && s->closed_after >= READ_SECONDS - 1 &&
	    s->closed_after <= READ_SECONDS + 4, "stall: the stalled client "
	    "(\"20:virtual bo\") is closed without a reply after %.1f s "
	    "(want %d s)%s", s->closed_after, READ_SECONDS,
	    s->data ? "; it got data" : "");
	ok = idle != NULL && ask(idle, rows[4].req, got, sizeof(got)) &&
	    strcmp(got, rows[4].want) == 0;
	result(ok, "stall: a connection idle for %.1f s (no request) is still "
	    "open and answered: \"%s\"", now() - idle_since, idle ? got : "");
}

/* ---- the connection limit ------------------------------------------------------ */

static void
case_limit(void)
{
	smap_conn_t	*c[LIMIT + 3];
	char		 got[REPLY_MAX];
	int		 open = 0, refused = 0, again = 0, after = 0;

	memset(c, 0, sizeof(c));
	/*
	 * The server counts a connection until its thread has seen the
	 * close: one of the earlier cases' may still count for a moment, so
	 * a refusal below the limit is retried (2 s at most).
	 */
	for (int i = 0, retries = 0; i < LIMIT; i++) {
		if ((c[i] = smap_conn_open(addr)) == NULL)
			break;
		if (!ask(c[i], rows[i % NROWS].req, got, sizeof(got)) ||
		    strcmp(got, rows[i % NROWS].want) != 0) {
			smap_conn_close(c[i]);
			c[i] = NULL;
			if (retries++ == 20)
				break;
			msleep(100);
			i--;
			continue;
		}
		open++;
	}
	result(open == LIMIT, "limit: %d connections opened and answered "
	    "(want %d)", open, LIMIT);
	for (int i = LIMIT; i < LIMIT + 3; i++) {
		/* accepted by the kernel, then closed without a reply */
		if ((c[i] = smap_conn_open(addr)) == NULL) {
			refused++;
			continue;
		}
		if (smap_conn_send(c[i], rows[0].req, IO_MS) == -1 ||
		    smap_conn_closed(c[i], IO_MS) == 1)
			refused++;
	}
	result(refused == 3, "limit: %d of 3 connections over the limit "
	    "refused (closed without a reply)", refused);
	for (int i = 0; i < open; i++)
		if (ask(c[i], rows[(size_t)i % NROWS].req, got, sizeof(got)) &&
		    strcmp(got, rows[(size_t)i % NROWS].want) == 0)
			again++;
	result(again == open, "limit: the %d first connections still answer "
	    "(%d did)", open, again);
	for (int i = 0; i < LIMIT + 3; i++) {
		smap_conn_close(c[i]);
		c[i] = NULL;
	}
	/* the server notices the closes: a new connection works again */
	for (int k = 0; k < 50 && after == 0; k++) {
		smap_conn_t	*n = smap_conn_open(addr);

		if (n != NULL && ask(n, rows[0].req, got, sizeof(got)) &&
		    strcmp(got, rows[0].want) == 0)
			after = 1;
		else
			msleep(100);
		smap_conn_close(n);
	}
	result(after == 1, "limit: after the connections closed, a new one "
	    "is answered");
}

/* ---- SIGHUP ---------------------------------------------------------------------- */

struct stream {
	pthread_t	 tid;
	atomic_bool	 stop;
	int		 answered, wrong;
	char		 why[REPLY_MAX + 100];
};

static void *
stream_run(void *arg)
{
	struct stream	*s = arg;
	smap_conn_t	*c = smap_conn_open(addr);
	char		 got[REPLY_MAX];

	if (c == NULL) {
		snprintf(s->why, sizeof(s->why), "cannot connect");
		s->wrong++;
		return NULL;
	}
	for (size_t i = 0; !atomic_load(&s->stop) && s->answered < 200000; i++) {
		const struct row *r = &rows[i % NROWS];

		if (!ask(c, r->req, got, sizeof(got)) ||
		    strcmp(got, r->want) != 0) {
			if (s->wrong++ == 0)
				snprintf(s->why, sizeof(s->why), "%s: got \"%s\", "
				    "want \"%s\"", r->req, got, r->want);
			break;
		}
		s->answered++;
	}
	smap_conn_close(c);
	return NULL;
}

/* Replaces from by to in conf_path (a new file renamed over it). */
static int
conf_replace(const char *from, const char *to)
{
	char	 buf[65536], out[65536 + 256], tmp[4096];
	FILE	*fp;
	size_t	 n;
	char	*p;
	int	 len;

	if ((fp = fopen(conf_path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	if ((p = strstr(buf, from)) == NULL)
		return -1;
	len = snprintf(out, sizeof(out), "%.*s%s%s", (int)(p - buf), buf, to,
	    p + strlen(from));
	snprintf(tmp, sizeof(tmp), "%s.new", conf_path);
	if ((fp = fopen(tmp, "w")) == NULL)
		return -1;
	if (fwrite(out, 1, (size_t)len, fp) != (size_t)len) {
		fclose(fp);
		return -1;
	}
	if (fclose(fp) == EOF || chmod(tmp, 0644) == -1 ||
	    rename(tmp, conf_path) == -1)
		return -1;
	return 0;
}

static void
case_sighup(void)
{
	struct stream	 s[4];
	int		 answered = 0, wrong = 0, sent = 0;
	const char	*why = "";
	smap_conn_t	*p;
	char		 got[REPLY_MAX];
	const char	*want_old = "OK nobody@legacy.contoso.com";
	const char	*want_new = "OK nobody@other.contoso.com";
	const char	*req = "virtual nobody@contoso.com";
	bool		 ok, other = false, stray = false;
	int		 before = 0, tries = 0;

	memset(s, 0, sizeof(s));
	for (int i = 0; i < 4; i++)
		pthread_create(&s[i].tid, NULL, stream_run, &s[i]);
	msleep(100);
	for (int i = 0; i < 20; i++) {
		if (kill(daemon_pid, SIGHUP) == 0)
			sent++;
		msleep(50);
	}
	msleep(200);
	for (int i = 0; i < 4; i++) {
		atomic_store(&s[i].stop, true);
		pthread_join(s[i].tid, NULL);
		answered += s[i].answered;
		wrong += s[i].wrong;
		if (s[i].why[0] && !why[0])
			why = s[i].why;
	}
	result(sent == 20 && wrong == 0 && answered > 100, "sighup: %d SIGHUPs "
	    "during 4 streams of requests: %d answered, %d wrong or lost%s%s",
	    sent, answered, wrong, why[0] ? ": " : "", why);

	/* a new forward_to, seen by the SAME connection after SIGHUP */
	p = smap_conn_open(addr);
	ok = p != NULL && ask(p, req, got, sizeof(got)) &&
	    strcmp(got, want_old) == 0;
	result(ok, "sighup: before the edit, %s -> \"%s\"", req,
	    p ? got : "(cannot connect)");
	if (!ok || conf_replace("forward_to = \"legacy.contoso.com\"",
	    "forward_to = \"other.contoso.com\"") == -1) {
		result(false, "sighup: cannot edit %s", conf_path);
		smap_conn_close(p);
		return;
	}
	kill(daemon_pid, SIGHUP);
	for (tries = 0; tries < 200 && !other; tries++) {
		if (!ask(p, req, got, sizeof(got)))
			break;
		if (strcmp(got, want_new) == 0)
			other = true;
		else if (strcmp(got, want_old) == 0) {
			before++;
			msleep(50);
		} else {
			stray = true;
			break;
		}
	}
	result(other && !stray, "sighup: forward_to = \"other.contoso.com\" and "
	    "SIGHUP: the same connection then gets \"%s\" (after %d old "
	    "answers)", got, before);
	ok = ask(p, "access nobody@sales.contoso.com", got, sizeof(got)) &&
	    strcmp(got, "OK 550 5.1.1 User unknown") == 0;
	result(ok, "sighup: the same connection keeps answering after the "
	    "reload: \"%s\"", got);
	smap_conn_close(p);
}

/* ---- SIGTERM ---------------------------------------------------------------------- */

/*
 * Half a request, SIGTERM, then the rest: it is answered with the
 * configuration of the moment, the connection then closed, and meanwhile
 * the listener takes no new connection.
 */
static void
case_sigterm(const char *want_nobody)
{
	smap_conn_t	*c = smap_conn_open(addr), *n;
	char		 got[REPLY_MAX], req[128];
	bool		 ok;
	int		 len;

	if (c == NULL) {
		result(false, "sigterm: cannot connect");
		return;
	}
	/* a first request: the connection is established and served */
	ok = ask(c, rows[0].req, got, sizeof(got)) &&
	    strcmp(got, rows[0].want) == 0;
	len = snprintf(req, sizeof(req), "26:virtual nobody@contoso.com,");
	ok = ok && smap_conn_write(c, req, 12, IO_MS) == 0;
	msleep(200);
	if (kill(daemon_pid, SIGTERM) == -1) {
		result(false, "sigterm: kill: %s", strerror(errno));
		smap_conn_close(c);
		return;
	}
	msleep(500);
	n = smap_conn_open(addr);
	result(n == NULL, "sigterm: with a request in flight, a new connection "
	    "is refused (%s)", n == NULL ? strerror(errno) : "accepted");
	smap_conn_close(n);
	ok = ok && smap_conn_write(c, req + 12, (size_t)len - 12, IO_MS) == 0 &&
	    smap_conn_reply(c, got, sizeof(got), IO_MS) >= 0 &&
	    strcmp(got, want_nobody) == 0;
	result(ok, "sigterm: the request in flight is answered: \"%s\" (want "
	    "\"%s\")", ok ? got : "(none)", want_nobody);
	result(smap_conn_closed(c, IO_MS) == 1, "sigterm: then its connection is "
	    "closed");
	smap_conn_close(c);
}

/* ---- main ---------------------------------------------------------------------- */

/* -l: one lookup on a connection of its own; the reply's data on stdout. */
static int
lookup(const char *where, const char *map, const char *key)
{
	static char	 got[100001];	/* what t/lib/socketmap.sh read */
	smap_conn_t	*c;
	char		*req;
	size_t		 len = strlen(map) + 1 + strlen(key) + 1;
	bool		 ok;

	if ((req = malloc(len)) == NULL)
		return 1;
	snprintf(req, len, "%s %s", map, key);
	ok = (c = smap_conn_open(where)) != NULL &&
	    ask(c, req, got, sizeof(got));
	smap_conn_close(c);
	free(req);
	if (!ok)
		return 1;
	fputs(got, stdout);
	return fflush(stdout) == 0 ? 0 : 1;
}

static int
usage(void)
{
	fprintf(stderr, "usage: smclient [-q] ADDR PID CONF | -r ADDR | "
	    "-w ADDR | -l ADDR MAP KEY\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct stall	 stall;
	smap_conn_t	*idle;
	double		 idle_since;
	bool		 quick = false;

	signal(SIGPIPE, SIG_IGN);
	if (argc == 3 && strcmp(argv[1], "-r") == 0) {
		int	 fd;

		addr = argv[2];
		if ((fd = smap_conn_socket(addr)) == -1)
			return 0;
		close(fd);
		return 1;
	}
	if (argc == 3 && strcmp(argv[1], "-w") == 0) {
		addr = argv[2];
		for (int i = 0; i < 100; i++) {
			int	 fd = smap_conn_socket(addr);

			if (fd != -1) {
				close(fd);
				return 0;
			}
			msleep(100);
		}
		return 1;
	}
	if (argc == 5 && strcmp(argv[1], "-l") == 0)
		return lookup(argv[2], argv[3], argv[4]);
	if (argc == 5 && strcmp(argv[1], "-q") == 0) {
		quick = true;
		argv++;
		argc--;
	}
	if (argc != 4 || atoi(argv[2]) <= 1)
		return usage();
	addr = argv[1];
	daemon_pid = (pid_t)atoi(argv[2]);
	conf_path = argv[3];

	if (!quick) {
		/* the 10 s read timeout runs while the other cases do */
		memset(&stall, 0, sizeof(stall));
		idle = smap_conn_open(addr);
		idle_since = now();
		pthread_create(&stall.tid, NULL, stall_run, &stall);
		msleep(100);
		case_stall_others();
	}
	case_table();
	case_pipeline();
	case_malformed();
	if (!quick) {
		case_maximum();
		case_concurrent();
		case_stall_end(&stall, idle, idle_since);
		smap_conn_close(idle);
		msleep(200);	/* let the server see these closes */
		case_limit();
		case_sighup();
		case_sigterm("OK nobody@other.contoso.com");
	} else
		case_sigterm("OK nobody@legacy.contoso.com");
	return atomic_load(&fails) == 0 ? 0 : 1;
}

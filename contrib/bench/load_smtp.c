/*
 * load_smtp.c - load_gen's SMTP modes, after Postfix's smtp-source (one
 * message per connection, EHLO, no pipelining: every command waits for its
 * reply), but with recipients that can differ from message to message,
 * which smtp-source cannot do (its -r prepends the recipient's number
 * within the message, so every message has the same ones).
 *
 * smtp (contrib/bench/modes-bench.sh, replica-bench.sh, t/ldap/
 * test-faults.sh): message k (0 .. MESSAGES-1) goes to RCPTS recipients,
 * PATTERN with %d = BASE + k * RCPTS + j (j = 0 .. RCPTS-1; default
 * user%d@contoso.com, the contacts of t/ldap/gen-contacts.sh), Subject
 * "smtp_load k".  Prints
 *
 *	sent N failed F seconds S
 *
 * and exits 1 when a message failed (any reply other than the expected
 * one) or the time limit (-T, default 300 s; also each reply's timeout) was
 * reached.  -w waits MS milliseconds before each message of a session
 * (a paced load, for the fault tests); -o writes one line per message to
 * FILE, "K accepted" (250 after the DATA) or "K refused CODE STEP" (the
 * first reply that was not the expected one, CODE 0 when there was none;
 * STEP is connect, greeting, EHLO, MAIL, RCPT, DATA, dot or QUIT -- a
 * message refused at QUIT was accepted).
 *
 * soak (contrib/bench/soak-bench.sh): the same dialogue, but a message
 * refused with a 4xx (at RCPT, DATA or the end of data, as mailswitch's
 * on_directory_error = tempfail does during a directory outage) is sent
 * again, after -w MS (default 200), until it is accepted or the time
 * limit is reached.  Message k (FIRST .. FIRST+MESSAGES-1) goes to RCPTS
 * (default 1) recipients, PATTERN's %d = (k * RCPTS + j) % CYCLE (default
 * CYCLE 20000: t/ldap/gen-contacts.sh's contacts, cycled); its Message-ID
 * is <soak.k@load.example.org>, so the dumps at smtp-sink can be matched
 * to the messages sent.  A connection that fails or closes before the
 * message is accepted, or a reply that times out (-T), counts as an error
 * and the message is sent again too; a 5xx is final (rejected).  Prints
 *
 *	accepted A tempfail T error E rejected R seconds S
 *
 * (T: 4xx replies, each followed by a new attempt) and exits 1 unless
 * every message was accepted.  After a 4xx or 5xx it says QUIT (and does
 * not wait for the reply); smtp says QUIT, and waits for the 221, only
 * after an accepted message.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load_gen.h"

static struct sockaddr_in	 server;
static atomic_long		 sent, failed;		/* smtp */
static atomic_long		 accepted, tempfail, errors, rejected; /* soak */
static char			 mid_prefix[64];	/* of the Message-ID */

/* How one attempt at a message ended. */
struct attempt {
	bool		 accepted;	/* 250 after the data */
	bool		 replied;	/* ended on a reply not the expected */
	int		 code;		/* of the last reply; 0: none; -1 */
	const char	*step;		/* connect, greeting, ... QUIT */
};

/* One connection's read buffer. */
struct smtp_conn {
	int		 fd;
	char		 buf[4096];
	size_t		 len;
};

/*
 * Reads one (possibly multi-line) reply; its code, or -1 (end of file,
 * timeout, a line too long).
 */
static int
smtp_reply(struct smtp_conn *s)
{
	for (;;) {
		char	*nl, *line = s->buf;
		ssize_t	 n;

		/* complete lines in the buffer */
		while ((nl = memchr(line, '\n',
		    s->len - (size_t)(line - s->buf))) != NULL) {
			bool	 last = nl - line >= 3 && line[3] != '-';
			int	 code = atoi(line);

			line = nl + 1;
			if (last) {
				s->len -= (size_t)(line - s->buf);
				memmove(s->buf, line, s->len);
				return code;
			}
		}
		s->len -= (size_t)(line - s->buf);
		memmove(s->buf, line, s->len);
		if (s->len >= 4000)
			return -1;
		n = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);
		if (n <= 0)
			return -1;
		s->len += (size_t)n;
	}
}

/* Writes all of buf; false on an error or a timeout. */
static bool
smtp_say(struct smtp_conn *s, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t	 w = write(s->fd, buf, n);

		if (w <= 0)
			return false;
		buf += w;
		n -= (size_t)w;
	}
	return true;
}

/*
 * Says cmd (when not NULL) and reads the reply into a; true when its code
 * is want.  A failed write leaves a->code the previous reply's.
 */
static bool
smtp_step(struct smtp_conn *s, struct attempt *a, const char *step,
    const char *cmd, int want)
{
	a->step = step;
	if (cmd != NULL && !smtp_say(s, cmd, strlen(cmd)))
		return false;
	if ((a->code = smtp_reply(s)) == want)
		return true;
	a->replied = a->code != -1;
	if (a->code == -1)
		a->code = 0;
	return false;
}

/* Recipient j of message k. */
static void
rcpt_of(char *buf, size_t size, long k, int j)
{
	long	 n = load.base + k * load.rcpts + j;

	load_fmt_key(buf, size, load.pattern, load.cycle > 0 ?
	    n % load.cycle : n);
}

/*
 * One attempt at message k: connect, the dialogue, QUIT (after an
 * accepted message: waited for when await_quit; after a 4xx or 5xx: when
 * quit_refused).
 */
static void
smtp_message(long k, const char *subject, bool await_quit,
    bool quit_refused, struct attempt *a)
{
	struct smtp_conn	 s = { .fd = -1 };
	struct timeval		 tv = { load.limit, 0 };
	char			 cmd[1024], to[256], rcpt[256];
	int			 j;
	bool			 ok;

	memset(a, 0, sizeof(*a));
	a->step = "connect";
	if ((s.fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return;
	(void)setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(s.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(s.fd, (struct sockaddr *)&server, sizeof(server)) != 0)
		goto out;
	ok = smtp_step(&s, a, "greeting", NULL, 220) &&
	    smtp_step(&s, a, "EHLO", "EHLO load.example.org\r\n", 250);
	if (ok) {
		snprintf(cmd, sizeof(cmd), "MAIL FROM:<%s>\r\n", load.from);
		ok = smtp_step(&s, a, "MAIL", cmd, 250);
	}
	rcpt_of(to, sizeof(to), k, 0);
	for (j = 0; ok && j < load.rcpts; j++) {
		rcpt_of(rcpt, sizeof(rcpt), k, j);
		snprintf(cmd, sizeof(cmd), "RCPT TO:<%s>\r\n", rcpt);
		ok = smtp_step(&s, a, "RCPT", cmd, 250);
	}
	ok = ok && smtp_step(&s, a, "DATA", "DATA\r\n", 354);
	if (ok) {
		snprintf(cmd, sizeof(cmd), "From: <%s>\r\nTo: <%s>\r\n"
		    "Subject: %s %ld\r\n"
		    "Message-ID: <%s.%ld@load.example.org>\r\n\r\n"
		    "La de da de da 1.\r\nLa de da de da 2.\r\n"
		    "La de da de da 3.\r\nLa de da de da 4.\r\n.\r\n",
		    load.from, to, subject, k, mid_prefix, k);
		ok = smtp_step(&s, a, "dot", cmd, 250);
	}
	if (ok) {
		a->accepted = true;
		if (await_quit)
			(void)smtp_step(&s, a, "QUIT", "QUIT\r\n", 221);
		else
			(void)smtp_say(&s, "QUIT\r\n", 6);
	} else if (quit_refused && a->replied && a->code >= 400 &&
	    a->code < 600)
		(void)smtp_say(&s, "QUIT\r\n", 6);
out:
	close(s.fd);
}

/* The server's address (IPV4:PORT); 64 when it does not parse. */
static int
smtp_prepare(void)
{
	const char	*colon = strrchr(load.addr, ':');
	char		 ip[64];

	if (colon == NULL || (size_t)(colon - load.addr) >= sizeof(ip))
		return 64;
	memcpy(ip, load.addr, (size_t)(colon - load.addr));
	ip[colon - load.addr] = '\0';
	server.sin_family = AF_INET;
	server.sin_port = htons((unsigned short)atoi(colon + 1));
	if (inet_pton(AF_INET, ip, &server.sin_addr) != 1) {
		fprintf(stderr, "load_gen: not an IPV4:PORT: %s\n", load.addr);
		return 64;
	}
	snprintf(mid_prefix, sizeof(mid_prefix), "smtp_load.%ld",
	    (long)getpid());
	return 0;
}

/* smtp: message k, paced by -w, once. */
static bool
smtp_item(long k)
{
	struct attempt	 a;

	if (load.wait_ms > 0)
		load_sleep_ms(load.wait_ms);
	if (load_now() > load.t_end) {
		atomic_fetch_add(&failed, 1);
		return true;
	}
	smtp_message(k, "smtp_load", true, false, &a);
	atomic_fetch_add(a.accepted ? &sent : &failed, 1);
	if (load.out != NULL && a.accepted)
		fprintf(load.out, "%ld accepted\n", k);
	else if (load.out != NULL)
		fprintf(load.out, "%ld refused %d %s\n", k, a.code, a.step);
	return true;
}

static int
smtp_report(double seconds)
{
	printf("sent %ld failed %ld seconds %.4f\n", (long)sent,
	    (long)failed, seconds);
	return failed != 0;
}

const struct load_mode	 load_mode_smtp = {
	.name = "smtp",
	.optstring = "s:m:r:b:p:f:T:w:o:",
	.usage = "[-s SESSIONS] [-m MESSAGES] [-r RCPTS] [-b BASE] "
	    "[-p PATTERN] [-f FROM] [-T SECONDS] [-w MS] [-o FILE] IPV4:PORT",
	.prepare = smtp_prepare,
	.item = smtp_item,
	.report = smtp_report,
};

/* soak: the address, and its own Message-IDs; CYCLE of at least 1. */
static int
soak_prepare(void)
{
	int	 rc;

	if (load.cycle < 1) {
		fprintf(stderr, "load_gen soak: -c CYCLE must be >= 1\n");
		return 64;
	}
	if ((rc = smtp_prepare()) != 0)
		return rc;
	snprintf(mid_prefix, sizeof(mid_prefix), "soak");
	return 0;
}

/* soak: message FIRST + k, again after a 4xx or an error. */
static bool
soak_item(long k)
{
	struct attempt	 a;

	for (;;) {
		if (load_now() > load.t_end) {
			atomic_fetch_add(&errors, 1);
			return true;
		}
		smtp_message(load.first + k, "soak_load", false, true, &a);
		if (a.accepted) {
			atomic_fetch_add(&accepted, 1);
			return true;
		}
		if (a.replied && a.code >= 500 && a.code < 600) {
			atomic_fetch_add(&rejected, 1);
			return true;
		}
		atomic_fetch_add(a.replied && a.code >= 400 && a.code < 500 ?
		    &tempfail : &errors, 1);
		load_sleep_ms(load.wait_ms);
	}
}

static int
soak_report(double seconds)
{
	printf("accepted %ld tempfail %ld error %ld rejected %ld seconds "
	    "%.4f\n", (long)accepted, (long)tempfail, (long)errors,
	    (long)rejected, seconds);
	return accepted != load.count;
}

const struct load_mode	 load_mode_soak = {
	.name = "soak",
	.optstring = "s:m:k:r:c:w:T:",
	.usage = "[-s SESSIONS] [-m MESSAGES] [-k FIRST] [-r RCPTS] "
	    "[-c CYCLE] [-w MS] [-T SECONDS] IPV4:PORT",
	.prepare = soak_prepare,
	.item = soak_item,
	.report = soak_report,
};

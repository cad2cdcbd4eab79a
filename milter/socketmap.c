/*
 * socketmap.c - see socketmap.h.  The protocol (netstrings, the maps, the
 * log lines and what to count) is lib/proto/netstring.c and
 * lib/proto/sockmap.c; this file has the sockets, the threads and the
 * timeouts.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "netstring.h"
#include "runtime.h"
#include "sockmap.h"
#include "socketmap.h"

static int		 listen_fd = -1;
static atomic_bool	 stopping;
static atomic_int	 in_flight;
static atomic_int	 connections;

/* Splits "inet:PORT@HOST" into port and host; host "" means any. */
static int
socketmap_inet(const char *spec, int family, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	const char	*p = strchr(spec, ':') + 1, *at = strchr(p, '@');
	char		 port[8], host[256];
	int		 fd = -1, on = 1, rc;

	snprintf(port, sizeof(port), "%.*s",
	    (int)(at != NULL ? (size_t)(at - p) : strlen(p)), p);
	snprintf(host, sizeof(host), "%s", at != NULL ? at + 1 : "");
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "socketmap %s: %s", spec, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) == -1)
			continue;
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		(void)close(fd);
		fd = -1;
	}
	if (fd == -1)
		snprintf(err, errlen, "socketmap %s: cannot bind: %s", spec,
		    strerror(errno));
	freeaddrinfo(res);
	return fd;
}

/* A unix socket at path, a stale one removed first. */
static int
socketmap_unix(const char *spec, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	int			 fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socketmap %s: path too long", spec);
		return -1;
	}
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		(void)unlink(path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		snprintf(err, errlen, "socketmap %s: cannot bind: %s", spec,
		    strerror(errno));
		if (fd != -1)
			(void)close(fd);
		return -1;
	}
	return fd;
}

int
socketmap_open(const char *spec, char *err, size_t errlen)
{
	int	 fd;

	if (strncmp(spec, "unix:", 5) == 0)
		fd = socketmap_unix(spec, spec + 5, err, errlen);
	else if (strncmp(spec, "local:", 6) == 0)
		fd = socketmap_unix(spec, spec + 6, err, errlen);
	else if (strncmp(spec, "inet6:", 6) == 0)
		fd = socketmap_inet(spec, AF_INET6, err, errlen);
	else
		fd = socketmap_inet(spec, AF_INET, err, errlen);
	if (fd == -1)
		return -1;
	if (listen(fd, 128) == -1) {
		snprintf(err, errlen, "socketmap %s: cannot listen: %s", spec,
		    strerror(errno));
		(void)close(fd);
		return -1;
	}
	listen_fd = fd;
	return 0;
}

/*
 * Sets the receive (SO_RCVTIMEO) or send (SO_SNDTIMEO) timeout of fd: the
 * timeouts are the socket's own, so that a request costs one read() and
 * one send() and no poll() around them.  Returns 0, or -1.
 */
static int
socketmap_timeout(int fd, int which, int seconds)
{
	struct timeval	 tv = { .tv_sec = seconds, .tv_usec = 0 };

	return setsockopt(fd, SOL_SOCKET, which, &tv, sizeof(tv));
}

/* Writes all of buf; a send blocked SOCKETMAP_WRITE_SECONDS fails.  0, or -1. */
static int
socketmap_write(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = send(fd, buf, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;	/* EAGAIN: the send timeout */
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Sends res's reply as a netstring.  Returns 0, or -1. */
static int
socketmap_send(int fd, const sockmap_result_t *res)
{
	char	 out[SOCKMAP_TEXT_MAX + 16];
	size_t	 n = netstring_format(out, sizeof(out), res->reply,
	    res->reply_len);

	return n == 0 ? -1 : socketmap_write(fd, out, n);
}

/* Logs an answered request as lib/proto/sockmap.c says. */
static void
socketmap_log(const sockmap_result_t *res)
{
	log_msg(res->log_level, "socketmap: %s", res->log);
}

/* Counts the decision of an answered request, when sockmap.c says so. */
static void
socketmap_count(const sockmap_result_t *res)
{
	if (res->count)
		metrics_decision(METRICS_SOCKETMAP, res->direction,
		    res->verdict.reason, res->tempfail);
}

/*
 * Answers one complete request into res (the connection's); returns false
 * when the connection ends.
 */
static bool
socketmap_answer(int fd, const char *req, size_t len, sockmap_result_t *res)
{
	runtime_t		*rt;
	bool			 keep;

	if ((rt = runtime_acquire()) == NULL)
		return false;
	sockmap_reply(runtime_config(rt), runtime_directory(rt), req, len,
	    res);
	runtime_release(rt);
	socketmap_count(res);
	keep = socketmap_send(fd, res) == 0 && !res->close;
	socketmap_log(res);
	return keep;
}

/*
 * One connection, for as long as it lasts.  A request counts as in flight
 * (socketmap_in_flight(), which the stop waits for) from its first byte
 * until its reply is sent, so that a stop never drops a request that has
 * begun to arrive: its rest is awaited (at most SOCKETMAP_READ_SECONDS)
 * and it is answered.  Bytes that start a request after the stop began
 * are not taken: the connection is closed.
 */
static void *
socketmap_conn(void *arg)
{
	int			 fd = (int)(intptr_t)arg;
	netstring_reader_t	*r = netstring_reader_create(SOCKMAP_QUERY_MAX);
	sockmap_result_t	*res = malloc(sizeof(*res));
	char			 buf[4096];
	const char		*req;
	size_t			 have = 0, off = 0, used, len;
	ssize_t			 n;
	int			 rcv = SOCKETMAP_IDLE_SECONDS, want;
	bool			 open, counted = false;

	metrics_connection(METRICS_SOCKETMAP, 1);
	open = r != NULL && res != NULL &&
	    socketmap_timeout(fd, SO_SNDTIMEO, SOCKETMAP_WRITE_SECONDS) == 0 &&
	    socketmap_timeout(fd, SO_RCVTIMEO, rcv) == 0;
	if (!open)
		log_msg(LOG_ERR, "socketmap: cannot set up a connection: %s",
		    r == NULL || res == NULL ? "out of memory" : strerror(errno));
	while (open) {
		if (off == have) {
			int	 pending = netstring_pending(r);

			if (!counted && atomic_load(&stopping))
				break;		/* between requests */
			want = pending ? SOCKETMAP_READ_SECONDS :
			    SOCKETMAP_IDLE_SECONDS;
			if (want != rcv &&
			    socketmap_timeout(fd, SO_RCVTIMEO, want) == 0)
				rcv = want;
			if ((n = read(fd, buf, sizeof(buf))) <= 0) {
				if (n == -1 && errno == EINTR)
					continue;
				if (n == -1 && pending && (errno == EAGAIN ||
				    errno == EWOULDBLOCK))
					log_msg(LOG_WARNING, "socketmap: a request "
					    "unfinished after %d s; connection "
					    "closed", SOCKETMAP_READ_SECONDS);
				else if (pending)
					log_msg(LOG_WARNING, "socketmap: the "
					    "client left in the middle of a "
					    "request");
				break;
			}
			have = (size_t)n;
			off = 0;
		}
		if (!counted) {
			/* before the check: socketmap_stop() and the wait
			 * for in_flight see one another (sequential
			 * consistency), whichever comes first */
			atomic_fetch_add(&in_flight, 1);
			counted = true;
			if (atomic_load(&stopping))
				break;
		}
		switch (netstring_feed(r, buf + off, have - off, &used)) {
		case NETSTRING_MORE:
			off += used;
			break;
		case NETSTRING_DONE:
			off += used;
			req = netstring_payload(r, &len);
			open = socketmap_answer(fd, req, len, res);
			atomic_fetch_sub(&in_flight, 1);
			counted = false;
			break;
		case NETSTRING_BAD:
			sockmap_malformed(netstring_strerror(netstring_error(r)),
			    res);
			(void)socketmap_send(fd, res);
			socketmap_log(res);
			open = false;
			break;
		}
	}
	if (counted)
		atomic_fetch_sub(&in_flight, 1);
	netstring_reader_destroy(r);
	free(res);
	(void)close(fd);
	atomic_fetch_sub(&connections, 1);
	metrics_connection(METRICS_SOCKETMAP, -1);
	return NULL;
}

/* The accepting thread. */
static void *
socketmap_accept(void *arg)
{
	pthread_attr_t	 attr;
	pthread_t	 tid;
	time_t		 refused_logged = 0;
	unsigned long	 refused = 0;
	int		 fd, on = 1;

	(void)arg;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	while (!atomic_load(&stopping)) {
		if ((fd = accept(listen_fd, NULL, NULL)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (atomic_load(&stopping) || errno == EBADF ||
			    errno == EINVAL)
				break;
			log_msg(LOG_WARNING, "socketmap: accept: %s",
			    strerror(errno));
			sleep(1);	/* EMFILE and the like: breathe */
			continue;
		}
		if (atomic_load(&stopping)) {
			(void)close(fd);
			break;
		}
		if (atomic_fetch_add(&connections, 1) >= SOCKETMAP_CONNECTIONS) {
			atomic_fetch_sub(&connections, 1);
			(void)close(fd);
			/* one line per 10 s at most: a flood must not flood the log */
			refused++;
			if (time(NULL) - refused_logged >= 10) {
				log_msg(LOG_WARNING, "socketmap: %d connections "
				    "open, refused %lu more", SOCKETMAP_CONNECTIONS,
				    refused);
				refused_logged = time(NULL);
				refused = 0;
			}
			continue;
		}
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		if (pthread_create(&tid, &attr, socketmap_conn,
		    (void *)(intptr_t)fd) != 0) {
			log_msg(LOG_ERR, "socketmap: cannot start a connection "
			    "thread");
			atomic_fetch_sub(&connections, 1);
			(void)close(fd);
		}
	}
	pthread_attr_destroy(&attr);
	return NULL;
}

int
socketmap_start(void)
{
	pthread_t	 tid;

	if (pthread_create(&tid, NULL, socketmap_accept, NULL) != 0) {
		log_msg(LOG_ERR, "socketmap: cannot start the accepting thread");
		return -1;
	}
	pthread_detach(tid);
	return 0;
}

void
socketmap_stop(void)
{
	atomic_store(&stopping, true);
	if (listen_fd != -1)
		(void)shutdown(listen_fd, SHUT_RDWR);	/* wakes accept() */
}

int
socketmap_in_flight(void)
{
	return atomic_load(&in_flight);
}

int
socketmap_connections(void)
{
	return atomic_load(&connections);
}

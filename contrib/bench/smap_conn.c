/*
 * smap_conn.c - the socketmap client of the tools (smap_conn.h).
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <sys/time.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smap_conn.h"

/* A connection with a read buffer (replies may arrive together). */
struct smap_conn {
	int	 fd;
	int	 ms;		/* the socket's timeouts now; 0: none set */
	char	 buf[4096];
	size_t	 have, off;
};

/* connect(2) on a new socket of family; -1 with errno kept. */
static int
connect_new(int family, const struct sockaddr *sa, socklen_t salen)
{
	int	 fd, e;

	if ((fd = socket(family, SOCK_STREAM, 0)) == -1)
		return -1;
	if (family == AF_INET) {
		int	 on = 1;

		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on,
		    sizeof(on));
	}
	if (connect(fd, sa, salen) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
smap_conn_socket(const char *addr)
{
	struct sockaddr_un	 sun;
	struct sockaddr_in	 sin;
	const char		*host, *port;
	char			 ip[64];
	size_t			 iplen;

	if (strncmp(addr, "unix:", 5) == 0) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(addr + 5) >= sizeof(sun.sun_path)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(sun.sun_path, addr + 5, strlen(addr + 5) + 1);
		return connect_new(AF_UNIX, (struct sockaddr *)&sun,
		    sizeof(sun));
	}
	if (strncmp(addr, "inet:", 5) == 0) {		/* inet:PORT@HOST */
		port = addr + 5;
		if ((host = strchr(port, '@')) == NULL)
			goto bad;
		iplen = strlen(++host);
	} else {					/* HOST:PORT */
		if ((port = strrchr(addr, ':')) == NULL)
			goto bad;
		host = addr;
		iplen = (size_t)(port++ - addr);
	}
	if (iplen >= sizeof(ip) || atoi(port) < 1 || atoi(port) > 65535)
		goto bad;
	memcpy(ip, host, iplen);
	ip[iplen] = '\0';
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(port));
	if (inet_pton(AF_INET, ip, &sin.sin_addr) != 1)
		goto bad;
	return connect_new(AF_INET, (struct sockaddr *)&sin, sizeof(sin));
bad:
	errno = EINVAL;
	return -1;
}

smap_conn_t *
smap_conn_open(const char *addr)
{
	smap_conn_t	*c;
	int		 fd;

	if ((fd = smap_conn_socket(addr)) == -1)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	c->fd = fd;
	return c;
}

void
smap_conn_close(smap_conn_t *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	free(c);
}

/* A read or write on c waits ms at most (ms >= 1).  0, or -1. */
static int
conn_timeouts(smap_conn_t *c, int ms)
{
	struct timeval	 tv;

	if (ms < 1)
		ms = 1;
	if (ms == c->ms)
		return 0;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1)
		return -1;
	c->ms = ms;
	return 0;
}

int
smap_conn_write(smap_conn_t *c, const void *buf, size_t len, int ms)
{
	const char	*p = buf;
	ssize_t		 n;

	if (conn_timeouts(c, ms) == -1)
		return -1;
	while (len > 0) {
		if ((n = send(c->fd, p, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;	/* EAGAIN: the timeout */
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
smap_conn_send(smap_conn_t *c, const char *payload, int ms)
{
	size_t	 len = strlen(payload);
	char	 small[1024];
	char	*out = len + 24 <= sizeof(small) ? small : malloc(len + 24);
	int	 n, rc;

	if (out == NULL)
		return -1;
	n = snprintf(out, len + 24, "%zu:", len);
	memcpy(out + n, payload, len);
	out[(size_t)n + len] = ',';
	rc = smap_conn_write(c, out, (size_t)n + len + 1, ms);
	if (out != small)
		free(out);
	return rc;
}

/*
 * Reads one byte within ms.  Returns 1, 0 at end of file (or a reset),
 * -1 on timeout or error.
 */
static int
conn_byte(smap_conn_t *c, char *ch, int ms)
{
	ssize_t	 n;

	if (c->off == c->have && conn_timeouts(c, ms) == -1)
		return -1;
	while (c->off == c->have) {
		n = read(c->fd, c->buf, sizeof(c->buf));
		if (n > 0) {
			c->have = (size_t)n;
			c->off = 0;
			break;
		}
		if (n == 0 || errno == ECONNRESET)
			return 0;
		if (errno == EINTR)
			continue;
		return -1;		/* EAGAIN: the timeout */
	}
	*ch = c->buf[c->off++];
	return 1;
}

int
smap_conn_reply(smap_conn_t *c, char *out, size_t outlen, int ms)
{
	size_t	 len = 0, i;
	char	 ch;
	int	 r, digits = 0;

	for (;;) {
		if ((r = conn_byte(c, &ch, ms)) != 1)
			return r == 0 && digits == 0 ? -2 : -1;
		if (ch == ':')
			break;
		if (ch < '0' || ch > '9' || ++digits > 6)
			return -1;
		len = len * 10 + (size_t)(ch - '0');
	}
	if (digits == 0 || len + 1 > outlen)
		return -1;
	for (i = 0; i < len; i++)
		if (conn_byte(c, &out[i], ms) != 1)
			return -1;
	out[len] = '\0';
	if (conn_byte(c, &ch, ms) != 1 || ch != ',')
		return -1;
	return (int)len;
}

int
smap_conn_closed(smap_conn_t *c, int ms)
{
	char	 ch;
	int	 r = conn_byte(c, &ch, ms);

	return r == 0 ? 1 : r == 1 ? 0 : -1;
}

bool
smap_conn_ask(smap_conn_t *c, const char *req, char *got, size_t gotlen,
    int ms)
{
	int	 n;

	if (smap_conn_send(c, req, ms) == -1) {
		snprintf(got, gotlen, "(write failed: %s)", strerror(errno));
		return false;
	}
	if ((n = smap_conn_reply(c, got, gotlen, ms)) < 0) {
		snprintf(got, gotlen, "%s", n == -2 ? "(connection closed)" :
		    "(no reply / bad netstring)");
		return false;
	}
	return true;
}

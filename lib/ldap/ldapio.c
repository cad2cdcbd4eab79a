/*
 * ldapio.c - see ldapio.h.  A read first takes what the socket holds
 * without waiting, and polls only when it holds nothing: libldap itself
 * polls before it reads, and a bulk load reads a socket that is rarely
 * empty.  ETIMEDOUT is a hard error for GnuTLS and liblber alike.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>

#include <lber.h>

#include "clock.h"
#include "ldapio.h"

/* Above the socket (the provider), below TLS (the transport). */
#define LDAPIO_LEVEL	(LBER_SBIOD_LEVEL_PROVIDER + 5)
/* The read-ahead: above the deadline, below TLS. */
#define LDAPIO_READAHEAD_LEVEL	(LBER_SBIOD_LEVEL_PROVIDER + 6)

static int
ldapio_setup(Sockbuf_IO_Desc *sbiod, void *arg)
{
	sbiod->sbiod_pvt = arg;		/* the int64_t deadline */
	return 0;
}

static int
ldapio_remove(Sockbuf_IO_Desc *sbiod)
{
	(void)sbiod;
	return 0;
}

static int
ldapio_ctrl(Sockbuf_IO_Desc *sbiod, int opt, void *arg)
{
	return LBER_SBIOD_CTRL_NEXT(sbiod, opt, arg);
}

/* The connection's socket, or -1 when it has none (yet). */
static ber_socket_t
ldapio_fd(Sockbuf_IO_Desc *sbiod)
{
	ber_socket_t	 fd = -1;

	if (ber_sockbuf_ctrl(sbiod->sbiod_sb, LBER_SB_OPT_GET_FD, &fd) != 1)
		return -1;
	return fd;
}

/* Waits until the socket is ready for events; -1 (errno set) if not. */
static int
ldapio_wait(Sockbuf_IO_Desc *sbiod, short events)
{
	const int64_t		*deadline = sbiod->sbiod_pvt;
	struct pollfd		 pfd;
	ber_socket_t		 fd = ldapio_fd(sbiod);
	int64_t			 left;
	int			 r;

	if (fd < 0)
		return 0;		/* nothing to wait on: let the layer below say */
	pfd.fd = fd;
	pfd.events = events;
	for (;;) {
		left = *deadline - clock_ms();
		if (left <= 0)
			left = 0;
		pfd.revents = 0;
		if ((r = poll(&pfd, 1, (int)left)) > 0)
			return 0;	/* ready, or an error the I/O will report */
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
}

static ber_slen_t
ldapio_read(Sockbuf_IO_Desc *sbiod, void *buf, ber_len_t len)
{
	ber_socket_t	 fd = ldapio_fd(sbiod);
	ssize_t		 n;

	/* what is there already, without a poll() (the provider's read) */
	if (fd >= 0) {
		if ((n = recv(fd, buf, len, MSG_DONTWAIT)) >= 0)
			return n;
		if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR && errno != ENOTSOCK)
			return -1;
	}
	if (ldapio_wait(sbiod, POLLIN) == -1)
		return -1;
	return LBER_SBIOD_READ_NEXT(sbiod, buf, len);
}

static ber_slen_t
ldapio_write(Sockbuf_IO_Desc *sbiod, void *buf, ber_len_t len)
{
	if (ldapio_wait(sbiod, POLLOUT) == -1)
		return -1;
	return LBER_SBIOD_WRITE_NEXT(sbiod, buf, len);
}

static int
ldapio_close(Sockbuf_IO_Desc *sbiod)
{
	(void)sbiod;
	return 0;
}

static Sockbuf_IO ldapio_layer = {
	ldapio_setup,
	ldapio_remove,
	ldapio_ctrl,
	ldapio_read,
	ldapio_write,
	ldapio_close,
};

int
ldapio_push(Sockbuf *sb, const int64_t *deadline)
{
	int	size = LDAPIO_READAHEAD;	/* liblber reads an int */

	if (ber_sockbuf_add_io(sb, &ldapio_layer, LDAPIO_LEVEL,
	    (void *)(uintptr_t)deadline) != 0)
		return -1;
	return ber_sockbuf_add_io(sb, &ber_sockbuf_io_readahead,
	    LDAPIO_READAHEAD_LEVEL, &size) == 0 ? 0 : -1;
}

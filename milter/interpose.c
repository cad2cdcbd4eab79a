/*
 * interpose.c - see interpose.h.
 *
 * The executable's definitions of accept(), read() and sigwait() come
 * before the C library's in symbol resolution, for libmilter too; each one
 * calls the next definition (RTLD_NEXT) and adds its correction.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/socket.h>

#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

#include "interpose.h"

typedef int	(*accept_fn)(int, struct sockaddr *, socklen_t *);
typedef ssize_t	(*read_fn)(int, void *, size_t);
typedef int	(*sigwait_fn)(const sigset_t *, int *);

static accept_fn	real_accept;
static read_fn		real_read;
static sigwait_fn	real_sigwait;
static pthread_once_t	interpose_once = PTHREAD_ONCE_INIT;

/* Descriptors of tuned MTA connections; larger ones are tuned only once. */
#define TUNED_MAX	65536
static atomic_uchar	tuned[TUNED_MAX];
static atomic_ulong	tuned_count;

static void
interpose_init(void)
{
	real_accept = (accept_fn)dlsym(RTLD_NEXT, "accept");
	real_read = (read_fn)dlsym(RTLD_NEXT, "read");
	real_sigwait = (sigwait_fn)dlsym(RTLD_NEXT, "sigwait");
}

static void
interpose_quickack(int fd)
{
	int	 on = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on));
}

int
accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	int			 s, on = 1, tcp;

	pthread_once(&interpose_once, interpose_init);
	if ((s = real_accept(fd, addr, len)) < 0)
		return s;
	tcp = getsockname(s, (struct sockaddr *)&ss, &sslen) == 0 &&
	    (ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
	if (tcp) {
		(void)setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		interpose_quickack(s);
		atomic_fetch_add(&tuned_count, 1);
	}
	if (s < TUNED_MAX)
		atomic_store(&tuned[s], (unsigned char)tcp);
	return s;
}

ssize_t
read(int fd, void *buf, size_t count)
{
	ssize_t	 n;

	pthread_once(&interpose_once, interpose_init);
	n = real_read(fd, buf, count);
	if (n > 0 && fd >= 0 && fd < TUNED_MAX && atomic_load(&tuned[fd]))
		interpose_quickack(fd);
	return n;
}

int
sigwait(const sigset_t *set, int *sig)
{
	sigset_t	 rest = *set;

	pthread_once(&interpose_once, interpose_init);
	(void)sigdelset(&rest, SIGHUP);
	(void)sigdelset(&rest, SIGTERM);
	(void)sigdelset(&rest, SIGINT);
	return real_sigwait(&rest, sig);
}

int
interpose_sigwait(const sigset_t *set, int *sig)
{
	pthread_once(&interpose_once, interpose_init);
	return real_sigwait(set, sig);
}

unsigned long
interpose_tuned_count(void)
{
	return atomic_load(&tuned_count);
}

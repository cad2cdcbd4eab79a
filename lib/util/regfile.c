/*
 * regfile.c - see regfile.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "regfile.h"

/* What a file of mode m is, or NULL for a regular file. */
static const char *
regfile_mode_kind(mode_t m)
{
	if (S_ISREG(m))
		return NULL;
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a plain file";
}

const char *
regfile_kind(const char *path)
{
	struct stat	 st;

	if (stat(path, &st) == -1)
		return NULL;
	return regfile_mode_kind(st.st_mode);
}

int
regfile_open(const char *path, char *why, size_t whylen)
{
	struct stat	 st;
	const char	*kind;
	int		 fd, flags;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(why, whylen, "%s", strerror(errno));
		(void)close(fd);
		return -1;
	}
	if ((kind = regfile_mode_kind(st.st_mode)) != NULL) {
		snprintf(why, whylen, "%s, not a regular file", kind);
		(void)close(fd);
		return -1;
	}
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
		snprintf(why, whylen, "%s", strerror(errno));
		(void)close(fd);
		return -1;
	}
	return fd;
}

FILE *
regfile_fopen(const char *path, char *why, size_t whylen)
{
	FILE	*fp;
	int	 fd;

	if ((fd = regfile_open(path, why, whylen)) == -1)
		return NULL;
	if ((fp = fdopen(fd, "r")) == NULL) {
		snprintf(why, whylen, "%s", strerror(errno));
		(void)close(fd);
	}
	return fp;
}

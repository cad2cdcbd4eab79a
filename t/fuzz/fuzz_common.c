/*
 * fuzz_common.c - see fuzz_common.h.
 */
#define _GNU_SOURCE	/* memfd_create */

#include <sys/mman.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dir_cache.h"
#include "fuzz_common.h"

int64_t	fuzz_clock_ms;

/* cache_clock_fn of fuzz_flaky_open()'s cache. */
static int64_t
fuzz_clock(void)
{
	return fuzz_clock_ms;
}

void
fuzz_fail(const char *target, const char *what)
{
	fprintf(stderr, "fuzz_%s: %s\n", target, what);
	abort();
}

const char *
fuzz_etc(const char *name, char *buf, size_t len)
{
	const char	*etc = getenv("T_ETC");
	const char	*file = __FILE__, *tail = "t/fuzz/fuzz_common.c";
	size_t		 n = strlen(file), t = strlen(tail);

	if (etc != NULL && etc[0] != '\0')
		snprintf(buf, len, "%s/%s", etc, name);
	else if (n >= t && strcmp(file + n - t, tail) == 0)
		snprintf(buf, len, "%.*setc/%s", (int)(n - t), file, name);
	else
		snprintf(buf, len, "etc/%s", name);
	return buf;
}

static config_t		*example_cfg;
static directory_t	*example_dir;

const config_t *
fuzz_example_config(void)
{
	char	 path[4096], err[CONFIG_ERR_MAX];

	if (example_cfg == NULL &&
	    (example_cfg = config_load(fuzz_etc("mailswitch.conf", path,
	    sizeof(path)), err, sizeof(err))) == NULL)
		fuzz_fail("common", err);
	return example_cfg;
}

directory_t *
fuzz_example_directory(void)
{
	char	 err[CONFIG_ERR_MAX];

	if (example_dir == NULL &&
	    (example_dir = directory_open(fuzz_example_config(), err,
	    sizeof(err))) == NULL)
		fuzz_fail("common", err);
	return example_dir;
}

const char *
fuzz_memfile(const void *data, size_t size)
{
	static int	 fd = -1;
	static char	 path[64];
	const char	*p = data;
	ssize_t		 n;

	if (fd == -1) {
		if ((fd = memfd_create("fuzz", 0)) == -1)
			fuzz_fail("common", "memfd_create failed");
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) == -1)
		fuzz_fail("common", "ftruncate failed");
	for (size_t off = 0; off < size; off += (size_t)n)
		if ((n = pwrite(fd, p + off, size - off, (off_t)off)) <= 0)
			fuzz_fail("common", "pwrite failed");
	return path;
}

char *
fuzz_defuse(const uint8_t *data, size_t size, const char *needle)
{
	size_t	 nl = strlen(needle);
	char	*s;

	if ((s = malloc(size + 1)) == NULL)
		return NULL;
	memcpy(s, data, size);
	s[size] = '\0';
	for (size_t i = 0; i < size; i++) {
		if (i > 0 && s[i - 1] != '\n')
			continue;
		while (i < size && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i + nl <= size && strncasecmp(s + i, needle, nl) == 0)
			memset(s + i, 'X', nl);
	}
	return s;
}

/* One programmed answer of the fake: by proxy (0) or target (1). */
static const struct {
	int		 by_target;
	const char	*key;
	int		 status;
	const char	*dn, *primary, *target;
} flaky_rows[] = {
	{ 0, "down@contoso.com", DIR_TRYAGAIN, NULL, NULL, NULL },
	{ 1, "down@fourthcoffee.com", DIR_TRYAGAIN, NULL, NULL, NULL },
	{ 0, "twin@contoso.com", DIR_FOUND, "cn=Twin A", "twin.a@contoso.com",
	  "twin.a@fourthcoffee.com" },
	{ 0, "twin@contoso.com", DIR_FOUND, "cn=Twin B", "twin.b@contoso.com",
	  NULL },
	{ 1, "twin@fourthcoffee.com", DIR_FOUND, "cn=Twin A",
	  "twin.a@contoso.com", "twin@fourthcoffee.com" },
	{ 1, "twin@fourthcoffee.com", DIR_FOUND, "cn=Twin B",
	  "twin.b@contoso.com", "twin@fourthcoffee.com" },
	{ 0, "odd@contoso.com", DIR_FOUND, "cn=Odd", "odd@contoso.com",
	  "not an address" },
	{ 0, "odd2@contoso.com", DIR_FOUND, "cn=Odd Two", "@@", NULL },
	{ 1, "odd2@fourthcoffee.com", DIR_FOUND, "cn=Odd Two", "<>",
	  "odd2@fourthcoffee.com" },
};

directory_t *
fuzz_flaky_open(dir_fake_t **fake)
{
	char		 err[CONFIG_ERR_MAX], key[64], target[64];
	directory_t	*d;

	if ((d = dir_fake_open(fake, err, sizeof(err))) == NULL)
		fuzz_fail("common", err);
	dir_fake_pass_to(*fake, fuzz_example_directory());
	for (size_t i = 0; i < sizeof(flaky_rows) / sizeof(flaky_rows[0]); i++)
		if (dir_fake_set(*fake, flaky_rows[i].by_target,
		    flaky_rows[i].key, flaky_rows[i].status, flaky_rows[i].dn,
		    flaky_rows[i].primary, flaky_rows[i].target) == -1)
			fuzz_fail("common", "out of memory");
	/* deep -> deep1 -> ... -> deep9 -> deep@fourthcoffee.com: 10 hops */
	for (int i = 0; i < 10; i++) {
		if (i == 0)
			snprintf(key, sizeof(key), "deep@contoso.com");
		else
			snprintf(key, sizeof(key), "deep%d@contoso.com", i);
		if (i < 9)
			snprintf(target, sizeof(target), "deep%d@contoso.com",
			    i + 1);
		else
			snprintf(target, sizeof(target), "deep@fourthcoffee.com");
		if (dir_fake_set(*fake, 0, key, DIR_FOUND, "cn=Deep", key,
		    target) == -1)
			fuzz_fail("common", "out of memory");
	}
	if ((d = dir_cache_wrap(d, 64, 300, 60, 3600, fuzz_clock, err,
	    sizeof(err))) == NULL)
		fuzz_fail("common", err);
	return d;
}

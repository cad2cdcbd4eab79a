/*
 * fuzz_addr.c - libFuzzer target for the RFC 5321 path parser of
 * lib/policy/addr.c (addr_parse_path, and addr_parse on the same bytes).
 *
 * Besides crashes and sanitizer reports, it checks what addr.h promises:
 * a parsed address is within the length limits, its key is its text
 * folded, its domain is what follows the local part, and its text parses
 * again (as a bare addr-spec and as a path) to the same address.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the run: an invariant does not hold. */
static void
fail(void)
{
	abort();
}

/* Checks a parsed address against the promises of addr.h. */
static void
check(const addr_t *a)
{
	char	 key[ADDR_TEXT_MAX + 1], path[ADDR_TEXT_MAX + 3], err[128];
	addr_t	 b, c;
	size_t	 len = strlen(a->text);

	if (len == 0 || len > ADDR_TEXT_MAX || a->local_len == 0 ||
	    a->local_len >= len || a->text[a->local_len] != '@')
		fail();
	if (strlen(addr_domain(a)) > ADDR_DOMAIN_MAX ||
	    addr_domain(a) != a->text + a->local_len + 1 ||
	    addr_domain_key(a) != a->key + a->local_len + 1)
		fail();
	memcpy(key, a->text, len + 1);
	addr_fold(key);
	if (strcmp(key, a->key) != 0)
		fail();
	if (addr_parse(a->text, &b, err, sizeof(err)) != ADDR_OK ||
	    strcmp(b.text, a->text) != 0 || !addr_equal(a, &b))
		fail();
	path[0] = '<';
	memcpy(path + 1, a->text, len);
	memcpy(path + 1 + len, ">", 2);
	if (addr_parse_path(path, &c, err, sizeof(err)) != ADDR_OK ||
	    strcmp(c.text, a->text) != 0)
		fail();
	if (addr_with_domain(a, "contoso.com", &b, err, sizeof(err)) ==
	    ADDR_OK && strncmp(b.text, a->text, a->local_len + 1) != 0)
		fail();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s, err[128];
	addr_t	 a;
	int	 rc;

	if (size > 4096)
		return 0;
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	rc = addr_parse_path(s, &a, err, sizeof(err));
	if (rc == ADDR_OK)
		check(&a);
	else if (rc == ADDR_NULL) {
		if (a.text[0] != '\0')
			fail();
	} else if (rc == ADDR_POSTMASTER) {
		if (strcmp(a.key, "postmaster") != 0 || *addr_domain(&a) != '\0')
			fail();
	} else if (rc != ADDR_BAD || err[0] == '\0')
		fail();

	rc = addr_parse(s, &a, err, sizeof(err));
	if (rc == ADDR_OK)
		check(&a);
	else if (rc != ADDR_BAD || err[0] == '\0')
		fail();
	free(s);
	return 0;
}

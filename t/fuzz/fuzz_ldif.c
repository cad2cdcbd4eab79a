/*
 * fuzz_ldif.c - libFuzzer target for the LDIF back-end
 * (lib/directory/dir_ldif.c: libldap's reader, mailswitch's checks around
 * it and the entry rules of lib/directory/dir_entry.c): the input is an
 * export, written to a file in memory and loaded with dir_ldif_open()
 * as `mailswitch -n`, a start or a SIGHUP would load it.  Its "include:" lines and URL values ("attr:< file:")
 * are defused first, so that no other file is read: the unit tests
 * (check_ldif) cover those.
 *
 * Besides crashes, leaks and sanitizer reports, it checks: a refused
 * export has one line of message, "FILE:LINE: ..." or "FILE: ..."; a
 * loaded one answers every key the input could name (each line's last
 * word, bare or after "smtp:", folded) consistently: an entry found by
 * proxy has a primary and a target that are addresses, its primary is
 * found by proxy as that same entry, its target by target; an entry found
 * by target has that target.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lber.h>

#include "addr.h"
#include "dir_ldif.h"
#include "fuzz_common.h"

#define KEYS_MAX	64	/* keys looked up per input */

static const char	*path;	/* the file in memory, for messages */

/* Stops the run: an invariant does not hold. */
static void
fail(const char *what)
{
	fuzz_fail("ldif", what);
}

/* liblber's diagnostics about malformed lines: not wanted here. */
static void
quiet(const char *msg)
{
	(void)msg;
}

/* Returns 1 when res has an entry named dn. */
static int
has_dn(const dir_result_t *res, const char *dn)
{
	for (size_t i = 0; i < res->count; i++)
		if (strcmp(res->entries[i].dn, dn) == 0)
			return 1;
	return 0;
}

/* Checks an address an entry holds: it parses, as itself. */
static void
check_addr(const char *text, addr_t *a)
{
	char	 err[256];

	if (addr_parse(text, a, err, sizeof(err)) != ADDR_OK ||
	    strcmp(a->text, text) != 0)
		fail("an entry holds what is no address");
}

/* Looks key up both ways in the index h, and checks the answers. */
static void
check_key(void *h, const char *key)
{
	dir_result_t	 res, back;
	char		 err[512];
	addr_t		 a;
	int		 rc;

	memset(&res, 0, sizeof(res));
	rc = dir_ldif_ops.by_proxy(h, key, &res, err, sizeof(err));
	if (rc != DIR_FOUND && rc != DIR_NOTFOUND)
		fail("an index said try again");
	if ((rc == DIR_FOUND) != (res.count > 0))
		fail("found without an entry, or entries not found");
	for (size_t i = 0; i < res.count; i++) {
		const dir_entry_t *e = &res.entries[i];

		if (e->dn == NULL)
			fail("an entry without a dn");
		if (e->target != NULL)
			check_addr(e->target, &a);
		if (e->primary == NULL)
			continue;
		check_addr(e->primary, &a);
		memset(&back, 0, sizeof(back));
		if (dir_ldif_ops.by_proxy(h, a.key, &back, err,
		    sizeof(err)) != DIR_FOUND || !has_dn(&back, e->dn))
			fail("a primary address is not found as its entry's");
		dir_result_free(&back);
		if (e->target != NULL) {
			check_addr(e->target, &a);
			memset(&back, 0, sizeof(back));
			if (dir_ldif_ops.by_target(h, a.key, &back, err,
			    sizeof(err)) != DIR_FOUND || !has_dn(&back, e->dn))
				fail("a target is not found as its entry's");
			dir_result_free(&back);
		}
	}
	dir_result_free(&res);

	memset(&res, 0, sizeof(res));
	rc = dir_ldif_ops.by_target(h, key, &res, err, sizeof(err));
	if (rc != DIR_FOUND && rc != DIR_NOTFOUND)
		fail("an index said try again");
	for (size_t i = 0; i < res.count; i++) {
		if (res.entries[i].target == NULL)
			fail("found by target without a target");
		check_addr(res.entries[i].target, &a);
		if (strcmp(a.key, key) != 0)
			fail("found by target under another target");
	}
	dir_result_free(&res);
}

/*
 * The keys the input could name: on each line, the text after its last
 * ':' or space, folded; at most KEYS_MAX of them.
 */
static void
check_keys(void *h, const char *text)
{
	char		 key[ADDR_TEXT_MAX + 1];
	const char	*line = text, *end, *w;
	size_t		 n, nkeys = 0;

	for (; *line != '\0' && nkeys < KEYS_MAX; line = *end ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		for (w = end; w > line && w[-1] != ':' && w[-1] != ' '; w--)
			;
		n = (size_t)(end - w);
		if (n > 0 && w[n - 1] == '\r')
			n--;
		if (n == 0 || n > ADDR_TEXT_MAX || memchr(w, '@', n) == NULL)
			continue;
		memcpy(key, w, n);
		key[n] = '\0';
		addr_fold(key);
		check_key(h, key);
		nkeys++;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*text, err[CONFIG_ERR_MAX];
	void	*h;
	size_t	 plen;

	if (size > 65536)
		return 0;
	if (path == NULL)
		ber_set_option(NULL, LBER_OPT_LOG_PRINT_FN, quiet);
	/* no other file: include: lines and URL values are defused */
	if ((text = fuzz_defuse(data, size, "include:")) == NULL)
		return 0;
	for (size_t i = 1; i < size; i++)
		if (text[i - 1] == ':' && text[i] == '<')
			text[i] = 'X';
	path = fuzz_memfile(text, size);
	plen = strlen(path);

	err[0] = '\0';
	h = dir_ldif_open(path, "proxyAddresses", "targetAddress", err,
	    sizeof(err));
	if (h == NULL) {
		if (strncmp(err, path, plen) != 0 || err[plen] != ':' ||
		    strchr(err, '\n') != NULL) {
			fprintf(stderr, "refused with: %s\n", err);
			fail("a refusal without FILE:LINE, or of two lines");
		}
	} else {
		check_keys(h, text);
		dir_ldif_ops.close(h);
	}
	free(text);
	return 0;
}

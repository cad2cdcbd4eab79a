/*
 * fuzz_sockmap.c - libFuzzer target for the socketmap front end's pure
 * parts: the bytes a Postfix client (or anyone) sends on a socketmap
 * connection go through the netstring reader of lib/proto/netstring.c,
 * and each complete request through sockmap_reply() of
 * lib/proto/sockmap.c, on the shipped example (etc/mailswitch.conf with etc/contacts.ldif), twice: on its LDIF
 * directory as it is, and behind a directory that fails and goes stale
 * (fuzz_flaky_open(): a cache with serve-stale over a fake with keys that
 * always fail, are ambiguous, hold no address, or chain past max_hops).
 * On the second, the clock moves 200 s before each request and the
 * directory is down for every third one (the second, the fifth ...), so
 * that one connection meets fresh, expired, stale and failing answers.
 *
 * Besides crashes and sanitizer reports, it checks: every reply is one
 * well-formed netstring (read back by the reader) whose payload starts
 * with "OK ", is "NOTFOUND ", or starts with "TEMP " or "PERM ", holds no
 * control character and fits Postfix's 100,000 bytes; PERM and only PERM
 * closes the connection; a malformed netstring ends the connection; and
 * the replies do not depend on how the bytes arrive (all at once, one at
 * a time, or in chunks of random sizes).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "directory.h"
#include "fuzz_common.h"
#include "netstring.h"
#include "sockmap.h"

static netstring_reader_t	*requests, *replies;
static char			 wire[SOCKMAP_REPLY_MAX + 16];

/* Stops the run: an invariant does not hold. */
static void
fail(const char *what)
{
	fuzz_fail("sockmap", what);
}

/* Makes the readers once. */
static void
setup(void)
{
	requests = netstring_reader_create(SOCKMAP_QUERY_MAX);
	replies = netstring_reader_create(SOCKMAP_REPLY_MAX);
	if (requests == NULL || replies == NULL)
		fail("out of memory");
}

/* FNV-1a over the replies of one connection, in order. */
static uint64_t
hash(uint64_t h, const void *p, size_t len)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < len; i++)
		h = (h ^ s[i]) * 0x100000001b3ULL;
	return h;
}

/* Checks one reply, sends it through the writer and the reader back. */
static void
check(const sockmap_result_t *res)
{
	static const char *const word[] = { "OK ", "NOTFOUND ", "TEMP ", "PERM " };
	const char	*p;
	size_t		 n, used, plen;

	if ((size_t)res->status >= sizeof(word) / sizeof(word[0]))
		fail("status out of range");
	if (res->reply_len != strlen(res->reply) ||
	    res->reply_len > SOCKMAP_REPLY_MAX)
		fail("reply length");
	if (strncmp(res->reply, word[res->status], strlen(word[res->status])) != 0)
		fail("reply does not start with its status word");
	if (res->status == SOCKMAP_NOTFOUND ? res->reply_len != 9 :
	    res->reply_len <= strlen(word[res->status]))
		fail("reply without data, or NOTFOUND with data");
	for (size_t i = 0; i < res->reply_len; i++)
		if ((unsigned char)res->reply[i] < 0x20 ||
		    (unsigned char)res->reply[i] == 0x7f)
			fail("control character in a reply");
	if (res->close != (res->status == SOCKMAP_PERM))
		fail("close is not PERM");
	if (res->quiet && res->status != SOCKMAP_NOTFOUND)
		fail("quiet answer that is not NOTFOUND");

	if ((n = netstring_format(wire, sizeof(wire), res->reply,
	    res->reply_len)) == 0)
		fail("reply does not fit a netstring");
	netstring_reader_reset(replies);
	if (netstring_feed(replies, wire, n, &used) != NETSTRING_DONE ||
	    used != n || (p = netstring_payload(replies, &plen)) == NULL ||
	    plen != res->reply_len || memcmp(p, res->reply, plen) != 0)
		fail("reply netstring does not read back");
}

/*
 * Serves one connection's bytes, fed in chunks: chunk 0 = all at once,
 * otherwise sizes drawn from seed (1 = one byte at a time); on the
 * example's directory, or (flaky) on a new fuzz_flaky_open() stack on the
 * schedule above.  Returns the hash of the replies sent.
 */
static uint64_t
serve(const uint8_t *data, size_t size, uint64_t seed, size_t maxchunk,
    int flaky)
{
	const config_t	*cfg = fuzz_example_config();
	directory_t	*dir = fuzz_example_directory();
	dir_fake_t	*fake = NULL;
	sockmap_result_t res;
	uint64_t	 h = 0xcbf29ce484222325ULL;
	size_t		 off = 0, end, used, len, nreq = 0;
	const char	*req;

	if (flaky) {
		dir = fuzz_flaky_open(&fake);
		fuzz_clock_ms = 0;
	}
	netstring_reader_reset(requests);
	while (off < size) {
		if (maxchunk == 0)
			end = size;
		else {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			end = off + 1 + (size_t)(seed >> 33) % maxchunk;
			if (end > size)
				end = size;
		}
		while (off < end) {
			switch (netstring_feed(requests, data + off, end - off,
			    &used)) {
			case NETSTRING_DONE:
				if ((req = netstring_payload(requests, &len)) == NULL)
					fail("DONE without a payload");
				if (fake != NULL) {
					fuzz_clock_ms += 200 * 1000;
					dir_fake_fail(fake, nreq % 3 == 1);
				}
				nreq++;
				sockmap_reply(cfg, dir, req, len, &res);
				check(&res);
				h = hash(h, res.reply, res.reply_len + 1);
				off += used;
				if (res.close)
					goto done;
				break;
			case NETSTRING_BAD:
				sockmap_malformed(netstring_strerror(
				    netstring_error(requests)), &res);
				check(&res);
				h = hash(h, res.reply, res.reply_len + 1);
				goto done;
			default:
				if (used != end - off)
					fail("MORE without consuming everything");
				off += used;
				break;
			}
		}
	}
	/* end of file: a half-read request gets no answer */
	h = hash(h, "EOF", netstring_pending(requests) ? 4 : 3);
done:
	if (fake != NULL)
		directory_close(dir);
	return h;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t	 whole, bytes, chunks;

	if (size > 65536)
		return 0;
	if (requests == NULL)
		setup();
	for (int flaky = 0; flaky < 2; flaky++) {
		whole = serve(data, size, 0, 0, flaky);
		bytes = serve(data, size, 0, 1, flaky);
		chunks = serve(data, size, hash(0, data, size), 97, flaky);
		if (whole != bytes || whole != chunks)
			fail("replies depend on how the bytes arrive");
	}
	return 0;
}

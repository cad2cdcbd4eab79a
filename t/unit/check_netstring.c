/*
 * check_netstring.c - the incremental netstring reader and the writer of
 * lib/proto/netstring.c.  Every reader row runs whole and in chunks of
 * every size from 1 byte up: the answer must not depend on how the bytes arrive.
 */
#include <string.h>

#include "netstring.h"
#include "tcheck.h"

#define ROW_MAX	16	/* the readers of the table take payloads up to 16 bytes */

static const char *const status_names[] = { "MORE", "DONE", "BAD" };

struct read_row {
	const char		*in;
	size_t			 inlen;		/* 0: strlen(in) */
	netstring_status_t	 status;
	size_t			 used;		/* bytes consumed */
	const char		*payload;	/* DONE */
	size_t			 paylen;	/* DONE */
	netstring_error_t	 error;		/* BAD */
	int			 pending;	/* netstring_pending() after */
};

#define DONE(in, used, p, plen)	{ in, 0, NETSTRING_DONE, used, p, plen, NETSTRING_ERR_NONE, 0 }
#define MORE(in, used, pend)	{ in, 0, NETSTRING_MORE, used, NULL, 0, NETSTRING_ERR_NONE, pend }
#define BAD(in, used, err)	{ in, 0, NETSTRING_BAD, used, NULL, 0, err, 1 }

static const struct read_row read_rows[] = {
	/* complete netstrings */
	DONE("0:,", 3, "", 0),
	DONE("1:x,", 4, "x", 1),
	DONE("5:hello,", 8, "hello", 5),
	DONE("10:access a@b,", 14, "access a@b", 10),
	DONE("16:0123456789abcdef,", 20, "0123456789abcdef", 16),	/* = max */
	DONE("3:a,b,", 6, "a,b", 3),		/* ',' and ':' inside are payload */
	DONE("3::::,", 6, ":::", 3),
	{ "3:a\0b,", 6, NETSTRING_DONE, 6, "a\0b", 3, NETSTRING_ERR_NONE, 0 },
	/* never past the end: a pipelined request stays with the caller */
	DONE("5:hello,5:world,", 8, "hello", 5),
	DONE("0:,0:,", 3, "", 0),
	DONE("1:x,garbage", 4, "x", 1),
	/* incomplete */
	MORE("", 0, 0),
	MORE("5", 1, 1),
	MORE("0", 1, 1),
	MORE("16", 2, 1),
	MORE("5:", 2, 1),
	MORE("5:hel", 5, 1),
	MORE("5:hello", 7, 1),
	MORE("0:", 2, 1),
	/* malformed: the offending byte is not consumed */
	BAD(":,", 0, NETSTRING_ERR_DIGIT),
	BAD(",", 0, NETSTRING_ERR_DIGIT),
	BAD("-1:x,", 0, NETSTRING_ERR_DIGIT),
	BAD("+1:x,", 0, NETSTRING_ERR_DIGIT),
	BAD(" 5:hello,", 0, NETSTRING_ERR_DIGIT),
	BAD("x", 0, NETSTRING_ERR_DIGIT),
	BAD("00:,", 1, NETSTRING_ERR_ZERO),
	BAD("01:x,", 1, NETSTRING_ERR_ZERO),
	BAD("007:abcdefg,", 1, NETSTRING_ERR_ZERO),
	BAD("17:", 1, NETSTRING_ERR_TOO_LONG),	/* max + 1 */
	BAD("100:", 2, NETSTRING_ERR_TOO_LONG),
	BAD("99999999999999999999999999:", 1, NETSTRING_ERR_TOO_LONG),
	BAD("5 :hello,", 1, NETSTRING_ERR_COLON),
	BAD("5x", 1, NETSTRING_ERR_COLON),
	BAD("5,hello,", 1, NETSTRING_ERR_COLON),
	BAD("5:hello;", 7, NETSTRING_ERR_COMMA),
	BAD("5:hello!,", 7, NETSTRING_ERR_COMMA),
	BAD("0:x", 2, NETSTRING_ERR_COMMA),
	BAD("3:abcd,", 5, NETSTRING_ERR_COMMA),	/* a payload longer than said */
	BAD("5:hello\n", 7, NETSTRING_ERR_COMMA),
};

/*
 * Feeds row->in in chunks of chunk bytes (0: all at once) until the reader
 * stops asking for more; returns the status, the bytes consumed in *used.
 */
static netstring_status_t
feed_chunks(netstring_reader_t *r, const char *in, size_t len, size_t chunk,
    size_t *used)
{
	netstring_status_t st = NETSTRING_MORE;
	size_t		 off = 0, n, u;

	do {
		n = chunk == 0 || len - off < chunk ? len - off : chunk;
		st = netstring_feed(r, in + off, n, &u);
		ck_assert_msg(u <= n, "consumed %zu of %zu bytes", u, n);
		off += u;
	} while (st == NETSTRING_MORE && off < len);
	*used = off;
	return st;
}

START_TEST(test_read_table)
{
	netstring_reader_t *r = netstring_reader_create(ROW_MAX);

	ck_assert(r != NULL);
	for (size_t i = 0; i < NELEM(read_rows); i++) {
		const struct read_row *row = &read_rows[i];
		size_t		 len = row->inlen ? row->inlen : strlen(row->in);

		for (size_t chunk = 0; chunk <= len; chunk++) {
			netstring_status_t st;
			const char	*p;
			size_t		 used, plen = 0;

			netstring_reader_reset(r);
			st = feed_chunks(r, row->in, len, chunk, &used);
			p = netstring_payload(r, &plen);
			ck_assert_msg(st == row->status && used == row->used &&
			    netstring_error(r) == row->error &&
			    netstring_pending(r) == row->pending &&
			    (st != NETSTRING_DONE || (p != NULL &&
			    plen == row->paylen && p[plen] == '\0' &&
			    memcmp(p, row->payload, plen) == 0)) &&
			    (st == NETSTRING_DONE || p == NULL),
			    "row %zu \"%s\" in chunks of %zu: got %s used %zu "
			    "(%s) pending %d payload \"%s\", want %s used %zu "
			    "(%s) pending %d payload \"%s\"", i, row->in, chunk,
			    status_names[st], used,
			    netstring_strerror(netstring_error(r)),
			    netstring_pending(r), p ? p : "(none)",
			    status_names[row->status], row->used,
			    netstring_strerror(row->error), row->pending,
			    row->payload ? row->payload : "(none)");
		}
	}
	netstring_reader_destroy(r);
}
END_TEST

/* Pipelined requests in one stream, read in chunks of every size. */
START_TEST(test_pipelined)
{
	static const char stream[] = "6:access,0:,16:0123456789abcdef,3:x y,";
	static const char *const want[] = { "access", "", "0123456789abcdef", "x y" };
	netstring_reader_t *r = netstring_reader_create(ROW_MAX);
	size_t		 len = sizeof(stream) - 1;

	ck_assert(r != NULL);
	for (size_t chunk = 1; chunk <= len; chunk++) {
		size_t	 off = 0, got = 0, n, used;

		netstring_reader_reset(r);
		while (off < len) {
			n = len - off < chunk ? len - off : chunk;
			if (netstring_feed(r, stream + off, n, &used) ==
			    NETSTRING_DONE) {
				ck_assert_msg(got < NELEM(want), "chunk %zu: "
				    "more netstrings than sent", chunk);
				ck_assert_msg(strcmp(netstring_payload(r, NULL),
				    want[got]) == 0, "chunk %zu, netstring %zu: "
				    "got \"%s\", want \"%s\"", chunk, got,
				    netstring_payload(r, NULL), want[got]);
				got++;
			}
			off += used;
		}
		ck_assert_msg(got == NELEM(want), "chunk %zu: got %zu "
		    "netstrings, want %zu", chunk, got, NELEM(want));
		ck_assert(!netstring_pending(r));
	}
	netstring_reader_destroy(r);
}
END_TEST

/* A malformed reader stays malformed until reset, then reads again. */
START_TEST(test_bad_is_sticky)
{
	netstring_reader_t *r = netstring_reader_create(ROW_MAX);
	size_t		 used;

	ck_assert(r != NULL);
	ck_assert_int_eq(netstring_feed(r, "x", 1, &used), NETSTRING_BAD);
	ck_assert_int_eq(netstring_feed(r, "1:a,", 4, &used), NETSTRING_BAD);
	ck_assert_uint_eq(used, 0);
	ck_assert_int_eq(netstring_error(r), NETSTRING_ERR_DIGIT);
	netstring_reader_reset(r);
	ck_assert_int_eq(netstring_feed(r, "1:a,", 4, &used), NETSTRING_DONE);
	ck_assert_str_eq(netstring_payload(r, NULL), "a");
	/* the payload lasts until the next feed */
	ck_assert_int_eq(netstring_feed(r, "1", 1, &used), NETSTRING_MORE);
	ck_assert_ptr_null(netstring_payload(r, NULL));
	netstring_reader_destroy(r);
	netstring_reader_destroy(NULL);
}
END_TEST

/* The socketmap limit itself: 10,000 bytes pass, 10,001 do not. */
START_TEST(test_limit)
{
	static char	 in[10100];
	netstring_reader_t *r = netstring_reader_create(10000);
	size_t		 used, n;

	ck_assert(r != NULL);
	n = (size_t)snprintf(in, sizeof(in), "10000:");
	memset(in + n, 'a', 10000);
	in[n + 10000] = ',';
	ck_assert_int_eq(netstring_feed(r, in, n + 10001, &used), NETSTRING_DONE);
	ck_assert_uint_eq(used, n + 10001);
	ck_assert_int_eq(netstring_feed(r, "10001:", 6, &used), NETSTRING_BAD);
	ck_assert_int_eq(netstring_error(r), NETSTRING_ERR_TOO_LONG);
	netstring_reader_destroy(r);
	ck_assert_ptr_null(netstring_reader_create(NETSTRING_LIMIT + 1));
}
END_TEST

static const struct write_row {
	const char	*payload;
	size_t		 len;
	const char	*want;
	size_t		 wantlen;
} write_rows[] = {
	{ "", 0, "0:,", 3 },
	{ "NOTFOUND ", 9, "9:NOTFOUND ,", 12 },
	{ "OK bob@fourthcoffee.com", 23, "23:OK bob@fourthcoffee.com,", 27 },
	{ "a\0b", 3, "3:a\0b,", 6 },
	{ "0123456789", 10, "10:0123456789,", 14 },
};

START_TEST(test_write_table)
{
	char	 out[64];

	for (size_t i = 0; i < NELEM(write_rows); i++) {
		const struct write_row *row = &write_rows[i];
		size_t	 n = netstring_format(out, sizeof(out), row->payload,
		    row->len);

		ck_assert_msg(n == row->wantlen && netstring_size(row->len) ==
		    row->wantlen && memcmp(out, row->want, n) == 0,
		    "row %zu: got %zu \"%.*s\", want %zu \"%s\"", i, n, (int)n,
		    out, row->wantlen, row->want);
		/* one byte short: refused */
		ck_assert_msg(netstring_format(out, row->wantlen - 1,
		    row->payload, row->len) == 0, "row %zu: fits in %zu bytes",
		    i, row->wantlen - 1);
	}
	ck_assert_uint_eq(netstring_size(99999), 5 + 1 + 99999 + 1);
	ck_assert_uint_eq(netstring_size(100000), 6 + 1 + 100000 + 1);
}
END_TEST

/* What the writer writes, the reader reads back, whatever the payload. */
START_TEST(test_round_trip)
{
	char		 payload[ROW_MAX], out[ROW_MAX + 8];
	netstring_reader_t *r = netstring_reader_create(ROW_MAX);
	size_t		 n, used, plen;

	ck_assert(r != NULL);
	for (size_t len = 0; len <= ROW_MAX; len++) {
		for (size_t i = 0; i < len; i++)
			payload[i] = (char)(i * 37 + len);
		n = netstring_format(out, sizeof(out), payload, len);
		ck_assert(n > 0);
		ck_assert_int_eq(netstring_feed(r, out, n, &used), NETSTRING_DONE);
		ck_assert_uint_eq(used, n);
		ck_assert(memcmp(netstring_payload(r, &plen), payload, len) == 0);
		ck_assert_uint_eq(plen, len);
	}
	netstring_reader_destroy(r);
}
END_TEST

static Suite *
netstring_suite(void)
{
	Suite	*s = suite_create("netstring");
	TCase	*tc = tcase_create("netstring");

	tcase_add_test(tc, test_read_table);
	tcase_add_test(tc, test_pipelined);
	tcase_add_test(tc, test_bad_is_sticky);
	tcase_add_test(tc, test_limit);
	tcase_add_test(tc, test_write_table);
	tcase_add_test(tc, test_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tcheck_run(netstring_suite());
}

/*
 * check_syncrepl.c - the RFC 4533 values of lib/proto/syncrepl.c.  Each table
 * row is encoded here with ber_printf() the way slapd's syncprov encodes
 * it (DEFAULT values left out or sent), decoded and compared; then every
 * truncation of it and it with one octet more must be refused.  The
 * request encoder is checked against known octets and decoded back with
 * ber_scanf(); hand-made malformed values are refused with the struct
 * zeroed.
 */
#include <lber.h>
#include <stdint.h>
#include <string.h>

#include "syncrepl.h"
#include "tcheck.h"

#define OMIT	(-1)		/* a BOOLEAN DEFAULT left out */
#define NONE	NULL		/* no cookie sent */

#define TAG_NEW_COOKIE		((ber_tag_t)0x80U)
#define TAG_REFRESH_DELETE	((ber_tag_t)0xa1U)
#define TAG_REFRESH_PRESENT	((ber_tag_t)0xa2U)
#define TAG_ID_SET		((ber_tag_t)0xa3U)

static const char	 long_cookie[] =
    "rid=001,csn=20240101000000.000000Z#000000#000#000000;"
    "20240101000000.000001Z#000000#001#000000;"
    "20240101000000.000002Z#000000#002#000000;"
    "20240101000000.000003Z#000000#003#000000";

/* The UUID number n of a row: n, n+1, ... n+15. */
static void
make_uuid(unsigned char uuid[SYNCREPL_UUID_LEN], unsigned n)
{
	for (unsigned i = 0; i < SYNCREPL_UUID_LEN; i++)
		uuid[i] = (unsigned char)(n + i * 17);
}

/* Fills bv with cookie (NULL: none) and returns bv, or NULL. */
static struct berval *
cookie_bv(struct berval *bv, const char *cookie)
{
	if (cookie == NULL)
		return NULL;
	bv->bv_val = (char *)(uintptr_t)cookie;
	bv->bv_len = strlen(cookie);
	return bv;
}

/* Checks that c holds cookie (NULL: none), NUL-terminated. */
static int
cookie_is(const syncrepl_cookie_t *c, const char *cookie)
{
	if (cookie == NULL)
		return c->val == NULL && c->len == 0;
	return c->val != NULL && c->len == strlen(cookie) &&
	    memcmp(c->val, cookie, c->len) == 0 && c->val[c->len] == '\0';
}

/* Flattens ber into *out (ber_memfree out->bv_val) and frees ber. */
static void
flatten(BerElement *ber, struct berval *out)
{
	ck_assert_int_eq(ber_flatten2(ber, out, 1), 0);
	ber_free(ber, 1);
}

static BerElement *
der(void)
{
	BerElement	*ber = ber_alloc_t(LBER_USE_DER);

	ck_assert_ptr_nonnull(ber);
	return ber;
}

/* A copy of value's first len octets, in a buffer of exactly len. */
static struct berval
prefix(const struct berval *value, size_t len)
{
	struct berval	 bv;

	bv.bv_len = len;
	bv.bv_val = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(bv.bv_val);
	memcpy(bv.bv_val, value->bv_val, len);
	return bv;
}

/* value with one octet (0x00) more, in a buffer of exactly that size. */
static struct berval
longer(const struct berval *value)
{
	struct berval	 bv;

	bv.bv_len = value->bv_len + 1;
	ck_assert_ptr_nonnull(bv.bv_val = malloc(bv.bv_len));
	memcpy(bv.bv_val, value->bv_val, value->bv_len);
	bv.bv_val[value->bv_len] = '\0';
	return bv;
}

/* The three decoders behind one signature, and "is it zeroed". */
typedef int (*decode_fn)(const struct berval *);

static int
state_refused(const struct berval *v)
{
	syncrepl_state_t st;
	static const unsigned char zero[SYNCREPL_UUID_LEN];

	memset(&st, 0xa5, sizeof(st));
	if (syncrepl_state_decode(v, &st) != -1) {
		syncrepl_state_free(&st);
		return 0;
	}
	return st.state == 0 && memcmp(st.uuid, zero, sizeof(zero)) == 0 &&
	    st.cookie.val == NULL && st.cookie.len == 0;
}

static int
info_refused(const struct berval *v)
{
	syncrepl_info_t info;

	memset(&info, 0xa5, sizeof(info));
	if (syncrepl_info_decode(v, &info) != -1) {
		syncrepl_info_free(&info);
		return 0;
	}
	return info.kind == 0 && info.cookie.val == NULL &&
	    info.cookie.len == 0 && info.refresh_done == 0 &&
	    info.refresh_deletes == 0 && info.uuids == NULL &&
	    info.nuuids == 0;
}

static int
done_refused(const struct berval *v)
{
	syncrepl_done_t done;

	memset(&done, 0xa5, sizeof(done));
	if (syncrepl_done_decode(v, &done) != -1) {
		syncrepl_done_free(&done);
		return 0;
	}
	return done.cookie.val == NULL && done.cookie.len == 0 &&
	    done.refresh_deletes == 0;
}

/*
 * Every truncation of the valid value (lengths 0 to len - 1) and value
 * with one octet more must be refused, the struct zeroed.
 */
static void
check_damaged(const char *what, size_t row, const struct berval *value,
    decode_fn refused)
{
	struct berval	 bv;

	for (size_t len = 0; len < value->bv_len; len++) {
		bv = prefix(value, len);
		ck_assert_msg(refused(&bv), "%s row %zu cut to %zu of %zu "
		    "octets: accepted or not zeroed", what, row, len,
		    (size_t)value->bv_len);
		free(bv.bv_val);
	}
	bv = longer(value);
	ck_assert_msg(refused(&bv), "%s row %zu with an octet more: "
	    "accepted or not zeroed", what, row);
	free(bv.bv_val);
}

/* ---- Sync State Control ---------------------------------------------- */

struct state_row {
	syncrepl_state_kind_t	 state;
	const char		*cookie;	/* NONE: not sent */
};

static const struct state_row state_rows[] = {
	{ SYNCREPL_PRESENT, NONE },
	{ SYNCREPL_ADD, NONE },
	{ SYNCREPL_MODIFY, "rid=001,csn=20240101000000.000000Z#000000#000" },
	{ SYNCREPL_DELETE, "" },	/* an empty cookie is a cookie */
	{ SYNCREPL_ADD, long_cookie },		/* long-form lengths */
};

START_TEST(test_state_table)
{
	for (size_t i = 0; i < NELEM(state_rows); i++) {
		const struct state_row *row = &state_rows[i];
		unsigned char	 uuid[SYNCREPL_UUID_LEN];
		struct berval	 ubv, cbv, value;
		syncrepl_state_t st;
		BerElement	*ber = der();

		make_uuid(uuid, (unsigned)i);
		ubv.bv_val = (char *)uuid;
		ubv.bv_len = sizeof(uuid);
		if (row->cookie != NONE)
			ck_assert_int_ne(ber_printf(ber, "{eOO}",
			    (ber_int_t)row->state, &ubv,
			    cookie_bv(&cbv, row->cookie)), -1);
		else
			ck_assert_int_ne(ber_printf(ber, "{eO}",
			    (ber_int_t)row->state, &ubv), -1);
		flatten(ber, &value);

		ck_assert_msg(syncrepl_state_decode(&value, &st) == 0,
		    "state row %zu refused", i);
		ck_assert_msg(st.state == row->state &&
		    memcmp(st.uuid, uuid, sizeof(uuid)) == 0 &&
		    cookie_is(&st.cookie, row->cookie),
		    "state row %zu: got state %d cookie \"%.*s\" (%s), want "
		    "%d \"%s\"", i, (int)st.state, (int)st.cookie.len,
		    st.cookie.val ? st.cookie.val : "", st.cookie.val ?
		    "sent" : "none", (int)row->state,
		    row->cookie ? row->cookie : "(none)");
		syncrepl_state_free(&st);
		ck_assert_ptr_null(st.cookie.val);
		syncrepl_state_free(&st);	/* again: a no-op */
		check_damaged("state", i, &value, state_refused);
		ber_memfree(value.bv_val);
	}
}
END_TEST

/* ---- Sync Done Control ----------------------------------------------- */

struct done_row {
	const char	*cookie;
	int		 deletes;	/* OMIT, 0 or 1 as sent */
	int		 want;		/* refresh_deletes decoded */
};

static const struct done_row done_rows[] = {
	{ NONE, OMIT, 0 },			/* 30 00 */
	{ NONE, 0, 0 },				/* the DEFAULT sent */
	{ NONE, 1, 1 },
	{ "", OMIT, 0 },
	{ "rid=002,csn=x", OMIT, 0 },
	{ "rid=002,csn=x", 1, 1 },
	{ "rid=002,csn=x", 0, 0 },
	{ long_cookie, 1, 1 },
};

START_TEST(test_done_table)
{
	for (size_t i = 0; i < NELEM(done_rows); i++) {
		const struct done_row *row = &done_rows[i];
		struct berval	 cbv, value;
		syncrepl_done_t	 done;
		BerElement	*ber = der();

		ck_assert_int_ne(ber_printf(ber, "{"), -1);
		if (row->cookie != NONE)
			ck_assert_int_ne(ber_printf(ber, "O",
			    cookie_bv(&cbv, row->cookie)), -1);
		if (row->deletes != OMIT)
			ck_assert_int_ne(ber_printf(ber, "b",
			    (ber_int_t)row->deletes), -1);
		ck_assert_int_ne(ber_printf(ber, "}"), -1);
		flatten(ber, &value);

		ck_assert_msg(syncrepl_done_decode(&value, &done) == 0,
		    "done row %zu refused", i);
		ck_assert_msg(cookie_is(&done.cookie, row->cookie) &&
		    done.refresh_deletes == row->want,
		    "done row %zu: got cookie \"%.*s\" (%s) refreshDeletes %d,"
		    " want \"%s\" %d", i, (int)done.cookie.len,
		    done.cookie.val ? done.cookie.val : "", done.cookie.val ?
		    "sent" : "none", done.refresh_deletes,
		    row->cookie ? row->cookie : "(none)", row->want);
		syncrepl_done_free(&done);
		check_damaged("done", i, &value, done_refused);
		ber_memfree(value.bv_val);
	}
}
END_TEST

/* ---- Sync Info Message ----------------------------------------------- */

struct info_row {
	syncrepl_info_kind_t	 kind;
	const char		*cookie;
	int			 flag;	/* refreshDone / refreshDeletes sent */
	size_t			 nuuids;	/* syncIdSet */
	int			 want;	/* the flag decoded */
};

static const struct info_row info_rows[] = {
	{ SYNCREPL_NEW_COOKIE, "rid=003,csn=y", OMIT, 0, 0 },
	{ SYNCREPL_NEW_COOKIE, "", OMIT, 0, 0 },
	{ SYNCREPL_NEW_COOKIE, long_cookie, OMIT, 0, 0 },
	{ SYNCREPL_REFRESH_DELETE, NONE, OMIT, 0, 1 },	/* a1 00 */
	{ SYNCREPL_REFRESH_DELETE, "rid=003,csn=y", OMIT, 0, 1 },
	{ SYNCREPL_REFRESH_DELETE, "rid=003,csn=y", 0, 0, 0 },
	{ SYNCREPL_REFRESH_DELETE, NONE, 1, 0, 1 },	/* the DEFAULT sent */
	{ SYNCREPL_REFRESH_PRESENT, NONE, OMIT, 0, 1 },
	{ SYNCREPL_REFRESH_PRESENT, "", 0, 0, 0 },
	{ SYNCREPL_REFRESH_PRESENT, "rid=003,csn=y", 1, 0, 1 },
	{ SYNCREPL_ID_SET, NONE, OMIT, 0, 0 },		/* an empty set */
	{ SYNCREPL_ID_SET, NONE, OMIT, 1, 0 },
	{ SYNCREPL_ID_SET, "rid=003,csn=y", 1, 3, 1 },
	{ SYNCREPL_ID_SET, "", 0, 3, 0 },		/* the DEFAULT sent */
	{ SYNCREPL_ID_SET, long_cookie, 1, 1, 1 },
};

static const ber_tag_t info_tags[] = {
	TAG_NEW_COOKIE, TAG_REFRESH_DELETE, TAG_REFRESH_PRESENT, TAG_ID_SET
};

/* Encodes row as syncprov_sendinfo() does into *value. */
static void
info_encode(const struct info_row *row, size_t n, struct berval *value)
{
	unsigned char	 uuids[3][SYNCREPL_UUID_LEN];
	struct berval	 cbv, set[4];
	BerElement	*ber = der();
	ber_tag_t	 tag = info_tags[row->kind];

	ck_assert_uint_le(row->nuuids, 3);
	for (size_t u = 0; u < row->nuuids; u++) {
		make_uuid(uuids[u], (unsigned)(n * 3 + u));
		set[u].bv_val = (char *)uuids[u];
		set[u].bv_len = SYNCREPL_UUID_LEN;
	}
	set[row->nuuids].bv_val = NULL;
	set[row->nuuids].bv_len = 0;

	if (row->kind == SYNCREPL_NEW_COOKIE) {
		ck_assert_int_ne(ber_printf(ber, "tO", tag,
		    cookie_bv(&cbv, row->cookie)), -1);
		flatten(ber, value);
		return;
	}
	ck_assert_int_ne(ber_printf(ber, "t{", tag), -1);
	if (row->cookie != NONE)
		ck_assert_int_ne(ber_printf(ber, "O",
		    cookie_bv(&cbv, row->cookie)), -1);
	if (row->flag != OMIT)
		ck_assert_int_ne(ber_printf(ber, "b", (ber_int_t)row->flag),
		    -1);
	if (row->kind == SYNCREPL_ID_SET)
		ck_assert_int_ne(ber_printf(ber, "[W]", set), -1);
	ck_assert_int_ne(ber_printf(ber, "}"), -1);
	flatten(ber, value);
}

START_TEST(test_info_table)
{
	for (size_t i = 0; i < NELEM(info_rows); i++) {
		const struct info_row *row = &info_rows[i];
		struct berval	 value;
		syncrepl_info_t	 info;
		unsigned char	 uuid[SYNCREPL_UUID_LEN];
		int		 done, deletes;

		info_encode(row, i, &value);
		ck_assert_msg(syncrepl_info_decode(&value, &info) == 0,
		    "info row %zu refused", i);
		done = row->kind == SYNCREPL_REFRESH_DELETE ||
		    row->kind == SYNCREPL_REFRESH_PRESENT ? row->want : 0;
		deletes = row->kind == SYNCREPL_ID_SET ? row->want : 0;
		ck_assert_msg(info.kind == row->kind &&
		    cookie_is(&info.cookie, row->cookie) &&
		    info.refresh_done == done &&
		    info.refresh_deletes == deletes &&
		    info.nuuids == row->nuuids &&
		    (info.nuuids > 0) == (info.uuids != NULL),
		    "info row %zu: got kind %d cookie \"%.*s\" (%s) refreshDone"
		    " %d refreshDeletes %d %zu UUIDs, want %d \"%s\" %d %d %zu",
		    i, (int)info.kind, (int)info.cookie.len,
		    info.cookie.val ? info.cookie.val : "", info.cookie.val ?
		    "sent" : "none", info.refresh_done, info.refresh_deletes,
		    info.nuuids, (int)row->kind,
		    row->cookie ? row->cookie : "(none)", done, deletes,
		    row->nuuids);
		for (size_t u = 0; u < info.nuuids; u++) {
			make_uuid(uuid, (unsigned)(i * 3 + u));
			ck_assert_msg(memcmp(info.uuids[u], uuid,
			    sizeof(uuid)) == 0, "info row %zu: UUID %zu "
			    "differs", i, u);
		}
		syncrepl_info_free(&info);
		ck_assert_ptr_null(info.uuids);
		check_damaged("info", i, &value, info_refused);
		ber_memfree(value.bv_val);
	}
}
END_TEST

/* ---- hand-made values: valid BER, and malformed ---------------------- */

enum which { STATE, INFO, DONE };

struct raw_row {
	const char	*name;
	enum which	 decoder;
	int		 ok;		/* 1: accepted */
	size_t		 len;
	const char	*bytes;
};

#define U16	"\x00\x01\x02\x03\x04\x05\x06\x07" \
		"\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
#define U15	"\x00\x01\x02\x03\x04\x05\x06\x07" \
		"\x08\x09\x0a\x0b\x0c\x0d\x0e"
#define RAW(name, dec, ok, s)	{ name, dec, ok, sizeof(s) - 1, s }

static const struct raw_row raw_rows[] = {
	/* syncStateValue */
	RAW("state add", STATE, 1, "\x30\x15\x0a\x01\x01\x04\x10" U16),
	RAW("state long-form lengths", STATE, 1,
	    "\x30\x81\x16\x0a\x01\x01\x04\x81\x10" U16),
	RAW("state enum in two octets", STATE, 1,
	    "\x30\x16\x0a\x02\x00\x03\x04\x10" U16),
	RAW("state 4", STATE, 0, "\x30\x15\x0a\x01\x04\x04\x10" U16),
	RAW("state -1", STATE, 0, "\x30\x15\x0a\x01\xff\x04\x10" U16),
	RAW("state 256+1", STATE, 0, "\x30\x16\x0a\x02\x01\x01\x04\x10" U16),
	RAW("state in five octets", STATE, 0,
	    "\x30\x19\x0a\x05\x00\x00\x00\x00\x01\x04\x10" U16),
	RAW("state enum of no octets", STATE, 0,
	    "\x30\x14\x0a\x00\x04\x10" U16),
	RAW("state as INTEGER", STATE, 0, "\x30\x15\x02\x01\x01\x04\x10" U16),
	RAW("state UUID of 15", STATE, 0, "\x30\x14\x0a\x01\x01\x04\x0f" U15),
	RAW("state UUID of 17", STATE, 0,
	    "\x30\x16\x0a\x01\x01\x04\x11" U16 "\x10"),
	RAW("state UUID of 0", STATE, 0, "\x30\x05\x0a\x01\x01\x04\x00"),
	RAW("state no UUID", STATE, 0, "\x30\x03\x0a\x01\x01"),
	RAW("state UUID tagged [0]", STATE, 0,
	    "\x30\x15\x0a\x01\x01\x80\x10" U16),
	RAW("state as SET", STATE, 0, "\x31\x15\x0a\x01\x01\x04\x10" U16),
	RAW("state as [0]", STATE, 0, "\xa0\x15\x0a\x01\x01\x04\x10" U16),
	RAW("state cookie as [0]", STATE, 0,
	    "\x30\x17\x0a\x01\x01\x04\x10" U16 "\x80\x00"),
	RAW("state two cookies", STATE, 0,
	    "\x30\x19\x0a\x01\x01\x04\x10" U16 "\x04\x00\x04\x00"),
	RAW("state garbage in the sequence", STATE, 0,
	    "\x30\x17\x0a\x01\x01\x04\x10" U16 "\x05\x00"),
	RAW("state sequence longer than the value", STATE, 0,
	    "\x30\x16\x0a\x01\x01\x04\x10" U16),
	RAW("state UUID past the sequence", STATE, 0,
	    "\x30\x14\x0a\x01\x01\x04\x10" U16),
	RAW("state indefinite length", STATE, 0,
	    "\x30\x80\x0a\x01\x01\x04\x10" U16 "\x00\x00"),
	RAW("state length of 9 octets", STATE, 0,
	    "\x30\x89\x00\x00\x00\x00\x00\x00\x00\x00\x15"
	    "\x0a\x01\x01\x04\x10" U16),
	RAW("state length 2^64-1", STATE, 0,
	    "\x30\x88\xff\xff\xff\xff\xff\xff\xff\xff"
	    "\x0a\x01\x01\x04\x10" U16),
	RAW("state high tag number", STATE, 0,
	    "\x3f\x81\x00\x15\x0a\x01\x01\x04\x10" U16),
	RAW("state tag only", STATE, 0, "\x30"),
	RAW("state empty sequence", STATE, 0, "\x30\x00"),
	/* syncDoneValue */
	RAW("done empty", DONE, 1, "\x30\x00"),
	RAW("done TRUE as 01", DONE, 1, "\x30\x03\x01\x01\x01"),
	RAW("done bool before cookie", DONE, 0,
	    "\x30\x05\x01\x01\xff\x04\x00"),
	RAW("done two bools", DONE, 0, "\x30\x06\x01\x01\xff\x01\x01\xff"),
	RAW("done bool of 2 octets", DONE, 0, "\x30\x04\x01\x02\x00\xff"),
	RAW("done bool of 0 octets", DONE, 0, "\x30\x02\x01\x00"),
	RAW("done NULL inside", DONE, 0, "\x30\x02\x05\x00"),
	RAW("done as [1]", DONE, 0, "\xa1\x00"),
	RAW("done two values", DONE, 0, "\x30\x00\x30\x00"),
	/* syncInfoValue */
	RAW("info newcookie constructed", INFO, 0, "\xa0\x02\x04\x00"),
	RAW("info newcookie as OCTET STRING", INFO, 0, "\x04\x01x"),
	RAW("info [4]", INFO, 0, "\xa4\x00"),
	RAW("info [1] primitive", INFO, 0, "\x81\x00"),
	RAW("info SEQUENCE", INFO, 0, "\x30\x00"),
	RAW("info newcookie and more", INFO, 0, "\x80\x01x\x80\x01y"),
	RAW("info refreshDelete as SEQUENCE inside", INFO, 0,
	    "\xa1\x02\x30\x00"),
	RAW("info refreshPresent bool before cookie", INFO, 0,
	    "\xa2\x05\x01\x01\x00\x04\x00"),
	RAW("info refreshPresent with a set", INFO, 0, "\xa2\x02\x31\x00"),
	RAW("info idSet without its set", INFO, 0, "\xa3\x00"),
	RAW("info idSet, cookie only", INFO, 0, "\xa3\x02\x04\x00"),
	RAW("info idSet SEQUENCE for SET", INFO, 0, "\xa3\x02\x30\x00"),
	RAW("info idSet UUID of 15", INFO, 0,
	    "\xa3\x13\x31\x11\x04\x0f" U15),
	RAW("info idSet UUID of 17", INFO, 0,
	    "\xa3\x15\x31\x13\x04\x11" U16 "\x10"),
	RAW("info idSet second UUID of 15", INFO, 0,
	    "\xa3\x25\x31\x23\x04\x10" U16 "\x04\x0f" U15),
	RAW("info idSet UUID tagged [0]", INFO, 0,
	    "\xa3\x14\x31\x12\x80\x10" U16),
	RAW("info idSet garbage in the set", INFO, 0,
	    "\xa3\x16\x31\x14\x04\x10" U16 "\x05\x00"),
	RAW("info idSet octet left in the set", INFO, 0,
	    "\xa3\x15\x31\x13\x04\x10" U16 "\x00"),
	RAW("info idSet element past the set", INFO, 0,
	    "\xa3\x14\x31\x11\x04\x10" U16),
	RAW("info idSet something after the set", INFO, 0,
	    "\xa3\x16\x31\x12\x04\x10" U16 "\x04\x00"),
	RAW("info idSet long-form UUID", INFO, 1,
	    "\xa3\x15\x31\x13\x04\x81\x10" U16),
	RAW("info idSet two UUIDs", INFO, 1,
	    "\xa3\x26\x31\x24\x04\x10" U16 "\x04\x10" U16),
};

static const decode_fn raw_refused[] = {
	state_refused, info_refused, done_refused
};

START_TEST(test_raw_table)
{
	for (size_t i = 0; i < NELEM(raw_rows); i++) {
		const struct raw_row *row = &raw_rows[i];
		struct berval	 src, bv;

		src.bv_val = (char *)(uintptr_t)row->bytes;
		src.bv_len = row->len;
		bv = prefix(&src, row->len);	/* exact-size, for ASan */
		ck_assert_msg(raw_refused[row->decoder](&bv) == !row->ok,
		    "\"%s\": %s", row->name, row->ok ? "refused" :
		    "accepted (or the struct is not zeroed)");
		if (row->ok)
			check_damaged(row->name, i, &bv,
			    raw_refused[row->decoder]);
		free(bv.bv_val);
	}
}
END_TEST

/* No value, an empty one, a NULL struct: refused without a crash. */
START_TEST(test_no_value)
{
	struct berval	 empty = { 0, NULL }, zero = { 0, (char *)"" };
	struct berval	 ok = { 2, (char *)"\x30\x00" };
	syncrepl_done_t	 done;

	ck_assert(state_refused(NULL) && info_refused(NULL) &&
	    done_refused(NULL));
	ck_assert(state_refused(&empty) && info_refused(&empty) &&
	    done_refused(&empty));
	ck_assert(state_refused(&zero) && info_refused(&zero) &&
	    done_refused(&zero));
	ck_assert_int_eq(syncrepl_state_decode(&ok, NULL), -1);
	ck_assert_int_eq(syncrepl_info_decode(&ok, NULL), -1);
	ck_assert_int_eq(syncrepl_done_decode(&ok, NULL), -1);
	ck_assert_int_eq(syncrepl_done_decode(&ok, &done), 0);
	syncrepl_done_free(&done);
	syncrepl_state_free(NULL);
	syncrepl_info_free(NULL);
	syncrepl_done_free(NULL);
	syncrepl_cookie_free(NULL);
}
END_TEST

/* ---- Sync Request Control -------------------------------------------- */

struct request_row {
	syncrepl_mode_t	 mode;
	const char	*cookie;	/* NONE: cookie pointer NULL */
	int		 val_null;	/* a cookie struct with val NULL */
	int		 hint;
	size_t		 len;		/* of want */
	const char	*want;
};

#define REQ(mode, cookie, vnull, hint, s) \
	{ mode, cookie, vnull, hint, sizeof(s) - 1, s }

static const struct request_row request_rows[] = {
	REQ(SYNCREPL_REFRESH_AND_PERSIST, NONE, 0, 0, "\x30\x03\x0a\x01\x03"),
	REQ(SYNCREPL_REFRESH_ONLY, NONE, 0, 0, "\x30\x03\x0a\x01\x01"),
	REQ(SYNCREPL_REFRESH_ONLY, NONE, 1, 0, "\x30\x03\x0a\x01\x01"),
	REQ(SYNCREPL_REFRESH_ONLY, "", 0, 0, "\x30\x05\x0a\x01\x01\x04\x00"),
	REQ(SYNCREPL_REFRESH_AND_PERSIST, NONE, 0, 1,
	    "\x30\x06\x0a\x01\x03\x01\x01\xff"),
	REQ(SYNCREPL_REFRESH_AND_PERSIST, "abc", 0, 7,	/* any true hint */
	    "\x30\x0b\x0a\x01\x03\x04\x03" "abc" "\x01\x01\xff"),
	REQ(SYNCREPL_REFRESH_ONLY, "rid=001,csn=z", 0, 0,
	    "\x30\x12\x0a\x01\x01\x04\x0d" "rid=001,csn=z"),
};

/* Decodes a request value back with ber_scanf(), as slapd does. */
static void
request_decode(const struct berval *value, ber_int_t *mode,
    struct berval *cookie, ber_int_t *hint)
{
	struct berval	 bv = *value, c = { 0, NULL };
	BerElement	*ber = ber_init(&bv);
	ber_len_t	 len;
	ber_tag_t	 tag;

	ck_assert_ptr_nonnull(ber);
	*hint = 0;
	ck_assert(ber_scanf(ber, "{e", mode) != LBER_ERROR);
	tag = ber_peek_tag(ber, &len);
	if (tag == LBER_OCTETSTRING) {
		ck_assert(ber_scanf(ber, "m", &c) != LBER_ERROR);
		tag = ber_peek_tag(ber, &len);
	}
	if (tag == LBER_BOOLEAN)
		ck_assert(ber_scanf(ber, "b", hint) != LBER_ERROR);
	ck_assert(ber_scanf(ber, "}") != LBER_ERROR);
	ck_assert_int_eq(ber_get_option(ber, LBER_OPT_REMAINING_BYTES, &len),
	    LBER_OPT_SUCCESS);
	ck_assert_uint_eq(len, 0);
	if (c.bv_val != NULL)
		ck_assert_ptr_nonnull(ber_dupbv(cookie, &c));
	else
		cookie->bv_val = NULL;
	ber_free(ber, 1);
}

START_TEST(test_request_table)
{
	for (size_t i = 0; i < NELEM(request_rows); i++) {
		const struct request_row *row = &request_rows[i];
		syncrepl_cookie_t c, *cp = NULL;
		struct berval	 out, cookie;
		ber_int_t	 mode, hint;

		if (row->cookie != NONE) {
			c.val = (char *)(uintptr_t)row->cookie;
			c.len = strlen(row->cookie);
			cp = &c;
		} else if (row->val_null) {
			c.val = NULL;
			c.len = 3;
			cp = &c;
		}
		ck_assert_int_eq(syncrepl_request_encode(row->mode, cp,
		    row->hint, &out), 0);
		ck_assert_msg(out.bv_len == row->len &&
		    memcmp(out.bv_val, row->want, row->len) == 0,
		    "request row %zu: got %zu octets, want %zu (or they "
		    "differ)", i, (size_t)out.bv_len, row->len);
		request_decode(&out, &mode, &cookie, &hint);
		ck_assert_int_eq(mode, (ber_int_t)row->mode);
		ck_assert_int_eq(hint != 0, row->hint != 0);
		if (row->cookie == NONE)
			ck_assert_ptr_null(cookie.bv_val);
		else {
			ck_assert_ptr_nonnull(cookie.bv_val);
			ck_assert_uint_eq(cookie.bv_len, strlen(row->cookie));
			ck_assert(memcmp(cookie.bv_val, row->cookie,
			    cookie.bv_len) == 0);
			ber_memfree(cookie.bv_val);
		}
		ber_memfree(out.bv_val);
	}
}
END_TEST

/* A long cookie: long-form lengths (30 81 d1, 04 81 c8). */
START_TEST(test_request_long_cookie)
{
	char		 buf[200];
	syncrepl_cookie_t c = { buf, sizeof(buf) };
	struct berval	 out, cookie;
	ber_int_t	 mode, hint;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)i;		/* NULs and all */
	ck_assert_int_eq(syncrepl_request_encode(SYNCREPL_REFRESH_ONLY, &c, 1,
	    &out), 0);
	ck_assert_uint_eq(out.bv_len, 3 + 3 + 3 + 200 + 3);
	ck_assert(memcmp(out.bv_val, "\x30\x81\xd1\x0a\x01\x01\x04\x81\xc8",
	    9) == 0);
	ck_assert(memcmp(out.bv_val + 9, buf, sizeof(buf)) == 0);
	ck_assert(memcmp(out.bv_val + 209, "\x01\x01\xff", 3) == 0);
	request_decode(&out, &mode, &cookie, &hint);
	ck_assert_int_eq(mode, SYNCREPL_REFRESH_ONLY);
	ck_assert_int_ne(hint, 0);
	ck_assert_uint_eq(cookie.bv_len, sizeof(buf));
	ck_assert(memcmp(cookie.bv_val, buf, sizeof(buf)) == 0);
	ber_memfree(cookie.bv_val);
	ber_memfree(out.bv_val);
}
END_TEST

/* A mode that is neither: -1, *out zeroed. */
START_TEST(test_request_bad_mode)
{
	static const int modes[] = { 0, 2, 4, -1 };
	struct berval	 out;

	for (size_t i = 0; i < NELEM(modes); i++) {
		out.bv_val = (char *)"x";
		out.bv_len = 1;
		ck_assert_int_eq(syncrepl_request_encode(
		    (syncrepl_mode_t)modes[i], NULL, 0, &out), -1);
		ck_assert_ptr_null(out.bv_val);
		ck_assert_uint_eq(out.bv_len, 0);
	}
}
END_TEST

/* ---- cookies and UUIDs ----------------------------------------------- */

START_TEST(test_cookie_copy)
{
	syncrepl_cookie_t a = { NULL, 0 }, b = { NULL, 0 };
	syncrepl_cookie_t src = { (char *)"rid=1\0x", 7 };
	syncrepl_cookie_t empty = { (char *)"", 0 }, none = { NULL, 9 };

	ck_assert_int_eq(syncrepl_cookie_copy(&a, &src), 0);
	ck_assert(a.val != src.val && a.len == 7 &&
	    memcmp(a.val, "rid=1\0x", 8) == 0);
	ck_assert_int_eq(syncrepl_cookie_copy(&a, &a), 0);	/* itself */
	ck_assert(a.len == 7 && memcmp(a.val, "rid=1\0x", 8) == 0);
	ck_assert_int_eq(syncrepl_cookie_copy(&b, &a), 0);
	ck_assert_int_eq(syncrepl_cookie_copy(&a, &empty), 0);	/* over one */
	ck_assert(a.val != NULL && a.len == 0 && a.val[0] == '\0');
	ck_assert_int_eq(syncrepl_cookie_copy(&a, &none), 0);
	ck_assert(a.val == NULL && a.len == 0);
	ck_assert_int_eq(syncrepl_cookie_copy(&b, NULL), 0);
	ck_assert(b.val == NULL && b.len == 0);
	syncrepl_cookie_free(&a);
	syncrepl_cookie_free(&b);
}
END_TEST

struct uuid_row {
	const char	*uuid;		/* 16 octets */
	const char	*want;
};

static const struct uuid_row uuid_rows[] = {
	{ "\x12\x34\x56\x78\x9a\xbc\xde\xf0\x01\x23\x45\x67\x89\xab\xcd\xef",
	  "12345678-9abc-def0-0123-456789abcdef" },
	/* RFC 4122's name space ID for DNS */
	{ "\x6b\xa7\xb8\x10\x9d\xad\x11\xd1\x80\xb4\x00\xc0\x4f\xd4\x30\xc8",
	  "6ba7b810-9dad-11d1-80b4-00c04fd430c8" },
	{ "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
	  "00000000-0000-0000-0000-000000000000" },
	{ "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
	  "ffffffff-ffff-ffff-ffff-ffffffffffff" },
};

START_TEST(test_uuid_format)
{
	for (size_t i = 0; i < NELEM(uuid_rows); i++) {
		char	 out[SYNCREPL_UUID_TEXT + 1];

		memset(out, 'X', sizeof(out));
		syncrepl_uuid_format((const unsigned char *)uuid_rows[i].uuid,
		    out);
		ck_assert_msg(strcmp(out, uuid_rows[i].want) == 0 &&
		    out[SYNCREPL_UUID_TEXT] == 'X', "uuid row %zu: got \"%s\","
		    " want \"%s\"", i, out, uuid_rows[i].want);
	}
}
END_TEST

static Suite *
syncrepl_suite(void)
{
	Suite	*s = suite_create("syncrepl");
	TCase	*tc = tcase_create("syncrepl");

	tcase_add_test(tc, test_state_table);
	tcase_add_test(tc, test_done_table);
	tcase_add_test(tc, test_info_table);
	tcase_add_test(tc, test_raw_table);
	tcase_add_test(tc, test_no_value);
	tcase_add_test(tc, test_request_table);
	tcase_add_test(tc, test_request_long_cookie);
	tcase_add_test(tc, test_request_bad_mode);
	tcase_add_test(tc, test_cookie_copy);
	tcase_add_test(tc, test_uuid_format);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tcheck_run(syncrepl_suite());
}

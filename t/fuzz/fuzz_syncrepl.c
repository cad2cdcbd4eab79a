/*
 * fuzz_syncrepl.c - libFuzzer target for the RFC 4533 decoders of
 * lib/proto/syncrepl.c: the same bytes as a Sync State Control, a Sync Info
 * Message and a Sync Done Control, and as the cookie of a Sync Request.
 *
 * Besides crashes, leaks and sanitizer reports, it checks what
 * syncrepl.h promises: a refused value leaves the struct zeroed; an
 * accepted one is in range, its cookie NUL-terminated; encoded again in
 * DER (as slapd's syncprov does) it decodes to the same struct and
 * encodes to the same octets; no strict prefix of an accepted value is
 * accepted.  The request encoder's value decodes back with ber_scanf()
 * to its mode, cookie and reloadHint.
 */
#include <lber.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "syncrepl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs up to this size also have each of their prefixes tried. */
#define PREFIX_MAX	512

/* Stops the run: an invariant does not hold. */
static void
fail(void)
{
	abort();
}

static int
cookie_zero(const syncrepl_cookie_t *c)
{
	return c->val == NULL && c->len == 0;
}

static int
cookie_equal(const syncrepl_cookie_t *a, const syncrepl_cookie_t *b)
{
	if (a->val == NULL || b->val == NULL)
		return a->val == b->val && a->len == b->len;
	return a->len == b->len && memcmp(a->val, b->val, a->len) == 0;
}

/* A decoded cookie: none, or len octets and a NUL. */
static void
check_cookie(const syncrepl_cookie_t *c)
{
	if (c->val == NULL ? c->len != 0 : c->val[c->len] != '\0')
		fail();
}

/* ber_printf()s the cookie c, when there is one. */
static void
put_cookie(BerElement *ber, const syncrepl_cookie_t *c)
{
	struct berval	 bv;

	if (c->val == NULL)
		return;
	bv.bv_val = c->val;
	bv.bv_len = c->len;
	if (ber_printf(ber, "O", &bv) == -1)
		fail();
}

/* Flattens ber into *out (ber_memfree() it) and frees ber. */
static void
flatten(BerElement *ber, struct berval *out)
{
	if (ber_flatten2(ber, out, 1) == -1)
		fail();
	ber_free(ber, 1);
}

static BerElement *
der(void)
{
	BerElement	*ber = ber_alloc_t(LBER_USE_DER);

	if (ber == NULL)
		fail();
	return ber;
}

/* Both encodings equal. */
static void
check_same(const struct berval *a, const struct berval *b)
{
	if (a->bv_len != b->bv_len || memcmp(a->bv_val, b->bv_val,
	    a->bv_len) != 0)
		fail();
}

static void
state_encode(const syncrepl_state_t *st, struct berval *out)
{
	BerElement	*ber = der();
	struct berval	 u;

	u.bv_val = (char *)(uintptr_t)st->uuid;
	u.bv_len = SYNCREPL_UUID_LEN;
	if (ber_printf(ber, "{eO", (ber_int_t)st->state, &u) == -1)
		fail();
	put_cookie(ber, &st->cookie);
	if (ber_printf(ber, "}") == -1)
		fail();
	flatten(ber, out);
}

static void
check_state(const struct berval *value)
{
	static const unsigned char zero[SYNCREPL_UUID_LEN];
	syncrepl_state_t st, again;
	struct berval	 enc, enc2;

	if (syncrepl_state_decode(value, &st) == -1) {
		if (st.state != 0 || memcmp(st.uuid, zero, sizeof(zero)) != 0 ||
		    !cookie_zero(&st.cookie))
			fail();
		return;
	}
	if (st.state < SYNCREPL_PRESENT || st.state > SYNCREPL_DELETE)
		fail();
	check_cookie(&st.cookie);
	state_encode(&st, &enc);
	if (syncrepl_state_decode(&enc, &again) == -1 ||
	    again.state != st.state ||
	    memcmp(again.uuid, st.uuid, SYNCREPL_UUID_LEN) != 0 ||
	    !cookie_equal(&again.cookie, &st.cookie))
		fail();
	state_encode(&again, &enc2);
	check_same(&enc, &enc2);
	ber_memfree(enc.bv_val);
	ber_memfree(enc2.bv_val);
	syncrepl_state_free(&again);
	syncrepl_state_free(&st);
}

static void
info_encode(const syncrepl_info_t *info, struct berval *out)
{
	static const ber_tag_t tags[] = { 0x80, 0xa1, 0xa2, 0xa3 };
	BerElement	*ber = der();
	struct berval	 u;

	if (info->kind == SYNCREPL_NEW_COOKIE) {
		u.bv_val = info->cookie.val;
		u.bv_len = info->cookie.len;
		if (ber_printf(ber, "tO", tags[info->kind], &u) == -1)
			fail();
		flatten(ber, out);
		return;
	}
	if (ber_printf(ber, "t{", tags[info->kind]) == -1)
		fail();
	put_cookie(ber, &info->cookie);
	if (info->kind == SYNCREPL_ID_SET) {
		if ((info->refresh_deletes &&
		    ber_printf(ber, "b", (ber_int_t)1) == -1) ||
		    ber_printf(ber, "[") == -1)
			fail();
		for (size_t i = 0; i < info->nuuids; i++) {
			u.bv_val = (char *)(uintptr_t)info->uuids[i];
			u.bv_len = SYNCREPL_UUID_LEN;
			if (ber_printf(ber, "O", &u) == -1)
				fail();
		}
		if (ber_printf(ber, "]") == -1)
			fail();
	} else if (!info->refresh_done &&
	    ber_printf(ber, "b", (ber_int_t)0) == -1)
		fail();
	if (ber_printf(ber, "}") == -1)
		fail();
	flatten(ber, out);
}

static int
info_equal(const syncrepl_info_t *a, const syncrepl_info_t *b)
{
	return a->kind == b->kind && cookie_equal(&a->cookie, &b->cookie) &&
	    a->refresh_done == b->refresh_done &&
	    a->refresh_deletes == b->refresh_deletes &&
	    a->nuuids == b->nuuids && (a->nuuids == 0 ||
	    memcmp(a->uuids, b->uuids, a->nuuids * SYNCREPL_UUID_LEN) == 0);
}

static void
check_info(const struct berval *value)
{
	syncrepl_info_t	 info, again;
	struct berval	 enc, enc2;
	char		 text[SYNCREPL_UUID_TEXT];

	if (syncrepl_info_decode(value, &info) == -1) {
		if (info.kind != 0 || !cookie_zero(&info.cookie) ||
		    info.refresh_done != 0 || info.refresh_deletes != 0 ||
		    info.uuids != NULL || info.nuuids != 0)
			fail();
		return;
	}
	check_cookie(&info.cookie);
	switch (info.kind) {
	case SYNCREPL_NEW_COOKIE:
		if (info.cookie.val == NULL || info.refresh_done ||
		    info.refresh_deletes || info.nuuids)
			fail();
		break;
	case SYNCREPL_REFRESH_DELETE:
	case SYNCREPL_REFRESH_PRESENT:
		if ((info.refresh_done != 0 && info.refresh_done != 1) ||
		    info.refresh_deletes || info.nuuids)
			fail();
		break;
	case SYNCREPL_ID_SET:
		if (info.refresh_done || (info.refresh_deletes != 0 &&
		    info.refresh_deletes != 1))
			fail();
		break;
	default:
		fail();
	}
	if ((info.nuuids == 0) != (info.uuids == NULL))
		fail();
	for (size_t i = 0; i < info.nuuids; i++) {
		syncrepl_uuid_format(info.uuids[i], text);
		if (strlen(text) != SYNCREPL_UUID_TEXT - 1)
			fail();
	}
	info_encode(&info, &enc);
	if (syncrepl_info_decode(&enc, &again) == -1 ||
	    !info_equal(&info, &again))
		fail();
	info_encode(&again, &enc2);
	check_same(&enc, &enc2);
	ber_memfree(enc.bv_val);
	ber_memfree(enc2.bv_val);
	syncrepl_info_free(&again);
	syncrepl_info_free(&info);
}

static void
done_encode(const syncrepl_done_t *done, struct berval *out)
{
	BerElement	*ber = der();

	if (ber_printf(ber, "{") == -1)
		fail();
	put_cookie(ber, &done->cookie);
	if ((done->refresh_deletes &&
	    ber_printf(ber, "b", (ber_int_t)1) == -1) ||
	    ber_printf(ber, "}") == -1)
		fail();
	flatten(ber, out);
}

static void
check_done(const struct berval *value)
{
	syncrepl_done_t	 done, again;
	struct berval	 enc, enc2;

	if (syncrepl_done_decode(value, &done) == -1) {
		if (!cookie_zero(&done.cookie) || done.refresh_deletes != 0)
			fail();
		return;
	}
	check_cookie(&done.cookie);
	if (done.refresh_deletes != 0 && done.refresh_deletes != 1)
		fail();
	done_encode(&done, &enc);
	if (syncrepl_done_decode(&enc, &again) == -1 ||
	    !cookie_equal(&again.cookie, &done.cookie) ||
	    again.refresh_deletes != done.refresh_deletes)
		fail();
	done_encode(&again, &enc2);
	check_same(&enc, &enc2);
	ber_memfree(enc.bv_val);
	ber_memfree(enc2.bv_val);
	syncrepl_done_free(&again);
	syncrepl_done_free(&done);
}

/* No strict prefix of an accepted value is accepted. */
static void
check_prefixes(const struct berval *value)
{
	syncrepl_state_t st;
	syncrepl_info_t	 info;
	syncrepl_done_t	 done;
	struct berval	 bv;
	int		 s, i, d;

	s = syncrepl_state_decode(value, &st) == 0;
	i = syncrepl_info_decode(value, &info) == 0;
	d = syncrepl_done_decode(value, &done) == 0;
	syncrepl_state_free(&st);
	syncrepl_info_free(&info);
	syncrepl_done_free(&done);
	if (!s && !i && !d)
		return;
	for (size_t len = 0; len < value->bv_len; len++) {
		if ((bv.bv_val = malloc(len ? len : 1)) == NULL)
			return;
		memcpy(bv.bv_val, value->bv_val, len);
		bv.bv_len = len;
		if ((s && syncrepl_state_decode(&bv, &st) == 0) ||
		    (i && syncrepl_info_decode(&bv, &info) == 0) ||
		    (d && syncrepl_done_decode(&bv, &done) == 0))
			fail();
		free(bv.bv_val);
	}
}

/* The request with data as its cookie decodes back with ber_scanf(). */
static void
check_request(const uint8_t *data, size_t size)
{
	syncrepl_cookie_t c;
	syncrepl_mode_t	 mode;
	struct berval	 out, bv, got = { 0, NULL };
	BerElement	*ber;
	ber_int_t	 m, hint = 0;
	ber_len_t	 len;
	int		 want_hint, with_cookie;

	mode = size > 0 && (data[0] & 1) ? SYNCREPL_REFRESH_AND_PERSIST :
	    SYNCREPL_REFRESH_ONLY;
	want_hint = size > 0 && (data[0] & 2);
	with_cookie = data != NULL && !(size > 0 && (data[0] & 4));
	c.val = (char *)(uintptr_t)data;
	c.len = size;
	if (syncrepl_request_encode(mode, with_cookie ? &c : NULL, want_hint,
	    &out) == -1)
		return;		/* out of memory */
	bv = out;
	if ((ber = ber_init(&bv)) == NULL)
		fail();
	if (ber_scanf(ber, "{e", &m) == LBER_ERROR || m != (ber_int_t)mode)
		fail();
	if (ber_peek_tag(ber, &len) == LBER_OCTETSTRING &&
	    ber_scanf(ber, "m", &got) == LBER_ERROR)
		fail();
	if (ber_peek_tag(ber, &len) == LBER_BOOLEAN &&
	    (ber_scanf(ber, "b", &hint) == LBER_ERROR || !hint))
		fail();
	if (ber_scanf(ber, "}") == LBER_ERROR ||
	    ber_get_option(ber, LBER_OPT_REMAINING_BYTES, &len) !=
	    LBER_OPT_SUCCESS || len != 0 || (hint != 0) != want_hint)
		fail();
	if (with_cookie ? got.bv_val == NULL || got.bv_len != size ||
	    (size > 0 && memcmp(got.bv_val, data, size) != 0) :
	    got.bv_val != NULL)
		fail();
	ber_free(ber, 1);
	ber_memfree(out.bv_val);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct berval	 value;

	if (size > 65536)
		return 0;
	value.bv_val = (char *)(uintptr_t)data;
	value.bv_len = size;
	check_state(&value);
	check_info(&value);
	check_done(&value);
	if (size <= PREFIX_MAX)
		check_prefixes(&value);
	check_request(data, size);
	return 0;
}

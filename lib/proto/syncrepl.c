/*
 * syncrepl.c - the values of RFC 4533's controls and messages, coded and
 * decoded with liblber.
 *
 * The decoders take what a server sent, so they trust nothing: the value
 * is copied by ber_init() (liblber peeks one octet past an element and
 * may NUL-terminate a string in place, which must not touch the caller's
 * buffer), every element's tag and length are checked before it is read,
 * each SEQUENCE must fill the octets left exactly, and every element is
 * where RFC 4533 puts it: anything else, out of order, repeated or left
 * over, fails the whole value.  BER's liberties that DER would refuse (a
 * DEFAULT value sent explicitly, a TRUE other than 0xff, a long-form
 * length) are accepted: OpenLDAP's consumer sends reloadHint FALSE.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lber.h>

#include "syncrepl.h"

/* The context-specific tags of the Sync Info Message's choices. */
#define TAG_NEW_COOKIE		((ber_tag_t)0x80U)	/* [0] primitive */
#define TAG_REFRESH_DELETE	((ber_tag_t)0xa1U)	/* [1] constructed */
#define TAG_REFRESH_PRESENT	((ber_tag_t)0xa2U)	/* [2] constructed */
#define TAG_ID_SET		((ber_tag_t)0xa3U)	/* [3] constructed */

/* The smallest encoding of a syncUUID: 04 10 and 16 octets. */
#define UUID_ELEMENT_MIN	(2 + SYNCREPL_UUID_LEN)

/* Returns the octets left to read in ber. */
static ber_len_t
syncrepl_left(BerElement *ber)
{
	ber_len_t	 n = 0;

	if (ber_get_option(ber, LBER_OPT_REMAINING_BYTES, &n) !=
	    LBER_OPT_SUCCESS)
		return 0;
	return n;
}

/*
 * Returns a BerElement over a copy of value (ber_free(ber, 1) it), or
 * NULL: no value, an empty one, or no memory.
 */
static BerElement *
syncrepl_open(const struct berval *value)
{
	struct berval	 bv;

	if (value == NULL || value->bv_val == NULL || value->bv_len == 0)
		return NULL;
	bv = *value;
	return ber_init(&bv);
}

/*
 * Enters the constructed element with tag that must fill the rest of
 * ber: reads its tag and length, leaving ber at its first element.
 * Returns 0, or -1.
 */
static int
syncrepl_enter(BerElement *ber, ber_tag_t tag)
{
	ber_len_t	 len;

	if (ber_peek_tag(ber, &len) != tag)
		return -1;
	if (ber_skip_tag(ber, &len) != tag || len != syncrepl_left(ber))
		return -1;
	return 0;
}

/*
 * Reads the primitive element with tag into *bv, in place (bv points into
 * ber's buffer, no NUL added).  Returns 0, or -1.
 */
static int
syncrepl_string(BerElement *ber, ber_tag_t tag, struct berval *bv)
{
	ber_len_t	 len;

	if (ber_peek_tag(ber, &len) != tag)
		return -1;
	if (ber_skip_element(ber, bv) != tag)
		return -1;
	return 0;
}

/* Copies len octets at val into *c, NUL-terminated.  Returns 0, or -1. */
static int
syncrepl_cookie_set(syncrepl_cookie_t *c, const char *val, size_t len)
{
	char	*p;

	if (len == SIZE_MAX || (p = malloc(len + 1)) == NULL)
		return -1;
	if (len > 0)
		memcpy(p, val, len);
	p[len] = '\0';
	free(c->val);
	c->val = p;
	c->len = len;
	return 0;
}

/*
 * Reads the OPTIONAL syncCookie that may come next in a SEQUENCE into *c
 * (left alone when the next element is something else).  Returns 0, or
 * -1.
 */
static int
syncrepl_opt_cookie(BerElement *ber, syncrepl_cookie_t *c)
{
	struct berval	 bv;
	ber_len_t	 len;

	if (syncrepl_left(ber) == 0 ||
	    ber_peek_tag(ber, &len) != LBER_OCTETSTRING)
		return 0;
	if (syncrepl_string(ber, LBER_OCTETSTRING, &bv) == -1)
		return -1;
	return syncrepl_cookie_set(c, bv.bv_val, bv.bv_len);
}

/*
 * Reads the BOOLEAN DEFAULT that may come next in a SEQUENCE into *b, 1
 * or 0 (left alone when the next element is something else).  Returns 0,
 * or -1: a BOOLEAN whose contents are not one octet.
 */
static int
syncrepl_opt_bool(BerElement *ber, int *b)
{
	ber_int_t	 v;
	ber_len_t	 len;

	if (syncrepl_left(ber) == 0 ||
	    ber_peek_tag(ber, &len) != LBER_BOOLEAN)
		return 0;
	if (len != 1 || ber_get_boolean(ber, &v) != LBER_BOOLEAN)
		return -1;
	*b = v != 0;
	return 0;
}

/* Reads a syncUUID, an OCTET STRING of 16 octets.  Returns 0, or -1. */
static int
syncrepl_uuid(BerElement *ber, unsigned char uuid[SYNCREPL_UUID_LEN])
{
	struct berval	 bv;

	if (syncrepl_string(ber, LBER_OCTETSTRING, &bv) == -1 ||
	    bv.bv_len != SYNCREPL_UUID_LEN)
		return -1;
	memcpy(uuid, bv.bv_val, SYNCREPL_UUID_LEN);
	return 0;
}

int
syncrepl_request_encode(syncrepl_mode_t mode, const syncrepl_cookie_t *cookie,
    int reload_hint, struct berval *out)
{
	BerElement	*ber;
	struct berval	 bv;
	int		 rc = -1;

	out->bv_val = NULL;
	out->bv_len = 0;
	if (mode != SYNCREPL_REFRESH_ONLY &&
	    mode != SYNCREPL_REFRESH_AND_PERSIST)
		return -1;
	if ((ber = ber_alloc_t(LBER_USE_DER)) == NULL)
		return -1;
	if (ber_printf(ber, "{e", (ber_int_t)mode) == -1)
		goto out;
	if (cookie != NULL && cookie->val != NULL) {
		bv.bv_val = cookie->val;
		bv.bv_len = cookie->len;
		if (ber_printf(ber, "O", &bv) == -1)
			goto out;
	}
	if (reload_hint && ber_printf(ber, "b", (ber_int_t)1) == -1)
		goto out;
	if (ber_printf(ber, "}") == -1 || ber_flatten2(ber, out, 1) == -1) {
		out->bv_val = NULL;
		out->bv_len = 0;
		goto out;
	}
	rc = 0;
out:
	ber_free(ber, 1);
	return rc;
}

int
syncrepl_state_decode(const struct berval *value, syncrepl_state_t *st)
{
	BerElement	*ber;
	ber_int_t	 state;
	ber_len_t	 len;

	if (st == NULL)
		return -1;
	memset(st, 0, sizeof(*st));
	if ((ber = syncrepl_open(value)) == NULL)
		return -1;
	if (syncrepl_enter(ber, LBER_SEQUENCE) == -1)
		goto bad;
	if (ber_peek_tag(ber, &len) != LBER_ENUMERATED || len == 0 ||
	    ber_get_enum(ber, &state) != LBER_ENUMERATED ||
	    state < SYNCREPL_PRESENT || state > SYNCREPL_DELETE)
		goto bad;
	st->state = (syncrepl_state_kind_t)state;
	if (syncrepl_uuid(ber, st->uuid) == -1 ||
	    syncrepl_opt_cookie(ber, &st->cookie) == -1 ||
	    syncrepl_left(ber) != 0)
		goto bad;
	ber_free(ber, 1);
	return 0;
bad:
	ber_free(ber, 1);
	syncrepl_state_free(st);
	return -1;
}

void
syncrepl_state_free(syncrepl_state_t *st)
{
	if (st == NULL)
		return;
	syncrepl_cookie_free(&st->cookie);
	memset(st, 0, sizeof(*st));
}

/*
 * Reads syncIdSet's syncUUIDs, the SET OF that fills the rest of ber,
 * into info.  Returns 0, or -1.
 */
static int
syncrepl_uuid_set(BerElement *ber, syncrepl_info_t *info)
{
	size_t	 max;

	if (syncrepl_enter(ber, LBER_SET) == -1)
		return -1;
	/* Every element takes 18 octets or more: room for all of them. */
	if ((max = syncrepl_left(ber) / UUID_ELEMENT_MIN) == 0)
		return syncrepl_left(ber) == 0 ? 0 : -1;
	if ((info->uuids = calloc(max, sizeof(*info->uuids))) == NULL)
		return -1;
	while (syncrepl_left(ber) > 0) {
		if (info->nuuids == max ||
		    syncrepl_uuid(ber, info->uuids[info->nuuids]) == -1)
			return -1;
		info->nuuids++;
	}
	return 0;
}

int
syncrepl_info_decode(const struct berval *value, syncrepl_info_t *info)
{
	BerElement	*ber;
	struct berval	 bv;
	ber_tag_t	 tag;
	ber_len_t	 len;

	if (info == NULL)
		return -1;
	memset(info, 0, sizeof(*info));
	if ((ber = syncrepl_open(value)) == NULL)
		return -1;
	switch ((tag = ber_peek_tag(ber, &len))) {
	case TAG_NEW_COOKIE:
		info->kind = SYNCREPL_NEW_COOKIE;
		if (syncrepl_string(ber, TAG_NEW_COOKIE, &bv) == -1 ||
		    syncrepl_cookie_set(&info->cookie, bv.bv_val,
		    bv.bv_len) == -1)
			goto bad;
		break;
	case TAG_REFRESH_DELETE:
	case TAG_REFRESH_PRESENT:
		info->kind = tag == TAG_REFRESH_DELETE ?
		    SYNCREPL_REFRESH_DELETE : SYNCREPL_REFRESH_PRESENT;
		info->refresh_done = 1;
		if (syncrepl_enter(ber, tag) == -1 ||
		    syncrepl_opt_cookie(ber, &info->cookie) == -1 ||
		    syncrepl_opt_bool(ber, &info->refresh_done) == -1)
			goto bad;
		break;
	case TAG_ID_SET:
		info->kind = SYNCREPL_ID_SET;
		if (syncrepl_enter(ber, tag) == -1 ||
		    syncrepl_opt_cookie(ber, &info->cookie) == -1 ||
		    syncrepl_opt_bool(ber, &info->refresh_deletes) == -1 ||
		    syncrepl_uuid_set(ber, info) == -1)
			goto bad;
		break;
	default:
		goto bad;
	}
	if (syncrepl_left(ber) != 0)
		goto bad;
	ber_free(ber, 1);
	return 0;
bad:
	ber_free(ber, 1);
	syncrepl_info_free(info);
	return -1;
}

void
syncrepl_info_free(syncrepl_info_t *info)
{
	if (info == NULL)
		return;
	syncrepl_cookie_free(&info->cookie);
	free(info->uuids);
	memset(info, 0, sizeof(*info));
}

int
syncrepl_done_decode(const struct berval *value, syncrepl_done_t *done)
{
	BerElement	*ber;

	if (done == NULL)
		return -1;
	memset(done, 0, sizeof(*done));
	if ((ber = syncrepl_open(value)) == NULL)
		return -1;
	if (syncrepl_enter(ber, LBER_SEQUENCE) == -1 ||
	    syncrepl_opt_cookie(ber, &done->cookie) == -1 ||
	    syncrepl_opt_bool(ber, &done->refresh_deletes) == -1 ||
	    syncrepl_left(ber) != 0) {
		ber_free(ber, 1);
		syncrepl_done_free(done);
		return -1;
	}
	ber_free(ber, 1);
	return 0;
}

void
syncrepl_done_free(syncrepl_done_t *done)
{
	if (done == NULL)
		return;
	syncrepl_cookie_free(&done->cookie);
	memset(done, 0, sizeof(*done));
}

int
syncrepl_cookie_copy(syncrepl_cookie_t *dst, const syncrepl_cookie_t *src)
{
	if (dst == src)
		return 0;
	if (src == NULL || src->val == NULL) {
		syncrepl_cookie_free(dst);
		return 0;
	}
	return syncrepl_cookie_set(dst, src->val, src->len);
}

void
syncrepl_cookie_free(syncrepl_cookie_t *c)
{
	if (c == NULL)
		return;
	free(c->val);
	c->val = NULL;
	c->len = 0;
}

void
syncrepl_uuid_format(const unsigned char uuid[SYNCREPL_UUID_LEN],
    char out[SYNCREPL_UUID_TEXT])
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i, o = 0;

	for (i = 0; i < SYNCREPL_UUID_LEN; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[uuid[i] >> 4];
		out[o++] = hex[uuid[i] & 0x0f];
	}
	out[o] = '\0';
}

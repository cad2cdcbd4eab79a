/*
 * syncrepl.h - the values of RFC 4533's controls and messages (LDAP
 * Content Synchronization), BER-coded and decoded with liblber.  Debian
 * ships no ldap_sync.h, so this is the part of it mailswitch needs.  Pure
 * functions: no connection, no state, no logging.  Thread-safe.
 *
 * Cookies and UUIDs are copied out of the BER value: a decoded struct
 * owns its memory and is freed with its own _free function, which zeroes
 * it and is a no-op on a zeroed struct (or NULL).  The decoders take a
 * server's bytes and trust none of them: a value that is not exactly what
 * RFC 4533 says (a wrong tag, a wrong length, an element out of order or
 * left over, truncation) is refused whole.  They accept BER's liberties
 * that DER forbids (a DEFAULT value sent explicitly, long-form lengths).
 */
#ifndef MAILSWITCH_SYNCREPL_H
#define MAILSWITCH_SYNCREPL_H

#include <stddef.h>

#include <lber.h>

#define SYNCREPL_REQUEST_OID	"1.3.6.1.4.1.4203.1.9.1.1"
#define SYNCREPL_STATE_OID	"1.3.6.1.4.1.4203.1.9.1.2"
#define SYNCREPL_DONE_OID	"1.3.6.1.4.1.4203.1.9.1.3"
#define SYNCREPL_INFO_OID	"1.3.6.1.4.1.4203.1.9.1.4"

#define SYNCREPL_UUID_LEN	16
/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" and a NUL */
#define SYNCREPL_UUID_TEXT	37

typedef enum syncrepl_mode {
	SYNCREPL_REFRESH_ONLY = 1,
	SYNCREPL_REFRESH_AND_PERSIST = 3
} syncrepl_mode_t;

/* The state of a searchResultEntry (the Sync State Control). */
typedef enum syncrepl_state_kind {
	SYNCREPL_PRESENT = 0,
	SYNCREPL_ADD = 1,
	SYNCREPL_MODIFY = 2,
	SYNCREPL_DELETE = 3
} syncrepl_state_kind_t;

/*
 * A cookie: len octets at val, or val NULL: none sent (an empty cookie is
 * val != NULL, len 0).  The decoders and syncrepl_cookie_copy() put a NUL
 * after the len octets, not counted in len, so that a text cookie can be
 * logged; a cookie may hold NULs of its own.
 */
typedef struct syncrepl_cookie {
	char	*val;
	size_t	 len;
} syncrepl_cookie_t;

typedef struct syncrepl_state {
	syncrepl_state_kind_t	 state;
	unsigned char		 uuid[SYNCREPL_UUID_LEN];
	syncrepl_cookie_t	 cookie;
} syncrepl_state_t;

/* The Sync Info Message's four choices. */
typedef enum syncrepl_info_kind {
	SYNCREPL_NEW_COOKIE = 0,	/* [0] newcookie */
	SYNCREPL_REFRESH_DELETE = 1,	/* [1] refreshDelete */
	SYNCREPL_REFRESH_PRESENT = 2,	/* [2] refreshPresent */
	SYNCREPL_ID_SET = 3		/* [3] syncIdSet */
} syncrepl_info_kind_t;

/* A Sync Info Message; the fields another kind does not carry are 0. */
typedef struct syncrepl_info {
	syncrepl_info_kind_t	 kind;
	syncrepl_cookie_t	 cookie;	/* any kind may carry one */
	int			 refresh_done;	/* refreshDelete/Present:
						   default TRUE */
	int			 refresh_deletes; /* syncIdSet: default FALSE */
	unsigned char		(*uuids)[SYNCREPL_UUID_LEN]; /* syncIdSet */
	size_t			 nuuids;	/* may be 0 (uuids NULL) */
} syncrepl_info_t;

typedef struct syncrepl_done {
	syncrepl_cookie_t	 cookie;
	int			 refresh_deletes;	/* default FALSE */
} syncrepl_done_t;

/*
 * Encodes the Sync Request Control's value in DER: mode, the cookie when
 * cookie != NULL and cookie->val != NULL, reloadHint TRUE when
 * reload_hint (FALSE, the default, is left out).  Returns 0 with the
 * value in *out (free out->bv_val with ber_memfree()), or -1 with *out
 * zeroed: a mode that is neither, or out of memory.
 */
int	syncrepl_request_encode(syncrepl_mode_t mode,
	    const syncrepl_cookie_t *cookie, int reload_hint,
	    struct berval *out);

/*
 * Decodes a Sync State Control's value (on a searchResultEntry) into *st,
 * which it overwrites without freeing.  Returns 0 (free *st with
 * syncrepl_state_free()), or -1 when it is not a valid one (a state
 * outside 0..3, a UUID that is not 16 octets, trailing garbage,
 * truncation, a NULL or empty value) or memory ran out; *st is then
 * zeroed and holds nothing.
 */
int	syncrepl_state_decode(const struct berval *value, syncrepl_state_t *st);
void	syncrepl_state_free(syncrepl_state_t *st);

/*
 * Decodes a Sync Info Message's value (an intermediate response) into
 * *info, as syncrepl_state_decode() does: 0, or -1 with *info zeroed (an
 * unknown choice among the rest).  Free it with syncrepl_info_free().
 */
int	syncrepl_info_decode(const struct berval *value, syncrepl_info_t *info);
void	syncrepl_info_free(syncrepl_info_t *info);

/*
 * Decodes a Sync Done Control's value (on searchResultDone) into *done,
 * as syncrepl_state_decode() does: 0, or -1 with *done zeroed.  Free it
 * with syncrepl_done_free().
 */
int	syncrepl_done_decode(const struct berval *value, syncrepl_done_t *done);
void	syncrepl_done_free(syncrepl_done_t *done);

/*
 * Copies src into *dst (freeing what *dst held); a NULL src, or one with
 * val NULL, leaves *dst with none.  Returns 0, or -1: no memory (*dst
 * unchanged).
 */
int	syncrepl_cookie_copy(syncrepl_cookie_t *dst,
	    const syncrepl_cookie_t *src);
/* Frees what *c holds and zeroes it; a no-op on a zeroed one or NULL. */
void	syncrepl_cookie_free(syncrepl_cookie_t *c);

/* Writes uuid in the RFC 4122 text form, lower case, as OpenLDAP's
   entryUUID attribute spells it. */
void	syncrepl_uuid_format(const unsigned char uuid[SYNCREPL_UUID_LEN],
	    char out[SYNCREPL_UUID_TEXT]);

#endif /* MAILSWITCH_SYNCREPL_H */

/*
 * flash.c: a one-time message, shown once by the next page that takes it
 * (Flask's flash()).  It travels in a signed browser-session cookie rather
 * than in the session, so the message after logging out needs no session,
 * and showing it costs no write on disk.
 */
#include "config.h"

#include <string.h>

#include "extern.h"

enum sl_err
sl_flash_set(struct sl_req *r, const char *msg)
{
	char	 name[80], val[(FLASH_MAX + 2) / 3 * 4 + 1 + TAG_LEN + 1];
	size_t	 len = strlen(msg), n;

	if (len == 0 || len > FLASH_MAX || !utf8_valid(msg, len)) {
		req_error(r, "flash message empty, too long or not UTF-8");
		return SL_EINTERNAL;
	}
	n = b64url_encode(msg, len, val);
	val[n++] = '.';
	if (!signer_tag(&r->ctx->signer, 0, SIGDOM_FLASH, val, n - 1,
	    val + n)) {
		req_error(r, "cannot sign the flash message");
		return SL_EINTERNAL;
	}
	req_cookie_name(r, "_flash", name, sizeof(name));
	return req_set_cookie(r, name, val, n + TAG_LEN, -1);
}

const char *
sl_flash_take(struct sl_req *r)
{
	char		 name[80], *msg;
	const char	*v, *dot;
	size_t		 len, n;

	if (r->flash_taken)
		return NULL;
	r->flash_taken = 1;
	req_cookie_name(r, "_flash", name, sizeof(name));
	if (req_cookie(r, name, &v, &len) != SL_OK || v == NULL)
		return NULL;
	/* Whatever it holds, it is shown at most once. */
	req_set_cookie(r, name, "", 0, 0);
	if ((dot = memchr(v, '.', len)) == NULL ||
	    (size_t)(v + len - dot - 1) != TAG_LEN ||
	    signer_verify(&r->ctx->signer, SIGDOM_FLASH, v, (size_t)(dot - v),
	    dot + 1, TAG_LEN) < 0 ||
	    (msg = arena_alloc(&r->arena, (size_t)(dot - v) + 1)) == NULL ||
	    !b64url_decode(v, (size_t)(dot - v), msg, (size_t)(dot - v), &n) ||
	    n == 0 || memchr(msg, '\0', n) != NULL || !utf8_valid(msg, n))
		return NULL;
	msg[n] = '\0';
	return msg;
}

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

	if (len == 0 || len > FLASH_MAX || !utf8_valid(msg, len))
		return why_cause(&r->why, SL_EINTERNAL,
		    "flash message empty, too long or not UTF-8");
	/* HEAD changes nothing: no message for a page to come. */
	if (r->method == SL_METHOD_HEAD)
		return SL_OK;
	n = b64url_encode(msg, len, val);
	val[n++] = '.';
	if (signer_tag(&r->ctx->signer, 0, SIGDOM_FLASH, val, n - 1,
	    val + n) != SL_OK)
		return why_cause(&r->why, SL_EINTERNAL,
		    "cannot sign the flash message");
	req_cookie_name(r, "_flash", name, sizeof(name));
	return req_set_cookie(r, name, val, n + TAG_LEN, -1);
}

/* The message a flash cookie value V carries, or NULL when it is not ours. */
static char *
flash_open(struct sl_req *r, const char *v, size_t len)
{
	const char	*dot;
	char		*msg;
	size_t		 n;

	if ((dot = memchr(v, '.', len)) == NULL ||
	    (size_t)(v + len - dot - 1) != TAG_LEN ||
	    signer_verify(&r->ctx->signer, SIGDOM_FLASH, v, (size_t)(dot - v),
	    dot + 1, TAG_LEN, NULL) != SL_OK ||
	    (msg = arena_alloc(&r->arena, (size_t)(dot - v) + 1)) == NULL ||
	    !b64url_decode(v, (size_t)(dot - v), msg, (size_t)(dot - v), &n) ||
	    n == 0 || memchr(msg, '\0', n) != NULL || !utf8_valid(msg, n))
		return NULL;
	msg[n] = '\0';
	return msg;
}

/*
 * The first flash cookie that verifies is the message (one planted for
 * another Path or a parent Domain, or another deployment's, is not).
 * Whatever it holds, it is shown at most once: the answer deletes it,
 * except to HEAD, which changes nothing (RFC 9110 §9.2.1).
 */
const char *
sl_flash_take(struct sl_req *r)
{
	struct cookie	 c;
	const char	*pos = NULL;
	char		 name[80], *msg = NULL;
	int		 seen = 0;

	if (r->flash_taken)
		return NULL;
	r->flash_taken = 1;
	req_cookie_name(r, "_flash", name, sizeof(name));
	while (msg == NULL && req_cookie(r, name, &pos, &c)) {
		seen = 1;
		msg = flash_open(r, c.val, c.vallen);
	}
	if (seen && r->method != SL_METHOD_HEAD)
		req_set_cookie(r, name, "", 0, 0);
	return msg;
}

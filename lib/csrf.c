/*
 * csrf.c: stateless CSRF protection for forms, so that showing the login
 * form to an anonymous visitor writes nothing on disk.
 *
 * The token is NONCE.EXPIRY.TAG: 256 random bits, a Unix time, and an
 * HMAC over both.  It goes in a cookie and in the form; a POST must carry
 * the same valid token in both (a signed double-submit cookie, OWASP's
 * "signed double-submit" pattern): a foreign site can make the browser
 * send the cookie but cannot read it to fill the field.  It can be used
 * again until it expires, so several open tabs keep working.  Origin and
 * Sec-Fetch-Site are checked as well when the browser sends them.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "extern.h"

#define NONCE_LEN	43
#define TOKEN_MAX	(NONCE_LEN + 1 + 20 + 1 + TAG_LEN)

/* Check TOKEN's form, tag and expiry; *EXPIRES is its expiry. */
static int
token_valid(struct sl_req *r, const char *t, size_t len, time_t *expires)
{
	long long	 exp = 0;
	size_t		 i, body;

	if (len > TOKEN_MAX || len < NONCE_LEN + 3 + TAG_LEN ||
	    t[NONCE_LEN] != '.' || !b64url_valid(t, NONCE_LEN))
		return 0;
	body = len - TAG_LEN - 1;
	if (t[body] != '.')
		return 0;
	for (i = NONCE_LEN + 1; i < body; i++) {
		if (t[i] < '0' || t[i] > '9' || i - NONCE_LEN > 18)
			return 0;
		exp = exp * 10 + (t[i] - '0');
	}
	if (signer_verify(&r->ctx->signer, SIGDOM_CSRF, t, body,
	    t + body + 1, TAG_LEN) < 0)
		return 0;
	*expires = (time_t)exp;
	return *expires > r->now;
}

const char *
sl_csrf_token(struct sl_req *r)
{
	unsigned char	 raw[32];
	char		 name[80], tok[TOKEN_MAX + 1];
	const char	*v;
	size_t		 len;
	time_t		 exp;
	int		 n;

	if (r->csrf_token != NULL)
		return r->csrf_token;
	req_cookie_name(r, "_csrf", name, sizeof(name));
	/* Keep the browser's token while it has more than half its life. */
	if (req_cookie(r, name, &v, &len) == SL_OK && v != NULL &&
	    token_valid(r, v, len, &exp) && exp - r->now > CSRF_LIFETIME / 2)
		return r->csrf_token = arena_strndup(&r->arena, v, len);
	random_bytes(raw, sizeof(raw));
	b64url_encode(raw, sizeof(raw), tok);
	n = snprintf(tok + NONCE_LEN, sizeof(tok) - NONCE_LEN, ".%lld",
	    (long long)r->now + CSRF_LIFETIME);
	len = NONCE_LEN + (size_t)n;
	tok[len++] = '.';
	if (!signer_tag(&r->ctx->signer, 0, SIGDOM_CSRF, tok, len - 1,
	    tok + len))
		return NULL;
	len += TAG_LEN;
	if (req_set_cookie(r, name, tok, len, CSRF_LIFETIME) != SL_OK)
		return NULL;
	return r->csrf_token = arena_strndup(&r->arena, tok, len);
}

/* Origin (RFC 6454) must name this host, with https when we are on TLS. */
static int
origin_ok(struct sl_req *r)
{
	const char	*o = r->origin, *rest;
	size_t		 len;

	if (o == NULL)
		return 1;
	if (strncasecmp(o, "https://", 8) == 0)
		rest = o + 8;
	else if (strncasecmp(o, "http://", 7) == 0 && !r->https)
		rest = o + 7;
	else
		return 0;	/* "null", another scheme, or http on TLS */
	if (r->host != NULL)
		return strcasecmp(rest, r->host) == 0;
	/* No Host (HTTP/1.0): compare the host part with SERVER_NAME. */
	len = strcspn(rest, ":");
	return r->server_name != NULL && strlen(r->server_name) == len &&
	    strncasecmp(rest, r->server_name, len) == 0;
}

enum sl_err
sl_csrf_check(struct sl_req *r)
{
	const struct sl_pair	*p;
	const char		*fv, *cv;
	char			 name[80];
	size_t			 n, flen, clen;
	time_t			 exp;
	enum sl_err		 e;

	if ((e = sl_req_form(r, &p, &n)) != SL_OK)
		return e;
	/* Fetch Metadata: a browser tells us where the request came from. */
	if (r->fetch_site != NULL && strcmp(r->fetch_site, "same-origin") != 0 &&
	    strcmp(r->fetch_site, "none") != 0) {
		req_error(r, "The form was sent from another site.");
		return SL_EFORBIDDEN;
	}
	if (!origin_ok(r)) {
		req_error(r, "The form was sent from another origin.");
		return SL_EFORBIDDEN;
	}
	if (sl_pairs_get(p, n, "csrf_token", &fv, &flen) != 1) {
		req_error(r, "The form has no security token. "
		    "Please reload it and try again.");
		return SL_EFORBIDDEN;
	}
	req_cookie_name(r, "_csrf", name, sizeof(name));
	if (req_cookie(r, name, &cv, &clen) != SL_OK || cv == NULL) {
		req_error(r, "The form's security cookie is missing: "
		    "cookies must be enabled to log in.");
		return SL_EFORBIDDEN;
	}
	if (flen != clen || !ct_equal(fv, cv, flen) ||
	    !token_valid(r, fv, flen, &exp)) {
		req_error(r, "The form has expired or was not sent from this "
		    "site. Please try again.");
		return SL_EFORBIDDEN;
	}
	return SL_OK;
}

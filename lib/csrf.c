/*
 * csrf.c: stateless CSRF protection for forms, so that showing the login
 * form to an anonymous visitor writes nothing on disk.
 *
 * The token is NONCE.EXPIRY.TAG: 256 random bits, a Unix time, and an
 * HMAC over both.  It goes in a cookie and in the form; a POST must carry
 * a valid token in the field equal to one of the CSRF cookies it sends
 * (a signed double-submit cookie, OWASP's "signed double-submit"
 * pattern): a foreign site can make the browser send the cookie but
 * cannot read it to fill the field.  Origin and Sec-Fetch-Site are
 * checked as well when the browser sends them.
 *
 * Tabs: a valid token is kept while it has CSRF_LIFETIME left to live
 * (its cookie lives as long as it does), so a form always has that long.
 * When it is replaced, the cookie carries the new token and the one it
 * replaces, joined by '~' (a cookie-octet no token holds), so a form
 * shown before in another tab stays good for its whole life: a second
 * tab never breaks the first.  Several CSRF cookies (an old one at
 * another Path, another deployment's, one planted from a sibling host)
 * are each tried: none blocks a login.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "extern.h"

#define NONCE_LEN	43
#define TOKEN_MAX	(NONCE_LEN + 1 + 20 + 1 + TAG_LEN)

enum	tokstate {
	TOK_BAD = 0,	/* not a token of ours */
	TOK_EXPIRED,	/* ours, and expired */
	TOK_VALID
};

/* Check TOKEN's form, tag and expiry; *EXPIRES is its expiry. */
static enum tokstate
token_check(struct sl_req *r, const char *t, size_t len, time_t *expires)
{
	long long	 exp = 0;
	size_t		 i, body;

	if (len > TOKEN_MAX || len < NONCE_LEN + 3 + TAG_LEN ||
	    t[NONCE_LEN] != '.' || !b64url_valid(t, NONCE_LEN))
		return TOK_BAD;
	body = len - TAG_LEN - 1;
	if (t[body] != '.')
		return TOK_BAD;
	for (i = NONCE_LEN + 1; i < body; i++) {
		if (t[i] < '0' || t[i] > '9' || i - NONCE_LEN > 18)
			return TOK_BAD;
		exp = exp * 10 + (t[i] - '0');
	}
	if (signer_verify(&r->ctx->signer, SIGDOM_CSRF, t, body,
	    t + body + 1, TAG_LEN, NULL) != SL_OK)
		return TOK_BAD;
	*expires = (time_t)exp;
	return *expires > r->now ? TOK_VALID : TOK_EXPIRED;
}

/* The tokens the request's CSRF cookies carry, one or two a cookie. */
struct	tokens {
	char		 name[80];
	const char	*pos;		/* in the Cookie header */
	const char	*p, *end;	/* in the value of a cookie */
};

static void
tokens_start(struct sl_req *r, struct tokens *k)
{
	req_cookie_name(r, "_csrf", k->name, sizeof(k->name));
	k->pos = k->p = k->end = NULL;
}

static int
tokens_next(struct sl_req *r, struct tokens *k, const char **t, size_t *len)
{
	struct cookie	 c;
	const char	*sep;

	while (k->p == NULL || k->p >= k->end) {
		if (!req_cookie(r, k->name, &k->pos, &c))
			return 0;
		k->p = c.val;
		k->end = c.val + c.vallen;
	}
	if ((sep = memchr(k->p, '~', (size_t)(k->end - k->p))) == NULL)
		sep = k->end;
	*t = k->p;
	*len = (size_t)(sep - k->p);
	k->p = sep < k->end ? sep + 1 : k->end;
	return 1;
}

/* The first valid token the CSRF cookies carry with LEFT seconds to live. */
static int
token_cookie(struct sl_req *r, time_t left, const char **v, size_t *len)
{
	struct tokens	 k;
	time_t		 exp;

	tokens_start(r, &k);
	while (tokens_next(r, &k, v, len))
		if (token_check(r, *v, *len, &exp) == TOK_VALID &&
		    exp - r->now >= left)
			return 1;
	return 0;
}

const char *
sl_csrf_token(struct sl_req *r)
{
	unsigned char	 raw[32];
	char		 name[80], tok[2 * TOKEN_MAX + 2];
	const char	*v;
	size_t		 len, vlen;
	int		 n;

	if (r->csrf_token != NULL)
		return r->csrf_token;
	if (token_cookie(r, CSRF_LIFETIME, &v, &len))
		return r->csrf_token = arena_strndup(&r->arena, v, len);
	random_bytes(raw, sizeof(raw));
	b64url_encode(raw, sizeof(raw), tok);
	n = snprintf(tok + NONCE_LEN, sizeof(tok) - NONCE_LEN, ".%lld",
	    (long long)r->now + CSRF_TOKEN_LIFE);
	len = NONCE_LEN + (size_t)n;
	tok[len++] = '.';
	if (signer_tag(&r->ctx->signer, 0, SIGDOM_CSRF, tok, len - 1,
	    tok + len) != SL_OK)
		return NULL;
	len += TAG_LEN;
	if ((r->csrf_token = arena_strndup(&r->arena, tok, len)) == NULL)
		return NULL;
	/* The token replaced, still good for the forms already shown. */
	if (token_cookie(r, 1, &v, &vlen) && len + 1 + vlen < sizeof(tok)) {
		tok[len++] = '~';
		memcpy(tok + len, v, vlen);
		len += vlen;
	}
	req_cookie_name(r, "_csrf", name, sizeof(name));
	if (req_set_cookie(r, name, tok, len, CSRF_TOKEN_LIFE) != SL_OK)
		return NULL;
	return r->csrf_token;
}

/*
 * Is Origin (RFC 6454) one of TRUSTED_ORIGINS?  Both are compared in
 * their normalized form (origin_normalize()).
 */
static int
origin_trusted(const struct sl_req *r, const char *o)
{
	const struct config	*c = &r->ctx->cfg;
	size_t			 i;

	for (i = 0; i < c->ntrusted_origins; i++)
		if (strcmp(o, c->trusted_origins[i]) == 0)
			return 1;
	return 0;
}

static int
trusted_sender(const struct sl_req *r)
{
	char	 got[ORIGIN_MAX];

	return r->origin != NULL &&
	    origin_normalize(r->origin, strlen(r->origin), got, sizeof(got)) &&
	    origin_trusted(r, got);
}

/*
 * Origin must be the request's own origin: https when HTTPS=on or
 * SESSION_COOKIE_SECURE=true (a proxy that ends TLS speaks http to us,
 * the browser https to it), the Host as sent, default ports dropped on
 * both sides ("example.com:443" is "example.com" over https); or one of
 * TRUSTED_ORIGINS, for proxies that rewrite Host.  No Origin: a browser
 * too old to send it, or not a browser; the token still protects.
 */
static int
origin_ok(const struct sl_req *r)
{
	char		 got[ORIGIN_MAX], own[ORIGIN_MAX], want[ORIGIN_MAX];
	const char	*scheme, *host;
	size_t		 len;
	int		 n;

	if (r->origin == NULL)
		return 1;
	if (!origin_normalize(r->origin, strlen(r->origin), got, sizeof(got)))
		return 0;	/* "null", or no origin at all */
	if (origin_trusted(r, got))
		return 1;
	scheme = r->https || r->ctx->cfg.secure == 1 ? "https" : "http";
	if ((host = r->host) != NULL) {
		n = snprintf(own, sizeof(own), "%s://%s", scheme, host);
		return n > 0 && (size_t)n < sizeof(own) &&
		    origin_normalize(own, (size_t)n, want, sizeof(want)) &&
		    strcmp(got, want) == 0;
	}
	/* No Host (HTTP/1.0): compare the host part with SERVER_NAME. */
	if (r->server_name == NULL ||
	    strncmp(got, scheme, strlen(scheme)) != 0 ||
	    strncmp(got + strlen(scheme), "://", 3) != 0)
		return 0;
	host = got + strlen(scheme) + 3;
	len = strcspn(host, ":");
	return strlen(r->server_name) == len &&
	    strncasecmp(host, r->server_name, len) == 0;
}

enum sl_err
sl_csrf_check(struct sl_req *r)
{
	const struct sl_pair	*p;
	struct tokens		 k;
	const char		*fv, *cv;
	size_t			 n, flen, clen;
	time_t			 exp;
	enum sl_err		 e;
	int			 seen = 0;

	if ((e = sl_req_form(r, &p, &n)) != SL_OK)
		return e;
	/*
	 * Fetch Metadata: a browser tells us where the request came from.
	 * Unlike a logout link (sl_req_same_site()), a form posted from a
	 * sibling host ("same-site") is refused: a sibling can also plant
	 * cookies, so only an origin in TRUSTED_ORIGINS may post from
	 * anywhere but here.
	 */
	if (r->fetch_site != NULL && strcmp(r->fetch_site, "same-origin") != 0 &&
	    strcmp(r->fetch_site, "none") != 0 && !trusted_sender(r))
		return why_msg(&r->why, SL_EFORBIDDEN,
		    "The form was sent from another site.");
	if (!origin_ok(r))
		return why_msg(&r->why, SL_EFORBIDDEN,
		    "The form was sent from another origin.");
	if (sl_pairs_get(p, n, "csrf_token", &fv, &flen) != 1)
		return why_msg(&r->why, SL_EFORBIDDEN, "The form has no "
		    "security token. Please reload it and try again.");
	switch (token_check(r, fv, flen, &exp)) {
	case TOK_BAD:
		return why_msg(&r->why, SL_EFORBIDDEN, "The form has expired "
		    "or was not sent from this site. Please try again.");
	case TOK_EXPIRED:
		return why_msg(&r->why, SL_EFORBIDDEN,
		    "The form has expired. Please try again.");
	case TOK_VALID:
		break;
	}
	tokens_start(r, &k);
	while (tokens_next(r, &k, &cv, &clen)) {
		seen = 1;
		if (clen == flen && ct_equal(cv, fv, flen))
			return SL_OK;
	}
	/* The cookie lives as long as the token: a valid token without
	 * one comes from a browser that keeps no cookies. */
	if (!seen)
		return why_msg(&r->why, SL_EFORBIDDEN, "The form's security "
		    "cookie is missing: cookies must be enabled to log in.");
	return why_msg(&r->why, SL_EFORBIDDEN, "The form has expired or was "
	    "not sent from this site. Please try again.");
}

/*
 * t_session: the limits of a session, as the library's user meets them.
 * Whatever sl_session_set() accepts is saved, and whatever is saved the
 * next request reads back (store_parse() refuses a file past the limits
 * as corrupt, which would log the visitor out): so the writer enforces
 * every limit the reader does, with SL_ETOOLARGE, and changes nothing
 * when it refuses.  And a rotation of the id keeps the session's user
 * and creation time.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extern.h"
#include "../memio.h"
#include "tap.h"

static char	 dirbuf[256], tmplbuf[512], cookiebuf[300];
static char	*env[] = {
	"REQUEST_METHOD=POST",
	"SECRET_KEY=0123456789abcdef0123456789abcdef",
	dirbuf,
	tmplbuf,
	NULL,	/* HTTP_COOKIE= */
	NULL,
};

/* The session cookie the last answer set, as HTTP_COOKIE=session=ID.TAG. */
static int
take_cookie(struct sl_ctx *ctx)
{
	const char	*p, *end;

	if (memio_out(ctx)->p == NULL ||
	    (p = strstr(memio_out(ctx)->p, "Set-Cookie: session=")) == NULL ||
	    (end = strchr(p, ';')) == NULL)
		return 0;
	p += strlen("Set-Cookie: ");
	snprintf(cookiebuf, sizeof(cookiebuf), "HTTP_COOKIE=%.*s",
	    (int)(end - p), p);
	env[4] = cookiebuf;
	return 1;
}

/* Keys k0 ... k(N-1), each with VALLEN bytes C of value. */
static enum sl_err
fill(struct sl_req *r, size_t n, size_t vallen, char c, size_t *set)
{
	char		 key[16], *val;
	enum sl_err	 e = SL_OK;

	if ((val = malloc(vallen + 1)) == NULL)
		abort();
	memset(val, c, vallen);
	for (*set = 0; *set < n; (*set)++) {
		snprintf(key, sizeof(key), "k%zu", *set);
		if ((e = sl_session_set(r, key, val, vallen)) != SL_OK)
			break;
	}
	free(val);
	return e;
}

/* A new request: how many of keys k0… it reads back, each of VALLEN. */
static size_t
read_back(struct sl_ctx *ctx, size_t vallen)
{
	struct sl_req	*r;
	char		 key[16];
	size_t		 n, len;

	env[0] = "REQUEST_METHOD=GET";
	if ((r = memio_request(ctx, env, "", 0)) == NULL)
		return 0;
	for (n = 0;; n++) {
		snprintf(key, sizeof(key), "k%zu", n);
		if (sl_session_get(r, key, &len) == NULL || len != vallen)
			break;
	}
	sl_redirect(r, "");
	sl_finish(r);
	env[0] = "REQUEST_METHOD=POST";
	return n;
}

static void
limit(struct sl_ctx *ctx, const char *what, size_t keys, size_t vallen,
    char c, size_t want)
{
	struct sl_req	*r;
	size_t		 set;
	enum sl_err	 e;

	env[4] = NULL;
	r = memio_request(ctx, env, "", 0);
	e = fill(r, keys, vallen, c, &set);
	ok(e == SL_ETOOLARGE && set == want, "%s: refused past %zu keys "
	    "with SL_ETOOLARGE (got %s after %zu)", what, want,
	    sl_strerror(e), set);
	sl_redirect(r, "");
	sl_finish(r);
	ok(take_cookie(ctx), "%s: what was accepted is saved", what);
	ok(read_back(ctx, vallen) == want, "%s: the next request reads back "
	    "all %zu keys", what, want);
}

/*
 * A login a while ago (its request's clock set back, within the first
 * lifetime a login's session has before its first use), then a request that
 * rotates the id: the session under the new id keeps its user and the
 * creation time of the login, so that SESSION_ABSOLUTE_LIFETIME counts
 * from the login however often the id rotates.
 */
static void
regenerate_keeps_created(struct sl_ctx *ctx)
{
	struct sl_req	*r;
	const char	*u;
	time_t		 then;
	size_t		 len = 0;

	env[4] = NULL;
	r = memio_request(ctx, env, "", 0);
	then = r->now - 300;
	r->now = then;
	ok(sl_session_set_user(r, "zoe", 3) == SL_OK &&
	    r->sess.data.created == then, "a login sets the creation time");
	sl_redirect(r, "");
	sl_finish(r);
	ok(take_cookie(ctx), "the login's session is saved");

	r = memio_request(ctx, env, "", 0);
	ok(sl_session_regenerate(r) == SL_OK, "the id rotates");
	sl_redirect(r, "");
	sl_finish(r);
	ok(take_cookie(ctx), "the new id is sent");

	env[0] = "REQUEST_METHOD=GET";
	r = memio_request(ctx, env, "", 0);
	u = sl_session_user(r, &len);
	ok(u != NULL && len == 3 && memcmp(u, "zoe", 3) == 0,
	    "the new id's session keeps its user");
	ok(r->sess.data.created == then, "and the login's creation time, "
	    "%lld seconds ago (got %lld)", (long long)(r->now - then),
	    (long long)(r->now - r->sess.data.created));
	sl_redirect(r, "");
	sl_finish(r);
	env[0] = "REQUEST_METHOD=POST";
}

int
main(void)
{
	struct sl_ctx	*ctx;
	char		 tmpl[] = "/tmp/sessile-sess-XXXXXX", *dir, cmd[64];

	if ((dir = memio_scratch(tmpl, dirbuf, sizeof(dirbuf), tmplbuf,
	    sizeof(tmplbuf))) == NULL)
		return 1;
	if ((ctx = ctx_new("t_session", env)) == NULL)
		return 1;
	ok(ctx->cfgerr == SL_OK, "the configuration is accepted");

	/* 1024 keys (store_parse's limit), well within 16 KiB. */
	limit(ctx, "many small keys", SESSION_MAX_KEYS + 5, 1, 'v',
	    SESSION_MAX_KEYS);
	/* 16 KiB of keys and values: k0..k9 are 2 bytes, k10.. 3. */
	limit(ctx, "large values", 40, 1000, 'v', 16);
	/* Values that take three bytes each in the file ('%XX'). */
	limit(ctx, "values escaped on disk", 40, 2000, '\n', 8);
	regenerate_keeps_created(ctx);

	sl_free(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return done();
}

/*
 * lifecycle.c: the top of the library.  The per-process context (made
 * once: configuration, key, store, templates) and each request's life:
 * accepted, checked, handed to the program's view, finished.  Everything
 * here calls down (response, session, request, store, the I/O table);
 * nothing below calls back up.  See README in this directory.
 *
 * A request is made from the environment the I/O gives (libfcgi's, or a
 * test's), every variable copied into the request's arena (request.c):
 * libfcgi frees the environment at FCGI_Finish(), and nothing of one
 * request may survive into the next.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extern.h"

/* How many times a request's view is run again when its session changed
 * under it (replay()). */
#define REPLAY_MAX	16

extern char	**environ;

static void	 req_free(struct sl_req *);

/*
 * A configuration that cannot serve is logged here, once per process,
 * naming the variable: for FastCGI before the first accept, so that the
 * operator sees it when the worker starts (DESIGN: Errors and limits).
 * Every request is then answered 500 by req_usable() without another
 * line: plain CGI, where every request starts the program, still logs
 * one line per request.
 */
struct sl_ctx *
ctx_new(const char *name, char *const *envp)
{
	struct sl_ctx	*ctx;
	struct why	*w, tried;

	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return NULL;
	snprintf(ctx->name, sizeof(ctx->name), "%s", name);
	ctx->io = &io_fcgi;
	w = &ctx->cfgwhy;
	if (crypto_init(w) != SL_OK ||
	    config_load(&ctx->cfg, envp, w) != SL_OK ||
	    signer_init(&ctx->signer, &ctx->cfg, w) != SL_OK) {
		ctx->cfgerr = SL_ECONFIG;
		log_line(ctx->name, "configuration refused, every request "
		    "gets 500: %s", w->cause);
		return ctx;
	}
	if ((ctx->store = store_new(ctx->name, &ctx->cfg, &ctx->signer)) ==
	    NULL) {
		sl_free(ctx);
		return NULL;
	}
	/* Read the templates every page needs before the first request;
	 * one that fails is tried again, and logged, when it is needed. */
	tmpl_get(ctx, "layout.html", NULL, &tried);
	tmpl_get(ctx, "error.html", NULL, &tried);
	return ctx;
}

/*
 * Where requests come from and answers go: IO with its argument ARG,
 * which the context frees with IO's free() (if any) when it is freed or
 * given another.  Not exported: the tests' and fuzzers' in-memory I/O.
 */
void
ctx_io(struct sl_ctx *ctx, const struct io *io, void *arg)
{
	if (ctx->io != NULL && ctx->io->free != NULL && ctx->ioarg != arg)
		ctx->io->free(ctx->ioarg);
	ctx->io = io;
	ctx->ioarg = arg;
}

/*
 * SESSILE_WORKERS applies to FastCGI on a listening socket only; plain
 * CGI is one process per request whatever it says.  The configuration
 * is read, and a refusal logged, before any worker is forked.  A socket
 * handed over the way systemd hands one (LISTEN_FDS) is put where libfcgi
 * finds it first.
 */
struct sl_ctx *
sl_init(const char *name)
{
	struct sl_ctx	*ctx;

	workers_listen_fds(name);
	if ((ctx = ctx_new(name, environ)) == NULL)
		return NULL;
	if (ctx->cfgerr == SL_OK && !workers_run(ctx)) {
		/* The supervisor, told to stop: its workers have ended. */
		sl_free(ctx);
		exit(0);
	}
	return ctx;
}

void
sl_free(struct sl_ctx *ctx)
{
	if (ctx == NULL)
		return;
	log_flush();
	store_free(ctx->store);
	signer_free(&ctx->signer);
	config_free(&ctx->cfg);
	tmpl_cache_free(ctx);
	if (ctx->spare != NULL)
		req_free(ctx->spare);
	buf_free(&ctx->out);
	buf_free(&ctx->page);
	buf_free(&ctx->content);
	buf_free(&ctx->fixed);
	ctx_io(ctx, NULL, NULL);
	free(ctx);
}

/*
 * A request whose session changed under it (SL_ECONFLICT: the Redis
 * store checks a version where the file store holds a lock) has sent
 * nothing: its view is run again from a fresh read of the session, after
 * a pause of a random few milliseconds that grows with each try, so that
 * requests racing on one session do not meet again in step.  Each
 * conflict means another request's write went through, so the racers
 * always make progress; REPLAY_MAX bounds one request's tries.  What the
 * view made of the request (its variables, its form) is kept; what it
 * made of the session and its answer is forgotten.
 */
static int
replay(struct sl_req *r)
{
	struct sl_ctx	*ctx = r->ctx;
	struct timespec	 ts;
	unsigned char	 dice;
	int		 span;

	if (!r->conflict || r->replays >= REPLAY_MAX)
		return 0;
	r->replays++;
	session_reset(r);
	r->conflict = 0;
	r->responded = 0;
	r->flash_taken = 0;
	r->gc = 0;
	r->csrf_token = NULL;
	buf_reset(&r->cookies);
	buf_reset(&r->deletions);
	buf_reset(&ctx->content);
	buf_reset(&ctx->page);
	buf_reset(&ctx->out);
	why_clear(&r->why);
	random_nonce(&dice, 1);
	span = 1 << (r->replays < 5 ? r->replays : 5);	/* up to 32 ms */
	ts.tv_sec = 0;
	ts.tv_nsec = (long)(dice % span) * 1000000L + 100000L;
	nanosleep(&ts, NULL);
	return 1;
}

/*
 * The whole life of a program: every request handed to VIEW, the same
 * loop for plain CGI (one request) and FastCGI (many).  A request whose
 * session changed under it is handed to VIEW again (replay()).
 */
int
sl_serve(const char *name, void (*view)(struct sl_req *))
{
	struct sl_ctx	*ctx;
	struct sl_req	*r;

	if ((ctx = sl_init(name)) == NULL)
		return 1;
	while ((r = sl_accept(ctx)) != NULL) {
		do
			view(r);
		while (replay(r));
		sl_finish(r);
	}
	sl_free(ctx);
	return 0;
}

static void
req_free(struct sl_req *r)
{
	arena_free(&r->arena);
	buf_free(&r->cookies);
	buf_free(&r->deletions);
	free(r);
}

/*
 * A request from the context's spare one when there is one: the arena's
 * first block and the cookie buffers are kept from the request before, so
 * that a request allocates nothing that a reused buffer serves.
 */
static struct sl_req *
req_get(struct sl_ctx *ctx)
{
	struct sl_req	*r;
	struct arena	 a;
	struct buf	 c, d;

	if ((r = ctx->spare) == NULL)
		return calloc(1, sizeof(*r));
	ctx->spare = NULL;
	a = r->arena;
	c = r->cookies;
	d = r->deletions;
	memset(r, 0, sizeof(*r));
	r->arena = a;
	r->cookies = c;
	r->deletions = d;
	return r;
}

/*
 * The end of a request: what it left in the buffers kept for the next one
 * (its variables, its cookies, its page and answer) is cleared, here and
 * only here, and the request is kept as the spare.
 */
static void
req_put(struct sl_req *r)
{
	struct sl_ctx	*ctx = r->ctx;

	arena_reset(&r->arena);
	buf_wipe(&r->cookies);
	buf_wipe(&r->deletions);
	buf_wipe(&ctx->content);
	buf_wipe(&ctx->page);
	buf_wipe(&ctx->out);
	if (ctx->spare == NULL)
		ctx->spare = r;
	else
		req_free(r);
}

static struct sl_req *
req_new(struct sl_ctx *ctx, char *const *envp)
{
	struct sl_req	*r;

	if ((r = req_get(ctx)) == NULL)
		return NULL;
	r->ctx = ctx;
	store_request(ctx->store);	/* a request begins */
	r->now = time(NULL);
	req_vars(r, envp);
	return r;
}

/* Answer without a request structure: we are out of memory. */
static void
answer_oom(struct sl_ctx *ctx)
{
	static const char	 msg[] = "Status: 503 Service Unavailable\r\n"
	    "Content-Type: text/plain\r\n\r\nOut of memory.\n";

	log_line(ctx->name, "503: out of memory");
	ctx->io->write(ctx->ioarg, msg, sizeof(msg) - 1);
}

/* Check what every request needs, or answer it here. */
static int
req_usable(struct sl_req *r)
{
	const char	*px = r->ctx->cfg.cookie_prefix;

	if (r->ctx->cfgerr != SL_OK) {
		/* ctx_new() logged the cause: not once more per request. */
		resp_refuse(r, SL_ECONFIG);
		return 0;
	}
	/*
	 * RFC 6265bis §4.1.3: a browser drops a __Secure- or __Host- cookie
	 * set without Secure.  With SESSION_COOKIE_SECURE unset, Secure
	 * follows HTTPS, and a request without it could set no cookie (a
	 * login would end in the form's 403): a configuration error of
	 * this request, named as such (DESIGN: Sessions).
	 */
	if (px != NULL && !req_secure(r)) {
		why_cause(&r->why, SL_ECONFIG, "SESSION_COOKIE_NAME: a %s "
		    "cookie needs HTTPS: set HTTPS=on at the server, or "
		    "SESSION_COOKIE_SECURE=true behind a TLS proxy", px);
		sl_fail(r, SL_ECONFIG, NULL);
		return 0;
	}
	if (r->nomethod) {
		sl_fail(r, SL_EBADREQ, "The request has no method.");
		return 0;
	}
	return 1;
}

/*
 * A request made from ENVP, checked: NULL when it was answered here (out
 * of memory, a configuration that cannot serve, no method).  sl_accept()
 * takes each of its requests through here; so does an in-memory I/O.
 */
struct sl_req *
req_accept(struct sl_ctx *ctx, char *const *envp)
{
	struct sl_req	*r;

	if ((r = req_new(ctx, envp)) == NULL) {
		answer_oom(ctx);
		return NULL;
	}
	if (req_usable(r))
		return r;
	sl_finish(r);
	return NULL;
}

struct sl_req *
sl_accept(struct sl_ctx *ctx)
{
	struct sl_req	*r;
	char *const	*envp;

	for (;;) {
		log_tick(ctx->name);
		if ((envp = ctx->io->accept(ctx->ioarg)) == NULL)
			return NULL;
		if ((r = req_accept(ctx, envp)) != NULL)
			return r;
	}
}

void
sl_finish(struct sl_req *r)
{
	struct sl_ctx	*ctx;

	if (r == NULL)
		return;
	ctx = r->ctx;
	if (r->conflict) {
		/* Lost the race REPLAY_MAX times, or no sl_serve() loop to
		 * run the view again: 503, one line. */
		r->conflict = 0;
		r->responded = 0;
		buf_reset(&r->cookies);
		buf_reset(&r->deletions);
		why_cause(&r->why, SL_ECONFLICT, "the session was changed "
		    "by other requests between this one's read and its "
		    "write, %d times: nothing written", r->replays + 1);
		sl_fail(r, SL_ECONFLICT, NULL);
	}
	/* sl_fail() logs it: one line. */
	if (!r->responded)
		sl_fail(r, SL_EINTERNAL, "the program sent no answer");
	session_release(r);
	ctx->io->finish(ctx->ioarg, req_unread(r));
	/* Clean up after the answer has gone out, not before. */
	if (r->gc)
		store_gc(ctx->store, r->now, 16);
	req_put(r);
}

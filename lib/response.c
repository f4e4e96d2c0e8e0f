/*
 * response.c: the one place that turns a page, a redirect or a status into
 * an HTTP answer.  The whole answer (headers and body) is built in one
 * buffer and written with one call.  Every header comes from a table, and
 * every value is checked for CR and LF before it is sent.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extern.h"

static const char *const http_lines[SL_HTTP__MAX] = {
	"200 OK",			/* SL_HTTP_200 */
	"303 See Other",		/* SL_HTTP_303 */
	"400 Bad Request",		/* SL_HTTP_400 */
	"403 Forbidden",		/* SL_HTTP_403 */
	"404 Not Found",		/* SL_HTTP_404 */
	"405 Method Not Allowed",	/* SL_HTTP_405 */
	"413 Content Too Large",	/* SL_HTTP_413 */
	"415 Unsupported Media Type",	/* SL_HTTP_415 */
	"500 Internal Server Error",	/* SL_HTTP_500 */
	"503 Service Unavailable",	/* SL_HTTP_503 */
};

/* What each failure becomes, and what the user is told by default. */
static const struct {
	enum sl_http	 http;
	const char	*name;
	const char	*msg;
} errs[SL_ERR__MAX] = {
	{ SL_HTTP_200, "ok", "" },
	{ SL_HTTP_400, "bad request", "The request was malformed." },
	{ SL_HTTP_400, "bad cookie", "Your session cookie is not valid. "
	    "It has been removed: please try again." },
	{ SL_HTTP_403, "forbidden", "The form was not sent from this site, "
	    "or has expired. Please try again." },
	{ SL_HTTP_405, "method not allowed", "This method is not allowed "
	    "here." },
	{ SL_HTTP_413, "too large", "The request is too large." },
	{ SL_HTTP_415, "unsupported media type", "This kind of request body "
	    "is not accepted." },
	{ SL_HTTP_500, "configuration", "The server is not configured "
	    "correctly." },
	{ SL_HTTP_500, "template", "The server could not build the page." },
	{ SL_HTTP_500, "session store", "The server could not keep your "
	    "session." },
	{ SL_HTTP_500, "internal", "The server failed." },
	{ SL_HTTP_503, "store full", "The server cannot keep more sessions "
	    "right now. Please try again later." },
	{ SL_HTTP_503, "store unavailable", "The server cannot reach its "
	    "sessions right now. Please try again in a minute." },
	{ SL_HTTP_503, "conflict", "Your session was changed by other "
	    "requests while this one ran. Please try again." },
};

enum	hdr {
	HDR_STATUS = 0,
	HDR_CONTENT_TYPE,
	HDR_CONTENT_LENGTH,
	HDR_LOCATION,
	HDR_ALLOW,
	HDR_RETRY_AFTER,
	HDR_CACHE_CONTROL,
	HDR_VARY,
	HDR_NOSNIFF,
	HDR_CSP,
	HDR_FRAME_OPTIONS,
	HDR_REFERRER_POLICY,
	HDR_ACCEPT_RANGES,
	HDR__MAX
};

static const char *const hdrs[HDR__MAX] = {
	"Status",			/* HDR_STATUS */
	"Content-Type",			/* HDR_CONTENT_TYPE */
	"Content-Length",		/* HDR_CONTENT_LENGTH */
	"Location",			/* HDR_LOCATION */
	"Allow",			/* HDR_ALLOW */
	"Retry-After",			/* HDR_RETRY_AFTER */
	"Cache-Control",		/* HDR_CACHE_CONTROL */
	"Vary",				/* HDR_VARY */
	"X-Content-Type-Options",	/* HDR_NOSNIFF */
	"Content-Security-Policy",	/* HDR_CSP */
	"X-Frame-Options",		/* HDR_FRAME_OPTIONS */
	"Referrer-Policy",		/* HDR_REFERRER_POLICY */
	"Accept-Ranges",		/* HDR_ACCEPT_RANGES */
};

/* Without a stylesheet (it failed to load) no style may be inlined. */
/*
 * Seconds a 503 asks a client to wait (RFC 9110 §10.2.3): long enough for
 * a disk to come back or sessile-gc to free room, short enough that a
 * person retrying by hand is not told to go away.
 */
#define RETRY_AFTER	"30"

#define CSP_BASE	"default-src 'none'; img-src 'self'; " \
			"form-action 'self'; frame-ancestors 'none'; " \
			"base-uri 'none'"

enum sl_http
sl_err_status(enum sl_err e)
{
	return e < SL_ERR__MAX ? errs[e].http : SL_HTTP_500;
}

int
sl_err_is_input(enum sl_err e)
{
	return e != SL_OK && sl_err_status(e) < SL_HTTP_500;
}

const char *
sl_strerror(enum sl_err e)
{
	return e < SL_ERR__MAX ? errs[e].name : "unknown";
}

static int
header(struct buf *b, enum hdr h, const char *v)
{
	const unsigned char	*p;

	/* RFC 9110 §5.5: no CR, LF or NUL in a field value. */
	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p < 0x20 && *p != '\t')
			return 0;
	buf_adds(b, hdrs[h]);
	buf_adds(b, ": ");
	buf_adds(b, v);
	buf_adds(b, "\r\n");
	return 1;
}

/*
 * The headers every answer ends with, checked and joined once per process
 * (and again when the stylesheet, and with it the CSP, is first loaded).
 * NULL when one holds a control character: only a value of ours could.
 *
 * Accept-Ranges: none, as each page is made for its request: a part of
 * one cannot be joined with a part of the next (RFC 9110 §14.3).  lighttpd
 * would otherwise cut a 206 out of any whole answer a program gives it.
 */
static const struct buf *
fixed_headers(struct sl_ctx *ctx)
{
	const char	*csp = ctx->csp != NULL ? ctx->csp : CSP_BASE;
	struct buf	*b = &ctx->fixed;

	if (b->len > 0 && ctx->fixed_csp == csp)
		return b;
	buf_reset(b);
	ctx->fixed_csp = csp;
	if (!header(b, HDR_CACHE_CONTROL, "no-store") ||
	    !header(b, HDR_VARY, "Cookie") ||
	    !header(b, HDR_NOSNIFF, "nosniff") ||
	    !header(b, HDR_CSP, csp) ||
	    !header(b, HDR_FRAME_OPTIONS, "DENY") ||
	    !header(b, HDR_REFERRER_POLICY, "same-origin") ||
	    !header(b, HDR_ACCEPT_RANGES, "none") || b->oom) {
		buf_reset(b);
		return NULL;
	}
	return b;
}

/*
 * Send the answer: headers, queued cookies, and the body unless the
 * method is HEAD.  COMMIT saves the session first; when that fails the
 * answer becomes the store's error instead.
 */
static enum sl_err
respond(struct sl_req *r, enum sl_http http, const char *location,
    const char *allow, const char *body, size_t bodylen, int commit)
{
	struct sl_ctx	*ctx = r->ctx;
	struct buf	*b = &ctx->out;
	const struct buf *fixed;
	enum sl_err	 e;
	char		 num[24];

	if (r->responded) {
		if (!r->conflict)
			log_line(ctx->name, "a second answer to one request "
			    "dropped");
		return SL_EINTERNAL;
	}
	if (commit && (e = session_commit(r)) != SL_OK) {
		/* Nothing was saved: the cookies queued for the answer that
		 * was meant (a flash saying "You are logged in.") must not
		 * go out with the error. */
		buf_reset(&r->cookies);
		if (e != SL_ECONFLICT)
			return sl_fail(r, e, NULL);
		/* Another request wrote the session after this one read
		 * it: nothing is sent, and the view may run again on a
		 * fresh read (sl_serve()), or sl_finish() answers 503.
		 * Whatever the view tries to send meanwhile is dropped. */
		r->conflict = 1;
		r->responded = 1;
		return e;
	}
	r->responded = 1;
	buf_reset(b);
	snprintf(num, sizeof(num), "%zu", bodylen);
	if ((fixed = fixed_headers(ctx)) == NULL ||
	    !header(b, HDR_STATUS, http_lines[http]) ||
	    !header(b, HDR_CONTENT_TYPE, "text/html; charset=utf-8") ||
	    !header(b, HDR_CONTENT_LENGTH, num) ||
	    (location != NULL && !header(b, HDR_LOCATION, location)) ||
	    (allow != NULL && !header(b, HDR_ALLOW, allow)) ||
	    (http == SL_HTTP_503 &&
	    !header(b, HDR_RETRY_AFTER, RETRY_AFTER))) {
		/* Only a value of ours can get here: never send it. */
		log_line(ctx->name, "500: a header value holds a control "
		    "character");
		buf_reset(b);
		buf_adds(b, "Status: 500 Internal Server Error\r\n"
		    "Content-Type: text/plain\r\n\r\n");
		body = "Internal Server Error\n";
		bodylen = strlen(body);
	} else {
		buf_add(b, fixed->p, fixed->len);
		buf_add(b, r->cookies.p, r->cookies.len);
		buf_add(b, r->deletions.p, r->deletions.len);
	}
	buf_adds(b, "\r\n");
	if (r->method != SL_METHOD_HEAD)
		buf_add(b, body, bodylen);
	if (b->oom) {
		log_line(ctx->name, "503: out of memory");
		buf_reset(b);
		buf_adds(b, "Status: 503 Service Unavailable\r\n"
		    "Retry-After: " RETRY_AFTER "\r\n"
		    "Content-Type: text/plain\r\n\r\nOut of memory.\n");
	}
	req_write(r, b->p, b->len);
	return SL_OK;
}

/*
 * Render TMPL inside the layout.  The variable "root" is always given.
 * Returns SL_OK with the page in OUT, or SL_ETEMPLATE (logged).
 */
static enum sl_err
render(struct sl_req *r, const char *tmpl, const char *title,
    const struct sl_var *vars, size_t nvars, struct buf *out)
{
	struct sl_ctx		*ctx = r->ctx;
	const struct tmpl	*page, *layout;
	struct sl_var		*all, lv[4];
	struct buf		*content = &ctx->content;
	struct why		 why;
	enum sl_err		 e;

	if ((e = tmpl_get(ctx, tmpl, &page, &why)) != SL_OK ||
	    (e = tmpl_get(ctx, "layout.html", &layout, &why)) != SL_OK)
		return why_cause(&r->why, e, "template: %s", why.cause);
	if ((all = arena_alloc(&r->arena, (nvars + 1) * sizeof(*all))) ==
	    NULL)
		return why_cause(&r->why, SL_EINTERNAL, "out of memory");
	if (nvars > 0)
		memcpy(all, vars, nvars * sizeof(*all));
	all[nvars].name = "root";
	all[nvars].val = ctx->cfg.root;
	all[nvars].len = strlen(ctx->cfg.root);
	buf_reset(content);
	if (tmpl_render(page, all, nvars + 1, content, &why) != SL_OK)
		return why_cause(&r->why, SL_ETEMPLATE, "template: %s/%s: %s",
		    tmpl_dir(ctx), tmpl, why.cause);
	lv[0].name = "title";
	lv[0].val = title;
	lv[0].len = strlen(title);
	lv[1].name = "content";
	lv[1].val = content->p == NULL ? "" : content->p;
	lv[1].len = content->len;
	lv[2].name = "root";
	lv[2].val = ctx->cfg.root;
	lv[2].len = strlen(ctx->cfg.root);
	lv[3].name = "stylesheet";
	lv[3].val = ctx->css;
	lv[3].len = ctx->csslen;
	if (tmpl_render(layout, lv, 4, out, &why) != SL_OK)
		return why_cause(&r->why, SL_ETEMPLATE,
		    "template: %s/layout.html: %s", tmpl_dir(ctx), why.cause);
	return SL_OK;
}

enum sl_err
sl_page(struct sl_req *r, enum sl_http http, const char *tmpl,
    const char *title, const struct sl_var *vars, size_t nvars)
{
	struct buf	*body = &r->ctx->page;
	enum sl_err	 e;

	/*
	 * The page is rendered into the context's buffers, kept from one
	 * request to the next (and wiped between them: req_put).  A failure
	 * here renders the error page into them again, which is safe:
	 * nothing here reads them after sl_fail.
	 */
	if (http >= SL_HTTP__MAX)
		http = SL_HTTP_500;
	buf_reset(body);
	if ((e = render(r, tmpl, title, vars, nvars, body)) != SL_OK)
		return sl_fail(r, e, NULL);
	return respond(r, http, NULL, NULL, body->p, body->len, 1);
}

enum sl_err
sl_redirect(struct sl_req *r, const char *path)
{
	struct buf	*loc = &r->ctx->content, *body = &r->ctx->page;

	while (*path == '/')
		path++;
	buf_reset(loc);
	buf_reset(body);
	buf_adds(loc, r->ctx->cfg.root);
	buf_adds(loc, path);
	buf_adds(body, "<!DOCTYPE html>\n<title>See Other</title>\n"
	    "<p><a href=\"");
	html_escape(body, loc->p, loc->len);
	buf_adds(body, "\">Continue</a></p>\n");
	if (loc->oom || body->oom)
		return sl_fail(r, SL_EINTERNAL, "out of memory");
	/* respond() reads both before anything renders into them again: a
	 * failed commit answers with an error page and uses neither. */
	return respond(r, SL_HTTP_303, loc->p, NULL, body->p, body->len, 1);
}

/*
 * The error page for E.  A fault of the server (5xx) logs its cause, once,
 * when LOG: MSG, else the cause the request's why holds, else the
 * status's default, and shows the visitor only the default; bad input
 * (4xx) shows MSG, else the why's message for the visitor, else the
 * default.
 */
static enum sl_err
fail(struct sl_req *r, enum sl_err e, const char *msg, int log)
{
	struct sl_var	 vars[2];
	struct buf	 body;
	enum sl_http	 http;
	const char	*shown;

	if (r->responded)
		return e;
	if (e == SL_OK || e >= SL_ERR__MAX)
		e = SL_EINTERNAL;
	http = errs[e].http;
	if (http >= SL_HTTP_500) {
		if (msg == NULL)
			msg = r->why.cause[0] != '\0' ? r->why.cause :
			    errs[e].msg;
		if (log)
			log_line(r->ctx->name, "%s: %s", http_lines[http], msg);
		shown = errs[e].msg;
	} else if (msg != NULL)
		shown = msg;
	else
		shown = r->why.msg[0] != '\0' ? r->why.msg : errs[e].msg;
	vars[0].name = "status";
	vars[0].val = http_lines[http];
	vars[0].len = strlen(vars[0].val);
	vars[1].name = "message";
	vars[1].val = shown;
	vars[1].len = strlen(shown);
	memset(&body, 0, sizeof(body));
	if (render(r, "error.html", http_lines[http], vars, SL_NVARS(vars),
	    &body) != SL_OK) {
		/* No template (its cause in the why): a plain page still
		 * says what happened. */
		if (http < SL_HTTP_500)
			log_line(r->ctx->name, "%s", r->why.cause);
		buf_reset(&body);
		buf_adds(&body, "<!DOCTYPE html>\n<title>");
		buf_adds(&body, http_lines[http]);
		buf_adds(&body, "</title>\n<h1>");
		buf_adds(&body, http_lines[http]);
		buf_adds(&body, "</h1>\n<p>");
		html_escape(&body, shown, strlen(shown));
		buf_adds(&body, "</p>\n");
	}
	respond(r, http, NULL, e == SL_EMETHOD ? "GET, HEAD" : NULL,
	    body.p, body.len, 0);
	buf_free(&body);
	return e;
}

enum sl_err
sl_fail(struct sl_req *r, enum sl_err e, const char *msg)
{
	return fail(r, e, msg, 1);
}

/* The error page for E, whose cause is logged already (ctx_new()). */
enum sl_err
resp_refuse(struct sl_req *r, enum sl_err e)
{
	return fail(r, e, NULL, 0);
}

enum sl_err
sl_method_not_allowed(struct sl_req *r, const char *allow)
{
	struct sl_var	 vars[2];
	struct buf	 body;
	enum sl_err	 e;

	vars[0].name = "status";
	vars[0].val = http_lines[SL_HTTP_405];
	vars[0].len = strlen(vars[0].val);
	vars[1].name = "message";
	vars[1].val = errs[SL_EMETHOD].msg;
	vars[1].len = strlen(vars[1].val);
	memset(&body, 0, sizeof(body));
	if ((e = render(r, "error.html", http_lines[SL_HTTP_405], vars,
	    SL_NVARS(vars), &body)) != SL_OK) {
		buf_free(&body);
		return sl_fail(r, e, NULL);
	}
	e = respond(r, SL_HTTP_405, NULL, allow, body.p, body.len, 0);
	buf_free(&body);
	return e == SL_OK ? SL_EMETHOD : e;
}

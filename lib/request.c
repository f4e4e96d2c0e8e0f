/*
 * request.c: one face over CGI and FastCGI.  libfcgi's FCGI_Accept() serves
 * both: with a listening socket on fd 0 it loops over FastCGI requests,
 * otherwise it returns the one CGI request and then -1.  This is the only
 * file that includes fcgi_stdio.h, and so the only one that reads the body
 * or writes the answer.
 *
 * Every request variable is copied into the request's arena when it is
 * accepted: libfcgi frees the environment at FCGI_Finish(), and nothing of
 * one request may survive into the next.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <poll.h>
#include <unistd.h>

#include <fcgi_stdio.h>
#include <fcgiapp.h>

#include "extern.h"

#define DRAIN_MAX	(1024 * 1024)	/* bytes of an unread body dropped */
#define DRAIN_SECONDS	2

extern char	**environ;

static void	 req_free(struct sl_req *);
static long long content_length(const char *, size_t);

static const char *const methods[SL_METHOD__MAX] = {
	"GET",		/* SL_METHOD_GET */
	"HEAD",		/* SL_METHOD_HEAD */
	"POST",		/* SL_METHOD_POST */
	NULL,		/* SL_METHOD_OTHER */
};

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
	struct why	 why;

	if ((ctx = calloc(1, sizeof(*ctx))) == NULL)
		return NULL;
	snprintf(ctx->name, sizeof(ctx->name), "%s", name);
	why_clear(&why);
	if (!crypto_init(ctx->cfgmsg, sizeof(ctx->cfgmsg)) ||
	    config_load(&ctx->cfg, envp, &why) != SL_OK ||
	    !signer_init(&ctx->signer, &ctx->cfg, ctx->cfgmsg,
	    sizeof(ctx->cfgmsg))) {
		if (why.cause[0] != '\0')
			snprintf(ctx->cfgmsg, sizeof(ctx->cfgmsg), "%.*s",
			    (int)sizeof(ctx->cfgmsg) - 1, why.cause);
		ctx->cfgerr = SL_ECONFIG;
		log_line(ctx->name, "configuration refused, every request "
		    "gets 500: %s", ctx->cfgmsg);
		return ctx;
	}
	store_init(&ctx->store, ctx->name, ctx->cfg.session_dir,
	    ctx->cfg.file_mode);
	ctx->store.reserve = ctx->cfg.file_reserve;
	/* Read the templates every page needs before the first request;
	 * one that fails is tried again, and logged, when it is needed. */
	tmpl_get(ctx, "layout.html", NULL, &why);
	tmpl_get(ctx, "error.html", NULL, &why);
	return ctx;
}

/*
 * SESSILE_WORKERS applies to FastCGI on a listening socket only; plain
 * CGI is one process per request whatever it says.  The configuration
 * is read, and a refusal logged, before any worker is forked.
 */
struct sl_ctx *
sl_init(const char *name)
{
	struct sl_ctx	*ctx;

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
	store_close(&ctx->store);
	signer_free(&ctx->signer);
	config_free(&ctx->cfg);
	tmpl_cache_free(ctx);
	if (ctx->spare != NULL)
		req_free(ctx->spare);
	buf_free(&ctx->out);
	buf_free(&ctx->page);
	buf_free(&ctx->content);
	buf_free(&ctx->fixed);
	buf_free(&ctx->memout);
	free(ctx);
}

/* The request variables the library reads, found in one pass. */
enum	reqvar {
	RV_METHOD,
	RV_HTTPS,
	RV_CONTENT_TYPE,
	RV_CONTENT_LENGTH,
	RV_QUERY,
	RV_COOKIE,
	RV_HOST,
	RV_SERVER_NAME,
	RV_ORIGIN,
	RV_FETCH_SITE,
	RV__MAX
};

static const struct {
	const char	*name;
	size_t		 len;
} reqvars[RV__MAX] = {
#define RV(s)	{ s, sizeof(s) - 1 }
	RV("REQUEST_METHOD"),		/* RV_METHOD */
	RV("HTTPS"),			/* RV_HTTPS */
	RV("CONTENT_TYPE"),		/* RV_CONTENT_TYPE */
	RV("CONTENT_LENGTH"),		/* RV_CONTENT_LENGTH */
	RV("QUERY_STRING"),		/* RV_QUERY */
	RV("HTTP_COOKIE"),		/* RV_COOKIE */
	RV("HTTP_HOST"),		/* RV_HOST */
	RV("SERVER_NAME"),		/* RV_SERVER_NAME */
	RV("HTTP_ORIGIN"),		/* RV_ORIGIN */
	RV("HTTP_SEC_FETCH_SITE"),	/* RV_FETCH_SITE */
#undef RV
};

/*
 * One pass over the environment for every variable in reqvars: a FastCGI
 * request carries a few dozen, and looking each one up in turn was the
 * largest cost of accepting a request.  The first definition wins, as
 * with getenv(3).
 */
static void
env_scan(char *const *envp, const char *v[RV__MAX])
{
	const char	*eq;
	size_t		 i, n;

	memset(v, 0, RV__MAX * sizeof(*v));
	for (; envp != NULL && *envp != NULL; envp++) {
		if ((eq = strchr(*envp, '=')) == NULL)
			continue;
		n = (size_t)(eq - *envp);
		for (i = 0; i < RV__MAX; i++)
			if (reqvars[i].len == n && v[i] == NULL &&
			    memcmp(*envp, reqvars[i].name, n) == 0) {
				v[i] = eq + 1;
				break;
			}
	}
}

static const char *
copy_var(struct sl_req *r, const char *v)
{
	return v == NULL ? NULL : arena_strndup(&r->arena, v, strlen(v));
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
	const char	*v[RV__MAX];
	size_t		 i;

	if ((r = req_get(ctx)) == NULL)
		return NULL;
	env_scan(envp, v);
	r->ctx = ctx;
	ctx->store.recheck = 1;	/* store_open(): is the directory the same? */
	r->now = time(NULL);
	r->method = SL_METHOD_OTHER;
	if (v[RV_METHOD] != NULL)
		for (i = 0; i < SL_METHOD_OTHER; i++)
			if (strcmp(v[RV_METHOD], methods[i]) == 0)
				r->method = (enum sl_method)i;
	r->nomethod = v[RV_METHOD] == NULL || *v[RV_METHOD] == '\0';
	if (v[RV_HTTPS] != NULL && (strcasecmp(v[RV_HTTPS], "on") == 0 ||
	    strcmp(v[RV_HTTPS], "1") == 0))
		r->https = 1;
	r->content_type = copy_var(r, v[RV_CONTENT_TYPE]);
	r->content_length = copy_var(r, v[RV_CONTENT_LENGTH]);
	r->query = copy_var(r, v[RV_QUERY]);
	r->cookie = copy_var(r, v[RV_COOKIE]);
	r->host = copy_var(r, v[RV_HOST]);
	r->server_name = copy_var(r, v[RV_SERVER_NAME]);
	r->origin = copy_var(r, v[RV_ORIGIN]);
	r->fetch_site = copy_var(r, v[RV_FETCH_SITE]);
	return r;
}

/* Answer without a request structure: we are out of memory. */
static void
answer_oom(struct sl_ctx *ctx)
{
	static const char	 msg[] = "Status: 503 Service Unavailable\r\n"
	    "Content-Type: text/plain\r\n\r\nOut of memory.\n";

	log_line(ctx->name, "503: out of memory");
	if (ctx->memory)
		buf_add(&ctx->memout, msg, sizeof(msg) - 1);
	else
		FCGI_fwrite((void *)msg, 1, sizeof(msg) - 1, FCGI_stdout);
}

/* Check what every request needs, or answer it here. */
static int
req_usable(struct sl_req *r)
{
	const char	*px = r->ctx->cfg.cookie_prefix;

	if (r->ctx->cfgerr != SL_OK) {
		/* ctx_new() logged the cause: not once more per request. */
		r->logged = 1;
		sl_fail(r, SL_ECONFIG, NULL);
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
		req_error(r, "SESSION_COOKIE_NAME: a %s cookie needs HTTPS: "
		    "set HTTPS=on at the server, or SESSION_COOKIE_SECURE=true "
		    "behind a TLS proxy", px);
		sl_fail(r, SL_ECONFIG, NULL);
		return 0;
	}
	if (r->nomethod) {
		sl_fail(r, SL_EBADREQ, "The request has no method.");
		return 0;
	}
	return 1;
}

struct sl_req *
sl_accept(struct sl_ctx *ctx)
{
	struct sl_req	*r;

	for (;;) {
		log_tick(ctx->name);
		if (ctx->memory || FCGI_Accept() < 0)
			return NULL;
		if ((r = req_new(ctx, environ)) == NULL) {
			answer_oom(ctx);
			continue;
		}
		if (req_usable(r))
			return r;
		sl_finish(r);
	}
}

/*
 * A request made in memory from ENVP and BODY: the answer is kept in the
 * context (memout).  For tests and fuzzing: the same code as the programs.
 */
struct sl_req *
req_memory(struct sl_ctx *ctx, char *const *envp, const char *body,
    size_t len)
{
	struct sl_req	*r;

	ctx->memory = 1;
	buf_reset(&ctx->memout);
	if ((r = req_new(ctx, envp)) == NULL) {
		answer_oom(ctx);
		return NULL;
	}
	r->mem_body = body;
	r->mem_len = len;
	if (!req_usable(r)) {
		sl_finish(r);
		return NULL;
	}
	return r;
}

/*
 * Plain CGI only: after the answer, read and drop what is left of a body
 * the program did not read (a 413, a 405, a logout with a form).  Apache's
 * mod_cgid resets the connection, losing the answer, when a CGI program
 * exits before taking its input.  Bounded in bytes and in time, so an
 * endless or stalled body costs at most that.
 *
 * RFC 3875 §4.2: never past CONTENT_LENGTH, even here; what follows is
 * not the program's (some servers hand it the client's socket).  Only a
 * body without CONTENT_LENGTH (chunked, under mod_cgi) is read to its
 * end; a CONTENT_LENGTH that is not a number does not say where the body
 * ends, so nothing is read.
 */
static void
drain_cgi(struct sl_req *r)
{
	struct pollfd	 pfd;
	char		 buf[16 * 1024];
	size_t		 left;
	ssize_t		 n;
	time_t		 end = time(NULL) + DRAIN_SECONDS;
	long long	 cl;

	if (r->body_eof || !FCGX_IsCGI())
		return;
	if (r->content_length != NULL && *r->content_length != '\0') {
		if ((cl = content_length(r->content_length, DRAIN_MAX)) <= 0 ||
		    (size_t)cl <= r->body_got)
			return;
		left = (size_t)cl - r->body_got;
	} else if (r->content_type != NULL)
		left = DRAIN_MAX;
	else
		return;
	if (left > DRAIN_MAX)
		left = DRAIN_MAX;
	FCGI_fflush(FCGI_stdout);
	pfd.fd = STDIN_FILENO;
	pfd.events = POLLIN;
	while (left > 0 && time(NULL) <= end) {
		if (poll(&pfd, 1, 250) <= 0)
			break;
		if ((n = read(STDIN_FILENO, buf, left < sizeof(buf) ? left :
		    sizeof(buf))) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		left -= (size_t)n;
	}
}

void
sl_finish(struct sl_req *r)
{
	struct sl_ctx	*ctx;

	if (r == NULL)
		return;
	ctx = r->ctx;
	/* sl_fail() logs it: one line. */
	if (!r->responded)
		sl_fail(r, SL_EINTERNAL, "the program sent no answer");
	session_release(r);
	if (!ctx->memory) {
		drain_cgi(r);
		FCGI_Finish();
	}
	/* Clean up after the answer has gone out, not before. */
	if (r->gc)
		store_gc(&ctx->store, r->now, 16);
	req_put(r);
}

/*
 * Plain CGI: up to LEN bytes from fd 0 with read(2), never asking for
 * more.  libfcgi's FCGI_stdin is stdio's stdin in CGI mode, and stdio
 * reads ahead (4 KiB and more): past CONTENT_LENGTH, which RFC 3875 §4.2
 * forbids, and on a socket or a pipe those bytes are lost to whoever
 * reads next.
 */
static size_t
read_cgi(void *p, size_t len)
{
	char	*b = p;
	size_t	 got = 0;
	ssize_t	 n;

	while (got < len) {
		if ((n = read(STDIN_FILENO, b + got, len - got)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/*
 * Read up to LEN bytes of the body: fewer only at its end.  Under
 * FastCGI the record layer bounds the body, and libfcgi's stream reads
 * no further.
 */
size_t
req_read(struct sl_req *r, void *p, size_t len)
{
	size_t	 n;

	if (r->ctx->memory) {
		n = r->mem_len - r->mem_off;
		if (n > len)
			n = len;
		memcpy(p, r->mem_body + r->mem_off, n);
		r->mem_off += n;
		return n;
	}
	n = FCGX_IsCGI() ? read_cgi(p, len) : FCGI_fread(p, 1, len,
	    FCGI_stdin);
	r->body_got += n;
	return n;
}

void
req_write(struct sl_req *r, const void *p, size_t len)
{
	if (r->ctx->memory)
		buf_add(&r->ctx->memout, p, len);
	else
		FCGI_fwrite((void *)p, 1, len, FCGI_stdout);
}

/* Remember why the request failed, for the page and the log line. */
void
req_error(struct sl_req *r, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(r->errmsg, sizeof(r->errmsg), fmt, ap);
	va_end(ap);
}

const char *
sl_errmsg(const struct sl_req *r)
{
	return r->errmsg;
}

enum sl_method
sl_req_method(const struct sl_req *r)
{
	return r->method;
}

const char *
sl_req_root(const struct sl_req *r)
{
	return r->ctx->cfg.root;
}

/*
 * Fetch Metadata (W3C): the browser says where a request comes from.
 * Without the header (an older browser, or not a browser) it is taken
 * as coming from here, as Origin is.
 */
int
sl_req_same_site(const struct sl_req *r)
{
	const char	*f = r->fetch_site;

	return f == NULL || strcmp(f, "none") == 0 ||
	    strcmp(f, "same-origin") == 0 || strcmp(f, "same-site") == 0;
}

int
req_secure(const struct sl_req *r)
{
	return r->ctx->cfg.secure == -1 ? r->https : r->ctx->cfg.secure;
}

/*
 * CONTENT_LENGTH, strictly: decimal digits only.  Returns -1 when it is
 * not a number; a number past LIMIT comes back as LIMIT + 1.
 */
static long long
content_length(const char *v, size_t limit)
{
	long long	 n = 0;

	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '9')
			return -1;
		if (n <= (long long)limit)
			n = n * 10 + (*v - '0');
	}
	return n > (long long)limit ? (long long)limit + 1 : n;
}

/*
 * The media type must be application/x-www-form-urlencoded, with no
 * charset but UTF-8 (WHATWG URL §5.1 decodes as UTF-8).
 */
static int
urlencoded(const char *ct)
{
	static const char	 type[] = "application/x-www-form-urlencoded";
	const char		*p;

	if (strncasecmp(ct, type, sizeof(type) - 1) != 0)
		return 0;
	p = ct + sizeof(type) - 1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return 1;
	if (*p++ != ';')
		return 0;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, "charset=", 8) != 0)
		return *p == '\0';
	p += 8;
	if (*p == '"')
		p++;
	if (strncasecmp(p, "utf-8", 5) != 0)
		return 0;
	p += 5;
	return *p == '\0' || *p == '"' || *p == ';' || *p == ' ';
}

/*
 * Read the body: exactly CONTENT_LENGTH bytes and never more (RFC 3875
 * §4.2: what follows is not the program's), refusing before reading when
 * it is over MAX_CONTENT_LENGTH.  Without CONTENT_LENGTH (a chunked
 * request through some servers) read to the end, with the same limit.
 */
static enum sl_err
read_body(struct sl_req *r, char **body, size_t *len)
{
	size_t		 max = r->ctx->cfg.max_content_length, want, got;
	long long	 cl = -2;

	*body = NULL;
	*len = 0;
	if (r->content_length != NULL && *r->content_length != '\0' &&
	    (cl = content_length(r->content_length, max)) == -1) {
		req_error(r, "The Content-Length is not a number.");
		return SL_EBADREQ;
	}
	if (cl > (long long)max) {
		req_error(r, "The form is larger than %zu bytes.", max);
		return SL_ETOOLARGE;
	}
	if (cl == 0 || (cl == -2 && r->content_type == NULL))
		return SL_OK;
	if (r->content_type == NULL || !urlencoded(r->content_type)) {
		req_error(r, "Only application/x-www-form-urlencoded forms "
		    "(in UTF-8) are accepted.");
		return SL_EMEDIA;
	}
	want = cl < 0 ? max + 1 : (size_t)cl;
	if ((*body = arena_alloc(&r->arena, want + 1)) == NULL) {
		req_error(r, "out of memory reading the body");
		return SL_EINTERNAL;
	}
	got = req_read(r, *body, want);
	if (cl < 0 && got > max) {
		req_error(r, "The form is larger than %zu bytes.", max);
		return SL_ETOOLARGE;
	}
	/* All of it, or all there was: nothing is left to drain. */
	r->body_eof = 1;
	if (cl >= 0 && got < want) {
		req_error(r, "The body is shorter than its Content-Length.");
		return SL_EBADREQ;
	}
	(*body)[got] = '\0';
	*len = got;
	return SL_OK;
}

static enum sl_err
decode(struct sl_req *r, const char *in, size_t len, struct sl_pair **p,
    size_t *n)
{
	unsigned int	 flags;

	if (!form_decode(&r->arena, in, len, p, n, &flags)) {
		req_error(r, "out of memory decoding the form");
		return SL_EINTERNAL;
	}
	if (flags & FORM_BADPCT) {
		req_error(r, "The form has malformed percent-encoding.");
		return SL_EBADREQ;
	}
	if (flags & FORM_NUL) {
		req_error(r, "The form contains a NUL byte.");
		return SL_EBADREQ;
	}
	if (flags & FORM_BADUTF8) {
		req_error(r, "The form is not valid UTF-8.");
		return SL_EBADREQ;
	}
	return SL_OK;
}

enum sl_err
sl_req_form(struct sl_req *r, const struct sl_pair **pairs, size_t *n)
{
	char	*body;
	size_t	 len;

	if (!r->form_done) {
		r->form_done = 1;
		r->form_err = r->method != SL_METHOD_POST ? SL_OK :
		    read_body(r, &body, &len);
		if (r->form_err == SL_OK && r->method == SL_METHOD_POST)
			r->form_err = decode(r, body == NULL ? "" : body, len,
			    &r->form, &r->nform);
	}
	if (pairs != NULL)
		*pairs = r->form;
	if (n != NULL)
		*n = r->nform;
	return r->form_err;
}

enum sl_err
sl_req_query(struct sl_req *r, const struct sl_pair **pairs, size_t *n)
{
	const char	*q = r->query == NULL ? "" : r->query;

	if (!r->query_done) {
		r->query_done = 1;
		r->query_err = decode(r, q, strlen(q), &r->qry, &r->nqry);
	}
	if (pairs != NULL)
		*pairs = r->qry;
	if (n != NULL)
		*n = r->nqry;
	return r->query_err;
}

/*
 * The next cookie NAME of the request after *POS (NULL: from the
 * start), into C; 0 when there are no more.  A name may come several
 * times, set for another Path, planted from a sibling host for a parent
 * Domain, or by another deployment on the host: the caller tells its
 * own by what verifies.
 */
int
req_cookie(struct sl_req *r, const char *name, const char **pos,
    struct cookie *c)
{
	if (r->cookie == NULL)
		return 0;
	if (*pos == NULL)
		*pos = r->cookie;
	return cookie_find(pos, r->cookie + strlen(r->cookie), name, c);
}

/* The name of a companion cookie: SESSION_COOKIE_NAME and SUFFIX. */
void
req_cookie_name(struct sl_req *r, const char *suffix, char *out,
    size_t len)
{
	snprintf(out, len, "%s%s", r->ctx->cfg.cookie_name, suffix);
}

static void
cookie_opts(struct sl_req *r, struct cookie_opts *o)
{
	const struct config	*c = &r->ctx->cfg;

	o->domain = c->cookie_domain;
	o->path = c->cookie_path;
	o->secure = req_secure(r);
	o->httponly = c->httponly;
	o->samesite = c->samesite;
}

/* Queue a Set-Cookie with the configured attributes (see cookie_emit()). */
enum sl_err
req_set_cookie(struct sl_req *r, const char *name, const char *val,
    size_t len, long long maxage)
{
	struct cookie_opts	 o;

	cookie_opts(r, &o);
	/*
	 * Deletions go after the other cookies: curl (7.88) keeps a deleted
	 * cookie in its jar when a later Set-Cookie of the same answer sets
	 * another one.  Browsers do not care about the order.
	 */
	if (!cookie_emit(maxage == 0 ? &r->deletions : &r->cookies, name,
	    val, len, &o, r->now, maxage)) {
		req_error(r, "cannot emit cookie %s", name);
		return SL_EINTERNAL;
	}
	return SL_OK;
}

/*
 * The host part of HTTP_HOST, lowercase, into OUT; 0 when there is none
 * or it is an IP address (which has no parent domain, RFC 6265 §5.1.3).
 */
static int
host_name(const struct sl_req *r, char *out, size_t outlen)
{
	const char	*h = r->host;
	size_t		 i, len;
	int		 alpha = 0;

	if (h == NULL || *h == '[')
		return 0;
	len = strcspn(h, ":");
	if (len == 0 || len >= outlen)
		return 0;
	for (i = 0; i < len; i++) {
		out[i] = (char)((h[i] >= 'A' && h[i] <= 'Z') ? h[i] | 0x20 :
		    h[i]);
		if (!((out[i] >= 'a' && out[i] <= 'z') ||
		    (out[i] >= '0' && out[i] <= '9') || out[i] == '-' ||
		    out[i] == '.'))
			return 0;
		alpha |= out[i] >= 'a' && out[i] <= 'z';
	}
	out[len] = '\0';
	return alpha && out[0] != '.' && out[len - 1] != '.' &&
	    strstr(out, "..") == NULL;
}

/*
 * Delete cookie NAME wherever an answer can reach it with the configured
 * Path: host-only, and for the Host's every parent domain of two labels
 * or more (where a sibling host can plant one, RFC 6265 §8.6).  With
 * KEEP_OWN, the configured place itself is left alone: the answer sets a
 * new cookie there.
 */
enum sl_err
req_purge_cookie(struct sl_req *r, const char *name, int keep_own)
{
	struct cookie_opts	 o;
	const char		*own = r->ctx->cfg.cookie_domain, *d;
	char			 host[256];

	cookie_opts(r, &o);
	o.domain = NULL;
	if ((own != NULL || !keep_own) &&
	    !cookie_emit(&r->deletions, name, "", 0, &o, r->now, 0))
		goto fail;
	/* RFC 6265bis §4.1.3.2: a "__Host-" cookie never has a Domain. */
	if (strncasecmp(name, "__Host-", 7) == 0 ||
	    !host_name(r, host, sizeof(host)))
		return SL_OK;
	for (d = host; d != NULL; d = strchr(d + 1, '.')) {
		if (*d == '.')
			d++;
		if (strchr(d, '.') == NULL)
			break;	/* a single label: a top-level domain */
		if (keep_own && own != NULL && strcasecmp(own, d) == 0)
			continue;
		o.domain = d;
		if (!cookie_emit(&r->deletions, name, "", 0, &o, r->now, 0))
			goto fail;
	}
	return SL_OK;
fail:
	req_error(r, "cannot emit cookie %s", name);
	return SL_EINTERNAL;
}

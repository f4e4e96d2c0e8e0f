/*
 * request.c: the request itself, whichever way it came: its CGI
 * variables (RFC 3875 §4.1), its body, its form and query decoded, its
 * cookies in and the Set-Cookie lines queued for its answer.  It calls
 * only down (form, cookie, crypto, util) and through the context's I/O
 * table (io.c, or a test's) for the body and the answer; the life of a
 * request (accept, finish) is lifecycle.c's.
 *
 * Every request variable is copied into the request's arena when it is
 * made: libfcgi frees the environment at FCGI_Finish(), and nothing of
 * one request may survive into the next.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extern.h"

#define DRAIN_MAX	(1024 * 1024)	/* bytes of an unread body dropped */

static long long content_length(const char *, size_t);

static const char *const methods[SL_METHOD__MAX] = {
	"GET",		/* SL_METHOD_GET */
	"HEAD",		/* SL_METHOD_HEAD */
	"POST",		/* SL_METHOD_POST */
	NULL,		/* SL_METHOD_OTHER */
};

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

/* The request's variables, from the environment ENVP. */
void
req_vars(struct sl_req *r, char *const *envp)
{
	const char	*v[RV__MAX];
	size_t		 i;

	env_scan(envp, v);
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
}

/*
 * After the answer: how many bytes of a body the program did not read (a
 * 413, a 405, a logout with a form) the I/O may drop, so that the server
 * does not lose the answer (Apache's mod_cgid resets the connection when
 * a CGI program exits before taking its input).  Bounded by DRAIN_MAX.
 *
 * RFC 3875 §4.2: never past CONTENT_LENGTH, even here; what follows is
 * not the program's (some servers hand it the client's socket).  Only a
 * body without CONTENT_LENGTH (chunked, under mod_cgi) is read to its
 * end; a CONTENT_LENGTH that is not a number does not say where the body
 * ends, so nothing is read.
 */
size_t
req_unread(const struct sl_req *r)
{
	long long	 cl;
	size_t		 left;

	if (r->body_eof)
		return 0;
	if (r->content_length != NULL && *r->content_length != '\0') {
		if ((cl = content_length(r->content_length, DRAIN_MAX)) <= 0 ||
		    (size_t)cl <= r->body_got)
			return 0;
		left = (size_t)cl - r->body_got;
	} else if (r->content_type != NULL)
		left = DRAIN_MAX;
	else
		return 0;
	return left > DRAIN_MAX ? DRAIN_MAX : left;
}

/* Read up to LEN bytes of the body: fewer only at its end. */
size_t
req_read(struct sl_req *r, void *p, size_t len)
{
	size_t	 n;

	n = r->ctx->io->read(r->ctx->ioarg, p, len);
	r->body_got += n;
	return n;
}

void
req_write(struct sl_req *r, const void *p, size_t len)
{
	r->ctx->io->write(r->ctx->ioarg, p, len);
}

const char *
sl_errmsg(const struct sl_req *r)
{
	return r->why.msg;
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
		return why_msg(&r->why, SL_EBADREQ,
		    "The Content-Length is not a number.");
	}
	if (cl > (long long)max) {
		return why_msg(&r->why, SL_ETOOLARGE,
		    "The form is larger than %zu bytes.", max);
	}
	if (cl == 0 || (cl == -2 && r->content_type == NULL))
		return SL_OK;
	if (r->content_type == NULL || !urlencoded(r->content_type)) {
		return why_msg(&r->why, SL_EMEDIA, "Only "
		    "application/x-www-form-urlencoded forms (in UTF-8) are "
		    "accepted.");
	}
	want = cl < 0 ? max + 1 : (size_t)cl;
	if ((*body = arena_alloc(&r->arena, want + 1)) == NULL) {
		return why_cause(&r->why, SL_EINTERNAL,
		    "out of memory reading the body");
	}
	got = req_read(r, *body, want);
	if (cl < 0 && got > max) {
		return why_msg(&r->why, SL_ETOOLARGE,
		    "The form is larger than %zu bytes.", max);
	}
	/* All of it, or all there was: nothing is left to drain. */
	r->body_eof = 1;
	if (cl >= 0 && got < want) {
		return why_msg(&r->why, SL_EBADREQ,
		    "The body is shorter than its Content-Length.");
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

	if (form_decode(&r->arena, in, len, p, n, &flags) != SL_OK)
		return why_cause(&r->why, SL_EINTERNAL,
		    "out of memory decoding the form");
	if (flags & FORM_BADPCT)
		return why_msg(&r->why, SL_EBADREQ,
		    "The form has malformed percent-encoding.");
	if (flags & FORM_NUL)
		return why_msg(&r->why, SL_EBADREQ,
		    "The form contains a NUL byte.");
	if (flags & FORM_BADUTF8)
		return why_msg(&r->why, SL_EBADREQ,
		    "The form is not valid UTF-8.");
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
	if (cookie_emit(maxage == 0 ? &r->deletions : &r->cookies, name,
	    val, len, &o, r->now, maxage) != SL_OK)
		return why_cause(&r->why, SL_EINTERNAL, "cannot emit cookie %s",
		    name);
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
	    cookie_emit(&r->deletions, name, "", 0, &o, r->now, 0) != SL_OK)
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
		if (cookie_emit(&r->deletions, name, "", 0, &o, r->now, 0) !=
		    SL_OK)
			goto fail;
	}
	return SL_OK;
fail:
	return why_cause(&r->why, SL_EINTERNAL, "cannot emit cookie %s",
	    name);
}

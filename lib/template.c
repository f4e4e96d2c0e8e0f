/*
 * template.c: the html/ templates.  A template is parsed once per process
 * into a list of operations; rendering walks the list.
 *
 *	{{ name }}		the value, HTML-escaped
 *	{{ name|raw }}		the value as it is (markup made by us)
 *	{{#name}} ... {{/name}}	the part, when the value is not empty
 *	{{^name}} ... {{/name}}	the part, when the value is empty
 *
 * A variable the program does not give is an error, not an empty string:
 * a typo in a template is a 500 with a log line, not a silently blank page.
 *
 * Where templates come from (DESIGN: Configuration, TEMPLATE_DIR): the
 * files of html/ are built into the library (lib/embed.sh makes
 * tmpl_builtins[] at build time), so a program serves its pages from a
 * build tree, a bare copy or an installed tree alike, and a fresh CGI
 * process reads no file for them.  TEMPLATE_DIR names a directory whose
 * templates replace them, all of them: one it lacks is an error (a 500
 * naming the file), never the built-in one, so that a page never mixes
 * two designs.  Either way each template is parsed once per process and
 * kept in the context; a failure is not kept, so a template fixed on
 * disk is picked up by the next request.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extern.h"

#define TMPL_DEPTH	16

enum	optype {
	OP_TEXT = 0,
	OP_VAR,		/* escaped */
	OP_RAW,
	OP_IF,		/* jump past END when empty */
	OP_UNLESS,	/* jump past END when not empty */
	OP_END,
	OP__MAX
};

struct	op {
	enum optype	 type;
	const char	*s;	/* text, or the variable's name */
	size_t		 len;
	size_t		 end;	/* OP_IF, OP_UNLESS: index of OP_END */
};

struct	tmpl {
	char		*src;
	struct op	*ops;
	size_t		 nops;
};

static size_t
lineno(const char *src, const char *p)
{
	size_t	 n = 1;

	for (; src < p; src++)
		if (*src == '\n')
			n++;
	return n;
}

static int
name_valid(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

static int
add(struct tmpl *t, size_t *cap, enum optype type, const char *s,
    size_t len)
{
	struct op	*ops;

	if (t->nops == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		if ((ops = reallocarray(t->ops, *cap, sizeof(*ops))) == NULL)
			return 0;
		t->ops = ops;
	}
	t->ops[t->nops].type = type;
	t->ops[t->nops].s = s;
	t->ops[t->nops].len = len;
	t->ops[t->nops].end = 0;
	t->nops++;
	return 1;
}

/*
 * Parse SRC (copied) into *OUT.  A template that does not parse is
 * SL_ETEMPLATE, with the line and the reason in W->cause.
 */
enum sl_err
tmpl_parse(const char *src, size_t len, struct tmpl **out, struct why *w)
{
	struct tmpl	*t;
	const char	*p, *end, *open, *close, *name, *bar;
	size_t		 cap = 0, stack[TMPL_DEPTH], depth = 0, nlen;
	enum optype	 type;
	enum sl_err	 e = SL_ETEMPLATE;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->src = malloc(len + 1)) == NULL) {
		free(t);
		return why_cause(w, SL_EINTERNAL, "out of memory");
	}
	memcpy(t->src, src, len);
	t->src[len] = '\0';
	p = t->src;
	end = t->src + len;
	while (p < end) {
		if ((open = memmem(p, (size_t)(end - p), "{{", 2)) == NULL)
			open = end;
		if (open > p && !add(t, &cap, OP_TEXT, p, (size_t)(open - p)))
			goto oom;
		if (open == end)
			break;
		if ((close = memmem(open + 2, (size_t)(end - open - 2), "}}",
		    2)) == NULL) {
			why_cause(w, e, "line %zu: '{{' is not closed",
			    lineno(t->src, open));
			goto fail;
		}
		name = open + 2;
		nlen = (size_t)(close - name);
		trim(&name, &nlen);
		type = OP_VAR;
		if (nlen > 0 && (*name == '#' || *name == '^' || *name == '/')) {
			type = *name == '#' ? OP_IF : *name == '^' ? OP_UNLESS :
			    OP_END;
			name++;
			nlen--;
			trim(&name, &nlen);
		} else if ((bar = memchr(name, '|', nlen)) != NULL) {
			const char	*f = bar + 1;
			size_t		 flen = (size_t)(name + nlen - f);

			trim(&f, &flen);
			if (flen != 3 || memcmp(f, "raw", 3) != 0) {
				why_cause(w, e, "line %zu: unknown filter "
				    "(only |raw)", lineno(t->src, open));
				goto fail;
			}
			nlen = (size_t)(bar - name);
			trim(&name, &nlen);
			type = OP_RAW;
		}
		if (!name_valid(name, nlen)) {
			why_cause(w, e, "line %zu: bad variable name",
			    lineno(t->src, open));
			goto fail;
		}
		if (type == OP_END) {
			if (depth == 0 ||
			    t->ops[stack[depth - 1]].len != nlen ||
			    memcmp(t->ops[stack[depth - 1]].s, name, nlen)) {
				why_cause(w, e, "line %zu: {{/%.*s}} closes "
				    "no open section", lineno(t->src, open),
				    (int)nlen, name);
				goto fail;
			}
			t->ops[stack[--depth]].end = t->nops;
		} else if (type == OP_IF || type == OP_UNLESS) {
			if (depth == TMPL_DEPTH) {
				why_cause(w, e, "line %zu: sections nested "
				    "too deep", lineno(t->src, open));
				goto fail;
			}
			stack[depth++] = t->nops;
		}
		if (!add(t, &cap, type, name, nlen))
			goto oom;
		p = close + 2;
	}
	if (depth > 0) {
		why_cause(w, e, "section {{#%.*s}} is not closed",
		    (int)t->ops[stack[depth - 1]].len, t->ops[stack[depth - 1]].s);
		goto fail;
	}
	*out = t;
	return SL_OK;
oom:
	e = why_cause(w, SL_EINTERNAL, "out of memory");
fail:
	tmpl_free(t);
	return e;
}

void
tmpl_free(struct tmpl *t)
{
	if (t == NULL)
		return;
	free(t->ops);
	free(t->src);
	free(t);
}

/* HTML-escape for text and for quoted attribute values alike. */
void
html_escape(struct buf *b, const char *s, size_t len)
{
	size_t	 i, run = 0;

	/* SL_VAR() gives a NULL value no bytes: S + 0 would be undefined. */
	if (len == 0)
		return;
	for (i = 0; i < len; i++) {
		const char	*rep;

		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		buf_add(b, s + run, i - run);
		buf_adds(b, rep);
		run = i + 1;
	}
	buf_add(b, s + run, len - run);
}

static const struct sl_var *
lookup(const struct sl_var *v, size_t n, const char *name, size_t len)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strncmp(v[i].name, name, len) == 0 &&
		    v[i].name[len] == '\0')
			return &v[i];
	return NULL;
}

/*
 * Render T with VARS into B.  A variable not given is SL_ETEMPLATE, with
 * its name in W->cause.
 */
enum sl_err
tmpl_render(const struct tmpl *t, const struct sl_var *vars, size_t nvars,
    struct buf *b, struct why *w)
{
	const struct sl_var	*v;
	const struct op		*op;
	size_t			 i;

	for (i = 0; i < t->nops; i++) {
		op = &t->ops[i];
		if (op->type == OP_TEXT) {
			buf_add(b, op->s, op->len);
			continue;
		}
		if (op->type == OP_END)
			continue;
		if ((v = lookup(vars, nvars, op->s, op->len)) == NULL)
			return why_cause(w, SL_ETEMPLATE, "unknown variable "
			    "'%.*s'", (int)op->len, op->s);
		switch (op->type) {
		case OP_VAR:
			html_escape(b, v->val, v->len);
			break;
		case OP_RAW:
			buf_add(b, v->val, v->len);
			break;
		case OP_IF:
			if (v->len == 0)
				i = op->end;
			break;
		case OP_UNLESS:
			if (v->len != 0)
				i = op->end;
			break;
		default:
			break;
		}
	}
	if (b->oom)
		return why_cause(w, SL_EINTERNAL, "out of memory");
	return SL_OK;
}

/* The built-in template NAME, or NULL. */
static const struct tmpl_builtin *
builtin(const char *name)
{
	const struct tmpl_builtin	*b;

	for (b = tmpl_builtins; b->name != NULL; b++)
		if (strcmp(b->name, name) == 0)
			return b;
	return NULL;
}

/* TEMPLATE_DIR/NAME, whole, into *OUT (malloc'd): at most
 * TEMPLATE_MAX_FILE bytes. */
static enum sl_err
read_file(const char *dir, const char *name, char **out, size_t *len,
    struct why *w)
{
	char	 path[4096], *p;
	size_t	 cap = 4096, n = 0;
	ssize_t	 got;
	int	 fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return why_cause(w, SL_ETEMPLATE, "%s/%s: path too long", dir,
		    name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return why_cause(w, SL_ETEMPLATE, "%s: %s", path,
		    strerror(errno));
	if ((p = malloc(cap)) == NULL)
		goto oom;
	for (;;) {
		if (n == cap) {
			char	*np;

			if (cap >= TEMPLATE_MAX_FILE) {
				why_cause(w, SL_ETEMPLATE, "%s: too large",
				    path);
				goto fail;
			}
			if ((np = realloc(p, cap *= 2)) == NULL)
				goto oom;
			p = np;
		}
		if ((got = read(fd, p + n, cap - n)) == 0)
			break;
		if (got < 0) {
			if (errno == EINTR)
				continue;
			why_cause(w, SL_ETEMPLATE, "%s: %s", path,
			    strerror(errno));
			goto fail;
		}
		n += (size_t)got;
	}
	close(fd);
	*out = p;
	*len = n;
	return SL_OK;
oom:
	why_cause(w, SL_ETEMPLATE, "%s: out of memory", path);
fail:
	free(p);
	close(fd);
	return SL_ETEMPLATE;
}

/*
 * The source of template NAME, into *OUT (malloc'd, for the caller to
 * free): the file in TEMPLATE_DIR when it is set, the built-in one
 * otherwise.
 */
static enum sl_err
tmpl_source(const struct sl_ctx *ctx, const char *name, char **out,
    size_t *len, struct why *w)
{
	const struct tmpl_builtin	*b;

	if (ctx->cfg.template_dir != NULL)
		return read_file(ctx->cfg.template_dir, name, out, len, w);
	if ((b = builtin(name)) == NULL)
		return why_cause(w, SL_ETEMPLATE, "%s: no such built-in "
		    "template (TEMPLATE_DIR is not set)", name);
	if ((*out = malloc(b->len + 1)) == NULL)
		return why_cause(w, SL_ETEMPLATE, "%s: out of memory", name);
	memcpy(*out, b->src, b->len + 1);
	*len = b->len;
	return SL_OK;
}

/* Where templates come from, for log lines: TEMPLATE_DIR or "(built in)". */
const char *
tmpl_dir(const struct sl_ctx *ctx)
{
	return ctx->cfg.template_dir != NULL ? ctx->cfg.template_dir :
	    "(built in)";
}

/*
 * The stylesheet is inlined in the layout, and the CSP allows exactly it
 * by its SHA-256 (CSP3 §8.4 hash-source), so no 'unsafe-inline' is needed
 * and no second URL has to be mapped by the web server.
 */
static enum sl_err
load_css(struct sl_ctx *ctx, struct why *w)
{
	unsigned char	 md[32];
	char		 b64[45], *css;
	size_t		 len, i;
	struct buf	 b;
	enum sl_err	 e;

	if ((e = tmpl_source(ctx, "style.css", &css, &len, w)) != SL_OK)
		return e;
	gcry_md_hash_buffer(GCRY_MD_SHA256, md, css, len);
	/* Standard base64 with padding, as the CSP grammar wants. */
	b64url_encode(md, sizeof(md), b64);
	for (i = 0; b64[i] != '\0'; i++)
		b64[i] = b64[i] == '-' ? '+' : b64[i] == '_' ? '/' : b64[i];
	b64[i++] = '=';
	b64[i] = '\0';
	memset(&b, 0, sizeof(b));
	buf_adds(&b, "default-src 'none'; style-src 'sha256-");
	buf_adds(&b, b64);
	buf_adds(&b, "'; img-src 'self'; form-action 'self'; "
	    "frame-ancestors 'none'; base-uri 'none'");
	if (b.oom) {
		free(css);
		buf_free(&b);
		return why_cause(w, SL_ETEMPLATE, "out of memory");
	}
	ctx->css = css;
	ctx->csslen = len;
	ctx->csp = b.p;
	return SL_OK;
}

/*
 * Template NAME, read and parsed once per process (the layout brings the
 * stylesheet with it).  A failure is not cached, so a fixed template is
 * picked up by the next request; its cause is left in W->cause for the
 * caller's one log line.
 */
enum sl_err
tmpl_get(struct sl_ctx *ctx, const char *name, const struct tmpl **out,
    struct why *w)
{
	struct why	 pw;
	char		*src;
	size_t		 i, len;
	struct tmpl	*t;
	enum sl_err	 e;

	if (ctx->cfgerr != SL_OK)
		return why_cause(w, SL_ETEMPLATE, "no configuration");
	if (strcmp(name, "layout.html") == 0 && ctx->css == NULL &&
	    load_css(ctx, w) != SL_OK)
		return SL_ETEMPLATE;
	for (i = 0; i < TMPL_CACHE && ctx->tmpls[i].name != NULL; i++)
		if (strcmp(ctx->tmpls[i].name, name) == 0) {
			if (out != NULL)
				*out = ctx->tmpls[i].t;
			return SL_OK;
		}
	if (i == TMPL_CACHE)
		return why_cause(w, SL_ETEMPLATE, "%s: too many templates",
		    name);
	/* Nothing in the request names a template, but a name is never a
	 * path: TEMPLATE_DIR confines what is read (DESIGN: Errors). */
	if (strchr(name, '/') != NULL || name[0] == '.')
		return why_cause(w, SL_ETEMPLATE, "%s: not a file name", name);
	if ((e = tmpl_source(ctx, name, &src, &len, w)) != SL_OK)
		return e;
	e = tmpl_parse(src, len, &t, &pw);
	free(src);
	if (e != SL_OK)
		return why_cause(w, SL_ETEMPLATE, "%s/%s: %s", tmpl_dir(ctx),
		    name, pw.cause);
	if ((ctx->tmpls[i].name = strdup(name)) == NULL) {
		tmpl_free(t);
		return why_cause(w, SL_ETEMPLATE, "%s: out of memory", name);
	}
	ctx->tmpls[i].t = t;
	if (out != NULL)
		*out = t;
	return SL_OK;
}

/* What tmpl_get() kept in CTX, freed. */
void
tmpl_cache_free(struct sl_ctx *ctx)
{
	size_t	 i;

	for (i = 0; i < TMPL_CACHE; i++) {
		free(ctx->tmpls[i].name);
		tmpl_free(ctx->tmpls[i].t);
		ctx->tmpls[i].name = NULL;
		ctx->tmpls[i].t = NULL;
	}
	free(ctx->css);
	free(ctx->csp);
	ctx->css = ctx->csp = NULL;
}

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
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Parse SRC (copied).  On error returns NULL with the reason in ERR. */
struct tmpl *
tmpl_parse(const char *src, size_t len, char *err, size_t errlen)
{
	struct tmpl	*t;
	const char	*p, *end, *open, *close, *name, *bar;
	size_t		 cap = 0, stack[TMPL_DEPTH], depth = 0, nlen;
	enum optype	 type;

	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->src = malloc(len + 1)) == NULL) {
		free(t);
		snprintf(err, errlen, "out of memory");
		return NULL;
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
			snprintf(err, errlen, "line %zu: '{{' is not closed",
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
				snprintf(err, errlen, "line %zu: unknown filter"
				    " (only |raw)", lineno(t->src, open));
				goto fail;
			}
			nlen = (size_t)(bar - name);
			trim(&name, &nlen);
			type = OP_RAW;
		}
		if (!name_valid(name, nlen)) {
			snprintf(err, errlen, "line %zu: bad variable name",
			    lineno(t->src, open));
			goto fail;
		}
		if (type == OP_END) {
			if (depth == 0 ||
			    t->ops[stack[depth - 1]].len != nlen ||
			    memcmp(t->ops[stack[depth - 1]].s, name, nlen)) {
				snprintf(err, errlen, "line %zu: {{/%.*s}} "
				    "closes no open section",
				    lineno(t->src, open), (int)nlen, name);
				goto fail;
			}
			t->ops[stack[--depth]].end = t->nops;
		} else if (type == OP_IF || type == OP_UNLESS) {
			if (depth == TMPL_DEPTH) {
				snprintf(err, errlen, "line %zu: sections "
				    "nested too deep", lineno(t->src, open));
				goto fail;
			}
			stack[depth++] = t->nops;
		}
		if (!add(t, &cap, type, name, nlen))
			goto oom;
		p = close + 2;
	}
	if (depth > 0) {
		snprintf(err, errlen, "section {{#%.*s}} is not closed",
		    (int)t->ops[stack[depth - 1]].len, t->ops[stack[depth - 1]].s);
		goto fail;
	}
	return t;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	tmpl_free(t);
	return NULL;
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

/* Render T with VARS into B.  Returns 0 with the reason in ERR. */
int
tmpl_render(const struct tmpl *t, const struct sl_var *vars, size_t nvars,
    struct buf *b, char *err, size_t errlen)
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
		if ((v = lookup(vars, nvars, op->s, op->len)) == NULL) {
			snprintf(err, errlen, "unknown variable '%.*s'",
			    (int)op->len, op->s);
			return 0;
		}
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
	if (b->oom) {
		snprintf(err, errlen, "out of memory");
		return 0;
	}
	return 1;
}

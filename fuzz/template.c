/*
 * fuzz/template.c: parsing and rendering html/ templates
 * (lib/template.c).  The input is a template, a NUL byte, then the
 * values of the variables a, b, c, x, title and content, one a line (a
 * variable without a line is not given at all).
 *
 * Invariants:
 * - parsing either works or says why; rendering either works or says
 *   why, and gives the same output twice;
 * - a template without "{{" is its own output;
 * - an escaped variable's value never yields a raw '<', '>', '"' or
 *   '\'', nor an '&' that does not start an entity, and unescaping the
 *   output gives the value back; "|raw" gives the value as it is; a
 *   section shows its part exactly when the value is (or is not) empty;
 * - a template whose own text holds none of < > " ' & | renders without
 *   them, whatever the values: no value can make markup.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "extern.h"
#include "fuzz.h"

#define NVARS	12

/* Short names for the fuzzer, then those of html/. */
static const char *const names[NVARS] = {
	"x", "a", "b", "title", "content", "root", "username", "flash",
	"status", "message", "error", "csrf_token"
};

static const char *const entities[] = {
	"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"
};
static const char	 plain[] = "&<>\"'";

/* No markup: no < > " ', and each '&' starts one of our entities. */
static int
inert(const char *s, size_t len)
{
	size_t	 i, k, n;

	for (i = 0; i < len; i++) {
		if (s[i] == '<' || s[i] == '>' || s[i] == '"' || s[i] == '\'')
			return 0;
		if (s[i] != '&')
			continue;
		for (k = 0; k < 5; k++) {
			n = strlen(entities[k]);
			if (len - i >= n && memcmp(s + i, entities[k], n) == 0)
				break;
		}
		if (k == 5)
			return 0;
	}
	return 1;
}

/* Undo the escaping; 0 if S is not what escaping can produce. */
static int
unescape(const char *s, size_t len, const char *want, size_t wlen)
{
	size_t	 i = 0, o = 0, k, n;

	while (i < len) {
		if (o == wlen)
			return 0;
		if (s[i] != '&') {
			if (s[i] != want[o++])
				return 0;
			i++;
			continue;
		}
		for (k = 0; k < 5; k++) {
			n = strlen(entities[k]);
			if (len - i >= n && memcmp(s + i, entities[k], n) == 0)
				break;
		}
		if (k == 5 || want[o++] != plain[k])
			return 0;
		i += strlen(entities[k]);
	}
	return o == wlen;
}

static void
render_src(const char *src, const struct sl_var *v, size_t n, struct buf *b)
{
	struct tmpl	*t;
	struct why	 w;

	if (tmpl_parse(src, strlen(src), &t, &w) != SL_OK)
		fuzz_fail("template '%s' does not parse: %s", src, w.cause);
	if (tmpl_render(t, v, n, b, &w) != SL_OK)
		fuzz_fail("template '%s' does not render: %s", src, w.cause);
	if (b->oom)
		abort();
	tmpl_free(t);
}

/* One value through each kind of tag. */
static void
check_value(const char *val, size_t len)
{
	struct sl_var	 v;
	struct buf	 b;

	v.name = "x";
	v.val = val;
	v.len = len;
	memset(&b, 0, sizeof(b));
	render_src("{{x}}", &v, 1, &b);
	CHECK(inert(b.p, b.len), "an escaped value yields markup");
	CHECK(unescape(b.p, b.len, val, len),
	    "unescaping an escaped value does not give it back");
	buf_reset(&b);
	render_src("{{ x | raw }}", &v, 1, &b);
	CHECK(b.len == len && (len == 0 || memcmp(b.p, val, len) == 0),
	    "|raw changes the value");
	buf_reset(&b);
	render_src("{{#x}}T{{/x}}{{^x}}F{{/x}}", &v, 1, &b);
	CHECK(b.len == 1 && b.p[0] == (len > 0 ? 'T' : 'F'),
	    "a section does not follow its value");
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*in = (const char *)data, *end = in + size, *p, *nl;
	struct sl_var	 vars[NVARS];
	struct tmpl	*t;
	struct buf	 b1, b2;
	struct why	 w;
	size_t		 tlen, n = 0, i;
	int		 ok;

	p = memchr(in, '\0', size);
	tlen = p == NULL ? size : (size_t)(p - in);
	p = p == NULL ? end : p + 1;
	while (n < NVARS && p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		vars[n].name = names[n];
		vars[n].len = (size_t)(nl - p);
		/* An empty line is no value, as SL_VAR() gives for NULL. */
		vars[n].val = nl == p ? NULL : p;
		n++;
		p = nl < end ? nl + 1 : end;
	}
	for (i = 0; i < n; i++)
		check_value(vars[i].val, vars[i].len);

	why_clear(&w);
	if (tmpl_parse(in, tlen, &t, &w) != SL_OK) {
		CHECK(t == NULL, "a refused template is given back");
		CHECK(w.cause[0] != '\0',
		    "a template is refused without a reason");
		CHECK(memmem(in, tlen, "{{", 2) != NULL,
		    "a template without tags is refused: %s", w.cause);
		return 0;
	}
	memset(&b1, 0, sizeof(b1));
	memset(&b2, 0, sizeof(b2));
	why_clear(&w);
	ok = tmpl_render(t, vars, n, &b1, &w) == SL_OK;
	CHECK(ok || w.cause[0] != '\0', "rendering fails without a reason");
	CHECK(ok == (tmpl_render(t, vars, n, &b2, &w) == SL_OK) &&
	    (!ok || (b1.len == b2.len && (b1.len == 0 ||
	    memcmp(b1.p, b2.p, b1.len) == 0))),
	    "rendering twice gives two answers");
	if (ok && memmem(in, tlen, "{{", 2) == NULL)
		CHECK(b1.len == tlen && (tlen == 0 ||
		    memcmp(b1.p, in, tlen) == 0),
		    "a template without tags is not its own output");
	if (ok) {
		for (i = 0; i < tlen; i++)
			if (strchr("<>\"'&|", in[i]) != NULL)
				break;
		if (i == tlen)
			CHECK(inert(b1.p, b1.len),
			    "values make markup in a template without any");
	}
	buf_free(&b1);
	buf_free(&b2);
	tmpl_free(t);
	return 0;
}

/*
 * t_template: the html/ templates.  What a template renders to, what the
 * parser refuses (a broken template is a 500 with a log line, never a
 * silently wrong page), and HTML escaping.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"
#include "tap.h"

#define MAXVARS	3

/* Templates that parse, with their variables and exact output. */
static const struct render_test {
	const char	*src;
	struct sl_var	 vars[MAXVARS];
	size_t		 nvars;
	const char	*want;
	size_t		 wantlen;
} render_tests[] = {
	{ "", { { NULL, NULL, 0 } }, 0, S("") },
	{ "hello", { { NULL, NULL, 0 } }, 0, S("hello") },
	{ "<p>a\n\tb</p>\n", { { NULL, NULL, 0 } }, 0, S("<p>a\n\tb</p>\n") },
	/* Lone braces are text. */
	{ "a { b } c }} d", { { NULL, NULL, 0 } }, 0, S("a { b } c }} d") },
	{ "Hello, {{ name }}!", { SL_VAR("name", "alice") }, 1,
	    S("Hello, alice!") },
	{ "{{name}}|{{  name  }}|{{\tname\t}}", { SL_VAR("name", "x") }, 1,
	    S("x|x|x") },
	{ "{{ a }}{{ b }}{{ a }}", { SL_VAR("a", "1"), SL_VAR("b", "2") }, 2,
	    S("121") },
	{ "{{ user_name2 }}", { SL_VAR("user_name2", "ok") }, 1, S("ok") },
	/* Every character that matters in text and quoted attributes. */
	{ "<b title=\"{{ v }}\">{{ v }}</b>",
	    { SL_VAR("v", "<a href='x'>&\"</a>") }, 1,
	    S("<b title=\"&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;\">"
	    "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;</b>") },
	/* |raw is for markup the program made itself. */
	{ "{{ v|raw }}", { SL_VAR("v", "<i>&amp;</i>") }, 1,
	    S("<i>&amp;</i>") },
	{ "{{ v | raw }}", { SL_VAR("v", "<i>") }, 1, S("<i>") },
	/* A value is data: "{{ y }}" inside it is not a tag. */
	{ "{{ x }}", { SL_VAR("x", "{{ y }}"), SL_VAR("y", "NO") }, 2,
	    S("{{ y }}") },
	{ "{{ x|raw }}", { SL_VAR("x", "{{ y }}"), SL_VAR("y", "NO") }, 2,
	    S("{{ y }}") },
	{ "{{ x }}", { SL_VAR("x", "{{#y}}a{{/y}}") }, 1, S("{{#y}}a{{/y}}") },
	/* Values carry their length: a NUL does not end them. */
	{ "[{{ x }}]", { { "x", "a\0<", 3 } }, 1, S("[a\0&lt;]") },
	{ "[{{ x|raw }}]", { { "x", "a\0<", 3 } }, 1, S("[a\0<]") },
	{ "[{{ x }}]", { { "x", "abc", 1 } }, 1, S("[a]") },
	/* SL_VAR() of NULL: no value, as a page without a user has. */
	{ "[{{ x }}]", { { "x", NULL, 0 } }, 1, S("[]") },
	{ "[{{ x|raw }}]", { { "x", NULL, 0 } }, 1, S("[]") },
	{ "[{{#x}}y{{/x}}]", { { "x", NULL, 0 } }, 1, S("[]") },
	/* Sections: {{#x}} when x is not empty, {{^x}} when it is. */
	{ "a{{#x}}[{{ x }}]{{/x}}b", { SL_VAR("x", "1") }, 1, S("a[1]b") },
	{ "a{{#x}}[{{ x }}]{{/x}}b", { SL_VAR("x", "") }, 1, S("ab") },
	{ "a{{^x}}none{{/x}}b", { SL_VAR("x", "") }, 1, S("anoneb") },
	{ "a{{^x}}none{{/x}}b", { SL_VAR("x", "1") }, 1, S("ab") },
	/* Only the empty string is empty: "0" and " " are values. */
	{ "{{#x}}y{{/x}}", { SL_VAR("x", "0") }, 1, S("y") },
	{ "{{#x}}y{{/x}}", { SL_VAR("x", " ") }, 1, S("y") },
	{ "{{#x}}yes{{/x}}{{^x}}no{{/x}}", { SL_VAR("x", "1") }, 1, S("yes") },
	{ "{{#x}}yes{{/x}}{{^x}}no{{/x}}", { SL_VAR("x", "") }, 1, S("no") },
	{ "{{# x }}y{{/ x }}", { SL_VAR("x", "1") }, 1, S("y") },
	{ "{{#x}}{{/x}}", { SL_VAR("x", "1") }, 1, S("") },
	/* Nested sections, each level deciding for itself. */
	{ "{{#a}}A{{#b}}B{{/b}}C{{/a}}D",
	    { SL_VAR("a", "1"), SL_VAR("b", "1") }, 2, S("ABCD") },
	{ "{{#a}}A{{#b}}B{{/b}}C{{/a}}D",
	    { SL_VAR("a", "1"), SL_VAR("b", "") }, 2, S("ACD") },
	{ "{{#a}}A{{#b}}B{{/b}}C{{/a}}D",
	    { SL_VAR("a", ""), SL_VAR("b", "1") }, 2, S("D") },
	{ "{{#a}}A{{^b}}B{{/b}}C{{/a}}D",
	    { SL_VAR("a", "1"), SL_VAR("b", "") }, 2, S("ABCD") },
	{ "{{^a}}A{{#b}}B{{/b}}{{/a}}{{#a}}X{{/a}}",
	    { SL_VAR("a", ""), SL_VAR("b", "1") }, 2, S("AB") },
	/* The same name nested: each {{/a}} closes the innermost. */
	{ "{{#a}}1{{^a}}2{{/a}}3{{/a}}4", { SL_VAR("a", "x") }, 1, S("134") },
	/* Sections one after another at the same level. */
	{ "{{#a}}A{{/a}}{{#b}}B{{/b}}{{#c}}C{{/c}}",
	    { SL_VAR("a", "1"), SL_VAR("b", ""), SL_VAR("c", "1") }, 3,
	    S("AC") },
};

static void
test_render(void)
{
	const struct render_test	*t;
	struct tmpl			*tm;
	struct buf			 b;
	struct why			 w;
	size_t				 i;
	int				 good;

	memset(&b, 0, sizeof(b));
	for (i = 0; i < NELEM(render_tests); i++) {
		t = &render_tests[i];
		buf_reset(&b);
		why_clear(&w);
		good = tmpl_parse(t->src, strlen(t->src), &tm, &w) == SL_OK &&
		    tmpl_render(tm, t->vars, t->nvars, &b, &w) == SL_OK &&
		    b.len == t->wantlen &&
		    (b.len == 0 || memcmp(b.p, t->want, b.len) == 0);
		ok(good, "\"%s\" renders \"%s\"", tap_show(t->src, strlen(t->src)),
		    tap_show(t->want, t->wantlen));
		if (!good)
			printf("# error: %s; got \"%s\"\n", w.cause,
			    b.p != NULL ? tap_show(b.p, b.len) : "");
		tmpl_free(tm);
	}
	buf_free(&b);
}

/* Templates the parser refuses, and a word of the reason. */
static const struct parse_test {
	const char	*src;
	const char	*errpart;
} parse_tests[] = {
	{ "abc {{ x", "not closed" },
	{ "{{ x }", "not closed" },
	{ "{{", "not closed" },
	{ "{{/x}}", "closes no open section" },
	{ "a{{#x}}b{{/x}}{{/x}}", "closes no open section" },
	{ "{{#a}}{{/b}}", "closes no open section" },
	/* A prefix of the name is not the name. */
	{ "{{#ab}}x{{/a}}", "closes no open section" },
	{ "{{#a}}x{{/ab}}", "closes no open section" },
	/* Sections must nest, not cross. */
	{ "{{#a}}{{#b}}{{/a}}{{/b}}", "closes no open section" },
	{ "{{#a}}", "{{#a}} is not closed" },
	{ "{{^a}}x", "a}} is not closed" },
	{ "{{#a}}{{#b}}{{/b}}", "{{#a}} is not closed" },
	{ "{{ x|upper }}", "unknown filter" },
	{ "{{ x| }}", "unknown filter" },
	{ "{{ x|raw|raw }}", "unknown filter" },
	{ "{{ x|RAW }}", "unknown filter" },
	/* Names: lower-case letters, digits and '_', not a digit first. */
	{ "{{ }}", "bad variable name" },
	{ "{{}}", "bad variable name" },
	{ "{{ Name }}", "bad variable name" },
	{ "{{ 1x }}", "bad variable name" },
	{ "{{ a-b }}", "bad variable name" },
	{ "{{ a b }}", "bad variable name" },
	{ "{{ a.b }}", "bad variable name" },
	{ "{{ |raw }}", "bad variable name" },
	{ "{{#}}{{/}}", "bad variable name" },
	{ "{{#x|raw}}{{/x}}", "bad variable name" },
	/* No triple braces, comments or partials: they are not names. */
	{ "{{{ x }}}", "bad variable name" },
	{ "{{! comment }}", "bad variable name" },
	{ "{{> partial }}", "bad variable name" },
	/* The message says where. */
	{ "a\nb\n{{ x", "line 3" },
	{ "\n{{ X }}", "line 2" },
};

static void
test_parse_errors(void)
{
	const struct parse_test	*t;
	struct tmpl		*tm;
	struct buf		 deep;
	struct why		 w;
	enum sl_err		 e;
	size_t			 i;

	for (i = 0; i < NELEM(parse_tests); i++) {
		t = &parse_tests[i];
		why_clear(&w);
		e = tmpl_parse(t->src, strlen(t->src), &tm, &w);
		ok(e == SL_ETEMPLATE && tm == NULL &&
		    strstr(w.cause, t->errpart) != NULL,
		    "\"%s\" is refused: \"%s\"", tap_show(t->src, strlen(t->src)),
		    t->errpart);
		if (tm != NULL || strstr(w.cause, t->errpart) == NULL)
			printf("# error: %s\n", w.cause);
		tmpl_free(tm);
	}

	/* Nesting is bounded; 16 levels are enough for any page. */
	memset(&deep, 0, sizeof(deep));
	for (i = 0; i < 16; i++)
		buf_adds(&deep, "{{#a}}");
	for (i = 0; i < 16; i++)
		buf_adds(&deep, "{{/a}}");
	ok(tmpl_parse(deep.p, deep.len, &tm, &w) == SL_OK && tm != NULL,
	    "sections nested 16 deep parse");
	tmpl_free(tm);
	buf_reset(&deep);
	for (i = 0; i < 17; i++)
		buf_adds(&deep, "{{#a}}");
	for (i = 0; i < 17; i++)
		buf_adds(&deep, "{{/a}}");
	why_clear(&w);
	e = tmpl_parse(deep.p, deep.len, &tm, &w);
	ok(e == SL_ETEMPLATE && tm == NULL &&
	    strstr(w.cause, "too deep") != NULL,
	    "sections nested 17 deep are refused");
	tmpl_free(tm);
	buf_free(&deep);
}

/*
 * A variable the program does not give is an error naming it, not an
 * empty string: a typo in a template must not pass for a blank value.
 */
static const struct missing_test {
	const char	*src;
	struct sl_var	 vars[MAXVARS];
	size_t		 nvars;
	const char	*errpart;
} missing_tests[] = {
	{ "Hello, {{ name }}!", { { NULL, NULL, 0 } }, 0, "'name'" },
	{ "{{ name|raw }}", { { NULL, NULL, 0 } }, 0, "'name'" },
	{ "{{#flag}}x{{/flag}}", { { NULL, NULL, 0 } }, 0, "'flag'" },
	{ "{{^flag}}x{{/flag}}", { { NULL, NULL, 0 } }, 0, "'flag'" },
	/* Names match whole: neither a prefix nor a longer name will do. */
	{ "{{ name }}", { SL_VAR("nam", "x") }, 1, "'name'" },
	{ "{{ name }}", { SL_VAR("names", "x") }, 1, "'name'" },
	{ "{{ a }}{{ b }}", { SL_VAR("a", "1") }, 1, "'b'" },
	{ "{{#a}}{{ b }}{{/a}}", { SL_VAR("a", "1") }, 1, "'b'" },
};

static void
test_missing(void)
{
	const struct missing_test	*t;
	struct tmpl			*tm;
	struct buf			 b;
	struct why			 w;
	size_t				 i;

	memset(&b, 0, sizeof(b));
	for (i = 0; i < NELEM(missing_tests); i++) {
		t = &missing_tests[i];
		why_clear(&w);
		if (tmpl_parse(t->src, strlen(t->src), &tm, &w) != SL_OK) {
			ok(0, "\"%s\" parses: %s", t->src, w.cause);
			continue;
		}
		buf_reset(&b);
		ok(tmpl_render(tm, t->vars, t->nvars, &b, &w) ==
		    SL_ETEMPLATE && strstr(w.cause, t->errpart) != NULL,
		    "\"%s\" given %s%s fails naming %s", t->src,
		    t->nvars > 0 ? "only " : "nothing",
		    t->nvars > 0 ? t->vars[0].name : "", t->errpart);
		tmpl_free(tm);
	}
	buf_free(&b);
}

/* A parsed template is independent of its source, and reusable. */
static void
test_reuse(void)
{
	struct sl_var	 v1[] = { SL_VAR("x", "one") };
	struct sl_var	 v2[] = { SL_VAR("x", "<two>") };
	struct tmpl	*tm;
	struct buf	 b;
	struct why	 w;
	char		 src[] = "[{{ x }}]";

	memset(&b, 0, sizeof(b));
	tmpl_parse(src, strlen(src), &tm, &w);
	memset(src, '!', sizeof(src) - 1);
	ok(tm != NULL && tmpl_render(tm, v1, 1, &b, &w) == SL_OK &&
	    strcmp(b.p, "[one]") == 0,
	    "a template renders after its source is overwritten");
	buf_reset(&b);
	ok(tm != NULL && tmpl_render(tm, v2, 1, &b, &w) == SL_OK &&
	    strcmp(b.p, "[&lt;two&gt;]") == 0,
	    "and renders again with other values");
	ok(tm != NULL && tmpl_render(tm, v1, 1, &b, &w) == SL_OK &&
	    strcmp(b.p, "[&lt;two&gt;][one]") == 0,
	    "rendering appends to the buffer");
	tmpl_free(tm);
	buf_free(&b);
	/* As free(3): the callers' error paths rely on it. */
	tmpl_free(NULL);
}

/* HTML-escaping for text and quoted attribute values alike. */
static const struct esc_test {
	const char	*in;
	size_t		 inlen;
	const char	*out;
	size_t		 outlen;
} esc_tests[] = {
	{ S(""), S("") },
	{ S("plain text"), S("plain text") },
	{ S("&"), S("&amp;") },
	{ S("<"), S("&lt;") },
	{ S(">"), S("&gt;") },
	{ S("\""), S("&quot;") },
	{ S("'"), S("&#39;") },
	{ S("<script>alert('x')</script>"),
	    S("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") },
	{ S("a&b<c>d\"e'f"), S("a&amp;b&lt;c&gt;d&quot;e&#39;f") },
	/* Already-escaped text is escaped again: no guessing. */
	{ S("&amp;"), S("&amp;amp;") },
	{ S("&&"), S("&amp;&amp;") },
	{ S("\xc3\xa9\xe2\x82\xac"), S("\xc3\xa9\xe2\x82\xac") },
	{ S("{{ x }}"), S("{{ x }}") },
	{ S("a\0<"), S("a\0&lt;") },
	{ S("`=/"), S("`=/") },
};

static void
test_html_escape(void)
{
	const struct esc_test	*t;
	struct buf		 b;
	size_t			 i;

	memset(&b, 0, sizeof(b));
	for (i = 0; i < NELEM(esc_tests); i++) {
		t = &esc_tests[i];
		buf_reset(&b);
		buf_adds(&b, "[");
		html_escape(&b, t->in, t->inlen);
		ok(b.len == t->outlen + 1 && memcmp(b.p + 1, t->out,
		    t->outlen) == 0, "html_escape \"%s\" is \"%s\"",
		    tap_show(t->in, t->inlen), tap_show(t->out, t->outlen));
	}
	buf_free(&b);
}

/*
 * The templates built into the library (DESIGN: TEMPLATE_DIR unset) are
 * html/'s files byte for byte, every one of them, and each parses.
 */
static void
test_builtins(void)
{
	static const char *const files[] = { "layout.html", "index.html",
	    "login.html", "error.html", "style.css" };
	const struct tmpl_builtin	*b;
	const char			*srcdir;
	struct tmpl			*tm;
	struct why			 w;
	static char			 buf[TEMPLATE_MAX_FILE];
	char				 path[512];
	size_t				 i, n, len;
	FILE				*f;

	if ((srcdir = getenv("SRCDIR")) == NULL)
		srcdir = ".";
	for (n = 0; tmpl_builtins[n].name != NULL; n++)
		continue;
	ok(n == NELEM(files), "%zu templates are built in", NELEM(files));
	for (i = 0; i < NELEM(files); i++) {
		for (b = tmpl_builtins; b->name != NULL; b++)
			if (strcmp(b->name, files[i]) == 0)
				break;
		snprintf(path, sizeof(path), "%s/html/%s", srcdir, files[i]);
		len = 0;
		if ((f = fopen(path, "rb")) != NULL) {
			len = fread(buf, 1, sizeof(buf), f);
			fclose(f);
		}
		ok(b->name != NULL && f != NULL && b->len == len &&
		    memcmp(b->src, buf, len) == 0 && b->src[len] == '\0',
		    "the built-in %s is html/%s byte for byte", files[i],
		    files[i]);
		if (strstr(files[i], ".html") == NULL)
			continue;
		tm = NULL;
		ok(b->name != NULL && tmpl_parse(b->src, b->len, &tm, &w) ==
		    SL_OK, "the built-in %s parses", files[i]);
		tmpl_free(tm);
	}
}

int
main(void)
{
	test_builtins();
	test_render();
	test_parse_errors();
	test_missing();
	test_reuse();
	test_html_escape();
	return done();
}

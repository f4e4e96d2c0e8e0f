/*
 * t_cookie: the Cookie request header in (RFC 6265 §4.2, §5.4; the odd
 * inputs follow libmicrohttpd's cookie-parser tests) and Set-Cookie out
 * (RFC 6265 §4.1).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "extern.h"
#include "tap.h"

#define MAXPAIRS	6

/*
 * cookie_next: every (name, value) pair a header yields, in order.  Only
 * ';' ends a cookie: a comma is part of a value (browsers keep it there),
 * blanks around names and values are not part of them, and one pair of
 * DQUOTEs around a value is removed (§4.1.1).
 */
struct	nv {
	const char	*name;
	const char	*val;
};

static const struct next_test {
	const char	*hdr;
	size_t		 n;
	struct nv	 nv[MAXPAIRS];
} next_tests[] = {
	{ "", 0, { { NULL, NULL } } },
	{ "   ", 0, { { NULL, NULL } } },
	{ "a=b", 1, { { "a", "b" } } },
	{ "a=b; c=d", 2, { { "a", "b" }, { "c", "d" } } },
	{ "a=b;c=d", 2, { { "a", "b" }, { "c", "d" } } },
	/*
	 * A comma is data: another cookie's value can never smuggle in a
	 * cookie of its own (nor a "__Host-" one past its prefix).
	 */
	{ "a=b, c=d", 1, { { "a", "b, c=d" } } },
	{ "a=b,c=d", 1, { { "a", "b,c=d" } } },
	{ "q=shoes,session=x", 1, { { "q", "shoes,session=x" } } },
	{ "a=b; c=d, e=f", 2, { { "a", "b" }, { "c", "d, e=f" } } },
	{ ";;;name=v", 1, { { "name", "v" } } },
	{ ";;;", 0, { { NULL, NULL } } },
	/* An '=' alone: an empty name and value, which match no cookie. */
	{ "=", 1, { { "", "" } } },
	/* No '=': RFC 6265bis §5.6, an empty name and the text as value. */
	{ "name", 1, { { "", "name" } } },
	{ "a=b; flag; c=d", 3, { { "a", "b" }, { "", "flag" }, { "c", "d" } } },
	{ "=v", 1, { { "", "v" } } },
	/* Blanks around the name and value are not part of them. */
	{ "  a = b  ", 1, { { "a", "b" } } },
	{ "\ta\t=\tb\t;\tc=d", 2, { { "a", "b" }, { "c", "d" } } },
	/* A blank inside a name is kept: "a b" is neither "a" nor "b". */
	{ "a b=c", 1, { { "a b", "c" } } },
	{ "a=b c", 1, { { "a", "b c" } } },
	/* §4.1.1: DQUOTE *cookie-octet DQUOTE; the quotes are not data. */
	{ "a=\"xyz\"", 1, { { "a", "xyz" } } },
	{ "a=\"\"", 1, { { "a", "" } } },
	{ "a= \"xyz\" ; b=1", 2, { { "a", "xyz" }, { "b", "1" } } },
	/* Only a matched pair is removed. */
	{ "a=\"", 1, { { "a", "\"" } } },
	{ "a=\"xyz", 1, { { "a", "\"xyz" } } },
	{ "a=xyz\"", 1, { { "a", "xyz\"" } } },
	{ "a=\"\"x\"\"", 1, { { "a", "\"x\"" } } },
	{ "a=", 1, { { "a", "" } } },
	{ "a=; b=c", 2, { { "a", "" }, { "b", "c" } } },
	{ "a =; b=c", 2, { { "a", "" }, { "b", "c" } } },
	/* An '=' in a value is data (base64 padding). */
	{ "a=b=c", 1, { { "a", "b=c" } } },
	{ "a==", 1, { { "a", "=" } } },
	{ "a=b;", 1, { { "a", "b" } } },
	{ "a=b; ", 1, { { "a", "b" } } },
	{ "a=b;;; ;", 1, { { "a", "b" } } },
	{ " ; ; ;a=b ;; ;c=d;", 2, { { "a", "b" }, { "c", "d" } } },
	{ "a=b;, ,;", 2, { { "a", "b" }, { "", ", ," } } },
	{ "session=abc.def; session=ghi.jkl", 2,
	    { { "session", "abc.def" }, { "session", "ghi.jkl" } } },
	{ "a=1; b=2; c=3; d=4; e=5; f=6", 6,
	    { { "a", "1" }, { "b", "2" }, { "c", "3" }, { "d", "4" },
	    { "e", "5" }, { "f", "6" } } },
};

static int
is(const char *p, size_t len, const char *want)
{
	return len == strlen(want) && memcmp(p, want, len) == 0;
}

static int
next_matches(const struct next_test *t)
{
	struct cookie	 c;
	const char	*p = t->hdr, *end = t->hdr + strlen(t->hdr);
	size_t		 n = 0;

	while (cookie_next(&p, end, &c)) {
		if (n >= t->n || !is(c.name, c.namelen, t->nv[n].name) ||
		    !is(c.val, c.vallen, t->nv[n].val))
			return 0;
		/* Every pair lies inside the header. */
		if (c.name < t->hdr || c.val + c.vallen > end)
			return 0;
		n++;
	}
	/* Once the header is used up it stays used up. */
	return n == t->n && p == end && !cookie_next(&p, end, &c);
}

static void
test_cookie_next(void)
{
	const struct next_test	*t;
	struct cookie		 c;
	const char		*hdr = "a=b; c=d", *p;
	size_t			 i;
	char			 list[256];
	int			 o;

	for (i = 0; i < NELEM(next_tests); i++) {
		t = &next_tests[i];
		list[0] = '\0';
		for (o = 0; (size_t)o < t->n; o++)
			snprintf(list + strlen(list), sizeof(list) -
			    strlen(list), "%s(\"%s\", \"%s\")", o ? " " : "",
			    t->nv[o].name, t->nv[o].val);
		ok(next_matches(t), "cookie_next \"%s\": %zu: %s", t->hdr,
		    t->n, t->n ? list : "none");
	}

	/* END, not the NUL, ends the header. */
	p = hdr;
	ok(cookie_next(&p, hdr + 3, &c) && is(c.name, c.namelen, "a") &&
	    is(c.val, c.vallen, "b") && !cookie_next(&p, hdr + 3, &c),
	    "cookie_next stops at the given end");
	p = hdr;
	ok(cookie_next(&p, hdr + 2, &c) && is(c.name, c.namelen, "a") &&
	    is(c.val, c.vallen, ""), "cookie_next cuts a value at the end");
}

/*
 * cookie_find: every cookie of a name, in the order sent (a second
 * session cookie for another path or domain, or planted by a sibling
 * host, is there to be seen).  VALS lists the values, '|' between them.
 */
static const struct find_test {
	const char	*hdr;
	const char	*name;
	const char	*vals;	/* NULL: none */
} find_tests[] = {
	{ "", "session", NULL },
	{ "a=1; b=2", "session", NULL },
	{ "session=x", "session", "x" },
	{ "a=1; session=x; b=2", "session", "x" },
	{ "session=x; session=x", "session", "x|x" },
	{ "session=x; session=y", "session", "x|y" },
	{ "session=x; session=x; session=y", "session", "x|x|y" },
	/* Quotes are not part of the value. */
	{ "session=\"x\"; session=x", "session", "x|x" },
	{ "session=; session=x", "session", "|x" },
	{ " session = x ", "session", "x" },
	/* Inside another cookie's value is not a cookie. */
	{ "q=shoes,session=x", "session", NULL },
	{ "session=x, other=1, session=y", "session", "x, other=1, session=y" },
	/* Names match whole and by case (RFC 6265 §5.4). */
	{ "sessions=x; session2=y; Session=z; xsession=w", "session", NULL },
	/* A nameless cookie whose value is the name is not the cookie. */
	{ "session", "session", NULL },
};

static void
test_cookie_find(void)
{
	const struct find_test	*t;
	struct cookie		 c;
	const char		*p, *end;
	char			 got[128];
	size_t			 i, n;

	for (i = 0; i < NELEM(find_tests); i++) {
		t = &find_tests[i];
		p = t->hdr;
		end = t->hdr + strlen(t->hdr);
		got[0] = '\0';
		for (n = 0; cookie_find(&p, end, t->name, &c); n++)
			snprintf(got + strlen(got), sizeof(got) - strlen(got),
			    "%s%.*s", n ? "|" : "", (int)c.vallen, c.val);
		if (t->vals == NULL)
			ok(n == 0, "cookie_find \"%s\" in \"%s\": none",
			    t->name, t->hdr);
		else
			ok(n > 0 && strcmp(got, t->vals) == 0,
			    "cookie_find \"%s\" in \"%s\": %s (got %s)",
			    t->name, t->hdr, t->vals, got);
	}
}

/*
 * RFC 6265 §4.1.1:
 *	cookie-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
 * No blank, DQUOTE, comma, semicolon, backslash, control or non-ASCII.
 */
static const struct octet_test {
	const char	*s;
	size_t		 len;
	int		 valid;
} octet_tests[] = {
	/* An empty value is a valid cookie-value. */
	{ "", 0, 1 },
	{ "abc123", 6, 1 },
	{ "AZaz09-_", 8, 1 },			/* base64url */
	{ "abc.def", 7, 1 },
	{ "!#$%&'()*+-./:<=>?@[]^_`{|}~", 28, 1 },
	{ " ", 1, 0 },
	{ "a b", 3, 0 },
	{ "\"", 1, 0 },
	{ "\"abc\"", 5, 0 },
	{ ",", 1, 0 },
	{ ";", 1, 0 },
	{ "\\", 1, 0 },
	{ "\t", 1, 0 },
	{ "a\r", 2, 0 },
	{ "a\n", 2, 0 },
	{ "\x1f", 1, 0 },
	{ "\x7f", 1, 0 },
	{ "\x80", 1, 0 },
	{ "\xc3\xa9", 2, 0 },
	/* A NUL inside the length counts. */
	{ "a\0b", 3, 0 },
};

/* RFC 6265 §4.1.1 cookie-name: an RFC 2616 token. */
static const struct name_test {
	const char	*s;
	size_t		 len;
	int		 valid;
} name_tests[] = {
	{ "session", 7, 1 },
	{ "a", 1, 1 },
	{ "__Host-session", 14, 1 },
	{ "!#$%&'*+-.^_`|~", 15, 1 },		/* every tchar symbol */
	{ "", 0, 0 },
	{ "\xc3\xa9", 2, 0 },
	{ "a\0", 2, 0 },
	{ "a\x7f", 2, 0 },
	{ "a\x01", 2, 0 },
};

static void
test_octets_names(void)
{
	static const char	 seps[] = "()<>@,;:\\\"/[]?={} \t";
	const struct octet_test	*o;
	const struct name_test	*t;
	size_t			 i;
	char			 s[4];

	for (i = 0; i < NELEM(octet_tests); i++) {
		o = &octet_tests[i];
		ok(cookie_octets(o->s, o->len) == o->valid,
		    "cookie_octets \"%s\" (%zu bytes): %s",
		    tap_show(o->s, o->len), o->len, o->valid ? "valid" : "invalid");
	}
	for (i = 0; i < NELEM(name_tests); i++) {
		t = &name_tests[i];
		ok(cookie_name_valid(t->s, t->len) == t->valid,
		    "cookie_name_valid \"%s\" (%zu bytes): %s",
		    tap_show(t->s, t->len), t->len, t->valid ? "valid" : "invalid");
	}
	/* Every RFC 2616 separator, inside a name. */
	for (i = 0; i < sizeof(seps) - 1; i++) {
		s[0] = 'a';
		s[1] = seps[i];
		s[2] = 'b';
		s[3] = '\0';
		ok(!cookie_name_valid(s, 3), "cookie_name_valid refuses "
		    "separator \"%s\"", tap_show(s, 3));
	}
}

/*
 * cookie_emit: exact header lines.  A deletion (RFC 6265 §3.1) only works
 * when it names the same cookie: same name, Path and Domain.
 */
#define NOW	784111777	/* Sun, 06 Nov 1994 08:49:37 GMT */

static const struct cookie_opts	opts_plain = {
	NULL, "/", 0, 1, SAMESITE_LAX
};
static const struct cookie_opts	opts_full = {
	"example.org", "/app", 1, 1, SAMESITE_STRICT
};
static const struct cookie_opts	opts_none = {
	NULL, "/", 1, 0, SAMESITE_NONE
};

static const struct emit_test {
	const char			*why;
	const char			*name;
	const char			*val;
	const struct cookie_opts	*o;
	long long			 maxage;
	const char			*want;
} emit_tests[] = {
	{ "persistent: Expires and Max-Age", "session", "abc", &opts_plain,
	    3600, "Set-Cookie: session=abc; Path=/; "
	    "Expires=Sun, 06 Nov 1994 09:49:37 GMT; Max-Age=3600; "
	    "HttpOnly; SameSite=Lax\r\n" },
	{ "persistent, 10 years", "session", "abc", &opts_plain,
	    315360000, "Set-Cookie: session=abc; Path=/; "
	    "Expires=Wed, 03 Nov 2004 08:49:37 GMT; Max-Age=315360000; "
	    "HttpOnly; SameSite=Lax\r\n" },
	{ "persistent with every attribute", "session", "abc", &opts_full,
	    60, "Set-Cookie: session=abc; Path=/app; Domain=example.org; "
	    "Expires=Sun, 06 Nov 1994 08:50:37 GMT; Max-Age=60; Secure; "
	    "HttpOnly; SameSite=Strict\r\n" },
	{ "browser-session cookie: no Expires, no Max-Age", "session",
	    "abc", &opts_full, -1,
	    "Set-Cookie: session=abc; Path=/app; Domain=example.org; "
	    "Secure; HttpOnly; SameSite=Strict\r\n" },
	{ "deletion with the same Path, Domain and flags", "session", "",
	    &opts_full, 0,
	    "Set-Cookie: session=; Path=/app; Domain=example.org; "
	    "Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Secure; "
	    "HttpOnly; SameSite=Strict\r\n" },
	{ "deletion, plain", "session_csrf", "", &opts_plain, 0,
	    "Set-Cookie: session_csrf=; Path=/; "
	    "Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; "
	    "HttpOnly; SameSite=Lax\r\n" },
	{ "SameSite=None, Secure, not HttpOnly", "__Host-s", "v.w-x_y",
	    &opts_none, -1, "Set-Cookie: __Host-s=v.w-x_y; Path=/; Secure; "
	    "SameSite=None\r\n" },
};

static void
test_cookie_emit(void)
{
	const struct emit_test	*t;
	struct buf		 b, del;
	const char		*cut;
	char			*p = NULL;
	size_t			 i;

	memset(&b, 0, sizeof(b));
	for (i = 0; i < NELEM(emit_tests); i++) {
		t = &emit_tests[i];
		buf_reset(&b);
		ok(cookie_emit(&b, t->name, t->val, strlen(t->val), t->o, NOW,
		    t->maxage) == SL_OK && b.p != NULL && strcmp(b.p, t->want) == 0,
		    "cookie_emit, %s: %.*s", t->why,
		    (int)strlen(t->want) - 2, t->want);
		if (b.p != NULL && strcmp(b.p, t->want) != 0)
			printf("# got: %s", b.p);
	}

	/*
	 * The deletion is the browser-session cookie with an empty value
	 * and the expiry in the past: nothing else may differ.
	 */
	memset(&del, 0, sizeof(del));
	buf_reset(&b);
	cookie_emit(&b, "session", "", 0, &opts_full, NOW, -1);
	cookie_emit(&del, "session", "", 0, &opts_full, NOW, 0);
	cut = "; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0";
	if (del.p != NULL && (p = strstr(del.p, cut)) != NULL)
		memmove(p, p + strlen(cut), strlen(p + strlen(cut)) + 1);
	ok(b.p != NULL && p != NULL && strcmp(del.p, b.p) == 0,
	    "a deletion differs from the cookie only by its expiry");
	buf_free(&del);

	/* Lines are appended: one buffer holds every Set-Cookie. */
	buf_reset(&b);
	cookie_emit(&b, "a", "1", 1, &opts_plain, NOW, -1);
	cookie_emit(&b, "b", "2", 1, &opts_plain, NOW, -1);
	ok(b.p != NULL && strcmp(b.p, "Set-Cookie: a=1; Path=/; HttpOnly; "
	    "SameSite=Lax\r\nSet-Cookie: b=2; Path=/; HttpOnly; "
	    "SameSite=Lax\r\n") == 0, "cookie_emit appends to the buffer");
	buf_free(&b);
}

/*
 * Values and attributes that would break the header or smuggle another
 * attribute are refused, and nothing is written.
 */
static const struct cookie_opts	opts_badpath = {
	NULL, "/a;Domain=evil.example", 0, 1, SAMESITE_LAX
};
static const struct cookie_opts	opts_crlfpath = {
	NULL, "/\r\nSet-Cookie: x=y", 0, 1, SAMESITE_LAX
};
static const struct cookie_opts	opts_baddomain = {
	"example.org; Path=/x", "/", 0, 1, SAMESITE_LAX
};
static const struct cookie_opts	opts_lfdomain = {
	"example.org\nX: y", "/", 0, 1, SAMESITE_LAX
};

static const struct refuse_test {
	const char			*why;
	const char			*name;
	const char			*val;
	size_t				 vlen;
	const struct cookie_opts	*o;
} refuse_tests[] = {
	{ "';' in the value", "session", "a;b", 3, &opts_plain },
	{ "',' in the value", "session", "a,b", 3, &opts_plain },
	{ "a space in the value", "session", "a b", 3, &opts_plain },
	{ "CR in the value", "session", "a\rb", 3, &opts_plain },
	{ "LF in the value", "session", "a\nb", 3, &opts_plain },
	{ "CRLF and a header in the value", "session", "a\r\nX: y", 7,
	    &opts_plain },
	{ "'\"' in the value", "session", "\"ab\"", 4, &opts_plain },
	{ "'\\' in the value", "session", "a\\b", 3, &opts_plain },
	{ "NUL in the value", "session", "a\0b", 3, &opts_plain },
	{ "non-ASCII in the value", "session", "\xc3\xa9", 2, &opts_plain },
	{ "an empty name", "", "v", 1, &opts_plain },
	{ "'=' in the name", "a=b", "v", 1, &opts_plain },
	{ "a space in the name", "a b", "v", 1, &opts_plain },
	{ "';' in the path", "session", "v", 1, &opts_badpath },
	{ "CRLF in the path", "session", "v", 1, &opts_crlfpath },
	{ "';' in the domain", "session", "v", 1, &opts_baddomain },
	{ "LF in the domain", "session", "v", 1, &opts_lfdomain },
};

static void
test_cookie_refuse(void)
{
	const struct refuse_test	*t;
	struct buf			 b;
	size_t				 i;
	int				 rc;

	memset(&b, 0, sizeof(b));
	for (i = 0; i < NELEM(refuse_tests); i++) {
		t = &refuse_tests[i];
		buf_reset(&b);
		rc = cookie_emit(&b, t->name, t->val, t->vlen, t->o, NOW, 60) ==
		    SL_OK;
		ok(rc == 0 && b.len == 0, "cookie_emit refuses %s", t->why);
	}
	buf_free(&b);
}

/* RFC 9110 §5.6.7 IMF-fixdate, always in GMT, always 29 characters. */
static const struct date_test {
	long long	 t;
	const char	*want;
} date_tests[] = {
	{ 0, "Thu, 01 Jan 1970 00:00:00 GMT" },
	{ 784111777, "Sun, 06 Nov 1994 08:49:37 GMT" },	/* RFC 9110 */
	{ 951782400, "Tue, 29 Feb 2000 00:00:00 GMT" },	/* leap day */
	{ 1767225600, "Thu, 01 Jan 2026 00:00:00 GMT" },
	{ 2147483648LL, "Tue, 19 Jan 2038 03:14:08 GMT" },	/* past 2^31 */
	{ 253402300799LL, "Fri, 31 Dec 9999 23:59:59 GMT" },
	/* A five-digit year does not fit the format: the last date does. */
	{ 253402300800LL, "Fri, 31 Dec 9999 23:59:59 GMT" },
	/* Before the epoch (a year below 0 made "Aug )+*("): the epoch. */
	{ -1, "Thu, 01 Jan 1970 00:00:00 GMT" },
	{ -616539262093LL, "Thu, 01 Jan 1970 00:00:00 GMT" },
};

static void
test_http_date(void)
{
	const struct date_test	*t;
	char			 out[31];
	size_t			 i;

	for (i = 0; i < NELEM(date_tests); i++) {
		t = &date_tests[i];
		memset(out, 'Z', sizeof(out));
		http_date((time_t)t->t, out);
		ok(memcmp(out, t->want, 30) == 0 && out[30] == 'Z',
		    "http_date %lld is \"%s\"", t->t, t->want);
	}
}

int
main(void)
{
	test_cookie_next();
	test_cookie_find();
	test_octets_names();
	test_cookie_emit();
	test_cookie_refuse();
	test_http_date();
	return done();
}

/*
 * t_form: application/x-www-form-urlencoded as the WHATWG URL standard
 * §5.1 parses it, and UTF-8 as RFC 3629 defines it (the checks on a
 * line of user text are t_text's).  Inputs carry explicit lengths: a
 * decoded NUL byte must not hide the rest of a value.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "extern.h"
#include "tap.h"

static int
same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/*
 * pct_decode: '+' becomes a space before percent-decoding (§5.1 step
 * 3.3), so "%2B" stays a plus; a '%' not followed by two hex digits is
 * kept as it is (§1.3 percent-decode) and reported.
 */
static const struct pct_test {
	const char	*in;
	size_t		 inlen;
	const char	*out;
	size_t		 outlen;
	int		 bad;
} pct_tests[] = {
	{ S(""), S(""), 0 },
	{ S("abc"), S("abc"), 0 },
	{ S("a+b"), S("a b"), 0 },
	/* The plus is decoded after '+' handling: it survives. */
	{ S("%2B"), S("+"), 0 },
	{ S("+%2B+"), S(" + "), 0 },
	{ S("%41%42"), S("AB"), 0 },
	/* Hex digits in either case. */
	{ S("%4a%4A"), S("JJ"), 0 },
	{ S("%20+"), S("  "), 0 },
	/* A NUL byte is decoded like any other: the length says so. */
	{ S("%00"), S("\0"), 0 },
	{ S("a%00b"), S("a\0b"), 0 },
	{ S("%e2%82%ac"), S("\xe2\x82\xac"), 0 },
	{ S("%"), S("%"), 1 },
	{ S("100%"), S("100%"), 1 },
	/* One hex digit is not enough, at the end or before a non-digit. */
	{ S("%4"), S("%4"), 1 },
	{ S("a%4"), S("a%4"), 1 },
	{ S("%4g"), S("%4g"), 1 },
	{ S("%zz"), S("%zz"), 1 },
	/* The first '%' stays; the second starts a valid sequence. */
	{ S("%%41"), S("%A"), 1 },
	/* '+' after a stray '%' is still a space. */
	{ S("%+1"), S("% 1"), 1 },
	/* Not a hex digit, though strtol would take the sign. */
	{ S("%-1"), S("%-1"), 1 },
};

static void
test_pct_decode(void)
{
	const struct pct_test	*t;
	char			 out[64], inplace[64];
	size_t			 i, n, m;
	int			 bad, bad2;

	for (i = 0; i < NELEM(pct_tests); i++) {
		t = &pct_tests[i];
		/* Bytes past the result must be left alone. */
		memset(out, 'Z', sizeof(out));
		bad = 0;
		n = pct_decode(out, t->in, t->inlen, &bad);
		/* OUT may equal IN. */
		memcpy(inplace, t->in, t->inlen);
		bad2 = 0;
		m = pct_decode(inplace, inplace, t->inlen, &bad2);
		ok(same(out, n, t->out, t->outlen) && out[n] == 'Z' &&
		    bad == t->bad && same(inplace, m, t->out, t->outlen) &&
		    bad2 == t->bad,
		    "pct_decode \"%s\" gives \"%s\" (%zu bytes), bad %d",
		    tap_show(t->in, t->inlen), tap_show(t->out, t->outlen),
		    t->outlen, t->bad);
	}

	/* The flag accumulates over calls: form_decode relies on it. */
	bad = 1;
	pct_decode(out, "abc", 3, &bad);
	ok(bad == 1, "pct_decode never clears a bad flag already set");

	/* The length, not a NUL, ends the input. */
	bad = 0;
	n = pct_decode(out, "ab%41cd", 5, &bad);
	ok(same(out, n, "abA", 3) && bad == 0,
	    "pct_decode stops at the given length");
	bad = 0;
	n = pct_decode(out, "ab%41", 4, &bad);
	ok(same(out, n, "ab%4", 4) && bad == 1,
	    "pct_decode does not read a hex digit past the given length");
}

/*
 * form_decode: split on '&', skip empty sequences, split each at its first
 * '=' (none: empty value), decode both halves; report NUL bytes, invalid
 * UTF-8 and stray '%' in flags, leaving the decision to the caller.
 */
struct	kv {
	const char	*k;
	size_t		 klen;
	const char	*v;
	size_t		 vlen;
};

static const struct form_test {
	const char	*in;
	size_t		 len;
	unsigned int	 flags;
	size_t		 n;
	struct kv	 kv[4];
} form_tests[] = {
	{ S(""), 0, 0, { { NULL, 0, NULL, 0 } } },
	{ S("a=b"), 0, 1, { { S("a"), S("b") } } },
	{ S("a=b&c=d"), 0, 2, { { S("a"), S("b") }, { S("c"), S("d") } } },
	/* Step 3.1: empty sequences are skipped. */
	{ S("&&a=b&&"), 0, 1, { { S("a"), S("b") } } },
	{ S("&"), 0, 0, { { NULL, 0, NULL, 0 } } },
	/* No '=': the whole sequence is the name, the value is empty. */
	{ S("a"), 0, 1, { { S("a"), S("") } } },
	{ S("a=&b"), 0, 2, { { S("a"), S("") }, { S("b"), S("") } } },
	{ S("=b"), 0, 1, { { S(""), S("b") } } },
	/* "=" is a sequence, not an empty one: an empty name and value. */
	{ S("="), 0, 1, { { S(""), S("") } } },
	/* Split at the first '=' only. */
	{ S("a=b=c"), 0, 1, { { S("a"), S("b=c") } } },
	/* Repeated names are all kept, in order. */
	{ S("a=1&a=2&b=3&a=4"), 0, 4,
	    { { S("a"), S("1") }, { S("a"), S("2") }, { S("b"), S("3") },
	    { S("a"), S("4") } } },
	{ S("a+b=c+d"), 0, 1, { { S("a b"), S("c d") } } },
	{ S("k=%2B"), 0, 1, { { S("k"), S("+") } } },
	/* Encoded '&' and '=' are data: splitting comes first. */
	{ S("a=%26&b"), 0, 2, { { S("a"), S("&") }, { S("b"), S("") } } },
	{ S("a%3Db=c"), 0, 1, { { S("a=b"), S("c") } } },
	{ S("%c3%a9=%C3%A9"), 0, 1,
	    { { S("\xc3\xa9"), S("\xc3\xa9") } } },
	/* A decoded NUL: two bytes, NUL then 'b', and the flag. */
	{ S("a=%00b"), FORM_NUL, 1, { { S("a"), S("\0b") } } },
	{ S("%00=x"), FORM_NUL, 1, { { S("\0"), S("x") } } },
	/* A raw NUL in the body counts the same. */
	{ S("a=\0b"), FORM_NUL, 1, { { S("a"), S("\0b") } } },
	{ S("a=%ff"), FORM_BADUTF8, 1, { { S("a"), S("\xff") } } },
	{ S("%c0%80=x"), FORM_BADUTF8, 1, { { S("\xc0\x80"), S("x") } } },
	{ S("a=%zz"), FORM_BADPCT, 1, { { S("a"), S("%zz") } } },
	{ S("a=%&b=c"), FORM_BADPCT, 2,
	    { { S("a"), S("%") }, { S("b"), S("c") } } },
	{ S("a%=1"), FORM_BADPCT, 1, { { S("a%"), S("1") } } },
	/* Flags from different pairs add up. */
	{ S("a=%ff&b=%00&%zz"), FORM_BADUTF8 | FORM_NUL | FORM_BADPCT, 3,
	    { { S("a"), S("\xff") }, { S("b"), S("\0") },
	    { S("%zz"), S("") } } },
	/* The length ends the input, not the end of the C string. */
	{ "a=b&c=d", 3, 0, 1, { { S("a"), S("b") } } },
	{ "a=%41", 4, FORM_BADPCT, 1, { { S("a"), S("%4") } } },
};

static int
form_matches(const struct form_test *t, const struct sl_pair *p, size_t n,
    unsigned int flags)
{
	size_t	 i;

	if (n != t->n || flags != t->flags)
		return 0;
	for (i = 0; i < n; i++) {
		if (!same(p[i].key, p[i].keylen, t->kv[i].k, t->kv[i].klen) ||
		    !same(p[i].val, p[i].vallen, t->kv[i].v, t->kv[i].vlen))
			return 0;
		/* Each decoded string is also NUL-terminated. */
		if (p[i].key[p[i].keylen] != '\0' ||
		    p[i].val[p[i].vallen] != '\0')
			return 0;
	}
	return 1;
}

static void
test_form_decode(void)
{
	const struct form_test	*t;
	struct arena		 a;
	struct sl_pair		*p;
	size_t			 i, n;
	unsigned int		 flags;
	int			 rc;

	for (i = 0; i < NELEM(form_tests); i++) {
		t = &form_tests[i];
		memset(&a, 0, sizeof(a));
		p = NULL;
		n = 99;
		flags = 0xff;
		rc = form_decode(&a, t->in, t->len, &p, &n, &flags) == SL_OK;
		ok(rc == 1 && form_matches(t, p, n, flags),
		    "form_decode \"%s\" (%zu bytes): %zu pairs, flags %#x",
		    tap_show(t->in, t->len), t->len, t->n, t->flags);
		arena_free(&a);
	}
}

/*
 * RFC 3629 §3 and §4: the shortest form only, no surrogates, nothing past
 * U+10FFFF, and every sequence complete.
 */
static const struct utf8_test {
	const char	*s;
	size_t		 len;
	int		 valid;
} utf8_tests[] = {
	{ S(""), 1 },
	{ S("abc"), 1 },
	/* NUL is valid UTF-8: FORM_NUL is a separate check. */
	{ S("\0"), 1 },
	{ S("\x7f"), 1 },
	{ S("\xc2\x80"), 1 },			/* U+0080, first 2-byte */
	{ S("\xc3\xa9"), 1 },			/* U+00E9 */
	{ S("\xdf\xbf"), 1 },			/* U+07FF, last 2-byte */
	{ S("\xe0\xa0\x80"), 1 },		/* U+0800, first 3-byte */
	{ S("\xe2\x82\xac"), 1 },		/* U+20AC */
	{ S("\xed\x9f\xbf"), 1 },		/* U+D7FF, before surrogates */
	{ S("\xee\x80\x80"), 1 },		/* U+E000, after them */
	{ S("\xef\xbf\xbf"), 1 },		/* U+FFFF */
	{ S("\xf0\x90\x80\x80"), 1 },		/* U+10000, first 4-byte */
	{ S("\xf0\x9f\x98\x80"), 1 },		/* U+1F600 */
	{ S("\xf4\x8f\xbf\xbf"), 1 },		/* U+10FFFF, the last */
	{ S("a\xc3\xa9z\xe2\x82\xac"), 1 },
	/* Overlong forms: C0 and C1 can only start one. */
	{ S("\xc0\x80"), 0 },
	{ S("\xc1\xbf"), 0 },
	{ S("\xe0\x80\x80"), 0 },
	{ S("\xe0\x9f\xbf"), 0 },		/* U+07FF in three bytes */
	{ S("\xf0\x80\x80\x80"), 0 },
	{ S("\xf0\x8f\xbf\xbf"), 0 },		/* U+FFFF in four bytes */
	/* UTF-16 surrogates (CESU-8). */
	{ S("\xed\xa0\x80"), 0 },		/* U+D800 */
	{ S("\xed\xbf\xbf"), 0 },		/* U+DFFF */
	/* Past U+10FFFF. */
	{ S("\xf4\x90\x80\x80"), 0 },		/* U+110000 */
	{ S("\xf5\x80\x80\x80"), 0 },
	{ S("\xf8\x88\x80\x80\x80"), 0 },	/* old 5-byte form */
	{ S("\xfe"), 0 },
	{ S("\xff"), 0 },
	/* A continuation byte with nothing to continue. */
	{ S("\x80"), 0 },
	{ S("a\xbf"), 0 },
	/* Truncated sequences. */
	{ S("\xc3"), 0 },
	{ S("a\xc3"), 0 },
	{ S("\xe2\x82"), 0 },
	{ S("\xf0\x9f\x98"), 0 },
	/* A full sequence cut by the length given. */
	{ "\xe2\x82\xac", 2, 0 },
	/* A lead byte followed by something that is not a continuation. */
	{ S("\xc3\x28"), 0 },
	{ S("\xe2\x28\xa1"), 0 },
	{ S("\xf0\x9f\x28\x80"), 0 },
	{ S("\xc3\xc3\xa9"), 0 },
};

static void
test_utf8_valid(void)
{
	const struct utf8_test	*t;
	size_t			 i;

	for (i = 0; i < NELEM(utf8_tests); i++) {
		t = &utf8_tests[i];
		ok(utf8_valid(t->s, t->len) == t->valid,
		    "utf8_valid \"%s\" (%zu bytes) is %s",
		    tap_show(t->s, t->len), t->len, t->valid ? "valid" : "invalid");
	}
}

/*
 * sl_pairs_get counts every occurrence of a name (a repeated field is
 * for the caller to refuse) and gives the first value.
 */
static const struct get_test {
	const char	*key;
	size_t		 count;
	const char	*val;
	size_t		 vallen;
} get_tests[] = {
	{ "a", 2, S("1") },
	{ "b", 1, S("2") },
	/* Names match whole: "a" is not "ab", nor "a\0x". */
	{ "ab", 1, S("4") },
	{ "", 1, S("5") },
	{ "c", 0, NULL, 0 },
	{ "A", 0, NULL, 0 },
};

static void
test_pairs_get(void)
{
	static const char	 body[] = "a=1&b=2&a=3&ab=4&=5&a%00x=6";
	const struct get_test	*t;
	struct arena		 a;
	struct sl_pair		*p;
	const char		*val;
	size_t			 i, n, vallen, count;
	unsigned int		 flags;

	memset(&a, 0, sizeof(a));
	if (form_decode(&a, body, sizeof(body) - 1, &p, &n, &flags) !=
	    SL_OK) {
		ok(0, "form_decode for sl_pairs_get");
		return;
	}
	for (i = 0; i < NELEM(get_tests); i++) {
		t = &get_tests[i];
		val = "untouched";
		vallen = 99;
		count = sl_pairs_get(p, n, t->key, &val, &vallen);
		if (t->count == 0)
			ok(count == 0 && strcmp(val, "untouched") == 0 &&
			    vallen == 99, "sl_pairs_get \"%s\" in \"%s\": none,"
			    " the outputs left alone", t->key, body);
		else
			ok(count == t->count &&
			    same(val, vallen, t->val, t->vallen),
			    "sl_pairs_get \"%s\" in \"%s\": %zu, first \"%s\"",
			    t->key, body, t->count, t->val);
	}
	ok(sl_pairs_get(p, n, "a", NULL, NULL) == 2,
	    "sl_pairs_get counts with NULL outputs");
	ok(sl_pairs_get(NULL, 0, "a", &val, &vallen) == 0,
	    "sl_pairs_get on no pairs finds nothing");
	arena_free(&a);
}

int
main(void)
{
	test_pct_decode();
	test_form_decode();
	test_utf8_valid();
	test_pairs_get();
	return done();
}

/*
 * t_text: a line of user text (a username) by Unicode's rules (DESIGN
 * "Errors and limits"): stored trimmed of White_Space and in NFC; refused
 * when empty or blank, or holding a control, format, private-use,
 * unassigned, noncharacter or default-ignorable code point; its length
 * counted after NFC.  The tests check the kind of reason, not its
 * wording.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"
#include "../memio.h"
#include "tap.h"

/* Ten of a string, for lengths. */
#define TEN(s)	s s s s s s s s s s

static int
same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/*
 * sl_text_check: the text as it is, neither trimmed nor normalized.
 */
static const struct check_test {
	const char	*s;
	size_t		 len;
	size_t		 max;
	const char	*why;	/* NULL: accepted; else part of the reason */
} check_tests[] = {
	{ S("alice"), 10, NULL },
	{ S("Alice B. O'Neil"), 20, NULL },
	{ S(""), 10, "empty" },
	{ S("a\tb"), 10, "control" },
	/* CR and LF would forge log lines and headers. */
	{ S("a\nb"), 10, "control" },
	{ S("a\rb"), 10, "control" },
	{ S("a\0b"), 10, "control" },
	{ S("\x1f"), 10, "control" },
	{ S("a\x7f"), 10, "control" },		/* DEL */
	/* C1 controls, as UTF-8: U+0085 NEL is a line break to some. */
	{ S("a\xc2\x85z"), 10, "control" },
	{ S("\xc2\x80"), 10, "control" },	/* U+0080, first C1 */
	{ S("\xc2\x9f"), 10, "control" },	/* U+009F, last C1 */
	{ S("a\xc2\xa0" "b"), 10, NULL },		/* U+00A0, not a control */
	/* Only spaces, of any kind, is no name. */
	{ S(" "), 10, "blank" },
	{ S("\xc2\xa0"), 10, "blank" },		/* U+00A0 */
	{ S("\xe3\x80\x80 \xe2\x80\x83"), 10, "blank" },	/* U+3000, U+2003 */
	{ S("a\xe2\x80\xa8" "b"), 10, "control" },	/* U+2028 LINE SEPARATOR */
	/* Invisible or reordering: a name that passes for another. */
	{ S("adm\xe2\x80\x8bin"), 10, "invisible" },	/* U+200B ZWSP */
	{ S("abc\xe2\x80\xaexyz"), 10, "invisible" },	/* U+202E RLO */
	{ S("\xef\xbb\xbf" "bob"), 10, "invisible" },	/* U+FEFF BOM */
	{ S("a\xc2\xad" "b"), 10, "invisible" },		/* U+00AD SHY */
	{ S("\xc3\xa9t\xc3\xa9"), 10, NULL },
	{ S("\xff"), 10, "UTF-8" },
	/* An overlong NUL must not pass as a non-control character. */
	{ S("a\xc0\x80"), 10, "UTF-8" },
	{ S("\xed\xa0\x80"), 10, "UTF-8" },
	/* Length is counted in characters, not bytes. */
	{ S("abcdefghij"), 10, NULL },
	{ S("abcdefghijk"), 10, "long" },
	{ S("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"), 10, NULL },
	{ S("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"), 10, "long" },
	{ S("\xf0\x9f\x98\x80\xf0\x9f\x98\x80"), 2, NULL },
	{ S("\xf0\x9f\x98\x80\xf0\x9f\x98\x80"), 1, "long" },
	/* What the hand-kept tables missed. */
	{ S("\xe3\x85\xa4"), 10, "invisible" },	/* U+3164 HANGUL FILLER */
	{ S("bob\xf3\xa0\x81\x81"), 10, "invisible" },	/* U+E0041 TAG A */
	{ S("bob\xef\xb8\x8f"), 10, "invisible" },	/* U+FE0F VS16 */
	{ S("\xcd\x8f"), 10, "invisible" },	/* U+034F CGJ */
	{ S("\xee\x80\x80"), 10, "private" },	/* U+E000 */
	{ S("\xef\xbf\xbe"), 10, "private" },	/* U+FFFE */
	{ S("\xcd\xb8"), 10, "private" },	/* U+0378, unassigned */
};

static void
test_check(void)
{
	const struct check_test	*t;
	const char		*why;
	size_t			 i;

	for (i = 0; i < NELEM(check_tests); i++) {
		t = &check_tests[i];
		why = sl_text_check(t->s, t->len, t->max);
		if (t->why == NULL)
			ok(why == NULL, "sl_text_check \"%s\" (max %zu) "
			    "accepts it%s%s", tap_show(t->s, t->len), t->max,
			    why != NULL ? ": got " : "",
			    why != NULL ? why : "");
		else
			ok(why != NULL && strstr(why, t->why) != NULL,
			    "sl_text_check \"%s\" (max %zu) refuses it: "
			    "\"%s\"%s%s", tap_show(t->s, t->len), t->max,
			    t->why, why != NULL ? ", got " : ", accepted",
			    why != NULL ? why : "");
	}
}

/*
 * text_clean: trimmed, NFC, checked.  Accepted entries give the text to
 * store; refused ones part of the reason.
 */
static const struct clean_test {
	const char	*in;
	size_t		 inlen;
	size_t		 max;
	const char	*out;	/* NULL: refused */
	size_t		 outlen;
	const char	*why;
} clean_tests[] = {
	{ S("alice"), 10, S("alice"), NULL },
	/* White_Space around a name is trimmed, of every kind. */
	{ S(" \talice\t "), 10, S("alice"), NULL },
	{ S("  alice\xc2\xa0"), 10, S("alice"), NULL },	/* U+00A0 NBSP */
	{ S("\xe3\x80\x80" "alice\xe3\x80\x80"), 10, S("alice"), NULL },
	{ S("\xe2\x80\xaf" "bob\xe2\x80\x87"), 10, S("bob"), NULL },
	{ S("\xe1\x9a\x80" "bob\xe2\x80\x8a"), 10, S("bob"), NULL },
	{ S("\r\nalice\r\n"), 10, S("alice"), NULL },
	{ S("\xc2\x85" "alice\xe2\x80\xa9"), 10, S("alice"), NULL },
	/* ...and kept inside it. */
	{ S("a\xc2\xa0" "b"), 10, S("a\xc2\xa0" "b"), NULL },
	{ S(" Mary\xe3\x80\x80" "Ann "), 10, S("Mary\xe3\x80\x80" "Ann"),
	    NULL },
	/* Trimmed before counting. */
	{ S(" abcdefghij\xc2\xa0"), 10, S("abcdefghij"), NULL },
	/* A combining mark with nothing to combine with shows as nothing. */
	{ S("\xcc\x81"), 10, NULL, 0, "combining" },		/* U+0301 alone */
	{ S(" \xcc\x81"), 10, NULL, 0, "combining" },	/* after a blank */
	{ S("a \xcc\x81" "b"), 10, NULL, 0, "combining" },
	{ S("\xe0\xa4\xbe" "a"), 10, NULL, 0, "combining" },	/* U+093E, Mc */
	{ S("a\xcc\x81\xcc\xa3"), 10, S("\xe1\xba\xa1\xcc\x81"), NULL },
	/* NFC: one name, however it was typed (UAX #15). */
	{ S("e\xcc\x81"), 10, S("\xc3\xa9"), NULL },
	{ S("\xc3\xa9"), 10, S("\xc3\xa9"), NULL },
	{ S("Jose\xcc\x81"), 10, S("Jos\xc3\xa9"), NULL },
	{ S("Zoe\xcc\x88 "), 10, S("Zo\xc3\xab"), NULL },
	/* Canonical order first: dot below before circumflex, U+1EC7. */
	{ S("e\xcc\x82\xcc\xa3"), 10, S("\xe1\xbb\x87"), NULL },
	{ S("e\xcc\xa3\xcc\x82"), 10, S("\xe1\xbb\x87"), NULL },
	/* Singletons: U+212B ANGSTROM SIGN is U+00C5, U+2000 is U+2002. */
	{ S("\xe2\x84\xab"), 10, S("\xc3\x85"), NULL },
	{ S("a\xe2\x80\x80" "b"), 10, S("a\xe2\x80\x82" "b"), NULL },
	/* Hangul jamo compose: L V is U+AC00, L V T is U+AC01. */
	{ S("\xe1\x84\x80\xe1\x85\xa1"), 10, S("\xea\xb0\x80"), NULL },
	{ S("\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8"), 10, S("\xea\xb0\x81"),
	    NULL },
	/* The length is counted after NFC. */
	{ S(TEN("e\xcc\x81")), 10, S(TEN("\xc3\xa9")), NULL },
	{ S(TEN("e\xcc\x81") "e\xcc\x81"), 10, NULL, 0, "long" },
	{ S(TEN("\xe1\x84\x80\xe1\x85\xa1")), 10, S(TEN("\xea\xb0\x80")),
	    NULL },
	{ S(TEN("\xe1\x84\x80\xe1\x85\xa1") "a"), 10, NULL, 0, "long" },
	{ S("abcdefghijk"), 10, NULL, 0, "long" },
	{ S("\xf0\x9f\x98\x80"), 1, S("\xf0\x9f\x98\x80"), NULL },

	{ S(""), 10, NULL, 0, "empty" },
	/* Nothing left once trimmed. */
	{ S(" "), 10, NULL, 0, "blank" },
	{ S(" \t "), 10, NULL, 0, "blank" },
	{ S("\xc2\xa0"), 10, NULL, 0, "blank" },
	{ S("\xe3\x80\x80\xe2\x80\xaf\xe2\x80\x83"), 10, NULL, 0, "blank" },

	/* Hangul fillers: letters, default-ignorable, shown as nothing. */
	{ S("\xe3\x85\xa4"), 10, NULL, 0, "invisible" },	/* U+3164 */
	{ S("\xe1\x85\x9f"), 10, NULL, 0, "invisible" },	/* U+115F */
	{ S("\xe1\x85\xa0"), 10, NULL, 0, "invisible" },	/* U+1160 */
	{ S("\xef\xbe\xa0"), 10, NULL, 0, "invisible" },	/* U+FFA0 */
	{ S("alice\xe3\x85\xa4"), 10, NULL, 0, "invisible" },
	{ S("\xe1\x85\x9f\xe1\x85\xa1"), 10, NULL, 0, "invisible" },
	/* Tag characters after a real name. */
	{ S("bob\xf3\xa0\x81\x81"), 10, NULL, 0, "invisible" },	/* E0041 */
	{ S("bob\xf3\xa0\x81\xbf"), 10, NULL, 0, "invisible" },	/* E007F */
	{ S("bob\xf3\xa0\x80\x81"), 10, NULL, 0, "invisible" },	/* E0001 */
	/* Unassigned, but in the default-ignorable block U+E0000.. */
	{ S("bob\xf3\xa0\x80\x80"), 10, NULL, 0, "invisible" },	/* E0000 */
	{ S("bob\xf3\xa0\x82\x80"), 10, NULL, 0, "invisible" },	/* E0080 */
	/* The combining grapheme joiner, alone or after a letter. */
	{ S("\xcd\x8f"), 10, NULL, 0, "invisible" },		/* U+034F */
	{ S("a\xcd\x8f"), 10, NULL, 0, "invisible" },
	/* Variation selectors, alone and after a letter. */
	{ S("\xef\xb8\x8f"), 10, NULL, 0, "invisible" },	/* U+FE0F */
	{ S("\xef\xb8\x80"), 10, NULL, 0, "invisible" },	/* U+FE00 */
	{ S("a\xef\xb8\x8f"), 10, NULL, 0, "invisible" },
	{ S("a\xf3\xa0\x84\x80"), 10, NULL, 0, "invisible" },	/* E0100 */
	{ S("\xe1\xa0\x8b"), 10, NULL, 0, "invisible" },	/* U+180B */
	{ S("a\xe1\xa0\x8b"), 10, NULL, 0, "invisible" },
	/* Default-ignorable but not Cf: U+17B4 is Mn, U+115F Lo above. */
	{ S("a\xe1\x9e\xb4"), 10, NULL, 0, "invisible" },
	/* Cf, each kind. */
	{ S("adm\xe2\x80\x8bin"), 10, NULL, 0, "invisible" },	/* U+200B */
	{ S("a\xe2\x80\x8c" "b"), 10, NULL, 0, "invisible" },	/* U+200C */
	{ S("a\xe2\x80\x8d" "b"), 10, NULL, 0, "invisible" },	/* U+200D */
	{ S("a\xe2\x80\x8e" "b"), 10, NULL, 0, "invisible" },	/* U+200E */
	{ S("abc\xe2\x80\xaexyz"), 10, NULL, 0, "invisible" },	/* U+202E */
	{ S("a\xe2\x81\xa6" "b"), 10, NULL, 0, "invisible" },	/* U+2066 */
	{ S("a\xe2\x81\xa0" "b"), 10, NULL, 0, "invisible" },	/* U+2060 */
	{ S("a\xe2\x81\xa4" "b"), 10, NULL, 0, "invisible" },	/* U+2064 */
	{ S("\xef\xbb\xbf" "bob"), 10, NULL, 0, "invisible" },	/* U+FEFF */
	{ S("a\xc2\xad" "b"), 10, NULL, 0, "invisible" },	/* U+00AD */
	{ S("a\xd8\x9c" "b"), 10, NULL, 0, "invisible" },	/* U+061C */
	{ S("\xd8\x80" "1"), 10, NULL, 0, "invisible" },	/* U+0600 */
	{ S("a\xe1\xa0\x8e" "b"), 10, NULL, 0, "invisible" },	/* U+180E */
	{ S("a\xef\xbf\xb9" "b"), 10, NULL, 0, "invisible" },	/* U+FFF9 */
	{ S("a\xf0\x91\x82\xbd"), 10, NULL, 0, "invisible" },	/* 110BD */
	{ S("a\xf0\x9d\x85\xb3"), 10, NULL, 0, "invisible" },	/* 1D173 */
	{ S("a\xf0\x9b\xb2\xa0"), 10, NULL, 0, "invisible" },	/* 1BCA0 */
	/* Not White_Space, so never trimmed: refused. */
	{ S(" \xe2\x80\x8b "), 10, NULL, 0, "invisible" },
	{ S("alice\xe2\x80\x8b"), 10, NULL, 0, "invisible" },
	/* Noncharacters. */
	{ S("\xef\xb7\x90"), 10, NULL, 0, "private" },		/* U+FDD0 */
	{ S("a\xef\xb7\xaf"), 10, NULL, 0, "private" },		/* U+FDEF */
	{ S("a\xef\xbf\xbe"), 10, NULL, 0, "private" },		/* U+FFFE */
	{ S("a\xef\xbf\xbf"), 10, NULL, 0, "private" },		/* U+FFFF */
	{ S("a\xf0\x9f\xbf\xbe"), 10, NULL, 0, "private" },	/* 1FFFE */
	{ S("a\xf4\x8f\xbf\xbf"), 10, NULL, 0, "private" },	/* 10FFFF */
	/* Private use, in the BMP and in planes 15 and 16. */
	{ S("\xee\x80\x80"), 10, NULL, 0, "private" },		/* U+E000 */
	{ S("a\xef\xa3\xbf"), 10, NULL, 0, "private" },		/* U+F8FF */
	{ S("a\xf3\xb0\x80\x80"), 10, NULL, 0, "private" },	/* F0000 */
	{ S("a\xf4\x8f\xbf\xbd"), 10, NULL, 0, "private" },	/* 10FFFD */
	/* Unassigned. */
	{ S("a\xcd\xb8"), 10, NULL, 0, "private" },		/* U+0378 */
	{ S("a\xf0\xaf\xbf\xbd"), 10, NULL, 0, "private" },	/* 2FFFD */
	{ S("a\xf1\x80\x80\x80"), 10, NULL, 0, "private" },	/* 40000 */
	/* C0, DEL, C1 inside a name; Zl and Zp inside one. */
	{ S("a\x01" "b"), 10, NULL, 0, "control" },
	{ S("a\x1f" "b"), 10, NULL, 0, "control" },
	{ S("a\tb"), 10, NULL, 0, "control" },
	{ S("alice\r\nSet-Cookie: x"), 30, NULL, 0, "control" },
	{ S("a\0b"), 10, NULL, 0, "control" },
	{ S("\0"), 10, NULL, 0, "control" },
	{ S("a\x7f"), 10, NULL, 0, "control" },
	{ S("a\xc2\x80" "b"), 10, NULL, 0, "control" },	/* U+0080 */
	{ S("a\xc2\x85" "b"), 10, NULL, 0, "control" },	/* U+0085 NEL */
	{ S("a\xc2\x9f" "b"), 10, NULL, 0, "control" },	/* U+009F */
	{ S("a\xe2\x80\xa8" "b"), 10, NULL, 0, "control" },	/* U+2028 */
	{ S("a\xe2\x80\xa9" "b"), 10, NULL, 0, "control" },	/* U+2029 */
	/* Surrogates, encoded as UTF-8 (and CESU-8): not UTF-8 at all. */
	{ S("\xed\xa0\x80"), 10, NULL, 0, "UTF-8" },		/* U+D800 */
	{ S("a\xed\xbf\xbf"), 10, NULL, 0, "UTF-8" },		/* U+DFFF */
	{ S("\xed\xa0\xbd\xed\xb8\x80"), 10, NULL, 0, "UTF-8" },
	{ S("a\xc0\x80"), 10, NULL, 0, "UTF-8" },
	{ S("\xf4\x90\x80\x80"), 10, NULL, 0, "UTF-8" },
	{ S("\xff"), 10, NULL, 0, "UTF-8" },
	{ S("alice\xc3"), 10, NULL, 0, "UTF-8" },
	/* Invalid bytes are refused before trimming could drop them. */
	{ S("alice \xff"), 10, NULL, 0, "UTF-8" },
};

static void
test_clean(void)
{
	const struct clean_test	*t;
	struct why		 w, w2;
	const char		*why;
	char			*out, *again;
	size_t			 i, outlen, againlen;
	enum sl_err		 e;

	for (i = 0; i < NELEM(clean_tests); i++) {
		t = &clean_tests[i];
		why_clear(&w);
		e = text_clean(t->in, t->inlen, t->max, &out, &outlen, &w);
		why = w.msg[0] != '\0' ? w.msg : NULL;
		if (t->out == NULL) {
			ok(e == SL_EBADREQ && out == NULL && why != NULL &&
			    strstr(why, t->why) != NULL,
			    "text_clean \"%s\" (max %zu) refuses it: "
			    "\"%s\"%s%s",
			    tap_show(t->in, t->inlen), t->max, t->why,
			    why != NULL ? ", got " : ", accepted",
			    why != NULL ? why : "");
			continue;
		}
		ok(e == SL_OK && out != NULL && same(out, outlen, t->out,
		    t->outlen) && out[outlen] == '\0',
		    "text_clean \"%s\" (max %zu) gives \"%s\"%s%s",
		    tap_show(t->in, t->inlen), t->max,
		    tap_show(t->out, t->outlen),
		    e == SL_OK ? ", got " : ": refused, ",
		    e == SL_OK ? tap_show(out, outlen) : why);
		if (e != SL_OK)
			continue;
		/* What it stores is clean already: cleaning changes nothing. */
		e = text_clean(out, outlen, t->max, &again, &againlen, &w2);
		ok(e == SL_OK && same(again, againlen, out, outlen) &&
		    sl_text_check(out, outlen, t->max) == NULL,
		    "text_clean \"%s\" again gives the same, and passes "
		    "sl_text_check", tap_show(out, outlen));
		free(again);
		free(out);
	}
}

/*
 * sl_text_clean: the same, into the request's memory; the reason, for the
 * page, is the request's error message.
 */
static void
test_sl_clean(void)
{
	static char	*env[] = {
		"REQUEST_METHOD=POST",
		"SECRET_KEY=0123456789abcdef0123456789abcdef",
		"SESSION_FILE_DIR=/nonexistent/sessile-t_text",
		NULL,
	};
	struct sl_ctx	*ctx;
	struct sl_req	*r;
	const char	*out;
	size_t		 outlen;
	enum sl_err	 e;

	if ((ctx = ctx_new("t_text", env)) == NULL ||
	    (r = memio_request(ctx, env, "", 0)) == NULL) {
		ok(0, "a request made in memory");
		return;
	}
	e = sl_text_clean(r, S(" Jose\xcc\x81\xc2\xa0"), 64, &out, &outlen);
	ok(e == SL_OK && same(out, outlen, S("Jos\xc3\xa9")) &&
	    out[outlen] == '\0',
	    "sl_text_clean gives the trimmed NFC name, NUL-terminated");
	e = sl_text_clean(r, S("\xe3\x85\xa4"), 64, &out, &outlen);
	ok(e == SL_EBADREQ && out == NULL && outlen == 0 &&
	    strcmp(sl_errmsg(r), "contains invisible or format characters")
	    == 0, "sl_text_clean refuses a Hangul filler, the reason in "
	    "sl_errmsg: \"%s\"", sl_errmsg(r));
	e = sl_text_clean(r, S("alice"), 4, &out, &outlen);
	ok(e == SL_EBADREQ && strcmp(sl_errmsg(r), "is too long") == 0,
	    "sl_text_clean refuses a name over the limit: \"%s\"",
	    sl_errmsg(r));
	sl_redirect(r, "");
	sl_finish(r);
	sl_free(ctx);
}

int
main(void)
{
	test_check();
	test_clean();
	test_sl_clean();
	return done();
}

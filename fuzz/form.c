/*
 * fuzz/form.c: application/x-www-form-urlencoded decoding (lib/form.c),
 * the code every POST body and query string goes through.  The input is
 * a form body.
 *
 * Invariants:
 * - decoding never grows the input, and yields one pair per non-empty
 *   '&'-separated sequence (WHATWG URL §5.1 steps 1 and 3.1);
 * - every name and value is NUL-terminated at its length;
 * - FORM_NUL, FORM_BADUTF8 and FORM_BADPCT are set exactly when a
 *   value holds a NUL, a name or value is not UTF-8, or the input holds
 *   a '%' not followed by two hex digits;
 * - utf8_valid() agrees with RFC 3629's table of well-formed sequences
 *   (Unicode 15 Table 3-7), written here independently, and with
 *   libunistring's u8_check();
 * - text_clean() (lib/text.c) refuses empty and invalid text; what it
 *   accepts is NFC (normalizing it again gives the same bytes), has no
 *   White_Space at either end, no refused code point and at most the
 *   limit of characters, passes sl_text_check() and is cleaned into
 *   itself; text that sl_text_check() accepts and that is NFC with no
 *   White_Space at its ends is accepted as it is;
 * - pct_decode() gives the same in place and out of place, never grows,
 *   and decoding an encoding of a decoded string gives it back;
 * - re-encoding the decoded pairs and decoding again gives the same
 *   pairs and the same NUL and UTF-8 flags.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "extern.h"
#include "fuzz.h"

/* Unicode 15 Table 3-7: the well-formed UTF-8 byte sequences. */
static int
ref_utf8(const unsigned char *p, size_t len)
{
	static const struct {
		unsigned char	 lo[4], hi[4];
		size_t		 n;
	} seqs[] = {
		{ { 0x00 }, { 0x7f }, 1 },
		{ { 0xc2, 0x80 }, { 0xdf, 0xbf }, 2 },
		{ { 0xe0, 0xa0, 0x80 }, { 0xe0, 0xbf, 0xbf }, 3 },
		{ { 0xe1, 0x80, 0x80 }, { 0xec, 0xbf, 0xbf }, 3 },
		{ { 0xed, 0x80, 0x80 }, { 0xed, 0x9f, 0xbf }, 3 },
		{ { 0xee, 0x80, 0x80 }, { 0xef, 0xbf, 0xbf }, 3 },
		{ { 0xf0, 0x90, 0x80, 0x80 }, { 0xf0, 0xbf, 0xbf, 0xbf }, 4 },
		{ { 0xf1, 0x80, 0x80, 0x80 }, { 0xf3, 0xbf, 0xbf, 0xbf }, 4 },
		{ { 0xf4, 0x80, 0x80, 0x80 }, { 0xf4, 0x8f, 0xbf, 0xbf }, 4 },
	};
	size_t	 i = 0, s, k;

	while (i < len) {
		for (s = 0; s < sizeof(seqs) / sizeof(seqs[0]); s++) {
			if (len - i < seqs[s].n)
				continue;
			for (k = 0; k < seqs[s].n; k++)
				if (p[i + k] < seqs[s].lo[k] ||
				    p[i + k] > seqs[s].hi[k])
					break;
			if (k == seqs[s].n)
				break;
		}
		if (s == sizeof(seqs) / sizeof(seqs[0]))
			return 0;
		i += seqs[s].n;
	}
	return 1;
}

static int
ishex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* Is there a '%' not followed by two hex digits (WHATWG URL §1.3)? */
static int
ref_badpct(const unsigned char *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (p[i] != '%')
			continue;
		if (len - i < 3 || !ishex(p[i + 1]) || !ishex(p[i + 2]))
			return 1;
		i += 2;
	}
	return 0;
}

/*
 * The application/x-www-form-urlencoded serializer (WHATWG URL §5.2):
 * space as '+', the unreserved set as it is, every other byte as %XX.
 */
static void
encode(struct buf *b, const char *s, size_t len)
{
	static const char	 hex[] = "0123456789ABCDEF";
	unsigned char		 c;
	size_t			 i;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == ' ')
			buf_addc(b, '+');
		else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '*' || c == '-' ||
		    c == '.' || c == '_')
			buf_addc(b, (char)c);
		else {
			buf_addc(b, '%');
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		}
	}
}

static int
same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static void
check_pct(const char *in, size_t len)
{
	struct buf	 enc;
	char		*out, *inplace, *again;
	size_t		 n, m, k;
	int		 bad = 0, bad2 = 0, bad3 = 0;

	if ((out = malloc(len + 1)) == NULL ||
	    (inplace = malloc(len + 1)) == NULL)
		abort();
	n = pct_decode(out, in, len, &bad);
	CHECK(n <= len, "pct_decode grew %zu bytes into %zu", len, n);
	CHECK(bad == ref_badpct((const unsigned char *)in, len),
	    "pct_decode reports bad percent-encoding %d, expected %d", bad,
	    !bad);
	memcpy(inplace, in, len);
	m = pct_decode(inplace, inplace, len, &bad2);
	CHECK(same(out, n, inplace, m) && bad == bad2,
	    "pct_decode in place differs from out of place");

	/* Decoding an encoding of the decoded bytes gives them back. */
	memset(&enc, 0, sizeof(enc));
	encode(&enc, out, n);
	if (enc.oom)
		abort();
	if ((again = malloc(enc.len + 1)) == NULL)
		abort();
	k = pct_decode(again, enc.p == NULL ? "" : enc.p, enc.len, &bad3);
	CHECK(!bad3 && same(again, k, out, n),
	    "pct_decode of an encoding does not give back the decoded bytes");
	free(again);
	buf_free(&enc);
	free(inplace);
	free(out);
}

/* Is S (valid UTF-8) its own NFC? */
static int
is_nfc(const char *s, size_t len)
{
	uint8_t	*nfc;
	size_t	 n;
	int	 yes;

	if ((nfc = u8_normalize(UNINORM_NFC, (const uint8_t *)s, len, NULL,
	    &n)) == NULL)
		abort();	/* out of memory */
	yes = same((const char *)nfc, n, s, len);
	free(nfc);
	return yes;
}

/* Does S (valid UTF-8, not empty) begin or end with White_Space? */
static int
ws_at_ends(const char *s, size_t len)
{
	const uint8_t	*p = (const uint8_t *)s;
	ucs4_t		 first, last;

	u8_mbtouc(&first, p, len);
	if (u8_prev(&last, p + len, p) == NULL)
		abort();
	return uc_is_property_white_space(first) ||
	    uc_is_property_white_space(last);
}

/* DESIGN "Errors and limits": the code points no name may hold. */
static int
refused(ucs4_t c)
{
	return uc_is_general_category_withtable(c, UC_CATEGORY_MASK_Cc |
	    UC_CATEGORY_MASK_Cf | UC_CATEGORY_MASK_Cs | UC_CATEGORY_MASK_Co |
	    UC_CATEGORY_MASK_Cn | UC_CATEGORY_MASK_Zl | UC_CATEGORY_MASK_Zp) ||
	    uc_is_property_default_ignorable_code_point(c) ||
	    uc_is_property_not_a_character(c);
}

static void
check_text(const char *in, size_t len, int valid)
{
	const size_t	 max = 64;
	struct why	 why, why2;
	char		*out, *again;
	size_t		 outlen, againlen, i;
	ucs4_t		 c;
	enum sl_err	 e;
	int		 n;

	why_clear(&why);
	e = text_clean(in, len, max, &out, &outlen, &why);
	if (e == SL_EINTERNAL)
		abort();	/* out of memory */
	CHECK(e == SL_OK || (e == SL_EBADREQ && why.msg[0] != '\0' &&
	    out == NULL),
	    "text_clean returns %d", (int)e);
	CHECK(e != SL_OK || (len > 0 && valid),
	    "text_clean accepts empty or invalid text");
	if (len > 0 && valid && sl_text_check(in, len, max) == NULL &&
	    !ws_at_ends(in, len) && is_nfc(in, len))
		CHECK(e == SL_OK && same(out, outlen, in, len),
		    "text_clean changes or refuses clean text: %s",
		    e == SL_OK ? "changed" : why.msg);
	if (e != SL_OK)
		return;
	CHECK(outlen > 0 && out[outlen] == '\0' && utf8_valid(out, outlen),
	    "text_clean gives empty, unterminated or invalid text");
	CHECK(is_nfc(out, outlen), "text_clean gives text that is not NFC");
	CHECK(!ws_at_ends(out, outlen),
	    "text_clean gives text with White_Space at an end");
	CHECK(u8_mbsnlen((const uint8_t *)out, outlen) <= max,
	    "text_clean gives more than %zu characters", max);
	for (i = 0; i < outlen; i += (size_t)n) {
		n = u8_mbtouc(&c, (const uint8_t *)out + i, outlen - i);
		CHECK(!refused(c), "text_clean lets U+%04lX through",
		    (unsigned long)c);
	}
	CHECK(sl_text_check(out, outlen, max) == NULL,
	    "sl_text_check refuses what text_clean gives");
	e = text_clean(out, outlen, max, &again, &againlen, &why2);
	if (e == SL_EINTERNAL)
		abort();
	CHECK(e == SL_OK && same(again, againlen, out, outlen),
	    "text_clean of its own result changes it");
	free(again);
	free(out);
}

/* The number of non-empty sequences between '&' (§5.1 steps 1, 3.1). */
static size_t
ref_npairs(const char *in, size_t len)
{
	size_t	 i, n = 0, run = 0;

	for (i = 0; i <= len; i++) {
		if (i == len || in[i] == '&') {
			if (run > 0)
				n++;
			run = 0;
		} else
			run++;
	}
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*in = (const char *)data;
	struct arena	 a;
	struct sl_pair	*p, *q;
	struct buf	 enc;
	size_t		 n, m, i, total = 0;
	unsigned int	 flags, flags2;
	int		 nul = 0, badutf8 = 0, v;

	memset(&a, 0, sizeof(a));
	if (form_decode(&a, in, size, &p, &n, &flags) != SL_OK)
		abort();	/* out of memory */
	CHECK(n == ref_npairs(in, size), "%zu pairs, expected %zu", n,
	    ref_npairs(in, size));
	for (i = 0; i < n; i++) {
		total += p[i].keylen + p[i].vallen;
		CHECK(p[i].key[p[i].keylen] == '\0' &&
		    p[i].val[p[i].vallen] == '\0',
		    "pair %zu is not NUL-terminated at its length", i);
		if (memchr(p[i].key, '\0', p[i].keylen) != NULL ||
		    memchr(p[i].val, '\0', p[i].vallen) != NULL)
			nul = 1;
		if (!ref_utf8((const unsigned char *)p[i].key, p[i].keylen) ||
		    !ref_utf8((const unsigned char *)p[i].val, p[i].vallen))
			badutf8 = 1;
	}
	CHECK(total <= size, "%zu decoded bytes from %zu bytes of input",
	    total, size);
	CHECK(!(flags & FORM_NUL) == !nul, "FORM_NUL is %s but a NUL is %s",
	    flags & FORM_NUL ? "set" : "clear", nul ? "there" : "not there");
	CHECK(!(flags & FORM_BADUTF8) == !badutf8,
	    "FORM_BADUTF8 is %s but invalid UTF-8 is %s",
	    flags & FORM_BADUTF8 ? "set" : "clear",
	    badutf8 ? "there" : "not there");
	CHECK(!(flags & FORM_BADPCT) == !ref_badpct(data, size),
	    "FORM_BADPCT is %s", flags & FORM_BADPCT ? "set" : "clear");

	/* utf8_valid() against the table, on the raw input too. */
	v = utf8_valid(in, size);
	CHECK(v == ref_utf8(data, size), "utf8_valid says %d, RFC 3629 %d",
	    v, !v);
	CHECK(v == (u8_check(data, size) == NULL),
	    "utf8_valid says %d, u8_check %d", v, !v);
	/* A line of text that passes the check is never invalid or empty. */
	CHECK(sl_text_check(in, size, 64) != NULL || (size > 0 && v),
	    "sl_text_check accepts empty or invalid text");
	check_text(in, size, v);
	/* And a field's value, as the login form's username. */
	for (i = 0; i < n; i++)
		if (p[i].keylen == 8 && memcmp(p[i].key, "username", 8) == 0)
			check_text(p[i].val, p[i].vallen,
			    utf8_valid(p[i].val, p[i].vallen));

	check_pct(in, size);

	/* Serialize the pairs again (§5.2) and decode: the same pairs. */
	memset(&enc, 0, sizeof(enc));
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(&enc, '&');
		encode(&enc, p[i].key, p[i].keylen);
		buf_addc(&enc, '=');
		encode(&enc, p[i].val, p[i].vallen);
	}
	if (enc.oom)
		abort();
	if (form_decode(&a, enc.p == NULL ? "" : enc.p, enc.len, &q, &m,
	    &flags2))
		abort();
	CHECK(m == n, "re-encoded form has %zu pairs, not %zu", m, n);
	for (i = 0; i < n; i++)
		CHECK(same(p[i].key, p[i].keylen, q[i].key, q[i].keylen) &&
		    same(p[i].val, p[i].vallen, q[i].val, q[i].vallen),
		    "pair %zu differs after re-encoding", i);
	CHECK(flags2 == (flags & ~(unsigned int)FORM_BADPCT),
	    "flags 0x%x after re-encoding, 0x%x before", flags2, flags);
	buf_free(&enc);
	arena_free(&a);
	return 0;
}

/*
 * form.c: application/x-www-form-urlencoded, as the WHATWG URL standard
 * §5.1 parses it, with explicit lengths throughout so that a decoded NUL
 * byte cannot hide the rest of a value.  The decoder is faithful to the
 * standard (an invalid '%' stays literal); what to refuse is reported in
 * flags and decided by the caller.
 */
#include "config.h"

#include <string.h>

#include "extern.h"

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * WHATWG URL §5.1 step 3.3: '+' becomes a space before percent-decoding,
 * so "%2B" stays a plus.  §1.3 percent-decode: a '%' not followed by two
 * hex digits is kept as it is (and *BAD is set).  OUT may equal IN: the
 * result is never longer than the input.
 */
size_t
pct_decode(char *out, const char *in, size_t len, int *bad)
{
	size_t	 i, o = 0;
	int	 hi, lo;

	for (i = 0; i < len; i++) {
		if (in[i] == '+')
			out[o++] = ' ';
		else if (in[i] == '%' && i + 2 < len &&
		    (hi = hexval((unsigned char)in[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)in[i + 2])) >= 0) {
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			if (in[i] == '%')
				*bad = 1;
			out[o++] = in[i];
		}
	}
	return o;
}

/*
 * RFC 3629 §4: no overlong forms, no surrogates, nothing past U+10FFFF.
 */
int
utf8_valid(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n, k;
	unsigned long		 cp;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf) {
			n = 1;
			cp = p[i] & 0x1f;
		} else if (p[i] >= 0xe0 && p[i] <= 0xef) {
			n = 2;
			cp = p[i] & 0x0f;
		} else if (p[i] >= 0xf0 && p[i] <= 0xf4) {
			n = 3;
			cp = p[i] & 0x07;
		} else
			return 0;
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		i += n + 1;
	}
	return 1;
}

/*
 * Decode IN into pairs allocated from the arena (the input is copied and
 * decoded in place).  FLAGS collects FORM_BADPCT, FORM_NUL, FORM_BADUTF8.
 * Returns 0 only when out of memory.
 */
int
form_decode(struct arena *a, const char *in, size_t len,
    struct sl_pair **pairs, size_t *npairs, unsigned int *flags)
{
	struct sl_pair	*pv;
	char		*copy, *seq, *end, *eq, *amp;
	size_t		 n = 0, max = 1, i, seqlen;
	int		 bad = 0;

	*pairs = NULL;
	*npairs = 0;
	*flags = 0;
	for (i = 0; i < len; i++)
		if (in[i] == '&')
			max++;
	if ((copy = arena_strndup(a, in, len)) == NULL ||
	    (pv = arena_alloc(a, max * sizeof(*pv))) == NULL)
		return 0;

	/* §5.1 step 1: split on '&'; step 3.1: skip empty sequences. */
	for (seq = copy, end = copy + len; seq < end; seq = amp + 1) {
		if ((amp = memchr(seq, '&', (size_t)(end - seq))) == NULL)
			amp = end;
		seqlen = (size_t)(amp - seq);
		if (seqlen > 0) {
			/* Step 3.2: name and value split at the first '='. */
			if ((eq = memchr(seq, '=', seqlen)) == NULL)
				eq = amp;
			pv[n].key = seq;
			pv[n].keylen = pct_decode(seq, seq, (size_t)(eq - seq),
			    &bad);
			if (eq < amp)
				pv[n].vallen = pct_decode(eq + 1, eq + 1,
				    (size_t)(amp - eq - 1), &bad);
			else
				pv[n].vallen = 0;
			pv[n].val = eq < amp ? eq + 1 : amp;
			if (memchr(pv[n].key, '\0', pv[n].keylen) != NULL ||
			    memchr(pv[n].val, '\0', pv[n].vallen) != NULL)
				*flags |= FORM_NUL;
			if (!utf8_valid(pv[n].key, pv[n].keylen) ||
			    !utf8_valid(pv[n].val, pv[n].vallen))
				*flags |= FORM_BADUTF8;
			n++;
		}
		if (amp == end)
			break;
	}
	/* Terminate each decoded string for callers that want C strings. */
	for (i = 0; i < n; i++) {
		((char *)pv[i].key)[pv[i].keylen] = '\0';
		((char *)pv[i].val)[pv[i].vallen] = '\0';
	}
	if (bad)
		*flags |= FORM_BADPCT;
	*pairs = pv;
	*npairs = n;
	return 1;
}

size_t
sl_pairs_get(const struct sl_pair *p, size_t n, const char *key,
    const char **val, size_t *len)
{
	size_t	 i, count = 0, klen = strlen(key);

	for (i = 0; i < n; i++) {
		if (p[i].keylen != klen || memcmp(p[i].key, key, klen) != 0)
			continue;
		if (count++ == 0) {
			if (val != NULL)
				*val = p[i].val;
			if (len != NULL)
				*len = p[i].vallen;
		}
	}
	return count;
}

/* The code point at P (valid UTF-8), and its length in *N. */
static unsigned long
code_point(const unsigned char *p, size_t *n)
{
	if (p[0] < 0x80) {
		*n = 1;
		return p[0];
	}
	if (p[0] < 0xe0) {
		*n = 2;
		return (unsigned long)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
	}
	if (p[0] < 0xf0) {
		*n = 3;
		return (unsigned long)(p[0] & 0x0f) << 12 |
		    (unsigned long)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
	}
	*n = 4;
	return (unsigned long)(p[0] & 0x07) << 18 |
	    (unsigned long)(p[1] & 0x3f) << 12 |
	    (unsigned long)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
}

/* Unicode White_Space that is not a control. */
static int
is_space(unsigned long c)
{
	return c == 0x20 || c == 0xa0 || c == 0x1680 ||
	    (c >= 0x2000 && c <= 0x200a) || c == 0x202f || c == 0x205f ||
	    c == 0x3000;
}

/*
 * Invisible and direction-changing characters (Unicode Cf, as UTS #39
 * flags them): a name holding them can pass for another, or reorder the
 * text around it (CVE-2021-42574, "Trojan Source").
 */
static int
is_invisible(unsigned long c)
{
	return c == 0xad || c == 0x61c || c == 0x180e ||
	    (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) ||
	    (c >= 0x2060 && c <= 0x2064) || (c >= 0x2066 && c <= 0x206f) ||
	    c == 0xfeff || (c >= 0xfff9 && c <= 0xfffb);
}

const char *
sl_text_check(const char *s, size_t len, size_t maxchars)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, n, chars = 0;
	unsigned long		 c;
	int			 blank = 1;

	if (len == 0)
		return "is empty";
	if (!utf8_valid(s, len))
		return "is not valid UTF-8";
	for (i = 0; i < len; i += n) {
		c = code_point(p + i, &n);
		/* C0, DEL, C1, and the line and paragraph separators. */
		if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 ||
		    c == 0x2029)
			return "contains control characters";
		if (is_invisible(c))
			return "contains invisible or direction-changing "
			    "characters";
		if (!is_space(c))
			blank = 0;
		chars++;
	}
	if (blank)
		return "is blank";
	if (chars > maxchars)
		return "is too long";
	return NULL;
}

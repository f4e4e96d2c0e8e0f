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
 * Fails only when out of memory: SL_EINTERNAL.
 */
enum sl_err
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
		return SL_EINTERNAL;

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
	return SL_OK;
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

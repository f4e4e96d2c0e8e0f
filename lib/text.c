/*
 * text.c: a line of user text (a username) by Unicode's rules, with
 * libunistring's tables rather than our own (DESIGN "Errors and limits").
 *
 * What is refused, and why:
 * - Cc, Zl, Zp: controls and line breaks forge log lines and headers;
 * - Cf and Default_Ignorable_Code_Point (UAX #44 §5.7.2): shown as
 *   nothing, so "admin" with U+200B, a tag character (U+E0041) or a
 *   variation selector after it passes for "admin", a Hangul filler
 *   (U+3164) is a name that shows as blank, and the bidirectional
 *   controls reorder the text around the name (CVE-2021-42574);
 * - Co, Cn and Noncharacter_Code_Point: no glyph anyone agrees on, and
 *   an unassigned code point may be given one later;
 * - names that are nothing but White_Space.
 * A name is stored in NFC (UAX #15), so that "é" typed as U+00E9 and as
 * "e" U+0301 is one name, and its length is counted after NFC.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "extern.h"

/* The reasons, shown after "The username". */
#define WHY_EMPTY	"is empty"
#define WHY_BLANK	"is blank"
#define WHY_UTF8	"is not valid UTF-8"
#define WHY_CONTROL	"contains control characters"
#define WHY_INVISIBLE	"contains invisible or format characters"
#define WHY_PRIVATE	"contains private-use or unassigned characters"
#define WHY_LONG	"is too long"
#define WHY_MARK	"has a combining mark with no character to combine with"

/*
 * The reason code point C may not be in a name, or NULL.  Cs cannot come
 * out of valid UTF-8 (RFC 3629 §3); it is here so that the rule is whole.
 */
static const char *
code_point_why(ucs4_t c)
{
	if (uc_is_general_category_withtable(c, UC_CATEGORY_MASK_Cc |
	    UC_CATEGORY_MASK_Zl | UC_CATEGORY_MASK_Zp))
		return WHY_CONTROL;
	if (uc_is_general_category_withtable(c, UC_CATEGORY_MASK_Cs))
		return WHY_UTF8;
	/* Before Cn: the unassigned U+E0000 block is default-ignorable. */
	if (uc_is_general_category_withtable(c, UC_CATEGORY_MASK_Cf) ||
	    uc_is_property_default_ignorable_code_point(c))
		return WHY_INVISIBLE;
	if (uc_is_general_category_withtable(c, UC_CATEGORY_MASK_Co |
	    UC_CATEGORY_MASK_Cn) || uc_is_property_not_a_character(c))
		return WHY_PRIVATE;
	return NULL;
}

/* Whether code point C may be in a name: shown as itself, safe on a
 * terminal (sessile-admin escapes the others). */
int
text_char_ok(uint32_t c)
{
	return code_point_why((ucs4_t)c) == NULL;
}

/*
 * The rules on each code point of S (valid UTF-8), then blank, then the
 * length in code points.
 */
static const char *
text_rules(const uint8_t *s, size_t len, size_t maxchars)
{
	const char	*why;
	size_t		 i, chars = 0;
	ucs4_t		 c;
	int		 n, blank = 1, base = 0;

	for (i = 0; i < len; i += (size_t)n) {
		n = u8_mbtouc(&c, s + i, len - i);
		if ((why = code_point_why(c)) != NULL)
			return why;
		/* A mark at the start or after a space marks nothing, and
		 * shows as nothing (or over what comes before the name). */
		if (uc_is_general_category_withtable(c, UC_CATEGORY_MASK_M) &&
		    !base)
			return WHY_MARK;
		base = !uc_is_property_white_space(c);
		if (base)
			blank = 0;
		chars++;
	}
	if (blank)
		return WHY_BLANK;
	if (chars > maxchars)
		return WHY_LONG;
	return NULL;
}

const char *
sl_text_check(const char *s, size_t len, size_t maxchars)
{
	if (len == 0)
		return WHY_EMPTY;
	if (!utf8_valid(s, len))
		return WHY_UTF8;
	return text_rules((const uint8_t *)s, len, maxchars);
}

/*
 * Drop White_Space at both ends of S (valid UTF-8): typed around a name
 * it is an accident, and no-break spaces (U+00A0, U+202F, U+3000) are
 * blanks as much as ' ' is.
 */
static void
trim(const uint8_t **s, size_t *len)
{
	const uint8_t	*p = *s, *end = *s + *len, *prev;
	ucs4_t		 c;
	int		 n;

	while (p < end) {
		n = u8_mbtouc(&c, p, (size_t)(end - p));
		if (!uc_is_property_white_space(c))
			break;
		p += n;
	}
	while (end > p) {
		if ((prev = u8_prev(&c, end, p)) == NULL ||
		    !uc_is_property_white_space(c))
			break;
		end = prev;
	}
	*s = p;
	*len = (size_t)(end - p);
}

/*
 * IN made fit to store (see sl_text_clean()): OUT is malloc'd.  SL_EBADREQ
 * with the reason for the visitor in W's msg ("is too long");
 * SL_EINTERNAL (out of memory) with its cause.
 */
enum sl_err
text_clean(const char *in, size_t len, size_t maxchars, char **out,
    size_t *outlen, struct why *w)
{
	const uint8_t	*s = (const uint8_t *)in;
	const char	*bad;
	uint8_t		*nfc, *p;
	size_t		 n;

	*out = NULL;
	*outlen = 0;
	if (len == 0)
		return why_msg(w, SL_EBADREQ, "%s", WHY_EMPTY);
	if (!utf8_valid(in, len))
		return why_msg(w, SL_EBADREQ, "%s", WHY_UTF8);
	trim(&s, &len);
	if (len == 0)
		return why_msg(w, SL_EBADREQ, "%s", WHY_BLANK);
	/* Valid UTF-8 in: NULL means ENOMEM. */
	if ((nfc = u8_normalize(UNINORM_NFC, s, len, NULL, &n)) == NULL)
		return why_cause(w, SL_EINTERNAL,
		    "out of memory normalizing text");
	if ((bad = text_rules(nfc, n, maxchars)) != NULL) {
		free(nfc);
		return why_msg(w, SL_EBADREQ, "%s", bad);
	}
	/* NUL-terminated for callers that want a C string. */
	if ((p = realloc(nfc, n + 1)) == NULL) {
		free(nfc);
		return why_cause(w, SL_EINTERNAL,
		    "out of memory normalizing text");
	}
	p[n] = '\0';
	*out = (char *)p;
	*outlen = n;
	return SL_OK;
}

enum sl_err
sl_text_clean(struct sl_req *r, const char *in, size_t len,
    size_t maxchars, const char **out, size_t *outlen)
{
	char		*clean, *copy;
	size_t		 n;
	enum sl_err	 e;

	*out = NULL;
	*outlen = 0;
	if ((e = text_clean(in, len, maxchars, &clean, &n, &r->why)) != SL_OK)
		return e;
	copy = arena_strndup(&r->arena, clean, n);
	free(clean);
	if (copy == NULL)
		return why_cause(&r->why, SL_EINTERNAL,
		    "out of memory normalizing text");
	*out = copy;
	*outlen = n;
	return SL_OK;
}

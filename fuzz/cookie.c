/*
 * fuzz/cookie.c: the Cookie request header in and Set-Cookie out
 * (lib/cookie.c).  The input is one byte of options, then four fields
 * ended by a NUL byte (a cookie name, a Path, a Domain, a value to emit),
 * then a Cookie header, which is emitted as a value too.
 *
 * Invariants:
 * - cookie_next() always moves forward, and every name and value it
 *   finds lies inside the header, holds no separator, and a name has no
 *   blank at either end and no '=';
 * - cookie_find() finds exactly the cookies of the name that
 *   cookie_next() finds, in the same order;
 * - a cookie that is a valid name and value, alone in a header, is read
 *   back as it is;
 * - cookie_emit() either refuses and appends nothing, or appends exactly
 *   one "Set-Cookie: " line ending in CRLF with no other CR, LF or NUL,
 *   whose cookie is read back as the name and value given, whatever the
 *   value, Path or Domain; a value with a CR, LF, NUL, ';', ',', a blank
 *   or a DQUOTE is always refused (RFC 6265 §4.1.1);
 * - http_date() writes an IMF-fixdate (RFC 9110 §5.6.7) for any time:
 *   the one strftime() writes from the epoch to the year 9999, the
 *   epoch before it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extern.h"
#include "fuzz.h"

#define LIFETIME_MAX	(10LL * 366 * 24 * 60 * 60)	/* as config.c */

static int
ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Take the next field ended by NUL off the front of *P, as a C string. */
static char *
field(const char **p, const char *end, size_t *lenp)
{
	const char	*nul;
	char		*s;
	size_t		 len;

	if ((nul = memchr(*p, '\0', (size_t)(end - *p))) == NULL)
		nul = end;
	len = (size_t)(nul - *p);
	if ((s = malloc(len + 1)) == NULL)
		abort();
	memcpy(s, *p, len);
	s[len] = '\0';
	*p = nul < end ? nul + 1 : end;
	if (lenp != NULL)
		*lenp = len;
	return s;
}

static int
inside(const char *s, size_t len, const char *lo, const char *hi)
{
	return s >= lo && s <= hi && len <= (size_t)(hi - s);
}

static void
check_parse(const char *hdr, size_t len, const char *name)
{
	struct cookie	 c, f;
	const char	*p = hdr, *prev, *end = hdr + len, *fp = hdr;
	size_t		 n = 0, steps = 0, nlen = strlen(name);

	for (;;) {
		prev = p;
		if (!cookie_next(&p, end, &c))
			break;
		CHECK(p > prev && p <= end, "cookie_next did not move forward");
		CHECK(++steps <= len, "cookie_next found more cookies than "
		    "there are bytes");
		CHECK(inside(c.name, c.namelen, hdr, end) &&
		    inside(c.val, c.vallen, hdr, end),
		    "a cookie lies outside the header");
		CHECK(memchr(c.name, ';', c.namelen) == NULL &&
		    memchr(c.name, '=', c.namelen) == NULL &&
		    memchr(c.val, ';', c.vallen) == NULL,
		    "a cookie holds a separator");
		CHECK(c.namelen == 0 || (!ows(c.name[0]) &&
		    !ows(c.name[c.namelen - 1])),
		    "a cookie name has blanks around it");
		if (c.namelen != nlen || memcmp(c.name, name, nlen) != 0)
			continue;
		n++;
		CHECK(cookie_find(&fp, end, name, &f) && f.val == c.val &&
		    f.vallen == c.vallen, "cookie_find misses cookie %zu", n);
	}
	CHECK(p == end, "cookie_next stopped before the end");
	CHECK(!cookie_find(&fp, end, name, &f),
	    "cookie_find finds more than cookie_next");
}

/* A valid cookie alone in a header comes back as it is. */
static void
check_alone(const char *name, const char *val, size_t vlen)
{
	struct cookie	 c;
	char		*hdr;
	const char	*p;
	size_t		 nlen = strlen(name), len = nlen + 1 + vlen;

	if ((hdr = malloc(len)) == NULL)
		abort();
	memcpy(hdr, name, nlen);
	hdr[nlen] = '=';
	memcpy(hdr + nlen + 1, val, vlen);
	p = hdr;
	CHECK(cookie_next(&p, hdr + len, &c) && c.namelen == nlen &&
	    memcmp(c.name, name, nlen) == 0 && c.vallen == vlen &&
	    memcmp(c.val, val, vlen) == 0,
	    "a valid cookie is not read back as it is");
	CHECK(!cookie_next(&p, hdr + len, &c), "one cookie is read as two");
	free(hdr);
}

static void
check_emit(const char *name, const char *val, size_t vlen,
    const struct cookie_opts *o, time_t now, long long maxage)
{
	struct buf	 b;
	struct cookie	 c;
	const char	*line, *p, *semi;
	size_t		 len, i, nlen = strlen(name);
	int		 ok, valid;

	memset(&b, 0, sizeof(b));
	buf_adds(&b, "X: y\r\n");	/* what was there before */
	ok = cookie_emit(&b, name, val, vlen, o, now, maxage) == SL_OK;
	if (b.oom)
		abort();
	valid = cookie_name_valid(name, nlen) && cookie_octets(val, vlen);
	for (i = 0; i < vlen; i++)
		if (strchr("\r\n;, \t\"", val[i]) != NULL)
			valid = 0;
	if (!valid)
		CHECK(!ok, "a cookie with a bad name or value is emitted");
	if (!ok) {
		CHECK(b.len == 6, "a refused cookie left %zu bytes", b.len - 6);
		buf_free(&b);
		return;
	}
	line = b.p + 6;
	len = b.len - 6;
	CHECK(len > 14 && memcmp(line, "Set-Cookie: ", 12) == 0 &&
	    memcmp(line + len - 2, "\r\n", 2) == 0,
	    "not a Set-Cookie line ending in CRLF");
	for (i = 0; i < len - 2; i++)
		CHECK(line[i] != '\r' && line[i] != '\n' && line[i] != '\0',
		    "a Set-Cookie line holds CR, LF or NUL at %zu", i);
	/* The cookie-pair, up to the first attribute. */
	p = line + 12;
	semi = memchr(p, ';', len - 12);
	CHECK(semi != NULL, "a Set-Cookie line without attributes");
	CHECK(cookie_next(&p, semi, &c), "the emitted cookie cannot be read");
	CHECK(c.namelen == nlen && memcmp(c.name, name, nlen) == 0 &&
	    c.vallen == vlen && (vlen == 0 || memcmp(c.val, val, vlen) == 0),
	    "the emitted cookie reads back differently");
	if (maxage > 0) {
		char	 ma[40];

		snprintf(ma, sizeof(ma), "; Max-Age=%lld;", maxage);
		CHECK(memmem(line, len, ma, strlen(ma)) != NULL,
		    "Max-Age is not %lld", maxage);
	}
	buf_free(&b);
}

static void
check_date(time_t t)
{
	static const char	 shape[] = "Aaa, 00 Aaa 0000 00:00:00 GMT";
	char			 d[30], ref[64];
	struct tm		 tm;
	size_t			 i;

	memset(d, 'X', sizeof(d));
	http_date(t, d);
	CHECK(d[29] == '\0', "http_date does not end at 29 characters");
	for (i = 0; i < 29; i++) {
		if (shape[i] == '0')
			CHECK(d[i] >= '0' && d[i] <= '9',
			    "http_date(%lld): '%s' is not an IMF-fixdate",
			    (long long)t, d);
		else if (shape[i] == 'A' || shape[i] == 'a')
			CHECK((d[i] | 0x20) >= 'a' && (d[i] | 0x20) <= 'z',
			    "http_date(%lld): '%s' is not an IMF-fixdate",
			    (long long)t, d);
		else
			CHECK(d[i] == shape[i] || shape[i] == 'G' ||
			    shape[i] == 'M' || shape[i] == 'T',
			    "http_date(%lld): '%s' is not an IMF-fixdate",
			    (long long)t, d);
	}
	if (t < 0)
		CHECK(strcmp(d, "Thu, 01 Jan 1970 00:00:00 GMT") == 0,
		    "http_date(%lld) is '%s', not the epoch", (long long)t, d);
	else if (gmtime_r(&t, &tm) != NULL && tm.tm_year + 1900 <= 9999) {
		strftime(ref, sizeof(ref), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		CHECK(strcmp(d, ref) == 0, "http_date(%lld) is '%s', not '%s'",
		    (long long)t, d, ref);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*p = (const char *)data, *end = p + size;
	struct cookie_opts	 o;
	unsigned char		 opt;
	char			*name, *val, *path, *domain;
	uint64_t		 u = 0;
	size_t			 vlen, i;
	time_t			 now;
	long long		 maxage;

	if (size < 1)
		return 0;
	opt = (unsigned char)*p++;
	name = field(&p, end, NULL);
	path = field(&p, end, NULL);
	domain = field(&p, end, NULL);
	val = field(&p, end, &vlen);

	check_parse(p, (size_t)(end - p), name);
	check_parse((const char *)data, size, name);
	if (cookie_name_valid(name, strlen(name)) && cookie_octets(val, vlen))
		check_alone(name, val, vlen);

	/* The times from the first bytes of the input. */
	for (i = 0; i < 8 && i < size; i++)
		u = u << 8 | data[i];
	now = (time_t)(u % (1ULL << 35));	/* up to year 3058 */
	switch (opt >> 6) {
	case 0:
		maxage = -1;
		break;
	case 1:
		maxage = 0;
		break;
	default:
		maxage = 1 + (long long)(u % (unsigned long long)LIFETIME_MAX);
		break;
	}
	o.path = path;
	o.domain = *domain == '\0' ? NULL : domain;
	o.secure = opt & 1;
	o.httponly = (opt >> 1) & 1;
	o.samesite = (enum samesite)((opt >> 2) % SAMESITE__MAX);
	check_emit(name, val, vlen, &o, now, maxage);
	/* The header as a value: any bytes, NUL included. */
	check_emit(name, p, (size_t)(end - p), &o, now, maxage);
	check_date(now);
	check_date((time_t)(int64_t)u);

	free(name);
	free(path);
	free(domain);
	free(val);
	return 0;
}

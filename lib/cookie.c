/*
 * cookie.c: the Cookie request header in, Set-Cookie response headers out
 * (RFC 6265).  Parsing never allocates: it walks the header in place.
 */
#include "config.h"

#include <string.h>

#include "extern.h"

static int
ows(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * RFC 6265 §4.2.1 separates cookies with "; ", and only ';' ends one.  A
 * comma does not: browsers keep commas (and inner spaces) in values set
 * by script or by a sibling host, so splitting there would let another
 * cookie's value ("q=shoes,session=...") smuggle in a session cookie, or
 * a "__Host-" one past its prefix.  Only Apache joins repeated Cookie
 * fields with ", ", and browsers never send two (RFC 6265 §5.4; HTTP/2
 * crumbs are joined with "; ", RFC 9113 §8.2.3).
 */
static int
sep(char c)
{
	return c == ';';
}

/*
 * Take the next cookie from *P (up to END) into C and advance *P.
 * A pair without '=' has an empty name and the text as its value, as
 * browsers treat it (RFC 6265bis §5.6).  One pair of DQUOTEs around a
 * value is removed (§4.1.1).  Returns 0 when there are no more.
 */
int
cookie_next(const char **pp, const char *end, struct cookie *c)
{
	const char	*p = *pp, *start, *stop, *eq;

	for (;;) {
		while (p < end && (ows(*p) || sep(*p)))
			p++;
		if (p >= end) {
			*pp = p;
			return 0;
		}
		start = p;
		while (p < end && !sep(*p))
			p++;
		stop = p;
		while (stop > start && ows(stop[-1]))
			stop--;
		if (stop > start)
			break;
	}
	*pp = p;
	if ((eq = memchr(start, '=', (size_t)(stop - start))) == NULL) {
		c->name = start;
		c->namelen = 0;
		c->val = start;
		c->vallen = (size_t)(stop - start);
	} else {
		c->name = start;
		c->namelen = (size_t)(eq - start);
		while (c->namelen > 0 && ows(start[c->namelen - 1]))
			c->namelen--;
		c->val = eq + 1;
		while (c->val < stop && ows(*c->val))
			c->val++;
		c->vallen = (size_t)(stop - c->val);
	}
	if (c->vallen >= 2 && c->val[0] == '"' && c->val[c->vallen - 1] == '"') {
		c->val++;
		c->vallen -= 2;
	}
	return 1;
}

/*
 * The next cookie named NAME in HDR (up to END) after *PP, into C: call
 * with *PP = HDR first.  Returns 0 when there are no more.  A name can
 * come several times (another Path, a parent Domain, another
 * deployment on the host): the caller decides which one is its own.
 */
int
cookie_find(const char **pp, const char *end, const char *name,
    struct cookie *c)
{
	size_t	 nlen = strlen(name);

	while (cookie_next(pp, end, c))
		if (c->namelen == nlen && memcmp(c->name, name, nlen) == 0)
			return 1;
	return 0;
}

/* RFC 6265 §4.1.1 cookie-octet. */
int
cookie_octets(const char *s, size_t len)
{
	size_t		 i;
	unsigned char	 c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c < 0x21 || c > 0x7e || c == '"' || c == ',' ||
		    c == ';' || c == '\\')
			return 0;
	}
	return 1;
}

/* RFC 6265 §4.1.1 cookie-name: an RFC 2616 token. */
int
cookie_name_valid(const char *s, size_t len)
{
	size_t		 i;
	unsigned char	 c;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c < 0x21 || c > 0x7e || strchr("()<>@,;:\\\"/[]?={}", c))
			return 0;
	}
	return 1;
}

static void
two(char *p, int v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

/* RFC 9110 §5.6.7 IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT". */
void
http_date(time_t t, char out[30])
{
	static const char *const days[] = {
	    "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = {
	    "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm	 tm;

	/*
	 * The year has four digits: a time before the epoch becomes the
	 * epoch (as much in the past for a cookie: RFC 6265 §5.1.1 reads no
	 * year before 1601), one past 9999 the last date.
	 */
	if (t < 0)
		t = 0;
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999) {
		memcpy(out, "Fri, 31 Dec 9999 23:59:59 GMT", 30);
		return;
	}
	memcpy(out, days[tm.tm_wday], 3);
	memcpy(out + 3, ", ", 2);
	two(out + 5, tm.tm_mday);
	out[7] = ' ';
	memcpy(out + 8, months[tm.tm_mon], 3);
	out[11] = ' ';
	two(out + 12, (tm.tm_year + 1900) / 100);
	two(out + 14, (tm.tm_year + 1900) % 100);
	out[16] = ' ';
	two(out + 17, tm.tm_hour);
	out[19] = ':';
	two(out + 20, tm.tm_min);
	out[22] = ':';
	two(out + 23, tm.tm_sec);
	memcpy(out + 25, " GMT", 5);
}

/*
 * The values of the SameSite attribute (RFC 6265bis §4.1.2.7), as they
 * are written; config.c reads SESSION_COOKIE_SAMESITE against them.
 */
const char *const samesites[SAMESITE__MAX] = {
	"Strict",	/* SAMESITE_STRICT */
	"Lax",		/* SAMESITE_LAX */
	"None",		/* SAMESITE_NONE */
};

/*
 * Append one "Set-Cookie:" header line.  MAXAGE < 0 makes a browser-
 * session cookie, 0 deletes the cookie (RFC 6265 §3.1: an Expires in the
 * past, with the same Path and Domain so it names the same cookie), and
 * > 0 keeps it that many seconds.  SL_EINTERNAL, and nothing appended, for
 * a value or attribute that would not be a valid header: only ours can be.
 */
enum sl_err
cookie_emit(struct buf *b, const char *name, const char *val, size_t vlen,
    const struct cookie_opts *o, time_t now, long long maxage)
{
	char	 date[30];

	if (!cookie_name_valid(name, strlen(name)) ||
	    !cookie_octets(val, vlen) ||
	    strpbrk(o->path, ";\r\n") != NULL ||
	    (o->domain != NULL && strpbrk(o->domain, ";\r\n") != NULL))
		return SL_EINTERNAL;
	buf_adds(b, "Set-Cookie: ");
	buf_adds(b, name);
	buf_addc(b, '=');
	buf_add(b, val, vlen);
	buf_adds(b, "; Path=");
	buf_adds(b, o->path);
	if (o->domain != NULL) {
		buf_adds(b, "; Domain=");
		buf_adds(b, o->domain);
	}
	if (maxage == 0) {
		buf_adds(b, "; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
		    "; Max-Age=0");
	} else if (maxage > 0) {
		http_date(now + (time_t)maxage, date);
		buf_adds(b, "; Expires=");
		buf_adds(b, date);
		buf_adds(b, "; Max-Age=");
		buf_addu(b, (unsigned long long)maxage);
	}
	if (o->secure)
		buf_adds(b, "; Secure");
	if (o->httponly)
		buf_adds(b, "; HttpOnly");
	buf_adds(b, "; SameSite=");
	buf_adds(b, samesites[o->samesite]);
	buf_adds(b, "\r\n");
	return SL_OK;
}

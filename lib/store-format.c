/*
 * store-format.c: the text of a session, as the file store writes it in
 * a file (and any store may keep it as one value): what store_parse()
 * accepts is exactly what store_format() writes, and nothing else, so a
 * session saved is a session read back.
 *
 * The format (version 2) is plain text, one field a line:
 *
 *	sessile 2
 *	expires 1767225600
 *	created 1764633600
 *	user alice
 *	data username=alice
 *	end
 *
 * created, when the session was made (its id issued), and user, whom it
 * belongs to (set at login: no control character), may each be absent:
 * unknown, and no one.
 * Keys are printable ASCII without space, '=' or '%'; the user and the
 * values are percent-encoded where a byte is not printable ASCII, or is
 * '%'.  The limits (SESSION_MAX_DATA, SESSION_MAX_KEYS, SESSION_MAX_KEY,
 * SESSION_MAX_USER) are the writer's too (session.c): a file past them is
 * corrupt.  Version 1, what sessile wrote before, is version 2 without
 * created and user; it is read, never written.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "extern.h"
#include "store.h"

#define STORE_MAGIC	"sessile 2\n"
#define STORE_MAGIC_1	"sessile 1\n"	/* same length */

/* A session's name, LEN bytes of S: the 64 lowercase hex digits of the
 * SHA-256 of its id (a file's name, a Redis key's tail, an index entry). */
int
store_name_valid(const char *s, size_t len)
{
	size_t	 i;

	if (len != STORE_NAME_LEN)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int
store_key_valid(const char *k, size_t len)
{
	size_t	 i;

	if (len == 0 || len > SESSION_MAX_KEY)
		return 0;
	for (i = 0; i < len; i++)
		if (k[i] < 0x21 || k[i] > 0x7e || k[i] == '=' || k[i] == '%')
			return 0;
	return 1;
}

/* A user's name: no control character (sl_session_set_user()). */
static int
user_valid(const char *u, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if ((unsigned char)u[i] < 0x20 || u[i] == 0x7f)
			return 0;
	return 1;
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Take "WORD " (or "WORD\n" when EOL) off the front of *P. */
static int
expect(const char **p, const char *end, const char *word)
{
	size_t	 len = strlen(word);

	if ((size_t)(end - *p) < len || memcmp(*p, word, len) != 0)
		return 0;
	*p += len;
	return 1;
}

static int
parse_time(const char **p, const char *end, time_t *t)
{
	long long	 n = 0;
	size_t		 digits = 0;

	while (*p < end && **p >= '0' && **p <= '9') {
		if (++digits > 18)
			return 0;
		n = n * 10 + (**p - '0');
		(*p)++;
	}
	if (digits == 0 || *p >= end || **p != '\n')
		return 0;
	(*p)++;
	*t = (time_t)n;
	return 1;
}

/*
 * The head of a file at the start of TEXT, "sessile 2\n" (or 1) and
 * "expires T\n": its length, with T in *EXPIRES; 0 when TEXT does not
 * start so.  Clean-up reads no more than this of a file (store-gc.c).
 */
size_t
store_head(const char *text, size_t len, time_t *expires)
{
	const char	*p = text, *end = text + len;

	if ((!expect(&p, end, STORE_MAGIC) &&
	    !expect(&p, end, STORE_MAGIC_1)) ||
	    !expect(&p, end, "expires ") || !parse_time(&p, end, expires))
		return 0;
	return (size_t)(p - text);
}

/* The percent-encoded text from P to EOL, decoded into a new string of
 * A in *OUT (*OUTLEN bytes); 0 when it is not so encoded. */
static int
decode(struct arena *a, const char *p, const char *eol, char **out,
    size_t *outlen)
{
	char	*o;
	size_t	 n = 0;
	int	 hi, lo;

	if ((o = arena_alloc(a, (size_t)(eol - p) + 1)) == NULL)
		return 0;
	for (; p < eol; p++) {
		if (*p == '%') {
			if (eol - p < 3 ||
			    (hi = hexval((unsigned char)p[1])) < 0 ||
			    (lo = hexval((unsigned char)p[2])) < 0)
				return 0;
			o[n++] = (char)(hi << 4 | lo);
			p += 2;
		} else if (*p < 0x21 || *p > 0x7e)
			return 0;
		else
			o[n++] = *p;
	}
	o[n] = '\0';
	*out = o;
	*outlen = n;
	return 1;
}

/* Parse a whole file.  Returns 0 if it is not exactly version 2 or 1. */
int
store_parse(const char *text, size_t len, struct arena *a, struct sdata *d)
{
	const char	*p, *end = text + len, *eol, *eq;
	struct entry	*e;
	size_t		 i, total = 0, n, cap = 8;
	char		*user;

	memset(d, 0, sizeof(*d));
	if ((n = store_head(text, len, &d->expires)) == 0)
		return 0;
	p = text + n;
	if (memcmp(text, STORE_MAGIC, strlen(STORE_MAGIC)) == 0) {
		if (expect(&p, end, "created ") &&
		    (!parse_time(&p, end, &d->created) || d->created == 0))
			return 0;
		if ((eol = memchr(p, '\n', (size_t)(end - p))) != NULL &&
		    expect(&p, eol, "user ")) {
			if (!decode(a, p, eol, &user, &d->userlen) ||
			    d->userlen == 0 || d->userlen > SESSION_MAX_USER ||
			    !user_valid(user, d->userlen))
				return 0;
			d->user = user;
			p = eol + 1;
		}
	}
	if ((d->ents = arena_alloc(a, cap * sizeof(*d->ents))) == NULL)
		return 0;
	d->cap = cap;
	for (;;) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return 0;
		if (eol - p == 3 && memcmp(p, "end", 3) == 0)
			return eol + 1 == end;
		if (!expect(&p, eol, "data "))
			return 0;
		if ((eq = memchr(p, '=', (size_t)(eol - p))) == NULL ||
		    !store_key_valid(p, (size_t)(eq - p)))
			return 0;
		for (i = 0; i < d->nents; i++)
			if (d->ents[i].keylen == (size_t)(eq - p) &&
			    memcmp(d->ents[i].key, p, d->ents[i].keylen) == 0)
				return 0;
		if (d->nents == SESSION_MAX_KEYS)
			return 0;
		if (d->nents == d->cap) {
			if ((e = arena_alloc(a, 2 * d->cap * sizeof(*e))) ==
			    NULL)
				return 0;
			memcpy(e, d->ents, d->nents * sizeof(*e));
			d->ents = e;
			d->cap *= 2;
		}
		e = &d->ents[d->nents];
		if ((e->key = arena_strndup(a, p, (size_t)(eq - p))) == NULL ||
		    !decode(a, eq + 1, eol, &e->val, &e->vallen))
			return 0;
		e->keylen = (size_t)(eq - p);
		total += e->keylen + e->vallen;
		if (total > SESSION_MAX_DATA)
			return 0;
		d->nents++;
		p = eol + 1;
	}
}

/* V (LEN bytes), percent-encoded where a byte is not printable ASCII or
 * is '%', and a newline. */
static void
encode(struct buf *b, const char *v, size_t len)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 k;
	unsigned char		 c;

	for (k = 0; k < len; k++) {
		c = (unsigned char)v[k];
		if (c < 0x21 || c > 0x7e || c == '%') {
			buf_addc(b, '%');
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		} else
			buf_addc(b, (char)c);
	}
	buf_addc(b, '\n');
}

void
store_format(struct buf *b, const struct sdata *d)
{
	const struct entry	*e;
	size_t			 i;

	buf_adds(b, STORE_MAGIC "expires ");
	buf_addu(b, d->expires < 0 ? 0 : (unsigned long long)d->expires);
	buf_addc(b, '\n');
	if (d->created > 0) {
		buf_adds(b, "created ");
		buf_addu(b, (unsigned long long)d->created);
		buf_addc(b, '\n');
	}
	if (d->user != NULL) {
		buf_adds(b, "user ");
		encode(b, d->user, d->userlen);
	}
	for (i = 0; i < d->nents; i++) {
		e = &d->ents[i];
		buf_adds(b, "data ");
		buf_add(b, e->key, e->keylen);
		buf_addc(b, '=');
		encode(b, e->val, e->vallen);
	}
	buf_adds(b, "end\n");
}

/*
 * Sessions read so far that could not be used (corrupt, or a Redis value
 * that does not verify): store_unreadable() counts them, each one logged
 * as read unless QUIET, for a caller (sessile-admin) that says how many
 * in one line.
 */
size_t
store_unreadable(struct store *s, int quiet)
{
	s->quiet = quiet;
	return s->unreadable;
}

/* One of those, read by a store whose log lines are named WHO: FMT says
 * which, and why. */
void
store_unusable(struct store *s, const char *who, const char *fmt, ...)
{
	char	 line[LOG_LINE_MAX];
	va_list	 ap;

	s->unreadable++;
	if (s->quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_line(who, "%s", line);
}

/*
 * fuzz/store.c: the session file format (lib/store-format.c), which every
 * request that has a session reads and every change writes.
 *
 * The input is used twice: as a session file, and as the recipe of a
 * session (an expiry, then entries of one byte of key length, the key,
 * two bytes of value length and the value, any bytes).
 *
 * Invariants:
 * - a file store_parse() accepts holds valid, distinct keys, values
 *   NUL-terminated at their length, and no more than SESSION_MAX_DATA;
 * - store_parse() reads back what store_format() wrote: the expiry and
 *   every key and value in order, whatever bytes the values hold;
 * - a parsed file formatted, parsed and formatted again is identical.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "extern.h"
#include "fuzz.h"

#define MAX_ENTS	1024	/* SESSION_MAX_KEYS in extern.h */

static void
check_valid(const struct sdata *d)
{
	size_t	 i, j, total = 0;

	CHECK(d->nents <= MAX_ENTS, "%zu entries", d->nents);
	for (i = 0; i < d->nents; i++) {
		CHECK(store_key_valid(d->ents[i].key, d->ents[i].keylen),
		    "entry %zu has a bad key", i);
		CHECK(d->ents[i].val[d->ents[i].vallen] == '\0',
		    "entry %zu is not NUL-terminated at its length", i);
		for (j = 0; j < i; j++)
			CHECK(d->ents[j].keylen != d->ents[i].keylen ||
			    memcmp(d->ents[j].key, d->ents[i].key,
			    d->ents[i].keylen) != 0,
			    "entries %zu and %zu have the same key", j, i);
		total += d->ents[i].keylen + d->ents[i].vallen;
	}
	CHECK(total <= SESSION_MAX_DATA, "%zu bytes of data", total);
}

static void
check_same(const struct sdata *a, const struct sdata *b, const char *what)
{
	size_t	 i;

	CHECK(a->expires == b->expires, "%s: expires %lld, not %lld", what,
	    (long long)b->expires, (long long)a->expires);
	CHECK(a->nents == b->nents, "%s: %zu entries, not %zu", what,
	    b->nents, a->nents);
	for (i = 0; i < a->nents; i++) {
		CHECK(a->ents[i].keylen == b->ents[i].keylen &&
		    memcmp(a->ents[i].key, b->ents[i].key,
		    a->ents[i].keylen) == 0, "%s: key %zu differs", what, i);
		CHECK(a->ents[i].vallen == b->ents[i].vallen &&
		    (a->ents[i].vallen == 0 || memcmp(a->ents[i].val,
		    b->ents[i].val, a->ents[i].vallen) == 0),
		    "%s: value %zu differs", what, i);
	}
}

/* Format D, parse it back: the same session, and the same text again. */
static void
round_trip(const struct sdata *d, struct arena *a, const char *what)
{
	struct buf	 b1, b2;
	struct sdata	 back;

	memset(&b1, 0, sizeof(b1));
	memset(&b2, 0, sizeof(b2));
	store_format(&b1, d);
	if (b1.oom)
		abort();
	CHECK(store_parse(b1.p, b1.len, a, &back), "%s: what store_format "
	    "wrote does not parse", what);
	check_valid(&back);
	check_same(d, &back, what);
	store_format(&b2, &back);
	if (b2.oom)
		abort();
	CHECK(b1.len == b2.len && memcmp(b1.p, b2.p, b1.len) == 0,
	    "%s: formatted twice, the text differs", what);
	buf_free(&b1);
	buf_free(&b2);
}

/* A session made from the input, as sl_session_set() would allow it. */
static void
from_recipe(const uint8_t *p, size_t len, struct arena *a)
{
	struct sdata	 d;
	struct entry	*e;
	uint64_t	 u = 0;
	size_t		 i, j, klen, vlen, total = 0;
	char		*k;

	memset(&d, 0, sizeof(d));
	for (i = 0; i < 8 && i < len; i++)
		u = u << 8 | p[i];
	/* An expiry is a time: at most 18 digits in the file. */
	d.expires = (time_t)(u % 1000000000000000000ULL);
	if ((d.ents = arena_alloc(a, MAX_ENTS * sizeof(*d.ents))) == NULL)
		abort();
	d.cap = MAX_ENTS;
	while (i < len && d.nents < MAX_ENTS) {
		klen = 1 + p[i++] % SESSION_MAX_KEY;
		if (len - i < klen)
			break;
		if ((k = arena_alloc(a, klen + 1)) == NULL)
			abort();
		/* Any byte becomes a valid key byte: printable, no '=' or '%'. */
		for (j = 0; j < klen; j++) {
			k[j] = (char)(0x21 + p[i + j] % 94);
			if (k[j] == '=' || k[j] == '%')
				k[j] = '_';
		}
		k[klen] = '\0';
		i += klen;
		if (len - i < 2)
			break;
		vlen = (size_t)p[i] << 8 | p[i + 1];
		i += 2;
		if (vlen > len - i)
			vlen = len - i;
		if (total + klen + vlen > SESSION_MAX_DATA)
			break;
		for (j = 0; j < d.nents; j++)
			if (d.ents[j].keylen == klen &&
			    memcmp(d.ents[j].key, k, klen) == 0)
				break;
		if (j < d.nents) {	/* a second value for a key: skipped */
			i += vlen;
			continue;
		}
		e = &d.ents[d.nents++];
		e->key = k;
		e->keylen = klen;
		if ((e->val = arena_strndup(a, (const char *)p + i, vlen)) ==
		    NULL)
			abort();
		e->vallen = vlen;
		total += klen + vlen;
		i += vlen;
	}
	check_valid(&d);
	round_trip(&d, a, "recipe");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena	 a;
	struct sdata	 d;

	memset(&a, 0, sizeof(a));
	if (store_parse((const char *)data, size, &a, &d)) {
		check_valid(&d);
		round_trip(&d, &a, "file");
	}
	from_recipe(data, size, &a);
	arena_free(&a);
	return 0;
}

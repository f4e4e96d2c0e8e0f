/*
 * t_sign: base64url (RFC 4648 §5, without padding, decoded strictly),
 * HMAC-SHA256 tags with key rotation and domain separation, constant-time
 * comparison and the SHA-256 that names session files.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "extern.h"
#include "tap.h"

static const char	 alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789-_";

/* Every length 0..40 encodes to 4n/3 rounded up and decodes back. */
static void
test_b64_roundtrip(void)
{
	unsigned char	 in[256], back[256];
	char		 enc[4 * 256 / 3 + 8];
	size_t		 len, i, n, got;
	int		 good;

	for (len = 0; len <= 40; len++) {
		/* Bytes that reach both ends of the alphabet. */
		for (i = 0; i < len; i++)
			in[i] = (unsigned char)(i * 0x9d + len * 7 +
			    (i % 3 == 0 ? 0xff : 0));
		memset(enc, '!', sizeof(enc));
		n = b64url_encode(in, len, enc);
		good = n == (4 * len + 2) / 3 && enc[n] == '\0' &&
		    strspn(enc, alphabet) == n && b64url_valid(enc, n);
		memset(back, 0, sizeof(back));
		got = 999;
		good = good && b64url_decode(enc, n, back, len, &got) &&
		    got == len && memcmp(back, in, len) == 0;
		ok(good, "b64url round trip of %zu bytes (%zu characters)",
		    len, (4 * len + 2) / 3);
	}

	/* Every byte value, in one go. */
	for (i = 0; i < 256; i++)
		in[i] = (unsigned char)i;
	n = b64url_encode(in, 256, enc);
	ok(n == 342 && b64url_decode(enc, n, back, sizeof(back), &got) &&
	    got == 256 && memcmp(back, in, 256) == 0,
	    "b64url round trip of the bytes 0..255");
}

/*
 * RFC 4648 §10 test vectors, and §9's illustrations, in the URL and
 * filename safe alphabet (§5) without padding (§3.2).
 */
static const struct b64_test {
	const char	*raw;
	size_t		 rawlen;
	const char	*enc;
} b64_tests[] = {
	{ S(""), "" },
	{ S("f"), "Zg" },
	{ S("fo"), "Zm8" },
	{ S("foo"), "Zm9v" },
	{ S("foob"), "Zm9vYg" },
	{ S("fooba"), "Zm9vYmE" },
	{ S("foobar"), "Zm9vYmFy" },
	/* §9: "FPucA9l+" and friends; '+' and '/' become '-' and '_'. */
	{ S("\x14\xfb\x9c\x03\xd9\x7e"), "FPucA9l-" },
	{ S("\x14\xfb\x9c\x03\xd9"), "FPucA9k" },
	{ S("\x14\xfb\x9c\x03"), "FPucAw" },
	{ S("\xfb\xef\xbe"), "----" },
	{ S("\xff\xff\xff"), "____" },
	{ S("\xfb\xff"), "-_8" },
	{ S("\0\0\0"), "AAAA" },
};

static void
test_b64_vectors(void)
{
	const struct b64_test	*t;
	unsigned char		 back[16];
	char			 enc[32];
	size_t			 i, n, got;

	for (i = 0; i < NELEM(b64_tests); i++) {
		t = &b64_tests[i];
		n = b64url_encode(t->raw, t->rawlen, enc);
		got = 999;
		ok(n == strlen(t->enc) && strcmp(enc, t->enc) == 0 &&
		    b64url_decode(t->enc, n, back, sizeof(back), &got) &&
		    got == t->rawlen && memcmp(back, t->raw, got) == 0,
		    "b64url %zu bytes <-> \"%s\"", t->rawlen, t->enc);
	}
}

/*
 * Strict decoding: one encoding per value, so that a tag or an id cannot
 * be written two ways.
 */
static const struct bad_test {
	const char	*enc;
	size_t		 len;
	const char	*why;
} bad_tests[] = {
	{ S("Zg=="), "padding" },
	{ S("Zm9v="), "padding" },
	{ S("Zm8="), "padding" },
	{ S("Z"), "\"Z\": length % 4 == 1, not a whole byte" },
	{ S("Zm9vY"), "\"Zm9vY\": length % 4 == 1" },
	/* Even when the six bits left over are all zero. */
	{ S("A"), "\"A\": length % 4 == 1, zero bits" },
	{ S("Zm9vA"), "\"Zm9vA\": length % 4 == 1, zero bits" },
	/* The unused low bits of the last character must be zero. */
	{ S("Zh"), "non-zero trailing bits (\"Zg\" is the encoding)" },
	{ S("Zm9"), "non-zero trailing bits (\"Zm8\" is the encoding)" },
	{ S("Zm9vYmF"), "non-zero trailing bits (\"Zm9vYmE\")" },
	/* The standard alphabet is not the URL one. */
	{ S("Zm+v"), "'+' from the standard alphabet" },
	{ S("Zm/v"), "'/' from the standard alphabet" },
	{ S("Zm 9v"), "a space" },
	{ S("Zm9v\n"), "a newline" },
	{ S("Zm.v"), "a dot" },
	{ S("Zm\0v"), "a NUL inside the length" },
	{ S("Zm9v\xc3\xa9"), "non-ASCII" },
};

static void
test_b64_strict(void)
{
	const struct bad_test	*t;
	unsigned char		 out[32];
	size_t			 i, got;

	for (i = 0; i < NELEM(bad_tests); i++) {
		t = &bad_tests[i];
		ok(!b64url_decode(t->enc, t->len, out, sizeof(out), &got),
		    "b64url_decode refuses %s", t->why);
	}
	/* The canonical forms of the rows above are accepted. */
	ok(b64url_decode("Zg", 2, out, sizeof(out), &got) && got == 1 &&
	    out[0] == 'f', "b64url_decode accepts \"Zg\"");
	ok(b64url_decode("Zm8", 3, out, sizeof(out), &got) && got == 2 &&
	    memcmp(out, "fo", 2) == 0, "b64url_decode accepts \"Zm8\"");
	/* The caller's buffer bounds the output. */
	ok(!b64url_decode("Zm9vYmFy", 8, out, 5, &got),
	    "b64url_decode refuses 6 bytes into room for 5");
	ok(b64url_decode("Zm9vYmFy", 8, out, 6, &got) && got == 6,
	    "b64url_decode fills room for exactly 6");

	/* b64url_valid: alphabet and length only. */
	ok(b64url_valid("", 0) && b64url_valid("Zg", 2) &&
	    b64url_valid("Zm9v", 4) && b64url_valid("-_", 2),
	    "b64url_valid accepts \"\", \"Zg\", \"Zm9v\", \"-_\"");
	ok(!b64url_valid("Z", 1) && !b64url_valid("Zg==", 4) &&
	    !b64url_valid("Zm+v", 4) && !b64url_valid("Zm/v", 4) &&
	    !b64url_valid("Zm\0v", 4),
	    "b64url_valid refuses \"Z\", \"Zg==\", \"Zm+v\", \"Zm/v\", NUL");
}

/* Keys for the signer: at least 16 bytes, as config_load demands. */
#define KEY0	"current-key-0123456789"
#define KEY1	"fallback-key-one-0123"
#define KEY2	"fallback-key-two-0123"
#define KEYX	"some-other-key-0123456"

/* The tag by hand: HMAC-SHA256(key, domain || NUL || msg), RFC 2104. */
static int
hmac_by_hand(const char *key, const char *dom, const void *msg, size_t len,
    unsigned char out[32])
{
	gcry_mac_hd_t	 h;
	size_t		 outlen = 32;
	int		 good;

	if (gcry_mac_open(&h, GCRY_MAC_HMAC_SHA256, 0, NULL) != 0)
		return 0;
	good = gcry_mac_setkey(h, key, strlen(key)) == 0 &&
	    gcry_mac_write(h, dom, strlen(dom) + 1) == 0 &&
	    gcry_mac_write(h, msg, len) == 0 &&
	    gcry_mac_read(h, out, &outlen) == 0 && outlen == 32;
	gcry_mac_close(h);
	return good;
}

static int
tag_is(const char *tag, const unsigned char want[32])
{
	unsigned char	 raw[40];
	size_t		 n;

	return b64url_decode(tag, strlen(tag), raw, sizeof(raw), &n) &&
	    n == 32 && memcmp(raw, want, 32) == 0;
}

/* signer_verify() as an index: the key that accepts TAG, or -1. */
static int
verify_index(struct signer *s, enum sigdom d, const void *msg, size_t len,
    const char *tag, size_t taglen)
{
	size_t	 k;

	if (signer_verify(s, d, msg, len, tag, taglen, &k) != SL_OK)
		return -1;
	return (int)k;
}

static void
test_signer(void)
{
	struct key	 fb[2] = {
		{ (char *)KEY1, sizeof(KEY1) - 1 },
		{ (char *)KEY2, sizeof(KEY2) - 1 },
	};
	struct config	 cfg, other;
	struct signer	 s, x;
	unsigned char	 want[32];
	struct why	 w;
	char		 tag[TAG_LEN + 1], tag2[TAG_LEN + 1];
	char		 bad[TAG_LEN + 2];
	const char	*msg = "session-id";
	size_t		 mlen = strlen(msg), i, k, refused;

	memset(&cfg, 0, sizeof(cfg));
	cfg.secret.p = (char *)KEY0;
	cfg.secret.len = sizeof(KEY0) - 1;
	cfg.fallbacks = fb;
	cfg.nfallbacks = 2;
	memset(&other, 0, sizeof(other));
	other.secret.p = (char *)KEYX;
	other.secret.len = sizeof(KEYX) - 1;

	if (!ok(signer_init(&s, &cfg, &w) == SL_OK && s.nkeys == 3,
	    "signer_init takes the current key and two fallbacks"))
		return;
	if (!ok(signer_init(&x, &other, &w) == SL_OK && x.nkeys == 1,
	    "signer_init takes a lone key"))
		return;

	memset(tag, 0, sizeof(tag));
	ok(signer_tag(&s, 0, SIGDOM_SESSION, msg, mlen, tag) == SL_OK &&
	    strlen(tag) == TAG_LEN && b64url_valid(tag, TAG_LEN),
	    "signer_tag gives %d base64url characters", TAG_LEN);
	ok(verify_index(&s, SIGDOM_SESSION, msg, mlen, tag, TAG_LEN) == 0,
	    "a tag by the current key verifies as key 0");
	ok(strcmp(tag, "fkBDm4OnUVz9CpxocO1CE2K6Hp4Q5rel7pyHOw_SXTc") == 0,
	    "the tag is the known answer (changing it logs everybody out)");

	/* Independently, with libgcrypt's HMAC directly. */
	ok(hmac_by_hand(KEY0, "sessile-session", msg, mlen, want) &&
	    tag_is(tag, want),
	    "the tag is HMAC-SHA256(key, \"sessile-session\\0\" || msg)");
	ok(signer_tag(&s, 0, SIGDOM_CSRF, msg, mlen, tag2) == SL_OK &&
	    hmac_by_hand(KEY0, "sessile-csrf", msg, mlen, want) &&
	    tag_is(tag2, want),
	    "a CSRF tag is HMAC-SHA256(key, \"sessile-csrf\\0\" || msg)");
	ok(signer_tag(&s, 1, SIGDOM_SESSION, msg, mlen, tag2) == SL_OK &&
	    hmac_by_hand(KEY1, "sessile-session", msg, mlen, want) &&
	    tag_is(tag2, want), "signer_tag with key 1 uses the first "
	    "fallback");

	/* Rotation: fallbacks verify, and say which they are. */
	for (k = 1; k <= 2; k++)
		ok(signer_tag(&s, k, SIGDOM_SESSION, msg, mlen, tag2) == SL_OK &&
		    verify_index(&s, SIGDOM_SESSION, msg, mlen, tag2,
		    TAG_LEN) == (int)k,
		    "a tag by key %zu (fallback %zu) verifies as %zu", k,
		    k - 1, k);
	ok(signer_tag(&s, 3, SIGDOM_SESSION, msg, mlen, tag2) != SL_OK,
	    "signer_tag refuses key 3 of 3");
	ok(signer_tag(&x, 0, SIGDOM_SESSION, msg, mlen, tag2) == SL_OK &&
	    verify_index(&s, SIGDOM_SESSION, msg, mlen, tag2, TAG_LEN) == -1,
	    "a tag by an unknown key does not verify");
	ok(verify_index(&x, SIGDOM_SESSION, msg, mlen, tag, TAG_LEN) == -1,
	    "a signer without the key does not verify its tags");

	/* Domain separation: a session tag is no CSRF token. */
	ok(verify_index(&s, SIGDOM_CSRF, msg, mlen, tag, TAG_LEN) == -1,
	    "a session tag does not verify as a CSRF tag");
	ok(verify_index(&s, SIGDOM_FLASH, msg, mlen, tag, TAG_LEN) == -1,
	    "a session tag does not verify as a flash tag");
	ok(signer_tag(&s, 0, SIGDOM_CSRF, msg, mlen, tag2) == SL_OK &&
	    strcmp(tag, tag2) != 0 &&
	    verify_index(&s, SIGDOM_CSRF, msg, mlen, tag2, TAG_LEN) == 0 &&
	    verify_index(&s, SIGDOM_SESSION, msg, mlen, tag2, TAG_LEN) == -1,
	    "a CSRF tag verifies as CSRF only");

	/* gcry_mac_reset keeps the key and forgets the last message. */
	ok(signer_tag(&s, 0, SIGDOM_SESSION, msg, mlen, tag2) == SL_OK &&
	    strcmp(tag, tag2) == 0, "the same message tagged twice gives "
	    "the same tag");
	ok(signer_tag(&s, 0, SIGDOM_SESSION, "other", 5, tag2) == SL_OK &&
	    strcmp(tag, tag2) != 0 &&
	    signer_tag(&s, 0, SIGDOM_SESSION, msg, mlen, tag2) == SL_OK &&
	    strcmp(tag, tag2) == 0, "a tag in between changes nothing");
	ok(verify_index(&s, SIGDOM_SESSION, "session-ie", mlen, tag,
	    TAG_LEN) == -1, "a tag does not verify another message");

	/* Explicit lengths: NUL bytes are part of the message. */
	ok(signer_tag(&s, 0, SIGDOM_SESSION, "a\0b", 3, tag2) == SL_OK &&
	    verify_index(&s, SIGDOM_SESSION, "a\0c", 3, tag2, TAG_LEN) == -1 &&
	    verify_index(&s, SIGDOM_SESSION, "a", 1, tag2, TAG_LEN) == -1 &&
	    verify_index(&s, SIGDOM_SESSION, "a\0b", 3, tag2, TAG_LEN) == 0,
	    "bytes after a NUL in the message are signed");

	/* Any one changed character is refused. */
	refused = 0;
	for (i = 0; i < TAG_LEN; i++) {
		memcpy(bad, tag, TAG_LEN + 1);
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		if (verify_index(&s, SIGDOM_SESSION, msg, mlen, bad,
		    TAG_LEN) == -1)
			refused++;
	}
	ok(refused == TAG_LEN, "each of the %d one-character changes of the "
	    "tag is refused (%zu were)", TAG_LEN, refused);
	memcpy(bad, tag, TAG_LEN + 1);
	bad[TAG_LEN - 1] ^= 1;
	ok(verify_index(&s, SIGDOM_SESSION, msg, mlen, bad, TAG_LEN) == -1,
	    "one flipped bit in the last character is refused");
	ok(verify_index(&s, SIGDOM_SESSION, msg, mlen, tag, TAG_LEN - 1) ==
	    -1, "a truncated tag is refused");
	memcpy(bad, tag, TAG_LEN);
	bad[TAG_LEN] = 'A';
	bad[TAG_LEN + 1] = '\0';
	ok(verify_index(&s, SIGDOM_SESSION, msg, mlen, bad, TAG_LEN + 1) ==
	    -1, "a tag with a character more is refused");
	ok(verify_index(&s, SIGDOM_SESSION, msg, mlen, "", 0) == -1,
	    "an empty tag is refused");

	signer_free(&s);
	signer_free(&x);
	ok(s.keys == NULL && s.nkeys == 0, "signer_free forgets the keys");
}

/* ct_equal: equality over exactly LEN bytes, NULs included. */
static const struct ct_test {
	const char	*a;
	const char	*b;
	size_t		 len;
	int		 equal;
	const char	*why;
} ct_tests[] = {
	{ "", "", 0, 1, "empty" },
	{ "abc", "xyz", 0, 1, "nothing compared" },
	{ "abc", "abc", 3, 1, "same bytes" },
	{ "abc", "abd", 3, 0, "last byte differs" },
	{ "abc", "xbc", 3, 0, "first byte differs" },
	{ "abc", "abd", 2, 1, "only LEN bytes count" },
	{ "a\0b", "a\0c", 3, 0, "differs past a NUL" },
	{ "a\0b", "a\0b", 3, 1, "same past a NUL" },
	{ "\x80", "\x00", 1, 0, "high bit differs" },
	{ "\x01", "\x00", 1, 0, "low bit differs" },
	{ "\xff\xff", "\xff\xfe", 2, 0, "one bit of the last byte" },
};

static void
test_ct_equal(void)
{
	const struct ct_test	*t;
	size_t			 i;

	for (i = 0; i < NELEM(ct_tests); i++) {
		t = &ct_tests[i];
		ok(ct_equal(t->a, t->b, t->len) == t->equal,
		    "ct_equal of %zu bytes, %s: %s", t->len, t->why,
		    t->equal ? "equal" : "different");
	}
}

/* FIPS 180-2 appendix B and the empty string. */
static const struct sha_test {
	const char	*in;
	size_t		 len;
	const char	*hex;
} sha_tests[] = {
	{ S("abc"),
	    "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad" },
	{ S(""),
	    "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855" },
	{ S("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
	    "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1" },
};

static void
test_sha256_hex(void)
{
	const struct sha_test	*t;
	char			 out[STORE_NAME_LEN + 2];
	size_t			 i;

	for (i = 0; i < NELEM(sha_tests); i++) {
		t = &sha_tests[i];
		memset(out, 'Z', sizeof(out));
		sha256_hex(t->in, t->len, out);
		ok(memcmp(out, t->hex, STORE_NAME_LEN + 1) == 0 &&
		    out[STORE_NAME_LEN + 1] == 'Z',
		    "sha256_hex of %zu bytes is %.16s...", t->len, t->hex);
	}
}

int
main(void)
{
	struct why	 w;

	if (!ok(crypto_init(&w) == SL_OK, "crypto_init"))
		return done();
	test_b64_roundtrip();
	test_b64_vectors();
	test_b64_strict();
	test_signer();
	test_ct_equal();
	test_sha256_hex();
	return done();
}

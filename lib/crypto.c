/*
 * crypto.c: everything secret comes from libgcrypt.  Ids and tokens from
 * its strong generator; tags are HMAC-SHA256 with one handle per key, keyed
 * once per process (the key schedule is not redone per request).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

#define GCRYPT_MIN	"1.8.0"

/*
 * Domain separation: a tag made for one purpose never verifies for
 * another (a CSRF token is not a session id).
 */
static const char *const sigdoms[SIGDOM__MAX] = {
	"sessile-session",	/* SIGDOM_SESSION */
	"sessile-csrf",		/* SIGDOM_CSRF */
	"sessile-flash",	/* SIGDOM_FLASH */
	"sessile-store",	/* SIGDOM_STORE */
};

enum sl_err
crypto_init(struct why *w)
{
	if (gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P))
		return SL_OK;
	if (gcry_check_version(GCRYPT_MIN) == NULL)
		return why_cause(w, SL_ECONFIG, "libgcrypt %s or later is "
		    "needed", GCRYPT_MIN);
	/*
	 * Secure memory would need mlock privileges a CGI program does not
	 * have; the key lives in ordinary memory, as it does in the
	 * environment it came from.
	 */
	gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
	gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
	return SL_OK;
}

static int
mac_open(gcry_mac_hd_t *h, const struct key *k)
{
	if (gcry_mac_open(h, GCRY_MAC_HMAC_SHA256, 0, NULL) != 0)
		return 0;
	if (gcry_mac_setkey(*h, k->p, k->len) != 0) {
		gcry_mac_close(*h);
		return 0;
	}
	return 1;
}

enum sl_err
signer_init(struct signer *s, const struct config *c, struct why *w)
{
	size_t	 i;

	memset(s, 0, sizeof(*s));
	if ((s->keys = calloc(1 + c->nfallbacks, sizeof(*s->keys))) == NULL)
		return why_cause(w, SL_EINTERNAL, "out of memory");
	for (i = 0; i < 1 + c->nfallbacks; i++) {
		if (!mac_open(&s->keys[i], i == 0 ? &c->secret :
		    &c->fallbacks[i - 1])) {
			signer_free(s);
			return why_cause(w, SL_EINTERNAL, "libgcrypt: cannot "
			    "set up HMAC-SHA256");
		}
		s->nkeys++;
	}
	return SL_OK;
}

void
signer_free(struct signer *s)
{
	size_t	 i;

	for (i = 0; i < s->nkeys; i++)
		gcry_mac_close(s->keys[i]);
	free(s->keys);
	memset(s, 0, sizeof(*s));
}

static int
mac(gcry_mac_hd_t h, enum sigdom d, const void *msg, size_t len,
    unsigned char out[32])
{
	size_t	 outlen = 32;

	/* gcry_mac_reset() keeps the key: only the message is new. */
	if (gcry_mac_reset(h) != 0 ||
	    gcry_mac_write(h, sigdoms[d], strlen(sigdoms[d]) + 1) != 0 ||
	    gcry_mac_write(h, msg, len) != 0 ||
	    gcry_mac_read(h, out, &outlen) != 0 || outlen != 32)
		return 0;
	return 1;
}

/* The base64url tag of MSG under key K (0: current). */
enum sl_err
signer_tag(struct signer *s, size_t k, enum sigdom d, const void *msg,
    size_t len, char tag[TAG_LEN + 1])
{
	unsigned char	 raw[32];

	if (k >= s->nkeys || !mac(s->keys[k], d, msg, len, raw))
		return SL_EINTERNAL;
	b64url_encode(raw, sizeof(raw), tag);
	return SL_OK;
}

/*
 * Check TAG (base64url) for MSG under every key.  SL_OK when one accepts
 * it, its index in *KEY (0: current; KEY may be NULL); SL_EFORBIDDEN when
 * none does.  Every key is tried, whatever matched, and compared in
 * constant time.
 */
enum sl_err
signer_verify(struct signer *s, enum sigdom d, const void *msg, size_t len,
    const char *tag, size_t taglen, size_t *key)
{
	unsigned char	 want[33], got[32];
	size_t		 i, n, found = 0;
	int		 ok = 0;

	if (taglen != TAG_LEN ||
	    !b64url_decode(tag, taglen, want, sizeof(want), &n) || n != 32)
		return SL_EFORBIDDEN;
	for (i = 0; i < s->nkeys; i++)
		if (mac(s->keys[i], d, msg, len, got) &&
		    ct_equal(got, want, 32) && !ok) {
			found = i;
			ok = 1;
		}
	if (!ok)
		return SL_EFORBIDDEN;
	if (key != NULL)
		*key = found;
	return SL_OK;
}

/* Secrets: ids, tokens. */
void
random_bytes(void *p, size_t len)
{
	gcry_randomize(p, len, GCRY_STRONG_RANDOM);
}

/* Not secret: spreading clean-up and temporary names. */
void
random_nonce(void *p, size_t len)
{
	gcry_create_nonce(p, len);
}

/* RFC 4648 §5, without padding.  OUT needs 4 * ceil(len / 3) + 1. */
size_t
b64url_encode(const void *in, size_t len, char *out)
{
	static const char	 tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char	*p = in;
	size_t			 i, o = 0;
	unsigned long		 v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned long)p[i] << 16 | p[i + 1] << 8 | p[i + 2];
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = tab[v >> 6 & 63];
		out[o++] = tab[v & 63];
	}
	if (len - i == 1) {
		v = (unsigned long)p[i] << 16;
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
	} else if (len - i == 2) {
		v = (unsigned long)p[i] << 16 | p[i + 1] << 8;
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = tab[v >> 6 & 63];
	}
	out[o] = '\0';
	return o;
}

static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

int
b64url_valid(const char *in, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (b64val((unsigned char)in[i]) < 0)
			return 0;
	return len % 4 != 1;
}

/*
 * Strict: only the alphabet, no padding, and the unused low bits of the
 * last character must be zero (one encoding per value).
 */
int
b64url_decode(const char *in, size_t len, void *out, size_t cap,
    size_t *outlen)
{
	unsigned char	*o = out;
	unsigned long	 acc = 0;
	size_t		 i, n = 0;
	int		 bits = 0, v;

	if (len % 4 == 1)
		return 0;
	for (i = 0; i < len; i++) {
		if ((v = b64val((unsigned char)in[i])) < 0)
			return 0;
		acc = (acc << 6 | (unsigned long)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= cap)
				return 0;
			o[n++] = (unsigned char)(acc >> bits);
		}
	}
	if (bits > 0 && (acc & ((1UL << bits) - 1)) != 0)
		return 0;
	*outlen = n;
	return 1;
}

/* The LEN bytes of IN as 2 * LEN lowercase hex digits and a NUL. */
void
hex_encode(const void *in, size_t len, char *out)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = in;
	size_t			 i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * len] = '\0';
}

/* The digest ALGO of IN, MDLEN bytes, in lowercase hex into OUT. */
static void
digest_hex(int algo, size_t mdlen, const void *in, size_t len, char *out)
{
	unsigned char		 md[32];

	gcry_md_hash_buffer(algo, md, in, len);
	hex_encode(md, mdlen, out);
}

void
sha256_hex(const void *in, size_t len, char out[STORE_NAME_LEN + 1])
{
	digest_hex(GCRY_MD_SHA256, 32, in, len, out);
}

/* SHA-1, where Redis names things by it (a script, redis.sha1hex() of a
 * value in store-redis.c): never for a secret or a signature. */
void
sha1_hex(const void *in, size_t len, char out[41])
{
	digest_hex(GCRY_MD_SHA1, 20, in, len, out);
}

/* Constant time: the time taken does not depend on where bytes differ. */
int
ct_equal(const void *a, const void *b, size_t len)
{
	const volatile unsigned char	*x = a, *y = b;
	unsigned char			 d = 0;
	size_t				 i;

	for (i = 0; i < len; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

/*
 * sessile-keygen: print a new SECRET_KEY, 256 bits from libgcrypt's
 * strongest generator in base64url, for SECRET_KEY or SECRET_KEY_FILE.
 *
 *	umask 077; sessile-keygen > /etc/sessile/secret_key
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "extern.h"

int
main(int argc, char *argv[])
{
	unsigned char	 raw[32];
	char		 key[44];
	struct why	 w;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: sessile-keygen\n");
		return 2;
	}
	if (crypto_init(&w) != SL_OK) {
		fprintf(stderr, "sessile-keygen: %s\n", w.cause);
		return 1;
	}
	gcry_randomize(raw, sizeof(raw), GCRY_VERY_STRONG_RANDOM);
	b64url_encode(raw, sizeof(raw), key);
	explicit_bzero(raw, sizeof(raw));
	if (printf("%s\n", key) < 0 || fflush(stdout) != 0) {
		perror("sessile-keygen");
		return 1;
	}
	return 0;
}

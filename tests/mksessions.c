/*
 * mksessions N [USER]: N live sessions in the store the environment
 * configures (SESSION_TYPE, SESSION_FILE_DIR or the Redis variables,
 * SECRET_KEY), each written through the store interface as a login
 * writes one: of USER (or of "fillerI", one user each), made now, a month
 * to live, its username the user's.  On Redis they are signed and indexed
 * like the programs' own.  For the tests of sessile-admin at scale
 * (tests/admin.bats); prints nothing, exits 1 with a line on a fault.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extern.h"

extern char	**environ;

int
main(int argc, char *argv[])
{
	struct config	 cfg;
	struct signer	 sg;
	struct store	*s;
	struct why	 why;
	struct sdata	 d;
	struct entry	 e;
	unsigned char	 raw[32];
	char		 name[STORE_NAME_LEN + 1], user[64];
	time_t		 now = time(NULL);
	long		 n, i;

	if (argc < 2 || argc > 3 || (n = strtol(argv[1], NULL, 10)) < 1) {
		fprintf(stderr, "usage: mksessions n [user]\n");
		return 2;
	}
	why_clear(&why);
	if (crypto_init(&why) != SL_OK ||
	    config_load(&cfg, environ, &why) != SL_OK ||
	    signer_init(&sg, &cfg, &why) != SL_OK ||
	    (s = store_new("mksessions", &cfg, &sg)) == NULL) {
		fprintf(stderr, "mksessions: %s\n", why.cause);
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (argc == 3)
			snprintf(user, sizeof(user), "%s", argv[2]);
		else
			snprintf(user, sizeof(user), "filler%ld", i);
		random_bytes(raw, sizeof(raw));
		hex_encode(raw, sizeof(raw), name);
		e.key = (char *)"username";
		e.keylen = 8;
		e.val = user;
		e.vallen = strlen(user);
		memset(&d, 0, sizeof(d));
		d.expires = now + 30 * 86400;
		d.created = now;
		d.user = user;
		d.userlen = strlen(user);
		d.ents = &e;
		d.nents = 1;
		store_request(s);
		if (store_begin(s, name, &why) != SL_OK ||
		    store_write(s, name, &d, 0, &why) != SL_OK) {
			fprintf(stderr, "mksessions: %s\n", why.cause);
			return 1;
		}
		store_end(s);
	}
	store_free(s);
	signer_free(&sg);
	config_free(&cfg);
	return 0;
}

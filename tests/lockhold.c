/*
 * lockhold: a session writer that takes its time, for tests/gc.bats.
 *
 *	lockhold DIR NAME
 *
 * Takes the lock of session file NAME in DIR, as the programs do before
 * they rewrite a session, and says "locked".  Then, for each line read:
 * "renew SECONDS" rewrites the file with its expiry SECONDS from now, the
 * way a request refreshes it, and says "renewed".  At the end of its input
 * it releases the lock and exits.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extern.h"

int
main(int argc, char *argv[])
{
	struct store	*s;
	struct why	 why;
	struct arena	 a;
	struct sdata	 d;
	struct why	 w;
	char		 line[64];
	long		 secs;
	int		 found;

	if (argc != 3) {
		fprintf(stderr, "usage: lockhold dir name\n");
		return 2;
	}
	if (crypto_init(&w) != SL_OK) {
		fprintf(stderr, "lockhold: %s\n", w.cause);
		return 1;
	}
	why_clear(&why);
	if ((s = store_file_new("lockhold", argv[1], 0600, 0)) == NULL) {
		fprintf(stderr, "lockhold: out of memory\n");
		return 1;
	}
	if (store_begin(s, argv[2], &why) != SL_OK) {
		fprintf(stderr, "lockhold: %s\n", why.cause);
		return 1;
	}
	printf("locked\n");
	fflush(stdout);
	memset(&a, 0, sizeof(a));
	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (sscanf(line, "renew %ld", &secs) != 1) {
			fprintf(stderr, "lockhold: unknown command: %s", line);
			return 1;
		}
		/* Time 0: an expired session is read like a live one. */
		if (store_read(s, argv[2], &a, &d, 0, &found, &why) != SL_OK ||
		    found != STORE_LIVE) {
			fprintf(stderr, "lockhold: cannot read %s\n", argv[2]);
			return 1;
		}
		d.expires = time(NULL) + secs;
		if (store_write(s, argv[2], &d, 0, &why) != SL_OK) {
			fprintf(stderr, "lockhold: %s\n", why.cause);
			return 1;
		}
		printf("renewed\n");
		fflush(stdout);
	}
	arena_free(&a);
	store_end(s);
	store_free(s);
	return 0;
}

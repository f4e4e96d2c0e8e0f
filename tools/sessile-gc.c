/*
 * sessile-gc: remove expired sessions, the temporary files of writers
 * that crashed, and session files of another user's (never usable, logged
 * one a line), from the session directory while the programs serve: run
 * by cron or a systemd timer (conf/sessile-gc.*) as the directory's owner.
 *
 * Each removal is decided under the session's lock, the one writers take,
 * after a second look at its expiry (store_sweep()): a session refreshed at
 * that moment stays.  Removals come in batches with a pause between them,
 * as ext4 creates files slowly for a while after many deletions.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "extern.h"

#define BATCH_DEFAULT	100
#define BATCH_MAX	100000
#define PAUSE_DEFAULT	100	/* milliseconds */
#define PAUSE_MAX	60000

static int
usage(FILE *f)
{
	fprintf(f, "usage: sessile-gc [-hv] [-d dir] [-n batch] [-p ms]\n");
	return f == stdout ? 0 : 2;
}

/*
 * The argument S of option -OPT: digits only, from MIN to MAX, in OUT;
 * otherwise one line on stderr saying so, and 0.
 */
static int
number(int opt, const char *s, unsigned long min, unsigned long max,
    unsigned long *out)
{
	const char	*p = s;
	unsigned long	 n = 0;

	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (max - (unsigned long)(*p - '0')) / 10)
			break;
		n = n * 10 + (unsigned long)(*p - '0');
	}
	if (*s == '\0' || *p != '\0' || n < min) {
		fprintf(stderr, "sessile-gc: -%c %s: not a number from %lu "
		    "to %lu\n", opt, s, min, max);
		return 0;
	}
	*out = n;
	return 1;
}

int
main(int argc, char *argv[])
{
	struct store	*s;
	struct sweep	 sw;
	struct why	 why;
	const char	*dir;
	unsigned long	 batch = BATCH_DEFAULT, pause = PAUSE_DEFAULT;
	int		 c, verbose = 0;

	/* Redis expires its own sessions (DESIGN.md, Commands). */
	if ((dir = getenv("SESSION_TYPE")) != NULL &&
	    strcmp(dir, "filesystem") != 0) {
		fprintf(stderr, "sessile-gc: SESSION_TYPE=%s: only the file "
		    "store has sessions to remove (Redis expires its own)\n",
		    strcmp(dir, "redis") == 0 ? "redis" : "(not filesystem)");
		return 1;
	}
	dir = NULL;
	while ((c = getopt(argc, argv, "d:hn:p:v")) != -1) {
		switch (c) {
		case 'd':
			if (*optarg != '/') {
				fprintf(stderr, "sessile-gc: -d %s: not an "
				    "absolute path\n", optarg);
				return 2;
			}
			dir = optarg;
			break;
		case 'h':
			return usage(stdout);
		case 'n':
			if (!number(c, optarg, 1, BATCH_MAX, &batch))
				return 2;
			break;
		case 'p':
			if (!number(c, optarg, 0, PAUSE_MAX, &pause))
				return 2;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			return usage(stderr);
		}
	}
	if (optind != argc)
		return usage(stderr);
	/* The programs' variable and default, unless -d overrides it (then
	 * it is not read at all); no key is needed. */
	if (dir == NULL && (dir = getenv("SESSION_FILE_DIR")) == NULL)
		dir = SESSION_FILE_DIR_DEFAULT;
	else if (*dir != '/') {
		fprintf(stderr, "sessile-gc: SESSION_FILE_DIR: not an "
		    "absolute path\n");
		return 1;
	}

	/* The file store: Redis expires its own. */
	if ((s = store_file_new("sessile-gc", dir, 0600, 0)) == NULL) {
		fprintf(stderr, "sessile-gc: out of memory\n");
		return 1;
	}
	why_clear(&why);
	if (store_sweep(s, time(NULL), batch, (unsigned int)pause, &sw,
	    &why) != SL_OK) {
		fprintf(stderr, "sessile-gc: %s\n", why.cause);
		store_free(s);
		return 1;
	}
	store_free(s);
	if (verbose && (printf("sessile-gc: %zu files, %zu expired removed, "
	    "%zu corrupt kept, %zu temporary removed\n", sw.files, sw.removed,
	    sw.corrupt, sw.tmp) < 0 || fflush(stdout) != 0)) {
		fprintf(stderr, "sessile-gc: standard output: %s\n",
		    strerror(errno));
		return 1;
	}
	return 0;
}

/*
 * fuzz/replay.c: run a harness over files without libFuzzer, so that
 * make check (and the sanitizer build) replays every seed and every past
 * finding with the project's compiler.  Each argument is a file or a
 * directory of files; without arguments, the harness's seed corpus and
 * regression inputs under $SRCDIR/fuzz.  One TAP line per file: an
 * invariant that fails aborts, which the TAP driver reports.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#ifndef FUZZ_NAME
#error "FUZZ_NAME: the harness's name"
#endif

static int	 ntests;

static int
run_file(const char *path)
{
	FILE		*f;
	unsigned char	*p = NULL, *np;
	size_t		 len = 0, cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL) {
		printf("not ok %d - %s: %s\n", ++ntests, path, strerror(errno));
		return 0;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((np = realloc(p, cap)) == NULL) {
				perror(NULL);
				exit(1);
			}
			p = np;
		}
		if ((n = fread(p + len, 1, cap - len, f)) == 0)
			break;
		len += n;
	}
	if (ferror(f)) {
		printf("not ok %d - %s: read error\n", ++ntests, path);
		fclose(f);
		free(p);
		return 0;
	}
	fclose(f);
	/* A copy of exactly LEN bytes, so reading past the end is caught. */
	if ((np = malloc(len == 0 ? 1 : len)) == NULL) {
		perror(NULL);
		exit(1);
	}
	memcpy(np, p, len);
	free(p);
	fflush(stdout);
	LLVMFuzzerTestOneInput(np, len);
	free(np);
	printf("ok %d - %s %s\n", ++ntests, FUZZ_NAME, path);
	fflush(stdout);
	return 1;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file of DIR (not dot files), in name order. */
static int
run_dir(const char *dir, int needed)
{
	struct dirent	*de;
	DIR		*d;
	char		**names = NULL, **nn, path[4096];
	size_t		 n = 0, cap = 0, i;
	int		 good = 1;

	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT && !needed)
			return 1;	/* no findings yet */
		printf("not ok %d - %s: %s\n", ++ntests, dir, strerror(errno));
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nn = realloc(names, cap * sizeof(*nn))) == NULL) {
				perror(NULL);
				exit(1);
			}
			names = nn;
		}
		if ((names[n++] = strdup(de->d_name)) == NULL) {
			perror(NULL);
			exit(1);
		}
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		good &= run_file(path);
		free(names[i]);
	}
	free(names);
	return good;
}

static int
run_path(const char *path)
{
	struct stat	 st;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return run_dir(path, 1);
	return run_file(path);
}

int
main(int argc, char *argv[])
{
	const char	*src;
	char		 path[4096];
	int		 i, good = 1;

	if (argc > 1) {
		for (i = 1; i < argc; i++)
			good &= run_path(argv[i]);
	} else {
		if ((src = getenv("SRCDIR")) == NULL)
			src = ".";
		snprintf(path, sizeof(path), "%s/fuzz/corpus/%s", src,
		    FUZZ_NAME);
		good &= run_dir(path, 1);
		snprintf(path, sizeof(path), "%s/fuzz/regress/%s", src,
		    FUZZ_NAME);
		good &= run_dir(path, 0);
	}
	printf("1..%d\n", ntests);
	return good ? 0 : 1;
}

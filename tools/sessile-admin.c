/*
 * sessile-admin: list, count and revoke sessions, configured by the
 * programs' own environment (SESSION_TYPE, SESSION_FILE_DIR or the Redis
 * variables, SECRET_KEY), so that it reaches the store they use.
 *
 *	sessile-admin [-d dir] list [--user NAME]
 *	sessile-admin [-d dir] count
 *	sessile-admin [-d dir] revoke NAME...
 *	sessile-admin [-d dir] revoke --user NAME
 *
 * Exit 0 on success, 1 on a fault (one line on stderr), 2 on a usage
 * error.  A session is revoked as a logout ends it, under its lock, so
 * no write in flight brings it back; its cookie then reads as "not logged
 * in".  On the file store a listing walks the directory once; on Redis
 * it reads the indexes, never the keyspace (store_each()).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "extern.h"

#define PROG	"sessile-admin"

extern char	**environ;

struct	names {
	char		(*v)[STORE_NAME_LEN + 1];
	size_t		 n, cap;
	int		 oom;
};

static int
usage(FILE *f)
{
	fprintf(f, "usage: " PROG " [-d dir] list [--user name]\n"
	    "       " PROG " [-d dir] count\n"
	    "       " PROG " [-d dir] revoke name ...\n"
	    "       " PROG " [-d dir] revoke --user name\n");
	return f == stdout ? 0 : 2;
}

static int
fault(const char *what)
{
	fprintf(stderr, PROG ": %s\n", what);
	return 1;
}

/* T as ISO 8601 UTC, "-" when unknown (0). */
static void
iso(time_t t, char out[32])
{
	struct tm	 tm;

	if (t <= 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "-");
}

/* One line of the listing: name, user, created, expires, by tabs. */
static int
print_one(void *arg, const char *name, const struct sdata *d)
{
	char	 created[32], expires[32];

	(void)arg;
	iso(d->created, created);
	iso(d->expires, expires);
	if (d->user != NULL)
		printf("%s\t%.*s\t%s\t%s\n", name, (int)d->userlen, d->user,
		    created, expires);
	else
		printf("%s\t-\t%s\t%s\n", name, created, expires);
	return !ferror(stdout);
}

/* The names of a user's sessions, gathered before any is revoked. */
static int
gather(void *arg, const char *name, const struct sdata *d)
{
	struct names	*ns = arg;
	void		*p;

	(void)d;
	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? 2 * ns->cap : 64;
		if ((p = reallocarray(ns->v, ns->cap, sizeof(*ns->v))) ==
		    NULL) {
			ns->oom = 1;
			return 0;
		}
		ns->v = p;
	}
	memcpy(ns->v[ns->n++], name, STORE_NAME_LEN + 1);
	return 1;
}

/* A session's name as store and listing give it: 64 lowercase hex. */
static int
is_name(const char *s)
{
	size_t	 i;

	for (i = 0; i < STORE_NAME_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[i] == '\0';
}

/*
 * The environment, with SESSION_FILE_DIR=DIR in place of the one it has
 * when DIR is given (-d): the variable -d overrides is never read.
 */
static char **
env_with(const char *dir)
{
	char	**e, *v;
	size_t	 n = 0, i, j = 0;

	while (environ[n] != NULL)
		n++;
	if ((e = calloc(n + 2, sizeof(*e))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (dir == NULL ||
		    strncmp(environ[i], "SESSION_FILE_DIR=", 17) != 0)
			e[j++] = environ[i];
	if (dir != NULL) {
		if ((v = malloc(strlen(dir) + 18)) == NULL) {
			free(e);
			return NULL;
		}
		snprintf(v, strlen(dir) + 18, "SESSION_FILE_DIR=%s", dir);
		e[j++] = v;
	}
	e[j] = NULL;
	return e;
}

/* What env_with() made: the variable it added, and the array. */
static void
env_free(char **env, const char *dir)
{
	size_t	 n = 0;

	while (env[n] != NULL)
		n++;
	if (dir != NULL && n > 0)
		free(env[n - 1]);
	free(env);
}

static int
list_sessions(struct store *s, const char *user, time_t now)
{
	struct why	 why;

	why_clear(&why);
	if (store_each(s, user, user != NULL ? strlen(user) : 0, now,
	    print_one, NULL, &why) != SL_OK)
		return fault(why.cause);
	if (fflush(stdout) != 0 || ferror(stdout))
		return fault(strerror(errno));
	return 0;
}

static int
count_sessions(struct store *s, time_t now)
{
	struct why	 why;
	size_t		 n;

	why_clear(&why);
	if (store_count(s, now, &n, &why) != SL_OK)
		return fault(why.cause);
	if (printf("%zu\n", n) < 0 || fflush(stdout) != 0)
		return fault(strerror(errno));
	return 0;
}

/* End each of NAMES[0..N); those with no live session are named in one
 * line, and the exit is 1, once every other is ended. */
static int
revoke_names(struct store *s, char **names, size_t n, time_t now)
{
	struct why	 why;
	size_t		 i, missing = 0;
	int		 found;

	for (i = 0; i < n; i++) {
		why_clear(&why);
		if (store_revoke(s, names[i], now, &found, &why) != SL_OK)
			return fault(why.cause);
		if (found != STORE_LIVE) {
			fprintf(stderr, "%s%s", missing++ == 0 ? PROG ": no "
			    "such session: " : " ", names[i]);
		}
	}
	if (missing > 0)
		fputc('\n', stderr);
	return missing > 0;
}

/* Every session of USER: gathered in one walk (or one read of its
 * index), then each ended under its lock; prints how many were. */
static int
revoke_user(struct store *s, const char *user, time_t now)
{
	struct names	 ns;
	struct why	 why;
	size_t		 i, ended = 0;
	int		 found, rc = 0;

	memset(&ns, 0, sizeof(ns));
	why_clear(&why);
	if (store_each(s, user, strlen(user), now, gather, &ns, &why) !=
	    SL_OK)
		rc = fault(why.cause);
	else if (ns.oom)
		rc = fault("out of memory");
	for (i = 0; i < ns.n && rc == 0; i++) {
		why_clear(&why);
		if (store_revoke(s, ns.v[i], now, &found, &why) != SL_OK)
			rc = fault(why.cause);
		else
			ended += found == STORE_LIVE;
	}
	free(ns.v);
	if (rc == 0 && (printf("%zu\n", ended) < 0 || fflush(stdout) != 0))
		rc = fault(strerror(errno));
	return rc;
}

int
main(int argc, char *argv[])
{
	struct config	 cfg;
	struct signer	 sg;
	struct stat	 st;
	struct store	*s;
	struct why	 why;
	const char	*dir = NULL, *user = NULL, *cmd;
	char		**env;
	time_t		 now;
	int		 c, i, rc;

	while ((c = getopt(argc, argv, "+d:h")) != -1) {
		switch (c) {
		case 'd':
			if (optarg[0] != '/') {
				fprintf(stderr, PROG ": -d %s: not an "
				    "absolute path\n", optarg);
				return 2;
			}
			dir = optarg;
			break;
		case 'h':
			return usage(stdout);
		default:
			return usage(stderr);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		return usage(stderr);
	cmd = argv[0];
	if (argc >= 2 && strcmp(argv[1], "--user") == 0) {
		if (argc != 3 || argv[2][0] == '\0')
			return usage(stderr);
		user = argv[2];
	}
	if (strcmp(cmd, "list") == 0) {
		if (argc != 1 && user == NULL)
			return usage(stderr);
	} else if (strcmp(cmd, "count") == 0) {
		if (argc != 1)
			return usage(stderr);
	} else if (strcmp(cmd, "revoke") == 0) {
		if (argc < 2)
			return usage(stderr);
		for (i = 1; user == NULL && i < argc; i++)
			if (!is_name(argv[i])) {
				fprintf(stderr, PROG ": %s: not a session's "
				    "name (64 lowercase hex digits, as list "
				    "gives it)\n", argv[i]);
				return 2;
			}
	} else
		return usage(stderr);

	why_clear(&why);
	if ((env = env_with(dir)) == NULL)
		return fault("out of memory");
	if (crypto_init(&why) != SL_OK ||
	    config_load(&cfg, env, &why) != SL_OK) {
		env_free(env, dir);
		return fault(why.cause);
	}
	env_free(env, dir);
	if (signer_init(&sg, &cfg, &why) != SL_OK) {
		config_free(&cfg);
		return fault(why.cause);
	}
	if ((s = store_new(PROG, &cfg, &sg)) == NULL) {
		signer_free(&sg);
		config_free(&cfg);
		return fault("out of memory");
	}
	/* The file store makes its directory on first use, as the programs
	 * do: here a missing one (a typo in -d) is a fault, never made. */
	now = time(NULL);
	if (strcmp(cfg.store_type, "filesystem") == 0 &&
	    stat(cfg.session_dir, &st) == -1) {
		fprintf(stderr, PROG ": %s: %s\n", cfg.session_dir,
		    strerror(errno));
		rc = 1;
	} else if (strcmp(cmd, "list") == 0)
		rc = list_sessions(s, user, now);
	else if (strcmp(cmd, "count") == 0)
		rc = count_sessions(s, now);
	else if (user != NULL)
		rc = revoke_user(s, user, now);
	else
		rc = revoke_names(s, argv + 1, (size_t)argc - 1, now);
	store_free(s);
	signer_free(&sg);
	config_free(&cfg);
	return rc;
}

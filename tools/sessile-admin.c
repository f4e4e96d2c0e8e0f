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
 * it reads the indexes, never the keyspace (store_each()).  A session
 * that SESSION_ABSOLUTE_LIFETIME has ended is not live: it is neither
 * listed nor counted.  Those that cannot be read (corrupt, or a Redis
 * value that does not verify: another SECRET_KEY) are left out, and
 * counted in one line on stderr.  A user's name is looked up as given,
 * then as login stores it (trimmed, NFC), then as a listing prints it
 * (users_of()).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <unistr.h>

#include "extern.h"

#define PROG	"sessile-admin"
#define ROUNDS	3	/* revoke --user: rounds of revocation, then a check */
#define USER_MAX	4096	/* characters of a name to look up */

extern char	**environ;

/* What a walk of the store hands on to: the live sessions at NOW. */
struct	walk {
	struct store	*s;
	long long	 absolute;	/* SESSION_ABSOLUTE_LIFETIME */
	time_t		 now;
	size_t		 n;		/* sessions handed on */
	size_t		 bad;		/* unreadable, in the worst walk */
	time_t		 made_by;	/* gather() only those made by then */
	size_t		 older;		/* gathered, made before NOW's second */
	int		 oom;
	char		(*v)[STORE_NAME_LEN + 1];	/* gather()'s */
	size_t		 cap;
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

/*
 * USER (LEN bytes) on F as one field of a line: UTF-8 text that a name
 * may hold as it is (text_char_ok()); a backslash, every code point login
 * refuses (controls, line separators, format and invisible characters,
 * private-use and unassigned ones) and each byte of what is not UTF-8 as
 * \xHH, so that no name can break a line or a field, act on a terminal,
 * or hide what it is.  A name that is "-" is \x2d: "-" is no user's.
 */
static void
put_user(FILE *f, const char *user, size_t len)
{
	const uint8_t	*p = (const uint8_t *)user, *end = p + len;
	ucs4_t		 c;
	int		 n, i;

	if (len == 1 && user[0] == '-') {
		fputs("\\x2d", f);
		return;
	}
	while (p < end) {
		n = u8_mbtoucr(&c, p, (size_t)(end - p));
		if (n > 0 && c != '\\' && text_char_ok(c)) {
			fwrite(p, 1, (size_t)n, f);
			p += n;
			continue;
		}
		for (i = 0; i < (n > 0 ? n : 1); i++)
			fprintf(f, "\\x%02x", p[i]);
		p += n > 0 ? n : 1;
	}
}

/* One line of the listing: name, user, created, expires, by tabs. */
static int
print_one(void *arg, const char *name, const struct sdata *d)
{
	struct walk	*wk = arg;
	char		 created[32], expires[32];

	if (store_ended(d, wk->absolute, wk->now))
		return 1;
	wk->n++;
	iso(d->created, created);
	iso(d->expires, expires);
	printf("%s\t", name);
	if (d->user != NULL)
		put_user(stdout, d->user, d->userlen);
	else
		putchar('-');
	printf("\t%s\t%s\n", created, expires);
	return !ferror(stdout);
}

/* The names of a user's live sessions, gathered before any is revoked. */
static int
gather(void *arg, const char *name, const struct sdata *d)
{
	struct walk	*ns = arg;
	void		*p;

	if (store_ended(d, ns->absolute, ns->now) ||
	    (ns->made_by != 0 && d->created > ns->made_by))
		return 1;
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
	ns->older += d->created < ns->now;
	return 1;
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

/*
 * S (LEN bytes) as list prints it (put_user()) read back into OUT (as
 * long at most): every \xHH its byte.  0 when S holds none.
 */
static size_t
unescape(const char *s, size_t len, char *out)
{
	const char	*hex = "0123456789abcdef", *hi, *lo;
	size_t		 i, n = 0;
	int		 any = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 3 < len && s[i + 1] == 'x' &&
		    (hi = strchr(hex, s[i + 2])) != NULL &&
		    (lo = strchr(hex, s[i + 3])) != NULL) {
			out[n++] = (char)((hi - hex) * 16 + (lo - hex));
			i += 3;
			any = 1;
		} else
			out[n++] = s[i];
	}
	return any ? n : 0;
}

/*
 * The names under which USER is looked up, in V and LEN, how many in the
 * return: as given; as login stores it (trimmed, NFC: text_clean()) where
 * that differs and login would take it; and with its \xHH read back, as
 * copied from a listing, where it has any.  The first that has a live
 * session is the one (walk_users()): a program that stores names of its
 * own (sl_session_set_user()) may have "bob" and "bob " as two users.
 * CLEAN and RAW hold what is made, to free.  -1: out of memory.
 */
static int
users_of(const char *user, const char *v[3], size_t len[3], char **clean,
    char **raw, struct why *w)
{
	size_t		 n;
	enum sl_err	 e;
	int		 k = 1;

	*clean = *raw = NULL;
	v[0] = user;
	len[0] = strlen(user);
	e = text_clean(user, len[0], USER_MAX, clean, &n, w);
	if (e == SL_EINTERNAL)
		return -1;
	if (e == SL_OK && (n != len[0] || memcmp(*clean, user, n) != 0)) {
		v[k] = *clean;
		len[k++] = n;
	}
	if ((*raw = malloc(len[0] + 1)) == NULL)
		return -1;
	if ((n = unescape(user, len[0], *raw)) > 0) {
		v[k] = *raw;
		len[k++] = n;
	}
	return k;
}

/*
 * Hand FN with WK every session, when N is 0, or the sessions of the
 * first of the N names V (LEN bytes each) that has any, from *WHICH on
 * (-1: the first; then set to the one that had sessions).  WK->bad: the
 * most sessions one walk could not read.
 */
static enum sl_err
walk_users(const char *const *v, const size_t *len, int n, int *which,
    int (*fn)(void *, const char *, const struct sdata *),
    struct walk *wk, struct why *w)
{
	size_t		 before, start;
	enum sl_err	 e;
	int		 i;

	for (i = *which < 0 ? 0 : *which; i < (n > 0 ? n : 1); i++) {
		before = store_unreadable(wk->s, 1);
		start = wk->n;
		e = store_each(wk->s, n > 0 ? v[i] : NULL, n > 0 ? len[i] : 0,
		    wk->now, fn, wk, w);
		if (store_unreadable(wk->s, 1) - before > wk->bad)
			wk->bad = store_unreadable(wk->s, 1) - before;
		if (e != SL_OK || wk->oom || wk->n > start || *which >= 0) {
			if (e == SL_OK && wk->n > start)
				*which = i;
			return e;
		}
	}
	return SL_OK;
}

static int
list_sessions(const char *const *v, const size_t *len, int n,
    struct walk *wk)
{
	struct why	 why;
	int		 which = -1;

	why_clear(&why);
	if (walk_users(v, len, n, &which, print_one, wk, &why) != SL_OK)
		return fault(why.cause);
	if (fflush(stdout) != 0 || ferror(stdout))
		return fault(strerror(errno));
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/*
 * The live sessions: from the store's own count (on Redis, its index)
 * unless an absolute lifetime may have ended some, then one by one, each
 * once (a walk of the Redis index may hand one over twice).
 */
static int
count_sessions(struct walk *wk)
{
	struct why	 why;
	size_t		 i, n = 0;
	int		 which = -1;

	why_clear(&why);
	if (wk->absolute == 0) {
		if (store_count(wk->s, wk->now, &n, &why) != SL_OK)
			return fault(why.cause);
	} else {
		if (walk_users(NULL, NULL, 0, &which, gather, wk, &why) !=
		    SL_OK)
			return fault(why.cause);
		if (wk->oom)
			return fault("out of memory");
		if (wk->n > 0)
			qsort(wk->v, wk->n, sizeof(*wk->v), by_name);
		for (i = 0; i < wk->n; i++)
			n += i == 0 || strcmp(wk->v[i], wk->v[i - 1]) != 0;
		free(wk->v);
	}
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

/*
 * Every session of the user (under the first of its N names V that has
 * any): gathered in one walk (or one read of its index), then each ended
 * under its lock; prints how many were, and says so on stderr when none
 * was.  A read of a store that changes meanwhile may pass over a session
 * (on Redis, rstore_each(); a directory walk, on a filesystem that moves
 * a renamed entry behind it), so the store is read again after the
 * revocations, until a read finds none made by the second the command
 * began: logins after it are not what it was asked to end, and cannot
 * keep it going.  One made before that second still found after ROUNDS
 * rounds is a fault; those of that second may be logins after it began.
 */
static int
revoke_user(const char *const *v, const size_t *len, int n,
    struct walk *wk, int rounds)
{
	struct why	 why;
	size_t		 i, ended = 0;
	int		 found, rc = 0, round, which = -1;

	for (round = 1; rc == 0; round++) {
		wk->n = wk->older = 0;
		wk->made_by = round > 1 ? wk->now : 0;
		why_clear(&why);
		if (walk_users(v, len, n, &which, gather, wk, &why) != SL_OK)
			rc = fault(why.cause);
		else if (wk->oom)
			rc = fault("out of memory");
		if (rc != 0 || wk->n == 0)
			break;
		/* Those of the second it began may be logins after it. */
		if (round > rounds && wk->older == 0)
			break;
		if (round > rounds) {
			fprintf(stderr, PROG ": %zu ended, and %zu sessions of "
			    "user ", ended, wk->older);
			put_user(stderr, v[which], len[which]);
			fprintf(stderr, " made before it began are still "
			    "there after %d reads\n", round);
			rc = 1;
			break;
		}
		for (i = 0; i < wk->n && rc == 0; i++) {
			why_clear(&why);
			if (store_revoke(wk->s, wk->v[i], wk->now, &found,
			    &why) != SL_OK)
				rc = fault(why.cause);
			else
				ended += found == STORE_LIVE;
		}
	}
	free(wk->v);
	if (rc != 0)
		return rc;
	if (printf("%zu\n", ended) < 0 || fflush(stdout) != 0)
		return fault(strerror(errno));
	if (ended == 0) {
		fprintf(stderr, PROG ": no live session of user ");
		put_user(stderr, v[0], len[0]);
		fputc('\n', stderr);
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct config	 cfg;
	struct signer	 sg;
	struct stat	 st;
	struct store	*s;
	struct why	 why;
	struct walk	 wk;
	const char	*dir = NULL, *user = NULL, *cmd, *type, *users[3];
	char		**env, *clean = NULL, *raw = NULL;
	size_t		 userlen[3], n;
	int		 c, i, rc, nusers = 0;

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
			if (!store_name_valid(argv[i], strlen(argv[i]))) {
				fprintf(stderr, PROG ": %s: not a session's "
				    "name (64 lowercase hex digits, as list "
				    "gives it)\n", argv[i]);
				return 2;
			}
	} else
		return usage(stderr);

	/* Redis has no directory for -d to name: said before anything of
	 * the configuration is read, as every other usage error. */
	if (dir != NULL && (type = getenv("SESSION_TYPE")) != NULL &&
	    strcmp(type, "filesystem") != 0) {
		fprintf(stderr, PROG ": -d: SESSION_TYPE=%s has no session "
		    "directory\n", strcmp(type, "redis") == 0 ? "redis" :
		    "(not filesystem)");
		return 2;
	}
	why_clear(&why);
	if (user != NULL &&
	    (nusers = users_of(user, users, userlen, &clean, &raw, &why)) < 0) {
		free(clean);
		free(raw);
		free(raw);
		return fault("out of memory");
	}
	if ((env = env_with(dir)) == NULL) {
		free(clean);
		free(raw);
		return fault("out of memory");
	}
	if (crypto_init(&why) != SL_OK ||
	    config_load(&cfg, env, &why) != SL_OK) {
		env_free(env, dir);
		free(clean);
		free(raw);
		return fault(why.cause);
	}
	env_free(env, dir);
	if (signer_init(&sg, &cfg, &why) != SL_OK) {
		config_free(&cfg);
		free(clean);
		free(raw);
		return fault(why.cause);
	}
	if ((s = store_new(PROG, &cfg, &sg)) == NULL) {
		signer_free(&sg);
		config_free(&cfg);
		free(clean);
		free(raw);
		return fault("out of memory");
	}
	/* Sessions that cannot be used are said in one line, not each. */
	store_unreadable(s, 1);
	memset(&wk, 0, sizeof(wk));
	wk.s = s;
	wk.absolute = cfg.absolute;
	wk.now = time(NULL);
	/* The file store makes its directory on first use, as the programs
	 * do: here a missing one (a typo in -d) is a fault, never made. */
	if (strcmp(cfg.store_type, "filesystem") == 0 &&
	    stat(cfg.session_dir, &st) == -1) {
		fprintf(stderr, PROG ": %s: %s\n", cfg.session_dir,
		    strerror(errno));
		rc = 1;
	} else if (strcmp(cmd, "list") == 0)
		rc = list_sessions(users, userlen, nusers, &wk);
	else if (strcmp(cmd, "count") == 0)
		rc = count_sessions(&wk);
	else if (user != NULL)
		rc = revoke_user(users, userlen, nusers, &wk, ROUNDS);
	else {
		rc = revoke_names(s, argv + 1, (size_t)argc - 1, wk.now);
		wk.bad = store_unreadable(s, 1);
	}
	/* A fault is one line; this is said only when all went well. */
	if (rc == 0 && (n = wk.bad) > 0)
		fprintf(stderr, PROG ": %zu session%s could not be read "
		    "(corrupt, not the programs' own, or not written under "
		    "this SECRET_KEY or its fallbacks)\n", n,
		    n == 1 ? "" : "s");
	free(clean);
	free(raw);
	store_free(s);
	signer_free(&sg);
	config_free(&cfg);
	return rc;
}

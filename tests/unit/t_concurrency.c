/*
 * t_concurrency: many processes doing read-modify-write on one session
 * through the library lose no update, and readers never wait for the
 * writers' lock.
 *
 * Each worker is a process of its own with its own context, as FastCGI
 * workers are, and each increment is a whole request made in memory: the
 * same code the programs run, from the cookie to the answer.
 *
 * Then the race of a login with the requests still using the old id: a
 * login regenerates the id (its old file is removed) while writers and
 * readers that took the old cookie are running.  None of them may write
 * the old file again: a writer reads the session again under the lock,
 * so one that comes after the login finds no session and starts a new
 * one, and a reader's refresh of the expiry does the same check.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "extern.h"
#include "../memio.h"
#include "tap.h"

#define WORKERS		8
#define ROUNDS		150
#define RACE_ROUNDS	300	/* logins racing other requests */
#define RACE_WRITERS	2	/* processes using the old id, each... */
#define RACE_REQUESTS	3	/* ...making this many requests */

static char	 dirbuf[256], tmplbuf[512];
static char	*env[] = {
	"REQUEST_METHOD=POST",
	"SECRET_KEY=0123456789abcdef0123456789abcdef",
	dirbuf,
	tmplbuf,
	NULL,	/* HTTP_COOKIE= */
	NULL,
};
static char	 cookiebuf[256];
static struct why why;		/* the cause of the last failure */

/* The why a store call fills, emptied first: a check of its cause sees
 * this call's, never one an earlier call left. */
static struct why *
fresh(void)
{
	why_clear(&why);
	return &why;
}

/* The session cookie an answer set, as "session=ID.TAG". */
static int
answer_cookie(const struct buf *out, char *cookie, size_t len)
{
	const char	*p, *end;

	if (out->p == NULL ||
	    (p = strstr(out->p, "Set-Cookie: session=")) == NULL)
		return 0;
	p += strlen("Set-Cookie: ");
	if ((end = strchr(p, ';')) == NULL || (size_t)(end - p) >= len)
		return 0;
	memcpy(cookie, p, (size_t)(end - p));
	cookie[end - p] = '\0';
	return 1;
}

/*
 * One request as examples/counter.c makes it: add one to "n" under the
 * session's lock.  With NEED the counter must be there; without, a
 * session that is gone starts a new one at 1.  The answer's session
 * cookie goes to COOKIE, if given ("" when it sets none).  Returns 0
 * when the answer is not a 303.
 */
static int
count(struct sl_ctx *ctx, int need, char *cookie, size_t len)
{
	struct sl_req	*r;
	const char	*v;
	char		 num[32];

	if ((r = memio_request(ctx, env, "", 0)) == NULL)
		return 0;
	if (sl_session_load(r, SL_SESSION_RDWR) != SL_OK ||
	    ((v = sl_session_get(r, "n", NULL)) == NULL && need)) {
		sl_fail(r, SL_EINTERNAL, "no counter");
		sl_finish(r);
		return 0;
	}
	snprintf(num, sizeof(num), "%ld",
	    v == NULL ? 1 : strtol(v, NULL, 10) + 1);
	if (sl_session_set(r, "n", num, strlen(num)) != SL_OK)
		sl_fail(r, SL_EINTERNAL, "cannot set");
	else
		sl_redirect(r, "");
	sl_finish(r);
	if (cookie != NULL && !answer_cookie(memio_out(ctx), cookie, len))
		cookie[0] = '\0';
	return strncmp(memio_out(ctx)->p, "Status: 303", 11) == 0;
}

static long
read_counter(struct sl_ctx *ctx)
{
	struct sl_req	*r;
	const char	*v;
	long		 n = -1;

	if ((r = memio_request(ctx, env, "", 0)) == NULL)
		return -1;
	if ((v = sl_session_get(r, "n", NULL)) != NULL)
		n = strtol(v, NULL, 10);
	sl_redirect(r, "");
	sl_finish(r);
	return n;
}

static void
worker(void)
{
	struct sl_ctx	*ctx;
	int		 i, good = 1;

	if ((ctx = ctx_new("worker", env)) == NULL)
		_exit(2);
	for (i = 0; i < ROUNDS; i++)
		good &= count(ctx, 1, NULL, 0);
	sl_free(ctx);
	_exit(good ? 0 : 1);
}

/* A read-only request, as GET / is: the username, and a 200. */
static int
look(struct sl_ctx *ctx, char *name, size_t len)
{
	struct sl_req	*r;
	const char	*v;

	if ((r = memio_request(ctx, env, "", 0)) == NULL)
		return 0;
	v = sl_session_get(r, "username", NULL);
	snprintf(name, len, "%s", v == NULL ? "" : v);
	{
		struct sl_var	 vars[] = {
			SL_VAR("username", v),
			{ "flash", NULL, 0 },
		};

		sl_page(r, SL_HTTP_200, "index.html", "Home", vars, 2);
	}
	sl_finish(r);
	return strncmp(memio_out(ctx)->p, "Status: 200", 11) == 0;
}

/* What cgi-bin/login.c does with a good form: a new id, then the name. */
static int
login(struct sl_ctx *ctx, const char *name, char *cookie, size_t len)
{
	struct sl_req	*r;

	if ((r = memio_request(ctx, env, "", 0)) == NULL)
		return 0;
	if (sl_session_regenerate(r) != SL_OK ||
	    sl_session_set(r, "username", name, strlen(name)) != SL_OK)
		sl_fail(r, SL_EINTERNAL, "cannot log in");
	else
		sl_redirect(r, "");
	sl_finish(r);
	return strncmp(memio_out(ctx)->p, "Status: 303", 11) == 0 &&
	    answer_cookie(memio_out(ctx), cookie, len);
}

static void
use_cookie(const char *cookie)
{
	static char	 hc[300];

	if (cookie == NULL)
		env[4] = NULL;
	else {
		snprintf(hc, sizeof(hc), "HTTP_COOKIE=%s", cookie);
		env[4] = hc;
	}
}

/* The session file of COOKIE ("session=ID.TAG"). */
static void
cookie_file(const char *cookie, char *file)
{
	sha256_hex(cookie + strlen("session="), SESSION_ID_LEN, file);
}

/*
 * A child of one round: wait for the start (the pipe GO closes), make
 * its requests with the old cookie, and report on OUT in one line:
 * "w K" (K of its increments landed in the old session), "r" (a reader
 * done) or "l COOKIE" (the login's new cookie).  Exits 1 on a bad answer.
 */
static void
racer(char kind, const char *old, int go, int out)
{
	struct sl_ctx	*ctx;
	char		 c, line[320], cookie[256], name[64];
	int		 i, k = 0, good = 1;

	use_cookie(old);
	if ((ctx = ctx_new("racer", env)) == NULL)
		_exit(2);
	while (read(go, &c, 1) == -1 && errno == EINTR)
		continue;
	if (kind == 'l') {
		good = login(ctx, "bob", cookie, sizeof(cookie));
		snprintf(line, sizeof(line), "l %s\n", cookie);
	} else if (kind == 'w') {
		for (i = 0; i < RACE_REQUESTS; i++) {
			good &= count(ctx, 0, cookie, sizeof(cookie));
			k += strcmp(cookie, old) == 0;
		}
		snprintf(line, sizeof(line), "w %d\n", k);
	} else {
		for (i = 0; i < RACE_REQUESTS; i++)
			good &= look(ctx, name, sizeof(name));
		snprintf(line, sizeof(line), "r\n");
	}
	/* One write of less than PIPE_BUF: lines never mix. */
	if (write(out, line, strlen(line)) != (ssize_t)strlen(line))
		good = 0;
	sl_free(ctx);
	_exit(good ? 0 : 1);
}

/*
 * A fresh session for a round: n = 0 and a username, its expiry two hours
 * short of the whole lifetime, so that a read-only request refreshes it
 * (and so takes the lock and writes) instead of only reading.  (A new
 * file has a first lifetime of ten minutes: the expiry is set, not moved
 * back from it.)
 */
static int
fresh_session(struct sl_ctx *ctx, char *cookie, size_t len)
{
	struct sl_req	*r;
	struct arena	 a;
	struct sdata	 d;
	char		 file[STORE_NAME_LEN + 1];
	int		 found, good;

	use_cookie(NULL);
	if ((r = memio_request(ctx, env, "", 0)) == NULL)
		return 0;
	if (sl_session_set(r, "n", "0", 1) != SL_OK ||
	    sl_session_set(r, "username", "alice", 5) != SL_OK)
		sl_fail(r, SL_EINTERNAL, "cannot set");
	else
		sl_redirect(r, "");
	sl_finish(r);
	if (!answer_cookie(memio_out(ctx), cookie, len))
		return 0;
	cookie_file(cookie, file);
	memset(&a, 0, sizeof(a));
	good = store_read(ctx->store, file, &a, &d, time(NULL), &found,
	    fresh()) == SL_OK && found == STORE_LIVE;
	d.expires = time(NULL) + (time_t)ctx->cfg.lifetime - 2 * 3600;
	good = good && store_write(ctx->store, file, &d, 0, fresh()) == SL_OK;
	arena_free(&a);
	return good;
}

/*
 * Rounds of: a fresh session; RACE_WRITERS writers, a reader and a login
 * all start at once with its cookie.  After each round the old file is
 * gone, the old cookie reads nothing, and the new session holds the name
 * and every increment that landed in the old session before the login,
 * no more and no less.
 */
static void
race(struct sl_ctx *ctx)
{
	char		 old[256], newc[320], file[STORE_NAME_LEN + 1];
	char		 line[320], name[64], *nl, *end;
	char		 kinds[RACE_WRITERS + 2];
	pid_t		 pids[RACE_WRITERS + 2];
	struct stat	 st;
	char		 path[512];
	FILE		*f;
	long		 n;
	int		 go[2], out[2], round, i, status, before;
	int		 crashed = 0, resurrected = 0, oldlives = 0;
	int		 newbad = 0, lost = 0, setup = 0, landed = 0, after = 0;
	const char	*v;
	struct sl_req	*r;

	for (i = 0; i < RACE_WRITERS; i++)
		kinds[i] = 'w';
	kinds[RACE_WRITERS] = 'r';
	kinds[RACE_WRITERS + 1] = 'l';
	for (round = 0; round < RACE_ROUNDS; round++) {
		if (!fresh_session(ctx, old, sizeof(old)) ||
		    pipe(go) == -1 || pipe(out) == -1) {
			setup++;
			break;
		}
		/* Spread who starts first over the rounds. */
		for (i = 0; i < RACE_WRITERS + 2; i++) {
			int	 k = (i + round) % (RACE_WRITERS + 2);

			if ((pids[i] = fork()) == -1) {
				setup++;
				break;
			}
			if (pids[i] == 0) {
				close(go[1]);
				close(out[0]);
				racer(kinds[k], old, go[0], out[1]);
			}
		}
		close(go[0]);
		close(out[1]);
		close(go[1]);	/* go */
		for (i = 0; i < RACE_WRITERS + 2; i++) {
			while (waitpid(pids[i], &status, 0) == -1 &&
			    errno == EINTR)
				continue;
			crashed += !WIFEXITED(status) ||
			    WEXITSTATUS(status) != 0;
		}
		before = 0;
		newc[0] = '\0';
		if ((f = fdopen(out[0], "r")) == NULL) {
			setup++;
			break;
		}
		while (fgets(line, sizeof(line), f) != NULL) {
			if ((nl = strchr(line, '\n')) != NULL)
				*nl = '\0';
			if (line[0] == 'w') {
				n = strtol(line + 2, &end, 10);
				if (end == line + 2 || *end != '\0' || n < 0 ||
				    n > RACE_REQUESTS) {
					setup++;
					break;
				}
				before += (int)n;
				after += RACE_REQUESTS - (int)n;
			} else if (line[0] == 'l')
				snprintf(newc, sizeof(newc), "%s", line + 2);
		}
		fclose(f);
		landed += before;

		/* The old id: no file, nothing read under it. */
		cookie_file(old, file);
		snprintf(path, sizeof(path), "%s/%s", ctx->cfg.session_dir,
		    file);
		resurrected += stat(path, &st) == 0 || errno != ENOENT;
		use_cookie(old);
		oldlives += !look(ctx, name, sizeof(name)) || name[0] != '\0';

		/* The new id: the name, and the increments made before. */
		if (newc[0] == '\0' || strcmp(newc, old) == 0) {
			newbad++;
			continue;
		}
		use_cookie(newc);
		n = -1;
		if ((r = memio_request(ctx, env, "", 0)) == NULL) {
			newbad++;
			continue;
		}
		v = sl_session_get(r, "username", NULL);
		newbad += v == NULL || strcmp(v, "bob") != 0;
		if ((v = sl_session_get(r, "n", NULL)) != NULL)
			n = strtol(v, NULL, 10);
		sl_redirect(r, "");
		sl_finish(r);
		lost += n != before;
	}
	ok(setup == 0, "race: %d rounds set up", RACE_ROUNDS);
	ok(crashed == 0, "race: every request answered as it should "
	    "(%d bad)", crashed);
	ok(resurrected == 0, "race: the old session's file never came back "
	    "(%d rounds it did)", resurrected);
	ok(oldlives == 0, "race: the old cookie read no session afterwards "
	    "(%d rounds it did)", oldlives);
	ok(newbad == 0, "race: the new cookie holds the login's name "
	    "(%d rounds it did not)", newbad);
	ok(lost == 0, "race: the new session holds exactly the increments "
	    "made on the old one before the login (%d rounds it did not)",
	    lost);
	printf("# race: %d increments landed before the login, %d after "
	    "it (in new sessions)\n", landed, after);
}

int
main(void)
{
	struct sl_ctx	*ctx;
	struct sl_req	*r;
	char		 tmpl[] = "/tmp/sessile-conc-XXXXXX", *dir;
	pid_t		 pids[WORKERS], pid;
	int		 i, st, allgood = 1, status;
	long		 n;

	if ((dir = memio_scratch(tmpl, dirbuf, sizeof(dirbuf), tmplbuf,
	    sizeof(tmplbuf))) == NULL)
		return 1;

	/* A session holding n = 0. */
	if ((ctx = ctx_new("main", env)) == NULL)
		return 1;
	ok(ctx->cfgerr == SL_OK, "the configuration is accepted");
	r = memio_request(ctx, env, "", 0);
	ok(r != NULL && sl_session_set(r, "n", "0", 1) == SL_OK,
	    "a new session stores n = 0");
	sl_redirect(r, "");
	sl_finish(r);
	ok(answer_cookie(memio_out(ctx), cookiebuf, sizeof(cookiebuf)),
	    "the answer sets the session cookie");
	{
		static char	 hc[300];

		snprintf(hc, sizeof(hc), "HTTP_COOKIE=%s", cookiebuf);
		env[4] = hc;
	}
	ok(read_counter(ctx) == 0, "the session reads back n = 0");

	for (i = 0; i < WORKERS; i++) {
		if ((pids[i] = fork()) == -1) {
			perror("fork");
			return 1;
		}
		if (pids[i] == 0)
			worker();
	}
	for (i = 0; i < WORKERS; i++) {
		while (waitpid(pids[i], &st, 0) == -1 && errno == EINTR)
			continue;
		allgood &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	ok(allgood, "%d workers made %d increments each, every one answered "
	    "303", WORKERS, ROUNDS);
	n = read_counter(ctx);
	ok(n == WORKERS * ROUNDS, "no update was lost: n = %ld, expected %d",
	    n, WORKERS * ROUNDS);

	/*
	 * Readers take no lock: with the session's lock held here, a
	 * read-only request in another process still completes.
	 */
	{
		char	 file[STORE_NAME_LEN + 1];
		char	 id[SESSION_ID_LEN + 1];

		memcpy(id, cookiebuf + strlen("session="), SESSION_ID_LEN);
		id[SESSION_ID_LEN] = '\0';
		sha256_hex(id, SESSION_ID_LEN, file);
		ok(store_begin(ctx->store, file, fresh()) == SL_OK,
		    "the parent holds the session's lock");
		if ((pid = fork()) == 0) {
			struct sl_ctx	*c2 = ctx_new("reader", env);

			alarm(20);
			_exit(read_counter(c2) == WORKERS * ROUNDS ? 0 : 1);
		}
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			continue;
		ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "a read-only request completes while the lock is held");
		store_end(ctx->store);
	}

	race(ctx);
	sl_free(ctx);

	/* Clean up the temporary directory. */
	{
		char	 cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
	return done();
}

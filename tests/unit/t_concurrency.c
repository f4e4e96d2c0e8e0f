/*
 * t_concurrency: many processes doing read-modify-write on one session
 * through the library lose no update, and readers never wait for the
 * writers' lock.
 *
 * Each worker is a process of its own with its own context, as FastCGI
 * workers are, and each increment is a whole request made in memory: the
 * same code the programs run, from the cookie to the answer.
 */
#include "config.h"

#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extern.h"
#include "tap.h"

#define WORKERS		8
#define ROUNDS		150

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

/* One request: add one to "n" under the session's lock. */
static int
increment(struct sl_ctx *ctx)
{
	struct sl_req	*r;
	const char	*v;
	char		 num[32];
	long		 n;

	if ((r = req_memory(ctx, env, "", 0)) == NULL)
		return 0;
	if (sl_session_load(r, SL_SESSION_RDWR) != SL_OK ||
	    (v = sl_session_get(r, "n", NULL)) == NULL) {
		sl_fail(r, SL_EINTERNAL, "no counter");
		sl_finish(r);
		return 0;
	}
	n = strtol(v, NULL, 10);
	snprintf(num, sizeof(num), "%ld", n + 1);
	if (sl_session_set(r, "n", num, strlen(num)) != SL_OK) {
		sl_fail(r, SL_EINTERNAL, "cannot set");
		sl_finish(r);
		return 0;
	}
	sl_redirect(r, "");
	sl_finish(r);
	return strncmp(ctx->memout.p, "Status: 303", 11) == 0;
}

static long
read_counter(struct sl_ctx *ctx)
{
	struct sl_req	*r;
	const char	*v;
	long		 n = -1;

	if ((r = req_memory(ctx, env, "", 0)) == NULL)
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
		good &= increment(ctx);
	sl_free(ctx);
	_exit(good ? 0 : 1);
}

int
main(void)
{
	struct sl_ctx	*ctx;
	struct sl_req	*r;
	const char	*srcdir;
	char		 tmpl[] = "/tmp/sessile-conc-XXXXXX", *dir;
	pid_t		 pids[WORKERS], pid;
	int		 i, st, allgood = 1, status;
	long		 n;

	if ((srcdir = getenv("SRCDIR")) == NULL)
		srcdir = ".";
	if ((dir = mkdtemp(tmpl)) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(dirbuf, sizeof(dirbuf), "SESSION_FILE_DIR=%s/s", dir);
	snprintf(tmplbuf, sizeof(tmplbuf), "TEMPLATE_DIR=%s/html", srcdir);

	/* A session holding n = 0. */
	if ((ctx = ctx_new("main", env)) == NULL)
		return 1;
	ok(ctx->cfgerr == SL_OK, "the configuration is accepted");
	r = req_memory(ctx, env, "", 0);
	ok(r != NULL && sl_session_set(r, "n", "0", 1) == SL_OK,
	    "a new session stores n = 0");
	sl_redirect(r, "");
	sl_finish(r);
	ok(answer_cookie(&ctx->memout, cookiebuf, sizeof(cookiebuf)),
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
		ok(store_lock(&ctx->store, file) == SL_OK,
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
		store_unlock(&ctx->store);
	}
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

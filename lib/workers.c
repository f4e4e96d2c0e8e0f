/*
 * workers.c: SESSILE_WORKERS processes on one inherited listening socket.
 *
 * libfcgi serves one request at a time in a process.  Started outside the
 * web server (a systemd socket unit, spawn-fcgi), a program is one process
 * unless something makes more, and under Apache's mod_proxy_fcgi, which
 * passes a body on as the client sends it, one slow client then holds the
 * program for every visitor.  With SESSILE_WORKERS=N above 1 the process
 * started becomes a small supervisor: it forks N workers that each run the
 * accept loop on the socket they share, as spawn-fcgi -F and php-fpm's
 * pools do (the kernel gives each connection to one accept(2)).  The
 * supervisor accepts nothing; it forks again for a worker that dies, after
 * a pause when that worker died young, so that one which crashes at once
 * does not spin; on SIGTERM, SIGINT or SIGHUP it passes SIGTERM on to the
 * workers, waits for them and exits 0 (systemd's stop).
 *
 * A program cannot tell such a start from lighttpd's or mod_fcgid's own
 * spawning, which also hand it a listening socket on fd 0: there
 * SESSILE_WORKERS multiplies the web server's own process count, and the
 * shipped configurations for them leave it unset.
 *
 * What the workers must not share:
 * - The configuration, the key and the templates are read before the
 *   fork, once, so that a bad value is logged once (DESIGN: Errors and
 *   limits) and no worker starts with it.
 * - The store's directory and .lock descriptors are opened on first use,
 *   after the fork.  Were they inherited, the workers' OFD locks would
 *   belong to one open file description and exclude nobody: a worker
 *   drops whatever store descriptor it may have inherited.
 * - libgcrypt's generator notices a fork (it compares getpid() with the
 *   pid it last drew for) and mixes the new pid into its pool before it
 *   gives out bytes; besides, the supervisor draws none before forking.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "extern.h"

#define YOUNG_MS	1000	/* a worker that died sooner: pause */
#define PAUSE_MS	1000	/* the first pause, doubled for each young
				   death in a row */
#define PAUSE_MAX_MS	60000

struct	worker {
	pid_t		 pid;	/* 0: not running */
	long long	 born;	/* CLOCK_MONOTONIC, ms */
	long long	 due;	/* when to fork it again */
	unsigned int	 young;	/* deaths in a row, each soon after birth */
};

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Never runs (SIGCHLD stays blocked): with a handler, SIGCHLD is not a
 * signal whose default action is to be ignored, which POSIX lets a
 * system discard rather than leave pending for sigtimedwait(2).
 */
static void
on_child(int sig)
{
	(void)sig;
}

/* In a new worker: the signals as they were, nothing of the store. */
static void
worker_start(struct sl_ctx *ctx, pid_t parent, const sigset_t *old)
{
	signal(SIGCHLD, SIG_DFL);
#ifdef HAVE_SYS_PRCTL_H
	/* A supervisor killed outright takes its workers with it, rather
	 * than leave them serving a socket nobody manages. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == 0 && getppid() != parent)
		_exit(0);
#else
	(void)parent;
#endif
	sigprocmask(SIG_SETMASK, old, NULL);
	store_close(ctx->store);
}

/* Fork worker I: returns 1 in the worker, 0 in the supervisor. */
static int
spawn(struct sl_ctx *ctx, struct worker *w, int i, const sigset_t *old)
{
	pid_t	 parent = getpid();

	switch (w->pid = fork()) {
	case -1:
		w->pid = 0;
		w->due = now_ms() + PAUSE_MS;
		log_line(ctx->name, "SESSILE_WORKERS: cannot start worker %d: "
		    "%s; trying again in a second", i + 1, strerror(errno));
		return 0;
	case 0:
		worker_start(ctx, parent, old);
		return 1;
	default:
		w->born = now_ms();
		return 0;
	}
}

/*
 * How long to wait before forking again worker W, which died at T: not
 * at all after a life of YOUNG_MS or more (a worker killed by hand, or
 * by the OOM killer); else PAUSE_MS, doubled for each young death in a
 * row up to PAUSE_MAX_MS, so that one that cannot serve (an accept(2)
 * that fails at once, a crash at the first request) costs a line a
 * minute, not one a second for ever.
 */
static long long
pause_ms(struct worker *w, long long t)
{
	long long	 p = PAUSE_MS;
	unsigned int	 i;

	if (t - w->born >= YOUNG_MS) {
		w->young = 0;
		return 0;
	}
	for (i = 0; i < w->young && p < PAUSE_MAX_MS; i++)
		p *= 2;
	if (w->young < 32)
		w->young++;
	return p < PAUSE_MAX_MS ? p : PAUSE_MAX_MS;
}

/* Reap the workers that ended, and say when each is forked again. */
static void
reap(struct sl_ctx *ctx, struct worker *w, int n)
{
	long long	 t;
	pid_t		 pid;
	int		 i, st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < n && w[i].pid != pid; i++)
			continue;
		if (i == n)
			continue;
		t = now_ms();
		w[i].pid = 0;
		w[i].due = t + pause_ms(&w[i], t);
		if (WIFSIGNALED(st))
			log_line(ctx->name, "worker %d (pid %ld) killed by "
			    "signal %d: starting another in %lld ms", i + 1,
			    (long)pid, WTERMSIG(st), w[i].due - t);
		else
			log_line(ctx->name, "worker %d (pid %ld) exited with "
			    "status %d: starting another in %lld ms", i + 1,
			    (long)pid, WEXITSTATUS(st), w[i].due - t);
	}
}

/* SIGTERM to every worker, and wait for them all. */
static void
stop(struct worker *w, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (w[i].pid > 0)
			kill(w[i].pid, SIGTERM);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		continue;
}

/*
 * The supervisor's loop: start the workers that are due, then wait for a
 * signal (all of them blocked, taken with sigtimedwait(2): no handler
 * races the loop), or until the next worker is due.  Returns 1 in a new
 * worker, 0 in the supervisor once the workers are stopped.
 */
static int
supervise(struct sl_ctx *ctx, struct worker *w, int n, const sigset_t *set,
    const sigset_t *old)
{
	struct timespec	 ts;
	long long	 t, next;
	int		 i, sig;

	for (;;) {
		t = now_ms();
		next = -1;
		for (i = 0; i < n; i++) {
			if (w[i].pid != 0)
				continue;
			if (w[i].due <= t && spawn(ctx, &w[i], i, old))
				return 1;
			if (w[i].pid == 0 && (next == -1 || w[i].due < next))
				next = w[i].due;
		}
		if (next != -1) {
			t = next > t ? next - t : 0;
			ts.tv_sec = (time_t)(t / 1000);
			ts.tv_nsec = (long)(t % 1000) * 1000000;
		}
		sig = sigtimedwait(set, NULL, next == -1 ? NULL : &ts);
		if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP) {
			stop(w, n);
			return 0;
		}
		reap(ctx, w, n);
	}
}

/*
 * A listening socket passed the way systemd passes one (sd_listen_fds(3):
 * LISTEN_PID this process, LISTEN_FDS the count, the first on fd 3), as
 * by a socket unit without StandardInput=socket or systemd-socket-activate,
 * becomes fd 0, where libfcgi looks for it; the others, which a program
 * serving one socket has no use for, are closed.  A count that is not a
 * number from 1, or a descriptor 3 that is not a listening stream socket,
 * is logged and changes nothing.  The variables are removed whatever
 * they say, so that no program this one starts takes them for its own.
 * Called before anything asks libfcgi whether this is FastCGI; NAME
 * names the log line.
 */
void
workers_listen_fds(const char *name)
{
	const char	*pid, *fds;
	char		*end;
	long		 n, i;
	int		 type = 0, listening = 0;
	socklen_t	 len;

	pid = getenv("LISTEN_PID");
	fds = getenv("LISTEN_FDS");
	if (pid != NULL && fds != NULL &&
	    strtol(pid, &end, 10) == (long)getpid() && *end == '\0') {
		errno = 0;
		n = strtol(fds, &end, 10);
		len = sizeof(type);
		if (errno != 0 || *end != '\0' || n < 1 || n > 1024)
			log_line(name, "LISTEN_FDS=%.8s: not a number of "
			    "sockets: ignored", fds);
		else if (getsockopt(3, SOL_SOCKET, SO_TYPE, &type, &len) ==
		    -1 || type != SOCK_STREAM ||
		    (len = sizeof(listening), getsockopt(3, SOL_SOCKET,
		    SO_ACCEPTCONN, &listening, &len)) == -1 || !listening)
			log_line(name, "LISTEN_FDS: descriptor 3 is not a "
			    "listening stream socket: ignored");
		else if (dup2(3, 0) == -1)
			log_line(name, "LISTEN_FDS: cannot move the socket "
			    "to descriptor 0: %s", strerror(errno));
		else {
			if (n > 1)
				log_line(name, "LISTEN_FDS=%ld: one socket "
				    "expected, the first used", n);
			for (i = 0; i < n; i++)
				close((int)(3 + i));
		}
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
}

/*
 * Called once the configuration is read.  Returns 1 in a process that is
 * to serve: a worker, or the process itself when SESSILE_WORKERS is 1 or
 * it runs as plain CGI.  Returns 0 in the supervisor once it has been
 * told to stop and its workers have ended: it is to exit 0.
 *
 * The signals are blocked before libfcgi is first asked whether this is
 * FastCGI: FCGX_IsCGI() runs FCGX_Init(), which installs libfcgi's own
 * SIGTERM handler, and a SIGTERM caught there would only set a flag of
 * libfcgi's in a process that never accepts.  Blocked, it waits for
 * sigtimedwait(2).
 */
int
workers_run(struct sl_ctx *ctx)
{
	struct sigaction	 sa;
	struct worker		*w;
	sigset_t		 set, old;
	int			 n = ctx->cfg.workers, rc;

	if (n <= 1)
		return 1;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, &old);
	if (FCGX_IsCGI()) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return 1;
	}
	if ((w = calloc((size_t)n, sizeof(*w))) == NULL) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		log_line(ctx->name, "SESSILE_WORKERS: out of memory: serving "
		    "in one process");
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_child;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	rc = supervise(ctx, w, n, &set, &old);
	free(w);
	return rc;
}

/*
 * io.c: where requests come from and where answers go, for the programs:
 * libfcgi.  FCGI_Accept() serves both modes: with a listening socket on
 * fd 0 it loops over FastCGI requests, otherwise it returns the one CGI
 * request and then -1.  This is the only file that includes fcgi_stdio.h,
 * and so the only one that reads the body or writes the answer.
 *
 * The I/O is a table of functions chosen once per process, as slowcgi
 * picks its logger: lifecycle.c installs this one, and the unit tests and
 * fuzz harnesses install one that reads and writes memory (ctx_io()), so
 * that no branch of the library exists for them.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <fcgi_stdio.h>
#include <fcgiapp.h>

#include "extern.h"

#define DRAIN_SECONDS	2

extern char	**environ;

/* libfcgi replaces environ with each request's parameters. */
static char *const *
fcgi_accept(void *arg)
{
	(void)arg;
	return FCGI_Accept() < 0 ? NULL : environ;
}

/*
 * Plain CGI: up to LEN bytes from fd 0 with read(2), never asking for
 * more.  libfcgi's FCGI_stdin is stdio's stdin in CGI mode, and stdio
 * reads ahead (4 KiB and more): past CONTENT_LENGTH, which RFC 3875 §4.2
 * forbids, and on a socket or a pipe those bytes are lost to whoever
 * reads next.
 */
static size_t
read_cgi(void *p, size_t len)
{
	char	*b = p;
	size_t	 got = 0;
	ssize_t	 n;

	while (got < len) {
		if ((n = read(STDIN_FILENO, b + got, len - got)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/*
 * Under FastCGI the record layer bounds the body, and libfcgi's stream
 * reads no further.
 */
static size_t
fcgi_read(void *arg, void *p, size_t len)
{
	(void)arg;
	return FCGX_IsCGI() ? read_cgi(p, len) : FCGI_fread(p, 1, len,
	    FCGI_stdin);
}

static void
fcgi_write(void *arg, const void *p, size_t len)
{
	(void)arg;
	FCGI_fwrite((void *)p, 1, len, FCGI_stdout);
}

/*
 * Plain CGI only: after the answer, read and drop LEFT bytes of a body
 * the program did not read (req_unread() says how many, never past
 * CONTENT_LENGTH).  Apache's mod_cgid resets the connection, losing the
 * answer, when a CGI program exits before taking its input.  Bounded in
 * time too, so a stalled body costs at most that.
 */
static void
drain_cgi(size_t left)
{
	struct pollfd	 pfd;
	char		 buf[16 * 1024];
	ssize_t		 n;
	time_t		 end = time(NULL) + DRAIN_SECONDS;

	if (left == 0 || !FCGX_IsCGI())
		return;
	FCGI_fflush(FCGI_stdout);
	pfd.fd = STDIN_FILENO;
	pfd.events = POLLIN;
	while (left > 0 && time(NULL) <= end) {
		if (poll(&pfd, 1, 250) <= 0)
			break;
		if ((n = read(STDIN_FILENO, buf, left < sizeof(buf) ? left :
		    sizeof(buf))) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		left -= (size_t)n;
	}
}

static void
fcgi_finish(void *arg, size_t unread)
{
	(void)arg;
	drain_cgi(unread);
	FCGI_Finish();
}

const struct io	 io_fcgi = {
	fcgi_accept,
	fcgi_read,
	fcgi_write,
	fcgi_finish,
	NULL,
};

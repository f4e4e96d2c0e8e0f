/*
 * memio.c: the in-memory I/O of memio.h.  It lives with the tests, not in
 * the library: the library has one I/O table for the programs and no
 * branch for tests; a test installs this one through ctx_io().
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"
#include "memio.h"

struct	memio {
	const char	*body;
	size_t		 len;
	size_t		 off;
	struct buf	 out;	/* the answer */
};

/* Requests are made by memio_request(), never accepted. */
static char *const *
mem_accept(void *arg)
{
	(void)arg;
	return NULL;
}

static size_t
mem_read(void *arg, void *p, size_t len)
{
	struct memio	*m = arg;
	size_t		 n = m->len - m->off;

	if (n > len)
		n = len;
	if (n > 0)
		memcpy(p, m->body + m->off, n);
	m->off += n;
	return n;
}

static void
mem_write(void *arg, const void *p, size_t len)
{
	struct memio	*m = arg;

	buf_add(&m->out, p, len);
}

static void
mem_finish(void *arg, size_t unread)
{
	(void)arg;
	(void)unread;
}

static void
mem_free(void *arg)
{
	struct memio	*m = arg;

	buf_free(&m->out);
	free(m);
}

static const struct io	 io_memory = {
	mem_accept,
	mem_read,
	mem_write,
	mem_finish,
	mem_free,
};

static struct memio *
memio(struct sl_ctx *ctx)
{
	struct memio	*m;

	if (ctx->io == &io_memory)
		return ctx->ioarg;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		abort();	/* out of memory in a test */
	ctx_io(ctx, &io_memory, m);
	return m;
}

struct sl_req *
memio_request(struct sl_ctx *ctx, char *const *envp, const char *body,
    size_t len)
{
	struct memio	*m = memio(ctx);

	m->body = body;
	m->len = len;
	m->off = 0;
	buf_reset(&m->out);
	return req_accept(ctx, envp);
}

struct buf *
memio_out(struct sl_ctx *ctx)
{
	return &memio(ctx)->out;
}

char *
memio_scratch(char *template, char *dirvar, size_t dirlen, char *tmplvar,
    size_t tmpllen)
{
	const char	*srcdir;

	if ((srcdir = getenv("SRCDIR")) == NULL)
		srcdir = ".";
	if (mkdtemp(template) == NULL) {
		perror("mkdtemp");
		return NULL;
	}
	snprintf(dirvar, dirlen, "SESSION_FILE_DIR=%s/s", template);
	snprintf(tmplvar, tmpllen, "TEMPLATE_DIR=%s/html", srcdir);
	return template;
}

/*
 * util.c: growable buffers, the per-request arena and log lines.
 * Every allocation failure is carried as a value, never ignored.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extern.h"

static int
buf_grow(struct buf *b, size_t need)
{
	size_t	 cap;
	char	*p;

	if (b->oom)
		return 0;
	if (need > SIZE_MAX - b->len - 1) {
		b->oom = 1;
		return 0;
	}
	if (b->len + need + 1 <= b->cap)
		return 1;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + need + 1)
		cap = cap > SIZE_MAX / 2 ? b->len + need + 1 : cap * 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->oom = 1;
		return 0;
	}
	b->p = p;
	b->cap = cap;
	return 1;
}

void
buf_add(struct buf *b, const void *p, size_t len)
{
	if (!buf_grow(b, len))
		return;
	if (len > 0)
		memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void
buf_addu(struct buf *b, unsigned long long v)
{
	char	 tmp[24];
	size_t	 i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	buf_add(b, tmp + i, sizeof(tmp) - i);
}

/* Keep the memory for the next request; forget the contents. */
void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->oom = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

/* As buf_reset, for a buffer that held secrets: the bytes are cleared. */
void
buf_wipe(struct buf *b)
{
	if (b->p != NULL)
		explicit_bzero(b->p, b->len);
	buf_reset(b);
}

void
buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/*
 * The arena holds everything one request allocates, so that ending the
 * request frees it all and nothing survives into the next one.
 */
struct	arena_blk {
	struct arena_blk	*next;
	size_t			 used;
	size_t			 size;
	max_align_t		 data[];
};

#define ARENA_BLOCK	(8 * 1024)

void *
arena_alloc(struct arena *a, size_t len)
{
	struct arena_blk	*b;
	size_t			 size, al = sizeof(max_align_t);
	void			*p;

	len = (len + al - 1) / al * al;
	if (len == 0)
		len = al;
	b = a->head;
	if (b == NULL || b->size - b->used < len) {
		size = len > ARENA_BLOCK ? len : ARENA_BLOCK;
		if (size > SIZE_MAX - sizeof(*b))
			return NULL;
		if ((b = malloc(sizeof(*b) + size)) == NULL)
			return NULL;
		b->used = 0;
		b->size = size;
		b->next = a->head;
		a->head = b;
	}
	p = (char *)b->data + b->used;
	b->used += len;
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t len)
{
	char	*p;

	if (len == SIZE_MAX || (p = arena_alloc(a, len + 1)) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/*
 * Empty the arena for the next request, keeping its first block (the
 * last in the list) and clearing what the request left there: a cookie,
 * a session's data.
 */
void
arena_reset(struct arena *a)
{
	struct arena_blk	*b;

	while ((b = a->head) != NULL && b->next != NULL) {
		a->head = b->next;
		free(b);
	}
	if (b != NULL) {
		explicit_bzero(b->data, b->used);
		b->used = 0;
	}
}

void
arena_free(struct arena *a)
{
	struct arena_blk	*b, *next;

	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
}

/*
 * One line on stderr per event, written with one write(2) so that lines
 * from several workers sharing a log never interleave.  Control bytes are
 * replaced: a log line must not be forged through logged input.
 */
void
log_vline(const char *who, const char *fmt, va_list ap)
{
	char	 line[1024];
	int	 n, m;
	size_t	 i, len;

	n = snprintf(line, sizeof(line), "sessile[%s]: ",
	    who != NULL ? who : "lib");
	if (n < 0)
		return;
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		return;
	len = strlen(line);
	for (i = (size_t)n; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	line[len++] = '\n';
	while (write(STDERR_FILENO, line, len) < 0 && errno == EINTR)
		continue;
}

void
log_line(const char *who, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vline(who, fmt, ap);
	va_end(ap);
}

/*
 * util.c: growable buffers, the per-request arena and log lines.
 * Every allocation failure is carried as a value, never ignored; a line
 * repeated is counted, not written again (log_repeat()).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
 * DESIGN, Sessions: repeated identical log lines are rate limited (one
 * line, then a count).  A line that is the same as the last one written,
 * and comes less than LOG_WINDOW seconds after it, is counted instead of
 * written; the next line written (another one, or the same once the
 * window is over) is preceded by "last message repeated N times", as
 * syslogd says it.  A flood of refused logins logs a line or two every
 * LOG_WINDOW seconds per worker instead of one per refusal, and a line
 * for another cause is never held back.  Returns whether LINE, LEN bytes
 * (its "sessile[who]: " prefix included), is to be written now, and in
 * *REPEATED the count to write before it (0: none).
 */
int
log_repeat(struct logrep *lr, const char *line, size_t len, time_t now,
    unsigned long *repeated)
{
	*repeated = 0;
	if (lr->len == len && memcmp(lr->last, line, len) == 0 &&
	    now >= lr->since && now - lr->since < LOG_WINDOW) {
		lr->repeated++;
		return 0;
	}
	*repeated = lr->repeated;
	lr->repeated = 0;
	lr->since = now;
	lr->len = len < sizeof(lr->last) ? len : 0;
	memcpy(lr->last, line, lr->len);
	return 1;
}

/*
 * Lines that differ each time (a cookie's hash in each, or two causes in
 * turn, as a refused login with a junk cookie logs) are no repeats, yet a
 * flood of them must not fill the log either: a process writes at most
 * LOG_BUDGET lines in a LOG_WINDOW, and counts the rest.  Returns whether
 * a line may be written at NOW; when a window begins, *DROPPED is how
 * many the last one held back, to be said before the line (0: none).  A
 * line admitted is counted against the budget by the caller, once it is
 * written (log_repeat() may still count it as a repeat instead).
 */
int
log_admit(struct logrep *lr, time_t now, unsigned long *dropped)
{
	*dropped = 0;
	if (now < lr->bsince || now - lr->bsince >= LOG_WINDOW) {
		*dropped = lr->dropped;
		lr->dropped = 0;
		lr->bsince = now;
		lr->used = 0;
	}
	if (lr->used < LOG_BUDGET)
		return 1;
	lr->dropped++;
	return 0;
}

/*
 * The log's state is this process's: a FastCGI worker is long-lived and
 * counts the refusals of all its requests.  A plain CGI program serves
 * one request and logs a line or two before it exits; the web server's
 * own limits on CGI processes bound those.
 */
static struct logrep	 logrep;

/* Room for "sessile[NAME]: last message repeated N times": a name of 31
 * bytes and a count of 20 digits fit. */
#define LOG_COUNT_MAX	128
/* And for "sessile[NAME]: N lines more not written ...". */
#define LOG_DROP_MAX	160

/* Seconds that only go forward: a clock set back holds no line back. */
static time_t
log_clock(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return time(NULL);
	return ts.tv_sec;
}

/* "last message repeated N times", after the prefix of the line counted. */
static size_t
repeat_line(const struct logrep *lr, unsigned long n, char *out, size_t len)
{
	const char	*end;
	size_t		 pre;
	int		 m;

	end = memchr(lr->last, ' ', lr->len);
	pre = end != NULL ? (size_t)(end - lr->last) : 0;
	m = snprintf(out, len, "%.*s last message repeated %lu time%s\n",
	    (int)pre, lr->last, n, n == 1 ? "" : "s");
	return m < 0 || (size_t)m >= len ? 0 : (size_t)m;
}

static void
log_write(const char *p, size_t len)
{
	while (write(STDERR_FILENO, p, len) < 0 && errno == EINTR)
		continue;
}

/*
 * One line on stderr per event, written with one write(2) so that lines
 * from several workers sharing a log never interleave (a count and the
 * line after it go in the same write).  Control bytes are replaced: a
 * log line must not be forged through logged input.
 */
void
log_vline(const char *who, const char *fmt, va_list ap)
{
	char		 line[LOG_DROP_MAX + LOG_COUNT_MAX + LOG_LINE_MAX];
	char		 drop[LOG_DROP_MAX];
	char		*text;
	int		 n, m;
	size_t		 i, len, off, doff = 0;
	unsigned long	 repeated, dropped;
	time_t		 now = log_clock();

	if (!log_admit(&logrep, now, &dropped))
		return;
	/* Room at the front for what the last window dropped, and a count
	 * of the line before. */
	text = line + LOG_DROP_MAX + LOG_COUNT_MAX;
	n = snprintf(text, LOG_LINE_MAX, "sessile[%s]: ",
	    who != NULL ? who : "lib");
	if (n < 0 || n >= LOG_LINE_MAX - 1)
		return;
	m = vsnprintf(text + n, LOG_LINE_MAX - (size_t)n - 1, fmt, ap);
	if (m < 0)
		return;
	len = strlen(text);
	for (i = (size_t)n; i < len; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			text[i] = '?';
	text[len++] = '\n';
	/* The count names the line counted, so it is made before
	 * log_repeat() takes the new one. */
	off = 0;
	if (logrep.repeated > 0)
		off = repeat_line(&logrep, logrep.repeated, line,
		    LOG_COUNT_MAX);
	if (dropped > 0) {
		m = snprintf(drop, sizeof(drop), "sessile[%s]: %lu more line%s "
		    "not written (over %d in %d seconds)\n",
		    who != NULL ? who : "lib", dropped, dropped == 1 ? "" : "s",
		    LOG_BUDGET, LOG_WINDOW);
		doff = m < 0 || (size_t)m >= sizeof(drop) ? 0 : (size_t)m;
	}
	if (!log_repeat(&logrep, text, len, now, &repeated)) {
		if (doff > 0)
			log_write(drop, doff);
		return;
	}
	logrep.used++;
	if (repeated > 0 && off > 0) {
		memmove(text - off, line, off);
		text -= off;
		len += off;
	}
	if (doff > 0) {
		memmove(text - doff, drop, doff);
		text -= doff;
		len += doff;
	}
	log_write(text, len);
}

void
log_line(const char *who, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vline(who, fmt, ap);
	va_end(ap);
}

/*
 * Between requests (sl_accept()): the counts of a window that is over are
 * written now, not held until the next line, which may come hours later
 * or never (a worker killed outright).
 */
void
log_tick(const char *who)
{
	char		 out[LOG_DROP_MAX];
	time_t		 now = log_clock();
	size_t		 n;
	int		 m;

	if (logrep.repeated > 0 && now - logrep.since >= LOG_WINDOW) {
		if ((n = repeat_line(&logrep, logrep.repeated, out,
		    sizeof(out))) > 0)
			log_write(out, n);
		logrep.repeated = 0;
		logrep.len = 0;
	}
	if (logrep.dropped > 0 && now - logrep.bsince >= LOG_WINDOW) {
		m = snprintf(out, sizeof(out), "sessile[%s]: %lu more line%s "
		    "not written (over %d in %d seconds)\n", who, logrep.dropped,
		    logrep.dropped == 1 ? "" : "s", LOG_BUDGET, LOG_WINDOW);
		if (m > 0 && (size_t)m < sizeof(out))
			log_write(out, (size_t)m);
		logrep.dropped = 0;
	}
}

/* The count of a line still held back, at the end of the process. */
void
log_flush(void)
{
	char	 out[LOG_COUNT_MAX];
	size_t	 n;

	if (logrep.repeated == 0)
		return;
	if ((n = repeat_line(&logrep, logrep.repeated, out, sizeof(out))) > 0)
		log_write(out, n);
	logrep.repeated = 0;
}

/*
 * The one error channel: the caller gets the status, and the why it
 * passed down says what the visitor is told and what the log is told.
 * Both return E, so that "return why_cause(w, SL_ESTORE, ...)" reads as
 * one statement of what failed.
 */
enum sl_err
why_msg(struct why *w, enum sl_err e, const char *fmt, ...)
{
	va_list	 ap;

	if (w != NULL) {
		va_start(ap, fmt);
		vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
		va_end(ap);
	}
	return e;
}

enum sl_err
why_cause(struct why *w, enum sl_err e, const char *fmt, ...)
{
	va_list	 ap;

	if (w != NULL) {
		va_start(ap, fmt);
		vsnprintf(w->cause, sizeof(w->cause), fmt, ap);
		va_end(ap);
	}
	return e;
}

void
why_clear(struct why *w)
{
	w->msg[0] = w->cause[0] = '\0';
}

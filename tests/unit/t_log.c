/*
 * t_log: log lines (DESIGN, Sessions: "repeated identical log lines are
 * rate limited (one line, then a count)").  A line that is the same as
 * the last one written, less than LOG_WINDOW seconds after it, is
 * counted; the next line written, another one or the same after the
 * window, comes after "last message repeated N times".  A line for
 * another cause is never held back.
 *
 * log_repeat() takes the time as an argument: the table walks through
 * windows without sleeping.  Then log_line() itself, with stderr sent to
 * a file, as the programs write it.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extern.h"
#include "tap.h"

/*
 * One sequence of lines given to log_repeat(), in order, from a fresh
 * state: at time T, LINE is written (WRITTEN) after a count of REPEATED.
 */
static const struct step {
	const char	*line;
	time_t		 t;
	int		 written;
	unsigned long	 repeated;
} steps[] = {
	/* The first line is written. */
	{ "sessile[login]: a\n", 100, 1, 0 },
	/* The same, within the window: counted, not written. */
	{ "sessile[login]: a\n", 100, 0, 0 },
	{ "sessile[login]: a\n", 105, 0, 0 },
	{ "sessile[login]: a\n", 109, 0, 0 },
	/* Another line: written at once, after the count of the first. */
	{ "sessile[login]: b\n", 109, 1, 3 },
	/* The first one again: not the last one written, so written. */
	{ "sessile[login]: a\n", 109, 1, 0 },
	/* Alternating lines are each written: none is "the same". */
	{ "sessile[login]: b\n", 109, 1, 0 },
	{ "sessile[login]: a\n", 110, 1, 0 },
	/* Repeated: counted until the window (10 s from the line written,
	 * at 110) is over; then written again, after its count. */
	{ "sessile[login]: a\n", 111, 0, 0 },
	{ "sessile[login]: a\n", 119, 0, 0 },
	{ "sessile[login]: a\n", 120, 1, 2 },
	/* A new window from 120. */
	{ "sessile[login]: a\n", 129, 0, 0 },
	{ "sessile[login]: a\n", 130, 1, 1 },
	/* No count when nothing was held back. */
	{ "sessile[login]: a\n", 200, 1, 0 },
	/* Lines that differ in one byte, or only in length, differ. */
	{ "sessile[login]: A\n", 200, 1, 0 },
	{ "sessile[login]: Aa\n", 200, 1, 0 },
	{ "sessile[index]: Aa\n", 200, 1, 0 },
	/* A clock that went back (a test's, never the monotonic one) is
	 * no reason to hold a line back. */
	{ "sessile[index]: Aa\n", 150, 1, 0 },
};

static void
test_repeat(void)
{
	struct logrep		 lr;
	const struct step	*t;
	unsigned long		 rep;
	size_t			 i;
	int			 w;

	memset(&lr, 0, sizeof(lr));
	for (i = 0; i < NELEM(steps); i++) {
		t = &steps[i];
		w = log_repeat(&lr, t->line, strlen(t->line), t->t, &rep);
		if (!ok(w == t->written && rep == t->repeated,
		    "step %zu: \"%s\" at %lld is %s%s", i + 1,
		    tap_show(t->line, strlen(t->line) - 1), (long long)t->t,
		    t->written ? "written" : "counted",
		    t->written && t->repeated ? ", after its count" : ""))
			printf("# got %s, count %lu\n", w ? "written" :
			    "counted", rep);
	}
}

/* The budget: LOG_BUDGET lines a window, the rest counted and said
 * when the next window begins. */
static void
test_admit(void)
{
	struct logrep	 lr;
	unsigned long	 dropped, i;
	int		 all = 1;

	memset(&lr, 0, sizeof(lr));
	for (i = 0; i < LOG_BUDGET; i++) {
		all &= log_admit(&lr, 1000, &dropped) && dropped == 0;
		lr.used++;
	}
	ok(all, "%d lines in one window are admitted", LOG_BUDGET);
	ok(!log_admit(&lr, 1000 + LOG_WINDOW - 1, &dropped) && dropped == 0,
	    "the next, in the same window, is not");
	ok(!log_admit(&lr, 1000 + LOG_WINDOW - 1, &dropped),
	    "nor the one after");
	ok(log_admit(&lr, 1000 + LOG_WINDOW, &dropped) && dropped == 2,
	    "a line in the next window is, after the count of the 2 dropped");
	ok(log_admit(&lr, 1000 + LOG_WINDOW, &dropped) && dropped == 0,
	    "and that count is said once");
	ok(log_admit(&lr, 500, &dropped),
	    "a clock that went back begins a window");
}

static char	 logpath[256];

/* What was logged to the file since the last call, in OUT. */
static const char *
logged(void)
{
	static char	 out[16384];
	static off_t	 seen;
	ssize_t		 n;
	int		 fd;

	out[0] = '\0';
	if ((fd = open(logpath, O_RDONLY)) == -1)
		return out;
	n = pread(fd, out, sizeof(out) - 1, seen);
	close(fd);
	if (n > 0) {
		out[n] = '\0';
		seen += n;
	}
	return out;
}

static void
test_log_line(void)
{
	int	 i;

	log_line("t", "a single line");
	ok(strcmp(logged(), "sessile[t]: a single line\n") == 0,
	    "log_line writes one line, prefixed, as ever");
	log_line("t", "first %d", 1);
	log_line("t", "second %d", 2);
	log_line("t", "first %d", 1);
	ok(strcmp(logged(), "sessile[t]: first 1\nsessile[t]: second 2\n"
	    "sessile[t]: first 1\n") == 0,
	    "three lines for two causes, in turn: all three written");
	for (i = 0; i < 5; i++)
		log_line("t", "store full");
	ok(strcmp(logged(), "sessile[t]: store full\n") == 0,
	    "the same line five times in a row: written once");
	log_line("t", "another cause");
	ok(strcmp(logged(), "sessile[t]: last message repeated 4 times\n"
	    "sessile[t]: another cause\n") == 0,
	    "the next line comes after the count of the four held back");
	log_line("t", "another cause");
	log_line("u", "from another program");
	ok(strcmp(logged(), "sessile[t]: last message repeated 1 time\n"
	    "sessile[u]: from another program\n") == 0,
	    "a count of one, named as the line it counts");
	log_line("t", "held");
	log_line("t", "held");
	log_line("t", "held");
	logged();
	log_flush();
	ok(strcmp(logged(), "sessile[t]: last message repeated 2 times\n") ==
	    0, "log_flush writes the count still held back");
	log_flush();
	ok(strcmp(logged(), "") == 0, "and only once");
	log_line("t", "held");
	ok(strcmp(logged(), "") == 0, "the same line after the flush, still "
	    "within its window: counted");
	log_line("t", "a\nforged line");
	ok(strcmp(logged(), "sessile[t]: last message repeated 1 time\n"
	    "sessile[t]: a?forged line\n") == 0,
	    "control bytes are still replaced");
}

/* Lines that each differ, in a flood: at most the budget is written (a
 * few of it went to the lines above, in the same window). */
static void
test_budget(void)
{
	const char	*p;
	int		 i, n = 0;

	for (i = 0; i < 3 * LOG_BUDGET; i++)
		log_line("t", "junk cookie %d: ignored", i);
	for (p = logged(); (p = strstr(p, "junk cookie")) != NULL; p++)
		n++;
	ok(n <= LOG_BUDGET && n >= LOG_BUDGET - 20,
	    "%d lines that each differ: %d written, at most %d",
	    3 * LOG_BUDGET, n, LOG_BUDGET);
}

int
main(void)
{
	const char	*tmp;
	int		 fd, saved;

	test_repeat();
	test_admit();

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(logpath, sizeof(logpath), "%s/t_log.XXXXXX", tmp);
	if ((fd = mkstemp(logpath)) == -1) {
		ok(0, "mkstemp in %s", tmp);
		return done();
	}
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	if (saved == -1 || dup2(fd, STDERR_FILENO) == -1) {
		ok(0, "stderr to a file");
		return done();
	}
	close(fd);
	test_log_line();
	test_budget();
	dup2(saved, STDERR_FILENO);
	close(saved);
	ok(unlink(logpath) == 0, "the log file is removed");
	return done();
}

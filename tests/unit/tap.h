/*
 * tap.h: the Test Anything Protocol, as automake's tap-driver.sh reads it.
 * Each check is one "ok N - what" line; the plan comes last.
 */
#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>

static int	tap_n, tap_failed;

static int __attribute__((format(__printf__, 2, 3), unused))
ok(int cond, const char *fmt, ...)
{
	va_list	 ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

static int __attribute__((unused))
done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}

#endif /* !TAP_H */

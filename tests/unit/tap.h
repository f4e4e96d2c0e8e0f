/*
 * tap.h: the Test Anything Protocol, as automake's tap-driver.sh reads it.
 * Each check is one "ok N - what" line; the plan comes last.
 */
#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>

/* The number of elements of array a: a table's rows. */
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* A string literal and its length, NUL bytes included. */
#define S(s)	(s), (sizeof(s) - 1)

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

/* Bytes made printable for a test's name: "a\nb" shows as "a\x0ab". */
static const char *tap_show(const char *, size_t) __attribute__((unused));

static const char *
tap_show(const char *s, size_t len)
{
	static char	 bufs[4][256];
	static int	 which;
	char		*b = bufs[which++ % 4];
	size_t		 i, o = 0;

	for (i = 0; i < len && o + 6 < sizeof(bufs[0]); i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			o += (size_t)snprintf(b + o, sizeof(bufs[0]) - o,
			    "\\x%02x", (unsigned char)s[i]);
		else
			b[o++] = s[i];
	}
	b[o] = '\0';
	return b;
}

static int __attribute__((unused))
done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}

#endif /* !TAP_H */

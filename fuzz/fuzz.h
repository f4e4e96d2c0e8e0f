/*
 * fuzz.h: what the harnesses share.  Each harness defines the libFuzzer
 * entry point; built with clang -fsanitize=fuzzer it is driven by
 * libFuzzer, built with the project's compiler and replay.c it replays
 * the seed corpus and the regression inputs under make check.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * An invariant failed: say which, and abort so that libFuzzer saves the
 * input (and the replay driver fails).
 */
static void __attribute__((format(__printf__, 1, 2), noreturn, unused))
fuzz_fail(const char *fmt, ...)
{
	va_list	 ap;

	fputs("invariant failed: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#define CHECK(cond, ...) do {						\
	if (!(cond))							\
		fuzz_fail(__VA_ARGS__);					\
} while (0)

#endif /* !FUZZ_H */

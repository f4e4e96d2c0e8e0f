/*
 * memio.h: requests made in memory, for the unit tests and the fuzz
 * harnesses: the same library code as the programs, with the context's
 * I/O (lib/io.c's table) replaced by one that reads the body from memory
 * and keeps the answer in a buffer.
 */
#ifndef MEMIO_H
#define MEMIO_H

/*
 * A request of CTX made from ENVP and BODY, checked as sl_accept() checks
 * one: NULL when it was answered already (a configuration that cannot
 * serve, no method, out of memory).  Its answer is memio_out(CTX).
 */
struct sl_req	*memio_request(struct sl_ctx *, char *const *, const char *,
		    size_t);

/* The answer of CTX's last request made by memio_request(). */
struct buf	*memio_out(struct sl_ctx *);

/*
 * A scratch store for a test: a new directory made from TEMPLATE (as
 * mkdtemp() takes it, changed in place), whose "s" the store will make,
 * written as "SESSION_FILE_DIR=..." into DIRVAR, and "TEMPLATE_DIR=" the
 * source tree's html/ ($SRCDIR, or ".") into TMPLVAR, for a test's
 * environment.  Returns the directory, or NULL (perror() said why).
 */
char		*memio_scratch(char *, char *, size_t, char *, size_t);

#endif /* !MEMIO_H */

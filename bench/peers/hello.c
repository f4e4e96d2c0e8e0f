/*
 * hello: the do-nothing program the benchmark measures sessile against.
 * It reads a whole answer (CGI header lines, a blank line, the body) from
 * the file named by its one argument, once, and prints it for every
 * request: no parsing, no session, no crypto.
 *
 * Built with -DFASTCGI it is a libfcgi program, as sessile's are (the
 * ceiling of the architecture behind a FastCGI front); without, a plain
 * CGI hello world (the floor of a fresh process).
 */
#ifdef FASTCGI
#include <fcgi_stdio.h>
#endif
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char *argv[])
{
	static char	 page[65536];
	FILE		*f;
	size_t		 len;

	if (argc != 2 || (f = fopen(argv[1], "rb")) == NULL) {
		fputs("usage: hello ANSWER-FILE\n", stderr);
		return 1;
	}
	len = fread(page, 1, sizeof(page), f);
	fclose(f);
#ifdef FASTCGI
	while (FCGI_Accept() >= 0)
		fwrite(page, 1, len, stdout);
#else
	fwrite(page, 1, len, stdout);
#endif
	return 0;
}

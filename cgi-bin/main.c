/*
 * main.c: one program's main(), compiled once per program with its name
 * and view given by the build (Makefile.am: -DPROGRAM='"index"'
 * -DVIEW=index_view).  The library owns the loop, never main(): the
 * program is its view.
 */
#include <sessile.h>

#include "views.h"

#if !defined(PROGRAM) || !defined(VIEW)
#error "PROGRAM and VIEW must be defined by the build"
#endif

int
main(void)
{
	return sl_serve(PROGRAM, VIEW);
}

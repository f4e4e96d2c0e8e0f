#!/bin/sh
# embed.sh FILE...: the C source of tmpl_builtins[] (lib/template.c), the
# templates of html/ built into the library, on stdout.  Each file becomes
# an array of its bytes, as od(1) prints them in hex, and one NUL after
# them; its name is the file's base name.  POSIX sh, od and sed only: the
# build machine needs nothing configure has not already asked for.
set -eu

echo '/* Made from html/ by lib/embed.sh at build time: do not edit. */'
echo '#include "config.h"'
echo
echo '#include <stddef.h>'
echo
echo '#include "extern.h"'
n=0
for f in "$@"; do
	echo
	echo "/* ${f##*/} */"
	echo "static const char t$n[] = {"
	od -A n -v -t x1 "$f" | sed -e 's/\([0-9a-f][0-9a-f]\)/0x\1,/g' \
	    -e 's/^ */	/' -e 's/ *$//'
	echo '	0x00'
	echo '};'
	n=$((n + 1))
done
echo
echo 'const struct tmpl_builtin tmpl_builtins[] = {'
n=0
for f in "$@"; do
	echo "	{ \"${f##*/}\", t$n, sizeof(t$n) - 1 },"
	n=$((n + 1))
done
echo '	{ NULL, NULL, 0 }'
echo '};'

#!/usr/bin/env bats
# The manual: every function of sessile.h has a page (one per function or
# group, named in its NAME section and shown in its SYNOPSIS), every page
# that shows functions says what they return, and groff finds nothing to
# warn about.  A function added to the header without a page fails here.

setup_file() {
	export MAN="$SRCDIR/man"
	# The functions sessile.h declares: a name followed by "(" at the
	# start of a declaration's name column.
	# What a page's SYNOPSIS section says.
	synopsis() { sed -n '/^\.Sh SYNOPSIS$/,/^\.Sh /p' "$1"; }
	export -f synopsis
	export FUNCS="$(sed -n 's/^[a-z].*[ *]\(sl_[a-z_]*\)(.*/\1/p' \
	    "$SRCDIR/lib/sessile.h" | sort -u)"
}

@test "sessile.h declares the functions this suite checks" {
	[ "$(printf '%s\n' "$FUNCS" | wc -l)" -ge 30 ]
	printf '%s\n' "$FUNCS" | grep -qx sl_init
	printf '%s\n' "$FUNCS" | grep -qx sl_err_status
}

@test "every function of sessile.h is named by one page and shown in its synopsis" {
	local f pages bad=
	for f in $FUNCS; do
		pages=$(grep -l "^\.Nm $f\( ,\)\{0,1\}\$" "$MAN"/*.3 || true)
		if [ "$(printf '%s' "$pages" | grep -c .)" -ne 1 ]; then
			bad="$bad $f(named by: ${pages:-none})"
			continue
		fi
		synopsis "$pages" | grep -q "^\.Fn $f " || bad="$bad $f(not in the synopsis of $pages)"
	done
	[ -z "$bad" ] || { echo "undocumented:$bad"; false; }
}

@test "every page that shows a function has a RETURN VALUES section" {
	local p bad=
	for p in "$MAN"/*.3; do
		synopsis "$p" | grep -q '^\.Fn ' || continue
		grep -q '^\.Sh RETURN VALUES$' "$p" || bad="$bad ${p##*/}"
	done
	[ -z "$bad" ] || { echo "no RETURN VALUES:$bad"; false; }
}

@test "every page names only functions sessile.h declares" {
	local p f bad=
	for p in "$MAN"/sl_*.3; do
		for f in $(sed -n 's/^\.Nm \(sl_[a-z_]*\).*/\1/p' "$p"); do
			printf '%s\n' "$FUNCS" | grep -qx "$f" || bad="$bad $f(${p##*/})"
		done
	done
	[ -z "$bad" ] || { echo "not in sessile.h:$bad"; false; }
}

@test "every page is installed" {
	local p
	for p in "$MAN"/*.[0-9]; do
		grep -q "man/${p##*/}" "$SRCDIR/Makefile.am" ||
		    { echo "${p##*/} is not in Makefile.am"; false; }
	done
}

@test "groff finds nothing to warn about in any page" {
	command -v groff >/dev/null || skip "groff is not installed"
	local p out
	for p in "$MAN"/*.[0-9]; do
		out=$(groff -mandoc -ww -z "$p" 2>&1)
		[ -z "$out" ] || { echo "${p##*/}: $out"; false; }
	done
}

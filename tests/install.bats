#!/usr/bin/env bats
# make install and make uninstall, into a staging directory (DESTDIR): the
# layout a package or a sysadmin gets.

load lib

setup_file() {
	export STAGE="$BATS_FILE_TMPDIR/stage"
	make -s -C "$BUILDDIR" install DESTDIR="$STAGE" >/dev/null
	# Where this build installs, as configure was told.
	eval "$(make -s -C "$BUILDDIR" --no-print-directory -f - print <<'MK'
include Makefile
print:
	@echo "CGIBINDIR='$(cgibindir)' TEMPLATEDIR='$(templatedir)' SESSIONDIR='$(sessiondir)' EXAMPLEDIR='$(exampledir)' BINDIR='$(bindir)' SBINDIR='$(sbindir)' INCLUDEDIR='$(includedir)' LIBDIR='$(libdir)' MANDIR='$(mandir)'"
MK
)"
	export CGIBINDIR TEMPLATEDIR SESSIONDIR EXAMPLEDIR BINDIR SBINDIR INCLUDEDIR \
	    LIBDIR MANDIR
}

@test "the programs go in a cgi-bin directory of their own" {
	for p in index login logout; do
		[ -x "$STAGE$CGIBINDIR/$p.fcgi" ]
	done
	[ "$(ls "$STAGE$CGIBINDIR" | wc -l)" -eq 3 ]
}

@test "the templates and the stylesheet go in the package's data directory" {
	for t in layout.html index.html login.html error.html style.css; do
		[ -f "$STAGE$TEMPLATEDIR/$t" ]
	done
}

@test "the session directory is made, mode 0700" {
	[ -d "$STAGE$SESSIONDIR" ]
	[ "$(stat -c %a "$STAGE$SESSIONDIR")" = 700 ]
}

@test "the configurations and units are installed as examples, filled with the install paths, also under /app/" {
	for f in lighttpd-fastcgi.conf lighttpd-external.conf lighttpd-cgi.conf \
	    apache-fcgid.conf apache-proxy-fcgi.conf apache-cgi.conf \
	    sessile@.socket sessile@.service sessile.tmpfiles sessile.sysusers \
	    sessile-gc.service sessile-gc.timer sessile-gc.cron; do
		[ -f "$STAGE$EXAMPLEDIR/$f" ] || { echo "no $f"; false; }
		refute grep -n '@[a-z]*@' "$STAGE$EXAMPLEDIR/$f"
	done
	for f in lighttpd-fastcgi lighttpd-external lighttpd-cgi apache-fcgid \
	    apache-proxy-fcgi apache-cgi; do
		grep -q '/app/login' "$STAGE$EXAMPLEDIR/$f-app.conf"
		refute grep -q '/app/login' "$STAGE$EXAMPLEDIR/$f.conf"
	done
	grep -q "$CGIBINDIR/index.fcgi" "$STAGE$EXAMPLEDIR/lighttpd-fastcgi.conf"
	grep -q "$CGIBINDIR/login.fcgi" "$STAGE$EXAMPLEDIR/apache-fcgid.conf"
	grep -qx "ExecStart=$CGIBINDIR/%i.fcgi" "$STAGE$EXAMPLEDIR/sessile@.service"
	grep -qx "ReadWritePaths=$SESSIONDIR" "$STAGE$EXAMPLEDIR/sessile@.service"
}

@test "sessile-gc goes in sbin with its manual in section 8, and its examples name it there" {
	[ -x "$STAGE$SBINDIR/sessile-gc" ]
	[ ! -e "$STAGE$BINDIR/sessile-gc" ]
	[ -f "$STAGE$MANDIR/man8/sessile-gc.8" ]
	grep -qx "ExecStart=$SBINDIR/sessile-gc -d $SESSIONDIR" \
	    "$STAGE$EXAMPLEDIR/sessile-gc.service"
	grep -qx "ReadWritePaths=$SESSIONDIR" "$STAGE$EXAMPLEDIR/sessile-gc.service"
	grep -qxF "*/15 * * * *	sessile	$SBINDIR/sessile-gc -d $SESSIONDIR" \
	    "$STAGE$EXAMPLEDIR/sessile-gc.cron"
	grep -aq "$SESSIONDIR" "$STAGE$SBINDIR/sessile-gc"
}

@test "the library, its header, its pkg-config file, the key maker and the manuals" {
	[ -x "$STAGE$BINDIR/sessile-keygen" ]
	[ -f "$STAGE$INCLUDEDIR/sessile.h" ]
	ls "$STAGE$LIBDIR"/libsessile.so.* >/dev/null
	[ -f "$STAGE$LIBDIR/pkgconfig/libsessile.pc" ]
	[ -f "$STAGE$MANDIR/man3/sessile.3" ]
	[ -f "$STAGE$MANDIR/man1/sessile-keygen.1" ]
}

@test "the installed programs serve their built-in pages without TEMPLATE_DIR, and know the session directory" {
	# No TEMPLATE_DIR: the pages are in the program, whatever is (or is
	# not) in the data directory; the configured session directory is
	# its default.
	grep -aq "$SESSIONDIR" "$STAGE$CGIBINDIR/index.fcgi"
	refute grep -aq "$TEMPLATEDIR" "$STAGE$CGIBINDIR/index.fcgi"
	run env -i SECRET_KEY=0123456789abcdef0123456789abcdef \
	    SESSION_FILE_DIR="$BATS_TEST_TMPDIR/sessions" REQUEST_METHOD=GET \
	    "$STAGE$CGIBINDIR/index.fcgi"
	[ "$status" -eq 0 ]
	[[ "$output" == "Status: 200 OK"* ]]
	[[ "$output" == *"You are not logged in"* ]]
}

@test "sessile-keygen makes a 256-bit key in base64url, a new one each time" {
	a=$("$BUILDDIR/tools/sessile-keygen")
	b=$("$BUILDDIR/tools/sessile-keygen")
	[[ "$a" =~ ^[A-Za-z0-9_-]{43}$ ]]
	[ "$a" != "$b" ]
}

@test "make uninstall removes every file install put there" {
	stage2="$BATS_TEST_TMPDIR/stage2"
	make -s -C "$BUILDDIR" install DESTDIR="$stage2" >/dev/null
	[ -n "$(find "$stage2" -type f)" ]
	make -s -C "$BUILDDIR" uninstall DESTDIR="$stage2" >/dev/null
	run find "$stage2" -type f
	[ -z "$output" ] || { echo "left: $output"; false; }
	[ ! -d "$stage2$SESSIONDIR" ]
}

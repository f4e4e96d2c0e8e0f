#!/usr/bin/env bats
# The systemd units in conf/: a socket and a hardened service per program,
# filled with this build's paths and checked by systemd-analyze.

load http

setup() {
	command -v systemd-analyze >/dev/null ||
	    skip "systemd-analyze is not installed"
	U="$BATS_TEST_TMPDIR/units"
	mkdir -p "$U"
	instance units
	for p in index login logout; do
		fill "$SRCDIR/conf/sessile@.socket.in" "$U/sessile@$p.socket" \
		    units /
		fill "$SRCDIR/conf/sessile@.service.in" "$U/sessile@$p.service" \
		    units /
	done
}

@test "systemd-analyze verify accepts every socket and service, without a warning" {
	for p in index login logout; do
		run systemd-analyze verify --man=no "$U/sessile@$p.socket" \
		    "$U/sessile@$p.service"
		[ "$status" -eq 0 ]
		[ -z "$output" ] || { echo "$output"; false; }
	done
}

@test "systemd-analyze verify would notice a broken unit (the check is real)" {
	sed 's|^ExecStart=.*|ExecStart=/nonexistent/index.fcgi|' \
	    "$U/sessile@index.service" > "$U/sessile@broken.service"
	run systemd-analyze verify --man=no "$U/sessile@broken.service"
	[ "$status" -ne 0 ]
	sed 's|^NoNewPrivileges=yes|NoNewPrivileges=perhaps|' \
	    "$U/sessile@index.service" > "$U/sessile@typo.service"
	run systemd-analyze verify --man=no "$U/sessile@typo.service"
	[ -n "$output" ]
}

@test "the socket is the program's standard input, as libfcgi expects" {
	grep -qx 'StandardInput=socket' "$U/sessile@index.service"
	grep -qx "ExecStart=$BUILDDIR/cgi-bin/%i.fcgi" "$U/sessile@index.service"
	grep -qx "ListenStream=$H/units/run/sessile/%i.sock" "$U/sessile@index.socket"
}

@test "the service is hardened: systemd-analyze security rates it 1.5 or better" {
	run systemd-analyze security --offline=yes "$U/sessile@index.service"
	[ "$status" -eq 0 ]
	level=$(printf '%s\n' "$output" |
	    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	[ -n "$level" ]
	awk -v l="$level" 'BEGIN { exit !(l <= 1.5) }'
}

@test "the service runs as its own user and may write only the session directory" {
	grep -qx 'User=sessile' "$U/sessile@index.service"
	grep -qx 'NoNewPrivileges=yes' "$U/sessile@index.service"
	grep -qx 'ProtectSystem=strict' "$U/sessile@index.service"
	grep -qx "ReadWritePaths=$H/units/sessions" "$U/sessile@index.service"
	[ "$(grep -c '^ReadWritePaths=' "$U/sessile@index.service")" -eq 1 ]
}

#!/usr/bin/env bats
# The systemd units in conf/: a socket and a hardened service per program,
# and sessile-gc's service and timer, filled with this build's paths and
# checked by systemd-analyze.

load lib

setup() {
	command -v systemd-analyze >/dev/null ||
	    skip "systemd-analyze is not installed"
	U="$BATS_TEST_TMPDIR/units"
	mkdir -p "$U"
	instance units
	for p in index login logout; do
		fill_for_instance "$SRCDIR/conf/sessile@.socket.in" \
		    "$U/sessile@$p.socket" units /
		fill_for_instance "$SRCDIR/conf/sessile@.service.in" \
		    "$U/sessile@$p.service" units /
	done
	fill_for_instance "$SRCDIR/conf/sessile-gc.service.in" \
	    "$U/sessile-gc.service" units /
	cp "$SRCDIR/conf/sessile-gc.timer" "$U/sessile-gc.timer"
}

# exposure_at_most_1_5 SERVICE: systemd-analyze security rates it 1.5 or
# better.
exposure_at_most_1_5() {
	run systemd-analyze security --offline=yes "$1"
	[ "$status" -eq 0 ]
	level=$(printf '%s\n' "$output" |
	    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	[ -n "$level" ]
	awk -v l="$level" 'BEGIN { exit !(l <= 1.5) }'
}

# confined SERVICE: it runs as sessile, without new privileges, and may
# write the session directory only.
confined() {
	grep -qx 'User=sessile' "$1"
	grep -qx 'NoNewPrivileges=yes' "$1"
	grep -qx 'ProtectSystem=strict' "$1"
	grep -qx "ReadWritePaths=$H/units/sessions" "$1"
	[ "$(grep -c '^ReadWritePaths=' "$1")" -eq 1 ]
}

@test "systemd-analyze verify accepts every socket and service, without a warning" {
	for p in index login logout; do
		run systemd-analyze verify --man=no "$U/sessile@$p.socket" \
		    "$U/sessile@$p.service"
		[ "$status" -eq 0 ]
		[ -z "$output" ] || { echo "$output"; false; }
	done
}

@test "systemd-analyze verify accepts sessile-gc's timer and service, without a warning" {
	run systemd-analyze verify --man=no "$U/sessile-gc.timer" \
	    "$U/sessile-gc.service"
	[ "$status" -eq 0 ]
	[ -z "$output" ] || { echo "$output"; false; }
	refute grep -n '@[a-z]*@' "$U/sessile-gc.service"
}

@test "systemd-analyze verify would notice a broken sessile-gc unit" {
	sed 's|^OnCalendar=.*|OnCalendar=every quarter hour|' \
	    "$U/sessile-gc.timer" >"$U/typo.timer"
	cp "$U/sessile-gc.service" "$U/typo.service"
	run systemd-analyze verify --man=no "$U/typo.timer" "$U/typo.service"
	[ "$status" -ne 0 ]
	sed 's|^ExecStart=[^ ]*|ExecStart=/nonexistent/sessile-gc|' \
	    "$U/sessile-gc.service" >"$U/broken.service"
	run systemd-analyze verify --man=no "$U/broken.service"
	[ "$status" -ne 0 ]
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

@test "the service runs four processes on its socket (SESSILE_WORKERS=4)" {
	grep -qx 'Environment=SESSILE_WORKERS=4' "$U/sessile@index.service"
}

@test "the service is hardened: systemd-analyze security rates it 1.5 or better" {
	exposure_at_most_1_5 "$U/sessile@index.service"
}

@test "the service runs as its own user and may write only the session directory" {
	confined "$U/sessile@index.service"
}

@test "sessile-gc runs every 15 minutes at a random moment, as sessile, writing only the session directory" {
	grep -qx 'OnCalendar=\*:0/15' "$U/sessile-gc.timer"
	grep -qx 'RandomizedDelaySec=5min' "$U/sessile-gc.timer"
	grep -qx 'Type=oneshot' "$U/sessile-gc.service"
	grep -qx "ExecStart=$BUILDDIR/tools/sessile-gc -d $H/units/sessions" \
	    "$U/sessile-gc.service"
	confined "$U/sessile-gc.service"
}

@test "sessile-gc's service is hardened: systemd-analyze security rates it 1.5 or better" {
	exposure_at_most_1_5 "$U/sessile-gc.service"
}

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

teardown() {
	local pid
	# A program under strace is the tracer's child: stopped first.
	for pid in $(cat "$H/pids" 2>/dev/null); do
		pkill -TERM -P "$pid" 2>/dev/null || true
	done
	stop_servers
}

# ---- The system call filter, against what the programs really call ----------

# syscalls_of NAME...: the system calls NAME (a call, or a @group, which
# systemd-analyze expands, groups in groups too) stands for, one a line.
syscalls_of() {
	local n m
	for n; do
		case $n in
		@*)
			systemd-analyze syscall-filter "$n" | sed '1d; s/#.*//' |
			    while read -r m; do
				[ -z "$m" ] || syscalls_of "$m"
			done
			;;
		*) echo "$n" ;;
		esac
	done
}

# allowed_by UNIT: the system calls UNIT's SystemCallFilter= lines let
# through, sorted: those of its allow-lists less those of its "~"
# deny-lists (any other is answered by SIGSYS, and the process dies).
# That is systemd's reading for the units' shape, allow-lists first; an
# empty SystemCallFilter= (a reset) or an allow-list after a deny-list
# would need more.
allowed_by() {
	local v
	# shellcheck disable=SC2086
	sed -n 's/^SystemCallFilter=//p' "$1" | while read -r v; do
		case $v in
		\~*) syscalls_of ${v#\~} | sed 's/^/-/' ;;
		*) syscalls_of $v | sed 's/^/+/' ;;
		esac
	done >"$BATS_TEST_TMPDIR/filter"
	comm -23 <(sed -n 's/^+//p' "$BATS_TEST_TMPDIR/filter" | sort -u) \
	    <(sed -n 's/^-//p' "$BATS_TEST_TMPDIR/filter" | sort -u)
}

# refused_by UNIT TRACE...: the calls in strace's TRACEs (-f -o) that
# UNIT's filter would not let through, one a line; nothing when none.
refused_by() {
	local unit=$1
	shift
	comm -23 <(sed -nE 's/^[0-9]+ +([a-z0-9_]+)\(.*/\1/p
	    s/^[0-9]+ +<\.\.\. ([a-z0-9_]+) resumed>.*/\1/p' "$@" | sort -u) \
	    <(allowed_by "$unit")
}

# The unit kills a program that makes a call its SystemCallFilter does
# not allow: only a real systemd would show it, so each program runs
# under strace here, from its start through a login, the page, a logout
# and its stop by SIGTERM (with its workers), behind lighttpd, and so
# does sessile-gc; every call traced must be one the unit allows.
@test "every system call of the programs and sessile-gc, start to stop, is one their units' SystemCallFilter allows" {
	for c in strace lighttpd curl "${SPAWN_FCGI:-spawn-fcgi}"; do
		command -v "$c" >/dev/null || skip "$c is not installed"
	done
	# The sanitizers' runtime makes calls of its own (ptrace, for the
	# leak check at exit) that no release build makes.
	if ldd "$BUILDDIR/cgi-bin/index.fcgi" | grep -q 'libasan\|libubsan'; then
		skip "a sanitizer build"
	fi
	# The programs first, so that lighttpd finds them up (it takes a
	# missing socket as a backend down); a key of their own, which
	# start_lighttpd does not make again.
	instance traced
	d=$H/traced
	key=$BATS_TEST_TMPDIR/key
	cp "$d/secret_key" "$key"
	for p in index login logout; do
		env -i PATH="$PATH" SECRET_KEY_FILE="$key" \
		    SESSION_FILE_DIR="$d/sessions" APPLICATION_ROOT=/ \
		    SESSILE_WORKERS=2 "${SPAWN_FCGI:-spawn-fcgi}" \
		    -s "$d/run/sessile/$p.sock" -P "$d/run/$p.pid" -- \
		    "$(command -v strace)" -f -qq -o "$d/trace-$p" \
		    "$BUILDDIR/cgi-bin/$p.fcgi" >"$d/logs/spawn-$p.log" 2>&1
		remember "$(cat "$d/run/$p.pid")"
	done
	start_lighttpd traced "$SRCDIR/conf/lighttpd-external.conf.in" /
	check_flow traced /
	for p in index login logout; do
		tracer=$(cat "$d/run/$p.pid")
		kill -TERM "$(pgrep -P "$tracer")"
		for _ in $(seq 50); do
			kill -0 "$tracer" 2>/dev/null || break
			sleep 0.1
		done
		! kill -0 "$tracer" 2>/dev/null || fail "$p did not stop"
	done
	grep -q 'accept' "$d/trace-login" || fail "no accept traced"
	# sessile-gc with something to do: an expired session, a live one,
	# a corrupt one and a crashed writer's temporary file.
	printf 'sessile 1\nexpires 1\ndata username=x\nend\n' \
	    >"$d/sessions/$(printf '%064d' 1)"
	printf 'sessile 1\nexpires %s\ndata username=x\nend\n' \
	    $((EPOCHSECONDS + 3600)) >"$d/sessions/$(printf '%064d' 2)"
	echo garbage >"$d/sessions/$(printf '%064d' 3)"
	touch -d '-2 hours' "$d/sessions/.tmp-$(printf '%064d' 4)-0011223344556677"
	chmod 0600 "$d"/sessions/*
	run env -i PATH="$PATH" "$(command -v strace)" -f -qq \
	    -o "$d/trace-gc" "$BUILDDIR/tools/sessile-gc" -v -d "$d/sessions"
	assert_equal "$output" "sessile-gc: 3 files, 1 expired removed, 1 corrupt kept, 1 temporary removed"
	run refused_by "$U/sessile@index.service" "$d"/trace-{index,login,logout}
	[ -z "$output" ] || fail "the programs call what the unit refuses: $output"
	run refused_by "$U/sessile-gc.service" "$d/trace-gc"
	[ -z "$output" ] || fail "sessile-gc calls what its unit refuses: $output"
	# The check is real: a filter without @network-io refuses accept.
	echo 'SystemCallFilter=~@network-io' |
	    cat "$U/sessile@index.service" - >"$U/narrow.service"
	run refused_by "$U/narrow.service" "$d/trace-login"
	[[ "$output" == *accept* ]] || fail "a narrower filter went unnoticed: $output"
}

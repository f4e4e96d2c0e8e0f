#!/usr/bin/env bats
# bench/compare, run for a second a line.  The benchmark is no test: it
# prints figures, and no timing is asserted here.  But what it compares
# must hold, or its figures mean nothing: every application serves
# sessile's very page, answers every request of every scenario, the
# anonymous GET / of sessile writes no file and sends nothing to Redis,
# a logged-in one is one round trip, and both sessile stores are measured
# as they grow.

load lib

setup() {
	skip_if_missing
}

setup_file() {
	require lighttpd wrk curl hyperfine php-fpm8.2 php-cgi gunicorn \
	    redis-server redis-benchmark || return 0
	# The Redis lines, in a build with the Redis store (make distcheck
	# builds one without).
	export ON_REDIS=
	grep -qx '#define HAVE_REDIS 1' "$BUILDDIR/config.h" && ON_REDIS=1
	# PORT: the first of ten in a row.
	PORT=$(free_port) SESSIONS=3 RUNS=5 BENCH_DIR=$BATS_FILE_TMPDIR \
	    STORE_SIZES="50 200" \
	    BUILDDIR=$BUILDDIR "$SRCDIR/bench/compare" 1 \
	    >"$BATS_FILE_TMPDIR/out" 2>&1
	echo $? >"$BATS_FILE_TMPDIR/status"
}

# row SCENARIO APP: the figures of one line of the table.
row() {
	grep "^$1 *$2 " "$BATS_FILE_TMPDIR/out"
}

@test "bench/compare runs to its end and leaves no process or file behind" {
	cat "$BATS_FILE_TMPDIR/out"
	assert_equal "$(cat "$BATS_FILE_TMPDIR/status")" 0
	run grep -c 'left out\|DIFFERS\|lacks\|failed' "$BATS_FILE_TMPDIR/out"
	if [ -n "$ON_REDIS" ]; then
		assert_equal "$output" 0
	else
		assert_equal "$output" 1
		grep -q '^# s-redis, php-redis, php-rlock, f-redis: this build has no Redis store: left out$' \
		    "$BATS_FILE_TMPDIR/out"
	fi
	[ -z "$(find "$BATS_FILE_TMPDIR" -maxdepth 1 -name 'sessile-bench.*')" ]
	run pgrep -f "$BATS_FILE_TMPDIR/sessile-bench|bench/peers/flask"
	assert_failure
}

@test "every application serves sessile's logged-in page, byte for byte" {
	local a
	for a in ceiling static php flask ${ON_REDIS:+s-redis php-redis php-rlock f-redis}; do
		grep -q "^#   $a: the same [0-9]* bytes$" "$BATS_FILE_TMPDIR/out" ||
		    fail "$a: not sessile's page"
	done
}

# line SCENARIO APP: the figures of one line, in $1 (the app) to ${11}
# (errors), checked whole and without errors.
line() {
	set -- $(row "$1" "$2" | sed "s|^$1||")
	[ "$#" -eq 11 ] || return 1
	[ "${11}" = 0 ] || return 1
	FIG=("$@")
}

@test "every scenario has a line for each application, each without errors" {
	local s a n=0
	for s in "GET /, one session" "GET /, 3 sessions" "GET /, no cookie"; do
		for a in sessile ceiling static php flask \
		    ${ON_REDIS:+s-redis php-redis php-rlock f-redis}; do
			line "$s" "$a" || fail "no line, or errors, for $s, $a"
			[ "${FIG[1]}" -gt 0 ] || fail "$s, $a: no requests"
			n=$((n + 1))
		done
	done
	for s in "POST /login" "login, GET /, logout"; do
		for a in sessile php flask \
		    ${ON_REDIS:+s-redis php-redis php-rlock f-redis}; do
			line "$s" "$a" || fail "no line, or errors, for $s, $a"
			n=$((n + 1))
		done
	done
	assert_equal "$n" $((ON_REDIS ? 41 : 21))
}

@test "sessile's GET / without a cookie adds no file; its logins add files" {
	line "GET /, no cookie" sessile
	assert_equal "${FIG[9]}" 0
	line "POST /login" sessile
	[ "${FIG[9]}" -gt 0 ]
}

@test "on Redis: no round trip without a cookie, one logged in, a key a login" {
	[ -n "$ON_REDIS" ] || skip "this build has no Redis store"
	line "GET /, no cookie" s-redis
	assert_equal "${FIG[8]}" 0.00
	assert_equal "${FIG[9]}" 0
	# One round trip a read; a sliding refresh now and then adds one.
	line "GET /, one session" s-redis
	awk -v t="${FIG[8]}" 'BEGIN { exit !(t >= 1 && t < 1.05) }' ||
	    fail "round trips a logged-in read: ${FIG[8]}"
	line "POST /login" s-redis
	[ "${FIG[9]}" -gt 0 ]
	grep -q '^  SET: [0-9.]* requests per second' "$BATS_FILE_TMPDIR/out"
	grep -q '^  GET: [0-9.]* requests per second' "$BATS_FILE_TMPDIR/out"
}

@test "both sessile stores are measured as they grow, each size filled" {
	local s a
	for s in "GET /, 50 stored" "POST /login, 50 stored" \
	    "GET /, 200 stored" "POST /login, 200 stored"; do
		for a in sessile ${ON_REDIS:+s-redis}; do
			line "$s" "$a" || fail "no line, or errors, for $s, $a"
		done
	done
	[ -z "$ON_REDIS" ] ||
	    grep -q '^#   s-redis at 200 / at 50 stored: GET / [0-9.]*, POST /login [0-9.]*' \
	    "$BATS_FILE_TMPDIR/out"
}

@test "a fresh process is timed for each program, its answer checked" {
	local l
	for l in "hello world (C)" "sessile index, no cookie" \
	    "sessile index, logged in" "sessile login form" \
	    "php-cgi index.php, no cookie" "php-cgi index.php, logged in" \
	    "php-cgi login.php form"; do
		grep -q "^  $l  *[0-9.]* ms$" "$BATS_FILE_TMPDIR/out" ||
		    fail "no time for $l"
	done
}

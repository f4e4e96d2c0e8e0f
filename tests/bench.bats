#!/usr/bin/env bats
# bench/compare, run for a second a line.  The benchmark is no test: it
# prints figures, and no timing is asserted here.  But what it compares
# must hold, or its figures mean nothing: every application serves
# sessile's very page, answers every request of every scenario, and the
# anonymous GET / of sessile writes no file.

load lib

setup() {
	skip_if_missing
}

setup_file() {
	require lighttpd wrk curl hyperfine php-fpm8.2 php-cgi gunicorn ||
	    return 0
	# PORT: the first of five in a row.
	PORT=$(free_port) SESSIONS=3 RUNS=5 BENCH_DIR=$BATS_FILE_TMPDIR \
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
	assert_equal "$output" 0
	[ -z "$(find "$BATS_FILE_TMPDIR" -maxdepth 1 -name 'sessile-bench.*')" ]
	run pgrep -f "$BATS_FILE_TMPDIR/sessile-bench|bench/peers/flask"
	assert_failure
}

@test "every application serves sessile's logged-in page, byte for byte" {
	local a
	for a in ceiling static php flask; do
		grep -q "^#   $a: the same [0-9]* bytes$" "$BATS_FILE_TMPDIR/out" ||
		    fail "$a: not sessile's page"
	done
}

@test "every scenario has a line for each application, each without errors" {
	local s a n=0
	for s in "GET /, one session" "GET /, 3 sessions" "GET /, no cookie"; do
		for a in sessile ceiling static php flask; do
			set -- $(row "$s" "$a" | sed "s|^$s||")
			[ "$#" -eq 9 ] || fail "no line for $s, $a"
			[ "$9" = 0 ] || fail "$s, $a: $9 errors"
			[ "$2" -gt 0 ] || fail "$s, $a: no requests"
			n=$((n + 1))
		done
	done
	for s in "POST /login" "login, GET /, logout"; do
		for a in sessile php flask; do
			set -- $(row "$s" "$a" | sed "s|^$s||")
			[ "$#" -eq 9 ] || fail "no line for $s, $a"
			[ "$9" = 0 ] || fail "$s, $a: $9 errors"
			n=$((n + 1))
		done
	done
	assert_equal "$n" 21
}

@test "sessile's GET / without a cookie adds no file; its logins add files" {
	set -- $(row "GET /, no cookie" sessile | sed 's|^GET /, no cookie||')
	assert_equal "$8" 0
	set -- $(row "POST /login" sessile | sed 's|^POST /login||')
	[ "$8" -gt 0 ]
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

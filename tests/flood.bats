#!/usr/bin/env bats
# flood.bats: anyone can send logins, and nothing may let them fill the
# session store.  DESIGN.md, Sessions: a flood of logins can never fill
# the disk; new sessions are refused with 503 once the store's
# filesystem is down to SESSION_FILE_RESERVE; existing sessions and
# logout keep working; repeated identical log lines are rate limited.
#
# - Through lighttpd, the programs spawned by it as FastCGI (the shipped
#   conf/lighttpd-fastcgi.conf.in: two login workers): in setup_file, wrk
#   sends FLOOD logins as fast as it can, all with one CSRF token, to a
#   store on a tmpfs of FLOOD_INODES inodes; the tests then look at what
#   the flood left.  Its figures (files a second until the reserve, the
#   time the reserve took to reach, lines logged) go to the test's log.
# - As plain CGI: a tmpfs just above its reserve, SESSION_FILE_RESERVE=0,
#   and a login's short first lifetime.
#
# Mounting a tmpfs needs root (as in CI); without it the tests skip.

load lib

# FLOOD logins against FLOOD_INODES inodes (and 8 KiB of tmpfs an inode:
# inodes run out first).  Larger ones measure better: FLOOD=30000
# FLOOD_INODES=20000 bats tests/flood.bats
FLOOD=${FLOOD:-3000}
FLOOD_INODES=${FLOOD_INODES:-1000}

flood_dir() {
	REPLY=$H/flood/sessions
}

setup_file() {
	export FLOOD_SKIP=
	if [ "$(id -u)" -ne 0 ]; then
		FLOOD_SKIP="needs root to mount a tmpfs"
		return 0
	fi
	require lighttpd wrk curl || return 0
	flood_dir
	mkdir -p "$REPLY"
	mount -t tmpfs \
	    -o "mode=0700,size=$((FLOOD_INODES * 8))k,nr_inodes=$FLOOD_INODES" \
	    sessile-flood "$REPLY" || {
		FLOOD_SKIP="cannot mount a tmpfs here"
		return 0
	}
	start_lighttpd flood "$SRCDIR/conf/lighttpd-fastcgi.conf.in" /
	flood_run
}

teardown_file() {
	stop_servers
	flood_dir
	if mountpoint -q "$REPLY"; then
		umount "$REPLY" || umount -l "$REPLY"
	fi
}

setup() {
	common_setup
	MNT=
}

teardown() {
	if [ -n "$MNT" ] && mountpoint -q "$MNT"; then
		umount "$MNT" || umount -l "$MNT"
	fi
}

skip_unless_flood() {
	[ -z "$FLOOD_SKIP" ] || skip "$FLOOD_SKIP"
	skip_if_missing
}

# sample DIR OUT STOP: every 20 ms, "SECONDS FILES" (the time, and how
# many names DIR holds that start like a session's) to OUT, until STOP
# exists.
sample() {
	local f
	while [ ! -e "$3" ]; do
		f=("$1"/[0-9a-f]*)
		echo "$EPOCHREALTIME ${#f[@]}"
		sleep 0.02
	done >"$2"
}

# The flood, once for the tests below, in $H/flood/result:
#	alice, bob	cookies of two visitors logged in before it, who
#			followed the login's redirect; bob's expiry lags a
#			day, so that his next page rewrites his file
#	wrk		flood.lua's counts, and the seconds it took
#	before, after	session files before and after the flood
#	free, inodes	free and total inodes after it
#	lines		lines the programs logged during it, and log the lines
#	rate, reached	files a second until the reserve, and the seconds it
#			took to reach it
flood_run() {
	local d=$H/flood r=$H/flood/result base jar tok start n0 who spid
	mkdir -p "$r"
	base="$(url flood)/"
	for who in alice bob; do
		jar=$r/$who.jar
		login_as "$base" "$jar" "$who" >/dev/null
		curl -s -b "$jar" -c "$jar" "$base" >/dev/null
		jar_value "$jar" session >"$r/$who"
	done
	set_file_expires \
	    "$d/sessions/$(session_name_of_cookie "$(cat "$r/bob")")" \
	    $((EPOCHSECONDS + 2678400 - 86400))
	tok=$(token "$base" "$r/flood.jar")
	count_session_files "$d/sessions" >"$r/before"
	# The programs' stderr is lighttpd's own.
	n0=$(grep -c 'sessile\[' "$d/logs/stderr" || true)
	sample "$d/sessions" "$r/samples" "$r/stop" &
	spid=$!
	start=$EPOCHREALTIME
	wrk -t 1 -c 8 -d 60s --timeout 10s -s "$SRCDIR/tests/flood.lua" \
	    "$base" -- "$tok" "$FLOOD" >"$r/wrk"
	echo "seconds $(awk -v a="$start" -v b="$EPOCHREALTIME" \
	    'BEGIN { printf "%.2f", b - a }')" >>"$r/wrk"
	: >"$r/stop"
	wait "$spid"
	count_session_files "$d/sessions" >"$r/after"
	stat -f -c %d "$d/sessions" >"$r/free"
	stat -f -c %c "$d/sessions" >"$r/inodes"
	grep 'sessile\[' "$d/logs/stderr" | tail -n +$((n0 + 1)) \
	    >"$r/log" || true
	wc -l <"$r/log" >"$r/lines"
	# Files a second from the start to the first sample that holds as
	# many as the end, and the seconds that took.
	awk -v t0="$start" -v n0="$(cat "$r/before")" \
	    -v n1="$(cat "$r/after")" '
	    $2 >= n1 && !done { t = $1 - t0; done = 1 }
	    END {
		if (t <= 0) t = 0.001
		printf "%.0f\n%.2f\n", (n1 - n0) / t, t
	    }' "$r/samples" >"$r/rate-reached"
	sed -n 1p "$r/rate-reached" >"$r/rate"
	sed -n 2p "$r/rate-reached" >"$r/reached"
}

result() {
	cat "$H/flood/result/$1"
}

# flood_figure NAME: one of flood.lua's counts.
flood_figure() {
	wrk_figure "$1" "$H/flood/result/wrk"
}

# ---- A flood of logins through lighttpd ---------------------------------

@test "a flood of logins through lighttpd stops at the reserve: 5% of the inodes stay free, every login past it gets 503 with Retry-After" {
	skip_unless_flood
	{
		echo "# $(flood_figure answers) logins in" \
		    "$(flood_figure seconds) s: $(flood_figure made) made a" \
		    "session, $(flood_figure refused) got 503" \
		    "(the first after $(flood_figure first503) answers);" \
		    "$(result before) -> $(result after) session files," \
		    "$(result free) of $(result inodes) inodes free"
		echo "# $(result rate) files a second until the reserve," \
		    "reached in $(result reached) s; $(result lines) log" \
		    "line(s) written meanwhile"
	} >&3
	[ "$(flood_figure errors)" -eq 0 ]
	[ "$(flood_figure other)" -eq 0 ]
	[ "$(flood_figure answers)" -eq "$FLOOD" ]
	# It made sessions up to the reserve, and no further.
	[ "$(flood_figure made)" -gt 0 ]
	[ "$(flood_figure refused)" -gt 0 ]
	[ "$(flood_figure noretry)" -eq 0 ]
	# Each 303 made one file; the requests still on their way when wrk
	# exits (one a connection, 8) may land after the count.
	[ "$(($(result after) - $(result before)))" -ge "$(flood_figure made)" ]
	[ "$(($(result after) - $(result before)))" -le \
	    $(($(flood_figure made) + 8)) ]
	# 5% of the inodes: each of the two login workers may take the last
	# one above the reserve at the same moment.
	[ "$(($(result free) * 100 + 2 * 100))" -ge $(($(result inodes) * 5)) ]
	[ "$(($(result free) * 100))" -le $(($(result inodes) * 6)) ]
}

@test "after the flood a new login gets 503 with Retry-After, and the filesystem still takes another file" {
	skip_unless_flood
	run login_as "$(url flood)/" "$BATS_TEST_TMPDIR/jar" late
	[[ "$output" == "HTTP/1.1 503 "* ]]
	[[ "$output" == *$'\r\nRetry-After: 30\r\n'* ]]
	[[ "$output" != *"Set-Cookie: session="* ]]
	# An operator's file, or another program's, still fits.
	flood_dir
	touch "$REPLY/operator-file"
	rm "$REPLY/operator-file"
}

@test "after the flood existing sessions go on: names shown, an expiry moved forward, a logout" {
	skip_unless_flood
	local r=$H/flood/result f
	flood_dir
	run curl -s -H "Cookie: session=$(result alice)" "$(url flood)/"
	[[ "$output" == *"Logged in as <strong>alice</strong>"* ]]
	# Bob's page rewrites his file below the reserve: his expiry moves
	# forward by the day it lagged.
	f=$REPLY/$(session_name_of_cookie "$(result bob)")
	run curl -s -H "Cookie: session=$(result bob)" "$(url flood)/"
	[[ "$output" == *"Logged in as <strong>bob</strong>"* ]]
	[ "$(file_expires "$f")" -ge $((EPOCHSECONDS + 2678400 - 60)) ]
	run curl -s -D - -o /dev/null -b "$r/alice.jar" "$(url flood)/logout"
	[[ "$output" == "HTTP/1.1 303 "* ]]
	[[ "$output" == *"Set-Cookie: session=; "* ]]
	[ ! -e "$REPLY/$(session_name_of_cookie "$(result alice)")" ]
}

@test "the flood logged a handful of lines, not one per refusal" {
	skip_unless_flood
	echo "# the log of the flood:" >&3
	sed 's/^/#   /' "$H/flood/result/log" >&3
	grep -q 'down to its reserve (SESSION_FILE_RESERVE=5%)' \
	    "$H/flood/result/log"
	# A line, or two as the last files go in, and a count, per worker.
	[ "$(result lines)" -le 8 ]
}

# ---- Plain CGI -------------------------------------------------------------

# fill_inodes_to N: empty files on the tmpfs until N inodes are free.
fill_inodes_to() {
	local i=0
	while [ "$(stat -f -c %d "$MNT")" -gt "$1" ]; do
		: >"$MNT/filler-$i"
		i=$((i + 1))
	done
	assert_equal "$(stat -f -c %d "$MNT")" "$1"
}

@test "plain CGI, a filesystem just above its reserve: one login fills it, the next gets 503 naming the reserve" {
	# 5% of 40 inodes: a new file needs more than 2 free.
	mount_tmpfs size=1m,nr_inodes=40
	login alice
	ALICE=$SESSION
	fill_inodes_to 3
	login carol
	post_login username=dave
	assert_status 503
	assert_header Retry-After 30
	refute_set_cookie session
	assert_logged_once "$SESSION_FILE_DIR: filesystem down to its reserve (SESSION_FILE_RESERVE=5%): "
	assert_equal "$(stat -f -c %d "$MNT")" 2
	# Below the reserve Alice's session goes on, rewrites and all.
	cgi index GET "" HTTP_COOKIE="session=$ALICE"
	assert_logged_in_as alice
	assert_equal "$(log_lines)" 0
	cgi logout GET "" HTTP_COOKIE="session=$ALICE"
	assert_status 303
	assert_cookie_deleted session
}

@test "plain CGI, SESSION_FILE_RESERVE=0: logins take the filesystem to ENOSPC, then get 503 and one line naming it" {
	mount_tmpfs size=1m,nr_inodes=40
	CONFIG+=(SESSION_FILE_RESERVE=0)
	for i in $(seq 40); do
		post_login username=u$i
		[ "$CODE" = 303 ] || break
	done
	assert_status 503
	assert_header Retry-After 30
	assert_equal "$(stat -f -c %d "$MNT")" 0
	# The directory is named, not the temporary file (a new name each
	# time): every refusal logs the same line.
	assert_logged_once "cannot create a file in $SESSION_FILE_DIR: No space left on device"
}

@test "SESSION_FILE_RESERVE=51: 500 and one log line naming it" {
	CONFIG+=(SESSION_FILE_RESERVE=51)
	cgi login GET
	assert_status 500
	assert_logged_once 'SESSION_FILE_RESERVE: too large (0 to 50)'
}

# ---- A login's first lifetime ----------------------------------------------

@test "a login's file expires in ten minutes until its first page, which gives it the whole lifetime; the cookie has the whole lifetime at once" {
	now=$EPOCHSECONDS
	login alice
	assert_cookie_attr session Max-Age 2678400
	file=$SESSION_FILE_DIR/$(session_name_of_cookie "$SESSION")
	[ "$(file_expires "$file")" -ge $((now + 600)) ]
	[ "$(file_expires "$file")" -le $((EPOCHSECONDS + 600)) ]
	now=$EPOCHSECONDS
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as alice
	[ "$(file_expires "$file")" -ge $((now + 2678400)) ]
	[ "$(file_expires "$file")" -le $((EPOCHSECONDS + 2678400)) ]
}

@test "SESSION_REFRESH_EACH_REQUEST=false: the first page still gives the whole lifetime from the login, sends no cookie, and the next page writes nothing" {
	CONFIG+=(SESSION_REFRESH_EACH_REQUEST=false)
	login alice
	file=$SESSION_FILE_DIR/$(session_name_of_cookie "$SESSION")
	[ "$(file_expires "$file")" -le $((EPOCHSECONDS + 600)) ]
	# The login as if 100 s ago: without sliding expiry the session ends
	# a whole lifetime after the login, as its cookie does, not a whole
	# lifetime after its first page.
	touch -d "@$((EPOCHSECONDS - 100))" "$file"
	login_at=$(stat -c %Y "$file")
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as alice
	refute_set_cookie session
	assert_equal "$(file_expires "$file")" $((login_at + 2678400))
	before=$(stat -c '%i %Y' "$file")
	cp "$file" "$TMP/before"
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as alice
	assert_equal "$(stat -c '%i %Y' "$file")" "$before"
	cmp "$TMP/before" "$file"
}

@test "a lifetime under ten seconds has no first lifetime: a login's file lives the whole of it" {
	CONFIG+=(PERMANENT_SESSION_LIFETIME=3)
	now=$EPOCHSECONDS
	login alice
	file=$SESSION_FILE_DIR/$(session_name_of_cookie "$SESSION")
	[ "$(file_expires "$file")" -ge $((now + 3)) ]
}

@test "a login nobody follows ends with its first lifetime and sessile-gc removes it; one followed stays" {
	# A lifetime of 10 s: a first lifetime of 5.
	CONFIG+=(PERMANENT_SESSION_LIFETIME=10)
	login mallory
	MALLORY=$SESSION
	mallory_file=$SESSION_FILE_DIR/$(session_name_of_cookie "$MALLORY")
	login alice
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as alice
	alice_file=$SESSION_FILE_DIR/$(session_name_of_cookie "$SESSION")
	wait=$(($(file_expires "$mallory_file") - EPOCHSECONDS + 1))
	[ "$wait" -le 6 ]
	sleep "$wait"
	SESSION_FILE_DIR=$SESSION_FILE_DIR "$BUILDDIR/tools/sessile-gc"
	[ ! -e "$mallory_file" ]
	[ -e "$alice_file" ]
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as alice
}

#!/usr/bin/env bats
# fastcgi.bats: the same programs as long-lived FastCGI processes.  Each
# test starts one process per program with spawn-fcgi (-F 1: exactly one),
# the configuration in its environment, and talks to it with cgi-fcgi.
# One process serves many requests, so nothing of one request may show in
# the next.

load lib

setup() {
	common_setup
	REQUEST=fcgi
	start_fcgi index login logout
}

teardown() {
	stop_fcgi
}

# The process PID is the program PROG, still running.
assert_alive() {
	running "$2" || fail "$1 (pid $2) is gone" || return
	[ "/proc/$2/exe" -ef "$BUILDDIR/cgi-bin/$1.fcgi" ] ||
	    fail "pid $2 is not $1.fcgi but $(readlink "/proc/$2/exe")"
}

# When process PID started, in clock ticks since boot: a restarted
# process, even under a recycled pid, has another.
start_time() {
	local stat
	read -r stat <"/proc/$1/stat"
	stat=${stat##*) }
	set -- $stat
	printf '%s\n' "${20}"
}

# wait_logged PROG: up to 5 seconds for PROG, started with start_logged,
# to log a line with no request sent (it may start after spawn-fcgi has
# returned).
wait_logged() {
	local i
	for i in $(seq 50); do
		[ -s "$TMP/$1.stderr" ] && return 0
		sleep 0.1
	done
	fail "$1 logged nothing in 5 seconds"
}

# ---- One process -------------------------------------------------------

@test "spawn-fcgi -F 1 starts exactly one process per program" {
	for p in index login logout; do
		pid=PID_$p
		assert_alive "$p" "${!pid}"
		read_file "$TMP/spawn-$p.log"
		assert_regex "$REPLY" "PID: ${!pid}"
		n=$(grep -c 'child spawned successfully' "$TMP/spawn-$p.log")
		assert_equal "$n" 1
	done
}

@test "one index process answers 60 requests, and is the same process after them" {
	login alice
	started=$(start_time "$PID_index")
	for i in $(seq 30); do
		fcgi index GET "" HTTP_COOKIE="session=$SESSION"
		assert_logged_in_as alice
		fcgi index GET
		assert_anonymous
	done
	assert_alive index "$PID_index"
	assert_equal "$(start_time "$PID_index")" "$started"
}

@test "one login process answers 60 form posts, and is the same process after them" {
	started=$(start_time "$PID_login")
	for i in $(seq 30); do
		post_login "username=user$i"
		assert_status 303
	done
	assert_alive login "$PID_login"
	assert_equal "$(start_time "$PID_login")" "$started"
	assert_session_files 30
}

@test "login, the flash, index and logout work over FastCGI" {
	login alice
	fcgi index GET "" HTTP_COOKIE="session=$SESSION; session_flash=$FLASH"
	assert_logged_in_as alice
	assert_output --partial 'You are logged in.'
	assert_cookie_deleted session_flash
	post_form logout "" HTTP_COOKIE="session=$SESSION"
	assert_status 303
	assert_header Location /
	assert_cookie_deleted session
	assert_session_files 0
	flash=$(cookie_value session_flash)
	fcgi index GET "" HTTP_COOKIE="session=$SESSION; session_flash=$flash"
	assert_anonymous
	assert_output --partial 'You are logged out.'
}

@test "HEAD over FastCGI sends the headers of GET and no body" {
	fcgi index GET
	get=$HEADERS
	fcgi index HEAD
	assert_equal "$HEADERS" "$get"
	assert_equal "$BODY" ""
}

@test "other methods get 405 with Allow over FastCGI" {
	fcgi index DELETE
	assert_status 405
	assert_header Allow 'GET, HEAD'
	fcgi login PUT
	assert_status 405
	assert_header Allow 'GET, HEAD, POST'
}

@test "bad requests of every kind leave the same process serving" {
	login alice
	started=$(start_time "$PID_login")
	fcgi login POST 'username=%zz'
	fcgi login POST 'username=al%00ice'
	fcgi login POST 'username=al%FFice'
	fcgi login POST 'username=alice' CONTENT_LENGTH=abc
	fcgi login POST 'username=alice' CONTENT_LENGTH=99999999999999999999
	fcgi login POST 'username=alice' CONTENT_TYPE=application/json
	fcgi login POST "" HTTP_COOKIE="session=$(tamper "$SESSION" 50)"
	fcgi login POST "" HTTP_COOKIE="session=$SESSION; session=x"
	fcgi login GET "" HTTP_COOKIE="session_csrf=$(printf 'A%.0s' $(seq 300))"
	fcgi login BREW
	assert_alive login "$PID_login"
	assert_equal "$(start_time "$PID_login")" "$started"
	post_login username=bob
	assert_status 303
}

# ---- Nothing leaks from one request into the next ----------------------

@test "a logged-in request followed by one without a cookie shows the anonymous page" {
	login alice
	fcgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as alice
	fcgi index GET
	assert_anonymous
	refute_header Set-Cookie
}

@test "two visitors' requests interleaved on one process stay apart" {
	login alice
	alice=$SESSION
	login bob
	bob=$SESSION
	for i in 1 2 3; do
		fcgi index GET "" HTTP_COOKIE="session=$alice"
		assert_logged_in_as alice
		fcgi index GET "" HTTP_COOKIE="session=$bob"
		assert_logged_in_as bob
	done
}

@test "a request with a flash cookie followed by one without shows no flash" {
	login alice
	fcgi index GET "" HTTP_COOKIE="session=$SESSION; session_flash=$FLASH"
	assert_output --partial 'You are logged in.'
	fcgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as alice
	refute_output --partial 'class="flash"'
	refute_set_cookie session_flash
}

@test "the Set-Cookie headers of one answer are not repeated in the next" {
	post_login username=alice
	assert_status 303
	cookie_value session
	cookie_value session_flash
	fcgi login GET
	assert_status 200
	cookie_value session_csrf
	refute_set_cookie session
	refute_set_cookie session_flash
	fcgi login GET "" HTTP_COOKIE="session_csrf=$(cookie_value session_csrf)"
	assert_status 200
	refute_header Set-Cookie
}

@test "the session cookie refreshed for one visitor is not sent to the next" {
	login alice
	fcgi index GET "" HTTP_COOKIE="session=$SESSION; session_flash=$FLASH"
	cookie_value session
	assert_cookie_deleted session_flash
	fcgi index GET
	assert_anonymous
	refute_header Set-Cookie
}

@test "HTTPS=on in one request does not make the next request's cookies Secure" {
	fcgi login GET "" HTTPS=on
	assert_cookie_attr session_csrf Secure
	fcgi login GET
	refute_cookie_attr session_csrf Secure
}

@test "a POST body does not show in the next request" {
	post_login "username=$(printf 'x%.0s' $(seq 70))"
	assert_status 400
	assert_output --partial 'xxxxxxxxxx'
	fcgi login GET
	assert_status 200
	refute_output --partial 'xxxxxxxxxx'
	refute_output --partial 'class="error"'
	assert_output --partial 'name="username" type="text" value=""'
}

@test "a POST followed by a GET on the same process reads no body for the GET" {
	post_login username=alice
	assert_status 303
	fcgi index GET "" HTTP_COOKIE="session=$SESSION"
	fcgi login GET
	assert_status 200
	assert_login_form
}

@test "a 400 (malformed percent-encoding) is followed by a normal answer" {
	fcgi login POST 'username=%zz'
	assert_status 400
	post_login username=alice
	assert_status 303
	assert_session_files 1
}

@test "bytes after CONTENT_LENGTH are not part of the form, and the next request is normal" {
	fetch_csrf_token
	body="csrf_token=$CSRF&username=alice"
	fcgi login POST "$body&username=mallory" CONTENT_LENGTH="${#body}" \
	    HTTP_COOKIE="session_csrf=$CSRF"
	assert_status 303
	fcgi index GET "" HTTP_COOKIE="session=$(cookie_value session)"
	assert_logged_in_as alice
	post_login username=bob
	assert_status 303
}

@test "a 400 (body shorter than CONTENT_LENGTH) is followed by a normal answer" {
	post_login username=alice CONTENT_LENGTH=1000
	assert_status 400
	assert_output --partial 'shorter than its Content-Length'
	post_login username=alice
	assert_status 303
}

@test "a 413 with a large body left unread is followed by a normal answer" {
	fields="username=alice&pad=$(printf 'x%.0s' $(seq 20000))"
	post_login "$fields"
	assert_status 413
	post_login username=alice
	assert_status 303
}

@test "a 413 for an absurd CONTENT_LENGTH is followed by a normal answer" {
	fcgi login POST 'username=alice' CONTENT_LENGTH=99999999999999999999
	assert_status 413
	post_login username=alice
	assert_status 303
}

@test "a 415 is followed by a normal answer" {
	post_login username=alice CONTENT_TYPE=text/plain
	assert_status 415
	post_login username=alice
	assert_status 303
}

@test "a forged session cookie (not logged in, deleted) is followed by a normal answer" {
	login alice
	fcgi index GET "" HTTP_COOKIE="session=$(tamper "$SESSION" 50)"
	assert_anonymous
	assert_cookie_deleted session
	fcgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as alice
	refute_set_cookie session_flash
}

@test "a request without REQUEST_METHOD (400) is followed by a normal answer" {
	fcgi index ""
	assert_status 400
	fcgi index GET
	assert_anonymous
}

@test "a cross-site POST (403) is followed by a normal login" {
	post_login username=alice HTTP_SEC_FETCH_SITE=cross-site
	assert_status 403
	post_login username=alice
	assert_status 303
}

@test "one visitor's CSRF token is not handed to the next visitor" {
	fetch_csrf_token
	first=$CSRF
	fcgi login GET
	second=$(csrf_token)
	[ "$second" != "$first" ]
	assert_equal "$(cookie_value session_csrf)" "$second"
}

@test "one visitor's CSRF token does not log in another visitor" {
	fetch_csrf_token
	first=$CSRF
	fetch_csrf_token
	fcgi login POST "csrf_token=$first&username=mallory" \
	    HTTP_COOKIE="session_csrf=$CSRF"
	assert_status 403
	assert_session_files 0
}

@test "request parameters do not change the configuration read at start" {
	fetch_csrf_token
	fcgi login POST "csrf_token=$CSRF&username=alice" \
	    HTTP_COOKIE="session_csrf=$CSRF" \
	    SESSION_FILE_DIR="$TMP/elsewhere" APPLICATION_ROOT=/evil/ \
	    SESSION_COOKIE_NAME=evil SECRET_KEY=0123456789abcdef0123
	assert_status 303
	assert_header Location /
	cookie_value session
	[ ! -e "$TMP/elsewhere" ]
	assert_session_files 1
}

@test "a process started without SECRET_KEY answers 500 to every request and keeps running" {
	stop_fcgi
	unset SECRET_KEY
	start_fcgi index
	for i in 1 2 3; do
		fcgi index GET
		assert_status 500
	done
	assert_alive index "$PID_index"
}

# ---- A bad configuration ------------------------------------------------
#
# DESIGN: logged once when the program starts (before the first accept),
# naming the variable; then every request gets a 500.

@test "a process started with a bad variable logs one line naming it before any request" {
	stop_fcgi
	CONFIG+=(PERMANENT_SESSION_LIFETIME=abc)
	start_logged index
	wait_logged index
	assert_equal "$(logged_lines index)" 1
	read_file "$TMP/index.stderr"
	assert_regex "$REPLY" '^sessile\[index\]: .*PERMANENT_SESSION_LIFETIME'
	assert_alive index "$PID_index"
}

@test "a process started with a bad variable answers 500 to three requests and has still logged one line" {
	stop_fcgi
	CONFIG+=(SESSION_COOKIE_SAMESITE=Sometimes)
	start_logged login
	wait_logged login
	for i in 1 2 3; do
		fcgi login GET
		assert_status 500
	done
	assert_equal "$(logged_lines login)" 1
	assert_alive login "$PID_login"
}

@test "__Host-session with SESSION_COOKIE_SECURE unset: a request without HTTPS=on gets 500 and a line naming SESSION_COOKIE_NAME, the next with it the form" {
	stop_fcgi
	CONFIG+=(SESSION_COOKIE_NAME=__Host-session)
	start_logged login
	fcgi login GET
	assert_status 500
	assert_equal "$(logged_lines login)" 1
	read_file "$TMP/login.stderr"
	assert_regex "$REPLY" '^sessile\[login\]: .*SESSION_COOKIE_NAME'
	fcgi login GET "" HTTPS=on
	assert_status 200
	assert_cookie_attr __Host-session_csrf Secure
	assert_equal "$(logged_lines login)" 1
}

# ---- The session directory replaced while the processes run ------------

# The path of the session file of cookie value COOKIE in directory DIR:
# the hex SHA-256 of its id.
file_in() {
	local h
	h=$(printf '%s' "$(cookie_id "$2")" | sha256sum)
	printf '%s/%s\n' "$1" "${h%% *}"
}

# Alice logs in and is shown logged in: the login and index processes
# have the session directory open.  Sets ALICE.
alice_in() {
	login alice
	ALICE=$SESSION
	fcgi index GET "" HTTP_COOKIE="session=$ALICE"
	assert_logged_in_as alice
	[ -f "$(file_in "$SESSION_FILE_DIR" "$ALICE")" ]
}

# Bob logs in through the same processes and is shown logged in, and his
# session file is in the directory at SESSION_FILE_DIR now.
assert_bob_follows() {
	local started_login started_index
	started_login=$(start_time "$PID_login")
	started_index=$(start_time "$PID_index")
	login bob
	fcgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as bob
	[ -f "$(file_in "$SESSION_FILE_DIR" "$SESSION")" ] ||
	    fail "bob's session file is not in $SESSION_FILE_DIR" || return
	assert_alive login "$PID_login"
	assert_alive index "$PID_index"
	assert_equal "$(start_time "$PID_login")" "$started_login"
	assert_equal "$(start_time "$PID_index")" "$started_index"
}

@test "a session directory removed and made again while the processes run is followed" {
	alice_in
	rm -rf "$SESSION_FILE_DIR"
	install -d -m 0700 "$SESSION_FILE_DIR"
	assert_bob_follows
	assert_session_files 1
}

@test "a session directory moved aside and made again while the processes run is followed" {
	alice_in
	mv "$SESSION_FILE_DIR" "$TMP/sessions.old"
	install -d -m 0700 "$SESSION_FILE_DIR"
	assert_bob_follows
	[ ! -e "$(file_in "$TMP/sessions.old" "$SESSION")" ]
	assert_session_files 1
	# Alice's session went with the old directory.
	fcgi index GET "" HTTP_COOKIE="session=$ALICE"
	assert_anonymous
	[ -f "$(file_in "$TMP/sessions.old" "$ALICE")" ]
}

@test "a session directory moved aside while the processes run is made again 0700 and followed" {
	alice_in
	mv "$SESSION_FILE_DIR" "$TMP/sessions.old"
	assert_bob_follows
	[ ! -e "$(file_in "$TMP/sessions.old" "$SESSION")" ]
	assert_equal "$(stat -c %a "$SESSION_FILE_DIR")" 700
}

# ---- The lock file removed or replaced while the processes run ----------

# A process keeps .lock open from its first lock on.  tests/lockhold,
# started afterwards, opens the file the path names now and holds the
# lock of bob's session there: a login over bob's session through the
# running login process must wait for it.  Before the lock file was
# followed, that process locked the file it held and went straight on.
# (concurrency.bats shows the updates lost under load.)
assert_login_waits_for_lockhold() {
	local lock_pid lock_in line
	coproc LOCK { "$BUILDDIR/tests/lockhold" "$SESSION_FILE_DIR" \
	    "$(basename "$(file_in "$SESSION_FILE_DIR" "$BOB")")"; }
	lock_pid=$LOCK_PID lock_in=${LOCK[1]}
	read -r -t 10 line <&"${LOCK[0]}"
	[ "$line" = locked ]
	( login carol "session=$BOB" && echo "$CODE" ) > "$TMP/carol" &
	carol=$!
	sleep 1
	running "$carol" || fail "the login did not wait for the lock: $(cat "$TMP/carol")" ||
	    return
	[ ! -s "$TMP/carol" ]
	eval "exec $lock_in>&-"
	wait "$lock_pid"
	wait "$carol"
	assert_equal "$(cat "$TMP/carol")" 303
	[ ! -e "$(file_in "$SESSION_FILE_DIR" "$BOB")" ]
}

# Alice's login over nothing, then bob's over alice's session: the login
# process has taken a lock, and has .lock open.  Sets BOB.
login_locked() {
	login alice
	login bob "session=$SESSION"
	BOB=$SESSION
	[ -f "$SESSION_FILE_DIR/.lock" ]
}

@test "the lock file removed while the processes run: the next lock is taken on the new one" {
	login_locked
	rm "$SESSION_FILE_DIR/.lock"
	assert_login_waits_for_lockhold
}

@test "the lock file replaced while the processes run: the next lock is taken on the new one" {
	login_locked
	install -m 0600 /dev/null "$SESSION_FILE_DIR/.lock.new"
	mv "$SESSION_FILE_DIR/.lock.new" "$SESSION_FILE_DIR/.lock"
	assert_login_waits_for_lockhold
}

# ---- SESSILE_WORKERS: processes that share the listening socket --------
#
# DESIGN: for programs started outside the web server, SESSILE_WORKERS
# processes share the listening socket.  The process started becomes
# their supervisor (lib/workers.c).

# start_supervised PROG: PROG.fcgi on a listening socket made by
# spawn-fcgi -n, which execs the program in its own place: the program is
# this shell's child, and its exit status can be waited for.  Its
# standard error goes to $TMP/PROG.stderr.  Sets PORT_PROG and PID_PROG,
# and writes $TMP/PROG.pid for stop_fcgi.
start_supervised() {
	local prog=$1 port pid
	config_env
	for _ in 1 2 3 4 5; do
		port=$(free_port)
		env -i "${CONFIG_ENV[@]}" "$SPAWN_FCGI" -n -a 127.0.0.1 \
		    -p "$port" -- "$BUILDDIR/cgi-bin/$prog.fcgi" \
		    2>"$TMP/$prog.stderr" 3>&- &
		pid=$!
		for _ in $(seq 100); do
			[ "/proc/$pid/exe" -ef "$BUILDDIR/cgi-bin/$prog.fcgi" ] &&
			    break
			running "$pid" || break
			sleep 0.02
		done
		if [ "/proc/$pid/exe" -ef "$BUILDDIR/cgi-bin/$prog.fcgi" ]; then
			printf -v "PORT_$prog" '%s' "$port"
			printf -v "PID_$prog" '%s' "$pid"
			echo "$pid" >"$TMP/$prog.pid"
			return 0
		fi
		wait "$pid" || true	# the port was taken: again
	done
	fail "spawn-fcgi -n could not start $prog: $(cat "$TMP/$prog.stderr")"
}

# children PID: the pids of PID's child processes, one a line.
children() {
	pgrep -P "$1" || true
}

# wait_children PID N: up to three seconds for PID to have N children.
wait_children() {
	for _ in $(seq 60); do
		[ "$(children "$1" | wc -l)" -eq "$2" ] && return 0
		sleep 0.05
	done
	fail "pid $1 has $(children "$1" | wc -l) children, not $2:" \
	    "$(children "$1")"
}

# The socket a process has on fd 0.
socket_of() {
	readlink "/proc/$1/fd/0"
}

@test "SESSILE_WORKERS=3: three workers of the program share its listening socket and serve" {
	stop_fcgi
	CONFIG+=(SESSILE_WORKERS=3)
	start_supervised login
	wait_children "$PID_login" 3
	sock=$(socket_of "$PID_login")
	assert_regex "$sock" '^socket:'
	for w in $(children "$PID_login"); do
		assert_alive login "$w"
		assert_equal "$(socket_of "$w")" "$sock"
	done
	for i in 1 2 3 4 5 6; do
		post_login "username=user$i"
		assert_status 303
	done
	assert_session_files 6
}

@test "SESSILE_WORKERS=3: a worker killed with SIGKILL is replaced, and none inherits a store descriptor" {
	stop_fcgi
	CONFIG+=(SESSILE_WORKERS=3)
	start_supervised login
	wait_children "$PID_login" 3
	login alice
	victim=$(children "$PID_login" | head -n 1)
	kill -KILL "$victim"
	for _ in $(seq 60); do
		! children "$PID_login" | grep -qx "$victim" &&
		    [ "$(children "$PID_login" | wc -l)" -eq 3 ] && break
		sleep 0.05
	done
	wait_children "$PID_login" 3
	! children "$PID_login" | grep -qx "$victim" ||
	    fail "the killed worker $victim is still counted"
	read_file "$TMP/login.stderr"
	assert_regex "$REPLY" "worker [0-9]+ \\(pid $victim\\) killed by signal 9"
	# The supervisor never opens the store: what a worker locks is its own.
	for fd in /proc/"$PID_login"/fd/*; do
		case $(readlink "$fd") in
		"$SESSION_FILE_DIR"*) fail "the supervisor holds $(readlink "$fd")" ;;
		esac
	done
	for i in 1 2 3 4 5 6; do
		post_login "username=user$i"
		assert_status 303
	done
	assert_session_files 7
}

@test "SESSILE_WORKERS=3: SIGTERM to the supervisor stops every worker, and it exits 0" {
	stop_fcgi
	CONFIG+=(SESSILE_WORKERS=3)
	start_supervised login
	wait_children "$PID_login" 3
	workers=$(children "$PID_login")
	kill -TERM "$PID_login"
	for _ in $(seq 100); do
		running "$PID_login" || break
		sleep 0.05
	done
	! running "$PID_login" || fail "the supervisor is still running" ||
	    return
	st=0
	wait "$PID_login" || st=$?
	assert_equal "$st" 0
	for w in $workers; do
		for _ in $(seq 50); do
			running "$w" || break
			sleep 0.02
		done
		! running "$w" || fail "worker $w outlived its supervisor"
	done
}

# A worker that cannot serve: fd 0 a socket that is neither connected nor
# listening, which libfcgi takes for FastCGI and then cannot accept on.
@test "SESSILE_WORKERS: a worker that cannot serve is started again after pauses that double, not once a second for ever" {
	stop_fcgi
	CONFIG+=(SESSILE_WORKERS=2)
	config_env
	env -i "${CONFIG_ENV[@]}" python3 -c '
import os, socket, sys
s = socket.socket()
os.dup2(s.fileno(), 0)
fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
os.dup2(fd, 2)
os.execv(sys.argv[1], [sys.argv[1]])
' "$BUILDDIR/cgi-bin/index.fcgi" "$TMP/w.stderr" 3>&- &
	pid=$!
	sleep 4.5
	kill -TERM "$pid"
	wait "$pid" || true
	read_file "$TMP/w.stderr"
	assert_regex "$REPLY" 'worker 1 \(pid [0-9]+\) exited with status 0: starting another in 1000 ms'
	assert_regex "$REPLY" 'worker 1 \(pid [0-9]+\) exited with status 0: starting another in 2000 ms'
	n=$(grep -c 'worker 1 (pid' "$TMP/w.stderr")
	[ "$n" -le 3 ] || fail "worker 1 was started again $n times in 4.5 s"
}

@test "a bad SESSILE_WORKERS (0, 257, four) is refused at start, naming it; one process answers 500" {
	for v in 0 257 four; do
		stop_fcgi
		CONFIG=(SESSILE_WORKERS=$v)
		start_logged login
		wait_logged login
		assert_equal "$(logged_lines login)" 1
		read_file "$TMP/login.stderr"
		assert_regex "$REPLY" '^sessile\[login\]: .*SESSILE_WORKERS'
		fcgi login GET
		assert_status 500
		assert_alive login "$PID_login"
		assert_equal "$(children "$PID_login")" ""
	done
}

# ---- Sockets handed over the way systemd hands them (LISTEN_FDS) ----------

# listen_env VARS...: the index program as plain CGI (a GET), with VARS
# in its environment besides the configuration, LISTEN_PID its own pid
# when a VAR says LISTEN_PID=self; $status, $output (the answer), $LOG.
listen_env() {
	local v
	config_env
	envv=("${CONFIG_ENV[@]}" REQUEST_METHOD=GET)
	for v; do
		envv+=("$v")
	done
	# exec keeps the pid: LISTEN_PID=self is the program's own.
	run bash -c 'e=(); for v in "$@"; do e+=("${v/#LISTEN_PID=self/LISTEN_PID=$$}"); done
	    exec env -i "${e[@]}" "'"$BUILDDIR"'/cgi-bin/index.fcgi" 3<"'"$BUILDDIR"'/config.h" \
	    2>"'"$TMP"'/stderr" </dev/null' _ "${envv[@]}"
	read_file "$TMP/stderr"
	LOG=${REPLY%$'\n'}
}

@test "LISTEN_FDS that names no socket, or a descriptor 3 that is not a listening socket, is logged and changes nothing" {
	listen_env LISTEN_PID=self LISTEN_FDS=0
	[ "$status" -eq 0 ]
	[[ $output == *"You are not logged in"* ]]
	[[ $LOG == *"LISTEN_FDS=0: not a number of sockets: ignored"* ]]
	# fd 3 is a file here.
	listen_env LISTEN_PID=self LISTEN_FDS=1
	[ "$status" -eq 0 ]
	[[ $output == *"You are not logged in"* ]]
	[[ $LOG == *"descriptor 3 is not a listening stream socket: ignored"* ]]
	# Another process's: not this one's to take, and not a word.
	listen_env LISTEN_PID=1 LISTEN_FDS=1
	[ "$status" -eq 0 ]
	[[ $output == *"You are not logged in"* ]]
	[ -z "$LOG" ]
}

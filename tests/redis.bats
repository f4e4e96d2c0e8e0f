#!/usr/bin/env bats
# The Redis store (SESSION_TYPE=redis) against a real redis-server, one
# per test, on a free loopback port from the test's directory.
#
# - The whole flow as CGI, and the key layout: one key, SESSION_KEY_PREFIX
#   and the hash of the id, never the id; its TTL is the session's, moved
#   forward by the sliding expiry; a login over a session removes its key.
# - Anonymous pages never reach Redis.
# - No update lost: the counter example under spawn-fcgi with four
#   workers, 200 requests at once on one session.  A write that lost the
#   race changes nothing, and its view runs again on a fresh read: every
#   request is answered 200, each count from 2 to 201 once.  The same
#   check on a plain read-then-write with redis-cli (GET, then SET, no
#   script) finds counts twice; tests/fronts.bats does it with the
#   counter built on such a store.
# - Faults: Redis killed (503 with Retry-After, anonymous pages still 200,
#   then back without restarting the workers), stopped (503 within
#   SESSION_REDIS_TIMEOUT, never a hang), a wrong password (one log line,
#   without the password, 500), Redis at its limit of clients (503: waiting
#   mends it), a write whose answer was lost (sent again, made once).
# - Sentinel: a primary, a replica and three sentinels; the primary
#   killed, the same workers find the new one.  ROLE refused to the ACL
#   user is the set-up's fault (500).
#
# Skipped, saying why, in a build without the Redis store (configure
# --without-redis, or no hiredis) or without redis-server.

load lib

setup() {
	common_setup
	have_redis_store || skip "$REDIS_MISSING"
	EXTRA_PIDS=() SENTINEL_PIDS=()
	start_redis "$TMP/redis"
	CONFIG=(SESSION_TYPE=redis
	    "SESSION_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0")
}

teardown() {
	local pid
	[ -z "${held-}" ] || exec {held}>&-
	stop_fcgi
	stop_sentinels
	for pid in "${EXTRA_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	stop_redis
}

# redis_keys: the keys the server holds, one a line, sorted.
redis_keys() {
	rcli --scan | sort
}

# session_keys [PREFIX]: the keys of sessions (PREFIX, "session:" unless
# told, and a name), without the indexes.
session_keys() {
	redis_keys | grep -E "^${1:-session:}[0-9a-f]{64}\$" || true
}

@test "the flow as CGI: login, the name on /, logout ends it" {
	login alice
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as alice
	cgi logout GET "" HTTP_COOKIE="session=$SESSION"
	assert_status 303
	assert_cookie_deleted session
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_anonymous
	[ -z "$(redis_keys)" ]
}

@test "one key per session: the prefix and the id's hash, a TTL of the session's" {
	CONFIG+=(PERMANENT_SESSION_LIFETIME=3600)
	login bob
	# The first use after the login gives the whole lifetime.
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as bob
	name=$(session_name_of_cookie "$SESSION")
	user=session:user:$(printf %s bob | sha256sum | cut -c1-64)
	# The session, the index of all and its user's index: no more.
	assert_equal "$(redis_keys)" "$(printf '%s\n' "session:$name" \
	    session:all "$user" | sort)"
	keys=$(session_keys)
	[[ $keys =~ ^session:[0-9a-f]{64}$ ]]
	ttl=$(rcli ttl "$keys")
	[ "$ttl" -gt 3590 ]
	[ "$ttl" -le 3600 ]
	# Each index holds the session, scored by its expiry (ms); the
	# user's index lives as long as its last session.
	at=$(rcli pexpiretime "$keys")
	assert_equal "$(rcli zrange session:all 0 -1 withscores | tr '\n' ' ')" "$name $at "
	assert_equal "$(rcli zrange "$user" 0 -1 withscores | tr '\n' ' ')" "$name $at "
	assert_equal "$(rcli pexpiretime "$user")" "$at"
	# Neither the id nor its tag in any key or value.
	id=${SESSION%%.*}
	all=$(rcli --scan; rcli get "$keys")
	refute grep -qF "$id" <<<"$all"
	assert_log_hides "$SESSION"
}

@test "SESSION_KEY_PREFIX names every key" {
	CONFIG+=(SESSION_KEY_PREFIX=app1:s:)
	login carol
	name=$(session_name_of_cookie "$SESSION")
	assert_equal "$(redis_keys)" "$(printf '%s\n' "app1:s:$name" app1:s:all \
	    "app1:s:user:$(printf %s carol | sha256sum | cut -c1-64)" | sort)"
}

@test "anonymous GET / and GET /login send no command to Redis" {
	before=$(rcli info commandstats | grep -c '^cmdstat_' || true)
	rcli config resetstat >/dev/null
	cgi index GET ""
	assert_anonymous
	cgi login GET ""
	assert_status 200
	cgi index GET "" HTTP_COOKIE="session=not.a-session"
	assert_anonymous
	stats=$(rcli info commandstats | grep '^cmdstat_' | grep -v \
	    '^cmdstat_\(info\|config\)' || true)
	[ -z "$stats" ] || fail "Redis was asked: $stats (before: $before)"
	[ "$(rcli info clients | sed -n 's/^connected_clients:\([0-9]*\).*/\1/p')" -eq 1 ]
}

@test "a logged-in read is one round trip and writes nothing" {
	login dave
	cgi index GET "" HTTP_COOKIE="session=$SESSION"	# the first use
	rcli config resetstat >/dev/null
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as dave
	stats=$(rcli info commandstats | grep '^cmdstat_' |
	    grep -v '^cmdstat_\(info\|config\)' | cut -d: -f1 | sort | tr '\n' ' ')
	# In one round trip: TIME puts the session's times on one clock.
	assert_equal "$stats" "cmdstat_get cmdstat_pexpiretime cmdstat_time "
}

@test "a login over a session replaces its key: the old one is gone" {
	login henry
	old=$SESSION
	login henry "session=$old"
	refute [ "$SESSION" = "$old" ]
	name=$(session_name_of_cookie "$SESSION")
	assert_equal "$(session_keys)" "session:$name"
	# The indexes lost the old one in the same step.
	assert_equal "$(rcli zrange session:all 0 -1)" "$name"
	assert_equal "$(rcli zrange "session:user:$(printf %s henry |
	    sha256sum | cut -c1-64)" 0 -1)" "$name"
	cgi index GET "" HTTP_COOKIE="session=$old"
	assert_anonymous
}

@test "sliding expiry: a TTL that lags by over 1/64 of the lifetime is moved forward" {
	CONFIG+=(PERMANENT_SESSION_LIFETIME=6400)
	login iris
	cgi index GET "" HTTP_COOKIE="session=$SESSION"	# the first use
	key=session:$(session_name_of_cookie "$SESSION")
	# 400 s behind (1/64 is 100 s): the next read moves it forward.
	rcli expireat "$key" $(($(date +%s) + 6000)) >/dev/null
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as iris
	ttl=$(rcli ttl "$key")
	[ "$ttl" -gt 6390 ]
	[ "$ttl" -le 6400 ]
	# 50 s behind: within 1/64, a read leaves it.
	rcli expireat "$key" $(($(date +%s) + 6350)) >/dev/null
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	ttl=$(rcli ttl "$key")
	[ "$ttl" -le 6350 ]
}

# ---- Values others could write -------------------------------------------

# The value carries an HMAC of its key's name and its text under
# SECRET_KEY: whoever can write to the Redis, without the key, makes no
# session and moves none.
@test "SESSION_ABSOLUTE_LIFETIME=3: the key's TTL, the index's score and the cookie never go past the end; then the session has ended" {
	CONFIG+=(SESSION_ABSOLUTE_LIFETIME=3 PERMANENT_SESSION_LIFETIME=3600)
	login gail
	key=session:$(session_name_of_cookie "$SESSION")
	created=$(rcli get "$key" | sed -n 's/^created //p')
	[ "$(cookie_attr session Max-Age)" -le 3 ]
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as gail
	# The TTL is whole seconds from the write, on the server's clock:
	# the key may outlast the end by less than one (the session does not).
	[ "$(rcli pexpiretime "$key")" -lt $(((created + 4) * 1000)) ]
	[ "$(rcli zscore session:all "${key#session:}")" -lt $(((created + 4) * 1000)) ]
	assert_equal "$(rcli zscore session:all "${key#session:}")" \
	    "$(rcli pexpiretime "$key")"
	while [ "$EPOCHSECONDS" -lt $((created + 3)) ]; do
		sleep 0.2
	done
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_anonymous
	refute_set_cookie session
}

@test "a value not signed under the key is no session: changed, or moved to another key; one signed under a fallback still is" {
	login bob
	bob=$SESSION kb=session:$(session_name_of_cookie "$bob")
	login alice
	alice=$SESSION ka=session:$(session_name_of_cookie "$alice")
	# Changed: the user rewritten, the tag kept.
	v=$(rcli get "$kb")
	[[ "$v" == *"data username=bob"* ]]
	rcli set "$kb" "${v/username=bob/username=alice}" keepttl >/dev/null
	cgi index GET "" HTTP_COOKIE="session=$bob"
	assert_anonymous
	[[ $LOG == *"key $kb does not verify"* ]]
	assert_log_hides "$bob"
	# Moved: alice's value, tag and all, under mallory's key.
	login mallory
	km=session:$(session_name_of_cookie "$SESSION")
	rcli set "$km" "$(rcli get "$ka")" keepttl >/dev/null
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_anonymous
	[[ $LOG == *"key $km does not verify"* ]]
	# Alice herself is still alice.
	cgi index GET "" HTTP_COOKIE="session=$alice"
	assert_logged_in_as alice
	# The key rotated: a value signed under what is now a fallback
	# still verifies.
	old=$SECRET_KEY
	SECRET_KEY=$(random_key)
	CONFIG+=("SECRET_KEY_FALLBACKS=$old")
	cgi index GET "" HTTP_COOKIE="session=$alice"
	assert_logged_in_as alice
}

# ---- No update lost ---------------------------------------------------

# assert_each_once FILE: the counts in FILE (one a line) are distinct.
assert_each_once() {
	local dup
	dup=$(sort -n "$1" | uniq -d | tr '\n' ' ')
	[ -z "$dup" ] || fail "counts shown twice: $dup"
}

@test "200 increments at once through 4 workers: all answered, each count shown once, none lost" {
	start_counter
	fcgi counter GET ""
	cookie_value_of session
	c=$REPLY
	key=session:$(session_name_of_cookie "$c")
	assert_equal "$(stored_visits "$key")" 1
	counter_burst 200 "$c"
	# A write that lost the race ran its view again: no 503.
	assert_equal "$(grep -l '^Status: 200' "$TMP"/a/* | wc -l)" 200
	visits "$TMP"/a/* | sort -n > "$TMP/seen"
	diff <(seq 2 201) "$TMP/seen"
	assert_equal "$(stored_visits "$key")" 201
	assert_equal "$(logged_lines counter)" 0
}

# A logout's DEL compares nothing: the session must end.  A write that
# read the session before it finds it gone, and its view runs again on
# no session: the key never comes back.
@test "a logout racing 100 increments of its session: every answer a 200, and the session never comes back" {
	start_counter
	start_logged logout
	fcgi counter GET ""
	cookie_value_of session
	c=$REPLY
	key=session:$(session_name_of_cookie "$c")
	counter_burst 100 "$c" 3>&- &
	burst=$!
	EXTRA_PIDS+=("$burst")
	for _ in $(seq 200); do
		[ "$(grep -l '^Status: 200' "$TMP"/a/* 2>/dev/null |
		    wc -l)" -lt 10 ] || break
		sleep 0.01
	done
	fcgi logout GET "" HTTP_COOKIE="session=$c"
	assert_status 303
	wait "$burst"
	assert_equal "$(rcli exists "$key")" 0
	assert_equal "$(grep -l '^Status: 200' "$TMP"/a/* | wc -l)" 100
	# Some counted on in the session, some came after its end and
	# began one of their own: the logout landed within the burst.
	before=$(visits "$TMP"/a/* | grep -cvx 1 || true)
	after=$(visits "$TMP"/a/* | grep -cx 1 || true)
	echo "# $before increments before the logout, $after after" >&3
	((before > 0 && after > 0)) ||
	    fail "the logout was not within the burst: $before before, $after after"
	# Each of those began its own session; the old one is in none.
	for f in "$TMP"/a/*; do
		[ "$(visits "$f")" != 1 ] || [ -n "$(cookie_set "$f")" ] ||
		    fail "a count of 1 with no new session: $(cat "$f")"
	done
	assert_equal "$(logged_lines counter)" 0
}

# plain_increments KEY N: N increments at once of the session under KEY,
# each a GET then a SET with redis-cli: what a store without the script
# does.  Each writes the count it made to $TMP/p/I.
plain_increments() {
	local i
	local -a pids=()
	mkdir -p "$TMP/p"
	for i in $(seq "$2"); do
		(
			v=$(rcli get "$1")
			n=$(($(printf '%s\n' "$v" | sed -n 's/^data visits=//p') + 1))
			rcli set "$1" "${v/data visits=*([0-9])/data visits=$n}" \
			    keepttl >/dev/null
			echo "$n" > "$TMP/p/$i"
		) &
		pids+=($!)
	done
	wait "${pids[@]}"
}

@test "the same check on a plain read-then-write finds lost updates" {
	shopt -s extglob
	start_counter
	fcgi counter GET ""
	cookie_value_of session
	key=session:$(session_name_of_cookie "$REPLY")
	plain_increments "$key" 50
	cat "$TMP"/p/* > "$TMP/seen"
	kept=$(($(stored_visits "$key") - 1))
	echo "# plain GET then SET: $kept of 50 increments kept" >&3
	run assert_each_once "$TMP/seen"
	[ "$status" -ne 0 ]
	[ "$kept" -lt 50 ]
}

# The connection is closed after Redis ran the write and before its
# answer came back (tests/dropproxy): run() sends the write once more on a
# new connection, where the script finds its own nonce and succeeds.
# Without that check the second send fails as a conflict, the view runs
# again, and the count goes up by two.
@test "a write whose answer was lost is sent again on a new connection and made once" {
	require python3 || skip "$MISSING is not installed"
	pport=$(free_port)
	"$SRCDIR/tests/dropproxy" "$pport" "$REDIS_PORT" "$TMP/arm" 3>&- &
	EXTRA_PIDS+=($!)
	for _ in $(seq 100); do
		[ ! -s "$TMP/arm.pid" ] || break
		sleep 0.05
	done
	[ -s "$TMP/arm.pid" ] || fail "the proxy did not start"
	CONFIG=(SESSION_TYPE=redis
	    "SESSION_REDIS_URL=redis://127.0.0.1:$pport/0")
	start_counter 1
	fcgi counter GET ""
	cookie_value_of session
	c=$REPLY
	rcli config resetstat >/dev/null
	touch "$TMP/arm"
	fcgi counter GET "" HTTP_COOKIE="session=$c"
	[ ! -e "$TMP/arm" ] || fail "the proxy dropped no answer"
	assert_status 200
	# The script ran twice: once with its answer lost, once sent again.
	assert_equal "$(rcli info commandstats |
	    sed -n 's/^cmdstat_evalsha:calls=\([0-9]*\),.*/\1/p')" 2
	[[ "$BODY" == *"Visits: <strong>2</strong>"* ]]
	assert_equal "$(stored_visits "session:$(session_name_of_cookie "$c")")" 2
	assert_equal "$(logged_lines counter)" 0
}

# tests/rewriter changes the session's value without pause (each time
# with a new nonce, so each version differs and still verifies): every
# write of the counter finds another version than the one it read.  The
# view runs again, up to REPLAY_MAX (16) times more, then the request is
# answered 503 (waiting mends it), and none of its writes was made.
@test "a session changed by others between every read and write: 17 tries, then a 503 with Retry-After, one log line, nothing written" {
	require python3 || skip "$MISSING is not installed"
	start_counter 1
	fcgi counter GET ""
	cookie_value_of session
	c=$REPLY
	key=session:$(session_name_of_cookie "$c")
	"$SRCDIR/tests/rewriter" "$REDIS_PORT" "$key" "$TMP/stop" \
	    > "$TMP/rewrites" 3>&- &
	EXTRA_PIDS+=($!)
	for _ in $(seq 100); do
		[ ! -e "$TMP/stop.ready" ] || break
		sleep 0.05
	done
	[ -e "$TMP/stop.ready" ] || fail "the rewriter did not start"
	rcli config resetstat >/dev/null
	fcgi counter GET "" HTTP_COOKIE="session=$c"
	touch "$TMP/stop"
	assert_status 503
	header_value Retry-After
	[ -n "$REPLY" ]
	assert_equal "$(rcli info commandstats |
	    sed -n 's/^cmdstat_evalsha:calls=\([0-9]*\),.*/\1/p')" 17
	LOG=$(cat "$TMP/counter.stderr")
	assert_logged_once "changed by other requests between this one's read and its write, 17 times: nothing written"
	assert_log_hides "$c"
	assert_equal "$(stored_visits "$key")" 1
	# Left alone (the rewriter waits for Redis to run all it sent),
	# the same session counts on.
	wait "${EXTRA_PIDS[-1]}"
	fcgi counter GET "" HTTP_COOKIE="session=$c"
	[[ "$BODY" == *"Visits: <strong>2</strong>"* ]]
	assert_equal "$(stored_visits "$key")" 2
}

# ---- Ways to reach Redis ----------------------------------------------

# readme_acl: the ACL SETUSER line README gives, with PASSWORD as $1.
readme_acl() {
	sed -n 's/^ *ACL SETUSER sessile /ACL SETUSER sessile /p' \
	    "$SRCDIR/README.md" | sed "s|>PASSWORD|>$1|"
}

# The whole life of a session, each command of it: the form, a login
# over an old session (the script replacing its key), the first use (a
# touch), a logout; not one log line on the way (a command refused may
# only be logged: a touch that fails still serves the page).
whole_life() {
	REQUEST=cgi login "$1"
	[ -z "$LOG" ] || fail "logged: $LOG"
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as "$1"
	[ -z "$LOG" ] || fail "logged: $LOG"
	old=$SESSION
	REQUEST=cgi login "$1" "session=$old"
	[ -z "$LOG" ] || fail "logged: $LOG"
	[ "$SESSION" != "$old" ]
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as "$1"
	[ -z "$LOG" ] || fail "logged: $LOG"
	cgi index GET "" HTTP_COOKIE="session=$old"
	assert_anonymous
	cgi logout GET "" HTTP_COOKIE="session=$SESSION"
	assert_status 303
	[ -z "$LOG" ] || fail "logged: $LOG"
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_anonymous
	[ -z "$(redis_keys)" ]
}

@test "an ACL user with only README's rights: the whole flow works, nothing else is allowed" {
	line=$(readme_acl 's3cr%t/pw')
	[ -n "$line" ] || fail "README gives no ACL SETUSER line"
	# shellcheck disable=SC2086
	assert_equal "$(rcli $line)" OK
	CONFIG=(SESSION_TYPE=redis
	    "SESSION_REDIS_URL=redis://sessile:s3cr%25t%2Fpw@127.0.0.1:$REDIS_PORT/0")
	whole_life erin
	# The user may touch nothing outside its prefix, nor run anything
	# sessile does not.
	run redis-cli -p "$REDIS_PORT" --user sessile --pass 's3cr%t/pw' \
	    get other:key
	[[ "$output" == *NOPERM* ]]
	run redis-cli -p "$REDIS_PORT" --user sessile --pass 's3cr%t/pw' \
	    flushall
	[[ "$output" == *NOPERM* ]]
}

@test "a Unix socket: unix:///path?db=N, the whole flow in that database" {
	stop_redis
	start_redis "$TMP/redis-unix" "unixsocket $TMP/redis-unix/redis.sock" \
	    "unixsocketperm 700"
	CONFIG=(SESSION_TYPE=redis
	    "SESSION_REDIS_URL=unix://$TMP/redis-unix/redis.sock?db=5")
	REQUEST=cgi login frank
	# The session and its two indexes.
	assert_equal "$(rcli -n 5 dbsize)" 3
	assert_equal "$(rcli -n 0 dbsize)" 0
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as frank
	cgi logout GET "" HTTP_COOKIE="session=$SESSION"
	assert_equal "$(rcli -n 5 dbsize)" 0
}

@test "FastCGI: SELECT refused (a database past the server's) is a 500 and a log line, never another database" {
	CONFIG=(SESSION_TYPE=redis
	    "SESSION_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/40")
	start_logged index
	start_logged login
	fetch_csrf_token
	for _ in 1 2 3; do
		fcgi login POST "csrf_token=$CSRF&username=gina" \
		    HTTP_COOKIE="session_csrf=$CSRF"
		assert_status 500
	done
	[ -z "$(redis_keys)" ]
	assert_equal "$(rcli -n 0 dbsize)" 0
	grep -q 'SELECT refused.*DB index is out of range' "$TMP/login.stderr"
	# The same line again is counted, not repeated (log.c).
	assert_equal "$(logged_lines login)" 1
}

# ---- Faults -------------------------------------------------------------

@test "Redis killed: 503 with Retry-After at once, anonymous pages 200, then back without restarting the workers" {
	start_fcgi index login
	REQUEST=fcgi login erin
	fcgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as erin
	port=$REDIS_PORT
	kill -9 "$REDIS_PID"
	wait "$REDIS_PID" 2>/dev/null || true
	REDIS_PID=
	t0=$(date +%s%N)
	fcgi index GET "" HTTP_COOKIE="session=$SESSION"
	t1=$(date +%s%N)
	assert_status 503
	header_value Retry-After
	[ -n "$REPLY" ]
	[ $(((t1 - t0) / 1000000)) -lt 2000 ]
	fcgi index GET ""
	assert_anonymous
	fcgi login GET ""
	assert_status 200
	# The same port again, an empty server: the session is gone, the
	# workers reconnect and a new login works.
	start_redis_on "$port"
	fcgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_anonymous
	REQUEST=fcgi login erin
	fcgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as erin
}

# start_redis_on PORT: start_redis again on the port it had.
start_redis_on() {
	{
		printf '%s\n' "port $1" "bind 127.0.0.1" "dir $TMP/redis" \
		    'save ""' "appendonly no" "daemonize no" \
		    "logfile $TMP/redis/redis.log"
	} > "$TMP/redis/redis.conf"
	redis-server "$TMP/redis/redis.conf" 3>&- &
	REDIS_PID=$!
	REDIS_PORT=$1
	for _ in $(seq 100); do
		rcli ping 2>/dev/null | grep -qx PONG && return 0
		sleep 0.02
	done
	fail "redis-server did not start again on $1"
}

@test "Redis stopped (SIGSTOP): 503 within SESSION_REDIS_TIMEOUT, never a hang" {
	CONFIG+=(SESSION_REDIS_TIMEOUT=300)
	start_fcgi index login
	REQUEST=fcgi login frank
	kill -STOP "$REDIS_PID"
	t0=$(date +%s%N)
	fcgi index GET "" HTTP_COOKIE="session=$SESSION"
	t1=$(date +%s%N)
	kill -CONT "$REDIS_PID"
	assert_status 503
	ms=$(((t1 - t0) / 1000000))
	echo "# answered in $ms ms" >&3
	# One command timed out (300 ms), and once more on a new
	# connection, whose connect is as bounded.
	[ "$ms" -lt 1500 ]
	fcgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as frank
}

@test "a wrong password: 500, and one log line without the password" {
	rcli config set requirepass right-password-1 >/dev/null
	CONFIG=(SESSION_TYPE=redis
	    "SESSION_REDIS_URL=redis://:wrong-password-2@127.0.0.1:$REDIS_PORT")
	cgi login GET ""
	assert_status 200
	post_login "username=gina"
	assert_equal "$CODE" 500
	assert_logged_once "AUTH refused"
	[[ $LOG != *wrong-password-2* ]]
	# The right one works.
	CONFIG=(SESSION_TYPE=redis
	    "SESSION_REDIS_URL=redis://:right-password-1@127.0.0.1:$REDIS_PORT")
	login gina
	rcli -a right-password-1 --no-auth-warning --scan | grep -q '^session:'
}

@test "Redis at its limit of clients: a 503 with Retry-After (waiting mends it), never a 500; then served again" {
	line=$(readme_acl pw-limit)
	# shellcheck disable=SC2086
	assert_equal "$(rcli $line)" OK
	CONFIG=(SESSION_TYPE=redis
	    "SESSION_REDIS_URL=redis://sessile:pw-limit@127.0.0.1:$REDIS_PORT/0")
	assert_equal "$(rcli config set maxclients 1)" OK
	# The one client Redis now takes: this shell's (once the client
	# that set the limit is freed, at the end of the server's turn).
	for _ in $(seq 100); do
		exec {held}<>"/dev/tcp/127.0.0.1/$REDIS_PORT"
		printf 'PING\r\n' >&"$held"
		pong=
		read -r -t 2 pong <&"$held" || true
		[ "${pong%$'\r'}" != +PONG ] || break
		exec {held}>&-
		held=
		sleep 0.02
	done
	[ -n "$held" ] || fail "Redis never took one client"
	cgi login GET ""
	assert_status 200
	post_login "username=ivan"
	assert_equal "$CODE" 503
	header_value Retry-After
	[ -n "$REPLY" ]
	assert_logged_once "max number of clients reached"
	exec {held}>&-
	held=
	for _ in $(seq 100); do
		[ "$(rcli config set maxclients 10000 2>/dev/null)" != OK ] ||
			break
		sleep 0.02
	done
	assert_equal "$(rcli config get maxclients | sed -n 2p)" 10000
	login ivan
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as ivan
}

# ---- Sentinel -----------------------------------------------------------

# sentinel_list: SESSION_REDIS_SENTINELS for the sentinels started.
sentinel_list() {
	local p list=
	for p in "${SENTINEL_PORTS[@]}"; do
		list+=${list:+,}127.0.0.1:$p
	done
	echo "$list"
}

@test "Sentinel: the primary killed, a replica takes over; sessions still read and logins work, no worker restarted" {
	require redis-sentinel || skip "$MISSING is not installed"
	pport=$REDIS_PORT ppid=$REDIS_PID
	start_redis "$TMP/replica" "replicaof 127.0.0.1 $pport"
	rport=$REDIS_PORT
	EXTRA_PIDS+=("$REDIS_PID")
	REDIS_PORT=$pport REDIS_PID=$ppid
	start_sentinels 3 "$pport" "$TMP/sentinels"
	# The URL's host and port are not used: the sentinels name them.
	CONFIG=(SESSION_TYPE=redis SESSION_REDIS_URL=redis://127.0.0.1:1/0
	    "SESSION_REDIS_SENTINELS=$(sentinel_list)")
	start_logged index
	start_logged login
	workers="$PID_index $PID_login"
	REQUEST=fcgi login carol
	old=$SESSION
	fcgi index GET "" HTTP_COOKIE="session=$old"
	assert_logged_in_as carol
	# Written to the replica too before the primary dies.
	assert_equal "$(rcli wait 1 5000)" 1
	t0=$(date +%s%N)
	kill -9 "$ppid"
	wait "$ppid" 2>/dev/null || true
	REDIS_PID=
	for _ in $(seq 300); do
		[ "$(primary_port "${SENTINEL_PORTS[0]}")" != "$rport" ] ||
			break
		sleep 0.1
	done
	assert_equal "$(primary_port "${SENTINEL_PORTS[0]}")" "$rport"
	# The replica may still be turning into a primary: 503 meanwhile,
	# never "not logged in".
	for _ in $(seq 50); do
		fcgi index GET "" HTTP_COOKIE="session=$old"
		[ "$CODE" = 503 ] || break
		sleep 0.1
	done
	assert_logged_in_as carol
	echo "# served again $((($(date +%s%N) - t0) / 1000000)) ms after" \
	    "the primary was killed" >&3
	REQUEST=fcgi login dave
	fcgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as dave
	assert_equal "$(redis-cli -p "$rport" exists \
	    "session:$(session_name_of_cookie "$SESSION")")" 1
	assert_equal "$PID_index $PID_login" "$workers"
	running "$PID_index"
	running "$PID_login"
	# What was logged names no session's id.
	LOG=$(cat "$TMP/index.stderr" "$TMP/login.stderr")
	assert_log_hides "$old" "$SESSION"
}

@test "Sentinel: ROLE refused to README's ACL user is a 500 naming it; the +role README asks for mends it" {
	require redis-sentinel || skip "$MISSING is not installed"
	start_sentinels 1 "$REDIS_PORT" "$TMP/sentinels" 0
	line=$(readme_acl pw-role)
	# shellcheck disable=SC2086
	assert_equal "$(rcli $line)" OK
	CONFIG=(SESSION_TYPE=redis SESSION_REDIS_URL=redis://sessile:pw-role@127.0.0.1:1/0
	    "SESSION_REDIS_SENTINELS=$(sentinel_list)")
	cgi login GET ""
	assert_status 200
	post_login "username=judy"
	assert_equal "$CODE" 500
	assert_logged_once "ROLE refused: NOPERM"
	[ -z "$(redis_keys)" ]
	assert_equal "$(rcli acl setuser sessile +role)" OK
	login judy
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as judy
}

@test "Sentinel: none of them reachable is a 503 naming SESSION_REDIS_SENTINELS" {
	CONFIG+=("SESSION_REDIS_SENTINELS=127.0.0.1:$(free_port),127.0.0.1:$(free_port)")
	cgi index GET ""
	assert_anonymous
	fetch_csrf_token
	cgi login POST "csrf_token=$CSRF&username=carol" \
	    HTTP_COOKIE="session_csrf=$CSRF"
	assert_status 503
	[[ $LOG == *"none of 2 sentinels (SESSION_REDIS_SENTINELS) named a primary of mymaster"* ]]
}

@test "sessile-gc refuses SESSION_TYPE=redis: Redis expires its own" {
	run env SESSION_TYPE=redis "$BUILDDIR/tools/sessile-gc"
	[ "$status" -eq 1 ]
	[[ $output == *"SESSION_TYPE=redis"*"Redis expires its own"* ]]
}

#!/usr/bin/env bats
# admin.bats: sessile-admin, on the file store and on Redis (a real
# redis-server of each test's own, on a free loopback port), configured
# by the programs' own environment.  Sessions are made by logging in
# through the CGI programs; what they list is checked against the
# cookies, what they revoke by the next request of each cookie.
#
# - list, list --user, count, revoke NAME..., revoke --user: the fields,
#   the times, what each leaves logged in;
# - a user revoked while 100 increments of the user's session run
#   (examples/counter, which says whose its sessions are): every answer
#   200, and the revoked session never back;
# - a user found by the name as login stores it and as typed; sessions an
#   absolute lifetime has ended neither listed nor counted; a name that
#   is not plain text listed escaped; a user's Redis index read a page at
#   a time;
# - usage errors (2), faults (1, one line on stderr);
# - 100,000 sessions (tests/mksessions writes them through the store
#   interface, signed and indexed as the programs' own): list, count and
#   revoke --user are right, and the time each took is printed.

load lib

bats_require_minimum_version 1.5.0

setup() {
	common_setup
	ADMIN=$BUILDDIR/tools/sessile-admin
	EXTRA_PIDS=()
}

teardown() {
	local pid
	stop_fcgi
	for pid in "${EXTRA_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	stop_redis
}

# on_redis: the test's store is a redis-server of its own.
on_redis() {
	have_redis_store || skip "$REDIS_MISSING"
	start_redis "$TMP/redis"
	CONFIG=(SESSION_TYPE=redis
	    "SESSION_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0")
}

# admin ARG...: sessile-admin in the programs' environment: $status,
# $output (standard output), $stderr.
admin() {
	config_env
	run --separate-stderr env -i "${CONFIG_ENV[@]}" "$ADMIN" "$@"
}

# assert_admin_ok: it exited 0 and said nothing on stderr.
assert_admin_ok() {
	[ "$status" -eq 0 ] || fail "sessile-admin exited $status: $stderr" ||
	    return
	[ -z "$stderr" ] || fail "sessile-admin wrote on stderr: $stderr"
}

# assert_fault WORDS: it exited 1 with one line on stderr holding WORDS.
assert_fault() {
	[ "$status" -eq 1 ] || fail "exited $status, not 1: $stderr" || return
	[ "$(grep -c '' <<<"$stderr")" -eq 1 ] ||
	    fail "not one line on stderr: $stderr" || return
	[[ $stderr == *"$1"* ]] || fail "stderr does not name $1: $stderr"
}

# iso T: Unix time T as sessile-admin prints it.
iso() {
	date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ
}

# ---- list, count, revoke, on each store --------------------------------

# Three sessions, two of alice's; each command, what it leaves.
list_count_revoke() {
	t0=$EPOCHSECONDS
	login alice
	a1=$SESSION
	login bob
	b=$SESSION
	login alice
	a2=$SESSION
	t1=$EPOCHSECONDS
	n1=$(session_name_of_cookie "$a1") n2=$(session_name_of_cookie "$a2")
	nb=$(session_name_of_cookie "$b")

	admin list
	assert_admin_ok
	echo "$output" | sed 's/^/# /' >&3
	assert_equal "$(cut -f1 <<<"$output" | sort)" \
	    "$(printf '%s\n' "$n1" "$n2" "$nb" | sort)"
	assert_equal "$(grep -c '' <<<"$output")" 3
	while IFS=$'\t' read -r name user created expires rest; do
		[ -z "$rest" ] || fail "more than four fields: $rest"
		case $name in
		"$nb") assert_equal "$user" bob ;;
		*) assert_equal "$user" alice ;;
		esac
		[[ $created > "$(iso $((t0 - 1)))" || $created == "$(iso $((t0 - 1)))" ]]
		[[ $created < "$(iso $((t1 + 1)))" || $created == "$(iso $((t1 + 1)))" ]]
		[[ $expires =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]]
		[[ $expires > "$created" ]]
	done <<<"$output"

	admin list --user alice
	assert_admin_ok
	assert_equal "$(cut -f1 <<<"$output" | sort)" \
	    "$(printf '%s\n' "$n1" "$n2" | sort)"
	admin list --user nobody
	assert_admin_ok
	[ -z "$output" ]
	admin count
	assert_admin_ok
	assert_equal "$output" 3

	admin revoke "$n1"
	assert_admin_ok
	cgi index GET "" HTTP_COOKIE="session=$a1"
	assert_anonymous
	cgi index GET "" HTTP_COOKIE="session=$a2"
	assert_logged_in_as alice
	# One gone already, one live: the live one ends, the other is
	# named in the one line, and the exit is 1.
	admin revoke "$n1" "$n2"
	assert_fault "no such session: $n1"
	[[ $stderr != *"$n2"* ]]
	cgi index GET "" HTTP_COOKIE="session=$a2"
	assert_anonymous
	login alice
	a2=$SESSION

	admin revoke --user alice
	assert_admin_ok
	assert_equal "$output" 1
	cgi index GET "" HTTP_COOKIE="session=$a2"
	assert_anonymous
	cgi index GET "" HTTP_COOKIE="session=$b"
	assert_logged_in_as bob
	admin count
	assert_equal "$output" 1
	admin list
	assert_equal "$(cut -f1,2 <<<"$output")" "$nb"$'\tbob'
}

@test "files: list, list --user, count, revoke NAME and revoke --user, each as DESIGN says" {
	list_count_revoke
}

@test "Redis: list, list --user, count, revoke NAME and revoke --user, each as DESIGN says; the indexes follow" {
	on_redis
	list_count_revoke
	# alice's index is gone with her sessions; bob's holds his.
	assert_equal "$(rcli exists "session:user:$(printf %s alice |
	    sha256sum | cut -c1-64)")" 0
	assert_equal "$(rcli zrange "session:user:$(printf %s bob |
	    sha256sum | cut -c1-64)" 0 -1)" "$nb"
	assert_equal "$(rcli zrange session:all 0 -1)" "$nb"
}

@test "Redis: a logout takes the session out of both indexes; so does a login over it" {
	on_redis
	login carol
	old=$SESSION
	login carol "session=$old"
	admin list --user carol
	assert_equal "$(cut -f1 <<<"$output")" "$(session_name_of_cookie "$SESSION")"
	cgi logout GET "" HTTP_COOKIE="session=$SESSION"
	assert_status 303
	admin count
	assert_equal "$output" 0
	[ -z "$(rcli --scan)" ]
}

# A session of format version 1 (no user, no creation time) is listed
# with "-" in those fields.
@test "files: a session written before sessions knew their user is listed with - for its user and creation time" {
	login dave
	file=$(only_session_file)
	sed -i -e '1s/^sessile 2$/sessile 1/' -e '/^created /d' -e '/^user /d' \
	    "$file"
	admin list
	assert_admin_ok
	IFS=$'\t' read -r name user created expires <<<"$output"
	assert_equal "$name" "${file##*/}"
	assert_equal "$user" -
	assert_equal "$created" -
	assert_equal "$expires" "$(iso "$(file_expires "$file")")"
	admin list --user dave
	[ -z "$output" ]
}

# ---- Names, ends, and what a line may hold ------------------------------

# A user is looked up by the name as typed, and when that has no
# session, as login stores it (trimmed, NFC): "Zoë" typed decomposed with
# blanks about it finds login's "Zoë".  A program may store names of its
# own, and "Zoë" decomposed is then another user, whom only that name
# finds.  A revocation that ends nothing prints 0 and says so.
user_names() {
	nfc=$'Zo\xc3\xab' nfd=$'Zoe\xcc\x88'
	login "$nfc"
	n1=$(session_name_of_cookie "$SESSION")
	admin list --user " $nfd "
	assert_admin_ok
	assert_equal "$(cut -f1,2 <<<"$output")" "$n1"$'\t'"$nfc"
	config_env
	env -i "${CONFIG_ENV[@]}" "$BUILDDIR/tests/mksessions" 1 "$nfd" ||
	    fail "mksessions failed"
	admin list --user "$nfc"
	assert_equal "$(cut -f1 <<<"$output")" "$n1"
	admin list --user "$nfd"
	assert_equal "$(cut -f2 <<<"$output")" "$nfd"
	admin revoke --user "$nfd"
	assert_admin_ok
	assert_equal "$output" 1
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as "$nfc"
	admin revoke --user " $nfd "
	assert_admin_ok
	assert_equal "$output" 1
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_anonymous
	admin revoke --user "$nfd"
	[ "$status" -eq 0 ]
	assert_equal "$output" 0
	assert_equal "$stderr" "sessile-admin: no live session of user $nfd"
}

@test "files: a user is found by the name as typed, else as login stores it; revoking none says so" {
	user_names
}

@test "Redis: a user is found by the name as typed, else as login stores it; revoking none says so" {
	on_redis
	user_names
}

# A session that SESSION_ABSOLUTE_LIFETIME has ended is not live: not
# listed, not counted, not revoked by user, as the programs no longer use
# it, though the store still holds it until its expiry.
absolute_ends() {
	login frank
	login grace
	t=$EPOCHSECONDS
	while ((EPOCHSECONDS < t + 2)); do sleep 0.1; done
	CONFIG+=(SESSION_ABSOLUTE_LIFETIME=1)
	admin list
	assert_admin_ok
	[ -z "$output" ] || fail "ended sessions listed: $output"
	admin count
	assert_equal "$output" 0
	admin list --user grace
	[ -z "$output" ]
	admin revoke --user grace
	assert_equal "$output" 0
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_anonymous
	CONFIG=("${CONFIG[@]/SESSION_ABSOLUTE_LIFETIME=1/SESSION_ABSOLUTE_LIFETIME=3600}")
	admin count
	assert_equal "$output" 2
	admin list --user grace
	assert_equal "$(cut -f1 <<<"$output")" "$(session_name_of_cookie "$SESSION")"
}

@test "files: sessions an absolute lifetime has ended are neither listed nor counted" {
	absolute_ends
}

@test "Redis: sessions an absolute lifetime has ended are neither listed nor counted" {
	on_redis
	absolute_ends
}

# A user's name is one field of one line, safe on a terminal and showing
# what it is, whatever another program stored (sl_session_set_user()
# refuses C0 controls and DEL, the format too): text as it is; a
# backslash, a C1 control, a bidi override, a zero-width joiner and what
# is not UTF-8 as \xHH; a user named "-" is not "no user".
@test "a user's name that holds a backslash, controls, invisible characters or bytes that are not UTF-8 is listed escaped" {
	config_env
	env -i "${CONFIG_ENV[@]}" "$BUILDDIR/tests/mksessions" 1 \
	    $'b\\c\xc2\x85d\xffe\xc3\xbc\xe2\x80\xaef\xe2\x80\x8dg' ||
	    fail "mksessions failed"
	admin list
	assert_admin_ok
	IFS=$'\t' read -r name user created expires rest <<<"$output"
	[ -z "$rest" ] || fail "more than four fields: $output"
	assert_equal "$user" 'b\x5cc\xc2\x85d\xffe'$'\xc3\xbc''\xe2\x80\xaef\xe2\x80\x8dg'
	env -i "${CONFIG_ENV[@]}" "$BUILDDIR/tests/mksessions" 1 - ||
	    fail "mksessions failed"
	admin list --user -
	assert_equal "$(cut -f2 <<<"$output")" '\x2d'
}

# Sessions that cannot be used are left out and counted in one line on
# stderr, not logged one by one (100,000 under a wrong key would be
# 100,000 lines): a corrupt file; Redis values signed under another key.
@test "files: a corrupt session is left out, and said in one line" {
	login ivan
	login judy
	echo garbage >"$SESSION_FILE_DIR/$(session_name_of_cookie "$SESSION")"
	admin list
	[ "$status" -eq 0 ]
	assert_equal "$(cut -f2 <<<"$output")" ivan
	assert_equal "$stderr" "sessile-admin: 1 session could not be read (corrupt, not the programs' own, or not written under this SECRET_KEY or its fallbacks)"
}

@test "Redis: sessions written under another SECRET_KEY are left out, and said in one line" {
	on_redis
	login ivan
	login judy
	SECRET_KEY=$(random_key)
	admin list
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	assert_equal "$stderr" "sessile-admin: 2 sessions could not be read (corrupt, not the programs' own, or not written under this SECRET_KEY or its fallbacks)"
	admin revoke --user judy
	assert_equal "$output" 0
	assert_equal "$(grep -c '' <<<"$stderr")" 2
}

# A name as list prints it can be given back: "mal\lory" is listed as
# mal\x5clory, and revoke --user mal\x5clory ends mallory's sessions.
@test "a user's name copied from the listing, escapes and all, finds the user" {
	login 'mal\lory'
	admin list
	assert_equal "$(cut -f2 <<<"$output")" 'mal\x5clory'
	admin revoke --user 'mal\x5clory'
	assert_admin_ok
	assert_equal "$output" 1
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_anonymous
}

# Whoever may write to the Redis may put entries in an index: one that
# is not a session's name is passed over, one whose key is of another
# type is counted as unreadable; neither keeps the user's own sessions
# from being listed and revoked.
@test "Redis: planted index entries (not a name, a key of another type) keep no session from its revocation" {
	on_redis
	login victim
	idx="session:user:$(printf %s victim | sha256sum | cut -c1-64)"
	bogus=$(printf '%064d' 1)
	rcli zadd "$idx" +inf all +inf "$bogus" +inf 'x' >/dev/null
	rcli rpush "session:$bogus" a >/dev/null
	rcli zadd session:all +inf all +inf "$bogus" >/dev/null
	admin list --user victim
	[ "$status" -eq 0 ]
	assert_equal "$(cut -f2 <<<"$output")" victim
	assert_equal "$stderr" "sessile-admin: 1 session could not be read (corrupt, not the programs' own, or not written under this SECRET_KEY or its fallbacks)"
	admin list
	[ "$status" -eq 0 ]
	assert_equal "$(cut -f2 <<<"$output")" victim
	admin revoke --user victim
	[ "$status" -eq 0 ] || fail "exit $status: $stderr"
	assert_equal "$output" 1
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_anonymous
}

# ---- Revoking while the user's requests run ----------------------------

# The counter says its sessions are "visitor"'s.  Requests in flight on
# the session when it is revoked either ran before (their count is
# gone with it) or find it gone and begin one of their own: none brings
# it back, none fails.
revoke_during_burst() {
	start_counter
	fcgi counter GET ""
	cookie_value_of session
	c=$REPLY
	name=$(session_name_of_cookie "$c")
	counter_burst 100 "$c" 3>&- &
	burst=$!
	EXTRA_PIDS+=("$burst")
	for _ in $(seq 200); do
		[ "$(grep -l '^Status: 200' "$TMP"/a/* 2>/dev/null |
		    wc -l)" -lt 10 ] || break
		sleep 0.01
	done
	admin revoke --user visitor
	assert_admin_ok
	[ "$output" -ge 1 ]
	wait "$burst"
	# And more on the cookie, surely after it: each finds no session.
	mv "$TMP/a" "$TMP/first"
	counter_burst 20 "$c"
	assert_equal "$(grep -l '^Status: 200' "$TMP"/first/* "$TMP"/a/* |
	    wc -l)" 120
	before=$(visits "$TMP"/first/* "$TMP"/a/* | grep -cvx 1 || true)
	after=$(visits "$TMP"/first/* "$TMP"/a/* | grep -cx 1 || true)
	echo "# $before increments before the revocation, $after after" >&3
	((before > 0 && after > 0)) ||
	    fail "the revocation was not within the burst: $before, $after"
	fcgi counter GET "" HTTP_COOKIE="session=$c"
	[[ "$BODY" == *"Visits: <strong>1</strong>"* ]] ||
	    fail "the revoked session came back: $BODY"
	admin list
	refute grep -q "^$name" <<<"$output"
	assert_equal "$(logged_lines counter)" 0
}

@test "files: revoke --user while 100 increments of the user's session run: all answered 200, the session never back" {
	revoke_during_burst
	[ ! -e "$SESSION_FILE_DIR/$name" ]
}

@test "Redis: revoke --user while 100 increments of the user's session run: all answered 200, the session never back" {
	on_redis
	revoke_during_burst
	assert_equal "$(rcli exists "session:$name")" 0
}

# ---- Usage and faults ---------------------------------------------------

@test "usage errors exit 2, saying how to use it" {
	for args in "" "frob" "list extra" "list --user" "list --user ''" \
	    "count extra" "revoke" "revoke --user" "revoke --user a b" \
	    "revoke nothex" "revoke 0123abc" "-d relative list" \
	    "-x list"; do
		eval "admin $args"
		[ "$status" -eq 2 ] ||
		    fail "'$args' exited $status, not 2: $stderr"
		[ -n "$stderr" ] || fail "'$args' said nothing on stderr"
	done
	admin revoke ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789
	[ "$status" -eq 2 ]
	[[ $stderr == *"64 lowercase hex digits"* ]]
	# Redis has no directory for -d to name.
	CONFIG=(SESSION_TYPE=redis)
	admin -d "$TMP" count
	[ "$status" -eq 2 ]
	[[ $stderr == *"-d: SESSION_TYPE=redis has no session directory"* ]]
	run "$ADMIN" -h
	[ "$status" -eq 0 ]
	[[ $output == usage:* ]]
}

@test "faults exit 1 with one line: no key, no such directory, a store that cannot be reached" {
	unset SECRET_KEY
	admin count
	assert_fault SECRET_KEY
	SECRET_KEY=$(random_key)
	SESSION_FILE_DIR=$TMP/missing
	admin list
	assert_fault "$TMP/missing"
	CONFIG=(SESSION_TYPE=redis "SESSION_REDIS_URL=redis://127.0.0.1:$(free_port)/0")
	if have_redis_store; then
		admin count
		assert_fault "session store: redis"
	fi
}

@test "-d overrides SESSION_FILE_DIR, which is then not read: a relative one does not fail it" {
	login erin
	admin count
	assert_equal "$output" 1
	dir=$SESSION_FILE_DIR
	SESSION_FILE_DIR=relative/dir
	admin -d "$dir" count
	assert_admin_ok
	assert_equal "$output" 1
	admin count
	assert_fault SESSION_FILE_DIR
	# A directory that is not there is a fault, and is not made.
	admin -d "$TMP/typo" revoke "$(session_name_of_cookie "$SESSION")"
	assert_fault "$TMP/typo"
	[ ! -e "$TMP/typo" ]
}

# ---- 100,000 sessions ----------------------------------------------------

# N sessions of users filler0..filler(N-1), and 3 of "many": through
# the store interface, as logins write them.
fill_sessions() {
	config_env
	env -i "${CONFIG_ENV[@]}" "$BUILDDIR/tests/mksessions" "$1" ||
	    fail "mksessions $1 failed"
	env -i "${CONFIG_ENV[@]}" "$BUILDDIR/tests/mksessions" 3 many ||
	    fail "mksessions 3 many failed"
}

# timed VAR ARG...: admin ARG..., the milliseconds it took in VAR.
timed() {
	local var=$1 t0
	shift
	t0=$(date +%s%N)
	admin "$@"
	printf -v "$var" '%d' $((($(date +%s%N) - t0) / 1000000))
}

at_scale() {
	mkdir -p "$SESSION_FILE_DIR"
	chmod 700 "$SESSION_FILE_DIR"
	fill_sessions 100000
	timed list_ms list
	assert_admin_ok
	assert_equal "$(grep -c '' <<<"$output")" 100003
	assert_equal "$(grep -c $'\tfiller4242\t' <<<"$output")" 1
	timed count_ms count
	assert_admin_ok
	assert_equal "$output" 100003
	timed user_ms list --user many
	assert_equal "$(grep -c '' <<<"$output")" 3
	timed revoke_ms revoke --user many
	assert_admin_ok
	assert_equal "$output" 3
	admin count
	assert_equal "$output" 100000
	echo "# $1, 100,003 sessions: list $list_ms ms, count $count_ms ms," \
	    "list --user $user_ms ms, revoke --user (3) $revoke_ms ms" >&3
}

@test "files: 100,000 sessions: list, count and revoke --user are right; their times" {
	at_scale files
}

@test "Redis: 100,000 sessions: list, count and revoke --user are right, from the indexes; their times" {
	on_redis
	at_scale Redis
	# revoke --user read the user's index, never the keyspace.
	rcli config resetstat >/dev/null
	admin revoke --user filler7
	assert_equal "$output" 1
	stats=$(rcli info commandstats | grep -c '^cmdstat_\(scan\|keys\)' || true)
	assert_equal "$stats" 0
}

# A user's index is read a page (256 entries) a round trip, never whole:
# 600 sessions of one user take at least 3 reads, and all are found.
@test "Redis: a user with 600 sessions: listed and revoked a page of the index at a time, none missed" {
	on_redis
	config_env
	env -i "${CONFIG_ENV[@]}" "$BUILDDIR/tests/mksessions" 600 many ||
	    fail "mksessions failed"
	rcli config resetstat >/dev/null
	admin list --user many
	assert_admin_ok
	assert_equal "$(cut -f1 <<<"$output" | sort -u | grep -c '')" 600
	zr=$(rcli info commandstats | sed -n 's/^cmdstat_zrange:calls=\([0-9]*\),.*/\1/p')
	((zr >= 3)) || fail "the index was read in $zr replies"
	admin revoke --user many
	assert_admin_ok
	assert_equal "$output" 600
	assert_equal "$(rcli exists "session:user:$(printf %s many |
	    sha256sum | cut -c1-64)")" 0
	admin count
	assert_equal "$output" 0
}

#!/usr/bin/env bats
# gc.bats: sessile-gc, the clean-up command for cron and systemd timers.
# Sessions are made by logging in through the CGI programs; the command
# must remove the expired ones, and the temporary files of crashed
# writers, and nothing else, while requests run and while a writer holds
# a session's lock.

load lib

bats_require_minimum_version 1.5.0

setup() {
	common_setup
	GC=$BUILDDIR/tools/sessile-gc
	LOCKHOLD=$BUILDDIR/tests/lockhold
}

teardown() {
	local pid
	for pid in ${BG_PIDS-}; do
		kill "$pid" 2>/dev/null || true
	done
}

# gc [ARG...]: run sessile-gc with no pause between batches, the
# environment holding only SESSION_FILE_DIR (no key): $status, $output
# (standard output) and $stderr.
gc() {
	run --separate-stderr env -i SESSION_FILE_DIR="$SESSION_FILE_DIR" \
	    "$GC" -p 0 "$@"
}

# The command succeeded, printed nothing on stderr, and with -v said
# SUMMARY.
assert_swept() {
	[ "$status" -eq 0 ] ||
	    fail "sessile-gc exited $status: $stderr" || return
	[ -z "$stderr" ] || fail "sessile-gc wrote on stderr: $stderr" ||
	    return
	if [ "$#" -gt 0 ]; then
		assert_equal "$output" "sessile-gc: $1"
	fi
}

# The command failed with STATUS and one line on stderr containing TEXT.
assert_refused() {
	local nl=${stderr//[!$'\n']/}
	[ "$status" -eq "$1" ] ||
	    fail "expected exit $1, got $status: $stderr" || return
	[ -n "$stderr" ] && [ "${#nl}" -eq 0 ] ||
	    fail "expected one line on stderr: '$stderr'" || return
	[[ $stderr == *"$2"* ]] || fail "stderr does not name $2: $stderr"
}

# file_of COOKIE: the path of the session file of cookie value COOKIE,
# named by the hex SHA-256 of its id.
file_of() {
	local h
	h=$(printf '%s' "$(cookie_id "$1")" | sha256sum)
	printf '%s/%s\n' "$SESSION_FILE_DIR" "${h%% *}"
}

# The cookie still logs NAME in.
assert_session_works() {
	cgi index GET "" HTTP_COOKIE="session=$1"
	assert_logged_in_as "$2"
}

# A name the library could give a session file, or a temporary file.
NAME_A=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
NAME_B=fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210
NONCE=0011223344556677

# put NAME EXPIRES: a well-formed session file with that expiry.
put() {
	printf 'sessile 1\nexpires %s\ndata username=x\nend\n' "$2" \
	    >"$SESSION_FILE_DIR/$1"
}

# ---- What is removed -----------------------------------------------------

@test "sessile-gc removes expired sessions and keeps live ones" {
	login alice
	alice=$SESSION
	login bob
	bob=$SESSION
	login carol
	carol=$SESSION
	[ -f "$(file_of "$alice")" ]
	set_file_expires "$(file_of "$alice")" $((EPOCHSECONDS - 1))
	set_file_expires "$(file_of "$bob")" 1
	gc -v
	assert_swept "3 files, 2 expired removed, 0 corrupt kept, 0 temporary removed"
	[ ! -e "$(file_of "$alice")" ]
	[ ! -e "$(file_of "$bob")" ]
	assert_session_files 1
	assert_session_works "$carol" carol
}

# A file of ours the system will not let clean-up read (chmod 000; root
# reads through the mode, so root runs gc without that power): kept, its
# cause logged, and the sweep goes on past it, every time.
@test "sessile-gc keeps a session file it may not read, says why, and still removes every expired one after it" {
	local i f
	# Every login first: one of them may clean up (GC_ONE_IN) what
	# expired before it.
	for i in 1 2 3 4 5 6; do
		login "user$i"
	done
	for f in "$SESSION_FILE_DIR"/*; do
		set_file_expires "$f" 1
	done
	f=$(ls "$SESSION_FILE_DIR" | grep -E '^[0-9a-f]{64}$' | head -n 1)
	chmod 000 "$SESSION_FILE_DIR/$f"
	if [ "$(id -u)" -eq 0 ]; then
		run --separate-stderr env -i SESSION_FILE_DIR="$SESSION_FILE_DIR" \
		    setpriv --bounding-set=-dac_override,-dac_read_search \
		    "$GC" -p 0 -v
	else
		gc -v
	fi
	[ "$status" -eq 0 ] || fail "sessile-gc exited $status: $stderr"
	assert_equal "$output" "sessile-gc: 6 files, 5 expired removed, 1 corrupt kept, 0 temporary removed"
	assert_regex "$stderr" "cannot open .*/$f: Permission denied: kept"
	assert_session_files 1
}

@test "sessile-gc needs no key, and a second sweep finds nothing more to do" {
	login alice
	login bob
	set_file_expires "$(file_of "$SESSION")" 1
	unset SECRET_KEY
	gc -v
	assert_swept "2 files, 1 expired removed, 0 corrupt kept, 0 temporary removed"
	gc -v
	assert_swept "1 files, 0 expired removed, 0 corrupt kept, 0 temporary removed"
}

@test "without -v sessile-gc prints nothing" {
	login alice
	set_file_expires "$(file_of "$SESSION")" 1
	gc
	assert_swept
	[ -z "$output" ]
	assert_session_files 0
}

@test "an expired session whose body is corrupt is removed all the same" {
	install -d -m 0700 "$SESSION_FILE_DIR"
	printf 'sessile 1\nexpires 1\ngarbage\n' >"$SESSION_FILE_DIR/$NAME_A"
	gc -v
	assert_swept "1 files, 1 expired removed, 0 corrupt kept, 0 temporary removed"
	[ ! -e "$SESSION_FILE_DIR/$NAME_A" ]
}

@test "temporary files of crashed writers are removed after an hour, not before" {
	install -d -m 0700 "$SESSION_FILE_DIR"
	old=$SESSION_FILE_DIR/.tmp-$NAME_A-$NONCE
	fresh=$SESSION_FILE_DIR/.tmp-$NAME_B-$NONCE
	echo x >"$old"
	echo x >"$fresh"
	touch -d '-2 hours' "$old"
	touch -d '-50 minutes' "$fresh"
	gc -v
	assert_swept "0 files, 0 expired removed, 0 corrupt kept, 1 temporary removed"
	[ ! -e "$old" ]
	[ -e "$fresh" ]
}

# ---- What is kept ---------------------------------------------------------

@test "corrupt files are kept and counted, whatever their expiry says" {
	login alice
	d=$SESSION_FILE_DIR
	printf 'garbage\n' >"$d/${NAME_A:0:63}1"
	printf 'sessile 3\nexpires 1\nend\n' >"$d/${NAME_A:0:63}2"
	: >"$d/${NAME_A:0:63}3"
	printf 'sessile 1\nexpires x1\nend\n' >"$d/${NAME_A:0:63}4"
	printf 'sessile 1\nexpires 1' >"$d/${NAME_A:0:63}5"
	mkdir "$d/${NAME_A:0:63}6"
	mkfifo "$d/${NAME_A:0:63}7"
	gc -v
	assert_swept "8 files, 0 expired removed, 7 corrupt kept, 0 temporary removed"
	for i in 1 2 3 4 5 6 7; do
		[ -e "$d/${NAME_A:0:63}$i" ] || fail "removed: $i"
	done
	assert_session_works "$SESSION" alice
}

@test "names that are not session names are never touched, expired or not" {
	install -d -m 0700 "$SESSION_FILE_DIR"
	d=$SESSION_FILE_DIR
	for n in README "${NAME_A^^}" "${NAME_A:0:63}" "${NAME_A}0" \
	    "$NAME_A.bak" ".$NAME_A" "$NAME_A~"; do
		put "$n" 1
	done
	echo x >"$d/.tmp-junk"
	echo x >"$d/.tmp-$NAME_A"
	echo x >"$d/.tmp-$NAME_A-$NONCE.x"
	touch -d '-2 hours' "$d"/.tmp-*
	gc -v
	assert_swept "0 files, 0 expired removed, 0 corrupt kept, 0 temporary removed"
	assert_equal "$(ls -A "$d" | wc -l)" 10
}

@test "a symbolic link in place of a session file is not followed, and kept" {
	install -d -m 0700 "$SESSION_FILE_DIR" "$TMP/elsewhere"
	put ../elsewhere/target 1
	ln -s ../elsewhere/target "$SESSION_FILE_DIR/$NAME_A"
	printf 'sessile 1\nexpires 1\nend\n' >"$TMP/elsewhere/.tmp-$NAME_B-$NONCE"
	touch -d '-2 hours' "$TMP/elsewhere/.tmp-$NAME_B-$NONCE"
	ln -s "../elsewhere/.tmp-$NAME_B-$NONCE" \
	    "$SESSION_FILE_DIR/.tmp-$NAME_B-$NONCE"
	touch -h -d '-2 hours' "$SESSION_FILE_DIR/.tmp-$NAME_B-$NONCE"
	gc -v
	assert_swept "1 files, 0 expired removed, 1 corrupt kept, 0 temporary removed"
	[ -L "$SESSION_FILE_DIR/$NAME_A" ]
	[ -L "$SESSION_FILE_DIR/.tmp-$NAME_B-$NONCE" ]
	[ -f "$TMP/elsewhere/target" ]
	[ -f "$TMP/elsewhere/.tmp-$NAME_B-$NONCE" ]
}

# A program run as root, or a copy made as root, can leave files of
# another owner in the directory: the programs never read them as
# sessions (cgi.bats), so kept they would stay for ever.
@test "a session file of another user, live or expired, is removed with one line naming it" {
	[ "$(id -u)" -eq 0 ] || skip "chown needs root"
	install -d -m 0700 "$SESSION_FILE_DIR"
	put "$NAME_A" $((EPOCHSECONDS + 3600))
	put "$NAME_B" 1
	chown 65534 "$SESSION_FILE_DIR/$NAME_A" "$SESSION_FILE_DIR/$NAME_B"
	gc -v
	[ "$status" -eq 0 ] || fail "sessile-gc exited $status: $stderr"
	assert_equal "$output" "sessile-gc: 0 files, 0 expired removed, 0 corrupt kept, 0 temporary removed"
	[ ! -e "$SESSION_FILE_DIR/$NAME_A" ]
	[ ! -e "$SESSION_FILE_DIR/$NAME_B" ]
	assert_equal "$(sort <<<"$stderr")" \
	    "sessile[sessile-gc]: session file $SESSION_FILE_DIR/$NAME_A is owned by uid 65534, not by this user (uid 0): removed
sessile[sessile-gc]: session file $SESSION_FILE_DIR/$NAME_B is owned by uid 65534, not by this user (uid 0): removed"
}

@test "a session file of another user that this user cannot read is removed all the same" {
	as_nobody
	install -d -m 0700 -o 65534 "$SESSION_FILE_DIR"
	put "$NAME_A" $((EPOCHSECONDS + 3600))
	chmod 0600 "$SESSION_FILE_DIR/$NAME_A"
	run --separate-stderr "${AS_NOBODY[@]}" env -i \
	    SESSION_FILE_DIR="$SESSION_FILE_DIR" "$GC" -p 0
	[ "$status" -eq 0 ] || fail "sessile-gc exited $status: $stderr"
	[ ! -e "$SESSION_FILE_DIR/$NAME_A" ]
	assert_equal "$stderr" "sessile[sessile-gc]: session file $SESSION_FILE_DIR/$NAME_A is owned by uid 0, not by this user (uid 65534): removed"
}

@test "a crashed writer's temporary file of another user is kept" {
	[ "$(id -u)" -eq 0 ] || skip "chown needs root"
	install -d -m 0700 "$SESSION_FILE_DIR"
	put ".tmp-$NAME_B-$NONCE" 1
	touch -d '-2 hours' "$SESSION_FILE_DIR/.tmp-$NAME_B-$NONCE"
	chown 65534 "$SESSION_FILE_DIR/.tmp-$NAME_B-$NONCE"
	gc -v
	assert_swept "0 files, 0 expired removed, 0 corrupt kept, 0 temporary removed"
	[ -e "$SESSION_FILE_DIR/.tmp-$NAME_B-$NONCE" ]
}

@test "a symbolic link of another user in place of a session file is kept" {
	[ "$(id -u)" -eq 0 ] || skip "chown needs root"
	install -d -m 0700 "$SESSION_FILE_DIR"
	put target 1
	ln -s target "$SESSION_FILE_DIR/$NAME_A"
	chown -h 65534 "$SESSION_FILE_DIR/$NAME_A"
	gc -v
	assert_swept "1 files, 0 expired removed, 1 corrupt kept, 0 temporary removed"
	[ -L "$SESSION_FILE_DIR/$NAME_A" ]
}

# ---- The directory and the command line -----------------------------------

@test "SESSION_FILE_DIR names the directory; -d wins over it" {
	install -d -m 0700 "$SESSION_FILE_DIR"
	put "$NAME_A" 1
	gc -v
	assert_swept "1 files, 1 expired removed, 0 corrupt kept, 0 temporary removed"
	put "$NAME_A" 1
	dir=$SESSION_FILE_DIR
	SESSION_FILE_DIR=$TMP/nowhere
	gc -v -d "$dir"
	assert_swept "1 files, 1 expired removed, 0 corrupt kept, 0 temporary removed"
}

@test "a missing directory: exit 1, one line naming it, and it is not made" {
	gc
	assert_refused 1 "$SESSION_FILE_DIR: No such file or directory"
	[ ! -e "$SESSION_FILE_DIR" ]
}

@test "a file in place of the directory: exit 1 and one line" {
	touch "$TMP/file"
	SESSION_FILE_DIR=$TMP/file
	gc
	assert_refused 1 "$TMP/file is not a directory"
	SESSION_FILE_DIR=$TMP/file/sessions
	gc
	assert_refused 1 "$TMP/file/sessions"
}

@test "a symbolic link as the directory is refused: exit 1, one line, nothing removed" {
	install -d -m 0700 "$TMP/real"
	ln -s real "$TMP/link"
	SESSION_FILE_DIR=$TMP/real
	put "$NAME_A" 1
	SESSION_FILE_DIR=$TMP/link
	gc
	assert_refused 1 "$TMP/link is a symbolic link"
	[ -e "$TMP/real/$NAME_A" ]
}

@test "a directory of another user is refused: exit 1 and one line" {
	[ "$(id -u)" -eq 0 ] || skip "chown needs root"
	install -d -m 0700 "$SESSION_FILE_DIR"
	put "$NAME_A" 1
	chown 65534 "$SESSION_FILE_DIR"
	gc
	assert_refused 1 "is owned by uid 65534"
	[ -e "$SESSION_FILE_DIR/$NAME_A" ]
	[ ! -e "$SESSION_FILE_DIR/.lock" ]
}

@test "a relative SESSION_FILE_DIR: exit 1 and one line naming it" {
	SESSION_FILE_DIR=sessions
	gc
	assert_refused 1 "SESSION_FILE_DIR"
}

@test "an unwritable directory: exit 1 and one line, the session kept" {
	[ "$(id -u)" -ne 0 ] || skip "root writes anywhere"
	install -d -m 0700 "$SESSION_FILE_DIR"
	put "$NAME_A" 1
	chmod 0500 "$SESSION_FILE_DIR"
	gc
	chmod 0700 "$SESSION_FILE_DIR"
	assert_refused 1 "$SESSION_FILE_DIR"
	[ -e "$SESSION_FILE_DIR/$NAME_A" ]
}

@test "usage errors exit 2 and remove nothing" {
	install -d -m 0700 "$SESSION_FILE_DIR"
	put "$NAME_A" 1
	for args in "-x" "extra" "-n 0" "-n x" "-n 100001" "-p -1" \
	    "-p 60001" "-d"; do
		# shellcheck disable=SC2086
		gc $args
		[ "$status" -eq 2 ] || fail "sessile-gc $args: exit $status"
		[[ $stderr == *usage:* || $stderr == *"not a number"* ]] ||
		    fail "sessile-gc $args: $stderr"
	done
	[ -e "$SESSION_FILE_DIR/$NAME_A" ]
}

@test "-h prints the usage on standard output and exits 0" {
	gc -h
	[ "$status" -eq 0 ]
	[[ $output == "usage: sessile-gc "* ]]
	[ -z "$stderr" ]
}

@test "removals come in batches: after -n 2 removals it pauses (-p) before more" {
	install -d -m 0700 "$SESSION_FILE_DIR"
	put "$NAME_A" 1
	put "$NAME_B" 1
	put "${NAME_A:0:63}0" 1
	env -i "$GC" -n 2 -p 60000 -d "$SESSION_FILE_DIR" 3>&- &
	BG_PIDS=$!
	for _ in $(seq 100); do
		[ "$(ls "$SESSION_FILE_DIR" | wc -l)" -gt 1 ] || break
		sleep 0.1
	done
	assert_session_files 1
	running "$BG_PIDS" || fail "sessile-gc did not pause"
	kill "$BG_PIDS"
	assert_session_files 1
}

# ---- Never a live session -------------------------------------------------

# lock_waited: whether a process waits for a lock on the session
# directory's .lock (a line "N: -> ..." of /proc/locks on its inode).
lock_waited() {
	local ino
	ino=$(stat -c %i "$SESSION_FILE_DIR/.lock")
	grep -q -- "-> .*:$ino " /proc/locks
}

# hold COOKIE: a writer (lockhold) takes the lock of COOKIE's session;
# HOLD_IN and HOLD_OUT are its input and output.
hold() {
	local f
	f=$(file_of "$1")
	mkfifo "$TMP/hold.in" "$TMP/hold.out"
	"$LOCKHOLD" "$SESSION_FILE_DIR" "${f##*/}" <"$TMP/hold.in" \
	    >"$TMP/hold.out" 3>&- &
	BG_PIDS="${BG_PIDS-} $!"
	HOLD_PID=$!
	exec {HOLD_IN}>"$TMP/hold.in" {HOLD_OUT}<"$TMP/hold.out"
	read -r -t 10 line <&"$HOLD_OUT"
	assert_equal "$line" locked
}

# Start sessile-gc in the background, and wait until it waits for the
# lock.  It must not keep the writer's input open, or the writer would
# never see its end.
gc_waiting() {
	env -i "$GC" -v -p 0 -d "$SESSION_FILE_DIR" >"$TMP/gc.out" \
	    2>"$TMP/gc.err" 3>&- {HOLD_IN}>&- {HOLD_OUT}<&- &
	GC_PID=$!
	BG_PIDS="${BG_PIDS-} $GC_PID"
	until_lock_waited sessile-gc
}

# until_lock_waited WHO: wait (10 s at most) until WHO waits for a lock.
until_lock_waited() {
	for _ in $(seq 100); do
		! lock_waited || return 0
		sleep 0.1
	done
	fail "$1 never asked for the lock"
}

# An expired session whose lock a writer holds, and sessile-gc waiting
# for that lock: FILE is the session's file.
gc_waits_for_writer() {
	[ -r /proc/locks ] || skip "needs /proc/locks"
	login alice
	file=$(file_of "$SESSION")
	set_file_expires "$file" $((EPOCHSECONDS - 10))
	hold "$SESSION"
	gc_waiting
}

@test "a session locked by a writer is not removed while the lock is held, and kept once renewed" {
	gc_waits_for_writer
	# It waits: the expired file is still there, the command still runs.
	[ -e "$file" ]
	running "$GC_PID"
	# The writer renews the session under its lock, then lets go.
	echo "renew 3600" >&"$HOLD_IN"
	read -r -t 10 line <&"$HOLD_OUT"
	assert_equal "$line" renewed
	exec {HOLD_IN}>&-
	wait "$HOLD_PID"
	wait "$GC_PID"
	read_file "$TMP/gc.out"
	assert_equal "$REPLY" $'sessile-gc: 1 files, 0 expired removed, 0 corrupt kept, 0 temporary removed\n'
	[ -e "$file" ]
	[ "$(file_expires "$file")" -gt "$EPOCHSECONDS" ]
	assert_session_works "$SESSION" alice
}

@test "a session locked by a writer that leaves it expired is removed once the lock is free" {
	gc_waits_for_writer
	[ -e "$file" ]
	exec {HOLD_IN}>&-
	wait "$HOLD_PID"
	wait "$GC_PID"
	read_file "$TMP/gc.out"
	assert_equal "$REPLY" $'sessile-gc: 1 files, 1 expired removed, 0 corrupt kept, 0 temporary removed\n'
	[ ! -e "$file" ]
}

@test "while logins and page views run, repeated sweeps remove the expired sessions and never a live one" {
	# Views rewrite a session's file once it is two seconds old.
	CONFIG+=(PERMANENT_SESSION_LIFETIME=128)
	for i in 1 2 3 4 5 6 7 8; do
		login "old$i"
		set_file_expires "$(file_of "$SESSION")" 1
	done
	: >"$TMP/cookies"
	(
		for i in $(seq 12); do
			login "user$i" || exit 1
			echo "$SESSION user$i" >>"$TMP/cookies"
			while read -r c n; do
				assert_session_works "$c" "$n" || exit 1
			done <"$TMP/cookies"
		done
	) 3>&- &
	load=$!
	BG_PIDS=$load
	sweeps=0
	while running "$load"; do
		env -i "$GC" -p 0 -n 2 -d "$SESSION_FILE_DIR" 3>&- &
		sweeper=$!
		env -i "$GC" -p 0 -n 2 -d "$SESSION_FILE_DIR" ||
		    fail "a sweep failed"
		wait "$sweeper" || fail "a sweep failed"
		sweeps=$((sweeps + 2))
	done
	wait "$load" || fail "a live session stopped working during the sweeps"
	gc -v
	assert_swept "12 files, 0 expired removed, 0 corrupt kept, 0 temporary removed"
	[ "$sweeps" -ge 2 ]
	while read -r c n; do
		assert_session_works "$c" "$n"
	done <"$TMP/cookies"
}

# ---- A page view racing the end of its session ---------------------------

@test "a page view whose refresh finds the session gone sends no cookie: a slow request never revives or resends a dead one" {
	[ -r /proc/locks ] || skip "needs /proc/locks"
	login alice
	file=$(file_of "$SESSION")
	# The expiry lags: the view will refresh it, under the lock.
	set_file_expires "$file" $((EPOCHSECONDS + 60))
	hold "$SESSION"
	config_env
	env -i "${CONFIG_ENV[@]}" REQUEST_METHOD=GET HTTP_COOKIE="session=$SESSION" \
	    "$BUILDDIR/cgi-bin/index.fcgi" </dev/null >"$TMP/view" \
	    2>"$TMP/view.err" 3>&- {HOLD_IN}>&- {HOLD_OUT}<&- &
	view=$!
	BG_PIDS="${BG_PIDS-} $view"
	until_lock_waited "the page view"
	# Meanwhile the session ends (a logout, a login in another tab).
	rm "$file"
	exec {HOLD_IN}>&-
	wait "$HOLD_PID"
	wait "$view"
	parse_response "$TMP/view"
	assert_status 200
	refute_set_cookie session
	[ ! -e "$file" ] || fail "the refresh wrote the ended session again"
}

@test "-d overrides SESSION_FILE_DIR, which is then not read: a relative one does not fail it; -d relative is a usage error" {
	login alice
	run --separate-stderr env -i SESSION_FILE_DIR=relative/dir "$GC" -p 0 \
	    -v -d "$SESSION_FILE_DIR"
	[ "$status" -eq 0 ] || fail "exited $status: $stderr"
	[[ $output == *"1 files"* ]]
	run --separate-stderr env -i SESSION_FILE_DIR=relative/dir "$GC" -p 0
	[ "$status" -eq 1 ]
	[[ $stderr == *"SESSION_FILE_DIR: not an absolute path"* ]]
	run --separate-stderr env -i "$GC" -d relative/dir
	[ "$status" -eq 2 ]
	[[ $stderr == *"-d relative/dir: not an absolute path"* ]]
}

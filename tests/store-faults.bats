#!/usr/bin/env bats
# store-faults.bats: the session store when the disk fails it, the
# programs run as plain CGI.  DESIGN.md, "Errors and limits": a full or
# unwritable session directory gets a 503 or 500 and one log line naming
# the cause, and the existing session files are left as they were;
# "Sessions": a crash never leaves a torn session.
#
# - A full filesystem, with no free blocks or no free inodes: a small
#   tmpfs, mounted when the suite runs as root (as in CI); otherwise
#   those tests are skipped and say so.
# - A read-only session directory: a read-only tmpfs as root (root writes
#   through permission bits), a directory of mode 0500 otherwise.
# - A disk that fails (EIO): the store on a loop-mounted ext4, shut down
#   under the programs with EXT4_IOC_SHUTDOWN (tests/fsdown), as plain
#   CGI and under FastCGI, whose workers keep the store open; then
#   unmounted and mounted again.  As root only.
# - A session file the programs may not read (EACCES), and no descriptor
#   left to open it with (EMFILE, a low `ulimit -n`).
#
# DESIGN.md, Sessions: a fault of the system is a 503 or 500 that leaves
# the cookie alone; only facts about the file mean "no session".  Logout
# deletes the cookie even when the store cannot delete the file, and says
# so.
# - Programs killed with SIGKILL in the middle of writing a session file,
#   hundreds of times.

load lib

setup() {
	common_setup
	MNT=
}

teardown() {
	stop_fcgi
	if [ -n "$MNT" ] && mountpoint -q "$MNT"; then
		umount "$MNT" || umount -l "$MNT"
	fi
	# A directory made read-only for a user who is not root: bats must be
	# able to remove it.
	if [ -d "$SESSION_FILE_DIR" ]; then
		chmod u+rwx "$SESSION_FILE_DIR" 2>/dev/null || true
	fi
}

# Two visitors logged in: ALICE and BOB hold their cookies, and each has
# followed the login's redirect, as a browser does (which ends the
# session's short first lifetime: a write).  Bob's expiry lags a day
# behind, so that his next page moves it forward: a write.  Then the
# session files are copied aside (save_sessions).
two_sessions() {
	login alice
	ALICE=$SESSION
	ALICE_FILE=$(only_session_file)
	cgi index GET "" HTTP_COOKIE="session=$ALICE"
	assert_logged_in_as alice
	login bob
	BOB=$SESSION
	cgi index GET "" HTTP_COOKIE="session=$BOB"
	assert_logged_in_as bob
	for f in "$SESSION_FILE_DIR"/[0-9a-f]*; do
		[ "$f" = "$ALICE_FILE" ] || BOB_FILE=$f
	done
	set_file_expires "$BOB_FILE" $((EPOCHSECONDS + 2678400 - 86400))
	save_sessions
}

save_sessions() {
	rm -rf "$TMP/saved"
	mkdir "$TMP/saved"
	cp "$SESSION_FILE_DIR"/[0-9a-f]* "$TMP/saved/"
}

# The session files are those saved, byte for byte, each whole, and
# nothing else is there but the lock: no other session, no temporary file.
assert_sessions_unchanged() {
	local f
	assert_whole_store || return
	[ "$TMP_FILES" -eq 0 ] ||
	    fail "$TMP_FILES temporary file(s) left behind" || return
	for f in "$TMP/saved"/*; do
		cmp "$f" "$SESSION_FILE_DIR/${f##*/}" ||
		    fail "session file ${f##*/} changed" || return
	done
	assert_session_files "$(ls "$TMP/saved" | wc -l)"
}

# No free block left on the tmpfs: a big file takes them all.  (Inodes
# are left: a file can still be created, not written.)
fill_blocks() {
	dd if=/dev/zero of="$MNT/filler" bs=64k 2>/dev/null || true
	assert_equal "$(stat -f -c %a "$MNT")" 0
}

# No free inode left on the tmpfs: empty files take them all.
fill_inodes() {
	local i=0
	while { : >"$MNT/inode-$i"; } 2>/dev/null; do
		i=$((i + 1))
	done
	assert_equal "$(stat -f -c %d "$MNT")" 0
}

# The session directory can no longer be written.  Root writes through
# permission bits, so for root the filesystem itself becomes read-only.
read_only_sessions() {
	if [ "$(id -u)" -eq 0 ]; then
		mount -o remount,ro "$MNT"
	else
		chmod 0500 "$SESSION_FILE_DIR"
	fi
}

# As root the sessions go on a tmpfs that can be made read-only.
read_only_setup() {
	if [ "$(id -u)" -eq 0 ]; then
		mount_tmpfs size=1m
	fi
	two_sessions
	read_only_sessions
}

# next_cookies COOKIES: REPLY is the Cookie header a browser sends next,
# having sent COOKIES ("a=1; b=2") and got the last answer: each
# Set-Cookie sets its cookie, or removes it with Max-Age=0.  (The
# programs' cookies all have one Path and no Domain here.)
next_cookies() {
	local line pair name c kept=
	local -a sent
	local -A got=()
	while IFS= read -r line; do
		[[ $line == [Ss]et-[Cc]ookie:\ * ]] || continue
		pair=${line#*: }
		pair=${pair%%;*}
		got[${pair%%=*}]=$pair
		if [[ "$line;" == *"; Max-Age=0;"* ]]; then
			got[${pair%%=*}]=
		fi
	done <<<"$HEADERS"
	IFS=';' read -ra sent <<<"$1"
	for c in "${sent[@]}"; do
		c=${c# }
		[ -n "${got[${c%%=*}]+set}" ] || kept+="; $c"
	done
	for name in "${!got[@]}"; do
		[ -z "${got[$name]}" ] || kept+="; ${got[$name]}"
	done
	REPLY=${kept#; }
}

# What logout says when the store could not end the session.
NOT_ENDED="You are logged out in this browser, but the server could not end your session; it will expire."

# The answer is logout's redirect, deleting the session cookie and
# setting no other session cookie, with the flash NOT_ENDED.  The next
# page of the browser (its cookies COOKIES before the logout) says "not
# logged in" and shows it.
assert_logged_out_not_ended() {
	assert_status 303 || return
	assert_header Location / || return
	assert_cookie_deleted session || return
	next_cookies "$1"
	[[ "; $REPLY;" != *"; session="* ]] ||
	    fail "the browser still sends a session cookie: $REPLY" || return
	cgi index GET "" HTTP_COOKIE="$REPLY" || return
	assert_anonymous || return
	assert_output --partial "$NOT_ENDED"
}

# wrap_program PROG CMD...: cgi-bin/PROG.fcgi run through CMD... (a
# command that runs its last argument: setpriv, prlimit), from
# $TMP/as/cgi-bin: a request goes through it with BUILDDIR=$TMP/as.
wrap_program() {
	local prog=$1
	shift
	mkdir -p "$TMP/as/cgi-bin"
	{
		printf '#!/bin/sh\nexec'
		printf ' %q' "$@" "$BUILDDIR/cgi-bin/$prog.fcgi"
		printf '\n'
	} >"$TMP/as/cgi-bin/$prog.fcgi"
	chmod +x "$TMP/as/cgi-bin/$prog.fcgi"
}

# wrap_unreadable PROG: PROG, run with BUILDDIR=$TMP/as, may not read a
# file of its own user's of mode 000 (root reads through permission
# bits: as root it runs without them).
wrap_unreadable() {
	if [ "$(id -u)" -eq 0 ]; then
		wrap_program "$1" setpriv \
		    --bounding-set=-dac_override,-dac_read_search
	else
		wrap_program "$1" env
	fi
}

# The session store on an ext4 filesystem of its own, in the image file
# $IMG, loop-mounted on $MNT.
mount_ext4() {
	local err
	[ "$(id -u)" -eq 0 ] || skip "needs root to mount an ext4 image"
	command -v mkfs.ext4 >/dev/null || skip "needs mkfs.ext4"
	[ -x "$BUILDDIR/tests/fsdown" ] ||
	    fail "tests/fsdown is not built (make check builds it)" || return
	IMG=$TMP/ext4.img
	mkdir -p "$TMP/fs"
	truncate -s 8M "$IMG"
	mkfs.ext4 -q -N 64 "$IMG"
	err=$(mount -o loop "$IMG" "$TMP/fs" 2>&1) ||
	    skip "cannot mount an ext4 image here: $err"
	MNT=$TMP/fs
	SESSION_FILE_DIR=$MNT/sessions
}

# The disk fails: what is written so far is synced, then the filesystem
# is shut down.  Every open, read and write on it now fails with EIO.
disk_down() {
	sync -f "$MNT"
	"$BUILDDIR/tests/fsdown" "$MNT"
}

# The disk is back: unmounted, and mounted again from its image.
disk_back() {
	umount "$MNT"
	mount -o loop "$IMG" "$MNT"
}

# ---- A full filesystem ------------------------------------------------------

# A new session is refused at the store's reserve, before it would meet
# the full disk (flood.bats: SESSION_FILE_RESERVE=0 meets it).
@test "a full filesystem: a new login gets 503 and one log line naming the reserve" {
	mount_tmpfs size=256k
	two_sessions
	fill_blocks
	post_login username=carol
	assert_status 503
	assert_header Retry-After 30
	assert_output --partial 'The server cannot keep more sessions right now.'
	assert_logged_once 'down to its reserve (SESSION_FILE_RESERVE=5%): 0% of blocks'
}

@test "a full filesystem: the 503 sets no session cookie, no redirect and no 'You are logged in.' flash" {
	mount_tmpfs size=256k
	two_sessions
	fill_blocks
	post_login username=carol
	assert_status 503
	refute_header Location
	refute_set_cookie session
	refute_set_cookie session_flash
}

@test "a full filesystem: a login over an existing session gets 503 and the old session goes on" {
	mount_tmpfs size=256k
	two_sessions
	fill_blocks
	post_login username=carol HTTP_COOKIE="session=$ALICE"
	assert_status 503
	refute_set_cookie session
	cgi index GET "" HTTP_COOKIE="session=$ALICE"
	assert_logged_in_as alice
}

@test "a full filesystem: existing sessions still show the name" {
	mount_tmpfs size=256k
	two_sessions
	fill_blocks
	cgi index GET "" HTTP_COOKIE="session=$ALICE"
	assert_logged_in_as alice
	assert_equal "$(log_lines)" 0
}

@test "a full filesystem: a session whose expiry cannot be moved forward still shows the name, with one log line" {
	mount_tmpfs size=256k
	two_sessions
	fill_blocks
	cgi index GET "" HTTP_COOKIE="session=$BOB"
	assert_logged_in_as bob
	assert_logged_once 'No space left on device'
}

@test "a full filesystem: logout still works, as removing needs no space" {
	mount_tmpfs size=256k
	two_sessions
	fill_blocks
	cgi logout GET "" HTTP_COOKIE="session=$ALICE"
	assert_status 303
	assert_cookie_deleted session
	assert_equal "$(log_lines)" 0
	[ ! -e "$ALICE_FILE" ]
	cgi index GET "" HTTP_COOKIE="session=$ALICE"
	assert_anonymous
}

@test "a full filesystem: after every kind of request no session file is cut or changed, and no temporary file is left" {
	mount_tmpfs size=256k
	two_sessions
	fill_blocks
	post_login username=carol
	post_login username=carol HTTP_COOKIE="session=$ALICE"
	post_login username=carol HTTP_COOKIE="session=$BOB"
	cgi index GET "" HTTP_COOKIE="session=$ALICE"
	cgi index GET "" HTTP_COOKIE="session=$BOB"
	cgi login GET "" HTTP_COOKIE="session=$BOB"
	assert_sessions_unchanged
}

@test "no free inode: a new login gets 503 and one log line naming the reserve, and nothing changes" {
	mount_tmpfs size=1m,nr_inodes=32
	two_sessions
	fill_inodes
	post_login username=carol
	assert_status 503
	assert_logged_once 'down to its reserve (SESSION_FILE_RESERVE=5%): '
	assert_logged_once '0% of inodes free'
	refute_set_cookie session_flash
	post_login username=carol HTTP_COOKIE="session=$ALICE"
	assert_status 503
	cgi index GET "" HTTP_COOKIE="session=$BOB"
	assert_sessions_unchanged
}

@test "no free inode: existing sessions still show the name and can log out" {
	mount_tmpfs size=1m,nr_inodes=32
	two_sessions
	fill_inodes
	cgi index GET "" HTTP_COOKIE="session=$ALICE"
	assert_logged_in_as alice
	cgi index GET "" HTTP_COOKIE="session=$BOB"
	assert_logged_in_as bob
	cgi logout GET "" HTTP_COOKIE="session=$BOB"
	assert_status 303
	assert_cookie_deleted session
	[ ! -e "$BOB_FILE" ]
}

# ---- A read-only session directory -------------------------------------

# A read-only or unwritable directory is a fault of the set-up, which
# waiting does not cure: 500, as for any other store failure.  503 is
# kept for a full store, which frees up as sessions expire.

@test "a read-only session directory: a new login gets 500 and one log line naming the directory" {
	read_only_setup
	post_login username=carol
	assert_status 500
	assert_logged_once "$SESSION_FILE_DIR"
	refute_set_cookie session
	refute_set_cookie session_flash
}

@test "a read-only session directory: existing sessions still show the name" {
	read_only_setup
	cgi index GET "" HTTP_COOKIE="session=$ALICE"
	assert_logged_in_as alice
	assert_equal "$(log_lines)" 0
	# Bob's expiry cannot be moved forward: said once in the log.
	cgi index GET "" HTTP_COOKIE="session=$BOB"
	assert_logged_in_as bob
	assert_logged_once 'cannot refresh'
}

@test "a read-only session directory: logout deletes the cookie all the same, says the session could not be ended, and logs one line" {
	read_only_setup
	cgi logout GET "" HTTP_COOKIE="session=$ALICE"
	assert_logged_once "$SESSION_FILE_DIR"
	assert_log_hides "$ALICE"
	assert_logged_out_not_ended "session=$ALICE"
	[ -e "$ALICE_FILE" ] || fail "the session file is gone"
}

@test "a read-only session directory: the cookie of a logout that could not end the session, replayed, still names the live session" {
	read_only_setup
	cgi logout GET "" HTTP_COOKIE="session=$ALICE"
	assert_cookie_deleted session
	# The server's state: the file cannot be removed, so the session
	# lives until it expires.  The browser has forgotten the cookie.
	cgi index GET "" HTTP_COOKIE="session=$ALICE"
	assert_logged_in_as alice
}

@test "a read-only session directory: after every kind of request no session file has changed" {
	read_only_setup
	post_login username=carol
	post_login username=carol HTTP_COOKIE="session=$ALICE"
	cgi index GET "" HTTP_COOKIE="session=$ALICE"
	cgi index GET "" HTTP_COOKIE="session=$BOB"
	cgi logout GET "" HTTP_COOKIE="session=$BOB"
	assert_sessions_unchanged
}

# ---- A disk that fails (EIO) ----------------------------------------------

# A disk that fails is a fault waiting may mend (a replaced disk, a
# remount): 503 with Retry-After, and the cookie stays, so the visitor is
# logged in again once the store is back.

@test "a failing disk: GET / gets 503 with Retry-After and one log line naming the file, and keeps the cookie" {
	mount_ext4
	login alice
	file=$(only_session_file)
	disk_down
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_status 503
	assert_header Retry-After 30
	assert_output --partial 'The server cannot reach its sessions right now.'
	refute_set_cookie session
	assert_logged_once "${file##*/}: Input/output error"
	assert_log_hides "$SESSION"
}

@test "a failing disk: HEAD / gets the 503 of GET, and keeps the cookie" {
	mount_ext4
	login alice
	disk_down
	cgi index HEAD "" HTTP_COOKIE="session=$SESSION"
	assert_status 503
	assert_header Retry-After 30
	refute_set_cookie session
	assert_equal "$BODY" ""
}

@test "a failing disk: a login over an existing session gets 503, sets no cookie and no flash" {
	mount_ext4
	login alice
	ALICE=$SESSION
	disk_down
	post_login username=carol HTTP_COOKIE="session=$ALICE"
	assert_status 503
	assert_header Retry-After 30
	refute_set_cookie session
	refute_set_cookie session_flash
	assert_logged_once 'Input/output error'
}

@test "a failing disk: the cookie kept through the 503 is logged in again once the disk is mounted again" {
	mount_ext4
	login alice
	disk_down
	cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_status 503
	next_cookies "session=$SESSION"
	cookies=$REPLY
	disk_back
	cgi index GET "" HTTP_COOKIE="$cookies"
	assert_logged_in_as alice
}

@test "a failing disk: logout deletes the cookie all the same, says the session could not be ended, and logs one line" {
	mount_ext4
	login alice
	file=$(only_session_file)
	disk_down
	cgi logout GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_once 'Input/output error'
	assert_log_hides "$SESSION"
	assert_logged_out_not_ended "session=$SESSION"
	disk_back
	[ -e "$file" ] || fail "the session file is gone"
}

# A FastCGI worker holds the directory (and, once it has locked, the lock
# file) open from one request to the next: the fault comes from the
# reads, not from opening the directory.  Each worker has served a
# request on the live store first.

@test "a failing disk under FastCGI: a worker that holds the store open answers GET / with 503 and keeps the cookie" {
	mount_ext4
	login alice
	start_logged index
	fcgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_in_as alice
	disk_down
	fcgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_status 503
	assert_header Retry-After 30
	refute_set_cookie session
	assert_equal "$(logged_lines index)" 1
	grep -q 'Input/output error' "$TMP/index.stderr"
}

@test "a failing disk under FastCGI: logout in a worker that holds the lock deletes the cookie and says the session could not be ended" {
	mount_ext4
	login bob
	BOB=$SESSION
	login alice
	start_logged logout
	fcgi logout GET "" HTTP_COOKIE="session=$BOB"
	assert_cookie_deleted session
	disk_down
	fcgi logout GET "" HTTP_COOKIE="session=$SESSION"
	assert_logged_out_not_ended "session=$SESSION"
	assert_equal "$(logged_lines logout)" 1
	grep -q 'Input/output error' "$TMP/logout.stderr"
}

# ---- A session file that cannot be read (EACCES, EMFILE) --------------------

# A file of ours that we may not read is the set-up's fault (500); no
# descriptor left is one waiting may mend (503).  Neither is a fact about
# the session.

@test "a session file the programs may not read (EACCES): GET / gets 500 and one log line, and keeps the cookie" {
	login alice
	file=$(only_session_file)
	chmod 000 "$file"
	wrap_unreadable index
	BUILDDIR=$TMP/as cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_status 500
	refute_set_cookie session
	assert_logged_once "${file##*/}: Permission denied"
	assert_log_hides "$SESSION"
}

@test "a session file the programs may not read (EACCES): logout removes it all the same, unread, and deletes the cookie" {
	login alice
	file=$(only_session_file)
	chmod 000 "$file"
	wrap_unreadable logout
	BUILDDIR=$TMP/as cgi logout GET "" HTTP_COOKIE="session=$SESSION"
	assert_status 303
	assert_cookie_deleted session
	[ ! -e "$file" ] || fail "the session file is still there"
	assert_logged_once "the session is ended unread"
	assert_log_hides "$SESSION"
}

@test "no descriptor left to open the session file (EMFILE): GET / gets 503 and keeps the cookie" {
	command -v prlimit >/dev/null || skip "needs prlimit"
	login alice
	# The fewest descriptors with which the program still answers.
	for n in $(seq 3 64); do
		wrap_program index prlimit --nofile="$n" --
		if BUILDDIR=$TMP/as cgi index GET 2>/dev/null &&
		    [ "$CODE" = 200 ]; then
			break
		fi
	done
	assert_anonymous
	BUILDDIR=$TMP/as cgi index GET "" HTTP_COOKIE="session=$SESSION"
	assert_status 503
	assert_header Retry-After 30
	refute_set_cookie session
	assert_logged_once 'Too many open files'
}

# ---- SIGKILL in the middle of a write -------------------------------------

# One POST /login (run I, after the words given), with the token of
# fetch_csrf_token: a new session file each time it gets that far.
run_login() {
	shift
	"$@" env -i "${CONFIG_ENV[@]}" REQUEST_METHOD=POST \
	    CONTENT_TYPE=application/x-www-form-urlencoded \
	    CONTENT_LENGTH="$BODY_LENGTH" HTTP_COOKIE="session_csrf=$CSRF" \
	    "$BUILDDIR/cgi-bin/login.fcgi" <"$TMP/body" >/dev/null 2>&1
}

session_count() {
	list_session_files
	REPLY=${#SESSION_FILES[@]}
}

# One GET / of Bob's session (run I): each run has a lifetime longer by
# more than the largest refresh step (an hour), so each moves the expiry
# forward and rewrites the file.
run_refresh() {
	local i=$1
	shift
	"$@" env -i "${CONFIG_ENV[@]}" REQUEST_METHOD=GET \
	    HTTP_COOKIE="session=$BOB" \
	    PERMANENT_SESSION_LIFETIME=$((2678400 + 4000 * (i + 1))) \
	    "$BUILDDIR/cgi-bin/index.fcgi" >/dev/null 2>&1
}

bob_expiry() {
	REPLY=
	{ read -r _ && read -r REPLY; } <"$BOB_FILE" 2>/dev/null || true
}

@test "SIGKILL in the middle of login writes, hundreds of times: every session file whole, only temporary files left over" {
	two_sessions
	fetch_csrf_token
	printf 'csrf_token=%s&username=carol' "$CSRF" >"$TMP/body"
	BODY_LENGTH=$(wc -c <"$TMP/body")
	config_env
	kill_writes 400 session_count run_login
	echo "# $KILLED of $RUNS logins killed; $WROTE wrote their session," \
	    "$LANDED were killed in the middle of writing it" >&3
	assert_whole_store
	# The kills did fall in the write window, or the test proves nothing.
	[ "$LANDED" -ge 1 ]
	[ "$WROTE" -ge 1 ]
	assert_equal "$TMP_FILES" "$LANDED"
	# The sessions from before are as they were, and still work.
	for f in "$TMP/saved"/*; do
		cmp "$f" "$SESSION_FILE_DIR/${f##*/}"
	done
	cgi index GET "" HTTP_COOKIE="session=$ALICE"
	assert_logged_in_as alice
}

@test "SIGKILL in the middle of expiry refreshes, hundreds of times: the session stays whole and works, the others are untouched" {
	two_sessions
	config_env
	kill_writes 400 bob_expiry run_refresh
	echo "# $KILLED of $RUNS refreshes killed; $WROTE wrote the file," \
	    "$LANDED were killed in the middle of writing it" >&3
	assert_whole_store
	[ "$LANDED" -ge 1 ]
	[ "$WROTE" -ge 1 ]
	assert_equal "$TMP_FILES" "$LANDED"
	assert_session_files 2
	grep -qx 'data username=bob' "$BOB_FILE"
	cmp "$TMP/saved/${ALICE_FILE##*/}" "$ALICE_FILE"
	cgi index GET "" HTTP_COOKIE="session=$BOB"
	assert_logged_in_as bob
}

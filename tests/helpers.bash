# helpers.bash: the assertions, and the programs run as CGI and as
# FastCGI (what cgi.bats and fastcgi.bats are made of).  Part of the test
# library: suites load lib.bash, which loads this.
#
# The harness (make check) exports:
#	BUILDDIR	the build tree: the programs are $BUILDDIR/cgi-bin/*.fcgi
#	SRCDIR		the source tree: the templates are $SRCDIR/html
#	CGI_FCGI	libfcgi's cgi-fcgi
#	SPAWN_FCGI	spawn-fcgi
#
# The assertions are plain shell, below, named and behaving like those of
# bats-assert: the suite needs nothing but bats (and coreutils; openssl
# for the few tests that sign values themselves, skipped without it), and
# loading bats-support and bats-assert in every test would cost more than
# the tests.  Everything a test writes goes under $BATS_TEST_TMPDIR.
#
# bats runs a DEBUG trap before every shell command of a test, for its
# stack traces, and it costs more than the programs themselves: the helpers
# prefer one pattern match to a loop and builtins to forks, and those that
# send requests switch the trap off while they run (quiet ... loud).  A
# failure inside one is reported at the helper's call.

# ---- Assertions -----------------------------------------------------------

fail() {
	printf '%s\n' "$*" >&2
	return 1
}

# refute CMD...: CMD must fail.  A bare "! CMD" asserts nothing in bats
# (set -e ignores a negated command), so every negative check is this.
refute() {
	if "$@"; then
		fail "it should have failed: $*"
	fi
}

assert_equal() {
	[ "$1" = "$2" ] ||
	    fail "-- values do not equal --"$'\n'"expected: $2"$'\n'"actual:   $1"
}

assert_regex() {
	[[ $1 =~ $2 ]] || fail "-- '$1' does not match /$2/"
}

refute_regex() {
	if [[ $1 =~ $2 ]]; then
		fail "-- '$1' matches /$2/, and should not"
	fi
}

# assert_output --partial TEXT: the body ($output) contains TEXT.
assert_output() {
	[ "$1" = --partial ] || fail "assert_output: only --partial here"
	[[ $output == *"$2"* ]] ||
	    fail "-- output does not contain: $2"$'\n'"page: $(visible_text)"
}

refute_output() {
	[ "$1" = --partial ] || fail "refute_output: only --partial here"
	if [[ $output == *"$2"* ]]; then
		fail "-- output contains, and should not: $2"
	fi
}

# After `run`: the command failed.
assert_failure() {
	[ "$status" -ne 0 ] || fail "-- the command succeeded: $output"
}

# Every test starts with a fresh configuration: a session directory that
# does not exist yet, a random key, the source tree's templates.
# SECRET_KEY, SESSION_FILE_DIR and TEMPLATE_DIR are passed to the programs
# while they are set (unset one to leave it out); CONFIG holds further
# VAR=value settings for every run.
common_setup() {
	: "${BUILDDIR:?BUILDDIR must name the build tree}"
	: "${SRCDIR:?SRCDIR must name the source tree}"
	TMP=$BATS_TEST_TMPDIR
	SESSION_FILE_DIR=$TMP/sessions
	SECRET_KEY=$(random_key)
	TEMPLATE_DIR=$SRCDIR/html
	CONFIG=()
	RUN_AS=()	# words in front of each program run as CGI (AS_NOBODY)
	REQUEST=cgi	# or fcgi: how the helpers below send requests
	unset CGI_STDIN
	DEBUG_TRAP=$(trap -p DEBUG)
	QUIET=0
}

quiet() {
	trap - DEBUG
	QUIET=$((QUIET + 1))
}

loud() {
	QUIET=$((QUIET - 1))
	if [ "$QUIET" -le 0 ]; then
		QUIET=0
		eval "${DEBUG_TRAP:-:}"
	fi
}

# A fresh key of 256 random bits (bash's SRANDOM reads getrandom(2)).
random_key() {
	printf '%08x' "$SRANDOM" "$SRANDOM" "$SRANDOM" "$SRANDOM" \
	    "$SRANDOM" "$SRANDOM" "$SRANDOM" "$SRANDOM"
}

# The configuration as VAR=value words, in the array CONFIG_ENV.
config_env() {
	local v
	CONFIG_ENV=()
	for v in SECRET_KEY SESSION_FILE_DIR TEMPLATE_DIR; do
		if [ -n "${!v+set}" ]; then
			CONFIG_ENV+=("$v=${!v}")
		fi
	done
	CONFIG_ENV+=("${CONFIG[@]}")
}

# cgi PROG METHOD [BODY [VAR=value...]]
#
# Run cgi-bin/PROG.fcgi as plain CGI, with `env -i`: the program sees the
# configuration, REQUEST_METHOD, and the VAR=value words given (which
# replace the variable of that name; "-VAR" removes it).  A non-empty BODY
# is sent on stdin, with CONTENT_LENGTH (its size in bytes) and
# CONTENT_TYPE application/x-www-form-urlencoded; otherwise stdin is
# /dev/null, or the file named by CGI_STDIN.
#
# Afterwards:
#	STATUS	the Status line's value ("303 See Other"), CODE its number
#	HEADERS	the header lines, without their CR
#	BODY	the body (also in $output, for assert_output)
#	LOG	what the program wrote on stderr
#	RESPONSE the whole answer, as it came
# A crash, a hang (10 s), or an answer without the empty line that ends
# the headers fails the test here.
cgi() {
	quiet
	local prog=$1 method=$2 body=${3-}
	local -a envv
	shift 2
	if [ "$#" -gt 0 ]; then
		shift
	fi
	config_env
	envv=("${CONFIG_ENV[@]}")
	if [ -n "$method" ]; then
		envv+=("REQUEST_METHOD=$method")
	fi
	request_body "$body"
	envv+=("${BODY_ENV[@]}")
	request_vars "$@"
	run_program "$prog" <"$BODY_FILE" || return
	loud
}

# run_program PROG: run cgi-bin/PROG.fcgi with the environment envv (of
# the caller) and the caller's stdin; set LOG and parse the answer (see
# cgi()).
run_program() {
	local rc=0
	timeout 10 "${RUN_AS[@]}" env -i "${envv[@]}" \
	    "$BUILDDIR/cgi-bin/$1.fcgi" >"$TMP/response" 2>"$TMP/stderr" ||
	    rc=$?
	read_file "$TMP/stderr"
	LOG=${REPLY%$'\n'}
	case $rc in
	0) ;;
	124) fail "$1.fcgi hung: no answer in 10 seconds"; return 1 ;;
	*) fail "$1.fcgi exited with status $rc; stderr: $LOG"; return 1 ;;
	esac
	parse_response "$TMP/response"
}

# REPLY: the contents of file $1.
read_file() {
	REPLY=
	IFS= read -r -d '' REPLY <"$1" || true
}

# Set BODY_FILE and BODY_ENV for a request body (see cgi()).
request_body() {
	local LC_ALL=C body=$1
	BODY_ENV=()
	BODY_FILE=/dev/null
	if [ -n "$body" ]; then
		printf '%s' "$body" >"$TMP/request-body"
		BODY_FILE=$TMP/request-body
		BODY_ENV=("CONTENT_LENGTH=${#body}"
		    "CONTENT_TYPE=application/x-www-form-urlencoded")
	fi
	if [ -n "${CGI_STDIN-}" ]; then
		BODY_FILE=$CGI_STDIN
	fi
}

# Add VAR=value words to the caller's envv: env(1) lets the last VAR= of
# a name win.  A word "-VAR" removes VAR (a request without
# CONTENT_LENGTH, say).
request_vars() {
	local w e
	local -a keep
	if [[ " $* " != *" -"* ]]; then
		envv+=("$@")
		return 0
	fi
	for w in "$@"; do
		if [ "${w#-}" = "$w" ]; then
			envv+=("$w")
			continue
		fi
		keep=()
		for e in "${envv[@]}"; do
			if [ "${e%%=*}" != "${w#-}" ]; then
				keep+=("$e")
			fi
		done
		envv=("${keep[@]}")
	done
}

# Split an answer at its first empty line (lines end in CRLF).
parse_response() {
	read_file "$1"
	RESPONSE=$REPLY
	[[ $RESPONSE == *$'\r\n\r\n'* ]] ||
	    fail "the answer has no empty line after its headers: $RESPONSE" ||
	    return
	HEADERS=${RESPONSE%%$'\r\n\r\n'*}
	HEADERS=${HEADERS//$'\r'/}
	BODY=${RESPONSE#*$'\r\n\r\n'}
	output=$BODY
	header_value Status ||
	    fail "the answer has no Status line: $HEADERS" || return
	STATUS=$REPLY
	CODE=${STATUS%% *}
}

# header_value NAME: REPLY is the value of the first header NAME (in any
# case); the status is 1 when there is none.
header_value() {
	local re=$'(^|\n)'"$1"$':[ \t]*([^\n]*)' ok=1
	REPLY=
	shopt -s nocasematch
	if [[ $HEADERS =~ $re ]]; then
		REPLY=${BASH_REMATCH[2]}
		ok=0
	fi
	shopt -u nocasematch
	return $ok
}

# header NAME: prints the value of header NAME, or fails.
header() {
	header_value "$1" || return 1
	printf '%s\n' "$REPLY"
}

assert_status() {
	[ "$CODE" = "$1" ] ||
	    fail "expected status $1, got \"$STATUS\"; page: $(visible_text)"
}

# The page's headings and messages, for failure messages.
visible_text() {
	grep -E '<h1>|<p class' <<<"$BODY" | sed 's/<[^>]*>//g' | tr '\n' ' '
}

assert_header() {
	header_value "$1" || fail "no $1 header in: $HEADERS" || return
	assert_equal "$REPLY" "$2"
}

refute_header() {
	if header_value "$1"; then
		fail "unexpected header $1: $REPLY"
	fi
}

# assert_header_lines [COOKIE...]: the answer's header block is exactly
# the lines every answer has (with Location on a 303 and Allow on a
# 405), in their order, then one Set-Cookie for each COOKIE named, in
# that order; and every line ends in CRLF, with no other CR or LF in the
# block.  So no value from the request or the configuration added a
# header line, split one, or ended the block early.  (A NUL byte would
# cut the answer short for read_file: parse_response fails on it.)
assert_header_lines() {
	quiet
	local want got line head c
	head=${RESPONSE%%$'\r\n\r\n'*}$'\r\n'
	c=${head//$'\r\n'/}
	[[ $c != *[$'\r\n']* ]] ||
	    fail "a bare CR or LF in the header block: $head" || return
	want="Status Content-Type Content-Length"
	case $CODE in
	303) want+=" Location" ;;
	405) want+=" Allow" ;;
	esac
	want+=" Cache-Control Vary X-Content-Type-Options"
	want+=" Content-Security-Policy X-Frame-Options Referrer-Policy"
	want+=" Accept-Ranges"
	for c in "$@"; do
		want+=" Set-Cookie:$c"
	done
	got=
	while IFS= read -r line; do
		[[ $line =~ ^([A-Za-z-]+):\ [^\ ] ]] ||
		    fail "not a header line: '$line'" || return
		c=${BASH_REMATCH[1]}
		if [ "$c" = Set-Cookie ]; then
			c+=":${line#Set-Cookie: }"
			c=${c%%=*}
		fi
		got+=" $c"
	done <<<"$HEADERS"
	got=${got# }
	[ "$got" = "$want" ] || fail "-- header lines differ --"$'\n'"expected:" \
	    "$want"$'\n'"actual:   $got"$'\n'"$HEADERS" || return
	loud
}

# set_cookie_line NAME: REPLY is the Set-Cookie header for cookie NAME,
# without "Set-Cookie: "; status 1 when there is none, and a failure
# when there are several.
set_cookie_line() {
	local re=$'(^|\n)[Ss][Ee][Tt]-[Cc][Oo][Oo][Kk][Ii][Ee]:[ \t]*('"$1"$'=[^\n]*)'
	REPLY=
	[[ $HEADERS =~ $re ]] || return 1
	REPLY=${BASH_REMATCH[2]}
	if [[ ${HEADERS#*"${BASH_REMATCH[0]}"} =~ $re ]]; then
		fail "several Set-Cookie headers for $1 in: $HEADERS"
	fi
}

# set_cookie NAME: prints the Set-Cookie header for NAME, or fails.
set_cookie() {
	set_cookie_line "$1" || return 1
	printf '%s\n' "$REPLY"
}

# cookie_value NAME: prints the value the answer gives cookie NAME.
cookie_value() {
	cookie_value_of "$1" || return
	printf '%s\n' "$REPLY"
}

cookie_value_of() {
	set_cookie_line "$1" || fail "no Set-Cookie for $1 in: $HEADERS" ||
	    return
	REPLY=${REPLY#*=}
	REPLY=${REPLY%%;*}
}

# cookie_attr NAME ATTR: prints the value of attribute ATTR (Path,
# Expires...), or ATTR itself for a flag (Secure, HttpOnly); status 1 when
# the cookie does not have it.
cookie_attr() {
	local a
	local -a parts
	set_cookie_line "$1" || fail "no Set-Cookie for $1 in: $HEADERS" ||
	    return
	IFS=';' read -ra parts <<<"$REPLY"
	for a in "${parts[@]:1}"; do
		a=${a# }
		case ${a,,} in
		"${2,,}") printf '%s\n' "$2"; return 0 ;;
		"${2,,}="*) printf '%s\n' "${a#*=}"; return 0 ;;
		esac
	done
	return 1
}

# assert_cookie_attr NAME ATTR [VALUE]: cookie NAME has attribute ATTR
# (with VALUE, when given).
assert_cookie_attr() {
	local v
	v=$(cookie_attr "$1" "$2") ||
	    fail "cookie $1 has no $2: $(set_cookie "$1")" || return
	if [ "$#" -gt 2 ]; then
		[ "$v" = "$3" ] ||
		    fail "cookie $1 has $2=$v, not $3: $(set_cookie "$1")"
	fi
}

refute_cookie_attr() {
	if cookie_attr "$1" "$2" >/dev/null; then
		fail "cookie $1 has $2, and should not: $(set_cookie "$1")"
	fi
}

refute_set_cookie() {
	if set_cookie_line "$1"; then
		fail "unexpected Set-Cookie: $REPLY"
	fi
}

# The browser is told to forget cookie NAME: an empty value and an
# Expires in 1970.
assert_cookie_deleted() {
	set_cookie_line "$1" || fail "cookie $1 is not deleted: $HEADERS" ||
	    return
	[[ $REPLY == "$1=;"* ]] || fail "cookie $1 is not emptied: $REPLY" ||
	    return
	[[ $REPLY == *"; Expires=Thu, 01 Jan 1970 00:00:00 GMT"* ]] ||
	    fail "cookie $1 has no Expires in 1970: $REPLY"
}

# assert_cookie_deleted_for NAME [DOMAIN]: among the answer's Set-Cookie
# lines, one deletes NAME for DOMAIN (without DOMAIN: the host-only one).
assert_cookie_deleted_for() {
	local line want=${2-} found=
	while IFS= read -r line; do
		[[ $line == [Ss]et-[Cc]ookie:\ "$1=;"* ]] || continue
		[[ $line == *"; Expires=Thu, 01 Jan 1970 00:00:00 GMT"* ]] ||
		    continue
		if [ -z "$want" ]; then
			[[ $line == *"; Domain="* ]] || found=1
		elif [[ "$line;" == *"; Domain=$want;"* ]]; then
			found=1
		fi
	done <<<"$HEADERS"
	[ -n "$found" ] ||
	    fail "no deletion of $1 for ${want:-the host only}: $HEADERS"
}

# refute_cookie_deleted NAME: no Set-Cookie line deletes NAME anywhere.
refute_cookie_deleted() {
	if [[ $'\n'$HEADERS =~ $'\n'[Ss]et-[Cc]ookie:\ "$1"=\; ]]; then
		fail "cookie $1 is deleted: $HEADERS"
	fi
}

# assert_log_hides VALUE...: no log line holds any VALUE (a cookie, an
# id), nor its id part.
assert_log_hides() {
	local v
	for v; do
		[[ $LOG != *"$v"* && $LOG != *"${v%%.*}"* ]] ||
		    fail "the log gives away a cookie: $LOG" || return
	done
}

# The CSRF token in the login form's hidden field csrf_token.
csrf_token() {
	csrf_token_of_form || return
	printf '%s\n' "$REPLY"
}

csrf_token_of_form() {
	local re='name="csrf_token" value="([^"]*)"'
	[[ $BODY =~ $re ]] ||
	    fail "no csrf_token field in the page: $(visible_text)" || return
	REPLY=${BASH_REMATCH[1]}
}

# The answer is the start page of a visitor logged in as NAME (as HTML).
assert_logged_in_as() {
	assert_status 200
	assert_output --partial "Logged in as <strong>$1</strong>"
}

# The answer is the start page of a visitor without a session.
assert_anonymous() {
	assert_status 200
	assert_output --partial 'You are not logged in'
	refute_output --partial 'Logged in as'
}

# The answer is the login form again.
assert_login_form() {
	assert_output --partial '<form method="post"'
	assert_output --partial 'name="username"'
	assert_output --partial 'name="csrf_token" value="'
}

# list_session_files [DIR]: SESSION_FILES is the names in DIR (by default
# SESSION_FILE_DIR) that are not hidden (the lock file and temporary files
# start with a dot), sorted.
list_session_files() {
	local f
	SESSION_FILES=()
	for f in "${1:-$SESSION_FILE_DIR}"/*; do
		if [ -e "$f" ] || [ -L "$f" ]; then
			SESSION_FILES+=("${f##*/}")
		fi
	done
}

# session_files [DIR]: prints their names, one a line.
session_files() {
	list_session_files "$@"
	if [ "${#SESSION_FILES[@]}" -gt 0 ]; then
		printf '%s\n' "${SESSION_FILES[@]}"
	fi
}

assert_session_files() {
	list_session_files
	[ "${#SESSION_FILES[@]}" -eq "$1" ] ||
	    fail "expected $1 session file(s), found ${#SESSION_FILES[@]}: ${SESSION_FILES[*]}"
}

# only_session_file: prints the path of the only session file in
# SESSION_FILE_DIR.
only_session_file() {
	assert_session_files 1 || return
	printf '%s/%s\n' "$SESSION_FILE_DIR" "${SESSION_FILES[0]}"
}

# Nothing on disk at all: no directory, or an empty one.
assert_no_disk_use() {
	local f
	for f in "$SESSION_FILE_DIR"/* "$SESSION_FILE_DIR"/.[!.]*; do
		if [ -e "$f" ] || [ -L "$f" ]; then
			fail "a file in SESSION_FILE_DIR: ${f##*/}"
			return 1
		fi
	done
}

# log_lines: prints how many lines the program logged.
log_lines() {
	local nl
	if [ -z "$LOG" ]; then
		echo 0
		return
	fi
	nl=${LOG//[!$'\n']/}
	echo $((${#nl} + 1))
}

# assert_logged_once TEXT: the program logged exactly one line, and it
# contains TEXT.
assert_logged_once() {
	[ "$(log_lines)" -eq 1 ] ||
	    fail "expected one log line, got $(log_lines): $LOG" || return
	[[ $LOG == *"$1"* ]] || fail "the log line does not name $1: $LOG"
}

# The CSRF token a fresh visitor gets with the login form: sets CSRF.
fetch_csrf_token() {
	quiet
	"$REQUEST" login GET "" "$@" || return
	assert_status 200 || return
	csrf_token_of_form || return
	CSRF=$REPLY
	cookie_value_of session_csrf || return
	assert_equal "$REPLY" "$CSRF" || return
	loud
}

# post_form PROG FIELDS [VAR=value...]
#
# POST to PROG with a valid CSRF token (field and cookie) and the
# urlencoded FIELDS, as a browser that has just loaded a form would.
# Cookies in an HTTP_COOKIE=... word are sent after the CSRF cookie.
post_form() {
	quiet
	local prog=$1 fields=$2 w
	local -a vars=()
	shift 2
	fetch_csrf_token || return
	for w in "$@"; do
		case $w in
		HTTP_COOKIE=*) vars+=("HTTP_COOKIE=session_csrf=$CSRF; ${w#*=}") ;;
		*) vars+=("$w") ;;
		esac
	done
	"$REQUEST" "$prog" POST "csrf_token=$CSRF${fields:+&$fields}" \
	    HTTP_COOKIE="session_csrf=$CSRF" "${vars[@]}" || return
	loud
}

# post_login FIELDS [VAR=value...]: post_form to login.
post_login() {
	post_form login "$@"
}

# login NAME [COOKIE...]
#
# The whole login: the form, then the POST with NAME (urlencoded here) and
# the extra cookies given ("session=..."), which must succeed.  Sets
# SESSION to the new session cookie's value and FLASH to the flash
# cookie's.
login() {
	quiet
	local name=$1 cookies c
	shift
	fetch_csrf_token || return
	cookies="session_csrf=$CSRF"
	for c in "$@"; do
		cookies="$cookies; $c"
	done
	urlencode_to_reply "$name"
	"$REQUEST" login POST "csrf_token=$CSRF&username=$REPLY" \
	    HTTP_COOKIE="$cookies" || return
	assert_status 303 || return
	cookie_value_of session || return
	SESSION=$REPLY
	cookie_value_of session_flash || return
	FLASH=$REPLY
	loud
}

# REPLY: $1 as application/x-www-form-urlencoded, byte by byte.
urlencode_to_reply() {
	local LC_ALL=C s=$1 i c hex
	REPLY=
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[A-Za-z0-9._~-]) REPLY+=$c ;;
		*) printf -v hex '%%%02X' "'$c"; REPLY+=$hex ;;
		esac
	done
}

# tamper VALUE INDEX: VALUE with its character at INDEX replaced by
# another base64url character.
tamper() {
	local v=$1 i=$2 r=A
	[ "${v:i:1}" != A ] || r=B
	printf '%s\n' "${v:0:i}$r${v:i+1}"
}

# The id part of a session cookie value ID.TAG.
cookie_id() {
	printf '%s\n' "${1%%.*}"
}

# base64url without padding, of stdin.
b64url() {
	base64 -w0 | tr '+/' '-_' | tr -d '='
}

# sign DOMAIN MESSAGE: the tag the programs compute under $SECRET_KEY
# (HMAC-SHA256 of "sessile-DOMAIN", a NUL and MESSAGE, in base64url), so
# that a test can make values the server never issued but would accept.
sign() {
	command -v openssl >/dev/null || skip "openssl is needed to sign"
	printf 'sessile-%s\0%s' "$1" "$2" |
	    openssl dgst -sha256 -hmac "$SECRET_KEY" -binary | b64url
}

# The expiry written in session file FILE.
file_expires() {
	sed -n 's/^expires \([0-9]*\)$/\1/p' "$1"
}

# Rewrite the expiry of session file FILE to T, in place (same inode).
set_file_expires() {
	local text
	text=$(sed "s/^expires [0-9]*$/expires $2/" "$1")
	printf '%s\n' "$text" >"$1"
}

# mount_tmpfs OPTIONS: the session directory goes on a tmpfs of its own,
# mounted on $MNT with OPTIONS (size=, nr_inodes=).
mount_tmpfs() {
	local err
	[ "$(id -u)" -eq 0 ] || skip "needs root to mount a tmpfs"
	mkdir -p "$TMP/fs"
	err=$(mount -t tmpfs -o "mode=0700,$1" sessile-test "$TMP/fs" 2>&1) ||
	    skip "cannot mount a tmpfs here: $err"
	MNT=$TMP/fs
	SESSION_FILE_DIR=$MNT/sessions
}

# ---- Another user ---------------------------------------------------------

# as_nobody: set AS_NOBODY to the words that run a command as uid and gid
# 65534 (for RUN_AS, or in front of a command), or skip: it needs root
# and setpriv.  bats makes its run directory 0700: the directories from
# it down to $TMP become searchable by others (not readable), so that
# that user reaches SESSION_FILE_DIR.
as_nobody() {
	local p=$TMP
	[ "$(id -u)" -eq 0 ] || skip "needs root to run as another user"
	command -v setpriv >/dev/null || skip "setpriv is not installed"
	while [ "${#p}" -ge "${#BATS_RUN_TMPDIR}" ]; do
		chmod o+x "$p"
		p=${p%/*}
	done
	AS_NOBODY=(setpriv --reuid 65534 --regid 65534 --clear-groups)
	# The build itself may be in a directory only root may enter.
	# (Under valgrind BUILDDIR holds wrappers of the programs in SRCDIR.)
	"${AS_NOBODY[@]}" test -x "$BUILDDIR/cgi-bin/index.fcgi" -a \
	    -r "$SRCDIR/html/layout.html" ||
	    skip "uid 65534 cannot reach the programs in $BUILDDIR"
	[ ! -e "$SRCDIR/cgi-bin/index.fcgi" ] ||
	    "${AS_NOBODY[@]}" test -x "$SRCDIR/cgi-bin/index.fcgi" ||
	    skip "uid 65534 cannot reach the programs in $SRCDIR"
}

# ---- FastCGI --------------------------------------------------------------

# start_fcgi PROG...: spawn one PROG.fcgi each (-F 1) with spawn-fcgi on
# 127.0.0.1 and a free high port, with the configuration in its
# environment (spawn-fcgi hands its environment to its child).  Sets
# PORT_PROG and PID_PROG.  spawn-fcgi waits a moment to see its child
# live, so the programs are spawned side by side.
# wait_exec PID PROG: up to two seconds for PID to be a PROG.fcgi (or to
# be gone: a program that exits at once is the caller's to see).
wait_exec() {
	for _ in $(seq 100); do
		[[ $(readlink "/proc/$1/exe") == */cgi-bin/$2.fcgi ]] && return 0
		[ -e "/proc/$1" ] || return 0
		sleep 0.02
	done
}

start_fcgi() {
	quiet
	local prog try
	local -A port job
	config_env
	for try in 1 2 3 4 5 6 7 8 9 10; do
		for prog in "$@"; do
			port[$prog]=$(free_port)
			# fd 3 is bats' own: the daemon must not keep it open.
			env -i "${CONFIG_ENV[@]}" "$SPAWN_FCGI" -a 127.0.0.1 \
			    -p "${port[$prog]}" -F 1 -P "$TMP/$prog.pid" -- \
			    "$BUILDDIR/cgi-bin/$prog.fcgi" \
			    >"$TMP/spawn-$prog.log" 2>&1 3>&- &
			job[$prog]=$!
		done
		set --
		for prog in "${!job[@]}"; do
			if wait "${job[$prog]}"; then
				read_file "$TMP/$prog.pid"
				printf -v "PORT_$prog" '%s' "${port[$prog]}"
				printf -v "PID_$prog" '%s' "${REPLY%$'\n'}"
				# spawn-fcgi writes the pid of its child, which
				# may not have exec'd the program yet.
				wait_exec "${REPLY%$'\n'}" "$prog"
			else
				set -- "$@" "$prog"	# the port was taken: again
			fi
		done
		if [ "$#" -eq 0 ]; then
			loud
			return 0
		fi
		job=()
	done
	read_file "$TMP/spawn-$1.log"
	fail "spawn-fcgi could not start $1: $REPLY"
}

# start_logged PROG: start_fcgi PROG with its standard error kept in
# $TMP/PROG.stderr (spawn-fcgi points a child's at /dev/null): a wrapper
# execs the program with stderr redirected, so the process, its pid and
# its executable are the program's own.
start_logged() {
	mkdir -p "$TMP/wrap/cgi-bin"
	printf '#!/bin/sh\nexec %q 2>>%q\n' "$BUILDDIR/cgi-bin/$1.fcgi" \
	    "$TMP/$1.stderr" >"$TMP/wrap/cgi-bin/$1.fcgi"
	chmod +x "$TMP/wrap/cgi-bin/$1.fcgi"
	: >"$TMP/$1.stderr"
	BUILDDIR=$TMP/wrap start_fcgi "$1"
}

# logged_lines PROG: prints how many lines PROG has logged.
logged_lines() {
	wc -l <"$TMP/$1.stderr"
}

# running PID: the process exists and is not a zombie (an orphaned
# daemon is only reaped if the system's init does it).
running() {
	local stat
	if [ -r "/proc/$1/stat" ]; then
		read -r stat <"/proc/$1/stat" 2>/dev/null || return 1
		stat=${stat##*) }
		[ "${stat%% *}" != Z ]
	else
		kill -0 "$1" 2>/dev/null
	fi
}

# Stop every process start_fcgi started in this test, by its pid.
stop_fcgi() {
	quiet
	local f pid i
	for f in "$TMP"/*.pid; do
		[ -f "$f" ] || continue
		read_file "$f"
		pid=${REPLY%$'\n'}
		rm -f "$f"
		[ -n "$pid" ] || continue
		kill "$pid" 2>/dev/null || continue
		for i in $(seq 1 50); do
			running "$pid" || break
			sleep 0.02
		done
		if running "$pid"; then
			kill -9 "$pid" 2>/dev/null || true
		fi
	done
	loud
}

# fcgi PROG METHOD [BODY [VAR=value...]]
#
# Send one request to the spawned PROG through cgi-fcgi, which forwards
# its environment as the FastCGI parameters and its stdin as the body.
# Sets the same variables as cgi() (LOG is cgi-fcgi's stderr).
fcgi() {
	quiet
	local prog=$1 method=$2 body=${3-} port rc=0
	local -a envv=()
	shift 2
	if [ "$#" -gt 0 ]; then
		shift
	fi
	port=PORT_$prog
	[ -n "${!port-}" ] || fail "$prog is not started (start_fcgi $prog)" ||
	    return
	if [ -n "$method" ]; then
		envv+=("REQUEST_METHOD=$method")
	fi
	envv+=("SCRIPT_NAME=/$prog")
	request_body "$body"
	envv+=("${BODY_ENV[@]}")
	request_vars "$@"
	timeout 10 env -i "${envv[@]}" "$CGI_FCGI" -bind \
	    -connect "127.0.0.1:${!port}" \
	    <"$BODY_FILE" >"$TMP/response" 2>"$TMP/stderr" || rc=$?
	read_file "$TMP/stderr"
	LOG=${REPLY%$'\n'}
	case $rc in
	0) ;;
	124) fail "$prog over FastCGI: no answer in 10 seconds"; return 1 ;;
	*) fail "cgi-fcgi exited with status $rc; stderr: $LOG"; return 1 ;;
	esac
	parse_response "$TMP/response" || return
	loud
}

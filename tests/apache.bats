#!/usr/bin/env bats
# The suite behind real Apache 2.4 servers, one per configuration in conf/:
# mod_fcgid (Apache spawns the programs), mod_proxy_fcgi (spawn-fcgi starts
# them on Unix sockets) and plain CGI (mod_cgid under the event MPM, and
# mod_cgi under prefork), each mounted at / (also on https, with mod_ssl)
# and under /app/.  Every server is /usr/sbin/apache2 in the foreground on
# loopback ports, with its whole configuration, logs, locks and sockets in
# a temporary directory (nothing of /etc/apache2 is read), including the
# snippet made from conf/apache-*.conf.in with this test's paths; it is
# driven over HTTP by curl with a cookie jar.  Run as root, Apache and the
# programs run as www-data, as on a Debian server.

load lib

bats_require_minimum_version 1.5.0

APACHE=/usr/sbin/apache2
MODULES=/usr/lib/apache2/modules

# ---- Servers ---------------------------------------------------------------

setup_file() {
	# bats before 1.9 cannot skip in setup_file: setup skips each test.
	export SESSILE_NO_APACHE=
	if [ ! -x "$APACHE" ]; then
		SESSILE_NO_APACHE=1
		return 0
	fi
	: "${BUILDDIR:?BUILDDIR must name the build tree}"
	: "${SRCDIR:?SRCDIR must name the source tree}"
	command -v curl >/dev/null || {
		echo "curl is needed to talk to Apache" >&2
		return 1
	}
	make_tree
	start_instance fcgid fcgid / event tls
	start_instance fcgid-app fcgid /app/ event
	start_instance proxy proxy-fcgi / event tls
	start_instance proxy-app proxy-fcgi /app/ event
	start_instance cgi cgi / event tls
	start_instance cgi-app cgi /app/ prefork
}

teardown_file() {
	stop_all
	if [ -n "${A-}" ] && [ -d "$A" ] && [ -f "$A/.sessile-apache" ]; then
		rm -rf "$A"
	fi
}

setup() {
	if [ -n "${SESSILE_NO_APACHE-}" ]; then
		skip "Apache is not installed ($APACHE)"
	fi
	J=$BATS_TEST_TMPDIR/jar
	SLOW=
}

teardown() {
	if [ -n "${SLOW-}" ]; then
		kill "$SLOW" 2>/dev/null || true
	fi
}

# The tree every server shares, in $A: the programs and templates copied
# out of the build (which may be under a home directory www-data cannot
# enter), a secret key, and a throw-away certificate for 127.0.0.1.  It is
# not in BATS_FILE_TMPDIR, whose parents are private to the user running
# bats.
make_tree() {
	local base
	if [ "$(id -u)" -eq 0 ] && ! id www-data >/dev/null 2>&1; then
		echo "run as root, the test needs the user www-data" >&2
		return 1
	fi
	for base in "${BATS_TMPDIR:-/tmp}" /tmp; do
		A=$(mktemp -d "$base/sessile-apache.XXXXXX") || continue
		chmod 755 "$A"
		if [ "$(id -u)" -ne 0 ] ||
		    runuser -u www-data -- test -x "$A" 2>/dev/null; then
			break
		fi
		rm -rf "$A"
		A=
	done
	[ -n "$A" ] || {
		echo "no temporary directory that www-data can enter" >&2
		return 1
	}
	export A
	touch "$A/.sessile-apache"
	mkdir -p "$A/cgi-bin" "$A/html" "$A/pids"
	cp "$BUILDDIR"/cgi-bin/{index,login,logout}.fcgi "$A/cgi-bin/"
	cp "$SRCDIR"/html/* "$A/html/"
	chmod -R a+rX "$A/cgi-bin" "$A/html"
	head -c 32 /dev/urandom | base64 >"$A/key"
	chmod 400 "$A/key"
	if [ "$(id -u)" -eq 0 ]; then
		chown www-data:www-data "$A/key"
	fi
	if command -v openssl >/dev/null; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		    -nodes -days 2 -subj /CN=127.0.0.1 \
		    -addext subjectAltName=IP:127.0.0.1 \
		    -addext basicConstraints=critical,CA:FALSE \
		    -keyout "$A/tls-key.pem" -out "$A/tls-cert.pem" \
		    >"$A/openssl.log" 2>&1 || true
	fi
}

# start_instance NAME CONF APPROOT MPM [tls]
#
# One Apache serving conf/apache-CONF.conf.in filled for mount point
# APPROOT, under MPM (event or prefork; CGI is then mod_cgid or mod_cgi),
# on http and, with tls, on https as well.  Its directory $A/NAME holds
# everything; the file "failed" there says why it did not start (the
# tests of NAME then fail with it, the others run).
start_instance() {
	local name=$1 conf=$2 root=$3 mpm=$4 tls=${5-} d=$A/$1
	mkdir -p "$d/www" "$d/rt" "$d/run/sessile" "$d/sessions"
	chmod 700 "$d/sessions"
	if [ "$(id -u)" -eq 0 ]; then
		chown www-data:www-data "$d/sessions"
	fi
	chmod -R a+rX "$d/www" "$d/run"
	echo "$root" >"$d/root"
	"$SRCDIR/tools/fill" cgibindir="$A/cgi-bin" templatedir="$A/html" \
	    sessiondir="$d/sessions" secretkeyfile="$A/key" \
	    runstatedir="$d/run" approot="$root" \
	    <"$SRCDIR/conf/apache-$conf.conf.in" >"$d/sessile.conf"
	if [ "$conf" = proxy-fcgi ] &&
	    ! spawn_programs_as_www_data "$name" "$root"; then
		return 0
	fi
	# Without a certificate only the https tests fail.
	if [ -n "$tls" ] && [ ! -s "$A/tls-cert.pem" ]; then
		{
			echo "no certificate for https (is openssl installed?)"
			cat "$A/openssl.log" 2>/dev/null
		} >"$d/no-https"
		tls=
	fi
	for _ in 1 2 3 4 5; do
		free_port >"$d/port"
		if [ -n "$tls" ]; then
			free_port >"$d/sport"
		fi
		write_httpd_conf "$name" "$conf" "$mpm" "$tls"
		: >"$d/error.log"
		# In a session of its own: at shutdown Apache signals its whole
		# process group (prefork does), which must not be bats'.
		# Apache's own pid is in its PidFile once it has started.
		setsid -w "$APACHE" -DFOREGROUND -d "$d" -f "$d/httpd.conf" \
		    >"$d/stderr" 2>&1 3>&- &
		echo $! >"$A/pids/$name-apache"
		if wait_ready "$name"; then
			cat "$d/rt/httpd.pid" >"$A/pids/$name-apache"
			return 0
		fi
		if [ -s "$d/rt/httpd.pid" ]; then
			stop_pid "$(cat "$d/rt/httpd.pid")"
		fi
		stop_pid "$(cat "$A/pids/$name-apache")"
		rm -f "$A/pids/$name-apache" "$d/rt/httpd.pid"
		# Someone took a port between free_port and Listen: again.
		grep -q 'Address already in use' "$d/stderr" "$d/error.log" ||
		    break
	done
	{
		echo "Apache ($name) did not start:"
		cat "$d/stderr" "$d/error.log"
	} >"$d/failed"
	return 0
}

# The server configuration: the skeleton a Debian server has around the
# snippet, with every file it writes in the instance's directory.
write_httpd_conf() {
	local name=$1 conf=$2 mpm=$3 tls=$4 d=$A/$1 m
	local -a mods=("mpm_$mpm" authz_core alias)
	case $conf in
	fcgid) mods+=(fcgid) ;;
	proxy-fcgi) mods+=(proxy proxy_fcgi reqtimeout) ;;
	cgi) mods+=(env) ;;
	esac
	if [ "$conf" = cgi ] && [ "$mpm" = prefork ]; then
		mods+=(cgi)
	elif [ "$conf" = cgi ]; then
		mods+=(cgid)
	fi
	if [ -n "$tls" ]; then
		mods+=(ssl)
	fi
	{
		echo "# Apache for tests/apache.bats: $name"
		echo "ServerRoot \"$d\""
		echo "ServerName 127.0.0.1"
		echo "Listen 127.0.0.1:$(cat "$d/port")"
		echo "PidFile \"$d/rt/httpd.pid\""
		echo "DefaultRuntimeDir \"$d/rt\""
		# POSIX semaphores: nothing is a file, and APR unlinks each
		# one as it makes it, so a server killed outright leaves none
		# behind (System V semaphores would stay in the kernel's
		# table).  Not "file:": under the event MPM the kernel's
		# deadlock detection on fcntl locks, which sees processes and
		# not threads, refuses mod_fcgid's locks with EDEADLK ("can't
		# lock process table"), and the child exits with its
		# connections.
		echo "Mutex posixsem default"
		echo "ErrorLog \"$d/error.log\""
		echo "LogLevel warn"
		echo "LogFormat \"%h \\\"%r\\\" %>s %b\" short"
		echo "CustomLog \"$d/access.log\" short"
		for m in "${mods[@]}"; do
			echo "LoadModule ${m}_module $MODULES/mod_$m.so"
		done
		if [ "$(id -u)" -eq 0 ]; then
			echo "User www-data"
			echo "Group www-data"
		fi
		echo "DocumentRoot \"$d/www\""
		echo "<Directory />"
		echo "	AllowOverride None"
		echo "	Require all denied"
		echo "</Directory>"
		echo "<Directory \"$d/www\">"
		echo "	Require all granted"
		echo "</Directory>"
		case $conf in
		fcgid)
			echo "FcgidIPCDir \"$d/rt/fcgid\""
			echo "FcgidProcessTableFile \"$d/rt/fcgid-shm\""
			;;
		cgi)
			[ "$mpm" = prefork ] ||
			    echo "ScriptSock \"$d/rt/cgid.sock\""
			;;
		esac
		echo "Include \"$d/sessile.conf\""
		if [ -n "$tls" ]; then
			echo "Listen 127.0.0.1:$(cat "$d/sport")"
			echo "<VirtualHost 127.0.0.1:$(cat "$d/sport")>"
			echo "	ServerName 127.0.0.1"
			echo "	SSLEngine on"
			echo "	SSLCertificateFile \"$A/tls-cert.pem\""
			echo "	SSLCertificateKeyFile \"$A/tls-key.pem\""
			echo "</VirtualHost>"
		fi
	} >"$d/httpd.conf"
}

# wait_ready NAME: until every port of NAME answers (any status) and
# Apache has written its PidFile, or false when it exits or five seconds
# pass.
wait_ready() {
	local d=$A/$1 pid url
	local -a urls=("http://127.0.0.1:$(cat "$d/port")/")
	pid=$(cat "$A/pids/$1-apache")
	if [ -f "$d/sport" ]; then
		urls+=("https://127.0.0.1:$(cat "$d/sport")/")
	fi
	for url in "${urls[@]}"; do
		for _ in $(seq 100); do
			running "$pid" || return 1
			if curl -s -o /dev/null --max-time 2 \
			    --cacert "$A/tls-cert.pem" "$url"; then
				continue 2
			fi
			sleep 0.05
		done
		return 1
	done
	[ -s "$d/rt/httpd.pid" ]
}

# spawn_programs_as_www_data NAME APPROOT: the three programs as FastCGI
# servers on Unix sockets in $A/NAME/run/sessile/, started by spawn-fcgi
# with the settings in their environment, as www-data when we are root.
spawn_programs_as_www_data() {
	local name=$1 root=$2 d=$A/$1 p ok=1
	local -a user=()
	local -A job=()
	if [ -z "${SPAWN_FCGI-}" ] || [ ! -x "$SPAWN_FCGI" ]; then
		echo "SPAWN_FCGI must name spawn-fcgi (is it installed?)" \
		    >"$d/failed"
		return 1
	fi
	if [ "$(id -u)" -eq 0 ]; then
		user=(-u www-data -g www-data -U www-data -G www-data)
	fi
	# spawn-fcgi waits a moment to see its child live: side by side.
	# Each program is one process (-F 1) that forks its SESSILE_WORKERS,
	# as README's example and sessile@.service have it.
	for p in index login logout; do
		env -i PATH=/usr/bin:/bin SECRET_KEY_FILE="$A/key" \
		    SESSION_FILE_DIR="$d/sessions" TEMPLATE_DIR="$A/html" \
		    APPLICATION_ROOT="$root" SESSILE_WORKERS=4 \
		    "$SPAWN_FCGI" -s "$d/run/sessile/$p.sock" -M 0660 "${user[@]}" \
		    -F 1 -P "$A/pids/$name-$p" -- "$A/cgi-bin/$p.fcgi" \
		    >"$d/spawn-$p.log" 2>&1 3>&- &
		job[$p]=$!
	done
	for p in index login logout; do
		if ! wait "${job[$p]}"; then
			ok=0
			{
				echo "spawn-fcgi could not start $p:"
				cat "$d/spawn-$p.log"
			} >>"$d/failed"
		fi
	done
	[ "$ok" = 1 ]
}

# stop_pid PID: TERM, and KILL if it is still there after five seconds.
stop_pid() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null || return 0
	for _ in $(seq 100); do
		running "$1" || return 0
		sleep 0.05
	done
	kill -9 "$1" 2>/dev/null || true
}

# Every server and program this file started, by the pids it wrote down.
# An Apache runs in a session of its own (start_instance): what is left
# of its process group once it has stopped is killed.  mod_fcgid's
# children can outlive a server stopped under load, each waiting for a
# mutex that another holds while it waits for an answer from the process
# manager, which is gone; they would hold bats' output open for ever.
stop_all() {
	local f pid pgid
	if [ -z "${A-}" ] || [ ! -d "$A/pids" ]; then
		return 0
	fi
	for f in "$A"/pids/*; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		pgid=
		case $f in
		*-apache) pgid=$(ps -o pgid= -p "$pid" | tr -d ' ') ;;
		esac
		stop_pid "$pid"
		if [ -n "$pgid" ] && [ "$pgid" = "$pid" ]; then
			kill -KILL -- "-$pgid" 2>/dev/null || true
		fi
		rm -f "$f"
	done
}

# use NAME [https]: talk to instance NAME from now on.  Sets B (the URL of
# the suite: scheme, host, port and mount point), ROOT (the mount point),
# PORT and SESSIONS (its session directory); fails with the reason when
# the instance did not start.
use() {
	local d=$A/$1
	[ ! -f "$d/failed" ] || fail "$(cat "$d/failed")" || return
	running "$(cat "$A/pids/$1-apache")" ||
	    fail "Apache ($1) is not running: $(cat "$d/error.log")" || return
	ROOT=$(cat "$d/root")
	PORT=$(cat "$d/port")
	SESSIONS=$d/sessions
	if [ "${2-}" = https ]; then
		[ ! -f "$d/no-https" ] || fail "$(cat "$d/no-https")" || return
		B="https://127.0.0.1:$(cat "$d/sport")$ROOT"
	else
		B="http://127.0.0.1:$PORT$ROOT"
	fi
}

# ---- Requests and assertions -----------------------------------------------

# request [CURL-OPTION...] URL
#
# One request with curl (no cookie jar unless the options name one).
# Sets CODE (the status), HEADERS (the header lines without CR) and BODY.
request() {
	local t=$BATS_TEST_TMPDIR rc=0
	rm -f "$t/headers" "$t/body"
	CODE=$(curl -sS --max-time 10 --cacert "$A/tls-cert.pem" \
	    -D "$t/headers" -o "$t/body" -w '%{http_code}' "$@") || rc=$?
	[ "$rc" = 0 ] || fail "curl $* failed ($rc)" || return
	HEADERS=$(tr -d '\r' <"$t/headers")
	BODY=$(cat "$t/body")
}

expect_code() {
	[ "$CODE" = "$1" ] ||
	    fail "expected status $1, got $CODE"$'\n'"$HEADERS"$'\n'"$BODY"
}

expect_header() {
	local v
	v=$(header "$1") || fail "no $1 header in:"$'\n'"$HEADERS" || return
	[ "$v" = "$2" ] || fail "$1 is \"$v\", expected \"$2\""
}

expect_body() {
	[[ $BODY == *"$1"* ]] || fail "the page does not contain: $1"$'\n'"$BODY"
}

refute_body() {
	if [[ $BODY == *"$1"* ]]; then
		fail "the page contains, and should not: $1"
	fi
}

# first_set_cookie NAME: prints the first Set-Cookie header of cookie NAME,
# or fails.
first_set_cookie() {
	local line
	while IFS= read -r line; do
		if [[ ${line,,} == set-cookie:* ]]; then
			line=${line#*:}
			line=${line# }
			if [[ $line == "$1="* ]]; then
				printf '%s\n' "$line"
				return 0
			fi
		fi
	done <<<"$HEADERS"
	return 1
}

# first_cookie_value NAME: the value the answer's first Set-Cookie of
# NAME gives it.
first_cookie_value() {
	local c
	c=$(first_set_cookie "$1") || fail "no Set-Cookie for $1 in:"$'\n'"$HEADERS" ||
	    return
	c=${c#*=}
	printf '%s\n' "${c%%;*}"
}

# cookie_attrs NAME: the attributes of cookie NAME, as "; A; B=v; ".
cookie_attrs() {
	local c
	c=$(first_set_cookie "$1") || fail "no Set-Cookie for $1 in:"$'\n'"$HEADERS" ||
	    return
	printf '; %s; \n' "${c#*; }"
}

expect_cookie_attr() {
	local a
	a=$(cookie_attrs "$1") || return
	[[ ${a,,} == *"; ${2,,}; "* ]] ||
	    fail "cookie $1 does not have $2: $(first_set_cookie "$1")"
}

refute_first_cookie_attr() {
	local a
	a=$(cookie_attrs "$1") || return
	if [[ ${a,,} == *"; ${2,,}"[\;=]* ]]; then
		fail "cookie $1 has $2, and should not: $(first_set_cookie "$1")"
	fi
}

# A redirect made by the program and sent on by Apache as it is: 303 with
# the mount point in Location (relative, or made absolute), not a page
# that Apache fetched itself (an internal redirect answers 200).
expect_see_other() {
	local loc
	expect_code 303 || return
	loc=$(header Location) || fail "no Location in:"$'\n'"$HEADERS" || return
	[ "$loc" = "$ROOT" ] || [ "$loc" = "${B%"$ROOT"}$ROOT" ] ||
	    fail "Location is $loc, expected $ROOT"
	expect_body "<title>See Other</title>" || return
	refute_body "<h1>"
}

# The CSRF token in the login form's hidden field.
form_token() {
	local re='name="csrf_token" value="([^"]*)"'
	[[ $BODY =~ $re ]] || fail "no csrf_token field in:"$'\n'"$BODY" || return
	printf '%s\n' "${BASH_REMATCH[1]}"
}

# login NAME [CURL-OPTION...]: the form, then the POST, with the cookie
# jar; sets TOKEN, and SESSION to the new session cookie's value.
curl_login() {
	local name=$1
	shift
	request -c "$J" -b "$J" "$@" "${B}login" || return
	expect_code 200 || return
	TOKEN=$(form_token) || return
	request -c "$J" -b "$J" "$@" --data-urlencode "csrf_token=$TOKEN" \
	    --data-urlencode "username=$name" "${B}login" || return
	expect_see_other || return
	SESSION=$(first_cookie_value session)
}

# session_path_of_cookie VALUE: the path of the file of session cookie
# VALUE (ID.TAG) in the instance's session directory.
session_path_of_cookie() {
	printf '%s/%s\n' "$SESSIONS" "$(session_name_of_cookie "$1")"
}

expect_logged_in_as() {
	expect_code 200 || return
	expect_body "Logged in as <strong>$1</strong>"
}

expect_anonymous() {
	expect_code 200 || return
	expect_body "You are not logged in" || return
	refute_body "Logged in as"
}

# raw_request REQUEST: send REQUEST (HTTP/1.0: the server closes the
# connection after its answer) to the instance's http port without curl,
# which would not tell a body after HEAD from none.  Sets RESPONSE.
raw_request() {
	timeout 10 bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1" &&
	    printf "%s" "$2" >&5 && cat <&5' - "$PORT" "$1" \
	    >"$BATS_TEST_TMPDIR/raw" || fail "no answer to: $1" || return
	IFS= read -r -d '' RESPONSE <"$BATS_TEST_TMPDIR/raw" || true
}

# ---- The checks every configuration must pass ------------------------------

check_login_form() {
	request -c "$J" -b "$J" "${B}login"
	expect_code 200
	expect_body '<form method="post" action="'"$ROOT"'login">'
	tok=$(form_token)
	[ -n "$tok" ]
	[ "$(first_cookie_value session_csrf)" = "$tok" ] ||
	    fail "session_csrf is not the form's token:" \
	    "$(first_set_cookie session_csrf)"
}

check_anonymous_costs_nothing() {
	before=$(session_files "$SESSIONS")
	request -c "$J" -b "$J" "$B"
	expect_anonymous
	request -c "$J" -b "$J" "${B}login"
	expect_code 200
	[ "$(session_files "$SESSIONS")" = "$before" ] ||
	    fail "new session files: $(session_files "$SESSIONS")"
}

check_login() {
	curl_login "Zoë <admin>"
	[[ $SESSION =~ ^[A-Za-z0-9_-]{43,}\.[A-Za-z0-9_-]{43}$ ]] ||
	    fail "the session cookie is not ID.TAG: $SESSION"
	expect_cookie_attr session "Path=$ROOT"
	expect_cookie_attr session HttpOnly
	expect_cookie_attr session SameSite=Lax
	first_cookie_value session_flash >/dev/null
	[ -f "$(session_path_of_cookie "$SESSION")" ] ||
	    fail "no session file for the new session in:" \
	    "$(session_files "$SESSIONS")"
}

check_index_and_flash() {
	curl_login "Zoë <admin>"
	request -c "$J" -b "$J" "$B"
	expect_logged_in_as "Zoë &lt;admin&gt;"
	expect_body "You are logged in."
	expect_body "href=\"${ROOT}logout\""
	request -c "$J" -b "$J" "$B"
	expect_logged_in_as "Zoë &lt;admin&gt;"
	refute_body "You are logged in."
}

check_logout() {
	curl_login alice
	file=$(session_path_of_cookie "$SESSION")
	[ -f "$file" ]
	request -c "$J" -b "$J" "${B}logout"
	expect_see_other
	c=$(first_set_cookie session) || fail "the session cookie is not deleted"
	[[ $c == "session=;"* && $c == *"Expires=Thu, 01 Jan 1970"* ]] ||
	    fail "the session cookie is not deleted: $c"
	[ ! -e "$file" ] || fail "the session file is still there: $file"
	request -c "$J" -b "$J" "$B"
	expect_anonymous
	expect_body "You are logged out."
}

check_old_cookie_dead() {
	curl_login alice
	old=$SESSION
	request -H "Cookie: session=$old" "$B"
	expect_logged_in_as alice
	request -c "$J" -b "$J" --data-urlencode "csrf_token=$TOKEN" \
	    "${B}logout"
	expect_see_other
	request -H "Cookie: session=$old" "$B"
	expect_anonymous
}

check_redirects() {
	curl_login bob
	request -c "$J" -b "$J" "${B}logout"
	expect_see_other
	curl_login bob
	request -c "$J" -b "$J" --data-urlencode "csrf_token=$TOKEN" \
	    "${B}logout"
	expect_see_other
}

check_raw_head() {
	local host=127.0.0.1:$PORT path re headers rest
	for path in "$ROOT" "${ROOT}login"; do
		raw_request "HEAD $path HTTP/1.0"$'\r\n'"Host: $host"$'\r\n\r\n'
		[[ $RESPONSE == *$'\r\n\r\n'* ]] ||
		    fail "no end of the headers in: $RESPONSE"
		headers=${RESPONSE%%$'\r\n\r\n'*}
		rest=${RESPONSE#*$'\r\n\r\n'}
		[[ $headers == "HTTP/1.1 200 OK"$'\r\n'* ]] ||
		    fail "HEAD $path: $headers"
		re=$'\r\nContent-Type: text/html; charset=utf-8(\r|$)'
		[[ $headers =~ $re ]] || fail "HEAD $path: no Content-Type: $headers"
		[[ $headers == *$'\r\nContent-Security-Policy: '* ]] ||
		    fail "HEAD $path: no Content-Security-Policy: $headers"
		[ -z "$rest" ] || fail "HEAD $path has a body: $rest"
	done
}

# HEAD /logout, and a logout link followed from another site, change
# nothing: the session lives on.
check_safe_logout() {
	curl_login grace
	request -c "$J" -b "$J" -I "${B}logout"
	expect_code 303
	if first_set_cookie session >/dev/null; then
		fail "HEAD /logout touched the cookie: $(first_set_cookie session)"
	fi
	request -c "$J" -b "$J" -H "Sec-Fetch-Site: cross-site" "${B}logout"
	expect_code 303
	if first_set_cookie session >/dev/null; then
		fail "a cross-site logout touched the cookie"
	fi
	request -c "$J" -b "$J" "$B"
	expect_logged_in_as grace
}

check_methods_405() {
	request -X PUT "${B}login"
	expect_code 405
	expect_header Allow "GET, HEAD, POST"
	request -X DELETE "$B"
	expect_code 405
	expect_header Allow "GET, HEAD"
	request -X PUT "${B}logout"
	expect_code 405
	expect_header Allow "GET, HEAD, POST"
}

# A Range request gets the whole page: Apache's byterange filter leaves an
# answer alone that says Accept-Ranges: none.
check_range_whole_page() {
	request -H 'Range: bytes=0-9' "${B}login"
	expect_code 200
	expect_header Accept-Ranges none
	! header Content-Range >/dev/null || fail "a Content-Range: $HEADERS"
	expect_body '</html>'
}

check_413_nothing_kept() {
	request -c "$J" -b "$J" "${B}login"
	tok=$(form_token)
	before=$(session_files "$SESSIONS")
	head -c 20000 /dev/zero | tr '\0' a >"$BATS_TEST_TMPDIR/big"
	request -c "$J" -b "$J" --data-urlencode "csrf_token=$tok" \
	    --data-urlencode "username@$BATS_TEST_TMPDIR/big" "${B}login"
	expect_code 413
	refute_body "Logged in"
	if first_set_cookie session >/dev/null; then
		fail "a session cookie with the 413: $(first_set_cookie session)"
	fi
	[ "$(session_files "$SESSIONS")" = "$before" ]
}

# The programs answer some requests without reading their body (logout
# reads no form, a 405 needs none): the whole answer must still reach the
# browser, at once.
check_unread_body() {
	curl_login heidi
	file=$(session_path_of_cookie "$SESSION")
	request --max-time 3 -c "$J" -b "$J" --data "submit=Log+out" \
	    --data-urlencode "csrf_token=$TOKEN" "${B}logout"
	expect_see_other
	[ ! -e "$file" ] || fail "the session file is still there: $file"
	request --max-time 3 -X PUT --data "username=judy" "${B}login"
	expect_code 405
	expect_body "</html>"
}

# A chunked body has no Content-Length: CGI then passes no CONTENT_LENGTH,
# and the program reads to the end of the body.
check_chunked() {
	request -c "$J" -b "$J" "${B}login"
	tok=$(form_token)
	request -c "$J" -b "$J" -H "Transfer-Encoding: chunked" \
	    --data-urlencode "csrf_token=$tok" --data "username=ivan" \
	    "${B}login"
	expect_see_other
	request -c "$J" -b "$J" "$B"
	expect_logged_in_as ivan
}

# Apache joins a request's Cookie headers into one HTTP_COOKIE with ", ".
# Only ';' separates cookies: what a second header carries is part of the
# first one's value, so no cookie can ride in inside another's value.
check_joined_cookies() {
	curl_login carol
	s=$SESSION
	request -H "Cookie: theme=dark; session=$s" "$B"
	expect_logged_in_as carol
	request -H "Cookie: theme=dark" -H "Cookie: session=$s" "$B"
	expect_anonymous
	request -H "Cookie: lastsearch=shoes,session=$s" "$B"
	expect_anonymous
	if first_set_cookie session >/dev/null; then
		fail "a session cookie in another's value was acted on"
	fi
}

# Two cookies naming live sessions: neither is used, both cookies go, and
# both sessions end.
check_two_session_cookies() {
	local order
	for order in 1 2; do
		rm -f "$J"
		curl_login dave
		first=$SESSION
		rm -f "$J"
		curl_login erin
		c="session=$first; session=$SESSION"
		[ "$order" = 1 ] || c="session=$SESSION; session=$first"
		request -H "Cookie: $c" "$B"
		expect_code 200
		refute_body "Logged in as"
		c=$(first_set_cookie session) || fail "the cookies are not deleted"
		[[ $c == "session=;"* ]] || fail "not a deletion: $c"
		request -H "Cookie: session=$first" "$B"
		expect_anonymous
	done
}

# Only the mount point, login and logout belong to the suite.
check_only_three_urls() {
	local path
	for path in "${ROOT}x" "${ROOT}login/" "${ROOT}loginx" "${ROOT}logout/x" \
	    "${ROOT}index.fcgi" "${ROOT}login.fcgi"; do
		request "${B%"$ROOT"}$path"
		[ "$CODE" = 404 ] || fail "$path: $CODE, expected 404"
	done
}

check_secure_on_https_only() {
	use "$1" https
	curl_login "over https"
	expect_cookie_attr session Secure
	expect_cookie_attr session_flash Secure
	request -c "$J" -b "$J" "$B"
	expect_logged_in_as "over https"
	rm -f "$J"
	use "$1"
	curl_login "over http"
	refute_first_cookie_attr session Secure
	refute_first_cookie_attr session_flash Secure
}

check_prefix_links() {
	request "$B"
	expect_code 200
	expect_body "href=\"/app/login\""
	expect_body "class=\"brand\" href=\"/app/\""
	request "${B}login"
	expect_body 'action="/app/login"'
}

check_prefix_cookies() {
	request -c "$J" -b "$J" "${B}login"
	expect_cookie_attr session_csrf Path=/app/
	curl_login frank
	expect_cookie_attr session Path=/app/
	expect_cookie_attr session_flash Path=/app/
	request -c "$J" -b "$J" "${B}logout"
	expect_cookie_attr session Path=/app/
}

check_prefix_redirects() {
	local loc
	curl_login grace
	loc=$(header Location)
	[ "$loc" = /app/ ] || [ "$loc" = "$B" ] ||
	    fail "login redirects to $loc, not /app/"
	request -c "$J" -b "$J" "${B}logout"
	expect_see_other
	loc=$(header Location)
	[ "$loc" = /app/ ] || [ "$loc" = "$B" ] ||
	    fail "logout redirects to $loc, not /app/"
}

# /app, without the slash, has none of the cookies (Path=/app/): Apache
# sends the browser to /app/.
check_prefix_without_slash() {
	request "${B%/}"
	[ "$CODE" = 301 ] || fail "/app: $CODE, expected 301"
	[ "$(header Location)" = "$B" ] ||
	    fail "/app redirects to $(header Location), expected $B"
}

check_prefix_outside() {
	local path base=${B%/app/}
	for path in / /login /logout /app/x /apps/ /application; do
		request "$base$path"
		[ "$CODE" = 404 ] || fail "$path: $CODE, expected 404"
	done
}

# ---- mod_fcgid ---------------------------------------------------------------

@test "mod_fcgid: the login form carries a token equal to its session_csrf cookie" {
	use fcgid
	check_login_form
}

@test "mod_fcgid: an anonymous visit stores no session file" {
	use fcgid
	check_anonymous_costs_nothing
}

@test "mod_fcgid: logging in sets an HttpOnly session cookie and stores its file" {
	use fcgid
	check_login
}

@test "mod_fcgid: the start page shows the escaped name, and the flash once" {
	use fcgid
	check_index_and_flash
}

@test "mod_fcgid: logging out deletes the session file and the cookie" {
	use fcgid
	check_logout
}

@test "mod_fcgid: the cookie of a logged-out session is dead" {
	use fcgid
	check_old_cookie_dead
}

@test "mod_fcgid: every redirect is a real 303 to /, not an internal redirect" {
	use fcgid
	check_redirects
}

@test "mod_fcgid: HEAD answers the headers and no body" {
	use fcgid
	check_raw_head
}

@test "mod_fcgid: HEAD /logout, or a logout link from another site, logs nobody out" {
	use fcgid
	check_safe_logout
}

@test "mod_fcgid: a Range request gets the whole page, 200" {
	use fcgid
	check_range_whole_page
}

@test "mod_fcgid: PUT and DELETE get 405 with Allow" {
	use fcgid
	check_methods_405
}

@test "mod_fcgid: a body over MAX_CONTENT_LENGTH gets 413" {
	use fcgid
	check_413_nothing_kept
}

@test "mod_fcgid: answers that leave the request body unread arrive whole" {
	use fcgid
	check_unread_body
}

@test "mod_fcgid: a chunked POST, without Content-Length, logs in" {
	use fcgid
	check_chunked
}

@test "mod_fcgid: two Cookie headers, joined by Apache with ', ', smuggle in no session cookie" {
	use fcgid
	check_joined_cookies
}

@test "mod_fcgid: two session cookies naming live sessions: neither is used, both are deleted" {
	use fcgid
	check_two_session_cookies
}

@test "mod_fcgid: only /, /login and /logout are the suite" {
	use fcgid
	check_only_three_urls
}

@test "mod_fcgid: the cookies are Secure over https, and not over http" {
	check_secure_on_https_only fcgid
}

@test "mod_fcgid under /app/: login, index and logout" {
	use fcgid-app
	check_index_and_flash
	check_logout
}

@test "mod_fcgid under /app/: the links and the form carry the prefix" {
	use fcgid-app
	check_prefix_links
}

@test "mod_fcgid under /app/: the cookies have Path=/app/" {
	use fcgid-app
	check_prefix_cookies
}

@test "mod_fcgid under /app/: login and logout redirect to /app/" {
	use fcgid-app
	check_prefix_redirects
}

@test "mod_fcgid under /app/: /app is redirected to /app/" {
	use fcgid-app
	check_prefix_without_slash
}

@test "mod_fcgid under /app/: the rest of the site is not the suite" {
	use fcgid-app
	check_prefix_outside
}

# ---- mod_proxy_fcgi: programs started by spawn-fcgi, on Unix sockets ---------

@test "mod_proxy_fcgi: the login form carries a token equal to its session_csrf cookie" {
	use proxy
	check_login_form
}

@test "mod_proxy_fcgi: an anonymous visit stores no session file" {
	use proxy
	check_anonymous_costs_nothing
}

@test "mod_proxy_fcgi: logging in sets an HttpOnly session cookie and stores its file" {
	use proxy
	check_login
}

@test "mod_proxy_fcgi: the start page shows the escaped name, and the flash once" {
	use proxy
	check_index_and_flash
}

@test "mod_proxy_fcgi: logging out deletes the session file and the cookie" {
	use proxy
	check_logout
}

@test "mod_proxy_fcgi: the cookie of a logged-out session is dead" {
	use proxy
	check_old_cookie_dead
}

@test "mod_proxy_fcgi: every redirect is a real 303 to /, not an internal redirect" {
	use proxy
	check_redirects
}

@test "mod_proxy_fcgi: HEAD answers the headers and no body" {
	use proxy
	check_raw_head
}

@test "mod_proxy_fcgi: HEAD /logout, or a logout link from another site, logs nobody out" {
	use proxy
	check_safe_logout
}

@test "mod_proxy_fcgi: a Range request gets the whole page, 200" {
	use proxy
	check_range_whole_page
}

@test "mod_proxy_fcgi: PUT and DELETE get 405 with Allow" {
	use proxy
	check_methods_405
}

@test "mod_proxy_fcgi: a body over MAX_CONTENT_LENGTH gets 413" {
	use proxy
	check_413_nothing_kept
}

@test "mod_proxy_fcgi: answers that leave the request body unread arrive whole" {
	use proxy
	check_unread_body
}

@test "mod_proxy_fcgi: a chunked POST, without Content-Length, logs in" {
	use proxy
	check_chunked
}

@test "mod_proxy_fcgi: two Cookie headers, joined by Apache with ', ', smuggle in no session cookie" {
	use proxy
	check_joined_cookies
}

@test "mod_proxy_fcgi: two session cookies naming live sessions: neither is used, both are deleted" {
	use proxy
	check_two_session_cookies
}

@test "mod_proxy_fcgi: only /, /login and /logout are the suite" {
	use proxy
	check_only_three_urls
}

@test "mod_proxy_fcgi: the cookies are Secure over https, and not over http" {
	check_secure_on_https_only proxy
}

@test "mod_proxy_fcgi under /app/: login, index and logout" {
	use proxy-app
	check_index_and_flash
	check_logout
}

@test "mod_proxy_fcgi under /app/: the links and the form carry the prefix" {
	use proxy-app
	check_prefix_links
}

@test "mod_proxy_fcgi under /app/: the cookies have Path=/app/" {
	use proxy-app
	check_prefix_cookies
}

@test "mod_proxy_fcgi under /app/: login and logout redirect to /app/" {
	use proxy-app
	check_prefix_redirects
}

@test "mod_proxy_fcgi under /app/: /app is redirected to /app/" {
	use proxy-app
	check_prefix_without_slash
}

@test "mod_proxy_fcgi under /app/: the rest of the site is not the suite" {
	use proxy-app
	check_prefix_outside
}

# ---- CGI: mod_cgid (event MPM) at /, mod_cgi (prefork MPM) under /app/ -------

@test "CGI (mod_cgid): the login form carries a token equal to its session_csrf cookie" {
	use cgi
	check_login_form
}

@test "CGI (mod_cgid): an anonymous visit stores no session file" {
	use cgi
	check_anonymous_costs_nothing
}

@test "CGI (mod_cgid): logging in sets an HttpOnly session cookie and stores its file" {
	use cgi
	check_login
}

@test "CGI (mod_cgid): the start page shows the escaped name, and the flash once" {
	use cgi
	check_index_and_flash
}

@test "CGI (mod_cgid): logging out deletes the session file and the cookie" {
	use cgi
	check_logout
}

@test "CGI (mod_cgid): the cookie of a logged-out session is dead" {
	use cgi
	check_old_cookie_dead
}

@test "CGI (mod_cgid): every redirect is a real 303 to /, not an internal redirect" {
	use cgi
	check_redirects
}

@test "CGI (mod_cgid): HEAD answers the headers and no body" {
	use cgi
	check_raw_head
}

@test "CGI (mod_cgid): HEAD /logout, or a logout link from another site, logs nobody out" {
	use cgi
	check_safe_logout
}

@test "CGI (mod_cgid): a Range request gets the whole page, 200" {
	use cgi
	check_range_whole_page
}

@test "CGI (mod_cgid): PUT and DELETE get 405 with Allow" {
	use cgi
	check_methods_405
}

@test "CGI (mod_cgid): a body over MAX_CONTENT_LENGTH gets 413" {
	use cgi
	check_413_nothing_kept
}

@test "CGI (mod_cgid): answers that leave the request body unread arrive whole" {
	use cgi
	check_unread_body
}

@test "CGI (mod_cgid): a chunked POST, without Content-Length, logs in" {
	use cgi
	check_chunked
}

@test "CGI (mod_cgid): two Cookie headers, joined by Apache with ', ', smuggle in no session cookie" {
	use cgi
	check_joined_cookies
}

@test "CGI (mod_cgid): two session cookies naming live sessions: neither is used, both are deleted" {
	use cgi
	check_two_session_cookies
}

@test "CGI (mod_cgid): only /, /login and /logout are the suite" {
	use cgi
	check_only_three_urls
}

@test "CGI (mod_cgid): the cookies are Secure over https, and not over http" {
	check_secure_on_https_only cgi
}

@test "CGI (mod_cgi, prefork) under /app/: login, index and logout" {
	use cgi-app
	check_index_and_flash
	check_logout
}

@test "CGI (mod_cgi, prefork) under /app/: the links and the form carry the prefix" {
	use cgi-app
	check_prefix_links
}

@test "CGI (mod_cgi, prefork) under /app/: the cookies have Path=/app/" {
	use cgi-app
	check_prefix_cookies
}

@test "CGI (mod_cgi, prefork) under /app/: login and logout redirect to /app/" {
	use cgi-app
	check_prefix_redirects
}

@test "CGI (mod_cgi, prefork) under /app/: /app is redirected to /app/" {
	use cgi-app
	check_prefix_without_slash
}

@test "CGI (mod_cgi, prefork) under /app/: the rest of the site is not the suite" {
	use cgi-app
	check_prefix_outside
}

@test "CGI (mod_cgi, prefork) under /app/: HEAD answers the headers and no body" {
	use cgi-app
	check_raw_head
}

@test "CGI (mod_cgi, prefork) under /app/: HEAD /logout, or a logout link from another site, logs nobody out" {
	use cgi-app
	check_safe_logout
}

@test "CGI (mod_cgi, prefork) under /app/: a Range request gets the whole page, 200" {
	use cgi-app
	check_range_whole_page
}

@test "CGI (mod_cgi, prefork) under /app/: PUT and DELETE get 405 with Allow" {
	use cgi-app
	check_methods_405
}

@test "CGI (mod_cgi, prefork) under /app/: a body over MAX_CONTENT_LENGTH gets 413" {
	use cgi-app
	check_413_nothing_kept
}

@test "CGI (mod_cgi, prefork) under /app/: answers that leave the request body unread arrive whole" {
	use cgi-app
	check_unread_body
}

# ---- What Apache itself answers -------------------------------------------

# RFC 9110 §9.3.8: TRACE echoes the request, and a script that can send
# one reads an HttpOnly cookie from the echo.  TraceEnable off in every
# shipped configuration: Apache itself answers 405 (so for every other
# application of the server too: under mod_proxy_fcgi the programs
# refused TRACE already), and nothing is echoed.
check_no_trace() {
	local path
	for path in "$ROOT" "${ROOT}login"; do
		request -X TRACE -H "Cookie: session=not-for-scripts" \
		    "${B%"$ROOT"}$path"
		[ "$CODE" = 405 ] || fail "TRACE $path: $CODE, expected 405" ||
		    return
		refute_body "not-for-scripts" || return
		expect_body "The requested method TRACE is not allowed" ||
		    return
	done
}

@test "mod_fcgid: TRACE gets 405 and echoes no Cookie header, at / and under /app/" {
	use fcgid
	check_no_trace
	use fcgid-app
	check_no_trace
}

# Debian's package puts this snippet in conf-available: enabled before
# its modules, it must not break the server's configuration test (and
# with it every reload), as an unknown ProxyPassMatch would.
@test "mod_proxy_fcgi: the snippet without proxy_fcgi, reqtimeout or alias loaded passes apache2 -t, and with them each block is read" {
	local d=$BATS_TEST_TMPDIR/bare
	mkdir -p "$d/rt"
	"$SRCDIR/tools/fill" runstatedir="$d/run" approot=/app/ \
	    <"$SRCDIR/conf/apache-proxy-fcgi.conf.in" >"$d/good.conf"
	# configtest SNIPPET MODULE...: apache2 -t of SNIPPET in a server
	# with mpm_event, authz_core and the MODULEs loaded before it.
	configtest() {
		local m
		{
			echo "ServerRoot \"$d\""
			echo "ServerName 127.0.0.1"
			echo "Listen 127.0.0.1:$(free_port)"
			echo "PidFile \"$d/rt/httpd.pid\""
			echo "DefaultRuntimeDir \"$d/rt\""
			echo "ErrorLog \"$d/error.log\""
			for m in mpm_event authz_core "${@:2}"; do
				echo "LoadModule ${m}_module $MODULES/mod_$m.so"
			done
			echo "Include \"$1\""
		} >"$d/httpd.conf"
		run "$APACHE" -t -d "$d" -f "$d/httpd.conf"
	}
	configtest "$d/good.conf"
	[ "$status" -eq 0 ] || fail "apache2 -t: $output"
	configtest "$d/good.conf" proxy proxy_fcgi reqtimeout alias
	[ "$status" -eq 0 ] || fail "apache2 -t, modules loaded: $output"
	# With the modules loaded, each guarded block is read: a misspelt
	# directive in it fails the test.
	for dir in RequestReadTimeout ProxyPassMatch Redirect; do
		sed "s/^\([[:space:]]*\)$dir /\1${dir}X /" "$d/good.conf" \
		    >"$d/bad.conf"
		configtest "$d/bad.conf" proxy proxy_fcgi reqtimeout alias
		[[ "$output" == *"Invalid command '${dir}X'"* ]] ||
		    fail "$dir's block is not read: $output"
	done
}

@test "mod_proxy_fcgi: TRACE gets 405 and echoes no Cookie header, at / and under /app/" {
	use proxy
	check_no_trace
	use proxy-app
	check_no_trace
}

@test "CGI: TRACE gets 405 and echoes no Cookie header, at / (mod_cgid) and under /app/ (mod_cgi)" {
	use cgi
	check_no_trace
	use cgi-app
	check_no_trace
}

# ---- A slow client -----------------------------------------------------------

# slow_post PATH SECONDS: in the background (SLOW is its pid), a POST of
# PATH to the instance's http port whose body, SECONDS + 10 bytes by its
# Content-Length, comes one byte a second for SECONDS seconds.
slow_post() {
	timeout "$(($2 + 5))" bash -c 'exec 5<>"/dev/tcp/127.0.0.1/$1" || exit
	    printf "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n" "$2" "$1" >&5
	    printf "Content-Type: application/x-www-form-urlencoded\r\n" >&5
	    printf "Content-Length: %s\r\n\r\n" "$(($3 + 10))" >&5
	    for _ in $(seq "$3"); do printf a >&5; sleep 1; done' \
	    - "$PORT" "$1" "$2" 3>&- &
	SLOW=$!
}

# ms_since T0: milliseconds since T0 (from date +%s%N).
ms_since() {
	echo $((($(date +%s%N) - $1) / 1000000))
}

# mod_proxy_fcgi passes a body on as the client sends it: a client that
# sends its form a byte a second holds the login worker that took it for
# as long.  With SESSILE_WORKERS=4 the other three serve everyone else.
@test "mod_proxy_fcgi: beside a client sending its login form a byte a second, the form and a login answer at once" {
	use proxy
	slow_post "${ROOT}login" 12
	sleep 2	# the slow request has reached a login worker
	t0=$(date +%s%N)
	request --max-time 3 -c "$J" -b "$J" "${B}login"
	expect_code 200
	form=$(ms_since "$t0")
	t0=$(date +%s%N)
	curl_login "beside a slow client" --max-time 3
	whole=$(ms_since "$t0")
	echo "# beside a slow client: GET /login ${form} ms, a login ${whole} ms" >&3
	running "$SLOW" || fail "the slow client ended before the checks"
}

# ---- Load -------------------------------------------------------------------

# mod_fcgid takes a cross-process mutex for its process table and its
# spawn pipe.  With "Mutex file:" (fcntl locks) under the threaded event
# MPM the kernel's deadlock detection, which sees processes and not
# threads, refuses it: "Resource deadlock avoided", and a child process
# exits with its connections.  The test servers take POSIX semaphores
# (write_httpd_conf).  Each request
# has its connection, so that a keep-alive connection the server closes
# between requests is not counted as a failure.
@test "mod_fcgid under the event MPM: 256 connections for 5 seconds, every answer a page, no mutex error" {
	command -v wrk >/dev/null || skip "wrk is not installed"
	use fcgid
	: >"$BATS_TEST_TMPDIR/wrk"
	wrk -t 2 -c 256 -d 5s --timeout 10s -H "Connection: close" "${B}login" \
	    >"$BATS_TEST_TMPDIR/wrk"
	grep -E 'requests in|Non-2xx|Socket errors' "$BATS_TEST_TMPDIR/wrk" |
	    sed 's/^ */# /' >&3
	n=$(grep -c 'Resource deadlock avoided' "$A/fcgid/error.log" || true)
	echo "# $n lines of 'Resource deadlock avoided' in the error log" >&3
	grep -m 1 'Resource deadlock avoided' "$A/fcgid/error.log" |
	    sed 's/^/# /' >&3 || true
	grep -q ' requests in ' "$BATS_TEST_TMPDIR/wrk" ||
	    fail "wrk ran no requests: $(cat "$BATS_TEST_TMPDIR/wrk")"
	[ "$n" = 0 ] || fail "mutex errors in the error log"
	! grep -E 'Non-2xx|Socket errors' "$BATS_TEST_TMPDIR/wrk" ||
	    fail "some requests failed"
}

# ---- Worker faults ---------------------------------------------------------

# The pids of the mod_fcgid workers of PROG in instance fcgid: children of
# its process manager, itself a child of that Apache (not the programs
# spawn-fcgi started for the proxy instance, nor other suites').
fcgid_workers() {
	local apache pid pm
	apache=$(cat "$A/fcgid/rt/httpd.pid")
	for pid in $(pgrep -f "^$A/cgi-bin/$1.fcgi"); do
		pm=$(ps -o ppid= -p "$pid" | tr -d ' ')
		[ -n "$pm" ] && [ "$(ps -o ppid= -p "$pm" | tr -d ' ')" = "$apache" ] &&
		    echo "$pid"
	done
	return 0
}

@test "mod_fcgid: SIGKILL of FastCGI workers under load: new workers, requests go on, no torn file" {
	use fcgid
	# Warm up: every program has its workers.
	curl_login warm
	request -b "$J" "${B}logout"
	storm "$B" "$SESSIONS" "$A/fcgid/error.log" fcgid_workers
	# The new workers serve.
	curl_login ada
	request -b "$J" "$B"
	expect_code 200
	expect_body 'Logged in as'
}


# ---- The operator's commands, as README runs them -----------------------

# as_user USER COMMAND...: COMMAND as USER, with the programs' variables
# (apache-fcgid.conf's FcgidInitialEnv) and nothing else; KEY, when set,
# names the key file in place of theirs.
as_user() {
	local user=$1
	shift
	runuser -u "$user" -- env -i "SECRET_KEY_FILE=${KEY:-$A/key}" \
	    "SESSION_FILE_DIR=$SESSIONS" "$@"
}

# README's layout for lighttpd's and Apache's own programs: www-data owns
# the session directory, and sessile-gc and sessile-admin run as www-data
# with the programs' variables.  They reach the sessions Apache's programs
# made: admin lists and revokes one, gc removes an expired one and keeps
# the live.  As another user (the shipped units' sessile), each is refused
# with one line naming the cause, and removes nothing.
@test "mod_fcgid, programs as www-data: sessile-admin and sessile-gc run as www-data manage the sessions; as another user they are refused" {
	[ "$(id -u)" -eq 0 ] || skip "needs root, to run commands as www-data"
	use fcgid
	cp "$BUILDDIR/tools/sessile-admin" "$BUILDDIR/tools/sessile-gc" "$A/"
	chmod a+rx "$A/sessile-admin" "$A/sessile-gc"
	curl_login mallory
	name=$(session_name_of_cookie "$SESSION")
	old=$(printf '%064d' 7)
	as_user www-data sh -c 'sed "s/^expires .*/expires 1000/" "$1" |
	    install -m 600 /dev/stdin "$2"' sh "$SESSIONS/$name" \
	    "$SESSIONS/$old"

	run -1 --separate-stderr as_user nobody "$A/sessile-gc" -d "$SESSIONS"
	[ "$(grep -c '' <<<"$stderr")" -eq 1 ] || fail "not one line: $stderr"
	[[ $stderr == *"$SESSIONS"* ]] || fail "the cause is not named: $stderr"
	# Even with a key it may read, the store is not its.
	KEY=$A/key-for-all
	install -m 444 "$A/key" "$KEY"
	run -1 --separate-stderr as_user nobody "$A/sessile-admin" list
	KEY=
	[ "$(grep -c '' <<<"$stderr")" -eq 1 ] || fail "not one line: $stderr"
	[[ $stderr == *"$SESSIONS"* ]] || fail "the cause is not named: $stderr"
	[ -e "$SESSIONS/$old" ] && [ -e "$SESSIONS/$name" ]

	run -0 --separate-stderr as_user www-data "$A/sessile-gc" -d "$SESSIONS"
	[ -z "$stderr" ] || fail "sessile-gc said: $stderr"
	[ ! -e "$SESSIONS/$old" ] || fail "the expired session is kept"
	run -0 --separate-stderr as_user www-data "$A/sessile-admin" list \
	    --user mallory
	assert_equal "$(cut -f1,2 <<<"$output")" "$name"$'\tmallory'
	run -0 --separate-stderr as_user www-data "$A/sessile-admin" revoke \
	    --user mallory
	assert_equal "$output" 1
	request -b "$J" "$B"
	expect_anonymous
	[ ! -e "$SESSIONS/$name" ]
}

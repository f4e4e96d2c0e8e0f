# http.bash: real web servers on loopback, and the checks every deployment
# must pass, driven over HTTP by curl with a cookie jar.  Part of the test
# library (lib.bash); the servers' configurations are the snippets in
# conf/, filled by tools/fill with this test's own paths.

# require COMMAND...: in setup_file, note the first one missing, and
# return 1 so that setup_file can stop there.  bats before 1.9 cannot skip
# in setup_file: each test then skips in setup, with skip_if_missing.
require() {
	export MISSING=
	for c; do
		command -v "$c" >/dev/null || { MISSING=$c; return 1; }
	done
}

skip_if_missing() {
	[ -z "${MISSING-}" ] || skip "$MISSING is not installed"
}

# Where a suite keeps its servers: one directory per instance.
H="${BATS_FILE_TMPDIR:-$BATS_TMPDIR}/srv"

# instance NAME: a directory with a session store, a key and a run dir.
instance() {
	local d="$H/$1"
	mkdir -p "$d/www" "$d/run/sessile" "$d/run/lighttpd" "$d/logs"
	install -d -m 0700 "$d/sessions"
	(umask 077; head -c 32 /dev/urandom | base64 > "$d/secret_key")
}

# fill_for_instance IN OUT NAME APPROOT: a conf/ snippet with this
# instance's paths.
fill_for_instance() {
	local d="$H/$3"
	"$SRCDIR/tools/fill" cgibindir="$BUILDDIR/cgi-bin" \
	    sbindir="$BUILDDIR/tools" templatedir="$SRCDIR/html" \
	    sessiondir="$d/sessions" secretkeyfile="$d/secret_key" \
	    runstatedir="$d/run" approot="$4" < "$1" > "$2"
}

# remember PID: stop_servers kills it.
remember() {
	echo "$1" >> "$H/pids"
}

stop_servers() {
	local pid
	[ -f "$H/pids" ] || return 0
	while read -r pid; do
		kill "$pid" 2>/dev/null || true
	done < "$H/pids"
	rm -f "$H/pids"
}

# wait_http URL: until the server answers, or fail after five seconds.
wait_http() {
	for _ in $(seq 50); do
		curl -sk -o /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "no answer from $1" >&2
	return 1
}

# self_signed DIR: a throw-away certificate and key for 127.0.0.1.
self_signed() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	    -keyout "$1/key.pem" -out "$1/cert.pem" 2>/dev/null &&
	    cat "$1/key.pem" "$1/cert.pem" > "$1/server.pem"
}

# start_lighttpd NAME SNIPPET APPROOT [tls]: lighttpd in the foreground on
# a free port, with SNIPPET (a conf/*.in file) filled and included.  Sets
# the instance's URL in $H/NAME/url (and the https one in url-tls).
start_lighttpd() {
	local name=$1 in=$2 root=$3 tls=${4:-} d="$H/$1" port tport
	instance "$name"
	fill_for_instance "$in" "$d/sessile.conf" "$name" "$root"
	port=$(free_port)
	{
		echo "server.modules = (\"mod_alias\", \"mod_setenv\", \"mod_fastcgi\", \"mod_cgi\"${tls:+, \"mod_openssl\"})"
		echo 'server.bind = "127.0.0.1"'
		echo "server.port = $port"
		echo "server.document-root = \"$d/www\""
		echo "server.errorlog = \"$d/logs/error.log\""
		echo "server.pid-file = \"$d/run/lighttpd.pid\""
		if [ -n "$tls" ]; then
			self_signed "$d"
			tport=$(free_port)
			echo "\$SERVER[\"socket\"] == \"127.0.0.1:$tport\" {"
			echo '	ssl.engine = "enable"'
			echo "	ssl.pemfile = \"$d/server.pem\""
			echo '}'
			echo "https://127.0.0.1:$tport" > "$d/url-tls"
		fi
		echo "include \"$d/sessile.conf\""
	} > "$d/lighttpd.conf"
	run_lighttpd "$name" "$port"
}

# run_lighttpd NAME PORT: the instance's lighttpd.conf served in the
# foreground on PORT, until it answers; its URL in $H/NAME/url.
run_lighttpd() {
	local d="$H/$1"
	echo "http://127.0.0.1:$2" > "$d/url"
	lighttpd -D -f "$d/lighttpd.conf" 2>"$d/logs/stderr" &
	remember $!
	wait_http "http://127.0.0.1:$2/" || {
		cat "$d/logs/stderr" "$d/logs/error.log" >&2
		return 1
	}
}

# start_nginx NAME SNIPPET APPROOT [tls]: nginx (master and one worker)
# in the foreground on a free port, with SNIPPET (conf/nginx.conf.in)
# filled and included in its server block; the programs it passes to are
# started apart (spawn_programs).  Its workers run as the user running
# the suite, whose directories they must enter.  Sets the instance's URL
# in $H/NAME/url (and the https one in url-tls).
start_nginx() {
	local name=$1 in=$2 root=$3 tls=${4:-} d="$H/$1" port tport
	fill_for_instance "$in" "$d/sessile.conf" "$name" "$root"
	mkdir -p "$d/tmp"
	port=$(free_port)
	{
		echo 'daemon off;'
		echo 'worker_processes 1;'
		[ "$(id -u)" -ne 0 ] || echo 'user root root;'
		echo "pid $d/run/nginx.pid;"
		echo "error_log $d/logs/error.log info;"
		echo 'events { worker_connections 512; }'
		echo 'http {'
		echo '	access_log off;'
		for t in client_body fastcgi proxy uwsgi scgi; do
			echo "	${t}_temp_path $d/tmp/$t;"
		done
		echo '	server {'
		echo "		listen 127.0.0.1:$port;"
		if [ -n "$tls" ]; then
			self_signed "$d"
			tport=$(free_port)
			echo "		listen 127.0.0.1:$tport ssl;"
			echo "		ssl_certificate $d/cert.pem;"
			echo "		ssl_certificate_key $d/key.pem;"
			echo "https://127.0.0.1:$tport" > "$d/url-tls"
		fi
		echo "		root $d/www;"
		echo "		include $d/sessile.conf;"
		echo '	}'
		echo '}'
	} > "$d/nginx.conf"
	echo "http://127.0.0.1:$port" > "$d/url"
	"${NGINX:-/usr/sbin/nginx}" -p "$d" -c "$d/nginx.conf" \
	    -e "$d/logs/error.log" \
	    2>"$d/logs/stderr" &
	remember $!
	wait_http "http://127.0.0.1:$port/" || {
		cat "$d/logs/stderr" "$d/logs/error.log" >&2
		return 1
	}
}

# spawn_programs NAME APPROOT: the three programs on Unix sockets in the
# instance's run dir, started outside the web server by spawn-fcgi, each
# with its SESSILE_WORKERS as in README's example.
spawn_programs() {
	local d="$H/$1" p pid
	for p in index login logout; do
		env -i PATH="$PATH" SECRET_KEY_FILE="$d/secret_key" \
		    SESSION_FILE_DIR="$d/sessions" TEMPLATE_DIR="$SRCDIR/html" \
		    APPLICATION_ROOT="$2" SESSILE_WORKERS=4 \
		    "${SPAWN_FCGI:-spawn-fcgi}" -s "$d/run/sessile/$p.sock" \
		    -M 0660 -F 1 -P "$d/run/$p.pid" -- \
		    "$BUILDDIR/cgi-bin/$p.fcgi" >"$d/logs/spawn-$p.log" 2>&1
		pid=$(cat "$d/run/$p.pid")
		remember "$pid"
	done
}

# activate_programs NAME APPROOT: the three programs on Unix sockets in
# the instance's run dir, made and handed over by systemd-socket-activate
# the way sessile@.socket does (the socket passed on LISTEN_FDS; the
# program started on the first connection), two workers each.
activate_programs() {
	local d="$H/$1" p
	for p in index login logout; do
		systemd-socket-activate -l "$d/run/sessile/$p.sock" \
		    -E "SECRET_KEY_FILE=$d/secret_key" \
		    -E "SESSION_FILE_DIR=$d/sessions" \
		    -E "TEMPLATE_DIR=$SRCDIR/html" -E "APPLICATION_ROOT=$2" \
		    -E SESSILE_WORKERS=2 "$BUILDDIR/cgi-bin/$p.fcgi" \
		    >"$d/logs/activate-$p.log" 2>&1 &
		remember $!
		echo $! > "$d/run/$p.pid"
	done
	wait_sockets "$d/run/sessile" "$d/logs/activate"
}

# wait_sockets DIR LOG: up to five seconds for DIR/{index,login,logout}.sock
# to be made; when one is not, LOG-PROG.log on stderr, and 1.
wait_sockets() {
	local p
	for p in index login logout; do
		for _ in $(seq 50); do
			[ -S "$1/$p.sock" ] && break
			sleep 0.1
		done
		[ -S "$1/$p.sock" ] || {
			cat "$2-$p.log" >&2
			return 1
		}
	done
}

url() {
	cat "$H/$1/url"
}

# ---- What a visitor does ---------------------------------------------------

# token BASE JAR: GET the login form, print its CSRF token.
token() {
	curl -sk --http1.1 -c "$2" -b "$2" "$1login" |
	    sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p'
}

# login BASE JAR NAME: the form, then the POST; prints the answer's head.
login_as() {
	local tok
	tok=$(token "$1" "$2")
	[ -n "$tok" ] || { echo "no CSRF token in the form" >&2; return 1; }
	curl -sk --http1.1 -D - -o /dev/null -c "$2" -b "$2" \
	    --data-urlencode "csrf_token=$tok" --data-urlencode "username=$3" \
	    "$1login"
}

# jar_value JAR NAME: a cookie's value in a curl cookie jar.
jar_value() {
	awk -v n="$2" -F '\t' '$6 == n { print $7 }' "$1"
}

# count_session_files DIR: how many session files (64 hex digits) DIR
# holds.
count_session_files() {
	find -H "$1" -maxdepth 1 -type f -regextype posix-extended \
	    -regex '.*/[0-9a-f]{64}' | wc -l
}

# ---- Checks every deployment passes ----------------------------------------

# check_flow NAME APPROOT: login, index, the flash once, logout, and the
# old cookie is dead afterwards.
check_flow() {
	local base jar head old d="$H/$1" n
	base="$(url "$1")$2"
	jar="$BATS_TEST_TMPDIR/jar"
	n=$(count_session_files "$d/sessions")
	run curl -sk -c "$jar" -b "$jar" "$base"
	[[ "$output" == *"You are not logged in"* ]]
	[ "$(count_session_files "$d/sessions")" -eq "$n" ]

	head=$(login_as "$base" "$jar" "Zoë <admin>")
	[[ "$head" == "HTTP/1.1 303 See Other"* ]]
	[[ "$head" == *$'\r\nLocation: '"$2"$'\r\n'* ]]
	[[ "$head" == *"Set-Cookie: session="*"HttpOnly; SameSite=Lax"* ]]
	[[ "$head" == *"Path=${2%/}"* ]] || [[ "$head" == *"Path=$2"* ]]
	[ "$(count_session_files "$d/sessions")" -eq $((n + 1)) ]

	run curl -sk -c "$jar" -b "$jar" "$base"
	[[ "$output" == *"Logged in as <strong>Zoë &lt;admin&gt;</strong>"* ]]
	[[ "$output" == *"You are logged in."* ]]
	[[ "$output" == *"href=\"$2logout\""* ]]
	run curl -sk -c "$jar" -b "$jar" "$base"
	[[ "$output" == *"Logged in as"* ]]
	[[ "$output" != *"You are logged in."* ]]

	# HEAD, and a logout link followed from another site, change nothing.
	head=$(curl -sk -I -c "$jar" -b "$jar" "${base}logout")
	[[ "$head" == "HTTP/1.1 303 See Other"* ]]
	[[ "$head" != *"Set-Cookie: session="* ]]
	head=$(curl -sk -D - -o /dev/null -c "$jar" -b "$jar" \
	    -H "Sec-Fetch-Site: cross-site" "${base}logout")
	[[ "$head" == "HTTP/1.1 303 See Other"* ]]
	[[ "$head" != *"Set-Cookie: session="* ]]
	run curl -sk -c "$jar" -b "$jar" "$base"
	[[ "$output" == *"Logged in as"* ]]
	[ "$(count_session_files "$d/sessions")" -eq $((n + 1)) ]

	old=$(jar_value "$jar" session)
	[ -n "$old" ]
	head=$(curl -sk -D - -o /dev/null -c "$jar" -b "$jar" "${base}logout")
	[[ "$head" == "HTTP/1.1 303 See Other"* ]]
	[[ "$head" == *$'\r\nLocation: '"$2"$'\r\n'* ]]
	[ "$(count_session_files "$d/sessions")" -eq "$n" ]
	run curl -sk -c "$jar" -b "$jar" "$base"
	[[ "$output" == *"You are not logged in"* ]]
	[[ "$output" == *"You are logged out."* ]]
	run curl -sk -H "Cookie: session=$old" "$base"
	[[ "$output" == *"You are not logged in"* ]]
}

# check_head NAME APPROOT: HEAD has GET's status and headers, no body.
check_head() {
	local base
	base="$(url "$1")$2"
	run curl -sk -I "${base}login"
	[[ "$output" == "HTTP/1.1 200 OK"* ]]
	[[ "$output" == *"Content-Security-Policy: "*"frame-ancestors 'none'"* ]]
	[[ "$output" == *"Set-Cookie: session_csrf="* ]]
	run curl -sk -o /dev/null -w '%{http_code} %{size_download}' \
	    -X HEAD "$base"
	[ "$output" = "200 0" ]
}

# check_405 NAME APPROOT: PUT gets 405 with Allow.
check_405() {
	local base
	base="$(url "$1")$2"
	run curl -sk -i -X PUT "${base}login"
	[[ "$output" == "HTTP/1.1 405 Method Not Allowed"* ]]
	[[ "$output" == *$'\r\nAllow: GET, HEAD, POST\r\n'* ]]
	run curl -sk -i -X DELETE "$base"
	[[ "$output" == "HTTP/1.1 405 Method Not Allowed"* ]]
	[[ "$output" == *$'\r\nAllow: GET, HEAD\r\n'* ]]
}

# check_trace NAME APPROOT: TRACE is refused, and echoes no cookie.
check_trace() {
	local base
	base="$(url "$1")$2"
	run curl -sk -i -X TRACE -H 'Cookie: session=secret-value' "${base}login"
	[[ "$output" == "HTTP/1.1 405 "* ]]
	[[ "$output" != *secret-value* ]]
}

# check_range NAME APPROOT: a Range request on a page gets the whole page,
# 200 and never 206: a page is made for its request, so a part of one
# cannot be put together with a part of another (RFC 9110 §14.3: the
# programs send Accept-Ranges: none, which lighttpd honours).
check_range() {
	local base
	base="$(url "$1")$2"
	run curl -sk -i -H 'Range: bytes=0-9' "${base}login"
	[[ "$output" == "HTTP/1.1 200 OK"* ]]
	[[ "$output" != *$'\r\nContent-Range:'* ]]
	[[ "$output" == *'name="csrf_token"'*'</html>'* ]]
	run curl -sk -o /dev/null -w '%{http_code}' -H 'Range: bytes=-5' \
	    "$base"
	[ "$output" = 200 ]
}

# check_413 NAME APPROOT: a body over MAX_CONTENT_LENGTH, through the server.
check_413() {
	local base jar tok n
	base="$(url "$1")$2"
	jar="$BATS_TEST_TMPDIR/jar"
	n=$(count_session_files "$H/$1/sessions")
	tok=$(token "$base" "$jar")
	run curl -sk -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" \
	    --data-urlencode "csrf_token=$tok" \
	    --data "username=$(head -c 20000 /dev/zero | tr '\0' a)" \
	    "${base}login"
	[ "$output" = 413 ]
	[ "$(count_session_files "$H/$1/sessions")" -eq "$n" ]
}

# check_cross_site NAME: a login posted from another site's origin gets
# 403, and stores nothing.
check_cross_site() {
	local jar="$BATS_TEST_TMPDIR/jar" before tok
	before=$(count_session_files "$H/$1/sessions")
	tok=$(token "$(url "$1")/" "$jar")
	run curl -s -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" \
	    -H "Origin: https://evil.example" --data-urlencode "csrf_token=$tok" \
	    --data "username=mallory" "$(url "$1")/login"
	[ "$output" = 403 ]
	[ "$(count_session_files "$H/$1/sessions")" -eq "$before" ]
}

# check_cookie_headers NAME APPROOT: two Cookie header lines, joined by the
# server its own way, still carry the session; beside a second session
# cookie that does not verify, the live one is used.
check_cookie_headers() {
	local base jar tok sid other
	base="$(url "$1")$2"
	jar="$BATS_TEST_TMPDIR/jar"
	login_as "$base" "$jar" alice >/dev/null
	sid=$(jar_value "$jar" session)
	# Another value: the first character changed (never to itself).
	other=x${sid#?}
	[ "$other" != "$sid" ] || other=y${sid#?}
	run curl -sk -H "Cookie: theme=dark" -H "Cookie: session=$sid" "$base"
	[[ "$output" == *"Logged in as <strong>alice</strong>"* ]]
	run curl -sk -H "Cookie: session=$sid" -H "Cookie: session=$other" "$base"
	[[ "$output" == *"Logged in as <strong>alice</strong>"* ]]
}

# On app.example.test (resolved to the server), as a browser would be:
# curl with its cookie jar, which keeps Domain and Path as a browser does.
vcurl() {
	curl -sk --http1.1 --resolve "app.example.test:$VPORT:127.0.0.1" "$@"
}

vlogin() {
	local tok
	tok=$(vcurl -c "$2" -b "$2" "${VBASE}login" |
	    sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p')
	[ -n "$tok" ] || { echo "no CSRF token in the form" >&2; return 1; }
	vcurl -D - -o /dev/null -c "$2" -b "$2" --data-urlencode \
	    "csrf_token=$tok" --data-urlencode "username=$1" "${VBASE}login"
}

# vlogin_sticks NAME JAR: a login as NAME answers 303, and the next page
# says NAME is logged in.
vlogin_sticks() {
	local head
	head=$(vlogin "$1" "$2")
	[[ "$head" == "HTTP/1.1 303"* ]] || return
	run vcurl -c "$2" -b "$2" "$VBASE"
	[[ "$output" == *"Logged in as <strong>$1</strong>"* ]]
}

# plant JAR VALUE PATH: a session cookie for the parent domain
# example.test, as evil.example.test can set one (RFC 6265 §8.6).
plant() {
	printf '.example.test\tTRUE\t%s\tFALSE\t0\tsession\t%s\n' "$3" "$2" \
	    >>"$1"
}

# check_planted_cookie NAME APPROOT: a sibling host plants, for the parent
# domain, a cookie naming the planter's own live session.  Beside the
# visitor's own it is never used: the answer deletes both and ends both
# sessions; alone, it is replaced at login and the planter's session
# ends.  Either way the
# visitor never ends up acting in the planter's session.
check_planted_cookie() {
	local mjar jar planted
	VPORT=$(url "$1" | sed 's/.*://')
	VBASE="http://app.example.test:$VPORT$2"
	mjar="$BATS_TEST_TMPDIR/mallory"
	jar="$BATS_TEST_TMPDIR/alice"
	vlogin mallory "$mjar" >/dev/null
	planted=$(jar_value "$mjar" session)
	[ -n "$planted" ]
	# Beside the visitor's own cookie.
	vlogin alice "$jar" >/dev/null
	plant "$jar" "$planted" "$2"
	run vcurl -D "$BATS_TEST_TMPDIR/head" -b "$jar" "$VBASE"
	[[ "$output" == *"You are not logged in"* ]]
	[[ "$output" != *"mallory"* ]]
	# The answer deletes both: the host's own and the parent domain's.
	# (curl 7.88 applies several Set-Cookie lines of one name to its jar
	# wrongly, so a browser's jar is followed by hand from here.)
	grep -q '^Set-Cookie: session=; Path=[^;]*; Expires=Thu, 01 Jan 1970' \
	    "$BATS_TEST_TMPDIR/head"
	grep -q '^Set-Cookie: session=; Path=[^;]*; Domain=example.test; Expires=Thu, 01 Jan 1970' \
	    "$BATS_TEST_TMPDIR/head"
	sed -i '/\tsession\t/d' "$jar"
	vlogin_sticks alice "$jar"
	# The planter's session was ended with the visitor's: a cookie no
	# deletion reached would otherwise log the visitor in as the planter.
	run vcurl -b "$mjar" "$VBASE"
	[[ "$output" == *"You are not logged in"* ]]
	vlogin mallory "$mjar" >/dev/null
	planted=$(jar_value "$mjar" session)

	# Alone, before the visitor logs in: the login replaces it.
	rm -f "$jar"
	plant "$jar" "$planted" "$2"
	vlogin_sticks alice "$jar"
	run vcurl -b "$mjar" "$VBASE"
	[[ "$output" == *"You are not logged in"* ]]
}

# check_secure NAME: Secure on the session cookie over https, not over http.
check_secure() {
	local jar head
	jar="$BATS_TEST_TMPDIR/jar-tls"
	head=$(login_as "$(cat "$H/$1/url-tls")/" "$jar" alice)
	[[ "$head" == "HTTP/1.1 303"* ]]
	[[ "$head" == *"Set-Cookie: session="*"; Secure; HttpOnly"* ]]
	jar="$BATS_TEST_TMPDIR/jar-plain"
	head=$(login_as "$(url "$1")/" "$jar" alice)
	[[ "$head" == *"Set-Cookie: session="* ]]
	[[ "$head" != *"Secure"* ]]
}

# ---- Concurrency and load --------------------------------------------------

# counter_snippet OUT: the suite (conf/lighttpd-fastcgi.conf.in) and the
# counter example at APPROOT/counter (tests/lighttpd-counter.conf.in) in
# one snippet for start_lighttpd, the counter's templates (the suite's
# and the shipped examples/counter.html) in $H/html.
counter_snippet() {
	mkdir -p "$H/html"
	cp "$SRCDIR"/html/* "$SRCDIR/examples/counter.html" "$H/html/"
	{
		cat "$SRCDIR/conf/lighttpd-fastcgi.conf.in"
		"$SRCDIR/tools/fill" exampledir="$BUILDDIR/examples" \
		    countertemplatedir="$H/html" \
		    < "$SRCDIR/tests/lighttpd-counter.conf.in"
	} > "$1"
}

# wrk_figure NAME FILE: one of the figures a wrk script (load.lua,
# flood.lua) wrote in FILE, on its line "NAME value".
wrk_figure() {
	sed -n "s/^$1 //p" "$2"
}

# lighttpd_workers NAME [PROG...]: the pids of the FastCGI workers this
# instance's lighttpd spawned (of PROG only: index, login, logout, counter),
# not those of the suites running beside it.
lighttpd_workers() {
	local ppid p
	ppid=$(cat "$H/$1/run/lighttpd.pid")
	shift
	[ $# -gt 0 ] || set -- index login logout
	for p; do
		pgrep -P "$ppid" -f "/$p(\\.fcgi)?\$" || true
	done | sort -n
}

# session_name_of_cookie COOKIE: the name of the file of the session
# whose cookie value (ID.TAG) is COOKIE: the hex SHA-256 of the id.
session_name_of_cookie() {
	printf %s "${1%%.*}" | sha256sum | cut -d' ' -f1
}

# visits FILE...: the visit counts the counter pages FILE... show.
visits() {
	sed -n 's|.*Visits: <strong>\([0-9]*\)</strong>.*|\1|p' "$@"
}

# cookie_set HEADERS: the session cookie a dumped answer head sets.
cookie_set() {
	sed -n 's/^Set-Cookie: session=\([^;]*\);.*/\1/p' "$1" | tr -d '\r'
}

# new_counter BASE: a counter session of one visit; its cookie in C.
new_counter() {
	run curl -s -c "$BATS_TEST_TMPDIR/jar" "${1}counter"
	[[ "$output" == *"Visits: <strong>1</strong>"* ]] || return 1
	c=$(jar_value "$BATS_TEST_TMPDIR/jar" session)
	[ -n "$c" ]
}

# start_counter [N]: examples/counter under spawn-fcgi, SESSILE_WORKERS=N
# (4), on this test's store (a copy of the binary, as start_fcgi starts
# cgi-bin/); what it logs in $TMP/counter.stderr.
start_counter() {
	mkdir -p "$TMP/ctr/cgi-bin" "$TMP/ctr/html"
	cp "$BUILDDIR/examples/counter" "$TMP/ctr/cgi-bin/counter.fcgi"
	cp "$SRCDIR"/html/* "$SRCDIR/examples/counter.html" "$TMP/ctr/html/"
	TEMPLATE_DIR=$TMP/ctr/html
	CONFIG+=("SESSILE_WORKERS=${1:-4}")
	BUILDDIR=$TMP/ctr start_logged counter
}

# counter_burst N COOKIE: N requests at once on the counter, through
# cgi-fcgi; the answers in $TMP/a/1..N.
counter_burst() {
	local i
	local -a pids=()
	mkdir -p "$TMP/a"
	for i in $(seq "$1"); do
		env -i REQUEST_METHOD=GET SCRIPT_NAME=/counter \
		    HTTP_COOKIE="session=$2" "$CGI_FCGI" -bind \
		    -connect "127.0.0.1:$PORT_counter" </dev/null \
		    >"$TMP/a/$i" 2>&1 &
		pids+=($!)
	done
	# Not a bare wait: servers the test started are this shell's
	# children too.
	wait "${pids[@]}"
}

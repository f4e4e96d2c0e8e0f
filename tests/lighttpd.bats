#!/usr/bin/env bats
# The suite behind a real lighttpd, spawning the programs as FastCGI the way
# ./dev serve does, talked to over HTTP with curl and a cookie jar.

setup_file() {
	command -v lighttpd >/dev/null || skip "lighttpd is not installed"
	export LT="$BATS_FILE_TMPDIR/lt"
	mkdir -p "$LT/www" "$LT/sessions"
	chmod 700 "$LT/sessions"
	head -c 32 /dev/urandom | base64 > "$LT/key"
	# A free port on loopback: ask the kernel.
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
	    echo $((20000 + RANDOM % 20000)))
	export PORT
	env="\"SECRET_KEY_FILE\" => \"$LT/key\", \"SESSION_FILE_DIR\" => \"$LT/sessions\", \"TEMPLATE_DIR\" => \"$SRCDIR/html\""
	{
		echo "server.modules = (\"mod_fastcgi\")"
		echo "server.bind = \"127.0.0.1\""
		echo "server.port = $PORT"
		echo "server.document-root = \"$LT/www\""
		echo "server.errorlog = \"$LT/error.log\""
		for p in index login logout; do
			url="/$p"
			[ "$p" = index ] && url=/
			cat <<EOF
\$HTTP["url"] == "$url" {
	fastcgi.server = ("$url" => ((
		"bin-path" => "$BUILDDIR/cgi-bin/$p.fcgi",
		"socket" => "$LT/$p.sock",
		"check-local" => "disable",
		"max-procs" => 2,
		"bin-environment" => ($env),
	)))
}
EOF
		done
	} > "$LT/lighttpd.conf"
	lighttpd -D -f "$LT/lighttpd.conf" 2>"$LT/stderr" &
	echo $! > "$LT/pid"
	for _ in $(seq 50); do
		curl -s -o /dev/null "http://127.0.0.1:$PORT/" && return 0
		sleep 0.1
	done
	cat "$LT/stderr" "$LT/error.log" >&2
	return 1
}

teardown_file() {
	[ -f "$LT/pid" ] && kill "$(cat "$LT/pid")" 2>/dev/null || true
}

setup() {
	B="http://127.0.0.1:$PORT"
	J="$BATS_TEST_TMPDIR/jar"
}

token() {
	curl -s -c "$J" -b "$J" "$B/login" |
	    sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p'
}

@test "lighttpd: an anonymous visitor sees 'not logged in' and costs no file" {
	run curl -s -c "$J" -b "$J" "$B/"
	[[ "$output" == *"You are not logged in"* ]]
	[ -z "$(ls -A "$LT/sessions" | grep -v '^\.lock$')" ]
}

@test "lighttpd: login, index, logout with a cookie jar" {
	tok=$(token)
	[ -n "$tok" ]
	run curl -s -i -c "$J" -b "$J" --data-urlencode "csrf_token=$tok" \
	    --data-urlencode "username=Zoë <admin>" "$B/login"
	[[ "$output" == "HTTP/1.1 303 See Other"* ]]
	[[ "$output" == *$'\r\nLocation: /\r\n'* ]]
	[[ "$output" == *"Set-Cookie: session="*"HttpOnly; SameSite=Lax"* ]]

	run curl -s -c "$J" -b "$J" "$B/"
	[[ "$output" == *"Logged in as <strong>Zoë &lt;admin&gt;</strong>"* ]]
	[[ "$output" == *"You are logged in."* ]]

	# The flash is shown once.
	run curl -s -c "$J" -b "$J" "$B/"
	[[ "$output" == *"Logged in as"* ]]
	[[ "$output" != *"You are logged in."* ]]

	old=$(grep -P '\tsession\t' "$J" | cut -f7)
	run curl -s -i -c "$J" -b "$J" "$B/logout"
	[[ "$output" == "HTTP/1.1 303 See Other"* ]]
	run curl -s -c "$J" -b "$J" "$B/"
	[[ "$output" == *"You are not logged in"* ]]
	[[ "$output" == *"You are logged out."* ]]

	# The old cookie is dead on the server.
	run curl -s -H "Cookie: session=$old" "$B/"
	[[ "$output" == *"You are not logged in"* ]]
}

@test "lighttpd: HEAD gives the headers of GET and no body" {
	run curl -s -I "$B/login"
	[[ "$output" == "HTTP/1.1 200 OK"* ]]
	[[ "$output" == *"Content-Security-Policy: "*"frame-ancestors 'none'"* ]]
	run curl -s -o "$BATS_TEST_TMPDIR/body" -w '%{size_download}' -X HEAD "$B/"
	[ "$output" = 0 ]
}

@test "lighttpd: PUT gets 405 with Allow" {
	run curl -s -i -X PUT "$B/login"
	[[ "$output" == "HTTP/1.1 405 Method Not Allowed"* ]]
	[[ "$output" == *$'\r\nAllow: GET, HEAD, POST\r\n'* ]]
}

@test "lighttpd: an oversized body gets 413" {
	tok=$(token)
	run curl -s -i -c "$J" -b "$J" --data-urlencode "csrf_token=$tok" \
	    --data "username=$(head -c 20000 /dev/zero | tr '\0' a)" "$B/login"
	[[ "$output" == "HTTP/1.1 413 "* ]]
}

@test "lighttpd: a cross-site login is refused with 403" {
	tok=$(token)
	run curl -s -i -c "$J" -b "$J" -H "Origin: https://evil.example" \
	    --data-urlencode "csrf_token=$tok" --data "username=mallory" \
	    "$B/login"
	[[ "$output" == "HTTP/1.1 403 Forbidden"* ]]
	[[ "$output" != *"Set-Cookie: session="* ]]
}

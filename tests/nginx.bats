#!/usr/bin/env bats
# The suite behind a real nginx, conf/nginx.conf.in included in its server
# block: nginx passes /, /login and /logout with fastcgi_pass to the
# programs, started apart by spawn-fcgi on Unix sockets (as the
# sessile@.socket units would), at / on http and https, and under /app/.
# Then the same with the programs' sockets made by systemd-socket-activate,
# which hands each program its listening socket as sessile@.socket does.
# Each nginx runs in the foreground on loopback ports, with its
# configuration, logs and temporary files in the suite's directory, and
# is driven over HTTP by curl with a cookie jar; it is stopped by its pid.

load lib

NGINX=${NGINX:-/usr/sbin/nginx}

setup() {
	skip_if_missing
}

setup_file() {
	export MISSING=
	[ -x "$NGINX" ] || { MISSING=nginx; return 0; }
	require curl openssl "${SPAWN_FCGI:-spawn-fcgi}" || return 0
	instance nginx
	spawn_programs nginx /
	start_nginx nginx "$SRCDIR/conf/nginx.conf.in" / tls
	instance nginx-app
	spawn_programs nginx-app /app/
	start_nginx nginx-app "$SRCDIR/conf/nginx.conf.in" /app/
	command -v systemd-socket-activate >/dev/null || return 0
	instance activated
	activate_programs activated /
	start_nginx activated "$SRCDIR/conf/nginx.conf.in" /
}

teardown_file() {
	stop_servers
}

@test "nginx: login, index, flash, logout" {
	check_flow nginx /
}

@test "nginx: HEAD has headers and no body" {
	check_head nginx /
}

@test "nginx: PUT and DELETE get 405 with Allow; TRACE echoes no cookie" {
	check_405 nginx /
	check_trace nginx /
}

@test "nginx: a Range request gets the whole page, 200" {
	check_range nginx /
}

@test "nginx: a body over MAX_CONTENT_LENGTH gets 413, and nothing is stored" {
	check_413 nginx /
}

@test "nginx: two Cookie headers still carry the session (joined by the snippet), beside one that does not verify" {
	check_cookie_headers nginx /
}

@test "nginx: a cookie planted for the parent domain takes over no session" {
	check_planted_cookie nginx /
}

@test "nginx: Secure cookies on https (HTTPS=on), not on http" {
	check_secure nginx
}

# HTTPS=on is what makes the request's own origin https: a form posted
# over https from that origin logs in, one claiming the http origin of
# the same host and port does not.
@test "nginx, https: the origin of a login is the https one nginx says it is" {
	base=$(cat "$H/nginx/url-tls")/
	jar=$BATS_TEST_TMPDIR/jar
	tok=$(token "$base" "$jar")
	run curl -sk -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" \
	    -H "Origin: ${base%/}" --data-urlencode "csrf_token=$tok" \
	    --data username=alice "${base}login"
	[ "$output" = 303 ]
	tok=$(token "$base" "$jar")
	run curl -sk -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" \
	    -H "Origin: http://${base#https://}" --data-urlencode \
	    "csrf_token=$tok" --data username=alice "${base%/}/login"
	[ "$output" = 403 ]
}

@test "nginx: a chunked POST, without Content-Length, logs in" {
	base=$(url nginx)/
	jar=$BATS_TEST_TMPDIR/jar
	tok=$(token "$base" "$jar")
	run curl -s -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" \
	    -H 'Transfer-Encoding: chunked' --data-urlencode "csrf_token=$tok" \
	    --data username=carol "${base}login"
	[ "$output" = 303 ]
	run curl -s -b "$jar" "$base"
	[[ "$output" == *"Logged in as <strong>carol</strong>"* ]]
}

@test "nginx: an anonymous visit stores nothing" {
	before=$(count_session_files "$H/nginx/sessions")
	run curl -s "$(url nginx)/"
	[[ "$output" == *"You are not logged in"* ]]
	run curl -s "$(url nginx)/login"
	[[ "$output" == *'name="csrf_token"'* ]]
	[ "$(count_session_files "$H/nginx/sessions")" -eq "$before" ]
}

@test "nginx: other URLs are not the suite" {
	for path in /login/x /index.html /logoutx /loginx; do
		run curl -s -o /dev/null -w '%{http_code}' "$(url nginx)$path"
		[ "$output" = 404 ] || fail "$path: $output, not 404"
	done
}

@test "nginx: a cross-site login gets 403, and nothing is stored" {
	check_cross_site nginx
}

@test "nginx under /app/: login, index, flash, logout" {
	check_flow nginx-app /app/
}

@test "nginx under /app/: HEAD, 405 and 413 too; a planted cookie takes over nothing" {
	check_head nginx-app /app/
	check_405 nginx-app /app/
	check_413 nginx-app /app/
	check_planted_cookie nginx-app /app/
}

# /app, without the slash, has none of the cookies (Path=/app/): nginx
# sends the browser to /app/; /appx is not the suite's.
@test "nginx under /app/: /app is sent to /app/" {
	run curl -s -o /dev/null -w '%{http_code} %{redirect_url}' \
	    "$(url nginx-app)/app"
	assert_equal "$output" "301 $(url nginx-app)/app/"
	run curl -s -o /dev/null -w '%{http_code} %{redirect_url}' \
	    "$(url nginx-app)/app?next=1"
	assert_equal "$output" "301 $(url nginx-app)/app/?next=1"
	run curl -s -o /dev/null -w '%{http_code}' "$(url nginx-app)/appx"
	assert_equal "$output" 404
}

@test "nginx under /app/: the root of the site is not the suite" {
	run curl -s -w '%{http_code}' "$(url nginx-app)/"
	[[ "$output" == *40[34] ]]
	[[ "$output" != *"logged in"* ]]
	for path in /login /logout; do
		run curl -s -o /dev/null -w '%{http_code}' "$(url nginx-app)$path"
		[ "$output" = 404 ] || fail "$path: $output, not 404"
	done
}

# ---- Socket activation ----------------------------------------------------

@test "nginx, programs socket-activated by systemd-socket-activate: login, index, flash, logout" {
	command -v systemd-socket-activate >/dev/null ||
	    skip "systemd-socket-activate is not installed"
	check_flow activated /
	check_cookie_headers activated /
	# Each program runs in the process the activator became, as its
	# supervisor, with the two workers it forked on the socket.
	for p in index login logout; do
		pid=$(cat "$H/activated/run/$p.pid")
		assert_equal "$(readlink "/proc/$pid/exe")" \
		    "$(readlink -f "$BUILDDIR/cgi-bin/$p.fcgi")"
		assert_equal "$(pgrep -c -P "$pid")" 2
	done
	! grep -h 'LISTEN_FDS' "$H"/activated/logs/activate-*.log ||
	    fail "a program could not take its socket"
}

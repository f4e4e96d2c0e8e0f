#!/usr/bin/env bats
# The suite behind real lighttpd servers, one per way of deploying it in
# conf/: lighttpd spawning the programs (FastCGI), programs started outside
# it by spawn-fcgi, and plain CGI; each also mounted under /app/, and the
# first on https too.  Each server runs in the foreground on a loopback port with its
# configuration and logs in a temporary directory, and is driven over HTTP
# by curl with a cookie jar.

load lib

setup() {
	skip_if_missing
}

setup_file() {
	require lighttpd || return 0
	start_lighttpd fcgi "$SRCDIR/conf/lighttpd-fastcgi.conf.in" / tls
	start_lighttpd prefix "$SRCDIR/conf/lighttpd-fastcgi.conf.in" /app/
	instance external
	spawn_programs external /
	start_lighttpd external "$SRCDIR/conf/lighttpd-external.conf.in" /
	start_lighttpd cgi "$SRCDIR/conf/lighttpd-cgi.conf.in" /
	instance external-app
	spawn_programs external-app /app/
	start_lighttpd external-app "$SRCDIR/conf/lighttpd-external.conf.in" /app/
	start_lighttpd cgi-app "$SRCDIR/conf/lighttpd-cgi.conf.in" /app/
}

teardown_file() {
	stop_servers
}

@test "lighttpd, FastCGI spawned by lighttpd: login, index, flash, logout" {
	check_flow fcgi /
}

@test "lighttpd, FastCGI spawned by lighttpd: HEAD has headers and no body" {
	check_head fcgi /
}

@test "lighttpd, FastCGI spawned by lighttpd: PUT and DELETE get 405 with Allow" {
	check_405 fcgi /
}

@test "lighttpd, FastCGI spawned by lighttpd: TRACE gets 405 and echoes no cookie" {
	check_trace fcgi /
}

@test "lighttpd, plain CGI: TRACE gets 405 and echoes no cookie" {
	check_trace cgi /
}

@test "lighttpd, FastCGI spawned by lighttpd: a Range request gets the whole page, 200" {
	check_range fcgi /
}

@test "lighttpd, programs started by spawn-fcgi: a Range request gets the whole page, 200" {
	check_range external /
}

@test "lighttpd, plain CGI: a Range request gets the whole page, 200" {
	check_range cgi /
}

@test "lighttpd, FastCGI spawned by lighttpd: an oversized body gets 413" {
	check_413 fcgi /
}

@test "lighttpd, FastCGI spawned by lighttpd: Cookie headers joined with '; '" {
	check_cookie_headers fcgi /
}

@test "lighttpd, FastCGI spawned by lighttpd: a cookie planted for the parent domain takes over no session" {
	check_planted_cookie fcgi /
}

@test "lighttpd, FastCGI under /app/: a cookie planted for the parent domain takes over no session" {
	check_planted_cookie prefix /app/
}

@test "lighttpd, FastCGI spawned by lighttpd: Secure cookies on https only" {
	check_secure fcgi
}

@test "lighttpd, FastCGI spawned by lighttpd: an anonymous visit stores nothing" {
	before=$(ls -A "$H/fcgi/sessions" | wc -l)
	run curl -s "$(url fcgi)/"
	[[ "$output" == *"You are not logged in"* ]]
	run curl -s "$(url fcgi)/login"
	[[ "$output" == *'name="csrf_token"'* ]]
	[ "$(ls -A "$H/fcgi/sessions" | wc -l)" -eq "$before" ]
}

@test "lighttpd, FastCGI spawned by lighttpd: other URLs are not the suite" {
	run curl -s -o /dev/null -w '%{http_code}' "$(url fcgi)/login/x"
	[ "$output" = 404 ]
	run curl -s -o /dev/null -w '%{http_code}' "$(url fcgi)/index.html"
	[ "$output" = 404 ]
}

@test "lighttpd, FastCGI spawned by lighttpd: a cross-site login gets 403" {
	check_cross_site fcgi
}

@test "lighttpd mounted under /app/: login, index, flash, logout" {
	check_flow prefix /app/
}

@test "lighttpd mounted under /app/: HEAD, 405 and 413 too" {
	check_head prefix /app/
	check_405 prefix /app/
	check_413 prefix /app/
}

@test "lighttpd mounted under /app/: the root of the site is not the suite" {
	run curl -s -w '%{http_code}' "$(url prefix)/"
	[[ "$output" == *40[34] ]]
	[[ "$output" != *"logged in"* ]]
	run curl -s -o /dev/null -w '%{http_code}' "$(url prefix)/login"
	[ "$output" = 404 ]
}

@test "lighttpd, FastCGI started by spawn-fcgi: login, index, flash, logout" {
	check_flow external /
}

@test "lighttpd, FastCGI started by spawn-fcgi: HEAD, 405, 413, joined cookies" {
	check_head external /
	check_405 external /
	check_413 external /
	check_cookie_headers external /
}

@test "lighttpd, plain CGI: login, index, flash, logout" {
	check_flow cgi /
}

@test "lighttpd, plain CGI: HEAD, 405, 413, joined cookies" {
	check_head cgi /
	check_405 cgi /
	check_413 cgi /
	check_cookie_headers cgi /
}

@test "lighttpd, FastCGI started by spawn-fcgi, under /app/: the flow, HEAD, 405, 413" {
	check_flow external-app /app/
	check_head external-app /app/
	check_405 external-app /app/
	check_413 external-app /app/
}

@test "lighttpd, plain CGI, under /app/: the flow, HEAD, 405, 413" {
	check_flow cgi-app /app/
	check_head cgi-app /app/
	check_405 cgi-app /app/
	check_413 cgi-app /app/
}


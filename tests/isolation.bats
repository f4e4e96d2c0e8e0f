#!/usr/bin/env bats
# isolation.bats: the layout the README recommends for a shared server,
# tested as it is.  The programs run as a user of their own, outside the
# web server, on sockets the web server may connect to (what
# sessile@.socket and sessile@.service set up: the socket group www-data,
# 0660; the service as user sessile, the key readable by it alone); the
# session directory and the key are that user's.  Then another
# application of the web server's (here a CGI script lighttpd runs as
# www-data) can neither read the key nor write a session file, so it
# cannot forge a session; in the other layout, where the programs run as
# www-data, it can (the last test shows it, so that the check is real).
#
# Needs root (lighttpd drops to www-data, spawn-fcgi to the programs'
# user); the programs' user is a uid no account uses, so the machine is
# left as it was.

load lib

# The programs' user: a uid and gid no account or group holds.
free_id() {
	local i
	for i in $(seq 61000 61999); do
		if ! getent passwd "$i" >/dev/null &&
		    ! getent group "$i" >/dev/null; then
			echo "$i"
			return 0
		fi
	done
	return 1
}

setup_file() {
	require lighttpd || return 0
	[ "$(id -u)" -eq 0 ] || { export NOTROOT=1; return 0; }
	getent passwd www-data >/dev/null || { export MISSING=www-data; return 0; }
	local d p
	PROG=$(free_id)
	export PROG
	instance iso
	d=$H/iso
	# The programs and templates where their user can reach them: the
	# build tree may be in a directory only root can enter.
	mkdir -p "$d/bin"
	cp "$BUILDDIR"/cgi-bin/{index,login,logout}.fcgi "$d/bin/"
	cp -R "$SRCDIR/html" "$d/html"
	printf '#!/bin/sh\nexec sh "%s/www/probe.sh"\n' "$d" >"$d/www/probe.cgi"
	cat >"$d/www/probe.sh" <<-EOF
	printf 'Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n'
	echo "uid \$(id -u)"
	if cat "$d/secret_key" >/dev/null 2>&1; then echo "key: read"
	else echo "key: refused"; fi
	if ls "$d/sessions" >/dev/null 2>&1; then echo "list: read"
	else echo "list: refused"; fi
	if touch "$d/sessions/forged" 2>/dev/null; then echo "write: done"
	else echo "write: refused"; fi
	EOF
	chmod 0755 "$d/www/probe.cgi" "$d/www/probe.sh"
	# The temporary directories are root's: let both users pass through.
	p=$d
	while [ "$p" != / ] && [ "$p" != /tmp ]; do
		chmod o+x "$p"
		p=$(dirname "$p")
	done
	chmod -R o+rX "$d/bin" "$d/html" "$d/www"
	chown "$PROG:$PROG" "$d/sessions" "$d/secret_key"
	chmod 0400 "$d/secret_key"
	chmod 0755 "$d/run/sessile"
	for p in index login logout; do
		env -i PATH="$PATH" SECRET_KEY_FILE="$d/secret_key" \
		    SESSION_FILE_DIR="$d/sessions" TEMPLATE_DIR="$d/html" \
		    APPLICATION_ROOT=/ SESSILE_WORKERS=4 \
		    "${SPAWN_FCGI:-spawn-fcgi}" -s "$d/run/sessile/$p.sock" \
		    -u "$PROG" -g "$PROG" -U "$PROG" -G www-data -M 0660 \
		    -P "$d/run/$p.pid" -- "$d/bin/$p.fcgi" \
		    >"$d/logs/spawn-$p.log" 2>&1
		remember "$(cat "$d/run/$p.pid")"
	done
	fill_for_instance "$SRCDIR/conf/lighttpd-external.conf.in" \
	    "$d/sessile.conf" iso /
	port=$(free_port)
	chown www-data: "$d/logs"
	cat >"$d/lighttpd.conf" <<-EOF
	server.modules = ("mod_fastcgi", "mod_cgi")
	server.bind = "127.0.0.1"
	server.port = $port
	server.username = "www-data"
	server.groupname = "www-data"
	server.document-root = "$d/www"
	server.errorlog = "$d/logs/error.log"
	\$HTTP["url"] == "/probe.cgi" { cgi.assign = (".cgi" => "") }
	include "$d/sessile.conf"
	EOF
	run_lighttpd iso "$port"
}

teardown_file() {
	stop_servers
}

setup() {
	skip_if_missing
	[ -z "${NOTROOT-}" ] || skip "needs root to run servers as other users"
}

@test "isolated layout: lighttpd as www-data, the programs as their own user: login, index, flash, logout" {
	check_flow iso /
}

@test "isolated layout: each program and its workers run as its own user, not as www-data or root" {
	local p pid n
	for p in index login logout; do
		pid=$(cat "$H/iso/run/$p.pid")
		[ "$(ps -o uid= -p "$pid" | tr -d ' ')" = "$PROG" ]
		for _ in $(seq 60); do
			n=$(pgrep -P "$pid" -u "$PROG" | wc -l)
			[ "$n" -eq 4 ] && break
			sleep 0.05
		done
		[ "$n" -eq 4 ]
		[ "$(pgrep -P "$pid" | wc -l)" -eq 4 ]
	done
}

@test "isolated layout: another application of the web server's can neither read the key nor write a session" {
	run curl -s "$(url iso)/probe.cgi"
	[[ "$output" == *"uid 33"* ]] || [[ "$output" == *"uid $(id -u www-data)"* ]]
	[[ "$output" == *"key: refused"* ]]
	[[ "$output" == *"list: refused"* ]]
	[[ "$output" == *"write: refused"* ]]
	[ ! -e "$H/iso/sessions/forged" ]
}

@test "the www-data layout: the same application reads the key and writes sessions (the check is real)" {
	local d=$H/iso
	chown www-data "$d/secret_key" "$d/sessions"
	run curl -s "$(url iso)/probe.cgi"
	chown "$PROG" "$d/secret_key" "$d/sessions"
	rm -f "$d/sessions/forged"
	[[ "$output" == *"key: read"* ]]
	[[ "$output" == *"write: done"* ]]
}

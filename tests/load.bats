#!/usr/bin/env bats
# Load behind lighttpd with the shipped configuration
# (conf/lighttpd-fastcgi.conf.in: two workers per program): wrk's 64
# connections log in, look and log out for LOAD_SECONDS (default 60), see
# tests/load.lua.  Then: every answer was a page or a redirect, the same
# workers are serving (none crashed), with as many open descriptors and
# no more memory than before, and the session files left are the logins
# minus the logouts.
#
# LOAD_SECONDS=10 for a quick run; the figures go to the test's log.

load lib

# How much a worker's resident memory may grow in the run: a page or two
# of the C library's heap moving about, not a leak (a leak of even 16
# bytes a request is megabytes over a run).
RSS_SLACK_KIB=64

setup() {
	skip_if_missing
}

setup_file() {
	require lighttpd wrk curl || return 0
	start_lighttpd load "$SRCDIR/conf/lighttpd-fastcgi.conf.in" /
}

teardown_file() {
	stop_servers
}

# usage: "PID RSS-KiB DESCRIPTORS", a line per worker of the instance,
# in join(1)'s order.
usage() {
	local p
	for p in $(lighttpd_workers load | sort); do
		echo "$p $(awk '$1 == "VmRSS:" { print $2 }' "/proc/$p/status")" \
		    "$(find "/proc/$p/fd" -mindepth 1 | wc -l)"
	done
}

# visitors SECONDS OUT: wrk's visitors for SECONDS, then two more
# seconds asking for the form only (nothing in flight at the end stores
# anything); its figures in OUT.
visitors() {
	local base tok
	base=$(url load)
	tok=$(token "$base/" "$BATS_TEST_TMPDIR/jar")
	[ -n "$tok" ]
	wrk -t 4 -c 64 -d "$(($1 + 2))s" --timeout 30s \
	    -s "$SRCDIR/tests/load.lua" "$base" -- "$tok" \
	    "$(($(date +%s) + $1))" > "$2"
}

@test "64 connections of login, index and logout: all served, nothing leaks" {
	t=$BATS_TEST_TMPDIR
	secs=${LOAD_SECONDS:-60}
	# Warm up: every worker has served every kind of request, its heap
	# and its descriptors (directory, lock file) are in place.
	visitors 5 "$t/warm"
	[ "$(wrk_figure bad "$t/warm")" -eq 0 ]
	[ "$(wrk_figure logins "$t/warm")" -gt 0 ]
	files=$(count_session_files "$H/load/sessions")
	usage > "$t/before"
	[ "$(wc -l < "$t/before")" -eq 6 ]

	visitors "$secs" "$t/run"
	usage > "$t/after"
	f() { wrk_figure "$1" "$t/run"; }

	{
		visits=$(($(f logins) + $(f pages) + $(f logouts)))
		echo "# $secs s at 64 connections: $visits logins, pages and" \
		    "logouts, $((visits / secs)) a second; with the forms" \
		    "at the end $(f requests) answers in $(f seconds) s;" \
		    "latency p50 $(f latency_p50_ms) ms, p99" \
		    "$(f latency_p99_ms) ms, max $(f latency_max_ms) ms"
		echo "# $(f logins) logins, $(f pages) pages, $(f logouts)" \
		    "logouts, $(f stays) stayed logged in, $(f forms) forms;" \
		    "$(f c2xx) 2xx, $(f c3xx) 3xx, $(f bad) other; socket" \
		    "errors: $(f errors_detail)"
		echo "# session files: $files before, $(count_session_files \
		    "$H/load/sessions") after"
		echo "# worker pid, RSS KiB and descriptors, before -> after:"
		join "$t/before" "$t/after" |
		    awk '{ printf "#   %s %s -> %s KiB, %s -> %s fds\n",
		    $1, $2, $4, $3, $5 }'
	} >&3

	# Every answer a page or a redirect, none lost on the way.
	[ "$(f requests)" -gt 0 ]
	[ "$(f bad)" -eq 0 ]
	[ "$(f errors)" -eq 0 ]
	[ "$(f lost)" -eq 0 ]
	[ "$(f anonymous)" -eq 0 ]
	[ "$(f c2xx)" -gt 0 ]
	[ "$(f c3xx)" -gt 0 ]
	[ "$(f logins)" -gt 0 ]
	[ "$(f logouts)" -gt 0 ]
	[ "$(f stays)" -gt 0 ]
	# What stays on disk: the sessions not logged out.
	[ "$(count_session_files "$H/load/sessions")" -eq \
	    $((files + $(f logins) - $(f logouts))) ]
	# No fault logged by a program.
	[ "$(cat "$H/load/logs/error.log" "$H/load/logs/stderr" | grep -c 'sessile\[')" -eq 0 ]

	# The same workers, no descriptor more, no memory growth.
	diff <(cut -d' ' -f1 "$t/before") <(cut -d' ' -f1 "$t/after")
	diff <(cut -d' ' -f1,3 "$t/before") <(cut -d' ' -f1,3 "$t/after")
	if ldd "$BUILDDIR/cgi-bin/index.fcgi" | grep -q libasan; then
		# AddressSanitizer holds freed memory back in its quarantine:
		# resident memory grows by design.  Its leak check is the
		# memory test of that build.
		echo "# AddressSanitizer build: RSS not compared" >&3
	else
		join "$t/before" "$t/after" | awk -v slack="$RSS_SLACK_KIB" '
		    $4 > $2 + slack { print "worker " $1 " grew from " $2 \
		    " to " $4 " KiB"; bad = 1 } END { exit bad }'
	fi
}

#!/usr/bin/env bats
# Worker faults behind a real lighttpd: FastCGI workers killed with SIGKILL
# while logins and page views keep coming.  lighttpd brings new ones up,
# requests go on, and no session file is ever torn.  (apache.bats does the
# same through mod_fcgid.)

load lib

setup() {
	skip_if_missing
}

setup_file() {
	require lighttpd || return 0
	start_lighttpd faults "$SRCDIR/conf/lighttpd-fastcgi.conf.in" /
}

teardown_file() {
	stop_servers
}

# The pids of the running workers of PROG: this lighttpd's children only,
# not those of the suites running beside this one.
workers() {
	pgrep -P "$(cat "$H/faults/run/lighttpd.pid")" \
	    -f "^$BUILDDIR/cgi-bin/$1.fcgi" || true
}

@test "SIGKILL of FastCGI workers under load: new workers, requests go on, no torn file" {
	base="$(url faults)/"
	# Warm up: every program has its workers.
	login_as "$base" "$BATS_TEST_TMPDIR/warm" warm >/dev/null
	curl -s -o /dev/null "${base}logout"
	storm "$base" "$H/faults/sessions" "$H/faults/logs/error.log" workers
	# The new workers serve the whole flow.
	check_flow faults /
}

@test "the whole-file check refuses torn and foreign files (the check is real)" {
	f="$BATS_TEST_TMPDIR/f"
	h='sessile 2\nexpires 1767225600\ncreated 1764633600\nuser alice\n'
	printf "${h}data username=alice\nend\n" > "$f"
	valid_session_file "$f"
	printf 'sessile 2\nexpires 1767225600\ndata username=alice\nend\n' > "$f"
	valid_session_file "$f"
	printf "${h}data username=ali" > "$f"
	refute valid_session_file "$f"
	printf "${h}data username=alice\n" > "$f"
	refute valid_session_file "$f"
	printf "${h}data username=alice\nend" > "$f"
	refute valid_session_file "$f"
	printf 'sessile 2\nexpires 1767225600\ncreated 1764633600\nuser ali' > "$f"
	refute valid_session_file "$f"
	printf 'sessile 2\nexpires 1767225600\nuser alice\ncreated 1\nend\n' > "$f"
	refute valid_session_file "$f"
	printf 'sessile 3\nexpires 1767225600\nend\n' > "$f"
	refute valid_session_file "$f"
	printf 'sessile 1\nexpires 1767225600\nend\n' > "$f"
	refute valid_session_file "$f"
	printf 'sessile 2\nexpires soon\nend\n' > "$f"
	refute valid_session_file "$f"
	: > "$f"
	refute valid_session_file "$f"
}

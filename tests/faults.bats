#!/usr/bin/env bats
# Worker faults behind a real lighttpd: FastCGI workers killed with SIGKILL
# while logins and page views keep coming.  lighttpd brings new ones up,
# requests go on, and no session file is ever torn.

load http

# bats before 1.9 cannot skip in setup_file: each test skips in setup.
setup() {
	[ -z "${MISSING-}" ] || skip "$MISSING is not installed"
}

setup_file() {
	export MISSING=
	for c in lighttpd; do
		command -v "$c" >/dev/null || { MISSING=$c; return 0; }
	done
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

# A visitor for SECONDS: log in, look, log out, again.  One line a request:
# the second it ended and the HTTP status.
visitor() {
	local base=$1 until=$(($(date +%s) + $2)) jar page tok n=0
	jar=$(mktemp "$BATS_TEST_TMPDIR/jar.XXXXXX")
	while [ "$EPOCHSECONDS" -lt "$until" ]; do
		n=$((n + 1))
		page=$(curl -s -w '\n%{http_code}' -c "$jar" -b "$jar" \
		    "${base}login")
		echo "$EPOCHSECONDS ${page##*$'\n'}"
		tok=$(sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' \
		    <<<"$page")
		[ -n "$tok" ] || continue
		echo "$EPOCHSECONDS $(curl -s -o /dev/null -w '%{http_code}' \
		    -c "$jar" -b "$jar" --data-urlencode "csrf_token=$tok" \
		    --data "username=v$BASHPID-$n" "${base}login")"
		echo "$EPOCHSECONDS $(curl -s -o /dev/null -w '%{http_code}' \
		    -c "$jar" -b "$jar" "$base")"
		# Every other round logs out; the others leave their session
		# behind and come back as a new visitor.
		if [ $((n % 2)) -eq 0 ]; then
			echo "$EPOCHSECONDS $(curl -s -o /dev/null \
			    -w '%{http_code}' -c "$jar" -b "$jar" \
			    "${base}logout")"
		else
			jar=$(mktemp "$BATS_TEST_TMPDIR/jar.XXXXXX")
		fi
	done
}

@test "SIGKILL of FastCGI workers under load: new workers, requests go on, no torn file" {
	base="$(url faults)/"
	# Warm up: every program has its workers.
	login_as "$base" "$BATS_TEST_TMPDIR/warm" warm >/dev/null
	curl -s -o /dev/null "${base}logout"
	[ -n "$(workers login)" ]
	before=$(workers login; workers index; workers logout)

	start=$EPOCHSECONDS
	for i in 1 2 3 4; do
		visitor "$base" 7 > "$BATS_TEST_TMPDIR/codes.$i" &
	done
	# A worker of each program in turn, every 0.4 s.
	killed=0
	for round in $(seq 15); do
		sleep 0.4
		p=$(echo login index logout | cut -d' ' -f$((round % 3 + 1)))
		pid=$(workers "$p" | shuf -n 1)
		[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null &&
		    killed=$((killed + 1))
	done
	wait
	echo "killed $killed workers" >&3
	[ "$killed" -ge 12 ]

	# The answers: pages and redirects, and for the requests a killed
	# worker held or had queued, lighttpd's own 500 or 503 ("response not
	# received").  No answer came from a program in trouble: none of
	# them logged a fault.
	cat "$BATS_TEST_TMPDIR"/codes.* > "$BATS_TEST_TMPDIR/all"
	total=$(wc -l < "$BATS_TEST_TMPDIR/all")
	good=$(grep -cE ' (200|303)$' "$BATS_TEST_TMPDIR/all" || true)
	lost=$(grep -cE ' (500|503)$' "$BATS_TEST_TMPDIR/all" || true)
	echo "$good of $total answers were 200 or 303, $lost lost with a worker" >&3
	[ "$total" -ge 100 ]
	! grep -vE ' (200|303|500|503)$' "$BATS_TEST_TMPDIR/all"
	! grep 'sessile\[' "$H/faults/logs/error.log"
	[ "$lost" -le $((total / 20)) ]
	# Requests went on: every second of the run had good answers.
	for t in $(seq $((start + 1)) $((start + 6))); do
		grep -qE "^$t (200|303)$" "$BATS_TEST_TMPDIR/all" ||
		    { echo "no good answer in second $((t - start))"; false; }
	done

	# New workers were brought up, and serve.
	after=$(workers login; workers index; workers logout)
	[ "$after" != "$before" ]
	check_flow faults /

	# Every session file left behind is whole.
	n=0
	for f in "$H/faults/sessions"/* "$H/faults/sessions"/.[!.]*; do
		[ -f "$f" ] || continue
		# The lock file, and a killed writer's temporary file (never
		# read; clean-up removes it after an hour).
		case "${f##*/}" in .lock | .tmp-*) continue ;; esac
		[[ "${f##*/}" =~ ^[0-9a-f]{64}$ ]] || {
			echo "stray file ${f##*/}"
			false
		}
		valid_session_file "$f" || { echo "torn: $f"; cat "$f"; false; }
		n=$((n + 1))
	done
	echo "$n session files, all whole" >&3
	[ "$n" -ge 10 ]
}

@test "the whole-file check refuses torn and foreign files (the check is real)" {
	f="$BATS_TEST_TMPDIR/f"
	printf 'sessile 1\nexpires 1767225600\ndata username=alice\nend\n' > "$f"
	valid_session_file "$f"
	printf 'sessile 1\nexpires 1767225600\ndata username=ali' > "$f"
	! valid_session_file "$f"
	printf 'sessile 1\nexpires 1767225600\ndata username=alice\n' > "$f"
	! valid_session_file "$f"
	printf 'sessile 1\nexpires 1767225600\ndata username=alice\nend' > "$f"
	! valid_session_file "$f"
	printf 'sessile 2\nexpires 1767225600\nend\n' > "$f"
	! valid_session_file "$f"
	printf 'sessile 1\nexpires soon\nend\n' > "$f"
	! valid_session_file "$f"
	: > "$f"
	! valid_session_file "$f"
}

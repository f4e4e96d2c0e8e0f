# faults.bash: worker faults under load, for any server: visitors log in,
# look and log out while workers are killed with SIGKILL, then every
# answer and every session file is checked.  Loaded by faults.bats
# (lighttpd) and apache.bats (mod_fcgid).

# valid_session_file FILE: a whole version-1 session file, not a torn one.
valid_session_file() {
	awk 'NR == 1 { ok = ($0 == "sessile 1"); next }
	    NR == 2 { ok = ok && ($0 ~ /^expires [0-9]+$/); next }
	    { if (last != "") ok = ok && (last ~ /^data [!-<>-~]+=[!-~]*$/)
	      last = $0 }
	    END { exit !(ok && NR >= 3 && last == "end") }' "$1" &&
	    [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ]
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

# storm BASE SESSIONS ERRLOG WORKERS: four visitors for seven seconds on
# BASE while a worker of each program in turn is killed every 0.4 s.
# WORKERS is a function printing the pids of one program's workers.  Then:
# the answers were pages and redirects, but for the few requests a killed
# worker held (the server's own 500 or 503); every second had good
# answers; new workers came up; no program logged a fault in ERRLOG; and
# every session file in SESSIONS parses whole.
storm() {
	local base=$1 sessions=$2 errlog=$3 workers=$4
	local before after start killed=0 total good lost t p pid f n=0 i
	before=$($workers login; $workers index; $workers logout)
	[ -n "$before" ]
	start=$EPOCHSECONDS
	for i in 1 2 3 4; do
		visitor "$base" 7 > "$BATS_TEST_TMPDIR/codes.$i" &
	done
	for i in $(seq 15); do
		sleep 0.4
		p=$(echo login index logout | cut -d' ' -f$((i % 3 + 1)))
		pid=$($workers "$p" | shuf -n 1)
		[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null &&
		    killed=$((killed + 1))
	done
	wait
	echo "killed $killed workers" >&3
	[ "$killed" -ge 8 ]

	cat "$BATS_TEST_TMPDIR"/codes.* > "$BATS_TEST_TMPDIR/all"
	total=$(wc -l < "$BATS_TEST_TMPDIR/all")
	good=$(grep -cE ' (200|303)$' "$BATS_TEST_TMPDIR/all" || true)
	lost=$(grep -cE ' (500|502|503)$' "$BATS_TEST_TMPDIR/all" || true)
	echo "$good of $total answers were 200 or 303, $lost lost with a worker" >&3
	[ "$total" -ge 100 ]
	! grep -vE ' (200|303|500|502|503)$' "$BATS_TEST_TMPDIR/all"
	! grep 'sessile\[' "$errlog"
	[ "$lost" -le $((total / 20)) ]
	# Requests went on: every whole second of the run had good answers.
	for t in $(seq $((start + 1)) $((start + 6))); do
		grep -qE "^$t (200|303)$" "$BATS_TEST_TMPDIR/all" ||
		    { echo "no good answer in second $((t - start))"; false; }
	done
	# New workers: some servers start them only when a request comes.
	for p in "" login logout; do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$base$p")" != 000 ]
	done
	after=$($workers login; $workers index; $workers logout)
	[ -n "$after" ]
	[ "$after" != "$before" ]

	for f in "$sessions"/* "$sessions"/.[!.]*; do
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

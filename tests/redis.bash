# redis.bash: a real redis-server for the Redis store's suite, started
# on a free loopback port from a temporary directory and stopped by its
# pid.  Part of the test library (lib.bash).

# have_redis_store: the build has the Redis store (configure found
# hiredis), and the Redis tools are installed; otherwise fails with why
# in REDIS_MISSING, for skip.
have_redis_store() {
	REDIS_MISSING=
	if ! grep -qx '#define HAVE_REDIS 1' "$BUILDDIR/config.h"; then
		REDIS_MISSING="this build has no Redis store (configure"
		REDIS_MISSING+=" --without-redis, or no hiredis)"
		return 1
	fi
	if ! require redis-server redis-cli; then
		REDIS_MISSING="$MISSING is not installed"
		return 1
	fi
}

# start_redis DIR [CONFIG LINE...]: a redis-server in DIR (made here),
# on a free port, answering PING; REDIS_PORT, REDIS_PID, REDIS_DIR set.
start_redis() {
	local d=$1 try
	shift
	mkdir -p "$d"
	for try in 1 2 3 4 5; do
		export REDIS_PORT REDIS_PID REDIS_DIR
		REDIS_PORT=$(free_port)
		{
			printf '%s\n' "port $REDIS_PORT" "bind 127.0.0.1" \
			    "dir $d" 'save ""' "appendonly no" "daemonize no" \
			    "logfile $d/redis.log"
			printf '%s\n' "$@"
		} > "$d/redis.conf"
		redis-server "$d/redis.conf" 3>&- &
		REDIS_PID=$!
		REDIS_DIR=$d
		echo "$REDIS_PID" > "$d/pid"
		for _ in $(seq 100); do
			if redis-cli -p "$REDIS_PORT" ping 2>/dev/null |
			    grep -qx PONG; then
				return 0
			fi
			kill -0 "$REDIS_PID" 2>/dev/null || break
			sleep 0.02
		done
		stop_redis
	done
	echo "redis-server would not start: $(cat "$d/redis.log")" >&2
	return 1
}

# stop_redis: the server start_redis started, by its pid (continued
# first, should a test have stopped it).
stop_redis() {
	[ -n "${REDIS_PID-}" ] || return 0
	kill -CONT "$REDIS_PID" 2>/dev/null || true
	kill "$REDIS_PID" 2>/dev/null || true
	for _ in $(seq 100); do
		kill -0 "$REDIS_PID" 2>/dev/null || break
		sleep 0.02
	done
	kill -9 "$REDIS_PID" 2>/dev/null || true
	wait "$REDIS_PID" 2>/dev/null || true
	REDIS_PID=
}

# rcli ARG...: redis-cli on the test's server.
rcli() {
	redis-cli -p "$REDIS_PORT" "$@"
}

# restart_redis: the server start_redis started, stopped (SIGTERM: it
# writes its append-only file out) and started again on the same port
# with the same configuration.
restart_redis() {
	stop_redis
	redis-server "$REDIS_DIR/redis.conf" 3>&- &
	REDIS_PID=$!
	echo "$REDIS_PID" > "$REDIS_DIR/pid"
	for _ in $(seq 250); do
		rcli ping 2>/dev/null | grep -qx PONG && return 0
		sleep 0.02
	done
	echo "redis-server would not start again: $(cat "$REDIS_DIR/redis.log")" >&2
	return 1
}

# redis_snippet IN OUT KEYFILE: the lighttpd snippet IN with every
# program on this test's Redis and on KEYFILE, so that several web
# servers made from OUT share sessions.
redis_snippet() {
	sed -e "s|\"SECRET_KEY_FILE\" => \"[^\"]*\",|\"SECRET_KEY_FILE\" => \"$3\", \"SESSION_TYPE\" => \"redis\", \"SESSION_REDIS_URL\" => \"redis://127.0.0.1:$REDIS_PORT/0\",|" \
	    "$1" > "$2"
	grep -q '"SESSION_TYPE" => "redis"' "$2"
}

# plain_counter DIR: the counter example built in DIR/counter on a
# Redis store whose script is a plain write: the session read with GET
# (as ever), then SET over whatever is there, with no comparison.  The
# rest of the library is this build's own (its convenience archive).
plain_counter() {
	local d=$1 mk=$BUILDDIR/Makefile
	mkdir -p "$d"
	mkvar() { sed -n "s/^$1 = //p" "$mk"; }
	# The value as the real script writes it, over whatever is there.
	cat > "$d/plain.h" <<'PLAIN'
#define PLAIN_WRITE \
	"local w = 'written ' .. redis.call('TIME')[1] .. ' ' .. " \
	"ARGV[5] .. '\\n' .. ARGV[3] " \
	"redis.call('SET', KEYS[2], w, 'PX', ARGV[4]) " \
	"return redis.sha1hex(w)"
PLAIN
	sed 's/^static const char\t cas_script\[\] =/static const char cas_script[] = PLAIN_WRITE;\nstatic const char cas_unused[] __attribute__((unused)) =/' \
	    "$SRCDIR/lib/store-redis.c" > "$d/store-redis.c"
	grep -q PLAIN_WRITE "$d/store-redis.c" ||
	    fail "store-redis.c has no cas_script to replace"
	# shellcheck disable=SC2046
	# The build's own flags: a sanitizer build links with its runtime.
	cc $(mkvar CFLAGS) -DHAVE_CONFIG_H -include "$d/plain.h" -I"$BUILDDIR" \
	    -I"$SRCDIR/lib" $(mkvar HIREDIS_CFLAGS) $(mkvar GCRYPT_CFLAGS) \
	    -c "$d/store-redis.c" -o "$d/store-redis.o"
	cp "$BUILDDIR/lib/.libs/libsessile-core.a" "$d/core.a"
	ar d "$d/core.a" libsessile_core_la-store-redis.o
	ar r "$d/core.a" "$d/store-redis.o" 2>/dev/null
	# shellcheck disable=SC2046
	cc $(mkvar CFLAGS) $(mkvar LDFLAGS) -o "$d/counter" \
	    "$BUILDDIR/examples/counter.o" "$d/core.a" \
	    $(mkvar GCRYPT_LIBS) $(mkvar FCGI_LIBS) $(mkvar UNISTRING_LIBS) \
	    $(mkvar HIREDIS_LIBS)
}

# start_sentinels N MASTER_PORT DIR [REPLICAS]: N redis-sentinel processes
# in DIR/1..N, on free ports, monitoring the primary on MASTER_PORT as
# "mymaster" (quorum 2, down after one second), until each knows the
# others and REPLICAS replicas (1 unless told); their ports in
# SENTINEL_PORTS, their pids in SENTINEL_PIDS.
start_sentinels() {
	local n=$1 mport=$2 dir=$3 replicas=${4:-1} i port ok
	SENTINEL_PORTS=() SENTINEL_PIDS=()
	for i in $(seq "$n"); do
		mkdir -p "$dir/$i"
		port=$(free_port)
		printf '%s\n' "port $port" "bind 127.0.0.1" "dir $dir/$i" \
		    "daemonize no" "logfile $dir/$i/sentinel.log" \
		    "sentinel monitor mymaster 127.0.0.1 $mport 2" \
		    "sentinel down-after-milliseconds mymaster 1000" \
		    "sentinel failover-timeout mymaster 10000" \
		    > "$dir/$i/sentinel.conf"
		redis-sentinel "$dir/$i/sentinel.conf" 3>&- &
		SENTINEL_PIDS+=($!)
		SENTINEL_PORTS+=("$port")
	done
	for _ in $(seq 200); do
		ok=0
		for port in "${SENTINEL_PORTS[@]}"; do
			[ "$(primary_port "$port")" = "$mport" ] &&
			    [ "$(redis-cli -p "$port" sentinel sentinels mymaster \
			    2>/dev/null | grep -c '^name$')" -eq $((n - 1)) ] &&
			    [ "$(redis-cli -p "$port" sentinel replicas \
			    mymaster 2>/dev/null | grep -c '^name$')" -ge \
			    "$replicas" ] &&
			    ok=$((ok + 1))
		done
		[ "$ok" -lt "$n" ] || return 0
		sleep 0.1
	done
	echo "the sentinels never found each other" >&2
	return 1
}

# stop_sentinels: those start_sentinels started, by pid.
stop_sentinels() {
	local pid
	for pid in "${SENTINEL_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	SENTINEL_PIDS=()
}

# primary_port SENTINEL_PORT: the port the sentinel names the primary by.
primary_port() {
	redis-cli -p "$1" sentinel get-master-addr-by-name mymaster 2>/dev/null |
	    sed -n 2p
}

# stored_visits KEY: the count the session under KEY holds.
stored_visits() {
	rcli get "$1" | sed -n 's/^data visits=//p'
}

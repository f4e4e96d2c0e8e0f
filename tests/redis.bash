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

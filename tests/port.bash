# port.bash: a free TCP port on loopback for a server under test, below
# the kernel's ephemeral range (32768 and up), where the clients' own
# ports would collide with it.  Part of the test library (lib.bash).
free_port() {
	local p
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		p=$((20000 + RANDOM % 12000))
		if ! (exec 9<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

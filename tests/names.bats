#!/usr/bin/env bats
# One meaning per name in the tests: every suite loads the one library
# (tests/lib.bash), so a helper defined twice, in two library files or in
# the library and a suite, silently means whichever was read last.  Each
# function is defined once across tests/*.bash and tests/*.bats (bats'
# own hooks, setup and teardown, excepted).

@test "no test helper is defined twice" {
	local dup
	dup=$(grep -hoE '^[a-z_][a-z0-9_]*\(\) \{' "$SRCDIR"/tests/*.bash \
	    "$SRCDIR"/tests/*.bats | sed 's/() {//' |
	    grep -vxE 'setup|teardown|setup_file|teardown_file' | sort | uniq -d)
	[ -z "$dup" ] || { echo "defined more than once: $dup"; false; }
}

@test "every suite loads the one library, and nothing else" {
	local f bad=
	for f in "$SRCDIR"/tests/*.bats; do
		case ${f##*/} in names.bats | man.bats) continue ;; esac
		grep -qx 'load lib' "$f" || bad="$bad ${f##*/}"
		if grep -E '^load ' "$f" | grep -vqx 'load lib'; then
			bad="$bad ${f##*/}(loads more)"
		fi
	done
	[ -z "$bad" ] || { echo "not loading only lib:$bad"; false; }
}

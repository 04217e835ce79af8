#!/bin/bash
# A command that cannot be executed: tend exits 127 when it does not exist
# (ENOENT), 126 for other errors (a file without x permission, a
# directory), and says so on stderr with a `tend:` line naming the command.
. "$(dirname "$0")/lib.sh"

printf '#!/bin/sh\nexit 0\n' >"$T/notexec"
chmod 644 "$T/notexec"
mkdir "$T/adir"

check() {
	local mode=$1 expected=$2 cmd=$3 name
	name=${cmd##*/}
	RUN="$mode-$name" start_tend "$mode" -- "$cmd" arg
	wait_exit "$JOB_PID" 20
	expect_eq "[$mode] tend's exit status for command '$cmd'" "$expected" "$EXIT_CODE"
	grep '^tend: ' "$ERR" | grep -qF -- "$name" ||
		fail "[$mode] expected a 'tend: ...' line naming '$name' on stderr, got: $(cat "$ERR")"
}

for mode in ns sub; do
	check "$mode" 127 "$T/no-such-command"
	check "$mode" 127 no-such-command-in-path-xyz
	check "$mode" 126 "$T/notexec"
	check "$mode" 126 "$T/adir"
done
pass

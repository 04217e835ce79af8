#!/bin/bash
# Signals sent to tend reach the child, one by one and in order: USR1, HUP,
# WINCH, INT, a real-time signal, then TERM, which makes the child exit 3
# and tend with it. Then again with tend started the way a non-interactive
# shell starts `tend ... &`: INT, QUIT and USR2 inherited as ignored.
. "$(dirname "$0")/lib.sh"

run() {
	local mode=$1 label=$2 rec sig seen
	rec=$T/$mode-$label.rec
	RUN="$mode-$label" start_tend "$mode" -- "$TESTCHILD" record "$rec" TERM=3
	wait_ready "$rec" 10
	local sigs=(USR1 HUP WINCH INT RTMIN+1 USR2 QUIT RTMAX-2)
	for sig in "${sigs[@]}"; do
		kill -s "$sig" "$TEND_PID" ||
			fail "[$mode/$label] kill -s $sig tend: tend is gone"
		wait_line "$rec" "$sig" 10
	done
	kill -s TERM "$TEND_PID"
	wait_exit "$JOB_PID" 10
	expect_eq "[$mode/$label] tend's exit status after TERM (child exits 3 on TERM)" \
		3 "$EXIT_CODE"
	seen=$(record_lines "$rec")
	expect_eq "[$mode/$label] signals recorded by the child, in order" \
		"${sigs[*]} TERM" "$seen"
}

for mode in ns sub; do
	run "$mode" clean
done

# tend inherits INT, QUIT and USR2 as ignored (SIG_IGN): it must still
# receive and forward them.
for mode in ns sub; do
	TEND_WRAP=(bash -c 'trap "" INT QUIT USR2; exec "$@"' bash)
	run "$mode" ignored
done
pass

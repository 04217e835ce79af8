#!/bin/bash
# -g: a signal sent to tend goes to the child's whole process group, so it
# reaches the child (F1) and the grandchild (F2) of `testchild tree`; without
# -g it reaches only the child.
#
# The negative check is made observable: after F1 recorded USR1, the test
# sends USR2 straight to the grandchild and waits until F2 recorded it. Had
# tend sent USR1 to the group, that happened in the same kill(2) that reached
# F1, before the test's USR2, and a pending USR1 is delivered before USR2
# (lower numbers first); so once USR2 is in F2, a USR1 would be there too.
. "$(dirname "$0")/lib.sh"

run() {
	local mode=$1 gflag=$2 f1 f2 gc
	f1=$T/$mode$gflag-1.rec
	f2=$T/$mode$gflag-2.rec
	RUN="$mode$gflag" start_tend "$mode" ${gflag:+"$gflag"} -- "$TESTCHILD" tree "$f1" "$f2" TERM=0
	wait_ready "$f1" 10
	WAIT_WHY="grandchild ready" wait_for 10 grep -qs '^ready ' "$f2"
	gc=$(host_pid "$(ready_pid "$f2")") || fail "[$mode $gflag] grandchild not found under tend"
	expect_eq "[$mode] grandchild's process group = child's" \
		"$(stat_field "$CHILD_PID" 5)" "$(stat_field "$gc" 5)"

	kill -s USR1 "$TEND_PID"
	wait_line "$f1" USR1 10
	kill -s USR2 "$gc"
	wait_line "$f2" USR2 10
	if [ -n "$gflag" ]; then
		expect_eq "[$mode -g] signals recorded by the grandchild" \
			"USR1 USR2" "$(record_lines "$f2")"
	else
		expect_eq "[$mode, no -g] signals recorded by the grandchild (USR1 must not reach it)" \
			"USR2" "$(record_lines "$f2")"
	fi
	expect_eq "[$mode $gflag] signals recorded by the child" \
		"USR1" "$(record_lines "$f1")"

	# TERM ends the child (and the grandchild with -g); without -g the
	# grandchild is a straggler that tend stops with TERM before it exits.
	kill -s TERM "$TEND_PID"
	wait_exit "$JOB_PID" 15
	expect_eq "[$mode $gflag] tend's exit status (child exits 0 on TERM)" 0 "$EXIT_CODE"
	has_line "$f2" TERM || fail "[$mode $gflag] the grandchild never got TERM"
	WAIT_WHY="grandchild gone" wait_for 10 not_alive "$gc"
}

for mode in ns sub; do
	run "$mode" -g
	run "$mode" ""
done
pass

#!/bin/bash
# 5,000 orphans created as fast as possible (`testchild orphans`: each one a
# grandchild that exits at once after its parent did) are all reaped by
# tend: no zombie is left under tend and only tend and its child remain.
# As PID 1 of a namespace and as a subreaper.
. "$(dirname "$0")/lib.sh"

N=${TEND_TEST_ORPHANS:-5000}

for mode in ns sub; do
	rec=$T/$mode.rec
	srec=$T/$mode-straggler.rec
	if [ "$mode" = ns ]; then
		RUN=$mode start_tend "$mode" -- "$TESTCHILD" orphans "$N" "$rec"
		ndesc=1
	else
		# As a subreaper, first prove that tend is one: a process whose
		# parent exits must become tend's child (else the orphans would
		# go to the system's init and no zombie would be seen anyway).
		RUN=$mode start_tend "$mode" -- sh -c \
			'"$1" straggler "$2" && exec "$1" orphans "$3" "$4"' \
			sh "$TESTCHILD" "$srec" "$N" "$rec"
		ndesc=2
	fi
	[ -n "$TEND_PID" ] || fail "[$mode] tend exited at once"
	wait_line "$rec" "orphans $N" 90
	if [ "$mode" = sub ]; then
		straggler=$(ready_pid "$srec") || fail "[$mode] no ready line from the straggler"
		expect_eq "[$mode] parent of a process whose parent exited (tend)" \
			"$TEND_PID" "$(stat_field "$straggler" 4)"
	fi
	# Afterwards tend's only descendants are the child (and the
	# straggler): no zombie, no leftover grandchild.
	WAIT_WHY="zombies/descendants left under tend" \
		wait_for 30 no_zombies_under "$TEND_PID" "$ndesc"
	children "$TEND_PID"
	expect_eq "[$mode] tend's children" "$ndesc" "${#KIDS[@]}"
	alive "$TEND_PID" || fail "[$mode] tend is gone"

	# The child (default TERM disposition) dies of the forwarded TERM.
	kill -s TERM "$TEND_PID"
	wait_exit "$JOB_PID" 15
	expect_eq "[$mode] tend's exit status (child killed by TERM)" 143 "$EXIT_CODE"
done
pass

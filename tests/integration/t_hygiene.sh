#!/bin/bash
# The child starts clean whatever tend inherited: empty signal mask (tend
# itself blocks signals for signalfd), default dispositions (tend is started
# with INT, QUIT, USR2 and PIPE ignored), only the fds tend inherited (none
# of tend's own), its own process group, tend's session.
. "$(dirname "$0")/lib.sh"

TESTCHILD_EXE=$(readlink -f "$TESTCHILD")

# Sets CHILD_PID to tend's child once it runs testchild (after exec).
_find_child() {
	tend_child_running "$TESTCHILD_EXE" && CHILD_PID=$FOUND
}

# child_execd FILE: waits until tend's child, `testchild sleep --fds FILE`,
# has written FILE (its fds as it sees them) and sets CHILD_PID. Only then is
# its fd table worth reading: /proc/PID/exe names the new program before the
# kernel has closed the close-on-exec fds, so a child caught in between
# would still show tend's own. FILE appears only once the child runs its
# own code, after the exec, and holds no fd of its own any more.
child_execd() {
	WAIT_WHY="tend's child listing its fds in ${1#"$T"/}" wait_for 10 test -e "$1"
	WAIT_WHY="tend's child running testchild" wait_for 10 _find_child
}

IGNORE='trap "" INT QUIT USR2 PIPE; exec "$@"'

for mode in ns sub; do
	# 1. Started with only fds 0-2 and four signals ignored; the child is
	# `testchild sleep`, which touches neither its mask nor dispositions
	# (with --fds, it says when its exec is complete: child_execd).
	TEND_WRAP=("$TESTCHILD" closefds bash -c "$IGNORE" bash)
	RUN=$mode-clean start_tend "$mode" -- "$TESTCHILD" sleep --fds "$T/$mode-clean.fds"
	child_execd "$T/$mode-clean.fds"
	blk=$(status_field "$CHILD_PID" SigBlk)
	ign=$(status_field "$CHILD_PID" SigIgn)
	expect_eq "[$mode] child's SigBlk" 0000000000000000 "$blk"
	expect_eq "[$mode] child's SigIgn (tend inherited INT QUIT USR2 PIPE ignored)" \
		0000000000000000 "$ign"
	tblk=$(status_field "$TEND_PID" SigBlk)
	[ "$tblk" != 0000000000000000 ] ||
		fail "[$mode] tend's own SigBlk is 0: expected the signals tend reads through signalfd to be blocked (else the child check above proves nothing)"
	expect_eq "[$mode] child's fds as it lists them (tend started with 0-2 only)" \
		"0 1 2" "$(cat "$T/$mode-clean.fds")"
	expect_eq "[$mode] child's fds (tend started with 0-2 only)" \
		"0 1 2" "$(fd_list "$CHILD_PID")"
	tfds=$(fd_list "$TEND_PID")
	log "[$mode] tend: SigBlk $tblk SigIgn $(status_field "$TEND_PID" SigIgn) fds $tfds"
	expect_eq "[$mode] child's process group (its own)" \
		"$CHILD_PID" "$(stat_field "$CHILD_PID" 5)"
	expect_eq "[$mode] child's session (tend's)" \
		"$(stat_field "$TEND_PID" 6)" "$(stat_field "$CHILD_PID" 6)"
	kill -s TERM "$TEND_PID"
	wait_exit "$JOB_PID" 10
	expect_eq "[$mode] tend's exit status (sleep child killed by TERM)" 143 "$EXIT_CODE"

	# 2. The same seen from inside: `testchild fds` prints its fds and
	# masks on tend's stdout.
	TEND_WRAP=("$TESTCHILD" closefds bash -c "$IGNORE" bash)
	RUN=$mode-fds start_tend "$mode" -- "$TESTCHILD" fds
	wait_exit "$JOB_PID" 10
	expect_eq "[$mode] tend's exit status for 'testchild fds'" 0 "$EXIT_CODE"
	expect_eq "[$mode] 'testchild fds' output" \
		"0 1 2|SigBlk:	0000000000000000|SigIgn:	0000000000000000" \
		"$(tr '\n' '|' <"$OUT" | sed 's/|$//')"

	# 3. An fd tend inherited (7, opened by the shell that execs tend)
	# passes to the child; nothing else beyond 0-2 does.
	: >"$T/$mode-fd7"
	TEND_WRAP=("$TESTCHILD" closefds bash -c 'exec 7>>"$0" && exec "$@"' "$T/$mode-fd7")
	RUN=$mode-fd7 start_tend "$mode" -- "$TESTCHILD" sleep --fds "$T/$mode-fd7.fds"
	child_execd "$T/$mode-fd7.fds"
	expect_eq "[$mode] tend's inherited fd 7" "$T/$mode-fd7" \
		"$(readlink "/proc/$TEND_PID/fd/7")"
	expect_eq "[$mode] child's fds as it lists them (tend inherited 0-2 and 7)" \
		"0 1 2 7" "$(cat "$T/$mode-fd7.fds")"
	expect_eq "[$mode] child's fds (tend inherited 0-2 and 7)" \
		"0 1 2 7" "$(fd_list "$CHILD_PID")"
	expect_eq "[$mode] child's fd 7" "$T/$mode-fd7" \
		"$(readlink "/proc/$CHILD_PID/fd/7")"
	kill -s TERM "$TEND_PID"
	wait_exit "$JOB_PID" 10
	expect_eq "[$mode] tend's exit status (sleep child killed by TERM)" 143 "$EXIT_CODE"
done
pass

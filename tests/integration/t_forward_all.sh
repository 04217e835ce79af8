#!/bin/bash
# Every catchable signal is forwarded (all but KILL, STOP, CHLD, the
# synchronous SEGV BUS FPE ILL ABRT TRAP SYS and the job-control TTIN TTOU
# TSTP), each real-time signal included; the excluded catchable ones sent to
# tend (CHLD, TSTP, TTIN, TTOU) do not reach the child.
. "$(dirname "$0")/lib.sh"

# The name testchild records for signal number N.
signame() {
	local n=$1 rtmin=34 rtmax=64
	case $n in
	1) echo HUP ;; 2) echo INT ;; 3) echo QUIT ;; 10) echo USR1 ;;
	12) echo USR2 ;; 13) echo PIPE ;; 14) echo ALRM ;; 15) echo TERM ;;
	16) echo STKFLT ;; 18) echo CONT ;; 23) echo URG ;; 24) echo XCPU ;;
	25) echo XFSZ ;; 26) echo VTALRM ;; 27) echo PROF ;; 28) echo WINCH ;;
	29) echo IO ;; 30) echo PWR ;;
	*)
		if ((n == rtmin)); then echo RTMIN
		elif ((n == rtmax)); then echo RTMAX
		elif ((n <= (rtmin + rtmax) / 2)); then echo "RTMIN+$((n - rtmin))"
		else echo "RTMAX-$((rtmax - n))"
		fi ;;
	esac
}

two_rtmin() { [ "$(grep -cx RTMIN "$1")" = 2 ]; }

SIGS=(1 2 3 10 12 13 14 16 18 23 24 25 26 27 28 29 30 $(seq 34 64))

for mode in ns sub; do
	rec=$T/$mode.rec
	RUN=$mode start_tend "$mode" -- "$TESTCHILD" record "$rec" TERM=3
	wait_ready "$rec" 10
	expected=()
	for n in "${SIGS[@]}"; do
		name=$(signame "$n")
		expected+=("$name")
		kill -n "$n" "$TEND_PID" || fail "[$mode] kill -n $n tend: tend is gone"
		wait_line "$rec" "$name" 10
	done

	# Not forwarded. Had tend forwarded one of them, it would reach the
	# child before the RTMIN sent afterwards (lower numbers first), so
	# once RTMIN is recorded the check is final.
	for sig in CHLD TSTP TTIN TTOU; do
		kill -s "$sig" "$TEND_PID" || fail "[$mode] kill -s $sig: tend is gone"
	done
	kill -s RTMIN "$TEND_PID"
	WAIT_WHY="a second RTMIN line" wait_for 10 two_rtmin "$rec"
	alive "$TEND_PID" || fail "[$mode] tend is gone after CHLD TSTP TTIN TTOU"
	state=$(stat_field "$TEND_PID" 3)
	[ "$state" != T ] || fail "[$mode] tend stopped itself on TSTP/TTIN/TTOU"

	kill -s TERM "$TEND_PID"
	wait_exit "$JOB_PID" 10
	expect_eq "[$mode] tend's exit status (child exits 3 on TERM)" 3 "$EXIT_CODE"
	expect_eq "[$mode] signals recorded by the child, in order" \
		"${expected[*]} RTMIN TERM" "$(record_lines "$rec")"
done
pass

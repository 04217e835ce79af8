#!/bin/bash
# tend's exit code in config mode: the main service's (128+N when killed by
# signal N); a failed critical service's (128+N when killed; the last run's
# past its restart-limit), after the others were stopped; when every
# service ended on its own, 0 if all exited 0, else 1 (a disabled service
# does not count; one waiting for a failed oneshot counts as ended, not
# with 0); in both mode the command's, remapped to 0 by -e. As PID 1 and
# as a subreaper.
. "$(dirname "$0")/lib.sh"

# run MODE NAME EXPECTED [TEND ARGS...]: tend with $T/MODE-NAME.conf must
# exit by itself with EXPECTED.
run() {
	local mode=$1 name=$2 expected=$3
	shift 3
	RUN=$mode-$name start_tend "$mode" "$@" -c "$T/$mode-$name.conf"
	wait_exit "$JOB_PID" 20
	expect_eq "[$mode] $name: tend's exit status" "$expected" "$EXIT_CODE"
}

# agent FILE: a service that records its stop signal.
agent() {
	cat <<CONF
service "agent" {
	command = "$TESTCHILD stamp $1"
}
CONF
}

# stopped FILE WHAT: the agent ran and got its stop signal.
stopped() {
	stamp_get "$1" start || fail "$2: the agent never started"
	stamp_get "$1" TERM || fail "$2: the agent got no stop signal"
}

for mode in ns sub; do
	p=$T/$mode
	# The main service's code.
	{
		cat <<CONF
service "app" {
	main = true
	command = "$TESTCHILD stamp $p-main5.rec --run 300 --exit 5"
}
CONF
		agent "$p-main5-agent.rec"
	} | write_conf "$p-main5.conf"
	run "$mode" main5 5
	stopped "$p-main5-agent.rec" "[$mode] main exited 5"

	# The main service killed by a signal: 128 + SIGUSR1 (10).
	{
		cat <<CONF
service "app" {
	main = true
	command = "$TESTCHILD stamp $p-mainsig.rec --run 300 --die USR1"
}
CONF
		agent "$p-mainsig-agent.rec"
	} | write_conf "$p-mainsig.conf"
	run "$mode" mainsig 138
	stopped "$p-mainsig-agent.rec" "[$mode] main killed by USR1"

	# A critical service that fails for good.
	{
		cat <<CONF
service "db" {
	critical = true
	restart = never
	command = "$TESTCHILD stamp $p-crit.rec --run 300 --exit 4"
}
CONF
		agent "$p-crit-agent.rec"
	} | write_conf "$p-crit.conf"
	run "$mode" crit 4
	stopped "$p-crit-agent.rec" "[$mode] critical exited 4"
	stamp_count "$p-crit.rec" start
	expect_eq "[$mode] runs of the critical service (restart = never)" 1 "$STAMP_N"

	# A critical service killed by a signal: 128 + N.
	{
		cat <<CONF
service "db" {
	critical = true
	restart = never
	command = "$TESTCHILD stamp $p-critsig.rec --run 300 --die USR1"
}
CONF
		agent "$p-critsig-agent.rec"
	} | write_conf "$p-critsig.conf"
	run "$mode" critsig 138
	stopped "$p-critsig-agent.rec" "[$mode] critical killed by USR1"

	# A critical service past its restart-limit: the code of its last run.
	{
		cat <<CONF
service "db" {
	critical = true
	restart = on-failure
	restart-delay = 0.1
	restart-limit = 1
	command = "$TESTCHILD stamp $p-critlim.rec --run 100 --exit 4"
}
CONF
		agent "$p-critlim-agent.rec"
	} | write_conf "$p-critlim.conf"
	run "$mode" critlim 4
	stopped "$p-critlim-agent.rec" "[$mode] critical past restart-limit"
	stamp_count "$p-critlim.rec" start
	expect_eq "[$mode] runs of the critical service (restart-limit = 1)" 2 "$STAMP_N"

	# Every service ended on its own: all with 0, or one with 3.
	for case in allzero:0:0 onefails:3:1; do
		IFS=: read -r name code expected <<<"$case"
		write_conf "$p-$name.conf" <<CONF
service "one" {
	type = oneshot
	command = "$TESTCHILD stamp $p-$name-one.rec --run 200 --exit 0"
}
service "two" {
	type = oneshot
	command = "$TESTCHILD stamp $p-$name-two.rec --run 300 --exit $code"
}
CONF
		run "$mode" "$name" "$expected"
		for s in one two; do
			stamp_get "$p-$name-$s.rec" exit ||
				fail "[$mode] $name: oneshot $s did not run to its end"
		done
	done

	# Ended on its own: a disabled service does not count; a service
	# waiting for a oneshot that failed counts as ended (not with 0).
	for case in disabled:0:0 vain:1:1; do
		IFS=: read -r name code expected <<<"$case"
		write_conf "$p-$name.conf" <<CONF
service "one" {
	type = oneshot
	command = "$TESTCHILD stamp $p-$name-one.rec --run 200 --exit $code"
}
service "two" {
	command = "$TESTCHILD stamp $p-$name-two.rec"
	$([ "$name" = disabled ] && echo 'disabled = true' || echo 'depends = {"one"}')
}
CONF
		run "$mode" "$name" "$expected"
		stamp_get "$p-$name-one.rec" exit || fail "[$mode] $name: oneshot one did not run to its end"
		[ ! -e "$p-$name-two.rec" ] || fail "[$mode] $name: service two started"
	done

	# Both mode: the command's code, and -e remapping it.
	agent "$p-both-agent.rec" | write_conf "$p-both.conf"
	for case in plain:5 remapped:0; do
		name=${case%:*}
		args=()
		[ "$name" = remapped ] && args=(-e 5)
		rm -f "$p-both-agent.rec"
		RUN=$mode-both-$name start_tend "$mode" "${args[@]}" -c "$p-both.conf" -- \
			"$TESTCHILD" stamp "$p-both-$name.rec" --run 300 --exit 5
		wait_exit "$JOB_PID" 20
		expect_eq "[$mode] both mode, command exits 5${args[*]:+, tend ${args[*]}}: tend's exit status" \
			"${case#*:}" "$EXIT_CODE"
		stamp_get "$p-both-$name.rec" exit || fail "[$mode] both mode: the command did not run"
		stopped "$p-both-agent.rec" "[$mode] both mode ($name)"
	done
done
pass

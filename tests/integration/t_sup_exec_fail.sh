#!/bin/bash
# A config-mode service whose program cannot be executed is a failed start,
# not a run: tend reports the exec error (through the child's status pipe),
# the service never becomes running, goes through backoff to failed with
# 127 (ENOENT) or 126 (a workdir that does not exist), and its dependent
# never starts. tend as PID 1, then as a subreaper (a steady service keeps
# it from exiting once the others have ended).
. "$(dirname "$0")/lib.sh"

rec=$T/dep.rec
write_conf "$T/tend.conf" <<CONF
service "missing" {
	command = "/nonexistent/tend-test-prog --flag"
	restart-delay = 0.05
	restart-limit = 2
}
service "nodir" {
	command = "$TESTCHILD sleep"
	workdir = "$T/no-such-dir"
	restart = never
}
service "steady" {
	command = "$TESTCHILD sleep"
}
service "dep" {
	command = "$TESTCHILD stamp $rec"
	depends = {"missing"}
}
CONF

for mode in ns sub; do
	RUN=$mode start_tend "$mode" -c "$T/tend.conf"
	WAIT_WHY="missing failed" wait_for 10 svc_is missing state failed
	WAIT_WHY="nodir failed" wait_for 10 svc_is nodir state failed
	expect_eq "[$mode] missing's exit code" 127 "$(svc_json missing exit_code)"
	expect_eq "[$mode] nodir's exit code" 126 "$(svc_json nodir exit_code)"
	expect_eq "[$mode] missing's runs counted as starts" 0 "$(svc_json missing starts)"
	expect_eq "[$mode] missing's restarts (restart-limit 2)" 2 "$(svc_json missing restarts)"
	log_has "service missing: exec /nonexistent/tend-test-prog: No such file or directory" ||
		fail "[$mode] no exec error for missing in tend's log"
	log_has "service nodir: chdir failed: No such file or directory" ||
		fail "[$mode] no chdir error for nodir in tend's log"
	! log_has "service missing: starting -> running" ||
		fail "[$mode] missing was reported running"
	! log_has "service missing: started as pid" ||
		fail "[$mode] missing was reported started"
	expect_eq "[$mode] dep's state" waiting "$(svc_json dep state)"
	[ ! -e "$rec" ] || fail "[$mode] dep started although missing never ran"
	log "[$mode] exec and chdir failures are failed starts; dep still waits"
	term_tend 15 "[$mode]"
done
pass

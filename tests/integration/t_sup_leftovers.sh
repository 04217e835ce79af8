#!/bin/bash
# When a service's main process ends on its own, what it left in its
# process group gets the service's stop signal at once (so a restart does
# not find old workers holding its port); the restart then happens as
# usual. tend as PID 1.
. "$(dirname "$0")/lib.sh"

conf=$T/tend.conf
write_conf "$conf" <<EOF2
service "master" {
	command = "$TESTCHILD tree $T/master.rec $T/worker.rec"
	stop-signal = USR2
	stop-timeout = 1
	restart-delay = 0.2
}
EOF2
start_tend ns -c "$conf"
WAIT_WHY="the worker's ready line" wait_for 15 grep -q '^ready' "$T/worker.rec"
WAIT_WHY="the master's ready line" wait_for 15 grep -q '^ready' "$T/master.rec"
master=$(awk '/^ready/ {print $2; exit}' "$T/master.rec")
worker=$(awk '/^ready/ {print $2; exit}' "$T/worker.rec")
svc_pid "$master"
master_host=$SVC_PID
svc_pid "$worker"
worker_host=$SVC_PID
expect_eq "the worker's process group" "$(awk '{print $5}' /proc/"$master_host"/stat)" \
	"$(awk '{print $5}' /proc/"$worker_host"/stat)"

kill -KILL "$master_host"
WAIT_WHY="the worker recording USR2 (the stop signal) after its master died" \
	wait_for 10 grep -qx USR2 "$T/worker.rec"
# ... and the service came back: a second master and a second worker.
two_runs() { [ "$(grep -c '^ready' "$T/master.rec")" -ge 2 ]; }
WAIT_WHY="a second run of the service" wait_for 10 two_runs
log_has "stopping what pid $master left in its process group" ||
	fail "tend's log does not say it stopped the leftovers"

kill -s TERM "$TEND_PID"
wait_exit "$NS_PID" 15
expect_eq "tend's exit code" 0 "$EXIT_CODE"

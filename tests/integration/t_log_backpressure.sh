#!/bin/bash
# Back-pressure (tend as PID 1): tend's stdout is a pipe read by a consumer
# that sleeps between small reads while three services write 50,000 lines
# each. Meanwhile tend goes on with its other work: `tendctl status` answers
# each time within 1 s, and a service that crashes at once on every run
# keeps being restarted. The writers do not get ahead of the consumer (they
# are still running, blocked in write, when it has read only a little:
# tend stops reading their pipes instead of piling their output up); once
# the consumer reads at full speed every line arrives exactly once, whole
# and in order, on the right stream.
. "$(dirname "$0")/lib.sh"

N=50000
writers_expect $N
total_out=$(cat "$T/w1.exp" "$T/w2.exp" "$T/w3.exp" | wc -l)

write_conf "$T/tend.conf" <<CONF
service "w1" {
	command = "$TESTCHILD $(writer_args w1 $N) --rec $T/w1.rec"
	restart = never
}
service "w2" {
	command = "$TESTCHILD $(writer_args w2 $N) --rec $T/w2.rec"
	restart = never
}
service "w3" {
	command = "$TESTCHILD $(writer_args w3 $N) --rec $T/w3.rec"
	restart = never
}
service "crash" {
	command = "$TESTCHILD stamp $T/crash.rec --exit 1"
	restart-delay = 0.05
	restart-delay-max = 0.1
}
CONF
mkfifo "$T/tend.pipe" || fail "mkfifo"
# 1 KiB every 50 ms: about 20 KB/s, for 9 MB of lines.
slow_reader "$T/tend.pipe" "$T/tend.out" "$T/go" 1024 50
TEND_STDOUT=$T/tend.pipe start_tend ns -c "$T/tend.conf"
for s in w1 w2 w3; do
	wait_stamps "$T/$s.rec" start 1 15
done
wait_stamps "$T/crash.rec" start 1 15

# 3 s with the slow consumer: status answers, the crashing service restarts.
now_ms
t0=$NOW_MS
stamp_count "$T/crash.rec" start
starts0=$STAMP_N
calls=0
max_ms=0
while :; do
	now_ms
	t=$NOW_MS
	((t - t0 >= 3000)) && break
	ctl --json status
	now_ms
	dt=$((NOW_MS - t))
	[ "$CTL_RC" = 0 ] || fail "tendctl status: exit $CTL_RC while tend's stdout is slow: $CTL_ERR"
	((dt < 1000)) || fail "tendctl status took $dt ms while tend's stdout is slow (expected < 1000 ms)"
	((dt > max_ms)) && max_ms=$dt
	calls=$((calls + 1))
done
stamp_count "$T/crash.rec" start
starts1=$STAMP_N
log "slow consumer: $calls status calls in 3 s, the slowest $max_ms ms; crash started $((starts1 - starts0)) times meanwhile"
((starts1 - starts0 >= 5)) ||
	fail "the crashing service started only $((starts1 - starts0)) times in 3 s while tend's stdout was slow (restart-delay 0.05 s, at most 0.1 s: expected >= 5)"
v=$(svc_json crash restarts) || fail "no restarts for crash in status"
((v >= starts1 - 1)) || fail "status says crash restarted $v times; it started $starts1 times"

# The writers are held back: still running (blocked in write), none done,
# while the consumer has read a small part of their output.
read_bytes=$(stat -c %s "$T/tend.out")
want_bytes=$(($(cat "$T/w1.exp" "$T/w2.exp" "$T/w3.exp" | wc -c) + 5 * total_out))
for s in w1 w2 w3; do
	stamp_get "$T/$s.rec" "done" && fail "$s finished writing all its lines while the consumer had read $read_bytes of $want_bytes bytes: tend did not hold it back"
	p=$(svc_json "$s" pid) || fail "no pid for $s in status"
	[ "$p" != None ] || fail "$s has no pid while its output is not consumed: $(svc_json "$s" state)"
	svc_pid "$p"
	alive "$SVC_PID" || fail "$s (pid $SVC_PID) is not running"
	log "$s: running, state $(stat_field "$SVC_PID" 3), waiting in $(cat "/proc/$SVC_PID/wchan" 2>/dev/null)"
done
((read_bytes * 2 < want_bytes)) || fail "the consumer read $read_bytes of $want_bytes bytes already"
log "consumer has read $read_bytes of $want_bytes bytes; the writers are held back"

# Full speed now: everything arrives.
touch "$T/go"
for s in w1 w2 w3; do
	wait_stamps "$T/$s.rec" "done" 1 60
done
out_lines() {
	local n
	n=$(wc -l <"$T/tend.out")
	((n >= total_out))
}
WAIT_WHY="all $total_out stdout lines at the consumer" wait_for 60 out_lines
term_tend 20
wait_exit "$READER_PID" 10
expect_eq "the consumer's exit status" 0 "$EXIT_CODE"
writers_check "$T/tend.out" "$ERR"
pass

#!/bin/bash
# Three services write 50,000 numbered lines each at once (tend as PID 1,
# log-format prefix), one of them every third line to stderr: every line
# reaches tend's stdout or stderr exactly once, whole and in order, as
# "NAME | line" on the stream it was written to; tend's stderr holds nothing
# else but its own "tend: " lines; tend exits 0 once all three are done.
. "$(dirname "$0")/lib.sh"

N=50000
# What each service writes, made by the same commands outside tend.
writers_expect $N

write_conf "$T/tend.conf" <<CONF
service "w1" {
	command = "$TESTCHILD $(writer_args w1 $N)"
	restart = never
}
service "w2" {
	command = "$TESTCHILD $(writer_args w2 $N)"
	restart = never
}
service "w3" {
	command = "$TESTCHILD $(writer_args w3 $N)"
	restart = never
}
CONF
log "3 services x $N lines of 60 bytes, w3 every third line to stderr"
start_tend ns -c "$T/tend.conf"
wait_exit "$JOB_PID" 90
expect_eq "tend's exit status once every service is done" 0 "$EXIT_CODE"
log "tend's stdout: $(wc -l <"$OUT") lines, stderr: $(wc -l <"$ERR") lines"
writers_check "$OUT" "$ERR"
pass

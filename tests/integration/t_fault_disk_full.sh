#!/bin/bash
# A full filesystem under tend's stdout and under a service's log file
# (t_log_file covers the file alone: reported once, lines dropped and
# counted, written again once space is freed; this adds tend's own stdout,
# the "writing again" report, a second episode and a shutdown on a full
# disk). tend as PID 1, in its own mount namespace with a 4 MiB tmpfs,
# all but 8 KiB taken by a filler file; its stdout is a file there, and so is the
# log of service `f` (log = "file:"); service `w` writes to tend's stdout.
# - full: each fault is reported once ("stdout: No space left on device:
#   ..." and "service f: log file ...: cannot write: No space left on
#   device ..."), the lines are dropped and counted (f's log_dropped; the
#   top-level log_dropped for what was queued for stdout), both services
#   keep running, `tendctl status` answers, a killed service restarts.
# - space freed: both are written again, and each says so once
#   ("writing again (N lines dropped)"; tend waits for 5 s without a
#   failure before it calls the episode over).
# - full again: reported once more (a new episode); SIGTERM then ends tend
#   with 0 within shutdown-timeout (5 s), the disk still full.
. "$(dirname "$0")/lib.sh"

F=$T/full
# In tend's mount namespace: a 4 MiB tmpfs, all but 8 KiB of it taken, and
# tend's stdout a file on it (once freed, 4 MiB last the test's time).
full_tmpfs "$F" 4096 out
write_conf "$T/tend.conf" <<CONF
shutdown-timeout = 5
service "w" {
	command = "$TESTCHILD tick 10 --tag w --len 99"
	restart-delay = 0.1
}
service "f" {
	command = "$TESTCHILD tick 10 --tag f --len 99"
	log = "file:$F/f.log"
}
CONF
start_tend ns -c "$T/tend.conf"
WAIT_WHY="tend started" wait_for 10 tend_execd
froot=/proc/$TEND_PID/root$F
WAIT_WHY="w running" wait_for 10 svc_is w state running
WAIT_WHY="f running" wait_for 10 svc_is f state running
[ -e "$froot/filler" ] || fail "no filler in tend's mount namespace"

top_over() {
	local v
	v=$(ctl_json "d['log_dropped']") || return 1
	((v > $1))
}
f_over() {
	local v
	v=$(svc_json f log_dropped) || return 1
	((v > $1))
}
size_of() { stat -c %s "$1" 2>/dev/null || echo 0; }
grows() {
	local s
	s=$(size_of "$1")
	((s > $2))
}
OUT_FULL="stdout: No space left on device"
FILE_FULL="log file $F/f.log: cannot write: No space left on device"

# ---- full
WAIT_WHY="stdout full" wait_for 10 log_has "$OUT_FULL"
WAIT_WHY="f.log full" wait_for 10 log_has "$FILE_FULL"
WAIT_WHY="stdout's lines dropped and counted" wait_for 10 top_over 100
WAIT_WHY="f's lines dropped and counted" wait_for 10 f_over 100
log "full: $(grep -m1 -F "$OUT_FULL" "$ERR")"
log "full: $(grep -m1 -F "$FILE_FULL" "$ERR")"
for s in w f; do
	svc_is $s state running || fail "$s is $(svc_json $s state) with a full disk"
done
p=$(svc_json w pid)
svc_pid "$p"
kill -KILL "$SVC_PID"
WAIT_WHY="w restarted" wait_for 10 \
	ctl_true "[s for s in d['services'] if s['name'] == 'w'][0]['pid'] not in (None, $p) and [s for s in d['services'] if s['name'] == 'w'][0]['state'] == 'running'"
WAIT_WHY="more of f's lines dropped" wait_for 10 f_over "$(svc_json f log_dropped)"
expect_eq "reports of the full stdout" 1 "$(count_lines "$ERR" "$OUT_FULL")"
expect_eq "reports of the full f.log" 1 "$(count_lines "$ERR" "$FILE_FULL")"

# ---- space freed
out0=$(size_of "$froot/out")
log0=$(size_of "$froot/f.log")
rm -f "$froot/filler" || fail "cannot remove the filler"
WAIT_WHY="out growing again" wait_for 10 grows "$froot/out" $((out0 + 2000))
WAIT_WHY="f.log growing again" wait_for 10 grows "$froot/f.log" $((log0 + 2000))
WAIT_WHY="stdout reported written again" wait_for 15 log_has "stdout: writing again"
WAIT_WHY="f.log reported written again" wait_for 15 log_has "log file $F/f.log: writing again"
log "freed: $(grep -m1 -F "stdout: writing again" "$ERR")"
log "freed: $(grep -m1 -F "log file $F/f.log: writing again" "$ERR")"
grep -q '^w | w ' "$froot/out" || fail "no line of w in tend's stdout"
expect_eq "reports of stdout written again" 1 "$(count_lines "$ERR" "stdout: writing again")"
expect_eq "reports of f.log written again" 1 "$(count_lines "$ERR" "log file $F/f.log: writing again")"

# ---- full again, and a shutdown
head -c 4194304 /dev/zero >"$froot/filler" 2>/dev/null
reported_ge() { (($(count_lines "$ERR" "$1") >= $2)); }
WAIT_WHY="stdout full again, reported" wait_for 10 reported_ge "$OUT_FULL" 2
WAIT_WHY="f.log full again, reported" wait_for 10 reported_ge "$FILE_FULL" 2
holds 500 "" true
expect_eq "reports of the full stdout after two episodes" 2 "$(count_lines "$ERR" "$OUT_FULL")"
expect_eq "reports of the full f.log after two episodes" 2 "$(count_lines "$ERR" "$FILE_FULL")"
term_tend_within 5000 "[full disk]"
pass

#!/bin/bash
# A reload reads its file off the loop, in a thread of tend's: while a
# large file is read (19,000 services: seconds of libconfuse here; 6,000
# with sanitizers), `tendctl status` answers within the loop's bound (SPEC
# §5: 100 ms, the median of the requests made meanwhile), a service killed
# meanwhile is reaped and restarted, and then the reload answers with every
# service it added. A request made while a read is under way waits for the
# next read: what the file held when it was made is in its answer. SIGTERM
# during a read: tend exits 0 within shutdown-timeout, and the client
# waiting for the reload gets an error, not silence. tend as PID 1.
. "$(dirname "$0")/lib.sh"

N=19000
STATUS_MEDIAN_MAX=$(_scale 100)
if grep -qa __asan_init "$TEND"; then
	N=6000
	STATUS_MEDIAN_MAX=$(_scale 500)
fi
conf=$T/tend.conf

# base [EXTRA...]: service a (restarted at once), then services EXTRA.
base() {
	local s
	printf 'shutdown-timeout = 5\n'
	printf 'service "a" {\n\tcommand = "%s stamp %s"\n\trestart-delay = 0\n}\n' \
		"$TESTCHILD" "$T/a.rec"
	for s in "$@"; do
		printf 'service "%s" {\n\tcommand = "%s stamp %s"\n}\n' \
			"$s" "$TESTCHILD" "$T/$s.rec"
	done
}
# N services that are never started: all the work is in reading them.
python3 - "$N" >"$T/many.txt" <<'PY' || fail "cannot write the services"
import sys
for i in range(int(sys.argv[1])):
    print('service d%d {command=/bin/true disabled=1}' % i)
PY
median_of() {
	printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"
}
# reading: tend has a thread besides its main one (the reload's).
reading() {
	local n
	n=$(ls "/proc/$TEND_PID/task" 2>/dev/null | wc -l)
	((n >= 2))
}
# reload_json FILE PYEXPR: PYEXPR with d bound to the JSON in FILE.
reload_json() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2"
}

base | write_conf "$conf"
start_tend ns -c "$conf"
wait_stamps "$T/a.rec" start 1 15
stamp_at "$T/a.rec" start
svc_pid "$STAMP_PID"
a_pid=$SVC_PID

# ---- a large file: the loop goes on while it is read
{
	base
	cat "$T/many.txt"
} | write_conf "$conf"
now_ms
t0=$NOW_MS
bg "$TENDCTL" -S "$TEND_SOCK" --json reload >"$T/r1.json" 2>"$T/r1.err"
R1=$BG_PID
WAIT_WHY="a thread of tend's reading the file" wait_for 10 reading
kill -KILL "$a_pid"
samples=()
while alive "$R1"; do
	now_ms
	s0=$NOW_MS
	ctl --json status
	now_ms
	alive "$R1" || break # answered after the reload: not a sample
	[ "$CTL_RC" = 0 ] || fail "tendctl status during the reload: exit $CTL_RC: $CTL_ERR"
	samples+=($((NOW_MS - s0)))
	if ((${#samples[@]} == 1)); then
		# a was killed just before: reaped and restarted during the read.
		WAIT_WHY="a restarted while the file is read" wait_for 10 \
			stamp_get "$T/a.rec" start 2
		alive "$R1" || fail "the reload ended before a was restarted: $N services are read too fast here to show anything"
		log "a killed and restarted $((NOW_MS - t0)) ms into the reload"
	fi
done
((${#samples[@]} >= 3)) ||
	fail "only ${#samples[@]} status requests during the reload ($((NOW_MS - t0)) ms): too fast to tell"
med=$(median_of "${samples[@]}")
log "reload of $N services: $((NOW_MS - t0)) ms; status during it: median $med ms of ${#samples[@]}"
((med <= STATUS_MEDIAN_MAX)) ||
	fail "tendctl status took $med ms (median of ${samples[*]}) while the file was read, more than $STATUS_MEDIAN_MAX"
wait_exit "$R1" 60
expect_eq "tendctl reload's exit status ($(cat "$T/r1.err"))" 0 "$EXIT_CODE"
expect_eq "services the reload added" "$N" "$(reload_json "$T/r1.json" "len(d['added'])")"
expect_eq "the reload applied" True "$(reload_json "$T/r1.json" "d['applied']")"
WAIT_WHY="status lists every service" wait_for 30 ctl_true \
	"len(d['services']) == $((N + 1))"

# ---- a request made during a read waits for the next read
{
	base late1
	cat "$T/many.txt"
} | write_conf "$conf"
bg "$TENDCTL" -S "$TEND_SOCK" --json reload >"$T/r2.json" 2>"$T/r2.err"
R2=$BG_PID
{
	base late1 late2
	cat "$T/many.txt"
} | write_conf "$conf"
bg "$TENDCTL" -S "$TEND_SOCK" --json reload >"$T/r3.json" 2>"$T/r3.err"
R3=$BG_PID
wait_exit "$R2" 60
expect_eq "the first reload's exit status ($(cat "$T/r2.err"))" 0 "$EXIT_CODE"
wait_exit "$R3" 60
expect_eq "the second reload's exit status ($(cat "$T/r3.err"))" 0 "$EXIT_CODE"
expect_eq "late1 in the first reload's answer" True \
	"$(reload_json "$T/r2.json" "'late1' in d['added']")"
# Read after it was asked: late2 is in it, added by it or by the first.
expect_eq "late2 in the second reload's answer" True \
	"$(reload_json "$T/r3.json" "'late2' in d['added'] + d['unchanged']")"
wait_stamps "$T/late2.rec" start 1 15

# ---- SIGTERM while a file is read
{
	base late1 late2 late3
	cat "$T/many.txt"
} | write_conf "$conf"
bg "$TENDCTL" -S "$TEND_SOCK" reload >"$T/r4.out" 2>"$T/r4.err"
R4=$BG_PID
WAIT_WHY="a thread of tend's reading the file" wait_for 10 reading
term_tend_within 5000 "[during a reload]"
wait_exit "$R4" 15
((EXIT_CODE != 0)) || fail "tendctl reload exited 0 although tend shut down: $(cat "$T/r4.out")"
log "the waiting client: exit $EXIT_CODE: $(cat "$T/r4.err")"
# Sent before the SIGTERM, read while the file was: not refused at once.
if grep -q "shutting down" "$T/r4.err" && ! grep -q "reload of .* dropped" "$ERR"; then
	fail "the reload was refused before its read began"
fi
pass

#!/bin/bash
# log = "file:PATH" (tend as PID 1):
# - rotation: 2000 lines of 100 bytes with log-max-size 4096 and log-keep 3
#   leave exactly PATH, PATH.1, PATH.2 and PATH.3, each the lines that fit
#   before the next would pass 4096 bytes, in order (PATH.3 oldest), ending
#   with the last line; a line longer than log-max-size gets a file of its
#   own; a 20,000-byte line is written whole (its pieces joined); stdout
#   and stderr both go to the file; nothing reaches tend's stdout.
# - an unwritable path (its directory does not exist): reported once on
#   tend's stderr, the service keeps running, its lines are dropped and
#   counted in `status --json` ("log_dropped") and in the metrics
#   (tend_service_log_dropped_total).
# - log-timestamps: each line of the file starts with an RFC 3339 UTC time.
# - a full filesystem (a 64 KiB tmpfs in tend's own mount namespace; needs
#   root): reported once, lines dropped and counted while the service runs,
#   and written again once space is freed.
. "$(dirname "$0")/lib.sh"

L=$T/logs
mkdir "$L" || fail "mkdir"
"$TESTCHILD" lines 2000 --tag r --len 99 >"$T/rot.exp" || fail "testchild lines"
{
	"$TESTCHILD" lines 3 --tag a && "$TESTCHILD" longline 6000 &&
		"$TESTCHILD" lines 3 --tag b
} >"$T/big.exp" || fail "testchild lines"
"$TESTCHILD" longline 20000 >"$T/join.exp" || fail "testchild longline"
"$TESTCHILD" lines 100 --tag s --stderr-every 2 >"$T/both.exp" 2>"$T/both.experr" ||
	fail "testchild lines"

write_conf "$T/tend.conf" <<CONF
service "rot" {
	command = "$TESTCHILD lines 2000 --tag r --len 99"
	restart = never
	log = "file:$L/rot.log"
	log-max-size = 4096
	log-keep = 3
}
service "big" {
	command = "/bin/sh -c '$TESTCHILD lines 3 --tag a && $TESTCHILD longline 6000 && $TESTCHILD lines 3 --tag b'"
	restart = never
	log = "file:$L/big.log"
	log-max-size = 4096
	log-keep = 5
}
service "join" {
	command = "$TESTCHILD longline 20000"
	restart = never
	log = "file:$L/join.log"
}
service "both" {
	command = "$TESTCHILD lines 100 --tag s --stderr-every 2"
	restart = never
	log = "file:$L/both.log"
}
service "bad" {
	command = "$TESTCHILD tick 5 --tag bad"
	log = "file:$T/missing/bad.log"
}
CONF
start_tend ns -c "$T/tend.conf"
for s in rot big join both; do
	WAIT_WHY="$s done" wait_for 20 svc_is $s state "done"
done
# Reaped is not yet written: wait for the last line of each file.
WAIT_WHY="rot's last line in rot.log" wait_for 10 grep -q '^r 2000/2000 ' "$L/rot.log"
WAIT_WHY="big's last line in big.log" wait_for 10 grep -qx 'b 3/3' "$L/big.log"
size_ge() {
	local s
	s=$(stat -c %s "$1" 2>/dev/null) || return 1
	((s >= $2))
}
lines_ge() {
	local n
	n=$(wc -l <"$1" 2>/dev/null) || return 1
	((n >= $2))
}
WAIT_WHY="join.log complete" wait_for 10 size_ge "$L/join.log" 20001
WAIT_WHY="both.log complete" wait_for 10 lines_ge "$L/both.log" 100

python3 - "$L" "$T" >"$T/py.txt" 2>&1 <<'PY' || fail "$(cat "$T/py.txt")"
import os, sys
L, T = sys.argv[1:3]
errors, report = [], []

def lines(path):
    data = open(path, "rb").read()
    return [l + b"\n" for l in data.split(b"\n")[:-1]]

def rotated(name, expected, max_size, keep):
    # What a file holds when it is rotated before a line that would take it
    # past max_size: files[0] is PATH, files[1] PATH.1, ...
    files, cur = [], b""
    for l in expected:
        if cur and len(cur) + len(l) > max_size:
            files.insert(0, cur)
            cur = b""
        cur += l
    files.insert(0, cur)
    files = files[:keep + 1]
    got = []
    for i in range(len(files) + 3):
        p = "%s/%s.log%s" % (L, name, ".%d" % i if i else "")
        if os.path.exists(p):
            got.append(open(p, "rb").read())
        elif i < len(files):
            errors.append("%s: %s is missing" % (name, os.path.basename(p)))
            return
        else:
            break
    if len(got) != len(files):
        errors.append("%s: %d files (PATH and %d old), expected %d old ones (log-keep %d)"
                      % (name, len(got), len(got) - 1, len(files) - 1, keep))
        return
    for i, (g, w) in enumerate(zip(got, files)):
        p = "%s.log%s" % (name, ".%d" % i if i else "")
        if g != w:
            errors.append("%s: %d bytes (%d lines, first %r), expected %d bytes (%d lines, first %r)"
                          % (p, len(g), g.count(b"\n"), g[:20], len(w), w.count(b"\n"), w[:20]))
        elif len(g) > max_size and g.count(b"\n") != 1:
            errors.append("%s: %d bytes, over log-max-size" % (p, len(g)))
    report.append("%s: %s" % (name, ", ".join("%d bytes" % len(g) for g in reversed(got))))

rotated("rot", lines(T + "/rot.exp"), 4096, 3)
rotated("big", lines(T + "/big.exp"), 4096, 5)
if open(L + "/join.log", "rb").read() != open(T + "/join.exp", "rb").read():
    errors.append("join.log is not the 20000-byte line written")
got = lines(L + "/both.log")
want_out, want_err = lines(T + "/both.exp"), lines(T + "/both.experr")
if [l for l in got if l in want_out] != want_out or [l for l in got if l in want_err] != want_err \
        or len(got) != len(want_out) + len(want_err):
    errors.append("both.log: %d lines, expected the %d of stdout and the %d of stderr, each in order"
                  % (len(got), len(want_out), len(want_err)))
if errors:
    raise SystemExit("\n".join(errors))
print("rotation as expected, oldest first: " + "; ".join(report))
PY
log "$(cat "$T/py.txt")"
ctl_expect 0 log -n 3 rot
expect_eq "tendctl log -n 3 rot" "$(tail -n 3 "$T/rot.exp")" "$CTL_OUT"

# The unwritable path.
WAIT_WHY="bad's dropped lines counted" wait_for 10 ctl_true \
	"[s for s in d['services'] if s['name'] == 'bad'][0]['log_dropped'] >= 100"
ctl_true "isinstance(d['log_dropped'], int)" || fail "no top-level log_dropped in status --json"
svc_is bad state running || fail "bad is not running: $(svc_json bad state)"
p=$(svc_json bad pid) || fail "no pid for bad"
svc_pid "$p"
alive "$SVC_PID" || fail "bad's process is gone"
n=$(grep '^tend: ' "$ERR" | grep -cF "$T/missing/bad.log")
expect_eq "tend's lines naming $T/missing/bad.log" 1 "$n"
log "reported once: $(grep '^tend: ' "$ERR" | grep -F "$T/missing/bad.log")"
ctl_expect 0 metrics
v=$(sed -n 's/^tend_service_log_dropped_total{service="bad"} \([0-9][0-9]*\)$/\1/p' <<<"$CTL_OUT")
if [ -z "$v" ] || ((v < 100)); then
	fail "metrics: tend_service_log_dropped_total{service=\"bad\"} is '$v', expected >= 100: $(grep log_dropped <<<"$CTL_OUT")"
fi
log "bad: $(svc_json bad log_dropped) lines dropped, metrics say $v"
for s in rot big join both; do
	v=$(svc_json $s log_dropped)
	expect_eq "$s's log_dropped" 0 "$v"
done
expect_eq "tend's stdout (every service logs to a file)" "" "$(cat "$OUT")"
grep -v '^tend: ' "$ERR" | head -n 3 >"$T/stray.txt"
[ -s "$T/stray.txt" ] && fail "tend's stderr holds lines that are not tend's own: $(cat "$T/stray.txt")"
term_tend 20

# log-timestamps.
write_conf "$T/ts.conf" <<CONF
log-timestamps = true
service "ts" {
	command = "/bin/sh -c '$TESTCHILD lines 5 --tag ts && $TESTCHILD longline 20000'"
	restart = never
	log = "file:$L/ts.log"
}
CONF
RUN=ts start_tend ns -c "$T/ts.conf"
wait_exit "$JOB_PID" 20
expect_eq "tend's exit status once ts is done" 0 "$EXIT_CODE"
python3 - "$L/ts.log" "$T/join.exp" >"$T/py.txt" 2>&1 <<'PY' || fail "$(cat "$T/py.txt")"
import re, sys
got = open(sys.argv[1], "rb").read().split(b"\n")
want = [b"ts %d/5" % i for i in range(1, 6)] + [open(sys.argv[2], "rb").read().rstrip(b"\n"), b""]
ts = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ")
if len(got) != len(want) or got[-1] != b"":
    raise SystemExit("ts.log: %d lines, expected %d" % (len(got) - 1, len(want) - 1))
for g, w in zip(got[:-1], want):
    m = ts.match(g)
    if not m or g[m.end():] != w:
        raise SystemExit("ts.log: %r, expected a time, a space and %r" % (g[:60], w[:40]))
print("timestamped file lines, e.g. %r" % got[0])
PY
log "$(cat "$T/py.txt")"

# A full filesystem: in tend's mount namespace (unshare --mount-proc makes
# one), a 64 KiB tmpfs, 56 KiB of it taken by a file the test removes later.
F=$T/full
full_tmpfs "$F" 64
write_conf "$T/full.conf" <<CONF
service "fill" {
	command = "$TESTCHILD tick 2 --tag f --len 99"
	log = "file:$F/fill.log"
}
CONF
RUN=full start_tend ns -c "$T/full.conf"
froot=/proc/$TEND_PID/root$F
WAIT_WHY="fill running" wait_for 10 svc_is fill state running
[ -e "$froot/filler" ] || fail "no $F/filler in tend's mount namespace"
WAIT_WHY="fill's dropped lines counted" wait_for 20 ctl_true \
	"[s for s in d['services'] if s['name'] == 'fill'][0]['log_dropped'] >= 50"
size1=$(stat -c %s "$froot/fill.log")
WAIT_WHY="more dropped lines" wait_for 20 ctl_true \
	"[s for s in d['services'] if s['name'] == 'fill'][0]['log_dropped'] >= 300"
n=$(grep '^tend: ' "$ERR" | grep -cF "$F/fill.log")
expect_eq "tend's lines naming $F/fill.log while the disk is full" 1 "$n"
log "reported once: $(grep '^tend: ' "$ERR" | grep -F "$F/fill.log")"
svc_is fill state running || fail "fill is not running with a full disk: $(svc_json fill state)"
log "disk full: fill.log is $size1 bytes, $(svc_json fill log_dropped) lines dropped"
rm -f "$froot/filler" || fail "cannot remove the filler"
grows() {
	local s
	s=$(stat -c %s "$froot/fill.log") || return 1
	((s > size1 + 1000))
}
WAIT_WHY="fill.log growing again once space is freed" wait_for 10 grows
ctl_expect 0 stop fill
dropped=$(svc_json fill log_dropped) || fail "no log_dropped for fill"
python3 - "$froot/fill.log" "$dropped" >"$T/py.txt" 2>&1 <<'PY' || fail "$(cat "$T/py.txt")"
import re, sys
data = open(sys.argv[1], "rb").read()
dropped = int(sys.argv[2])
line = re.compile(rb"f (\d+) [a-z]+")
nums, bad = [], []
for l in data.split(b"\n")[:-1]:
    m = line.fullmatch(l)
    if m and len(l) == 99:
        nums.append(int(m.group(1)))
    else:
        bad.append(l)
if len(bad) > 1:
    raise SystemExit("fill.log: %d malformed lines (one cut by the full disk at most), e.g. %r" % (len(bad), bad[:2]))
if nums != sorted(set(nums)):
    raise SystemExit("fill.log: line numbers not increasing")
missing = nums[-1] - nums[0] + 1 - len(nums)
gaps = sum(1 for a, b in zip(nums, nums[1:]) if b != a + 1)
if gaps < 1 or missing < 1:
    raise SystemExit("fill.log: no lines missing, though %d were counted dropped" % dropped)
if abs(missing - dropped) > 2:
    raise SystemExit("fill.log: %d lines missing, but log_dropped says %d" % (missing, dropped))
print("fill.log: lines %d..%d, %d missing in %d gap(s), %d counted dropped, %d malformed"
      % (nums[0], nums[-1], missing, gaps, dropped, len(bad)))
PY
log "$(cat "$T/py.txt")"
term_tend 20
pass

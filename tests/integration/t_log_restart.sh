#!/bin/bash
# Output across restarts (tend as PID 1): a service writes 5000 lines (every
# 7th to stderr) and a last line without a newline, then exits 1 at once,
# and is restarted without delay 40 times (restart-limit 40, then failed,
# and tend exits 1 on its own). Every line of every run reaches tend's
# stdout or stderr exactly once, in order within the run, the last line of
# each run included: nothing is lost when a run ends with its output still
# in the pipe and the next one starts.
. "$(dirname "$0")/lib.sh"

N=5000
RUNS=41
write_conf "$T/tend.conf" <<CONF
service "crash" {
	command = "$TESTCHILD lines $N --tag c%p --stderr-every 7 --nonl 'c%p end' --exit 1 --rec $T/crash.rec"
	restart-delay = 0
	restart-limit = $((RUNS - 1))
}
CONF
start_tend ns -c "$T/tend.conf"
wait_exit "$JOB_PID" 90
expect_eq "tend's exit status once crash failed for good" 1 "$EXIT_CODE"
stamp_count "$T/crash.rec" start
expect_eq "runs of crash" "$RUNS" "$STAMP_N"
stamp_count "$T/crash.rec" "done"
expect_eq "runs of crash that wrote all their lines" "$RUNS" "$STAMP_N"

python3 - "$OUT" "$ERR" "$T/crash.rec" "$N" >"$T/py.txt" 2>&1 <<'PY' || fail "$(cat "$T/py.txt")"
import collections, re, sys
out_path, err_path, rec, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
pids = [l.split()[1] for l in open(rec) if l.startswith("start ")]
line_re = re.compile(r"crash \| (c(\d+) .*)")

def per_pid(path, own_ok):
    per = collections.defaultdict(list)
    for k, l in enumerate(open(path, "rb").read().decode().split("\n")[:-1], 1):
        if own_ok and l.startswith("tend: "):
            continue
        m = line_re.fullmatch(l)
        if not m:
            raise SystemExit("%s line %d is not a line of crash: %r" % (path, k, l[:100]))
        per[m.group(2)].append(m.group(1))
    return per

out, err = per_pid(out_path, False), per_pid(err_path, True)
errors = []
for p in pids:
    want_out = ["c%s %d/%d" % (p, i, n) for i in range(1, n + 1) if i % 7] + ["c%s end" % p]
    want_err = ["c%s %d/%d" % (p, i, n) for i in range(1, n + 1) if i % 7 == 0]
    for what, got, want in (("stdout", out.pop(p, []), want_out), ("stderr", err.pop(p, []), want_err)):
        if got != want:
            missing = set(want) - set(got)
            errors.append("run %s on %s: %d lines, expected %d; %d missing (e.g. %r)%s"
                          % (p, what, len(got), len(want), len(missing), sorted(missing)[:2],
                             "; out of order or repeated" if not missing else ""))
for p in list(out) + list(err):
    errors.append("lines of a run %s that did not start" % p)
if errors:
    raise SystemExit("\n".join(errors[:10]))
print("%d runs, each %d lines and its last line without newline, all there" % (len(pids), n))
PY
log "$(cat "$T/py.txt")"
pass

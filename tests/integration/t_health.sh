#!/bin/bash
# Health checks (tend as PID 1, in a network namespace of its own):
# - web (http, every 0.5 s, timeout 0.3 s, 3 retries, stop-signal INT,
#   restart-delay 2): healthy with health_failures 0 and the metric at 1;
#   2 failed checks (logged "1 of 3", "2 of 3"), then an answer: the count
#   is 0 again, healthy, no restart; when it stops answering for good,
#   exactly 3 checks fail, then it is unhealthy (metric 0), gets
#   its stop signal (INT, recorded), is restarted 2 s later (restarts 1),
#   and is healthy again once it answers; the events say running ->
#   stopping -> backoff with reasons about health, then starting -> running.
# - ex (a bare command, every 0.8 s, timeout 0.4 s, 2 retries, restart-
#   limit 1): health `starting` until the first check, which comes 0.8 s
#   after the start; each next one 0.8 s after the previous one ended; a
#   check that hangs is killed after 0.4 s (none left behind) and the next
#   one waits for that: never two at once (each check holds a lock the
#   next one tries); unhealthy twice in a row, the second time it is
#   `failed` (restart-limit).
# - nev (exec:, failing, restart = never): failed after 2 failed checks,
#   with a reason about health, though it exits 0 on SIGTERM.
# - plain (no check): health null, no tend_service_health sample.
. "$(dirname "$0")/lib.sh"

: >"$T/nevfail"
write_conf "$T/tend.conf" <<CONF
service "marker" { command = "$TESTCHILD sleep" }
service "plain" { command = "$TESTCHILD stamp $T/plain.rec" }
service "web" {
	command = "$TESTCHILD http 17201 $T/web.rec --hang-file $T/hang"
	ready = "http://127.0.0.1:17201/ready"
	health-check = "http://127.0.0.1:17201/health"
	health-interval = 0.5
	health-timeout = 0.3
	health-retries = 3
	stop-signal = "INT"
	restart-delay = 2
}
service "ex" {
	command = "$TESTCHILD stamp $T/ex.rec"
	health-check = "$TESTCHILD probe $T/exprobe.rec --run 50 --hang-if $T/exhang --lock $T/ex.lock"
	health-interval = 0.8
	health-timeout = 0.4
	health-retries = 2
	restart-delay = 0.2
	restart-limit = 1
}
service "nev" {
	command = "$TESTCHILD stamp $T/nev.rec"
	health-check = "exec:$TESTCHILD probe $T/nevprobe.rec --fail-if $T/nevfail"
	health-interval = 0.3
	health-timeout = 1
	health-retries = 2
	restart = never
}
CONF
start_tend_netns ns -c "$T/tend.conf"

# ex before its first check.
wait_stamps "$T/ex.rec" start 1 15
ctl_expect 0 --json status
if ! stamp_get "$T/exprobe.rec" probe-end; then
	python3 -c 'import json, sys
ex = [s for s in json.load(sys.stdin)["services"] if s["name"] == "ex"][0]
if (ex["state"], ex["ready"], ex["health"], ex["health_failures"]) != ("running", True, "starting", 0):
    raise SystemExit("ex before its first check: %r" % ex)' <<<"$CTL_OUT" >"$T/py.txt" 2>&1 ||
		fail "$(cat "$T/py.txt")"
	log "ex before its first check: running, ready, health starting"
else
	log "ex's first check came before the first tendctl status (0.8 s): not looked at"
fi

WAIT_WHY="web healthy" wait_for 15 svc_is web health healthy
expect_eq "web's health_failures" 0 "$(svc_json web health_failures)"
expect_eq "web ready" True "$(svc_json web ready)"
expect_eq "plain's health" None "$(svc_json plain health)"
ctl_expect 0 metrics
grep -qxF 'tend_service_health{service="web"} 1' <<<"$CTL_OUT" ||
	fail "metrics: no 'tend_service_health{service=\"web\"} 1' in: $(grep health <<<"$CTL_OUT")"
grep -q 'tend_service_health{service="plain"}' <<<"$CTL_OUT" &&
	fail "metrics: a tend_service_health sample for plain, which has no health check"

events_connect "$T/ev.out" marker

# Two checks unanswered (the server holds the next 2 requests), then an
# answer: the count goes back to 0, no restart.
printf '2\n' >"$T/hang.new" && mv "$T/hang.new" "$T/hang"
# answered_after_hangs: 2 requests held, and an answer since.
answered_after_hangs() {
	has_stamps "$T/web.rec" hang 2 && [ "$(tail -n 1 "$T/web.rec" | cut -d ' ' -f 1)" = answer ]
}
WAIT_WHY="2 checks of web held, then one answered" wait_for 15 answered_after_hangs
reset() { svc_is web health_failures 0 && svc_is web health healthy; }
WAIT_WHY="web's failure count back to 0" wait_for 10 reset
n_hang=2
for i in 1 2; do
	log_has "service web: health check failed ($i of 3)" ||
		fail "no 'service web: health check failed ($i of 3)' in tend's log"
done
log_has "service web: unhealthy" && fail "web unhealthy after 2 failed checks (health-retries 3)"
expect_eq "web's restarts" 0 "$(svc_json web restarts)"
stamp_get "$T/web.rec" INT && fail "web got its stop signal after 2 failed checks (health-retries 3)"
log "web: 2 checks failed, then one passed: health_failures 0, healthy, no restart"

# No answer for good.
now_ms
t_hang=$NOW_MS
: >"$T/hang"
WAIT_WHY="web's stop signal (INT)" wait_for 15 stamp_get "$T/web.rec" INT
t_int=$STAMP_MS
WAIT_WHY="web unhealthy" wait_for 5 svc_is web health unhealthy
ctl_expect 0 metrics
grep -qxF 'tend_service_health{service="web"} 0' <<<"$CTL_OUT" ||
	fail "metrics: no 'tend_service_health{service=\"web\"} 0' in: $(grep health <<<"$CTL_OUT")"
rm -f "$T/hang"
expect_eq "web's checks unanswered before its stop signal" 3 \
	$(($(sed '/^INT /q' "$T/web.rec" | grep -c '^hang ') - n_hang))
log "web: INT $((t_int - t_hang)) ms after it stopped answering (3 checks of 0.3 s, 0.5 s apart)"
((t_int - t_hang >= 1400)) || fail "web got INT $((t_int - t_hang)) ms after it stopped answering: too early for 3 failed checks"
stamp_count "$T/web.rec" start
expect_eq "web's runs before the restart" 1 "$STAMP_N"

wait_stamps "$T/web.rec" start 2 15
stamp_at "$T/web.rec" exit 1
t_exit=$STAMP_MS
stamp_at "$T/web.rec" start 2
log "web restarted $((STAMP_MS - t_exit)) ms after its exit (restart-delay 2 s)"
((STAMP_MS - t_exit >= 1800)) || fail "web restarted $((STAMP_MS - t_exit)) ms after its exit: expected restart-delay, 2 s"
WAIT_WHY="web healthy again" wait_for 15 svc_is web health healthy
ctl_expect 0 --json status
python3 -c 'import json, sys
w = [s for s in json.load(sys.stdin)["services"] if s["name"] == "web"][0]
want = {"state": "running", "ready": True, "health": "healthy", "health_failures": 0, "restarts": 1}
got = {k: w[k] for k in want}
if got != want:
    raise SystemExit("web after its restart: %r, expected %r" % (got, want))' <<<"$CTL_OUT" >"$T/py.txt" 2>&1 ||
	fail "$(cat "$T/py.txt")"
ctl_expect 0 metrics
for m in 'tend_service_health{service="web"} 1' 'tend_service_restarts_total{service="web"} 1'; do
	grep -qxF "$m" <<<"$CTL_OUT" || fail "metrics after the restart: no '$m'"
done

kill -INT "$EVENTS_PID"
wait_exit "$EVENTS_PID" 5
transitions "$T/ev.out" web >"$T/web.tr"
log "web's events:"$'\n'"$(cat "$T/web.tr")"
python3 - "$T/web.tr" >"$T/py.txt" 2>&1 <<'PY' || fail "web's events: $(cat "$T/py.txt")"
import sys
tr = [l.rstrip("\n").split(" ", 1) for l in open(sys.argv[1])]
got = [t for t, _ in tr]
want = ["running>stopping", "stopping>backoff", "backoff>starting", "starting>running"]
if got != want:
    raise SystemExit("transitions %r, expected %r" % (got, want))
for t, why in tr[:2]:
    if "health" not in why:
        raise SystemExit("%s with reason %r: expected one about health" % (t, why))
PY

# ex: the rhythm of the checks; hanging ones killed; restart-limit.
has_ends() {
	stamp_count "$T/exprobe.rec" probe-end
	((STAMP_N >= $1))
}
WAIT_WHY="3 checks of ex" wait_for 15 has_ends 3
: >"$T/exhang"
WAIT_WHY="ex failed" wait_for 20 svc_is ex state failed
expect_eq "ex's reason" "restart-limit reached" "$(svc_json ex reason)"
expect_eq "ex's restarts" 1 "$(svc_json ex restarts)"
python3 - "$T/ex.rec" "$T/exprobe.rec" >"$T/py.txt" 2>&1 <<'PY' || fail "ex: $(cat "$T/py.txt")"
import sys
runs, probes = [], []
for l in open(sys.argv[1]):
    k, pid, ms = l.split()[:3]
    if k == "start":
        runs.append({"start": int(ms), "term": None})
    elif k == "TERM":
        runs[-1]["term"] = int(ms)
for l in open(sys.argv[2]):
    k, pid, ms = l.split()[:3]
    if k == "probe-overlap":
        raise SystemExit("check %s began while another one still ran" % pid)
    if k == "probe":
        probes.append({"pid": pid, "start": int(ms), "end": None, "hang": False})
    elif k == "probe-end":
        probes[-1]["end"] = int(ms)
    elif k == "probe-hang":
        probes[-1]["hang"] = True
if len(runs) != 2 or any(r["term"] is None for r in runs):
    raise SystemExit("runs %r: expected 2, each stopped with SIGTERM" % runs)
desc = []
for n, r in enumerate(runs):
    nxt = runs[n + 1]["start"] if n + 1 < len(runs) else float("inf")
    ps = [p for p in probes if r["start"] <= p["start"] < nxt]
    hangs = [p for p in ps if p["hang"]]
    if len(hangs) != 2 or ps[-2:] != hangs:
        raise SystemExit("run %d: checks %r: expected the last 2 to hang" % (n + 1, ps))
    # A "start" or "probe" line is written once its process runs, which
    # may be late on a loaded machine: the bounds that use them as the
    # earlier time are loose; "probe-end" comes before the exit. tend's
    # timers count from its loop's time, which may be some ms older than
    # the exit it just reaped: 50 ms of slack.
    first = ps[0]["start"] - r["start"]
    if not 500 <= first < 1800:
        raise SystemExit("run %d: first check %d ms after the start: expected health-interval, 800 ms" % (n + 1, first))
    gaps = []
    for a, b in zip(ps, ps[1:]):
        # after one that ended: health-interval; after one killed by
        # health-timeout: both.
        gap = b["start"] - (a["end"] if a["end"] is not None else a["start"])
        low, want = (750, 800) if a["end"] is not None else (600, 1200)
        gaps.append(gap)
        if not low <= gap < want + 1000:
            raise SystemExit("run %d: a check %d ms after the previous one %s: expected about %d"
                             % (n + 1, gap, "ended" if a["end"] is not None else "began (killed)", want))
    if any(p["end"] is None and not p["hang"] for p in ps):
        raise SystemExit("run %d: a check that neither ended nor hung: %r" % (n + 1, ps))
    stop = r["term"] - hangs[-1]["start"]
    if not 0 <= stop < 1400:
        raise SystemExit("run %d: SIGTERM %d ms after the last check began: expected about health-timeout (400 ms)" % (n + 1, stop))
    desc.append("run %d: %d checks, the first %d ms after the start, then%s ms apart; SIGTERM %d ms after the last began"
                % (n + 1, len(ps), first, "".join(" %d" % g for g in gaps), stop))
print("\n".join(desc))
print(" ".join(p["pid"] for p in probes if p["hang"]))
PY
log "ex: $(head -n -1 "$T/py.txt")"
# The killed checks are gone.
ps_scan
descendants "$TEND_PID"
for p in "${DESC[@]}"; do
	grep -qsF "$T/exprobe.rec" "/proc/$p/cmdline" &&
		fail "a check of ex is still there: pid $p ($(tr '\0' ' ' <"/proc/$p/cmdline"))"
done

# nev: restart = never.
WAIT_WHY="nev failed" wait_for 15 svc_is nev state failed
reason=$(svc_json nev reason)
[[ $reason == *health* ]] || fail "nev's reason '$reason' says nothing about health"
expect_eq "nev's restarts" 0 "$(svc_json nev restarts)"
expect_eq "nev's exit code" 0 "$(svc_json nev exit_code)"
stamp_count "$T/nev.rec" start
expect_eq "runs of nev" 1 "$STAMP_N"
stamp_at "$T/nev.rec" TERM
stamp_count "$T/nevprobe.rec" probe-end
expect_eq "checks of nev" 2 "$STAMP_N"
log "nev: failed after 2 failed checks ($reason)"

term_tend 20
pass

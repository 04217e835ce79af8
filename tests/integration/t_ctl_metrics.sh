#!/bin/bash
# `tendctl metrics` (tend as PID 1), read by a real Prometheus text-format
# parser (prometheus_client's, Debian's python3-prometheus-client): the
# metric names and labels of SPEC §5, with values that agree with `status
# --json`: one tend_service_state sample per service, for its current
# state, value 1 (running, backoff, stopped, failed here); ready 0/1;
# no health sample for a service without a health check; restarts; the last exit code (a service killed by SIGKILL: 137);
# uptime; and the 3 orphans a service left to tend, counted once.
. "$(dirname "$0")/lib.sh"

# A python3 that has prometheus_client (PATH's first, else the system's).
PROM_PY=
for py in python3 /usr/bin/python3; do
	if "$py" -c 'import prometheus_client.parser' 2>/dev/null; then
		PROM_PY=$py
		break
	fi
done
[ -n "$PROM_PY" ] ||
	fail "no python3 with prometheus_client: install Debian's python3-prometheus-client"

conf=$T/tend.conf
write_conf "$conf" <<EOF
service "web" { command = "$TESTCHILD stamp $T/web.rec" }
service "crashy" {
	command = "$TESTCHILD stamp $T/crashy.rec --run 100 --exit 3"
	restart-limit = 2
	restart-delay = 0.1
}
service "slowback" {
	command = "$TESTCHILD stamp $T/slowback.rec"
	restart-delay = 60
	restart-delay-max = 60
}
service "orph" { command = "$TESTCHILD orphans 3 $T/orph.rec" }
service "idle" {
	command = "$TESTCHILD stamp $T/idle.rec"
	disabled = true
}
EOF
start_tend ns -c "$conf"
wait_stamps "$T/slowback.rec" start 1 15
wait_line "$T/orph.rec" "orphans 3" 15
WAIT_WHY="crashy failed" wait_for 15 svc_is crashy state failed
stamp_at "$T/slowback.rec" start
svc_pid "$STAMP_PID"
kill -KILL "$SVC_PID"
WAIT_WHY="slowback in backoff" wait_for 10 svc_is slowback state backoff
WAIT_WHY="3 orphans reaped" wait_for 10 ctl_true "d['orphans_reaped'] == 3"

ctl_expect 0 --json status
status_json=$CTL_OUT
ctl_expect 0 metrics
log "metrics:"$'\n'"$CTL_OUT"
printf '%s\n' "$CTL_OUT" >"$T/metrics.txt"
J=$status_json "$PROM_PY" - "$T/metrics.txt" 2>"$T/py.err" <<'PY' ||
import json, os, sys
from prometheus_client.parser import text_string_to_metric_families

status = json.loads(os.environ["J"])
svcs = {s["name"]: s for s in status["services"]}
errs = []
def need(cond, what):
    if not cond:
        errs.append(what)

samples = {}   # sample name -> [(labels, value)]
types = {}
for fam in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in fam.samples:
        samples.setdefault(s.name, []).append((s.labels, s.value))
        types[s.name] = fam.type

def per_service(name):
    out = {}
    for labels, v in samples.get(name, []):
        need(set(labels) == {"service"}, "%s labels %r" % (name, labels))
        need(labels.get("service") not in out, "%s: two samples for %r" % (name, labels))
        out[labels.get("service")] = v
    return out

names = set(svcs)
need(names == {"web", "crashy", "slowback", "orph", "idle"}, "status services %r" % names)
want = {"web": "running", "crashy": "failed", "slowback": "backoff",
        "orph": "running", "idle": "stopped"}

# tend_service_state{service,state}: one sample per service, value 1.
st = {}
for labels, v in samples.get("tend_service_state", []):
    need(set(labels) == {"service", "state"}, "tend_service_state labels %r" % labels)
    need(labels["service"] not in st, "tend_service_state: two samples for %s" % labels["service"])
    st[labels["service"]] = (labels["state"], v)
need(set(st) == names, "tend_service_state services %r" % sorted(st))
for n in names:
    need(st.get(n) == (want[n], 1.0), "tend_service_state %s: %r, expected (%r, 1)" % (n, st.get(n), want[n]))
    need(svcs[n]["state"] == want[n], "status %s: %r" % (n, svcs[n]["state"]))
need(types.get("tend_service_state") == "gauge", "tend_service_state type %r" % types.get("tend_service_state"))

ready = per_service("tend_service_ready")
need(set(ready) == names, "tend_service_ready services %r" % sorted(ready))
for n in names:
    need(ready.get(n) == (1.0 if svcs[n]["ready"] else 0.0), "tend_service_ready %s: %r, status ready %r" % (n, ready.get(n), svcs[n]["ready"]))
need(ready.get("web") == 1.0 and ready.get("crashy") == 0.0, "ready values %r" % ready)

health = per_service("tend_service_health")
# No service has a health check (tend does not take health-check yet):
# no sample.
need(health == {}, "tend_service_health without health checks: %r" % health)

restarts = per_service("tend_service_restarts_total")
need(set(restarts) == names, "tend_service_restarts_total services %r" % sorted(restarts))
need(types.get("tend_service_restarts_total") == "counter", "restarts type %r" % types.get("tend_service_restarts_total"))
for n in names:
    need(restarts.get(n) == svcs[n]["restarts"], "restarts %s: %r, status %r" % (n, restarts.get(n), svcs[n]["restarts"]))
need(restarts.get("crashy") == 2.0, "crashy restarts %r (restart-limit 2)" % restarts.get("crashy"))

last = per_service("tend_service_last_exit_code")
need(last.get("crashy") == 3.0, "last exit code of crashy: %r" % last.get("crashy"))
need(last.get("slowback") == 137.0, "last exit code of slowback (SIGKILL): %r, expected 137" % last.get("slowback"))
for n in ("web", "orph", "idle"):
    need(n not in last or svcs[n]["exit_code"] is not None,
         "tend_service_last_exit_code for %s, which never exited: %r" % (n, last.get(n)))

up = per_service("tend_service_uptime_seconds")
need(set(up) == names, "tend_service_uptime_seconds services %r" % sorted(up))
for n in ("web", "orph"):
    need(0 < up.get(n, -1) < 600, "uptime of %s: %r" % (n, up.get(n)))
for n in ("crashy", "idle", "slowback"):
    need(up.get(n) == 0.0, "uptime of %s (no process): %r" % (n, up.get(n)))

orph = samples.get("tend_orphans_reaped_total", [])
need(orph == [({}, 3.0)], "tend_orphans_reaped_total: %r, expected one sample, 3" % orph)
need(status["orphans_reaped"] == 3, "status orphans_reaped %r" % status["orphans_reaped"])
need(types.get("tend_orphans_reaped_total") == "counter", "orphans type %r" % types.get("tend_orphans_reaped_total"))
if errs:
    raise SystemExit("\n".join(errs))
PY
	fail "metrics: $(cat "$T/py.err")"

# A --json flag changes nothing for metrics (it is not JSON).
ctl_expect 0 --json metrics
grep -q '^tend_orphans_reaped_total 3$' <<<"$CTL_OUT" || fail "metrics --json: '$CTL_OUT'"

term_tend 20
pass

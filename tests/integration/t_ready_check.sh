#!/bin/bash
# `tendctl check [NAME...]` through the lifecycle (tend as PID 1, in a
# network namespace of its own; drain-delay 1.5 s):
# - exit 1 while db (tcp, its port opened after 3 s) is starting and app,
#   which depends on it, waits; the reasons name both; `check db` and
#   `check app` 1 too; an unknown name: exit 2;
# - exit 0 once both are ready (a disabled service does not count);
# - exit 1 once app's health check failed for good (health unhealthy),
#   while `check db` stays 0;
# - exit 0 again once app, restarted, answers its checks;
# - exit 1 during the drain after SIGTERM: every service reports not ready
#   though none got its stop signal yet, which comes drain-delay later.
. "$(dirname "$0")/lib.sh"

write_conf "$T/tend.conf" <<CONF
drain-delay = 1.5
service "db" {
	command = "$TESTCHILD listen 17301 $T/db.rec --after 3000"
	ready = "tcp:17301"
}
service "app" {
	command = "$TESTCHILD stamp $T/app.rec"
	depends = {"db"}
	health-check = "$TESTCHILD probe $T/probe.rec --fail-if $T/sick"
	health-interval = 0.3
	health-timeout = 2
	health-retries = 2
	restart-delay = 2
}
service "off" {
	command = "$TESTCHILD sleep"
	disabled = true
}
CONF
start_tend_netns ns -c "$T/tend.conf"

# check_while RC KIND ARGS...: `tendctl check ARGS` exits RC; conclusive
# only if db's KIND stamp (what makes it ready) came after the answer.
wait_stamps "$T/db.rec" start 1 15
early() {
	local rc=$1
	shift
	ctl check "$@"
	now_ms
	if stamp_get "$T/db.rec" listen && ((STAMP_MS <= NOW_MS)); then
		fail "db listened before 'tendctl check $*' answered (3 s after its start): too slow to tell"
	fi
	[ "$CTL_RC" = "$rc" ] ||
		fail "tendctl check $* while db is starting: exit $CTL_RC, expected $rc; stdout: '$CTL_OUT'; stderr: '$CTL_ERR'"
}
early 1
if ! grep -q db <<<"$CTL_OUT" || ! grep -q app <<<"$CTL_OUT"; then
	fail "tendctl check while db is starting names not both db and app: '$CTL_OUT'"
fi
log "check while db is starting: exit 1:"$'\n'"$CTL_OUT"
early 1 db
early 1 app
ctl_expect 2 check nosuch
ctl_expect 2 check db nosuch

WAIT_WHY="app ready" wait_for 15 svc_is app ready True
stamp_at "$T/db.rec" listen
t_listen=$STAMP_MS
stamp_at "$T/app.rec" start
((STAMP_MS >= t_listen)) || fail "app started $((t_listen - STAMP_MS)) ms before db listened"
ctl_expect 0 check
log "check with both ready: exit 0 ('$CTL_OUT')"
ctl_expect 0 check db app

# Unhealthy (the next 2 checks fail: health-retries), restarted, healthy
# again.
printf '2\n' >"$T/sick.new" && mv "$T/sick.new" "$T/sick"
WAIT_WHY="app unhealthy" wait_for 10 svc_is app health unhealthy
ctl check
stamp_count "$T/app.rec" start
# (restart-delay 2 s: still in backoff unless the machine is very slow)
if ((STAMP_N == 1)); then
	[ "$CTL_RC" = 1 ] || fail "tendctl check with app unhealthy: exit $CTL_RC, expected 1; stdout: '$CTL_OUT'"
	grep -q app <<<"$CTL_OUT" || fail "tendctl check with app unhealthy does not name app: '$CTL_OUT'"
	log "check with app unhealthy: exit 1 ('$CTL_OUT')"
else
	log "app was restarted before tendctl check answered: not looked at"
fi
ctl_expect 0 check db
wait_stamps "$T/app.rec" start 2 10
WAIT_WHY="app healthy after its restart" wait_for 10 svc_is app health healthy
expect_eq "app's restarts" 1 "$(svc_json app restarts)"
ctl_expect 0 check
log "check after app's restart: exit 0"

# The drain.
stamp_count "$T/app.rec" TERM
terms=$STAMP_N
now_ms
t_kill=$NOW_MS
kill -TERM "$TEND_PID"
drained() {
	ctl_true "d['shutting_down'] and not any(s['ready'] for s in d['services'])"
}
WAIT_WHY="every service not ready after SIGTERM" wait_for 5 drained
ctl check
now_ms
t_check=$NOW_MS
[ "$CTL_RC" = 1 ] || fail "tendctl check during the drain: exit $CTL_RC, expected 1; stdout: '$CTL_OUT'"
log "check during the drain: exit 1:"$'\n'"$CTL_OUT"
if stamp_get "$T/app.rec" TERM $((terms + 1)) && ((STAMP_MS <= t_check)); then
	fail "app got its stop signal $((STAMP_MS - t_kill)) ms after SIGTERM, before the check during the drain (drain-delay 1.5 s)"
fi
wait_exit "$JOB_PID" 20
expect_eq "tend's exit status after SIGTERM" 0 "$EXIT_CODE"
stamp_at "$T/app.rec" TERM $((terms + 1))
log "app's stop signal $((STAMP_MS - t_kill)) ms after SIGTERM (drain-delay 1.5 s)"
((STAMP_MS - t_kill >= 1350)) || fail "app got its stop signal $((STAMP_MS - t_kill)) ms after SIGTERM: before drain-delay (1.5 s)"
stamp_at "$T/db.rec" TERM
pass

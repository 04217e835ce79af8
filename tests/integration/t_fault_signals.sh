#!/bin/bash
# A storm of signals (tend as PID 1 of a namespace, forward-signals USR1,
# three services that record every signal they get): five processes send
# SIGUSR1 (two of them), SIGUSR2, SIGHUP and SIGCHLD to tend as fast as
# they can, at least 2,000 each (10,000 or more in all), in two waves; the
# config changes between the waves (one service's command changes, one
# service is added; the second wave has no SIGUSR1, which could reach a
# new service before it set its handler). Meanwhile `tendctl status` answers within 2 s.
# Checked afterwards:
# - forwarding: the services of the first wave got SIGUSR1, and no service
#   ever got USR2, HUP or CHLD (not in forward-signals, or tend's own). Standard
#   signals that arrive while one of their kind is pending merge into one
#   (tend's and the service's alike), so the count is not checked; once
#   the storm is over, one more SIGUSR1 to tend reaches each service
#   exactly once.
# - reloads end consistent: the changed service was restarted exactly
#   once, the new one started once, the unchanged one kept its process
#   (no restart); `tendctl reload --dry-run` has nothing left to do.
# - no zombie, and SIGTERM ends tend with 0 within shutdown-timeout.
. "$(dirname "$0")/lib.sh"

MIN=2000
conf() {
	cat <<CONF
forward-signals = {"USR1"}
shutdown-timeout = 5
service "keep" {
	command = "$TESTCHILD record $T/keep.rec TERM=0"
}
service "chg" {
	command = "$TESTCHILD record $T/$1 TERM=0"
}
CONF
	[ "$2" = late ] && cat <<CONF
service "late" {
	command = "$TESTCHILD record $T/late.rec TERM=0"
}
CONF
	return 0
}
conf chg1.rec "" | write_conf "$T/tend.conf"
start_tend ns -c "$T/tend.conf"
WAIT_WHY="keep ready" wait_for 10 grep -qs '^ready ' "$T/keep.rec"
WAIT_WHY="chg ready" wait_for 10 grep -qs '^ready ' "$T/chg1.rec"
WAIT_WHY="keep running" wait_for 10 svc_is keep state running
keep_pid=$(svc_json keep pid)

# sender SIG N WAVE: sends SIG to tend N times, then on until the file
# $T/stop.WAVE exists; writes the count sent to $T/sent.SIG.N.WAVE. Fails
# (exit 1) when a kill fails: tend is gone.
sender() {
	local sig=$1 n=$2 wave=$3 i=0 j
	while :; do
		for ((j = 0; j < 100; j++)); do
			kill -s "$sig" "$TEND_PID" || exit 1
		done
		i=$((i + 100))
		((i >= n)) && [ -e "$T/stop.$wave" ] && break
	done
	echo "$i" >"$T/sent.$sig.$BASHPID.$wave"
}
storm() {
	local wave=$1 p t0 worst=0 i sig
	local -a senders=()
	shift
	for sig in "$@"; do
		(sender "$sig" $((MIN / 2)) "$wave") &
		senders+=($!)
	done
	# tendctl status during the storm.
	for i in 1 2 3; do
		now_ms
		t0=$NOW_MS
		ctl_expect 0 status
		now_ms
		((NOW_MS - t0 > worst)) && worst=$((NOW_MS - t0))
	done
	: >"$T/stop.$wave"
	for p in "${senders[@]}"; do
		wait "$p" || fail "a sender of wave $wave failed: tend is gone?"
	done
	log "wave $wave: slowest tendctl status of 3 during the storm: $worst ms"
	((worst < 2000)) || fail "tendctl status took $worst ms during the storm"
}

storm 1 USR1 USR1 USR2 HUP CHLD
conf chg2.rec late | write_conf "$T/tend.conf"
# No SIGUSR1 now: a service started by the reload could get one before it
# has set its handler, and die of it.
storm 2 USR2 HUP HUP CHLD CHLD
total=$(cat "$T"/sent.* | paste -sd+ | bc)
log "signals sent: $total ($(for s in USR1 USR2 HUP CHLD; do printf '%s %s ' "$s" "$(cat "$T"/sent."$s".* | paste -sd+ | bc)"; done))"
((total >= 5 * MIN)) || fail "only $total signals sent"
alive "$TEND_PID" || fail "tend is gone after the storm"

# Reloads consistent: the last HUP came after the change.
WAIT_WHY="late running" wait_for 10 svc_is late state running
WAIT_WHY="chg running its new command" wait_for 10 grep -qs '^ready ' "$T/chg2.rec"
WAIT_WHY="chg running" wait_for 10 svc_is chg state running
expect_eq "keep's pid after the storm" "$keep_pid" "$(svc_json keep pid)"
expect_eq "keep's restarts" 0 "$(svc_json keep restarts)"
stamp_count "$T/chg1.rec" ready
expect_eq "runs of chg's first command" 1 "$STAMP_N"
stamp_count "$T/chg2.rec" ready
expect_eq "runs of chg's second command" 1 "$STAMP_N"
stamp_count "$T/late.rec" ready
expect_eq "runs of late" 1 "$STAMP_N"
ctl_expect 0 reload --dry-run
log "reload --dry-run after the storm: $(tr '\n' ' ' <<<"$CTL_OUT")"
ctl --json reload --dry-run
python3 - "$CTL_OUT" >"$T/py.txt" 2>&1 <<'PY' || fail "reload --dry-run after the storm: $(cat "$T/py.txt")"
import json, sys
d = json.loads(sys.argv[1])
for k in ("added", "removed", "restarted", "changed"):
    if d.get(k):
        raise SystemExit("%s: %s, expected none" % (k, d[k]))
PY

# Forwarding: USR1 only; then exactly one more after one more.
for f in keep.rec chg1.rec; do
	grep -qx USR1 "$T/$f" || fail "$f: no SIGUSR1 forwarded"
done
for f in keep.rec chg1.rec chg2.rec late.rec; do
	bad=$(grep -x -e USR2 -e HUP -e CHLD "$T/$f" | sort | uniq -c | tr '\n' ' ')
	[ -z "$bad" ] || fail "$f: signals that must not be forwarded: $bad"
done
counts() { echo "$(grep -cx USR1 "$T/keep.rec") $(grep -cx USR1 "$T/chg2.rec") $(grep -cx USR1 "$T/late.rec")"; }
c0=$(counts)
steady() {
	local a
	a=$(counts)
	holds 500 "" true
	[ "$(counts)" = "$a" ]
}
WAIT_WHY="the forwarded signals to settle" wait_for 10 steady
c0=$(counts)
log "SIGUSR1 received by keep, chg and late: $c0"
read -r k0 g0 l0 <<<"$c0"
kill -s USR1 "$TEND_PID"
counts_are() { [ "$(counts)" = "$1" ]; }
want="$((k0 + 1)) $((g0 + 1)) $((l0 + 1))"
WAIT_WHY="one more SIGUSR1 to each service: $want" wait_for 5 counts_are "$want"
holds 300 "a SIGUSR1 forwarded twice: was $c0" counts_are "$want"
WAIT_WHY="no zombie under tend" wait_for 5 no_zombies_under "$TEND_PID"
log "reloads logged: $(grep -c 'reloaded' "$ERR")"

term_tend_within 5000
pass

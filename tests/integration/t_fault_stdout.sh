#!/bin/bash
# tend's own stdout and stderr failing (tend as PID 1 of a namespace, a
# service `t` that writes a line every 20 ms):
# - stdout closed (>&-): tend puts /dev/null on fd 1 before it opens
#   anything (so no descriptor of its own takes that number and no line is
#   written to it); `t` runs, no fault is reported, `tendctl log` has its
#   lines. The same with 0, 1 and 2 all closed.
# - stdout a pipe whose reader exits after 3 lines: the broken pipe is
#   reported once on stderr; `t` keeps running, its lines are dropped and
#   counted (log_dropped in status --json, growing) and `tendctl log`
#   still has them; a kill of `t` is a restart as usual.
# - stdout and stderr the same broken pipe (2>&1): tend keeps running and
#   supervising, its own lines dropped and counted (the top-level
#   log_dropped).
# Each time SIGTERM then ends tend with 0 within shutdown-timeout (5 s).
. "$(dirname "$0")/lib.sh"

write_conf "$T/tend.conf" <<CONF
shutdown-timeout = 5
service "t" {
	command = "$TESTCHILD tick 20 --tag t"
	restart-delay = 0.1
}
CONF

# dropped NAME: prints service NAME's log_dropped (the top level's for "").
dropped() {
	if [ -z "$1" ]; then
		ctl_json "d['log_dropped']"
	else
		svc_json "$1" log_dropped
	fi
}
dropped_over() {
	local v
	v=$(dropped "$1") || return 1
	((v > $2))
}
# t_logged N: `tendctl log -n 1 t` shows line "t N" or a later one.
t_logged() {
	ctl log -n 1 t
	[ "$CTL_RC" = 0 ] || return 1
	[[ $CTL_OUT =~ ^t\ ([0-9]+)$ ]] && ((BASH_REMATCH[1] >= $1))
}
# restarted: a kill of t's process is a restart: a new pid, running.
restarted() {
	local p
	p=$(svc_json t pid) || fail "[$1] no pid for t"
	svc_pid "$p"
	kill -KILL "$SVC_PID"
	WAIT_WHY="[$1] t restarted after a kill" wait_for 10 \
		ctl_true "[s for s in d['services'] if s['name'] == 't'][0]['pid'] not in (None, $p) and [s for s in d['services'] if s['name'] == 't'][0]['state'] == 'running'"
	WAIT_WHY="[$1] no zombie under tend" wait_for 5 no_zombies_under "$TEND_PID"
}
shutdown_ok() { term_tend_within 5000 "[$1]"; }

# ---- stdout closed
# shellcheck disable=SC2016
TEND_WRAP=(/bin/sh -c 'exec "$@" >&-' sh)
RUN=closed start_tend ns -c "$T/tend.conf"
WAIT_WHY="tend started" wait_for 10 tend_execd
WAIT_WHY="[closed] t running" wait_for 10 svc_is t state running
WAIT_WHY="[closed] t's lines in tendctl log" wait_for 10 t_logged 20
expect_eq "[closed] tend's fd 1" /dev/null "$(readlink "/proc/$TEND_PID/fd/1")"
expect_eq "[closed] t's log_dropped (lines go to /dev/null)" 0 "$(dropped t)"
if grep -q '^tend: stdout' "$ERR"; then
	fail "[closed] a fault reported for a closed stdout: $(grep -m1 '^tend: stdout' "$ERR")"
fi
restarted closed
shutdown_ok closed

# ---- stdin, stdout and stderr closed
# shellcheck disable=SC2016
TEND_WRAP=(/bin/sh -c 'exec "$@" <&- >&- 2>&-' sh)
RUN=closed3 start_tend ns -c "$T/tend.conf"
WAIT_WHY="tend started" wait_for 10 tend_execd
WAIT_WHY="[closed3] t running" wait_for 10 svc_is t state running
WAIT_WHY="[closed3] t's lines in tendctl log" wait_for 10 t_logged 20
for fd in 0 1 2; do
	expect_eq "[closed3] tend's fd $fd" /dev/null "$(readlink "/proc/$TEND_PID/fd/$fd")"
done
restarted closed3
shutdown_ok closed3

# ---- stdout a pipe whose reader is gone
mkfifo "$T/out.fifo"
# shellcheck disable=SC2016
bg /bin/sh -c 'exec head -n 3 <"$1" >"$2"' sh "$T/out.fifo" "$T/head.out"
READER=$BG_PID
TEND_STDOUT=$T/out.fifo RUN=epipe start_tend ns -c "$T/tend.conf"
WAIT_WHY="tend started" wait_for 10 tend_execd
wait_exit "$READER" 10
expect_eq "[epipe] lines the reader got" "t | t 1 t | t 2 t | t 3" "$(tr '\n' ' ' <"$T/head.out" | sed 's/ $//')"
WAIT_WHY="[epipe] the broken pipe reported" wait_for 10 log_has "Broken pipe"
WAIT_WHY="[epipe] t's lines dropped and counted" wait_for 10 dropped_over t 20
d1=$(dropped t)
WAIT_WHY="[epipe] t's lines in tendctl log" wait_for 10 t_logged $((d1 + 3))
WAIT_WHY="[epipe] more of t's lines dropped" wait_for 10 dropped_over t $((d1 + 20))
svc_is t state running || fail "[epipe] t is $(svc_json t state)"
restarted epipe
WAIT_WHY="[epipe] the new run's lines dropped" wait_for 10 dropped_over t $((d1 + 40))
log "[epipe] $(grep -m1 'Broken pipe' "$ERR"); t: $(dropped t) lines dropped"
n=$(grep -c 'Broken pipe' "$ERR")
expect_eq "[epipe] lines of tend's log about the broken pipe" 1 "$n"
grep -q '^t | ' "$ERR" && fail "[epipe] t's stdout lines went to stderr"
shutdown_ok epipe

# ---- stdout and stderr one broken pipe
rm -f "$T/out.fifo" "$T/head.out"
mkfifo "$T/out.fifo"
# shellcheck disable=SC2016
bg /bin/sh -c 'exec head -n 3 <"$1" >"$2"' sh "$T/out.fifo" "$T/head.out"
READER=$BG_PID
# shellcheck disable=SC2016
TEND_WRAP=(/bin/sh -c 'exec "$@" 2>&1' sh)
TEND_STDOUT=$T/out.fifo RUN=epipe2 start_tend ns -c "$T/tend.conf"
WAIT_WHY="tend started" wait_for 10 tend_execd
wait_exit "$READER" 10
WAIT_WHY="[epipe2] t running" wait_for 10 svc_is t state running
WAIT_WHY="[epipe2] t's lines dropped and counted" wait_for 10 dropped_over t 20
top=$(dropped "") || fail "[epipe2] no top-level log_dropped"
restarted epipe2
# The restart is news from tend: its lines are dropped, and counted.
WAIT_WHY="[epipe2] tend's own lines dropped and counted" wait_for 10 dropped_over "" "$top"
WAIT_WHY="[epipe2] t's lines in tendctl log" wait_for 10 t_logged 10
log "[epipe2] t: $(dropped t) lines dropped; tend's own: $(dropped "")"
shutdown_ok epipe2
pass

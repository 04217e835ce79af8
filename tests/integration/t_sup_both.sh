#!/bin/bash
# Both mode, `tend -c FILE -- app`: app starts once the file's services are
# ready (a oneshot done with 0, a simple service running); at shutdown app
# stops first, and the file's services get their stop signal only after it
# exited; tend exits with app's code, whether app ends on its own or on
# the shutdown; app's exec failure makes tend stop the services and exit
# 127 (not found) or 126 (not executable). tend as PID 1.
. "$(dirname "$0")/lib.sh"

conf() { # PREFIX
	write_conf "$1.conf" <<CONF
service "agent" {
	command = "$TESTCHILD stamp $1-agent.rec --term-delay 100"
}
service "init" {
	type = oneshot
	command = "$TESTCHILD stamp $1-init.rec --run 400 --exit 0"
}
CONF
}

# 1. Start after the agents, stop before them; app's code on SIGTERM.
p=$T/order
conf "$p"
RUN=order start_tend ns -c "$p.conf" -- \
	"$TESTCHILD" stamp "$p-app.rec" --term-delay 300 --term-exit 7
wait_stamps "$p-app.rec" start 1 15
stamp_at "$p-init.rec" exit
init_exit=$STAMP_MS
stamp_at "$p-agent.rec" start
agent_start=$STAMP_MS
stamp_at "$p-app.rec" start
app_start=$STAMP_MS
log "init exited at +$((init_exit - agent_start)) ms, app started at +$((app_start - agent_start)) ms (agent start = 0)"
((app_start >= init_exit)) ||
	fail "app started $((init_exit - app_start)) ms before the oneshot init exited"
((app_start >= agent_start)) ||
	fail "app started before the agent"
kill -s TERM "$TEND_PID"
wait_exit "$JOB_PID" 20
expect_eq "tend's exit status (app exits 7 on TERM)" 7 "$EXIT_CODE"
stamp_at "$p-app.rec" TERM
app_term=$STAMP_MS
stamp_at "$p-app.rec" exit
app_exit=$STAMP_MS
stamp_get "$p-agent.rec" TERM || fail "the agent got no stop signal"
agent_term=$STAMP_MS
log "shutdown: app TERM +0, app exit +$((app_exit - app_term)) ms, agent TERM +$((agent_term - app_term)) ms"
((agent_term >= app_exit)) ||
	fail "the agent got its stop signal $((app_exit - agent_term)) ms before app (the main command) exited"

# 2. app ends on its own: tend stops the agent and exits with app's code.
p=$T/own
conf "$p"
RUN=own start_tend ns -c "$p.conf" -- \
	"$TESTCHILD" stamp "$p-app.rec" --run 300 --exit 9
wait_exit "$JOB_PID" 20
expect_eq "tend's exit status (app exits 9 by itself)" 9 "$EXIT_CODE"
stamp_get "$p-app.rec" exit || fail "app did not run"
app_exit=$STAMP_MS
stamp_get "$p-agent.rec" TERM || fail "the agent got no stop signal after app exited"
((STAMP_MS >= app_exit)) || fail "the agent got TERM before app exited"

# 3. app cannot be executed.
printf '#!/bin/sh\nexit 0\n' >"$T/noexec"
chmod 644 "$T/noexec"
for case in missing:127:"$T/does-not-exist" noexec:126:"$T/noexec"; do
	IFS=: read -r name expected cmd <<<"$case"
	p=$T/$name
	conf "$p"
	RUN=$name start_tend ns -c "$p.conf" -- "$cmd"
	wait_exit "$JOB_PID" 20
	expect_eq "tend's exit status when app ($cmd) cannot be executed" "$expected" "$EXIT_CODE"
	stamp_get "$p-init.rec" exit || fail "[$name] init did not run before app"
	stamp_get "$p-agent.rec" TERM || fail "[$name] the agent got no stop signal after app's exec failed"
done
pass

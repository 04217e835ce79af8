#!/bin/bash
# A service's environment never shows in what tend says: a secret in `env`,
# one in `env-file` and one expanded from tend's own environment (${VAR})
# reach the service (its /proc/PID/environ) but neither their values nor
# their names appear in tend's stdout and stderr (-v -v, every message),
# `tendctl status` (text and --json), `check` (both), `metrics`, `events`
# (while the service is restarted and reloaded), `log`, `reload` and
# `reload --dry-run` (after the values changed: the service is restarted,
# with the new values, which do not show either), nor in `tend --check`
# of the config, valid or with an error in the same service.
. "$(dirname "$0")/lib.sh"

tag=$$-$RANDOM
S_ENV=s3cr3t-env-$tag
S_FILE=s3cr3t-file-$tag
S_EXP=s3cr3t-expanded-$tag
# Names that appear nowhere else in the config or the commands.
K_ENV=SEC_TOKEN_ENV
K_FILE=SEC_TOKEN_FILE
K_EXP=SEC_TOKEN_EXP
export SEC_SOURCE=$S_EXP

# conf N: the config, its env values ending in -N; env-file too.
conf() {
	cat >"$T/app.env.new" <<EOF
# the secret of the file
$K_FILE=$S_FILE-$1
EOF
	mv -f "$T/app.env.new" "$T/app.env"
	write_conf "$T/tend.conf" <<EOF
service "app" {
	command = "$TESTCHILD stamp $T/app.rec"
	env = {"$K_ENV=$S_ENV-$1", "$K_EXP=\${SEC_SOURCE}-$1"}
	env-file = "app.env"
	health-check = "exec:$TESTCHILD probe $T/probe.rec"
	health-interval = 0.3
}
service "talk" { command = "$TESTCHILD tick 100 --tag talk" }
EOF
}

# saw NAME: appends the last ctl's stdout and stderr to $T/said/NAME.
mkdir "$T/said"
saw() {
	printf '%s\n%s\n' "$CTL_OUT" "$CTL_ERR" >>"$T/said/$1"
}

conf 1
start_tend ns -v -v -c "$T/tend.conf"
WAIT_WHY="app running" wait_for 15 svc_is app state running
WAIT_WHY="app healthy" wait_for 15 svc_is app health healthy
svc_host_pid app
expect_eq "the service's $K_ENV" "$S_ENV-1" "$(env_of "$SVC_PID" $K_ENV)"
expect_eq "the service's $K_FILE" "$S_FILE-1" "$(env_of "$SVC_PID" $K_FILE)"
expect_eq "the service's $K_EXP" "$S_EXP-1" "$(env_of "$SVC_PID" $K_EXP)"

bg "$TENDCTL" -S "$TEND_SOCK" events >"$T/said/events" 2>&1
bg "$TENDCTL" -S "$TEND_SOCK" --json events >"$T/said/events-json" 2>&1
for cmd in status "--json status" "status app" check "--json check" metrics \
	"log -n 100 app" "log -n 100 talk" "--json log -n 100 talk"; do
	# shellcheck disable=SC2086
	ctl $cmd
	saw ctl
done
ctl_expect 0 restart app
saw ctl
ctl_expect 0 signal HUP talk
saw ctl

# New values: the dry run and the reload name the service, not its env.
conf 2
ctl_expect 0 reload --dry-run
saw ctl
ctl_expect 0 --json reload --dry-run
saw ctl
ctl_expect 0 reload
saw ctl
# app_has NAME VALUE: app runs with NAME=VALUE in its environment.
app_has() {
	local p h
	p=$(svc_json app pid) && [ "$p" != None ] && h=$(host_pid "$p") &&
		[ "$(env_of "$h" "$1")" = "$2" ]
}
WAIT_WHY="app restarted with the new env" wait_for 15 app_has $K_ENV "$S_ENV-2"
app_has $K_FILE "$S_FILE-2" || fail "app's $K_FILE after the reload is not $S_FILE-2"
app_has $K_EXP "$S_EXP-2" || fail "app's $K_EXP after the reload is not $S_EXP-2"
for cmd in "--json status" "--json check" metrics; do
	# shellcheck disable=SC2086
	ctl $cmd
	saw ctl
done
grep -q '"service": "app"' "$T/said/events" ||
	fail "the events stream saw nothing of app: $(cat "$T/said/events")"
ctl_expect 0 shutdown
wait_exit "$JOB_PID" 20
cp "$T/tend.out" "$T/tend.err" "$T/said/"

# tend --check, of this config and of one with an error in the service.
"$TEND" -v --check -c "$T/tend.conf" >"$T/said/check.out" 2>&1 ||
	fail "tend --check: $(cat "$T/said/check.out")"
sed -i 's/health-interval = 0.3/health-interval = -1/' "$T/tend.conf"
"$TEND" -v --check -c "$T/tend.conf" >"$T/said/check-bad.out" 2>&1 &&
	fail "tend --check accepted a negative health-interval"
grep -q health-interval "$T/said/check-bad.out" ||
	fail "tend --check does not say what is wrong: $(cat "$T/said/check-bad.out")"

n=$(cat "$T/said"/* | wc -l)
log "$n lines of tend's output, replies and events looked at"
[ "$n" -gt 50 ] || fail "only $n lines of output to look at"
for w in "$S_ENV" "$S_FILE" "$S_EXP" "$K_ENV" "$K_FILE" "$K_EXP" SEC_SOURCE; do
	if grep -rlF -- "$w" "$T/said" >"$T/leak" 2>/dev/null; then
		fail "'$w' shows in $(sed "s|^$T/said/||" "$T/leak" | tr '\n' ' '): $(grep -rhF -- "$w" "$T/said" | head -n 3)"
	fi
done
pass

#!/bin/bash
# Reload on SIGHUP applies the difference: an unchanged service keeps its
# process, one whose in-place keys changed (stop-timeout, restart-delay)
# too; one whose command changed is stopped and started again with the new
# command line (a service that depends on it is left alone), as is one
# whose env-file's content changed (its new process has the new value); a removed one is stopped and its process exits; an
# added one starts, as does one that was disabled and no longer is. An
# invalid new file changes nothing (every process stays, nothing starts or
# stops) and the error names the file and line. tend as PID 1.
. "$(dirname "$0")/lib.sh"

conf=$T/tend.conf
svc() { # NAME [ARGS [EXTRA LINE]]
	printf 'service "%s" {\n\tcommand = "%s stamp %s%s"\n%s}\n' \
		"$1" "$TESTCHILD" "$T/$1.rec" "${2:+ $2}" "${3:+	$3
}"
}
echo 'VALUE=one' >"$T/envf.env"
{
	svc keep
	svc tune '' 'stop-timeout = 5'
	svc change '--tag v1'
	svc dep '' 'depends = {"change"}'
	svc gone
	svc envf '' 'env-file = "envf.env"'
	svc off '' 'disabled = true'
} | write_conf "$conf"
start_tend ns -c "$conf"
declare -A pid=()
for s in keep tune change dep gone envf; do
	wait_stamps "$T/$s.rec" start 1 15
	stamp_at "$T/$s.rec" start
	svc_pid "$STAMP_PID"
	pid[$s]=$SVC_PID
done

# A valid new file.
{
	svc keep
	svc tune '' 'stop-timeout = 7
	restart-delay = 1'
	svc change '--tag v2'
	svc dep '' 'depends = {"change"}'
	svc added
	svc envf '' 'env-file = "envf.env"'
	svc off
} | write_conf "$conf"
echo 'VALUE=two' >"$T/envf.env"
kill -s HUP "$TEND_PID"
[ ! -e "$T/off.rec" ] || fail "the disabled service started"
wait_stamps "$T/added.rec" start 1 15
wait_stamps "$T/off.rec" start 1 15
wait_stamps "$T/change.rec" start 2 15
wait_stamps "$T/gone.rec" exit 1 15
wait_gone "${pid[gone]}" 10
wait_gone "${pid[change]}" 10
stamp_at "$T/change.rec" TERM
term_pid=$STAMP_PID
stamp_at "$T/change.rec" start 1
expect_eq "pid of the changed service that got TERM (its first run)" "$STAMP_PID" "$term_pid"
stamp_at "$T/change.rec" start 2
svc_pid "$STAMP_PID"
pid[change]=$SVC_PID
cmdline=$(tr '\0' ' ' <"/proc/${pid[change]}/cmdline")
[[ $cmdline == *"--tag v2"* ]] ||
	fail "the restarted service runs '$cmdline', not the new command (--tag v2)"
stamp_at "$T/added.rec" start
svc_pid "$STAMP_PID"
pid[added]=$SVC_PID
stamp_at "$T/off.rec" start
svc_pid "$STAMP_PID"
pid[off]=$SVC_PID
wait_stamps "$T/envf.rec" start 2 15
wait_gone "${pid[envf]}" 10
stamp_at "$T/envf.rec" start 2
svc_pid "$STAMP_PID"
pid[envf]=$SVC_PID
tr '\0' '\n' <"/proc/${pid[envf]}/environ" | grep -qx VALUE=two ||
	fail "the service restarted for its env-file has not the file's new VALUE=two"

# untouched NAME...: each one still runs its process, started once, never
# stopped.
untouched() {
	local s
	for s in "$@"; do
		alive "${pid[$s]}" || return 1
		stamp_count "$T/$s.rec" start
		((STAMP_N == 1)) || return 1
		stamp_count "$T/$s.rec" TERM
		((STAMP_N == 0)) || return 1
	done
}
holds 500 "keep, tune (changed in place only), dep (its dependency restarted) or off was stopped or restarted by the reload" \
	untouched keep tune added off dep
stamp_count "$T/gone.rec" start
expect_eq "runs of the removed service" 1 "$STAMP_N"
stamp_count "$T/change.rec" start
expect_eq "runs of the changed service" 2 "$STAMP_N"
log "after the reload: $(grep 'reloaded' "$ERR" | tail -n 1)"

# An invalid new file: line 6 has a bad value.
{
	svc keep
	svc tune '' 'restart = sometimes'
	svc change '--tag v3'
	svc dep '' 'depends = {"change"}'
	svc another
	svc envf '' 'env-file = "envf.env"'
	svc off
} | write_conf "$conf"
sed -n 6p "$conf" | grep -q sometimes || fail "test bug: the bad value is not on line 6"
n_err=$(grep -c . "$ERR")
kill -s HUP "$TEND_PID"
WAIT_WHY="the reload error ($conf:6:) on tend's stderr" wait_for 10 log_has "$conf:6:"
nothing_changed() {
	untouched keep tune added off dep || return 1
	alive "${pid[change]}" || return 1
	stamp_count "$T/change.rec" start
	((STAMP_N == 2)) || return 1
	stamp_count "$T/change.rec" TERM
	((STAMP_N == 1)) || return 1
	alive "${pid[envf]}" || return 1
	stamp_count "$T/envf.rec" start
	((STAMP_N == 2)) || return 1
	[ ! -e "$T/another.rec" ]
}
holds 1000 "the invalid configuration changed something" nothing_changed
log "reload error: $(tail -n +$((n_err + 1)) "$ERR" | tr '\n' '|')"

term_tend 15
pass

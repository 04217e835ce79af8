#!/bin/bash
# `tendctl reload` (tend as PID 1). `--dry-run` prints the diff (added,
# removed, restarted, changed in place, unchanged) and changes nothing: no
# service starts, stops or restarts, status keeps the same services;
# `--json` gives the diff object with applied false. Then `reload` prints the
# same diff and applies it: the added service runs, the removed one is gone,
# the changed one runs its new command, the in-place one and the unchanged
# one keep their process. An invalid file: exit 1, every error as FILE:LINE
# on stderr, nothing changed (dry-run too). A reload that changes
# control-socket, asked on the old socket: the reply comes on it, then the
# new one answers and the old path is gone.
. "$(dirname "$0")/lib.sh"

conf=$T/tend.conf
svc() { # NAME [ARGS [EXTRA LINE]]
	printf 'service "%s" {\n\tcommand = "%s stamp %s%s"\n%s}\n' \
		"$1" "$TESTCHILD" "$T/$1.rec" "${2:+ $2}" "${3:+	$3
}"
}
{
	svc keep
	svc tune '' 'stop-timeout = 5'
	svc change '--tag v1'
	svc gone
} | write_conf "$conf"
start_tend ns -c "$conf"
declare -A pid=()
for s in keep tune change gone; do
	wait_stamps "$T/$s.rec" start 1 15
	stamp_at "$T/$s.rec" start
	pid[$s]=$STAMP_PID
done
WAIT_WHY="all running" wait_for 10 ctl_true \
	"sorted(s['name'] for s in d['services'] if s['state'] == 'running') == ['change', 'gone', 'keep', 'tune']"

{
	svc keep
	svc tune '' 'stop-timeout = 7'
	svc change '--tag v2'
	svc added
} | write_conf "$conf"

# runs NAME N: NAME's record has N start lines and no TERM beyond T.
runs() {
	stamp_count "$T/$1.rec" start
	((STAMP_N == $2)) || return 1
	stamp_count "$T/$1.rec" TERM
	((STAMP_N == ${3:-0}))
}
as_before() {
	runs keep 1 && runs tune 1 && runs change 1 && runs gone 1 &&
		[ ! -e "$T/added.rec" ] &&
		ctl_true "sorted(s['name'] for s in d['services']) == ['change', 'gone', 'keep', 'tune'] and all(s['state'] == 'running' for s in d['services'])"
}
# expect_diff: CTL_OUT has exactly the lines of the diff above.
expect_diff() {
	local want
	want=$(printf '%s\n' "added: added" "removed: gone" "restarted: change" \
		"changed in place: tune" "unchanged: keep")
	expect_eq "$1 output" "$want" "$CTL_OUT"
}

ctl_expect 0 reload --dry-run
log "reload --dry-run:"$'\n'"$CTL_OUT"
expect_diff "reload --dry-run"
ctl_expect 0 --json reload --dry-run
J=$CTL_OUT python3 -c 'import json, os
d = json.loads(os.environ["J"])
want = {"applied": False, "added": ["added"], "removed": ["gone"],
        "restarted": ["change"], "changed": ["tune"], "unchanged": ["keep"]}
assert d == want, "%r, expected %r" % (d, want)' 2>"$T/py.err" ||
	fail "reload --dry-run --json: $(cat "$T/py.err")"
holds 1500 "reload --dry-run changed something" as_before

ctl_expect 0 reload
log "reload:"$'\n'"$CTL_OUT"
expect_diff "reload"
wait_stamps "$T/added.rec" start 1 10
wait_stamps "$T/change.rec" start 2 10
wait_stamps "$T/gone.rec" TERM 1 10
stamp_at "$T/change.rec" start 2
pid[change]=$STAMP_PID
svc_pid "${pid[change]}"
[[ $(tr '\0' ' ' <"/proc/$SVC_PID/cmdline") == *"--tag v2"* ]] ||
	fail "change does not run its new command after the reload"
stamp_at "$T/added.rec" start
pid[added]=$STAMP_PID
WAIT_WHY="gone leaving the status" wait_for 10 ctl_true \
	"sorted(s['name'] for s in d['services']) == ['added', 'change', 'keep', 'tune']"
WAIT_WHY="all running after the reload" wait_for 10 ctl_true \
	"all(s['state'] == 'running' for s in d['services'])"
for s in keep tune change added; do
	svc_is "$s" pid "${pid[$s]}" || fail "$s: status pid $(svc_json "$s" pid), expected ${pid[$s]}"
done
after_reload() {
	runs keep 1 && runs tune 1 && runs change 2 1 && runs added 1 && runs gone 1 1
}
holds 500 "the reload touched more than it said" after_reload
ctl_expect 0 reload --dry-run
[ "$(wc -l <<<"$CTL_OUT")" = 1 ] && [[ $CTL_OUT == "unchanged: "* ]] ||
	fail "reload --dry-run when nothing changed: '$CTL_OUT'"
expect_eq "reload --dry-run when nothing changed: the unchanged" "added change keep tune" \
	"$(tr ' ' '\n' <<<"${CTL_OUT#unchanged: }" | sort | tr '\n' ' ' | sed 's/ $//')"

# An invalid file: an unknown key on line 2 (and a bad value on line 6,
# which the parser need not reach).
{
	printf 'service "keep" {\n\tbogus-key = 1\n}\n'
	printf 'service "tune" {\n\tcommand = "%s stamp %s"\n\trestart = sometimes\n}\n' "$TESTCHILD" "$T/tune.rec"
	svc change '--tag v3'
	svc another
} | write_conf "$conf"
sed -n 2p "$conf" | grep -q bogus-key || fail "test bug: bogus-key is not on line 2"
sed -n 6p "$conf" | grep -q sometimes || fail "test bug: the bad value is not on line 6"
for args in "reload --dry-run" "reload"; do
	# shellcheck disable=SC2086
	ctl_expect 1 $args
	log "$args with an invalid file: stdout '$CTL_OUT', stderr:"$'\n'"$CTL_ERR"
	grep -q "^$conf:2: .*bogus-key" <<<"$CTL_ERR" ||
		fail "$args: stderr does not say '$conf:2: ... bogus-key': '$CTL_ERR'"
done
after_invalid() {
	after_reload && [ ! -e "$T/another.rec" ] &&
		ctl_true "sorted(s['name'] for s in d['services']) == ['added', 'change', 'keep', 'tune'] and all(s['state'] == 'running' for s in d['services'])"
}
holds 1500 "an invalid configuration changed something" after_invalid
ctl_expect 1 --json reload
J=$CTL_OUT python3 -c 'import json, os, sys
d = json.loads(os.environ["J"])
assert isinstance(d.get("error"), str) and d["error"], d
errs = d.get("errors")
assert isinstance(errs, list) and errs, d
assert any(e.startswith(sys.argv[1] + ":2: ") for e in errs), errs' "$conf" 2>"$T/py.err" ||
	fail "reload --json with an invalid file: $(cat "$T/py.err")"
holds 300 "an invalid configuration changed something" after_invalid

ctl_expect 0 shutdown
wait_exit "$JOB_PID" 20
expect_eq "tend's exit status after tendctl shutdown" 0 "$EXIT_CODE"

# A reload that moves the control socket, asked on that socket: the
# reply comes on the old one, then the new one answers and the old path is
# gone (tend once freed the connection it was replying on: a crash).
write_conf "$T/rebind.conf" <<EOF
control-socket = "$T/a.sock"
service "r" {
	command = "$TESTCHILD sleep"
}
EOF
export TEND_CONFIG=$T/rebind.conf # not -c: start_tend would add -S
RUN=rebind start_tend ns
unset TEND_CONFIG
TEND_SOCK=$T/a.sock
WAIT_WHY="[rebind] r running" wait_for 20 svc_is r state running
sed -i "s|$T/a.sock|$T/b.sock|" "$T/rebind.conf"
ctl reload
expect_eq "[rebind] tendctl reload's exit status (on the old socket)" 0 "$CTL_RC"
grep -q "unchanged: r" <<<"$CTL_OUT" || fail "[rebind] tendctl reload said: $CTL_OUT $CTL_ERR"
TEND_SOCK=$T/b.sock
ctl_expect 0 status
[ ! -e "$T/a.sock" ] || fail "[rebind] the old socket is still there"
kill -TERM "$TEND_PID"
wait_exit "$JOB_PID" 15
expect_eq "[rebind] tend's exit status after SIGTERM" 0 "$EXIT_CODE"
log "[rebind] reload moved the socket; answered on the old one, then on the new"
pass

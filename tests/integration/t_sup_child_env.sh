#!/bin/bash
# What a config-mode service is made of, read from /proc while it runs:
# user (nobody), group, the user's supplementary groups from /etc/group,
# env (with ${VAR} and ${VAR:-default} expanded from tend's environment)
# on top of env-file (trimmed, unquoted) on top of tend's own environment,
# workdir, umask (022 by default, whatever tend's own), stdin on /dev/null
# (tend's own is a file), only fds 0-2 (though tend inherited fd 7), its
# own session and process group, an empty signal mask and no ignored
# signal (though tend was started with four signals ignored). tend as
# PID 1, in a mount namespace where /etc/group gives nobody two extra
# groups.
. "$(dirname "$0")/lib.sh"

# nobody must reach the workdir and the program.
chmod 711 "$T"
mkdir -m 755 "$T/wd" "$T/bin"
# Where the probe (as nobody) writes the list of its fds.
mkdir -m 777 "$T/pub"
cp "$TESTCHILD" "$T/bin/testchild"
cp "$TESTCHILD" "$T/bin/plain"
chmod 755 "$T/bin/testchild" "$T/bin/plain"
PROBE=$T/bin/testchild
PLAIN=$T/bin/plain

grep -q '^nobody:' /etc/passwd || fail "no user nobody in /etc/passwd"
{
	grep -v '^tendit[0-9]:' /etc/group
	echo 'tendit1:x:4711:nobody'
	echo 'tendit2:x:4712:someone,nobody,other'
	echo 'tendit3:x:4713:'
} >"$T/group"
chmod 644 "$T/group"
# The groups nobody is a member of (those of the host's file included).
expected_groups=$(awk -F: '{ n = split($4, m, ","); for (i = 1; i <= n; i++) if (m[i] == "nobody") print $3 }' "$T/group" |
	sort -n | tr '\n' ' ' | sed 's/ $//')

# (The SPACED line keeps its spaces around the key and the value.)
cat >"$T/probe.env" <<'ENV'
# a comment, then a blank line

FROM_FILE=file
export EXPORTED='quoted value'
OVERRIDE=from-file
TEND_IT_TEND=from-file
  SPACED  =  trimmed value  
ENV
write_conf "$T/tend.conf" <<CONF
service "probe" {
	command = "$PROBE sleep --fds $T/pub/probe.fds"
	user = "nobody"
	group = "tendit3"
	env = {"FROM_ENV=env", "OVERRIDE=from-env", "EXPANDED=\${TEND_IT_KEEP}", "DEFAULTED=\${TEND_IT_UNSET:-dflt}"}
	env-file = "probe.env"
	workdir = "$T/wd"
	umask = "027"
}
service "plain" {
	command = "$PLAIN sleep --fds $T/plain.fds"
}
CONF

export TEND_IT_TEND=from-tend TEND_IT_KEEP=kept
: >"$T/fd7"
# Inside unshare (a new mount namespace): close every fd beyond 2, bind the
# group file, open fd 7, ignore four signals, set umask 077, then exec tend.
TEND_WRAP=("$TESTCHILD" closefds bash -c 'mount --bind "$1" /etc/group || exit 99
	exec 7>>"$2" || exit 99
	trap "" INT QUIT USR2 PIPE
	umask 077
	shift 2
	exec "$@"' wrap "$T/group" "$T/fd7")
# tend's own stdin is a file, so that /dev/null in the service is tend's doing.
: >"$T/stdin"
TEND_STDIN=$T/stdin
start_tend ns -c "$T/tend.conf"

# A service's fds (and environment) are worth reading only once its exec is
# complete: /proc/PID/exe names the new program before the kernel has closed
# the close-on-exec fds. Each service lists its fds once it runs its own
# code (`sleep --fds`); wait for that first.
WAIT_WHY="the probe service listing its fds" wait_for 15 test -e "$T/pub/probe.fds"
WAIT_WHY="the plain service listing its fds" wait_for 15 test -e "$T/plain.fds"
WAIT_WHY="the probe service running" wait_for 15 tend_child_running "$(readlink -f "$PROBE")"
PID=$FOUND
WAIT_WHY="the plain service running" wait_for 15 tend_child_running "$(readlink -f "$PLAIN")"
PLAIN_PID=$FOUND

norm() { tr '\t' ' ' | sed 's/ *$//'; }
uid=$(awk -F: '$1 == "nobody" { print $3 }' /etc/passwd)
expect_eq "service's Uid (real, effective, saved, fs)" "$uid $uid $uid $uid" \
	"$(status_field "$PID" Uid | norm)"
expect_eq "service's Gid (group = tendit3)" "4713 4713 4713 4713" \
	"$(status_field "$PID" Gid | norm)"
expect_eq "service's supplementary groups (nobody's in /etc/group)" \
	"$expected_groups" "$(status_field "$PID" Groups | norm)"
expect_eq "service's umask" 0027 "$(status_field "$PID" Umask)"
expect_eq "service's cwd" "$T/wd" "$(readlink "/proc/$PID/cwd")"

env_of=$(tr '\0' '\n' <"/proc/$PID/environ")
for kv in FROM_ENV=env OVERRIDE=from-env FROM_FILE=file "EXPORTED=quoted value" \
	TEND_IT_TEND=from-file TEND_IT_KEEP=kept "SPACED=trimmed value" \
	EXPANDED=kept DEFAULTED=dflt; do
	grep -qxF -- "$kv" <<<"$env_of" ||
		fail "service's environment lacks '$kv'; it has: $(grep -E '^(FROM_|OVERRIDE|EXPORTED|TEND_IT_|SPACED|EXPANDED|DEFAULTED)' <<<"$env_of" | tr '\n' ' ')"
done
n=$(grep -c '^OVERRIDE=' <<<"$env_of")
expect_eq "OVERRIDE entries in the service's environment" 1 "$n"

expect_eq "tend's stdin" "$T/stdin" "$(readlink "/proc/$TEND_PID/fd/0")"
expect_eq "service's stdin" /dev/null "$(readlink "/proc/$PID/fd/0")"
expect_eq "tend's inherited fd 7" "$T/fd7" "$(readlink "/proc/$TEND_PID/fd/7")"
expect_eq "service's fds as it lists them (tend has fd 7 and its own)" \
	"0 1 2" "$(cat "$T/pub/probe.fds")"
expect_eq "service's fds (tend has fd 7 and its own)" "0 1 2" "$(fd_list "$PID")"
expect_eq "service's session (its own: sid = pid)" "$PID" "$(stat_field "$PID" 6)"
expect_eq "service's process group" "$PID" "$(stat_field "$PID" 5)"
[ "$(stat_field "$TEND_PID" 6)" != "$PID" ] || fail "tend shares the service's session"
expect_eq "service's SigBlk" 0000000000000000 "$(status_field "$PID" SigBlk)"
expect_eq "service's SigIgn (tend started with INT QUIT USR2 PIPE ignored)" \
	0000000000000000 "$(status_field "$PID" SigIgn)"
[ "$(status_field "$TEND_PID" SigBlk)" != 0000000000000000 ] ||
	fail "tend's own SigBlk is 0: the service's empty mask above proves nothing"
[ "$(status_field "$TEND_PID" SigIgn)" != 0000000000000000 ] ||
	fail "tend's own SigIgn is 0: the service's SigIgn above proves nothing"
# The service with no user, group or umask: tend's ids, umask 022 (the
# default, though tend's own umask is 077), the same start-up hygiene.
expect_eq "tend's umask" 0077 "$(status_field "$TEND_PID" Umask)"
expect_eq "plain service's umask (default 022)" 0022 "$(status_field "$PLAIN_PID" Umask)"
expect_eq "plain service's Uid" "0 0 0 0" "$(status_field "$PLAIN_PID" Uid | norm)"
expect_eq "plain service's stdin" /dev/null "$(readlink "/proc/$PLAIN_PID/fd/0")"
expect_eq "plain service's fds as it lists them" "0 1 2" "$(cat "$T/plain.fds")"
expect_eq "plain service's fds" "0 1 2" "$(fd_list "$PLAIN_PID")"
expect_eq "plain service's session" "$PLAIN_PID" "$(stat_field "$PLAIN_PID" 6)"
log "tend: SigBlk $(status_field "$TEND_PID" SigBlk) SigIgn $(status_field "$TEND_PID" SigIgn) fds $(fd_list "$TEND_PID")"

term_tend 15
pass

#!/bin/bash
# include-dir: the services of every *.conf file in it run besides those of
# the main file; other files (*.txt, *.conf.off) are not read; the files are
# read in name order (a name defined in six files is reported at each but
# the one in 10-a.conf, naming that one as the first place, in the order of
# the file names, whatever the order the files were created in); a global key in an include file is an
# error naming that file and line. A disabled service is defined but never
# started. tend as PID 1.
. "$(dirname "$0")/lib.sh"

svc() { # NAME [EXTRA LINE]
	printf 'service "%s" {\n\tcommand = "%s stamp %s"\n%s}\n' \
		"$1" "$TESTCHILD" "$T/$1.rec" "${2:+	$2
}"
}

mkdir "$T/conf.d"
{
	echo 'include-dir = "conf.d"'
	svc base
	svc off 'disabled = true'
} | write_conf "$T/tend.conf"
# Created in reverse name order.
svc b | write_conf "$T/conf.d/20-b.conf"
svc a | write_conf "$T/conf.d/10-a.conf"
svc txt | write_conf "$T/conf.d/30-c.txt"
svc old | write_conf "$T/conf.d/40-d.conf.off"

start_tend ns -c "$T/tend.conf"
for s in base a b; do
	wait_stamps "$T/$s.rec" start 1 15
done
none_of_them() {
	local s
	for s in off txt old; do
		[ ! -e "$T/$s.rec" ] || return 1
	done
}
holds 1000 "a disabled service, or one from a file that is not *.conf, started" none_of_them
term_tend 15
for s in base a b; do
	stamp_get "$T/$s.rec" TERM || fail "$s got no stop signal"
done
none_of_them || fail "a disabled service, or one from a file that is not *.conf, started during the shutdown"

# Name order: "dup" is defined in six files, created in shuffled order;
# the one in 10-a.conf is the first, each other one an error naming it, and
# the errors come in the order the files are read: 20-b.conf ... 60-f.conf.
rm -f "$T"/conf.d/*
for f in 40-d 20-b 60-f 10-a 50-e 30-c; do
	{ echo "# $f"; svc dup; } | write_conf "$T/conf.d/$f.conf"
done
RUN=dup start_tend ns -c "$T/tend.conf"
wait_exit "$JOB_PID" 15
expect_eq "tend's exit status with a service defined in six include files" 1 "$EXIT_CODE"
got=$(grep -o 'conf\.d/[0-9a-f-]*\.conf:2: service .dup. is defined twice (first at [^)]*)' "$ERR" |
	sed "s|(first at $T/|(first at |" | tr '\n' '|')
want=''
for f in 20-b 30-c 40-d 50-e 60-f; do
	want+="conf.d/$f.conf:2: service 'dup' is defined twice (first at conf.d/10-a.conf:2)|"
done
expect_eq "the duplicate errors (files read in name order)" "$want" "$got"
[ ! -e "$T/dup.rec" ] || fail "dup started although the configuration is invalid"

# A global key in an include file.
rm -f "$T"/conf.d/*
{ svc a; echo 'shutdown-timeout = 3'; } | write_conf "$T/conf.d/10-a.conf"
svc b | write_conf "$T/conf.d/20-b.conf"
RUN=global start_tend ns -c "$T/tend.conf"
wait_exit "$JOB_PID" 15
expect_eq "tend's exit status with a global key in an include file" 1 "$EXIT_CODE"
grep -qF "$T/conf.d/10-a.conf:4:" "$ERR" ||
	fail "no error at $T/conf.d/10-a.conf:4 (a global key in an include file)"
pass

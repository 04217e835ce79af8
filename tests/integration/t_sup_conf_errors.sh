#!/bin/bash
# A bad configuration starts nothing: tend exits 1 with FILE:LINE: of the
# error on stderr, and the valid service defined before the error (whose
# command would write a marker file) never runs. tend runs as a subreaper
# here, so that a service it had started would outlive it and show. Then
# --check: exit 0, "configuration OK", the start groups and the stop order
# on stdout, nothing started; exit 1 with FILE:LINE: for a bad file.
. "$(dirname "$0")/lib.sh"

# marker NAME: a valid service whose start writes $T/NAME.rec.
marker() {
	printf 'service "marker" {\n\tcommand = "%s stamp %s"\n}\n' "$TESTCHILD" "$T/$1.rec"
}
run_cmd() {
	printf '\tcommand = "%s stamp %s"\n' "$TESTCHILD" "$T/$1.rec"
}

# The erroneous lines end with "# ERR" (two of them when the error may be
# reported at either).
bad_case() {
	case $1 in
	unknown-key) printf 'service "web" {\n%s\tcolour = "red" # ERR\n}\n' "$(run_cmd web)" ;;
	bad-value) printf 'service "web" {\n%s\trestart-delay = -1 # ERR\n}\n' "$(run_cmd web)" ;;
	zero-timeout) printf 'service "web" {\n%s\tstop-timeout = 0 # ERR\n}\n' "$(run_cmd web)" ;;
	bad-restart) printf 'service "web" {\n%s\trestart = sometimes # ERR\n}\n' "$(run_cmd web)" ;;
	duplicate) printf 'service "marker" { # ERR\n%s}\n' "$(run_cmd web)" ;;
	unknown-dep) printf 'service "web" {\n%s\tdepends = {"nope"} # ERR\n}\n' "$(run_cmd web)" ;;
	cycle) printf 'service "a" {\n%s\tdepends = {"b"} # ERR\n}\nservice "b" {\n%s\tdepends = {"a"} # ERR\n}\n' \
		"$(run_cmd a)" "$(run_cmd b)" ;;
	two-mains) printf 'service "a" {\n%s\tmain = true # ERR\n}\nservice "b" {\n%s\tmain = true # ERR\n}\n' \
		"$(run_cmd a)" "$(run_cmd b)" ;;
	bad-signal) printf 'service "web" {\n%s\tstop-signal = "NOPE" # ERR\n}\n' "$(run_cmd web)" ;;
	env-file) printf 'service "web" {\n%s\tenv-file = "%s" # ERR\n}\n' "$(run_cmd web)" "$T/no-such.env" ;;
	bad-user) printf 'service "web" {\n%s\tuser = "no-such-user-tend" # ERR\n}\n' "$(run_cmd web)" ;;
	bad-group) printf 'service "web" {\n%s\tgroup = "no-such-group-tend" # ERR\n}\n' "$(run_cmd web)" ;;
	bad-global) printf 'shutdown-timeout = soon # ERR\n' ;;
	main-restart) printf 'service "web" {\n%s\tmain = true\n\trestart = always # ERR\n}\n' "$(run_cmd web)" ;;
	bad-name) printf 'service "web server" { # ERR\n%s}\n' "$(run_cmd web)" ;;
	reserved) printf 'service "tend" { # ERR\n%s}\n' "$(run_cmd web)" ;;
	bad-env) printf 'service "web" {\n%s\tenv = {"NOEQUALS"} # ERR\n}\n' "$(run_cmd web)" ;;
	brace) printf 'service "web" {\n%s}\n} # ERR\n' "$(run_cmd web)" ;;
	esac
}
cases=(unknown-key bad-value zero-timeout bad-restart duplicate unknown-dep cycle
	two-mains bad-signal env-file bad-user bad-group bad-global main-restart
	bad-name reserved bad-env brace)

# err_lines FILE: the line numbers marked "# ERR", as an ERE alternation.
err_lines() {
	grep -n '# ERR$' "$1" | cut -d: -f1 | paste -sd'|'
}

nothing_ran() {
	local f
	for f in "$T"/*.rec; do
		[ -e "$f" ] && return 1
	done
	return 0
}

# The marker works: a valid file with it starts it.
marker marker-ok | write_conf "$T/ok.conf"
RUN=ok start_tend sub -c "$T/ok.conf"
wait_stamps "$T/marker-ok.rec" start 1 15
kill -s TERM "$TEND_PID"
wait_exit "$JOB_PID" 15
expect_eq "tend's exit status for a valid file after SIGTERM" 0 "$EXIT_CODE"
rm -f "$T/marker-ok.rec"

for c in "${cases[@]}"; do
	conf=$T/$c.conf
	{
		marker marker
		bad_case "$c"
	} | write_conf "$conf"
	lines=$(err_lines "$conf")
	[ -n "$lines" ] || fail "test bug: no # ERR line in case $c"
	for mode in sub ns; do
		[ "$mode" = ns ] && [ "$c" != unknown-key ] && continue
		RUN=$c-$mode start_tend "$mode" -c "$conf"
		wait_exit "$JOB_PID" 15
		expect_eq "[$c/$mode] tend's exit status for a bad configuration" 1 "$EXIT_CODE"
		grep -qE "$(printf '%s' "$conf" | sed 's/[][\.*^$+?(){}|/]/\\&/g'):($lines):" "$ERR" ||
			fail "[$c/$mode] no '$conf:LINE:' (line $lines) on tend's stderr: $(tr '\n' '|' <"$ERR")"
		log "[$c/$mode] $(grep -m 1 -F "$conf:" "$ERR")"
		holds 300 "[$c/$mode] a service started although the configuration is invalid" nothing_ran
	done
done

# --check on a valid file: web -> app -> db, and a oneshot.
conf=$T/check.conf
write_conf "$conf" <<CONF
service "web" {
$(run_cmd web)	depends = {"app"}
	stop-timeout = 3
}
service "app" {
$(run_cmd app)	depends = {"db"}
}
service "db" {
$(run_cmd db)}
service "init" {
	type = oneshot
$(run_cmd init)}
CONF
RUN=check start_tend sub --check -c "$conf"
wait_exit "$JOB_PID" 15
expect_eq "tend --check's exit status for a valid file" 0 "$EXIT_CODE"
head -n 1 "$OUT" | grep -q '^configuration OK' ||
	fail "--check's first line is '$(head -n 1 "$OUT")', not 'configuration OK...'"
# "start SERVICE GROUP" and "stop SERVICE GROUP" from the group lines
# ("  N: name, name (detail)") under the start and stop headings.
groups=$(awk '
	/^start/ { sec = "start"; next }
	/^stop/ { sec = "stop"; next }
	sec != "" && /^[ \t]+[0-9]+:/ {
		n = $1; sub(":", "", n)
		line = $0; sub(/^[ \t]+[0-9]+:[ \t]*/, "", line)
		k = split(line, names, ", ")
		for (i = 1; i <= k; i++) { sub(/ .*/, "", names[i]); print sec, names[i], n }
		next
	}
	{ sec = "" }' "$OUT")
group() { awk -v s="$1" -v n="$2" '$1 == s && $2 == n { print $3 }' <<<"$groups"; }
for s in web app db init; do
	for sec in start stop; do
		[ -n "$(group $sec $s)" ] || fail "--check prints no $sec group for $s: $(tr '\n' '|' <"$OUT")"
	done
done
(($(group start db) < $(group start app) && $(group start app) < $(group start web))) ||
	fail "--check's start groups are not db, then app, then web: $(tr '\n' '|' <"$OUT")"
(($(group stop web) < $(group stop app) && $(group stop app) < $(group stop db))) ||
	fail "--check's stop order is not web, then app, then db: $(tr '\n' '|' <"$OUT")"
log "--check: $(tr '\n' '|' <"$OUT")"
holds 300 "--check started a service" nothing_ran

# --check on a bad file.
conf=$T/bad-value.conf
lines=$(err_lines "$conf")
RUN=check-bad start_tend sub --check -c "$conf"
wait_exit "$JOB_PID" 15
expect_eq "tend --check's exit status for a bad file" 1 "$EXIT_CODE"
grep -qE "$(printf '%s' "$conf" | sed 's/[][\.*^$+?(){}|/]/\\&/g'):($lines):" "$OUT" ||
	fail "--check prints no '$conf:LINE:' (line $lines) on stdout: $(tr '\n' '|' <"$OUT")"
if grep -q 'configuration OK' "$OUT"; then
	fail "--check says 'configuration OK' for a bad file"
fi
holds 300 "--check started a service" nothing_ran
pass

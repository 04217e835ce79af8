#!/bin/bash
# Ordered shutdown: web depends on app, app on db. On SIGTERM to tend, each
# one gets its stop signal only after everything that depends on it has
# exited (each takes 0.3 s to exit after TERM); "solo", unrelated, stops at
# once, alongside web. The shutdown starts on SIGTERM (PID 1) or SIGINT
# (subreaper); a second TERM and an INT sent meanwhile change nothing. The services' own stamps tell the order. As PID 1 and as a
# subreaper.
. "$(dirname "$0")/lib.sh"

for mode in ns sub; do
	d=$T/$mode
	write_conf "$d-tend.conf" <<CONF
service "db" {
	command = "$TESTCHILD stamp $d-db.rec --term-delay 300"
}
service "app" {
	command = "$TESTCHILD stamp $d-app.rec --term-delay 300"
	depends = {"db"}
}
service "web" {
	command = "$TESTCHILD stamp $d-web.rec --term-delay 300"
	depends = {"app"}
}
service "solo" {
	command = "$TESTCHILD stamp $d-solo.rec --term-delay 300"
}
CONF
	RUN=$mode start_tend "$mode" -c "$d-tend.conf"
	for s in db app web solo; do
		wait_stamps "$d-$s.rec" start 1 15
	done
	# SIGTERM as PID 1, SIGINT as a subreaper; a second TERM and INT
	# during the shutdown change nothing.
	[ "$mode" = ns ] && sig=TERM || sig=INT
	kill -s "$sig" "$TEND_PID"
	wait_stamps "$d-web.rec" TERM 1 10
	kill -s TERM "$TEND_PID"
	kill -s INT "$TEND_PID"
	wait_exit "$JOB_PID" 20
	expect_eq "[$mode] tend's exit status after SIG$sig" 0 "$EXIT_CODE"
	declare -A term=() gone=()
	for s in db app web solo; do
		stamp_get "$d-$s.rec" TERM || fail "[$mode] $s got no stop signal"
		term[$s]=$STAMP_MS
		stamp_get "$d-$s.rec" exit || fail "[$mode] $s recorded no exit after its TERM"
		gone[$s]=$STAMP_MS
	done
	base=${term[web]}
	for s in web solo app db; do
		log "[$mode] $s: TERM at +$((term[$s] - base)) ms, exit at +$((gone[$s] - base)) ms"
	done
	((term[app] >= gone[web])) ||
		fail "[$mode] app got TERM $((gone[web] - term[app])) ms before web (which depends on it) exited"
	((term[db] >= gone[app])) ||
		fail "[$mode] db got TERM $((gone[app] - term[db])) ms before app (which depends on it) exited"
	((term[solo] < gone[web])) ||
		fail "[$mode] solo (unrelated) got TERM only after web exited: expected it to stop at once, alongside web"
	unset term gone
done
pass

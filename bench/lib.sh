# shellcheck shell=bash
# Sourced by the scripts of bench/ and by scripts/bench.

# bench_die MSG: the measurement cannot be made; exit non-zero, loudly.
bench_die() {
	echo "bench: FAILED: $*" >&2
	exit 1
}

# bench_note MSG: progress, on stderr (stdout is the report).
bench_note() {
	echo "bench: $*" >&2
}

# bench_need CMD...: every CMD is on PATH, else fail.
bench_need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || bench_die "$c not found (see bench/README.md)"
	done
}

# bench_machine: Markdown lines describing this machine.
bench_machine() {
	local cpu debian kernel
	cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
	debian=$(cat /etc/debian_version 2>/dev/null || echo "not Debian")
	kernel=$(uname -srm)
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- CPU: ${cpu:-unknown} ($(nproc) online CPUs as seen by nproc)"
	echo "- kernel: $kernel"
	echo "- Debian: $debian"
	echo "- memory: $(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
}

# bench_buildtype BUILD_DIR: meson's buildtype of that build.
bench_buildtype() {
	python3 - "$1" <<'PY'
import json, sys
for o in json.load(open(sys.argv[1] + "/meson-info/intro-buildoptions.json")):
    if o["name"] == "buildtype":
        print(o["value"])
PY
}

# bench_build DIR [-DOPTION=VALUE...]: builds tend there with those meson
# options (set up the directory, or apply them to an existing one).
bench_build() {
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >/dev/null || bench_die "meson setup $dir"
	elif [ $# -gt 0 ]; then
		meson configure "$dir" "$@" >/dev/null || bench_die "meson configure $dir"
	fi
	ninja -C "$dir" tend >/dev/null || bench_die "ninja -C $dir tend"
}

# bench_setup PREFIX: makes the work dir WORK (/tmp/PREFIX.XXXXXX), compiles
# the service (BSVC) and the probe into it, and arranges that every probe
# reaper recorded in REAPERS, with everything under it, is stopped by pid
# and WORK removed when the script exits.
bench_setup() {
	WORK=$(mktemp -d "/tmp/$1.XXXXXX")
	REAPERS=()
	trap 'bench_cleanup; rm -rf "$WORK"' EXIT
	trap 'exit 130' INT TERM
	gcc -O2 -static -s -o "$WORK/bsvc" "$HERE/svc.c" || bench_die "cannot compile bench/svc.c"
	gcc -O2 -Wall -o "$WORK/probe" "$HERE/probe.c" || bench_die "cannot compile bench/probe.c"
	BSVC=$WORK/bsvc
}

# Stops every probe reaper in REAPERS (and, through /proc, everything under it).
bench_cleanup() {
	local r i
	for r in "${REAPERS[@]}"; do
		kill -0 "$r" 2>/dev/null || continue
		"$WORK/probe" kill "$r" || true
		for i in $(seq 100); do
			kill -0 "$r" 2>/dev/null || break
			sleep 0.02
		done
		kill -KILL "$r" 2>/dev/null || true
		wait "$r" 2>/dev/null || true
	done
	REAPERS=()
}

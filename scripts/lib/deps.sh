# Sourced by scripts/test and scripts/demo: install what the build and the
# tests need, with apt-get, when it is missing. Debian 12, as root.

TEND_BUILD_PACKAGES=(
	gcc libc6-dev meson ninja-build pkg-config
	libev-dev libconfuse-dev libjansson-dev check
	util-linux procps python3 python3-prometheus-client python3-yaml
	valgrind
	# the fuzz harnesses (scripts/fuzz): clang and its libFuzzer runtime,
	# which clang only recommends
	clang libclang-rt-14-dev
)

# scripts/lint's static analysers (clang-tools has scan-build).
TEND_LINT_PACKAGES=(cppcheck gcc clang clang-tools clang-format)

# Installs the packages named that are not installed yet.
tend_install_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
			|| missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "installing: ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		echo "error: packages missing and not root: ${missing[*]}" >&2
		return 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	# A stale or missing package list makes installs fail: refresh once.
	apt-get update -qq || return 1
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || return 1
}

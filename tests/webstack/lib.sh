# shellcheck shell=bash
# What the tests that run the web stack's daemons under tend share
# (tests/webstack/t_stack.sh, tests/examples/t_kubernetes.sh). Sourced
# first, from wherever the script was run: TEND and TENDCTL, when given as
# relative paths, are made absolute; then the working directory is the top
# of the tree (ROOT), and scripts/lib/webstack.sh is sourced
# (webstack_install, tend_install_packages, TEND_BUILD_PACKAGES).

case ${TEND:-} in
/* | '') ;;
*/*) TEND=$PWD/$TEND ;; # relative to where it was run from
esac
case ${TENDCTL:-} in
/* | '') ;;
*/*) TENDCTL=$PWD/$TENDCTL ;;
esac
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 2
# shellcheck source=scripts/lib/webstack.sh
. scripts/lib/webstack.sh

# webstack_test_init NAME WHY: what such a test needs before it starts;
# exits 2 (NAME heads the message) when it cannot be had. Root (WHY says
# what for), the stack's packages (installed when one is missing), TEND
# (default: build-release/tend, built with tendctl when either is
# missing) and TENDCTL (default: the one beside TEND), both executables.
webstack_test_init() {
	if [ "$(id -u)" != 0 ]; then
		echo "$1: must run as root ($2)" >&2
		exit 2
	fi
	webstack_install || exit 2
	if [ -z "${TEND:-}" ]; then
		TEND=$ROOT/build-release/tend
		if [ ! -x "$TEND" ] || [ ! -x "$ROOT/build-release/tendctl" ]; then
			tend_install_packages "${TEND_BUILD_PACKAGES[@]}" || exit 2
			{ [ -f build-release/build.ninja ] ||
				meson setup build-release --buildtype=release >/dev/null; } &&
				ninja -C build-release tend tendctl >/dev/null || exit 2
		fi
	fi
	[ -n "${TENDCTL:-}" ] || TENDCTL=$(dirname "$TEND")/tendctl
	if [ ! -x "$TEND" ] || [ ! -x "$TENDCTL" ]; then
		echo "$1: no tend or tendctl at $TEND, $TENDCTL" >&2
		exit 2
	fi
}

#!/bin/bash
# `meson install --destdir` puts in place what a user gets: tend and
# tendctl where the build's options say, and they run; the three man
# pages, as written in docs/, found by man(1) and clean for groff; the
# example config, which `tend --check` accepts; and no other program (no
# test helper, no benchmark).
#
# Environment (tests/install/meson.build): MESON, BUILD_ROOT, SOURCE_ROOT,
# TEND_VERSION, and the absolute install directories INSTALL_SBINDIR,
# INSTALL_BINDIR, INSTALL_MANDIR, INSTALL_DOCDIR.
set -u -o pipefail
export LC_ALL=C

for v in MESON BUILD_ROOT SOURCE_ROOT TEND_VERSION INSTALL_SBINDIR \
	INSTALL_BINDIR INSTALL_MANDIR INSTALL_DOCDIR; do
	[ -n "${!v-}" ] || { echo "FAIL [t_install]: $v is not set" >&2; exit 1; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/tend-install.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
R=$T/root

fail() {
	printf 'FAIL [t_install]: %s\n' "$*" >&2
	exit 1
}

# --no-rebuild: meson test has built everything, and may run this
# alongside other tests of the same build.
"$MESON" install -C "$BUILD_ROOT" --no-rebuild --destdir "$R" >"$T/install.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || { cat "$T/install.log" >&2; fail "meson install exited $rc"; }

TEND=$R$INSTALL_SBINDIR/tend
TENDCTL=$R$INSTALL_BINDIR/tendctl
MAN=$R$INSTALL_MANDIR
EXAMPLE=$R$INSTALL_DOCDIR/examples/tend.conf

# Every file installed is one of these, or documentation.
want=$(printf '%s\n' "$TEND" "$TENDCTL" "$MAN/man8/tend.8" \
	"$MAN/man8/tendctl.8" "$MAN/man5/tend.conf.5" "$EXAMPLE" | sort)
have=$(find "$R" ! -type d | sort)
missing=$(comm -23 <(echo "$want") <(echo "$have"))
[ -z "$missing" ] || fail "not installed: $missing"
extra=$(comm -13 <(echo "$want") <(echo "$have") |
	grep -v -e "^$MAN/" -e "^$R$INSTALL_DOCDIR/")
[ -z "$extra" ] || fail "installed, but not a part of tend: $extra"

# The programs run from where they were put.
[ -x "$TEND" ] && [ -x "$TENDCTL" ] || fail "tend or tendctl is not executable"
out=$("$TEND" --version) || fail "installed tend --version exited $?"
[ "$out" = "tend $TEND_VERSION" ] || fail "installed tend --version said '$out'"
out=$("$TENDCTL" --version) || fail "installed tendctl --version exited $?"
[ "$out" = "tendctl $TEND_VERSION" ] || fail "installed tendctl --version said '$out'"
"$TEND" -- /bin/sh -c 'exit 3'
rc=$?
[ "$rc" -eq 3 ] || fail "installed tend -- sh -c 'exit 3' exited $rc"

# The man pages are the ones in docs/, and man finds them by name.
for page in man8/tend.8 man8/tendctl.8 man5/tend.conf.5; do
	cmp -s "$MAN/$page" "$SOURCE_ROOT/docs/${page#*/}" ||
		fail "$page differs from docs/${page#*/}"
	if command -v groff >/dev/null; then
		warn=$(groff -man -Tutf8 -ww -z "$MAN/$page" 2>&1)
		[ -z "$warn" ] || fail "groff warns about $page: $warn"
	fi
done
if command -v man >/dev/null; then
	for name in tend tendctl tend.conf; do
		where=$(MANPATH=$MAN man -w "$name" 2>/dev/null)
		case $where in
		"$MAN"/man[58]/"$name".[58]*) ;;
		*) fail "man -w $name with MANPATH=$MAN found '$where'" ;;
		esac
	done
fi

# The example is conf/tend.conf, and a valid config.
cmp -s "$EXAMPLE" "$SOURCE_ROOT/conf/tend.conf" ||
	fail "the installed example differs from conf/tend.conf"
out=$("$TEND" --check -c "$EXAMPLE") || fail "tend --check on the example exited $?"
[ "${out%%:*}" = "configuration OK" ] ||
	fail "tend --check on the example said: $(head -n 3 <<<"$out")"

echo "t_install: $(echo "$have" | wc -l) files installed under $R, all in place"

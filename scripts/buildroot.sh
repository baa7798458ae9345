#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Make the build root of TOOLCHAIN (minimum: Debian trixie and its
# backports; newest: Debian sid; backports: trixie with the Rust toolchain
# of trixie-backports) with mmdebstrap, unless it exists.
. "$TOP/scripts/lib.sh"

step root "$OUT/root.log"
need_root root

ROOT=$(root_dir)
if [ -x "$ROOT/usr/bin/rustc" ] && [ -f "$ROOT/.complete" ]; then
	echo "    reusing $ROOT" | tee -a "$LOG"
	exit 0
fi

# The Debian mirror: MIRROR if set, else the first Debian archive the host's
# apt configuration names (deb822 .sources or one-line .list).
mirror() {
	[ -z "${MIRROR:-}" ] || { echo "$MIRROR"; return; }
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
	    /etc/apt/sources.list.d/*.sources 2>/dev/null |
	awk '/^[ \t]*#/ { next }
	     /^deb[ \t]/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }
	     /^URIs:/ { for (i = 2; i <= NF; i++) print $i }' |
	grep -E '/debian/?$' | head -n 1
}
M=$(mirror)
[ -n "$M" ] || die "no Debian mirror found in /etc/apt; set MIRROR=http://<debian mirror>/debian"

if ! command -v mmdebstrap >/dev/null 2>&1; then
	echo "    installing mmdebstrap on the host" | tee -a "$LOG"
	command -v apt-get >/dev/null 2>&1 ||
		die "mmdebstrap is missing and this host has no apt-get; install mmdebstrap"
	run_logged apt-get update
	run_logged env DEBIAN_FRONTEND=noninteractive apt-get install -y mmdebstrap
fi

PKGS=$(root_packages | tr -s '\n' ',' | sed 's/^,//; s/,$//')
TMP=$ROOT.tmp
rm -rf "$TMP"
echo "    mmdebstrap $SUITE from $M into $ROOT" | tee -a "$LOG"
if [ "$SUITE" = sid ]; then
	# A mirror's unstable Release file may be past its Valid-Until date
	# between two syncs; the packages are still those of unstable.
	run_logged mmdebstrap --variant=apt --include="$PKGS" \
		--aptopt='Acquire::Check-Valid-Until "false"' sid "$TMP" "deb $M sid main"
elif [ "$TOOLCHAIN" = backports ]; then
	# apt takes the packages RUST_PIN names from trixie-backports.
	echo "$RUST_PIN" >"$OUT/rust.pref"
	run_logged mmdebstrap --variant=apt --include="$PKGS" \
		--setup-hook='mkdir -p "$1/etc/apt/preferences.d"' \
		--setup-hook="copy-in $OUT/rust.pref /etc/apt/preferences.d/" \
		trixie "$TMP" "deb $M trixie main" "deb $M trixie-backports main"
else
	run_logged mmdebstrap --variant=apt --include="$PKGS" trixie "$TMP" \
		"deb $M trixie main" "deb $M trixie-backports main"
fi
touch "$TMP/.complete"
# Older roots of the same toolchain (other package lists) only take space.
if [ "$TOOLCHAIN" = minimum ]; then
	# root- and 12 hex digits: not root-backports-*, whose "bac" is hex.
	x='[0-9a-f]'
	olds="$CACHE/root-$x$x$x$x$x$x$x$x$x$x$x$x"
else
	olds="$CACHE/root$TC-*"
fi
for old in $olds; do
	[ -d "$old" ] && [ "$old" != "$TMP" ] && rm -rf "$old"
done
mv "$TMP" "$ROOT"
echo "    done: $ROOT" | tee -a "$LOG"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Make the Debian trixie build root with mmdebstrap, unless it exists.
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

PKGS=$(grep -v '^#' "$TOP/scripts/buildroot.packages" | tr -s '\n' ',' | sed 's/^,//; s/,$//')
TMP=$ROOT.tmp
rm -rf "$TMP"
echo "    mmdebstrap trixie from $M into $ROOT" | tee -a "$LOG"
run_logged mmdebstrap --variant=apt --include="$PKGS" trixie "$TMP" \
	"deb $M trixie main" "deb $M trixie-backports main"
touch "$TMP/.complete"
# Older roots (other package lists) only take space.
for old in "$CACHE"/root-*; do
	[ -d "$old" ] && [ "$old" != "$TMP" ] && rm -rf "$old"
done
mv "$TMP" "$ROOT"
echo "    done: $ROOT" | tee -a "$LOG"

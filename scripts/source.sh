#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Fetch the Debian kernel source package with apt inside the build root and
# extract a pristine tree into the cache, once.
. "$TOP/scripts/lib.sh"

step source "$OUT/source.log"
KSRC_PKG=${KSRC_PKG:-linux-source-7.3}
PRISTINE=$SRC_DIR/$KSRC_PKG/pristine

if [ -f "$PRISTINE/.complete" ]; then
	echo "    reusing $PRISTINE ($(cat "$PRISTINE/.complete"))" | tee -a "$LOG"
	exit 0
fi

mkdir -p "$SRC_DIR/$KSRC_PKG"
rm -rf "$SRC_DIR/$KSRC_PKG/deb" "$PRISTINE.tmp"
mkdir -p "$SRC_DIR/$KSRC_PKG/deb"
run_logged in_root apt-get update
if ! in_root sh -c "cd '$SRC_DIR/$KSRC_PKG/deb' && apt-get download '$KSRC_PKG'" >>"$LOG" 2>&1; then
	tail -n 5 "$LOG" >&2
	die "apt cannot fetch the package '$KSRC_PKG' (gone from trixie-backports?); set KSRC_PKG=<another linux-source package> and check $LOG"
fi
deb=$(ls "$SRC_DIR/$KSRC_PKG/deb"/*.deb)
ver=$(in_root dpkg-deb -f "$deb" Version)
echo "    $KSRC_PKG $ver" | tee -a "$LOG"
run_logged in_root dpkg-deb -x "$deb" "$SRC_DIR/$KSRC_PKG/deb/x"
tarball=$(ls "$SRC_DIR/$KSRC_PKG/deb/x/usr/src/"linux-source-*.tar.*)
mkdir -p "$PRISTINE.tmp"
run_logged in_root tar -C "$PRISTINE.tmp" --strip-components=1 -xf "$tarball"
[ -f "$PRISTINE.tmp/Makefile" ] || die "no kernel tree in $tarball"
echo "$KSRC_PKG $ver" >"$PRISTINE.tmp/.complete"
rm -rf "$SRC_DIR/$KSRC_PKG/deb"
mv "$PRISTINE.tmp" "$PRISTINE"
echo "    done: $PRISTINE" | tee -a "$LOG"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Developer helper: regenerate kernel-patch/ from a git tree whose commits
# after BASE are the series (for example a clone of the pristine tree).
#   scripts/export-patches.sh GIT_DIR BASE
set -eu
[ $# = 2 ] || { echo "usage: $0 GIT_DIR BASE" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
rm -f "$top"/kernel-patch/*.patch
git -C "$1" format-patch -q --no-signature -o "$top/kernel-patch" "$2..HEAD"
(cd "$top/kernel-patch" && ls -- *.patch >series)
cat "$top/kernel-patch/series"

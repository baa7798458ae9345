#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Lay the work tree: the pristine tree, plus this repository's files, plus the
# patches of kernel-patch/series.  Only files whose content changes are
# written, so Kbuild rebuilds only what was edited.
. "$TOP/scripts/lib.sh"

enter_root "$0" "$@"
step worktree "$OUT/worktree.log"
KSRC_PKG=${KSRC_PKG:-linux-source-7.3}
PRISTINE=$SRC_DIR/$KSRC_PKG/pristine
[ -f "$PRISTINE/.complete" ] || die "no pristine tree at $PRISTINE; run 'make source'"

ident=$(cat "$PRISTINE/.complete")
if [ ! -f "$WORK/.pristine" ] || [ "$(cat "$WORK/.pristine")" != "$ident" ]; then
	echo "    copying $PRISTINE to $WORK" | tee -a "$LOG"
	rm -rf "$WORK"
	mkdir -p "$(dirname "$WORK")"
	cp -a "$PRISTINE" "$WORK.tmp"
	rm -f "$WORK.tmp/.complete"
	: >"$WORK.tmp/.managed"
	echo "$ident" >"$WORK.tmp/.pristine"
	mv "$WORK.tmp" "$WORK"
fi

STAGE=$CACHE/work/stage
rm -rf "$STAGE"
mkdir -p "$STAGE"
LIST=$CACHE/work/list
: >"$LIST.new"

# Files the series touches.
# SERIES=/dev/null lays the tree without patches (the 7.3 baseline).
SERIES=${SERIES:-$TOP/kernel-patch/series}
PATCHES=
if [ -f "$SERIES" ]; then
	PATCHES=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$SERIES")
fi
# pfile ENTRY: the patch file a series entry names (kernel-patch/ENTRY, or
# ENTRY itself if it is an absolute path).
pfile() {
	case $1 in /*) echo "$1" ;; *) echo "$TOP/kernel-patch/$1" ;; esac
}
for p in $PATCHES; do
	[ -f "$(pfile "$p")" ] || die "$SERIES names $p, which does not exist"
	sed -n -e 's|^+++ b/||p' -e 's|^--- a/||p' "$(pfile "$p")" |
		sed 's/[[:space:]].*//' >>"$LIST.new"
done
# Files of the overlay.
echo "$OVERLAY" | tr ' ' '\n' | while IFS=: read -r from to; do
	[ -d "$TOP/$from" ] || continue
	(cd "$TOP/$from" && find . -type f ! -name '.*' | sed "s|^\./|$to/|")
done >>"$LIST.new"

sort -u "$LIST.new" -o "$LIST.new"
sort -u "$LIST.new" "$WORK/.managed" >"$LIST.all"

# Stage: pristine copies of every file concerned, then patches, then overlay.
while read -r f; do
	if [ -f "$PRISTINE/$f" ]; then
		mkdir -p "$STAGE/$(dirname "$f")"
		cp -p "$PRISTINE/$f" "$STAGE/$f"
	fi
done <"$LIST.all"
# A patch may change a new file an earlier one added: the overlay has its
# last version, so those changes are not applied here.
ovl=$(overlay_tree_paths | tr '\n' ' ')
for p in $PATCHES; do
	# A patch of new files only carries its message here (kernel-patch/files
	# lists its files); there is nothing to apply.
	patch_sections "$(pfile "$p")" SKIP "$ovl" >"$STAGE.patch"
	grep -q '^diff --git ' "$STAGE.patch" || continue
	echo "    applying $p" >>"$LOG"
	if ! patch -d "$STAGE" -p1 -N -s --no-backup-if-mismatch -r - \
	    <"$STAGE.patch" >>"$LOG" 2>&1; then
		tail -n 20 "$LOG" >&2
		die "patch $(pfile "$p") does not apply to $ident; rebase it"
	fi
done
rm -f "$STAGE.patch"
echo "$OVERLAY" | tr ' ' '\n' | while IFS=: read -r from to; do
	[ -d "$TOP/$from" ] || continue
	mkdir -p "$STAGE/$to"
	(cd "$TOP/$from" && find . -type f ! -name '.*' | while read -r f; do
		mkdir -p "$STAGE/$to/$(dirname "$f")"
		cp "$f" "$STAGE/$to/$f"
	done)
done

# Sync into the work tree, content-wise.
changed=0
while read -r f; do
	if [ -f "$STAGE/$f" ]; then
		if ! cmp -s "$STAGE/$f" "$WORK/$f"; then
			mkdir -p "$WORK/$(dirname "$f")"
			cp "$STAGE/$f" "$WORK/$f.sync-tmp"
			mv "$WORK/$f.sync-tmp" "$WORK/$f"
			echo "    updated $f" >>"$LOG"
			changed=$((changed + 1))
		fi
	elif [ -e "$WORK/$f" ]; then
		rm -f "$WORK/$f"
		echo "    removed $f" >>"$LOG"
		changed=$((changed + 1))
	fi
done <"$LIST.all"
mv "$LIST.new" "$WORK/.managed"
rm -f "$LIST.all"
echo "    $WORK: $(wc -l <"$WORK/.managed") managed files, $changed changed" | tee -a "$LOG"

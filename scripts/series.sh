#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make series: the upstream patch series, from this repository, against the
# pristine 7.3 tree.  Patch N of kernel-patch/series gives the message and the
# changes to existing files; kernel-patch/files names the new files (rust/,
# selftests/, ...) it adds.  Output: $OUT/series/*.patch with a cover letter.
. "$TOP/scripts/lib.sh"
[ -n "${IN_ROOT:-}" ] || git_identity
enter_root "$0" "$@"

step series "$OUT/series.log"
KSRC_PKG=${KSRC_PKG:-linux-source-7.3}
PRISTINE=$SRC_DIR/$KSRC_PKG/pristine
[ -f "$PRISTINE/.complete" ] || die "no pristine tree at $PRISTINE; run 'make source'"
T=$CACHE/series/linux
MAP=$TOP/kernel-patch/files
NAME=$GIT_NAME
EMAIL=$GIT_EMAIL
export GIT_COMMITTER_NAME="$NAME" GIT_COMMITTER_EMAIL="$EMAIL"
g() { git -C "$T" "$@"; }

# A git repository of the pristine tree, made once per source version.
ident=$(cat "$PRISTINE/.complete")
if [ "$(g log -1 --format=%s base 2>/dev/null)" != "$ident" ]; then
	echo "    committing the pristine tree to $T (once)" | tee -a "$LOG"
	rm -rf "$T"
	mkdir -p "$T"
	cp -a "$PRISTINE/." "$T/"
	rm -f "$T/.complete"
	run_logged git -C "$T" init -q -b base
	run_logged git -C "$T" add -A -f
	GIT_AUTHOR_NAME="$NAME" GIT_AUTHOR_EMAIL="$EMAIL" \
		GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z" \
		run_logged git -C "$T" commit -q -m "$ident"
fi

# Every new file of the repository goes into exactly one patch.
for m in $OVERLAY; do
	[ -d "$TOP/${m%%:*}" ] || continue
	(cd "$TOP" && find "${m%%:*}" -type f ! -name '.*')
done | sort >"$OUT/series.files"
grep -v '^#' "$MAP" | awk 'NF { print $2 }' | sort >"$OUT/series.mapped"
missing=$(comm -23 "$OUT/series.files" "$OUT/series.mapped")
[ -z "$missing" ] || die "kernel-patch/files does not name: $missing"
extra=$(comm -13 "$OUT/series.files" "$OUT/series.mapped")
[ -z "$extra" ] || die "kernel-patch/files names files that do not exist: $extra"

g checkout -q -f -B series base
g clean -q -fdx
n=0
for p in $(patches); do
	n=$((n + 1))
	num=$(printf '%04d' $n)
	case $p in "$num"-*) ;; *) die "kernel-patch/series: entry $n is $p, expected $num-*" ;; esac
	if grep -q '^diff --git ' "$TOP/kernel-patch/$p"; then
		g apply --index "$TOP/kernel-patch/$p" >>"$LOG" 2>&1 ||
			die "kernel-patch/$p does not apply on top of the previous patches"
	fi
	for f in $(awk -v n="$num" '$1 == n { print $2 }' "$MAP"); do
		dst=$(tree_path "$f") || die "$f is not under an overlay directory"
		mkdir -p "$T/$(dirname "$dst")"
		cp "$TOP/$f" "$T/$dst"
		# The repository has the last version: undo what later patches
		# change in it, last patch first.
		for q in $(patches | awk -v n=$n 'NR > n' | sort -r); do
			patch_sections "$TOP/kernel-patch/$q" ONLY "$dst" >"$OUT/series.sec"
			[ -s "$OUT/series.sec" ] || continue
			patch -R -s --no-backup-if-mismatch -r - "$T/$dst" <"$OUT/series.sec" \
				>>"$LOG" 2>&1 ||
				die "kernel-patch/$q does not apply to $f as the series has it"
		done
		g add -f "$dst"
	done
	g diff --cached --quiet && die "patch $p adds nothing"
	# Message, author and date from the patch: the series is reproducible.
	git mailinfo "$OUT/series.msg" /dev/null <"$TOP/kernel-patch/$p" >"$OUT/series.info"
	subj=$(sed -n 's/^Subject: //p' "$OUT/series.info")
	date=$(sed -n 's/^Date: //p' "$OUT/series.info")
	{ echo "$subj"; echo; cat "$OUT/series.msg"; } >"$OUT/series.commit"
	GIT_AUTHOR_NAME=$(sed -n 's/^Author: //p' "$OUT/series.info") \
		GIT_AUTHOR_EMAIL=$(sed -n 's/^Email: //p' "$OUT/series.info") \
		GIT_AUTHOR_DATE="$date" GIT_COMMITTER_DATE="$date" \
		run_logged git -C "$T" commit -q -F "$OUT/series.commit"
	echo "    $num $subj" | tee -a "$LOG"
done
rm -f "$OUT/series.msg" "$OUT/series.info" "$OUT/series.commit" \
	"$OUT/series.files" "$OUT/series.mapped" "$OUT/series.sec"

rm -rf "$OUT/series"
run_logged git -C "$T" format-patch -q --cover-letter --no-signature \
	-o "$OUT/series" base..series
# The cover letter: kernel-patch/cover-letter (subject line, then the body).
cover=$OUT/series/0000-cover-letter.patch
awk -v text="$TOP/kernel-patch/cover-letter" '
	/\*\*\* SUBJECT HERE \*\*\*/ {
		getline subj < text
		sub(/\*\*\* SUBJECT HERE \*\*\*/, subj)
		print
		next
	}
	/\*\*\* BLURB HERE \*\*\*/ {
		getline line < text	# the blank line after the subject
		while ((getline line < text) > 0)
			print line
		next
	}
	{ print }' "$cover" >"$cover.new"
mv "$cover.new" "$cover"
echo "    $(ls "$OUT/series" | wc -l) files in $OUT/series" | tee -a "$LOG"

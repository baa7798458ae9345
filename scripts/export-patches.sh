#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Developer helper: regenerate kernel-patch/ from a git tree of the kernel
# whose commits after BASE are the series (for example a clone of the tree
# make series commits, $CACHE/series/linux).
#
#   scripts/export-patches.sh GIT_DIR BASE
#
# Each commit becomes kernel-patch/NNNN-*.patch with its changes to files
# other than the overlay's new files; those (new files under rust/kernel,
# rust/helpers, kernel/bpf/*.rs and the BPF selftests' prog_tests, progs and
# benchs)
# are copied into this repository instead, in their last version, and
# kernel-patch/files names the commit that adds each; a later commit's
# change to such a file stays in its patch.  Selftests are not copied back: this repository
# holds them (edit them here, not in GIT_DIR).
set -eu
[ $# = 2 ] || { echo "usage: $0 GIT_DIR BASE" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
G=$1 BASE=$2

# repo_path TREE_PATH: where a new tree file lives in this repository, or
# nothing if it is not an overlay file.
repo_path() {
	case $1 in
	rust/kernel/* | rust/helpers/*) echo "$1" ;;
	kernel/bpf/*.rs) echo "rust/bpf/${1#kernel/bpf/}" ;;
	tools/testing/selftests/bpf/prog_tests/*)
		echo "selftests/prog_tests/${1#tools/testing/selftests/bpf/prog_tests/}" ;;
	tools/testing/selftests/bpf/progs/*)
		echo "selftests/progs/${1#tools/testing/selftests/bpf/progs/}" ;;
	tools/testing/selftests/bpf/benchs/*)
		echo "selftests/benchs/${1#tools/testing/selftests/bpf/benchs/}" ;;
	esac
}

rm -f "$top"/kernel-patch/*.patch
: >"$top/kernel-patch/series"
files=$(mktemp)
n=0
for c in $(git -C "$G" rev-list --reverse "$BASE..HEAD"); do
	n=$((n + 1))
	num=$(printf '%04d' "$n")
	# The overlay files this commit adds.
	excl=
	for f in $(git -C "$G" diff-tree --no-commit-id -r --diff-filter=A --name-only "$c"); do
		r=$(repo_path "$f") || :
		[ -n "$r" ] || continue
		excl="$excl :(exclude)$f"
		echo "$num $r" >>"$files"
		case $r in selftests/*) continue ;; esac
		mkdir -p "$top/$(dirname "$r")"
		git -C "$G" show "$c:$f" >"$top/$r"
	done
	# Overlay files the commit changes but did not add: the repository
	# gets the new version, and the patch keeps the change (make series
	# undoes it for the patch that adds the file).  Selftests live here.
	for f in $(git -C "$G" diff-tree --no-commit-id -r --diff-filter=M --name-only "$c"); do
		git -C "$G" cat-file -e "$BASE:$f" 2>/dev/null && continue
		r=$(repo_path "$f") || :
		[ -n "$r" ] || continue
		case $r in selftests/*) excl="$excl :(exclude)$f"; continue ;; esac
		git -C "$G" show "$c:$f" >"$top/$r"
	done
	# Overlay files it deletes leave the repository and the map.
	for f in $(git -C "$G" diff-tree --no-commit-id -r --diff-filter=D --name-only "$c"); do
		r=$(repo_path "$f") || :
		[ -n "$r" ] || continue
		excl="$excl :(exclude)$f"
		grep -v " $r\$" "$files" >"$files.d" || :
		mv "$files.d" "$files"
		case $r in selftests/*) continue ;; esac
		rm -f "$top/$r"
	done
	subj=$(git -C "$G" log -1 --format=%f "$c" | cut -c1-52)
	out="$top/kernel-patch/$num-$subj.patch"
	# shellcheck disable=SC2086
	if [ -n "$(git -C "$G" diff-tree --no-commit-id -r --name-only "$c" -- . $excl)" ]; then
		# (With a path, format-patch -1 takes the last commit that touches
		# it: only call it for a commit that does.)
		git -C "$G" format-patch -q --no-signature --stdout -1 "$c" -- . $excl >"$out"
	else
		: >"$out"
	fi
	if [ ! -s "$out" ]; then
		# Only overlay files: the message alone.
		git -C "$G" format-patch -q --no-signature --stdout -1 "$c" |
			sed '/^---$/,$d' >"$out"
		printf -- '---\n' >>"$out"
	fi
	echo "$num-$subj.patch" >>"$top/kernel-patch/series"
done
# Overlay files of this repository that no commit adds any more.
for r in $(cd "$top" && find rust -type f | sort); do
	grep -q " $r\$" "$files" && continue
	echo "export-patches: $r is in no commit of the series; removed" >&2
	rm -f "$top/$r"
done
{
	sed -n '/^#/p' "$top/kernel-patch/files"
	sort -k2 "$files" | sort -s -k1,1
} >"$files.new"
mv "$files.new" "$top/kernel-patch/files"
rm -f "$files"
cat "$top/kernel-patch/series"

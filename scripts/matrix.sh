#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make matrix: build the series in the kernel configurations and with the
# toolchains of configs/matrix.list, one line per entry:
#
#   config=NAME toolchain=TOOLCHAIN build=ok|FAIL warnings=N seconds=N
#
# then "N ok, N failed".  warnings counts the compiler, Kconfig and rustdoc
# warnings about the files the series adds or changes; any of them, or any
# failed build, fails make matrix.  MATRIX="name ..." runs some entries only,
# MATRIX_TOOLCHAINS="minimum newest" some toolchains only (all three by
# default).  The entries of an architecture and toolchain build one after
# the other in one directory, $CACHE/build/matrix/ARCH[-TOOLCHAIN]: Kbuild
# rebuilds what the options that changed reach, which is most of the kernel
# for some entries and little for others.  Each entry's log is
# $OUT/matrix/NAME-TOOLCHAIN.log.
. "$TOP/scripts/lib.sh"

M=$OUT/matrix
LIST=$TOP/configs/matrix.list

# entries: the entries of the list, one a line, continuation lines joined.
entries() {
	sed -e 's/#.*//' "$LIST" | awk '{ if (sub(/\\[ \t]*$/, "")) { l = l $0 " "; next }
		l = l $0; if (l ~ /[^ \t]/) print l; l = "" }' | tr -s ' \t' '  '
}

# series_files: the kernel tree paths the series adds or changes.
series_files() {
	for p in $(patches); do
		sed -n 's|^+++ b/||p' "$TOP/kernel-patch/$p"
	done
	overlay_tree_paths
}

# count_warnings LOG: the warnings of LOG about the series' files
# ($M/files.list) and the Kconfig warnings naming the series' symbols; each
# is printed to stdout, prefixed "warning: ", and the count is the last line.
# Paths are those of the work tree or of series-check's tree.
count_warnings() {
	awk -v work="$WORK/" -v series="$CACHE/series/linux/" -v files="$M/files.list" '
		BEGIN { while ((getline f < files) > 0) ours[f] = 1 }
		function norm(p) {
			sub(/:[0-9]+(:[0-9]+)?:?$/, "", p)
			if (index(p, work) == 1) p = substr(p, length(work) + 1)
			if (index(p, series) == 1) p = substr(p, length(series) + 1)
			while (p ~ /^\.\.\//) p = substr(p, 4)
			return p
		}
		# clang, Kconfig: PATH:LINE[:COL]: warning: ...
		/^[^ ]+:[0-9]+(:[0-9]+)?: ?(warning|error):/ {
			split($0, a, ":"); if (norm(a[1]) in ours) { print "warning: " $0; n++ } next }
		# objtool: OBJECT.o: warning: objtool: ...
		/^[^ ]+\.o: warning: objtool:/ {
			o = $1; sub(/\.o:$/, "", o); o = norm(o)
			if ((o ".c") in ours || (o ".rs") in ours) { print "warning: " $0; n++ } next }
		# rustc, clippy, rustdoc: "warning: ..." then "  --> PATH:LINE:COL"
		/^(warning|error)(\[[^]]*\])?: / { w = $0; next }
		/^ *--> / && w != "" { if (norm($2) in ours) { print "warning: " w " at " $2; n++ }
			w = ""; next }
		# Kconfig: unmet dependencies of a symbol the series adds or selects
		/^WARNING: unmet direct dependencies/ { k = $0; next }
		k != "" && /BPF_PROG_SIG_RUST|RUST_BPF_ABSTRACTIONS/ { print "warning: " k; n++; k = ""; next }
		/^$/ { k = "" }
		END { print n + 0 }' "$1"
}

# build_entry NAME ARCH BASE FRAGMENTS OPTIONS...: configure (unless the
# inputs are unchanged) and build one entry in the build root; output in $LOG.
build_entry() {
	name=$1 arch=$2 base=$3 frags=$4
	shift 4
	B=${MATRIX_BUILD_DIR:-$CACHE/build/matrix/$arch$TC}
	mkdir -p "$B"
	case $arch in
	x86_64) target=bzImage ;;
	arm64) target=Image ;;
	arm) target=zImage ;;
	*) die "configs/matrix.list: $name: unknown arch $arch (x86_64, arm64, arm)" ;;
	esac
	KMAKE="make -C $WORK O=$B LLVM=1 ARCH=$arch LIBCLANG_PATH=$(libclang_path) -j${JOBS:-$(nproc)}"
	F=$B/matrix.config
	: >"$F.new"
	for f in $(echo "$frags" | tr '+' ' '); do
		[ "$f" = - ] && continue
		[ -f "$TOP/configs/$f.config" ] || die "configs/matrix.list: $name: no configs/$f.config"
		cat "$TOP/configs/$f.config" >>"$F.new"
	done
	for o in "$@"; do
		case $o in
		CONFIG_*=n) echo "# ${o%=n} is not set" ;;
		CONFIG_*=*) echo "$o" ;;
		*) die "configs/matrix.list: $name: '$o' is not CONFIG_X=value" ;;
		esac
	done >>"$F.new"
	want=$( (echo "$arch $base"; cat "$F.new") | sha256sum | cut -c1-16)
	if [ "$(cat "$B/.config.frags" 2>/dev/null)" != "$want" ]; then
		rm -f "$B/.config.frags"
		mv "$F.new" "$F"
		echo "    configuring: $arch $base + $frags + options" >>"$LOG"
		# shellcheck disable=SC2046
		$KMAKE $(echo "$base" | tr '+' ' ') >"$B/kconfig.log" 2>&1 &&
			KCONFIG_CONFIG=$B/.config "$WORK/scripts/kconfig/merge_config.sh" -m \
				-O "$B" "$B/.config" "$F" >>"$B/kconfig.log" 2>&1 || {
			cat "$B/kconfig.log" >>"$LOG"
			return 1
		}
		echo "$want" >"$B/.config.frags"
	else
		rm -f "$F.new"
	fi
	# olddefconfig every time: the tree's Kconfig files may have changed
	# since, and its warnings (unmet dependencies) go into every run's log.
	$KMAKE olddefconfig >"$B/olddefconfig.log" 2>&1 || {
		cat "$B/kconfig.log" "$B/olddefconfig.log" >>"$LOG"
		return 1
	}
	cat "$B/kconfig.log" "$B/olddefconfig.log" >>"$LOG"
	# The entry's options must hold: they are what it is about.  Options a
	# partial series does not have yet (series-check) may be absent.
	for o in "$@"; do
		case " ${OPTIONAL_OPTIONS:-} " in *" ${o%%=*} "*)
			grep -q -e "^${o%%=*}=" -e "^# ${o%%=*} is not set" "$B/.config" || continue ;;
		esac
		case $o in
		*=n) ! grep -q "^${o%=n}=" "$B/.config" ;;
		*) grep -qx -- "$o" "$B/.config" ;;
		esac || {
			echo "    $o requested, .config has: $(grep -e "^${o%%=*}=" \
				-e "^# ${o%%=*} is not set" "$B/.config" || echo absent)" >>"$LOG"
			rm -f "$B/.config.frags"
			return 1
		}
	done
	echo "    building $target$(grep -q '^CONFIG_MODULES=y' "$B/.config" && echo ' modules')" >>"$LOG"
	$KMAKE "$target" >>"$LOG" 2>&1 || return 1
	if grep -q '^CONFIG_MODULES=y' "$B/.config"; then
		$KMAKE modules >>"$LOG" 2>&1 || return 1
	fi
	# Which implementation of the signed-load check the kernel has.
	if [ -f "$B/kernel/bpf/rust_prog_sig.o" ] && grep -q '^CONFIG_BPF_PROG_SIG_RUST=y' "$B/.config"; then
		echo "    signed-load check: Rust (kernel/bpf/rust_prog_sig.o)" >>"$LOG"
	elif grep -q '^CONFIG_BPF_SYSCALL=y' "$B/.config"; then
		echo "    signed-load check: C (kernel/bpf/prog_sig.o)" >>"$LOG"
	else
		echo "    signed-load check: none (no BPF_SYSCALL)" >>"$LOG"
	fi
}

# --named NAME: build the entry NAME of the list with TOOLCHAIN, in
# MATRIX_BUILD_DIR if set, from the tree KWORK if set (series-check builds
# entries after each patch this way).
if [ "${1:-}" = --named ]; then
	line=$(entries | awk -v n="${2:-}" '$1 == n')
	[ -n "$line" ] || die "no entry '${2:-}' in configs/matrix.list"
	# shellcheck disable=SC2086
	set -- $line
	case $4 in make-test | series-check) die "entry '$1' is not a configuration of its own" ;; esac
	name=$1 arch=$3 base=$4 frags=$5
	shift 5
	mkdir -p "$M"
	exec sh "$TOP/scripts/matrix.sh" --entry "$name" "$arch" "$base" "$frags" "$@"
fi

if [ "${1:-}" = --entry ]; then
	shift
	enter_root "$0" --entry "$@"
	LOG=$M/$1-$TOOLCHAIN.log
	build_entry "$@"
	exit
fi

# The host side: one entry after the other.
need_root matrix
mkdir -p "$M"
series_files | sort -u >"$M/files.list"
[ -s "$M/files.list" ] || die "no files in kernel-patch/; nothing to check"
printf '==> %-10s log: %s\n' matrix "$M/"
# Every toolchain's build root, and the work tree, before the first entry.
for tc in ${MATRIX_TOOLCHAINS:-minimum newest backports}; do
	make -s -C "$TOP" root TOOLCHAIN="$tc" OUT="$M/prepare-$tc" >/dev/null ||
		die "the $tc build root failed; see $M/prepare-$tc/root.log"
done
make -s -C "$TOP" worktree OUT="$M/prepare" >/dev/null ||
	die "the work tree failed; see $M/prepare/"

ok=0 failed=0 failures=
entries >"$M/entries"
for n in ${MATRIX:-}; do
	awk -v n="$n" '$1 == n { f = 1 } END { exit !f }' "$M/entries" ||
		die "MATRIX: no entry '$n' in configs/matrix.list"
done
for tc in $(awk '{ print $2 }' "$M/entries" | tr ',' ' ') ${MATRIX_TOOLCHAINS:-}; do
	case $tc in minimum | newest | backports) ;;
	*) die "toolchain '$tc' (configs/matrix.list or MATRIX_TOOLCHAINS): use minimum, newest or backports" ;;
	esac
done
while read -r name tcs arch base frags opts; do
	[ -z "${MATRIX:-}" ] || case " $MATRIX " in *" $name "*) ;; *) continue ;; esac
	for tc in $(echo "$tcs" | tr ',' ' '); do
		case " ${MATRIX_TOOLCHAINS:-minimum newest backports} " in *" $tc "*) ;; *) continue ;; esac
		LOG=$M/$name-$tc.log
		: >"$LOG"
		# A step's log from an earlier run must not stand for this one.
		rm -rf "${M:?}/$name-$tc"
		start=$(date +%s)
		if [ "$base" = series-check ]; then
			# The series patch by patch (git am, checkpatch, a build
			# after each patch) with SERIES_CHECK_BUILDS=$frags.
			make -s -C "$TOP" series-check SERIES_CHECK_BUILDS="$(echo "$frags" | tr '+' ' ')" \
				TOOLCHAIN="$tc" OUT="$M/$name-$tc" >>"$LOG" 2>&1 </dev/null && res=ok || res=FAIL
			cat "$M/$name-$tc/series-check-builds.log" >>"$LOG" 2>/dev/null || :
		elif [ "$base" = make-test ]; then
			# make test's kernel of VARIANT=$frags, and its lint unless
			# the variant has no Rust path.
			goals="kernel lint"
			case $frags in c | debug-c | kcsan-c) goals=kernel ;; esac
			# shellcheck disable=SC2086
			make -s -C "$TOP" $goals VARIANT="$frags" TOOLCHAIN="$tc" \
				OUT="$M/$name-$tc" >>"$LOG" 2>&1 </dev/null && res=ok || res=FAIL
			cat "$M/$name-$tc/kernel.log" "$M/$name-$tc/lint.log" >>"$LOG" 2>/dev/null || :
		else
			# shellcheck disable=SC2086
			TOOLCHAIN=$tc sh "$TOP/scripts/matrix.sh" --entry "$name" "$arch" "$base" \
				"$frags" $opts >>"$LOG" 2>&1 </dev/null && res=ok || res=FAIL
		fi
		secs=$(($(date +%s) - start))
		count_warnings "$LOG" >"$M/$name-$tc.warnings"
		w=$(tail -n 1 "$M/$name-$tc.warnings")
		echo "config=$name toolchain=$tc build=$res warnings=$w seconds=$secs"
		if [ $res = ok ] && [ "$w" = 0 ]; then
			ok=$((ok + 1))
		else
			failed=$((failed + 1))
			failures="$failures $name-$tc"
			sed '$d' "$M/$name-$tc.warnings" | head -n 20
			[ $res = ok ] || { echo "---- last lines of $LOG ----"; tail -n 25 "$LOG"; }
		fi
	done
done <"$M/entries"
echo "$ok ok, $failed failed"
[ "$failed" = 0 ] || die "failed:$failures; logs in $M/"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make series-check: apply $OUT/series (make series) to a fresh pristine tree
# with git am, run checkpatch.pl --strict on every patch and build the kernel
# after every patch (VARIANT=rust, incremental; after the last one also
# VARIANT=c).  Any checkpatch error, failed git am or failed build fails it.
# SERIES_CHECK_FROM=N builds from patch N on only (the patches before it are
# still applied and checked by checkpatch): for patches added to a series
# whose earlier part a full run has checked.  SERIES_CHECK_BUILDS chooses the
# builds after each patch: rust (the default: the rust configuration), norust
# (the C path in a kernel without Rust), or the name of a configuration of
# configs/matrix.list (arm-rust: 32-bit ARM, where make matrix found a
# 64-bit division in the Rust KUnit tests).
. "$TOP/scripts/lib.sh"
[ -n "${IN_ROOT:-}" ] || git_identity
enter_root "$0" "$@"

step series-check "$OUT/series-check.log"
T=$CACHE/series/linux
B=$CACHE/series/build$TC
S=$OUT/series
[ -f "$S/0000-cover-letter.patch" ] || die "no series in $S; run 'make series'"
g() { git -C "$T" "$@"; }
g rev-parse -q --verify base >/dev/null || die "no base commit in $T; run 'make series'"
export GIT_COMMITTER_NAME="$GIT_NAME" GIT_COMMITTER_EMAIL="$GIT_EMAIL"

: >"$OUT/series-check-builds.log"
g am --abort >/dev/null 2>&1 || :
g checkout -q -f -B series-check base
g clean -q -fdx

BUILDS=${SERIES_CHECK_BUILDS:-rust}
OPTIONAL="CONFIG_BPF_PROG_SIG_RUST CONFIG_BPF_PROG_SIG_RUST_KUNIT_TEST CONFIG_RUST_BPF_ABSTRACTIONS_KUNIT_TEST"

# build NAME FRAGMENTS: configure from scratch (options the series has not
# added yet may be absent) and build incrementally in $B (rust, c), or
# $B-NAME.
build() {
	bdir=$B
	case $1 in rust | c) ;; *) bdir=$B-$1 ;; esac
	case $1 in rust | norust | c) ;; *)
		# A configuration of configs/matrix.list.
		blog=$OUT/series-check-build/matrix/$1-$TOOLCHAIN.log
		if ! KWORK=$T MATRIX_BUILD_DIR=$bdir OPTIONAL_OPTIONS=$OPTIONAL \
		    OUT="$OUT/series-check-build" sh "$TOP/scripts/matrix.sh" --named "$1" >>"$LOG" 2>&1; then
			cat "$blog" >>"$OUT/series-check-builds.log" 2>/dev/null || :
			tail -n 30 "$blog" >&2 2>/dev/null || :
			return 1
		fi
		cat "$blog" >>"$OUT/series-check-builds.log"
		return 0 ;;
	esac
	rm -f "$bdir/.config.frags"
	if ! KWORK=$T KBUILD_DIR=$bdir FRAGMENTS=$2 VARIANT=$1 KCONFIG_BASE=tinyconfig \
	    OPTIONAL_OPTIONS="$OPTIONAL" \
	    OUT="$OUT/series-check-build" sh "$TOP/scripts/kernel.sh" >>"$LOG" 2>&1; then
		cat "$OUT/series-check-build/kernel.log" >>"$OUT/series-check-builds.log"
		tail -n 30 "$OUT/series-check-build/kernel.log" >&2
		return 1
	fi
	# Every build's log, for make matrix's count of warnings.
	cat "$OUT/series-check-build/kernel.log" >>"$OUT/series-check-builds.log"
}

errors=0 warnings=0 checks=0 failed=
printf '%-72s %s\n' "patch" "checkpatch (E/W/C)  build" | tee -a "$LOG"
for p in "$S"/0*.patch; do
	case $p in */0000-cover-letter.patch) continue ;; esac
	name=${p##*/}
	(cd "$T" && ./scripts/checkpatch.pl --strict --no-summary --show-types "$p") \
		>"$OUT/checkpatch-$name.txt" 2>&1 || :
	# A helper of checkpatch that crashes (spdxcheck.py without python3-ply)
	# silently skips its check: count it as an error.
	e=$(grep -c -e '^ERROR:' -e '^Traceback' "$OUT/checkpatch-$name.txt" || :)
	w=$(grep -c '^WARNING:' "$OUT/checkpatch-$name.txt" || :)
	c=$(grep -c '^CHECK:' "$OUT/checkpatch-$name.txt" || :)
	errors=$((errors + e)) warnings=$((warnings + w)) checks=$((checks + c))
	if ! g am -q "$p" >>"$LOG" 2>&1; then
		printf '%-72s %s\n' "$name" "$e/$w/$c  git am FAILED" | tee -a "$LOG"
		failed="$failed $name(am)"
		break
	fi
	start=$(date +%s)
	num=${name%%-*}
	if [ "$((1$num - 10000))" -lt "${SERIES_CHECK_FROM:-0}" ]; then
		res="not built (SERIES_CHECK_FROM=$SERIES_CHECK_FROM)"
	else
		res=
		for b in $BUILDS; do
			start=$(date +%s)
			case $b in
			rust) frags="base rust werror" ;;
			norust) frags="base c werror norust" ;;
			*) frags= ;;
			esac
			if build "$b" "$frags"; then
				res="$res${res:+, }$b ok ($(($(date +%s) - start)) s)"
			else
				res="$res${res:+, }$b FAILED"
				failed="$failed $name(build $b)"
			fi
		done
	fi
	printf '%-72s %s\n' "$name" "$e/$w/$c  $res" | tee -a "$LOG"
	[ "$e" = 0 ] || failed="$failed $name(checkpatch)"
	[ -z "$failed" ] || break
done
if [ -z "$failed" ]; then
	start=$(date +%s)
	if build c "base c werror"; then
		echo "    whole series, VARIANT=c: ok ($(($(date +%s) - start)) s)" | tee -a "$LOG"
	else
		echo "    whole series, VARIANT=c: FAILED" | tee -a "$LOG"
		failed="$failed c-build"
	fi
fi
echo "    checkpatch --strict: $errors errors, $warnings warnings, $checks checks (reports: $OUT/checkpatch-*.txt)" | tee -a "$LOG"
[ -z "$failed" ] || die "failed:$failed; see $LOG"
if [ -n "${SERIES_CHECK_FROM:-}" ]; then
	echo "    series-check: every patch applies and passes checkpatch; built from patch $SERIES_CHECK_FROM on" |
		tee -a "$LOG"
else
	echo "    series-check: every patch applies, builds and passes checkpatch" | tee -a "$LOG"
fi

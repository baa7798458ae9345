#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Build the upstream test_progs runner from the work tree's tools/, pruned to
# the tests we run.  The upstream Makefile globs prog_tests/*.c and progs/*.c;
# it is pointed at pruned copies inside the output directory, so nothing is
# written into the source tree and upstream sources stay byte-identical.
. "$TOP/scripts/lib.sh"
enter_root "$0" "$@"

step selftests "$OUT/selftests.log"
B=$WORK/tools/testing/selftests/bpf
[ -f "$BUILD/vmlinux" ] || die "no $BUILD/vmlinux; run 'make kernel'"
mkdir -p "$SELFTEST_OUT/prog_tests" "$SELFTEST_OUT/progs"

# The pruned sources: upstream signed_loader plus this repository's tests.
sync_dir() { # sync_dir SRC DST FILE...: copy FILEs from SRC, drop others
	src=$1 dst=$2
	shift 2
	for f in "$@"; do
		[ -f "$src/$f" ] || die "missing $src/$f"
		cmp -s "$src/$f" "$dst/$f" || cp "$src/$f" "$dst/$f"
	done
	for f in "$dst"/*.c "$dst"/*.h; do
		[ -e "$f" ] || continue
		case " $* tests.h " in *" ${f##*/} "*) ;; *) rm -f "$f" ;; esac
	done
}
tests="signed_loader.c"
[ -d "$TOP/selftests/prog_tests" ] &&
	tests="$tests $(cd "$TOP/selftests/prog_tests" && ls -- *.c *.h)"
progs="bpf_misc.h $(cd "$B/progs" && ls test_signed_loader*.c)"
[ -d "$TOP/selftests/progs" ] &&
	progs="$progs $(cd "$TOP/selftests/progs" && ls -- *.c)"
# TESTS=bench (make bench): the bench runner too, with the BPF programs of
# every benchmark it links (the skeletons its part of the Makefile names)
# and the headers of progs/.
targets=test_progs
if [ "$(tests_to_run)" = bench ]; then
	targets="test_progs bench"
	progs="$progs $(sed -n '/^# Benchmark runner/,/^\$(OUTPUT)\/bench:/p' "$B/Makefile" |
		grep -o '\$(OUTPUT)/[a-z_0-9]*\.skel\.h' | sed 's|^\$(OUTPUT)/\(.*\)\.skel\.h$|\1.c|' |
		sort -u | paste -sd' ' -) $(cd "$B/progs" && ls -- *.h)"
fi
# shellcheck disable=SC2086
sync_dir "$B/prog_tests" "$SELFTEST_OUT/prog_tests" $tests
# shellcheck disable=SC2086
sync_dir "$B/progs" "$SELFTEST_OUT/progs" $progs
echo "    tests: $tests" | tee -a "$LOG"

REL=$(realpath --relative-to="$B" "$SELFTEST_OUT")
echo "    building test_progs (LLVM=-22) in $SELFTEST_OUT" | tee -a "$LOG"
# shellcheck disable=SC2086
run_logged make -C "$B" -j"${JOBS:-$(nproc)}" \
	O="$BUILD" OUTPUT="$SELFTEST_OUT" VMLINUX_BTF="$BUILD/vmlinux" \
	LLVM=-22 SKIP_LLVM=1 \
	TRUNNER_TESTS_DIR="$REL/prog_tests" TRUNNER_BPF_PROGS_DIR="$REL/progs" \
	VERIFY_SIG_HDR="$SELFTEST_OUT/verification_cert.h" \
	LIBARENA_SKEL= LIBARENA_ASAN_SKEL= \
	LSKELS= LSKELS_SIGNED= LSKELS_EXTRA= LINKED_SKELS= TEST_KMODS= \
	$targets
echo "    done: $(for t in $targets; do printf '%s ' "$SELFTEST_OUT/$t"; done)" | tee -a "$LOG"

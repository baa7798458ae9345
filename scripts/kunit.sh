#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make kunit: the Rust KUnit suites the way KUnit developers run them,
#
#   tools/testing/kunit/kunit.py run --kunitconfig=configs/rust.kunitconfig \
#       --arch=x86_64 --make_options LLVM=1 ...
#
# from the work tree: kunit.py makes a .config from the .kunitconfig alone
# (its own defaults, not configs/*.config) in $CACHE/build/kunit, builds it
# with LLVM=1, boots it under QEMU with its x86_64 configuration, parses the
# KTAP output and fails if a test fails.  The parsed results end the output;
# kunit.py's own log is $OUT/kunit.log, its JSON $OUT/kunit.json.
. "$TOP/scripts/lib.sh"
enter_root "$0" "$@"

step kunit "$OUT/kunit.log"
KUNIT_PY=$WORK/tools/testing/kunit/kunit.py
KUNITCONFIG=$TOP/configs/rust.kunitconfig
KDIR=$CACHE/build/kunit$base73
JOBS=${JOBS:-$(nproc)}
[ -f "$KUNIT_PY" ] || die "no $KUNIT_PY; run 'make worktree'"
mkdir -p "$KDIR"

# kunit.py's QEMU takes the first accelerator that starts (-accel kvm
# -accel hvf -accel tcg), and nested KVM hangs on some hosts: as run.sh does,
# KVM only with KVM=1, or with KVM=auto (the default) when run.sh's probe boot
# reached userspace on this host boot.  Otherwise /dev/kvm is /dev/null in
# this mount namespace: KVM fails to start and QEMU falls back to TCG.
kvm=no
[ "$(kvm_accel)" = tcg ] || kvm=yes
if [ $kvm = no ] && [ -e /dev/kvm ]; then
	mount --bind /dev/null /dev/kvm
fi

# bindgen takes the newest libclang it finds: pin clang 19's, as kernel.sh
# does.  kunit.py passes --make_options to make olddefconfig and the build.
echo "    kunit.py run --kunitconfig=$KUNITCONFIG --arch=x86_64 (LLVM=1, -j$JOBS," \
	"$([ $kvm = yes ] && echo KVM || echo TCG), build dir $KDIR)" | tee -a "$LOG"
rm -f "$KDIR/test.log" "$OUT/kunit.json"
start=$(date +%s)
set +e
python3 "$KUNIT_PY" run --kunitconfig="$KUNITCONFIG" --arch=x86_64 \
	--build_dir="$KDIR" --jobs="$JOBS" \
	--make_options=LLVM=1 --make_options=LIBCLANG_PATH=$(libclang_path) \
	--timeout="${BOOT_TIMEOUT:-900}" --json="$OUT/kunit.json" >>"$LOG" 2>&1
krc=$?
set -e
echo "    kunit.py ran $(($(date +%s) - start)) s, exit $krc" | tee -a "$LOG"
if [ ! -s "$KDIR/test.log" ]; then
	echo "---- last lines of $LOG ----" >&2
	tail -n 40 "$LOG" >&2
	die "kunit.py could not configure, build or boot the kernel (exit $krc): see $LOG" \
		"and $KDIR/.config; an option missing from the .config names a dependency" \
		"configs/rust.kunitconfig lacks"
fi
# The guest's output, parsed again for the terminal: the results tree and
# kunit.py's summary line.
python3 "$KUNIT_PY" parse "$KDIR/test.log" | tee -a "$LOG" || :
[ $krc = 0 ] || die "KUnit tests failed (kunit.py exit $krc); raw output $KDIR/test.log, log $LOG"
echo "    done: $OUT/kunit.json" | tee -a "$LOG"

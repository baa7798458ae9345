#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make kunit: the Rust KUnit suites the way KUnit developers run them,
#
#   tools/testing/kunit/kunit.py run --kunitconfig=configs/rust.kunitconfig \
#       --arch=x86_64 --make_options LLVM=1 ...
#
# from the work tree: kunit.py makes a .config from the .kunitconfig alone
# (its own defaults, not configs/*.config) in $CACHE/build/kunit, builds it
# with LLVM=1, boots it under QEMU with its configuration of KUNIT_ARCH
# (x86_64, the default, or arm64: a cross build with LLVM=1, booted under
# qemu-system-aarch64), parses the KTAP output and fails if a test fails.  The parsed results end the output;
# kunit.py's own log is $OUT/kunit.log, its JSON $OUT/kunit.json.
. "$TOP/scripts/lib.sh"
enter_root "$0" "$@"

step kunit "$OUT/kunit.log"
KUNIT_PY=$WORK/tools/testing/kunit/kunit.py
KUNITCONFIG=$TOP/configs/rust.kunitconfig
KUNIT_ARCH=${KUNIT_ARCH:-x86_64}
case $KUNIT_ARCH in
x86_64) KDIR=$CACHE/build/kunit$base73$TC ;;
arm64) KDIR=$CACHE/build/kunit-arm64$base73$TC ;;
*) die "KUNIT_ARCH=$KUNIT_ARCH: use x86_64 or arm64" ;;
esac
qemu=qemu-system-$(echo "$KUNIT_ARCH" | sed 's/arm64/aarch64/')
command -v "$qemu" >/dev/null 2>&1 ||
	die "$qemu is not in the build root: add its Debian package (qemu-system-arm for aarch64) to scripts/buildroot.packages"
JOBS=${JOBS:-$(nproc)}
[ -f "$KUNIT_PY" ] || die "no $KUNIT_PY; run 'make worktree'"
mkdir -p "$KDIR"

# kunit.py's QEMU takes the first accelerator that starts (-accel kvm
# -accel hvf -accel tcg), and nested KVM hangs on some hosts: as run.sh does,
# KVM only with KVM=1, or with KVM=auto (the default) when run.sh's probe boot
# reached userspace on this host boot.  Otherwise /dev/kvm is /dev/null in
# this mount namespace: KVM fails to start and QEMU falls back to TCG, as it
# always does for arm64 here.
kvm=no
[ "$KUNIT_ARCH" != x86_64 ] || [ "$(kvm_accel)" = tcg ] || kvm=yes
if [ $kvm = no ] && [ -e /dev/kvm ]; then
	mount --bind /dev/null /dev/kvm
fi

# bindgen loads the build root's default libclang, as in kernel.sh.
# kunit.py passes --make_options to make olddefconfig and the build.
echo "    kunit.py run --kunitconfig=$KUNITCONFIG --arch=$KUNIT_ARCH (LLVM=1, -j$JOBS," \
	"$([ $kvm = yes ] && echo KVM || echo TCG), build dir $KDIR)" | tee -a "$LOG"
rm -f "$KDIR/test.log" "$OUT/kunit.json"
start=$(date +%s)
set +e
python3 "$KUNIT_PY" run --kunitconfig="$KUNITCONFIG" --arch="$KUNIT_ARCH" \
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

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run the same tests through vmtest (cargo install vmtest), the runner BPF developers
# use: it boots the built kernel with the build root shared over 9p as the
# guest's root and runs a command there through qemu-guest-agent.
. "$TOP/scripts/lib.sh"
enter_root "$0" "$@"

step vmtest "$OUT/vmtest.log"
KERNEL=$BUILD/arch/x86/boot/bzImage
[ -f "$KERNEL" ] || die "no kernel at $KERNEL; run 'make kernel'"
[ -x "$SELFTEST_OUT/test_progs" ] || die "no $SELFTEST_OUT/test_progs; run 'make selftests'"
VMTEST_VERSION=${VMTEST_VERSION:-0.18.0}
VMTEST=$CACHE/vmtest/$VMTEST_VERSION/bin/vmtest
if [ ! -x "$VMTEST" ]; then
	echo "    cargo install vmtest $VMTEST_VERSION" | tee -a "$LOG"
	# Trust what the host trusts (in_root copies its CA bundle).
	[ -f /etc/ssl/host-ca.crt ] && export CARGO_HTTP_CAINFO=/etc/ssl/host-ca.crt
	run_logged env CARGO_HOME="$CACHE/cargo" cargo install --locked \
		--root "$CACHE/vmtest/$VMTEST_VERSION" --version "$VMTEST_VERSION" vmtest
fi
TESTS=$(tests_to_run)

# vmtest uses KVM whenever /dev/kvm exists, and nested KVM hangs here: unless
# KVM=1, run it with a /dev that has no kvm node.
cmd="cd $SELFTEST_OUT && { ./test_progs -v -a $TESTS >/tmp/tp.log 2>&1; rc=\$?; \
grep -E '^#[0-9]+(/[0-9]+)? |^Summary:' /tmp/tp.log; [ \$rc = 0 ] || cat /tmp/tp.log; \
dmesg; echo '=== TEST_PROGS-EXIT '\$rc; echo '=== GUEST-DONE'; }"
echo "    vmtest -k $KERNEL (tests=$TESTS)" | tee -a "$LOG"
start=$(date +%s)
set +e
timeout -k 10 "${BOOT_TIMEOUT:-900}" unshare --mount --propagation unchanged sh -eu -c '
	if [ "${KVM:-}" != 1 ] && [ -e /dev/kvm ]; then
		mkdir -p /tmp/hostdev
		mount --bind /dev /tmp/hostdev
		mount -t tmpfs -o mode=755 devtmp /dev
		for n in null zero full random urandom tty ptmx; do
			touch /dev/$n
			mount --bind /tmp/hostdev/$n /dev/$n
		done
		mkdir -p /dev/pts /dev/shm
		mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
		mount -t tmpfs tmpfs /dev/shm
	fi
	exec env TMPDIR=/var/tmp "$@"' vmtest "$VMTEST" -k "$KERNEL" --kargs "root=/dev/root" "sh -c \"$cmd\"" >>"$LOG" 2>&1
qrc=$?
set -e
echo "    vmtest ran $(($(date +%s) - start)) s, exit $qrc" | tee -a "$LOG"
report_results "$LOG" "$OUT/vmtest-results.txt" $qrc

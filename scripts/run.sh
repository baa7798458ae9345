#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Boot the test guest under QEMU (TCG unless a KVM probe boots), keep the
# serial log, and turn it into the result table.
. "$TOP/scripts/lib.sh"
enter_root "$0" "$@"

step run "$OUT/serial.log"
KERNEL=$BUILD/arch/x86/boot/bzImage
INITRD=$OUT/initramfs.cpio
[ -f "$KERNEL" ] || die "no kernel at $KERNEL; run 'make kernel'"
[ -f "$INITRD" ] || die "no initramfs at $INITRD; run 'make initramfs'"
BOOT_TIMEOUT=${BOOT_TIMEOUT:-900}
TESTS=$(tests_to_run)
# Parameters of signed_loader_stress and signed_loader_bench, "key=value,...".
SIGNED_PARAMS=${SIGNED_PARAMS:-default}
KEYTYPES=$(keytypes)

accel=$(kvm_accel "$KERNEL")
if [ $accel = kvm ]; then cpu=host; else cpu=max; fi

echo "    qemu ($accel, timeout ${BOOT_TIMEOUT}s): tests=$TESTS params=$SIGNED_PARAMS keytypes=$KEYTYPES" | tee -a "$OUT/run.log"
start=$(date +%s)
set +e
timeout --foreground -k 10 "$BOOT_TIMEOUT" qemu-system-x86_64 \
	-accel $accel -cpu $cpu -smp 2 -m 2G -nographic -no-reboot \
	-kernel "$KERNEL" -initrd "$INITRD" \
	-append "console=ttyS0 panic=-1 oops=panic -- $(guest_args)" \
	</dev/null >"$LOG" 2>&1
qrc=$?
set -e
end=$(date +%s)
echo "    guest ran $((end - start)) s, qemu exit $qrc" | tee -a "$OUT/run.log"
[ $qrc = 124 ] && echo "    TIMEOUT after ${BOOT_TIMEOUT}s" | tee -a "$OUT/run.log"

report_results "$LOG" "$OUT/results.txt" $qrc

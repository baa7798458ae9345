#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make shell: boot the variant's test kernel and initramfs (the ones make test
# boots) to an interactive shell on the serial console.  /init sees "shell"
# after "--" on the kernel command line: it mounts what the tests need, runs
# the signed light-skeleton example (selftests/example/run.sh) and starts a
# shell with bpftool, keyctl, openssl and test_progs instead of the tests.
# Leaving the shell powers the guest off; Ctrl-a x quits QEMU at any time.
. "$TOP/scripts/lib.sh"
enter_root "$0" "$@"

KERNEL=$BUILD/arch/x86/boot/bzImage
INITRD=$OUT/initramfs.cpio
[ -f "$KERNEL" ] || die "no kernel at $KERNEL; run 'make kernel'"
[ -f "$INITRD" ] || die "no initramfs at $INITRD; run 'make initramfs'"
[ -t 0 ] || echo "shell: warning: standard input is not a terminal; the guest's shell reads it as typed input" >&2

# KVM=1 uses KVM, KVM=0 TCG; KVM=auto (default) KVM where it works.
accel=$(kvm_accel "$KERNEL")
if [ $accel = kvm ]; then cpu=host; else cpu=max; fi

printf '==> %-10s %s, %s (%s); Ctrl-a x quits QEMU\n' shell "$KERNEL" "$INITRD" "$accel"
exec qemu-system-x86_64 -accel $accel -cpu $cpu -smp 2 -m 2G \
	-display none -vga none -serial mon:stdio -no-reboot \
	-kernel "$KERNEL" -initrd "$INITRD" \
	-append "console=ttyS0 panic=-1 oops=panic quiet -- shell"

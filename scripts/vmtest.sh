#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run the same tests through vmtest (cargo install vmtest), the runner BPF
# developers use: it boots the built kernel with the build root shared over 9p
# as the guest's root and runs one command there through qemu-guest-agent.
#
# That command is this script with --guest: it unpacks the initramfs that
# make test boots ($OUT/initramfs.cpio) into a tmpfs and runs its /init there
# (chroot, in a mount namespace of its own), with the arguments run.sh puts
# after "--" on the kernel command line.  So both paths run the same /init
# (mounts, example, tests, markers); only its closing "reboot -f" fails there
# (no CAP_SYS_BOOT), since vmtest ends the VM.  The kernel log (KUnit, warnings) reaches
# vmtest's output through the serial console, /init's markers through
# vmtest's command output port, and report_results reads both from one log.
#
# The kernel needs what vmtest's own init and qemu-guest-agent need (see
# configs/base.config): virtio-pci, virtio-console, 9p over virtio, devtmpfs,
# cgroup2, and file locking (qemu-ga -d locks its pidfile in the child after
# the parent has exited 0: without CONFIG_FILE_LOCKING the agent dies
# silently and vmtest waits 120 s for it in vain).

if [ "${1:-}" = --guest ]; then
	# In the guest, run by vmtest's bash through qemu-ga; the build root is /.
	# usage: vmtest.sh --guest INITRAMFS.cpio INIT_ARGS...
	set -eu
	cpio=$2
	shift 2
	# A mount namespace, not a PID namespace: tests compare the tids the
	# kernel sees with gettid(), as in the initial PID namespace.
	rc=0
	unshare --mount /bin/sh -euc '
		mkdir -p "$1"
		mount -t tmpfs -o mode=0755 initramfs "$1"
		cd "$1"
		cpio -id --quiet <"$2"
		# vmtest ends the VM once the command is done: /init'"'"'s closing
		# reboot -f must not end it first, and busybox runs its own reboot
		# whatever PATH says.  Without CAP_SYS_BOOT it fails (EPERM).
		r=$1
		shift 2
		exec setpriv --bounding-set -sys_boot \
			env -i HOME=/ TERM=linux /usr/sbin/chroot "$r" /init "$@"
	' vmtest-guest /run/vmtest-initramfs "$cpio" "$@" || rc=$?
	# The results are in /init's markers; its exit status is its reboot's.
	echo "vmtest.sh: /init exited $rc (its reboot -f fails here by design)"
	exit 0
fi

. "$TOP/scripts/lib.sh"
enter_root "$0" "$@"

step vmtest "$OUT/vmtest.log"
KERNEL=$BUILD/arch/x86/boot/bzImage
INITRD=$OUT/initramfs.cpio
[ -f "$KERNEL" ] || die "no kernel at $KERNEL; run 'make kernel'"
[ -f "$INITRD" ] || die "no initramfs at $INITRD; run 'make initramfs'"
VMTEST_VERSION=${VMTEST_VERSION:-0.18.0}
VMTEST=$CACHE/vmtest/$VMTEST_VERSION/bin/vmtest
if [ ! -x "$VMTEST" ]; then
	echo "    cargo install vmtest $VMTEST_VERSION (once; a few minutes)" | tee -a "$LOG"
	# Trust what the host trusts (in_root copies its CA bundle).
	[ -f /etc/ssl/host-ca.crt ] && export CARGO_HTTP_CAINFO=/etc/ssl/host-ca.crt
	run_logged env CARGO_HOME="$CACHE/cargo" CARGO_BUILD_JOBS="${JOBS:-$(nproc)}" \
		cargo install --locked --root "$CACHE/vmtest/$VMTEST_VERSION" \
		--version "$VMTEST_VERSION" vmtest
fi
BOOT_TIMEOUT=${BOOT_TIMEOUT:-900}
TESTS=$(tests_to_run)
# /init's arguments, as run.sh passes them after "--" on the command line.
SIGNED_PARAMS=${SIGNED_PARAMS:-default}
KEYTYPES=$(keytypes)

# Linux 7.3 without CONFIG_BLOCK mounts vmtest's 9p root only with root=/dev/root.
KARGS="root=/dev/root"
cmd="sh '$TOP/scripts/vmtest.sh' --guest '$INITRD' $(guest_args)"
echo "    vmtest -k $KERNEL --kargs '$KARGS' \"$cmd\"" | tee -a "$LOG"
echo "    (timeout ${BOOT_TIMEOUT}s): tests=$TESTS params=$SIGNED_PARAMS keytypes=$KEYTYPES" | tee -a "$LOG"
start=$(date +%s)
set +e
# vmtest uses KVM whenever /dev/kvm exists (nested KVM hangs on some hosts):
# unless KVM=1, it runs in a mount namespace whose /dev has no kvm node (TCG).
# vmtest shares its working directory with the guest: $OUT, not all of /.
(cd "$OUT" && timeout -k 10 "$BOOT_TIMEOUT" unshare --mount --propagation unchanged sh -eu -c '
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
	exec env TMPDIR=/var/tmp VMTEST_NO_UI=1 "$@"' vmtest \
	"$VMTEST" -k "$KERNEL" --kargs "$KARGS" "$cmd") >>"$LOG" 2>&1
qrc=$?
set -e
echo "    vmtest ran $(($(date +%s) - start)) s, exit $qrc" | tee -a "$LOG"
[ $qrc = 124 ] && echo "    TIMEOUT after ${BOOT_TIMEOUT}s" | tee -a "$LOG"
if grep -q 'Timed out waiting for QGA connection' "$LOG"; then
	echo "    qemu-guest-agent never answered: the guest's serial log above shows why" \
		"(qemu-ga needs CONFIG_FILE_LOCKING, CONFIG_VIRTIO_CONSOLE, CONFIG_DEVTMPFS)" | tee -a "$LOG"
fi
report_results "$LOG" "$OUT/vmtest-results.txt" $qrc

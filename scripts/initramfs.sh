#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Pack the test guest's initramfs: busybox, test_progs and what it runs
# (bash, openssl, keyctl, sign-file, verify_sig_setup.sh, bpf_testmod.ko)
# with their shared libraries, and selftests/vm/init as /init; with
# TESTS=bench also the bench runner and benchs/run_bench_signed_loader.sh.
. "$TOP/scripts/lib.sh"
enter_root "$0" "$@"

step initramfs "$OUT/initramfs.log"
[ -x "$SELFTEST_OUT/test_progs" ] || die "no $SELFTEST_OUT/test_progs; run 'make selftests'"
R=$CACHE/initramfs/$VARIANT$TC
rm -rf "$R"
mkdir -p "$R/usr/bin" "$R/usr/sbin" "$R/usr/lib" "$R/usr/lib64" "$R/selftests" \
	"$R/etc" "$R/proc" "$R/sys" "$R/dev" "$R/tmp" "$R/root"
# Merged /usr, as on the build root.
for d in bin sbin lib lib64; do ln -s usr/$d "$R/$d"; done

# put FILE [DEST]: copy a file, and the shared libraries it needs, into the
# image (libraries at their merged-/usr path).
put() {
	dest=${2:-$1}
	mkdir -p "$R$(dirname "$dest")"
	cp -L "$1" "$R$dest"
	ldd "$1" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
		case $lib in /usr/*) t=$lib ;; *) t=/usr$lib ;; esac
		[ -e "$R$t" ] && continue
		mkdir -p "$R$(dirname "$t")"
		cp -L "$lib" "$R$t"
	done
}

put /bin/busybox /usr/bin/busybox
ln -s busybox "$R/usr/bin/sh"
put /bin/bash /usr/bin/bash
put /usr/bin/openssl
put /usr/bin/keyctl
# stdbuf: /init runs test_progs with line-buffered standard output.
put /usr/bin/stdbuf
put /usr/libexec/coreutils/libstdbuf.so
[ -f /usr/lib/ssl/openssl.cnf ] && put /usr/lib/ssl/openssl.cnf
for f in test_progs sign-file verify_sig_setup.sh bpf_testmod.ko; do
	[ -e "$SELFTEST_OUT/$f" ] || die "no $SELFTEST_OUT/$f (selftests build incomplete)"
	put "$SELFTEST_OUT/$f" "/selftests/$f"
done
# signed_loader_verdict: bpftool where test_progs looks for it (tools/sbin/,
# as the selftests install lays it out), and the kernel's module signing key,
# which its builtin keyring trusts (test-only material of a throwaway guest;
# without it the test's builtin and secondary subtests skip).
put "$SELFTEST_OUT/tools/sbin/bpftool" /selftests/tools/sbin/bpftool
[ -f "$BUILD/certs/signing_key.pem" ] &&
	put "$BUILD/certs/signing_key.pem" /selftests/builtin_signing_key.pem
# make bench: the bench runner and its script.
if [ "$(tests_to_run)" = bench ]; then
	[ -x "$SELFTEST_OUT/bench" ] || die "no $SELFTEST_OUT/bench; run 'make selftests TESTS=bench'"
	put "$SELFTEST_OUT/bench" /selftests/bench
	put "$WORK/tools/testing/selftests/bpf/benchs/run_bench_signed_loader.sh" \
		/selftests/benchs/run_bench_signed_loader.sh
fi
for f in "$SELFTEST_OUT"/*.bpf.o; do
	cp "$f" "$R/selftests/"
done
# The signed light-skeleton example (selftests/example/, built by
# scripts/example.sh with a new key), which /init runs; bpftool for make shell.
sh "$TOP/scripts/example.sh"
for f in loader run.sh signing_key.der example.lskel.h; do
	put "$SELFTEST_OUT/example/$f" "/example/$f"
done
put "$TOP/selftests/example/example.bpf.c" /example/example.bpf.c
put "$TOP/selftests/example/loader.c" /example/loader.c
ln -s ../../selftests/tools/sbin/bpftool "$R/usr/bin/bpftool"
cp "$TOP/selftests/vm/init" "$R/init"
chmod +x "$R/init"
echo "$VARIANT" >"$R/etc/variant"
echo "root:x:0:0:root:/root:/bin/sh" >"$R/etc/passwd"

(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$OUT/initramfs.cpio"
echo "    done: $OUT/initramfs.cpio ($(du -h "$OUT/initramfs.cpio" | cut -f1))" | tee -a "$LOG"

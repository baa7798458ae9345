#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Build the upstream test_progs runner from the work tree's tools/, pruned to
# the tests we run, and bpf_testmod.  The upstream Makefile globs
# prog_tests/*.c and progs/*.c; it is pointed at pruned copies inside the
# output directory, so nothing is written into the source tree and upstream
# sources stay byte-identical.
#
# Besides ours and upstream's signed_loader, the tests of the path real
# signed loaders take: atomics, fentry_test and fexit_test load light
# skeletons that the Makefile signs with "bpftool gen skeleton -S"
# (LSKELS_SIGNED) using the key it makes (verify_sig_setup.sh genkey), and
# test_progs puts that key's certificate, which it embeds
# (verification_cert.h), in the session keyring.  Their *_many_args subtests
# attach to bpf_testmod, built here against the kernel build directory.
# And upstream's bpf_attr_size, which pins the tail of bpf_prog_info that
# patch 26 changes.
. "$TOP/scripts/lib.sh"
enter_root "$0" "$@"

step selftests "$OUT/selftests.log"
B=$WORK/tools/testing/selftests/bpf
JOBS=${JOBS:-$(nproc)}
[ -f "$BUILD/vmlinux" ] || die "no $BUILD/vmlinux; run 'make kernel'"
mkdir -p "$SELFTEST_OUT/prog_tests" "$SELFTEST_OUT/progs"

# The pruned sources: the upstream tests below plus this repository's tests.
sync_dir() { # sync_dir SRC DST FILE...: copy FILEs from SRC, drop others
	src=$1 dst=$2
	shift 2
	for f in "$@"; do
		[ -f "$src/$f" ] || die "missing $src/$f (make worktree lays new files of the repository into the tree)"
		cmp -s "$src/$f" "$dst/$f" || cp "$src/$f" "$dst/$f"
	done
	for f in "$dst"/*.c "$dst"/*.h; do
		[ -e "$f" ] || continue
		case " $* tests.h " in *" ${f##*/} "*) ;; *) rm -f "$f" ;; esac
	done
}
UPSTREAM_TESTS="signed_loader atomics fentry_test fexit_test bpf_attr_size"
tests=$(for t in $UPSTREAM_TESTS; do printf '%s.c ' "$t"; done)
[ -d "$TOP/selftests/prog_tests" ] &&
	tests="$tests$(cd "$TOP/selftests/prog_tests" && ls -- *.c *.h)"
# signed_loader_verdict reads what patch 26 adds to the UAPI: the 7.3 trees
# (SERIES=/dev/null, make bench's 7.3 guest) build without it.
[ -z "$base73" ] ||
	tests=$(echo "$tests" | tr ' ' '\n' | grep -vx 'signed_loader_verdict\.c' | paste -sd' ' -)
# The BPF programs: those whose skeletons (NAME.skel.h, NAME.lskel.h) the
# tests include, and bpf_misc.h.
skels=$(for f in $tests; do
	case $f in *.c) [ ! -f "$B/prog_tests/$f" ] || cat "$B/prog_tests/$f" ;; esac
done | sed -n 's/^#include "\([a-z_0-9]*\)\.l\{0,1\}skel\.h".*/\1.c/p' | sort -u)
progs="bpf_misc.h $(echo "$skels" | paste -sd' ' -)"
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
# shellcheck disable=SC2046
sync_dir "$B/progs" "$SELFTEST_OUT/progs" $(echo "$progs" | tr ' ' '\n' | sort -u)
echo "    tests: $tests" | tee -a "$LOG"

REL=$(realpath --relative-to="$B" "$SELFTEST_OUT")
# selftests_make TARGET...: the upstream Makefile with our pruned directories.
# LSKELS_SIGNED keeps its upstream value; the other light and linked
# skeletons, libarena and the Makefile's own build of test_kmods/ (into the
# source tree) are off.
selftests_make() {
	run_logged make -C "$B" -j"$JOBS" \
		O="$BUILD" OUTPUT="$SELFTEST_OUT" VMLINUX_BTF="$BUILD/vmlinux" \
		LLVM=-22 SKIP_LLVM=1 \
		TRUNNER_TESTS_DIR="$REL/prog_tests" TRUNNER_BPF_PROGS_DIR="$REL/progs" \
		VERIFY_SIG_HDR="$SELFTEST_OUT/verification_cert.h" \
		LIBARENA_SKEL= LIBARENA_ASAN_SKEL= \
		LSKELS= LSKELS_EXTRA= LINKED_SKELS= TEST_KMODS= \
		"$@"
}

# The signing key first: the Makefile makes it (and the certificate header)
# when verify_sig_setup.sh is newer, but its rule for the signed light
# skeletons names neither key nor certificate, so it would neither wait for
# a new key nor re-sign with one (the skeletons would keep signatures of the
# old key, and their loads fail with -ENOKEY).  When the key differs from the
# one the skeletons were signed with, they go, and so do the test objects
# that embed them.
echo "    signing key (verify_sig_setup.sh genkey), certificate header" | tee -a "$LOG"
selftests_make "$SELFTEST_OUT/verification_cert.h"
KEYS_DIR=$SELFTEST_OUT/tools/build
key=$(cat "$KEYS_DIR/signing_key.pem" "$KEYS_DIR/signing_key.der" | sha256sum | cut -c1-64)
if [ "$(cat "$SELFTEST_OUT/.lskel-signing-key" 2>/dev/null)" != "$key" ]; then
	echo "    new signing key: the signed light skeletons are made again" | tee -a "$LOG"
	rm -f "$SELFTEST_OUT"/*.lskel.h
	for f in $(grep -l '\.lskel\.h"' "$SELFTEST_OUT"/prog_tests/*.c || :); do
		rm -f "$SELFTEST_OUT/$(basename "$f" .c).test.o"
	done
fi

echo "    building $targets (LLVM=-22) in $SELFTEST_OUT" | tee -a "$LOG"
# shellcheck disable=SC2086
selftests_make $targets
echo "$key" >"$SELFTEST_OUT/.lskel-signing-key"

# bpf_testmod: upstream's test_kmods/ Kbuild file, that module only
# (MODULES=), built against the kernel build directory into
# $SELFTEST_OUT/test_kmods (MO=), not into the tree.  An external module
# needs the kernel's Module.symvers and scripts/module.lds, which
# "make modules" writes (the kernel step builds bzImage only).
KMAKE="make -C $WORK O=$BUILD LLVM=1 LIBCLANG_PATH=$(libclang_path) -j$JOBS"
KMOD=$SELFTEST_OUT/test_kmods
newer() { [ -n "$(find "$1" -prune -newer "$2" 2>/dev/null)" ]; }
mkdir -p "$KMOD"
# A new kernel (its configuration, version magic, BTF) makes the module
# anew, from scratch: its BTF is split against vmlinux's.
if ! newer "$KMOD/.modules-done" "$BUILD/vmlinux"; then
	echo "    kernel: make modules (Module.symvers for external modules)" | tee -a "$LOG"
	# shellcheck disable=SC2086
	run_logged $KMAKE modules
	rm -rf "$KMOD"
	mkdir -p "$KMOD"
	: >"$KMOD/.modules-done"
fi
echo "    building bpf_testmod.ko in $KMOD" | tee -a "$LOG"
# shellcheck disable=SC2086
run_logged $KMAKE M="$B/test_kmods" MO="$KMOD" MODULES=bpf_testmod.ko modules
# Signed with the kernel's module key when there is one (an unsigned module
# loads too, and taints the kernel).  test_progs loads ./bpf_testmod.ko.
sig_hash=$(sed -n 's/^CONFIG_MODULE_SIG_HASH="\(.*\)"$/\1/p' "$BUILD/.config")
if [ -n "$sig_hash" ] && [ -f "$BUILD/certs/signing_key.pem" ] &&
    [ -x "$BUILD/scripts/sign-file" ]; then
	run_logged "$BUILD/scripts/sign-file" "$sig_hash" "$BUILD/certs/signing_key.pem" \
		"$BUILD/certs/signing_key.x509" "$KMOD/bpf_testmod.ko" "$SELFTEST_OUT/bpf_testmod.ko"
else
	echo "    bpf_testmod.ko unsigned (no module signing key in $BUILD/certs)" | tee -a "$LOG"
	cp "$KMOD/bpf_testmod.ko" "$SELFTEST_OUT/bpf_testmod.ko"
fi
echo "    done: $(for t in $targets bpf_testmod.ko; do printf '%s ' "$SELFTEST_OUT/$t"; done)" |
	tee -a "$LOG"

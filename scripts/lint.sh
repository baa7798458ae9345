#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Code checks of the Rust and C changes: rustfmt, clippy and rustdoc on the
# Rust side, checkpatch.pl --strict on every patch of kernel-patch/ and every
# new C file.
. "$TOP/scripts/lib.sh"
enter_root "$0" "$@"

step lint "$OUT/lint.log"
KMAKE="make -C $WORK O=$BUILD LLVM=1 LIBCLANG_PATH=$(libclang_path) -j${JOBS:-$(nproc)}"
[ -f "$BUILD/vmlinux" ] || die "no kernel in $BUILD; run 'make kernel'"

# A clean result stands until an input changes: the sources, the .config
# (it names rustc and clang) and the versions of rustfmt and clippy.
stamp=$CACHE/lint-$VARIANT$TC.clean
inputs=$( (cd "$TOP" && find rust selftests kernel-patch scripts/lint.sh -type f | LC_ALL=C sort |
	xargs cat; cat "$BUILD/.config"; rustfmt --version; clippy-driver --version) |
	sha256sum | cut -c1-32)
if [ "$(cat "$stamp" 2>/dev/null)" = "$inputs" ]; then
	echo "    clean (inputs unchanged since the last clean run)" | tee -a "$LOG"
	exit 0
fi
rm -f "$stamp"

# Our Rust files, as they lie in the work tree.
ours=$(cd "$TOP/rust" && find . -name '*.rs' | sed -e 's|^\./bpf/|kernel/bpf/|' -e 's|^\./|rust/|')

echo "    rustfmt --check" | tee -a "$LOG"
# shellcheck disable=SC2086
(cd "$WORK" && rustfmt --check --config-path .rustfmt.toml --edition 2021 $ours) >>"$LOG" 2>&1 ||
	die "rustfmt wants changes (run rustfmt on the files named in $LOG)"
run_logged $KMAKE rustfmtcheck

echo "    clippy (CLIPPY=1) on rust/ and kernel/bpf/rust_prog_sig.o" | tee -a "$LOG"
# Clippy runs in its own build directory so that the kernel's objects stay
# those of rustc.
CLIPPY_BUILD=$CACHE/build/clippy$TC
mkdir -p "$CLIPPY_BUILD"
# Without CONFIG_WERROR there: clippy's warnings about the tree's own files
# (rust/kernel/cpufreq.rs with 7.3's clippy, for one) must not stop the
# build before it reaches ours; ours fail below.
sed '/^CONFIG_WERROR=/d' "$BUILD/.config" >"$CLIPPY_BUILD/.config.new"
cmp -s "$CLIPPY_BUILD/.config.new" "$CLIPPY_BUILD/.config.base" ||
	cp "$CLIPPY_BUILD/.config.new" "$CLIPPY_BUILD/.config"
mv "$CLIPPY_BUILD/.config.new" "$CLIPPY_BUILD/.config.base"
CMAKE="make -C $WORK O=$CLIPPY_BUILD LLVM=1 LIBCLANG_PATH=$(libclang_path) -j${JOBS:-$(nproc)} CLIPPY=1"
run_logged $CMAKE olddefconfig
run_logged $CMAKE prepare
run_logged $CMAKE kernel/bpf/rust_prog_sig.o
# Warnings about our files fail; the tree's own (for example in drivers a
# debug configuration pulls in) are reported upstream, not here.
pat=$(echo "$ours" | tr ' ' '\n' | sed 's/[.]/[.]/g' | paste -sd'|' -)
our_warnings() {
	mine=$(awk -v pat="$pat" '/^(warning|error)/ { w = $0 }
		/^ *--> / && w != "" { if ($2 ~ "(" pat ")") print w " at " $2; w = "" }' "$LOG")
	if [ -n "$mine" ]; then
		echo "$mine" >&2
		die "$1 reported warnings in our code; see $LOG"
	fi
}
our_warnings "clippy or rustc"

echo "    rustdoc" | tee -a "$LOG"
run_logged $KMAKE rustdoc
our_warnings rustdoc

echo "    checkpatch.pl --strict" | tee -a "$LOG"
for p in $(patches); do
	# A patch of new files only has no diff here; its files are checked below.
	grep -q '^diff --git ' "$TOP/kernel-patch/$p" || continue
	# The bench runner declares each benchmark extern in bench.c, as every
	# benchmark before ours does; checkpatch warns on each declaration.
	ign=
	! grep -q '^+++ b/tools/testing/selftests/bpf/bench.c' "$TOP/kernel-patch/$p" ||
		ign="--ignore AVOID_EXTERNS"
	# shellcheck disable=SC2086
	if ! (cd "$WORK" && ./scripts/checkpatch.pl --strict --no-tree -q $ign "$TOP/kernel-patch/$p") \
	    >"$OUT/checkpatch.out" 2>&1 || grep -q '^Traceback' "$OUT/checkpatch.out"; then
		cat "$OUT/checkpatch.out" >>"$LOG"
		tail -n 30 "$LOG" >&2
		die "checkpatch.pl --strict complains about kernel-patch/$p; see $LOG"
	fi
done
# New C files that come from the overlay rather than a patch.  Long format
# strings stay on one line, as coding-style.rst asks.
for f in $(cd "$TOP" && find rust selftests -name '*.c' -o -name '*.h'); do
	if ! (cd "$WORK" && ./scripts/checkpatch.pl --strict --no-tree -q \
	    --ignore LONG_LINE_STRING -f "$TOP/$f") >>"$LOG" 2>&1; then
		tail -n 30 "$LOG" >&2
		die "checkpatch.pl --strict complains about $f; see $LOG"
	fi
done
echo "$inputs" >"$stamp"
echo "    clean" | tee -a "$LOG"

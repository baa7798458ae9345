# SPDX-License-Identifier: GPL-2.0
# Common helpers for the harness scripts.  Sourced, not executed.
#
# Every script gets its configuration from the environment (the Makefile
# exports it): CACHE, OUT, VARIANT, TOP (this repository).

set -eu

: "${TOP:?TOP must point at the repository}"
: "${CACHE:?CACHE must point at the cache directory}"
: "${OUT:?OUT must point at the output directory}"
VARIANT=${VARIANT:-rust}
# The toolchain: minimum (Debian trixie: rustc, bindgen and clang at 7.3's
# minimums), newest (Debian sid: the newest rustc, bindgen and clang of
# Debian's development suite) or backports (trixie with the Rust toolchain of
# trixie-backports, which can be newer than sid's).  Each has a build root,
# and kernel builds, of its own.
TOOLCHAIN=${TOOLCHAIN:-minimum}
export TOP CACHE OUT VARIANT TOOLCHAIN

mkdir -p "$CACHE" "$OUT"

die() {
	printf '%s: error: %s\n' "${STEP:-harness}" "$*" >&2
	exit 1
}

# step NAME LOGFILE: print the one-line progress message of a step.
step() {
	STEP=$1
	LOG=$2
	: >"$LOG"
	printf '==> %-10s log: %s\n' "$1" "$2"
}

# run_logged CMD...: run a command with its output in $LOG; on failure show
# the tail of the log and fail.
run_logged() {
	if ! "$@" >>"$LOG" 2>&1; then
		echo "---- last lines of $LOG ----" >&2
		tail -n 40 "$LOG" >&2
		die "'$*' failed; full log: $LOG"
	fi
}

need_root() {
	[ "$(id -u)" = 0 ] ||
		die "must run as root: the build root is made with mmdebstrap and entered with chroot (try: sudo make $*)"
}

case $TOOLCHAIN in
minimum) SUITE=trixie TC= ;;
newest) SUITE=sid TC=-newest ;;
backports) SUITE=trixie TC=-backports ;;
*) die "TOOLCHAIN=$TOOLCHAIN is unknown; use minimum (Debian trixie), newest (Debian sid)" \
	"or backports (trixie with trixie-backports' Rust)" ;;
esac

# RUST_PIN: with TOOLCHAIN=backports, the apt preferences that take the Rust
# toolchain (rustc, its standard library and sources, cargo, clippy, rustfmt)
# from trixie-backports; bindgen and clang stay trixie's.
RUST_PIN='Package: rustc rust-* rustfmt cargo libstd-rust-* librust-*
Pin: release n=trixie-backports
Pin-Priority: 990'

# root_packages: the packages of the toolchain's build root, one per line.
# libclang-19-dev is 7.3's clang; the newest toolchain takes the default
# libclang of its suite.
root_packages() {
	if [ "$TOOLCHAIN" != newest ]; then
		grep -v '^#' "$TOP/scripts/buildroot.packages"
	else
		grep -v '^#' "$TOP/scripts/buildroot.packages" | sed 's/^libclang-19-dev$/libclang-dev/'
	fi
}

# The build root (a Debian chroot of the toolchain's suite) named by the hash
# of its package list, so that editing the list makes a new one.
root_dir() {
	if [ "$TOOLCHAIN" = minimum ]; then
		h=$(cat "$TOP/scripts/buildroot.packages" | sha256sum | cut -c1-12)
	else
		h=$( (echo "$SUITE"; [ "$TOOLCHAIN" != backports ] || echo "$RUST_PIN"
			root_packages) | sha256sum | cut -c1-12)
	fi
	echo "$CACHE/root$TC-$h"
}

# libclang_path: the libclang bindgen must load, run inside the build root.
# bindgen takes the newest libclang it finds; clang-22 (for the selftests)
# would make bindgen 0.71 generate opaque structs.  The suite's default LLVM
# (llvm-config) is the one its bindgen and rustc are built and tested with.
libclang_path() {
	llvm-config --libdir
}

# in_root CMD...: run a command inside the build root, in a private mount
# namespace (nothing stays mounted when it ends), with the cache, the
# repository and the output folder visible at the same absolute paths.
in_root() {
	_r=$(root_dir)
	[ -x "$_r/bin/sh" ] || die "build root $_r missing; run 'make root' first"
	unshare --mount --propagation private -- sh -eu -c '
		r=$1; shift
		# /tmp first: the bind mounts below may lie under it.
		mount -t tmpfs tmpfs "$r/tmp"
		for d in "$CACHE" "$TOP" "$OUT"; do
			mkdir -p "$r$d"
			mount --bind "$d" "$r$d"
		done
		mount -t proc proc "$r/proc"
		mount --rbind /dev "$r/dev"
		mount --rbind /sys "$r/sys"
		cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null || :
		# The host'"'"'s trusted CAs, for registries behind a TLS proxy.
		cp /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/host-ca.crt" 2>/dev/null || :
		exec chroot "$r" /usr/bin/env -i \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LANG=C.UTF-8 TERM=dumb \
			CACHE="$CACHE" TOP="$TOP" OUT="$OUT" VARIANT="$VARIANT" \
			IN_ROOT=1 KSRC_PKG="${KSRC_PKG:-}" JOBS="${JOBS:-}" \
			KVM="${KVM:-}" BOOT_TIMEOUT="${BOOT_TIMEOUT:-}" \
			FRAGMENTS="${FRAGMENTS:-}" KCONFIG_BASE="${KCONFIG_BASE:-}" SERIES="${SERIES:-}" TESTS="${TESTS:-}" \
			SIGNED_PARAMS="${SIGNED_PARAMS:-}" KWORK="${KWORK:-}" \
			KEYTYPES="${KEYTYPES:-}" BASE73="${BASE73:-}" \
			SERIES_CHECK_FROM="${SERIES_CHECK_FROM:-}" TOOLCHAIN="$TOOLCHAIN" \
			SERIES_CHECK_BUILDS="${SERIES_CHECK_BUILDS:-}" KUNIT_ARCH="${KUNIT_ARCH:-}" \
			KBUILD_DIR="${KBUILD_DIR:-}" OPTIONAL_OPTIONS="${OPTIONAL_OPTIONS:-}" \
			MATRIX_BUILD_DIR="${MATRIX_BUILD_DIR:-}" \
			GIT_NAME="${GIT_NAME:-}" GIT_EMAIL="${GIT_EMAIL:-}" \
			"$@"
	' in_root "$_r" "$@"
}

# enter_root "$0" ARGS...: re-run the calling script inside the build root
# unless it already runs there.
enter_root() {
	[ "${IN_ROOT:-}" = 1 ] && return 0
	need_root "$(basename "$1" .sh)"
	_s=$TOP/scripts/${1##*/}
	shift
	in_root sh "$_s" "$@"
	exit 0
}

# The test_progs tests to run (-a, comma-separated): TESTS, or every test that
# selftests/expected/common names (TEST/SUBTEST, or TEST for a test without
# subtests).
tests_to_run() {
	if [ -n "${TESTS:-}" ]; then
		echo "$TESTS"
		return
	fi
	sed -n -e 's|^\([a-z_0-9][a-z_0-9]*\)/.*|\1|p' -e 's|^\([a-z_0-9][a-z_0-9]*\)$|\1|p' \
		"$TOP"/selftests/expected/common/*.list | sort -u | paste -sd, -
}

# The key types of the signed-load tests (KEYTYPES, comma- or
# space-separated): rsa (the upstream default), ecdsa-p256, mldsa44, mldsa65,
# mldsa87.  The first runs every test; the others the signed-load tests.
KEYED_TESTS="signed_loader signed_loader_contract signed_loader_holes"
keytypes() {
	kts=$(echo "${KEYTYPES:-rsa,ecdsa-p256,mldsa44,mldsa65,mldsa87}" | tr ' ' ',')
	for kt in $(echo "$kts" | tr ',' ' '); do
		case $kt in rsa | ecdsa-p256 | mldsa44 | mldsa65 | mldsa87) ;;
		*) die "KEYTYPES: unknown key type '$kt' (rsa, ecdsa-p256, mldsa44, mldsa65, mldsa87)" ;;
		esac
	done
	echo "$kts"
}

# expected_results TESTS: the results the run must report, one per line: those
# of the tests run (the signed-load tests once per key type, named
# test[type]/subtest after the first type), what every guest runs before
# them (selftests/expected/guest: the example), and the KUnit cases of the
# variant's configuration (debug is the rust configuration with debugging
# options).
expected_results() {
	for t in $(echo "$1" | tr ',' ' '); do
		grep -h -e "^$t/" -e "^$t\$" "$TOP/selftests/expected/common/"*.list || :
	done
	kts=$(keytypes)
	for kt in $(echo "${kts#*,}" | tr ',' ' '); do
		[ "$kts" = "${kts#*,}" ] && break
		for t in $(echo "$1" | tr ',' ' '); do
			case " $KEYED_TESTS " in *" ${t%%/*} "*) ;; *) continue ;; esac
			grep -h -e "^$t/" -e "^$t\$" "$TOP/selftests/expected/common/"*.list |
				sed "s|^\([a-z_0-9]*\)|\1[$kt]|" || :
		done
	done
	case $VARIANT in
	debug | kcsan | distro) kind=rust ;;
	debug-c | kcsan-c) kind=c ;;
	*) kind=$VARIANT ;;
	esac
	for f in "$TOP/selftests/expected/guest/"*.list \
	    "$TOP/selftests/expected/$kind/"*.list; do
		[ -f "$f" ] && grep -v '^#' "$f"
	done
	:
}

# report_results GUEST_LOG RESULTS QEMU_EXIT: print the result table of a
# guest's log into RESULTS and fail unless it ends in "0 failed".
# scripts/results.py reads test_progs' result lines and JSON report and, with
# kunit.py parse, the KUnit output; it keeps what it parsed beside RESULTS
# (RESULTS without .txt, then -boot.log, -kunit.json, -kunit.txt,
# -test_progs.json).
report_results() {
	STEP=results
	printf '==> %-10s log: %s\n' results "$2"
	expected_results "$TESTS" >"$OUT/expected.list"
	python3 "$TOP/scripts/results.py" --expected "$OUT/expected.list" --qemu-exit "$3" \
		--kunit-py "$WORK/tools/testing/kunit/kunit.py" --prefix "${2%.txt}" "$1" >"$2" ||
		die "scripts/results.py could not read $1 (its error is above)"
	# The summary stays the last line of the output, after any error.
	sed '$d' "$2"
	if ! tail -n 1 "$2" | grep -q ' 0 failed'; then
		printf '%s: error: tests failed; guest log: %s\n' "$STEP" "$1"
		tail -n 1 "$2"
		exit 1
	fi
	tail -n 1 "$2"
}

# kvm_accel [KERNEL]: the accelerator of a guest, kvm or tcg.  KVM=1 forces
# KVM, KVM=0 TCG; KVM=auto (the default) uses KVM only if a 20 s probe boot of
# KERNEL reached userspace (nested KVM hangs on some hosts), an answer kept
# for the host's current boot; without KERNEL, only a kept answer counts.
kvm_accel() {
	case ${KVM:-auto} in
	1 | yes) echo kvm; return ;;
	0 | no) echo tcg; return ;;
	esac
	if [ ! -w /dev/kvm ]; then
		echo tcg
		return
	fi
	_boot=$(cat /proc/sys/kernel/random/boot_id)
	_probe=$CACHE/kvm-probe
	if [ "$(sed -n 1p "$_probe" 2>/dev/null)" != "$_boot" ] && [ -n "${1:-}" ]; then
		echo "    probing KVM (20 s at most)" >&2
		_res=no
		if timeout 20 qemu-system-x86_64 -accel kvm -cpu host -m 256M \
		    -nographic -no-reboot -kernel "$1" \
		    -append "console=ttyS0 panic=-1 rdinit=/bin/true" \
		    </dev/null 2>&1 | grep -q "Run /bin/true as init\|Kernel panic"; then
			_res=yes
		fi
		printf '%s\n%s\n' "$_boot" "$_res" >"$_probe"
	fi
	if [ "$(sed -n 1p "$_probe" 2>/dev/null)" = "$_boot" ] &&
	    [ "$(sed -n 2p "$_probe")" = yes ]; then
		echo kvm
	else
		echo tcg
	fi
}

# guest_args: what /init takes after "--" on the kernel command line (make
# test's guest, and vmtest's run of the same /init): the test_progs tests,
# the stress and bench parameters ("key=value,..." or default) and the key
# types.
guest_args() {
	echo "$(tests_to_run) ${SIGNED_PARAMS:-default} $(keytypes)"
}

# Repository directory -> kernel tree directory: the new files of the series.
# Changes to upstream files go through kernel-patch/.
OVERLAY="rust/kernel:rust/kernel rust/helpers:rust/helpers rust/bpf:kernel/bpf
selftests/prog_tests:tools/testing/selftests/bpf/prog_tests
selftests/progs:tools/testing/selftests/bpf/progs
selftests/benchs:tools/testing/selftests/bpf/benchs
Documentation:Documentation"

# tree_path REPO_PATH: where a repository file lives in the kernel tree.
tree_path() {
	for m in $OVERLAY; do
		case $1 in "${m%%:*}"/*)
			echo "${m#*:}/${1#"${m%%:*}"/}"
			return ;;
		esac
	done
	return 1
}

# overlay_tree_paths: the tree paths of the new files kernel-patch/files names.
overlay_tree_paths() {
	grep -v '^#' "$TOP/kernel-patch/files" | awk 'NF { print $2 }' |
		while read -r r; do tree_path "$r" || :; done
}

# patch_sections PATCH SKIP|ONLY PATHS: PATCH without (SKIP) or with only
# (ONLY) the diff sections of the tree paths PATHS (space-separated); what
# precedes the first section (the message) is kept with SKIP.
patch_sections() {
	awk -v mode="$2" -v paths="$3" '
		BEGIN { n = split(paths, a, " "); for (i = 1; i <= n; i++) s[a[i]] = 1
			keep = mode == "SKIP" }
		/^diff --git / { f = $3; sub(/^a\//, "", f)
			keep = mode == "SKIP" ? !(f in s) : (f in s) }
		keep { print }' "$1"
}

# git_identity: GIT_NAME and GIT_EMAIL from the repository's git configuration,
# read on the host (the build root does not see the host's ~/.gitconfig).
git_identity() {
	: "${GIT_NAME:=$(git -C "$TOP" config user.name || :)}"
	: "${GIT_EMAIL:=$(git -C "$TOP" config user.email || :)}"
	[ -n "$GIT_NAME" ] && [ -n "$GIT_EMAIL" ] ||
		die "no git identity: set user.name and user.email (git config) in $TOP"
	export GIT_NAME GIT_EMAIL
}

# patches: the patch files of kernel-patch/series, in order.
patches() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$TOP/kernel-patch/series"
}

# Paths shared by the steps.
SRC_DIR=$CACHE/src
# SERIES=/dev/null (unpatched 7.3) gets trees of its own, so that switching
# between it and the series does not rebuild either from scratch.  BASE73=1
# shares them with a SERIES of selftests patches only (make bench: 7.3 with
# the benchmark's patch), whose kernel is unpatched 7.3 too.
base73=
[ "${SERIES:-}" != /dev/null ] && [ -z "${BASE73:-}" ] || base73=-73
WORK=${KWORK:-$CACHE/work/linux$base73}
BUILD=${KBUILD_DIR:-$CACHE/build/$VARIANT$base73$TC}
SELFTEST_OUT=$CACHE/selftests/$VARIANT$base73$TC

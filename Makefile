# SPDX-License-Identifier: GPL-2.0
#
# Signed BPF loaders verified in Rust: build Linux 7.3 with this repository's
# changes and run the kernel-side tests in a QEMU guest.
#
#   make            build everything and print the result table (= make test)
#   make test       the same; what CI runs
#   make kunit      the Rust KUnit suites through kunit.py run
#                   (configs/rust.kunitconfig, a kernel of their own;
#                   KUNIT_ARCH=arm64: cross-built, qemu-system-aarch64)
#   make shell      the test kernel booted to a shell, with the signed
#                   light-skeleton example (selftests/example/)
#   make vmtest     the same tests through vmtest
#   VARIANT=c|rust|debug|debug-c|kcsan|kcsan-c|distro   choose the kernel
#                   configuration (default: rust; debug and debug-c add KASAN,
#                   kmemleak, lockdep, UBSAN, fault injection to the rust and c
#                   configurations, kcsan and kcsan-c the data-race detector;
#                   distro is the rust configuration on x86_64 defconfig)
#   TOOLCHAIN=minimum|newest|backports   the build root: Debian trixie
#                   (rustc, bindgen, clang at 7.3's minimums; default),
#                   Debian sid (the newest rustc, bindgen and clang of its
#                   development suite) or trixie with the Rust toolchain of
#                   trixie-backports (newer than sid's when backports runs ahead)
#   make matrix     the series built across configurations and toolchains
#                   (configs/matrix.list)
#   KEYTYPES=rsa,ecdsa-p256,mldsa44,mldsa65,mldsa87   the signing key types
#                   of the signed-load tests (default: all of them)
#
# Everything built lives in CACHE (outside the clone); logs and results in OUT.

VARIANT ?= rust
CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/signed-bpf-rs
TOOLCHAIN ?= minimum
OUT ?= $(CURDIR)/out/$(VARIANT)$(if $(filter-out minimum,$(TOOLCHAIN)),-$(TOOLCHAIN))

FRAGMENTS_c := base c werror
FRAGMENTS_rust := base rust werror
FRAGMENTS_debug := base rust debug
FRAGMENTS_debug-c := base c debug
FRAGMENTS_kcsan := base rust kcsan
FRAGMENTS_kcsan-c := base c kcsan
FRAGMENTS_distro := base rust werror
KCONFIG_BASE_distro := defconfig kvm_guest.config
FRAGMENTS := $(FRAGMENTS_$(VARIANT))
KCONFIG_BASE := $(or $(KCONFIG_BASE_$(VARIANT)),tinyconfig)
ifeq ($(FRAGMENTS),)
$(error VARIANT=$(VARIANT) is unknown; use c, rust, debug, debug-c, kcsan, kcsan-c or distro)
endif

export TOP := $(CURDIR)
export CACHE OUT VARIANT FRAGMENTS KCONFIG_BASE KEYTYPES TOOLCHAIN

S := scripts

.PHONY: all test root source worktree kernel selftests initramfs run lint vmtest \
	shell kunit stress bench series series-check matrix clean-out

all: test

# The Rust checks need the Rust path configured: not for VARIANT=c. They run
# first, so that the result table ends the output.
test: $(if $(filter c debug-c kcsan-c,$(VARIANT)),,lint) run

root:
	@sh $(S)/buildroot.sh
source: root
	@sh $(S)/source.sh
worktree: source
	@sh $(S)/worktree.sh
kernel: worktree
	@sh $(S)/kernel.sh
selftests: kernel
	@sh $(S)/selftests.sh
initramfs: selftests
	@sh $(S)/initramfs.sh
run: initramfs
	@sh $(S)/run.sh
lint: kernel
	@sh $(S)/lint.sh

# The Rust KUnit suites the upstream way: tools/testing/kunit/kunit.py run
# --kunitconfig=configs/rust.kunitconfig --arch=KUNIT_ARCH (x86_64 or
# arm64), LLVM=1, in $(CACHE)/build/kunit[-arm64]; fails if a test fails.
kunit: worktree
	@sh $(S)/kunit.sh

# signed_loader_stress at full size on the variant's kernel, then with
# sanitizers (its debug configuration); VARIANT=rust or c.
stress: root source
	@sh $(S)/stress.sh

# The signed-load benchmarks of the bench runner on 7.3, the series' C path and
# Rust: table, CSV and PNG in OUT.
bench: root source
	@sh $(S)/bench.sh

# The upstream series (git format-patch + cover letter) in $(OUT)/series, and
# its check: git am on a fresh 7.3 tree, checkpatch and a build per patch.
series: source
	@sh $(S)/series.sh
series-check: series
	@sh $(S)/series-check.sh

# The series built in the configurations and with the toolchains of
# configs/matrix.list (MATRIX="name ...", MATRIX_TOOLCHAINS="minimum newest backports"
# choose); one result line per entry.  Not part of make test.
matrix: source
	@sh $(S)/matrix.sh

# The same tests through vmtest (cargo install vmtest): the same kernel and
# the same initramfs /init, in vmtest's guest.
vmtest: initramfs
	@sh $(S)/vmtest.sh

# The variant's kernel and initramfs booted to an interactive shell (bpftool,
# keyctl, openssl) after the signed light-skeleton example; Ctrl-a x quits.
shell: initramfs
	@sh $(S)/shell.sh

clean-out:
	rm -rf $(OUT)

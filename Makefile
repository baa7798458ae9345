# SPDX-License-Identifier: GPL-2.0
#
# Signed BPF loaders verified in Rust: build Linux 7.3 with this repository's
# changes and run the kernel-side tests in a QEMU guest.
#
#   make            build everything and print the result table (= make test)
#   make test       the same; what CI runs
#   VARIANT=c|rust|debug   choose the kernel configuration (default: rust)
#
# Everything built lives in CACHE (outside the clone); logs and results in OUT.

VARIANT ?= rust
CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/signed-bpf-rs
OUT ?= $(CURDIR)/out/$(VARIANT)

FRAGMENTS_c := base c
FRAGMENTS_rust := base rust
FRAGMENTS_debug := base rust debug
FRAGMENTS := $(FRAGMENTS_$(VARIANT))
ifeq ($(FRAGMENTS),)
$(error VARIANT=$(VARIANT) is unknown; use c, rust or debug)
endif

export TOP := $(CURDIR)
export CACHE OUT VARIANT FRAGMENTS

S := scripts

.PHONY: all test root source worktree kernel selftests initramfs run lint vmtest clean-out

all: test

# The Rust checks need the Rust path configured: not for VARIANT=c. They run
# first, so that the result table ends the output.
test: $(if $(filter c,$(VARIANT)),,lint) run

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

# The same tests through vmtest (crates.io), with the same kernel.
vmtest: selftests
	@sh $(S)/vmtest.sh

clean-out:
	rm -rf $(OUT)

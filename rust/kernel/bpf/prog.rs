// SPDX-License-Identifier: GPL-2.0

//! BPF programs.
//!
//! C headers: [`include/linux/bpf.h`](srctree/include/linux/bpf.h),
//! [`include/linux/filter.h`](srctree/include/linux/filter.h)

use super::Insn;
#[cfg(CONFIG_BPF_PROG_SIG_RUST_KUNIT_TEST)]
use crate::error::to_result;
use crate::{
    bindings,
    crypto::sha2::{
        Sha256,
        Sha256Digest,
        SHA256_DIGEST_SIZE, //
    },
    prelude::*,
    transmute::AsBytes,
    types::{
        NotThreadSafe,
        Opaque, //
    },
};
#[cfg(CONFIG_BPF_PROG_SIG_RUST_KUNIT_TEST)]
use core::ptr::NonNull;

/// The digest of a program with instructions `insns`, as `bpf_prog_calc_tag()` computes it.
///
/// It is SHA-256 over the instructions with the immediates of map-fd and map-value `ld_imm64`
/// pairs zeroed, since file descriptors differ from load to load. The instructions are hashed
/// where they are, in runs: a masked instruction contributes its first four bytes and four zero
/// bytes.
pub fn prog_digest(insns: &[Insn]) -> Sha256Digest {
    const ZERO_IMM: [u8; 4] = [0; 4];
    let mut sha = Sha256::new();
    let mut run = 0;
    let mut was_ld_map = false;

    for (i, insn) in insns.iter().enumerate() {
        let masked = if !was_ld_map && insn.is_ld_map_fd() {
            was_ld_map = true;
            true
        } else {
            let upper = was_ld_map && insn.is_ld_imm64_upper();
            was_ld_map = false;
            upper
        };
        if masked {
            sha.update(insns[run..i].as_bytes());
            sha.update(insn.head_bytes());
            sha.update(&ZERO_IMM);
            run = i + 1;
        }
    }
    sha.update(insns[run..].as_bytes());
    sha.finalize()
}

/// A BPF program (`struct bpf_prog`) that the current thread is loading.
///
/// # Invariants
///
/// The program is valid for the lifetime of the reference and not yet visible to anyone else:
/// only the loading thread accesses it, and its `len` and first `len` instructions do not change
/// while the reference lives (the verifier rewrites instructions only after the check returns).
/// The type is neither [`Send`] nor [`Sync`], so a reference to it stays on that thread.
#[repr(transparent)]
pub struct Prog(Opaque<bindings::bpf_prog>, NotThreadSafe);

impl Prog {
    /// Creates a reference to a program being loaded from a pointer.
    ///
    /// # Safety
    ///
    /// `ptr` points to a valid `struct bpf_prog` that the current thread is loading, which for the
    /// whole of `'a` no other thread accesses and whose instructions do not change.
    #[inline]
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::bpf_prog) -> &'a Self {
        // CAST: `Prog` is `repr(transparent)` over `struct bpf_prog`.
        // SAFETY: The caller guarantees that `ptr` is valid for `'a`.
        unsafe { &*ptr.cast() }
    }

    #[inline]
    pub(crate) fn as_raw(&self) -> *mut bindings::bpf_prog {
        self.0.get()
    }

    /// The program's instructions.
    #[inline]
    pub fn insns(&self) -> &[Insn] {
        let prog = self.as_raw();
        // SAFETY: By the type invariant the program is valid and its `len` and first `len`
        // instructions, which `bpf_prog_insns()` points to, do not change while `self` is
        // borrowed.
        // CAST: `Insn` is `repr(transparent)` over `struct bpf_insn`.
        unsafe {
            core::slice::from_raw_parts(
                bindings::bpf_prog_insns(prog).cast::<Insn>(),
                (*prog).len as usize,
            )
        }
    }

    /// The program's digest (`prog->digest`), which an exclusive map's `excl_prog_sha` is
    /// compared with.
    #[inline]
    pub fn digest(&self) -> Sha256Digest {
        let mut digest = [0u8; SHA256_DIGEST_SIZE];
        // SAFETY: By the type invariant the program is valid and only this thread accesses it;
        // `bpf_prog_digest()` points to its `SHA256_DIGEST_SIZE` bytes of digest.
        unsafe {
            core::ptr::copy_nonoverlapping(
                bindings::bpf_prog_digest(self.as_raw()),
                digest.as_mut_ptr(),
                digest.len(),
            )
        };
        digest
    }

    /// Sets the program's digest from its own instructions ([`prog_digest`]).
    ///
    /// No other digest can be set: a program with the digest of other instructions could bind
    /// maps exclusive to those.
    pub fn compute_digest(&self) {
        let digest = prog_digest(self.insns());
        // SAFETY: By the type invariant the program is valid and only this thread accesses it;
        // `bpf_prog_digest()` points to its `SHA256_DIGEST_SIZE` bytes of digest.
        unsafe {
            core::ptr::copy_nonoverlapping(
                digest.as_ptr(),
                bindings::bpf_prog_digest(self.as_raw()),
                digest.len(),
            )
        };
    }
}

/// A program allocated here and never loaded, for tests that compare with C.
///
/// # Invariants
///
/// `self.0` was returned by `bpf_prog_alloc()`, holds `len` instructions, and is owned by this
/// value until it is dropped.
#[cfg(CONFIG_BPF_PROG_SIG_RUST_KUNIT_TEST)]
pub struct OwnedProg(NonNull<bindings::bpf_prog>);

#[cfg(CONFIG_BPF_PROG_SIG_RUST_KUNIT_TEST)]
impl OwnedProg {
    /// Allocates a program holding a copy of `insns`.
    pub fn new(insns: &[Insn]) -> Result<Self> {
        let len = u32::try_from(insns.len())?;
        // SAFETY: `bpf_prog_size()` only computes a size.
        let size = unsafe { bindings::bpf_prog_size(len) };
        // SAFETY: `bpf_prog_alloc()` may be called in process context with any size.
        let prog = NonNull::new(unsafe { bindings::bpf_prog_alloc(size, 0) }).ok_or(ENOMEM)?;
        // SAFETY: `prog` was just allocated with room for `len` instructions and is ours.
        unsafe {
            let p = prog.as_ptr();
            (*p).len = len;
            core::ptr::copy_nonoverlapping(
                insns.as_ptr(),
                bindings::bpf_prog_insns(p).cast::<Insn>(),
                insns.len(),
            );
        }
        // INVARIANT: `prog` comes from `bpf_prog_alloc()` and holds `len` instructions.
        Ok(Self(prog))
    }

    /// Computes the digest with the C implementation, `bpf_prog_calc_tag()`.
    pub fn calc_tag(&mut self) -> Result {
        // SAFETY: By the type invariant the program is valid and owned by `self`.
        to_result(unsafe { bindings::bpf_prog_calc_tag(self.0.as_ptr()) })
    }
}

#[cfg(CONFIG_BPF_PROG_SIG_RUST_KUNIT_TEST)]
impl core::ops::Deref for OwnedProg {
    type Target = Prog;

    #[inline]
    fn deref(&self) -> &Prog {
        // SAFETY: By the type invariant the program is valid and owned by `self`, and `self` is
        // not `Send`: no other thread accesses it while the returned reference lives.
        unsafe { Prog::from_raw(self.0.as_ptr()) }
    }
}

#[cfg(CONFIG_BPF_PROG_SIG_RUST_KUNIT_TEST)]
impl Drop for OwnedProg {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the program came from `bpf_prog_alloc()`, was never
        // loaded, and is owned by `self`.
        unsafe { bindings::__bpf_prog_free(self.0.as_ptr()) };
    }
}

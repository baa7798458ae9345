// SPDX-License-Identifier: GPL-2.0

//! BPF programs.
//!
//! C headers: [`include/linux/bpf.h`](srctree/include/linux/bpf.h),
//! [`include/linux/filter.h`](srctree/include/linux/filter.h)

use super::Insn;
#[cfg(CONFIG_KEYS)]
use super::KeyringType;
use crate::{
    bindings,
    crypto::sha2::Sha256Digest,
    error::to_result,
    prelude::*,
    types::Opaque, //
};
use core::ptr::NonNull;

/// The address of `prog->insnsi`.
///
/// The instructions are a flexible array in an anonymous union, which bindgen models with
/// zero-sized fields; the array is found by its offset instead.
fn insnsi(prog: *mut bindings::bpf_prog) -> *mut Insn {
    const OFFSET: usize = core::mem::offset_of!(bindings::bpf_prog, __bindgen_anon_2)
        + core::mem::offset_of!(bindings::bpf_prog__bindgen_ty_2__bindgen_ty_2, insnsi);
    // CAST: `Insn` is `repr(transparent)` over `struct bpf_insn`.
    prog.cast::<u8>().wrapping_add(OFFSET).cast()
}

/// A BPF program (`struct bpf_prog`) while it is being loaded.
///
/// # Invariants
///
/// The program is valid for the lifetime of the reference, and only the thread that loads it
/// accesses it: it is not yet visible to anyone else.
#[repr(transparent)]
pub struct Prog(Opaque<bindings::bpf_prog>);

impl Prog {
    /// Creates a reference to a program being loaded from a pointer.
    ///
    /// # Safety
    ///
    /// `ptr` points to a valid `struct bpf_prog` that, for the whole of `'a`, nothing but the
    /// current thread accesses (the program is being loaded and not yet published).
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::bpf_prog) -> &'a Self {
        // CAST: `Prog` is `repr(transparent)` over `struct bpf_prog`.
        // SAFETY: The caller guarantees that `ptr` is valid for `'a`.
        unsafe { &*ptr.cast() }
    }

    fn as_raw(&self) -> *mut bindings::bpf_prog {
        self.0.get()
    }

    /// The program's instructions.
    pub fn insns(&self) -> &[Insn] {
        let prog = self.as_raw();
        // SAFETY: By the type invariant the program is valid and not accessed concurrently.
        // `insnsi` holds `len` instructions (`bpf_prog_size()` allocated room for them).
        // CAST: `Insn` is `repr(transparent)` over `struct bpf_insn`.
        unsafe { core::slice::from_raw_parts(insnsi(prog), (*prog).len as usize) }
    }

    /// The program's digest (`prog->digest`, its tag's first bytes).
    pub fn digest(&self) -> Sha256Digest {
        // SAFETY: By the type invariant the program is valid and not accessed concurrently.
        unsafe { (*self.as_raw()).__bindgen_anon_1.digest }
    }

    /// Sets the program's digest, which `map->excl_prog_sha` is compared with.
    pub fn set_digest(&self, digest: &Sha256Digest) {
        // SAFETY: By the type invariant the program is valid and only this thread accesses it.
        unsafe { (*self.as_raw()).__bindgen_anon_1.digest = *digest };
    }

    /// Records that the program's signature was verified with a key of the given keyring.
    ///
    /// This is the verdict the BPF LSM hooks and later map binding see (`prog->aux->sig`).
    #[cfg(CONFIG_KEYS)]
    pub fn set_signature_verified(&self, keyring_serial: i32, keyring_type: KeyringType) {
        // SAFETY: By the type invariant the program is valid and only this thread accesses it;
        // `aux` is allocated with the program.
        unsafe {
            let sig = &mut (*(*self.as_raw()).aux).sig;
            sig.keyring_serial = keyring_serial;
            sig.keyring_type = keyring_type as u8;
            sig.verdict = bindings::bpf_sig_verdict_BPF_SIG_VERIFIED as u8;
        }
    }

    /// Whether the recorded verdict is "verified".
    pub fn signature_verified(&self) -> bool {
        // SAFETY: By the type invariant the program is valid and not accessed concurrently.
        let verdict = unsafe { (*(*self.as_raw()).aux).sig.verdict };
        u32::from(verdict) == bindings::bpf_sig_verdict_BPF_SIG_VERIFIED
    }
}

/// A program allocated here and never loaded, for computing what the load path would.
///
/// # Invariants
///
/// `self.0` was returned by `bpf_prog_alloc()`, holds `len` instructions, and is owned by this
/// value until it is dropped.
pub struct OwnedProg(NonNull<bindings::bpf_prog>);

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
            core::ptr::copy_nonoverlapping(insns.as_ptr(), insnsi(p), insns.len());
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

impl core::ops::Deref for OwnedProg {
    type Target = Prog;

    fn deref(&self) -> &Prog {
        // SAFETY: By the type invariant the program is valid and owned by `self`, so no other
        // thread accesses it while the returned reference lives.
        unsafe { Prog::from_raw(self.0.as_ptr()) }
    }
}

impl Drop for OwnedProg {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the program came from `bpf_prog_alloc()`, was never
        // loaded, and is owned by `self`.
        unsafe { bindings::__bpf_prog_free(self.0.as_ptr()) };
    }
}

// SPDX-License-Identifier: GPL-2.0

//! The verifier's view of a program load.
//!
//! C headers: [`include/linux/bpf_verifier.h`](srctree/include/linux/bpf_verifier.h),
//! [`include/linux/bpfptr.h`](srctree/include/linux/bpfptr.h)

#[cfg(CONFIG_KEYS)]
use super::Verified;
use super::{
    Map,
    Prog, //
};
use crate::{
    bindings,
    error::from_err_ptr,
    fmt,
    prelude::*,
    types::{
        NotThreadSafe,
        Opaque, //
    },
};
use core::ptr::NonNull;

/// The verifier's state for one program load (`struct bpf_verifier_env`).
///
/// # Invariants
///
/// The environment is valid for the lifetime of the reference and only the loading thread
/// accesses it; its program and its first `used_map_cnt` bound maps are valid as long as it is.
/// The type is neither [`Send`] nor [`Sync`], so a reference to it stays on that thread.
#[repr(transparent)]
pub struct VerifierEnv(Opaque<bindings::bpf_verifier_env>, NotThreadSafe);

impl VerifierEnv {
    /// Creates a reference to a verifier environment from a pointer.
    ///
    /// # Safety
    ///
    /// `ptr` points to the valid `struct bpf_verifier_env` of a load in progress on the current
    /// thread, which nothing else accesses for the whole of `'a`.
    #[inline]
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::bpf_verifier_env) -> &'a Self {
        // CAST: `VerifierEnv` is `repr(transparent)` over `struct bpf_verifier_env`.
        // SAFETY: The caller guarantees that `ptr` is valid for `'a`.
        unsafe { &*ptr.cast() }
    }

    #[inline]
    fn as_raw(&self) -> *mut bindings::bpf_verifier_env {
        self.0.get()
    }

    /// The program being loaded.
    #[inline]
    pub fn prog(&self) -> &Prog {
        // SAFETY: By the type invariant the program is valid and only this thread accesses it.
        unsafe { Prog::from_raw((*self.as_raw()).prog) }
    }

    /// The maps bound to the program so far, in binding order (for a continuous `fd_array`,
    /// the order of the array, each map once).
    pub fn used_maps(&self) -> impl ExactSizeIterator<Item = &Map> + '_ {
        let env = self.as_raw();
        // SAFETY: By the type invariant the environment is valid and only this thread changes
        // `used_map_cnt`.
        let cnt = unsafe { (*env).used_map_cnt } as usize;
        (0..cnt).map(move |i| {
            // SAFETY: By the type invariant the first `used_map_cnt` entries are bound maps on
            // which the verifier holds a reference while the environment lives.
            unsafe { Map::from_raw((*env).used_maps[i]) }
        })
    }

    /// Records that the program's signature was verified, with the key of `verified`
    /// (`bpf_prog_sig_set_verified()`): the verdict (`prog->aux->sig`) that the BPF LSM hooks and
    /// later map binding see. If the load succeeds, the maps it reserved are then sealed.
    ///
    /// Only a successful [`Key::verify_pkcs7`](super::Key::verify_pkcs7) gives a [`Verified`].
    #[cfg(CONFIG_KEYS)]
    #[inline]
    pub fn set_signature_verified(&self, verified: Verified<'_>) {
        // SAFETY: By the type invariant the environment is valid and only this thread accesses
        // it; `verified` holds a valid key and the keyring id it was looked up by.
        unsafe {
            bindings::bpf_prog_sig_set_verified(
                self.as_raw(),
                verified.key().as_raw(),
                verified.key().keyring_id(),
            )
        };
    }

    /// Appends a line to the verifier log, if the loader asked for one.
    ///
    /// Use the [`bpf_verifier_log!`](crate::bpf_verifier_log) macro.
    pub fn log(&self, args: fmt::Arguments<'_>) {
        // SAFETY: By the type invariant the environment is valid; `%pA` formats the
        // `fmt::Arguments` passed by pointer.
        unsafe {
            bindings::bpf_verifier_log_write(
                self.as_raw(),
                c"%pA".as_char_ptr(),
                core::ptr::from_ref(&args).cast::<c_void>(),
            )
        };
    }
}

/// Writes to the verifier log of a [`VerifierEnv`] with Rust formatting syntax.
#[macro_export]
macro_rules! bpf_verifier_log {
    ($env:expr, $($arg:tt)+) => (
        $env.log($crate::prelude::fmt!($($arg)+))
    );
}

/// A pointer from a `bpf_attr`: to user memory, or to kernel memory when the load comes from a
/// BPF program (`bpfptr_t`).
///
/// # Invariants
///
/// A kernel pointer in `self.0` is valid for reads of the sizes its user asks for: the caller
/// of `bpf_prog_load()` with `is_kernel` set guarantees that, as the C code relies on it.
#[repr(transparent)]
pub struct BpfPtr(bindings::bpfptr_t);

impl BpfPtr {
    /// Wraps a `bpfptr_t` received from C.
    ///
    /// # Safety
    ///
    /// If `ptr` is a kernel pointer, it is valid for reads of every size later read through it.
    #[inline]
    pub unsafe fn from_raw(ptr: bindings::bpfptr_t) -> Self {
        // INVARIANT: The caller guarantees that a kernel pointer is valid for reads.
        Self(ptr)
    }

    /// Copies the signature of a signed program, `size` bytes (`bpf_sig_copy()`).
    ///
    /// Fails with [`ENOMEM`] or, if user memory cannot be read, [`EFAULT`].
    pub fn copy_signature(&self, size: u32) -> Result<Signature> {
        // SAFETY: A user pointer is checked by `copy_from_user()`; a kernel pointer is valid for
        // `size` bytes by the type invariant.
        let ptr = from_err_ptr(unsafe { bindings::bpf_sig_copy(self.0, size) })?;
        // INVARIANT: `bpf_sig_copy()` returned a `kmalloc()` buffer of `size` bytes, ours.
        Ok(Signature {
            ptr: NonNull::new(ptr.cast()).ok_or(ENOMEM)?,
            len: size as usize,
        })
    }
}

/// The signature of a signed program, copied from the request.
///
/// # Invariants
///
/// `ptr` is a `kmalloc()` buffer of `len` initialised bytes that this value owns.
pub struct Signature {
    ptr: NonNull<u8>,
    len: usize,
}

impl Signature {
    /// The size of the signature, in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the signature has no bytes.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A pointer to the signature's bytes.
    #[inline]
    pub fn as_ptr(&self) -> *const u8 {
        self.ptr.as_ptr()
    }

    /// The number of bytes after the BER object the signature starts with
    /// (`bpf_sig_trailing_bytes()`), 0 if it does not start with a well-formed one.
    #[inline]
    pub fn trailing_bytes(&self) -> u32 {
        // SAFETY: By the type invariant `ptr` is valid for reads of `len` bytes, which fits the
        // `u32` signature size it was copied with.
        unsafe { bindings::bpf_sig_trailing_bytes(self.ptr.as_ptr().cast(), self.len as u32) }
    }
}

impl Drop for Signature {
    fn drop(&mut self) {
        // SAFETY: By the type invariant `ptr` is a `kmalloc()` buffer this value owns.
        unsafe { bindings::kfree(self.ptr.as_ptr().cast()) };
    }
}

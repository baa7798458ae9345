// SPDX-License-Identifier: GPL-2.0

//! The verifier's view of a program load.
//!
//! C headers: [`include/linux/bpf_verifier.h`](srctree/include/linux/bpf_verifier.h),
//! [`include/linux/bpfptr.h`](srctree/include/linux/bpfptr.h)

use super::{
    Map,
    Prog, //
};
use crate::{
    alloc::KVVec,
    bindings,
    fmt,
    prelude::*,
    types::Opaque, //
};

/// The verifier's state for one program load (`struct bpf_verifier_env`).
///
/// # Invariants
///
/// The environment is valid for the lifetime of the reference and only the loading thread
/// accesses it; its program and its first `used_map_cnt` bound maps are valid as long as it is.
#[repr(transparent)]
pub struct VerifierEnv(Opaque<bindings::bpf_verifier_env>);

impl VerifierEnv {
    /// Creates a reference to a verifier environment from a pointer.
    ///
    /// # Safety
    ///
    /// `ptr` points to the valid `struct bpf_verifier_env` of a load in progress on the current
    /// thread, which nothing else accesses for the whole of `'a`.
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::bpf_verifier_env) -> &'a Self {
        // CAST: `VerifierEnv` is `repr(transparent)` over `struct bpf_verifier_env`.
        // SAFETY: The caller guarantees that `ptr` is valid for `'a`.
        unsafe { &*ptr.cast() }
    }

    fn as_raw(&self) -> *mut bindings::bpf_verifier_env {
        self.0.get()
    }

    /// The program being loaded.
    pub fn prog(&self) -> &Prog {
        // SAFETY: By the type invariant the program is valid and only this thread accesses it.
        unsafe { Prog::from_raw((*self.as_raw()).prog) }
    }

    /// The maps bound to the program so far, in binding order (for a continuous `fd_array`,
    /// the order of the array, each map once).
    pub fn used_maps(&self) -> impl Iterator<Item = &Map> + '_ {
        let env = self.as_raw();
        // SAFETY: By the type invariant the environment is valid.
        let cnt = unsafe { (*env).used_map_cnt } as usize;
        (0..cnt).map(move |i| {
            // SAFETY: By the type invariant the first `used_map_cnt` entries are bound maps on
            // which the verifier holds a reference while the environment lives.
            unsafe { Map::from_raw((*env).used_maps[i]) }
        })
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
    pub unsafe fn from_raw(ptr: bindings::bpfptr_t) -> Self {
        // INVARIANT: The caller guarantees that a kernel pointer is valid for reads.
        Self(ptr)
    }

    /// Copies `len` bytes from the pointer into a new buffer (`kvmemdup_bpfptr()`).
    ///
    /// Fails with [`ENOMEM`] or, if user memory cannot be read, [`EFAULT`].
    pub fn read_to_vec(&self, len: usize) -> Result<KVVec<u8>> {
        let mut buf = KVVec::<u8>::with_capacity(len, GFP_KERNEL)?;
        // SAFETY: `buf` has room for `len` bytes. A user pointer is checked by
        // `copy_from_user()`; a kernel pointer is valid for `len` bytes by the type invariant.
        if unsafe { bindings::copy_from_bpfptr(buf.as_mut_ptr().cast(), self.0, len) } != 0 {
            return Err(EFAULT);
        }
        // SAFETY: The first `len` bytes were just written.
        unsafe { buf.inc_len(len) };
        Ok(buf)
    }
}

// SPDX-License-Identifier: GPL-2.0

//! The signature of a signed program load.
//!
//! C headers: [`include/linux/bpf.h`](srctree/include/linux/bpf.h),
//! [`include/linux/bpfptr.h`](srctree/include/linux/bpfptr.h)

use crate::{
    bindings,
    error::{
        from_err_ptr,
        to_result, //
    },
    prelude::*,
};
use core::{
    marker::PhantomData,
    ptr::NonNull, //
};

/// A pointer from a `bpf_attr` to `len` bytes: in user memory, or in kernel memory when the load
/// comes from a BPF program (`bpfptr_t`).
///
/// # Invariants
///
/// A kernel pointer in `ptr` is valid for reads of `len` bytes for `'a`.
pub struct BpfPtr<'a> {
    ptr: bindings::bpfptr_t,
    len: u32,
    _data: PhantomData<&'a [u8]>,
}

impl BpfPtr<'_> {
    /// Wraps a `bpfptr_t` to `len` bytes received from C.
    ///
    /// # Safety
    ///
    /// If `ptr` is a kernel pointer, it is valid for reads of `len` bytes for the lifetime of the
    /// returned value.
    #[inline]
    pub unsafe fn from_raw(ptr: bindings::bpfptr_t, len: u32) -> Self {
        // INVARIANT: The caller guarantees that a kernel pointer is valid for reads of `len`
        // bytes for the lifetime of the value.
        Self {
            ptr,
            len,
            _data: PhantomData,
        }
    }

    /// The number of bytes the pointer points to.
    #[inline]
    pub fn len(&self) -> u32 {
        self.len
    }

    /// Whether the pointer points to no bytes.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Copies the signature of a signed program, the bytes the pointer points to
    /// (`bpf_sig_copy()`). This may sleep.
    ///
    /// Fails with [`ENOMEM`] or, if user memory cannot be read, [`EFAULT`].
    pub fn copy_signature(&self) -> Result<Signature> {
        // SAFETY: A user pointer is checked by `copy_from_user()`; a kernel pointer is valid for
        // `len` bytes by the type invariant.
        let ptr = from_err_ptr(unsafe { bindings::bpf_sig_copy(self.ptr, self.len) })?;
        // INVARIANT: `bpf_sig_copy()` returned a `kvmalloc()` buffer of `len` bytes, ours.
        Ok(Signature {
            ptr: NonNull::new(ptr.cast()).ok_or(ENOMEM)?,
            len: self.len,
        })
    }
}

/// The signature of a signed program, copied from the request.
///
/// # Invariants
///
/// `ptr` is a `kvmalloc()` buffer of `len` initialised bytes that this value owns.
pub struct Signature {
    ptr: NonNull<u8>,
    len: u32,
}

impl Signature {
    /// The signature's bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: By the type invariant `ptr` holds `len` initialised bytes that only this value
        // owns.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len as usize) }
    }

    /// The number of bytes after the BER object the signature starts with
    /// (`bpf_sig_trailing_bytes()`).
    ///
    /// Fails with [`EBADMSG`] if the signature does not start with a BER object.
    #[inline]
    pub fn trailing_bytes(&self) -> Result<u32> {
        // SAFETY: By the type invariant `ptr` is valid for reads of `len` bytes.
        let n = unsafe { bindings::bpf_sig_trailing_bytes(self.ptr.as_ptr().cast(), self.len) };
        to_result(n)?;
        Ok(n.unsigned_abs())
    }
}

impl Drop for Signature {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: By the type invariant `ptr` is a `kvmalloc()` buffer this value owns.
        unsafe { bindings::kvfree(self.ptr.as_ptr().cast()) };
    }
}

// SPDX-License-Identifier: GPL-2.0

//! The verifier's view of a program load.
//!
//! C headers: [`include/linux/bpf_verifier.h`](srctree/include/linux/bpf_verifier.h),
//! [`include/linux/bpfptr.h`](srctree/include/linux/bpfptr.h)

#[cfg(CONFIG_KEYS)]
use super::Key;
use super::{
    Map,
    Prog, //
};
use crate::{
    alloc::{
        flags::GFP_KERNEL_ACCOUNT,
        KVec, //
    },
    bindings,
    error::from_err_ptr,
    fmt,
    iov::KvecRef,
    prelude::*,
    transmute::AsBytes,
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
/// accesses it. `env->prog` satisfies the invariants of [`Prog`] for as long, and the first
/// `used_map_cnt` entries of `used_maps` are maps on which the verifier holds a reference,
/// released only after the environment is no longer used. The type is neither [`Send`] nor
/// [`Sync`], so a reference to it stays on that thread.
#[repr(transparent)]
pub struct VerifierEnv(Opaque<bindings::bpf_verifier_env>, NotThreadSafe);

impl VerifierEnv {
    /// Creates a reference to a verifier environment from a pointer.
    ///
    /// # Safety
    ///
    /// `ptr` points to the valid `struct bpf_verifier_env` of a load in progress on the current
    /// thread, in the state the type invariants describe for the whole of `'a`: only this thread
    /// accesses it, its program's instructions do not change and its bound maps stay bound.
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
        // SAFETY: By the type invariant `env->prog` satisfies the invariants of `Prog` while
        // `self` is borrowed.
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
            // SAFETY: By the type invariant the first `used_map_cnt` entries are maps bound to
            // this load, on which the verifier holds a reference while the environment lives.
            unsafe { Map::from_raw((*env).used_maps[i]) }
        })
    }

    /// Verifies `sig` with `key` over the signed payload of the program being loaded: its
    /// instructions followed by the value of each bound map, in binding order, hashed where they
    /// lie.
    ///
    /// Every bound map must be a single-entry array; a map that is not fails with [`EINVAL`] and
    /// a verifier log line. Otherwise fails as `Key::verify_pkcs7()` does, or with [`ENOMEM`].
    ///
    /// The values are not copied: the caller makes sure that nothing writes them while they are
    /// hashed (a signed load's maps are frozen, have no writers and no other program is bound to
    /// them), but they are never Rust references, only [`KvecRef`]s for C to read.
    #[cfg(CONFIG_KEYS)]
    pub fn verify_signature<'a>(&'a self, key: &'a Key, sig: &Signature) -> Result<Verified<'a>> {
        let mut payload = KVec::with_capacity(self.used_maps().len() + 1, GFP_KERNEL_ACCOUNT)?;
        // Within capacity: one piece for the instructions and one per map.
        let mut push = |piece| payload.push_within_capacity(piece).map_err(|_| ENOMEM);
        push(KvecRef::new(self.prog().insns().as_bytes()))?;
        for map in self.used_maps() {
            let value = map.array_value().inspect_err(|e| {
                crate::bpf_verifier_log!(
                    self,
                    "failed to read signed metadata map '{}': {}\n",
                    map.name(),
                    e.to_errno()
                );
            })?;
            push(value.kvec())?;
        }
        key.verify_pkcs7(&payload, sig)?;
        Ok(Verified { env: self, key })
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

/// A signature that [`VerifierEnv::verify_signature`] verified over the payload of the program
/// being loaded: only such a value records a verdict.
#[cfg(CONFIG_KEYS)]
#[must_use = "a verified signature is only recorded by `record()`"]
pub struct Verified<'a> {
    env: &'a VerifierEnv,
    key: &'a Key,
}

#[cfg(CONFIG_KEYS)]
impl Verified<'_> {
    /// Records the verdict on the program being loaded (`bpf_prog_sig_set_verified()`):
    /// `prog->aux->sig`, which the BPF LSM hooks and later map binding see, with the kind and
    /// serial of the keyring.
    #[inline]
    pub fn record(self) {
        // SAFETY: By the type invariants of `VerifierEnv` and `Prog` the program is valid and
        // only this thread accesses it; the key is valid and `keyring_id()` is what it was
        // looked up by.
        unsafe {
            bindings::bpf_prog_sig_set_verified(
                self.env.prog().as_raw(),
                self.key.as_raw(),
                self.key.keyring_id(),
            )
        };
    }
}

/// A pointer from a `bpf_attr` to `len` bytes: in user memory, or in kernel memory when the load
/// comes from a BPF program (`bpfptr_t`).
///
/// # Invariants
///
/// A kernel pointer in `ptr` is valid for reads of `len` bytes.
pub struct BpfPtr {
    ptr: bindings::bpfptr_t,
    len: u32,
}

impl BpfPtr {
    /// Wraps a `bpfptr_t` to `len` bytes received from C.
    ///
    /// # Safety
    ///
    /// If `ptr` is a kernel pointer, it is valid for reads of `len` bytes for as long as the
    /// returned value lives.
    #[inline]
    pub unsafe fn from_raw(ptr: bindings::bpfptr_t, len: u32) -> Self {
        // INVARIANT: The caller guarantees that a kernel pointer is valid for reads of `len`
        // bytes.
        Self { ptr, len }
    }

    /// Copies the signature of a signed program, the `len` bytes the pointer points to
    /// (`bpf_sig_copy()`).
    ///
    /// Fails with [`ENOMEM`] or, if user memory cannot be read, [`EFAULT`].
    pub fn copy_signature(&self) -> Result<Signature> {
        // SAFETY: A user pointer is checked by `copy_from_user()`; a kernel pointer is valid for
        // `len` bytes by the type invariant.
        let ptr = from_err_ptr(unsafe { bindings::bpf_sig_copy(self.ptr, self.len) })?;
        // INVARIANT: `bpf_sig_copy()` returned a `kvmalloc()` buffer of `len` bytes, ours.
        Ok(Signature {
            ptr: NonNull::new(ptr.cast()).ok_or(ENOMEM)?,
            len: self.len as usize,
        })
    }
}

/// The signature of a signed program, copied from the request.
///
/// # Invariants
///
/// `ptr` is a `kvmalloc()` buffer of `len` initialised bytes, at most `u32::MAX`, that this value
/// owns.
pub struct Signature {
    ptr: NonNull<u8>,
    len: usize,
}

impl Signature {
    /// The signature's bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        // SAFETY: By the type invariant `ptr` holds `len` initialised bytes that only this value
        // owns.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// The number of bytes after the DER object the signature starts with
    /// (`bpf_sig_trailing_bytes()`), 0 if it does not start with a well-formed one.
    #[inline]
    pub fn trailing_bytes(&self) -> u32 {
        // SAFETY: By the type invariant `ptr` is valid for reads of `len` bytes, which fits a
        // `u32`.
        unsafe { bindings::bpf_sig_trailing_bytes(self.ptr.as_ptr().cast(), self.len as u32) }
    }
}

impl Drop for Signature {
    fn drop(&mut self) {
        // SAFETY: By the type invariant `ptr` is a `kvmalloc()` buffer this value owns.
        unsafe { bindings::kvfree(self.ptr.as_ptr().cast()) };
    }
}

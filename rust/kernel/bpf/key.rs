// SPDX-License-Identifier: GPL-2.0

//! Keys that verify BPF signatures.
//!
//! C headers: [`include/linux/bpf.h`](srctree/include/linux/bpf.h),
//! [`include/linux/verification.h`](srctree/include/linux/verification.h)

use super::Signature;
use crate::{
    bindings,
    error::to_result,
    iov::KvecRef,
    prelude::*, //
};
use core::ptr::NonNull;

/// A signing keyring (`struct bpf_key`), owned, with the `keyring_id` that named it.
///
/// # Invariants
///
/// `ptr` was returned by `bpf_sig_lookup_keyring(keyring_id)` and is released once, when this
/// value is dropped.
pub struct Key {
    ptr: NonNull<bindings::bpf_key>,
    keyring_id: i32,
}

impl Key {
    /// Looks up the keyring that a `keyring_id` of `BPF_PROG_LOAD` names: a system keyring, or a
    /// key or keyring of the caller's by serial number (`bpf_sig_lookup_keyring()`).
    ///
    /// The permission to use a key of the caller's is checked when it verifies a signature. This
    /// may sleep.
    pub fn lookup(keyring_id: i32) -> Option<Self> {
        // SAFETY: `bpf_sig_lookup_keyring()` accepts any id and returns NULL for a bad one.
        let ptr = NonNull::new(unsafe { bindings::bpf_sig_lookup_keyring(keyring_id) })?;
        // INVARIANT: `ptr` came from `bpf_sig_lookup_keyring(keyring_id)`.
        Some(Self { ptr, keyring_id })
    }

    #[inline]
    pub(crate) fn as_raw(&self) -> *mut bindings::bpf_key {
        self.ptr.as_ptr()
    }

    /// The `keyring_id` the key was looked up by.
    #[inline]
    pub fn keyring_id(&self) -> i32 {
        self.keyring_id
    }

    /// Verifies a detached PKCS#7 signature for BPF (`VERIFYING_BPF_SIGNATURE`) with a key of
    /// this keyring (`bpf_key_verify_pkcs7()`): the signed data is the concatenation of `data`,
    /// hashed where it lies. [`VerifierEnv::verify_signature`] gives it the payload of the program
    /// being loaded.
    ///
    /// Fails with [`EBADMSG`] if `sig` does not parse, [`EKEYREJECTED`] if it does not match,
    /// [`ENOKEY`] if no key of the keyring signed it, or another errno of the crypto layer.
    ///
    /// [`VerifierEnv::verify_signature`]: super::VerifierEnv::verify_signature
    pub(crate) fn verify_pkcs7(&self, data: &[KvecRef<'_>], sig: &Signature) -> Result {
        let nvec = u32::try_from(data.len())?;
        let sig = sig.as_bytes();
        // SAFETY: By the type invariant the key is valid. `data` is an array of `nvec` kvecs,
        // each valid for reads of its length by the type invariant of `KvecRef`, and `sig` is
        // valid for reads of its length; nothing is kept after the call.
        to_result(unsafe {
            bindings::bpf_key_verify_pkcs7(
                self.as_raw(),
                KvecRef::as_raw_array(data),
                nvec,
                sig.as_ptr().cast(),
                sig.len(),
            )
        })
    }
}

impl Drop for Key {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: By the type invariant the key came from a lookup and is released only here.
        unsafe { bindings::bpf_key_put(self.as_raw()) };
    }
}

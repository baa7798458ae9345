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

/// The kind of keyring a signature was verified against (`enum bpf_sig_keyring`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum KeyringType {
    /// No keyring: the program is not signed.
    None = bindings::bpf_sig_keyring_BPF_SIG_KEYRING_NONE,
    /// The builtin (primary) system keyring.
    Builtin = bindings::bpf_sig_keyring_BPF_SIG_KEYRING_BUILTIN,
    /// The secondary system keyring (and the builtin one).
    Secondary = bindings::bpf_sig_keyring_BPF_SIG_KEYRING_SECONDARY,
    /// The platform keyring.
    Platform = bindings::bpf_sig_keyring_BPF_SIG_KEYRING_PLATFORM,
    /// A keyring of the user's, by serial number.
    User = bindings::bpf_sig_keyring_BPF_SIG_KEYRING_USER,
}

impl KeyringType {
    /// The kind of keyring a `keyring_id` of `BPF_PROG_LOAD` names (`bpf_sig_keyring_type()`):
    /// 0 and the `VERIFY_USE_*_KEYRING` ids are system keyrings, anything else a serial number.
    pub fn of_keyring_id(keyring_id: i32) -> Self {
        // SAFETY: `bpf_sig_keyring_type()` only classifies its argument.
        match unsafe { bindings::bpf_sig_keyring_type(keyring_id) } {
            bindings::bpf_sig_keyring_BPF_SIG_KEYRING_BUILTIN => Self::Builtin,
            bindings::bpf_sig_keyring_BPF_SIG_KEYRING_SECONDARY => Self::Secondary,
            bindings::bpf_sig_keyring_BPF_SIG_KEYRING_PLATFORM => Self::Platform,
            bindings::bpf_sig_keyring_BPF_SIG_KEYRING_USER => Self::User,
            _ => Self::None,
        }
    }
}

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
    /// `VERIFY_USE_SECONDARY_KEYRING`: the builtin and secondary system keyrings.
    pub const SECONDARY_KEYRING_ID: i32 = bindings::VERIFY_USE_SECONDARY_KEYRING;

    /// `VERIFY_USE_PLATFORM_KEYRING`: the platform keyring.
    pub const PLATFORM_KEYRING_ID: i32 = bindings::VERIFY_USE_PLATFORM_KEYRING;

    /// Looks up the keyring that a `keyring_id` of `BPF_PROG_LOAD` names: a system keyring, or a
    /// key or keyring of the caller's by serial number (`bpf_sig_lookup_keyring()`).
    ///
    /// The permission to use a key of the caller's is checked when it verifies a signature.
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

    /// The key's serial number; 0 for a system keyring.
    #[inline]
    pub fn serial(&self) -> i32 {
        // SAFETY: By the type invariant the key is valid.
        unsafe { bindings::bpf_key_serial(self.as_raw()) }
    }

    /// Verifies a detached PKCS#7 signature for BPF (`VERIFYING_BPF_SIGNATURE`) with a key of
    /// this keyring (`bpf_key_verify_pkcs7()`): the signed data is the concatenation of `data`,
    /// hashed where it lies. [`VerifierEnv::verify_signature`](super::VerifierEnv) gives it the
    /// payload of the program being loaded.
    ///
    /// Fails with [`EBADMSG`] if `sig` does not parse, [`EKEYREJECTED`] if it does not match,
    /// [`ENOKEY`] if no key of the keyring signed it, or another errno of the crypto layer.
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
    fn drop(&mut self) {
        // SAFETY: By the type invariant the key came from a lookup and is released only here.
        unsafe { bindings::bpf_key_put(self.as_raw()) };
    }
}

// SPDX-License-Identifier: GPL-2.0

//! Keys that verify BPF signatures.
//!
//! C headers: [`include/linux/bpf.h`](srctree/include/linux/bpf.h),
//! [`include/linux/verification.h`](srctree/include/linux/verification.h)

use crate::{
    bindings,
    error::to_result,
    prelude::*, //
};
use core::{marker::PhantomData, ptr::NonNull};

/// A piece of the data a signature covers: a `struct kvec` that borrows a byte slice.
///
/// A signed BPF payload is the program's instructions followed by the values of its metadata
/// maps; [`Key::verify_pkcs7`] takes it as a slice of pieces, hashed in order, so that it never
/// has to be copied into one buffer.
///
/// # Invariants
///
/// The `kvec` describes memory that is valid for reads of `iov_len` bytes for `'a`.
#[repr(transparent)]
pub struct DataPiece<'a>(bindings::kvec, PhantomData<&'a [u8]>);

impl<'a> DataPiece<'a> {
    /// A piece that covers `data`.
    pub fn new(data: &'a [u8]) -> Self {
        // INVARIANT: The `kvec` describes `data`, which outlives the piece.
        Self(
            bindings::kvec {
                iov_base: data.as_ptr().cast_mut().cast(),
                iov_len: data.len(),
            },
            PhantomData,
        )
    }
}

/// The kind of keyring a signature was verified against (`enum bpf_sig_keyring`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum KeyringType {
    /// The builtin (primary) system keyring.
    Builtin = bindings::bpf_sig_keyring_BPF_SIG_KEYRING_BUILTIN as u8,
    /// The secondary system keyring (and the builtin one).
    Secondary = bindings::bpf_sig_keyring_BPF_SIG_KEYRING_SECONDARY as u8,
    /// The platform keyring.
    Platform = bindings::bpf_sig_keyring_BPF_SIG_KEYRING_PLATFORM as u8,
    /// A keyring of the user's, by serial number.
    User = bindings::bpf_sig_keyring_BPF_SIG_KEYRING_USER as u8,
}

impl KeyringType {
    /// The kind of keyring a `keyring_id` of `BPF_PROG_LOAD` names: 0 and the
    /// `VERIFY_USE_*_KEYRING` ids are system keyrings, anything else a serial number.
    pub fn of_keyring_id(id: i32) -> Self {
        match id {
            0 => Self::Builtin,
            Key::SECONDARY_KEYRING_ID => Self::Secondary,
            Key::PLATFORM_KEYRING_ID => Self::Platform,
            _ => Self::User,
        }
    }
}

/// A signing keyring (`struct bpf_key`), owned.
///
/// # Invariants
///
/// `self.0` was returned by `bpf_lookup_system_key()` or `bpf_lookup_user_key()` and is released
/// once, when this value is dropped.
pub struct Key(NonNull<bindings::bpf_key>);

impl Key {
    /// `VERIFY_USE_SECONDARY_KEYRING`: the builtin and secondary system keyrings.
    // A pointer constant in C, which bindgen does not translate.
    pub const SECONDARY_KEYRING_ID: i32 = 1;

    /// `VERIFY_USE_PLATFORM_KEYRING`: the platform keyring.
    pub const PLATFORM_KEYRING_ID: i32 = 2;

    /// Whether `id` names a system keyring (builtin, secondary or platform) rather than a key
    /// serial number.
    pub fn is_system_keyring_id(id: u64) -> bool {
        // SAFETY: `system_keyring_id_check()` only compares its argument.
        unsafe { bindings::system_keyring_id_check(id) == 0 }
    }

    /// Looks up a system keyring by its id (0, `VERIFY_USE_SECONDARY_KEYRING` or
    /// `VERIFY_USE_PLATFORM_KEYRING`).
    pub fn lookup_system(id: u64) -> Option<Self> {
        // SAFETY: `bpf_lookup_system_key()` accepts any id and returns NULL for a bad one.
        let key = unsafe { bindings::bpf_lookup_system_key(id) };
        // INVARIANT: A non-NULL `key` came from `bpf_lookup_system_key()`.
        NonNull::new(key).map(Self)
    }

    /// Looks up a keyring (or key) of the caller's by its serial number.
    ///
    /// Permission to use the key is checked when it verifies a signature.
    pub fn lookup_user(serial: i32) -> Option<Self> {
        // SAFETY: `bpf_lookup_user_key()` accepts any serial and returns NULL for a bad one.
        let key = unsafe { bindings::bpf_lookup_user_key(serial, 0) };
        // INVARIANT: A non-NULL `key` came from `bpf_lookup_user_key()`.
        NonNull::new(key).map(Self)
    }

    /// The key's serial number; 0 for a system keyring.
    pub fn serial(&self) -> i32 {
        // SAFETY: By the type invariant the key is valid.
        unsafe { bindings::bpf_key_serial(self.0.as_ptr()) }
    }

    /// Verifies a detached PKCS#7 signature for BPF (`VERIFYING_BPF_SIGNATURE`) with a key of
    /// this keyring; the signed data is the concatenation of `data`, hashed piece by piece.
    ///
    /// Fails with [`EBADMSG`] if `sig` does not parse, [`EKEYREJECTED`] if it does not match,
    /// [`ENOKEY`] if no key of the keyring signed it, or another errno of the crypto layer.
    #[cfg(CONFIG_SYSTEM_DATA_VERIFICATION)]
    pub fn verify_pkcs7(&self, data: &[DataPiece<'_>], sig: &[u8]) -> Result {
        let nvec = u32::try_from(data.len())?;
        let bkey = self.0.as_ptr();
        // SAFETY: By the type invariant the key is valid.
        let (key, has_ref) = unsafe { ((*bkey).key, (*bkey).has_ref) };
        if has_ref {
            // The permission check that `bpf_lookup_user_key()` deferred.
            // SAFETY: A key with a reference is a real, live `struct key`.
            to_result(unsafe { bindings::key_validate(key) })?;
        }
        // SAFETY: `DataPiece` is a transparent `kvec`, so `data` is an array of `nvec` kvecs,
        // each valid for reads of its length by the type invariant; `sig` is valid for reads of
        // its length; `key` is a real key or one of the system keyring ids
        // `verify_pkcs7_signature_vec()` understands. Nothing is kept after the call.
        to_result(unsafe {
            bindings::verify_pkcs7_signature_vec(
                data.as_ptr().cast(),
                nvec,
                sig.as_ptr().cast(),
                sig.len(),
                key,
                bindings::key_being_used_for_VERIFYING_BPF_SIGNATURE,
            )
        })
    }

    /// Verifies a detached PKCS#7 signature; without `CONFIG_SYSTEM_DATA_VERIFICATION` there is
    /// nothing to verify with.
    #[cfg(not(CONFIG_SYSTEM_DATA_VERIFICATION))]
    pub fn verify_pkcs7(&self, _data: &[DataPiece<'_>], _sig: &[u8]) -> Result {
        Err(EOPNOTSUPP)
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the key came from a lookup and is released only here.
        unsafe { bindings::bpf_key_put(self.0.as_ptr()) };
    }
}

// SPDX-License-Identifier: GPL-2.0

//! BPF programs being loaded, maps, signing keys and the verifier.
//!
//! These are thin views of the C objects that `bpf_check()` works on while it loads a program,
//! enough to implement the check of a signed program in Rust. A program being loaded, and the
//! verifier's state, belong to the thread that loads it: the types that refer to them are neither
//! [`Send`] nor [`Sync`].
//!
//! C headers: [`include/linux/bpf.h`](srctree/include/linux/bpf.h),
//! [`include/linux/bpf_verifier.h`](srctree/include/linux/bpf_verifier.h),
//! [`include/linux/bpfptr.h`](srctree/include/linux/bpfptr.h)

mod insn;
#[cfg(CONFIG_KEYS)]
mod key;
mod map;
mod prog;
mod sig;
mod verifier;

pub use insn::Insn;
#[cfg(CONFIG_KEYS)]
pub use key::Key;
pub use map::{
    ArrayValue,
    Map,
    MapType,
    MetadataError, //
};
pub use prog::Prog;
pub use sig::{
    BpfPtr,
    Signature, //
};
#[cfg(CONFIG_KEYS)]
pub use verifier::Verified;
pub use verifier::VerifierEnv;

use crate::{
    bindings,
    error::to_result,
    prelude::*, //
};

/// Checks that `size` bytes fit the data of a dynamic pointer: at most 16 MiB - 1
/// (`bpf_dynptr_check_size()`), the bound on a signed program's payload.
///
/// Fails with [`E2BIG`] otherwise.
///
/// # Examples
///
/// ```
/// use kernel::bpf::dynptr_check_size;
///
/// assert_eq!(dynptr_check_size(16 * 1024 * 1024 - 1), Ok(()));
/// assert_eq!(dynptr_check_size(16 * 1024 * 1024), Err(E2BIG));
/// ```
#[inline]
pub fn dynptr_check_size(size: u64) -> Result {
    // SAFETY: `bpf_dynptr_check_size()` only compares its argument.
    to_result(unsafe { bindings::bpf_dynptr_check_size(size) })
}

/// Checks a signed load's `signature_size` (`bpf_sig_check_size()`): a signature is copied into
/// one slab object, never into a larger buffer.
///
/// Fails with [`EINVAL`] otherwise.
///
/// # Examples
///
/// ```
/// use kernel::bpf::sig_check_size;
///
/// // An empty signature, and one larger than any slab object.
/// assert_eq!(sig_check_size(0), Err(EINVAL));
/// assert_eq!(sig_check_size(u32::MAX), Err(EINVAL));
/// // An RSA-2048 PKCS#7 signature.
/// assert_eq!(sig_check_size(429), Ok(()));
/// ```
#[inline]
pub fn sig_check_size(size: u32) -> Result {
    // SAFETY: `bpf_sig_check_size()` only compares its argument.
    to_result(unsafe { bindings::bpf_sig_check_size(size) })
}

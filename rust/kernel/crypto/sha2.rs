// SPDX-License-Identifier: GPL-2.0

//! SHA-256 from the crypto library.
//!
//! C header: [`include/crypto/sha2.h`](srctree/include/crypto/sha2.h)

use crate::bindings;

/// Size of a SHA-256 digest in bytes.
pub const SHA256_DIGEST_SIZE: usize = bindings::SHA256_DIGEST_SIZE as usize;

/// A SHA-256 digest.
pub type Sha256Digest = [u8; SHA256_DIGEST_SIZE];

/// A streaming SHA-256 computation (`struct sha256_ctx`).
///
/// Data is fed in any number of pieces with [`Sha256::update`]; the digest is the same as that of
/// the pieces' concatenation, which never has to exist in memory. The context holds state derived
/// from the data: where it lies when the computation ends, finished or not, it is zeroed (copies a
/// move leaves behind are not).
///
/// # Invariants
///
/// `ctx` was initialised by `sha256_init()` and not finalised.
///
/// # Examples
///
/// ```
/// use kernel::crypto::sha2::{
///     sha256,
///     Sha256, //
/// };
///
/// let mut h = Sha256::new();
/// h.update(b"ab");
/// h.update(b"c");
/// assert_eq!(h.finalize(), sha256(b"abc"));
/// ```
pub struct Sha256 {
    ctx: bindings::sha256_ctx,
}

impl Sha256 {
    /// Starts a new computation.
    #[inline]
    pub fn new() -> Self {
        let mut ctx = bindings::sha256_ctx::default();
        // SAFETY: `ctx` is a valid, writable `struct sha256_ctx`.
        unsafe { bindings::sha256_init(&mut ctx) };
        // INVARIANT: `ctx` was just initialised.
        Self { ctx }
    }

    /// Feeds `data` into the computation.
    #[inline]
    pub fn update(&mut self, data: &[u8]) {
        // SAFETY: By the type invariant `self.ctx` is initialised; `data` is valid for reads of
        // `data.len()` bytes.
        unsafe { bindings::sha256_update(&mut self.ctx, data.as_ptr(), data.len()) };
    }

    /// Ends the computation and returns the digest.
    #[inline]
    pub fn finalize(mut self) -> Sha256Digest {
        let mut out = [0u8; SHA256_DIGEST_SIZE];
        // SAFETY: By the type invariant `self.ctx` is initialised; `out` is valid for writes of
        // `SHA256_DIGEST_SIZE` bytes. `sha256_final()` zeroes the context, which `drop` zeroes
        // again.
        unsafe { bindings::sha256_final(&mut self.ctx, out.as_mut_ptr()) };
        out
    }
}

impl Default for Sha256 {
    #[inline]
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Sha256 {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: `self.ctx` is valid for writes of its size.
        unsafe {
            bindings::memzero_explicit(
                core::ptr::from_mut(&mut self.ctx).cast(),
                core::mem::size_of_val(&self.ctx),
            )
        };
    }
}

/// Returns the SHA-256 digest of `data`.
#[inline]
pub fn sha256(data: &[u8]) -> Sha256Digest {
    let mut out = [0u8; SHA256_DIGEST_SIZE];
    // SAFETY: `data` is valid for reads of `data.len()` bytes and `out` for writes of
    // `SHA256_DIGEST_SIZE` bytes.
    unsafe { bindings::sha256(data.as_ptr(), data.len(), out.as_mut_ptr()) };
    out
}

// SPDX-License-Identifier: GPL-2.0

//! SHA-256 from the crypto library.
//!
//! C header: [`include/crypto/sha2.h`](srctree/include/crypto/sha2.h)

use crate::bindings;

/// Size of a SHA-256 digest in bytes.
pub const SHA256_DIGEST_SIZE: usize = bindings::SHA256_DIGEST_SIZE as usize;

/// A SHA-256 digest.
pub type Sha256Digest = [u8; SHA256_DIGEST_SIZE];

/// A streaming SHA-256 computation.
///
/// Data is fed in any number of pieces with [`Sha256::update`]; the digest is the same as that of
/// the pieces' concatenation, which never has to exist in memory.
///
/// # Examples
///
/// ```
/// use kernel::crypto::sha2::{sha256, Sha256};
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
    pub fn new() -> Self {
        let mut ctx = bindings::sha256_ctx::default();
        // SAFETY: `ctx` is a valid, writable `struct sha256_ctx`.
        unsafe { bindings::sha256_init(&mut ctx) };
        Self { ctx }
    }

    /// Feeds `data` into the computation.
    pub fn update(&mut self, data: &[u8]) {
        // SAFETY: `self.ctx` was initialised by `sha256_init()` and `data` is valid for reads of
        // `data.len()` bytes.
        unsafe { bindings::sha256_update(&mut self.ctx, data.as_ptr(), data.len()) };
    }

    /// Ends the computation and returns the digest.
    pub fn finalize(mut self) -> Sha256Digest {
        let mut out = [0u8; SHA256_DIGEST_SIZE];
        // SAFETY: `self.ctx` was initialised by `sha256_init()`; `out` is valid for writes of
        // `SHA256_DIGEST_SIZE` bytes.
        unsafe { bindings::sha256_final(&mut self.ctx, out.as_mut_ptr()) };
        out
    }
}

impl Default for Sha256 {
    fn default() -> Self {
        Self::new()
    }
}

/// Returns the SHA-256 digest of `data`.
pub fn sha256(data: &[u8]) -> Sha256Digest {
    let mut out = [0u8; SHA256_DIGEST_SIZE];
    // SAFETY: `data` is valid for reads of `data.len()` bytes and `out` for writes of
    // `SHA256_DIGEST_SIZE` bytes.
    unsafe { bindings::sha256(data.as_ptr(), data.len(), out.as_mut_ptr()) };
    out
}

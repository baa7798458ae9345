// SPDX-License-Identifier: GPL-2.0

//! Cryptographic library functions.
//!
//! These wrap the library interfaces of `lib/crypto/`, which are plain function calls usable in
//! any context, not the crypto API's transforms. Each is there when its library is built in.

#[cfg(CONFIG_CRYPTO_LIB_SHA256 = "y")]
pub mod sha2;

// SPDX-License-Identifier: GPL-2.0

//! Cryptographic library functions.
//!
//! These wrap the library interfaces of `lib/crypto/`, which are plain function calls usable in
//! any context, not the crypto API's transforms.

pub mod sha2;

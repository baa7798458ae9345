// SPDX-License-Identifier: GPL-2.0

//! BPF programs, maps, keys and the verifier, as seen while a program is loaded.
//!
//! These are thin views of the C objects that `bpf_check()` works on, enough to implement checks
//! such as the verification of a signed loader in Rust.
//!
//! C headers: [`include/linux/bpf.h`](srctree/include/linux/bpf.h),
//! [`include/linux/bpf_verifier.h`](srctree/include/linux/bpf_verifier.h),
//! [`include/linux/bpfptr.h`](srctree/include/linux/bpfptr.h)

mod insn;
#[cfg(CONFIG_KEYS)]
mod key;
mod map;
mod prog;
mod verifier;

pub use insn::Insn;
#[cfg(CONFIG_KEYS)]
pub use key::{
    DataPiece,
    Key,
    KeyringType, //
};
pub use map::{
    Map,
    MapType, //
};
pub use prog::{
    OwnedProg,
    Prog, //
};
pub use verifier::{
    BpfPtr,
    VerifierEnv, //
};

use crate::{
    bindings,
    error::to_result,
    prelude::*, //
};

/// Largest size, in bytes, of a dynamic pointer's data.
///
/// Fails with [`E2BIG`] when `size` is larger than what a `struct bpf_dynptr` can describe
/// (16 MiB - 1), the bound on a signed program's payload.
pub fn dynptr_check_size(size: u64) -> Result {
    // SAFETY: `bpf_dynptr_check_size()` only compares its argument.
    to_result(unsafe { bindings::bpf_dynptr_check_size(size) })
}

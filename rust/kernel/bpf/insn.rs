// SPDX-License-Identifier: GPL-2.0

//! BPF instructions.
//!
//! C header: [`include/uapi/linux/bpf.h`](srctree/include/uapi/linux/bpf.h)

use crate::{
    bindings,
    transmute::AsBytes, //
};

/// One BPF instruction (`struct bpf_insn`), eight bytes.
///
/// An `ld_imm64` takes two of them: the second has a zero opcode and carries the upper half of
/// the immediate.
#[derive(Clone, Copy)]
#[repr(transparent)]
pub struct Insn(bindings::bpf_insn);

// SAFETY: `struct bpf_insn` is 8 bytes without padding (`u8`, two 4-bit fields in one `u8`, `s16`,
// `s32`), so every byte of an `Insn` is initialised; it has no interior mutability.
unsafe impl AsBytes for Insn {}

impl Insn {
    /// Creates an instruction from its fields; `dst_reg` and `src_reg` are truncated to 4 bits.
    #[cfg(CONFIG_RUST_BPF_ABSTRACTIONS_KUNIT_TEST)]
    #[inline]
    pub(crate) fn new(code: u8, dst_reg: u8, src_reg: u8, off: i16, imm: i32) -> Self {
        // SAFETY: `bpf_insn_make()` only builds a value.
        Self(unsafe { bindings::bpf_insn_make(code, dst_reg, src_reg, off, imm) })
    }
}

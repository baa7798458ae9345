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
    /// Opcode of `ld_imm64` (`BPF_LD | BPF_IMM | BPF_DW`).
    pub const LD_IMM64: u8 = (bindings::BPF_LD | bindings::BPF_IMM | bindings::BPF_DW) as u8;

    /// `ld_imm64` source: the immediate is a map file descriptor (`BPF_PSEUDO_MAP_FD`).
    pub const PSEUDO_MAP_FD: u8 = bindings::BPF_PSEUDO_MAP_FD as u8;

    /// `ld_imm64` source: the immediates are a map file descriptor and an offset into its value
    /// (`BPF_PSEUDO_MAP_VALUE`).
    pub const PSEUDO_MAP_VALUE: u8 = bindings::BPF_PSEUDO_MAP_VALUE as u8;

    /// `ld_imm64` source: the immediate is an index into `fd_array` (`BPF_PSEUDO_MAP_IDX`).
    pub const PSEUDO_MAP_IDX: u8 = bindings::BPF_PSEUDO_MAP_IDX as u8;

    /// `ld_imm64` source: an `fd_array` index and a value offset (`BPF_PSEUDO_MAP_IDX_VALUE`).
    pub const PSEUDO_MAP_IDX_VALUE: u8 = bindings::BPF_PSEUDO_MAP_IDX_VALUE as u8;

    /// Creates an instruction from its fields; `dst_reg` and `src_reg` are truncated to 4 bits.
    #[cfg(CONFIG_BPF_PROG_SIG_RUST_KUNIT_TEST)]
    #[inline]
    pub fn new(code: u8, dst_reg: u8, src_reg: u8, off: i16, imm: i32) -> Self {
        // SAFETY: `bpf_insn_make()` only builds a value.
        Self(unsafe { bindings::bpf_insn_make(code, dst_reg, src_reg, off, imm) })
    }

    /// The opcode.
    #[inline]
    pub fn code(&self) -> u8 {
        self.0.code
    }

    /// The destination register.
    #[inline]
    pub fn dst_reg(&self) -> u8 {
        // SAFETY: `self.0` is a valid instruction for the duration of the call.
        unsafe { bindings::bpf_insn_dst_reg(&self.0) }
    }

    /// The source register; for `ld_imm64`, the kind of value loaded.
    #[inline]
    pub fn src_reg(&self) -> u8 {
        // SAFETY: `self.0` is a valid instruction for the duration of the call.
        unsafe { bindings::bpf_insn_src_reg(&self.0) }
    }

    /// The offset.
    #[inline]
    pub fn off(&self) -> i16 {
        self.0.off
    }

    /// The immediate.
    #[inline]
    pub fn imm(&self) -> i32 {
        self.0.imm
    }

    /// The instruction up to its immediate: its first four bytes.
    #[inline]
    pub fn head_bytes(&self) -> &[u8] {
        &self.as_bytes()[..4]
    }

    /// Whether this instruction starts an `ld_imm64` of a map file descriptor or map value: its
    /// immediates differ from load to load.
    #[inline]
    pub fn is_ld_map_fd(&self) -> bool {
        self.code() == Self::LD_IMM64
            && matches!(self.src_reg(), Self::PSEUDO_MAP_FD | Self::PSEUDO_MAP_VALUE)
    }

    /// Whether this instruction can be the second half of an `ld_imm64`: all zero but its
    /// immediate.
    #[inline]
    pub fn is_ld_imm64_upper(&self) -> bool {
        self.code() == 0 && self.off() == 0 && self.dst_reg() == 0 && self.src_reg() == 0
    }
}

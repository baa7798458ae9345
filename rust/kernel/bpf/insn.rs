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

    /// Creates an instruction from its fields.
    pub fn new(code: u8, dst_reg: u8, src_reg: u8, off: i16, imm: i32) -> Self {
        Self(bindings::bpf_insn {
            code,
            _bitfield_align_1: [],
            _bitfield_1: bindings::bpf_insn::new_bitfield_1(dst_reg, src_reg),
            off,
            imm,
        })
    }

    /// The opcode.
    pub fn code(&self) -> u8 {
        self.0.code
    }

    /// The destination register.
    pub fn dst_reg(&self) -> u8 {
        self.0.dst_reg()
    }

    /// The source register; for `ld_imm64`, the kind of pseudo value loaded.
    pub fn src_reg(&self) -> u8 {
        self.0.src_reg()
    }

    /// The offset.
    pub fn off(&self) -> i16 {
        self.0.off
    }

    /// The immediate.
    pub fn imm(&self) -> i32 {
        self.0.imm
    }

    /// The instruction without its immediate: the four bytes that precede it.
    pub fn head_bytes(&self) -> &[u8] {
        &self.as_bytes()[..4]
    }
}

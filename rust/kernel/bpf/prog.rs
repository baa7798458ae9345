// SPDX-License-Identifier: GPL-2.0

//! BPF programs.
//!
//! C headers: [`include/linux/bpf.h`](srctree/include/linux/bpf.h),
//! [`include/linux/filter.h`](srctree/include/linux/filter.h)

use super::Insn;
use crate::{
    bindings,
    error::to_result,
    prelude::*,
    types::{
        NotThreadSafe,
        Opaque, //
    },
};

/// A BPF program (`struct bpf_prog`) that the current thread is loading.
///
/// # Invariants
///
/// The program is valid for the lifetime of the reference and only the loading thread accesses
/// it. The type is neither [`Send`] nor [`Sync`], so a reference to it stays on that thread.
#[repr(transparent)]
pub struct Prog(Opaque<bindings::bpf_prog>, NotThreadSafe);

impl Prog {
    /// Creates a reference to a program being loaded from a pointer.
    ///
    /// # Safety
    ///
    /// `ptr` points to a valid `struct bpf_prog` that the current thread is loading and that no
    /// other thread accesses for the whole of `'a`; its `len` and first `len` instructions do not
    /// change for as long (the verifier rewrites instructions only after the signature check).
    #[inline]
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::bpf_prog) -> &'a Self {
        // CAST: `Prog` is `repr(transparent)` over `struct bpf_prog`.
        // SAFETY: The caller guarantees that `ptr` is valid for `'a`.
        unsafe { &*ptr.cast() }
    }

    #[inline]
    pub(crate) fn as_raw(&self) -> *mut bindings::bpf_prog {
        self.0.get()
    }

    /// The program's instructions.
    #[inline]
    pub fn insns(&self) -> &[Insn] {
        let prog = self.as_raw();
        // SAFETY: By the type invariant the program is valid, and by the safety requirements of
        // `from_raw()` its `len` and first `len` instructions, which `bpf_prog_insns()` points
        // to, do not change while `self` is borrowed.
        // CAST: `Insn` is `repr(transparent)` over `struct bpf_insn`.
        unsafe {
            core::slice::from_raw_parts(
                bindings::bpf_prog_insns(prog).cast::<Insn>(),
                (*prog).len as usize,
            )
        }
    }

    /// Sets the program's digest (`prog->digest`) from its own instructions, as
    /// `bpf_prog_calc_tag()` computes it.
    ///
    /// No other digest can be set: a program with the digest of other instructions could bind
    /// maps exclusive to those.
    #[inline]
    pub fn compute_digest(&self) -> Result {
        // SAFETY: By the type invariant the program is valid and only this thread accesses it.
        to_result(unsafe { bindings::bpf_prog_calc_tag(self.as_raw()) })
    }
}

#[cfg(CONFIG_RUST_BPF_ABSTRACTIONS_KUNIT_TEST)]
#[kunit_tests(rust_kernel_bpf_prog)]
mod tests {
    use super::*;
    use crate::{
        alloc::flags::GFP_KERNEL,
        transmute::AsBytes, //
    };
    use core::ptr::NonNull;

    const LD_IMM64: u8 = (bindings::BPF_LD | bindings::BPF_IMM | bindings::BPF_DW) as u8;
    const MAP_FD: u8 = bindings::BPF_PSEUDO_MAP_FD as u8;
    const MAP_VALUE: u8 = bindings::BPF_PSEUDO_MAP_VALUE as u8;
    const MAP_IDX: u8 = bindings::BPF_PSEUDO_MAP_IDX as u8;
    const MAP_IDX_VALUE: u8 = bindings::BPF_PSEUDO_MAP_IDX_VALUE as u8;
    type Digest = [u8; bindings::SHA256_DIGEST_SIZE as usize];

    /// A program allocated here and never loaded.
    ///
    /// # Invariants
    ///
    /// `self.0` was returned by `bpf_prog_alloc()`, holds `len` instructions, and is owned by
    /// this value until it is dropped.
    struct OwnedProg(NonNull<bindings::bpf_prog>);

    impl OwnedProg {
        /// Allocates a program holding a copy of `insns`.
        fn new(insns: &[Fields]) -> Result<Self> {
            let len = u32::try_from(insns.len())?;
            // SAFETY: `bpf_prog_size()` only computes a size.
            let size = unsafe { bindings::bpf_prog_size(len) };
            // SAFETY: `bpf_prog_alloc()` may be called in process context with any size.
            let prog = NonNull::new(unsafe { bindings::bpf_prog_alloc(size, 0) }).ok_or(ENOMEM)?;
            // SAFETY: `prog` was just allocated with room for `len` instructions and is ours.
            unsafe {
                let p = prog.as_ptr();
                (*p).len = len;
                let dst = bindings::bpf_prog_insns(p).cast::<Insn>();
                for (i, f) in insns.iter().enumerate() {
                    dst.add(i).write(f.insn(f.imm));
                }
            }
            // INVARIANT: `prog` comes from `bpf_prog_alloc()` and holds `len` instructions.
            Ok(Self(prog))
        }

        /// The program's digest after `Prog::compute_digest()`.
        fn digest(&self) -> Result<Digest> {
            // SAFETY: By the type invariant the program is valid and owned by `self`, which is
            // not `Send`: no other thread accesses it while the reference lives.
            let prog = unsafe { Prog::from_raw(self.0.as_ptr()) };
            prog.compute_digest()?;
            let mut digest = [0u8; bindings::SHA256_DIGEST_SIZE as usize];
            // SAFETY: The program is valid; `bpf_prog_digest()` points to its digest.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    bindings::bpf_prog_digest(self.0.as_ptr()),
                    digest.as_mut_ptr(),
                    digest.len(),
                )
            };
            Ok(digest)
        }
    }

    impl Drop for OwnedProg {
        #[inline]
        fn drop(&mut self) {
            // SAFETY: By the type invariant the program came from `bpf_prog_alloc()`, was never
            // loaded, and is owned by `self`.
            unsafe { bindings::__bpf_prog_free(self.0.as_ptr()) };
        }
    }

    /// The fields of an instruction, as generated.
    #[derive(Clone, Copy)]
    struct Fields {
        code: u8,
        dst: u8,
        src: u8,
        off: i16,
        imm: i32,
    }

    impl Fields {
        fn insn(&self, imm: i32) -> Insn {
            Insn::new(self.code, self.dst, self.src, self.off, imm)
        }
    }

    /// The digest by its definition: SHA-256 of a copy of the instructions in which the
    /// immediates of each map-fd or map-value `ld_imm64` pair are zero.
    fn reference_digest(insns: &[Fields]) -> Result<Digest> {
        let mut copy = KVec::with_capacity(insns.len(), GFP_KERNEL)?;
        let mut was_ld_map = false;
        for f in insns {
            let masked =
                if !was_ld_map && f.code == LD_IMM64 && matches!(f.src & 0xf, MAP_FD | MAP_VALUE) {
                    was_ld_map = true;
                    true
                } else {
                    let upper = was_ld_map && f.code == 0 && f.dst & 0xf == 0 && f.src & 0xf == 0;
                    let upper = upper && f.off == 0;
                    was_ld_map = false;
                    upper
                };
            copy.push(f.insn(if masked { 0 } else { f.imm }), GFP_KERNEL)?;
        }
        let bytes = copy.as_slice().as_bytes();
        let mut digest = [0u8; bindings::SHA256_DIGEST_SIZE as usize];
        // SAFETY: `bytes` is valid for reads of its length, `digest` for writes of a digest.
        unsafe { bindings::sha256(bytes.as_ptr(), bytes.len(), digest.as_mut_ptr()) };
        Ok(digest)
    }

    /// A deterministic generator (xorshift64*), so that a failure can be replayed.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        /// A number below `n`, from the high half by multiplication: a 64-bit `%` would call
        /// a division helper that 32-bit architectures do not provide (`__aeabi_uldivmod`).
        fn below(&mut self, n: u32) -> u32 {
            (((self.next() >> 32) * u64::from(n)) >> 32) as u32
        }
    }

    const PSEUDO: [u8; 8] = [
        0,
        MAP_FD,
        MAP_VALUE,
        3, // BPF_PSEUDO_BTF_ID
        4, // BPF_PSEUDO_FUNC
        MAP_IDX,
        MAP_IDX_VALUE,
        15,
    ];

    fn fields(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> Fields {
        Fields {
            code,
            dst,
            src,
            off,
            imm,
        }
    }

    /// A program mixing plain instructions with every `ld_imm64` shape: well-formed pairs of
    /// each pseudo source, runs of them, malformed second halves, and a first half at the end.
    fn random_prog(rng: &mut Rng, insns: &mut KVec<Fields>) -> Result {
        insns.clear();
        let len = 1 + rng.below(48) as usize;
        while insns.len() < len {
            let imm = rng.next() as i32;
            if rng.below(4) == 0 {
                let r = rng.next();
                let f = fields(
                    r as u8,
                    (r >> 8) as u8 & 0xf,
                    (r >> 12) as u8 & 0xf,
                    (r >> 16) as i16,
                    (r >> 32) as i32,
                );
                insns.push(f, GFP_KERNEL)?;
                continue;
            }
            let src = PSEUDO[rng.below(PSEUDO.len() as u32) as usize];
            let dst = rng.below(11) as u8;
            insns.push(fields(LD_IMM64, dst, src, 0, imm), GFP_KERNEL)?;
            let second = match rng.below(8) {
                // Malformed: each field that must be zero, in turn.
                0 => fields(1, 0, 0, 0, imm),
                1 => fields(0, 1, 0, 0, imm),
                2 => fields(0, 0, 1, 0, imm),
                3 => fields(0, 0, 0, 1, imm),
                _ => fields(0, 0, 0, 0, rng.next() as i32),
            };
            if insns.len() < len {
                insns.push(second, GFP_KERNEL)?;
            }
        }
        Ok(())
    }

    #[test]
    fn digest_of_generated_programs() -> Result {
        let mut rng = Rng(0x5eed_1234_abad_1dea);
        let mut insns = KVec::new();
        let mut ld_imm64 = 0;
        for _ in 0..1200 {
            random_prog(&mut rng, &mut insns)?;
            ld_imm64 += insns.iter().filter(|f| f.code == LD_IMM64).count();
            assert_eq!(OwnedProg::new(&insns)?.digest()?, reference_digest(&insns)?);
        }
        // The generator did exercise the masking.
        assert!(ld_imm64 > 10_000);
        Ok(())
    }

    #[test]
    fn digest_edge_cases() -> Result {
        let ld = |src| fields(LD_IMM64, 1, src, 0, 42);
        let hi = fields(0, 0, 0, 0, 7);
        let exit = fields(0x95, 0, 0, 0, 0);
        let cases: [&[Fields]; 7] = [
            &[exit],
            // A map-fd pair and a map-value pair back to back.
            &[ld(MAP_FD), hi, ld(MAP_VALUE), hi, exit],
            // A lone first half at the end.
            &[exit, ld(MAP_FD)],
            // Three first halves in a row: the second is taken as the first's upper half.
            &[ld(MAP_FD), ld(MAP_FD), ld(MAP_FD), hi],
            // Index forms are stable across loads and stay in the digest.
            &[ld(MAP_IDX), hi, ld(MAP_IDX_VALUE), hi],
            // An all-zero instruction not preceded by a map load is kept.
            &[hi, hi, exit],
            // A masked pair followed by a zero instruction that is not its upper half.
            &[ld(MAP_VALUE), hi, hi, exit],
        ];
        for insns in cases {
            assert_eq!(OwnedProg::new(insns)?.digest()?, reference_digest(insns)?);
        }
        // The masking matters: the same pair with another fd hashes alike...
        let a = OwnedProg::new(&[ld(MAP_FD), hi])?.digest()?;
        let b = OwnedProg::new(&[fields(LD_IMM64, 1, MAP_FD, 0, 43), hi])?.digest()?;
        assert_eq!(a, b);
        // ...and with another index it does not.
        let c = OwnedProg::new(&[ld(MAP_IDX), hi])?.digest()?;
        let d = OwnedProg::new(&[fields(LD_IMM64, 1, MAP_IDX, 0, 43), hi])?.digest()?;
        assert_ne!(c, d);
        Ok(())
    }
}

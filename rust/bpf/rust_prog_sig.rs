// SPDX-License-Identifier: GPL-2.0

//! Verification of signed BPF loaders.
//!
//! A signed light-skeleton loader binds its metadata through `fd_array`: each entry an exclusive,
//! frozen, single-entry array map. Its PKCS#7 signature covers
//! `insns || map_0 || map_1 || ...`, the instructions followed by each map's value in `fd_array`
//! order. `bpf_check()` calls the two functions that `include/linux/bpf_prog_sig.h` declares;
//! with `CONFIG_BPF_PROG_SIG_RUST` they are these, otherwise the C ones of
//! `kernel/bpf/prog_sig.c`:
//!
//! 1. [`bpf_prog_sig_digest`], before `fd_array` is resolved: the program's digest, which an
//!    exclusive map's `excl_prog_sha` must equal for the map to be bound at all.
//! 2. [`bpf_prog_verify_signature`], after the maps are bound and before the LSM hook
//!    `security_bpf_prog_load()`: the checks below, in order, and the verdict on
//!    `prog->aux->sig`.
//!
//! | condition, in check order                            | errno                          |
//! |------------------------------------------------------|--------------------------------|
//! | `signature_size` 0 or > `KMALLOC_MAX_CACHE_SIZE`     | `EINVAL`                       |
//! | `keyring_id` resolves to no key                      | `EINVAL`                       |
//! | signature copy faults                                | `EFAULT`                       |
//! | per bound map: not an array with direct value access | `EINVAL`                       |
//! | ... not exactly one entry                            | `EINVAL`                       |
//! | ... not frozen                                       | `EPERM`                        |
//! | ... has active writers                               | `EBUSY`                        |
//! | ... not exclusive                                    | `EINVAL`                       |
//! | payload larger than 16 MiB - 1                       | `E2BIG`                        |
//! | bytes after the signature's DER object               | `EBADMSG`                      |
//! | allocation fails                                     | `ENOMEM`                       |
//! | PKCS#7 does not parse / match                        | `EBADMSG`, `EKEYREJECTED`, ... |
//!
//! Every rejection after the keyring lookup logs the same verifier line as the C implementation.
//! Before, while `fd_array` is bound, C reserves each exclusive map for the signed program
//! (`EBUSY` if another program is bound to it). What C already decides is called, not repeated:
//! the keyring lookup and its kind, the extent of the DER object, the PKCS#7 verification,
//! recording the verdict.

use kernel::{
    alloc::KMALLOC_MAX_CACHE_SIZE,
    bindings,
    bpf::{
        self,
        BpfPtr,
        Key,
        Map,
        MapType,
        Prog,
        VerifierEnv, //
    },
    bpf_verifier_log,
    prelude::*,
    transmute::AsBytes, //
};

/// What a map bound to a signed program must be, as the checks see it.
trait MetadataMap {
    /// The map's name, for the verifier log.
    fn name(&self) -> &CStr;
    /// The map's type.
    fn map_type(&self) -> Option<MapType>;
    /// The number of entries.
    fn max_entries(&self) -> u32;
    /// Whether the map type gives direct access to its values.
    fn has_direct_value_access(&self) -> bool;
    /// Whether the map is frozen.
    fn is_frozen(&self) -> bool;
    /// Whether the map has active writers.
    fn has_active_writers(&self) -> bool;
    /// Whether the map is exclusive to programs of one digest.
    fn is_exclusive(&self) -> bool;
}

impl MetadataMap for Map {
    fn name(&self) -> &CStr {
        Map::name(self)
    }
    fn map_type(&self) -> Option<MapType> {
        Map::map_type(self)
    }
    fn max_entries(&self) -> u32 {
        Map::max_entries(self)
    }
    fn has_direct_value_access(&self) -> bool {
        Map::has_direct_value_access(self)
    }
    fn is_frozen(&self) -> bool {
        Map::is_frozen(self)
    }
    fn has_active_writers(&self) -> bool {
        Map::has_active_writers(self)
    }
    fn is_exclusive(&self) -> bool {
        Map::is_exclusive(self)
    }
}

/// Why a bound map cannot be part of a signed payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MapRejection {
    /// Not a plain array map whose value can be read directly.
    NotArray,
    /// An array without exactly one entry: there is no single value to sign.
    NotSingleEntry,
    /// Not frozen: the syscall side could still change it.
    NotFrozen,
    /// Frozen, but a writable mapping or other writer is active.
    ActiveWriters,
    /// Not exclusive: other programs could bind it. A signed load that binds a map its signature
    /// cannot cover is a malformed request, hence `EINVAL`.
    NotExclusive,
}

impl MapRejection {
    /// The errno the load fails with.
    fn errno(self) -> Error {
        match self {
            Self::NotArray | Self::NotSingleEntry | Self::NotExclusive => EINVAL,
            Self::NotFrozen => EPERM,
            Self::ActiveWriters => EBUSY,
        }
    }

    /// The end of the verifier log line, after the map's name.
    fn reason(self) -> &'static str {
        match self {
            Self::NotArray => "must be an array",
            Self::NotSingleEntry => "must have exactly one entry",
            Self::NotFrozen => "must be frozen",
            Self::ActiveWriters => "has active writers",
            Self::NotExclusive => "must be exclusive",
        }
    }
}

/// Checks one bound map, in the contract's order.
fn check_metadata_map(map: &impl MetadataMap) -> Result<(), MapRejection> {
    if map.map_type() != Some(MapType::Array) || !map.has_direct_value_access() {
        return Err(MapRejection::NotArray);
    }
    if map.max_entries() != 1 {
        return Err(MapRejection::NotSingleEntry);
    }
    if !map.is_frozen() {
        return Err(MapRejection::NotFrozen);
    }
    if map.has_active_writers() {
        return Err(MapRejection::ActiveWriters);
    }
    if !map.is_exclusive() {
        return Err(MapRejection::NotExclusive);
    }
    Ok(())
}

/// Checks `signature_size`: a signature is copied into one slab object, never into a larger
/// buffer (`kmalloc_large()` or `vmalloc()`).
fn check_signature_size(size: u32) -> Result {
    if size == 0 || size as usize > KMALLOC_MAX_CACHE_SIZE {
        return Err(EINVAL);
    }
    Ok(())
}

/// Adds one map value's size to the payload size.
fn add_payload_size(size: u64, value_size: u32) -> u64 {
    // The sum of at most `MAX_USED_MAPS` 32-bit sizes and 64-bit-bounded instructions cannot
    // overflow; saturating keeps it above the limit if it ever did.
    size.saturating_add(u64::from(value_size))
}

/// Checks the payload size, `insns` plus every map value, against the 16 MiB - 1 limit.
fn check_payload_size(size: u64) -> Result {
    bpf::dynptr_check_size(size)
}

/// The signed-load check, in the contract's order.
fn verify_signature(env: &VerifierEnv, usig: &BpfPtr, sig_size: u32, keyring_id: i32) -> Result {
    check_signature_size(sig_size)?;

    let Some(key) = Key::lookup(keyring_id) else {
        bpf_verifier_log!(
            env,
            "cannot resolve signing keyring with keyring_id {keyring_id}\n"
        );
        return Err(EINVAL);
    };

    let sig = usig.copy_signature()?;

    let mut size = env.prog().insns().as_bytes().len() as u64;
    for map in env.used_maps() {
        if let Err(why) = check_metadata_map(map) {
            bpf_verifier_log!(
                env,
                "signed program metadata map '{}' {}\n",
                map.name(),
                why.reason()
            );
            return Err(why.errno());
        }
        size = add_payload_size(size, map.value_size());
    }
    if let Err(e) = check_payload_size(size) {
        bpf_verifier_log!(env, "signed payload too large: {size} bytes\n");
        return Err(e);
    }
    let extra = sig.trailing_bytes();
    if extra != 0 {
        bpf_verifier_log!(
            env,
            "signature must be one DER object: {extra} bytes after it\n"
        );
        return Err(EBADMSG);
    }

    // The payload, the instructions and each map value, is hashed where it lies.
    match env.verify_signature(&key, &sig) {
        Err(e) => {
            bpf_verifier_log!(env, "signature verification failed: {}\n", e.to_errno());
            Err(e)
        }
        Ok(verified) => {
            bpf_verifier_log!(env, "signature verification passed\n");
            verified.record();
            Ok(())
        }
    }
}

/// Sets `prog->digest` for a signed load; `bpf_check()` calls it before resolving `fd_array`.
///
/// Returns 0: hashing in place cannot fail.
///
/// # Safety
///
/// `prog` is a valid program being loaded by the current thread and not yet visible to others;
/// its instructions do not change until the call returns.
#[export]
pub unsafe extern "C" fn bpf_prog_sig_digest(prog: *mut bindings::bpf_prog) -> c_int {
    // SAFETY: The caller (`bpf_check()`) guarantees that `prog` is a valid program this thread
    // is loading, which no other thread accesses and whose instructions do not change until we
    // return.
    let prog = unsafe { Prog::from_raw(prog) };
    prog.compute_digest();
    0
}

/// Verifies a signed load; `bpf_check()` calls it after `fd_array` is bound and before
/// `security_bpf_prog_load()`.
///
/// Returns 0 with `prog->aux->sig` recording the verdict, or a negative errno.
///
/// # Safety
///
/// `env` is the valid verifier environment of a load in progress on the current thread, whose
/// program's instructions do not change and whose `used_maps` hold references until the call
/// returns; a kernel `sig` pointer is valid for `sig_size` bytes.
#[export]
pub unsafe extern "C" fn bpf_prog_verify_signature(
    env: *mut bindings::bpf_verifier_env,
    sig: bindings::bpfptr_t,
    sig_size: u32,
    keyring_id: i32,
) -> c_int {
    // SAFETY: The caller (`bpf_check()`) guarantees that `env` is the valid environment of a
    // load in progress on this thread, in the state `VerifierEnv` describes until we return: the
    // program's instructions do not change and its bound maps stay bound.
    let env = unsafe { VerifierEnv::from_raw(env) };
    // SAFETY: The caller guarantees that a kernel `sig` is valid for `sig_size` bytes while we
    // run.
    let sig = unsafe { BpfPtr::from_raw(sig, sig_size) };
    match verify_signature(env, &sig, sig_size, keyring_id) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

#[cfg(CONFIG_BPF_PROG_SIG_RUST_KUNIT_TEST)]
#[kunit_tests(bpf_prog_sig)]
mod tests {
    use super::*;
    use kernel::{
        alloc::flags::GFP_KERNEL,
        bpf::{
            prog_digest,
            Insn,
            KeyringType,
            OwnedProg, //
        },
        crypto::sha2::Sha256Digest,
    };

    /// A deterministic generator (xorshift64*), so that a failure can be replayed.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    const PSEUDO: [u8; 8] = [
        0,
        Insn::PSEUDO_MAP_FD,
        Insn::PSEUDO_MAP_VALUE,
        3, // BPF_PSEUDO_BTF_ID
        4, // BPF_PSEUDO_FUNC
        Insn::PSEUDO_MAP_IDX,
        Insn::PSEUDO_MAP_IDX_VALUE,
        15,
    ];

    fn random_insn(rng: &mut Rng) -> Insn {
        let r = rng.next();
        Insn::new(
            r as u8,
            (r >> 8) as u8 & 0xf,
            (r >> 12) as u8 & 0xf,
            (r >> 16) as i16,
            (r >> 32) as i32,
        )
    }

    /// A program mixing plain instructions with every `ld_imm64` shape: well-formed pairs of
    /// each pseudo source, runs of them, malformed second halves, and a first half at the end.
    fn random_prog(rng: &mut Rng, insns: &mut KVec<Insn>) -> Result {
        insns.clear();
        let len = 1 + rng.below(48) as usize;
        while insns.len() < len {
            let imm = rng.next() as i32;
            match rng.below(4) {
                0 => insns.push(random_insn(rng), GFP_KERNEL)?,
                _ => {
                    let src = PSEUDO[rng.below(PSEUDO.len() as u64) as usize];
                    let dst = rng.below(11) as u8;
                    insns.push(Insn::new(Insn::LD_IMM64, dst, src, 0, imm), GFP_KERNEL)?;
                    let second = match rng.below(8) {
                        // Malformed: each field that must be zero, in turn.
                        0 => Insn::new(1, 0, 0, 0, imm),
                        1 => Insn::new(0, 1, 0, 0, imm),
                        2 => Insn::new(0, 0, 1, 0, imm),
                        3 => Insn::new(0, 0, 0, 1, imm),
                        _ => Insn::new(0, 0, 0, 0, rng.next() as i32),
                    };
                    if insns.len() < len {
                        insns.push(second, GFP_KERNEL)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn c_digest(insns: &[Insn]) -> Result<Sha256Digest> {
        let mut prog = OwnedProg::new(insns)?;
        prog.calc_tag()?;
        Ok(prog.digest())
    }

    #[test]
    fn digest_matches_c_on_generated_programs() -> Result {
        let mut rng = Rng(0x5eed_1234_abad_1dea);
        let mut insns = KVec::new();
        let mut ld_imm64 = 0;
        for _ in 0..1200 {
            random_prog(&mut rng, &mut insns)?;
            ld_imm64 += insns.iter().filter(|i| i.code() == Insn::LD_IMM64).count();
            assert_eq!(prog_digest(&insns), c_digest(&insns)?);
        }
        // The generator did exercise the masking.
        assert!(ld_imm64 > 10_000);
        Ok(())
    }

    #[test]
    fn digest_matches_c_on_edge_cases() -> Result {
        let ld = |src| Insn::new(Insn::LD_IMM64, 1, src, 0, 42);
        let hi = Insn::new(0, 0, 0, 0, 7);
        let exit = Insn::new(0x95, 0, 0, 0, 0);
        let cases: [&[Insn]; 7] = [
            &[exit],
            // A map-fd pair and a map-value pair back to back.
            &[
                ld(Insn::PSEUDO_MAP_FD),
                hi,
                ld(Insn::PSEUDO_MAP_VALUE),
                hi,
                exit,
            ],
            // A lone first half at the end.
            &[exit, ld(Insn::PSEUDO_MAP_FD)],
            // Three first halves in a row: the second is taken as the first's upper half.
            &[
                ld(Insn::PSEUDO_MAP_FD),
                ld(Insn::PSEUDO_MAP_FD),
                ld(Insn::PSEUDO_MAP_FD),
                hi,
            ],
            // Index forms are stable across loads and stay in the digest.
            &[
                ld(Insn::PSEUDO_MAP_IDX),
                hi,
                ld(Insn::PSEUDO_MAP_IDX_VALUE),
                hi,
            ],
            // An all-zero instruction not preceded by a map load is kept.
            &[hi, hi, exit],
            // A masked pair followed by a zero instruction that is not its upper half.
            &[ld(Insn::PSEUDO_MAP_VALUE), hi, hi, exit],
        ];
        for insns in cases {
            assert_eq!(prog_digest(insns), c_digest(insns)?);
        }
        // The masking matters: the same pair with another fd hashes alike...
        let a = [ld(Insn::PSEUDO_MAP_FD), hi];
        let b = [Insn::new(Insn::LD_IMM64, 1, Insn::PSEUDO_MAP_FD, 0, 43), hi];
        assert_eq!(prog_digest(&a), prog_digest(&b));
        // ...and with another index it does not.
        let c = [ld(Insn::PSEUDO_MAP_IDX), hi];
        let d = [
            Insn::new(Insn::LD_IMM64, 1, Insn::PSEUDO_MAP_IDX, 0, 43),
            hi,
        ];
        assert_ne!(prog_digest(&c), prog_digest(&d));
        Ok(())
    }

    #[test]
    fn payload_size_limit() {
        const LIMIT: u64 = (1 << 24) - 1;
        assert_eq!(check_payload_size(LIMIT), Ok(()));
        assert_eq!(check_payload_size(LIMIT + 1), Err(E2BIG));
        assert_eq!(check_payload_size(LIMIT - 1), Ok(()));
        assert_eq!(check_payload_size(0), Ok(()));
        assert_eq!(check_payload_size(u64::MAX), Err(E2BIG));
        // 8 bytes of instructions and one value filling the rest exactly.
        let size = add_payload_size(8, (LIMIT - 8) as u32);
        assert_eq!(size, LIMIT);
        assert_eq!(check_payload_size(size), Ok(()));
        assert_eq!(check_payload_size(add_payload_size(size, 1)), Err(E2BIG));
        // The largest values the UAPI allows do not wrap around.
        let mut size = 8 * 1_000_000;
        for _ in 0..64 {
            size = add_payload_size(size, u32::MAX);
        }
        assert_eq!(size, 8 * 1_000_000 + 64 * u64::from(u32::MAX));
        assert_eq!(check_payload_size(size), Err(E2BIG));
        assert_eq!(add_payload_size(u64::MAX, u32::MAX), u64::MAX);
    }

    #[test]
    fn signature_size_limit() {
        let max = KMALLOC_MAX_CACHE_SIZE as u32;
        assert_eq!(check_signature_size(0), Err(EINVAL));
        assert_eq!(check_signature_size(1), Ok(()));
        assert_eq!(check_signature_size(max), Ok(()));
        assert_eq!(check_signature_size(max + 1), Err(EINVAL));
        assert_eq!(check_signature_size(u32::MAX), Err(EINVAL));
    }

    struct FakeMap {
        map_type: Option<MapType>,
        entries: u32,
        direct: bool,
        frozen: bool,
        writers: bool,
        exclusive: bool,
    }

    impl MetadataMap for FakeMap {
        fn name(&self) -> &CStr {
            c"fake"
        }
        fn map_type(&self) -> Option<MapType> {
            self.map_type
        }
        fn max_entries(&self) -> u32 {
            self.entries
        }
        fn has_direct_value_access(&self) -> bool {
            self.direct
        }
        fn is_frozen(&self) -> bool {
            self.frozen
        }
        fn has_active_writers(&self) -> bool {
            self.writers
        }
        fn is_exclusive(&self) -> bool {
            self.exclusive
        }
    }

    const GOOD: FakeMap = FakeMap {
        map_type: Some(MapType::Array),
        entries: 1,
        direct: true,
        frozen: true,
        writers: false,
        exclusive: true,
    };

    #[test]
    fn map_rejections_and_errnos() {
        use MapRejection::*;
        let hash = Some(MapType::Hash);
        let cases = [
            (GOOD, Ok(())),
            (
                FakeMap {
                    map_type: hash,
                    ..GOOD
                },
                Err(NotArray),
            ),
            (
                FakeMap {
                    direct: false,
                    ..GOOD
                },
                Err(NotArray),
            ),
            (
                FakeMap {
                    map_type: None,
                    ..GOOD
                },
                Err(NotArray),
            ),
            (FakeMap { entries: 2, ..GOOD }, Err(NotSingleEntry)),
            (
                FakeMap {
                    entries: 0,
                    frozen: false,
                    ..GOOD
                },
                Err(NotSingleEntry),
            ),
            (
                FakeMap {
                    frozen: false,
                    ..GOOD
                },
                Err(NotFrozen),
            ),
            (
                FakeMap {
                    writers: true,
                    ..GOOD
                },
                Err(ActiveWriters),
            ),
            (
                FakeMap {
                    exclusive: false,
                    ..GOOD
                },
                Err(NotExclusive),
            ),
            // The first failing check wins.
            (
                FakeMap {
                    map_type: hash,
                    frozen: false,
                    writers: true,
                    exclusive: false,
                    ..GOOD
                },
                Err(NotArray),
            ),
            (
                FakeMap {
                    frozen: false,
                    writers: true,
                    exclusive: false,
                    ..GOOD
                },
                Err(NotFrozen),
            ),
            (
                FakeMap {
                    writers: true,
                    exclusive: false,
                    ..GOOD
                },
                Err(ActiveWriters),
            ),
        ];
        for (map, want) in cases {
            assert_eq!(check_metadata_map(&map), want);
        }
        assert_eq!(NotArray.errno(), EINVAL);
        assert_eq!(NotSingleEntry.errno(), EINVAL);
        assert_eq!(NotFrozen.errno(), EPERM);
        assert_eq!(ActiveWriters.errno(), EBUSY);
        assert_eq!(NotExclusive.errno(), EINVAL);
        assert_eq!(NotArray.reason(), "must be an array");
        assert_eq!(NotSingleEntry.reason(), "must have exactly one entry");
        assert_eq!(NotFrozen.reason(), "must be frozen");
        assert_eq!(ActiveWriters.reason(), "has active writers");
        assert_eq!(NotExclusive.reason(), "must be exclusive");
    }

    #[test]
    fn keyring_types() {
        assert_eq!(KeyringType::of_keyring_id(0), KeyringType::Builtin);
        assert_eq!(
            KeyringType::of_keyring_id(Key::SECONDARY_KEYRING_ID),
            KeyringType::Secondary
        );
        assert_eq!(
            KeyringType::of_keyring_id(Key::PLATFORM_KEYRING_ID),
            KeyringType::Platform
        );
        assert_eq!(Key::SECONDARY_KEYRING_ID, 1);
        assert_eq!(Key::PLATFORM_KEYRING_ID, 2);
        assert_eq!(KeyringType::of_keyring_id(3), KeyringType::User);
        assert_eq!(KeyringType::of_keyring_id(-3), KeyringType::User);
        assert_eq!(KeyringType::of_keyring_id(i32::MAX), KeyringType::User);
    }

    #[test]
    fn unknown_keyring_is_not_found() {
        // No key has serial 0x7fff_ffff at boot; the lookup fails and the load would get EINVAL.
        assert!(Key::lookup(i32::MAX).is_none());
        // The builtin system keyring always resolves, with serial 0.
        let key = Key::lookup(0);
        assert!(key.is_some());
        assert_eq!(key.map(|k| k.serial()), Some(0));
    }
}

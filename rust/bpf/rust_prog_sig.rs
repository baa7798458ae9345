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
//! | signature is not one BER object                      | `EBADMSG`                      |
//! | allocation fails                                     | `ENOMEM`                       |
//! | PKCS#7 does not parse / match                        | `EBADMSG`, `EKEYREJECTED`, ... |
//!
//! Every rejection after the keyring lookup logs the same verifier line as the C implementation.
//! Before, while `fd_array` is bound, C reserves each exclusive map for the signed program
//! (`EBUSY` if another program is bound to it). What C already decides is called, not repeated:
//! the keyring lookup and its kind, the extent of the BER object, the PKCS#7 verification,
//! recording the verdict.

use kernel::{
    bindings,
    bpf::{
        self,
        BpfPtr,
        Key,
        MetadataError,
        Prog,
        VerifierEnv, //
    },
    bpf_verifier_log,
    prelude::*,
    transmute::AsBytes, //
};

/// The errno a signed load fails with for a map that is not signed metadata.
///
/// A signed load that binds a map its signature cannot cover is a malformed request, hence
/// `EINVAL` for one that is not exclusive, as for one that is not a single-entry array.
fn metadata_errno(why: MetadataError) -> Error {
    match why {
        MetadataError::NotArray | MetadataError::NotSingleEntry | MetadataError::NotExclusive => {
            EINVAL
        }
        MetadataError::NotFrozen => EPERM,
        MetadataError::ActiveWriters => EBUSY,
    }
}

/// The end of the verifier log line for a map that is not signed metadata, after its name.
fn metadata_reason(why: MetadataError) -> &'static str {
    match why {
        MetadataError::NotArray => "must be an array",
        MetadataError::NotSingleEntry => "must have exactly one entry",
        MetadataError::NotFrozen => "must be frozen",
        MetadataError::ActiveWriters => "has active writers",
        MetadataError::NotExclusive => "must be exclusive",
    }
}

/// Adds one map value's size to the payload size.
fn add_payload_size(size: u64, value_size: u32) -> u64 {
    // The sum of at most `MAX_USED_MAPS` 32-bit sizes and 64-bit-bounded instructions cannot
    // overflow; saturating keeps it above the limit if it ever did.
    size.saturating_add(u64::from(value_size))
}

/// The signed-load check, in the contract's order.
fn verify_signature(env: &VerifierEnv, usig: &BpfPtr<'_>, keyring_id: i32) -> Result {
    bpf::sig_check_size(usig.len())?;

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
        if let Err(why) = map.signed_metadata_value() {
            bpf_verifier_log!(
                env,
                "signed program metadata map '{}' {}\n",
                map.name(),
                metadata_reason(why)
            );
            return Err(metadata_errno(why));
        }
        size = add_payload_size(size, map.value_size());
    }
    if let Err(e) = bpf::dynptr_check_size(size) {
        bpf_verifier_log!(env, "signed payload too large: {size} bytes\n");
        return Err(e);
    }
    match sig.trailing_bytes() {
        Ok(0) => {}
        Ok(extra) => {
            bpf_verifier_log!(
                env,
                "signature must be one BER object: {extra} bytes after it\n"
            );
            return Err(EBADMSG);
        }
        Err(e) => {
            // Not a BER object: what the PKCS#7 parser would say.
            bpf_verifier_log!(env, "signature verification failed: {}\n", e.to_errno());
            return Err(e);
        }
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
/// Returns 0 or a negative errno.
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
    match prog.compute_digest() {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
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
    // run, and `sig` does not outlive this call.
    let sig = unsafe { BpfPtr::from_raw(sig, sig_size) };
    match verify_signature(env, &sig, keyring_id) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

#[cfg(CONFIG_BPF_PROG_SIG_RUST_KUNIT_TEST)]
#[kunit_tests(bpf_prog_sig)]
mod tests {
    use super::*;

    #[test]
    fn payload_size_limit() {
        const LIMIT: u64 = (1 << 24) - 1;
        assert_eq!(bpf::dynptr_check_size(LIMIT), Ok(()));
        assert_eq!(bpf::dynptr_check_size(LIMIT + 1), Err(E2BIG));
        // 8 bytes of instructions and one value filling the rest exactly.
        let size = add_payload_size(8, (LIMIT - 8) as u32);
        assert_eq!(size, LIMIT);
        assert_eq!(
            bpf::dynptr_check_size(add_payload_size(size, 1)),
            Err(E2BIG)
        );
        // The largest values the UAPI allows do not wrap around.
        let mut size = 8 * 1_000_000;
        for _ in 0..64 {
            size = add_payload_size(size, u32::MAX);
        }
        assert_eq!(size, 8 * 1_000_000 + 64 * u64::from(u32::MAX));
        assert_eq!(bpf::dynptr_check_size(size), Err(E2BIG));
        assert_eq!(add_payload_size(u64::MAX, u32::MAX), u64::MAX);
    }

    #[test]
    fn unknown_keyring_is_not_found() {
        // No key has serial 0x7fff_ffff at boot; the lookup fails and the load would get EINVAL.
        assert!(Key::lookup(i32::MAX).is_none());
        // keyring_id 0 names the builtin trusted keys (`bpf_lookup_system_key()`), which
        // always resolve.
        assert!(Key::lookup(0).is_some());
    }
}

// SPDX-License-Identifier: GPL-2.0

//! The verifier's view of a program load.
//!
//! C headers: [`include/linux/bpf_verifier.h`](srctree/include/linux/bpf_verifier.h),
//! [`include/linux/bpfptr.h`](srctree/include/linux/bpfptr.h)

#[cfg(CONFIG_KEYS)]
use super::{
    Key,
    Signature, //
};
use super::{
    Map,
    Prog, //
};
use crate::{
    alloc::{
        flags::GFP_KERNEL_ACCOUNT,
        KVec, //
    },
    bindings,
    fmt,
    iov::KvecRef,
    prelude::*,
    transmute::AsBytes,
    types::{
        NotThreadSafe,
        Opaque, //
    }, //
};

/// The verifier's state for one program load (`struct bpf_verifier_env`).
///
/// # Invariants
///
/// The environment is valid for the lifetime of the reference and only the loading thread
/// accesses it. `env->prog` meets the requirements of [`Prog::from_raw`] for as long, and the first
/// `used_map_cnt` entries of `used_maps` are maps on which the verifier holds a reference,
/// released only after the environment is no longer used. The type is neither [`Send`] nor
/// [`Sync`], so a reference to it stays on that thread.
#[repr(transparent)]
pub struct VerifierEnv(Opaque<bindings::bpf_verifier_env>, NotThreadSafe);

impl VerifierEnv {
    /// Creates a reference to a verifier environment from a pointer.
    ///
    /// # Safety
    ///
    /// `ptr` points to the valid `struct bpf_verifier_env` of a load in progress on the current
    /// thread, in the state the type invariants describe for the whole of `'a`: only this thread
    /// accesses it, its program's instructions do not change and its bound maps stay bound.
    #[inline]
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::bpf_verifier_env) -> &'a Self {
        // CAST: `VerifierEnv` is `repr(transparent)` over `struct bpf_verifier_env`.
        // SAFETY: The caller guarantees that `ptr` is valid for `'a`.
        unsafe { &*ptr.cast() }
    }

    #[inline]
    fn as_raw(&self) -> *mut bindings::bpf_verifier_env {
        self.0.get()
    }

    /// The program being loaded.
    #[inline]
    pub fn prog(&self) -> &Prog {
        // SAFETY: By the type invariant `env->prog` meets the requirements of `Prog::from_raw()`
        // while `self` is borrowed.
        unsafe { Prog::from_raw((*self.as_raw()).prog) }
    }

    /// The maps bound to the program so far, in binding order (for a continuous `fd_array`,
    /// the order of the array, each map once).
    #[inline]
    pub fn used_maps(&self) -> impl ExactSizeIterator<Item = &Map> + '_ {
        let env = self.as_raw();
        // SAFETY: By the type invariant the environment is valid and only this thread changes
        // `used_map_cnt`.
        let cnt = unsafe { (*env).used_map_cnt } as usize;
        (0..cnt).map(move |i| {
            // SAFETY: By the type invariant the first `used_map_cnt` entries are maps bound to
            // this load, on which the verifier holds a reference while the environment lives.
            unsafe { Map::from_raw((*env).used_maps[i]) }
        })
    }

    /// Verifies `sig` with `key` over the signed payload of the program being loaded: its
    /// instructions followed by the value of each bound map, in binding order, hashed where they
    /// lie.
    ///
    /// Every bound map must be signed metadata ([`Map::signed_metadata_value`]): frozen, with
    /// no writers, exclusive, and reserved by this load when it was bound, so that nothing writes
    /// the values while they are hashed; a map that is not fails with [`EINVAL`] (callers check
    /// the maps first, to explain a rejection). Otherwise fails as `Key::verify_pkcs7()` does, or
    /// with [`ENOMEM`]. This may sleep.
    ///
    /// The values are not copied, and never Rust references: only [`KvecRef`]s for C to read.
    #[cfg(CONFIG_KEYS)]
    pub fn verify_signature<'a>(&'a self, key: &'a Key, sig: &Signature) -> Result<Verified<'a>> {
        let mut payload = KVec::with_capacity(self.used_maps().len() + 1, GFP_KERNEL_ACCOUNT)?;
        // Within capacity: one piece for the instructions and one per map.
        let mut push = |piece| payload.push_within_capacity(piece).map_err(|_| ENOMEM);
        push(KvecRef::new(self.prog().insns().as_bytes()))?;
        for map in self.used_maps() {
            let value = map.signed_metadata_value().map_err(|_| EINVAL)?;
            push(value.kvec())?;
        }
        key.verify_pkcs7(&payload, sig)?;
        Ok(Verified { env: self, key })
    }

    /// Appends a line to the verifier log, if the loader asked for one.
    ///
    /// Use the [`bpf_verifier_log!`](crate::bpf_verifier_log) macro.
    #[inline]
    pub fn log(&self, args: fmt::Arguments<'_>) {
        // SAFETY: By the type invariant the environment is valid; `%pA` formats the
        // `fmt::Arguments` passed by pointer.
        unsafe {
            bindings::bpf_verifier_log_write(
                self.as_raw(),
                c"%pA".as_char_ptr(),
                core::ptr::from_ref(&args).cast::<c_void>(),
            )
        };
    }
}

/// Writes to the verifier log of a [`VerifierEnv`] with Rust formatting syntax.
///
/// # Examples
///
/// ```
/// use kernel::{
///     bpf::VerifierEnv,
///     bpf_verifier_log, //
/// };
///
/// fn explain(env: &VerifierEnv, keyring_id: i32) {
///     bpf_verifier_log!(env, "cannot resolve signing keyring with keyring_id {keyring_id}\n");
/// }
/// ```
#[macro_export]
macro_rules! bpf_verifier_log {
    ($env:expr, $($arg:tt)+) => (
        $env.log($crate::prelude::fmt!($($arg)+))
    );
}

/// A signature that [`VerifierEnv::verify_signature`] verified over the payload of the program
/// being loaded: only such a value records a verdict.
#[cfg(CONFIG_KEYS)]
#[must_use = "a verified signature is only recorded by `record()`"]
pub struct Verified<'a> {
    env: &'a VerifierEnv,
    key: &'a Key,
}

#[cfg(CONFIG_KEYS)]
impl Verified<'_> {
    /// Records the verdict on the program being loaded (`bpf_prog_sig_set_verified()`):
    /// `prog->aux->sig`, which the BPF LSM hooks and later map binding see, with the kind and
    /// serial of the keyring.
    #[inline]
    pub fn record(self) {
        // SAFETY: By the type invariants of `VerifierEnv` and `Prog` the program is valid and
        // only this thread accesses it; the key is valid and `keyring_id()` is what it was
        // looked up by.
        unsafe {
            bindings::bpf_prog_sig_set_verified(
                self.env.prog().as_raw(),
                self.key.as_raw(),
                self.key.keyring_id(),
            )
        };
    }
}

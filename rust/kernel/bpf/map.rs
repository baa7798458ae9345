// SPDX-License-Identifier: GPL-2.0

//! BPF maps.
//!
//! C header: [`include/linux/bpf.h`](srctree/include/linux/bpf.h)

use crate::{
    bindings,
    error::to_result,
    iov::KvecRef,
    macros::paste,
    prelude::*,
    sync::atomic::{
        atomic_load,
        ordering::Relaxed, //
    },
    types::Opaque, //
};
use core::{
    marker::PhantomData,
    ptr::NonNull, //
};

macro_rules! map_types {
    ($($variant:ident = $c:ident,)*) => {
        /// A BPF map type (`enum bpf_map_type`).
        ///
        /// # Examples
        ///
        /// ```
        /// use kernel::bpf::MapType;
        ///
        /// assert_eq!(MapType::try_from(MapType::Array as u32), Ok(MapType::Array));
        /// assert_eq!(MapType::try_from(u32::MAX), Err(EINVAL));
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u32)]
        pub enum MapType {
            $(
                #[doc = concat!("`BPF_MAP_TYPE_", stringify!($c), "`.")]
                $variant = paste!(bindings::[<bpf_map_type_BPF_MAP_TYPE_ $c>]),
            )*
        }

        impl TryFrom<u32> for MapType {
            type Error = Error;

            /// The map type with the value `raw`; [`EINVAL`] for a type this enumeration does not
            /// know.
            fn try_from(raw: u32) -> Result<Self> {
                $(
                    if raw == Self::$variant as u32 {
                        return Ok(Self::$variant);
                    }
                )*
                Err(EINVAL)
            }
        }
    };
}

map_types! {
    Unspec = UNSPEC,
    Hash = HASH,
    Array = ARRAY,
    ProgArray = PROG_ARRAY,
    PerfEventArray = PERF_EVENT_ARRAY,
    PercpuHash = PERCPU_HASH,
    PercpuArray = PERCPU_ARRAY,
    StackTrace = STACK_TRACE,
    CgroupArray = CGROUP_ARRAY,
    LruHash = LRU_HASH,
    LruPercpuHash = LRU_PERCPU_HASH,
    LpmTrie = LPM_TRIE,
    ArrayOfMaps = ARRAY_OF_MAPS,
    HashOfMaps = HASH_OF_MAPS,
    Devmap = DEVMAP,
    Sockmap = SOCKMAP,
    Cpumap = CPUMAP,
    Xskmap = XSKMAP,
    Sockhash = SOCKHASH,
    CgroupStorage = CGROUP_STORAGE,
    ReuseportSockarray = REUSEPORT_SOCKARRAY,
    PercpuCgroupStorage = PERCPU_CGROUP_STORAGE,
    Queue = QUEUE,
    Stack = STACK,
    SkStorage = SK_STORAGE,
    DevmapHash = DEVMAP_HASH,
    StructOps = STRUCT_OPS,
    Ringbuf = RINGBUF,
    InodeStorage = INODE_STORAGE,
    TaskStorage = TASK_STORAGE,
    BloomFilter = BLOOM_FILTER,
    UserRingbuf = USER_RINGBUF,
    CgrpStorage = CGRP_STORAGE,
    Arena = ARENA,
    InsnArray = INSN_ARRAY,
    Rhash = RHASH,
}

// Every map type of the UAPI has a variant.
const _: () = assert!(MapType::Rhash as u32 + 1 == bindings::bpf_map_type___MAX_BPF_MAP_TYPE);

/// A BPF map (`struct bpf_map`), borrowed from a reference someone else holds.
///
/// # Invariants
///
/// The map is valid for the lifetime of the reference: a reference to it is held (for example by
/// the verifier, which binds it to the program being loaded).
#[repr(transparent)]
pub struct Map(Opaque<bindings::bpf_map>);

impl Map {
    /// Creates a reference to a map from a pointer.
    ///
    /// # Safety
    ///
    /// `ptr` points to a valid `struct bpf_map` on which a reference is held for the whole of
    /// `'a`.
    #[inline]
    pub unsafe fn from_raw<'a>(ptr: *const bindings::bpf_map) -> &'a Self {
        // CAST: `Map` is `repr(transparent)` over `struct bpf_map`.
        // SAFETY: The caller guarantees that `ptr` is valid for `'a`.
        unsafe { &*ptr.cast() }
    }

    #[inline]
    pub(crate) fn as_raw(&self) -> *mut bindings::bpf_map {
        self.0.get()
    }

    /// The map's name, as given at creation (at most 15 bytes).
    #[inline]
    pub fn name(&self) -> &CStr {
        // SAFETY: By the type invariant the map is valid; `name` is written once, at creation.
        let name = unsafe { &(*self.as_raw()).name };
        // `bpf_obj_name_cpy()` always leaves a NUL within the array.
        CStr::from_bytes_until_nul(name).unwrap_or(c"")
    }

    /// The map's type, or `None` for a type this enumeration does not know.
    #[inline]
    fn map_type(&self) -> Option<MapType> {
        // SAFETY: By the type invariant the map is valid; the type is fixed at creation.
        MapType::try_from(unsafe { (*self.as_raw()).map_type }).ok()
    }

    /// The size of one value, in bytes.
    #[inline]
    pub fn value_size(&self) -> u32 {
        // SAFETY: By the type invariant the map is valid; the size is fixed at creation.
        unsafe { (*self.as_raw()).value_size }
    }

    /// The number of entries.
    #[inline]
    fn max_entries(&self) -> u32 {
        // SAFETY: By the type invariant the map is valid; the count is fixed at creation.
        unsafe { (*self.as_raw()).max_entries }
    }

    /// Whether the map type gives direct access to its values (`map_direct_value_addr`).
    #[inline]
    fn has_direct_value_access(&self) -> bool {
        // SAFETY: By the type invariant the map is valid; `ops` is fixed at creation and points
        // to a static table.
        unsafe { (*(*self.as_raw()).ops).map_direct_value_addr.is_some() }
    }

    /// Whether the map was frozen (`BPF_MAP_FREEZE`): the syscall side can no longer write it.
    #[inline]
    fn is_frozen(&self) -> bool {
        // SAFETY: By the type invariant the map is valid, so `frozen` is a valid, aligned `bool`;
        // the only concurrent store to it is `map_freeze()`'s `WRITE_ONCE()`, with which this
        // atomic load does not race.
        unsafe { atomic_load(&raw mut (*self.as_raw()).frozen, Relaxed) }
    }

    /// Whether writable mappings or other writers of the map are active.
    #[inline]
    fn has_active_writers(&self) -> bool {
        // SAFETY: By the type invariant the map is valid.
        unsafe { bindings::bpf_map_write_active(self.as_raw()) }
    }

    /// Whether the map is exclusive to programs of one digest (`excl_prog_hash` at creation).
    #[inline]
    fn is_exclusive(&self) -> bool {
        // SAFETY: By the type invariant the map is valid; `excl_prog_sha` is set at creation and
        // freed with the map.
        unsafe { !(*self.as_raw()).excl_prog_sha.is_null() }
    }

    /// The value of the map as the metadata of a signed program.
    ///
    /// Metadata is the value of a single-entry `BPF_MAP_TYPE_ARRAY` that is frozen, has no active
    /// writers and is exclusive to the digest of one program; the conditions are checked in the
    /// order of [`MetadataError`], and the first that does not hold is returned. Then the value
    /// does not change while a signed program that reserved the map is bound to it, the only
    /// program that can be (see `bpf_map_excl_bind()`).
    pub fn signed_metadata_value(&self) -> Result<ArrayValue<'_>, MetadataError> {
        if self.map_type() != Some(MapType::Array) || !self.has_direct_value_access() {
            return Err(MetadataError::NotArray);
        }
        if self.max_entries() != 1 {
            return Err(MetadataError::NotSingleEntry);
        }
        if !self.is_frozen() {
            return Err(MetadataError::NotFrozen);
        }
        if self.has_active_writers() {
            return Err(MetadataError::ActiveWriters);
        }
        if !self.is_exclusive() {
            return Err(MetadataError::NotExclusive);
        }
        self.array_value().map_err(|_| MetadataError::NotArray)
    }

    /// The value of a single-entry array map.
    ///
    /// Fails with [`EINVAL`] unless the map is a `BPF_MAP_TYPE_ARRAY` with exactly one entry.
    fn array_value(&self) -> Result<ArrayValue<'_>> {
        if self.map_type() != Some(MapType::Array) || self.max_entries() != 1 {
            return Err(EINVAL);
        }
        let map = self.as_raw();
        // SAFETY: By the type invariant the map is valid; `ops` points to a static table.
        let addr_of = unsafe { (*(*map).ops).map_direct_value_addr }.ok_or(EINVAL)?;
        let mut addr: u64 = 0;
        // SAFETY: `map` is valid and `addr_of` is its type's `map_direct_value_addr()`, which
        // only writes `addr`.
        to_result(unsafe { addr_of(map, &mut addr, 0) })?;
        // CAST: The address is a kernel pointer the C side handed out as an integer.
        let ptr = core::ptr::with_exposed_provenance_mut::<u8>(addr as usize);
        // INVARIANT: For an array map with one entry, `addr` is the address of its value,
        // `value_size` bytes that live as long as the map, so at least for the borrow of `self`.
        Ok(ArrayValue {
            ptr: NonNull::new(ptr).ok_or(EINVAL)?,
            len: self.value_size() as usize,
            _map: PhantomData,
        })
    }
}

/// Why a map cannot be the metadata of a signed program, in the order
/// [`Map::signed_metadata_value`] checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetadataError {
    /// Not a `BPF_MAP_TYPE_ARRAY` whose value can be read directly.
    NotArray,
    /// An array without exactly one entry: there is no single value to sign.
    NotSingleEntry,
    /// Not frozen: the syscall side can still write it.
    NotFrozen,
    /// Frozen, but a writable mapping or another writer is still active.
    ActiveWriters,
    /// Not exclusive to the digest of one program: other programs can bind it.
    NotExclusive,
}

/// The value of a single-entry array map, borrowed from the map.
///
/// A BPF program bound to the map may write the value at any time, even when the map is frozen:
/// it is never exposed as a Rust reference, only handed to C as a [`KvecRef`].
///
/// # Invariants
///
/// `ptr` is valid for reads of `len` bytes for `'a`.
pub struct ArrayValue<'a> {
    ptr: NonNull<u8>,
    len: usize,
    _map: PhantomData<&'a Map>,
}

impl<'a> ArrayValue<'a> {
    /// The value as a piece of data for C to read.
    #[inline]
    pub fn kvec(&self) -> KvecRef<'a> {
        // SAFETY: By the type invariant `ptr` is valid for reads of `len` bytes for `'a`.
        unsafe { KvecRef::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

#[cfg(CONFIG_RUST_BPF_ABSTRACTIONS_KUNIT_TEST)]
#[kunit_tests(rust_kernel_bpf_map)]
mod tests {
    use super::*;

    /// A map created here, for tests.
    ///
    /// # Invariants
    ///
    /// `self.0` holds a reference to a valid map, released when this value is dropped.
    struct OwnedMap(NonNull<bindings::bpf_map>);

    impl OwnedMap {
        /// Creates a map of type `map_type` with 4-byte keys (`BPF_MAP_CREATE`).
        fn new(map_type: MapType, value_size: u32, max_entries: u32) -> Result<Self> {
            // SAFETY: `bpf_test_map_create()` accepts any arguments.
            let map = unsafe {
                bindings::bpf_test_map_create(map_type as u32, 4, value_size, max_entries)
            };
            // INVARIANT: `bpf_test_map_create()` returns a referenced map or an error pointer.
            Ok(Self(
                NonNull::new(crate::error::from_err_ptr(map)?).ok_or(EINVAL)?,
            ))
        }
    }

    impl core::ops::Deref for OwnedMap {
        type Target = Map;

        #[inline]
        fn deref(&self) -> &Map {
            // SAFETY: By the type invariant `self` holds a reference to the map.
            unsafe { Map::from_raw(self.0.as_ptr()) }
        }
    }

    impl Drop for OwnedMap {
        #[inline]
        fn drop(&mut self) {
            // SAFETY: By the type invariant `self` holds a reference, released only here.
            unsafe { bindings::bpf_map_put(self.0.as_ptr()) };
        }
    }

    #[test]
    fn array_value_only_of_single_entry_arrays() -> Result {
        let one = OwnedMap::new(MapType::Array, 24, 1)?;
        let value = one.array_value()?;
        let piece = value.kvec();
        assert_eq!(piece.len(), 24);
        // Reads all the bytes through C: KASAN reports any read beyond the value.
        // SAFETY: `piece` is valid for reads of its length.
        let nonzero = unsafe { bindings::memchr_inv(piece.as_ptr().cast(), 0, piece.len()) };
        assert!(nonzero.is_null());

        // No value to read: two entries, a per-CPU array (whose direct address is a per-CPU
        // cookie), an instruction array of one entry (whose value is not `value_size` bytes of
        // map memory), a hash map: all refused on type or entry count, before any address.
        for (map_type, value_size, max_entries) in [
            (MapType::Array, 24, 2),
            (MapType::PercpuArray, 24, 1),
            (MapType::InsnArray, 16, 1),
            (MapType::Hash, 24, 1),
        ] {
            let map = OwnedMap::new(map_type, value_size, max_entries)?;
            assert_eq!(map.array_value().err(), Some(EINVAL));
        }
        Ok(())
    }

    #[test]
    fn signed_metadata_conditions_in_order() -> Result {
        use MetadataError::*;
        // Unfrozen and not exclusive: the type and the entry count come first.
        for (map_type, value_size, max_entries, want) in [
            (MapType::Hash, 24, 1, NotArray),
            (MapType::PercpuArray, 24, 1, NotArray),
            (MapType::InsnArray, 16, 1, NotArray),
            (MapType::Array, 24, 2, NotSingleEntry),
            (MapType::Array, 24, 1, NotFrozen),
        ] {
            let map = OwnedMap::new(map_type, value_size, max_entries)?;
            assert_eq!(map.signed_metadata_value().err(), Some(want));
        }
        Ok(())
    }

    #[test]
    fn map_types_match_c() {
        assert_eq!(
            MapType::try_from(bindings::bpf_map_type_BPF_MAP_TYPE_ARRAY),
            Ok(MapType::Array)
        );
        assert_eq!(
            MapType::Hash as u32,
            bindings::bpf_map_type_BPF_MAP_TYPE_HASH
        );
        assert_eq!(
            MapType::try_from(bindings::bpf_map_type___MAX_BPF_MAP_TYPE),
            Err(EINVAL)
        );
    }
}

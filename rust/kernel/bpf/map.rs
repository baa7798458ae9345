// SPDX-License-Identifier: GPL-2.0

//! BPF maps.
//!
//! C header: [`include/linux/bpf.h`](srctree/include/linux/bpf.h)

use crate::{
    bindings,
    error::to_result,
    iov::Kvec,
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

/// A BPF map type (`enum bpf_map_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum MapType {
    /// `BPF_MAP_TYPE_UNSPEC`.
    Unspec = bindings::bpf_map_type_BPF_MAP_TYPE_UNSPEC,
    /// `BPF_MAP_TYPE_HASH`.
    Hash = bindings::bpf_map_type_BPF_MAP_TYPE_HASH,
    /// `BPF_MAP_TYPE_ARRAY`.
    Array = bindings::bpf_map_type_BPF_MAP_TYPE_ARRAY,
    /// `BPF_MAP_TYPE_PROG_ARRAY`.
    ProgArray = bindings::bpf_map_type_BPF_MAP_TYPE_PROG_ARRAY,
    /// `BPF_MAP_TYPE_PERF_EVENT_ARRAY`.
    PerfEventArray = bindings::bpf_map_type_BPF_MAP_TYPE_PERF_EVENT_ARRAY,
    /// `BPF_MAP_TYPE_PERCPU_HASH`.
    PercpuHash = bindings::bpf_map_type_BPF_MAP_TYPE_PERCPU_HASH,
    /// `BPF_MAP_TYPE_PERCPU_ARRAY`.
    PercpuArray = bindings::bpf_map_type_BPF_MAP_TYPE_PERCPU_ARRAY,
    /// `BPF_MAP_TYPE_STACK_TRACE`.
    StackTrace = bindings::bpf_map_type_BPF_MAP_TYPE_STACK_TRACE,
    /// `BPF_MAP_TYPE_CGROUP_ARRAY`.
    CgroupArray = bindings::bpf_map_type_BPF_MAP_TYPE_CGROUP_ARRAY,
    /// `BPF_MAP_TYPE_LRU_HASH`.
    LruHash = bindings::bpf_map_type_BPF_MAP_TYPE_LRU_HASH,
    /// `BPF_MAP_TYPE_LRU_PERCPU_HASH`.
    LruPercpuHash = bindings::bpf_map_type_BPF_MAP_TYPE_LRU_PERCPU_HASH,
    /// `BPF_MAP_TYPE_LPM_TRIE`.
    LpmTrie = bindings::bpf_map_type_BPF_MAP_TYPE_LPM_TRIE,
    /// `BPF_MAP_TYPE_ARRAY_OF_MAPS`.
    ArrayOfMaps = bindings::bpf_map_type_BPF_MAP_TYPE_ARRAY_OF_MAPS,
    /// `BPF_MAP_TYPE_HASH_OF_MAPS`.
    HashOfMaps = bindings::bpf_map_type_BPF_MAP_TYPE_HASH_OF_MAPS,
    /// `BPF_MAP_TYPE_DEVMAP`.
    Devmap = bindings::bpf_map_type_BPF_MAP_TYPE_DEVMAP,
    /// `BPF_MAP_TYPE_SOCKMAP`.
    Sockmap = bindings::bpf_map_type_BPF_MAP_TYPE_SOCKMAP,
    /// `BPF_MAP_TYPE_CPUMAP`.
    Cpumap = bindings::bpf_map_type_BPF_MAP_TYPE_CPUMAP,
    /// `BPF_MAP_TYPE_XSKMAP`.
    Xskmap = bindings::bpf_map_type_BPF_MAP_TYPE_XSKMAP,
    /// `BPF_MAP_TYPE_SOCKHASH`.
    Sockhash = bindings::bpf_map_type_BPF_MAP_TYPE_SOCKHASH,
    /// `BPF_MAP_TYPE_CGROUP_STORAGE`.
    CgroupStorage = bindings::bpf_map_type_BPF_MAP_TYPE_CGROUP_STORAGE,
    /// `BPF_MAP_TYPE_REUSEPORT_SOCKARRAY`.
    ReuseportSockarray = bindings::bpf_map_type_BPF_MAP_TYPE_REUSEPORT_SOCKARRAY,
    /// `BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE`.
    PercpuCgroupStorage = bindings::bpf_map_type_BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE,
    /// `BPF_MAP_TYPE_QUEUE`.
    Queue = bindings::bpf_map_type_BPF_MAP_TYPE_QUEUE,
    /// `BPF_MAP_TYPE_STACK`.
    Stack = bindings::bpf_map_type_BPF_MAP_TYPE_STACK,
    /// `BPF_MAP_TYPE_SK_STORAGE`.
    SkStorage = bindings::bpf_map_type_BPF_MAP_TYPE_SK_STORAGE,
    /// `BPF_MAP_TYPE_DEVMAP_HASH`.
    DevmapHash = bindings::bpf_map_type_BPF_MAP_TYPE_DEVMAP_HASH,
    /// `BPF_MAP_TYPE_STRUCT_OPS`.
    StructOps = bindings::bpf_map_type_BPF_MAP_TYPE_STRUCT_OPS,
    /// `BPF_MAP_TYPE_RINGBUF`.
    Ringbuf = bindings::bpf_map_type_BPF_MAP_TYPE_RINGBUF,
    /// `BPF_MAP_TYPE_INODE_STORAGE`.
    InodeStorage = bindings::bpf_map_type_BPF_MAP_TYPE_INODE_STORAGE,
    /// `BPF_MAP_TYPE_TASK_STORAGE`.
    TaskStorage = bindings::bpf_map_type_BPF_MAP_TYPE_TASK_STORAGE,
    /// `BPF_MAP_TYPE_BLOOM_FILTER`.
    BloomFilter = bindings::bpf_map_type_BPF_MAP_TYPE_BLOOM_FILTER,
    /// `BPF_MAP_TYPE_USER_RINGBUF`.
    UserRingbuf = bindings::bpf_map_type_BPF_MAP_TYPE_USER_RINGBUF,
    /// `BPF_MAP_TYPE_CGRP_STORAGE`.
    CgrpStorage = bindings::bpf_map_type_BPF_MAP_TYPE_CGRP_STORAGE,
    /// `BPF_MAP_TYPE_ARENA`.
    Arena = bindings::bpf_map_type_BPF_MAP_TYPE_ARENA,
    /// `BPF_MAP_TYPE_INSN_ARRAY`.
    InsnArray = bindings::bpf_map_type_BPF_MAP_TYPE_INSN_ARRAY,
    /// `BPF_MAP_TYPE_RHASH`.
    Rhash = bindings::bpf_map_type_BPF_MAP_TYPE_RHASH,
}

impl MapType {
    /// The map type with the value `raw`, if there is one.
    pub fn from_raw(raw: u32) -> Option<Self> {
        Some(match raw {
            bindings::bpf_map_type_BPF_MAP_TYPE_UNSPEC => Self::Unspec,
            bindings::bpf_map_type_BPF_MAP_TYPE_HASH => Self::Hash,
            bindings::bpf_map_type_BPF_MAP_TYPE_ARRAY => Self::Array,
            bindings::bpf_map_type_BPF_MAP_TYPE_PROG_ARRAY => Self::ProgArray,
            bindings::bpf_map_type_BPF_MAP_TYPE_PERF_EVENT_ARRAY => Self::PerfEventArray,
            bindings::bpf_map_type_BPF_MAP_TYPE_PERCPU_HASH => Self::PercpuHash,
            bindings::bpf_map_type_BPF_MAP_TYPE_PERCPU_ARRAY => Self::PercpuArray,
            bindings::bpf_map_type_BPF_MAP_TYPE_STACK_TRACE => Self::StackTrace,
            bindings::bpf_map_type_BPF_MAP_TYPE_CGROUP_ARRAY => Self::CgroupArray,
            bindings::bpf_map_type_BPF_MAP_TYPE_LRU_HASH => Self::LruHash,
            bindings::bpf_map_type_BPF_MAP_TYPE_LRU_PERCPU_HASH => Self::LruPercpuHash,
            bindings::bpf_map_type_BPF_MAP_TYPE_LPM_TRIE => Self::LpmTrie,
            bindings::bpf_map_type_BPF_MAP_TYPE_ARRAY_OF_MAPS => Self::ArrayOfMaps,
            bindings::bpf_map_type_BPF_MAP_TYPE_HASH_OF_MAPS => Self::HashOfMaps,
            bindings::bpf_map_type_BPF_MAP_TYPE_DEVMAP => Self::Devmap,
            bindings::bpf_map_type_BPF_MAP_TYPE_SOCKMAP => Self::Sockmap,
            bindings::bpf_map_type_BPF_MAP_TYPE_CPUMAP => Self::Cpumap,
            bindings::bpf_map_type_BPF_MAP_TYPE_XSKMAP => Self::Xskmap,
            bindings::bpf_map_type_BPF_MAP_TYPE_SOCKHASH => Self::Sockhash,
            bindings::bpf_map_type_BPF_MAP_TYPE_CGROUP_STORAGE => Self::CgroupStorage,
            bindings::bpf_map_type_BPF_MAP_TYPE_REUSEPORT_SOCKARRAY => Self::ReuseportSockarray,
            bindings::bpf_map_type_BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE => Self::PercpuCgroupStorage,
            bindings::bpf_map_type_BPF_MAP_TYPE_QUEUE => Self::Queue,
            bindings::bpf_map_type_BPF_MAP_TYPE_STACK => Self::Stack,
            bindings::bpf_map_type_BPF_MAP_TYPE_SK_STORAGE => Self::SkStorage,
            bindings::bpf_map_type_BPF_MAP_TYPE_DEVMAP_HASH => Self::DevmapHash,
            bindings::bpf_map_type_BPF_MAP_TYPE_STRUCT_OPS => Self::StructOps,
            bindings::bpf_map_type_BPF_MAP_TYPE_RINGBUF => Self::Ringbuf,
            bindings::bpf_map_type_BPF_MAP_TYPE_INODE_STORAGE => Self::InodeStorage,
            bindings::bpf_map_type_BPF_MAP_TYPE_TASK_STORAGE => Self::TaskStorage,
            bindings::bpf_map_type_BPF_MAP_TYPE_BLOOM_FILTER => Self::BloomFilter,
            bindings::bpf_map_type_BPF_MAP_TYPE_USER_RINGBUF => Self::UserRingbuf,
            bindings::bpf_map_type_BPF_MAP_TYPE_CGRP_STORAGE => Self::CgrpStorage,
            bindings::bpf_map_type_BPF_MAP_TYPE_ARENA => Self::Arena,
            bindings::bpf_map_type_BPF_MAP_TYPE_INSN_ARRAY => Self::InsnArray,
            bindings::bpf_map_type_BPF_MAP_TYPE_RHASH => Self::Rhash,
            _ => return None,
        })
    }
}

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
    fn as_raw(&self) -> *mut bindings::bpf_map {
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
    pub fn map_type(&self) -> Option<MapType> {
        // SAFETY: By the type invariant the map is valid; the type is fixed at creation.
        MapType::from_raw(unsafe { (*self.as_raw()).map_type })
    }

    /// The size of one value, in bytes.
    #[inline]
    pub fn value_size(&self) -> u32 {
        // SAFETY: By the type invariant the map is valid; the size is fixed at creation.
        unsafe { (*self.as_raw()).value_size }
    }

    /// The number of entries.
    #[inline]
    pub fn max_entries(&self) -> u32 {
        // SAFETY: By the type invariant the map is valid; the count is fixed at creation.
        unsafe { (*self.as_raw()).max_entries }
    }

    /// Whether the map type gives direct access to its values (`map_direct_value_addr`).
    #[inline]
    pub fn has_direct_value_access(&self) -> bool {
        // SAFETY: By the type invariant the map is valid; `ops` is fixed at creation and points
        // to a static table.
        unsafe { (*(*self.as_raw()).ops).map_direct_value_addr.is_some() }
    }

    /// Whether the map was frozen (`BPF_MAP_FREEZE`): the syscall side can no longer write it.
    #[inline]
    pub fn is_frozen(&self) -> bool {
        // SAFETY: By the type invariant the map is valid. `frozen` is written once under
        // `freeze_mutex`; it is read here like C's `READ_ONCE()`.
        unsafe { atomic_load(&raw mut (*self.as_raw()).frozen, Relaxed) }
    }

    /// Whether writable mappings or other writers of the map are active.
    #[inline]
    pub fn has_active_writers(&self) -> bool {
        // SAFETY: By the type invariant the map is valid.
        unsafe { bindings::bpf_map_write_active(self.as_raw()) }
    }

    /// Whether the map is exclusive to programs of one digest (`excl_prog_hash` at creation).
    #[inline]
    pub fn is_exclusive(&self) -> bool {
        // SAFETY: By the type invariant the map is valid; `excl_prog_sha` is set at creation and
        // freed with the map.
        unsafe { !(*self.as_raw()).excl_prog_sha.is_null() }
    }

    /// Reserves an exclusive map for the one program bound to it, the caller's, which is being
    /// loaded (`bpf_map_excl_reserve()`): no other program can bind the map until the load ends,
    /// and none ever if the load of a verified program succeeds.
    ///
    /// Fails with [`EBUSY`] if another program is bound to the map, [`EINVAL`] if it is not
    /// exclusive.
    #[inline]
    pub fn reserve_exclusive(&self) -> Result {
        // SAFETY: By the type invariant the map is valid.
        to_result(unsafe { bindings::bpf_map_excl_reserve(self.as_raw()) })
    }

    /// The value of a single-entry array map.
    ///
    /// Fails with [`EINVAL`] unless the map is a `BPF_MAP_TYPE_ARRAY` with exactly one entry.
    pub fn array_value(&self) -> Result<ArrayValue<'_>> {
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

/// The value of a single-entry array map, borrowed from the map.
///
/// A BPF program bound to the map may write the value at any time, even when the map is frozen:
/// it is never exposed as a Rust reference, only handed to C as a [`Kvec`].
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
    /// The size of the value, in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the value has no bytes.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The value as a piece of data for C to read.
    #[inline]
    pub fn kvec(&self) -> Kvec<'a> {
        // SAFETY: By the type invariant `ptr` is valid for reads of `len` bytes for `'a`.
        unsafe { Kvec::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

/// A map created here, for tests.
///
/// # Invariants
///
/// `self.0` holds a reference to a valid map, released when this value is dropped.
#[cfg(CONFIG_KUNIT)]
pub struct OwnedMap(NonNull<bindings::bpf_map>);

#[cfg(CONFIG_KUNIT)]
impl OwnedMap {
    /// Creates a map of type `map_type` with 4-byte keys (`BPF_MAP_CREATE`).
    pub fn new(map_type: MapType, value_size: u32, max_entries: u32) -> Result<Self> {
        // SAFETY: `bpf_test_map_create()` accepts any arguments.
        let map =
            unsafe { bindings::bpf_test_map_create(map_type as u32, 4, value_size, max_entries) };
        // INVARIANT: `bpf_test_map_create()` returns a referenced map or an error pointer.
        Ok(Self(
            NonNull::new(crate::error::from_err_ptr(map)?).ok_or(EINVAL)?,
        ))
    }
}

#[cfg(CONFIG_KUNIT)]
impl core::ops::Deref for OwnedMap {
    type Target = Map;

    #[inline]
    fn deref(&self) -> &Map {
        // SAFETY: By the type invariant `self` holds a reference to the map.
        unsafe { Map::from_raw(self.0.as_ptr()) }
    }
}

#[cfg(CONFIG_KUNIT)]
impl Drop for OwnedMap {
    fn drop(&mut self) {
        // SAFETY: By the type invariant `self` holds a reference, released only here.
        unsafe { bindings::bpf_map_put(self.0.as_ptr()) };
    }
}

#[kunit_tests(rust_kernel_bpf_map)]
mod tests {
    use super::*;
    use crate::crypto::sha2::{
        sha256,
        Sha256, //
    };

    #[test]
    fn array_value_only_of_single_entry_arrays() -> Result {
        let one = OwnedMap::new(MapType::Array, 24, 1)?;
        let value = one.array_value()?;
        assert_eq!(value.len(), 24);
        // Reads all the bytes through C: KASAN reports any read beyond the value.
        let mut sha = Sha256::new();
        sha.update_kvec(&value.kvec());
        assert_eq!(sha.finalize(), sha256(&[0; 24]));

        // No value to read: two entries, a per-CPU array, an instruction array of one entry
        // whose direct value is smaller than value_size, a hash map.
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
    fn map_types_round_trip() {
        for raw in 0..64 {
            if let Some(t) = MapType::from_raw(raw) {
                assert_eq!(t as u32, raw);
            }
        }
        assert_eq!(
            MapType::from_raw(bindings::bpf_map_type_BPF_MAP_TYPE_ARRAY),
            Some(MapType::Array)
        );
    }
}

// SPDX-License-Identifier: GPL-2.0

//! BPF maps.
//!
//! C header: [`include/linux/bpf.h`](srctree/include/linux/bpf.h)

use crate::{
    bindings,
    error::to_result,
    prelude::*,
    sync::atomic::{
        atomic_load,
        ordering::Relaxed, //
    },
    types::Opaque, //
};

/// A BPF map type (`enum bpf_map_type`).
pub type MapType = bindings::bpf_map_type;

/// A BPF map (`struct bpf_map`), borrowed from a reference someone else holds.
///
/// # Invariants
///
/// The map is valid for the lifetime of the reference: a reference to it is held (for example by
/// the verifier, which binds it to the program being loaded).
#[repr(transparent)]
pub struct Map(Opaque<bindings::bpf_map>);

impl Map {
    /// `BPF_MAP_TYPE_ARRAY`.
    pub const ARRAY: MapType = bindings::bpf_map_type_BPF_MAP_TYPE_ARRAY;

    /// Creates a reference to a map from a pointer.
    ///
    /// # Safety
    ///
    /// `ptr` points to a valid `struct bpf_map` on which a reference is held for the whole of
    /// `'a`.
    pub unsafe fn from_raw<'a>(ptr: *const bindings::bpf_map) -> &'a Self {
        // CAST: `Map` is `repr(transparent)` over `struct bpf_map`.
        // SAFETY: The caller guarantees that `ptr` is valid for `'a`.
        unsafe { &*ptr.cast() }
    }

    fn as_raw(&self) -> *mut bindings::bpf_map {
        self.0.get()
    }

    /// The map's name, as given at creation (at most 15 bytes).
    pub fn name(&self) -> &CStr {
        // SAFETY: By the type invariant the map is valid; `name` is written once, at creation.
        let name = unsafe { &(*self.as_raw()).name };
        // `bpf_obj_name_cpy()` always leaves a NUL within the array.
        CStr::from_bytes_until_nul(name).unwrap_or(c"")
    }

    /// The map's type.
    pub fn map_type(&self) -> MapType {
        // SAFETY: By the type invariant the map is valid; the type is fixed at creation.
        unsafe { (*self.as_raw()).map_type }
    }

    /// The size of one value, in bytes.
    pub fn value_size(&self) -> u32 {
        // SAFETY: By the type invariant the map is valid; the size is fixed at creation.
        unsafe { (*self.as_raw()).value_size }
    }

    /// The number of entries.
    pub fn max_entries(&self) -> u32 {
        // SAFETY: By the type invariant the map is valid; the count is fixed at creation.
        unsafe { (*self.as_raw()).max_entries }
    }

    /// Whether the map type gives direct access to its values (`map_direct_value_addr`).
    pub fn has_direct_value_access(&self) -> bool {
        // SAFETY: By the type invariant the map is valid; `ops` is fixed at creation and points
        // to a static table.
        unsafe { (*(*self.as_raw()).ops).map_direct_value_addr.is_some() }
    }

    /// Whether the map was frozen (`BPF_MAP_FREEZE`): the syscall side can no longer write it.
    pub fn is_frozen(&self) -> bool {
        // SAFETY: By the type invariant the map is valid. `frozen` is written once under
        // `freeze_mutex`; it is read here like C's `READ_ONCE()`.
        unsafe { atomic_load(&raw mut (*self.as_raw()).frozen, Relaxed) }
    }

    /// Whether writable mappings or other writers of the map are active.
    pub fn has_active_writers(&self) -> bool {
        // SAFETY: By the type invariant the map is valid.
        unsafe { bindings::bpf_map_write_active(self.as_raw()) }
    }

    /// Whether the map is exclusive to programs of one digest (`excl_prog_hash` at creation).
    pub fn is_exclusive(&self) -> bool {
        // SAFETY: By the type invariant the map is valid; `excl_prog_sha` is set at creation and
        // freed with the map.
        unsafe { !(*self.as_raw()).excl_prog_sha.is_null() }
    }

    /// The value of a single-entry map with direct value access, as bytes.
    ///
    /// Fails with the errno of the map type's `map_direct_value_addr()` (for an array map,
    /// `ENOTSUPP` unless it has exactly one entry), or [`EOPNOTSUPP`] if the type has none.
    ///
    /// The bytes are those the map holds while it is borrowed. Only a frozen map without active
    /// writers is closed to the syscall side; a BPF program bound to the map can still write it,
    /// exactly as it could while the C code copied these bytes.
    pub fn frozen_value(&self) -> Result<&[u8]> {
        let map = self.as_raw();
        // SAFETY: By the type invariant the map is valid; `ops` points to a static table.
        let Some(addr_of) = (unsafe { (*(*map).ops).map_direct_value_addr }) else {
            return Err(EOPNOTSUPP);
        };
        let mut addr: u64 = 0;
        // SAFETY: `map` is valid and `addr_of` is its type's `map_direct_value_addr()`, which
        // only writes `addr`.
        to_result(unsafe { addr_of(map, &mut addr, 0) })?;
        // SAFETY: On success, `addr` is the kernel address of the map's first value, which is
        // `value_size` bytes long and lives as long as the map, so at least as long as `self`.
        // CAST: The address is a kernel pointer the C side handed out as an integer.
        Ok(unsafe {
            core::slice::from_raw_parts(
                core::ptr::with_exposed_provenance::<u8>(addr as usize),
                self.value_size() as usize,
            )
        })
    }
}

//! Where a matrix's floats live: an owned buffer, or a read-only memory map of a native file.
//!
//! Mapping a file is one of the few `unsafe` operations outside the trainer: the OS may let
//! another process change the file while it is mapped, which Rust cannot rule out. embedrs maps
//! model files read-only and never writes through the map; replacing a model file is done by
//! `rename` (see `formats::atomic_write`), which leaves existing maps on the old inode. Editing
//! a model file in place while a process has it loaded with `mmap=True` is unsupported.
#![allow(unsafe_code)]

use std::fs::File;
use std::path::Path;

use crate::error::{EmbedError, Result};

/// An `f32` buffer, owned or mapped.
pub enum Storage {
    /// A buffer in memory.
    Owned(Vec<f32>),
    /// `len` floats at byte `offset` of a read-only map.
    Mapped {
        /// The map (kept alive as long as the storage).
        map: memmap2::Mmap,
        /// Byte offset of the first float (a multiple of 4).
        offset: usize,
        /// Number of floats.
        len: usize,
    },
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Storage::Owned(v) => write!(f, "Owned({} floats)", v.len()),
            Storage::Mapped { len, .. } => write!(f, "Mapped({len} floats)"),
        }
    }
}

impl Storage {
    /// The floats.
    pub fn as_slice(&self) -> &[f32] {
        match self {
            Storage::Owned(v) => v,
            Storage::Mapped { map, offset, len } => {
                bytemuck::cast_slice(&map[*offset..*offset + *len * 4])
            }
        }
    }

    /// True if memory-mapped.
    pub fn is_mapped(&self) -> bool {
        matches!(self, Storage::Mapped { .. })
    }

    /// Maps `len` floats at `offset` of the open `file` (whose path is `path`, for messages;
    /// little-endian hosts: the caller copies and converts on big-endian ones). The file is
    /// the one the caller read the header from: mapping the descriptor, not the path, means a
    /// concurrent rename over the path cannot pair one file's header with another's floats.
    ///
    /// # Errors
    /// `Io` if the file cannot be mapped; `Format` if the range is outside the file or
    /// misaligned.
    pub fn map(file: &File, path: &Path, offset: usize, len: usize) -> Result<Storage> {
        // SAFETY: the map is read-only and private to this process; see the module docs for
        // the one thing Rust cannot check (another process editing the file in place).
        let map = unsafe { memmap2::Mmap::map(file) }.map_err(|e| EmbedError::io(path, e))?;
        let end = len
            .checked_mul(4)
            .and_then(|b| b.checked_add(offset))
            .ok_or_else(|| EmbedError::format(path, "matrix size overflows"))?;
        if end > map.len() {
            return Err(EmbedError::format(
                path,
                format!(
                    "file is truncated: the matrix needs bytes {offset}..{end}, the file has {}",
                    map.len()
                ),
            ));
        }
        if !offset.is_multiple_of(4) || !(map.as_ptr() as usize + offset).is_multiple_of(4) {
            return Err(EmbedError::format(path, "matrix is not 4-byte aligned"));
        }
        Ok(Storage::Mapped { map, offset, len })
    }
}

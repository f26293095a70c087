//! The id cache: a file corpus's sentences as vocabulary ids, written during the first epoch
//! and read by the later ones instead of the text.
//!
//! Reading the text again costs about a tenth of CBOW's training time: the file read, the
//! split into lines and tokens, the UTF-8 check and one hash lookup per token. The cache
//! keeps, for each unit of work of the first epoch (a [`super::Feed`] unit, whose id seeds
//! the worker's random numbers), the sentence pieces exactly as
//! [`super::Batch::for_each_sentence`] gave them: the raw tokens each covered and its
//! in-vocabulary ids. Later epochs replay the units in the order the first epoch finished
//! them, with the same ids, so training with one thread is bit for bit the same as from the
//! text, and with several it is the same kind of Hogwild run.
//!
//! The records go to an unnamed temporary file (removed by the operating system when it is
//! closed, even after a crash), not to memory, so memory still does not grow with the corpus.
//! A temporary directory in memory (tmpfs, ramfs) would make it grow: there, `/var/tmp` is
//! tried instead, and if that is in memory too, there is no cache. Anything that goes wrong
//! while writing (no temporary directory, a full disk, more than [`MAX_BYTES`]) drops the
//! cache, and training reads the text as it would without it. An error while reading it back
//! is an error of the run, like an error reading the corpus.
//!
//! Record of a unit: for each sentence piece, `[raw tokens, n, id_1 .. id_n]` as `u32`s in
//! the machine's byte order (the file never leaves the process).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{EmbedError, Result};

/// Largest cache written: beyond it (a billion tokens or so), the text is read every epoch.
pub const MAX_BYTES: u64 = 4 << 30;

/// Whether the environment allows the cache: `EMBEDRS_ID_CACHE` unset, `1`, or `0` (off).
///
/// # Errors
/// `InvalidParameter` naming `EMBEDRS_ID_CACHE` for any other value.
pub fn enabled_by_env() -> Result<bool> {
    match std::env::var("EMBEDRS_ID_CACHE") {
        Err(_) => Ok(true),
        Ok(v) => match v.trim() {
            "1" => Ok(true),
            "0" => Ok(false),
            _ => Err(EmbedError::InvalidParameter {
                name: "EMBEDRS_ID_CACHE",
                reason: format!(
                    "must be 0 (read the text every epoch) or 1 (the default), got {}",
                    crate::error::show_str(&v)
                ),
            }),
        },
    }
}

/// Where one unit's record lies in the file.
#[derive(Debug, Clone, Copy)]
struct Unit {
    /// The unit's id (see [`super::Feed::next_batch`]).
    id: u64,
    /// Byte offset of its record.
    offset: u64,
    /// Length of its record in `u32`s.
    len: usize,
}

struct Writing {
    file: File,
    end: u64,
    units: Vec<Unit>,
}

/// The cache while the first epoch writes it; shared by that epoch's workers.
pub struct IdCacheWriter {
    /// `None` once something went wrong: the cache is dropped.
    state: Mutex<Option<Writing>>,
    max_bytes: u64,
}

/// A complete cache, read by the epochs after the first.
pub struct IdCache {
    file: Mutex<File>,
    units: Vec<Unit>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// True when `dir` is a file system held in memory (Linux's tmpfs and ramfs).
#[cfg(target_os = "linux")]
fn in_memory(dir: &Path) -> bool {
    const TMPFS_MAGIC: u32 = 0x0102_1994;
    const RAMFS_MAGIC: u32 = 0x8584_58f6;
    match rustix::fs::statfs(dir) {
        // `f_type`'s integer type differs between architectures; the magic numbers are
        // 32-bit.
        #[allow(clippy::unnecessary_cast)]
        Ok(st) => matches!(st.f_type as u32, TMPFS_MAGIC | RAMFS_MAGIC),
        Err(_) => true,
    }
}

#[cfg(not(target_os = "linux"))]
fn in_memory(_dir: &Path) -> bool {
    false
}

/// The temporary directories to try, on disk: `TMPDIR` (or the system's), else `/var/tmp`.
fn disk_temp_dir() -> Option<PathBuf> {
    let mut dirs = vec![std::env::temp_dir()];
    if cfg!(unix) {
        dirs.push(PathBuf::from("/var/tmp"));
    }
    dirs.into_iter().find(|d| d.is_dir() && !in_memory(d))
}

impl IdCacheWriter {
    /// A writer over a new unnamed temporary file on disk, or `None` (logged) if there is
    /// none to be had.
    pub fn new() -> Option<IdCacheWriter> {
        Self::with_limit(MAX_BYTES)
    }

    /// [`IdCacheWriter::new`] with a size limit other than [`MAX_BYTES`].
    pub fn with_limit(max_bytes: u64) -> Option<IdCacheWriter> {
        let Some(dir) = disk_temp_dir() else {
            log::debug!("id cache: no temporary directory on disk; every epoch reads the text");
            return None;
        };
        match tempfile::tempfile_in(&dir) {
            Ok(file) => Some(IdCacheWriter {
                state: Mutex::new(Some(Writing {
                    file,
                    end: 0,
                    units: Vec::new(),
                })),
                max_bytes,
            }),
            Err(e) => {
                log::debug!(
                    "id cache: cannot create a temporary file in {} ({e}); every epoch reads \
                     the text",
                    dir.display()
                );
                None
            }
        }
    }

    /// Appends unit `id`'s record.
    pub(crate) fn append(&self, id: u64, record: &[u32]) {
        let mut guard = lock(&self.state);
        let Some(w) = guard.as_mut() else {
            return;
        };
        let bytes: &[u8] = bytemuck::cast_slice(record);
        let end = w.end + bytes.len() as u64;
        if end > self.max_bytes {
            log::debug!(
                "id cache: larger than {} bytes; every epoch reads the text",
                self.max_bytes
            );
            *guard = None;
            return;
        }
        if let Err(e) = w.file.write_all(bytes) {
            log::debug!("id cache: write failed ({e}); every epoch reads the text");
            *guard = None;
            return;
        }
        w.units.push(Unit {
            id,
            offset: w.end,
            len: record.len(),
        });
        w.end = end;
    }

    /// Gives up on the cache (a unit could not be recorded).
    pub(crate) fn abandon(&self) {
        *lock(&self.state) = None;
    }

    /// The cache, once every unit of the epoch has been appended; `None` if writing failed.
    pub fn finish(self) -> Option<IdCache> {
        let w = self.state.into_inner().unwrap_or_else(|p| p.into_inner())?;
        log::debug!(
            "id cache: {} units, {} bytes; later epochs read ids instead of the text",
            w.units.len(),
            w.end
        );
        Some(IdCache {
            file: Mutex::new(w.file),
            units: w.units,
        })
    }
}

impl IdCache {
    /// Number of units.
    pub fn len(&self) -> usize {
        self.units.len()
    }

    /// True without units.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// Reads unit `i`'s record into `out`; returns the unit's id, `None` past the last unit.
    ///
    /// # Errors
    /// `Io` if the temporary file cannot be read back.
    pub(crate) fn read(&self, i: usize, out: &mut Vec<u32>) -> Result<Option<u64>> {
        let Some(u) = self.units.get(i) else {
            return Ok(None);
        };
        out.clear();
        out.resize(u.len, 0);
        let mut f = lock(&self.file);
        f.seek(SeekFrom::Start(u.offset))
            .and_then(|_| f.read_exact(bytemuck::cast_slice_mut(out.as_mut_slice())))
            .map_err(|e| EmbedError::Io {
                path: "<the id cache, an unnamed temporary file>".into(),
                source: e,
            })?;
        Ok(Some(u.id))
    }
}

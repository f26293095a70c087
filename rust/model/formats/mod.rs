//! File formats: word2vec text and binary ([`word2vec`]: read by gensim, word2vec.c and most
//! tools) and the native format ([`native`]: versioned header, vocabulary with counts,
//! metadata, little-endian float32 matrices at a 64-byte-aligned offset so they can be
//! memory-mapped with no copy).
//!
//! Byte order: native matrices are always little-endian float32, whatever the platform.
//! Word2vec binary files are read and written as little-endian float32 too (what word2vec.c
//! and gensim write on x86 and ARM); values that are NaN or infinite are rejected unless
//! `allow_nonfinite` is set.
//!
//! Every writer goes through [`atomic_write`]: the data is written to a temporary file in the
//! same folder, flushed to disk, and renamed over the target, so a failed or killed save never
//! leaves a half-written file under the final name and keeps any previous file intact.

pub mod native;
#[cfg(test)]
mod tests;
pub mod word2vec;

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use crate::error::{EmbedError, Result};

pub use native::{
    load_native, native_from_bytes, native_to_bytes, save_native, write_native, NativeModel,
};
pub use word2vec::{UnicodeErrors, Word2VecReadOptions};

/// Writes a file through a temporary sibling and a rename.
///
/// # Errors
/// `Io` naming `path`; the temporary file is removed on failure.
pub fn atomic_write(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path.file_name().ok_or_else(|| {
        EmbedError::io(
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"),
        )
    })?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}-{:?}",
        name.to_string_lossy(),
        std::process::id(),
        std::thread::current().id()
    ));
    let result = (|| {
        let f = File::create(&tmp)?;
        let mut w = BufWriter::with_capacity(1 << 20, f);
        write(&mut w)?;
        let f = w.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        EmbedError::io(path, e)
    })
}

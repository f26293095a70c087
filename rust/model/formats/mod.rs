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
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{EmbedError, Result};

pub use native::{
    load_native, native_from_bytes, native_to_bytes, save_native, write_native, NativeModel,
};
pub use word2vec::{UnicodeErrors, Word2VecReadOptions};

/// Writes a file through a temporary sibling and a rename.
///
/// The file gets the permissions of any new file (`0666` less the umask), as `open` gives.
///
/// # Errors
/// `Io` naming `path`; the temporary file is removed on failure.
pub fn atomic_write(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<()> {
    let tmp = temp_sibling(path)?;
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

/// Writes `data` to `path` through [`atomic_write`].
///
/// # Errors
/// As [`atomic_write`].
pub fn atomic_write_bytes(path: &Path, data: &[u8]) -> Result<()> {
    atomic_write(path, |w| w.write_all(data))
}

/// Checks, before any long work, that [`atomic_write`] could write `path`: it is not a
/// directory, and its folder exists and takes a new file (the temporary sibling the write
/// would use is created and removed again, so nothing is left behind).
///
/// # Errors
/// `Io` naming `path` with the reason (no such folder, permission denied, read-only file
/// system, is a directory).
pub fn check_writable(path: &Path) -> Result<()> {
    if path.is_dir() {
        return Err(EmbedError::io(
            path,
            std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "is a directory, expected a file name",
            ),
        ));
    }
    let tmp = temp_sibling(path)?;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| EmbedError::io(path, e))?;
    std::fs::remove_file(&tmp).map_err(|e| EmbedError::io(&tmp, e))
}

/// Opens the regular file `path` for reading: a saved model or an evaluation file, never a
/// pipe or a device, whose read could wait for ever. On Unix the open itself cannot block (it
/// is non-blocking, so a FIFO without a writer is refused instead of waited for) and the type
/// is checked on the opened descriptor, so the file checked is the file read.
///
/// # Errors
/// `Io` naming `path` if it is missing, a directory, not a regular file, or unreadable.
pub fn open_regular(path: &Path) -> Result<File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let f = opts.open(path).map_err(|e| EmbedError::io(path, e))?;
    let meta = f.metadata().map_err(|e| EmbedError::io(path, e))?;
    let not = |kind, what: &str| EmbedError::io(path, std::io::Error::new(kind, what.to_owned()));
    if meta.is_dir() {
        return Err(not(
            std::io::ErrorKind::IsADirectory,
            "is a directory, expected a file",
        ));
    }
    if !meta.is_file() {
        return Err(not(
            std::io::ErrorKind::InvalidInput,
            "is not a regular file (a pipe or a device); save or copy it to a file first",
        ));
    }
    Ok(f)
}

/// The first `n` bytes of the regular file `path` (fewer if it is shorter; see
/// [`open_regular`]): enough to recognise a format.
///
/// # Errors
/// As [`open_regular`], or `Io` naming `path` if reading fails.
pub fn read_head(path: &Path, n: usize) -> Result<Vec<u8>> {
    let f = open_regular(path)?;
    let mut out = Vec::with_capacity(n.min(1 << 20));
    f.take(n as u64)
        .read_to_end(&mut out)
        .map_err(|e| EmbedError::io(path, e))?;
    Ok(out)
}

/// The whole content of the regular file `path` (see [`open_regular`]).
///
/// # Errors
/// As [`open_regular`]; `Memory` if the file does not fit in memory; `Io` naming `path` if
/// reading fails.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    let mut f = open_regular(path)?;
    let len = f.metadata().map_err(|e| EmbedError::io(path, e))?.len();
    let mut out = Vec::new();
    out.try_reserve_exact(usize::try_from(len).unwrap_or(usize::MAX))
        .map_err(|_| EmbedError::Memory {
            bytes: u128::from(len),
            what: format!("reading {}", path.display()),
        })?;
    f.read_to_end(&mut out)
        .map_err(|e| EmbedError::io(path, e))?;
    Ok(out)
}

/// The temporary sibling [`atomic_write`] writes `path` through: a hidden name in the same
/// folder, unique to this process and thread.
fn temp_sibling(path: &Path) -> Result<PathBuf> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path.file_name().ok_or_else(|| {
        EmbedError::io(
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"),
        )
    })?;
    Ok(dir.join(format!(
        ".{}.tmp-{}-{:?}",
        name.to_string_lossy(),
        std::process::id(),
        std::thread::current().id()
    )))
}

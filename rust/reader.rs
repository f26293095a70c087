//! Reading text files: the one place that opens a corpus file, recognises its compression by
//! its first bytes, remembers its size and modification time, and reads whole lines.
//!
//! Every reader of text (training, counting, phrase detection, the Python-side line
//! iterator) goes through [`TextFile`], so every one of them detects a file that changes
//! while it is used: [`TextFile::check_unchanged`] compares the size and modification time
//! recorded when the file was opened, and a file that ends early is an error naming both
//! sizes, never a silently shorter pass.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use crate::error::{EmbedError, Result};

/// Bytes of the buffers files are read through.
const BUF_BYTES: usize = 1 << 16;

/// How a file's bytes are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain text: can be split by byte ranges.
    None,
    /// gzip (one or more members), read as one stream.
    Gzip,
}

/// A text file opened for reading: its path, its compression, and what it looked like when
/// it was opened.
#[derive(Debug, Clone)]
pub struct TextFile {
    path: PathBuf,
    /// Size when opened (for a compressed file, the compressed size).
    len: u64,
    /// Modification time when opened, where the platform gives one.
    modified: Option<std::time::SystemTime>,
    compression: Compression,
}

impl TextFile {
    /// Checks that `path` is a readable regular file and recognises its compression.
    ///
    /// # Errors
    /// `Io` naming the path if it is missing, a directory, or unreadable.
    pub fn open(path: impl Into<PathBuf>) -> Result<TextFile> {
        let path = path.into();
        let meta = std::fs::metadata(&path).map_err(|e| EmbedError::io(&path, e))?;
        if meta.is_dir() {
            return Err(EmbedError::io(
                &path,
                std::io::Error::new(
                    std::io::ErrorKind::IsADirectory,
                    "is a directory, expected a text file",
                ),
            ));
        }
        let mut magic = [0u8; 2];
        let mut f = File::open(&path).map_err(|e| EmbedError::io(&path, e))?;
        let n = read_up_to(&mut f, &mut magic).map_err(|e| EmbedError::io(&path, e))?;
        let compression = if n == 2 && magic == [0x1f, 0x8b] {
            Compression::Gzip
        } else {
            Compression::None
        };
        Ok(TextFile {
            path,
            len: meta.len(),
            modified: meta.modified().ok(),
            compression,
        })
    }

    /// Opens every path, in order (see [`TextFile::open`]).
    ///
    /// # Errors
    /// `InvalidParameter` for an empty list, else as [`TextFile::open`].
    pub fn open_all<P: AsRef<Path>>(paths: &[P]) -> Result<Vec<TextFile>> {
        if paths.is_empty() {
            return Err(EmbedError::param("corpus", "no file given"));
        }
        paths.iter().map(|p| TextFile::open(p.as_ref())).collect()
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Size in bytes when opened (compressed size for a compressed file).
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True if the file was empty when opened.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The compression recognised when the file was opened.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// An `Io` error saying that the file is no longer what was opened.
    pub fn changed(&self, what: String) -> EmbedError {
        EmbedError::io(
            &self.path,
            std::io::Error::other(format!(
                "{what}; the vocabulary and the learning-rate schedule come from the content \
                 that was counted, so training on the new content would be silently wrong: \
                 leave corpus files unchanged while a model trains, then fit again"
            )),
        )
    }

    /// Checks that the file still has the size (for a compressed file, the compressed size)
    /// and modification time it had when it was opened.
    ///
    /// # Errors
    /// `Io` naming the file if it changed (or can no longer be read), with both sizes.
    pub fn check_unchanged(&self) -> Result<()> {
        let meta = std::fs::metadata(&self.path).map_err(|e| EmbedError::io(&self.path, e))?;
        let what = match self.compression {
            Compression::None => "bytes",
            Compression::Gzip => "compressed bytes",
        };
        if meta.len() != self.len {
            return Err(self.changed(format!(
                "changed since it was counted ({} {what}, now {})",
                self.len,
                meta.len()
            )));
        }
        if let (Some(then), Ok(now)) = (self.modified, meta.modified()) {
            if then != now {
                return Err(self.changed(format!(
                    "changed since it was counted (same size, {} {what}, but modified again)",
                    self.len
                )));
            }
        }
        Ok(())
    }

    /// An `Io` error about this file.
    pub fn io_error(&self, e: std::io::Error) -> EmbedError {
        EmbedError::io(&self.path, e)
    }

    /// The file's text from its start, decompressed.
    ///
    /// # Errors
    /// `Io` if the file cannot be opened.
    pub fn stream(&self) -> Result<Box<dyn BufRead + Send>> {
        let f = File::open(&self.path).map_err(|e| self.io_error(e))?;
        Ok(match self.compression {
            Compression::None => Box::new(BufReader::with_capacity(BUF_BYTES, f)),
            Compression::Gzip => {
                Box::new(BufReader::with_capacity(BUF_BYTES, MultiGzDecoder::new(f)))
            }
        })
    }
}

/// Reads into `buf` up to `buf.len()` bytes, fewer only at the end of the stream.
///
/// # Errors
/// The reader's error (interrupted reads are retried).
pub fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Appends whole lines of `stream` to `buf` until it holds at least `target` bytes; returns
/// true at the end of the stream.
///
/// # Errors
/// `Io` naming `file` if the stream cannot be read.
pub fn read_lines(
    file: &TextFile,
    stream: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    target: usize,
) -> Result<bool> {
    while buf.len() < target {
        if stream
            .read_until(b'\n', buf)
            .map_err(|e| file.io_error(e))?
            == 0
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The lines of several files, in order, in batches of whole lines of about `target` bytes.
/// Each file is checked to be unchanged once it has been read to its end.
pub struct LineBatches {
    files: Vec<TextFile>,
    next_file: usize,
    current: Option<(usize, Box<dyn BufRead + Send>)>,
    target: usize,
}

impl LineBatches {
    /// Batches of about `target` bytes from `files`, in order.
    pub fn new(files: Vec<TextFile>, target: usize) -> LineBatches {
        LineBatches {
            files,
            next_file: 0,
            current: None,
            target: target.max(1),
        }
    }

    /// The files read.
    pub fn files(&self) -> &[TextFile] {
        &self.files
    }

    /// Replaces the content of `buf` with the next batch of whole lines (each ending with a
    /// newline, but perhaps the last line of a file); returns false once every file is read.
    ///
    /// # Errors
    /// `Io` naming the file that cannot be read or that changed while it was read.
    pub fn next_batch(&mut self, buf: &mut Vec<u8>) -> Result<bool> {
        buf.clear();
        loop {
            if self.current.is_none() {
                let Some(file) = self.files.get(self.next_file) else {
                    return Ok(false);
                };
                self.current = Some((self.next_file, file.stream()?));
                self.next_file += 1;
            }
            let (i, stream) = self.current.as_mut().expect("set above");
            let file = &self.files[*i];
            let eof = read_lines(file, stream.as_mut(), buf, self.target)?;
            if eof {
                file.check_unchanged()?;
                self.current = None;
            }
            // Not at the end, the batch is full; at the end of a file, what it had is handed
            // over (batches never mix files) and an empty rest moves on to the next file.
            if !buf.is_empty() {
                return Ok(true);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write_tmp(content: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(content).unwrap();
        f.flush().unwrap();
        f
    }

    fn gz(text: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(text).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn compression_is_recognised_by_content_not_name() {
        let plain = write_tmp(b"a b\n");
        let packed = write_tmp(&gz(b"a b\n"));
        assert_eq!(
            TextFile::open(plain.path()).unwrap().compression(),
            Compression::None
        );
        assert_eq!(
            TextFile::open(packed.path()).unwrap().compression(),
            Compression::Gzip
        );
    }

    #[test]
    fn line_batches_read_every_line_of_every_file_in_order() {
        let a = write_tmp(b"1 2\n3 4\n5");
        let b = write_tmp(&gz(b"6 7\n8\n"));
        let files = TextFile::open_all(&[a.path(), b.path()]).unwrap();
        let mut lines = LineBatches::new(files, 3);
        let mut buf = Vec::new();
        let mut all = Vec::new();
        let mut batches = 0;
        while lines.next_batch(&mut buf).unwrap() {
            batches += 1;
            all.extend_from_slice(&buf);
            if !buf.ends_with(b"\n") {
                all.push(b'\n');
            }
        }
        assert_eq!(all, b"1 2\n3 4\n5\n6 7\n8\n");
        assert_eq!(batches, 5);
    }

    #[test]
    fn a_file_changed_while_read_in_order_is_an_error() {
        let a = write_tmp(&b"w x y z\n".repeat(1000));
        let files = TextFile::open_all(&[a.path()]).unwrap();
        let mut lines = LineBatches::new(files, 100);
        let mut buf = Vec::new();
        assert!(lines.next_batch(&mut buf).unwrap());
        a.as_file().set_len(400).unwrap();
        let e = loop {
            match lines.next_batch(&mut buf) {
                Ok(true) => {}
                Ok(false) => panic!("a shrunk file was read to its end without an error"),
                Err(e) => break e.to_string(),
            }
        };
        assert!(
            e.contains("changed since it was counted (8000 bytes, now 400)"),
            "{e}"
        );
    }

    #[test]
    fn missing_file_and_directory_are_named() {
        let e = TextFile::open("/nonexistent/x.txt").unwrap_err();
        assert!(e.to_string().contains("/nonexistent/x.txt"));
        let d = tempfile::tempdir().unwrap();
        let e = TextFile::open(d.path()).unwrap_err();
        assert!(e.to_string().contains("directory"), "{e}");
        assert!(TextFile::open_all::<&str>(&[]).is_err());
    }
}

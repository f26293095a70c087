//! Reading text files: the one place that opens a corpus file, recognises what it holds by its
//! first bytes, remembers its size and modification time, and reads it as lines cut into
//! bounded pieces.
//!
//! - **Formats**: plain text, gzip, bzip2 and xz, recognised by content whatever the file's
//!   name. Anything else that is evidently not text (zstd, zip, 7z, lz4 archives, UTF-16, a
//!   file with NUL bytes) is a format error naming what it looks like: never training data.
//! - **Bounded lines**: [`read_pieces`] cuts every line into pieces of at most
//!   `max_sentence_length` tokens (the pieces training and counting make anyway) and every
//!   token to [`MAX_TOKEN_BYTES`], so memory stays bounded whatever the line length.
//! - **Change detection**: [`TextFile::check_unchanged`] compares the size and modification
//!   time recorded when the file was opened; a file that ends early is an error naming both
//!   sizes, never a silently shorter pass.
//! - **Streams**: a source that is not a regular file (a pipe, a device, standard input, a
//!   `/proc` file that reports size 0) is opened once and read once; waiting for a pipe's
//!   writer and for its data polls the [`Interrupt`], so Ctrl-C works and nothing blocks for
//!   good.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use flate2::read::MultiGzDecoder;

use crate::cancel::Interrupt;
use crate::error::{EmbedError, Result};
use crate::text::{straddling, MAX_TOKEN_BYTES};

/// Bytes of the buffers files are read through.
const BUF_BYTES: usize = 1 << 16;
/// Bytes of a plain file looked at for NUL bytes when it is opened.
const SNIFF_BYTES: usize = 1 << 16;

/// How a file's bytes are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain text: can be split by byte ranges.
    None,
    /// gzip (one or more members).
    Gzip,
    /// bzip2 (one or more streams).
    Bzip2,
    /// xz (one or more streams).
    Xz,
}

impl Compression {
    fn name(self) -> &'static str {
        match self {
            Compression::None => "plain",
            Compression::Gzip => "gzip",
            Compression::Bzip2 => "bzip2",
            Compression::Xz => "xz",
        }
    }
}

/// What the first bytes of a file say it is; `Err` for content that is not text.
fn sniff(head: &[u8], path: &Path) -> Result<Compression> {
    let refuse = |what: &str, hint: &str| {
        Err(EmbedError::format(
            path,
            format!(
                "{what}, not text: embedrs reads plain text (UTF-8) and gzip, bzip2 or xz \
                 files; {hint}"
            ),
        ))
    };
    if head.starts_with(&[0x1f, 0x8b]) {
        return Ok(Compression::Gzip);
    }
    if head.len() >= 4 && head.starts_with(b"BZh") && (b'1'..=b'9').contains(&head[3]) {
        return Ok(Compression::Bzip2);
    }
    if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        return Ok(Compression::Xz);
    }
    if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return refuse("zstd-compressed", "decompress it first (zstd -d)");
    }
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return refuse("a zip archive", "extract its text files first (unzip)");
    }
    if head.starts_with(b"7z\xbc\xaf\x27\x1c") {
        return refuse("a 7z archive", "extract its text files first (7z x)");
    }
    if head.starts_with(&[0x04, 0x22, 0x4d, 0x18]) {
        return refuse("lz4-compressed", "decompress it first (lz4 -d)");
    }
    if head.starts_with(&[0xff, 0xfe]) || head.starts_with(&[0xfe, 0xff]) {
        return refuse(
            "UTF-16 text",
            "convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)",
        );
    }
    // A stray NUL can sit in a text file; one byte in ten is binary data (UTF-16 without a
    // byte-order mark, an executable, a database file).
    let nuls = head.iter().filter(|&&b| b == 0).count();
    if nuls * 10 > head.len() {
        let at = head.iter().position(|&b| b == 0).unwrap_or(0);
        return refuse(
            &format!(
                "binary data ({nuls} NUL bytes in the first {} bytes, the first at byte {at})",
                head.len()
            ),
            "is it the right file?",
        );
    }
    Ok(Compression::None)
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

/// A stream's one reader, shared by the clones of its [`TextFile`] and taken by the one pass
/// that reads it.
type StreamSlot = Arc<Mutex<Option<Box<dyn BufRead + Send>>>>;

/// A text file opened for reading: its path, its compression, and what it looked like when
/// it was opened.
#[derive(Clone)]
pub struct TextFile {
    path: PathBuf,
    /// Size when opened (for a compressed file, the compressed size; 0 for a stream).
    len: u64,
    /// Modification time when opened, where the platform gives one.
    modified: Option<std::time::SystemTime>,
    compression: Compression,
    /// For a source that is not a regular file: its reader, opened once, read once.
    stream: Option<StreamSlot>,
}

impl std::fmt::Debug for TextFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextFile")
            .field("path", &self.path)
            .field("len", &self.len)
            .field("compression", &self.compression)
            .field("stream", &self.stream.is_some())
            .finish()
    }
}

impl TextFile {
    /// Opens `path` (see [`TextFile::open_with`]) with no way to interrupt the wait for a
    /// pipe's writer.
    ///
    /// # Errors
    /// As [`TextFile::open_with`].
    pub fn open(path: impl Into<PathBuf>) -> Result<TextFile> {
        TextFile::open_with(path, &Interrupt::never())
    }

    /// Checks that `path` can be read as text and recognises its compression. A regular
    /// file is only looked at (it is read again by each pass); any other source is opened
    /// now, once: a pipe's writer is waited for, polling `interrupt`.
    ///
    /// # Errors
    /// `Io` naming the path if it is missing, a directory, or unreadable; `Format` if its
    /// content is evidently not text; `Cancelled` if interrupted while waiting.
    pub fn open_with(path: impl Into<PathBuf>, interrupt: &Interrupt) -> Result<TextFile> {
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
        let modified = meta.modified().ok();
        if meta.is_file() && meta.len() == 0 {
            // Empty, or a file that reports size 0 but has content (/proc, /sys): then it is
            // read once, as a stream, from the handle already open.
            let mut f = File::open(&path).map_err(|e| EmbedError::io(&path, e))?;
            let mut head = [0u8; 8];
            let n = read_up_to(&mut f, &mut head).map_err(|e| EmbedError::io(&path, e))?;
            if n == 0 {
                return Ok(TextFile {
                    path,
                    len: 0,
                    modified,
                    compression: Compression::None,
                    stream: None,
                });
            }
            let compression = sniff(&head[..n], &path)?;
            let raw: Box<dyn Read + Send> =
                Box::new(std::io::Cursor::new(head[..n].to_vec()).chain(f));
            return Ok(TextFile {
                stream: Some(Arc::new(Mutex::new(Some(decoder(compression, raw))))),
                path,
                len: 0,
                modified,
                compression,
            });
        }
        if meta.is_file() {
            let mut head = vec![0u8; SNIFF_BYTES];
            let mut f = File::open(&path).map_err(|e| EmbedError::io(&path, e))?;
            let n = read_up_to(&mut f, &mut head).map_err(|e| EmbedError::io(&path, e))?;
            let compression = sniff(&head[..n], &path)?;
            return Ok(TextFile {
                path,
                len: meta.len(),
                modified,
                compression,
                stream: None,
            });
        }
        // Not a regular file (a pipe, a device): read it once, as a stream.
        let file = stream::open(&path, interrupt)?;
        let mut raw: Box<dyn Read + Send> = Box::new(stream::Polled {
            file,
            interrupt: interrupt.clone(),
        });
        let mut head = [0u8; 8];
        let n = read_up_to(&mut raw, &mut head).map_err(|e| stream::error(&path, e))?;
        let compression = sniff(&head[..n], &path)?;
        let joined: Box<dyn Read + Send> =
            Box::new(std::io::Cursor::new(head[..n].to_vec()).chain(raw));
        Ok(TextFile {
            stream: Some(Arc::new(Mutex::new(Some(decoder(compression, joined))))),
            path,
            len: 0,
            modified,
            compression,
        })
    }

    /// Opens every path, in order (see [`TextFile::open_with`]).
    ///
    /// # Errors
    /// `InvalidParameter` for an empty list, else as [`TextFile::open_with`].
    pub fn open_all<P: AsRef<Path>>(paths: &[P], interrupt: &Interrupt) -> Result<Vec<TextFile>> {
        if paths.is_empty() {
            return Err(EmbedError::param("corpus", "no file given"));
        }
        paths
            .iter()
            .map(|p| TextFile::open_with(p.as_ref(), interrupt))
            .collect()
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Size in bytes when opened (compressed size for a compressed file; 0 for a stream).
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True if the file was empty when opened (never for a stream, whose size is unknown).
    pub fn is_empty(&self) -> bool {
        self.len == 0 && self.stream.is_none()
    }

    /// True for a source that is not a regular file: it can be read only once.
    pub fn is_stream(&self) -> bool {
        self.stream.is_some()
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
    /// and modification time it had when it was opened (a stream has nothing to compare).
    ///
    /// # Errors
    /// `Io` naming the file if it changed (or can no longer be read), with both sizes.
    pub fn check_unchanged(&self) -> Result<()> {
        if self.stream.is_some() {
            return Ok(());
        }
        let meta = std::fs::metadata(&self.path).map_err(|e| EmbedError::io(&self.path, e))?;
        let what = match self.compression {
            Compression::None => "bytes",
            _ => "compressed bytes",
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

    /// An `Io` error about this file (a cancelled stream read becomes `Cancelled`).
    pub fn io_error(&self, e: std::io::Error) -> EmbedError {
        stream::error(&self.path, e)
    }

    /// The file's text from its start, decompressed. A stream's reader can be taken once.
    ///
    /// # Errors
    /// `Io` if the file cannot be opened; `State` for a stream already read.
    pub fn stream(&self) -> Result<Box<dyn BufRead + Send>> {
        if let Some(slot) = &self.stream {
            return slot
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take()
                .ok_or_else(|| {
                    EmbedError::State(format!(
                        "{} is not a regular file (a pipe or a device): it can be read only \
                         once, and was read already",
                        self.path.display()
                    ))
                });
        }
        let f = File::open(&self.path).map_err(|e| self.io_error(e))?;
        Ok(decoder(self.compression, Box::new(f)))
    }

    /// What the file holds, for messages (`"gzip"`, `"plain"`, ...).
    pub fn format_name(&self) -> &'static str {
        self.compression.name()
    }
}

/// The decompressed, buffered text of `raw`.
fn decoder(compression: Compression, raw: Box<dyn Read + Send>) -> Box<dyn BufRead + Send> {
    match compression {
        Compression::None => Box::new(BufReader::with_capacity(BUF_BYTES, raw)),
        Compression::Gzip => Box::new(BufReader::with_capacity(
            BUF_BYTES,
            MultiGzDecoder::new(raw),
        )),
        Compression::Bzip2 => Box::new(BufReader::with_capacity(
            BUF_BYTES,
            bzip2::read::MultiBzDecoder::new(raw),
        )),
        Compression::Xz => Box::new(BufReader::with_capacity(
            BUF_BYTES,
            lzma_rust2::XzReader::new(raw, true),
        )),
    }
}

/// What [`read_pieces`] did to the lines it read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cuts {
    /// Lines longer than `max_sentence_length` tokens, cut into pieces.
    pub long_lines: u64,
    /// Tokens longer than [`MAX_TOKEN_BYTES`], cut to that length.
    pub long_tokens: u64,
}

impl Cuts {
    /// Adds another count into this one.
    pub fn add(&mut self, other: Cuts) {
        self.long_lines += other.long_lines;
        self.long_tokens += other.long_tokens;
    }
}

/// Where [`read_pieces`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// At the end of the stream.
    End,
    /// After a whole line: the buffer reached its target.
    Line,
    /// Inside a line, right after a piece (the buffer reached its target while one line
    /// went on): the next call goes on with that line.
    Piece,
}

/// The state of a line being read by [`read_pieces`], kept across calls.
#[derive(Debug, Clone, Copy, Default)]
pub struct LineState {
    /// Tokens of the current piece so far.
    tokens: usize,
    /// Bytes of the current token so far (0 between tokens).
    token_bytes: usize,
    /// The current line was already cut once.
    cut: bool,
    /// Bytes of the current line were read (a batch ends only between lines or pieces).
    mid: bool,
}

/// Appends the lines of `src` to `buf`, each cut into pieces of at most `max_tokens` tokens
/// (a newline ends each piece) and each token cut to [`MAX_TOKEN_BYTES`] bytes, until `buf`
/// holds at least `target` bytes or the stream ends. With `stop_in_line`, it may stop inside
/// a long line right after a piece ([`Stop::Piece`]); `state` then carries the line over to
/// the next call. Memory stays bounded: a piece is at most `max_tokens` tokens of bounded
/// size.
///
/// `limit`, if given, is how many more bytes of `src` may start a new line (the rest of a
/// line that started before it is still read): a byte range of a plain file.
///
/// Returns where it stopped and the bytes of `src` consumed.
///
/// # Errors
/// The stream's error.
#[allow(clippy::too_many_arguments)]
pub fn read_pieces(
    src: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    target: usize,
    max_tokens: usize,
    stop_in_line: bool,
    limit: Option<u64>,
    state: &mut LineState,
    cuts: &mut Cuts,
) -> std::io::Result<(Stop, u64)> {
    let max_tokens = max_tokens.max(1);
    // A line this short can hold neither a long token nor more than max_tokens tokens.
    let fast = MAX_TOKEN_BYTES.min(2 * max_tokens - 1);
    let mut consumed = 0u64;
    let in_line = |s: &LineState| s.mid;
    loop {
        if buf.len() >= target && !in_line(state) {
            return Ok((Stop::Line, consumed));
        }
        if !in_line(state) && limit.is_some_and(|l| consumed >= l) {
            return Ok((Stop::Line, consumed));
        }
        let chunk = match src.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            if in_line(state) {
                // A last line without a newline.
                buf.push(b'\n');
                *state = LineState::default();
            }
            return Ok((Stop::End, consumed));
        }
        // Fast path: a whole short line at the start of the buffer.
        if !in_line(state) {
            if let Some(i) = memchr::memchr(b'\n', &chunk[..chunk.len().min(fast + 1)]) {
                buf.extend_from_slice(&chunk[..=i]);
                src.consume(i + 1);
                consumed += i as u64 + 1;
                continue;
            }
        }
        // Slow path: byte by byte through this chunk.
        let mut used = 0;
        let mut piece_done = false;
        for &b in chunk {
            if b == b'\n' {
                used += 1;
                buf.push(b'\n');
                *state = LineState::default();
                break;
            }
            state.mid = true;
            if b.is_ascii_whitespace() {
                used += 1;
                if state.token_bytes > 0 {
                    state.token_bytes = 0;
                    state.tokens += 1;
                }
                buf.push(b);
                continue;
            }
            if state.token_bytes == 0 && state.tokens == max_tokens {
                // Token max_tokens + 1 starts: the piece ends before it, and the line goes on
                // as a new piece (this byte is read again by the next round).
                buf.push(b'\n');
                if !state.cut {
                    cuts.long_lines += 1;
                }
                state.tokens = 0;
                state.cut = true;
                piece_done = true;
                break;
            }
            used += 1;
            if state.token_bytes == usize::MAX {
                continue; // the rest of a token that was cut
            }
            if state.token_bytes == MAX_TOKEN_BYTES {
                // Cut, as `text::cap_token` cuts: a character split by the cut is left out,
                // and the rest of the token is skipped.
                let j = straddling(buf, b);
                buf.truncate(buf.len() - j);
                cuts.long_tokens += 1;
                state.token_bytes = usize::MAX;
                continue;
            }
            state.token_bytes += 1;
            buf.push(b);
        }
        src.consume(used);
        consumed += used as u64;
        if piece_done && stop_in_line && buf.len() >= target {
            return Ok((Stop::Piece, consumed));
        }
    }
}

/// The lines of several files, in order, in batches of whole pieces of about `target` bytes
/// (see [`read_pieces`]). Each file is checked to be unchanged once read to its end; the
/// interrupt is polled between batches.
pub struct LineBatches {
    files: Vec<TextFile>,
    next_file: usize,
    current: Option<(usize, Box<dyn BufRead + Send>)>,
    target: usize,
    max_tokens: usize,
    state: LineState,
    cuts: Cuts,
    interrupt: Interrupt,
}

impl LineBatches {
    /// Batches of about `target` bytes from `files`, in order, lines cut into pieces of at
    /// most `max_tokens` tokens.
    pub fn new(
        files: Vec<TextFile>,
        target: usize,
        max_tokens: usize,
        interrupt: Interrupt,
    ) -> LineBatches {
        LineBatches {
            files,
            next_file: 0,
            current: None,
            target: target.max(1),
            max_tokens,
            state: LineState::default(),
            cuts: Cuts::default(),
            interrupt,
        }
    }

    /// The files read.
    pub fn files(&self) -> &[TextFile] {
        &self.files
    }

    /// The lines and tokens cut so far.
    pub fn cuts(&self) -> Cuts {
        self.cuts
    }

    /// Replaces the content of `buf` with the next batch of pieces (each ending with a
    /// newline); returns false once every file is read.
    ///
    /// # Errors
    /// `Io` naming the file that cannot be read or that changed while it was read;
    /// `Cancelled` if the interrupt asked to stop.
    pub fn next_batch(&mut self, buf: &mut Vec<u8>) -> Result<bool> {
        buf.clear();
        loop {
            self.interrupt.check()?;
            if self.current.is_none() {
                let Some(file) = self.files.get(self.next_file) else {
                    return Ok(false);
                };
                self.current = Some((self.next_file, file.stream()?));
                self.next_file += 1;
            }
            let (i, stream) = self.current.as_mut().expect("set above");
            let file = &self.files[*i];
            let (stop, _) = read_pieces(
                stream.as_mut(),
                buf,
                self.target,
                self.max_tokens,
                true,
                None,
                &mut self.state,
                &mut self.cuts,
            )
            .map_err(|e| file.io_error(e))?;
            if stop == Stop::End {
                file.check_unchanged()?;
                self.current = None;
            }
            // A full batch, or the end of a file with something in it (batches never mix
            // files); an empty rest moves on to the next file.
            if !buf.is_empty() {
                return Ok(true);
            }
        }
    }
}

/// Opening and reading sources that are not regular files (pipes, devices) so that a wait
/// for data can be interrupted.
mod stream {
    use std::fs::File;
    use std::io::Read;
    use std::path::Path;

    use crate::cancel::Interrupt;
    use crate::error::{EmbedError, Result};

    /// The message of a read stopped by the interrupt.
    const CANCELLED: &str = "embedrs: read cancelled";

    /// An `Io` error about `path`, or `Cancelled` for a read the interrupt stopped.
    pub(super) fn error(path: &Path, e: std::io::Error) -> EmbedError {
        if e.kind() == std::io::ErrorKind::Interrupted && e.to_string() == CANCELLED {
            return EmbedError::Cancelled;
        }
        EmbedError::io(path, e)
    }

    fn cancelled() -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::Interrupted, CANCELLED)
    }

    /// A stream's file, read with waits that poll the interrupt.
    pub(super) struct Polled {
        pub(super) file: File,
        pub(super) interrupt: Interrupt,
    }

    #[cfg(unix)]
    mod imp {
        use std::fs::{File, OpenOptions};
        use std::io::Read;
        use std::os::fd::AsRawFd;
        use std::os::unix::fs::OpenOptionsExt;
        use std::path::Path;

        use super::{cancelled, Polled};
        use crate::cancel::{Interrupt, POLL_INTERVAL};
        use crate::error::{EmbedError, Result};

        /// Waits until `file` has data (or its writer closed), polling the interrupt.
        fn wait_readable(file: &File, interrupt: &Interrupt) -> std::io::Result<()> {
            let mut pfd = libc::pollfd {
                fd: file.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            loop {
                if interrupt.requested() {
                    return Err(cancelled());
                }
                pfd.revents = 0;
                // SAFETY: `pfd` is a valid pollfd for the duration of the call, and the count
                // (1) matches the one descriptor passed.
                #[allow(unsafe_code)]
                let r = unsafe { libc::poll(&mut pfd, 1, POLL_INTERVAL.as_millis() as i32) };
                if r > 0 {
                    return Ok(());
                }
                if r < 0 {
                    let e = std::io::Error::last_os_error();
                    if e.kind() != std::io::ErrorKind::Interrupted {
                        return Err(e);
                    }
                }
            }
        }

        /// Opens a source that is not a regular file without blocking (a FIFO's open waits
        /// for a writer), then waits for its first data, polling the interrupt.
        pub(in super::super) fn open(path: &Path, interrupt: &Interrupt) -> Result<File> {
            let file = OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(path)
                .map_err(|e| EmbedError::io(path, e))?;
            wait_readable(&file, interrupt).map_err(|e| super::error(path, e))?;
            Ok(file)
        }

        impl Read for Polled {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                loop {
                    match self.file.read(buf) {
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                            wait_readable(&self.file, &self.interrupt)?;
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        other => return other,
                    }
                    if self.interrupt.requested() {
                        return Err(cancelled());
                    }
                }
            }
        }
    }

    #[cfg(not(unix))]
    mod imp {
        use std::fs::File;
        use std::io::Read;
        use std::path::Path;

        use super::{cancelled, Polled};
        use crate::cancel::Interrupt;
        use crate::error::{EmbedError, Result};

        /// Opens the source (no non-blocking open outside Unix).
        pub(in super::super) fn open(path: &Path, _interrupt: &Interrupt) -> Result<File> {
            File::open(path).map_err(|e| EmbedError::io(path, e))
        }

        impl Read for Polled {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.interrupt.requested() {
                    return Err(cancelled());
                }
                self.file.read(buf)
            }
        }
    }

    pub(super) fn open(path: &Path, interrupt: &Interrupt) -> Result<File> {
        imp::open(path, interrupt)
    }

    // Keeps `Read` in scope for the impls above on every platform.
    #[allow(dead_code)]
    fn _uses(_: &dyn Read) {}
}

#[cfg(test)]
mod tests;

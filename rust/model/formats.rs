//! File formats: word2vec text and binary (read by gensim, word2vec.c and most tools) and the
//! native format (versioned header, vocabulary with counts, metadata, little-endian float32
//! matrices at a 64-byte-aligned offset so they can be memory-mapped with no copy).
//!
//! Byte order: native matrices are always little-endian float32, whatever the platform.
//! Word2vec binary files are read and written as little-endian float32 too (what word2vec.c
//! and gensim write on x86 and ARM); values that are NaN or infinite are rejected unless
//! `allow_nonfinite` is set.
//!
//! Every writer goes through [`atomic_write`]: the data is written to a temporary file in the
//! same folder, flushed to disk, and renamed over the target, so a failed or killed save never
//! leaves a half-written file under the final name and keeps any previous file intact.
//!
//! Native layout (all integers little-endian):
//!
//! ```text
//! magic     8 bytes  "EMBEDRS\0"
//! version   u32      2
//! flags     u32      bit 0: an output matrix (syn1neg) follows the vectors
//!                    bit 1: the vocabulary block ends with the rare-word counts
//! n_words   u64
//! dim       u64
//! meta_len  u64      bytes of UTF-8 metadata (JSON written by the Python layer)
//! vocab_len u64      bytes of the vocabulary block
//! checksum  u64      FNV-1a of the metadata and vocabulary blocks
//! metadata  meta_len bytes
//! vocabulary: per word: u32 byte length, UTF-8 bytes, u64 count
//!           (flag bit 1) u64 number of rare words, then each as above: the counts of words
//!           seen in training text but not in the vocabulary, kept for `partial_fit`
//! zero padding to a multiple of 64 bytes
//! vectors   n_words * dim * f32
//! syn1neg   n_words * dim * f32   (if flag bit 0)
//! ```

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;

use super::{KeyedVectors, Storage};
use crate::error::{EmbedError, Result};
use crate::vocab::{Vocab, WordCounts};

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

/// How to treat bytes that are not valid UTF-8 in words (gensim's `unicode_errors`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnicodeErrors {
    /// Raise a `Format` error naming the entry.
    Strict,
    /// Replace with U+FFFD.
    Replace,
    /// Drop the invalid bytes.
    Ignore,
}

/// Options of [`KeyedVectors::load_word2vec_format`].
#[derive(Debug, Clone, Copy)]
pub struct Word2VecReadOptions {
    /// Binary (word2vec.c `-binary 1`) or text.
    pub binary: bool,
    /// Read at most this many entries.
    pub limit: Option<usize>,
    /// Invalid UTF-8 handling.
    pub unicode_errors: UnicodeErrors,
    /// Text only: the file has no `count dim` header line.
    pub no_header: bool,
    /// Accept NaN and infinite values (rejected by default: they poison every query).
    pub allow_nonfinite: bool,
}

impl Default for Word2VecReadOptions {
    fn default() -> Self {
        Word2VecReadOptions {
            binary: true,
            limit: None,
            unicode_errors: UnicodeErrors::Strict,
            no_header: false,
            allow_nonfinite: false,
        }
    }
}

fn decode_word(bytes: &[u8], mode: UnicodeErrors, path: &Path, where_: &str) -> Result<String> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_owned()),
        Err(_) => match mode {
            UnicodeErrors::Strict => Err(EmbedError::format(
                path,
                format!(
                    "{where_}: the word {:?} is not valid UTF-8 (pass unicode_errors='replace' \
                     or 'ignore')",
                    String::from_utf8_lossy(bytes)
                ),
            )),
            UnicodeErrors::Replace => Ok(String::from_utf8_lossy(bytes).into_owned()),
            UnicodeErrors::Ignore => Ok(String::from_utf8_lossy(bytes).replace('\u{fffd}', "")),
        },
    }
}

impl KeyedVectors {
    /// Writes the word2vec format (binary as word2vec.c writes it, or text), atomically.
    ///
    /// # Errors
    /// `Io` on any write failure; `Format` if a word contains whitespace (the format could not
    /// be read back).
    pub fn save_word2vec_format(&self, path: &Path, binary: bool) -> Result<()> {
        for w in self.vocab.words() {
            if w.is_empty() || w.bytes().any(|b| b.is_ascii_whitespace()) {
                return Err(EmbedError::format(
                    path,
                    format!(
                        "word {w:?} is empty or contains whitespace; the word2vec format cannot \
                         store it"
                    ),
                ));
            }
        }
        atomic_write(path, |out| {
            writeln!(out, "{} {}", self.len(), self.dim)?;
            for (i, w) in self.vocab.words().iter().enumerate() {
                out.write_all(w.as_bytes())?;
                if binary {
                    out.write_all(b" ")?;
                    for x in self.row(i) {
                        out.write_all(&x.to_le_bytes())?;
                    }
                    out.write_all(b"\n")?;
                } else {
                    for x in self.row(i) {
                        write!(out, " {x}")?;
                    }
                    out.write_all(b"\n")?;
                }
            }
            Ok(())
        })
    }

    /// Reads the word2vec format. Counts are not stored by the format, so they are
    /// synthesised in descending order (rows are assumed most-frequent-first, as every
    /// writer does). Binary values are little-endian float32 (what word2vec.c and gensim
    /// write on x86 and ARM).
    ///
    /// # Errors
    /// `Io`, or `Format` naming the line or byte offset of a malformed entry: a bad header, a
    /// truncated file, a row of the wrong length, a non-number, NaN/inf (unless allowed),
    /// invalid UTF-8 (in strict mode), or a duplicated word.
    pub fn load_word2vec_format(path: &Path, opts: Word2VecReadOptions) -> Result<Self> {
        let f = File::open(path).map_err(|e| EmbedError::io(path, e))?;
        let mut r = BufReader::with_capacity(1 << 16, f);
        let io = |e| EmbedError::io(path, e);
        let bad = |why: String| EmbedError::format(path, why);
        let (count, dim, mut offset, mut lineno) = if opts.no_header {
            if opts.binary {
                return Err(EmbedError::param(
                    "no_header",
                    "is only supported for text files",
                ));
            }
            // Count lines and take the dimension from the first one, as gensim does.
            let f2 = File::open(path).map_err(io)?;
            let mut lines = 0usize;
            let mut dim = None;
            for line in BufReader::new(f2).split(b'\n') {
                let line = line.map_err(io)?;
                if line.iter().all(|b| b.is_ascii_whitespace()) {
                    continue;
                }
                if dim.is_none() {
                    dim = Some(
                        line.split(|b| b.is_ascii_whitespace())
                            .filter(|t| !t.is_empty())
                            .count()
                            - 1,
                    );
                }
                lines += 1;
            }
            (lines, dim.unwrap_or(0), 0u64, 0usize)
        } else {
            let mut header = Vec::new();
            r.read_until(b'\n', &mut header).map_err(io)?;
            let text = String::from_utf8_lossy(&header);
            let parts: Vec<&str> = text.split_whitespace().collect();
            let parse = |s: Option<&&str>| s.and_then(|s| s.parse::<usize>().ok());
            let (Some(count), Some(dim), 2) =
                (parse(parts.first()), parse(parts.get(1)), parts.len())
            else {
                return Err(bad(format!(
                    "line 1: expected a header 'count dimension', got {:?}",
                    text.trim_end()
                )));
            };
            (count, dim, header.len() as u64, 1usize)
        };
        if dim == 0 {
            return Err(bad("dimension is 0".into()));
        }
        // Real embeddings have at most a few thousand dimensions; a larger header value is a
        // damaged file, and allocating a row buffer for it could abort the process.
        const MAX_DIM: usize = 1 << 20;
        if dim > MAX_DIM {
            return Err(bad(format!(
                "dimension {dim} in the header is larger than {MAX_DIM} (damaged header?)"
            )));
        }
        let n = opts.limit.map_or(count, |l| l.min(count));
        // Reserve for the entries the file can hold (a binary entry takes at least 4 * dim + 2
        // bytes, a text one 2 * dim + 1), not for what a damaged header claims.
        let file_len = r.get_ref().metadata().map_err(io)?.len();
        let min_entry = (if opts.binary {
            4 * dim + 2
        } else {
            2 * dim + 1
        }) as u64;
        let fits = usize::try_from(file_len / min_entry + 1).unwrap_or(usize::MAX);
        let reserve = n.min(fits).min(1 << 24);
        let mut items = Vec::with_capacity(reserve);
        let mut vectors: Vec<f32> = Vec::with_capacity(reserve.saturating_mul(dim).min(1 << 28));
        let mut line = Vec::new();
        let mut buf = vec![0u8; dim * 4];
        let check = |x: f32, where_: &dyn Fn() -> String| -> Result<f32> {
            if !opts.allow_nonfinite && !x.is_finite() {
                return Err(EmbedError::format(
                    path,
                    format!(
                        "{}: value {x} is not finite (pass allow_nonfinite=True to accept it)",
                        where_()
                    ),
                ));
            }
            Ok(x)
        };
        let mut i = 0;
        while i < n {
            if opts.binary {
                line.clear();
                let k = r.read_until(b' ', &mut line).map_err(io)?;
                if k == 0 || line.last() != Some(&b' ') {
                    return Err(bad(format!(
                        "byte {offset}: file ends inside entry {} of {count} (truncated, or the \
                         header's count is wrong)",
                        i + 1
                    )));
                }
                let entry_start = offset;
                offset += k as u64;
                let word_bytes = line[..line.len() - 1].trim_ascii_start();
                let word = decode_word(
                    word_bytes,
                    opts.unicode_errors,
                    path,
                    &format!("byte {entry_start}"),
                )?;
                r.read_exact(&mut buf).map_err(|e| {
                    if e.kind() == std::io::ErrorKind::UnexpectedEof {
                        bad(format!(
                            "byte {offset}: file ends inside the vector of {word:?} (entry {} of \
                             {count})",
                            i + 1
                        ))
                    } else {
                        EmbedError::io(path, e)
                    }
                })?;
                for (j, c) in buf.chunks_exact(4).enumerate() {
                    let x = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                    vectors.push(check(x, &|| format!("byte {}", offset + 4 * j as u64))?);
                }
                offset += buf.len() as u64;
                items.push((word, (n - i) as u64));
                i += 1;
            } else {
                line.clear();
                let k = r.read_until(b'\n', &mut line).map_err(io)?;
                lineno += 1;
                if k == 0 {
                    return Err(bad(format!(
                        "line {lineno}: file ends after {i} of {count} entries (truncated, or the \
                         header's count is wrong)"
                    )));
                }
                if line.iter().all(|b| b.is_ascii_whitespace()) {
                    continue;
                }
                let mut toks = line
                    .split(|b| b.is_ascii_whitespace())
                    .filter(|t| !t.is_empty());
                let word_bytes = toks.next().unwrap_or(b"");
                let word = decode_word(
                    word_bytes,
                    opts.unicode_errors,
                    path,
                    &format!("line {lineno}"),
                )?;
                let before = vectors.len();
                for t in toks {
                    let s = std::str::from_utf8(t).unwrap_or("?");
                    let x: f32 = s
                        .parse()
                        .map_err(|_| bad(format!("line {lineno}: {s:?} is not a number")))?;
                    vectors.push(check(x, &|| format!("line {lineno}"))?);
                }
                if vectors.len() - before != dim {
                    return Err(bad(format!(
                        "line {lineno}: expected {dim} numbers after {word:?}, found {}",
                        vectors.len() - before
                    )));
                }
                items.push((word, (n - i) as u64));
                i += 1;
            }
        }
        let vocab = Vocab::from_sorted(items).map_err(|e| match e {
            EmbedError::Format { reason, .. } => bad(reason),
            other => other,
        })?;
        KeyedVectors::new(vocab, dim, vectors)
    }
}

const MAGIC: &[u8; 8] = b"EMBEDRS\0";
const VERSION: u32 = 2;
const HEADER_LEN: usize = 8 + 4 + 4 + 8 * 5;
const ALIGN: usize = 64;

/// Checksum of the header blocks: FNV-1a over 8-byte little-endian words (then the tail
/// bytes), fast enough that opening a large vocabulary stays cheap.
fn fnv1a(bytes: &[u8], mut h: u64) -> u64 {
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        h ^= u64::from_le_bytes(c.try_into().expect("8 bytes"));
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    for &b in chunks.remainder() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A native file's content.
#[derive(Debug)]
pub struct NativeModel {
    /// Words, counts and vectors.
    pub kv: KeyedVectors,
    /// The output matrix, if the file is a complete model.
    pub syn1neg: Option<Storage>,
    /// The metadata block (JSON written by the Python layer).
    pub meta: String,
    /// Counts of words seen but not in the vocabulary (complete models written with them).
    pub rare: Option<WordCounts>,
}

fn push_entry(out: &mut Vec<u8>, w: &str, c: u64) {
    out.extend_from_slice(&(w.len() as u32).to_le_bytes());
    out.extend_from_slice(w.as_bytes());
    out.extend_from_slice(&c.to_le_bytes());
}

fn vocab_block(vocab: &Vocab, rare: Option<&WordCounts>) -> Vec<u8> {
    let mut out = Vec::with_capacity(vocab.len() * 16);
    for (w, c) in vocab.words().iter().zip(vocab.counts()) {
        push_entry(&mut out, w, *c);
    }
    if let Some(rare) = rare {
        out.extend_from_slice(&(rare.len() as u64).to_le_bytes());
        for (w, c) in rare.sorted_items() {
            push_entry(&mut out, w, c);
        }
    }
    out
}

/// Reads `n` entries (u32 length, UTF-8 word, u64 count) from `block` at `*pos`; `what`
/// names them in errors ("vocabulary entry", "rare-word entry").
fn read_entries(
    block: &[u8],
    pos: &mut usize,
    n: usize,
    what: &str,
    bad: &dyn Fn(String) -> EmbedError,
    mut each: impl FnMut(usize, &str, u64) -> Result<()>,
) -> Result<()> {
    for i in 0..n {
        let err = || bad(format!("{what} {} is cut short (corrupted file)", i + 1));
        let len = block.get(*pos..*pos + 4).ok_or_else(err)?;
        let len = u32::from_le_bytes(len.try_into().expect("4 bytes")) as usize;
        *pos += 4;
        let w = block.get(*pos..*pos + len).ok_or_else(err)?;
        let w =
            std::str::from_utf8(w).map_err(|_| bad(format!("{what} {} is not UTF-8", i + 1)))?;
        *pos += len;
        let c = block.get(*pos..*pos + 8).ok_or_else(err)?;
        *pos += 8;
        each(i, w, u64::from_le_bytes(c.try_into().expect("8 bytes")))?;
    }
    Ok(())
}

/// Writes the native format to any writer.
///
/// # Errors
/// I/O errors of the writer.
pub fn write_native(
    out: &mut impl Write,
    kv: &KeyedVectors,
    syn1neg: Option<&[f32]>,
    rare: Option<&WordCounts>,
    meta: &str,
) -> std::io::Result<()> {
    let rare = rare.filter(|r| !r.is_empty());
    let vocab = vocab_block(kv.vocab(), rare);
    let checksum = fnv1a(&vocab, fnv1a(meta.as_bytes(), 0xcbf2_9ce4_8422_2325));
    out.write_all(MAGIC)?;
    out.write_all(&VERSION.to_le_bytes())?;
    let flags = syn1neg.is_some() as u32 | (rare.is_some() as u32) << 1;
    out.write_all(&flags.to_le_bytes())?;
    for x in [kv.len(), kv.dim(), meta.len(), vocab.len()] {
        out.write_all(&(x as u64).to_le_bytes())?;
    }
    out.write_all(&checksum.to_le_bytes())?;
    out.write_all(meta.as_bytes())?;
    out.write_all(&vocab)?;
    let used = HEADER_LEN + meta.len() + vocab.len();
    out.write_all(&vec![0u8; used.next_multiple_of(ALIGN) - used])?;
    for m in std::iter::once(kv.vectors()).chain(syn1neg) {
        if cfg!(target_endian = "little") {
            out.write_all(bytemuck::cast_slice(m))?;
        } else {
            for x in m {
                out.write_all(&x.to_le_bytes())?;
            }
        }
    }
    Ok(())
}

/// Writes a native file atomically (`rare`: the counts of words not in the vocabulary, kept
/// by complete models for `partial_fit`; an empty table is not written).
///
/// # Errors
/// `Io` naming the path; `Dimension` if `syn1neg` has the wrong size.
pub fn save_native(
    path: &Path,
    kv: &KeyedVectors,
    syn1neg: Option<&[f32]>,
    rare: Option<&WordCounts>,
    meta: &str,
) -> Result<()> {
    if let Some(s) = syn1neg {
        if s.len() != kv.vectors().len() {
            return Err(EmbedError::Dimension(format!(
                "syn1neg has {} floats, the vectors {}",
                s.len(),
                kv.vectors().len()
            )));
        }
    }
    atomic_write(path, |w| write_native(w, kv, syn1neg, rare, meta))
}

struct Parsed {
    vocab: Vocab,
    dim: usize,
    meta: String,
    data_offset: usize,
    has_syn1: bool,
    rare: Option<WordCounts>,
}

fn parse_header(bytes: &[u8], total_len: usize, path: &Path) -> Result<Parsed> {
    let bad = |why: String| EmbedError::format(path, why);
    if bytes.len() < HEADER_LEN {
        return Err(bad(format!(
            "file is {} bytes, shorter than the native header (truncated?)",
            bytes.len()
        )));
    }
    if &bytes[..8] != MAGIC {
        return Err(bad("not an embedrs native file (bad magic bytes); for word2vec files use load_word2vec_format".into()));
    }
    let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().expect("4 bytes"));
    let u64_at = |o: usize| u64::from_le_bytes(bytes[o..o + 8].try_into().expect("8 bytes"));
    let version = u32_at(8);
    if version != VERSION {
        return Err(bad(format!(
            "format version {version} is not supported by this embedrs (reads version {VERSION}); \
             {}",
            if version > VERSION {
                "upgrade embedrs"
            } else {
                "re-save it with the embedrs that wrote it"
            }
        )));
    }
    let flags = u32_at(12);
    if flags & !3 != 0 {
        return Err(bad(format!(
            "unknown flags {flags:#x} (written by a newer embedrs?)"
        )));
    }
    let n = u64_at(16) as usize;
    let dim = u64_at(24) as usize;
    if dim == 0 {
        return Err(bad("the header's dimension is 0 (corrupted file)".into()));
    }
    let meta_len = u64_at(32) as usize;
    let vocab_len = u64_at(40) as usize;
    let checksum = u64_at(48);
    let blocks_end = HEADER_LEN
        .checked_add(meta_len)
        .and_then(|x| x.checked_add(vocab_len))
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| {
            bad("header sizes point past the end of the file (truncated or corrupted)".into())
        })?;
    let meta_bytes = &bytes[HEADER_LEN..HEADER_LEN + meta_len];
    let vocab_bytes = &bytes[HEADER_LEN + meta_len..blocks_end];
    if fnv1a(vocab_bytes, fnv1a(meta_bytes, 0xcbf2_9ce4_8422_2325)) != checksum {
        return Err(bad(
            "checksum mismatch in the header blocks (corrupted file)".into(),
        ));
    }
    let meta =
        String::from_utf8(meta_bytes.to_vec()).map_err(|_| bad("metadata is not UTF-8".into()))?;
    // Each entry takes at least 12 bytes: a damaged count cannot reserve more than the block.
    let cap = n.min(vocab_bytes.len() / 12);
    let mut words = crate::vocab::Words::with_capacity(cap);
    let mut counts = Vec::with_capacity(cap);
    let mut pos = 0usize;
    read_entries(
        vocab_bytes,
        &mut pos,
        n,
        "vocabulary entry",
        &bad,
        |_, w, c| {
            words.push(w);
            counts.push(c);
            Ok(())
        },
    )?;
    let rare = if flags & 2 != 0 {
        let m = vocab_bytes
            .get(pos..pos + 8)
            .ok_or_else(|| bad("the rare-word count is cut short (corrupted file)".into()))?;
        let m = u64::from_le_bytes(m.try_into().expect("8 bytes")) as usize;
        pos += 8;
        let mut rare = WordCounts::new(None);
        read_entries(
            vocab_bytes,
            &mut pos,
            m,
            "rare-word entry",
            &bad,
            |i, w, c| {
                // A written table never repeats a word; a repeat would add up (and could wrap).
                if rare.get(w) > 0 || c == 0 {
                    return Err(bad(format!(
                        "rare-word entry {} ({w:?}) repeats a word or has count 0 (corrupted file)",
                        i + 1
                    )));
                }
                rare.add_str(w, c);
                Ok(())
            },
        )?;
        Some(rare)
    } else {
        None
    };
    if pos != vocab_bytes.len() {
        return Err(bad(
            "vocabulary block has trailing bytes (corrupted file)".into()
        ));
    }
    // Words are distinct: the writer took them from a vocabulary and the checksum matched.
    let vocab = Vocab::from_sorted_unique(words, counts);
    let data_offset = blocks_end.next_multiple_of(ALIGN);
    let has_syn1 = flags & 1 == 1;
    let floats = n
        .checked_mul(dim)
        .ok_or_else(|| bad("matrix size overflows".into()))?;
    let need = floats
        .checked_mul(if has_syn1 { 8 } else { 4 })
        .and_then(|b| b.checked_add(data_offset))
        .ok_or_else(|| bad("matrix size overflows".into()))?;
    if total_len != need {
        return Err(bad(format!(
            "file is {total_len} bytes but its header describes {need} ({} x {dim} floats{}): \
             truncated or corrupted",
            n,
            if has_syn1 { " twice" } else { "" }
        )));
    }
    Ok(Parsed {
        vocab,
        dim,
        meta,
        data_offset,
        has_syn1,
        rare,
    })
}

fn floats_from_le(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// Reads a native file from memory (used by pickle).
///
/// # Errors
/// `Format` if the bytes are not a valid native file.
pub fn native_from_bytes(bytes: &[u8]) -> Result<NativeModel> {
    let path = Path::new("<embedrs bytes>");
    let p = parse_header(bytes, bytes.len(), path)?;
    let floats = p.vocab.len() * p.dim;
    let a = p.data_offset;
    let vectors = floats_from_le(&bytes[a..a + floats * 4]);
    let syn1neg = p
        .has_syn1
        .then(|| Storage::Owned(floats_from_le(&bytes[a + floats * 4..a + floats * 8])));
    Ok(NativeModel {
        kv: KeyedVectors::new(p.vocab, p.dim, vectors)?,
        syn1neg,
        meta: p.meta,
        rare: p.rare,
    })
}

/// Serialises to native bytes.
pub fn native_to_bytes(kv: &KeyedVectors, syn1neg: Option<&[f32]>, meta: &str) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(kv.vectors().len() * 4 * (1 + syn1neg.is_some() as usize) + 4096);
    write_native(&mut out, kv, syn1neg, None, meta).expect("writing to memory cannot fail");
    out
}

/// Opens a native file. With `mmap`, the matrices are mapped read-only with no copy (O(1) in
/// the matrix size: only the header and vocabulary are read); otherwise they are read into
/// memory.
///
/// # Errors
/// `Io`, or `Format` for a truncated, corrupted or wrong-version file.
pub fn load_native(path: &Path, mmap: bool) -> Result<NativeModel> {
    let mut f = File::open(path).map_err(|e| EmbedError::io(path, e))?;
    let total = f.metadata().map_err(|e| EmbedError::io(path, e))?.len() as usize;
    let mut head = vec![0u8; HEADER_LEN.min(total)];
    f.read_exact(&mut head)
        .map_err(|e| EmbedError::io(path, e))?;
    let k = head.len().min(8);
    if head[..k] != MAGIC[..k] {
        return Err(EmbedError::format(
            path,
            "not an embedrs native file (bad magic bytes); for word2vec files use \
             load_word2vec_format",
        ));
    }
    if head.len() < HEADER_LEN {
        return Err(EmbedError::format(
            path,
            format!("file is {total} bytes, shorter than the native header (truncated?)"),
        ));
    }
    let meta_len = u64::from_le_bytes(head[32..40].try_into().expect("8")) as usize;
    let vocab_len = u64::from_le_bytes(head[40..48].try_into().expect("8")) as usize;
    let blocks = meta_len
        .saturating_add(vocab_len)
        .min(total.saturating_sub(HEADER_LEN));
    let mut all = head;
    all.resize(HEADER_LEN + blocks, 0);
    f.read_exact(&mut all[HEADER_LEN..])
        .map_err(|e| EmbedError::io(path, e))?;
    let p = parse_header(&all, total, path)?;
    let floats = p.vocab.len() * p.dim;
    let (vectors, syn1neg) = if mmap && cfg!(target_endian = "little") {
        let v = Storage::map(path, p.data_offset, floats)?;
        let s = if p.has_syn1 {
            Some(Storage::map(path, p.data_offset + floats * 4, floats)?)
        } else {
            None
        };
        (v, s)
    } else {
        let mut r = BufReader::new(f);
        let mut skip = vec![0u8; p.data_offset - all.len()];
        r.read_exact(&mut skip)
            .map_err(|e| EmbedError::io(path, e))?;
        let mut read = |n: usize| -> Result<Vec<f32>> {
            let mut b = vec![0u8; n * 4];
            r.read_exact(&mut b).map_err(|e| EmbedError::io(path, e))?;
            Ok(floats_from_le(&b))
        };
        let v = Storage::Owned(read(floats)?);
        let s = if p.has_syn1 {
            Some(Storage::Owned(read(floats)?))
        } else {
            None
        };
        (v, s)
    };
    Ok(NativeModel {
        kv: KeyedVectors::with_storage(p.vocab, p.dim, vectors)?,
        syn1neg,
        meta: p.meta,
        rare: p.rare,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn kv() -> KeyedVectors {
        let vocab =
            Vocab::from_sorted(vec![("a".into(), 3), ("b".into(), 2), ("c".into(), 1)]).unwrap();
        KeyedVectors::new(vocab, 2, vec![1.0, 0.0, 0.9, 0.1, -1.0, 0.0]).unwrap()
    }

    fn opts(binary: bool) -> Word2VecReadOptions {
        Word2VecReadOptions {
            binary,
            ..Default::default()
        }
    }

    #[test]
    fn word2vec_round_trips() {
        let kv = kv();
        let d = tempfile::tempdir().unwrap();
        for binary in [true, false] {
            let p = d.path().join(format!("v{binary}.w2v"));
            kv.save_word2vec_format(&p, binary).unwrap();
            let back = KeyedVectors::load_word2vec_format(&p, opts(binary)).unwrap();
            assert_eq!(back.vocab().words(), kv.vocab().words());
            assert_eq!(back.vectors(), kv.vectors());
        }
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 2);
    }

    #[test]
    fn malformed_word2vec_files_name_the_place() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("v.txt");
        let cases: &[(&[u8], &str)] = &[
            (b"2 3\na 1 2 3\nb 1 2\n", "line 3: expected 3 numbers"),
            (b"3 2\na 1 2\nb 1 2\n", "line 4: file ends after 2 of 3"),
            (b"x y\n", "line 1: expected a header"),
            (b"2 2\na 1 2\na 3 4\n", "duplicate word \"a\""),
            (b"1 2\na 1 nan\n", "line 2: value NaN is not finite"),
            (b"1 2\na 1 zz\n", "line 2: \"zz\" is not a number"),
            (b"1 2\nb\xff 1 2\n", "line 2: the word"),
        ];
        for (content, want) in cases {
            std::fs::write(&p, content).unwrap();
            let e = KeyedVectors::load_word2vec_format(&p, opts(false)).unwrap_err();
            assert!(e.to_string().contains(want), "{e} does not contain {want}");
        }
        std::fs::write(&p, b"1 2\nb\xff 1 2\n").unwrap();
        let o = Word2VecReadOptions {
            binary: false,
            unicode_errors: UnicodeErrors::Replace,
            ..Default::default()
        };
        assert_eq!(
            KeyedVectors::load_word2vec_format(&p, o)
                .unwrap()
                .vocab()
                .words(),
            ["b\u{fffd}"]
        );
        let o = Word2VecReadOptions {
            binary: false,
            unicode_errors: UnicodeErrors::Ignore,
            ..Default::default()
        };
        assert_eq!(
            KeyedVectors::load_word2vec_format(&p, o)
                .unwrap()
                .vocab()
                .words(),
            ["b"]
        );
        std::fs::write(&p, b"a 1 2\nb 3 4\n").unwrap();
        let o = Word2VecReadOptions {
            binary: false,
            no_header: true,
            ..Default::default()
        };
        assert_eq!(KeyedVectors::load_word2vec_format(&p, o).unwrap().len(), 2);
    }

    #[test]
    fn truncated_binary_names_the_offset() {
        let kv = kv();
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("v.bin");
        kv.save_word2vec_format(&p, true).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        std::fs::write(&p, &bytes[..bytes.len() - 5]).unwrap();
        let e = KeyedVectors::load_word2vec_format(&p, opts(true)).unwrap_err();
        assert!(e.to_string().contains("byte"), "{e}");
    }

    #[test]
    fn failed_save_keeps_the_old_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("v.txt");
        std::fs::write(&p, b"old").unwrap();
        let bad = KeyedVectors::new(
            Vocab::from_sorted(vec![("has space".into(), 1)]).unwrap(),
            2,
            vec![0.0, 1.0],
        )
        .unwrap();
        assert!(bad.save_word2vec_format(&p, false).is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        let missing_dir = d.path().join("no/such/dir/v.bin");
        assert!(save_native(&missing_dir, &kv(), None, None, "").is_err());
    }

    #[test]
    fn native_round_trips_with_and_without_mmap() {
        let kv = kv();
        let syn1 = vec![0.5f32; 6];
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("m.embedrs");
        save_native(&p, &kv, Some(&syn1), None, "{\"x\": 1}").unwrap();
        for mmap in [true, false] {
            let m = load_native(&p, mmap).unwrap();
            assert_eq!(m.kv.is_mapped(), mmap);
            assert_eq!(m.kv.vectors(), kv.vectors());
            assert_eq!(m.kv.vocab().counts(), kv.vocab().counts());
            assert_eq!(m.syn1neg.unwrap().as_slice(), &syn1[..]);
            assert_eq!(m.meta, "{\"x\": 1}");
        }
        let b = native_to_bytes(&kv, None, "");
        let m = native_from_bytes(&b).unwrap();
        assert!(m.syn1neg.is_none());
        assert_eq!(m.kv.vectors(), kv.vectors());
    }

    #[test]
    fn rare_word_counts_round_trip_and_are_checked() {
        let kv = kv();
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("m.embedrs");
        let mut rare = WordCounts::new(None);
        rare.add_str("zebra", 3);
        rare.add_str("yak", 4);
        save_native(&p, &kv, Some(&[0.0; 6]), Some(&rare), "").unwrap();
        let m = load_native(&p, false).unwrap();
        let back = m.rare.expect("rare counts were written");
        assert_eq!(back.sorted_items(), vec![("yak", 4), ("zebra", 3)]);
        assert_eq!(m.kv.vocab().counts(), kv.vocab().counts());
        // No rare words: no block, and the same bytes as a file written without them.
        let empty = WordCounts::new(None);
        save_native(&p, &kv, None, Some(&empty), "").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), native_to_bytes(&kv, None, ""));
        assert!(load_native(&p, true).unwrap().rare.is_none());
        // A rare entry cut short is named (the checksum is recomputed so that only the
        // entry's length is wrong).
        let mut b = Vec::new();
        write_native(&mut b, &kv, None, Some(&rare), "").unwrap();
        let vocab_len = u64::from_le_bytes(b[40..48].try_into().unwrap()) as usize;
        let last_len_at = HEADER_LEN + vocab_len - 8 - 5 - 4; // "zebra": u32 len, 5 bytes, u64
        b[last_len_at] = 200;
        let block = &b[HEADER_LEN..HEADER_LEN + vocab_len];
        let sum = fnv1a(block, fnv1a(b"", 0xcbf2_9ce4_8422_2325));
        b[48..56].copy_from_slice(&sum.to_le_bytes());
        let e = native_from_bytes(&b).unwrap_err().to_string();
        assert!(e.contains("rare-word entry 2 is cut short"), "{e}");
        // A repeated rare word (found by fuzzing: repeats added up and overflowed).
        let mut twice = WordCounts::new(None);
        twice.add_str("yak", u64::MAX);
        twice.add_str("zed", u64::MAX);
        let mut b = Vec::new();
        write_native(&mut b, &kv, None, Some(&twice), "").unwrap();
        let at = b.windows(3).rposition(|w| w == b"zed").unwrap();
        b[at..at + 3].copy_from_slice(b"yak");
        let block = &b[HEADER_LEN..HEADER_LEN + vocab_len_of(&b)];
        let sum = fnv1a(block, fnv1a(b"", 0xcbf2_9ce4_8422_2325));
        b[48..56].copy_from_slice(&sum.to_le_bytes());
        let e = native_from_bytes(&b).unwrap_err().to_string();
        assert!(
            e.contains("rare-word entry 2 (\"yak\") repeats a word"),
            "{e}"
        );
    }

    fn vocab_len_of(b: &[u8]) -> usize {
        u64::from_le_bytes(b[40..48].try_into().unwrap()) as usize
    }

    #[test]
    fn damaged_native_files_are_format_errors() {
        let kv = kv();
        let b = native_to_bytes(&kv, None, "meta");
        for cut in [0, 7, 20, 60, b.len() - 1] {
            let e = native_from_bytes(&b[..cut]).unwrap_err();
            assert!(matches!(e, EmbedError::Format { .. }), "{e:?}");
        }
        let mut v = b.clone();
        v[8] = 9;
        assert!(native_from_bytes(&v)
            .unwrap_err()
            .to_string()
            .contains("version 9"));
        let mut c = b.clone();
        c[HEADER_LEN + 1] ^= 0xff; // inside the metadata
        assert!(native_from_bytes(&c)
            .unwrap_err()
            .to_string()
            .contains("checksum"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn native_round_trips_any_words(words in prop::collection::hash_set(".{1,12}", 1..20), dim in 1usize..5) {
            let words: Vec<String> = words.into_iter().collect();
            let n = words.len();
            let items = words.iter().cloned().zip((0..n as u64).rev()).collect();
            let data: Vec<f32> = (0..n * dim).map(|i| i as f32 * 0.25 - 3.0).collect();
            let kv = KeyedVectors::new(Vocab::from_sorted(items).unwrap(), dim, data).unwrap();
            let mut rare = WordCounts::new(None);
            for (i, w) in words.iter().enumerate() {
                rare.add_str(&format!("{w}~"), i as u64 + 1);
            }
            let mut bytes = Vec::new();
            write_native(&mut bytes, &kv, None, Some(&rare), "").unwrap();
            let m = native_from_bytes(&bytes).unwrap();
            prop_assert_eq!(m.kv.vocab().words(), kv.vocab().words());
            prop_assert_eq!(m.kv.vectors(), kv.vectors());
            let back = m.rare.unwrap();
            prop_assert_eq!(back.sorted_items(), rare.sorted_items());
        }

        #[test]
        fn native_reader_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = native_from_bytes(&bytes);
            let mut b = native_to_bytes(&kv(), None, "m");
            let k = bytes.len().min(b.len());
            b[..k].copy_from_slice(&bytes[..k]);
            let _ = native_from_bytes(&b);
        }

        #[test]
        fn word2vec_text_rejects_words_with_whitespace(w in "[a-z]{1,4}[ \t][a-z]{1,4}") {
            let kv = KeyedVectors::new(Vocab::from_sorted(vec![(w, 1)]).unwrap(), 1, vec![1.0]).unwrap();
            let d = tempfile::tempdir().unwrap();
            let e = kv.save_word2vec_format(&d.path().join("x"), false).unwrap_err();
            let is_format = matches!(e, EmbedError::Format { .. });
            prop_assert!(is_format);
        }
    }
}

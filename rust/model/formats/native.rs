//! The native format: one versioned, checksummed file holding the vocabulary with counts,
//! the metadata, and the matrices at a 64-byte-aligned offset, so they can be memory-mapped.
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! magic     8 bytes  "EMBEDRS\0"
//! version   u32      2
//! flags     u32      bit 0: an output matrix (syn1neg) follows the vectors
//!                    bit 1: the vocabulary block ends with the rare-word counts
//!                    bit 2: hierarchical softmax's output matrix (syn1) follows (files of
//!                           models without it, and older files, never set this bit)
//!                    bit 3: the input matrix (syn0) follows, when the vectors are not
//!                           it (models trained with `output_weight`, whose word vectors
//!                           add part of syn1neg); older embedrs reject the flag
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
//! syn1      n_words * dim * f32   (if flag bit 2)
//! syn0      n_words * dim * f32   (if flag bit 3)
//! ```

use std::io::{BufReader, Read, Write};
use std::path::Path;

use super::atomic_write;
use crate::error::{EmbedError, Result};
use crate::hash::{fnv1a_wide, fnv1a_wide_start};
use crate::model::{KeyedVectors, Storage};
use crate::vocab::{Vocab, WordCounts};

const MAGIC: &[u8; 8] = b"EMBEDRS\0";
const VERSION: u32 = 2;
pub(super) const HEADER_LEN: usize = 8 + 4 + 4 + 8 * 5;
const ALIGN: usize = 64;

/// A native file's content.
#[derive(Debug)]
pub struct NativeModel {
    /// Words, counts and vectors.
    pub kv: KeyedVectors,
    /// The output matrix, if the file is a complete model.
    pub syn1neg: Option<Storage>,
    /// Hierarchical softmax's output matrix, if the model has one.
    pub syn1: Option<Storage>,
    /// The input matrix, if the vectors are not it (see the flag bit 3).
    pub syn0: Option<Storage>,
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
    syn1: Option<&[f32]>,
    syn0: Option<&[f32]>,
    rare: Option<&WordCounts>,
    meta: &str,
) -> std::io::Result<()> {
    let rare = rare.filter(|r| !r.is_empty());
    let vocab = vocab_block(kv.vocab(), rare);
    let checksum = fnv1a_wide(&vocab, fnv1a_wide(meta.as_bytes(), fnv1a_wide_start()));
    out.write_all(MAGIC)?;
    out.write_all(&VERSION.to_le_bytes())?;
    let flags = syn1neg.is_some() as u32
        | (rare.is_some() as u32) << 1
        | (syn1.is_some() as u32) << 2
        | (syn0.is_some() as u32) << 3;
    out.write_all(&flags.to_le_bytes())?;
    for x in [kv.len(), kv.dim(), meta.len(), vocab.len()] {
        out.write_all(&(x as u64).to_le_bytes())?;
    }
    out.write_all(&checksum.to_le_bytes())?;
    out.write_all(meta.as_bytes())?;
    out.write_all(&vocab)?;
    let used = HEADER_LEN + meta.len() + vocab.len();
    out.write_all(&vec![0u8; used.next_multiple_of(ALIGN) - used])?;
    for m in std::iter::once(kv.vectors())
        .chain(syn1neg)
        .chain(syn1)
        .chain(syn0)
    {
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
/// `Io` naming the path; `Dimension` if `syn1neg`, `syn1` or `syn0` has the wrong size.
pub fn save_native(
    path: &Path,
    kv: &KeyedVectors,
    syn1neg: Option<&[f32]>,
    syn1: Option<&[f32]>,
    syn0: Option<&[f32]>,
    rare: Option<&WordCounts>,
    meta: &str,
) -> Result<()> {
    for (name, m) in [("syn1neg", syn1neg), ("syn1", syn1), ("syn0", syn0)] {
        if let Some(s) = m {
            if s.len() != kv.vectors().len() {
                return Err(EmbedError::Dimension(format!(
                    "{name} has {} floats, the vectors {}",
                    s.len(),
                    kv.vectors().len()
                )));
            }
        }
    }
    atomic_write(path, |w| {
        write_native(w, kv, syn1neg, syn1, syn0, rare, meta)
    })
}

struct Parsed {
    vocab: Vocab,
    dim: usize,
    meta: String,
    data_offset: usize,
    has_syn1: bool,
    has_hs: bool,
    has_syn0: bool,
    rare: Option<WordCounts>,
}

impl Parsed {
    /// Byte offsets of the optional matrices (syn1neg, syn1, syn0) present, in file order.
    fn offsets(&self, floats: usize) -> [Option<usize>; 3] {
        let mut at = self.data_offset + floats * 4;
        let mut next = |present: bool| {
            present.then(|| {
                let o = at;
                at += floats * 4;
                o
            })
        };
        [next(self.has_syn1), next(self.has_hs), next(self.has_syn0)]
    }
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
    if flags & !15 != 0 {
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
    if fnv1a_wide(vocab_bytes, fnv1a_wide(meta_bytes, fnv1a_wide_start())) != checksum {
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
    let has_hs = flags & 4 != 0;
    let has_syn0 = flags & 8 != 0;
    let matrices = 1 + has_syn1 as usize + has_hs as usize + has_syn0 as usize;
    let floats = n
        .checked_mul(dim)
        .ok_or_else(|| bad("matrix size overflows".into()))?;
    let need = floats
        .checked_mul(4 * matrices)
        .and_then(|b| b.checked_add(data_offset))
        .ok_or_else(|| bad("matrix size overflows".into()))?;
    if total_len != need {
        return Err(bad(format!(
            "file is {total_len} bytes but its header describes {need} ({} x {dim} floats{}): \
             truncated or corrupted",
            n,
            ["", " twice", " three times", " four times"][matrices - 1]
        )));
    }
    Ok(Parsed {
        vocab,
        dim,
        meta,
        data_offset,
        has_syn1,
        has_hs,
        has_syn0,
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
    let [syn1neg, syn1, syn0] = p
        .offsets(floats)
        .map(|o| o.map(|o| Storage::Owned(floats_from_le(&bytes[o..o + floats * 4]))));
    Ok(NativeModel {
        kv: KeyedVectors::new(p.vocab, p.dim, vectors)?,
        syn1neg,
        syn1,
        syn0,
        meta: p.meta,
        rare: p.rare,
    })
}

/// Serialises to native bytes.
pub fn native_to_bytes(kv: &KeyedVectors, syn1neg: Option<&[f32]>, meta: &str) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(kv.vectors().len() * 4 * (1 + syn1neg.is_some() as usize) + 4096);
    write_native(&mut out, kv, syn1neg, None, None, None, meta)
        .expect("writing to memory cannot fail");
    out
}

/// Opens a native file. With `mmap`, the matrices are mapped read-only with no copy (O(1) in
/// the matrix size: only the header and vocabulary are read); otherwise they are read into
/// memory.
///
/// # Errors
/// `Io`, or `Format` for a truncated, corrupted or wrong-version file.
pub fn load_native(path: &Path, mmap: bool) -> Result<NativeModel> {
    let mut f = super::open_regular(path)?;
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
    let offsets = p.offsets(floats);
    let (vectors, [syn1neg, syn1, syn0]) = if mmap && cfg!(target_endian = "little") {
        // The descriptor the header was read from, not the path: see `Storage::map`.
        let v = Storage::map(&f, path, p.data_offset, floats)?;
        let mut maps = [None, None, None];
        for (m, o) in maps.iter_mut().zip(offsets) {
            if let Some(o) = o {
                *m = Some(Storage::map(&f, path, o, floats)?);
            }
        }
        (v, maps)
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
        // The optional matrices follow the vectors in `offsets`' order, back to back.
        let mut owned = [None, None, None];
        for (m, o) in owned.iter_mut().zip(offsets) {
            if o.is_some() {
                *m = Some(Storage::Owned(read(floats)?));
            }
        }
        (v, owned)
    };
    Ok(NativeModel {
        kv: KeyedVectors::with_storage(p.vocab, p.dim, vectors)?,
        syn1neg,
        syn1,
        syn0,
        meta: p.meta,
        rare: p.rare,
    })
}

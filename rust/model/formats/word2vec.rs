//! The word2vec text and binary formats, both ways.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

use super::atomic_write;
use crate::error::{EmbedError, Result};
use crate::model::KeyedVectors;
use crate::vocab::Vocab;

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

impl UnicodeErrors {
    /// Parses gensim's names: `"strict"`, `"replace"` or `"ignore"`.
    ///
    /// # Errors
    /// `InvalidParameter` naming `unicode_errors` for anything else.
    pub fn parse(name: &str) -> Result<UnicodeErrors> {
        match name {
            "strict" => Ok(UnicodeErrors::Strict),
            "replace" => Ok(UnicodeErrors::Replace),
            "ignore" => Ok(UnicodeErrors::Ignore),
            other => Err(EmbedError::param(
                "unicode_errors",
                format!("must be 'strict', 'replace' or 'ignore', got {other:?}"),
            )),
        }
    }
}

/// True if `bytes` (the raw vector of a binary entry) could be the numbers of a text entry:
/// only digits, signs, dots, exponents and whitespace. Random float32 bytes are never all of
/// them (for 4 bytes, one chance in 200,000; the check needs every byte of the vector).
fn looks_like_text(bytes: &[u8]) -> bool {
    bytes.len() >= 8
        && bytes
            .iter()
            .all(|b| b.is_ascii_digit() || b" .-+eE\t\r\n".contains(b))
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
    /// `Io`; `Truncated` if the file ends before the header's count of entries; or `Format`
    /// naming the line or byte offset of a malformed entry: a bad header, a row of the wrong length, a non-number, NaN/inf (unless allowed),
    /// invalid UTF-8 (in strict mode), or a duplicated word.
    pub fn load_word2vec_format(path: &Path, opts: Word2VecReadOptions) -> Result<Self> {
        let f = super::open_regular(path)?;
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
            let f2 = super::open_regular(path)?;
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
                    return Err(EmbedError::truncated(
                        path,
                        format!(
                        "byte {offset}: file ends inside entry {} of {count} (truncated, or the \
                         header's count is wrong)",
                        i + 1
                    ),
                    ));
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
                        EmbedError::truncated(
                            path,
                            format!(
                            "byte {offset}: file ends inside the vector of {word:?} (entry {} of \
                             {count})",
                            i + 1
                        ),
                        )
                    } else {
                        EmbedError::io(path, e)
                    }
                })?;
                if i < 3 && looks_like_text(&buf) {
                    return Err(bad(format!(
                        "byte {offset}: the {} bytes of the vector of {} are all digits, signs, \
                         dots and spaces: this is the word2vec text format, read it with \
                         binary=False",
                        buf.len(),
                        crate::error::show_str(&word)
                    )));
                }
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
                    return Err(EmbedError::truncated(
                        path,
                        format!(
                        "line {lineno}: file ends after {i} of {count} entries (truncated, or the \
                         header's count is wrong)"
                    ),
                    ));
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

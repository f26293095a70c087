//! The binary format of a frozen phrase table.

use std::path::Path;

use super::frozen::{FEntry, FrozenPhrases};
use super::{hash, Connectors, ScoreParams, Scoring, FORMAT_VERSION, MAGIC};
use crate::error::{EmbedError, Result};
use crate::hash::fnv1a;
use crate::model::formats::{atomic_write_bytes, read_file};

/// The name bytes are reported under when they come from memory (pickle), not a file.
const IN_MEMORY: &str = "<phrases>";

impl FrozenPhrases {
    /// Serialises to the versioned binary format (with an optional metadata string, e.g. the
    /// Python estimator's parameters). Equal tables give equal bytes.
    pub fn to_bytes(&self, meta: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.arena.len() + self.entries.len() * 24);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.push(match self.params.scoring {
            Scoring::Default => 0,
            Scoring::Npmi => 1,
        });
        out.extend_from_slice(&self.params.min_count.to_le_bytes());
        out.extend_from_slice(&self.params.threshold.to_le_bytes());
        out.extend_from_slice(&self.corpus_word_count.to_le_bytes());
        out.extend_from_slice(&self.vocabulary_size.to_le_bytes());
        put_str(&mut out, &self.delimiter);
        out.extend_from_slice(&(self.connectors.words.len() as u32).to_le_bytes());
        for w in &self.connectors.words {
            put_str(&mut out, w);
        }
        put_str(&mut out, meta);
        out.extend_from_slice(&(self.arena.len() as u64).to_le_bytes());
        out.extend_from_slice(&self.arena);
        out.extend_from_slice(&(self.entries.len() as u64).to_le_bytes());
        for e in &self.entries {
            out.extend_from_slice(&(e.off as u64).to_le_bytes());
            out.extend_from_slice(&e.len.to_le_bytes());
            out.extend_from_slice(&e.len_a.to_le_bytes());
            out.extend_from_slice(&e.len_b.to_le_bytes());
            out.push(e.gensim as u8);
            out.extend_from_slice(&e.score.to_le_bytes());
        }
        let sum = fnv1a(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }

    /// Writes the binary form (with `meta`) to `path` atomically, as every model file is
    /// written (see [`crate::model::formats::atomic_write`]).
    ///
    /// # Errors
    /// `Io` naming `path`; any previous file at `path` is left intact.
    pub fn save(&self, path: &Path, meta: &str) -> Result<()> {
        atomic_write_bytes(path, &self.to_bytes(meta))
    }

    /// Reads a file written by [`FrozenPhrases::save`]: the table and the metadata string.
    ///
    /// # Errors
    /// `Io` naming `path` if it cannot be read (or is not a regular file); `Format` naming
    /// `path` if it is not a complete, uncorrupted table of a known version.
    pub fn load(path: &Path) -> Result<(FrozenPhrases, String)> {
        let data = read_file(path)?;
        FrozenPhrases::parse(&data, path)
    }

    /// The inverse of [`FrozenPhrases::to_bytes`]: the table and the metadata string.
    ///
    /// # Errors
    /// `Format` if the bytes are not a complete, uncorrupted table of a known version.
    pub fn from_bytes(data: &[u8]) -> Result<(FrozenPhrases, String)> {
        FrozenPhrases::parse(data, Path::new(IN_MEMORY))
    }

    /// [`FrozenPhrases::from_bytes`], with errors naming `path`.
    fn parse(data: &[u8], path: &Path) -> Result<(FrozenPhrases, String)> {
        let bad = |reason: String| EmbedError::format(path, reason);
        if data.len() < MAGIC.len() + 4 + 8 || &data[..MAGIC.len()] != MAGIC {
            return Err(bad("not an embedrs phrases table (bad magic bytes)".into()));
        }
        let (body, sum) = data.split_at(data.len() - 8);
        let mut r = Reader {
            data: body,
            pos: 8,
            path,
        };
        let version = r.u32()?;
        if version != FORMAT_VERSION {
            return Err(bad(format!(
                "format version {version} is not supported (this build reads {FORMAT_VERSION})"
            )));
        }
        if fnv1a(body).to_le_bytes() != sum {
            return Err(bad(
                "checksum mismatch: the data is truncated or corrupted".into()
            ));
        }
        let scoring = match r.u8()? {
            0 => Scoring::Default,
            1 => Scoring::Npmi,
            k => return Err(bad(format!("unknown scoring code {k}"))),
        };
        let min_count = r.u64()?;
        let threshold = f64::from_le_bytes(r.take(8)?.try_into().unwrap_or_default());
        let corpus_word_count = r.u64()?;
        let vocabulary_size = r.u64()?;
        let delimiter = r.string()?;
        let n_conn = r.u32()? as usize;
        let mut conn = Vec::with_capacity(n_conn.min(1 << 16));
        for _ in 0..n_conn {
            conn.push(r.string()?);
        }
        let meta = r.string()?;
        let arena_len = r.u64()? as usize;
        let arena = r.take(arena_len)?.to_vec();
        let n = r.u64()? as usize;
        if n > r.remaining() / 29 {
            return Err(bad(format!("{n} entries do not fit in the data")));
        }
        let dl = delimiter.len();
        let mut entries = Vec::with_capacity(n);
        for i in 0..n {
            let off = r.u64()? as usize;
            let len = r.u32()?;
            let len_a = r.u32()?;
            let len_b = r.u32()?;
            let gensim = r.u8()? != 0;
            let score = f64::from_le_bytes(r.take(8)?.try_into().unwrap_or_default());
            let end = off.checked_add(len as usize).filter(|&e| e <= arena.len());
            let fits = (len_a as usize + dl + len_b as usize) <= len as usize;
            let Some(end) = end.filter(|_| fits) else {
                return Err(bad(format!("entry {i} is out of range")));
            };
            let key = &arena[off..end];
            if std::str::from_utf8(key).is_err() {
                return Err(bad(format!("entry {i} is not valid UTF-8")));
            }
            entries.push(FEntry {
                hash: hash(key),
                off,
                len,
                len_a,
                len_b,
                gensim,
                score,
            });
        }
        if r.remaining() != 0 {
            return Err(bad(format!("{} unexpected trailing bytes", r.remaining())));
        }
        if delimiter.is_empty() {
            return Err(bad("empty delimiter".into()));
        }
        let params = ScoreParams {
            min_count,
            threshold,
            scoring,
        };
        Ok((
            FrozenPhrases::build(
                delimiter,
                Connectors::new(conn),
                params,
                corpus_word_count,
                vocabulary_size,
                arena,
                entries,
            ),
            meta,
        ))
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    /// Where the bytes come from, for messages.
    path: &'a Path,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(EmbedError::format(
                self.path,
                format!("truncated at byte {}", self.pos),
            ));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().unwrap_or_default(),
        ))
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().unwrap_or_default(),
        ))
    }
    fn string(&mut self) -> Result<String> {
        let n = self.u32()? as usize;
        let b = self.take(n)?;
        String::from_utf8(b.to_vec())
            .map_err(|_| EmbedError::format(self.path, "a string is not valid UTF-8"))
    }
}

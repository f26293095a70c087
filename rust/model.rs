//! Trained vectors: the word table plus a `V x d` float32 matrix, batched nearest-neighbour
//! search, and the word2vec text/binary formats read by gensim and word2vec.c.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use crate::error::{EmbedError, Result};
use crate::vocab::Vocab;

/// Words and their vectors (row `i` is word `i`).
#[derive(Debug)]
pub struct KeyedVectors {
    vocab: Arc<Vocab>,
    dim: usize,
    vectors: Vec<f32>,
    unit: OnceLock<Vec<f32>>,
}

impl Clone for KeyedVectors {
    fn clone(&self) -> Self {
        KeyedVectors::new(self.vocab.clone(), self.dim, self.vectors.clone()).expect("valid")
    }
}

impl KeyedVectors {
    /// Wraps a vocabulary and a row-major matrix of `vocab.len() * dim` floats.
    ///
    /// # Errors
    /// `Dimension` if the sizes disagree.
    pub fn new(vocab: impl Into<Arc<Vocab>>, dim: usize, vectors: Vec<f32>) -> Result<Self> {
        let vocab = vocab.into();
        if dim == 0 || vectors.len() != vocab.len() * dim {
            return Err(EmbedError::Dimension(format!(
                "{} words x {dim} dimensions need {} floats, got {}",
                vocab.len(),
                vocab.len() * dim,
                vectors.len()
            )));
        }
        Ok(KeyedVectors {
            vocab,
            dim,
            vectors,
            unit: OnceLock::new(),
        })
    }

    /// The vocabulary (shared).
    pub fn vocab_arc(&self) -> &Arc<Vocab> {
        &self.vocab
    }

    /// The vocabulary.
    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// Vector dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.vocab.len()
    }

    /// True if there is no word.
    pub fn is_empty(&self) -> bool {
        self.vocab.is_empty()
    }

    /// The whole matrix, row-major.
    pub fn vectors(&self) -> &[f32] {
        &self.vectors
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.vectors[i * self.dim..(i + 1) * self.dim]
    }

    /// The rows scaled to unit length (zero rows stay zero); computed once.
    pub fn unit_vectors(&self) -> &[f32] {
        self.unit.get_or_init(|| {
            let mut u = self.vectors.clone();
            for row in u.chunks_exact_mut(self.dim) {
                normalize(row);
            }
            u
        })
    }

    /// For each query row (length `dim`), the `topn` rows of highest cosine similarity among
    /// the first `restrict` rows (all if `None`), skipping the ids in `exclude[q]`. Returns ids
    /// and scores, `n_queries x k` each (k = min(topn, candidates)), best first. When
    /// exclusions leave fewer than `k` candidates, the tail is padded with id `u32::MAX` and
    /// score `-inf`.
    ///
    /// # Errors
    /// `Dimension` if `queries.len()` is not a multiple of `dim`.
    pub fn most_similar_batch(
        &self,
        queries: &[f32],
        topn: usize,
        exclude: &[Vec<u32>],
        restrict: Option<usize>,
        n_threads: usize,
    ) -> Result<(Vec<u32>, Vec<f32>, usize)> {
        if queries.len() % self.dim != 0 {
            return Err(EmbedError::Dimension(format!(
                "queries must have {} columns",
                self.dim
            )));
        }
        let nq = queries.len() / self.dim;
        let limit = restrict.unwrap_or(self.len()).min(self.len());
        let unit = self.unit_vectors();
        let k = topn.min(limit);
        let mut ids = vec![u32::MAX; nq * k];
        let mut scores = vec![f32::NEG_INFINITY; nq * k];
        if k == 0 || nq == 0 {
            return Ok((ids, scores, k));
        }
        let threads = n_threads.clamp(1, nq);
        let per = nq.div_ceil(threads);
        std::thread::scope(|s| {
            for ((qs, (id_out, sc_out)), t) in queries
                .chunks(per * self.dim)
                .zip(ids.chunks_mut(per * k).zip(scores.chunks_mut(per * k)))
                .zip(0..)
            {
                s.spawn(move || {
                    let mut q = vec![0f32; self.dim];
                    let mut heap: Vec<(f32, u32)> = Vec::with_capacity(k + 1);
                    for (j, query) in qs.chunks_exact(self.dim).enumerate() {
                        q.copy_from_slice(query);
                        normalize(&mut q);
                        let ex = exclude
                            .get(t * per + j)
                            .map(|v| v.as_slice())
                            .unwrap_or(&[]);
                        heap.clear();
                        for (r, row) in unit[..limit * self.dim].chunks_exact(self.dim).enumerate()
                        {
                            let sim: f32 = row.iter().zip(&q).map(|(a, b)| a * b).sum();
                            if heap.len() == k && sim <= heap[k - 1].0 {
                                continue;
                            }
                            if sim.is_nan() || ex.contains(&(r as u32)) {
                                continue;
                            }
                            // Insertion into the sorted top-k (k is small).
                            let pos = heap.partition_point(|&(s, _)| s >= sim);
                            heap.insert(pos, (sim, r as u32));
                            heap.truncate(k);
                        }
                        for (slot, &(sim, r)) in heap.iter().enumerate() {
                            id_out[j * k + slot] = r;
                            sc_out[j * k + slot] = sim;
                        }
                    }
                });
            }
        });
        Ok((ids, scores, k))
    }

    /// Writes the word2vec format (binary as word2vec.c writes it, or text), atomically:
    /// the data goes to a temporary file in the same folder that is renamed over `path` only
    /// once complete, so a failed save leaves any previous file intact.
    ///
    /// # Errors
    /// `Io` on any write failure; `Format` if a word contains whitespace (the format could not
    /// be read back).
    pub fn save_word2vec_format(&self, path: &Path, binary: bool) -> Result<()> {
        for w in self.vocab.words() {
            if w.is_empty() || w.bytes().any(|b| b.is_ascii_whitespace()) {
                return Err(EmbedError::format(
                    path,
                    format!("word {w:?} is empty or contains whitespace; the word2vec format cannot store it"),
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

    /// Reads the word2vec format (binary or text) with a header line `count dim`.
    /// Invalid UTF-8 in words is replaced. Counts are synthesised (descending) since the
    /// format does not store them.
    ///
    /// # Errors
    /// `Io`, or `Format` naming the line or byte offset of a malformed entry.
    pub fn load_word2vec_format(path: &Path, binary: bool, limit: Option<usize>) -> Result<Self> {
        let f = File::open(path).map_err(|e| EmbedError::io(path, e))?;
        let mut r = BufReader::with_capacity(1 << 16, f);
        let io = |e| EmbedError::io(path, e);
        let mut header = String::new();
        r.read_line(&mut header).map_err(io)?;
        let parts: Vec<&str> = header.split_whitespace().collect();
        let parse = |s: Option<&&str>| s.and_then(|s| s.parse::<usize>().ok());
        let (Some(count), Some(dim), 2) = (parse(parts.first()), parse(parts.get(1)), parts.len())
        else {
            return Err(EmbedError::format(
                path,
                format!(
                    "line 1: expected a header 'count dimension', got {:?}",
                    header.trim_end()
                ),
            ));
        };
        if dim == 0 {
            return Err(EmbedError::format(path, "line 1: dimension is 0"));
        }
        let n = limit.map_or(count, |l| l.min(count));
        let mut items = Vec::with_capacity(n);
        let mut vectors = Vec::with_capacity(n.saturating_mul(dim).min(1 << 28));
        let mut offset = header.len() as u64;
        let mut line = Vec::new();
        for i in 0..n {
            if binary {
                line.clear();
                // Word up to a space, skipping a leading newline (word2vec.c writes one).
                let k = r.read_until(b' ', &mut line).map_err(io)?;
                if k == 0 || line.last() != Some(&b' ') {
                    return Err(EmbedError::format(
                        path,
                        format!(
                            "byte {offset}: file ends inside entry {} of {count} (truncated?)",
                            i + 1
                        ),
                    ));
                }
                offset += k as u64;
                let word_bytes = line[..line.len() - 1].trim_ascii_start();
                let word = String::from_utf8_lossy(word_bytes).into_owned();
                let mut buf = vec![0u8; dim * 4];
                r.read_exact(&mut buf).map_err(|e| {
                    if e.kind() == std::io::ErrorKind::UnexpectedEof {
                        EmbedError::format(path, format!("byte {offset}: file ends inside the vector of {word:?} (entry {} of {count})", i + 1))
                    } else {
                        EmbedError::io(path, e)
                    }
                })?;
                offset += buf.len() as u64;
                for c in buf.chunks_exact(4) {
                    vectors.push(f32::from_le_bytes([c[0], c[1], c[2], c[3]]));
                }
                items.push((word, (n - i) as u64));
            } else {
                line.clear();
                let k = r.read_until(b'\n', &mut line).map_err(io)?;
                let lineno = i + 2;
                if k == 0 {
                    return Err(EmbedError::format(
                        path,
                        format!(
                            "line {lineno}: file ends after {i} of {count} entries (truncated?)"
                        ),
                    ));
                }
                let text = String::from_utf8_lossy(&line);
                let mut toks = text.split_ascii_whitespace();
                let word = toks.next().unwrap_or("").to_owned();
                let before = vectors.len();
                for t in toks {
                    let x: f32 = t.parse().map_err(|_| {
                        EmbedError::format(path, format!("line {lineno}: {t:?} is not a number"))
                    })?;
                    vectors.push(x);
                }
                if vectors.len() - before != dim {
                    return Err(EmbedError::format(
                        path,
                        format!(
                            "line {lineno}: expected {dim} numbers after {word:?}, found {}",
                            vectors.len() - before
                        ),
                    ));
                }
                items.push((word, (n - i) as u64));
            }
        }
        let vocab = Vocab::from_sorted(items).map_err(|e| match e {
            EmbedError::Format { reason, .. } => EmbedError::format(path, reason),
            other => other,
        })?;
        KeyedVectors::new(vocab, dim, vectors)
    }
}

const MAGIC: &[u8; 8] = b"EMBEDRS\0";
const BYTES_VERSION: u32 = 1;

impl KeyedVectors {
    /// Serialises words, counts and vectors (little-endian) for pickling.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(24 + self.vectors.len() * 4 + self.len() * 16);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&BYTES_VERSION.to_le_bytes());
        out.extend_from_slice(&(self.dim as u64).to_le_bytes());
        out.extend_from_slice(&(self.len() as u64).to_le_bytes());
        for (w, c) in self.vocab.words().iter().zip(self.vocab.counts()) {
            out.extend_from_slice(&(w.len() as u32).to_le_bytes());
            out.extend_from_slice(w.as_bytes());
            out.extend_from_slice(&c.to_le_bytes());
        }
        for x in &self.vectors {
            out.extend_from_slice(&x.to_le_bytes());
        }
        out
    }

    /// The inverse of [`KeyedVectors::to_bytes`].
    ///
    /// # Errors
    /// `Format` if the bytes are truncated, of another version, or inconsistent.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let bad = |why: String| EmbedError::format("<pickled KeyedVectors>", why);
        let mut pos = 0usize;
        let mut take = |n: usize| -> Result<&[u8]> {
            let end = pos
                .checked_add(n)
                .filter(|&e| e <= bytes.len())
                .ok_or_else(|| bad(format!("truncated at byte {pos}")))?;
            let s = &bytes[pos..end];
            pos = end;
            Ok(s)
        };
        if take(8)? != MAGIC {
            return Err(bad("not embedrs data (bad magic bytes)".into()));
        }
        let version = u32::from_le_bytes(take(4)?.try_into().expect("4 bytes"));
        if version != BYTES_VERSION {
            return Err(bad(format!(
                "version {version} is not supported (this build reads {BYTES_VERSION})"
            )));
        }
        let dim = u64::from_le_bytes(take(8)?.try_into().expect("8 bytes")) as usize;
        let n = u64::from_le_bytes(take(8)?.try_into().expect("8 bytes")) as usize;
        let mut items = Vec::with_capacity(n.min(1 << 24));
        for _ in 0..n {
            let len = u32::from_le_bytes(take(4)?.try_into().expect("4 bytes")) as usize;
            let w = String::from_utf8(take(len)?.to_vec())
                .map_err(|_| bad("a word is not UTF-8".into()))?;
            let c = u64::from_le_bytes(take(8)?.try_into().expect("8 bytes"));
            items.push((w, c));
        }
        let floats = n
            .checked_mul(dim)
            .ok_or_else(|| bad("size overflow".into()))?;
        let raw = take(
            floats
                .checked_mul(4)
                .ok_or_else(|| bad("size overflow".into()))?,
        )?;
        let vectors = raw
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let vocab = Vocab::from_sorted(items)?;
        KeyedVectors::new(vocab, dim, vectors)
    }
}

fn normalize(row: &mut [f32]) {
    let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        row.iter_mut().for_each(|x| *x /= norm);
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn kv() -> KeyedVectors {
        let vocab =
            Vocab::from_sorted(vec![("a".into(), 3), ("b".into(), 2), ("c".into(), 1)]).unwrap();
        KeyedVectors::new(vocab, 2, vec![1.0, 0.0, 0.9, 0.1, -1.0, 0.0]).unwrap()
    }

    #[test]
    fn top_k_is_sorted_and_excludes() {
        let kv = kv();
        let (ids, scores, k) = kv
            .most_similar_batch(&[1.0, 0.0], 2, &[vec![0]], None, 1)
            .unwrap();
        assert_eq!(k, 2);
        assert_eq!(ids, vec![1, 2]);
        assert!(scores[0] > scores[1]);
        assert!((scores[1] + 1.0).abs() < 1e-6);
    }

    #[test]
    fn word2vec_round_trips() {
        let kv = kv();
        let d = tempfile::tempdir().unwrap();
        for binary in [true, false] {
            let p = d.path().join(format!("v{binary}.w2v"));
            kv.save_word2vec_format(&p, binary).unwrap();
            let back = KeyedVectors::load_word2vec_format(&p, binary, None).unwrap();
            assert_eq!(back.vocab().words(), kv.vocab().words());
            assert_eq!(back.vectors(), kv.vectors());
        }
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 2);
    }

    #[test]
    fn bytes_round_trip_and_reject_damage() {
        let kv = kv();
        let b = kv.to_bytes();
        let back = KeyedVectors::from_bytes(&b).unwrap();
        assert_eq!(back.vectors(), kv.vectors());
        assert_eq!(back.vocab().counts(), kv.vocab().counts());
        for cut in [0, 7, 20, b.len() - 1] {
            assert!(KeyedVectors::from_bytes(&b[..cut]).is_err());
        }
        let mut v2 = b.clone();
        v2[8] = 9;
        assert!(KeyedVectors::from_bytes(&v2)
            .unwrap_err()
            .to_string()
            .contains("version 9"));
    }

    #[test]
    fn truncated_binary_names_the_offset() {
        let kv = kv();
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("v.bin");
        kv.save_word2vec_format(&p, true).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        std::fs::write(&p, &bytes[..bytes.len() - 5]).unwrap();
        let e = KeyedVectors::load_word2vec_format(&p, true, None).unwrap_err();
        assert!(e.to_string().contains("byte"), "{e}");
    }

    #[test]
    fn failed_save_keeps_the_old_file() {
        let kv = kv();
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
        let _ = kv;
    }
}

//! Trained vectors: the word table plus a `V x d` float32 matrix (owned or memory-mapped),
//! batched nearest-neighbour search, and the file formats ([`formats`]).

pub mod formats;
pub mod storage;

use std::sync::{Arc, OnceLock};

pub use formats::atomic_write;
pub use storage::Storage;

use crate::error::{EmbedError, Result};
use crate::train::kernels::gemm_abt;
use crate::vocab::Vocab;

/// Words and their vectors (row `i` is word `i`).
#[derive(Debug)]
pub struct KeyedVectors {
    vocab: Arc<Vocab>,
    dim: usize,
    vectors: Storage,
    unit: OnceLock<Vec<f32>>,
}

impl Clone for KeyedVectors {
    fn clone(&self) -> Self {
        KeyedVectors {
            vocab: self.vocab.clone(),
            dim: self.dim,
            vectors: Storage::Owned(self.vectors().to_vec()),
            unit: OnceLock::new(),
        }
    }
}

/// Rows of the table scored per matrix product in [`KeyedVectors::most_similar_batch`].
const ROW_CHUNK: usize = 4096;
/// Queries per matrix product.
const QUERY_BLOCK: usize = 64;

impl KeyedVectors {
    /// Wraps a vocabulary and a row-major matrix of `vocab.len() * dim` floats.
    ///
    /// # Errors
    /// `Dimension` if the sizes disagree.
    pub fn new(vocab: impl Into<Arc<Vocab>>, dim: usize, vectors: Vec<f32>) -> Result<Self> {
        Self::with_storage(vocab, dim, Storage::Owned(vectors))
    }

    /// Like [`KeyedVectors::new`] with any storage (e.g. a memory map).
    ///
    /// # Errors
    /// `Dimension` if the sizes disagree.
    pub fn with_storage(
        vocab: impl Into<Arc<Vocab>>,
        dim: usize,
        vectors: Storage,
    ) -> Result<Self> {
        let vocab = vocab.into();
        let n = vectors.as_slice().len();
        if dim == 0 || n != vocab.len() * dim {
            return Err(EmbedError::Dimension(format!(
                "{} words x {dim} dimensions need {} floats, got {n}",
                vocab.len(),
                vocab.len() * dim,
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
        self.vectors.as_slice()
    }

    /// True if the matrix is memory-mapped from a file.
    pub fn is_mapped(&self) -> bool {
        self.vectors.is_mapped()
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.vectors()[i * self.dim..(i + 1) * self.dim]
    }

    /// The rows scaled to unit length (zero rows stay zero); computed once.
    pub fn unit_vectors(&self) -> &[f32] {
        self.unit.get_or_init(|| {
            let mut u = self.vectors().to_vec();
            for row in u.chunks_exact_mut(self.dim) {
                normalize(row);
            }
            u
        })
    }

    /// For each query row (length `dim`), the `topn` rows of highest cosine similarity among
    /// the first `restrict` rows (all if `None`), skipping the ids in `exclude[q]`. Returns ids
    /// and scores, `n_queries x k` each (k = min(topn, candidates)), best first; ties go to the
    /// lower id. When exclusions leave fewer than `k` candidates, the tail is padded with id
    /// `u32::MAX` and score `-inf`.
    ///
    /// The unit table is scored in blocks of 64 queries x 4096 rows by a SIMD matrix product,
    /// and each block's scores are merged into a running top-k per query, so memory stays at
    /// one block of scores per thread whatever the vocabulary size.
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
        let d = self.dim;
        if !queries.len().is_multiple_of(d) {
            return Err(EmbedError::Dimension(format!(
                "queries must have {d} columns"
            )));
        }
        let nq = queries.len() / d;
        let limit = restrict.unwrap_or(self.len()).min(self.len());
        let k = topn.min(limit);
        let mut ids = vec![u32::MAX; nq * k];
        let mut scores = vec![f32::NEG_INFINITY; nq * k];
        if k == 0 || nq == 0 {
            return Ok((ids, scores, k));
        }
        let unit = &self.unit_vectors()[..limit * d];
        let mut q = queries.to_vec();
        for row in q.chunks_exact_mut(d) {
            normalize(row);
        }
        let blocks = nq.div_ceil(QUERY_BLOCK);
        let threads = n_threads.clamp(1, blocks);
        let per_thread = blocks.div_ceil(threads) * QUERY_BLOCK;
        let tasks: Vec<_> = q
            .chunks(per_thread * d)
            .zip(ids.chunks_mut(per_thread * k))
            .zip(scores.chunks_mut(per_thread * k))
            .enumerate()
            .map(|(t, ((qs, id_out), sc_out))| {
                move || {
                    let mut block_scores = vec![0f32; QUERY_BLOCK * ROW_CHUNK];
                    for (b, qb) in qs.chunks(QUERY_BLOCK * d).enumerate() {
                        let m = qb.len() / d;
                        let first = t * per_thread + b * QUERY_BLOCK;
                        let mut heaps: Vec<Vec<(f32, u32)>> = vec![Vec::with_capacity(k + 1); m];
                        for (c, rows) in unit.chunks(ROW_CHUNK * d).enumerate() {
                            let n = rows.len() / d;
                            gemm_abt(m, n, d, qb, rows, &mut block_scores);
                            let base = (c * ROW_CHUNK) as u32;
                            for (j, heap) in heaps.iter_mut().enumerate() {
                                let ex = exclude.get(first + j).map_or(&[][..], |v| v.as_slice());
                                for (r, &sim) in block_scores[j * n..(j + 1) * n].iter().enumerate()
                                {
                                    if heap.len() == k && sim <= heap[k - 1].0 {
                                        continue;
                                    }
                                    let id = base + r as u32;
                                    if sim.is_nan() || ex.contains(&id) {
                                        continue;
                                    }
                                    let pos = heap.partition_point(|&(s, _)| s >= sim);
                                    heap.insert(pos, (sim, id));
                                    heap.truncate(k);
                                }
                            }
                        }
                        for (j, heap) in heaps.iter().enumerate() {
                            let off = (b * QUERY_BLOCK + j) * k;
                            for (slot, &(sim, id)) in heap.iter().enumerate() {
                                id_out[off + slot] = id;
                                sc_out[off + slot] = sim;
                            }
                        }
                    }
                }
            })
            .collect();
        crate::threads::run_all(tasks);
        Ok((ids, scores, k))
    }
}

pub(crate) fn normalize(row: &mut [f32]) {
    let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        row.iter_mut().for_each(|x| *x /= norm);
    }
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
    fn top_k_matches_brute_force_across_chunks() {
        // More rows than one chunk and more queries than one block, several threads.
        let n = ROW_CHUNK * 2 + 123;
        let d = 7;
        let words: Vec<(String, u64)> = (0..n).map(|i| (format!("w{i}"), (n - i) as u64)).collect();
        let data: Vec<f32> = (0..n * d)
            .map(|i| ((i * 7919 % 1013) as f32 - 506.0) / 100.0)
            .collect();
        let kv = KeyedVectors::new(Vocab::from_sorted(words).unwrap(), d, data).unwrap();
        let nq = QUERY_BLOCK + 5;
        let queries: Vec<f32> = (0..nq * d)
            .map(|i| ((i * 31 % 17) as f32 - 8.0) / 3.0)
            .collect();
        let exclude: Vec<Vec<u32>> = (0..nq).map(|i| vec![i as u32]).collect();
        let (ids, scores, k) = kv
            .most_similar_batch(&queries, 5, &exclude, None, 3)
            .unwrap();
        let unit = kv.unit_vectors();
        for q in 0..nq {
            let mut qv = queries[q * d..(q + 1) * d].to_vec();
            normalize(&mut qv);
            let mut all: Vec<(f32, u32)> = (0..n)
                .filter(|&r| r != q)
                .map(|r| {
                    (
                        unit[r * d..(r + 1) * d]
                            .iter()
                            .zip(&qv)
                            .map(|(a, b)| a * b)
                            .sum(),
                        r as u32,
                    )
                })
                .collect();
            all.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap().then(a.1.cmp(&b.1)));
            for s in 0..k {
                assert!((scores[q * k + s] - all[s].0).abs() < 1e-4, "q={q} s={s}");
            }
        }
        let _ = ids;
    }
}

//! Nearest neighbours by cosine for many queries at once: the unit table scored in tiles by
//! a SIMD matrix product, each tile merged into a running top-k per query.

use super::{normalize, KeyedVectors};
use crate::error::{EmbedError, Result};

/// Rows of the table scored per matrix product in [`KeyedVectors::most_similar_batch`].
const ROW_CHUNK: usize = 4096;
/// Queries per matrix product.
const QUERY_BLOCK: usize = 64;

impl KeyedVectors {
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

/// `c = a . b^T` for row-major `a` (`m x k`), `b` (`n x k`) and `c` (`m x n`), through
/// `matrixmultiply`'s runtime-dispatched SIMD sgemm. Used for batched similarity search.
///
/// # Panics
/// If a slice is shorter than its shape says.
#[allow(unsafe_code)] // matrixmultiply's sgemm takes raw pointers, see the SAFETY note.
pub fn gemm_abt(m: usize, n: usize, k: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    assert!(
        a.len() >= m * k && b.len() >= n * k && c.len() >= m * n,
        "gemm_abt: short slice"
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        c[..m * n].fill(0.0);
        return;
    }
    // SAFETY: the asserts above guarantee that every element addressed by the shapes and
    // strides below lies inside the three slices; `c` is exclusively borrowed, so it aliases
    // neither input.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            k as isize,
            1,
            b.as_ptr(),
            1,
            k as isize,
            0.0,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::Vocab;

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

    #[test]
    fn gemm_matches_naive() {
        let (m, n, k) = (5, 7, 13);
        let a: Vec<f32> = (0..m * k).map(|i| (i % 7) as f32 - 3.0).collect();
        let b: Vec<f32> = (0..n * k).map(|i| (i % 5) as f32 * 0.5).collect();
        let mut c = vec![0.0; m * n];
        gemm_abt(m, n, k, &a, &b, &mut c);
        for i in 0..m {
            for j in 0..n {
                let want: f32 = (0..k).map(|t| a[i * k + t] * b[j * k + t]).sum();
                assert!((c[i * n + j] - want).abs() < 1e-4);
            }
        }
    }
}

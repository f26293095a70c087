//! Nearest neighbours by cosine for many queries at once: the unit table scored in tiles by
//! a SIMD matrix product, each tile merged into a running top-k per query.

use super::{normalize, KeyedVectors};
use crate::cancel::Interrupt;
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
        self.most_similar_batch_with(
            queries,
            topn,
            exclude,
            restrict,
            n_threads,
            &Interrupt::never(),
        )
    }

    /// [`KeyedVectors::most_similar_batch`], stopping when `interrupt` asks (the calling
    /// thread searches too, polling it between blocks of queries).
    ///
    /// # Errors
    /// `Dimension` if `queries.len()` is not a multiple of `dim`; `Memory` (naming the size)
    /// if the results cannot be allocated; `Cancelled`.
    pub fn most_similar_batch_with(
        &self,
        queries: &[f32],
        topn: usize,
        exclude: &[Vec<u32>],
        restrict: Option<usize>,
        n_threads: usize,
        interrupt: &Interrupt,
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
        let cells = nq.saturating_mul(k);
        let oom = |what: String, n: usize, each: usize| EmbedError::Memory {
            bytes: n as u128 * each as u128,
            what,
        };
        let ids = try_filled(cells, u32::MAX).ok_or_else(|| {
            oom(
                format!("the ids of {nq} queries x {k} neighbours"),
                cells,
                4,
            )
        })?;
        let scores = try_filled(cells, f32::NEG_INFINITY).ok_or_else(|| {
            oom(
                format!("the scores of {nq} queries x {k} neighbours"),
                cells,
                4,
            )
        })?;
        let (mut ids, mut scores) = (ids, scores);
        if k == 0 || nq == 0 {
            return Ok((ids, scores, k));
        }
        let unit = &self.unit_vectors()[..limit * d];
        let mut q = queries.to_vec();
        for row in q.chunks_exact_mut(d) {
            normalize(row);
        }
        // Running top-k heaps for a block of queries while they fit a budget; beyond it (a
        // `topn` near the vocabulary size), one query at a time over all its scores.
        let heaps_fit = k < HEAP_BUDGET / (QUERY_BLOCK * 8);
        let block = if heaps_fit { QUERY_BLOCK } else { 1 };
        // Blocks of queries, each with its slices of the output, taken by whichever thread
        // is free (the calling thread too, polling the interrupt between blocks).
        let work: Vec<_> = q
            .chunks(block * d)
            .zip(ids.chunks_mut(block * k))
            .zip(scores.chunks_mut(block * k))
            .enumerate()
            .map(|(b, ((qs, id_out), sc_out))| {
                std::sync::Mutex::new(Some((b * block, qs, id_out, sc_out)))
            })
            .collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let threads = n_threads.clamp(1, work.len());
        let (work, next) = (&work, &next);
        let task = move || -> Result<()> {
            let mut block_scores: Vec<f32> = Vec::new();
            loop {
                interrupt.check()?;
                let b = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(slot) = work.get(b) else {
                    return Ok(());
                };
                let taken = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
                let Some((first, qb, id_out, sc_out)) = taken else {
                    continue;
                };
                if heaps_fit {
                    top_k_heaps(
                        unit,
                        d,
                        k,
                        first,
                        qb,
                        exclude,
                        id_out,
                        sc_out,
                        &mut block_scores,
                    )?;
                } else {
                    top_k_all(
                        unit,
                        d,
                        k,
                        first,
                        qb,
                        exclude,
                        id_out,
                        sc_out,
                        &mut block_scores,
                    )?;
                }
            }
        };
        for r in crate::threads::run_all_here(vec![task; threads]) {
            r?;
        }
        Ok((ids, scores, k))
    }
}

/// Bytes the running heaps of one block of queries may take before the search goes one
/// query at a time.
const HEAP_BUDGET: usize = 64 << 20;

/// `n` copies of `value`, or `None` if they cannot be allocated.
fn try_filled<T: Copy>(n: usize, value: T) -> Option<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).ok()?;
    v.resize(n, value);
    Some(v)
}

/// Scratch scores, grown fallibly.
fn scratch(buf: &mut Vec<f32>, n: usize) -> Result<&mut [f32]> {
    if buf.len() < n {
        buf.try_reserve_exact(n - buf.len())
            .map_err(|_| EmbedError::Memory {
                bytes: n as u128 * 4,
                what: "the scores of a block of queries".into(),
            })?;
        buf.resize(n, 0.0);
    }
    Ok(&mut buf[..n])
}

/// The top `k` of a block of queries (`qb`, the first being query `first`), merged chunk by
/// chunk into running heaps.
#[allow(clippy::too_many_arguments)]
fn top_k_heaps(
    unit: &[f32],
    d: usize,
    k: usize,
    first: usize,
    qb: &[f32],
    exclude: &[Vec<u32>],
    id_out: &mut [u32],
    sc_out: &mut [f32],
    buf: &mut Vec<f32>,
) -> Result<()> {
    let m = qb.len() / d;
    let block_scores = scratch(buf, QUERY_BLOCK * ROW_CHUNK)?;
    let mut heaps: Vec<Vec<(f32, u32)>> = vec![Vec::with_capacity(k + 1); m];
    for (c, rows) in unit.chunks(ROW_CHUNK * d).enumerate() {
        let n = rows.len() / d;
        gemm_abt(m, n, d, qb, rows, block_scores);
        let base = (c * ROW_CHUNK) as u32;
        for (j, heap) in heaps.iter_mut().enumerate() {
            let ex = exclude.get(first + j).map_or(&[][..], |v| v.as_slice());
            for (r, &sim) in block_scores[j * n..(j + 1) * n].iter().enumerate() {
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
        for (slot, &(sim, id)) in heap.iter().enumerate() {
            id_out[j * k + slot] = id;
            sc_out[j * k + slot] = sim;
        }
    }
    Ok(())
}

/// The top `k` of one query (`qb`, query `first`) when `k` is too large for heaps: every
/// candidate's score, then a selection (ties to the lower id, as the heaps give).
#[allow(clippy::too_many_arguments)]
fn top_k_all(
    unit: &[f32],
    d: usize,
    k: usize,
    first: usize,
    qb: &[f32],
    exclude: &[Vec<u32>],
    id_out: &mut [u32],
    sc_out: &mut [f32],
    buf: &mut Vec<f32>,
) -> Result<()> {
    let n = unit.len() / d;
    let all = scratch(buf, n)?;
    for (c, rows) in unit.chunks(ROW_CHUNK * d).enumerate() {
        let r = rows.len() / d;
        gemm_abt(
            1,
            r,
            d,
            qb,
            rows,
            &mut all[c * ROW_CHUNK..c * ROW_CHUNK + r],
        );
    }
    let ex = exclude.get(first).map_or(&[][..], |v| v.as_slice());
    let mut cand: Vec<(f32, u32)> = Vec::new();
    cand.try_reserve_exact(n).map_err(|_| EmbedError::Memory {
        bytes: n as u128 * 8,
        what: "the candidates of one query".into(),
    })?;
    cand.extend(
        all.iter()
            .enumerate()
            .filter(|&(id, s)| !s.is_nan() && !ex.contains(&(id as u32)))
            .map(|(id, &s)| (s, id as u32)),
    );
    let order = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    if cand.len() > k {
        cand.select_nth_unstable_by(k, order);
        cand.truncate(k);
    }
    cand.sort_unstable_by(order);
    for (slot, &(sim, id)) in cand.iter().enumerate() {
        id_out[slot] = id;
        sc_out[slot] = sim;
    }
    Ok(())
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

    #[test]
    fn selecting_among_all_scores_gives_what_the_heaps_give() {
        let (n, d, k) = (700, 5, 650);
        let unit: Vec<f32> = (0..n * d)
            .map(|i| ((i * 7919 % 211) as f32 - 105.0) / 50.0)
            .collect();
        let mut q: Vec<f32> = (0..d).map(|i| i as f32 - 2.0).collect();
        normalize(&mut q);
        let exclude = vec![vec![3u32, 9]];
        let (mut a_ids, mut a_sc) = (vec![u32::MAX; k], vec![f32::NEG_INFINITY; k]);
        let (mut b_ids, mut b_sc) = (a_ids.clone(), a_sc.clone());
        let mut buf = Vec::new();
        top_k_heaps(
            &unit, d, k, 0, &q, &exclude, &mut a_ids, &mut a_sc, &mut buf,
        )
        .unwrap();
        top_k_all(
            &unit, d, k, 0, &q, &exclude, &mut b_ids, &mut b_sc, &mut buf,
        )
        .unwrap();
        assert_eq!(a_ids, b_ids);
        assert_eq!(a_sc, b_sc);
        assert!(!a_ids.contains(&3));
    }

    #[test]
    fn results_that_cannot_be_allocated_are_a_memory_error() {
        let kv = kv();
        // 2**40 queries' worth of results do not exist; asked through the topn bound.
        let e = kv
            .most_similar_batch(&[0.5; 2], usize::MAX, &[], None, 1)
            .map(|r| r.2);
        assert_eq!(e.unwrap(), 3); // topn is capped at the candidates: fine
        let huge = try_filled::<u32>(usize::MAX / 2, 0);
        assert!(huge.is_none());
    }
}

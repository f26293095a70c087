//! One step of skip-gram and of CBOW with negative sampling, written against the safe row
//! operations of [`SharedMatrix`].
//!
//! Skip-gram with negative sampling maximises, for each (input word `i`, target word `o`):
//!
//! `log s(v_i . u_o) + sum_{k=1..K} log s(-v_i . u_{n_k})`,  with `s(x) = 1 / (1 + e^-x)`
//!
//! where `v` rows are the input (embedding) matrix, `u` rows the output matrix, and the `n_k`
//! are drawn from the unigram distribution raised to `ns_exponent`. The gradient of that
//! objective with respect to the score `x = v . u` is `label - s(x)`; both rows move by the
//! learning rate times that, times the other row. As in word2vec.c and gensim, the context
//! word is the input and the centre word is the positive target (the roles are symmetric in
//! expectation), and a negative equal to the target is skipped.
//!
//! Scores beyond `±MAX_EXP` saturate the sigmoid (0 or 1), and the full gradient is applied,
//! as word2vec.c does (gensim skips such updates instead). The loss of each prediction,
//! `-log s(x)` for the positive and `-log s(-x)` for negatives, is tallied in `f64`.
//!
//! With hierarchical softmax (`hs`), the target is predicted by the decisions on its path in
//! the Huffman tree ([`HuffmanTree`]): for each inner node `p` with decision `code`, the
//! score `f = v_i . syn1[p]` gets the gradient `1 - code - s(f)` and the loss `-log s(f)` or
//! `-log s(-f)`, as in word2vec.c; a saturated score (`|f| >= MAX_EXP`) updates nothing, as
//! in word2vec.c and gensim. Both objectives add their input gradients before the input rows
//! move, hierarchical softmax first.

use std::sync::atomic::{AtomicBool, Ordering};

use super::config::CbowGradient;
use super::hogwild::SharedMatrix;
use super::huffman::HuffmanTree;
use super::kernels::{local_dots, Kernel};
use crate::error::{EmbedError, Result};
use crate::sampling::{UnigramTable, WordRng};

const MAX_EXP: f32 = 6.0;
/// A power of two (see [`SigmoidTable::hs_grad_loss`]).
const TABLE_SIZE: usize = 1024;
const _: () = assert!(TABLE_SIZE.is_power_of_two());

/// Sigmoid and log-sigmoid tables over `[-MAX_EXP, MAX_EXP]`, sampled at bucket centres.
pub struct SigmoidTable {
    sig: Vec<f32>,
    log_sig: Vec<f32>,
}

impl Default for SigmoidTable {
    fn default() -> Self {
        let mut sig = Vec::with_capacity(TABLE_SIZE);
        let mut log_sig = Vec::with_capacity(TABLE_SIZE);
        for i in 0..TABLE_SIZE {
            let x = ((i as f64 + 0.5) / TABLE_SIZE as f64 * 2.0 - 1.0) * MAX_EXP as f64;
            let s = 1.0 / (1.0 + (-x).exp());
            sig.push(s as f32);
            log_sig.push(s.ln() as f32);
        }
        SigmoidTable { sig, log_sig }
    }
}

#[inline(always)]
fn softplus(x: f32) -> f32 {
    // ln(1 + e^x), stable for large |x|.
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

impl SigmoidTable {
    /// `(label - s(f), loss)` for a prediction with score `f` and label 1 or 0.
    #[inline(always)]
    pub fn grad_loss(&self, f: f32, positive: bool) -> (f32, f32) {
        if f >= MAX_EXP || f <= -MAX_EXP || f.is_nan() {
            let s = if f > 0.0 { 1.0 } else { 0.0 };
            let (g, loss) = if positive {
                (1.0 - s, softplus(-f))
            } else {
                (-s, softplus(f))
            };
            return if f.is_nan() { (0.0, 0.0) } else { (g, loss) };
        }
        let idx = ((f + MAX_EXP) * (TABLE_SIZE as f32 / (2.0 * MAX_EXP))) as usize;
        let idx = idx.min(TABLE_SIZE - 1);
        if positive {
            (1.0 - self.sig[idx], -self.log_sig[idx])
        } else {
            (-self.sig[idx], -self.log_sig[TABLE_SIZE - 1 - idx])
        }
    }

    /// `(1 - code - s(f), loss)` for a decision of hierarchical softmax (`code` 0 or 1): the
    /// same numbers as [`SigmoidTable::grad_loss`] with label `code == 0`, but the code picks
    /// table entries by arithmetic instead of a branch (codes are as random as coin flips,
    /// so a branch on them is mispredicted half the time), and the gradient is 0 when the
    /// score is saturated or NaN, which updates nothing (word2vec.c, gensim).
    #[inline(always)]
    pub fn hs_grad_loss(&self, f: f32, code: u8) -> (f32, f32) {
        if !(f > -MAX_EXP && f < MAX_EXP) {
            return (0.0, self.grad_loss(f, code == 0).1);
        }
        let idx = ((f + MAX_EXP) * (TABLE_SIZE as f32 / (2.0 * MAX_EXP))) as usize;
        let idx = idx.min(TABLE_SIZE - 1);
        // With code 1 the loss is -log s(-f), entry TABLE_SIZE - 1 - idx, which is idx with
        // every bit flipped (TABLE_SIZE is a power of two). The label 0 gives 0 - s = -s
        // exactly (s > 0 at every bucket centre).
        let flip = (code & 1) as usize * (TABLE_SIZE - 1);
        let label = (1 - (code & 1)) as f32;
        (label - self.sig[idx], -self.log_sig[idx ^ flip])
    }
}

/// What one training step needs besides the rows.
pub struct StepCtx<'t, const P: bool = false> {
    /// Input (embedding) matrix.
    pub syn0: SharedMatrix<'t, P>,
    /// Output matrix.
    pub syn1: SharedMatrix<'t, P>,
    /// Negative-sampling distribution.
    pub table: &'t UnigramTable,
    /// Sigmoid lookup.
    pub sigmoid: &'t SigmoidTable,
    /// Negatives per positive (0: hierarchical softmax only).
    pub negative: usize,
    /// Hierarchical softmax's output matrix (one row per inner node of `tree`; no rows
    /// without `hs`).
    pub syn1hs: SharedMatrix<'t, P>,
    /// The Huffman tree of hierarchical softmax, if on.
    pub tree: Option<&'t HuffmanTree>,
    /// Average (true) or sum (false) the CBOW context.
    pub cbow_mean: bool,
    /// How the CBOW context's error reaches each context word.
    pub cbow_gradient: CbowGradient,
    /// Vector dimension.
    pub dim: usize,
    /// Set when the run is stopping: checked before each centre word, so that even a very
    /// long sentence with a wide window and many negatives stops promptly.
    pub cancel: &'t AtomicBool,
}

impl<const P: bool> StepCtx<'_, P> {
    #[inline(always)]
    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// Thread-local buffers and tallies.
pub struct Scratch {
    /// Accumulated input-side gradient.
    pub neu1e: Vec<f32>,
    /// CBOW hidden vector.
    pub neu1: Vec<f32>,
    /// Context positions of the current CBOW window.
    pub ctx: Vec<u32>,
    /// Loss summed over predictions.
    pub loss: f64,
    /// Number of predictions (positive + negative) made.
    pub predictions: u64,
    /// Targets (centre word then negatives) of the current window, shared-negatives mode.
    pub targets: Vec<u32>,
    /// Local copies of the context rows (`ctx.len() x dim`).
    pub a: Vec<f32>,
    /// Local copies of the target rows (`targets.len() x dim`).
    pub b: Vec<f32>,
    /// Scaled gradients of the window's (context, target) scores, `ctx.len() x targets.len()`.
    pub g: Vec<f32>,
    /// The same, transposed.
    pub gt: Vec<f32>,
}

/// `n` zeros, or `None` if they cannot be allocated (a thread's buffers report that as a
/// `Memory` error instead of aborting).
pub(crate) fn try_zeros(n: usize) -> Option<Vec<f32>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).ok()?;
    v.resize(n, 0.0);
    Some(v)
}

impl Scratch {
    /// Buffers for vectors of `dim` floats, windows up to `window` and `negative` samples.
    ///
    /// # Errors
    /// `Memory` if a buffer cannot be allocated (or its size overflows), instead of aborting.
    pub fn new(dim: usize, window: usize, negative: usize) -> Result<Self> {
        let oom = || EmbedError::Memory {
            bytes: (2 * window as u128 + 2)
                .saturating_mul(dim as u128 + 2 * (negative as u128 + 1))
                .saturating_mul(4),
            what: format!(
                "the buffers of one training thread (window={window}, vector_size={dim}, \
                 negative={negative})"
            ),
        };
        let m = window.checked_mul(2).ok_or_else(oom)?;
        let t = negative.checked_add(1).ok_or_else(oom)?;
        let zeros = |n: Option<usize>| n.and_then(try_zeros).ok_or_else(oom);
        let with_capacity = |n: usize| -> Result<Vec<u32>> {
            let mut v = Vec::new();
            v.try_reserve_exact(n).map_err(|_| oom())?;
            Ok(v)
        };
        Ok(Scratch {
            neu1e: zeros(Some(dim))?,
            neu1: zeros(Some(dim))?,
            ctx: with_capacity(m)?,
            loss: 0.0,
            predictions: 0,
            targets: with_capacity(t)?,
            a: zeros(m.checked_mul(dim))?,
            b: zeros(t.checked_mul(dim))?,
            g: zeros(m.checked_mul(t))?,
            gt: zeros(m.checked_mul(t))?,
        })
    }
}

/// Whether each centre word draws its window (so makes one draw before its negatives).
#[inline(always)]
fn draws_window(window: usize, shrink: bool) -> bool {
    shrink && window > 1
}

/// The shrunk window for one centre word: `window - b` with `b` uniform in `[0, window)`.
#[inline(always)]
fn reduced_window(window: usize, shrink: bool, rng: &mut WordRng) -> usize {
    if draws_window(window, shrink) {
        window - rng.below(window as u32) as usize
    } else {
        window
    }
}

/// Sets `out` to `target` followed by `c.negative` draws that differ from it, and requests
/// their output rows (so that they load while other work runs; a hint with no effect on
/// results).
#[inline(always)]
fn draw_targets<const P: bool>(
    c: &StepCtx<'_, P>,
    target: u32,
    out: &mut Vec<u32>,
    rng: &mut WordRng,
) {
    out.clear();
    if c.negative == 0 {
        return;
    }
    out.push(target);
    for _ in 0..c.negative {
        let t = c.table.sample(rng);
        if t != target {
            c.syn1.prefetch(t);
            out.push(t);
        }
    }
}

/// Two copies of a sentence's generator run ahead of it, so that each centre's negatives are
/// in cache when it draws and scores them: the copy two centres ahead asks for the
/// negative-sampling table slots its draws will read (they are spread over the whole table,
/// which does not stay in cache beside the rows), the copy one centre ahead draws the
/// negatives themselves (their slots asked for a centre earlier) and asks for their output
/// rows. Without them, each draw waited for its slot and each score for its row. Every
/// centre makes the same draws (its window's, then its negatives'), so the copies stay in
/// step within a sentence; where they do not (the last centres of a sentence), hints are
/// only wasted. No effect on results.
struct DrawsAhead {
    slots: WordRng,
    rows: WordRng,
    window_draws: usize,
    negative: usize,
}

impl DrawsAhead {
    /// The copies for a sentence whose first centre draws next from `rng` (its shrunk
    /// window, if `shrink`, then `negative` negatives), or `None` without negatives.
    #[inline(always)]
    fn new(rng: &WordRng, window: usize, shrink: bool, negative: usize) -> Option<Self> {
        if negative == 0 {
            return None;
        }
        let window_draws = usize::from(draws_window(window, shrink));
        let skip_centre = |r: &mut WordRng| {
            for _ in 0..window_draws + negative {
                r.next_u64();
            }
        };
        let mut rows = rng.clone();
        skip_centre(&mut rows);
        let mut slots = rows.clone();
        skip_centre(&mut slots);
        Some(DrawsAhead {
            slots,
            rows,
            window_draws,
            negative,
        })
    }

    /// Called as a centre starts: asks for the slots of the centre after next, and passes
    /// each negative of the next centre to `row` (which asks for its output row).
    #[inline(always)]
    fn next_centre(&mut self, table: &UnigramTable, mut row: impl FnMut(u32)) {
        for _ in 0..self.window_draws {
            self.slots.next_u64();
            self.rows.next_u64();
        }
        for _ in 0..self.negative {
            table.prefetch_draw(&mut self.slots);
            row(table.sample(&mut self.rows));
        }
    }
}

/// Fills `out` with the words of `sentence` within `w` positions of position `i`, except `i`.
#[inline(always)]
fn collect_context(sentence: &[u32], i: usize, w: usize, out: &mut Vec<u32>) {
    let lo = i.saturating_sub(w);
    let hi = (i + w + 1).min(sentence.len());
    out.clear();
    out.extend_from_slice(&sentence[lo..i]);
    out.extend_from_slice(&sentence[i + 1..hi]);
}

/// Trains skip-gram on one (subsampled) sentence.
#[inline(always)]
pub fn train_sentence_sg<K: Kernel, const P: bool>(
    c: &StepCtx<'_, P>,
    s: &mut Scratch,
    sentence: &[u32],
    window: usize,
    shrink: bool,
    alpha: f32,
    rng: &mut WordRng,
) {
    let n = sentence.len();
    for i in 0..n {
        if c.cancelled() {
            return;
        }
        let w = reduced_window(window, shrink, rng);
        let lo = i.saturating_sub(w);
        let hi = (i + w + 1).min(n);
        let center = sentence[i];
        for (j, &ctx) in sentence.iter().enumerate().take(hi).skip(lo) {
            if j != i {
                sg_pair::<K, P>(c, s, ctx, center, alpha, rng);
            }
        }
    }
}

#[inline(always)]
fn sg_pair<K: Kernel, const P: bool>(
    c: &StepCtx<'_, P>,
    s: &mut Scratch,
    input: u32,
    target: u32,
    alpha: f32,
    rng: &mut WordRng,
) {
    // Negatives drawn first (same draws, same order) so that their rows load together.
    draw_targets(c, target, &mut s.targets, rng);
    s.neu1e.fill(0.0);
    if let Some(tree) = c.tree {
        hs_input_row::<K, P>(c, tree, input, target, alpha, s);
    }
    for (k, &out) in s.targets.iter().enumerate() {
        let f = c.syn0.dot_rows::<K>(input, &c.syn1, out);
        let (g, loss) = c.sigmoid.grad_loss(f, k == 0);
        s.loss += loss as f64;
        s.predictions += 1;
        let g = g * alpha;
        c.syn1.axpy_to_local::<K>(out, g, &mut s.neu1e);
        c.syn1.axpy_from_row::<K>(out, g, &c.syn0, input);
    }
    c.syn0.axpy_from_local::<K>(input, 1.0, &s.neu1e);
}

/// Trains skip-gram on one sentence with negatives shared across each centre word's window
/// (pWord2Vec's HogBatch, BlazingText's `batch_skipgram`).
///
/// For centre word `w` with contexts `c_1..c_m`, the targets are `w` (positive) and `K`
/// negatives drawn once for the whole window. The `m` context rows and `K + 1` target rows
/// are copied into thread-local buffers, all `m x (K + 1)` scores and gradients are computed
/// there against the same (window-start) values, and each row's summed update is written
/// back once. The arithmetic is the same as [`train_sentence_sg`]; what changes is that a
/// window's pairs share negatives and see each other's updates only at the end of the window,
/// which cuts the random row traffic from `m (K + 2)` to `m + K + 1` rows per centre word.
///
/// With hierarchical softmax, the `L` inner nodes on the centre's path are targets of the
/// same batch (every context of the window predicts the same path): `m x (L + K + 1)`
/// scores, each path row read and written once per window instead of once per pair.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn train_sentence_sg_shared<K: Kernel, const P: bool>(
    c: &StepCtx<'_, P>,
    s: &mut Scratch,
    sentence: &[u32],
    window: usize,
    shrink: bool,
    alpha: f32,
    rng: &mut WordRng,
) {
    let d = c.dim;
    let n = sentence.len();
    let mut ahead = DrawsAhead::new(rng, window, shrink, c.negative);
    for i in 0..n {
        if c.cancelled() {
            return;
        }
        if let Some(a) = ahead.as_mut() {
            a.next_centre(c.table, |r| c.syn1.prefetch(r));
        }
        let w = reduced_window(window, shrink, rng);
        let center = sentence[i];
        // The word entering the window next (its row is copied then).
        if let Some(&next) = sentence.get(i + window + 1) {
            c.syn0.prefetch(next);
        }
        prefetch_paths(c, sentence, i);
        collect_context(sentence, i, w, &mut s.ctx);
        if s.ctx.is_empty() {
            continue;
        }
        draw_targets(c, center, &mut s.targets, rng);
        // Hierarchical softmax's targets are the inner nodes on the centre's path (the same
        // for the whole window), batched with the negatives: targets 0..h are rows of
        // syn1hs (label 1 - code), h..u rows of syn1 (the centre, then the negatives).
        let (points, codes): (&[u32], &[u8]) = match c.tree {
            Some(tree) => (tree.points(center), tree.codes(center)),
            None => (&[], &[]),
        };
        let m = s.ctx.len();
        let h = points.len();
        let t = s.targets.len();
        let u = h + t;
        if u == 0 {
            continue;
        }
        let Scratch {
            ctx,
            targets,
            a,
            b,
            g,
            gt,
            loss,
            predictions,
            ..
        } = s;
        for (j, &cw) in ctx.iter().enumerate() {
            c.syn0
                .copy_row_to_local::<K>(cw, &mut a[j * d..(j + 1) * d]);
        }
        for (k, &p) in points.iter().enumerate() {
            c.syn1hs
                .copy_row_to_local::<K>(p, &mut b[k * d..(k + 1) * d]);
        }
        for (k, &tw) in targets.iter().enumerate() {
            c.syn1
                .copy_row_to_local::<K>(tw, &mut b[(h + k) * d..(h + k + 1) * d]);
        }
        // Scores of every (context, target) pair against the window-start rows, turned into
        // gradients: g[j][k], and its transpose.
        let (g, gt) = (&mut g[..m * u], &mut gt[..m * u]);
        let mut hs_loss = 0f64;
        for j in 0..m {
            let gj = &mut g[j * u..(j + 1) * u];
            local_dots::<K>(&a[j * d..(j + 1) * d], &b[..u * d], gj);
            let (gh, gn) = gj.split_at_mut(h);
            for (k, (x, &code)) in gh.iter_mut().zip(codes).enumerate() {
                let (gr, l) = c.sigmoid.hs_grad_loss(*x, code);
                hs_loss += l as f64;
                *x = gr * alpha;
                gt[k * m + j] = *x;
            }
            for (k, x) in gn.iter_mut().enumerate() {
                let (gr, l) = c.sigmoid.grad_loss(*x, k == 0);
                *loss += l as f64;
                *x = gr * alpha;
                gt[(h + k) * m + j] = *x;
            }
        }
        *loss += hs_loss;
        *predictions += (m * u) as u64;
        // Each row's summed update, written once: context j moves by sum_k g[j][k] b_k,
        // target k by sum_j g[j][k] a_j.
        for (j, &cw) in ctx.iter().enumerate() {
            c.syn0
                .lincomb_from_local::<K>(cw, &g[j * u..(j + 1) * u], &b[..u * d]);
        }
        for (k, &p) in points.iter().enumerate() {
            c.syn1hs
                .lincomb_from_local::<K>(p, &gt[k * m..(k + 1) * m], &a[..m * d]);
        }
        for (k, &tw) in targets.iter().enumerate() {
            c.syn1
                .lincomb_from_local::<K>(tw, &gt[(h + k) * m..(h + k + 1) * m], &a[..m * d]);
        }
    }
}

/// Trains CBOW on one (subsampled) sentence.
#[inline(always)]
pub fn train_sentence_cbow<K: Kernel, const P: bool>(
    c: &StepCtx<'_, P>,
    s: &mut Scratch,
    sentence: &[u32],
    window: usize,
    shrink: bool,
    alpha: f32,
    rng: &mut WordRng,
) {
    let n = sentence.len();
    let mut ahead = DrawsAhead::new(rng, window, shrink, c.negative);
    for i in 0..n {
        if c.cancelled() {
            return;
        }
        if let Some(a) = ahead.as_mut() {
            a.next_centre(c.table, |r| c.syn1.prefetch(r));
        }
        let w = reduced_window(window, shrink, rng);
        collect_context(sentence, i, w, &mut s.ctx);
        // The word entering the window next and the next centre's output row.
        if let Some(&next) = sentence.get(i + window + 1) {
            c.syn0.prefetch(next);
        }
        if let Some(&next) = sentence.get(i + 1) {
            c.syn1.prefetch(next);
        }
        prefetch_paths(c, sentence, i);
        if s.ctx.is_empty() {
            continue;
        }
        cbow_center::<K, P>(c, s, sentence[i], alpha, rng);
    }
}

#[inline(always)]
fn cbow_center<K: Kernel, const P: bool>(
    c: &StepCtx<'_, P>,
    s: &mut Scratch,
    target: u32,
    alpha: f32,
    rng: &mut WordRng,
) {
    let Scratch {
        neu1,
        neu1e,
        ctx,
        targets,
        loss,
        predictions,
        ..
    } = s;
    // Draw the negatives first (the same draws, in the same order, as drawing each one just
    // before its update) so that their rows load while the context is summed.
    draw_targets(c, target, targets, rng);
    let inv = 1.0 / ctx.len() as f32;
    c.syn0
        .sum_rows_to_local::<K>(ctx, if c.cbow_mean { inv } else { 1.0 }, neu1);
    neu1e.fill(0.0);
    if let Some(tree) = c.tree {
        hs_local_input::<K, P>(c, tree, target, alpha, neu1, neu1e, loss, predictions);
    }
    for (k, &out) in targets.iter().enumerate() {
        let f = c.syn1.dot_local::<K>(out, neu1);
        let (g, l) = c.sigmoid.grad_loss(f, k == 0);
        *loss += l as f64;
        *predictions += 1;
        c.syn1.axpy2_local::<K>(out, g * alpha, neu1e, neu1);
    }
    // word2vec's update (gensim's convention): with the mean, every context word gets the
    // full error (as in word2vec.c); with the sum, the error is divided among them. The
    // corrected gradient does the opposite: the true gradient of the mean or of the sum;
    // `Sqrt` gives each 1 / sqrt(m) of it either way.
    if let Some(scale) = c.cbow_gradient.context_scale(c.cbow_mean, inv) {
        neu1e.iter_mut().for_each(|x| *x *= scale);
    }
    for &w in ctx.iter() {
        c.syn0.axpy_from_local::<K>(w, 1.0, neu1e);
    }
}

/// The gradient of one decision of hierarchical softmax (label `1 - code`), adding its loss
/// to `loss` (a local sum: the caller tallies it and the predictions once per path); `None`
/// when the score is saturated (or NaN), which updates nothing.
#[inline(always)]
fn hs_decision(sigmoid: &SigmoidTable, f: f32, code: u8, loss: &mut f64) -> Option<f32> {
    let (g, l) = sigmoid.hs_grad_loss(f, code);
    *loss += l as f64;
    (f > -MAX_EXP && f < MAX_EXP).then_some(g)
}

/// Levels of the Huffman tree whose rows are not prefetched: the first `2^HOT_LEVELS - 1`
/// inner nodes are on most paths and stay in cache.
const HOT_LEVELS: usize = 8;

/// Hierarchical softmax's hints while centre `i` trains: the path of centre `i + 2` (the
/// tree's arrays of a large vocabulary do not stay in cache), and the deep rows on the path
/// of centre `i + 1`. No effect on results.
#[inline(always)]
fn prefetch_paths<const P: bool>(c: &StepCtx<'_, P>, sentence: &[u32], i: usize) {
    if let Some(tree) = c.tree {
        if let Some(&w) = sentence.get(i + 2) {
            tree.prefetch(w);
        }
        if let Some(&w) = sentence.get(i + 1) {
            for &p in tree.points(w).iter().skip(HOT_LEVELS) {
                c.syn1hs.prefetch(p);
            }
        }
    }
}

/// Decisions scored per pass: every score of a pass is computed before any of its rows moves,
/// so that the dot products run side by side. A path never visits a node twice and the input
/// does not move until the whole path is done, so each score is the one the sequential
/// update would compute.
const HS_PASS: usize = 32;

/// Hierarchical softmax of `target` from the input row `input`: moves the path's rows and
/// adds the input's gradient to `s.neu1e` (the caller applies it).
#[inline(always)]
fn hs_input_row<K: Kernel, const P: bool>(
    c: &StepCtx<'_, P>,
    tree: &HuffmanTree,
    input: u32,
    target: u32,
    alpha: f32,
    s: &mut Scratch,
) {
    let mut f = [0f32; HS_PASS];
    let mut loss = 0f64;
    for (points, codes) in tree
        .points(target)
        .chunks(HS_PASS)
        .zip(tree.codes(target).chunks(HS_PASS))
    {
        for (x, &p) in f.iter_mut().zip(points) {
            *x = c.syn0.dot_rows::<K>(input, &c.syn1hs, p);
        }
        for ((&p, &code), &x) in points.iter().zip(codes).zip(&f) {
            let Some(g) = hs_decision(c.sigmoid, x, code, &mut loss) else {
                continue;
            };
            let g = g * alpha;
            c.syn1hs.axpy_to_local::<K>(p, g, &mut s.neu1e);
            c.syn1hs.axpy_from_row::<K>(p, g, &c.syn0, input);
        }
    }
    s.loss += loss;
    s.predictions += tree.points(target).len() as u64;
}

/// Hierarchical softmax of `target` from the thread-local input `neu1` (CBOW's context):
/// moves the path's rows and adds the input's gradient to `neu1e`.
///
/// The scores of a pass come from one multi-row kernel (each bit for bit the lone dot
/// product), and the unsaturated decisions' updates from another that keeps `neu1e` in
/// registers across the rows (each float updated as by one `axpy2` per row, in path order).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn hs_local_input<K: Kernel, const P: bool>(
    c: &StepCtx<'_, P>,
    tree: &HuffmanTree,
    target: u32,
    alpha: f32,
    neu1: &[f32],
    neu1e: &mut [f32],
    loss: &mut f64,
    predictions: &mut u64,
) {
    let mut f = [0f32; HS_PASS];
    let mut ids = [0u32; HS_PASS];
    let mut gs = [0f32; HS_PASS];
    let mut sum = 0f64;
    for (points, codes) in tree
        .points(target)
        .chunks(HS_PASS)
        .zip(tree.codes(target).chunks(HS_PASS))
    {
        c.syn1hs
            .dots_rows_local::<K>(points, neu1, &mut f[..points.len()]);
        let mut live = 0;
        for ((&p, &code), &x) in points.iter().zip(codes).zip(&f) {
            if let Some(g) = hs_decision(c.sigmoid, x, code, &mut sum) {
                ids[live] = p;
                gs[live] = g * alpha;
                live += 1;
            }
        }
        c.syn1hs
            .axpy2_rows_local::<K>(&ids[..live], &gs[..live], neu1e, neu1);
    }
    *loss += sum;
    *predictions += tree.points(target).len() as u64;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The copies run ahead target the right draws: as each centre starts, the rows asked
    /// for are the next centre's negatives, and the slot copy stands where the centre after
    /// next will draw (the hints would be silently useless otherwise).
    #[test]
    fn draws_ahead_predict_the_next_centres_negatives() {
        let counts: Vec<u64> = (1..=500u64).rev().map(|c| c * c).collect();
        let table = UnigramTable::new(&counts, 0.75).unwrap();
        for (window, shrink, negative) in [(5, true, 5), (5, false, 3), (1, true, 15)] {
            // Each centre's draws, as the training loops make them.
            let centre = |rng: &mut WordRng| -> Vec<u32> {
                let _ = reduced_window(window, shrink, rng);
                (0..negative).map(|_| table.sample(rng)).collect()
            };
            let rng = WordRng::derive(3, 1, 4);
            let mut r = rng.clone();
            let real: Vec<Vec<u32>> = (0..12).map(|_| centre(&mut r)).collect();
            let mut ahead = DrawsAhead::new(&rng, window, shrink, negative).unwrap();
            for i in 0..10 {
                let mut slots = ahead.slots.clone();
                assert_eq!(centre(&mut slots), real[i + 2], "slots, centre {i}");
                let mut hinted = Vec::new();
                ahead.next_centre(&table, |w| hinted.push(w));
                assert_eq!(hinted, real[i + 1], "rows, centre {i}");
            }
        }
        assert!(DrawsAhead::new(&WordRng::derive(1, 0, 0), 5, true, 0).is_none());
    }

    #[test]
    fn sigmoid_table_is_accurate() {
        let t = SigmoidTable::default();
        for i in -700..=700 {
            let f = i as f32 / 100.0;
            let s = 1.0 / (1.0 + (-f as f64).exp());
            let (g, loss) = t.grad_loss(f, true);
            assert!(((1.0 - g as f64) - s).abs() < 0.01, "f={f}");
            assert!(
                (loss as f64 + s.ln()).abs() < 0.02 * (1.0 + s.ln().abs()),
                "f={f}"
            );
            let (g0, loss0) = t.grad_loss(f, false);
            assert!((-g0 as f64 - s).abs() < 0.01);
            assert!(
                (loss0 as f64 + (1.0 - s).ln()).abs() < 0.02 * (1.0 + (1.0 - s).ln().abs()),
                "f={f} {loss0}"
            );
        }
        assert_eq!(t.grad_loss(f32::NAN, true), (0.0, 0.0));
    }
}

//! The trainer: epochs, the learning-rate schedule, Hogwild worker threads, progress and
//! cancellation. Everything here is safe code; shared-row access lives in [`hogwild`] and the
//! SIMD arithmetic in [`kernels`].
//!
//! Each epoch starts `n_threads` scoped workers that pull units of work (1 MiB file ranges,
//! gzip batches, or ~65k-word slices of an id corpus) from a shared [`Feed`]. A unit's random
//! numbers come from `(seed, epoch, unit)`, so with one thread the result is bit-identical
//! for the same seed. The calling thread coordinates: it wakes every 100 ms, reports
//! [`Progress`] to the [`ProgressSink`] (which may stop the run) and joins the workers.
//!
//! The learning rate decays linearly with *global* progress, measured by one atomic counter
//! of raw words that every worker bumps about every thousand words:
//! `alpha = alpha0 - (alpha0 - min_alpha) * done / (epochs * words_per_epoch)`.

pub mod config;
pub mod hogwild;
pub mod huffman;
pub mod kernels;
pub mod sgns;

pub use config::{
    default_cbow_gradient, default_output_weight, AlphaSchedule, CbowGradient, TrainConfig,
    CONTINUE_ALPHA_SHARE, MAX_ALPHA, MAX_NEGATIVE, MAX_OUTPUT_WEIGHT, MAX_SCRATCH_BYTES,
    MAX_SENTENCE_LENGTH, MAX_THREADS,
};

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::corpus::{Batch, CorpusRef, Feed, IdCache, IdCacheWriter};
use crate::error::{show_f64, EmbedError, Result};
use crate::hash::fnv1a;
use crate::sampling::{subsample_thresholds, UnigramTable, WordRng};
use crate::vocab::Vocab;
use hogwild::SharedMatrix;
use huffman::HuffmanTree;
use kernels::{Kernel, KernelChoice, KernelTask};
use sgns::{Scratch, SigmoidTable, StepCtx};

/// A snapshot of a running training, reported to the sink about every 100 ms.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    /// Current epoch (0-based).
    pub epoch: usize,
    /// Number of epochs.
    pub epochs: usize,
    /// Raw words processed in all epochs so far.
    pub words_done: u64,
    /// Raw words expected over all epochs.
    pub words_total: u64,
    /// Current learning rate.
    pub alpha: f32,
    /// Loss summed over the current epoch so far.
    pub epoch_loss: f64,
    /// Raw words per second since training started.
    pub words_per_sec: f64,
    /// Seconds since training started.
    pub elapsed: f64,
}

/// Statistics of one finished epoch.
#[derive(Debug, Clone, Copy, Default)]
pub struct EpochReport {
    /// Epoch number (0-based).
    pub epoch: usize,
    /// Sum of the loss of every prediction made in the epoch.
    pub loss: f64,
    /// Number of predictions (one positive or negative example each).
    pub predictions: u64,
    /// Raw words read.
    pub raw_words: u64,
    /// Words trained on after subsampling.
    pub effective_words: u64,
    /// Wall time of the epoch in seconds.
    pub seconds: f64,
}

/// What the caller gets back.
#[derive(Debug, Clone, Default)]
pub struct TrainReport {
    /// One entry per finished epoch.
    pub epochs: Vec<EpochReport>,
    /// The sink asked to stop before all epochs ran.
    pub stopped_early: bool,
    /// The kernel used.
    pub kernel: &'static str,
    /// Total wall time in seconds.
    pub seconds: f64,
    /// Epochs that read the id cache instead of the text (see `corpus::cache`).
    pub cached_epochs: usize,
}

/// Whether to go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Keep training.
    Continue,
    /// Stop after the current step, keeping the weights (early stopping).
    Stop,
}

/// Receives progress on the coordinating thread. An `Err` cancels the run and is returned by
/// [`train`] (bindings keep their own error and return `EmbedError::Cancelled`).
pub trait ProgressSink {
    /// How the steps before training (counting, reading a pipe) learn that the caller wants
    /// to stop; by default they never do.
    fn interrupt(&self) -> crate::cancel::Interrupt {
        crate::cancel::Interrupt::never()
    }
    /// Once, before the first epoch, with the vocabulary and the raw words the whole run
    /// will read.
    fn on_train_begin(&mut self, _vocab: &Vocab, _words_total: u64) -> Result<Control> {
        Ok(Control::Continue)
    }
    /// Before each epoch.
    fn on_epoch_begin(&mut self, _epoch: usize) -> Result<Control> {
        Ok(Control::Continue)
    }
    /// About every 100 ms.
    fn on_progress(&mut self, _p: &Progress) -> Result<Control> {
        Ok(Control::Continue)
    }
    /// After each epoch.
    fn on_epoch_end(&mut self, _r: &EpochReport) -> Result<Control> {
        Ok(Control::Continue)
    }
    /// After each epoch, with the input vectors and negative sampling's output vectors as
    /// they are (no worker is running).
    fn on_epoch_vectors(
        &mut self,
        _epoch: usize,
        _syn0: &[f32],
        _syn1neg: &[f32],
    ) -> Result<Control> {
        Ok(Control::Continue)
    }
}

/// A sink that ignores everything.
pub struct NoProgress;
impl ProgressSink for NoProgress {}

/// Bytes the two weight matrices need.
pub fn weights_bytes(vocab_len: usize, dim: usize) -> u128 {
    2 * vocab_len as u128 * dim as u128 * 4
}

/// Allocates and initialises the input matrix (uniform in `[-0.5/d, 0.5/d)`, seeded per word
/// from `(seed, word)`, so a word's start vector does not depend on its id) and the output
/// matrix (zeros), as word2vec.c and gensim do.
///
/// # Errors
/// `Memory` if the matrices cannot be allocated (before anything is written).
pub fn init_weights(vocab: &Vocab, dim: usize, seed: u64) -> Result<(Vec<f32>, Vec<f32>)> {
    extend_weights(&[], &[], vocab.words().iter(), vocab.len(), dim, seed)
}

/// The matrices of a vocabulary that grew: the rows already trained (`syn0`, `syn1`, copied
/// once) followed by the rows of the `n_new` words of `new_words`, initialised as
/// [`init_weights`] would (so a word's start vector is the same whenever it joins).
///
/// # Errors
/// `Memory` if the matrices cannot be allocated (before anything is written), `Dimension`
/// if the old matrices differ in size or are not whole rows.
pub fn extend_weights<'w>(
    syn0: &[f32],
    syn1: &[f32],
    new_words: impl Iterator<Item = &'w str>,
    n_new: usize,
    dim: usize,
    seed: u64,
) -> Result<(Vec<f32>, Vec<f32>)> {
    if syn0.len() != syn1.len() || dim == 0 || !syn0.len().is_multiple_of(dim) {
        return Err(EmbedError::Dimension(format!(
            "the input ({} floats) and output ({} floats) matrices are not both whole rows of \
             {dim} floats",
            syn0.len(),
            syn1.len()
        )));
    }
    let rows = syn0.len() / dim + n_new;
    let oom = || EmbedError::Memory {
        bytes: weights_bytes(rows, dim),
        what: format!("the input and output matrices ({rows} words x {dim} dimensions, float32)"),
    };
    let n = rows.checked_mul(dim).ok_or_else(oom)?;
    let alloc = || -> Result<Vec<f32>> {
        let mut v: Vec<f32> = Vec::new();
        hogwild::reserve_huge(&mut v, n).map_err(|_| oom())?;
        Ok(v)
    };
    let (mut syn0_new, mut syn1_new) = (alloc()?, alloc()?);
    syn0_new.extend_from_slice(syn0);
    for w in new_words.take(n_new) {
        let mut rng = WordRng::derive(seed, 0x1417, fnv1a(w.as_bytes()));
        for _ in 0..dim {
            syn0_new.push((rng.next_f32() - 0.5) / dim as f32);
        }
    }
    syn1_new.extend_from_slice(syn1);
    syn1_new.resize(n, 0.0);
    Ok((syn0_new, syn1_new))
}

/// Hierarchical softmax's output matrix for `rows` words: the rows of `old` (a smaller
/// vocabulary's, copied once) followed by zero rows, as gensim grows `syn1`. Like word2vec.c
/// and gensim it has one row per word (the `rows - 1` inner nodes use all but the last).
///
/// # Errors
/// `Memory` if it cannot be allocated, `Dimension` if `old` is not whole rows or has more
/// than `rows`.
pub fn hs_weights(old: &[f32], rows: usize, dim: usize) -> Result<Vec<f32>> {
    if dim == 0 || !old.len().is_multiple_of(dim) || old.len() / dim > rows {
        return Err(EmbedError::Dimension(format!(
            "the hierarchical-softmax matrix ({} floats) is not whole rows of {dim} floats, \
             at most {rows} of them",
            old.len()
        )));
    }
    let oom = || EmbedError::Memory {
        bytes: rows as u128 * dim as u128 * 4,
        what: format!("the hierarchical-softmax matrix ({rows} words x {dim} dimensions, float32)"),
    };
    let n = rows.checked_mul(dim).ok_or_else(oom)?;
    let mut v: Vec<f32> = Vec::new();
    hogwild::reserve_huge(&mut v, n).map_err(|_| oom())?;
    v.extend_from_slice(old);
    v.resize(n, 0.0);
    Ok(v)
}

#[repr(align(64))]
#[derive(Default)]
struct PaddedLoss(AtomicU64);

struct Shared<'a> {
    cfg: &'a TrainConfig,
    vocab: &'a Vocab,
    corpus: CorpusRef<'a>,
    table: UnigramTable,
    tree: Option<HuffmanTree>,
    thresholds: Vec<u32>,
    sigmoid: SigmoidTable,
    words_done: AtomicU64,
    words_total: u64,
    words_per_epoch: u64,
    cancel: AtomicBool,
    /// Use the id cache over files (`TrainConfig::id_cache` and the environment).
    id_cache: bool,
}

impl Shared<'_> {
    /// The learning rate after `done` words of the whole run.
    fn alpha_at(&self, done: u64) -> f32 {
        let progress = (done as f64 / self.words_total.max(1) as f64).min(1.0);
        // In f32, as the rates are given to the kernels (and as earlier versions computed).
        let (alpha, min_alpha) = (self.cfg.alpha() as f32, self.cfg.min_alpha as f32);
        let a = alpha as f64 - (alpha - min_alpha) as f64 * progress;
        (a as f32).max(min_alpha)
    }

    /// A worker's learning rate in the epoch starting at word `epoch_base`, when all threads
    /// together have processed `done` words of the run and this worker `own` of this epoch.
    #[inline]
    fn worker_alpha(&self, done: u64, epoch_base: u64, own: u64) -> f32 {
        self.alpha_at(self.cfg.alpha_schedule.position(done, epoch_base, own, 1))
    }

    /// The learning rate to report when all threads have processed `done` words: the
    /// workers' mean (the schedule is linear, so the rate at their mean progress).
    fn reported_alpha(&self, done: u64, epoch_base: u64) -> f32 {
        let own = done.saturating_sub(epoch_base);
        let n = self.cfg.n_threads;
        self.alpha_at(self.cfg.alpha_schedule.position(done, epoch_base, own, n))
    }
}

/// Trains `syn0` (input vectors, the embedding) and `syn1` (output vectors of negative
/// sampling) in place; without `cfg.hs` (see [`train_hs`] for hierarchical softmax).
///
/// # Errors
/// `InvalidParameter` for a bad config (or `alpha` when the weights diverge to NaN or
/// infinity, checked after each epoch), `Dimension` for mismatched matrices, `Io` from the
/// corpus (including a corpus file that changed since it was counted, checked at the start of
/// each epoch), `Memory` if a thread's buffers cannot be allocated, whatever the sink
/// returns, `Cancelled` when the sink cancels.
pub fn train(
    cfg: &TrainConfig,
    vocab: &Vocab,
    corpus: CorpusRef<'_>,
    syn0: &mut [f32],
    syn1: &mut [f32],
    sink: &mut dyn ProgressSink,
) -> Result<TrainReport> {
    train_hs(cfg, vocab, corpus, syn0, syn1, &mut [], sink)
}

/// [`train`] with hierarchical softmax's output matrix `syn1hs` too: `vocab.len() x
/// vector_size` (see [`hs_weights`]) when `cfg.hs`, else empty. The Huffman tree is built
/// from the vocabulary's counts.
///
/// # Errors
/// As [`train`]; `Dimension` also when `syn1hs` does not match `cfg.hs`.
pub fn train_hs(
    cfg: &TrainConfig,
    vocab: &Vocab,
    corpus: CorpusRef<'_>,
    syn0: &mut [f32],
    syn1: &mut [f32],
    syn1hs: &mut [f32],
    sink: &mut dyn ProgressSink,
) -> Result<TrainReport> {
    cfg.validate()?;
    let n = vocab.len() * cfg.vector_size;
    if vocab.is_empty() || syn0.len() != n || syn1.len() != n {
        return Err(EmbedError::Dimension(format!(
            "weights must be {} x {} (got {} and {} floats)",
            vocab.len(),
            cfg.vector_size,
            syn0.len(),
            syn1.len()
        )));
    }
    if syn1hs.len() != if cfg.hs { n } else { 0 } {
        return Err(EmbedError::Dimension(format!(
            "with hs={}, the hierarchical-softmax matrix must be {} x {} (got {} floats)",
            cfg.hs as u8,
            if cfg.hs { vocab.len() } else { 0 },
            cfg.vector_size,
            syn1hs.len()
        )));
    }
    let words_per_epoch = match corpus {
        CorpusRef::Files(_) => vocab.corpus_words,
        CorpusRef::Ids(c) => c.raw_words(),
    };
    let shared = Shared {
        cfg,
        vocab,
        corpus,
        table: UnigramTable::new(vocab.counts(), cfg.ns_exponent)?,
        tree: if cfg.hs {
            Some(HuffmanTree::new(vocab.counts())?)
        } else {
            None
        },
        thresholds: subsample_thresholds(vocab.counts(), cfg.sample),
        sigmoid: SigmoidTable::default(),
        words_done: AtomicU64::new(0),
        words_total: words_per_epoch.saturating_mul(cfg.epochs as u64),
        words_per_epoch,
        cancel: AtomicBool::new(false),
        id_cache: cfg.id_cache && crate::corpus::cache::enabled_by_env()?,
    };
    let requested = match cfg.kernel {
        Some(k) => Some(k),
        None => kernels::from_env()?,
    };
    let choice = kernels::detect(requested);
    let mut r = run(&shared, syn0, syn1, syn1hs, sink, choice)?;
    r.kernel = choice.name();
    Ok(r)
}

/// One worker's share of an epoch, as a task generic over the kernel.
struct WorkerTask<'s, 'a> {
    sh: &'s Shared<'a>,
    feed: &'s Feed<'a>,
    syn0: SharedMatrix<'s>,
    syn1: SharedMatrix<'s>,
    syn1hs: SharedMatrix<'s>,
    epoch: usize,
    epoch_base: u64,
    loss_slot: &'s AtomicU64,
}

impl KernelTask for WorkerTask<'_, '_> {
    type Output = Result<WorkerTally>;
    #[inline(always)]
    fn run<K: Kernel>(self) -> Self::Output {
        let cfg = self.sh.cfg;
        if cfg.n_threads > 1 && cfg.private_rows > 0 && cfg.private_sync_words > 0 {
            worker::<K, true>(self)
        } else {
            worker::<K, false>(self)
        }
    }
}

fn run(
    sh: &Shared<'_>,
    syn0_buf: &mut [f32],
    syn1_buf: &mut [f32],
    syn1hs_buf: &mut [f32],
    sink: &mut dyn ProgressSink,
    choice: KernelChoice,
) -> Result<TrainReport> {
    let (rows, dim) = (sh.vocab.len(), sh.cfg.vector_size);
    let start = Instant::now();
    let mut report = TrainReport::default();
    let n_threads = sh.cfg.n_threads;
    let losses: Vec<PaddedLoss> = (0..n_threads).map(|_| PaddedLoss::default()).collect();
    if sink.on_train_begin(sh.vocab, sh.words_total)? == Control::Stop {
        report.stopped_early = true;
        return Ok(report);
    }
    // Later epochs over files read the first epoch's ids instead of the text (see
    // `corpus::cache`). Records hold a sentence piece's length in a u32.
    let mut writer = match sh.corpus {
        CorpusRef::Files(_)
            if sh.id_cache
                && sh.cfg.epochs > 1
                && u32::try_from(sh.cfg.max_sentence_length).is_ok() =>
        {
            IdCacheWriter::new()
        }
        _ => None,
    };
    let mut cache: Option<IdCache> = None;
    for epoch in 0..sh.cfg.epochs {
        if sink.on_epoch_begin(epoch)? == Control::Stop {
            report.stopped_early = true;
            break;
        }
        if let CorpusRef::Files(files) = sh.corpus {
            // A file that grew or shrank since it was counted would train on text the
            // vocabulary and the learning-rate schedule know nothing about.
            files.check_unchanged()?;
        }
        let epoch_start = Instant::now();
        let epoch_base = epoch as u64 * sh.words_per_epoch;
        sh.words_done.store(epoch_base, Ordering::Relaxed);
        for l in &losses {
            l.0.store(0f64.to_bits(), Ordering::Relaxed);
        }
        let feed = match (&cache, &writer) {
            (Some(c), _) => {
                report.cached_epochs += 1;
                Feed::from_cache(sh.corpus, c)
            }
            (None, Some(w)) if epoch == 0 => {
                Feed::recording(sh.corpus, sh.cfg.max_sentence_length, w)
            }
            _ => Feed::new(sh.corpus, sh.cfg.max_sentence_length),
        };
        // The shared views live for this epoch only: once the workers are joined, the
        // buffers are plain slices again and can be shown to the sink.
        let syn0 = SharedMatrix::new(&mut *syn0_buf, rows, dim);
        let syn1 = SharedMatrix::new(&mut *syn1_buf, rows, dim);
        let hs_rows = syn1hs_buf.len() / dim;
        let syn1hs = SharedMatrix::new(&mut *syn1hs_buf, hs_rows, dim);
        let (tx, rx) = mpsc::channel::<()>();
        let mut sink_result: Result<Control> = Ok(Control::Continue);
        let mut spawn_error = None;
        let results: Vec<Result<WorkerTally>> = std::thread::scope(|s| {
            let mut handles = Vec::with_capacity(n_threads);
            for (t, loss) in losses.iter().enumerate() {
                let tx = tx.clone();
                let feed = &feed;
                let slot = &loss.0;
                let spawned = std::thread::Builder::new().spawn_scoped(s, move || {
                    let task = WorkerTask {
                        sh,
                        feed,
                        syn0,
                        syn1,
                        syn1hs,
                        epoch,
                        epoch_base,
                        loss_slot: slot,
                    };
                    let r = kernels::run_with(choice, task);
                    if r.is_err() {
                        // Stop the other workers: the run fails anyway.
                        sh.cancel.store(true, Ordering::Relaxed);
                    }
                    let _ = tx.send(());
                    r
                });
                match spawned {
                    Ok(h) => handles.push(h),
                    Err(e) => {
                        // The threads already started stop at their next sentence.
                        sh.cancel.store(true, Ordering::Relaxed);
                        spawn_error = Some(EmbedError::param(
                            "n_jobs",
                            format!(
                                "could not start training thread {} of {n_threads} ({e}); \
                                 lower n_jobs",
                                t + 1
                            ),
                        ));
                        break;
                    }
                }
            }
            drop(tx);
            let started = handles.len();
            let mut finished = 0;
            while finished < started {
                match rx.recv_timeout(Duration::from_millis(100)) {
                    Ok(()) => finished += 1,
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
                if sh.cancel.load(Ordering::Relaxed) {
                    continue;
                }
                let done = sh.words_done.load(Ordering::Relaxed);
                let elapsed = start.elapsed().as_secs_f64();
                let p = Progress {
                    epoch,
                    epochs: sh.cfg.epochs,
                    words_done: done,
                    words_total: sh.words_total,
                    alpha: sh.reported_alpha(done, epoch_base),
                    epoch_loss: losses
                        .iter()
                        .map(|l| f64::from_bits(l.0.load(Ordering::Relaxed)))
                        .sum(),
                    words_per_sec: (done as f64) / elapsed.max(1e-9),
                    elapsed,
                };
                let r = sink.on_progress(&p);
                if !matches!(r, Ok(Control::Continue)) {
                    sh.cancel.store(true, Ordering::Relaxed);
                    sink_result = r;
                }
            }
            handles
                .into_iter()
                .map(|h| match h.join() {
                    Ok(r) => r,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        });
        if let Some(e) = spawn_error {
            return Err(e);
        }
        let mut er = EpochReport {
            epoch,
            ..Default::default()
        };
        for r in results {
            let t = r?;
            er.loss += t.loss;
            er.predictions += t.predictions;
            er.raw_words += t.raw_words;
            er.effective_words += t.effective_words;
        }
        er.seconds = epoch_start.elapsed().as_secs_f64();
        let sink_control = sink_result?;
        check_finite(&[syn0_buf, syn1_buf, syn1hs_buf], epoch, sh.cfg.alpha())?;
        match sink_control {
            Control::Continue => {}
            Control::Stop => {
                // Early stop mid-epoch: the partial epoch is reported, then we end.
                report.epochs.push(er);
                report.stopped_early = true;
                break;
            }
        }
        log::debug!(
            "epoch {epoch}: loss {:.4} per prediction, {} raw words, {:.0} words/s",
            er.loss / er.predictions.max(1) as f64,
            er.raw_words,
            er.raw_words as f64 / er.seconds.max(1e-9)
        );
        report.epochs.push(er);
        // Every unit of the epoch was recorded: the epoch ended without a stop or an error.
        if let Some(w) = writer.take() {
            cache = w.finish();
        }
        let end = sink.on_epoch_end(&er)?;
        let vectors = sink.on_epoch_vectors(epoch, syn0_buf, syn1_buf)?;
        if end == Control::Stop || vectors == Control::Stop {
            report.stopped_early = epoch + 1 < sh.cfg.epochs;
            break;
        }
    }
    report.seconds = start.elapsed().as_secs_f64();
    Ok(report)
}

/// Fails if training diverged: a NaN or infinite weight would poison every later update and
/// query, silently (the sigmoid table maps NaN scores to no update).
fn check_finite(matrices: &[&[f32]], epoch: usize, alpha: f64) -> Result<()> {
    let finite = |m: &[f32]| m.chunks(4096).all(|c| c.iter().all(|x| x.is_finite()));
    if matrices.iter().all(|m| finite(m)) {
        return Ok(());
    }
    let all = || matrices.iter().flat_map(|m| m.iter());
    let bad = all().filter(|x| !x.is_finite()).count();
    Err(EmbedError::param(
        "alpha",
        format!(
            "training diverged in epoch {epoch}: {bad} of the {} weights are NaN or infinite \
             (alpha={}); lower alpha",
            all().count(),
            show_f64(alpha)
        ),
    ))
}

#[derive(Default)]
struct WorkerTally {
    loss: f64,
    predictions: u64,
    raw_words: u64,
    effective_words: u64,
}

const FLUSH_WORDS: u64 = 1024;

/// How many private rows a thread publishes at its `syncs`-th publication (counted from
/// 1): the `private` most frequent every time, four times as many every 16th time, 16
/// times as many every 64th, and so on up to `warm` (see `TrainConfig::warm_rows`). A
/// row four times rarer than another waits four times longer, and so misses about as many
/// of the other threads' updates.
fn rows_to_publish(syncs: u64, private: usize, warm: usize) -> usize {
    let (mut rows, mut every) = (private, 16u64);
    while rows > 0 && rows < warm && syncs.is_multiple_of(every) {
        rows = rows.saturating_mul(4).min(warm);
        every = every.saturating_mul(4);
    }
    rows
}

#[inline(always)]
fn worker<K: Kernel, const P: bool>(task: WorkerTask<'_, '_>) -> Result<WorkerTally> {
    let WorkerTask {
        sh,
        feed,
        syn0,
        syn1,
        syn1hs,
        epoch,
        epoch_base,
        loss_slot,
    } = task;
    let cfg = sh.cfg;
    // Thread-private copies of the most frequent rows (`P`, see `TrainConfig::private_rows`):
    // one working copy and the value last published, per matrix. With one thread there is
    // nothing to share, and no copies.
    let private = if P {
        // At most a 16th of the vocabulary: in a small one the most frequent rows are most
        // of the rows and of the updates, and their copies' staleness then touches nearly
        // every update (gensim's test_parallel, 889 words, 4 threads: a known neighbour
        // missed the top 6 twice as often with 512 copied rows as with 55 or none).
        cfg.private_rows.min(sh.vocab.len() / 16)
    } else {
        0
    };
    // Less frequent rows after them, published less often (`TrainConfig::warm_rows`), at
    // most an eighth of the vocabulary: in a small one nearly every row is a frequent one.
    let warm = if private > 0 {
        cfg.warm_rows.min(sh.vocab.len() / 8).max(private)
    } else {
        0
    };
    let buffer = |rows: usize| {
        let floats = rows * cfg.vector_size;
        sgns::try_zeros(floats).ok_or_else(|| EmbedError::Memory {
            bytes: floats as u128 * 4,
            what: "a training thread's private copies of the most frequent rows".into(),
        })
    };
    let (mut local0, mut base0) = (buffer(warm)?, buffer(warm)?);
    let syn1_rows = if cfg.negative > 0 { warm } else { 0 };
    let (mut local1, mut base1) = (buffer(syn1_rows)?, buffer(syn1_rows)?);
    let syn0 = syn0.view::<P>(&mut local0, &mut base0);
    let syn1 = syn1.view::<P>(&mut local1, &mut base1);
    // Hierarchical softmax's rows are numbered from the root down, so its first rows are
    // the inner nodes every path goes through: the same private copies apply, but not
    // the warm ones. An inner node is updated for every word under it, far more often
    // than the word of the same rank, and the warm rows' publication schedule assumes
    // the words' frequencies.
    let (mut local2, mut base2) = if sh.tree.is_some() {
        (buffer(private)?, buffer(private)?)
    } else {
        (Vec::new(), Vec::new())
    };
    let syn1hs = syn1hs.view::<P>(&mut local2, &mut base2);
    let (mut since_sync, mut syncs) = (0u64, 0u64);
    let sync_every = cfg.private_sync_interval();
    let ctx = StepCtx {
        syn0,
        syn1,
        table: &sh.table,
        sigmoid: &sh.sigmoid,
        negative: cfg.negative,
        syn1hs,
        tree: sh.tree.as_ref(),
        cbow_mean: cfg.cbow_mean,
        cbow_gradient: cfg.cbow_gradient(),
        dim: cfg.vector_size,
        cancel: &sh.cancel,
    };
    // Skip-gram's window batches hold the centre's path too (see `train_sentence_sg_shared`).
    let batch_targets = cfg.negative + sh.tree.as_ref().map_or(0, |t| t.max_code_length());
    let mut scratch = Scratch::new(cfg.vector_size, cfg.window, batch_targets)?;
    let mut batch = Batch::default();
    let mut kept: Vec<u32> = Vec::with_capacity(1024);
    let mut tally = WorkerTally::default();
    let mut pending = 0u64;
    let mut alpha = sh.worker_alpha(
        sh.words_done.load(Ordering::Relaxed).max(epoch_base),
        epoch_base,
        0,
    );
    while let Some(unit) = feed.next_batch(&mut batch)? {
        if sh.cancel.load(Ordering::Relaxed) {
            break;
        }
        let mut rng = WordRng::derive(cfg.seed, epoch as u64, unit);
        batch.for_each_sentence(sh.corpus, sh.vocab, cfg.max_sentence_length, |ids, raw| {
            if sh.cancel.load(Ordering::Relaxed) {
                return;
            }
            kept.clear();
            for &w in ids {
                let t = sh.thresholds[w as usize];
                if t == u32::MAX || rng.next_u32() < t {
                    kept.push(w);
                }
            }
            tally.effective_words += kept.len() as u64;
            if kept.len() > 1 {
                if cfg.sg && cfg.shared_negatives {
                    sgns::train_sentence_sg_shared::<K, P>(
                        &ctx,
                        &mut scratch,
                        &kept,
                        cfg.window,
                        cfg.shrink_windows,
                        alpha,
                        &mut rng,
                    );
                } else if cfg.sg {
                    sgns::train_sentence_sg::<K, P>(
                        &ctx,
                        &mut scratch,
                        &kept,
                        cfg.window,
                        cfg.shrink_windows,
                        alpha,
                        &mut rng,
                    );
                } else {
                    sgns::train_sentence_cbow::<K, P>(
                        &ctx,
                        &mut scratch,
                        &kept,
                        cfg.window,
                        cfg.shrink_windows,
                        alpha,
                        &mut rng,
                    );
                }
            }
            tally.raw_words += raw;
            pending += raw;
            since_sync += raw;
            if P && since_sync >= sync_every {
                since_sync = 0;
                syncs += 1;
                let rows = rows_to_publish(syncs, private, warm);
                ctx.syn0.sync_first_rows(&mut base0, rows);
                ctx.syn1.sync_first_rows(&mut base1, rows);
                ctx.syn1hs.sync_first_rows(&mut base2, rows);
            }
            if pending >= FLUSH_WORDS {
                let done = sh.words_done.fetch_add(pending, Ordering::Relaxed) + pending;
                pending = 0;
                alpha = sh.worker_alpha(done, epoch_base, tally.raw_words);
                loss_slot.store(scratch.loss.to_bits(), Ordering::Relaxed);
            }
        });
    }
    if P {
        ctx.syn0.sync_private_rows(&mut base0);
        ctx.syn1.sync_private_rows(&mut base1);
        ctx.syn1hs.sync_private_rows(&mut base2);
    }
    if pending > 0 {
        sh.words_done.fetch_add(pending, Ordering::Relaxed);
    }
    loss_slot.store(scratch.loss.to_bits(), Ordering::Relaxed);
    tally.loss = scratch.loss;
    tally.predictions = scratch.predictions;
    Ok(tally)
}

#[cfg(test)]
mod tests;

//! The hyper-parameters of a training run, their defaults, their limits, and the one check of
//! their domains. The Python layer reads the defaults ([`TrainConfig::default`]) and limits
//! (the constants here) through the bindings instead of restating them.

use crate::error::{show_f64, EmbedError, Result};
use crate::text::DEFAULT_MAX_SENTENCE_LENGTH;

use super::kernels::KernelChoice;

/// Largest `negative` accepted: each positive example costs `negative + 1` row updates, so
/// far larger values only make a run that never ends (word2vec uses 5-20).
pub const MAX_NEGATIVE: usize = 10_000;
pub use crate::threads::MAX_THREADS;
/// Largest `alpha` accepted. Useful learning rates are below 0.1; beyond a few units the
/// vectors overflow to infinity within the first epoch.
pub const MAX_ALPHA: f64 = 10.0;
/// Largest `max_sentence_length` accepted (sentence lengths are stored as 32-bit counts).
pub const MAX_SENTENCE_LENGTH: usize = u32::MAX as usize;
/// Bound on the buffers each worker thread allocates for one window (context rows, target
/// rows and their gradients): about `4 * (m * dim + t * dim + 2 * m * t)` bytes with
/// `m = 2 * window` and `t = negative + 1`.
pub const MAX_SCRATCH_BYTES: u128 = 1 << 30;
/// Largest `random_state` a model accepts (32 bits, as numpy's and scikit-learn's); the
/// trainer itself takes any 64-bit seed (continued training and replicas derive theirs).
pub const MAX_RANDOM_STATE: u64 = u32::MAX as u64;

/// How training measures its progress for the learning-rate decay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AlphaSchedule {
    /// Linear from `alpha` to `min_alpha` by the words all threads have processed (one atomic
    /// counter), as word2vec.c and gensim's iterable mode do. The default.
    #[default]
    Global,
    /// gensim's `corpus_file` mode: each thread measures its progress by its *own* words in
    /// the epoch against the whole epoch's words. With `n` threads, alpha therefore falls only
    /// `1/n` of an epoch's step within each epoch and jumps down at the next one, ending near
    /// `alpha / (n * epochs)` instead of `min_alpha`; with one thread it is the same as
    /// `Global`. Offered to reproduce gensim `corpus_file` numbers, not as an improvement.
    PerThread,
}

impl AlphaSchedule {
    /// The names [`AlphaSchedule::parse`] accepts.
    pub const NAMES: [&'static str; 2] = ["global", "per_thread"];

    /// The schedule's name.
    pub fn name(self) -> &'static str {
        match self {
            AlphaSchedule::Global => "global",
            AlphaSchedule::PerThread => "per_thread",
        }
    }

    /// Parses `"global"` or `"per_thread"`.
    pub fn parse(name: &str) -> Option<AlphaSchedule> {
        match name {
            "global" => Some(AlphaSchedule::Global),
            "per_thread" => Some(AlphaSchedule::PerThread),
            _ => None,
        }
    }

    /// The point of the run (in words) the learning rate is read at, for a worker that has
    /// processed `own / share` words of the epoch starting at `epoch_base`, when all threads
    /// together have processed `done` words of the run.
    #[inline]
    pub fn position(self, done: u64, epoch_base: u64, own: u64, share: usize) -> u64 {
        match self {
            AlphaSchedule::Global => done,
            AlphaSchedule::PerThread => epoch_base.saturating_add(own / share.max(1) as u64),
        }
    }
}

/// Hyper-parameters of a training run (names follow gensim).
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// Dimension of the vectors.
    pub vector_size: usize,
    /// Maximum distance between the centre and a context word.
    pub window: usize,
    /// Skip-gram (true) or CBOW (false).
    pub sg: bool,
    /// Negative samples per positive example (0: none, only with `hs`).
    pub negative: usize,
    /// Hierarchical softmax (word2vec.c's and gensim's `hs=1`): predict each word by its
    /// path in a Huffman tree of the vocabulary (see `huffman.rs`), alone (`negative = 0`)
    /// or together with negative sampling.
    pub hs: bool,
    /// Exponent of the negative-sampling distribution.
    pub ns_exponent: f64,
    /// CBOW: mean (true) or sum (false) of the context vectors.
    pub cbow_mean: bool,
    /// Initial learning rate (training computes with its nearest `f32`).
    pub alpha: f64,
    /// Final learning rate (training computes with its nearest `f32`).
    pub min_alpha: f64,
    /// Passes over the corpus.
    pub epochs: usize,
    /// Subsampling threshold (0 disables).
    pub sample: f64,
    /// Draw the effective window uniformly from 1..=window for each centre word.
    pub shrink_windows: bool,
    /// Worker threads.
    pub n_threads: usize,
    /// Seed of every random stream.
    pub seed: u64,
    /// Sentences longer than this are cut into pieces.
    pub max_sentence_length: usize,
    /// SIMD kernel to use (`None`: detect).
    pub kernel: Option<KernelChoice>,
    /// Skip-gram: share each window's negatives (faster, see `sgns::train_sentence_sg_shared`;
    /// `false` gives word2vec.c's per-pair negatives).
    pub shared_negatives: bool,
    /// How progress (and so the learning rate) is measured.
    pub alpha_schedule: AlphaSchedule,
    /// With more than one thread, rows `0..private_rows` of both matrices (the most
    /// frequent words: the vocabulary is sorted by count) are trained in thread-private
    /// copies whose changes are published every `private_sync_words` raw words; 0 turns
    /// this off. Those rows are updated by every thread all the time, and sharing them
    /// directly moves their cache lines between cores on nearly every update.
    pub private_rows: usize,
    /// Raw words a thread trains between two publications of its private rows.
    pub private_sync_words: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            vector_size: 100,
            window: 5,
            sg: false,
            negative: 5,
            hs: false,
            ns_exponent: 0.75,
            cbow_mean: true,
            alpha: 0.025,
            min_alpha: 0.0001,
            epochs: 5,
            sample: 1e-3,
            shrink_windows: true,
            n_threads: 1,
            seed: 1,
            max_sentence_length: DEFAULT_MAX_SENTENCE_LENGTH,
            kernel: None,
            shared_negatives: true,
            alpha_schedule: AlphaSchedule::Global,
            private_rows: 512,
            private_sync_words: 16384,
        }
    }
}

impl TrainConfig {
    /// Checks every parameter's domain: the one check, made before any corpus is read.
    ///
    /// # Errors
    /// `InvalidParameter` naming the first bad parameter and its value.
    pub fn validate(&self) -> Result<()> {
        fn p(name: &'static str, reason: impl Into<String>) -> EmbedError {
            EmbedError::param(name, reason)
        }
        let at_least_one = |name: &'static str, v: usize| {
            if v == 0 {
                Err(p(name, "must be an integer >= 1, got 0"))
            } else {
                Ok(())
            }
        };
        at_least_one("vector_size", self.vector_size)?;
        at_least_one("max_sentence_length", self.max_sentence_length)?;
        if self.max_sentence_length > MAX_SENTENCE_LENGTH {
            return Err(p(
                "max_sentence_length",
                format!(
                    "must be <= {MAX_SENTENCE_LENGTH} (sentence lengths are counted in 32 \
                     bits), got {}",
                    self.max_sentence_length
                ),
            ));
        }
        at_least_one("window", self.window)?;
        if self.window > self.max_sentence_length {
            return Err(p(
                "window",
                format!(
                    "{} is larger than max_sentence_length={}: sentences are cut into pieces \
                     of at most max_sentence_length words, so no window could ever be that \
                     wide; lower window or raise max_sentence_length",
                    self.window, self.max_sentence_length
                ),
            ));
        }
        if self.negative == 0 && !self.hs {
            return Err(p(
                "negative",
                "is 0 and hs is off, so nothing would be trained: set negative >= 1 \
                 (negative sampling) or hs=1 (hierarchical softmax), or both",
            ));
        }
        if self.negative > MAX_NEGATIVE {
            return Err(p(
                "negative",
                format!(
                    "must be <= {MAX_NEGATIVE} (each positive example costs negative + 1 \
                     updates; word2vec uses 5 to 20), got {}",
                    self.negative
                ),
            ));
        }
        at_least_one("epochs", self.epochs)?;
        if !(self.sample.is_finite() && self.sample >= 0.0) {
            return Err(p(
                "sample",
                format!(
                    "must be a finite number >= 0.0, got {}",
                    show_f64(self.sample)
                ),
            ));
        }
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return Err(p(
                "alpha",
                format!(
                    "must be a finite number > 0.0, got {}",
                    show_f64(self.alpha)
                ),
            ));
        }
        if self.alpha > MAX_ALPHA {
            return Err(p(
                "alpha",
                format!(
                    "must be <= {}, got {}",
                    show_f64(MAX_ALPHA),
                    show_f64(self.alpha)
                ),
            ));
        }
        if !(self.min_alpha.is_finite() && self.min_alpha >= 0.0) {
            return Err(p(
                "min_alpha",
                format!(
                    "must be a finite number >= 0.0, got {}",
                    show_f64(self.min_alpha)
                ),
            ));
        }
        if self.min_alpha > self.alpha {
            return Err(p(
                "min_alpha",
                format!(
                    "{} is above alpha={}",
                    show_f64(self.min_alpha),
                    show_f64(self.alpha)
                ),
            ));
        }
        if !self.ns_exponent.is_finite() {
            return Err(p(
                "ns_exponent",
                format!(
                    "must be a finite number, got {}",
                    show_f64(self.ns_exponent)
                ),
            ));
        }
        if self.n_threads == 0 {
            return Err(p("n_jobs", "must give at least one thread"));
        }
        if self.n_threads > MAX_THREADS {
            return Err(p(
                "n_jobs",
                format!("must be <= {MAX_THREADS} threads, got {}", self.n_threads),
            ));
        }
        let scratch = self.scratch_bytes();
        if scratch > MAX_SCRATCH_BYTES {
            return Err(p(
                "window",
                format!(
                    "window={}, vector_size={} and negative={} need {:.1} GiB of buffers per \
                     thread (at most {} GiB); lower window, vector_size or negative",
                    self.window,
                    self.vector_size,
                    self.negative,
                    scratch as f64 / (1u64 << 30) as f64,
                    MAX_SCRATCH_BYTES >> 30
                ),
            ));
        }
        Ok(())
    }

    /// Bytes of the per-thread window buffers (see [`MAX_SCRATCH_BYTES`]).
    pub fn scratch_bytes(&self) -> u128 {
        let m = 2 * self.window as u128;
        let t = self.negative as u128 + 1;
        let d = self.vector_size as u128;
        let floats = m
            .saturating_mul(d)
            .saturating_add(t.saturating_mul(d))
            .saturating_add(m.saturating_mul(t).saturating_mul(2))
            .saturating_add(2 * d);
        floats.saturating_mul(4)
    }
}

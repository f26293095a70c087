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
/// Largest `output_weight` accepted: 1 is the plain sum of the two matrices (GloVe's
/// `W + W~`, Levy, Goldberg and Dagan's `w + c`); beyond it the output vectors would
/// outweigh the vectors the model is named after.
pub const MAX_OUTPUT_WEIGHT: f64 = 1.0;
/// Bound on the buffers each worker thread allocates for one window (context rows, target
/// rows and their gradients): about `4 * (m * dim + t * dim + 2 * m * t)` bytes with
/// `m = 2 * window` and `t = negative + 1`.
pub const MAX_SCRATCH_BYTES: u128 = 1 << 30;
/// Shortest interval, in raw words, between two publications of a thread's private rows.
pub const MIN_PRIVATE_SYNC_WORDS: u64 = 256;
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

/// How CBOW hands the error of its combined context back to the context words.
///
/// With `m` context words, the three updates give each context word the context's error
/// scaled by `1`, `1 / sqrt(m)` or `1 / m` (with `cbow_mean`; with the sum, `1 / m`,
/// `1 / sqrt(m)` or `1`). [`TrainConfig::cbow_gradient`] picks one when none is given
/// ([`default_cbow_gradient`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CbowGradient {
    /// word2vec.c's and gensim's update: with `cbow_mean`, every context word receives the
    /// full gradient of the *averaged* context (as if it were the whole input); with the sum,
    /// gensim divides the error among them.
    Word2Vec,
    /// Halfway between the two others (in the exponent of `m`): every context word receives
    /// `1 / sqrt(m)` of the error, with the mean or the sum. Measured best on two corpora
    /// (`benches/RESULTS.md`, "The CBOW gradient"); the default with negative sampling.
    Sqrt,
    /// The gradient of the objective actually optimised (İrsoy, Benton and Stratos,
    /// "Corrected CBOW Performs as well as Skip-gram", 2021): with `cbow_mean`, each context
    /// word receives `1 / m` of the averaged context's gradient (m context words); with the
    /// sum, each receives all of it. It needs a larger learning rate than word2vec's update.
    Corrected,
}

impl CbowGradient {
    /// The names [`CbowGradient::parse`] accepts.
    pub const NAMES: [&'static str; 3] = ["word2vec", "sqrt", "corrected"];

    /// The gradient's name.
    pub fn name(self) -> &'static str {
        match self {
            CbowGradient::Word2Vec => "word2vec",
            CbowGradient::Sqrt => "sqrt",
            CbowGradient::Corrected => "corrected",
        }
    }

    /// Parses `"word2vec"`, `"sqrt"` or `"corrected"`.
    pub fn parse(name: &str) -> Option<CbowGradient> {
        match name {
            "word2vec" => Some(CbowGradient::Word2Vec),
            "sqrt" => Some(CbowGradient::Sqrt),
            "corrected" => Some(CbowGradient::Corrected),
            _ => None,
        }
    }

    /// Parses a name given for the `cbow_gradient` parameter.
    ///
    /// # Errors
    /// `InvalidParameter` naming `cbow_gradient` and the accepted names.
    pub fn from_param(name: &str) -> Result<CbowGradient> {
        CbowGradient::parse(name).ok_or_else(|| {
            EmbedError::param(
                "cbow_gradient",
                format!(
                    "must be one of 'word2vec', 'sqrt', 'corrected', got {}",
                    crate::error::show_str(name)
                ),
            )
        })
    }

    /// The factor applied to the context's accumulated error before it is added to each of
    /// its `m` words' input rows (`inv = 1 / m`); `None` for 1.
    #[inline(always)]
    pub fn context_scale(self, cbow_mean: bool, inv: f32) -> Option<f32> {
        match (self, cbow_mean) {
            (CbowGradient::Word2Vec, true) | (CbowGradient::Corrected, false) => None,
            (CbowGradient::Word2Vec, false) | (CbowGradient::Corrected, true) => Some(inv),
            (CbowGradient::Sqrt, _) => Some(inv.sqrt()),
        }
    }
}

/// The CBOW gradient a run uses when none is given (`cbow_gradient=None` in Python):
/// `Sqrt` with negative sampling alone, the best measured on the shared benchmark and on a
/// second corpus at 1, 2 and 5 epochs (`benches/RESULTS.md`, "The CBOW gradient");
/// word2vec's whenever hierarchical softmax is on (`hs`), whose rates and quality were
/// measured with it against gensim.
pub fn default_cbow_gradient(hs: bool) -> CbowGradient {
    if hs {
        CbowGradient::Word2Vec
    } else {
        CbowGradient::Sqrt
    }
}

/// The learning rate a run starts from when none is given (`alpha=None` in Python): the
/// best measured for each architecture on the shared benchmark (see `benches/RESULTS.md`,
/// "Default learning rates"). word2vec.c starts CBOW at 0.05 and skip-gram at 0.025; gensim
/// uses 0.025 for both.
///
/// Hierarchical softmax alone (`hs_only`: `hs` with `negative=0`) starts at gensim's and
/// word2vec.c's 0.025: the rates above were measured with negative sampling, and hs was
/// measured against gensim at 0.025.
/// Read it through [`TrainConfig::default_alpha`], which derives `hs_only` and the gradient.
fn default_alpha(sg: bool, cbow_gradient: CbowGradient, hs_only: bool) -> f64 {
    match (sg, cbow_gradient) {
        _ if hs_only => DEFAULT_ALPHA_HS,
        (true, _) => DEFAULT_ALPHA_SG,
        (false, CbowGradient::Word2Vec) => DEFAULT_ALPHA_CBOW,
        (false, CbowGradient::Sqrt) => DEFAULT_ALPHA_CBOW_SQRT,
        (false, CbowGradient::Corrected) => DEFAULT_ALPHA_CBOW_CORRECTED,
    }
}

/// The share of the first fit's default starting rate that continued training
/// (`partial_fit`) starts from when no rate is given anywhere: sequential training forgets
/// part of the earlier text, and at the first fit's rate it forgot the most. On the full
/// shared corpus split in halves (`benches/bench_partial_fit.py`, 2 seeds), continuing at
/// the fit's own rate ended 3.8 (CBOW, 0.1) and 4.7 (skip-gram, 0.035) analogy points under
/// training on the whole; at half of it 1.4 and 2.1, similarity within 0.016.
pub const CONTINUE_ALPHA_SHARE: f64 = 0.5;

/// The weight of the output vectors in the word vectors when none is given
/// (`output_weight=None` in Python; see [`TrainConfig::output_weight`]).
///
/// CBOW with negative sampling alone: [`DEFAULT_OUTPUT_WEIGHT_CBOW`]. Its output vectors are
/// the vectors of the predicted (centre) words, trained as much as the input ones; adding
/// half of them gave the best vectors measured on two corpora at 1, 2 and 5 epochs
/// (`benches/RESULTS.md`, "Word vectors from both matrices"). Skip-gram: 0, as word2vec.c
/// and gensim (adding them lost 2.4 analogy points). With hierarchical softmax: 0 (its
/// output rows are tree nodes, not words; hs+neg keeps gensim's vectors to compare with).
pub fn default_output_weight(sg: bool, hs: bool, negative: usize) -> f64 {
    if !sg && !hs && negative > 0 {
        DEFAULT_OUTPUT_WEIGHT_CBOW
    } else {
        0.0
    }
}

/// Default output weight of CBOW with negative sampling (see [`default_output_weight`]).
pub const DEFAULT_OUTPUT_WEIGHT_CBOW: f64 = 0.5;

/// Default starting learning rate with hierarchical softmax alone.
pub const DEFAULT_ALPHA_HS: f64 = 0.025;
/// Default starting learning rate of skip-gram.
pub const DEFAULT_ALPHA_SG: f64 = 0.035;
/// Default starting learning rate of CBOW with word2vec's gradient.
pub const DEFAULT_ALPHA_CBOW: f64 = 0.065;
/// Default starting learning rate of CBOW with the `1 / sqrt(m)` gradient (the default).
pub const DEFAULT_ALPHA_CBOW_SQRT: f64 = 0.1;
/// Default starting learning rate of CBOW with the corrected gradient.
pub const DEFAULT_ALPHA_CBOW_CORRECTED: f64 = 0.1;

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
    /// CBOW: how the context's error reaches each context word; `None`: the objective's
    /// default ([`default_cbow_gradient`]). Read it through [`TrainConfig::cbow_gradient`].
    pub cbow_gradient: Option<CbowGradient>,
    /// Initial learning rate (training computes with its nearest `f32`); `None`: the
    /// architecture's default ([`TrainConfig::default_alpha`]). Read it through [`TrainConfig::alpha`].
    pub alpha: Option<f64>,
    /// Final learning rate (training computes with its nearest `f32`).
    pub min_alpha: f64,
    /// The word vectors a run returns are `syn0 + output_weight * syn1neg` (the input
    /// vectors plus this share of negative sampling's output vectors; training itself only
    /// ever uses and updates the two matrices apart). `None`: the architecture's default
    /// ([`default_output_weight`]). Read it through [`TrainConfig::output_weight`].
    pub output_weight: Option<f64>,
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
    /// copies whose changes are published every [`TrainConfig::private_sync_interval`] raw
    /// words; 0 turns this off. Those rows are updated by every thread all the time, and
    /// sharing them directly moves their cache lines between cores on nearly every update.
    pub private_rows: usize,
    /// The publication interval's scale: each of `n` threads publishes its private rows
    /// every `private_sync_words / n²` raw words (see
    /// [`TrainConfig::private_sync_interval`]).
    pub private_sync_words: u64,
    /// With more than one thread, rows `private_rows..warm_rows` (at most an eighth of the
    /// vocabulary) are thread-private too, and published less often the rarer they are:
    /// rows below `4 * private_rows` every 16 private-row intervals
    /// ([`TrainConfig::private_sync_interval`]), the next four times as many rows every 64,
    /// and so on, so that each row misses about as many of the other threads' updates as
    /// the first of them. Every thread updates these rows too, and when the threads run on
    /// cores far apart (another socket or core complex, where a cache line takes several
    /// hundred nanoseconds to move) sharing them directly halves the speed of two threads.
    /// At most `private_rows` turns this off.
    pub warm_rows: usize,
    /// Over files, epochs after the first read the first epoch's vocabulary ids from a
    /// temporary file instead of the text (see `corpus::cache`; same results, about 5-8%
    /// faster). The environment variable `EMBEDRS_ID_CACHE=0` turns it off as well.
    pub id_cache: bool,
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
            cbow_gradient: None,
            alpha: None,
            min_alpha: 0.0001,
            output_weight: None,
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
            warm_rows: 8192,
            id_cache: true,
        }
    }
}

impl TrainConfig {
    /// Hierarchical softmax alone (`hs` with `negative = 0`).
    pub fn hs_only(&self) -> bool {
        self.hs && self.negative == 0
    }

    /// CBOW's gradient: `cbow_gradient`, or the objective's default.
    pub fn cbow_gradient(&self) -> CbowGradient {
        self.cbow_gradient
            .unwrap_or_else(|| default_cbow_gradient(self.hs))
    }

    /// The starting learning rate: `alpha`, or the architecture's default.
    pub fn alpha(&self) -> f64 {
        self.alpha.unwrap_or_else(|| self.default_alpha())
    }

    /// The weight of the output vectors in the word vectors: `output_weight`, or the
    /// architecture's default.
    pub fn output_weight(&self) -> f64 {
        self.output_weight
            .unwrap_or_else(|| default_output_weight(self.sg, self.hs, self.negative))
    }

    /// The architecture's and objective's default starting rate (whatever `alpha` is).
    pub fn default_alpha(&self) -> f64 {
        default_alpha(self.sg, self.cbow_gradient(), self.hs_only())
    }

    /// The rate continued training starts from when no rate is given anywhere:
    /// [`CONTINUE_ALPHA_SHARE`] of [`TrainConfig::default_alpha`].
    pub fn default_continue_alpha(&self) -> f64 {
        self.default_alpha() * CONTINUE_ALPHA_SHARE
    }

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
        let alpha = self.alpha();
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
        if !(alpha.is_finite() && alpha > 0.0) {
            return Err(p(
                "alpha",
                format!("must be a finite number > 0.0, got {}", show_f64(alpha)),
            ));
        }
        if alpha > MAX_ALPHA {
            return Err(p(
                "alpha",
                format!(
                    "must be <= {}, got {}",
                    show_f64(MAX_ALPHA),
                    show_f64(alpha)
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
        if self.min_alpha > alpha {
            return Err(p(
                "min_alpha",
                format!(
                    "{} is above alpha={}",
                    show_f64(self.min_alpha),
                    show_f64(alpha)
                ),
            ));
        }
        let weight = self.output_weight();
        if !(weight.is_finite() && (0.0..=MAX_OUTPUT_WEIGHT).contains(&weight)) {
            return Err(p(
                "output_weight",
                format!(
                    "must be a finite number from 0.0 to {}, got {}",
                    show_f64(MAX_OUTPUT_WEIGHT),
                    show_f64(weight)
                ),
            ));
        }
        if weight != 0.0 && self.negative == 0 {
            return Err(p(
                "output_weight",
                format!(
                    "is {} but negative=0: only negative sampling's output rows are word \
                     vectors (hierarchical softmax's are tree nodes); set output_weight=0 or \
                     negative >= 1",
                    show_f64(weight)
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

    /// Raw words a thread trains between two publications of its private rows:
    /// `private_sync_words / n_threads²`, at least [`MIN_PRIVATE_SYNC_WORDS`].
    ///
    /// The published changes of `n` threads are summed, each computed against rows up to
    /// `n` intervals old: the longer and the more threads, the more a frequent row's summed
    /// step overshoots. With a fixed interval of 16,384 words, 4 threads on a 2M-word corpus
    /// of 7,000 words left the vectors useless (a word's known neighbour at rank ~2,000
    /// instead of ~15); shrinking the interval with the square of the threads keeps every
    /// thread count at single-thread quality on that corpus (2 to 16 threads measured).
    pub fn private_sync_interval(&self) -> u64 {
        let n = self.n_threads.max(1) as u64;
        (self.private_sync_words / n.saturating_mul(n)).max(MIN_PRIVATE_SYNC_WORDS)
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

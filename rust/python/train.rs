//! Bindings for `train` and `pipeline` settings: the validated configuration, the typed
//! progress and epoch reports, the sink that calls back into Python, and the defaults and
//! limits the Python layer reads.

use std::sync::Arc;
use std::time::{Duration, Instant};

use numpy::{IntoPyArray, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use super::cancel::Signals;
use super::model::PyKeyedVectors;
use crate::error::EmbedError;
use crate::model::KeyedVectors;
use crate::pipeline::VocabSettings;
use crate::train::{
    self, kernels, AlphaSchedule, CbowGradient, Control, EpochReport, Progress, ProgressSink,
    TrainConfig, TrainReport,
};
use crate::vocab::Vocab;

/// An integer parameter as the core's count type: a negative value is out of every count's
/// domain, and says so in the core's words.
fn count(name: &'static str, v: i64) -> PyResult<usize> {
    usize::try_from(v)
        .map_err(|_| EmbedError::param(name, format!("must be an integer >= 1, got {v}")).into())
}

fn optional_count(name: &'static str, v: Option<i64>) -> PyResult<Option<usize>> {
    v.map(|v| count(name, v)).transpose()
}

/// Every setting of a model: the vocabulary settings and the training hyper-parameters,
/// checked by the core when built (before any corpus is read).
#[pyclass(name = "TrainConfig", module = "embedrs._embedrs", frozen)]
pub struct PyTrainConfig {
    pub(crate) train: TrainConfig,
    pub(crate) vocab: VocabSettings,
}

#[pymethods]
impl PyTrainConfig {
    #[new]
    #[pyo3(signature = (*, vector_size=None, window=None, sg=None, negative=None, hs=None,
        ns_exponent=None, cbow_mean=None, cbow_gradient=None, alpha=None, min_alpha=None, epochs=None, sample=None,
        shrink_windows=None, output_weight=None, n_jobs=None, seed=None, max_sentence_length=None,
        shared_negatives=None, alpha_schedule=None, kernel=None, min_count=None,
        max_final_vocab=None, max_vocab_size=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        vector_size: Option<i64>,
        window: Option<i64>,
        sg: Option<bool>,
        negative: Option<i64>,
        hs: Option<bool>,
        ns_exponent: Option<f64>,
        cbow_mean: Option<bool>,
        cbow_gradient: Option<&str>,
        alpha: Option<f64>,
        min_alpha: Option<f64>,
        epochs: Option<i64>,
        sample: Option<f64>,
        shrink_windows: Option<bool>,
        output_weight: Option<f64>,
        n_jobs: Option<i64>,
        seed: Option<u64>,
        max_sentence_length: Option<i64>,
        shared_negatives: Option<bool>,
        alpha_schedule: Option<&str>,
        kernel: Option<&str>,
        min_count: Option<i64>,
        max_final_vocab: Option<i64>,
        max_vocab_size: Option<i64>,
    ) -> PyResult<Self> {
        let d = TrainConfig::default();
        let alpha_schedule = match alpha_schedule {
            None => d.alpha_schedule,
            Some(name) => AlphaSchedule::parse(name).ok_or_else(|| {
                EmbedError::param(
                    "alpha_schedule",
                    format!(
                        "must be one of 'global', 'per_thread', got {}",
                        crate::error::show_str(name)
                    ),
                )
            })?,
        };
        let cbow_gradient = cbow_gradient.map(CbowGradient::from_param).transpose()?;
        let sg = sg.unwrap_or(d.sg);
        let kernel = match kernel {
            None => None,
            Some(name) => kernels::parse_choice(name).ok_or_else(|| {
                EmbedError::param(
                    "kernel",
                    format!("unknown SIMD kernel {name:?}; use scalar, avx2, avx512, neon or auto"),
                )
            })?,
        };
        let train = TrainConfig {
            vector_size: vector_size.map_or(Ok(d.vector_size), |v| count("vector_size", v))?,
            window: window.map_or(Ok(d.window), |v| count("window", v))?,
            sg,
            negative: negative.map_or(Ok(d.negative), |v| {
                usize::try_from(v).map_err(|_| {
                    EmbedError::param("negative", format!("must be an integer >= 0, got {v}"))
                })
            })?,
            hs: hs.unwrap_or(d.hs),
            ns_exponent: ns_exponent.unwrap_or(d.ns_exponent),
            cbow_mean: cbow_mean.unwrap_or(d.cbow_mean),
            cbow_gradient,
            alpha,
            min_alpha: min_alpha.unwrap_or(d.min_alpha),
            output_weight,
            epochs: epochs.map_or(Ok(d.epochs), |v| count("epochs", v))?,
            sample: sample.unwrap_or(d.sample),
            shrink_windows: shrink_windows.unwrap_or(d.shrink_windows),
            n_threads: n_jobs.map_or(Ok(d.n_threads), crate::threads::resolve_n_jobs)?,
            seed: seed.unwrap_or(d.seed),
            max_sentence_length: max_sentence_length.map_or(Ok(d.max_sentence_length), |v| {
                count("max_sentence_length", v)
            })?,
            kernel,
            shared_negatives: shared_negatives.unwrap_or(d.shared_negatives),
            alpha_schedule,
            ..d
        };
        let dv = VocabSettings::default();
        let vocab = VocabSettings {
            min_count: min_count.map_or(Ok(dv.min_count), |v| {
                count("min_count", v).map(|c| c as u64)
            })?,
            max_final_vocab: optional_count("max_final_vocab", max_final_vocab)?,
            max_vocab_size: optional_count("max_vocab_size", max_vocab_size)?,
        };
        train.validate()?;
        vocab.validate()?;
        Ok(PyTrainConfig { train, vocab })
    }

    /// Worker threads (`n_jobs` resolved: -1 is every core this process may use).
    #[getter]
    fn n_threads(&self) -> usize {
        self.train.n_threads
    }
    #[getter]
    fn seed(&self) -> u64 {
        self.train.seed
    }
    #[getter]
    fn vector_size(&self) -> usize {
        self.train.vector_size
    }
    /// Hierarchical softmax on.
    #[getter]
    fn hs(&self) -> bool {
        self.train.hs
    }
    #[getter]
    fn epochs(&self) -> usize {
        self.train.epochs
    }
    #[getter]
    fn alpha(&self) -> f64 {
        self.train.alpha()
    }
    #[getter]
    fn min_alpha(&self) -> f64 {
        self.train.min_alpha
    }
    /// The weight of the output vectors in the word vectors (resolved: never None).
    #[getter]
    fn output_weight(&self) -> f64 {
        self.train.output_weight()
    }

    fn __repr__(&self) -> String {
        format!("TrainConfig({:?}, {:?})", self.train, self.vocab)
    }
}

/// The default of every setting, by the parameter names of `embedrs.Word2Vec`: the one
/// source the Python layer reads them from.
#[pyfunction]
pub(crate) fn defaults(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let d = TrainConfig::default();
    let v = VocabSettings::default();
    let out = PyDict::new(py);
    out.set_item("vector_size", d.vector_size)?;
    out.set_item("window", d.window)?;
    out.set_item("min_count", v.min_count)?;
    out.set_item("max_vocab_size", v.max_vocab_size)?;
    out.set_item("max_final_vocab", v.max_final_vocab)?;
    out.set_item("sample", d.sample)?;
    out.set_item("sg", d.sg as u8)?;
    out.set_item("negative", d.negative)?;
    out.set_item("hs", d.hs as u8)?;
    out.set_item("ns_exponent", d.ns_exponent)?;
    out.set_item("cbow_mean", d.cbow_mean)?;
    // None: the objective's default (`default_cbow_gradient`).
    out.set_item("cbow_gradient", py.None())?;
    // None: the measured best for the architecture (`default_alpha`).
    out.set_item("alpha", py.None())?;
    out.set_item("min_alpha", d.min_alpha)?;
    // None: the measured best for the architecture (`default_output_weight`).
    out.set_item("output_weight", py.None())?;
    out.set_item("alpha_schedule", d.alpha_schedule.name())?;
    out.set_item("epochs", d.epochs)?;
    out.set_item("shrink_windows", d.shrink_windows)?;
    out.set_item("shared_negatives", d.shared_negatives)?;
    out.set_item("max_sentence_length", d.max_sentence_length)?;
    Ok(out)
}

/// The learning rate a run starts from when ``alpha`` is None: the measured best for the
/// architecture and objective (skip-gram; CBOW with the given gradient, or with its default
/// for ``hs`` when None; gensim's 0.025 for hierarchical softmax alone, ``hs=1,
/// negative=0``), resolved by the core's training configuration. ``continued``: the rate
/// continued training (``partial_fit``) starts from, a share of the first fit's.
///
/// Examples
/// --------
/// >>> from embedrs import _embedrs
/// >>> _embedrs.default_alpha(sg=True), _embedrs.default_alpha(sg=False)
/// (0.035, 0.1)
/// >>> _embedrs.default_alpha(sg=False, cbow_gradient="word2vec")
/// 0.065
/// >>> _embedrs.default_alpha(sg=False, hs=True, negative=0)
/// 0.025
/// >>> _embedrs.default_alpha(sg=False, continued=True)
/// 0.05
#[pyfunction]
#[pyo3(signature = (*, sg, cbow_gradient=None, hs=false, negative=5, continued=false))]
pub(crate) fn default_alpha(
    sg: bool,
    cbow_gradient: Option<&str>,
    hs: bool,
    negative: usize,
    continued: bool,
) -> PyResult<f64> {
    let cfg = TrainConfig {
        sg,
        hs,
        negative,
        cbow_gradient: cbow_gradient.map(CbowGradient::from_param).transpose()?,
        ..Default::default()
    };
    Ok(if continued {
        cfg.default_continue_alpha()
    } else {
        cfg.default_alpha()
    })
}

/// The CBOW gradient a run uses when ``cbow_gradient`` is None: ``"sqrt"`` with negative
/// sampling alone, word2vec's whenever hierarchical softmax is on.
///
/// Examples
/// --------
/// >>> from embedrs import _embedrs
/// >>> _embedrs.default_cbow_gradient(hs=False), _embedrs.default_cbow_gradient(hs=True)
/// ('sqrt', 'word2vec')
#[pyfunction]
#[pyo3(signature = (*, hs=false))]
pub(crate) fn default_cbow_gradient(hs: bool) -> &'static str {
    train::default_cbow_gradient(hs).name()
}

/// The weight of negative sampling's output vectors in the word vectors when
/// ``output_weight`` is None: the measured best for the architecture (0.5 for CBOW with
/// negative sampling alone; 0, the input vectors only, for skip-gram and with hierarchical
/// softmax).
///
/// Examples
/// --------
/// >>> from embedrs import _embedrs
/// >>> _embedrs.default_output_weight(sg=False), _embedrs.default_output_weight(sg=True)
/// (0.5, 0.0)
/// >>> _embedrs.default_output_weight(sg=False, hs=True)
/// 0.0
#[pyfunction]
#[pyo3(signature = (*, sg, hs=false, negative=5))]
pub(crate) fn default_output_weight(sg: bool, hs: bool, negative: usize) -> f64 {
    train::default_output_weight(sg, hs, negative)
}

/// The upper bounds of the settings, and the accepted names of the choices.
#[pyfunction]
pub(crate) fn limits(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("negative", train::MAX_NEGATIVE)?;
    out.set_item("n_jobs", train::MAX_THREADS)?;
    out.set_item("alpha", train::MAX_ALPHA)?;
    out.set_item("output_weight", train::MAX_OUTPUT_WEIGHT)?;
    out.set_item("max_sentence_length", train::MAX_SENTENCE_LENGTH)?;
    out.set_item("random_state", train::config::MAX_RANDOM_STATE)?;
    out.set_item("alpha_schedule", AlphaSchedule::NAMES.to_vec())?;
    out.set_item("cbow_gradient", CbowGradient::NAMES.to_vec())?;
    out.set_item("simd_kernels", kernels::NAMES.to_vec())?;
    Ok(out)
}

/// A snapshot of a running training (passed to ``on_progress``).
///
/// Attributes
/// ----------
/// epoch, epochs : int
///     Current epoch (0-based) and number of epochs.
/// words_done, words_total : int
///     Raw corpus words processed so far and expected, over all epochs.
/// alpha : float
///     Current learning rate.
/// epoch_loss : float
///     Loss summed over the current epoch so far.
/// words_per_sec : float
///     Raw words per second since training started.
/// elapsed : float
///     Seconds since training started.
/// fraction : float
///     Share of the whole run done, in [0, 1].
///
/// Examples
/// --------
/// >>> import embedrs
/// >>> p = embedrs.Progress(epoch=0, epochs=2, words_done=50, words_total=200, alpha=0.02,
/// ...                      epoch_loss=3.5, words_per_sec=1000.0, elapsed=0.05)
/// >>> p.fraction
/// 0.25
#[pyclass(name = "Progress", module = "embedrs", frozen, eq, get_all)]
#[derive(Clone, PartialEq)]
pub struct PyProgress {
    epoch: usize,
    epochs: usize,
    words_done: u64,
    words_total: u64,
    alpha: f64,
    epoch_loss: f64,
    words_per_sec: f64,
    elapsed: f64,
}

#[pymethods]
impl PyProgress {
    #[new]
    #[pyo3(signature = (*, epoch, epochs, words_done, words_total, alpha, epoch_loss,
        words_per_sec, elapsed))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        epoch: usize,
        epochs: usize,
        words_done: u64,
        words_total: u64,
        alpha: f64,
        epoch_loss: f64,
        words_per_sec: f64,
        elapsed: f64,
    ) -> Self {
        PyProgress {
            epoch,
            epochs,
            words_done,
            words_total,
            alpha,
            epoch_loss,
            words_per_sec,
            elapsed,
        }
    }

    /// Share of the whole run done, in [0, 1].
    #[getter]
    fn fraction(&self) -> f64 {
        (self.words_done as f64 / self.words_total.max(1) as f64).min(1.0)
    }

    fn __repr__(&self) -> String {
        format!(
            "Progress(epoch={}, epochs={}, words_done={}, words_total={}, alpha={}, \
             epoch_loss={}, words_per_sec={}, elapsed={})",
            self.epoch,
            self.epochs,
            self.words_done,
            self.words_total,
            crate::error::show_f64(self.alpha),
            crate::error::show_f64(self.epoch_loss),
            crate::error::show_f64(self.words_per_sec),
            crate::error::show_f64(self.elapsed)
        )
    }
}

impl From<&Progress> for PyProgress {
    fn from(p: &Progress) -> Self {
        PyProgress {
            epoch: p.epoch,
            epochs: p.epochs,
            words_done: p.words_done,
            words_total: p.words_total,
            alpha: p.alpha as f64,
            epoch_loss: p.epoch_loss,
            words_per_sec: p.words_per_sec,
            elapsed: p.elapsed,
        }
    }
}

/// Statistics of a finished epoch (passed to ``on_epoch_end``; ``Word2Vec.epoch_stats_``).
///
/// Attributes
/// ----------
/// epoch : int
/// loss : float
///     Sum of the negative-sampling loss of every prediction of the epoch.
/// predictions : int
///     Number of (input, target) predictions made (positives and negatives).
/// raw_words, effective_words : int
///     Corpus words read, and words trained on after subsampling.
/// seconds : float
/// mean_loss : float
///     Loss per prediction.
///
/// Examples
/// --------
/// >>> import embedrs
/// >>> embedrs.EpochStats(epoch=0, loss=50.0, predictions=100, raw_words=20,
/// ...                    effective_words=15, seconds=0.1).mean_loss
/// 0.5
#[pyclass(name = "EpochStats", module = "embedrs", frozen, eq, get_all)]
#[derive(Clone, PartialEq)]
pub struct PyEpochStats {
    epoch: usize,
    loss: f64,
    predictions: u64,
    raw_words: u64,
    effective_words: u64,
    seconds: f64,
}

#[pymethods]
impl PyEpochStats {
    #[new]
    #[pyo3(signature = (*, epoch, loss, predictions, raw_words, effective_words, seconds))]
    fn new(
        epoch: usize,
        loss: f64,
        predictions: u64,
        raw_words: u64,
        effective_words: u64,
        seconds: f64,
    ) -> Self {
        PyEpochStats {
            epoch,
            loss,
            predictions,
            raw_words,
            effective_words,
            seconds,
        }
    }

    /// Loss per prediction.
    #[getter]
    fn mean_loss(&self) -> f64 {
        self.loss / self.predictions.max(1) as f64
    }

    /// The fields as a dict (as saved in a model file's metadata).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("epoch", self.epoch)?;
        d.set_item("loss", self.loss)?;
        d.set_item("predictions", self.predictions)?;
        d.set_item("raw_words", self.raw_words)?;
        d.set_item("effective_words", self.effective_words)?;
        d.set_item("seconds", self.seconds)?;
        Ok(d)
    }

    /// The inverse of `to_dict`.
    #[staticmethod]
    fn from_dict(d: &Bound<'_, PyDict>) -> PyResult<Self> {
        let get = |k: &str| -> PyResult<Bound<'_, PyAny>> {
            d.get_item(k)?
                .ok_or_else(|| pyo3::exceptions::PyKeyError::new_err(k.to_owned()))
        };
        Ok(PyEpochStats {
            epoch: get("epoch")?.extract()?,
            loss: get("loss")?.extract()?,
            predictions: get("predictions")?.extract()?,
            raw_words: get("raw_words")?.extract()?,
            effective_words: get("effective_words")?.extract()?,
            seconds: get("seconds")?.extract()?,
        })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let ctor = py.get_type::<PyEpochStats>().getattr("from_dict")?;
        (ctor, (slf.get().to_dict(py)?,)).into_pyobject(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "EpochStats(epoch={}, loss={}, predictions={}, raw_words={}, effective_words={}, \
             seconds={})",
            self.epoch,
            crate::error::show_f64(self.loss),
            self.predictions,
            self.raw_words,
            self.effective_words,
            crate::error::show_f64(self.seconds)
        )
    }
}

impl From<&EpochReport> for PyEpochStats {
    fn from(r: &EpochReport) -> Self {
        PyEpochStats {
            epoch: r.epoch,
            loss: r.loss,
            predictions: r.predictions,
            raw_words: r.raw_words,
            effective_words: r.effective_words,
            seconds: r.seconds,
        }
    }
}

/// What a training run did.
#[pyclass(name = "TrainReport", module = "embedrs._embedrs", frozen, get_all)]
pub struct PyTrainReport {
    /// One `EpochStats` per finished epoch.
    epochs: Vec<Py<PyEpochStats>>,
    /// A callback stopped the run before all epochs ran.
    stopped_early: bool,
    /// The SIMD kernel used.
    kernel: &'static str,
    /// Wall time of training in seconds.
    seconds: f64,
}

impl PyTrainReport {
    pub(crate) fn new(py: Python<'_>, r: &TrainReport) -> PyResult<Self> {
        Ok(PyTrainReport {
            epochs: r
                .epochs
                .iter()
                .map(|e| Py::new(py, PyEpochStats::from(e)))
                .collect::<PyResult<_>>()?,
            stopped_early: r.stopped_early,
            kernel: r.kernel,
            seconds: r.seconds,
        })
    }
}

/// Calls the methods of a Python object from the coordinating thread of a training run:
/// `on_train_begin(words_total)`, `on_epoch_begin(epoch)`, `on_progress(Progress)` at most
/// every `interval`, `on_epoch_end(EpochStats)` and, if it has `wants_snapshots` true,
/// `on_epoch_vectors(epoch, KeyedVectors)`. A falsy return stops training early, keeping the
/// weights; an exception cancels training and is re-raised. Ctrl-C is honoured at every
/// progress tick even without a callback.
pub(crate) struct PySink {
    signals: Signals,
    callback: Option<Py<PyAny>>,
    snapshots: bool,
    /// The vocabulary of the epoch snapshots (a copy, made only when snapshots are wanted).
    vocab: Option<Arc<Vocab>>,
    dim: usize,
    /// The run's `output_weight`: the snapshots are the word vectors `fit` would return.
    output_weight: f64,
    interval: Duration,
    last: Instant,
    pub(crate) error: Option<PyErr>,
}

impl PySink {
    pub(crate) fn new(
        py: Python<'_>,
        callback: Option<Py<PyAny>>,
        config: &TrainConfig,
        interval: f64,
    ) -> PyResult<Self> {
        let snapshots = match &callback {
            Some(cb) => {
                let cb = cb.bind(py);
                cb.hasattr("wants_snapshots")? && cb.getattr("wants_snapshots")?.is_truthy()?
            }
            None => false,
        };
        Ok(PySink {
            signals: Signals::default(),
            callback,
            snapshots,
            vocab: None,
            dim: config.vector_size,
            output_weight: config.output_weight(),
            interval: Duration::try_from_secs_f64(interval.max(0.0)).unwrap_or(Duration::MAX),
            last: Instant::now(),
            error: None,
        })
    }

    /// Re-raises the Python error that cancelled the run, else converts the core error.
    pub(crate) fn finish<T>(&mut self, r: crate::Result<T>) -> PyResult<T> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.signals.finish(r)
    }

    fn call(
        &mut self,
        method: &str,
        args: impl for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, PyTuple>>,
    ) -> crate::Result<Control> {
        Python::attach(|py| {
            let r: PyResult<Control> = (|| {
                py.check_signals()?;
                let Some(cb) = &self.callback else {
                    return Ok(Control::Continue);
                };
                let out = cb.bind(py).call_method1(method, args(py)?)?;
                Ok(if out.is_truthy()? {
                    Control::Continue
                } else {
                    Control::Stop
                })
            })();
            r.map_err(|e| {
                self.error = Some(e);
                EmbedError::Cancelled
            })
        })
    }
}

impl ProgressSink for PySink {
    fn interrupt(&self) -> crate::cancel::Interrupt {
        self.signals.interrupt()
    }
    fn on_train_begin(&mut self, vocab: &Vocab, words_total: u64) -> crate::Result<Control> {
        if self.snapshots {
            self.vocab = Some(Arc::new(vocab.clone()));
        }
        self.call("on_train_begin", |py| PyTuple::new(py, [words_total]))
    }
    fn on_epoch_begin(&mut self, epoch: usize) -> crate::Result<Control> {
        self.call("on_epoch_begin", |py| PyTuple::new(py, [epoch]))
    }
    fn on_progress(&mut self, p: &Progress) -> crate::Result<Control> {
        if self.last.elapsed() < self.interval || self.callback.is_none() {
            // Still react to Ctrl-C promptly.
            return Python::attach(|py| py.check_signals())
                .map(|_| Control::Continue)
                .map_err(|e| {
                    self.error = Some(e);
                    EmbedError::Cancelled
                });
        }
        self.last = Instant::now();
        let p = PyProgress::from(p);
        self.call("on_progress", move |py| {
            (Py::new(py, p)?,).into_pyobject(py)
        })
    }
    fn on_epoch_vectors(
        &mut self,
        epoch: usize,
        syn0: &[f32],
        syn1neg: &[f32],
    ) -> crate::Result<Control> {
        let Some(vocab) = &self.vocab else {
            return Ok(Control::Continue);
        };
        let vectors = crate::model::word_vectors(syn0, syn1neg, self.output_weight);
        let kv = KeyedVectors::new(vocab.clone(), self.dim, vectors)?;
        self.call("on_epoch_vectors", move |py| {
            (epoch, Py::new(py, PyKeyedVectors::from(kv))?).into_pyobject(py)
        })
    }
    fn on_epoch_end(&mut self, r: &EpochReport) -> crate::Result<Control> {
        let stats = PyEpochStats::from(r);
        self.call("on_epoch_end", move |py| {
            (Py::new(py, stats)?,).into_pyobject(py)
        })
    }
}

/// The threads `n_jobs` asks for (-1: every core this process may use).
#[pyfunction]
pub(crate) fn resolve_n_jobs(n_jobs: i64) -> PyResult<usize> {
    Ok(crate::threads::resolve_n_jobs(n_jobs)?)
}

/// The SIMD kernel this CPU would use by default.
#[pyfunction]
pub(crate) fn simd_kernel() -> &'static str {
    kernels::detect(None).name()
}

/// Whether a SIMD kernel (`scalar`, `avx2`, ...) can run on this CPU.
#[pyfunction]
pub(crate) fn simd_supported(name: &str) -> PyResult<bool> {
    match kernels::parse_choice(name) {
        Some(Some(k)) => Ok(kernels::supported(k)),
        Some(None) => Ok(true),
        None => Err(EmbedError::param("kernel", format!("unknown SIMD kernel {name:?}")).into()),
    }
}

/// The initial weights of a vocabulary, as two `(rows, vector_size)` float32 arrays (moved
/// into numpy, not copied): the distributed driver's starting point.
#[pyfunction]
pub(crate) fn init_weights<'py>(
    py: Python<'py>,
    vocab: &super::vocab::PyVocab,
    vector_size: usize,
    seed: u64,
) -> PyResult<super::Pair<'py, f32, f32>> {
    let v = vocab.inner.clone();
    let (syn0, syn1) = py.detach(|| train::init_weights(&v, vector_size, seed))?;
    let shape = (v.len(), vector_size);
    Ok((
        syn0.into_pyarray(py).reshape(shape)?,
        syn1.into_pyarray(py).reshape(shape)?,
    ))
}

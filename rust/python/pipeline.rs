//! Bindings for `pipeline`: a first fit and continued training, each one call.

use std::path::PathBuf;

use numpy::{IntoPyArray, PyArray2, PyArrayMethods, PyReadonlyArray2};
use pyo3::prelude::*;

use super::cancel::detached;
use super::corpus::PyCorpusBuilder;
use super::model::{copy_floats, PyKeyedVectors};
use super::train::{PySink, PyTrainConfig, PyTrainReport};
use super::vocab::{PyVocab, PyWordCounts};
use crate::corpus::{FileCorpus, IdCorpusBuilder};
use crate::model::KeyedVectors;
use crate::pipeline::{self, Previous, Source, Trained};
use crate::train::TrainConfig;

/// A trained model, as `fit` and `continue_training` return it.
#[pyclass(name = "TrainedModel", module = "embedrs._embedrs", frozen, get_all)]
pub struct PyTrainedModel {
    /// The word vectors (`syn0 + output_weight * syn1neg`), with the vocabulary.
    keyed_vectors: Py<PyKeyedVectors>,
    /// The input matrix training continues from, `(n_words, vector_size)`, when it differs
    /// from the word vectors (`output_weight` not 0); else None.
    syn0: Option<Py<PyArray2<f32>>>,
    /// The output matrix, `(n_words, vector_size)`.
    syn1neg: Py<PyArray2<f32>>,
    /// Hierarchical softmax's output matrix, `(n_words, vector_size)`, or None without `hs`.
    syn1: Option<Py<PyArray2<f32>>>,
    /// The counts of the words seen but left out of the vocabulary.
    rare_counts: Py<PyWordCounts>,
    /// What training did.
    report: Py<PyTrainReport>,
    /// Raw tokens of the text of this call (one pass).
    corpus_words: u64,
    /// Sentences of the text of this call.
    corpus_sentences: u64,
    /// Words this call added to the vocabulary.
    added_words: usize,
    /// Seconds spent counting and building the vocabulary.
    vocab_seconds: f64,
}

impl PyTrainedModel {
    fn new(py: Python<'_>, t: Trained, config: &TrainConfig) -> PyResult<Self> {
        let (rows, dim) = (t.vocab.len(), config.vector_size);
        let weight = config.output_weight();
        let (vectors, syn0) = if weight == 0.0 {
            (t.syn0, None)
        } else {
            let mixed = crate::model::word_vectors(&t.syn0, &t.syn1, weight);
            (
                mixed,
                Some(t.syn0.into_pyarray(py).reshape((rows, dim))?.unbind()),
            )
        };
        let kv = KeyedVectors::new(t.vocab, dim, vectors)?;
        Ok(PyTrainedModel {
            keyed_vectors: Py::new(py, PyKeyedVectors::from(kv))?,
            syn0,
            syn1neg: t.syn1.into_pyarray(py).reshape((rows, dim))?.unbind(),
            syn1: if t.syn1hs.is_empty() {
                None
            } else {
                Some(t.syn1hs.into_pyarray(py).reshape((rows, dim))?.unbind())
            },
            rare_counts: Py::new(py, PyWordCounts::from(t.rare))?,
            report: Py::new(py, PyTrainReport::new(py, &t.report)?)?,
            corpus_words: t.corpus_words,
            corpus_sentences: t.corpus_sentences,
            added_words: t.added_words,
            vocab_seconds: t.vocab_seconds,
        })
    }
}

/// The text: file paths, or a `CorpusBuilder` holding sentences (consumed).
enum SourceArg {
    Files(FileCorpus),
    Builder(IdCorpusBuilder),
}

impl SourceArg {
    fn extract(py: Python<'_>, source: &Bound<'_, PyAny>) -> PyResult<SourceArg> {
        if let Ok(b) = source.cast::<PyCorpusBuilder>() {
            return Ok(SourceArg::Builder(b.borrow_mut().take()?));
        }
        let paths: Vec<PathBuf> = source.extract()?;
        Ok(SourceArg::Files(detached(py, |interrupt| {
            FileCorpus::open_with(&paths, interrupt)
        })?))
    }
}

/// The pipeline's source, borrowing the files of `arg` (a builder moves into it).
macro_rules! source {
    ($arg:expr) => {
        match $arg {
            SourceArg::Files(ref f) => Source::Files(f),
            SourceArg::Builder(b) => Source::Sentences(b),
        }
    };
}

/// Trains a new model on `source` (a list of paths, or a `CorpusBuilder` of sentences) with
/// `config`; the GIL is released while it runs. `callback` receives the training events
/// (see the sink); `memory_bytes` bounds the matrices.
#[pyfunction]
#[pyo3(signature = (source, config, *, callback=None, memory_bytes=None, progress_interval=0.5))]
pub(crate) fn fit(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    config: &PyTrainConfig,
    callback: Option<Py<PyAny>>,
    memory_bytes: Option<u64>,
    progress_interval: f64,
) -> PyResult<PyTrainedModel> {
    let src = SourceArg::extract(py, source)?;
    let mut sink = PySink::new(py, callback, &config.train, progress_interval)?;
    let result = py.detach(|| {
        pipeline::fit(
            source!(src),
            &config.vocab,
            &config.train,
            memory_bytes,
            &mut sink,
        )
    });
    let trained = sink.finish(result)?;
    PyTrainedModel::new(py, trained, &config.train)
}

/// Continues training a model (`keyed_vectors`, `syn1neg`, `rare_counts`, trained for
/// `epochs_done` epochs so far, its hierarchical-softmax matrix `syn1` if any, and its input
/// matrix `syn0` when the word vectors are not the input vectors) on `source` with
/// `config`, growing the vocabulary.
#[pyfunction]
#[pyo3(signature = (keyed_vectors, syn1neg, rare_counts, source, config, *, epochs_done,
    callback=None, memory_bytes=None, progress_interval=0.5, syn1=None, syn0=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn continue_training(
    py: Python<'_>,
    keyed_vectors: &PyKeyedVectors,
    syn1neg: PyReadonlyArray2<'_, f32>,
    rare_counts: Option<&PyWordCounts>,
    source: &Bound<'_, PyAny>,
    config: &PyTrainConfig,
    epochs_done: u64,
    callback: Option<Py<PyAny>>,
    memory_bytes: Option<u64>,
    progress_interval: f64,
    syn1: Option<PyReadonlyArray2<'_, f32>>,
    syn0: Option<PyReadonlyArray2<'_, f32>>,
) -> PyResult<PyTrainedModel> {
    let src = SourceArg::extract(py, source)?;
    let mut sink = PySink::new(py, callback, &config.train, progress_interval)?;
    let kv = &keyed_vectors.inner;
    let syn1hs: Vec<f32> = match &syn1 {
        Some(a) => copy_floats(a, "syn1")?,
        None => Vec::new(),
    };
    let input: Option<&[f32]> = syn0.as_ref().map(|a| a.as_slice()).transpose()?;
    let prev = Previous {
        vocab: kv.vocab(),
        syn0: input.unwrap_or(kv.vectors()),
        syn1: syn1neg.as_slice()?,
        syn1hs: &syn1hs,
        rare: rare_counts.map(|r| &r.inner),
        epochs_done,
    };
    let result = py.detach(|| {
        pipeline::continue_training(
            prev,
            source!(src),
            &config.vocab,
            &config.train,
            memory_bytes,
            &mut sink,
        )
    });
    let trained = sink.finish(result)?;
    PyTrainedModel::new(py, trained, &config.train)
}

/// Trains the weights `syn0`/`syn1` of `vocab` (copied once; and `syn1hs`, hierarchical
/// softmax's matrix, if given) on `source` with `config`, the vocabulary fixed (gensim's
/// `train` after `build_vocab`).
#[pyfunction]
#[pyo3(signature = (vocab, syn0, syn1, source, config, *, callback=None, progress_interval=0.5,
    syn1hs=None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn train_more(
    py: Python<'_>,
    vocab: &PyVocab,
    syn0: PyReadonlyArray2<'_, f32>,
    syn1: PyReadonlyArray2<'_, f32>,
    source: &Bound<'_, PyAny>,
    config: &PyTrainConfig,
    callback: Option<Py<PyAny>>,
    progress_interval: f64,
    syn1hs: Option<PyReadonlyArray2<'_, f32>>,
) -> PyResult<PyTrainedModel> {
    let src = SourceArg::extract(py, source)?;
    let mut sink = PySink::new(py, callback, &config.train, progress_interval)?;
    let s0: Vec<f32> = syn0.as_array().iter().copied().collect();
    let s1: Vec<f32> = syn1.as_array().iter().copied().collect();
    let hs: Vec<f32> = match &syn1hs {
        Some(a) => copy_floats(a, "syn1")?,
        None => Vec::new(),
    };
    let prev = Previous {
        vocab: &vocab.inner,
        syn0: &s0,
        syn1: &s1,
        syn1hs: &hs,
        rare: None,
        epochs_done: 0,
    };
    let result = py.detach(|| pipeline::train_more(prev, source!(src), &config.train, &mut sink));
    let trained = sink.finish(result)?;
    PyTrainedModel::new(py, trained, &config.train)
}

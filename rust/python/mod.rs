//! The PyO3 bindings: the only module that knows about Python.
//!
//! Each method extracts its arguments, calls the core once (inside `py.detach` when it can
//! take long), and converts the result. Errors go through [`errors::to_pyerr`].
#![allow(unsafe_code)] // borrow_from_array (zero-copy `.vectors`), see the SAFETY note there.

mod errors;
mod phrases;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use numpy::ndarray::ArrayView2;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

use crate::corpus::{self, CorpusRef};
use crate::error::EmbedError;
use crate::model;
use crate::train::{
    self, AlphaSchedule, Control, EpochReport, Progress, ProgressSink, TrainConfig,
};
use crate::vocab::{self, VocabConfig};
use errors::to_pyerr;

type Pair<'py, A, B> = (Bound<'py, PyArray2<A>>, Bound<'py, PyArray2<B>>);
type NativeLoad<'py> = (
    PyKeyedVectors,
    Option<Bound<'py, PyArray2<f32>>>,
    String,
    Option<PyWordCounts>,
);
type RowDelta<'py> = (
    Bound<'py, PyArray1<u32>>,
    Bound<'py, PyArray2<f32>>,
    Bound<'py, PyArray2<f32>>,
);

/// A frozen vocabulary (word <-> id, counts, corpus totals).
#[pyclass(name = "Vocab", module = "embedrs._embedrs", frozen)]
pub struct PyVocab {
    inner: Arc<vocab::Vocab>,
}

#[pymethods]
impl PyVocab {
    /// A vocabulary in the given order. `corpus_words` (raw tokens of the corpus it will train
    /// on, for the learning-rate schedule of file training) defaults to the sum of the counts.
    #[new]
    #[pyo3(signature = (words, counts, corpus_words=None))]
    fn new(words: Vec<String>, counts: Vec<u64>, corpus_words: Option<u64>) -> PyResult<Self> {
        if words.len() != counts.len() {
            return Err(to_pyerr(EmbedError::Dimension(format!(
                "{} words but {} counts",
                words.len(),
                counts.len()
            ))));
        }
        let mut v =
            vocab::Vocab::from_sorted(words.into_iter().zip(counts).collect()).map_err(to_pyerr)?;
        if let Some(n) = corpus_words {
            v.corpus_words = n;
        }
        Ok(PyVocab { inner: Arc::new(v) })
    }
    fn __len__(&self) -> usize {
        self.inner.len()
    }
    fn __contains__(&self, word: &str) -> bool {
        self.inner.get(word).is_some()
    }
    /// Words in id order.
    fn words(&self) -> Vec<String> {
        self.inner.words().to_vec()
    }
    /// Counts in id order (uint64 array).
    fn counts<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u64>> {
        self.inner.counts().to_vec().into_pyarray(py)
    }
    /// The id of a word, or None.
    fn get(&self, word: &str) -> Option<u32> {
        self.inner.get(word)
    }
    #[getter]
    fn corpus_words(&self) -> u64 {
        self.inner.corpus_words
    }
    #[getter]
    fn corpus_sentences(&self) -> u64 {
        self.inner.corpus_sentences
    }
    #[getter]
    fn effective_min_count(&self) -> u64 {
        self.inner.effective_min_count
    }
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let me = slf.get();
        let cls = py.get_type::<PyVocab>();
        let args = (me.words(), me.inner.counts().to_vec());
        (cls, args).into_pyobject(py)
    }
    fn __repr__(&self) -> String {
        format!("Vocab({} words)", self.inner.len())
    }
}

/// Mergeable word counts from one pass over (part of) a corpus.
#[pyclass(name = "WordCounts", module = "embedrs._embedrs", frozen)]
pub struct PyWordCounts {
    inner: vocab::WordCounts,
}

#[pymethods]
impl PyWordCounts {
    #[new]
    #[pyo3(signature = (counts=None, total_words=0, sentences=0))]
    fn new(counts: Option<Vec<(String, u64)>>, total_words: u64, sentences: u64) -> Self {
        let mut wc = vocab::WordCounts::new(None);
        for (w, c) in counts.unwrap_or_default() {
            wc.add_str(&w, c);
        }
        wc.total_words = total_words;
        wc.sentences = sentences;
        PyWordCounts { inner: wc }
    }
    fn __len__(&self) -> usize {
        self.inner.len()
    }
    #[getter]
    fn total_words(&self) -> u64 {
        self.inner.total_words
    }
    #[getter]
    fn sentences(&self) -> u64 {
        self.inner.sentences
    }
    #[getter]
    fn long_sentences(&self) -> u64 {
        self.inner.long_sentences
    }
    #[getter]
    fn prunes(&self) -> u64 {
        self.inner.prunes
    }
    /// `(word, count)` pairs, most frequent first.
    fn items(&self) -> Vec<(String, u64)> {
        self.inner
            .sorted_items()
            .into_iter()
            .map(|(w, c)| (w.to_owned(), c))
            .collect()
    }
    /// The count of `word` (0 if it was not seen).
    fn get(&self, word: &str) -> u64 {
        self.inner.get(word)
    }
    /// The counts of the words `vocab` does not hold (no totals).
    fn without(&self, vocab: &PyVocab) -> PyWordCounts {
        PyWordCounts {
            inner: self.inner.without(&vocab.inner),
        }
    }
    /// A new table holding both counts.
    fn merge(&self, other: &PyWordCounts) -> PyWordCounts {
        let mut m = self.inner.clone();
        m.merge(other.inner.clone());
        PyWordCounts { inner: m }
    }
    /// The vocabulary these counts give.
    #[pyo3(signature = (min_count=5, max_final_vocab=None))]
    fn build_vocab(&self, min_count: u64, max_final_vocab: Option<usize>) -> PyResult<PyVocab> {
        let v = vocab::Vocab::from_counts(
            self.inner.clone(),
            VocabConfig {
                min_count,
                max_final_vocab,
            },
        )
        .map_err(to_pyerr)?;
        Ok(PyVocab { inner: Arc::new(v) })
    }
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let me = slf.get();
        let cls = py.get_type::<PyWordCounts>();
        let mut out =
            (cls, (me.items(), me.inner.total_words, me.inner.sentences)).into_pyobject(py)?;
        // Keep long_sentences too? It is diagnostic only; totals that matter are kept.
        out = out.into_any().cast_into::<PyTuple>()?;
        Ok(out)
    }
}

/// Text files (plain or gzip) streamed from disk on every pass.
#[pyclass(name = "FileCorpus", module = "embedrs._embedrs", frozen)]
pub struct PyFileCorpus {
    inner: corpus::FileCorpus,
}

#[pymethods]
impl PyFileCorpus {
    #[new]
    fn new(paths: Vec<PathBuf>) -> PyResult<Self> {
        Ok(PyFileCorpus {
            inner: corpus::FileCorpus::open(&paths).map_err(to_pyerr)?,
        })
    }
    /// The files' paths.
    fn paths(&self) -> Vec<PathBuf> {
        self.inner.paths().map(|p| p.to_path_buf()).collect()
    }
    /// Counts words with `n_threads` threads (the GIL is released).
    #[pyo3(signature = (n_threads=1, max_vocab_size=None, max_sentence_length=10000))]
    fn count(
        &self,
        py: Python<'_>,
        n_threads: usize,
        max_vocab_size: Option<usize>,
        max_sentence_length: usize,
    ) -> PyResult<PyWordCounts> {
        let c = py
            .detach(|| {
                corpus::count_files(&self.inner, n_threads, max_vocab_size, max_sentence_length)
            })
            .map_err(to_pyerr)?;
        Ok(PyWordCounts { inner: c })
    }
}

/// Sentences held in memory as word ids.
#[pyclass(name = "IdCorpus", module = "embedrs._embedrs", frozen)]
pub struct PyIdCorpus {
    inner: Arc<corpus::IdCorpus>,
}

#[pymethods]
impl PyIdCorpus {
    #[getter]
    fn n_sentences(&self) -> usize {
        self.inner.n_sentences()
    }
    #[getter]
    fn n_tokens(&self) -> usize {
        self.inner.n_tokens()
    }
    #[getter]
    fn raw_words(&self) -> u64 {
        self.inner.raw_words()
    }
}

/// Builds an id corpus and its counts from batches of Python sentences, in one pass.
#[pyclass(name = "CorpusBuilder", module = "embedrs._embedrs")]
pub struct PyCorpusBuilder {
    inner: Option<corpus::IdCorpusBuilder>,
    sentences_seen: u64,
}

#[pymethods]
impl PyCorpusBuilder {
    #[new]
    #[pyo3(signature = (max_vocab_size=None, max_sentence_length=10000))]
    fn new(max_vocab_size: Option<usize>, max_sentence_length: usize) -> Self {
        PyCorpusBuilder {
            inner: Some(corpus::IdCorpusBuilder::new(
                max_vocab_size,
                max_sentence_length,
            )),
            sentences_seen: 0,
        }
    }

    /// Adds a batch of sentences: each a `str` (split on whitespace) or a sequence of `str`.
    /// The batch is copied while the GIL is held, then counted without it.
    fn add_batch(&mut self, py: Python<'_>, batch: &Bound<'_, PyAny>) -> PyResult<()> {
        let mut bytes: Vec<u8> = Vec::new();
        // (end offset in bytes, is_line) per token or per line
        let mut sentences: Vec<(usize, usize, bool)> = Vec::new(); // (start_tok, end_tok, is_line)
        let mut tok_ends: Vec<usize> = Vec::new();
        for (i, item) in batch.try_iter()?.enumerate() {
            let item = item?;
            let index = self.sentences_seen + i as u64;
            if let Ok(s) = item.cast::<PyString>() {
                let start = tok_ends.len();
                bytes.extend_from_slice(s.to_str()?.as_bytes());
                tok_ends.push(bytes.len());
                sentences.push((start, tok_ends.len(), true));
                continue;
            }
            if item.is_instance_of::<pyo3::types::PyBytes>() {
                return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                    "sentence {index} is bytes; decode it to str (or pass token lists)"
                )));
            }
            let start = tok_ends.len();
            let iter = item.try_iter().map_err(|_| {
                pyo3::exceptions::PyTypeError::new_err(format!(
                    "sentence {index} is a {}, expected a str or a list of str",
                    type_name(&item)
                ))
            })?;
            for (j, tok) in iter.enumerate() {
                let tok = tok?;
                let s = tok.cast::<PyString>().map_err(|_| {
                    pyo3::exceptions::PyTypeError::new_err(format!(
                        "sentence {index}, token {j}: expected str, got {} {}",
                        type_name(&tok),
                        tok.repr().map(|r| r.to_string()).unwrap_or_default()
                    ))
                })?;
                bytes.extend_from_slice(s.to_str()?.as_bytes());
                tok_ends.push(bytes.len());
            }
            sentences.push((start, tok_ends.len(), false));
        }
        self.sentences_seen += sentences.len() as u64;
        let builder = self.inner.as_mut().ok_or_else(|| {
            pyo3::exceptions::PyRuntimeError::new_err("this CorpusBuilder is finished")
        })?;
        py.detach(|| {
            for &(s, e, is_line) in &sentences {
                let tok = |k: usize| {
                    let a = if k == 0 { 0 } else { tok_ends[k - 1] };
                    &bytes[a..tok_ends[k]]
                };
                if is_line {
                    builder.add_line(tok(s));
                } else {
                    builder.add_sentence((s..e).map(tok).filter(|t| !t.is_empty()));
                }
            }
        });
        Ok(())
    }

    /// Raw tokens seen so far.
    #[getter]
    fn total_words(&self) -> u64 {
        self.inner.as_ref().map_or(0, |b| b.total_words())
    }

    /// The counts so far (the builder stays usable).
    fn word_counts(&self) -> PyResult<PyWordCounts> {
        let b = self.inner.as_ref().ok_or_else(|| {
            pyo3::exceptions::PyRuntimeError::new_err("this CorpusBuilder is finished")
        })?;
        Ok(PyWordCounts {
            inner: b.word_counts(),
        })
    }

    /// Ends the pass with an existing vocabulary: returns the `IdCorpus` (unknown words are
    /// dropped but still count as raw words).
    fn finish_with(&mut self, py: Python<'_>, vocab: &PyVocab) -> PyResult<PyIdCorpus> {
        let builder = self.inner.take().ok_or_else(|| {
            pyo3::exceptions::PyRuntimeError::new_err("this CorpusBuilder is finished")
        })?;
        let v = vocab.inner.clone();
        let c = py.detach(|| builder.finish_with(&v));
        Ok(PyIdCorpus { inner: Arc::new(c) })
    }

    /// Ends the pass: returns `(Vocab, IdCorpus, WordCounts)`.
    #[pyo3(signature = (min_count=5, max_final_vocab=None))]
    fn finish(
        &mut self,
        py: Python<'_>,
        min_count: u64,
        max_final_vocab: Option<usize>,
    ) -> PyResult<(PyVocab, PyIdCorpus, PyWordCounts)> {
        let builder = self.inner.take().ok_or_else(|| {
            pyo3::exceptions::PyRuntimeError::new_err("this CorpusBuilder is finished")
        })?;
        let (v, c, wc) = py
            .detach(|| {
                builder.finish(VocabConfig {
                    min_count,
                    max_final_vocab,
                })
            })
            .map_err(to_pyerr)?;
        Ok((
            PyVocab { inner: Arc::new(v) },
            PyIdCorpus { inner: Arc::new(c) },
            PyWordCounts { inner: wc },
        ))
    }
}

fn type_name(o: &Bound<'_, PyAny>) -> String {
    o.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into())
}

/// The two weight matrices of a model being trained, owned by Rust so that the trained input
/// matrix can be moved (not copied) into a `KeyedVectors`.
#[pyclass(name = "Weights", module = "embedrs._embedrs")]
pub struct PyWeights {
    syn0: Vec<f32>,
    syn1: Vec<f32>,
    rows: usize,
    dim: usize,
    snapshot: Option<(Vec<f32>, Vec<f32>)>,
}

#[pymethods]
impl PyWeights {
    /// Builds from two `(rows, dim)` float32 arrays (copied).
    #[staticmethod]
    fn from_arrays(
        syn0: PyReadonlyArray2<'_, f32>,
        syn1neg: PyReadonlyArray2<'_, f32>,
    ) -> PyResult<Self> {
        let (a, b) = (syn0.as_array(), syn1neg.as_array());
        if a.dim() != b.dim() {
            return Err(to_pyerr(EmbedError::Dimension(format!(
                "syn0 is {:?} but syn1neg is {:?}",
                a.dim(),
                b.dim()
            ))));
        }
        let (rows, dim) = a.dim();
        Ok(PyWeights {
            syn0: a.iter().copied().collect(),
            syn1: b.iter().copied().collect(),
            rows,
            dim,
            snapshot: None,
        })
    }

    /// Copies of both matrices (for pickling and inspection).
    fn to_arrays<'py>(&self, py: Python<'py>) -> PyResult<Pair<'py, f32, f32>> {
        let shape = (self.rows, self.dim);
        if self.syn0.len() != self.rows * self.dim || self.syn1.len() != self.rows * self.dim {
            return Err(pyo3::exceptions::PyRuntimeError::new_err(
                "these weights were moved into a KeyedVectors",
            ));
        }
        Ok((
            self.syn0.clone().into_pyarray(py).reshape(shape)?,
            self.syn1.clone().into_pyarray(py).reshape(shape)?,
        ))
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let ctor = py.get_type::<PyWeights>().getattr("from_arrays")?;
        let arrays = slf.borrow().to_arrays(py)?;
        (ctor, arrays).into_pyobject(py)
    }

    /// Remembers the current values; see `delta` and `apply_round`.
    fn snapshot(&mut self) {
        self.snapshot = Some((self.syn0.clone(), self.syn1.clone()));
    }

    /// Rows changed since `snapshot`, and by how much: `(rows, d_syn0, d_syn1)`.
    fn delta<'py>(&self, py: Python<'py>) -> PyResult<RowDelta<'py>> {
        let (s0, s1) = self.snapshot.as_ref().ok_or_else(|| {
            pyo3::exceptions::PyRuntimeError::new_err("delta() needs snapshot() first")
        })?;
        let d = self.dim;
        let mut rows = Vec::new();
        let mut d0 = Vec::new();
        let mut d1 = Vec::new();
        for r in 0..self.rows {
            let span = r * d..(r + 1) * d;
            if self.syn0[span.clone()] != s0[span.clone()]
                || self.syn1[span.clone()] != s1[span.clone()]
            {
                rows.push(r as u32);
                d0.extend(
                    self.syn0[span.clone()]
                        .iter()
                        .zip(&s0[span.clone()])
                        .map(|(a, b)| a - b),
                );
                d1.extend(
                    self.syn1[span.clone()]
                        .iter()
                        .zip(&s1[span])
                        .map(|(a, b)| a - b),
                );
            }
        }
        let n = rows.len();
        Ok((
            rows.into_pyarray(py),
            d0.into_pyarray(py).reshape((n, d))?,
            d1.into_pyarray(py).reshape((n, d))?,
        ))
    }

    /// Sets the weights to the snapshot plus `d_syn0`/`d_syn1` on `rows` (the summed deltas of
    /// every replica in a synchronous round), then takes a new snapshot.
    fn apply_round(
        &mut self,
        rows: numpy::PyReadonlyArray1<'_, u32>,
        d_syn0: PyReadonlyArray2<'_, f32>,
        d_syn1: PyReadonlyArray2<'_, f32>,
    ) -> PyResult<()> {
        let (s0, s1) = self.snapshot.take().ok_or_else(|| {
            pyo3::exceptions::PyRuntimeError::new_err("apply_round() needs snapshot() first")
        })?;
        let rows = rows.as_array();
        let (a, b) = (d_syn0.as_array(), d_syn1.as_array());
        let d = self.dim;
        if a.dim() != (rows.len(), d) || b.dim() != (rows.len(), d) {
            self.snapshot = Some((s0, s1));
            return Err(to_pyerr(EmbedError::Dimension(format!(
                "deltas must be ({}, {d})",
                rows.len()
            ))));
        }
        if let Some(&bad) = rows.iter().find(|&&r| r as usize >= self.rows) {
            self.snapshot = Some((s0, s1));
            return Err(to_pyerr(EmbedError::IndexOutOfRange {
                index: bad as i64,
                len: self.rows,
            }));
        }
        self.syn0 = s0;
        self.syn1 = s1;
        for (k, &r) in rows.iter().enumerate() {
            let span = r as usize * d..(r as usize + 1) * d;
            for (x, dx) in self.syn0[span.clone()].iter_mut().zip(a.row(k)) {
                *x += dx;
            }
            for (x, dx) in self.syn1[span].iter_mut().zip(b.row(k)) {
                *x += dx;
            }
        }
        self.snapshot();
        Ok(())
    }
    #[getter]
    fn shape(&self) -> (usize, usize) {
        (self.rows, self.dim)
    }
    /// A copy of the input matrix (empty once moved into a `KeyedVectors`).
    fn syn0_copy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let rows = if self.syn0.is_empty() { 0 } else { self.rows };
        self.syn0.clone().into_pyarray(py).reshape((rows, self.dim))
    }
    /// Moves the output matrix out as a numpy array (no copy); the weights keep an empty one.
    fn take_syn1neg<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let rows = if self.syn1.is_empty() { 0 } else { self.rows };
        std::mem::take(&mut self.syn1)
            .into_pyarray(py)
            .reshape((rows, self.dim))
    }
}

/// Allocates and initialises the weights of a vocabulary.
#[pyfunction]
#[pyo3(signature = (vocab, vector_size, seed))]
fn init_weights(
    py: Python<'_>,
    vocab: &PyVocab,
    vector_size: usize,
    seed: u64,
) -> PyResult<PyWeights> {
    let v = vocab.inner.clone();
    let (syn0, syn1) = py
        .detach(|| train::init_weights(&v, vector_size, seed))
        .map_err(to_pyerr)?;
    Ok(PyWeights {
        syn0,
        syn1,
        rows: v.len(),
        dim: vector_size,
        snapshot: None,
    })
}

struct PySink {
    callback: Option<Py<PyAny>>,
    snapshots: bool,
    dim: usize,
    interval: Duration,
    last: Instant,
    error: Option<PyErr>,
}

impl PySink {
    fn call(
        &mut self,
        event: &str,
        args: impl for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, PyTuple>>,
    ) -> crate::Result<Control> {
        Python::attach(|py| {
            let r: PyResult<Control> = (|| {
                py.check_signals()?;
                let Some(cb) = &self.callback else {
                    return Ok(Control::Continue);
                };
                let out = cb.bind(py).call1((event, args(py)?))?;
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
    fn on_epoch_begin(&mut self, epoch: usize) -> crate::Result<Control> {
        self.call("epoch_begin", |py| PyTuple::new(py, [epoch]))
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
        let p = *p;
        self.call("progress", move |py| {
            (
                p.epoch,
                p.epochs,
                p.words_done,
                p.words_total,
                p.alpha,
                p.epoch_loss,
                p.words_per_sec,
                p.elapsed,
            )
                .into_pyobject(py)
        })
    }
    fn on_epoch_vectors(&mut self, epoch: usize, syn0: &[f32]) -> crate::Result<Control> {
        if !self.snapshots {
            return Ok(Control::Continue);
        }
        let (rows, dim) = (syn0.len() / self.dim.max(1), self.dim);
        self.call("epoch_vectors", move |py| {
            let arr = syn0.to_vec().into_pyarray(py).reshape((rows, dim))?;
            (epoch, arr).into_pyobject(py)
        })
    }
    fn on_epoch_end(&mut self, r: &EpochReport) -> crate::Result<Control> {
        let r = *r;
        self.call("epoch_end", move |py| {
            (
                r.epoch,
                r.loss,
                r.predictions,
                r.raw_words,
                r.effective_words,
                r.seconds,
            )
                .into_pyobject(py)
        })
    }
}

enum CorpusArg<'a> {
    Files(PyRef<'a, PyFileCorpus>),
    Ids(PyRef<'a, PyIdCorpus>),
}

/// Trains the weights in place (the GIL is released while workers run).
///
/// `callback(event, args)` is called from the calling thread: `("epoch_begin", (epoch,))`,
/// `("progress", (epoch, epochs, words_done, words_total, alpha, epoch_loss, words_per_sec,
/// elapsed))` at most every `progress_interval` seconds, and `("epoch_end", (epoch, loss,
/// predictions, raw_words, effective_words, seconds))`. A falsy return stops training
/// early, keeping the weights; an exception cancels training and is re-raised.
#[pyfunction]
#[pyo3(signature = (vocab, corpus, weights, *, vector_size, window=5, sg=false, negative=5,
    ns_exponent=0.75, cbow_mean=true, alpha=0.025, min_alpha=0.0001, epochs=5, sample=1e-3,
    shrink_windows=true, n_threads=1, seed=1, max_sentence_length=10000, kernel=None,
    shared_negatives=false, alpha_schedule="global", epoch_snapshots=false,
    callback=None, progress_interval=0.5))]
#[allow(clippy::too_many_arguments)]
fn train_model<'py>(
    py: Python<'py>,
    vocab: &PyVocab,
    corpus: &Bound<'py, PyAny>,
    mut weights: PyRefMut<'py, PyWeights>,
    vector_size: usize,
    window: usize,
    sg: bool,
    negative: usize,
    ns_exponent: f64,
    cbow_mean: bool,
    alpha: f32,
    min_alpha: f32,
    epochs: usize,
    sample: f64,
    shrink_windows: bool,
    n_threads: usize,
    seed: u64,
    max_sentence_length: usize,
    kernel: Option<&str>,
    shared_negatives: bool,
    alpha_schedule: &str,
    epoch_snapshots: bool,
    callback: Option<Py<PyAny>>,
    progress_interval: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let kernel = match kernel {
        None => None,
        Some(name) => train::kernels::parse_choice(name).ok_or_else(|| {
            to_pyerr(EmbedError::param(
                "kernel",
                format!("unknown SIMD kernel {name:?}; use scalar, avx2, avx512 or auto"),
            ))
        })?,
    };
    let alpha_schedule = AlphaSchedule::parse(alpha_schedule).ok_or_else(|| {
        to_pyerr(EmbedError::param(
            "alpha_schedule",
            format!("unknown schedule {alpha_schedule:?}; use \"global\" or \"per_thread\""),
        ))
    })?;
    let cfg = TrainConfig {
        vector_size,
        window,
        sg,
        negative,
        ns_exponent,
        cbow_mean,
        alpha,
        min_alpha,
        epochs,
        sample,
        shrink_windows,
        n_threads,
        seed,
        max_sentence_length,
        kernel,
        shared_negatives,
        alpha_schedule,
        ..TrainConfig::default()
    };
    let corpus_arg = if let Ok(f) = corpus.extract::<PyRef<'py, PyFileCorpus>>() {
        CorpusArg::Files(f)
    } else {
        CorpusArg::Ids(corpus.extract::<PyRef<'py, PyIdCorpus>>()?)
    };
    let w = &mut *weights;
    let (s0, s1) = (&mut w.syn0, &mut w.syn1);
    let mut sink = PySink {
        callback,
        snapshots: epoch_snapshots,
        dim: vector_size,
        interval: Duration::from_secs_f64(progress_interval.max(0.0)),
        last: Instant::now(),
        error: None,
    };
    let v = vocab.inner.clone();
    let result = {
        let cref = match &corpus_arg {
            CorpusArg::Files(f) => CorpusRef::Files(&f.inner),
            CorpusArg::Ids(c) => CorpusRef::Ids(&c.inner),
        };
        py.detach(|| train::train(&cfg, &v, cref, s0, s1, &mut sink))
    };
    if let Some(e) = sink.error.take() {
        return Err(e);
    }
    let report = result.map_err(to_pyerr)?;
    let d = PyDict::new(py);
    let epochs = PyList::empty(py);
    for e in &report.epochs {
        let ed = PyDict::new(py);
        ed.set_item("epoch", e.epoch)?;
        ed.set_item("loss", e.loss)?;
        ed.set_item("predictions", e.predictions)?;
        ed.set_item("raw_words", e.raw_words)?;
        ed.set_item("effective_words", e.effective_words)?;
        ed.set_item("seconds", e.seconds)?;
        epochs.append(ed)?;
    }
    d.set_item("epochs", epochs)?;
    d.set_item("stopped_early", report.stopped_early)?;
    d.set_item("kernel", report.kernel)?;
    d.set_item("seconds", report.seconds)?;
    Ok(d)
}

/// Words and vectors, immutable once built (so views of `.vectors` stay valid).
#[pyclass(name = "KeyedVectors", module = "embedrs._embedrs", frozen)]
pub struct PyKeyedVectors {
    inner: model::KeyedVectors,
}

#[pymethods]
impl PyKeyedVectors {
    #[new]
    #[pyo3(signature = (words, vectors, counts=None))]
    fn new(
        words: Vec<String>,
        vectors: PyReadonlyArray2<'_, f32>,
        counts: Option<Vec<u64>>,
    ) -> PyResult<Self> {
        let arr = vectors.as_array();
        let (n, d) = arr.dim();
        if n != words.len() {
            return Err(to_pyerr(EmbedError::Dimension(format!(
                "{} words but {n} vector rows",
                words.len()
            ))));
        }
        let counts = match counts {
            Some(c) if c.len() == n => c,
            Some(c) => {
                return Err(to_pyerr(EmbedError::Dimension(format!(
                    "{n} words but {} counts",
                    c.len()
                ))))
            }
            None => (0..n as u64).map(|i| n as u64 - i).collect(),
        };
        let v =
            vocab::Vocab::from_sorted(words.into_iter().zip(counts).collect()).map_err(to_pyerr)?;
        let data: Vec<f32> = arr.iter().copied().collect();
        Ok(PyKeyedVectors {
            inner: model::KeyedVectors::new(v, d, data).map_err(to_pyerr)?,
        })
    }

    /// Builds from a vocabulary and trained weights, moving the input matrix out of them.
    #[staticmethod]
    fn from_weights(vocab: &PyVocab, mut weights: PyRefMut<'_, PyWeights>) -> PyResult<Self> {
        let dim = weights.dim;
        let data = std::mem::take(&mut weights.syn0);
        Ok(PyKeyedVectors {
            inner: model::KeyedVectors::new(vocab.inner.clone(), dim, data).map_err(to_pyerr)?,
        })
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }
    #[getter]
    fn vector_size(&self) -> usize {
        self.inner.dim()
    }
    /// Words in row order.
    fn words(&self) -> Vec<String> {
        self.inner.vocab().words().to_vec()
    }
    /// Counts in row order.
    fn counts<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<u64>> {
        self.inner.vocab().counts().to_vec().into_pyarray(py)
    }
    /// The row of a word, or None.
    fn get_index(&self, word: &str) -> Option<u32> {
        self.inner.vocab().get(word)
    }

    /// The matrix as a read-only numpy view sharing this object's memory (no copy).
    #[getter]
    fn vectors<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let kv = &slf.get().inner;
        let view = ArrayView2::from_shape((kv.len(), kv.dim()), kv.vectors())
            .map_err(|e| to_pyerr(EmbedError::Dimension(e.to_string())))?;
        // SAFETY: the class is frozen and `inner`'s matrix (a buffer or a read-only file map)
        // is never modified, reallocated or unmapped
        // after construction, so the memory stays valid and unchanged for as long as `slf`
        // lives; the returned array holds `slf` as its base object, keeping it alive.
        let arr = unsafe { PyArray2::borrow_from_array(&view, slf.clone().into_any()) };
        arr.try_readwrite()
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?
            .make_nonwriteable();
        Ok(arr)
    }

    /// Nearest neighbours by cosine for each query row; `(ids, scores)` of shape `(n, k)`.
    #[pyo3(signature = (queries, topn=10, exclude=None, restrict_vocab=None, n_threads=1))]
    fn most_similar_batch<'py>(
        &self,
        py: Python<'py>,
        queries: PyReadonlyArray2<'py, f32>,
        topn: usize,
        exclude: Option<Vec<Vec<u32>>>,
        restrict_vocab: Option<usize>,
        n_threads: usize,
    ) -> PyResult<Pair<'py, u32, f32>> {
        let q = queries.as_array();
        if q.dim().1 != self.inner.dim() {
            return Err(to_pyerr(EmbedError::Dimension(format!(
                "queries have {} columns, vectors have {}",
                q.dim().1,
                self.inner.dim()
            ))));
        }
        let nq = q.dim().0;
        let data: Vec<f32> = q.iter().copied().collect();
        let exclude = exclude.unwrap_or_default();
        let (ids, scores, k) = py
            .detach(|| {
                self.inner
                    .most_similar_batch(&data, topn, &exclude, restrict_vocab, n_threads)
            })
            .map_err(to_pyerr)?;
        Ok((
            ids.into_pyarray(py).reshape((nq, k))?,
            scores.into_pyarray(py).reshape((nq, k))?,
        ))
    }

    /// Writes the word2vec binary or text format (atomically).
    #[pyo3(signature = (path, binary=true))]
    fn save_word2vec_format(&self, py: Python<'_>, path: PathBuf, binary: bool) -> PyResult<()> {
        py.detach(|| self.inner.save_word2vec_format(&path, binary))
            .map_err(to_pyerr)
    }

    /// Reads the word2vec binary or text format.
    #[staticmethod]
    #[pyo3(signature = (path, binary=true, limit=None, unicode_errors="strict", no_header=false,
        allow_nonfinite=false))]
    fn load_word2vec_format(
        py: Python<'_>,
        path: PathBuf,
        binary: bool,
        limit: Option<usize>,
        unicode_errors: &str,
        no_header: bool,
        allow_nonfinite: bool,
    ) -> PyResult<Self> {
        use model::formats::{UnicodeErrors, Word2VecReadOptions};
        let unicode_errors = match unicode_errors {
            "strict" => UnicodeErrors::Strict,
            "replace" => UnicodeErrors::Replace,
            "ignore" => UnicodeErrors::Ignore,
            other => {
                return Err(to_pyerr(EmbedError::param(
                    "unicode_errors",
                    format!("must be 'strict', 'replace' or 'ignore', got {other:?}"),
                )))
            }
        };
        let opts = Word2VecReadOptions {
            binary,
            limit,
            unicode_errors,
            no_header,
            allow_nonfinite,
        };
        let kv = py
            .detach(|| model::KeyedVectors::load_word2vec_format(&path, opts))
            .map_err(to_pyerr)?;
        Ok(PyKeyedVectors { inner: kv })
    }

    /// True if the vectors are memory-mapped from a native file.
    #[getter]
    fn is_mapped(&self) -> bool {
        self.inner.is_mapped()
    }

    /// Writes the native format atomically, optionally with the output matrix, metadata and
    /// the counts of words not in the vocabulary.
    #[pyo3(signature = (path, syn1neg=None, meta="", rare=None))]
    fn save_native(
        &self,
        py: Python<'_>,
        path: PathBuf,
        syn1neg: Option<PyReadonlyArray2<'_, f32>>,
        meta: &str,
        rare: Option<&PyWordCounts>,
    ) -> PyResult<()> {
        let s1: Option<Vec<f32>> = syn1neg.map(|a| a.as_array().iter().copied().collect());
        let rare = rare.map(|r| &r.inner);
        py.detach(|| model::formats::save_native(&path, &self.inner, s1.as_deref(), rare, meta))
            .map_err(to_pyerr)
    }

    /// Opens a native file: `(KeyedVectors, syn1neg or None, metadata, rare-word counts or
    /// None)`. With `mmap`, the
    /// vectors are mapped read-only from the file (no copy); `syn1neg` is always a copy.
    #[staticmethod]
    #[pyo3(signature = (path, mmap=true))]
    fn load_native<'py>(py: Python<'py>, path: PathBuf, mmap: bool) -> PyResult<NativeLoad<'py>> {
        let m = py
            .detach(|| model::formats::load_native(&path, mmap))
            .map_err(to_pyerr)?;
        let shape = (m.kv.len(), m.kv.dim());
        let syn1 = match m.syn1neg {
            Some(s) => Some(s.as_slice().to_vec().into_pyarray(py).reshape(shape)?),
            None => None,
        };
        let rare = m.rare.map(|inner| PyWordCounts { inner });
        Ok((PyKeyedVectors { inner: m.kv }, syn1, m.meta, rare))
    }

    /// Serialised form (the native format, used by pickle).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &model::formats::native_to_bytes(&self.inner, None, ""))
    }

    /// The inverse of `to_bytes`.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(PyKeyedVectors {
            inner: model::formats::native_from_bytes(data)
                .map_err(to_pyerr)?
                .kv,
        })
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let py = slf.py();
        let ctor = py.get_type::<PyKeyedVectors>().getattr("from_bytes")?;
        Ok((ctor, (slf.get().to_bytes(py),)))
    }

    /// Pools the vectors of the known tokens of each document (`str` documents are split on
    /// whitespace as corpus lines are): `mode` is `mean`, `sum` or `max`; `weights` (one per
    /// word) scale each token's vector first (a weighted mean divides by the weight sum).
    /// Returns `(matrix, n_empty)`: documents without a known token get a zero row and are
    /// counted in `n_empty`.
    #[pyo3(signature = (docs, mode="mean", weights=None))]
    fn pool<'py>(
        &self,
        py: Python<'py>,
        docs: &Bound<'py, PyAny>,
        mode: &str,
        weights: Option<numpy::PyReadonlyArray1<'py, f32>>,
    ) -> PyResult<(Bound<'py, PyArray2<f32>>, usize)> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mode {
            Mean,
            Sum,
            Max,
        }
        let mode = match mode {
            "mean" => Mode::Mean,
            "sum" => Mode::Sum,
            "max" => Mode::Max,
            other => {
                return Err(to_pyerr(EmbedError::param(
                    "pooling",
                    format!("must be 'mean', 'sum' or 'max', got {other:?}"),
                )))
            }
        };
        let weights: Option<Vec<f32>> = weights.map(|w| w.as_array().iter().copied().collect());
        if let Some(w) = &weights {
            if w.len() != self.inner.len() {
                return Err(to_pyerr(EmbedError::Dimension(format!(
                    "{} weights for {} words",
                    w.len(),
                    self.inner.len()
                ))));
            }
        }
        let mut rows: Vec<Vec<u32>> = Vec::new();
        for (i, doc) in docs.try_iter()?.enumerate() {
            let doc = doc?;
            let mut ids = Vec::new();
            if let Ok(s) = doc.cast::<PyString>() {
                for tok in corpus::tokenize(s.to_str()?.as_bytes()) {
                    if let Some(id) = self.inner.vocab().get_bytes(tok) {
                        ids.push(id);
                    }
                }
            } else {
                let it = doc.try_iter().map_err(|_| {
                    pyo3::exceptions::PyTypeError::new_err(format!(
                        "document {i} is a {}, expected a str or a list of str",
                        type_name(&doc)
                    ))
                })?;
                for (j, tok) in it.enumerate() {
                    let tok = tok?;
                    let s = tok.cast::<PyString>().map_err(|_| {
                        pyo3::exceptions::PyTypeError::new_err(format!(
                            "document {i}, token {j}: expected str, got {}",
                            type_name(&tok)
                        ))
                    })?;
                    if let Some(id) = self.inner.vocab().get(s.to_str()?) {
                        ids.push(id);
                    }
                }
            }
            rows.push(ids);
        }
        let d = self.inner.dim();
        let n = rows.len();
        let (out, empty) = py.detach(|| {
            let mut out = vec![0f32; n * d];
            let mut empty = 0;
            for (r, ids) in rows.iter().enumerate() {
                if ids.is_empty() {
                    empty += 1;
                    continue;
                }
                let dst = &mut out[r * d..(r + 1) * d];
                if mode == Mode::Max {
                    dst.fill(f32::NEG_INFINITY);
                }
                let mut total = 0f32;
                for &id in ids {
                    let w = weights.as_ref().map_or(1.0, |w| w[id as usize]);
                    total += w;
                    let row = self.inner.row(id as usize);
                    if mode == Mode::Max {
                        for (o, x) in dst.iter_mut().zip(row) {
                            *o = o.max(w * x);
                        }
                    } else {
                        for (o, x) in dst.iter_mut().zip(row) {
                            *o += w * x;
                        }
                    }
                }
                if mode == Mode::Mean && total > 0.0 {
                    let inv = 1.0 / total;
                    dst.iter_mut().for_each(|x| *x *= inv);
                }
            }
            (out, empty)
        });
        Ok((out.into_pyarray(py).reshape((n, d))?, empty))
    }
}

/// The SIMD kernel this CPU would use by default.
#[pyfunction]
fn simd_kernel() -> &'static str {
    train::kernels::detect(None).name()
}

/// Whether a SIMD kernel (`scalar`, `avx2`) can run on this CPU.
#[pyfunction]
fn simd_supported(name: &str) -> PyResult<bool> {
    match train::kernels::parse_choice(name) {
        Some(Some(k)) => Ok(train::kernels::supported(k)),
        Some(None) => Ok(true),
        None => Err(to_pyerr(EmbedError::param(
            "kernel",
            format!("unknown SIMD kernel {name:?}"),
        ))),
    }
}

/// The compiled core of embedrs.
#[pymodule(gil_used = true)]
fn _embedrs(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let _ = pyo3_log::try_init();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<PyVocab>()?;
    m.add_class::<PyWordCounts>()?;
    m.add_class::<PyFileCorpus>()?;
    m.add_class::<PyIdCorpus>()?;
    m.add_class::<PyCorpusBuilder>()?;
    m.add_class::<PyKeyedVectors>()?;
    m.add_class::<PyWeights>()?;
    phrases::register(m)?;
    m.add_function(wrap_pyfunction!(init_weights, m)?)?;
    m.add_function(wrap_pyfunction!(train_model, m)?)?;
    m.add_function(wrap_pyfunction!(simd_kernel, m)?)?;
    m.add_function(wrap_pyfunction!(simd_supported, m)?)?;
    Ok(())
}

//! Bindings for `phrases`: `PhrasesModel` counts (on a background thread, in order),
//! `FrozenPhrases` applies.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

use super::cancel::detached;
use super::text::{extract, type_name, Items};
use crate::corpus::FileCorpus;
use crate::error::EmbedError;
use crate::phrases::{
    self, BackgroundCounter, PhraseConfig, PhraseCounts, Piece, ScoreParams, Scoring,
};
use crate::text::DEFAULT_MAX_SENTENCE_LENGTH;

fn score_params(min_count: u64, threshold: f64, scoring: &str) -> PyResult<ScoreParams> {
    let p = ScoreParams {
        min_count,
        threshold,
        scoring: Scoring::parse(scoring)?,
    };
    p.validate()?;
    Ok(p)
}

/// Checks phrase scoring parameters with the core's rules (gensim's): `min_count` >= 1, a
/// known `scoring`, `threshold` > 0 for the default score and in [-1, 1] for npmi.
#[pyfunction]
pub(crate) fn check_score_params(min_count: i64, threshold: f64, scoring: &str) -> PyResult<()> {
    score_params(u64::try_from(min_count).unwrap_or(0), threshold, scoring).map(drop)
}

fn phrases_dict<'py>(py: Python<'py>, v: Vec<(String, f64)>) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, s) in v {
        d.set_item(k, s)?;
    }
    Ok(d)
}

/// Unigram and phrase counts, as gensim's `Phrases.vocab` (counting runs in Rust, batches on
/// a background thread while Python reads the next one).
#[pyclass(name = "PhrasesModel", module = "embedrs._embedrs")]
pub struct PyPhrasesModel {
    counter: BackgroundCounter,
}

impl PyPhrasesModel {
    /// Waits for the counting thread and returns the counts.
    fn counts(&mut self, py: Python<'_>) -> PyResult<&mut PhraseCounts> {
        let counter = &mut self.counter;
        Ok(py.detach(|| counter.counts())?)
    }
}

#[pymethods]
impl PyPhrasesModel {
    #[new]
    #[pyo3(signature = (connector_words=None, delimiter="_", max_vocab_size=Some(phrases::DEFAULT_MAX_VOCAB_SIZE)))]
    fn new(
        connector_words: Option<&Bound<'_, PyAny>>,
        delimiter: &str,
        max_vocab_size: Option<usize>,
    ) -> PyResult<Self> {
        let mut words = Vec::new();
        if let Some(cw) = connector_words {
            if cw.is_instance_of::<PyString>() {
                return Err(EmbedError::param(
                    "connector_words",
                    "must be a collection of str, not a single str",
                )
                .into());
            }
            for w in cw.try_iter()? {
                let w = w?;
                let s = w.cast::<PyString>().map_err(|_| {
                    EmbedError::param(
                        "connector_words",
                        format!("must hold str, got {}", type_name(&w)),
                    )
                })?;
                words.push(s.to_str()?.to_owned());
            }
        }
        let counts = PhraseCounts::new(PhraseConfig {
            delimiter: delimiter.to_owned(),
            connector_words: words,
            max_vocab_size,
        })?;
        Ok(PyPhrasesModel {
            counter: BackgroundCounter::new(counts),
        })
    }

    /// Counts a batch of sentences (each a list of str, or a str split by the core
    /// tokenizer) with up to `n_threads` threads. The batch is copied while the GIL is held
    /// and counted on a background thread, in the order given (the next batch can be read
    /// meanwhile).
    #[pyo3(signature = (batch, n_threads=1))]
    fn add_batch(
        &mut self,
        py: Python<'_>,
        batch: &Bound<'_, PyAny>,
        n_threads: usize,
    ) -> PyResult<()> {
        let sentences = extract(batch, Items::SENTENCES, None)?;
        let counter = &mut self.counter;
        Ok(py.detach(|| counter.add_batch(sentences, n_threads))?)
    }

    /// Counts text files (plain or compressed; one sentence per line) with `n_threads`
    /// threads.
    #[pyo3(signature = (paths, n_threads=1))]
    fn count_files(
        &mut self,
        py: Python<'_>,
        paths: Vec<PathBuf>,
        n_threads: usize,
    ) -> PyResult<()> {
        let corpus = detached(py, |interrupt| FileCorpus::open_with(&paths, interrupt))?;
        let counts = self.counts(py)?;
        detached(py, |interrupt| {
            counts.count_files(&corpus, n_threads, DEFAULT_MAX_SENTENCE_LENGTH, interrupt)
        })
    }

    /// The frozen phrase table for these scoring parameters.
    #[pyo3(signature = (min_count=5, threshold=10.0, scoring="default", n_threads=1))]
    fn freeze(
        &mut self,
        py: Python<'_>,
        min_count: u64,
        threshold: f64,
        scoring: &str,
        n_threads: usize,
    ) -> PyResult<PyFrozenPhrases> {
        let p = score_params(min_count, threshold, scoring)?;
        let counts = self.counts(py)?;
        let f = py.detach(|| counts.freeze(&p, n_threads))?;
        Ok(PyFrozenPhrases {
            inner: Arc::new(f),
            meta: String::new(),
        })
    }

    /// `{phrase: score}` exactly as gensim's `Phrases.export_phrases()` computes it.
    #[pyo3(signature = (min_count=5, threshold=10.0, scoring="default"))]
    fn export_phrases<'py>(
        &mut self,
        py: Python<'py>,
        min_count: u64,
        threshold: f64,
        scoring: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        let p = score_params(min_count, threshold, scoring)?;
        let counts = self.counts(py)?;
        let v = py.detach(|| counts.export_phrases(&p))?;
        phrases_dict(py, v)
    }

    /// The count of a key (`"new"`, `"new_york"`), 0 if absent.
    fn get(&mut self, py: Python<'_>, key: &str) -> PyResult<u64> {
        Ok(self.counts(py)?.get(key))
    }

    /// Number of keys (unigrams and phrases): gensim's `len(phrases.vocab)`.
    fn __len__(&mut self, py: Python<'_>) -> PyResult<usize> {
        Ok(self.counts(py)?.len())
    }

    /// Tokens counted, connector words included.
    #[getter]
    fn corpus_word_count(&mut self, py: Python<'_>) -> PyResult<u64> {
        Ok(self.counts(py)?.corpus_word_count)
    }

    /// Non-empty sentences counted.
    #[getter]
    fn sentences(&mut self, py: Python<'_>) -> PyResult<u64> {
        Ok(self.counts(py)?.sentences)
    }

    /// Prune passes made because of `max_vocab_size`.
    #[getter]
    fn prunes(&mut self, py: Python<'_>) -> PyResult<u64> {
        Ok(self.counts(py)?.prunes)
    }
}

/// Accepted phrases with their scores; applies gensim's greedy left-to-right joining.
#[pyclass(name = "FrozenPhrases", module = "embedrs._embedrs", frozen)]
pub struct PyFrozenPhrases {
    inner: Arc<phrases::FrozenPhrases>,
    meta: String,
}

#[pymethods]
impl PyFrozenPhrases {
    /// Joins the phrases of each sentence of a batch (each a list of str, or a str split on
    /// whitespace). Unchanged tokens are the input's own str objects.
    fn transform<'py>(
        &self,
        py: Python<'py>,
        batch: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let mut objs: Vec<Option<Bound<'py, PyAny>>> = Vec::new();
        let sents = extract(batch, Items::SENTENCES, Some(&mut objs))?;
        let inner = self.inner.clone();
        let out = py.detach(|| inner.transform_batch(&sents));
        let list = PyList::empty(py);
        let (mut from, mut j) = (0, 0);
        let mut row: Vec<Bound<'py, PyAny>> = Vec::new();
        for (i, &to) in out.piece_ends.iter().enumerate() {
            let base = sents.token_range(i).start;
            row.clear();
            for p in &out.pieces[from..to] {
                match *p {
                    Piece::Token(t) => match objs[base + t].take() {
                        Some(o) => row.push(o),
                        None => row.push(PyString::new(py, sents.token(base + t)).into_any()),
                    },
                    Piece::Phrase { .. } => {
                        row.push(PyString::new(py, out.phrase(j)).into_any());
                        j += 1;
                    }
                }
            }
            list.append(PyList::new(py, row.drain(..))?)?;
            from = to;
        }
        Ok(list)
    }

    /// `{phrase: score}`, best first (gensim's `export_phrases()`; see the docs for tokens
    /// that contain the delimiter).
    fn export_phrases<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let v = py.detach(|| self.inner.export_phrases());
        phrases_dict(py, v)
    }

    /// Number of distinct phrases.
    fn __len__(&self) -> usize {
        self.inner.len()
    }

    #[getter]
    fn delimiter(&self) -> &str {
        self.inner.delimiter()
    }

    /// The connector words, sorted.
    #[getter]
    fn connector_words(&self) -> Vec<String> {
        self.inner.connector_words().to_vec()
    }

    #[getter]
    fn min_count(&self) -> u64 {
        self.inner.params().min_count
    }

    #[getter]
    fn threshold(&self) -> f64 {
        self.inner.params().threshold
    }

    #[getter]
    fn scoring(&self) -> &'static str {
        self.inner.params().scoring.name()
    }

    /// Tokens in the corpus it was learnt from.
    #[getter]
    fn corpus_word_count(&self) -> u64 {
        self.inner.corpus_word_count()
    }

    /// Keys (unigrams and phrases) in the counts it was frozen from.
    #[getter]
    fn vocabulary_size(&self) -> u64 {
        self.inner.vocabulary_size()
    }

    /// The metadata string stored with `to_bytes(meta)`.
    #[getter]
    fn meta(&self) -> &str {
        &self.meta
    }

    /// The versioned binary form (with `meta`, or the stored metadata if None).
    #[pyo3(signature = (meta=None))]
    fn to_bytes<'py>(&self, py: Python<'py>, meta: Option<&str>) -> Bound<'py, PyBytes> {
        let meta = meta.unwrap_or(&self.meta);
        PyBytes::new(py, &self.inner.to_bytes(meta))
    }

    /// The inverse of `to_bytes`.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let (f, meta) = py.detach(|| phrases::FrozenPhrases::from_bytes(data))?;
        Ok(PyFrozenPhrases {
            inner: Arc::new(f),
            meta,
        })
    }

    /// Writes the binary form with `meta` to `path`, atomically (as every model file).
    fn save(&self, py: Python<'_>, path: PathBuf, meta: &str) -> PyResult<()> {
        let inner = self.inner.clone();
        Ok(py.detach(|| inner.save(&path, meta))?)
    }

    /// Reads a file written by `save`.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let (f, meta) = py.detach(|| phrases::FrozenPhrases::load(&path))?;
        Ok(PyFrozenPhrases {
            inner: Arc::new(f),
            meta,
        })
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let py = slf.py();
        let ctor = py.get_type::<PyFrozenPhrases>().getattr("from_bytes")?;
        Ok((ctor, (slf.get().to_bytes(py, None),)))
    }

    fn __repr__(&self) -> String {
        let p = self.inner.params();
        format!(
            "FrozenPhrases({} phrases, min_count={}, threshold={}, scoring={:?})",
            self.inner.len(),
            p.min_count,
            p.threshold,
            p.scoring.name()
        )
    }
}

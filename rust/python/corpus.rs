//! Bindings for `corpus`: counting files, and building an id corpus from Python sentences.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;

use super::cancel::detached;
use super::text::{extract, Items};
use super::vocab::{PyVocab, PyWordCounts};
use crate::corpus::{self, IdCorpusBuilder};
use crate::error::EmbedError;
use crate::text::DEFAULT_MAX_SENTENCE_LENGTH;

/// Text files (plain or compressed) streamed from disk on every pass.
#[pyclass(name = "FileCorpus", module = "embedrs._embedrs", frozen)]
pub struct PyFileCorpus {
    pub(crate) inner: corpus::FileCorpus,
}

#[pymethods]
impl PyFileCorpus {
    #[new]
    fn new(py: Python<'_>, paths: Vec<PathBuf>) -> PyResult<Self> {
        Ok(PyFileCorpus {
            inner: detached(py, |interrupt| {
                corpus::FileCorpus::open_with(&paths, interrupt)
            })?,
        })
    }
    /// The files' paths.
    fn paths(&self) -> Vec<PathBuf> {
        self.inner.paths().map(|p| p.to_path_buf()).collect()
    }
    /// Counts words with `n_threads` threads (the GIL is released).
    #[pyo3(signature = (n_threads=1, max_vocab_size=None, max_sentence_length=DEFAULT_MAX_SENTENCE_LENGTH))]
    fn count(
        &self,
        py: Python<'_>,
        n_threads: usize,
        max_vocab_size: Option<usize>,
        max_sentence_length: usize,
    ) -> PyResult<PyWordCounts> {
        let c = detached(py, |interrupt| {
            corpus::count_files_with(
                &self.inner,
                n_threads,
                max_vocab_size,
                max_sentence_length,
                interrupt,
            )
        })?;
        Ok(c.into())
    }
}

/// Sentences held in memory as word ids.
#[pyclass(name = "IdCorpus", module = "embedrs._embedrs", frozen)]
pub struct PyIdCorpus {
    pub(crate) inner: Arc<corpus::IdCorpus>,
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

/// Counts sentences handed over in batches and keeps them as ids, in one pass (the corpus
/// of `fit` and `partial_fit` given an iterable, and of the distributed counting).
#[pyclass(name = "CorpusBuilder", module = "embedrs._embedrs")]
pub struct PyCorpusBuilder {
    inner: Option<IdCorpusBuilder>,
    sentences_seen: u64,
}

impl PyCorpusBuilder {
    fn finished() -> PyErr {
        EmbedError::State("this CorpusBuilder is finished (its sentences went to training)".into())
            .into()
    }

    /// The builder, leaving this object finished.
    pub(crate) fn take(&mut self) -> PyResult<IdCorpusBuilder> {
        self.inner.take().ok_or_else(Self::finished)
    }
}

#[pymethods]
impl PyCorpusBuilder {
    #[new]
    #[pyo3(signature = (max_vocab_size=None, max_sentence_length=DEFAULT_MAX_SENTENCE_LENGTH, track_sentences=false))]
    fn new(
        max_vocab_size: Option<usize>,
        max_sentence_length: usize,
        track_sentences: bool,
    ) -> Self {
        let b = IdCorpusBuilder::new(max_vocab_size, max_sentence_length);
        PyCorpusBuilder {
            inner: Some(if track_sentences {
                b.track_sentences()
            } else {
                b
            }),
            sentences_seen: 0,
        }
    }

    /// Adds a batch of sentences: each a `str` (split by the core tokenizer) or a sequence
    /// of `str`. The batch is copied while the GIL is held, then counted without it.
    fn add_batch(&mut self, py: Python<'_>, batch: &Bound<'_, PyAny>) -> PyResult<()> {
        let items = Items {
            first: self.sentences_seen,
            ..Items::SENTENCES
        };
        let sentences = extract(batch, items, None)?;
        self.sentences_seen += sentences.len() as u64;
        let builder = self.inner.as_mut().ok_or_else(Self::finished)?;
        Ok(py.detach(|| builder.add_batch(&sentences))?)
    }

    /// Raw tokens seen so far.
    #[getter]
    fn total_words(&self) -> u64 {
        self.inner.as_ref().map_or(0, |b| b.total_words())
    }

    /// The counts so far (the builder stays usable).
    fn word_counts(&self) -> PyResult<PyWordCounts> {
        let b = self.inner.as_ref().ok_or_else(Self::finished)?;
        Ok(b.word_counts().into())
    }

    /// Ends the pass with an existing vocabulary: returns the `IdCorpus` (unknown words are
    /// dropped but still count as raw words).
    fn finish_with(&mut self, py: Python<'_>, vocab: &PyVocab) -> PyResult<PyIdCorpus> {
        let builder = self.take()?;
        let v = vocab.inner.clone();
        let c = py.detach(|| builder.finish_with(&v));
        Ok(PyIdCorpus { inner: Arc::new(c) })
    }
}

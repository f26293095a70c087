//! Bindings for `vocab`: the frozen vocabulary and mergeable word counts.

use std::sync::Arc;

use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::error::EmbedError;
use crate::vocab::{self, VocabConfig};

/// A frozen vocabulary (word <-> id, counts, corpus totals).
#[pyclass(name = "Vocab", module = "embedrs._embedrs", frozen)]
pub struct PyVocab {
    pub(crate) inner: Arc<vocab::Vocab>,
}

#[pymethods]
impl PyVocab {
    /// A vocabulary in the given order. `corpus_words` (raw tokens of the corpus it will train
    /// on, for the learning-rate schedule of file training) defaults to the sum of the counts.
    #[new]
    #[pyo3(signature = (words, counts, corpus_words=None))]
    fn new(words: Vec<String>, counts: Vec<u64>, corpus_words: Option<u64>) -> PyResult<Self> {
        if words.len() != counts.len() {
            return Err(EmbedError::Dimension(format!(
                "{} words but {} counts",
                words.len(),
                counts.len()
            ))
            .into());
        }
        let mut v = vocab::Vocab::from_sorted(words.into_iter().zip(counts).collect())?;
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
    pub(crate) inner: vocab::WordCounts,
}

impl From<vocab::WordCounts> for PyWordCounts {
    fn from(inner: vocab::WordCounts) -> Self {
        PyWordCounts { inner }
    }
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
        self.inner.without(&vocab.inner).into()
    }
    /// A new table holding both counts.
    fn merge(&self, other: &PyWordCounts) -> PyWordCounts {
        let mut m = self.inner.clone();
        m.merge(other.inner.clone());
        m.into()
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
        )?;
        Ok(PyVocab { inner: Arc::new(v) })
    }
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let me = slf.get();
        let cls = py.get_type::<PyWordCounts>();
        (cls, (me.items(), me.inner.total_words, me.inner.sentences)).into_pyobject(py)
    }
}

//! Bindings for phrase detection (`rust/phrases.rs`): `PhrasesModel` counts, `FrozenPhrases`
//! applies.
//!
//! Sentences from Python are copied into one buffer while attached, then counted or analysed
//! detached. Counting batches runs on a background thread fed through a bounded channel, so
//! the Python thread reading the next batch and the counting thread work at the same time,
//! and the counts still come out in gensim's sentence order (pruning included).

use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

use super::errors::to_pyerr;
use super::type_name;
use crate::corpus::FileCorpus;
use crate::phrases::{
    self, PhraseConfig, PhraseCounts, Piece, ScoreParams, Scoring, SentenceBatch,
};

/// Copies a batch of sentences (each a `str`, split on ASCII whitespace, or an iterable of
/// `str`). With `keep`, the original token objects are kept (None for split `str`s) so that
/// unchanged tokens can be returned without new strings.
fn extract<'py>(
    batch: &Bound<'py, PyAny>,
    mut keep: Option<&mut Vec<Option<Bound<'py, PyAny>>>>,
) -> PyResult<SentenceBatch> {
    if batch.is_instance_of::<PyString>() || batch.is_instance_of::<PyBytes>() {
        return Err(PyTypeError::new_err(
            "expected a batch (iterable) of sentences, got a single str or bytes",
        ));
    }
    let mut s = SentenceBatch::new();
    for (i, item) in batch.try_iter()?.enumerate() {
        let item = item?;
        if let Ok(st) = item.cast::<PyString>() {
            for tok in st.to_str()?.split_ascii_whitespace() {
                s.push_token(tok);
                if let Some(k) = keep.as_deref_mut() {
                    k.push(None);
                }
            }
            s.end_sentence();
            continue;
        }
        if item.is_instance_of::<PyBytes>() {
            return Err(PyTypeError::new_err(format!(
                "sentence {i} is bytes; decode it to str (or pass token lists)"
            )));
        }
        let mut push = |j: usize, tok: Bound<'py, PyAny>| -> PyResult<()> {
            let ps = tok.cast::<PyString>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "sentence {i}, token {j}: expected str, got {} {}",
                    type_name(&tok),
                    tok.repr().map(|r| r.to_string()).unwrap_or_default()
                ))
            })?;
            s.push_token(ps.to_str()?);
            if let Some(k) = keep.as_deref_mut() {
                k.push(Some(tok));
            }
            Ok(())
        };
        if let Ok(list) = item.cast::<PyList>() {
            for (j, tok) in list.iter().enumerate() {
                push(j, tok)?;
            }
        } else if let Ok(tuple) = item.cast::<PyTuple>() {
            for (j, tok) in tuple.iter().enumerate() {
                push(j, tok)?;
            }
        } else {
            let it = item.try_iter().map_err(|_| {
                PyTypeError::new_err(format!(
                    "sentence {i} is a {}, expected a str or a list of str",
                    type_name(&item)
                ))
            })?;
            for (j, tok) in it.enumerate() {
                push(j, tok?)?;
            }
        }
        s.end_sentence();
    }
    Ok(s)
}

fn score_params(min_count: u64, threshold: f64, scoring: &str) -> PyResult<ScoreParams> {
    let p = ScoreParams {
        min_count,
        threshold,
        scoring: Scoring::parse(scoring).map_err(to_pyerr)?,
    };
    p.validate().map_err(to_pyerr)?;
    Ok(p)
}

fn phrases_dict<'py>(py: Python<'py>, v: Vec<(String, f64)>) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for (k, s) in v {
        d.set_item(k, s)?;
    }
    Ok(d)
}

enum State {
    Idle(Box<PhraseCounts>),
    Busy {
        tx: SyncSender<(SentenceBatch, usize)>,
        handle: JoinHandle<Option<PhraseCounts>>,
    },
    Broken,
}

/// Unigram and phrase counts, as gensim's `Phrases.vocab` (counting runs in Rust).
#[pyclass(name = "PhrasesModel", module = "embedrs._embedrs")]
pub struct PyPhrasesModel {
    state: State,
}

impl PyPhrasesModel {
    /// Waits for the counting thread and returns the counts.
    fn counts(&mut self, py: Python<'_>) -> PyResult<&mut PhraseCounts> {
        if let State::Busy { .. } = self.state {
            let State::Busy { tx, handle } = std::mem::replace(&mut self.state, State::Broken)
            else {
                unreachable!()
            };
            drop(tx);
            let joined = py.detach(move || handle.join());
            match joined {
                Ok(Some(c)) => self.state = State::Idle(Box::new(c)),
                Ok(None) | Err(_) => {
                    return Err(PyRuntimeError::new_err(
                        "the phrase counting thread panicked; the counts are lost",
                    ))
                }
            }
        }
        match &mut self.state {
            State::Idle(c) => Ok(c),
            _ => Err(PyRuntimeError::new_err(
                "this PhrasesModel lost its counts (a counting thread failed)",
            )),
        }
    }
}

#[pymethods]
impl PyPhrasesModel {
    #[new]
    #[pyo3(signature = (connector_words=None, delimiter="_", max_vocab_size=Some(40_000_000)))]
    fn new(
        connector_words: Option<&Bound<'_, PyAny>>,
        delimiter: &str,
        max_vocab_size: Option<usize>,
    ) -> PyResult<Self> {
        let mut words = Vec::new();
        if let Some(cw) = connector_words {
            if cw.is_instance_of::<PyString>() {
                return Err(to_pyerr(crate::EmbedError::param(
                    "connector_words",
                    "must be a collection of str, not a single str",
                )));
            }
            for w in cw.try_iter()? {
                let w = w?;
                let s = w.cast::<PyString>().map_err(|_| {
                    to_pyerr(crate::EmbedError::param(
                        "connector_words",
                        format!("must hold str, got {}", type_name(&w)),
                    ))
                })?;
                words.push(s.to_str()?.to_owned());
            }
        }
        let counts = PhraseCounts::new(PhraseConfig {
            delimiter: delimiter.to_owned(),
            connector_words: words,
            max_vocab_size,
        })
        .map_err(to_pyerr)?;
        Ok(PyPhrasesModel {
            state: State::Idle(Box::new(counts)),
        })
    }

    /// Counts a batch of sentences (each a list of str, or a str split on whitespace) with up
    /// to `n_threads` threads. The batch is copied while the GIL is held and counted on a
    /// background thread, in the order given (the next batch can be read meanwhile).
    #[pyo3(signature = (batch, n_threads=1))]
    fn add_batch(
        &mut self,
        py: Python<'_>,
        batch: &Bound<'_, PyAny>,
        n_threads: usize,
    ) -> PyResult<()> {
        let sentences = extract(batch, None)?;
        if let State::Idle(_) = self.state {
            let State::Idle(counts) = std::mem::replace(&mut self.state, State::Broken) else {
                unreachable!()
            };
            let (tx, rx) = sync_channel::<(SentenceBatch, usize)>(2);
            // The counts go to the thread only once it has started, so that a thread the OS
            // refuses costs speed (counting on this thread instead), not the counts.
            let (give, take) = sync_channel::<Box<PhraseCounts>>(1);
            let spawned = std::thread::Builder::new()
                .name("embedrs-phrases".into())
                .spawn(move || {
                    let mut c = *take.recv().ok()?;
                    for (b, n) in rx {
                        c.add_batch(&b, n);
                    }
                    Some(c)
                });
            match spawned {
                Ok(handle) => {
                    // Cannot fail: the thread holds the receiver until it has the counts.
                    let _ = give.send(counts);
                    self.state = State::Busy { tx, handle };
                }
                Err(_) => {
                    let mut c = counts;
                    py.detach(|| c.add_batch(&sentences, n_threads));
                    self.state = State::Idle(c);
                    return Ok(());
                }
            }
        }
        let sent = match &self.state {
            State::Busy { tx, .. } => {
                let tx = tx.clone();
                py.detach(move || tx.send((sentences, n_threads)).is_ok())
            }
            _ => false,
        };
        if !sent {
            self.counts(py)?;
        }
        Ok(())
    }

    /// Counts text files (plain or gzip; one sentence per line) with `n_threads` threads.
    #[pyo3(signature = (paths, n_threads=1))]
    fn count_files(
        &mut self,
        py: Python<'_>,
        paths: Vec<PathBuf>,
        n_threads: usize,
    ) -> PyResult<()> {
        let corpus = FileCorpus::open(&paths).map_err(to_pyerr)?;
        let counts = self.counts(py)?;
        py.detach(|| counts.count_files(&corpus, n_threads))
            .map_err(to_pyerr)
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
        let f = py
            .detach(|| counts.freeze(&p, n_threads))
            .map_err(to_pyerr)?;
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
        let v = py.detach(|| counts.export_phrases(&p)).map_err(to_pyerr)?;
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
        let sents = extract(batch, Some(&mut objs))?;
        let inner = self.inner.clone();
        let (pieces, piece_ends, joined, joined_ends) = py.detach(|| {
            let mut pieces: Vec<Piece> = Vec::with_capacity(sents.n_tokens());
            let mut piece_ends = Vec::with_capacity(sents.len());
            let mut joined = String::new();
            let mut joined_ends = Vec::new();
            let mut toks: Vec<&str> = Vec::new();
            let d = inner.delimiter();
            for i in 0..sents.len() {
                toks.clear();
                toks.extend(sents.sentence(i));
                let from = pieces.len();
                inner.analyze(&toks, &mut pieces);
                for p in &pieces[from..] {
                    if let Piece::Phrase { start, end, .. } = *p {
                        for (k, t) in toks[start..end].iter().enumerate() {
                            if k > 0 {
                                joined.push_str(d);
                            }
                            joined.push_str(t);
                        }
                        joined_ends.push(joined.len());
                    }
                }
                piece_ends.push(pieces.len());
            }
            (pieces, piece_ends, joined, joined_ends)
        });
        let out = PyList::empty(py);
        let mut from = 0;
        let mut j = 0;
        let mut row: Vec<Bound<'py, PyAny>> = Vec::new();
        for (i, &to) in piece_ends.iter().enumerate() {
            let base = sents.token_range(i).start;
            row.clear();
            for p in &pieces[from..to] {
                match *p {
                    Piece::Token(t) => match objs[base + t].take() {
                        Some(o) => row.push(o),
                        None => row.push(PyString::new(py, sents.token(base + t)).into_any()),
                    },
                    Piece::Phrase { .. } => {
                        let a = if j == 0 { 0 } else { joined_ends[j - 1] };
                        row.push(PyString::new(py, &joined[a..joined_ends[j]]).into_any());
                        j += 1;
                    }
                }
            }
            out.append(PyList::new(py, row.drain(..))?)?;
            from = to;
        }
        Ok(out)
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
        let (f, meta) = py
            .detach(|| phrases::FrozenPhrases::from_bytes(data))
            .map_err(to_pyerr)?;
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

/// Adds the phrase classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPhrasesModel>()?;
    m.add_class::<PyFrozenPhrases>()?;
    Ok(())
}

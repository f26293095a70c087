//! Bindings for `model`: keyed vectors, their file formats, similarity search and pooling.

use std::path::PathBuf;

use numpy::ndarray::ArrayView2;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use super::cancel::detached;
use super::text::{extract, Items};
use super::vocab::{PyVocab, PyWordCounts};
use super::Pair;
use crate::error::EmbedError;
use crate::model::formats::{self, UnicodeErrors, Word2VecReadOptions};
use crate::model::{self, Pooling};
use crate::vocab;

/// What `load_native` returns: the vectors, the output matrix if saved, the metadata, the
/// rare-word counts if saved, hierarchical softmax's matrix if saved, and the input matrix
/// if saved apart from the vectors.
type NativeLoad<'py> = (
    PyKeyedVectors,
    Option<Bound<'py, PyArray2<f32>>>,
    String,
    Option<PyWordCounts>,
    Option<Bound<'py, PyArray2<f32>>>,
    Option<Bound<'py, PyArray2<f32>>>,
);

/// A copy of a float32 array in row order, or a `MemoryError` naming its size.
pub(crate) fn copy_floats(a: &PyReadonlyArray2<'_, f32>, what: &str) -> PyResult<Vec<f32>> {
    let arr = a.as_array();
    let n = arr.len();
    let mut v: Vec<f32> = Vec::new();
    v.try_reserve_exact(n).map_err(|_| EmbedError::Memory {
        bytes: n as u128 * 4,
        what: format!(
            "a copy of {what} ({} x {} float32)",
            arr.dim().0,
            arr.dim().1
        ),
    })?;
    v.extend(arr.iter().copied());
    Ok(v)
}

/// `(ids, ends)` of documents.
type DocIdArrays<'py> = (Bound<'py, PyArray1<u32>>, Bound<'py, PyArray1<u64>>);

/// Words and vectors, immutable once built (so views of `.vectors` stay valid).
#[pyclass(name = "KeyedVectors", module = "embedrs._embedrs", frozen)]
pub struct PyKeyedVectors {
    pub(crate) inner: model::KeyedVectors,
}

impl From<model::KeyedVectors> for PyKeyedVectors {
    fn from(inner: model::KeyedVectors) -> Self {
        PyKeyedVectors { inner }
    }
}

#[pymethods]
impl PyKeyedVectors {
    /// Vectors for `words` (copied); `counts` default to `n, n-1, ..., 1` (the rows' order).
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
            return Err(EmbedError::Dimension(format!(
                "{} words but {n} vector rows",
                words.len()
            ))
            .into());
        }
        let counts = match counts {
            Some(c) if c.len() == n => c,
            Some(c) => {
                return Err(
                    EmbedError::Dimension(format!("{n} words but {} counts", c.len())).into(),
                )
            }
            None => (0..n as u64).map(|i| n as u64 - i).collect(),
        };
        let v = vocab::Vocab::from_sorted(words.into_iter().zip(counts).collect())?;
        let data = copy_floats(&vectors, "the vectors")?;
        Ok(model::KeyedVectors::new(v, d, data)?.into())
    }

    /// Vectors (copied) for the words of a vocabulary, in its order.
    #[staticmethod]
    fn from_vocab(vocab: &PyVocab, vectors: PyReadonlyArray2<'_, f32>) -> PyResult<Self> {
        let data = copy_floats(&vectors, "the vectors")?;
        Ok(model::KeyedVectors::new(vocab.inner.clone(), vectors.as_array().dim().1, data)?.into())
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
    /// The vocabulary (shared, not copied): what `train_more` takes.
    fn vocab(&self) -> PyVocab {
        PyVocab {
            inner: self.inner.vocab_arc().clone(),
        }
    }

    /// The matrix as a read-only numpy view sharing this object's memory (no copy).
    #[getter]
    #[allow(unsafe_code)] // borrow_from_array: see the SAFETY note.
    fn vectors<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let kv = &slf.get().inner;
        let view = ArrayView2::from_shape((kv.len(), kv.dim()), kv.vectors())
            .map_err(|e| EmbedError::Dimension(e.to_string()))?;
        // SAFETY: the class is frozen and `inner`'s matrix (a buffer or a read-only file map)
        // is never modified, reallocated or unmapped after construction, so the memory stays
        // valid and unchanged for as long as `slf` lives; the returned array holds `slf` as
        // its base object, keeping it alive.
        let arr = unsafe { PyArray2::borrow_from_array(&view, slf.clone().into_any()) };
        arr.try_readwrite()
            .map_err(|e| EmbedError::State(e.to_string()))?
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
            return Err(EmbedError::Dimension(format!(
                "queries have {} columns, vectors have {}",
                q.dim().1,
                self.inner.dim()
            ))
            .into());
        }
        let nq = q.dim().0;
        let data = copy_floats(&queries, "the queries")?;
        let exclude = exclude.unwrap_or_default();
        let (ids, scores, k) = detached(py, |interrupt| {
            self.inner.most_similar_batch_with(
                &data,
                topn,
                &exclude,
                restrict_vocab,
                n_threads,
                interrupt,
            )
        })?;
        Ok((
            ids.into_pyarray(py).reshape((nq, k))?,
            scores.into_pyarray(py).reshape((nq, k))?,
        ))
    }

    /// Writes the word2vec binary or text format (atomically).
    #[pyo3(signature = (path, binary=true))]
    fn save_word2vec_format(&self, py: Python<'_>, path: PathBuf, binary: bool) -> PyResult<()> {
        Ok(py.detach(|| self.inner.save_word2vec_format(&path, binary))?)
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
        let opts = Word2VecReadOptions {
            binary,
            limit,
            unicode_errors: UnicodeErrors::parse(unicode_errors)?,
            no_header,
            allow_nonfinite,
        };
        let kv = py.detach(|| model::KeyedVectors::load_word2vec_format(&path, opts))?;
        Ok(kv.into())
    }

    /// True if the vectors are memory-mapped from a native file.
    #[getter]
    fn is_mapped(&self) -> bool {
        self.inner.is_mapped()
    }

    /// Writes the native format atomically, optionally with the output matrix, metadata,
    /// the counts of words not in the vocabulary, hierarchical softmax's matrix and the input
    /// matrix (when the vectors are not it).
    #[pyo3(signature = (path, syn1neg=None, meta="", rare=None, syn1=None, syn0=None))]
    #[allow(clippy::too_many_arguments)]
    fn save_native(
        &self,
        py: Python<'_>,
        path: PathBuf,
        syn1neg: Option<PyReadonlyArray2<'_, f32>>,
        meta: &str,
        rare: Option<&PyWordCounts>,
        syn1: Option<PyReadonlyArray2<'_, f32>>,
        syn0: Option<PyReadonlyArray2<'_, f32>>,
    ) -> PyResult<()> {
        let s1: Option<Vec<f32>> = syn1neg.map(|a| a.as_array().iter().copied().collect());
        let hs: Option<Vec<f32>> = syn1.map(|a| a.as_array().iter().copied().collect());
        let s0: Option<Vec<f32>> = syn0.map(|a| a.as_array().iter().copied().collect());
        let rare = rare.map(|r| &r.inner);
        Ok(py.detach(|| {
            formats::save_native(
                &path,
                &self.inner,
                s1.as_deref(),
                hs.as_deref(),
                s0.as_deref(),
                rare,
                meta,
            )
        })?)
    }

    /// Opens a native file: `(KeyedVectors, syn1neg or None, metadata, rare-word counts or
    /// None, syn1 or None, syn0 or None)`. With `mmap`, the vectors are mapped read-only
    /// from the file (no copy); the other matrices are always copies.
    #[staticmethod]
    #[pyo3(signature = (path, mmap=true))]
    fn load_native<'py>(py: Python<'py>, path: PathBuf, mmap: bool) -> PyResult<NativeLoad<'py>> {
        let m = py.detach(|| formats::load_native(&path, mmap))?;
        let shape = (m.kv.len(), m.kv.dim());
        let copy = |s: Option<model::Storage>| -> PyResult<_> {
            Ok(match s {
                Some(s) => Some(s.as_slice().to_vec().into_pyarray(py).reshape(shape)?),
                None => None,
            })
        };
        let (syn1neg, syn1, syn0) = (copy(m.syn1neg)?, copy(m.syn1)?, copy(m.syn0)?);
        Ok((
            m.kv.into(),
            syn1neg,
            m.meta,
            m.rare.map(PyWordCounts::from),
            syn1,
            syn0,
        ))
    }

    /// Serialised form (the native format, used by pickle).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &formats::native_to_bytes(&self.inner, None, ""))
    }

    /// The inverse of `to_bytes`.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        Ok(formats::native_from_bytes(data)?.kv.into())
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let py = slf.py();
        let ctor = py.get_type::<PyKeyedVectors>().getattr("from_bytes")?;
        Ok((ctor, (slf.get().to_bytes(py),)))
    }

    /// The rows of the known words of each document (each a `str`, split by the core
    /// tokenizer, or an iterable of `str`): `(ids, ends)`, document `i` being
    /// `ids[ends[i - 1]:ends[i]]` (unknown words are skipped).
    fn doc_ids<'py>(
        &self,
        py: Python<'py>,
        docs: &Bound<'py, PyAny>,
    ) -> PyResult<DocIdArrays<'py>> {
        let batch = extract(docs, Items::DOCUMENTS, None)?;
        let ids = py.detach(|| self.inner.doc_ids(&batch));
        let ends: Vec<u64> = ids.ends.iter().map(|&e| e as u64).collect();
        Ok((ids.ids.into_pyarray(py), ends.into_pyarray(py)))
    }

    /// Pools the vectors of the known words of each document (as `doc_ids` reads them):
    /// `mode` is `mean`, `sum` or `max`; `weights` (one per word) scale each word's vector
    /// first (a weighted mean divides by the weight sum). Returns `(matrix, n_empty)`:
    /// documents without a known word get a zero row and are counted in `n_empty`.
    #[pyo3(signature = (docs, mode="mean", weights=None))]
    fn pool<'py>(
        &self,
        py: Python<'py>,
        docs: &Bound<'py, PyAny>,
        mode: &str,
        weights: Option<PyReadonlyArray1<'py, f32>>,
    ) -> PyResult<(Bound<'py, PyArray2<f32>>, usize)> {
        let mode = Pooling::parse(mode)?;
        let weights: Option<Vec<f32>> = weights.map(|w| w.as_array().iter().copied().collect());
        let batch = extract(docs, Items::DOCUMENTS, None)?;
        let n = batch.len();
        let (out, empty) = py.detach(|| {
            let ids = self.inner.doc_ids(&batch);
            self.inner.pool(&ids, mode, weights.as_deref())
        })?;
        Ok((out.into_pyarray(py).reshape((n, self.inner.dim()))?, empty))
    }
}

/// Writes `data` to `path` atomically (a temporary sibling, then a rename), as every model
/// file is written.
#[pyfunction]
pub(crate) fn write_file_atomically(py: Python<'_>, path: PathBuf, data: &[u8]) -> PyResult<()> {
    Ok(py.detach(|| formats::atomic_write_bytes(&path, data))?)
}

/// Raises the error an atomic write of `path` would meet (missing folder, no permission, a
/// directory), without leaving any file behind.
#[pyfunction]
pub(crate) fn check_writable(path: PathBuf) -> PyResult<()> {
    Ok(formats::check_writable(&path)?)
}

/// The first `n` bytes of the regular file `path` (missing, unreadable, a directory, a pipe
/// or a device: an error naming it, without waiting for a writer).
#[pyfunction]
pub(crate) fn read_head<'py>(
    py: Python<'py>,
    path: PathBuf,
    n: usize,
) -> PyResult<Bound<'py, PyBytes>> {
    let data = py.detach(|| formats::read_head(&path, n))?;
    Ok(PyBytes::new(py, &data))
}

/// The bytes of the regular file `path` (missing, unreadable, a directory, a pipe or a
/// device: an error naming it).
#[pyfunction]
pub(crate) fn read_file<'py>(py: Python<'py>, path: PathBuf) -> PyResult<Bound<'py, PyBytes>> {
    let data = py.detach(|| formats::read_file(&path))?;
    Ok(PyBytes::new(py, &data))
}

/// The word vectors of a model trained with ``output_weight``: ``syn0 + output_weight *
/// syn1neg``, computed as training computes them (for models assembled outside the core's
/// pipeline, e.g. by the distributed trainer).
///
/// Examples
/// --------
/// >>> import numpy as np
/// >>> from embedrs import _embedrs
/// >>> _embedrs.word_vectors(np.ones((1, 2), np.float32), np.full((1, 2), 2, np.float32), 0.5)
/// array([[2., 2.]], dtype=float32)
#[pyfunction]
pub(crate) fn word_vectors<'py>(
    py: Python<'py>,
    syn0: PyReadonlyArray2<'py, f32>,
    syn1neg: PyReadonlyArray2<'py, f32>,
    output_weight: f64,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let shape = syn0.as_array().dim();
    if shape != syn1neg.as_array().dim() {
        return Err(EmbedError::Dimension(format!(
            "syn0 has shape {shape:?}, syn1neg {:?}",
            syn1neg.as_array().dim()
        ))
        .into());
    }
    let (a, b) = (
        copy_floats(&syn0, "syn0")?,
        copy_floats(&syn1neg, "syn1neg")?,
    );
    let v = py.detach(|| model::word_vectors(&a, &b, output_weight));
    v.into_pyarray(py).reshape(shape)
}

//! Bindings for `replica`: one model replica of the distributed driver.

use numpy::{IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use super::corpus::PyCorpusBuilder;
use super::train::{PyEpochStats, PySink, PyTrainConfig};
use super::vocab::PyVocab;
use super::Pair;
use crate::replica::{Replica, RowDelta};

/// `(rows, d_syn0, d_syn1)`.
type Delta<'py> = (
    Bound<'py, PyArray1<u32>>,
    Bound<'py, PyArray2<f32>>,
    Bound<'py, PyArray2<f32>>,
);

/// A model replica: the vocabulary, its share of the corpus cut into one slice per round,
/// and the weights (see the core's `replica` module).
#[pyclass(name = "Replica", module = "embedrs._embedrs")]
pub struct PyReplica {
    inner: Replica,
}

#[pymethods]
impl PyReplica {
    /// Cuts the sentences of `builder` (made with `track_sentences=True`; consumed) into
    /// `n_slices` slices of about equal token counts, and starts from `syn0`/`syn1`.
    #[new]
    fn new(
        py: Python<'_>,
        vocab: &PyVocab,
        builder: &Bound<'_, PyCorpusBuilder>,
        n_slices: usize,
        syn0: PyReadonlyArray2<'_, f32>,
        syn1: PyReadonlyArray2<'_, f32>,
    ) -> PyResult<Self> {
        let b = builder.borrow_mut().take()?;
        let v = vocab.inner.clone();
        let dim = syn0.as_array().dim().1;
        // Copied element by element: arrays that arrive from other processes may be
        // unaligned views of a message buffer.
        let s0: Vec<f32> = syn0.as_array().iter().copied().collect();
        let s1: Vec<f32> = syn1.as_array().iter().copied().collect();
        let inner = py.detach(|| {
            let slices = b.finish_slices(&v, n_slices);
            Replica::new(v, slices, dim, s0, s1)
        })?;
        Ok(PyReplica { inner })
    }

    /// Raw tokens of all slices together.
    #[getter]
    fn raw_words(&self) -> u64 {
        self.inner.raw_words()
    }

    /// Trains slice `index` for one pass with `config`; returns its epoch statistics and the
    /// SIMD kernel used. The GIL is released.
    fn train_round(
        &mut self,
        py: Python<'_>,
        index: usize,
        config: &PyTrainConfig,
    ) -> PyResult<(PyEpochStats, &'static str)> {
        let mut sink = PySink::new(py, None, &config.train, f64::INFINITY)?;
        let inner = &mut self.inner;
        let result = py.detach(|| inner.train_round(index, &config.train, &mut sink));
        let report = sink.finish(result)?;
        let stats = report
            .epochs
            .first()
            .map(PyEpochStats::from)
            .unwrap_or_else(|| PyEpochStats::from(&Default::default()));
        Ok((stats, report.kernel))
    }

    /// The rows changed since the last synchronisation: `(rows, d_syn0, d_syn1)`.
    fn delta<'py>(&self, py: Python<'py>) -> PyResult<Delta<'py>> {
        let d = py.detach(|| self.inner.delta());
        let n = d.rows.len();
        let dim = self.dim();
        Ok((
            d.rows.into_pyarray(py),
            d.d0.into_pyarray(py).reshape((n, dim))?,
            d.d1.into_pyarray(py).reshape((n, dim))?,
        ))
    }

    /// Synchronises with the summed deltas of a round (an empty delta restores the last
    /// synchronised weights, to rerun a round).
    fn apply(
        &mut self,
        py: Python<'_>,
        rows: PyReadonlyArray1<'_, u32>,
        d_syn0: PyReadonlyArray2<'_, f32>,
        d_syn1: PyReadonlyArray2<'_, f32>,
    ) -> PyResult<()> {
        let delta = RowDelta {
            rows: rows.as_array().to_vec(),
            d0: d_syn0.as_array().iter().copied().collect(),
            d1: d_syn1.as_array().iter().copied().collect(),
        };
        let inner = &mut self.inner;
        Ok(py.detach(|| inner.apply(&delta))?)
    }

    /// Copies of both matrices.
    fn weights<'py>(&self, py: Python<'py>) -> PyResult<Pair<'py, f32, f32>> {
        let (s0, s1) = self.inner.weights();
        let shape = (s0.len() / self.dim().max(1), self.dim());
        Ok((
            s0.to_vec().into_pyarray(py).reshape(shape)?,
            s1.to_vec().into_pyarray(py).reshape(shape)?,
        ))
    }
}

impl PyReplica {
    fn dim(&self) -> usize {
        self.inner.dim()
    }
}

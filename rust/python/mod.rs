//! The PyO3 bindings: the only module that knows about Python.
//!
//! One file per core module, each a thin translation: arguments are extracted while attached,
//! the core is called once (inside `py.detach` when it can take long), and the result is
//! converted. Core errors become exceptions through one `From<EmbedError> for PyErr`
//! ([`errors`]).

mod cancel;
mod corpus;
mod errors;
mod model;
mod phrases;
mod pipeline;
mod replica;
mod text;
mod train;
mod vocab;

use numpy::PyArray2;
use pyo3::prelude::*;

/// Two arrays returned together.
type Pair<'py, A, B> = (Bound<'py, PyArray2<A>>, Bound<'py, PyArray2<B>>);

/// The compiled core of embedrs.
#[pymodule(gil_used = true)]
fn _embedrs(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // Loggers are cached, levels are not: `logging.basicConfig(level=...)` after import works.
    let _ = pyo3_log::Logger::new(m.py(), pyo3_log::Caching::Loggers)?.install();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<vocab::PyVocab>()?;
    m.add_class::<vocab::PyWordCounts>()?;
    m.add_class::<corpus::PyFileCorpus>()?;
    m.add_class::<corpus::PyIdCorpus>()?;
    m.add_class::<corpus::PyCorpusBuilder>()?;
    m.add_class::<text::PyLineReader>()?;
    m.add_class::<model::PyKeyedVectors>()?;
    m.add_class::<train::PyTrainConfig>()?;
    m.add_class::<train::PyProgress>()?;
    m.add_class::<train::PyEpochStats>()?;
    m.add_class::<train::PyTrainReport>()?;
    m.add_class::<pipeline::PyTrainedModel>()?;
    m.add_class::<replica::PyReplica>()?;
    m.add_class::<phrases::PyPhrasesModel>()?;
    m.add_class::<phrases::PyFrozenPhrases>()?;
    m.add_function(wrap_pyfunction!(pipeline::fit, m)?)?;
    m.add_function(wrap_pyfunction!(pipeline::continue_training, m)?)?;
    m.add_function(wrap_pyfunction!(pipeline::train_more, m)?)?;
    m.add_function(wrap_pyfunction!(train::defaults, m)?)?;
    m.add_function(wrap_pyfunction!(train::limits, m)?)?;
    m.add_function(wrap_pyfunction!(train::default_alpha, m)?)?;
    m.add_function(wrap_pyfunction!(train::default_cbow_gradient, m)?)?;
    m.add_function(wrap_pyfunction!(train::default_output_weight, m)?)?;
    m.add_function(wrap_pyfunction!(model::word_vectors, m)?)?;
    m.add_function(wrap_pyfunction!(train::init_weights, m)?)?;
    m.add_function(wrap_pyfunction!(train::simd_kernel, m)?)?;
    m.add_function(wrap_pyfunction!(train::simd_supported, m)?)?;
    m.add_function(wrap_pyfunction!(text::tokenize, m)?)?;
    m.add_function(wrap_pyfunction!(train::resolve_n_jobs, m)?)?;
    m.add_function(wrap_pyfunction!(errors::out_of_vocabulary, m)?)?;
    m.add_function(wrap_pyfunction!(model::write_file_atomically, m)?)?;
    m.add_function(wrap_pyfunction!(model::check_writable, m)?)?;
    m.add_function(wrap_pyfunction!(model::read_file, m)?)?;
    m.add_function(wrap_pyfunction!(model::read_head, m)?)?;
    m.add_function(wrap_pyfunction!(phrases::check_score_params, m)?)?;
    Ok(())
}

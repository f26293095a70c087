//! The one mapping from core errors to Python exceptions (classes defined in
//! `embedrs/exceptions.py`, each also deriving from the matching builtin), so that `?` turns
//! any core error into the right exception.

use pyo3::exceptions::{PyIndexError, PyMemoryError, PyRuntimeError, PyTypeError};
use pyo3::prelude::*;

use crate::error::EmbedError;

pyo3::import_exception!(embedrs.exceptions, EmbedrsIOError);
pyo3::import_exception!(embedrs.exceptions, EmbedrsFileNotFoundError);
pyo3::import_exception!(embedrs.exceptions, FormatError);
pyo3::import_exception!(embedrs.exceptions, TruncatedFileError);
pyo3::import_exception!(embedrs.exceptions, InvalidParameterError);
pyo3::import_exception!(embedrs.exceptions, OutOfVocabularyError);
pyo3::import_exception!(embedrs.exceptions, EmptyVocabularyError);
pyo3::import_exception!(embedrs.exceptions, DimensionError);
pyo3::import_exception!(embedrs.exceptions, TrainingCancelledError);

impl From<EmbedError> for PyErr {
    fn from(e: EmbedError) -> PyErr {
        let msg = e.to_string();
        match e {
            EmbedError::Io { source, .. } => {
                let errno = source.raw_os_error();
                // A missing file is also a FileNotFoundError, as Python's own open() raises.
                let missing = source.kind() == std::io::ErrorKind::NotFound;
                match (errno, missing) {
                    (Some(code), true) => EmbedrsFileNotFoundError::new_err((code, msg)),
                    (Some(code), false) => EmbedrsIOError::new_err((code, msg)),
                    (None, true) => EmbedrsFileNotFoundError::new_err(msg),
                    (None, false) => EmbedrsIOError::new_err(msg),
                }
            }
            EmbedError::Format { .. } => FormatError::new_err(msg),
            EmbedError::Truncated { .. } => TruncatedFileError::new_err(msg),
            EmbedError::InvalidParameter { .. } => InvalidParameterError::new_err(msg),
            EmbedError::OutOfVocabulary(_) => OutOfVocabularyError::new_err(msg),
            EmbedError::EmptyVocabulary { .. } => EmptyVocabularyError::new_err(msg),
            EmbedError::Dimension(_) => DimensionError::new_err(msg),
            EmbedError::IndexOutOfRange { .. } => PyIndexError::new_err(msg),
            EmbedError::Memory { .. } | EmbedError::ExceedsMemory { .. } => {
                PyMemoryError::new_err(msg)
            }
            EmbedError::Type(_) => PyTypeError::new_err(msg),
            EmbedError::State(_) => PyRuntimeError::new_err(msg),
            EmbedError::Cancelled => TrainingCancelledError::new_err(msg),
        }
    }
}

/// The `OutOfVocabularyError` naming `words`, with the core's message (the same wherever a
/// word is looked up), for Python code to raise.
#[pyfunction]
pub(crate) fn out_of_vocabulary(py: Python<'_>, words: Vec<String>) -> Bound<'_, PyAny> {
    PyErr::from(EmbedError::OutOfVocabulary(words))
        .into_value(py)
        .into_bound(py)
        .into_any()
}

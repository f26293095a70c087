//! The one mapping from core errors to Python exceptions (classes defined in
//! `embedrs/exceptions.py`, each also deriving from the matching builtin).

use pyo3::PyErr;

use crate::error::EmbedError;

pyo3::import_exception!(embedrs.exceptions, EmbedrsIOError);
pyo3::import_exception!(embedrs.exceptions, EmbedrsFileNotFoundError);
pyo3::import_exception!(embedrs.exceptions, FormatError);
pyo3::import_exception!(embedrs.exceptions, InvalidParameterError);
pyo3::import_exception!(embedrs.exceptions, OutOfVocabularyError);
pyo3::import_exception!(embedrs.exceptions, EmptyVocabularyError);
pyo3::import_exception!(embedrs.exceptions, DimensionError);
pyo3::import_exception!(embedrs.exceptions, TrainingCancelledError);

/// Converts a core error, exhaustively.
pub fn to_pyerr(e: EmbedError) -> PyErr {
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
        EmbedError::InvalidParameter { .. } => InvalidParameterError::new_err(msg),
        EmbedError::OutOfVocabulary(_) => OutOfVocabularyError::new_err(msg),
        EmbedError::EmptyVocabulary { .. } => EmptyVocabularyError::new_err(msg),
        EmbedError::Dimension(_) => DimensionError::new_err(msg),
        EmbedError::IndexOutOfRange { .. } => pyo3::exceptions::PyIndexError::new_err(msg),
        EmbedError::Memory { .. } => pyo3::exceptions::PyMemoryError::new_err(msg),
        EmbedError::Cancelled => TrainingCancelledError::new_err(msg),
    }
}

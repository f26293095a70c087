//! Sentences and documents from Python into the core's [`SentenceBatch`], and the lines of
//! text files back to Python ([`PyLineReader`]).

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

use crate::error::EmbedError;
use crate::reader::{LineBatches, TextFile};
use crate::text::{SentenceBatch, DEFAULT_MAX_SENTENCE_LENGTH};

use super::cancel::Signals;

/// The name of an object's type, for messages.
pub(crate) fn type_name(o: &Bound<'_, PyAny>) -> String {
    o.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into())
}

/// What the items of a batch are called in messages, and where their numbering starts.
#[derive(Clone, Copy)]
pub(crate) struct Items {
    /// `"sentence"` or `"document"`.
    pub noun: &'static str,
    /// The index of the batch's first item in the whole input.
    pub first: u64,
    /// A missing value (None, NaN, pandas' NA) is an empty item.
    pub missing_is_empty: bool,
}

impl Items {
    pub(crate) const SENTENCES: Items = Items {
        noun: "sentence",
        first: 0,
        missing_is_empty: false,
    };
    /// Documents to pool: on every path (CPU, device, Dask), a missing value is a document
    /// without words.
    pub(crate) const DOCUMENTS: Items = Items {
        noun: "document",
        first: 0,
        missing_is_empty: true,
    };
}

/// A missing value as Python data libraries write it: None, a NaN float (Python's or
/// numpy's), or pandas' `NA` and `NaT`.
fn is_missing(item: &Bound<'_, PyAny>) -> bool {
    item.is_none()
        || item.extract::<f64>().is_ok_and(f64::is_nan)
        || matches!(type_name(item).as_str(), "NAType" | "NaTType")
}

/// Copies a batch of sentences (each a `str`, split by the core tokenizer, or an iterable of
/// `str` tokens) into a [`SentenceBatch`], one sentence per item even when it has no token.
/// With `keep`, the token objects of token lists are kept (None for tokens split from a
/// `str`), so that unchanged tokens can be handed back without new strings.
///
/// # Errors
/// A `TypeError` naming the item (and token) that is bytes, not iterable, or not a `str`.
pub(crate) fn extract<'py>(
    batch: &Bound<'py, PyAny>,
    items: Items,
    mut keep: Option<&mut Vec<Option<Bound<'py, PyAny>>>>,
) -> PyResult<SentenceBatch> {
    let noun = items.noun;
    if batch.is_instance_of::<PyString>() || batch.is_instance_of::<PyBytes>() {
        return Err(EmbedError::Type(format!(
            "expected a batch (iterable) of {noun}s, got a single str or bytes"
        ))
        .into());
    }
    let mut s = SentenceBatch::new();
    for (i, item) in batch.try_iter()?.enumerate() {
        let item = item?;
        let index = items.first + i as u64;
        if let Ok(st) = item.cast::<PyString>() {
            let before = s.n_tokens();
            s.push_text(st.to_str()?);
            if let Some(k) = keep.as_deref_mut() {
                k.extend((before..s.n_tokens()).map(|_| None));
            }
            continue;
        }
        if item.is_instance_of::<PyBytes>() {
            return Err(EmbedError::Type(format!(
                "{noun} {index} is bytes; decode it to str (or pass token lists)"
            ))
            .into());
        }
        if items.missing_is_empty && is_missing(&item) {
            s.end_sentence();
            continue;
        }
        let mut push = |j: usize, tok: Bound<'py, PyAny>| -> PyResult<()> {
            let ps = tok.cast::<PyString>().map_err(|_| {
                EmbedError::Type(format!(
                    "{noun} {index}, token {j}: expected str, got {} {}",
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
                EmbedError::Type(format!(
                    "{noun} {index} is a {}, expected a str or a list of str",
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

/// The tokens of a `str`, split as every path of embedrs splits text.
#[pyfunction]
pub(crate) fn tokenize(text: &str) -> Vec<&str> {
    crate::text::tokenize(text.as_bytes())
        // `tokenize` cuts only at ASCII bytes, so every token of a str is a str.
        .map(|t| std::str::from_utf8(t).unwrap_or_default())
        .collect()
}

/// The lines of text files (plain or compressed, recognised by content), in order, as lists
/// of `str` of about 1 MiB each (invalid UTF-8 replaced by U+FFFD); each file is checked to
/// be unchanged once read.
#[pyclass(name = "LineReader", module = "embedrs._embedrs")]
pub struct PyLineReader {
    // A pyclass must be Sync; the reader (a boxed stream) is only Send.
    lines: std::sync::Mutex<LineBatches>,
    buf: Vec<u8>,
    signals: Signals,
}

#[pymethods]
impl PyLineReader {
    /// Lines of `paths`, cut into pieces of at most `max_sentence_length` tokens.
    #[new]
    #[pyo3(signature = (paths, max_sentence_length=DEFAULT_MAX_SENTENCE_LENGTH))]
    fn new(py: Python<'_>, paths: Vec<PathBuf>, max_sentence_length: usize) -> PyResult<Self> {
        let signals = Signals::default();
        let interrupt = signals.interrupt();
        let files = py.detach(|| TextFile::open_all(&paths, &interrupt));
        let files = signals.finish(files)?;
        let lines = LineBatches::new(files, 1 << 20, max_sentence_length, signals.interrupt());
        Ok(PyLineReader {
            lines: std::sync::Mutex::new(lines),
            buf: Vec::new(),
            signals,
        })
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<Vec<String>>> {
        let (lines, buf) = (&mut self.lines, &mut self.buf);
        let lines = lines.get_mut().unwrap_or_else(|p| p.into_inner());
        let more = py.detach(|| lines.next_batch(buf));
        let more = self.signals.finish(more)?;
        if !more {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(buf);
        let body = text.strip_suffix('\n').unwrap_or(&text);
        Ok(Some(body.split('\n').map(str::to_owned).collect()))
    }
}

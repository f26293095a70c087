//! The one error type of the core.
//!
//! Variants are chosen by what the caller can do about them; the Python bindings map each
//! variant to one exception class in a single exhaustive `match` (`rust/python/errors.rs`).

use std::path::PathBuf;

/// Everything that can go wrong in the core.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// Reading or writing a file failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file's content is not what its format requires.
    #[error("{}: {reason}", .path.display())]
    Format {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong and where (line or byte offset).
        reason: String,
    },
    /// A parameter is out of its domain.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParameter {
        /// The parameter's name as the user spells it.
        name: &'static str,
        /// Why the value is rejected.
        reason: String,
    },
    /// Words that were asked for are not in the vocabulary.
    #[error("word{} not in vocabulary: {}", if .0.len() == 1 { "" } else { "s" }, quote_list(.0))]
    OutOfVocabulary(Vec<String>),
    /// The vocabulary is empty after applying `min_count` and friends.
    #[error("the vocabulary is empty: {reason}")]
    EmptyVocabulary {
        /// Why (how many words were seen, what removed them).
        reason: String,
    },
    /// Arrays or models whose shapes do not agree.
    #[error("dimension mismatch: {0}")]
    Dimension(String),
    /// An index is out of range.
    #[error("index {index} is out of range for {len} rows")]
    IndexOutOfRange {
        /// The offending index.
        index: i64,
        /// The number of rows.
        len: usize,
    },
    /// The matrices would not fit in memory.
    #[error("cannot allocate {bytes} bytes for {what}")]
    Memory {
        /// Bytes needed.
        bytes: u128,
        /// What they were for.
        what: String,
    },
    /// Training was cancelled by the caller (callback or signal).
    #[error("training cancelled")]
    Cancelled,
}

fn quote_list(words: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut s = words
        .iter()
        .take(SHOWN)
        .map(|w| format!("{w:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    if words.len() > SHOWN {
        s.push_str(&format!(" and {} more", words.len() - SHOWN));
    }
    s
}

impl EmbedError {
    /// An I/O error attached to a path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        EmbedError::Io {
            path: path.into(),
            source,
        }
    }

    /// A format error attached to a path.
    pub fn format(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        EmbedError::Format {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// A parameter error.
    pub fn param(name: &'static str, reason: impl Into<String>) -> Self {
        EmbedError::InvalidParameter {
            name,
            reason: reason.into(),
        }
    }
}

/// The core's result type.
pub type Result<T, E = EmbedError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oov_message_names_the_words() {
        let e = EmbedError::OutOfVocabulary(vec!["kingg".into()]);
        assert_eq!(e.to_string(), "word not in vocabulary: \"kingg\"");
        let many: Vec<String> = (0..12).map(|i| format!("w{i}")).collect();
        let s = EmbedError::OutOfVocabulary(many).to_string();
        assert!(s.starts_with("words not in vocabulary: \"w0\""));
        assert!(s.ends_with("and 2 more"));
    }
}

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
    /// A file ends before its content does (fewer entries than its header announces): a
    /// `Format` error that is also an end-of-file (Python: `TruncatedFileError`, a
    /// `FormatError` and an `EOFError`, as gensim raises for a short word2vec file).
    #[error("{}: {reason}", .path.display())]
    Truncated {
        /// The file concerned.
        path: PathBuf,
        /// Where it ends and what was expected.
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
    /// The weight matrices would need more memory than the machine has.
    #[error(
        "training needs {:.1} GiB for the two {words} x {dim} float32 matrices, but this \
         machine has {:.1} GiB; lower vector_size or raise min_count",
        *.need as f64 / GIB,
        *.have as f64 / GIB
    )]
    ExceedsMemory {
        /// Bytes the two matrices need.
        need: u128,
        /// Bytes of memory the machine has.
        have: u64,
        /// Rows of each matrix.
        words: usize,
        /// Columns of each matrix.
        dim: usize,
    },
    /// A value of the wrong type was given (a sentence that is not text, a token that is
    /// not a string).
    #[error("{0}")]
    Type(String),
    /// An object was used in a state that does not allow it (a finished builder, counts
    /// lost with a failed thread).
    #[error("{0}")]
    State(String),
    /// Training was cancelled by the caller (callback or signal).
    #[error("training cancelled")]
    Cancelled,
}

const GIB: f64 = (1u64 << 30) as f64;

fn quote_list(words: &[String]) -> String {
    const SHOWN: usize = 10;
    let mut s = words
        .iter()
        .take(SHOWN)
        .map(|w| show_str(w))
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

    /// A truncated-file error attached to a path.
    pub fn truncated(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        EmbedError::Truncated {
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

/// A float as Python's `repr` writes it (`0.0`, `10.0`, `1e+30`, `1e-05`, `nan`, `inf`), so
/// that messages about parameters show the value the user typed.
pub fn show_f64(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    let s = format!("{x:?}");
    match s.split_once('e') {
        Some((mantissa, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => s,
    }
}

/// A string as Python's `repr` writes it (`'word'`, `"don't"`, `'a\\xa0b'`), so that messages
/// name words the way a Python user would type them.
pub fn show_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() || (c.is_whitespace() && c != ' ') => {
                let n = c as u32;
                if n < 0x100 {
                    out.push_str(&format!("\\x{n:02x}"));
                } else if n < 0x10000 {
                    out.push_str(&format!("\\u{n:04x}"));
                } else {
                    out.push_str(&format!("\\U{n:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// The core's result type.
pub type Result<T, E = EmbedError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_shown_as_python_shows_them() {
        let cases = [
            (0.0, "0.0"),
            (10.0, "10.0"),
            (0.025, "0.025"),
            (1e30, "1e+30"),
            (1e-5, "1e-05"),
            (1.5e300, "1.5e+300"),
            (f64::NAN, "nan"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (x, want) in cases {
            assert_eq!(show_f64(x), want);
        }
    }

    #[test]
    fn strings_are_shown_as_python_shows_them() {
        assert_eq!(show_str("king"), "'king'");
        assert_eq!(show_str("don't"), "\"don't\"");
        assert_eq!(show_str("a'b\""), "'a\\'b\"'");
        assert_eq!(show_str("a\u{a0}b\tc\\"), "'a\\xa0b\\tc\\\\'");
        assert_eq!(show_str("\u{2028}é"), "'\\u2028é'");
    }

    #[test]
    fn oov_message_names_the_words() {
        let e = EmbedError::OutOfVocabulary(vec!["kingg".into()]);
        assert_eq!(e.to_string(), "word not in vocabulary: 'kingg'");
        let many: Vec<String> = (0..12).map(|i| format!("w{i}")).collect();
        let s = EmbedError::OutOfVocabulary(many).to_string();
        assert!(s.starts_with("words not in vocabulary: 'w0'"));
        assert!(s.ends_with("and 2 more"));
    }
}

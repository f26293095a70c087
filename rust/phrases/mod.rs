//! Phrase (collocation) detection with gensim 4's `Phrases` rules: the same counts, the same
//! scores and the same greedy joining, so `new york` becomes `new_york` exactly when gensim
//! would join it.
//!
//! # Counting ([`PhraseCounts`])
//!
//! gensim keeps one table of *keys*: every non-connector word, and every pair of consecutive
//! non-connector words joined by the delimiter together with the connector words between them
//! (`bank_of_america`). Connector words are never counted alone, and a sentence's leading
//! connector words belong to no key. Every token (connectors included) adds one to the corpus
//! word count. Whenever the table holds more than `max_vocab_size` keys at the end of a
//! sentence, the keys seen fewer than `min_reduce` times are dropped and `min_reduce` grows by
//! one (so the first prune drops nothing, as in gensim). Unigram and phrase keys share the
//! table: a token that already contains the delimiter (`new_york` in a second pass) and the
//! pair `new` + `york` add to the same count, and `len_vocab` of the default score is the size
//! of the whole table. All of this is reproduced here.
//!
//! Counting is exact for any number of threads. The table is split by hash into shards; a
//! batch of sentences (from Python, or ~4 MiB of lines read from a file by a reader thread)
//! is turned into its keys by several threads, then each thread adds the keys of its own
//! shards. Since gensim prunes only at the end of a sentence when the table is over
//! `max_vocab_size`, a batch that cannot take the table past the bound is counted this way,
//! and a batch that could is counted sentence by sentence, pruning exactly where gensim does.
//!
//! # Freezing ([`FrozenPhrases`])
//!
//! gensim scores a candidate `a [connectors] b` from `count(a)`, `count(b)` and
//! `count(joined)`. The frozen form stores every way of reading each key of the table as such
//! a candidate whose score passes the threshold, with the score, so that applying it gives
//! exactly the output of gensim's (unfrozen) `Phrases[sentence]`. For keys without the
//! delimiter inside tokens there is exactly one reading, and the frozen form is gensim's
//! `FrozenPhrases` (its `phrasegrams`). gensim's own `FrozenPhrases` re-splits each key at
//! every delimiter and scores only `first part` + `last part`, which loses phrases made of
//! tokens that already contain the delimiter (trigrams in a second pass);
//! [`FrozenPhrases::export_phrases`] returns gensim's score for every phrase gensim exports,
//! plus those phrases (with the best score of their readings).
//!
//! ```
//! use embedrs::phrases::{PhraseConfig, PhraseCounts, ScoreParams, Scoring};
//!
//! let mut counts = PhraseCounts::new(PhraseConfig::default()).unwrap();
//! for i in 0..20 {
//!     let filler = format!("w{i}");
//!     counts.add_sentence(["i", "love", "new", "york", filler.as_str()]);
//!     counts.add_sentence(["the", "bank", "of", "america", "said", filler.as_str()]);
//! }
//! let params = ScoreParams { min_count: 5, threshold: 1.0, scoring: Scoring::Default };
//! let frozen = counts.freeze(&params, 1).unwrap();
//! assert_eq!(frozen.apply(&["in", "new", "york"]), ["in", "new_york"]);
//! assert_eq!(frozen.apply(&["bank", "of", "america"]), ["bank_of_america"]);
//! ```

mod counter;
mod counts;
mod format;
mod frozen;
mod scoring;
mod table;
#[cfg(test)]
mod tests;

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

pub use crate::text::SentenceBatch;
pub use counter::BackgroundCounter;
pub use counts::{PhraseConfig, PhraseCounts};
pub use frozen::{FrozenPhrases, PhrasedBatch, Piece};
pub use scoring::{ScoreParams, Scoring};

/// gensim's `ENGLISH_CONNECTOR_WORDS`: articles, some prepositions and conjunctions.
pub const ENGLISH_CONNECTOR_WORDS: [&str; 15] = [
    "a", "an", "the", "for", "of", "with", "without", "at", "from", "to", "in", "on", "by", "and",
    "or",
];

/// Default for `max_vocab_size` (gensim's).
pub const DEFAULT_MAX_VOCAB_SIZE: usize = 40_000_000;

/// Keys with more delimiters than this are read only the way gensim's `export_phrases` reads
/// them (first part + last part), which bounds the work of freezing pathological tokens.
const MAX_SPLIT_POINTS: usize = 64;

const MAGIC: &[u8; 8] = b"EMBRSPHR";
const FORMAT_VERSION: u32 = 1;

#[inline]
fn hash(bytes: &[u8]) -> u64 {
    FxBuildHasher.hash_one(bytes)
}

// ------------------------------------------------------------------------------------------
// Connector words

#[derive(Clone, Default)]
struct Connectors {
    words: Vec<String>,
    index: HashTable<u32>,
}

impl Connectors {
    fn new(words: impl IntoIterator<Item = String>) -> Connectors {
        let mut words: Vec<String> = words.into_iter().collect();
        words.sort_unstable();
        words.dedup();
        let mut index = HashTable::with_capacity(words.len());
        for (i, w) in words.iter().enumerate() {
            index.insert_unique(hash(w.as_bytes()), i as u32, |&j| {
                hash(words[j as usize].as_bytes())
            });
        }
        Connectors { words, index }
    }

    /// `h` must be `hash(w)`.
    #[inline]
    fn contains(&self, h: u64, w: &[u8]) -> bool {
        !self.words.is_empty()
            && self
                .index
                .find(h, |&i| self.words[i as usize].as_bytes() == w)
                .is_some()
    }
}

impl std::fmt::Debug for Connectors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(&self.words).finish()
    }
}

/// Whether a key seen `count` times can score above the threshold at all: the default score
/// is positive only above `min_count` (and its threshold must be positive), npmi is -inf
/// below `min_count`.
#[inline]
fn can_pass(count: u64, params: &ScoreParams) -> bool {
    match params.scoring {
        Scoring::Default => count > params.min_count,
        Scoring::Npmi => count >= params.min_count,
    }
}

fn contains(k: &[u8], d: &[u8]) -> bool {
    if d.len() == 1 {
        memchr::memchr(d[0], k).is_some()
    } else {
        memchr::memmem::find(k, d).is_some()
    }
}

/// Start of every occurrence of `d` in `k`, overlapping ones included.
fn occurrences(k: &[u8], d: &[u8], out: &mut Vec<usize>) {
    if d.len() == 1 {
        out.extend(memchr::memchr_iter(d[0], k));
    } else {
        let mut from = 0;
        while let Some(i) = memchr::memmem::find(&k[from..], d) {
            out.push(from + i);
            from += i + 1;
        }
    }
}

/// Where Python's `k.split(d)` puts its first and last cut: `(end of the first part,
/// start of the delimiter before the last part)`, or `None` if `d` does not occur.
fn python_split_ends(k: &[u8], d: &[u8]) -> Option<(usize, usize)> {
    if d.len() == 1 {
        let first = memchr::memchr(d[0], k)?;
        return Some((first, memchr::memrchr(d[0], k).unwrap_or(first)));
    }
    let first = memchr::memmem::find(k, d)?;
    let mut last = first;
    let mut from = first + d.len();
    while let Some(i) = memchr::memmem::find(&k[from..], d) {
        last = from + i;
        from = last + d.len();
    }
    Some((first, last))
}

fn sort_phrases(v: &mut [(String, f64)]) {
    v.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
}

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

use std::fs::File;
use std::hash::BuildHasher;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use flate2::read::MultiGzDecoder;
use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use crate::corpus::FileCorpus;
use crate::error::{EmbedError, Result};

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
// Scoring

/// The scoring functions of gensim 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scoring {
    /// `original_scorer`: `(count(ab) - min_count) / (count(a) * count(b)) * len_vocab`.
    Default,
    /// `npmi_scorer`: normalised pointwise mutual information, in [-1, 1].
    Npmi,
}

impl Scoring {
    /// Parses `"default"` or `"npmi"`.
    ///
    /// # Errors
    /// `InvalidParameter` naming `scoring` for anything else.
    pub fn parse(s: &str) -> Result<Scoring> {
        match s {
            "default" => Ok(Scoring::Default),
            "npmi" => Ok(Scoring::Npmi),
            other => Err(EmbedError::param(
                "scoring",
                format!("must be 'default' or 'npmi', got {other:?}"),
            )),
        }
    }

    /// The name [`Scoring::parse`] accepts.
    pub fn name(self) -> &'static str {
        match self {
            Scoring::Default => "default",
            Scoring::Npmi => "npmi",
        }
    }

    /// The score of a candidate, computed in the same floating-point steps as gensim.
    pub fn score(
        self,
        count_a: u64,
        count_b: u64,
        count_ab: u64,
        len_vocab: u64,
        min_count: u64,
        corpus_word_count: u64,
    ) -> f64 {
        match self {
            Scoring::Default => {
                let denom = count_a as u128 * count_b as u128;
                if denom == 0 {
                    return f64::NEG_INFINITY;
                }
                // Python: (bigram_count - min_count) / float(denom) * len_vocab
                (count_ab as i128 - min_count as i128) as f64 / denom as f64 * len_vocab as f64
            }
            Scoring::Npmi => {
                if count_ab < min_count {
                    return f64::NEG_INFINITY;
                }
                let n = corpus_word_count as f64;
                let pa = count_a as f64 / n;
                let pb = count_b as f64 / n;
                let pab = count_ab as f64 / n;
                let ratio = pab / (pa * pb);
                // gensim maps math.log's ValueError (a zero count) to -inf.
                if !ratio.is_finite() || ratio <= 0.0 || pab.is_nan() || pab <= 0.0 || pab >= 1.0 {
                    return f64::NEG_INFINITY;
                }
                ratio.ln() / -pab.ln()
            }
        }
    }
}

/// What turns counts into phrases (gensim's `min_count`, `threshold` and `scoring`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreParams {
    /// Used by the score: the default score subtracts it from the phrase count, npmi rejects
    /// phrases seen fewer times.
    pub min_count: u64,
    /// A candidate is a phrase when its score is strictly greater.
    pub threshold: f64,
    /// The scoring function.
    pub scoring: Scoring,
}

impl Default for ScoreParams {
    fn default() -> Self {
        ScoreParams {
            min_count: 5,
            threshold: 10.0,
            scoring: Scoring::Default,
        }
    }
}

impl ScoreParams {
    /// Checks the values with gensim's rules.
    ///
    /// # Errors
    /// `InvalidParameter` naming `min_count` (below 1) or `threshold` (not positive for the
    /// default score, outside [-1, 1] for npmi, or NaN).
    pub fn validate(&self) -> Result<()> {
        if self.min_count == 0 {
            return Err(EmbedError::param("min_count", "must be >= 1"));
        }
        let t = self.threshold;
        if t.is_nan() {
            return Err(EmbedError::param("threshold", "must be a number, got NaN"));
        }
        match self.scoring {
            Scoring::Default if t <= 0.0 => Err(EmbedError::param(
                "threshold",
                format!("must be > 0 for the default scoring, got {t}"),
            )),
            Scoring::Npmi if !(-1.0..=1.0).contains(&t) => Err(EmbedError::param(
                "threshold",
                format!("must be between -1 and 1 for npmi scoring, got {t}"),
            )),
            _ => Ok(()),
        }
    }
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

// ------------------------------------------------------------------------------------------
// Batches of sentences

/// Sentences stored back to back: a batch from Python or a chunk of a file.
#[derive(Debug, Clone, Default)]
pub struct SentenceBatch {
    text: String,
    tok_ends: Vec<usize>,
    sent_ends: Vec<usize>,
}

impl SentenceBatch {
    /// An empty batch.
    pub fn new() -> SentenceBatch {
        SentenceBatch::default()
    }

    /// Appends a token to the current sentence.
    pub fn push_token(&mut self, token: &str) {
        self.text.push_str(token);
        self.tok_ends.push(self.text.len());
    }

    /// Ends the current sentence (an empty sentence is allowed).
    pub fn end_sentence(&mut self) {
        self.sent_ends.push(self.tok_ends.len());
    }

    /// Appends a line of text as one sentence, split on ASCII whitespace as corpus files are
    /// (invalid UTF-8 replaced by U+FFFD). A blank line adds nothing.
    pub fn push_line(&mut self, line: &[u8]) {
        let before = self.tok_ends.len();
        match std::str::from_utf8(line) {
            Ok(s) => s.split_ascii_whitespace().for_each(|t| self.push_token(t)),
            Err(_) => String::from_utf8_lossy(line)
                .split_ascii_whitespace()
                .for_each(|t| self.push_token(t)),
        }
        if self.tok_ends.len() > before {
            self.end_sentence();
        }
    }

    /// Number of sentences.
    pub fn len(&self) -> usize {
        self.sent_ends.len()
    }

    /// True if the batch holds no sentence.
    pub fn is_empty(&self) -> bool {
        self.sent_ends.is_empty()
    }

    /// Number of tokens.
    pub fn n_tokens(&self) -> usize {
        self.tok_ends.len()
    }

    /// Removes everything, keeping the allocations.
    pub fn clear(&mut self) {
        self.text.clear();
        self.tok_ends.clear();
        self.sent_ends.clear();
    }

    /// Indices (into the whole batch) of the tokens of sentence `i`.
    pub fn token_range(&self, i: usize) -> std::ops::Range<usize> {
        let start = if i == 0 { 0 } else { self.sent_ends[i - 1] };
        start..self.sent_ends[i]
    }

    /// Token `k` of the batch.
    pub fn token(&self, k: usize) -> &str {
        let a = if k == 0 { 0 } else { self.tok_ends[k - 1] };
        &self.text[a..self.tok_ends[k]]
    }

    /// The tokens of sentence `i`.
    pub fn sentence(&self, i: usize) -> impl Iterator<Item = &str> + '_ {
        self.token_range(i).map(move |k| self.token(k))
    }
}

// ------------------------------------------------------------------------------------------
// Counting

/// The options gensim's `Phrases` fixes before counting.
#[derive(Debug, Clone, PartialEq)]
pub struct PhraseConfig {
    /// Joins the words of a phrase (gensim's `delimiter`, `"_"`); must not be empty.
    pub delimiter: String,
    /// Words that may sit inside a phrase but never start or end one.
    pub connector_words: Vec<String>,
    /// Bound on the keys held while counting (`None`: no bound).
    pub max_vocab_size: Option<usize>,
}

impl Default for PhraseConfig {
    /// `"_"`, [`ENGLISH_CONNECTOR_WORDS`] and 40 million keys.
    fn default() -> Self {
        PhraseConfig {
            delimiter: "_".into(),
            connector_words: ENGLISH_CONNECTOR_WORDS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            max_vocab_size: Some(DEFAULT_MAX_VOCAB_SIZE),
        }
    }
}

#[derive(Debug)]
struct Setup {
    delimiter: String,
    connectors: Connectors,
    max_vocab_size: Option<usize>,
}

/// Keys up to this many bytes live inside their slot (no second cache miss to compare them).
const INLINE: usize = 20;
/// The count table is split by hash into this many shards, so that threads can fill disjoint
/// shards of one table at the same time.
const N_SHARDS: usize = 16;
/// Bit of a `KeyList` offset that holds the key's kind.
const KIND_BIT: usize = usize::BITS as usize - 1;
/// Batches with fewer tokens are counted on the calling thread.
const PARALLEL_MIN_TOKENS: usize = 8192;
/// Bytes of whole lines read from a file per batch.
const READ_CHUNK: usize = 4 << 20;

#[inline]
fn shard_of(h: u64) -> usize {
    (h >> 32) as usize % N_SHARDS
}

/// A key and its count: short keys inline, long ones as an offset into the shard's arena.
#[derive(Clone, Copy)]
struct Slot {
    count: u64,
    len: u32,
    data: [u8; INLINE],
}

impl Slot {
    #[inline]
    fn key<'a>(&'a self, arena: &'a [u8]) -> &'a [u8] {
        let n = self.len as usize;
        if n <= INLINE {
            &self.data[..n]
        } else {
            let mut off = [0u8; 8];
            off.copy_from_slice(&self.data[..8]);
            let off = u64::from_le_bytes(off) as usize;
            &arena[off..off + n]
        }
    }
}

/// A key being looked up: short keys zero-padded like an inline slot, so that comparing
/// them is one fixed-size comparison instead of a call to `memcmp`.
struct Probe<'k> {
    key: &'k [u8],
    data: [u8; INLINE],
}

impl<'k> Probe<'k> {
    #[inline]
    fn new(key: &'k [u8]) -> Probe<'k> {
        let mut data = [0u8; INLINE];
        if key.len() <= INLINE {
            data[..key.len()].copy_from_slice(key);
        }
        Probe { key, data }
    }

    #[inline]
    fn matches(&self, s: &Slot, arena: &[u8]) -> bool {
        s.len as usize == self.key.len()
            && if self.key.len() <= INLINE {
                s.data == self.data
            } else {
                s.key(arena) == self.key
            }
    }
}

/// Part of the count table. Keys without the delimiter (words) and keys with it (phrases,
/// and words that contain it) live in two tables, so that the words, looked up at every
/// token, stay in a small table that the cache holds.
#[derive(Clone, Default)]
struct Shard {
    tables: [HashTable<Slot>; 2],
    arena: Vec<u8>,
    garbage: usize,
}

impl Shard {
    fn len(&self) -> usize {
        self.tables[0].len() + self.tables[1].len()
    }

    fn slots(&self) -> impl Iterator<Item = (&[u8], u64)> {
        self.tables
            .iter()
            .flat_map(move |t| t.iter().map(move |s| (s.key(&self.arena), s.count)))
    }

    /// `kind` is 1 if `key` contains the delimiter, else 0.
    #[inline]
    fn get(&self, h: u64, key: &[u8], kind: usize) -> u64 {
        let arena = &self.arena;
        let probe = Probe::new(key);
        self.tables[kind]
            .find(h, |s| probe.matches(s, arena))
            .map_or(0, |s| s.count)
    }

    /// Adds `n` to the count of `key` (`h` is its hash, `kind` as for `get`); true if the
    /// key is new.
    #[inline]
    fn add(&mut self, h: u64, key: &[u8], kind: usize, n: u64) -> bool {
        let probe = Probe::new(key);
        let arena = &mut self.arena;
        match self.tables[kind].entry(h, |s| probe.matches(s, arena), |s| hash(s.key(arena))) {
            hashbrown::hash_table::Entry::Occupied(mut e) => {
                e.get_mut().count += n;
                false
            }
            hashbrown::hash_table::Entry::Vacant(e) => {
                let mut data = probe.data;
                if key.len() > INLINE {
                    data[..8].copy_from_slice(&(arena.len() as u64).to_le_bytes());
                    arena.extend_from_slice(key);
                }
                e.insert(Slot {
                    count: n,
                    len: key.len() as u32,
                    data,
                });
                true
            }
        }
    }

    /// Drops the keys seen fewer than `min` times; returns how many were dropped.
    fn retain_at_least(&mut self, min: u64) -> usize {
        let before = self.len();
        let mut freed = 0;
        for t in self.tables.iter_mut() {
            t.retain(|s| {
                let keep = s.count >= min;
                if !keep && s.len as usize > INLINE {
                    freed += s.len as usize;
                }
                keep
            });
        }
        self.garbage += freed;
        if self.garbage > self.arena.len() / 2 {
            let mut arena = Vec::with_capacity(self.arena.len() - self.garbage);
            for s in self.tables.iter_mut().flat_map(|t| t.iter_mut()) {
                if s.len as usize > INLINE {
                    let start = arena.len() as u64;
                    arena.extend_from_slice(s.key(&self.arena));
                    s.data[..8].copy_from_slice(&start.to_le_bytes());
                }
            }
            self.arena = arena;
            self.garbage = 0;
        }
        before - self.len()
    }
}

/// The keys of a group of sentences, in order (phase one of [`PhraseCounts::add_batch`]).
#[derive(Default)]
struct KeyList {
    bytes: Vec<u8>,
    /// `(hash, end offset in bytes | kind << 63)` of each key.
    keys: Vec<(u64, usize)>,
    words: u64,
    sentences: u64,
}

/// Calls `f(hash, key, kind)` for each key one sentence adds (`kind` is 1 if the key contains
/// the delimiter), in gensim's `_learn_vocab` order:
/// every non-connector word, and after each non-connector word but the first, the phrase
/// from the previous one (connector words in between included). Returns the tokens seen.
#[inline]
fn sentence_keys<'t>(
    setup: &Setup,
    tokens: impl IntoIterator<Item = &'t str>,
    key: &mut Vec<u8>,
    mid: &mut Vec<u8>,
    mut f: impl FnMut(u64, &[u8], usize),
) -> u64 {
    let d = setup.delimiter.as_bytes();
    mid.clear();
    let mut start: Option<&[u8]> = None;
    let mut n = 0u64;
    for w in tokens {
        let w = w.as_bytes();
        n += 1;
        let h = hash(w);
        if !setup.connectors.contains(h, w) {
            f(h, w, contains(w, d) as usize);
            if let Some(s) = start {
                key.clear();
                key.extend_from_slice(s);
                key.extend_from_slice(mid);
                key.extend_from_slice(d);
                key.extend_from_slice(w);
                f(hash(key), key, 1);
            }
            start = Some(w);
            mid.clear();
        } else if start.is_some() {
            mid.extend_from_slice(d);
            mid.extend_from_slice(w);
        }
    }
    n
}

/// Unigram and phrase counts as gensim's `Phrases.vocab`, plus the corpus word count.
#[derive(Clone)]
pub struct PhraseCounts {
    setup: Arc<Setup>,
    shards: Vec<Shard>,
    n_keys: usize,
    min_reduce: u64,
    /// Tokens seen, connector words included (gensim's `corpus_word_count`).
    pub corpus_word_count: u64,
    /// Non-empty sentences seen.
    pub sentences: u64,
    /// Prune passes made because of `max_vocab_size`.
    pub prunes: u64,
    key: Vec<u8>,
    mid: Vec<u8>,
}

impl std::fmt::Debug for PhraseCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhraseCounts")
            .field("keys", &self.n_keys)
            .field("corpus_word_count", &self.corpus_word_count)
            .field("min_reduce", &self.min_reduce)
            .finish()
    }
}

impl PhraseCounts {
    /// An empty table.
    ///
    /// # Errors
    /// `InvalidParameter` naming `delimiter` if it is empty.
    pub fn new(cfg: PhraseConfig) -> Result<PhraseCounts> {
        if cfg.delimiter.is_empty() {
            return Err(EmbedError::param("delimiter", "must not be empty"));
        }
        Ok(PhraseCounts {
            setup: Arc::new(Setup {
                delimiter: cfg.delimiter,
                connectors: Connectors::new(cfg.connector_words),
                max_vocab_size: cfg.max_vocab_size,
            }),
            shards: vec![Shard::default(); N_SHARDS],
            n_keys: 0,
            min_reduce: 1,
            corpus_word_count: 0,
            sentences: 0,
            prunes: 0,
            key: Vec::new(),
            mid: Vec::new(),
        })
    }

    /// The options these counts were made with.
    pub fn config(&self) -> PhraseConfig {
        PhraseConfig {
            delimiter: self.setup.delimiter.clone(),
            connector_words: self.setup.connectors.words.clone(),
            max_vocab_size: self.setup.max_vocab_size,
        }
    }

    /// Number of keys (unigrams and phrases): gensim's `len(phrases.vocab)`.
    pub fn len(&self) -> usize {
        self.n_keys
    }

    /// True if nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.n_keys == 0
    }

    /// The count of a key (`"new"`, `"new_york"`), 0 if absent.
    pub fn get(&self, key: &str) -> u64 {
        self.get_bytes(key.as_bytes())
    }

    #[inline]
    fn get_bytes(&self, key: &[u8]) -> u64 {
        let h = hash(key);
        let kind = contains(key, self.setup.delimiter.as_bytes()) as usize;
        self.shards[shard_of(h)].get(h, key, kind)
    }

    /// Iterates over `(key, count)` in arbitrary order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.slots()
            .map(|(k, c)| (std::str::from_utf8(k).unwrap_or(""), c))
    }

    fn slots(&self) -> impl Iterator<Item = (&[u8], u64)> {
        self.shards.iter().flat_map(Shard::slots)
    }

    #[inline]
    fn add_hashed(&mut self, h: u64, key: &[u8], kind: usize, n: u64) {
        if self.shards[shard_of(h)].add(h, key, kind, n) {
            self.n_keys += 1;
        }
    }

    /// Counts one sentence exactly as gensim's `Phrases._learn_vocab`, then prunes if the
    /// table is over `max_vocab_size`.
    pub fn add_sentence<'t, I>(&mut self, tokens: I)
    where
        I: IntoIterator<Item = &'t str>,
    {
        let setup = self.setup.clone();
        let mut key = std::mem::take(&mut self.key);
        let mut mid = std::mem::take(&mut self.mid);
        let n = sentence_keys(&setup, tokens, &mut key, &mut mid, |h, k, kind| {
            self.add_hashed(h, k, kind, 1)
        });
        self.key = key;
        self.mid = mid;
        self.corpus_word_count += n;
        if n > 0 {
            self.sentences += 1;
        }
        self.prune_if_over();
    }

    fn prune_if_over(&mut self) {
        if let Some(max) = self.setup.max_vocab_size {
            if self.n_keys > max {
                self.prune(self.min_reduce);
                self.min_reduce += 1;
            }
        }
    }

    /// Counts a batch of sentences with up to `n_threads` threads. The result is the same as
    /// [`PhraseCounts::add_sentence`] on each sentence in order: the batch is counted in
    /// parallel only when the table cannot reach `max_vocab_size` within it (so no prune
    /// could happen in between), otherwise sentence by sentence.
    pub fn add_batch(&mut self, batch: &SentenceBatch, n_threads: usize) {
        let t = n_threads.clamp(1, N_SHARDS);
        let n_tok = batch.n_tokens();
        let fits = self
            .setup
            .max_vocab_size
            .is_none_or(|m| self.n_keys.saturating_add(2 * n_tok) <= m);
        if t == 1 || n_tok < PARALLEL_MIN_TOKENS || !fits {
            for i in 0..batch.len() {
                self.add_sentence(batch.sentence(i));
            }
            return;
        }
        // Phase one: the keys of contiguous groups of sentences, in parallel, sorted by the
        // thread that will add them (thread k adds the keys of shards k, k + t, k + 2t, ...).
        let setup = &*self.setup;
        let per = batch.len().div_ceil(t);
        let lists: Vec<Vec<KeyList>> = crate::threads::run_all(
            (0..t)
                .map(|k| {
                    let range = (k * per).min(batch.len())..((k + 1) * per).min(batch.len());
                    move || {
                        let mut lists: Vec<KeyList> = (0..t).map(|_| KeyList::default()).collect();
                        let (mut key, mut mid) = (Vec::new(), Vec::new());
                        let (mut words, mut sentences) = (0, 0);
                        for i in range {
                            let n = sentence_keys(
                                setup,
                                batch.sentence(i),
                                &mut key,
                                &mut mid,
                                |h, k, kind| {
                                    let l = &mut lists[shard_of(h) % t];
                                    l.bytes.extend_from_slice(k);
                                    l.keys.push((h, l.bytes.len() | kind << KIND_BIT));
                                },
                            );
                            words += n;
                            sentences += (n > 0) as u64;
                        }
                        lists[0].words = words;
                        lists[0].sentences = sentences;
                        lists
                    }
                })
                .collect(),
        );
        // Phase two: each thread adds the keys of its shards.
        let mut groups: Vec<Vec<&mut Shard>> = (0..t).map(|_| Vec::new()).collect();
        for (i, sh) in self.shards.iter_mut().enumerate() {
            groups[i % t].push(sh);
        }
        let lists = &lists;
        let new_keys: usize = crate::threads::run_all(
            groups
                .into_iter()
                .enumerate()
                .map(|(k, mut mine)| {
                    move || {
                        let mut new = 0;
                        for from in lists {
                            let l = &from[k];
                            let mut start = 0;
                            for &(h, tagged) in &l.keys {
                                let (end, kind) = (tagged & !(1 << KIND_BIT), tagged >> KIND_BIT);
                                if mine[shard_of(h) / t].add(h, &l.bytes[start..end], kind, 1) {
                                    new += 1;
                                }
                                start = end;
                            }
                        }
                        new
                    }
                })
                .collect(),
        )
        .into_iter()
        .sum();
        self.n_keys += new_keys;
        for l in lists {
            self.corpus_word_count += l[0].words;
            self.sentences += l[0].sentences;
        }
    }

    /// Counts the lines of a text buffer (one sentence per line, tokens split on ASCII
    /// whitespace, invalid UTF-8 replaced by U+FFFD), sentence by sentence.
    pub fn add_text(&mut self, text: &[u8]) {
        let mut batch = SentenceBatch::new();
        for line in text.split(|&b| b == b'\n') {
            batch.push_line(line);
        }
        self.add_batch(&batch, 1);
    }

    /// gensim's `utils.prune_vocab`: drops keys seen fewer than `min_reduce` times.
    fn prune(&mut self, min_reduce: u64) {
        self.prunes += 1;
        let before = self.n_keys;
        let removed: usize = self
            .shards
            .iter_mut()
            .map(|s| s.retain_at_least(min_reduce))
            .sum();
        self.n_keys -= removed;
        log::debug!(
            "phrases: pruned {removed} of {before} keys seen fewer than {min_reduce} times"
        );
    }

    /// Adds another table into this one with gensim's `add_vocab` rule: counts are summed,
    /// `min_reduce` is the larger of the two, and one prune pass runs if the sum is over
    /// `max_vocab_size`.
    ///
    /// # Errors
    /// `InvalidParameter` if the two were counted with different delimiters or connector
    /// words.
    pub fn merge(&mut self, mut other: PhraseCounts) -> Result<()> {
        if !Arc::ptr_eq(&self.setup, &other.setup)
            && (self.setup.delimiter != other.setup.delimiter
                || self.setup.connectors.words != other.setup.connectors.words)
        {
            return Err(EmbedError::param(
                "counts",
                "cannot merge counts made with different delimiters or connector words",
            ));
        }
        self.corpus_word_count += other.corpus_word_count;
        self.sentences += other.sentences;
        self.prunes += other.prunes;
        self.min_reduce = self.min_reduce.max(other.min_reduce);
        for (mine, theirs) in self.shards.iter_mut().zip(other.shards.iter_mut()) {
            if mine.len() < theirs.len() {
                std::mem::swap(mine, theirs);
            }
            for (kind, table) in theirs.tables.iter().enumerate() {
                for s in table.iter() {
                    let k = s.key(&theirs.arena);
                    mine.add(hash(k), k, kind, s.count);
                }
            }
        }
        self.n_keys = self.shards.iter().map(Shard::len).sum();
        self.prune_if_over();
        Ok(())
    }

    /// Counts text files (plain or gzip; one sentence per line, tokens split on ASCII
    /// whitespace) in order, with `n_threads` threads (see [`PhraseCounts::add_batch`]); one
    /// more thread reads and splits the text ahead of the counting.
    ///
    /// # Errors
    /// `Io` naming a file that cannot be read.
    pub fn count_files(&mut self, corpus: &FileCorpus, n_threads: usize) -> Result<()> {
        let paths: Vec<PathBuf> = corpus.paths().map(Path::to_path_buf).collect();
        let paths = &paths;
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<SentenceBatch>>(1);
        std::thread::scope(|s| {
            let reader = std::thread::Builder::new().spawn_scoped(s, move || {
                if let Err(e) = read_batches(paths, |b| tx.send(Ok(b)).is_ok()) {
                    let _ = tx.send(Err(e));
                }
            });
            if reader.is_err() {
                // No thread for reading ahead (the closure, and with it the sender, is
                // gone): read and count in turn on this thread.
                drop(rx);
                return read_batches(paths, |b| {
                    self.add_batch(&b, n_threads);
                    true
                });
            }
            for b in rx {
                self.add_batch(&b?, n_threads);
            }
            Ok(())
        })
    }

    /// The score of every key as gensim's `Phrases.export_phrases` computes it: each key is
    /// split at the delimiter and scored as first part + last part. Sorted by score, best
    /// first.
    ///
    /// # Errors
    /// `InvalidParameter` for invalid `params`.
    pub fn export_phrases(&self, params: &ScoreParams) -> Result<Vec<(String, f64)>> {
        params.validate()?;
        let d = self.setup.delimiter.as_bytes();
        let len_vocab = self.n_keys as u64;
        let mut out = Vec::new();
        for (k, count) in self.slots() {
            if !can_pass(count, params) {
                continue;
            }
            let Some((p, q)) = python_split_ends(k, d) else {
                continue;
            };
            let (ca, cb) = (self.get_bytes(&k[..p]), self.get_bytes(&k[q + d.len()..]));
            if ca == 0 || cb == 0 {
                continue;
            }
            let score = params.scoring.score(
                ca,
                cb,
                count,
                len_vocab,
                params.min_count,
                self.corpus_word_count,
            );
            if score > params.threshold {
                out.push((String::from_utf8_lossy(k).into_owned(), score));
            }
        }
        sort_phrases(&mut out);
        Ok(out)
    }

    /// The frozen phrase table: every reading of every key as a candidate `a [connectors] b`
    /// whose score passes the threshold (see the module documentation), scored with
    /// `n_threads` threads.
    ///
    /// # Errors
    /// `InvalidParameter` for invalid `params`.
    pub fn freeze(&self, params: &ScoreParams, n_threads: usize) -> Result<FrozenPhrases> {
        params.validate()?;
        let d = self.setup.delimiter.as_bytes();
        let candidates: Vec<(&[u8], u64)> = self
            .slots()
            .filter(|&(k, c)| can_pass(c, params) && contains(k, d))
            .collect();
        let n_threads = n_threads.max(1).min(candidates.len().div_ceil(4096).max(1));
        let chunk = candidates.len().div_ceil(n_threads).max(1);
        let parts: Vec<(Vec<u8>, Vec<FEntry>)> = crate::threads::run_all(
            candidates
                .chunks(chunk)
                .map(|part| move || self.score_keys(part, params))
                .collect(),
        );
        let mut arena = Vec::new();
        let mut entries = Vec::new();
        for (a, es) in parts {
            let base = arena.len();
            arena.extend_from_slice(&a);
            entries.extend(es.into_iter().map(|mut e| {
                e.off += base;
                e
            }));
        }
        Ok(FrozenPhrases::build(
            self.setup.delimiter.clone(),
            self.setup.connectors.clone(),
            *params,
            self.corpus_word_count,
            self.n_keys as u64,
            arena,
            entries,
        ))
    }

    fn score_keys(&self, keys: &[(&[u8], u64)], params: &ScoreParams) -> (Vec<u8>, Vec<FEntry>) {
        let d = self.setup.delimiter.as_bytes();
        let dl = d.len();
        let len_vocab = self.n_keys as u64;
        let mut arena = Vec::new();
        let mut entries = Vec::new();
        let mut occ = Vec::new();
        let mut b_counts = Vec::new();
        for &(k, count) in keys {
            let Some((p0, q0)) = python_split_ends(k, d) else {
                continue;
            };
            occ.clear();
            occurrences(k, d, &mut occ);
            if occ.len() > MAX_SPLIT_POINTS {
                occ.clear();
                occ.push(p0);
                if q0 != p0 {
                    occ.push(q0);
                }
            }
            b_counts.clear();
            b_counts.extend(occ.iter().map(|&q| self.get_bytes(&k[q + dl..])));
            let mut stored = false;
            for (i, &p) in occ.iter().enumerate() {
                let ca = self.get_bytes(&k[..p]);
                if ca == 0 {
                    continue;
                }
                for (j, &q) in occ.iter().enumerate().skip(i) {
                    if q != p && q < p + dl {
                        continue; // overlapping delimiters cannot both be boundaries
                    }
                    let cb = b_counts[j];
                    if cb == 0 {
                        continue;
                    }
                    let score = params.scoring.score(
                        ca,
                        cb,
                        count,
                        len_vocab,
                        params.min_count,
                        self.corpus_word_count,
                    );
                    if score > params.threshold {
                        if !stored {
                            arena.extend_from_slice(k);
                            stored = true;
                        }
                        entries.push(FEntry {
                            hash: hash(k),
                            off: arena.len() - k.len(),
                            len: k.len() as u32,
                            len_a: p as u32,
                            len_b: (k.len() - q - dl) as u32,
                            gensim: p == p0 && q == q0,
                            score,
                        });
                    }
                }
            }
        }
        (arena, entries)
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

/// Reads text files (plain or gzip) in order as batches of ~4 MiB of whole lines and hands
/// each to `f` (which returns false to stop).
fn read_batches(paths: &[PathBuf], mut f: impl FnMut(SentenceBatch) -> bool) -> Result<()> {
    let mut buf = Vec::with_capacity(READ_CHUNK + (1 << 16));
    for path in paths {
        let io = |e| EmbedError::io(path, e);
        let mut plain = BufReader::with_capacity(1 << 16, File::open(path).map_err(io)?);
        let gzip = plain.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
        let mut reader: Box<dyn BufRead> = if gzip {
            Box::new(BufReader::with_capacity(
                1 << 16,
                MultiGzDecoder::new(plain),
            ))
        } else {
            Box::new(plain)
        };
        loop {
            buf.clear();
            let mut eof = false;
            while buf.len() < READ_CHUNK {
                if reader.read_until(b'\n', &mut buf).map_err(io)? == 0 {
                    eof = true;
                    break;
                }
            }
            let mut batch = SentenceBatch::new();
            for line in buf.split(|&b| b == b'\n') {
                batch.push_line(line);
            }
            if !batch.is_empty() && !f(batch) {
                return Ok(());
            }
            if eof {
                break;
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// The frozen phrase table

#[derive(Clone, Copy, Debug)]
struct FEntry {
    hash: u64,
    off: usize,
    len: u32,
    len_a: u32,
    len_b: u32,
    gensim: bool,
    score: f64,
}

/// One output token of [`FrozenPhrases::analyze`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Piece {
    /// The input token at this index, unchanged.
    Token(usize),
    /// The input tokens `start..end` joined by the delimiter.
    Phrase {
        /// First token of the phrase.
        start: usize,
        /// One past its last token.
        end: usize,
        /// The phrase's score.
        score: f64,
    },
}

/// The phrases accepted from a [`PhraseCounts`], small and immutable, applied with gensim's
/// greedy left-to-right rule.
#[derive(Clone)]
pub struct FrozenPhrases {
    delimiter: String,
    connectors: Connectors,
    params: ScoreParams,
    corpus_word_count: u64,
    vocabulary_size: u64,
    arena: Vec<u8>,
    /// Sorted by (key, len_a, len_b).
    entries: Vec<FEntry>,
    index: HashTable<u32>,
    first_words: HashTable<u64>,
    last_words: HashTable<u64>,
    n_phrases: usize,
}

impl std::fmt::Debug for FrozenPhrases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrozenPhrases")
            .field("phrases", &self.n_phrases)
            .field("params", &self.params)
            .field("delimiter", &self.delimiter)
            .finish()
    }
}

impl FrozenPhrases {
    fn build(
        delimiter: String,
        connectors: Connectors,
        params: ScoreParams,
        corpus_word_count: u64,
        vocabulary_size: u64,
        mut arena: Vec<u8>,
        mut entries: Vec<FEntry>,
    ) -> FrozenPhrases {
        let key =
            |arena: &[u8], e: &FEntry| -> Vec<u8> { arena[e.off..e.off + e.len as usize].to_vec() };
        {
            let a = &arena;
            entries.sort_by(|x, y| {
                a[x.off..x.off + x.len as usize]
                    .cmp(&a[y.off..y.off + y.len as usize])
                    .then(x.len_a.cmp(&y.len_a))
                    .then(x.len_b.cmp(&y.len_b))
            });
        }
        // Store each distinct key once, in order.
        let mut packed: Vec<u8> = Vec::with_capacity(arena.len());
        let mut prev: Option<(usize, usize)> = None;
        let mut n_phrases = 0;
        for e in entries.iter_mut() {
            let k = key(&arena, e);
            match prev {
                Some((off, len)) if packed[off..off + len] == k[..] => e.off = off,
                _ => {
                    let off = packed.len();
                    packed.extend_from_slice(&k);
                    prev = Some((off, k.len()));
                    e.off = off;
                    n_phrases += 1;
                }
            }
        }
        arena = packed;
        let dl = delimiter.len();
        let mut index = HashTable::with_capacity(entries.len());
        let mut first_words = HashTable::new();
        let mut last_words = HashTable::new();
        for (i, e) in entries.iter().enumerate() {
            index.insert_unique(e.hash, i as u32, |&j| entries[j as usize].hash);
            let k = &arena[e.off..e.off + e.len as usize];
            let ha = hash(&k[..e.len_a as usize]);
            if first_words.find(ha, |&x| x == ha).is_none() {
                first_words.insert_unique(ha, ha, |&x| x);
            }
            let hb = hash(&k[e.len as usize - e.len_b as usize..]);
            if last_words.find(hb, |&x| x == hb).is_none() {
                last_words.insert_unique(hb, hb, |&x| x);
            }
            debug_assert!(e.len_a as usize + dl + e.len_b as usize <= e.len as usize);
        }
        FrozenPhrases {
            delimiter,
            connectors,
            params,
            corpus_word_count,
            vocabulary_size,
            arena,
            entries,
            index,
            first_words,
            last_words,
            n_phrases,
        }
    }

    /// Number of distinct phrases.
    pub fn len(&self) -> usize {
        self.n_phrases
    }

    /// True if no phrase was accepted.
    pub fn is_empty(&self) -> bool {
        self.n_phrases == 0
    }

    /// The delimiter that joins phrases.
    pub fn delimiter(&self) -> &str {
        &self.delimiter
    }

    /// The connector words, sorted.
    pub fn connector_words(&self) -> &[String] {
        &self.connectors.words
    }

    /// The scoring parameters used to freeze.
    pub fn params(&self) -> ScoreParams {
        self.params
    }

    /// Tokens in the corpus counted (gensim's `corpus_word_count`).
    pub fn corpus_word_count(&self) -> u64 {
        self.corpus_word_count
    }

    /// Keys in the count table it was frozen from (gensim's `len(vocab)`).
    pub fn vocabulary_size(&self) -> u64 {
        self.vocabulary_size
    }

    fn entry_key(&self, e: &FEntry) -> &[u8] {
        &self.arena[e.off..e.off + e.len as usize]
    }

    /// Every phrase with its score, best first: gensim's `export_phrases()` for every phrase
    /// gensim exports (same score), plus phrases gensim's re-splitting misses (tokens that
    /// contain the delimiter), with the best score of their readings.
    pub fn export_phrases(&self) -> Vec<(String, f64)> {
        let mut out: Vec<(String, f64)> = Vec::with_capacity(self.n_phrases);
        let mut i = 0;
        while i < self.entries.len() {
            let e0 = &self.entries[i];
            let mut j = i + 1;
            while j < self.entries.len() && self.entries[j].off == e0.off {
                j += 1;
            }
            let group = &self.entries[i..j];
            let score = group
                .iter()
                .find(|e| e.gensim)
                .map(|e| e.score)
                .unwrap_or_else(|| {
                    group
                        .iter()
                        .map(|e| e.score)
                        .fold(f64::NEG_INFINITY, f64::max)
                });
            out.push((
                String::from_utf8_lossy(self.entry_key(e0)).into_owned(),
                score,
            ));
            i = j;
        }
        sort_phrases(&mut out);
        out
    }

    /// The score of the candidate `tokens[s]`, connectors, `tokens[e]`, if it is a phrase.
    #[inline]
    fn lookup(
        &self,
        tokens: &[&str],
        s: usize,
        hs: u64,
        e: usize,
        he: u64,
        key: &mut Vec<u8>,
    ) -> Option<f64> {
        if self.first_words.find(hs, |&x| x == hs).is_none()
            || self.last_words.find(he, |&x| x == he).is_none()
        {
            return None;
        }
        let d = self.delimiter.as_bytes();
        key.clear();
        key.extend_from_slice(tokens[s].as_bytes());
        for t in &tokens[s + 1..=e] {
            key.extend_from_slice(d);
            key.extend_from_slice(t.as_bytes());
        }
        let (la, lb) = (tokens[s].len() as u32, tokens[e].len() as u32);
        let h = hash(key);
        self.index
            .find(h, |&i| {
                let en = &self.entries[i as usize];
                en.hash == h && en.len_a == la && en.len_b == lb && self.entry_key(en) == &key[..]
            })
            .map(|&i| self.entries[i as usize].score)
    }

    /// gensim's `analyze_sentence`: scans left to right; a non-connector word after a
    /// candidate start (and any connector words) forms a phrase if the table has it, else
    /// becomes the new start. Appends one [`Piece`] per output token to `out`.
    ///
    /// Unlike gensim, an empty-string token is kept as an ordinary token (gensim's
    /// truthiness test drops it).
    pub fn analyze(&self, tokens: &[&str], out: &mut Vec<Piece>) {
        let mut key = Vec::new();
        let mut start: Option<(usize, u64)> = None;
        for (i, w) in tokens.iter().enumerate() {
            let h = hash(w.as_bytes());
            if !self.connectors.contains(h, w.as_bytes()) {
                match start {
                    Some((s, hs)) => {
                        if let Some(score) = self.lookup(tokens, s, hs, i, h, &mut key) {
                            out.push(Piece::Phrase {
                                start: s,
                                end: i + 1,
                                score,
                            });
                            start = None;
                        } else {
                            out.extend((s..i).map(Piece::Token));
                            start = Some((i, h));
                        }
                    }
                    None => start = Some((i, h)),
                }
            } else if start.is_none() {
                out.push(Piece::Token(i));
            }
        }
        if let Some((s, _)) = start {
            out.extend((s..tokens.len()).map(Piece::Token));
        }
    }

    /// The sentence with its phrases joined.
    pub fn apply<S: AsRef<str>>(&self, tokens: &[S]) -> Vec<String> {
        let toks: Vec<&str> = tokens.iter().map(|t| t.as_ref()).collect();
        let mut pieces = Vec::with_capacity(toks.len());
        self.analyze(&toks, &mut pieces);
        pieces
            .into_iter()
            .map(|p| match p {
                Piece::Token(i) => toks[i].to_owned(),
                Piece::Phrase { start, end, .. } => toks[start..end].join(&self.delimiter),
            })
            .collect()
    }

    /// Serialises to the versioned binary format (with an optional metadata string, e.g. the
    /// Python estimator's parameters). Equal tables give equal bytes.
    pub fn to_bytes(&self, meta: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.arena.len() + self.entries.len() * 24);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.push(match self.params.scoring {
            Scoring::Default => 0,
            Scoring::Npmi => 1,
        });
        out.extend_from_slice(&self.params.min_count.to_le_bytes());
        out.extend_from_slice(&self.params.threshold.to_le_bytes());
        out.extend_from_slice(&self.corpus_word_count.to_le_bytes());
        out.extend_from_slice(&self.vocabulary_size.to_le_bytes());
        put_str(&mut out, &self.delimiter);
        out.extend_from_slice(&(self.connectors.words.len() as u32).to_le_bytes());
        for w in &self.connectors.words {
            put_str(&mut out, w);
        }
        put_str(&mut out, meta);
        out.extend_from_slice(&(self.arena.len() as u64).to_le_bytes());
        out.extend_from_slice(&self.arena);
        out.extend_from_slice(&(self.entries.len() as u64).to_le_bytes());
        for e in &self.entries {
            out.extend_from_slice(&(e.off as u64).to_le_bytes());
            out.extend_from_slice(&e.len.to_le_bytes());
            out.extend_from_slice(&e.len_a.to_le_bytes());
            out.extend_from_slice(&e.len_b.to_le_bytes());
            out.push(e.gensim as u8);
            out.extend_from_slice(&e.score.to_le_bytes());
        }
        let sum = fnv1a(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }

    /// The inverse of [`FrozenPhrases::to_bytes`]: the table and the metadata string.
    ///
    /// # Errors
    /// `Format` if the bytes are not a complete, uncorrupted table of a known version.
    pub fn from_bytes(data: &[u8]) -> Result<(FrozenPhrases, String)> {
        let bad = |reason: String| EmbedError::format("<phrases>", reason);
        if data.len() < MAGIC.len() + 4 + 8 || &data[..MAGIC.len()] != MAGIC {
            return Err(bad("not an embedrs phrases table (bad magic bytes)".into()));
        }
        let (body, sum) = data.split_at(data.len() - 8);
        let mut r = Reader { data: body, pos: 8 };
        let version = r.u32()?;
        if version != FORMAT_VERSION {
            return Err(bad(format!(
                "format version {version} is not supported (this build reads {FORMAT_VERSION})"
            )));
        }
        if fnv1a(body).to_le_bytes() != sum {
            return Err(bad(
                "checksum mismatch: the data is truncated or corrupted".into()
            ));
        }
        let scoring = match r.u8()? {
            0 => Scoring::Default,
            1 => Scoring::Npmi,
            k => return Err(bad(format!("unknown scoring code {k}"))),
        };
        let min_count = r.u64()?;
        let threshold = f64::from_le_bytes(r.take(8)?.try_into().unwrap_or_default());
        let corpus_word_count = r.u64()?;
        let vocabulary_size = r.u64()?;
        let delimiter = r.string()?;
        let n_conn = r.u32()? as usize;
        let mut conn = Vec::with_capacity(n_conn.min(1 << 16));
        for _ in 0..n_conn {
            conn.push(r.string()?);
        }
        let meta = r.string()?;
        let arena_len = r.u64()? as usize;
        let arena = r.take(arena_len)?.to_vec();
        let n = r.u64()? as usize;
        if n > r.remaining() / 29 {
            return Err(bad(format!("{n} entries do not fit in the data")));
        }
        let dl = delimiter.len();
        let mut entries = Vec::with_capacity(n);
        for i in 0..n {
            let off = r.u64()? as usize;
            let len = r.u32()?;
            let len_a = r.u32()?;
            let len_b = r.u32()?;
            let gensim = r.u8()? != 0;
            let score = f64::from_le_bytes(r.take(8)?.try_into().unwrap_or_default());
            let end = off.checked_add(len as usize).filter(|&e| e <= arena.len());
            let fits = (len_a as usize + dl + len_b as usize) <= len as usize;
            let Some(end) = end.filter(|_| fits) else {
                return Err(bad(format!("entry {i} is out of range")));
            };
            let key = &arena[off..end];
            if std::str::from_utf8(key).is_err() {
                return Err(bad(format!("entry {i} is not valid UTF-8")));
            }
            entries.push(FEntry {
                hash: hash(key),
                off,
                len,
                len_a,
                len_b,
                gensim,
                score,
            });
        }
        if r.remaining() != 0 {
            return Err(bad(format!("{} unexpected trailing bytes", r.remaining())));
        }
        if delimiter.is_empty() {
            return Err(bad("empty delimiter".into()));
        }
        let params = ScoreParams {
            min_count,
            threshold,
            scoring,
        };
        Ok((
            FrozenPhrases::build(
                delimiter,
                Connectors::new(conn),
                params,
                corpus_word_count,
                vocabulary_size,
                arena,
                entries,
            ),
            meta,
        ))
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(EmbedError::format(
                "<phrases>",
                format!("truncated at byte {}", self.pos),
            ));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().unwrap_or_default(),
        ))
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().unwrap_or_default(),
        ))
    }
    fn string(&mut self) -> Result<String> {
        let n = self.u32()? as usize;
        let b = self.take(n)?;
        String::from_utf8(b.to_vec())
            .map_err(|_| EmbedError::format("<phrases>", "a string is not valid UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{HashMap, HashSet};
    use std::io::Write;

    fn cfg(connectors: &[&str], max: Option<usize>) -> PhraseConfig {
        PhraseConfig {
            delimiter: "_".into(),
            connector_words: connectors.iter().map(|s| s.to_string()).collect(),
            max_vocab_size: max,
        }
    }

    fn count(sents: &[Vec<String>], c: PhraseConfig) -> PhraseCounts {
        let mut pc = PhraseCounts::new(c).unwrap();
        for s in sents {
            pc.add_sentence(s.iter().map(String::as_str));
        }
        pc
    }

    fn words(s: &str) -> Vec<String> {
        s.split_ascii_whitespace().map(str::to_owned).collect()
    }

    /// A literal port of gensim 4's `_learn_vocab` (pruning included).
    fn ref_learn(
        sents: &[Vec<String>],
        conn: &HashSet<String>,
        d: &str,
        max: usize,
    ) -> (HashMap<String, u64>, u64) {
        let mut vocab: HashMap<String, u64> = HashMap::new();
        let (mut total, mut min_reduce) = (0u64, 1u64);
        for s in sents {
            let mut start: Option<&String> = None;
            let mut mid: Vec<&String> = Vec::new();
            for w in s {
                if !conn.contains(w) {
                    *vocab.entry(w.clone()).or_default() += 1;
                    if let Some(st) = start {
                        let mut parts = vec![st.as_str()];
                        parts.extend(mid.iter().map(|m| m.as_str()));
                        parts.push(w);
                        *vocab.entry(parts.join(d)).or_default() += 1;
                    }
                    start = Some(w);
                    mid.clear();
                } else if start.is_some() {
                    mid.push(w);
                }
                total += 1;
            }
            if vocab.len() > max {
                vocab.retain(|_, c| *c >= min_reduce);
                min_reduce += 1;
            }
        }
        (vocab, total)
    }

    /// gensim's unfrozen `Phrases.analyze_sentence` (empty tokens kept, see `analyze`).
    fn ref_analyze(
        s: &[String],
        vocab: &HashMap<String, u64>,
        total: u64,
        conn: &HashSet<String>,
        d: &str,
        p: &ScoreParams,
    ) -> Vec<String> {
        let score = |a: &str, mid: &[String], b: &str| -> Option<String> {
            let ca = *vocab.get(a)?;
            let cb = *vocab.get(b)?;
            let mut parts = vec![a.to_owned()];
            parts.extend(mid.iter().cloned());
            parts.push(b.to_owned());
            let phrase = parts.join(d);
            let cab = *vocab.get(&phrase)?;
            let sc = p
                .scoring
                .score(ca, cb, cab, vocab.len() as u64, p.min_count, total);
            (sc > p.threshold).then_some(phrase)
        };
        let mut out = Vec::new();
        let mut start: Option<String> = None;
        let mut mid: Vec<String> = Vec::new();
        for w in s {
            if !conn.contains(w) {
                if let Some(st) = start.take() {
                    if let Some(ph) = score(&st, &mid, w) {
                        out.push(ph);
                        mid.clear();
                    } else {
                        out.push(st);
                        out.append(&mut mid);
                        start = Some(w.clone());
                    }
                } else {
                    start = Some(w.clone());
                    mid.clear();
                }
            } else if start.is_some() {
                mid.push(w.clone());
            } else {
                out.push(w.clone());
            }
        }
        if let Some(st) = start {
            out.push(st);
            out.append(&mut mid);
        }
        out
    }

    fn planted() -> Vec<Vec<String>> {
        let mut out = Vec::new();
        for i in 0..200u64 {
            let f1 = format!("w{}", (i * 7) % 50);
            let f2 = format!("w{}", (i * 13 + 5) % 50);
            out.push(words(&format!("{f1} new york is big {f2}")));
            if i % 2 == 0 {
                out.push(words(&format!("the bank of america said {f1} {f2}")));
            }
            out.push(words(&format!("{f2} machine learning {f1} and {f2}")));
        }
        out
    }

    #[test]
    fn planted_bigrams_and_connector_phrases_are_found() {
        let c = count(&planted(), cfg(&ENGLISH_CONNECTOR_WORDS, None));
        assert_eq!(c.get("new_york"), 200);
        assert_eq!(c.get("bank_of_america"), 100);
        assert_eq!(c.get("the"), 0, "connectors are never counted alone");
        let p = ScoreParams {
            min_count: 5,
            threshold: 1.0,
            scoring: Scoring::Default,
        };
        let f = c.freeze(&p, 2).unwrap();
        let got: HashSet<String> = f.export_phrases().into_iter().map(|x| x.0).collect();
        assert!(got.contains("new_york"), "{got:?}");
        assert!(got.contains("bank_of_america"), "{got:?}");
        assert!(got.contains("machine_learning"), "{got:?}");
        assert_eq!(
            f.apply(&words("the bank of america in new york city")),
            words("the bank_of_america in new_york city")
        );
        // Scores follow gensim's formula.
        let want = (200.0 - 5.0) / (c.get("new") * c.get("york")) as f64 * c.len() as f64;
        let ny = f.export_phrases().into_iter().find(|x| x.0 == "new_york");
        assert_eq!(ny.unwrap().1, want);
        // Export from the counts (gensim's algorithm) agrees with the frozen table.
        assert_eq!(c.export_phrases(&p).unwrap(), f.export_phrases());
    }

    #[test]
    fn npmi_scores_are_in_range_and_match_the_formula() {
        let c = count(&planted(), cfg(&ENGLISH_CONNECTOR_WORDS, None));
        let p = ScoreParams {
            min_count: 5,
            threshold: 0.5,
            scoring: Scoring::Npmi,
        };
        let ex = c.freeze(&p, 1).unwrap().export_phrases();
        assert!(!ex.is_empty());
        for (_, s) in &ex {
            assert!(*s > 0.5 && *s <= 1.0);
        }
        let n = c.corpus_word_count as f64;
        let (pa, pb, pab) = (c.get("new") as f64 / n, c.get("york") as f64 / n, 200.0 / n);
        let want = (pab / (pa * pb)).ln() / -pab.ln();
        assert_eq!(ex.iter().find(|x| x.0 == "new_york").unwrap().1, want);
    }

    #[test]
    fn first_prune_removes_nothing_then_min_reduce_grows() {
        let sents: Vec<Vec<String>> = (0..6).map(|i| words(&format!("a b u{i}"))).collect();
        let c = count(&sents, cfg(&[], Some(4)));
        let conn = HashSet::new();
        let (v, total) = ref_learn(&sents, &conn, "_", 4);
        assert_eq!(c.len(), v.len());
        for (k, n) in &v {
            assert_eq!(c.get(k), *n, "{k}");
        }
        assert_eq!(c.corpus_word_count, total);
        assert!(c.prunes >= 2);
    }

    #[test]
    fn second_pass_gives_trigrams_where_gensim_export_does_not() {
        let mut sents = Vec::new();
        for i in 0..300u64 {
            let f = format!("w{}", i % 97);
            let g = format!("v{}", (i * 31) % 89);
            sents.push(words(&format!("{f} new york city {g}")));
        }
        let p = ScoreParams {
            min_count: 5,
            threshold: 1.0,
            scoring: Scoring::Default,
        };
        let conn: Vec<&str> = vec![];
        let f1 = count(&sents, cfg(&conn, None)).freeze(&p, 1).unwrap();
        let pass2: Vec<Vec<String>> = sents.iter().map(|s| f1.apply(s)).collect();
        assert_eq!(pass2[0][1], "new_york");
        let c2 = count(&pass2, cfg(&conn, None));
        let f2 = c2.freeze(&p, 1).unwrap();
        assert_eq!(f2.apply(&pass2[0])[1], "new_york_city");
        let mine: HashSet<String> = f2.export_phrases().into_iter().map(|x| x.0).collect();
        assert!(mine.contains("new_york_city"));
        // gensim's re-splitting scores "new" + "city", which no longer occur alone.
        let gensim: HashSet<String> = c2
            .export_phrases(&p)
            .unwrap()
            .into_iter()
            .map(|x| x.0)
            .collect();
        assert!(!gensim.contains("new_york_city"));
        assert!(gensim.is_subset(&mine));
    }

    #[test]
    fn files_are_counted_like_sentences_with_any_thread_count() {
        let mut text = String::new();
        let mut sents = Vec::new();
        for i in 0..40_000u64 {
            let s = format!(
                "w{} new york x{} of the y{}\r",
                i % 300,
                (i * 7) % 211,
                (i * 11) % 97
            );
            text.push_str(&s);
            text.push('\n');
            sents.push(words(&s));
        }
        text.push_str("caf\u{e9} \u{a0}x\n\n   \n");
        sents.push(words("caf\u{e9} \u{a0}x"));
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f.flush().unwrap();
        let fc = FileCorpus::open(&[f.path()]).unwrap();
        let c0 = count(&sents, cfg(&ENGLISH_CONNECTOR_WORDS, None));
        for threads in [1, 3] {
            let mut c = PhraseCounts::new(cfg(&ENGLISH_CONNECTOR_WORDS, None)).unwrap();
            c.count_files(&fc, threads).unwrap();
            assert_eq!(c.corpus_word_count, c0.corpus_word_count);
            assert_eq!(c.len(), c0.len());
            for (k, n) in c0.iter() {
                assert_eq!(c.get(k), n, "{k}");
            }
        }
        // gzip gives the same counts
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(text.as_bytes()).unwrap();
        let mut g = tempfile::NamedTempFile::new().unwrap();
        g.write_all(&enc.finish().unwrap()).unwrap();
        g.flush().unwrap();
        let mut c = PhraseCounts::new(cfg(&ENGLISH_CONNECTOR_WORDS, None)).unwrap();
        c.count_files(&FileCorpus::open(&[g.path()]).unwrap(), 2)
            .unwrap();
        assert_eq!(c.len(), c0.len());
        assert_eq!(c.get("new_york"), 40_000);
    }

    #[test]
    fn parallel_batches_count_exactly_like_sentences_in_order() {
        let mut batch = SentenceBatch::new();
        let mut sents = Vec::new();
        for i in 0..6000u64 {
            let s = format!(
                "w{} of x{} the y{} new york z{}",
                i % 700,
                (i * 7) % 1311,
                (i * 11) % 97,
                i % 5
            );
            batch.push_line(s.as_bytes());
            sents.push(words(&s));
        }
        batch.push_token("lonely");
        batch.end_sentence();
        sents.push(words("lonely"));
        for max in [None, Some(1_000_000), Some(20_000), Some(3_000)] {
            let c0 = count(&sents, cfg(&["of", "the"], max));
            let mut c = PhraseCounts::new(cfg(&["of", "the"], max)).unwrap();
            c.add_batch(&batch, 3);
            assert_eq!(c.len(), c0.len(), "{max:?}");
            assert_eq!(c.corpus_word_count, c0.corpus_word_count);
            assert_eq!(c.sentences, c0.sentences);
            assert_eq!(c.prunes, c0.prunes, "{max:?}");
            for (k, n) in c0.iter() {
                assert_eq!(c.get(k), n, "{k}");
            }
        }
    }

    #[test]
    fn bytes_round_trip_and_corruption_is_detected() {
        let c = count(&planted(), cfg(&ENGLISH_CONNECTOR_WORDS, None));
        let f = c.freeze(&ScoreParams::default(), 2).unwrap();
        let b = f.to_bytes("{\"k\": 1}");
        let (g, meta) = FrozenPhrases::from_bytes(&b).unwrap();
        assert_eq!(meta, "{\"k\": 1}");
        assert_eq!(g.export_phrases(), f.export_phrases());
        assert_eq!(g.to_bytes("{\"k\": 1}"), b);
        assert_eq!(g.params(), f.params());
        assert_eq!(g.connector_words(), f.connector_words());
        for cut in [0, 5, 12, b.len() / 2, b.len() - 1] {
            assert!(FrozenPhrases::from_bytes(&b[..cut]).is_err(), "cut {cut}");
        }
        let mut flipped = b.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 1;
        let e = FrozenPhrases::from_bytes(&flipped).unwrap_err();
        assert!(matches!(e, EmbedError::Format { .. }), "{e}");
    }

    #[test]
    fn parameters_are_checked_with_gensim_rules() {
        let bad = [
            (0, 10.0, Scoring::Default, "min_count"),
            (5, 0.0, Scoring::Default, "threshold"),
            (5, 1.5, Scoring::Npmi, "threshold"),
            (5, f64::NAN, Scoring::Npmi, "threshold"),
        ];
        for (m, t, s, name) in bad {
            let p = ScoreParams {
                min_count: m,
                threshold: t,
                scoring: s,
            };
            let e = p.validate().unwrap_err();
            assert!(e.to_string().contains(name), "{e}");
        }
        assert!(Scoring::parse("pmi")
            .unwrap_err()
            .to_string()
            .contains("scoring"));
        let e = PhraseCounts::new(PhraseConfig {
            delimiter: String::new(),
            ..Default::default()
        })
        .unwrap_err();
        assert!(e.to_string().contains("delimiter"));
    }

    #[test]
    fn multi_byte_delimiters_split_like_python() {
        assert_eq!(python_split_ends(b"a___b", b"__"), Some((1, 1)));
        assert_eq!(python_split_ends(b"a__b__c", b"__"), Some((1, 4)));
        assert_eq!(python_split_ends(b"ab", b"__"), None);
        let mut occ = Vec::new();
        occurrences(b"a___b", b"__", &mut occ);
        assert_eq!(occ, vec![1, 2]);
    }

    fn sentence_strategy() -> impl Strategy<Value = Vec<String>> {
        let tok = prop_oneof![
            4 => "[a-e]".prop_map(|s| s),
            2 => prop_oneof![Just("of".to_string()), Just("the".to_string())],
            1 => prop_oneof![Just("a_b".to_string()), Just("b_c".to_string()), Just("_".to_string()), Just(String::new())],
        ];
        prop::collection::vec(tok, 0..12)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Frozen tables reproduce gensim's unfrozen `Phrases[sentence]` exactly, with tokens
        /// that contain the delimiter, connectors and pruning.
        #[test]
        fn frozen_apply_equals_unfrozen_gensim(
            sents in prop::collection::vec(sentence_strategy(), 1..60),
            npmi in any::<bool>(),
            max in prop_oneof![Just(usize::MAX), 8usize..40],
        ) {
            let conn_words = ["of", "the"];
            let conn: HashSet<String> = conn_words.iter().map(|s| s.to_string()).collect();
            let p = if npmi {
                ScoreParams { min_count: 2, threshold: 0.1, scoring: Scoring::Npmi }
            } else {
                ScoreParams { min_count: 1, threshold: 0.5, scoring: Scoring::Default }
            };
            let c = count(&sents, cfg(&conn_words, Some(max)));
            let (vocab, total) = ref_learn(&sents, &conn, "_", max);
            prop_assert_eq!(c.len(), vocab.len());
            prop_assert_eq!(c.corpus_word_count, total);
            let f = c.freeze(&p, 2).unwrap();
            for s in &sents {
                prop_assert_eq!(f.apply(s), ref_analyze(s, &vocab, total, &conn, "_", &p));
            }
        }

        /// Applying never loses, duplicates or reorders tokens: the pieces cover the input in
        /// order, and a phrase is its tokens joined by the delimiter.
        #[test]
        fn apply_keeps_every_token_in_order(
            train in prop::collection::vec(sentence_strategy(), 1..40),
            s in sentence_strategy(),
        ) {
            let c = count(&train, cfg(&["of", "the"], None));
            let f = c.freeze(&ScoreParams { min_count: 1, threshold: 0.1, scoring: Scoring::Default }, 1).unwrap();
            let toks: Vec<&str> = s.iter().map(String::as_str).collect();
            let mut pieces = Vec::new();
            f.analyze(&toks, &mut pieces);
            let mut next = 0;
            for p in &pieces {
                match *p {
                    Piece::Token(i) => { prop_assert_eq!(i, next); next += 1; }
                    Piece::Phrase { start, end, .. } => {
                        prop_assert_eq!(start, next);
                        prop_assert!(end >= start + 2);
                        next = end;
                    }
                }
            }
            prop_assert_eq!(next, toks.len());
            prop_assert_eq!(f.apply(&s).join("_"), s.join("_"));
        }
    }
}

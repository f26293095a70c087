//! Vocabulary: counting words, pruning while counting, and the final word <-> id table.
//!
//! [`WordCounts`] is the mergeable partial count (one per thread, file or machine);
//! [`Vocab`] is the frozen table the trainer uses. Ids follow a deterministic order:
//! count descending, then the word's bytes ascending, so the same corpus gives the same ids
//! whatever the number of threads or the hash seed.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use crate::error::{EmbedError, Result};

/// Counts of words seen so far, with the corpus totals needed later.
///
/// Words live in one byte arena and the hash table holds `(offset, length, count)` entries,
/// so a table of millions of words is a handful of large allocations (returned to the OS when
/// dropped) instead of one heap string per word.
///
/// `max_vocab_size` bounds memory while counting huge corpora the way word2vec.c does:
/// whenever the table grows past the limit, every word seen at most `min_reduce` times is
/// dropped and `min_reduce` grows by one, repeatedly until the table fits. Dropped counts
/// are lost (a word that comes back starts again from zero), so rare words may be
/// under-counted; frequent words are exact as long as the limit is generous.
#[derive(Clone, Default)]
pub struct WordCounts {
    table: HashTable<Entry>,
    arena: Vec<u8>,
    hasher: FxBuildHasher,
    min_reduce: u64,
    max_vocab_size: Option<usize>,
    /// Raw tokens seen (every token, including those pruned later).
    pub total_words: u64,
    /// Sentences (lines or documents) seen.
    pub sentences: u64,
    /// Sentences longer than `max_sentence_length` (split into pieces when training).
    pub long_sentences: u64,
    /// Number of prune passes made because of `max_vocab_size`.
    pub prunes: u64,
}

#[derive(Clone, Copy)]
struct Entry {
    offset: usize,
    len: u32,
    count: u64,
}

impl std::fmt::Debug for WordCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WordCounts")
            .field("words", &self.len())
            .field("total_words", &self.total_words)
            .field("sentences", &self.sentences)
            .finish()
    }
}

fn arena_str<'a>(arena: &'a [u8], e: &Entry) -> &'a str {
    // Only `&str` are ever appended, at entry boundaries, so this never fails.
    std::str::from_utf8(&arena[e.offset..e.offset + e.len as usize]).unwrap_or("")
}

impl WordCounts {
    /// An empty count table; `max_vocab_size` (if any) bounds its size while counting.
    pub fn new(max_vocab_size: Option<usize>) -> Self {
        WordCounts {
            min_reduce: 1,
            max_vocab_size,
            ..Default::default()
        }
    }

    /// Counts one token given as bytes (invalid UTF-8 is replaced by U+FFFD).
    #[inline]
    pub fn add_token(&mut self, token: &[u8]) {
        self.total_words += 1;
        match std::str::from_utf8(token) {
            Ok(s) => self.add_str(s, 1),
            Err(_) => self.add_str(&String::from_utf8_lossy(token), 1),
        }
    }

    /// Adds `n` to the count of `word` (does not touch `total_words`).
    #[inline]
    pub fn add_str(&mut self, word: &str, n: u64) {
        let hash = self.hasher.hash_one(word.as_bytes());
        let arena = &self.arena;
        if let Some(e) = self.table.find_mut(hash, |e| {
            &arena[e.offset..e.offset + e.len as usize] == word.as_bytes()
        }) {
            e.count = e.count.saturating_add(n);
            return;
        }
        let entry = Entry {
            offset: self.arena.len(),
            len: word.len() as u32,
            count: n,
        };
        self.arena.extend_from_slice(word.as_bytes());
        let (arena, hasher) = (&self.arena, &self.hasher);
        self.table.insert_unique(hash, entry, |e| {
            hasher.hash_one(&arena[e.offset..e.offset + e.len as usize])
        });
        self.maybe_prune();
    }

    /// Number of distinct words currently held.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// True if no word is held.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The count of one word (0 if absent).
    pub fn get(&self, word: &str) -> u64 {
        let hash = self.hasher.hash_one(word.as_bytes());
        self.table
            .find(hash, |e| arena_str(&self.arena, e) == word)
            .map_or(0, |e| e.count)
    }

    /// Iterates over `(word, count)` in arbitrary order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.table
            .iter()
            .map(|e| (arena_str(&self.arena, e), e.count))
    }

    /// Adds another partial count into this one (commutative and associative, pruning aside).
    pub fn merge(&mut self, other: WordCounts) {
        self.total_words += other.total_words;
        self.sentences += other.sentences;
        self.long_sentences += other.long_sentences;
        self.prunes += other.prunes;
        self.min_reduce = self.min_reduce.max(other.min_reduce);
        if self.len() < other.len() {
            let mine = std::mem::replace(
                self,
                WordCounts {
                    table: other.table,
                    arena: other.arena,
                    hasher: other.hasher,
                    min_reduce: self.min_reduce,
                    max_vocab_size: self.max_vocab_size,
                    total_words: self.total_words,
                    sentences: self.sentences,
                    long_sentences: self.long_sentences,
                    prunes: self.prunes,
                },
            );
            for (w, c) in mine.iter() {
                self.add_str(w, c);
            }
        } else {
            for (w, c) in other.iter() {
                self.add_str(w, c);
            }
        }
        self.maybe_prune();
    }

    fn maybe_prune(&mut self) {
        let Some(max) = self.max_vocab_size else {
            return;
        };
        if self.table.len() <= max {
            return;
        }
        while self.table.len() > max {
            let threshold = self.min_reduce;
            self.table.retain(|e| e.count > threshold);
            self.min_reduce += 1;
            self.prunes += 1;
        }
        // Compact the arena so that pruned words' bytes are freed too.
        let mut arena = Vec::with_capacity(self.arena.len() / 2);
        let old = std::mem::take(&mut self.arena);
        let mut entries: Vec<Entry> = self.table.iter().copied().collect();
        for e in entries.iter_mut() {
            let start = arena.len();
            arena.extend_from_slice(&old[e.offset..e.offset + e.len as usize]);
            e.offset = start;
        }
        self.arena = arena;
        let hasher = self.hasher;
        let mut table = HashTable::with_capacity(entries.len());
        for e in entries {
            let h = hasher.hash_one(&self.arena[e.offset..e.offset + e.len as usize]);
            let arena = &self.arena;
            table.insert_unique(h, e, |x| {
                hasher.hash_one(&arena[x.offset..x.offset + x.len as usize])
            });
        }
        self.table = table;
    }

    /// `(word, count)` pairs, most frequent first, ties by word: a deterministic order.
    pub fn sorted_items(&self) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self.iter().collect();
        v.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        v
    }

    /// The counts of the words `vocab` does not hold (below `min_count`, or cut by
    /// `max_final_vocab`), with no totals: what a later `partial_fit` adds its new counts to,
    /// so that a word that reaches `min_count` over several calls joins the vocabulary.
    pub fn without(&self, vocab: &Vocab) -> WordCounts {
        let left_out = || self.iter().filter(|(w, _)| vocab.get(w).is_none());
        let (n, bytes) = left_out().fold((0, 0), |(n, b), (w, _)| (n + 1, b + w.len()));
        let mut out = WordCounts::new(None);
        // Sized once: this table is kept with the model, so no doubling slack.
        out.table = HashTable::with_capacity(n);
        out.arena.reserve_exact(bytes);
        for (w, c) in left_out() {
            out.add_str(w, c);
        }
        out
    }

    /// Consumes the table, returning `(word, count)` pairs in arbitrary order.
    pub fn into_items(self) -> Vec<(String, u64)> {
        self.iter().map(|(w, c)| (w.to_owned(), c)).collect()
    }
}

/// Words in id order, stored back to back in one buffer (one allocation for the whole
/// vocabulary, which keeps loading a large model cheap).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Words {
    text: String,
    ends: Vec<usize>,
}

impl Words {
    /// An empty list with room for `n` words.
    pub fn with_capacity(n: usize) -> Self {
        Words {
            text: String::with_capacity(n * 8),
            ends: Vec::with_capacity(n),
        }
    }

    /// Appends a word.
    pub fn push(&mut self, w: &str) {
        self.text.push_str(w);
        self.ends.push(self.text.len());
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Word `i`.
    #[inline]
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// The words in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// The words as owned strings.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }
}

impl std::ops::Index<usize> for Words {
    type Output = str;
    fn index(&self, i: usize) -> &str {
        self.get(i)
    }
}

impl<S: AsRef<str>> PartialEq<[S]> for Words {
    fn eq(&self, other: &[S]) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a == b.as_ref())
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for Words {
    fn eq(&self, other: &[S; N]) -> bool {
        self == &other[..]
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for &Words {
    fn eq(&self, other: &[S; N]) -> bool {
        *self == &other[..]
    }
}

impl<S: AsRef<str>> PartialEq<Vec<S>> for Words {
    fn eq(&self, other: &Vec<S>) -> bool {
        self == &other[..]
    }
}

impl<'a> IntoIterator for &'a Words {
    type Item = &'a str;
    type IntoIter = Box<dyn ExactSizeIterator<Item = &'a str> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl std::fmt::Debug for Words {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// One entry of the word index: the id and where the word's bytes sit in the arena, so a
/// lookup compares bytes without first reading the word's boundaries.
#[derive(Clone, Copy)]
struct Slot {
    id: u32,
    len: u32,
    start: usize,
    /// The word's first 8 bytes, zero-padded: most words are shorter, and for them the
    /// comparison never leaves the slot.
    prefix: u64,
}

/// The first (up to) 8 bytes of `w` as a little-endian integer, zero-padded.
#[inline(always)]
fn prefix8(w: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = w.len().min(8);
    b[..n].copy_from_slice(&w[..n]);
    u64::from_le_bytes(b)
}

impl Slot {
    /// True if this slot holds the word `w` (whose prefix is `p`).
    #[inline(always)]
    fn holds(&self, w: &[u8], p: u64, text: &[u8]) -> bool {
        self.len as usize == w.len()
            && self.prefix == p
            && (w.len() <= 8 || text[self.start + 8..self.start + w.len()] == w[8..])
    }
}

/// Where a token's lookup starts: its home slot and its prefix. Computing it is pure
/// arithmetic, so a reader can compute the keys of the next few tokens, prefetch their slots
/// ([`Vocab::prefetch`]), and resolve them ([`Vocab::get_keyed`]) once the slots have loaded.
#[derive(Clone, Copy, Debug)]
pub struct LookupKey {
    home: usize,
    prefix: u64,
}

/// The word index: open addressing with linear probing over a power-of-two table kept at most
/// two-thirds full. A lookup reads the home slot (rarely a neighbour or two), whose address
/// follows from the hash alone (a SwissTable first reads a group of control bytes). Its size,
/// 24 bytes x the power of two above 1.5 x words, is that of a hashbrown table of the same
/// words (25 bytes x the power of two above 8/7 x words) or, for some sizes, twice it.
#[derive(Clone, Default)]
struct WordIndex {
    slots: Vec<Slot>,
    /// `64 - log2(slots.len())`: the home slot is the top bits of the mixed hash.
    shift: u32,
}

/// Marks an empty slot.
const EMPTY_SLOT: Slot = Slot {
    id: u32::MAX,
    len: 0,
    start: 0,
    prefix: 0,
};

impl WordIndex {
    fn with_words(n: usize) -> WordIndex {
        let cap = n.saturating_add(n / 2).max(2).next_power_of_two();
        WordIndex {
            slots: vec![EMPTY_SLOT; cap],
            shift: 64 - cap.trailing_zeros(),
        }
    }

    #[inline(always)]
    fn key(&self, hasher: &FxBuildHasher, w: &[u8]) -> LookupKey {
        // Fibonacci hashing on top of FxHash: the top bits of the product are well mixed.
        let h = hasher.hash_one(w).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        LookupKey {
            home: (h >> self.shift) as usize,
            prefix: prefix8(w),
        }
    }

    /// Linear probing from the home slot: `Ok(id)` of the slot holding `w`, or `Err(i)`, the
    /// first empty slot (the table is never full).
    #[inline(always)]
    fn probe(&self, k: LookupKey, w: &[u8], text: &[u8]) -> std::result::Result<u32, usize> {
        let mask = self.slots.len() - 1;
        let mut i = k.home & mask;
        loop {
            let s = &self.slots[i];
            if s.id == u32::MAX {
                return Err(i);
            }
            if s.holds(w, k.prefix, text) {
                return Ok(s.id);
            }
            i = (i + 1) & mask;
        }
    }

    #[inline(always)]
    fn find(&self, k: LookupKey, w: &[u8], text: &[u8]) -> Option<u32> {
        self.probe(k, w, text).ok()
    }

    /// Adds `slot` unless its word is present; returns false if it was.
    fn insert(&mut self, k: LookupKey, slot: Slot, w: &[u8], text: &[u8]) -> bool {
        match self.probe(k, w, text) {
            Ok(_) => false,
            Err(i) => {
                self.slots[i] = slot;
                true
            }
        }
    }
}

/// Hashes every word into an index; returns it and the position of the first repeated word.
fn build_index(words: &Words, hasher: &FxBuildHasher) -> (WordIndex, Option<usize>) {
    let mut index = WordIndex::with_words(words.len());
    let text = words.text.as_bytes();
    let mut duplicate = None;
    let mut start = 0;
    for (i, &end) in words.ends.iter().enumerate() {
        let w = &text[start..end];
        let k = index.key(hasher, w);
        // Ids are u32 below u32::MAX (the empty marker): vocabularies are far smaller.
        let slot = Slot {
            id: u32::try_from(i).unwrap_or(u32::MAX - 1).min(u32::MAX - 1),
            len: w.len() as u32,
            start,
            prefix: k.prefix,
        };
        if !index.insert(k, slot, w, text) {
            duplicate.get_or_insert(i);
        }
        start = end;
    }
    (index, duplicate)
}

/// The frozen vocabulary: word <-> id, counts, and the corpus totals it was built from.
#[derive(Clone, Default)]
pub struct Vocab {
    words: Words,
    counts: Vec<u64>,
    index: std::sync::OnceLock<WordIndex>,
    hasher: FxBuildHasher,
    /// Raw tokens in one pass over the corpus (including words below `min_count`).
    pub corpus_words: u64,
    /// Sentences in one pass over the corpus.
    pub corpus_sentences: u64,
    /// The `min_count` actually applied (raised by `max_final_vocab` when needed).
    pub effective_min_count: u64,
}

/// Options that turn raw counts into a vocabulary.
#[derive(Debug, Clone, Copy)]
pub struct VocabConfig {
    /// Words seen fewer times are dropped.
    pub min_count: u64,
    /// If set, `min_count` is raised until at most this many words remain (ties are never
    /// split: every word with the cut-off count goes or stays together, as in gensim).
    pub max_final_vocab: Option<usize>,
}

impl std::fmt::Debug for Vocab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vocab")
            .field("words", &self.words.len())
            .field("corpus_words", &self.corpus_words)
            .finish()
    }
}

impl Vocab {
    /// Builds the vocabulary from (merged) counts.
    ///
    /// # Errors
    /// `EmptyVocabulary` if no word survives, `InvalidParameter` for `min_count == 0`.
    pub fn from_counts(counts: WordCounts, cfg: VocabConfig) -> Result<Vocab> {
        if cfg.min_count == 0 {
            return Err(EmbedError::param("min_count", "must be >= 1"));
        }
        let seen_types = counts.len();
        let total_words = counts.total_words;
        let sentences = counts.sentences;
        let mut items: Vec<(String, u64)> = counts
            .iter()
            .filter(|(_, c)| *c >= cfg.min_count)
            .map(|(w, c)| (w.to_owned(), c))
            .collect();
        drop(counts);
        items.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut min_count = cfg.min_count;
        if let Some(max) = cfg.max_final_vocab {
            if items.len() > max {
                // gensim's rule: raise min_count just above the count of the first word that
                // does not fit, so that words with equal counts are kept or dropped together.
                let cut = items[max].1 + 1;
                min_count = min_count.max(cut);
                items.retain(|(_, c)| *c >= min_count);
            }
        }
        if items.is_empty() {
            return Err(EmbedError::EmptyVocabulary {
                reason: format!(
                    "no word occurs at least min_count={min_count} times \
                     ({seen_types} distinct words in {} tokens); lower min_count or supply \
                     more text",
                    total_words
                ),
            });
        }
        let mut vocab = Vocab::from_sorted(items)?;
        vocab.corpus_words = total_words;
        vocab.corpus_sentences = sentences;
        vocab.effective_min_count = min_count;
        Ok(vocab)
    }

    /// Builds a vocabulary from words in id order with their counts (no sorting).
    ///
    /// # Errors
    /// `Format` if a word repeats.
    pub fn from_sorted(items: Vec<(String, u64)>) -> Result<Vocab> {
        let hasher = FxBuildHasher;
        let mut words = Words::with_capacity(items.len());
        let mut counts = Vec::with_capacity(items.len());
        for (w, c) in items {
            words.push(&w);
            counts.push(c);
        }
        let (index, duplicate) = build_index(&words, &hasher);
        if let Some(i) = duplicate {
            return Err(EmbedError::format(
                "<vocabulary>",
                format!("duplicate word {:?} (entry {})", &words[i], i + 1),
            ));
        }
        let corpus_words = counts.iter().fold(0u64, |a, &c| a.saturating_add(c));
        Ok(Vocab {
            words,
            counts,
            index: index.into(),
            hasher,
            corpus_words,
            corpus_sentences: 0,
            effective_min_count: 1,
        })
    }

    /// Builds a vocabulary from words already known to be distinct (a checksummed native
    /// file): the word index is built on the first lookup instead of now, so opening a file
    /// costs only reading its words.
    pub fn from_sorted_unique(words: Words, counts: Vec<u64>) -> Vocab {
        let corpus_words = counts.iter().fold(0u64, |a, &c| a.saturating_add(c));
        Vocab {
            words,
            counts,
            index: std::sync::OnceLock::new(),
            hasher: FxBuildHasher,
            corpus_words,
            corpus_sentences: 0,
            effective_min_count: 1,
        }
    }

    fn index(&self) -> &WordIndex {
        // Duplicates cannot occur here: `from_sorted` rejects them and `from_sorted_unique`
        // takes words from a checksummed file; the first of any would win.
        self.index
            .get_or_init(|| build_index(&self.words, &self.hasher).0)
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// True if there is no word.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Words in id order.
    pub fn words(&self) -> &Words {
        &self.words
    }

    /// Word `id`.
    pub fn word(&self, id: u32) -> &str {
        self.words.get(id as usize)
    }

    /// Counts in id order.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// The id of a word.
    #[inline]
    pub fn get(&self, word: &str) -> Option<u32> {
        self.find_bytes(word.as_bytes())
    }

    /// The id of a token given as raw bytes (invalid UTF-8 replaced as when counting).
    #[inline]
    pub fn get_bytes(&self, token: &[u8]) -> Option<u32> {
        self.get_keyed(token, self.key(token))
    }

    #[inline]
    fn find_bytes(&self, token: &[u8]) -> Option<u32> {
        let index = self.index();
        let k = index.key(&self.hasher, token);
        index.find(k, token, self.words.text.as_bytes())
    }

    /// The lookup key of a token (see [`LookupKey`]).
    #[inline(always)]
    pub fn key(&self, token: &[u8]) -> LookupKey {
        self.index().key(&self.hasher, token)
    }

    /// Asks the CPU to start loading the slot a lookup of `key` reads first (a hint).
    #[inline(always)]
    pub fn prefetch(&self, key: LookupKey) {
        let slots = &self.index().slots;
        crate::train::hogwild::prefetch_ref(&slots[key.home & (slots.len() - 1)]);
    }

    /// [`Vocab::get_bytes`] for a token whose key was computed by [`Vocab::key`].
    #[inline(always)]
    pub fn get_keyed(&self, token: &[u8], key: LookupKey) -> Option<u32> {
        // Every stored word is valid UTF-8, so a token that matches one is valid too: only a
        // token that matches nothing needs the (slow) check and replacement.
        match self.index().find(key, token, self.words.text.as_bytes()) {
            Some(id) => Some(id),
            None if std::str::from_utf8(token).is_err() => {
                self.find_bytes(String::from_utf8_lossy(token).as_bytes())
            }
            None => None,
        }
    }

    /// Sum of the counts of the words kept (the `N` of the subsampling formula).
    pub fn retained_words(&self) -> u64 {
        self.counts.iter().fold(0u64, |a, &c| a.saturating_add(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn counts_saturate_instead_of_wrapping() {
        let mut c = WordCounts::new(None);
        c.add_str("a", u64::MAX);
        c.add_str("a", 5);
        assert_eq!(c.get("a"), u64::MAX);
    }

    fn count(text: &str, max: Option<usize>) -> WordCounts {
        let mut c = WordCounts::new(max);
        for t in text.split_whitespace() {
            c.add_token(t.as_bytes());
        }
        c
    }

    fn cfg(min_count: u64) -> VocabConfig {
        VocabConfig {
            min_count,
            max_final_vocab: None,
        }
    }

    #[test]
    fn order_is_count_desc_then_word() {
        let v = Vocab::from_counts(count("b a c b a d b", None), cfg(1)).unwrap();
        assert_eq!(v.words(), ["b", "a", "c", "d"]);
        assert_eq!(v.counts(), [3, 2, 1, 1]);
        assert_eq!(v.corpus_words, 7);
        assert_eq!(v.get("c"), Some(2));
    }

    #[test]
    fn min_count_removes_and_empty_is_an_error() {
        let v = Vocab::from_counts(count("a a b", None), cfg(2)).unwrap();
        assert_eq!(v.words(), ["a"]);
        let e = Vocab::from_counts(count("a b", None), cfg(5)).unwrap_err();
        assert!(e.to_string().contains("min_count=5"), "{e}");
    }

    #[test]
    fn max_final_vocab_never_splits_ties() {
        // counts: a 4, b 2, c 2, d 1
        let c = count("a a a a b b c c d", None);
        let v = Vocab::from_counts(
            c,
            VocabConfig {
                min_count: 1,
                max_final_vocab: Some(2),
            },
        )
        .unwrap();
        assert_eq!(v.words(), ["a"]);
        assert_eq!(v.effective_min_count, 3);
    }

    #[test]
    fn pruning_bounds_the_table() {
        let text: String = (0..1000).map(|i| format!("w{i} common ")).collect();
        let c = count(&text, Some(50));
        assert!(c.len() <= 50);
        assert_eq!(c.get("common"), 1000);
        assert_eq!(c.total_words, 2000);
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let mut c = WordCounts::new(None);
        c.add_token(b"caf\xe9");
        assert_eq!(c.get("caf\u{fffd}"), 1);
        let v = Vocab::from_counts(c, cfg(1)).unwrap();
        assert_eq!(v.get_bytes(b"caf\xe9"), Some(0));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn ids_are_a_bijection_and_counts_add_up(words in prop::collection::vec("[a-e]{1,3}", 1..200)) {
            let text = words.join(" ");
            let c = count(&text, None);
            prop_assert_eq!(c.total_words as usize, words.len());
            let v = Vocab::from_counts(c, cfg(1)).unwrap();
            prop_assert_eq!(v.counts().iter().sum::<u64>() as usize, words.len());
            for (i, w) in v.words().iter().enumerate() {
                prop_assert_eq!(v.get(w), Some(i as u32));
            }
            for pair in v.counts().windows(2) {
                prop_assert!(pair[0] >= pair[1]);
            }
        }

        #[test]
        fn index_finds_every_word_and_nothing_else(
            words in prop::collection::hash_set("[a-c]{1,12}|[ab\u{e9}]{7,10}", 1..300),
            probes in prop::collection::vec("[a-d]{0,13}", 0..50),
        ) {
            // Short alphabets: many words share their first 8 bytes, and long runs of
            // neighbouring slots form, so the prefix, the tail compare and the probing all
            // matter.
            let items: Vec<(String, u64)> = words.iter().map(|w| (w.clone(), 1)).collect();
            let v = Vocab::from_sorted(items.clone()).unwrap();
            for (i, (w, _)) in items.iter().enumerate() {
                let key = v.key(w.as_bytes());
                prop_assert_eq!(v.get_keyed(w.as_bytes(), key), Some(i as u32));
                prop_assert_eq!(v.get(w), Some(i as u32));
            }
            for p in &probes {
                let want = items.iter().position(|(w, _)| w == p).map(|i| i as u32);
                prop_assert_eq!(v.get(p), want);
                prop_assert_eq!(v.get_keyed(p.as_bytes(), v.key(p.as_bytes())), want);
            }
            let mut dup = items.clone();
            dup.push(items[0].clone());
            prop_assert!(Vocab::from_sorted(dup).is_err());
        }

        #[test]
        fn raising_min_count_never_grows(words in prop::collection::vec("[a-f]{1,2}", 1..200), m in 1u64..5) {
            let text = words.join(" ");
            let a = Vocab::from_counts(count(&text, None), cfg(m)).map(|v| v.len()).unwrap_or(0);
            let b = Vocab::from_counts(count(&text, None), cfg(m + 1)).map(|v| v.len()).unwrap_or(0);
            prop_assert!(b <= a);
        }

        #[test]
        fn merge_is_commutative_and_matches_one_pass(xs in prop::collection::vec("[a-d]{1,2}", 0..100), ys in prop::collection::vec("[a-d]{1,2}", 0..100)) {
            let whole = count(&format!("{} {}", xs.join(" "), ys.join(" ")), None);
            let mut ab = count(&xs.join(" "), None);
            ab.merge(count(&ys.join(" "), None));
            let mut ba = count(&ys.join(" "), None);
            ba.merge(count(&xs.join(" "), None));
            for (w, c) in whole.iter() {
                prop_assert_eq!(ab.get(w), c);
                prop_assert_eq!(ba.get(w), c);
            }
            prop_assert_eq!(ab.len(), whole.len());
            prop_assert_eq!(ab.total_words, whole.total_words);
        }
    }
}

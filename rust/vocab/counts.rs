//! [`WordCounts`]: mergeable word counts, pruned word2vec.c-style while counting.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use super::Vocab;

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
    /// Tokens longer than [`crate::text::MAX_TOKEN_BYTES`] that were cut.
    pub long_tokens: u64,
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
    ///
    /// # Errors
    /// `Memory`, naming the size, if the table cannot grow (instead of aborting).
    pub fn add_token(&mut self, token: &[u8]) -> crate::Result<()> {
        self.total_words += 1;
        match std::str::from_utf8(token) {
            Ok(s) => self.try_add_str(s, 1),
            Err(_) => self.try_add_str(&String::from_utf8_lossy(token), 1),
        }
    }

    /// [`WordCounts::add_str`], or a `Memory` error if the table cannot grow.
    ///
    /// # Errors
    /// `Memory`, naming the size.
    pub fn try_add_str(&mut self, word: &str, n: u64) -> crate::Result<()> {
        let hash = self.hasher.hash_one(word.as_bytes());
        let arena = &self.arena;
        if let Some(e) = self.table.find_mut(hash, |e| {
            &arena[e.offset..e.offset + e.len as usize] == word.as_bytes()
        }) {
            e.count = e.count.saturating_add(n);
            return Ok(());
        }
        let words = self.table.len();
        let oom = move |bytes: usize| crate::EmbedError::Memory {
            bytes: bytes as u128,
            what: format!("the word counts ({words} distinct words)"),
        };
        self.arena
            .try_reserve(word.len())
            .map_err(|_| oom(self.arena.capacity().saturating_mul(2)))?;
        let (arena, hasher) = (&self.arena, &self.hasher);
        self.table
            .try_reserve(1, |e| {
                hasher.hash_one(&arena[e.offset..e.offset + e.len as usize])
            })
            .map_err(|_| oom(self.table.capacity().saturating_mul(2 * 24)))?;
        self.add_str(word, n);
        Ok(())
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
        self.long_tokens += other.long_tokens;
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
                    long_tokens: self.long_tokens,
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

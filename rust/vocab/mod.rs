//! Vocabulary: counting words, pruning while counting, and the final word <-> id table.
//!
//! [`WordCounts`] is the mergeable partial count (one per thread, file or machine);
//! [`Vocab`] is the frozen table the trainer uses. Ids follow a deterministic order:
//! count descending, then the word's bytes ascending, so the same corpus gives the same ids
//! whatever the number of threads or the hash seed.

mod counts;
#[cfg(test)]
mod tests;
mod words;

use rustc_hash::FxBuildHasher;

use crate::error::{EmbedError, Result};
pub use counts::WordCounts;
use words::{build_index, WordIndex};
pub use words::{LookupKey, Words};

/// The frozen vocabulary: word <-> id, counts, and the corpus totals it was built from.
#[derive(Clone, Default)]
pub struct Vocab {
    words: Words,
    counts: Vec<u64>,
    index: crate::lazy::Lazy<WordIndex>,
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
            index: crate::lazy::Lazy::new(),
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
        self.index().prefetch(key);
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

    /// The vocabulary after more text, for continued training.
    ///
    /// `new` (the counts of the new text) is added to this vocabulary's counts and to `rare`
    /// (the counts of words seen before but left out). Words outside this vocabulary that now
    /// reach `cfg.min_count` are appended, most frequent first, ties by word, and no further
    /// than `cfg.max_final_vocab` words in all; existing ids never move. The words still left
    /// out are kept (at most `max_vocab_size` of them: first those cut by `max_final_vocab`,
    /// then the rest most frequent first), so that a word reaching `min_count` over several
    /// calls joins later. The new vocabulary's corpus totals are those of the new text (its
    /// learning-rate schedule covers only that text).
    pub fn grow(
        &self,
        new: &WordCounts,
        rare: Option<&WordCounts>,
        cfg: VocabConfig,
        max_vocab_size: Option<usize>,
    ) -> Grown {
        let mut pending = new.clone();
        if let Some(r) = rare.filter(|r| !r.is_empty()) {
            pending.merge(r.clone());
        }
        let mut counts = self.counts.clone();
        let mut added: Vec<(&str, u64)> = Vec::new();
        let mut still_rare: Vec<(&str, u64)> = Vec::new();
        for (word, c) in pending.sorted_items() {
            match self.get(word) {
                Some(i) => counts[i as usize] = counts[i as usize].saturating_add(c),
                None if c >= cfg.min_count => added.push((word, c)),
                None => still_rare.push((word, c)),
            }
        }
        if let Some(max) = cfg.max_final_vocab {
            let room = max.saturating_sub(self.len()).min(added.len());
            let cut = added.split_off(room);
            still_rare.splice(0..0, cut);
        }
        if let Some(max) = max_vocab_size {
            still_rare.truncate(max);
        }
        let mut left_out = WordCounts::new(None);
        for &(w, c) in &still_rare {
            left_out.add_str(w, c);
        }
        let mut words = self.words.clone();
        for &(w, c) in &added {
            words.push(w);
            counts.push(c);
        }
        let (index, _) = build_index(&words, &self.hasher);
        let vocab = Vocab {
            words,
            counts,
            index: index.into(),
            hasher: self.hasher,
            corpus_words: new.total_words,
            corpus_sentences: new.sentences,
            effective_min_count: self.effective_min_count,
        };
        Grown {
            vocab,
            rare: left_out,
            added: added.len(),
        }
    }
}

/// What [`Vocab::grow`] returns.
#[derive(Debug)]
pub struct Grown {
    /// The vocabulary: the old words in their old order, then the new ones.
    pub vocab: Vocab,
    /// The counts of the words still left out.
    pub rare: WordCounts,
    /// How many words were appended.
    pub added: usize,
}

impl VocabConfig {
    /// Checks the domain of each setting.
    ///
    /// # Errors
    /// `InvalidParameter` naming `min_count` or `max_final_vocab`.
    pub fn validate(&self) -> Result<()> {
        if self.min_count == 0 {
            return Err(EmbedError::param(
                "min_count",
                "must be an integer >= 1, got 0",
            ));
        }
        if self.max_final_vocab == Some(0) {
            return Err(EmbedError::param(
                "max_final_vocab",
                "must be an integer >= 1, got 0",
            ));
        }
        Ok(())
    }
}

impl Default for VocabConfig {
    /// `min_count=5` and no `max_final_vocab`, as gensim.
    fn default() -> Self {
        VocabConfig {
            min_count: 5,
            max_final_vocab: None,
        }
    }
}

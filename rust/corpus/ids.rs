//! The in-memory corpus of word ids, built in one pass from sentences handed over in batches
//! (a Python iterable, a Dask partition) while their words are counted.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use crate::error::{EmbedError, Result};
use crate::text::{tokenize, SentenceBatch};
use crate::vocab::{Vocab, VocabConfig, WordCounts};

/// In-memory corpus of word ids, built once from a Python iterable (or any token source).
#[derive(Debug, Clone, Default)]
pub struct IdCorpus {
    /// In-vocabulary ids of all sentences, concatenated.
    pub(super) tokens: Vec<u32>,
    /// End offset (into `tokens`) of each sentence.
    pub(super) ends: Vec<usize>,
    /// Raw token count of each sentence (before out-of-vocabulary words were dropped).
    pub(super) raw: Vec<u32>,
    /// Sentence ranges that make up one unit of work.
    pub(super) chunks: Vec<(usize, usize)>,
}

impl IdCorpus {
    /// Number of sentences.
    pub fn n_sentences(&self) -> usize {
        self.ends.len()
    }

    /// Number of in-vocabulary tokens stored.
    pub fn n_tokens(&self) -> usize {
        self.tokens.len()
    }

    /// Raw tokens (including out-of-vocabulary ones) in one pass.
    pub fn raw_words(&self) -> u64 {
        self.raw.iter().map(|&r| r as u64).sum()
    }

    pub(super) fn sentence(&self, i: usize) -> &[u32] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.tokens[start..self.ends[i]]
    }
}

/// Accumulates sentences into an [`IdCorpus`] while counting words, in one pass.
///
/// Words get provisional ids as they appear; [`IdCorpusBuilder::finish`] builds the
/// vocabulary from the counts and rewrites the ids, dropping words below `min_count`.
pub struct IdCorpusBuilder {
    interner: HashTable<u32>,
    hasher: FxBuildHasher,
    words: Vec<String>,
    counts: Vec<u64>,
    live: usize,
    min_reduce: u64,
    max_vocab_size: Option<usize>,
    max_sentence_length: usize,
    tokens: Vec<u32>,
    ends: Vec<usize>,
    total_words: u64,
    long_sentences: u64,
    long_tokens: u64,
    prunes: u64,
    /// With [`IdCorpusBuilder::track_sentences`]: per sentence added by `add_batch`, its
    /// token count and the number of pieces (`ends`) once it was added.
    sentence_marks: Option<Vec<(u64, usize)>>,
}

impl std::fmt::Debug for IdCorpusBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdCorpusBuilder")
            .field("words", &self.words.len())
            .field("tokens", &self.tokens.len())
            .finish()
    }
}

impl IdCorpusBuilder {
    /// A new, empty builder.
    pub fn new(max_vocab_size: Option<usize>, max_sentence_length: usize) -> Self {
        IdCorpusBuilder {
            interner: HashTable::new(),
            hasher: FxBuildHasher,
            words: Vec::new(),
            counts: Vec::new(),
            live: 0,
            min_reduce: 1,
            max_vocab_size,
            max_sentence_length: max_sentence_length.max(1),
            tokens: Vec::new(),
            ends: Vec::new(),
            total_words: 0,
            long_sentences: 0,
            long_tokens: 0,
            prunes: 0,
            sentence_marks: None,
        }
    }

    /// Remembers where each sentence given to [`IdCorpusBuilder::add_batch`] ends, so that
    /// [`IdCorpusBuilder::finish_slices`] can cut the corpus between sentences.
    pub fn track_sentences(mut self) -> Self {
        self.sentence_marks = Some(Vec::new());
        self
    }

    /// Adds one sentence given as tokens (bytes; invalid UTF-8 is replaced).
    ///
    /// # Errors
    /// `Memory`, naming the size, if the corpus held in memory cannot grow.
    pub fn add_sentence<'a>(&mut self, tokens: impl IntoIterator<Item = &'a [u8]>) -> Result<()> {
        let mut n_in_piece = 0usize;
        let mut split = false;
        for tok in tokens {
            if n_in_piece == self.max_sentence_length {
                room(
                    &mut self.ends,
                    "the sentence ends of the corpus held in memory",
                )?;
                self.ends.push(self.tokens.len());
                n_in_piece = 0;
                split = true;
            }
            let id = match std::str::from_utf8(tok) {
                Ok(s) => self.intern(s)?,
                Err(_) => self.intern(&String::from_utf8_lossy(tok))?,
            };
            room(&mut self.tokens, "the corpus held in memory (word ids)")?;
            self.tokens.push(id);
            n_in_piece += 1;
            self.total_words += 1;
        }
        if n_in_piece > 0 {
            room(
                &mut self.ends,
                "the sentence ends of the corpus held in memory",
            )?;
            self.ends.push(self.tokens.len());
        }
        if split {
            self.long_sentences += 1;
        }
        Ok(())
    }

    /// Adds every sentence of a batch (empty tokens, which only a token list can hold, are
    /// skipped).
    ///
    /// # Errors
    /// As [`IdCorpusBuilder::add_sentence`].
    pub fn add_batch(&mut self, batch: &SentenceBatch) -> Result<()> {
        for i in 0..batch.len() {
            self.add_sentence(
                batch
                    .sentence(i)
                    .map(str::as_bytes)
                    .filter(|t| !t.is_empty()),
            )?;
            if let Some(marks) = &mut self.sentence_marks {
                room(marks, "the sentence marks of a replica's corpus")?;
                marks.push((batch.token_range(i).len() as u64, self.ends.len()));
            }
        }
        Ok(())
    }

    /// Adds one sentence given as a line of text (split like a corpus file line).
    ///
    /// # Errors
    /// As [`IdCorpusBuilder::add_sentence`].
    pub fn add_line(&mut self, line: &[u8]) -> Result<()> {
        self.add_sentence(tokenize(line))
    }

    /// Counts the lines and tokens a reader cut before handing its pieces over.
    pub fn note_cuts(&mut self, cuts: crate::reader::Cuts) {
        self.long_sentences += cuts.long_lines;
        self.long_tokens += cuts.long_tokens;
    }

    /// Raw tokens seen so far.
    pub fn total_words(&self) -> u64 {
        self.total_words
    }

    fn intern(&mut self, word: &str) -> Result<u32> {
        let h = self.hasher.hash_one(word.as_bytes());
        let words = &self.words;
        if let Some(&id) = self.interner.find(h, |&id| words[id as usize] == word) {
            let c = &mut self.counts[id as usize];
            if *c == 0 {
                self.live += 1;
            }
            *c += 1;
            if *c == 1 {
                self.maybe_prune();
            }
            return Ok(id);
        }
        let id = self.words.len() as u32;
        let oom = |bytes: usize| EmbedError::Memory {
            bytes: bytes as u128,
            what: format!("the words of the corpus held in memory ({} words)", id),
        };
        let mut owned = String::new();
        owned
            .try_reserve_exact(word.len())
            .map_err(|_| oom(word.len()))?;
        owned.push_str(word);
        room(&mut self.words, "the words of the corpus held in memory")?;
        room(
            &mut self.counts,
            "the word counts of the corpus held in memory",
        )?;
        let hasher = &self.hasher;
        {
            let words = &self.words;
            self.interner
                .try_reserve(1, |&i| hasher.hash_one(words[i as usize].as_bytes()))
                .map_err(|_| oom(self.interner.capacity().saturating_mul(8)))?;
        }
        self.words.push(owned);
        let (words, hasher) = (&self.words, &self.hasher);
        self.interner
            .insert_unique(h, id, |&i| hasher.hash_one(words[i as usize].as_bytes()));
        self.counts.push(1);
        self.live += 1;
        self.maybe_prune();
        Ok(id)
    }

    fn maybe_prune(&mut self) {
        let Some(max) = self.max_vocab_size else {
            return;
        };
        while self.live > max {
            let threshold = self.min_reduce;
            for c in self.counts.iter_mut() {
                if *c > 0 && *c <= threshold {
                    *c = 0;
                    self.live -= 1;
                }
            }
            self.min_reduce += 1;
            self.prunes += 1;
        }
    }

    /// The counts gathered so far, as a mergeable [`WordCounts`].
    pub fn word_counts(&self) -> WordCounts {
        let mut wc = WordCounts::new(None);
        for (w, &c) in self.words.iter().zip(&self.counts) {
            if c > 0 {
                wc.add_str(w, c);
            }
        }
        wc.total_words = self.total_words;
        wc.sentences = self.ends.len() as u64;
        wc.long_sentences = self.long_sentences;
        wc.long_tokens = self.long_tokens;
        wc.prunes = self.prunes;
        wc
    }

    /// Builds the vocabulary and the id corpus (words below `min_count` are dropped).
    ///
    /// # Errors
    /// As [`Vocab::from_counts`].
    pub fn finish(self, cfg: VocabConfig) -> Result<(Vocab, IdCorpus, WordCounts)> {
        let counts = self.word_counts();
        let vocab = Vocab::from_counts(counts.clone(), cfg)?;
        let corpus = self.finish_with(&vocab);
        Ok((vocab, corpus, counts))
    }

    /// Builds the id corpus against an existing vocabulary (words outside it are dropped,
    /// but still counted as raw words for progress).
    pub fn finish_with(self, vocab: &Vocab) -> IdCorpus {
        let remap: Vec<u32> = self
            .words
            .iter()
            .map(|w| vocab.get(w).unwrap_or(u32::MAX))
            .collect();
        let mut tokens = self.tokens;
        let mut ends = Vec::with_capacity(self.ends.len());
        let mut raw = Vec::with_capacity(self.ends.len());
        let mut write = 0usize;
        let mut read = 0usize;
        for &end in &self.ends {
            raw.push((end - read) as u32);
            while read < end {
                let id = remap[tokens[read] as usize];
                if id != u32::MAX {
                    tokens[write] = id;
                    write += 1;
                }
                read += 1;
            }
            ends.push(write);
        }
        tokens.truncate(write);
        tokens.shrink_to_fit();
        let mut corpus = IdCorpus {
            tokens,
            ends,
            raw,
            chunks: Vec::new(),
        };
        corpus.chunks = make_chunks(&corpus.raw, CHUNK_WORDS);
        corpus
    }
}

/// Makes room for one more element of `v` (growing it as `push` would), or a `Memory` error
/// naming `what` and the bytes asked for, instead of aborting the process.
fn room<T>(v: &mut Vec<T>, what: &str) -> Result<()> {
    if v.len() < v.capacity() {
        return Ok(());
    }
    v.try_reserve(1).map_err(|_| EmbedError::Memory {
        bytes: (v.capacity().max(4) as u128 * 2) * std::mem::size_of::<T>() as u128,
        what: what.to_owned(),
    })
}

impl IdCorpusBuilder {
    /// Ends the pass with an existing vocabulary and cuts the corpus into `n` slices of
    /// about equal token counts, between sentences (the sentences given to `add_batch`, in
    /// order; needs [`IdCorpusBuilder::track_sentences`]). Slice `k` starts at the first
    /// sentence whose running token count reaches `k / n` of the total, so a slice can be
    /// empty when one sentence spans several targets.
    pub fn finish_slices(mut self, vocab: &Vocab, n: usize) -> Vec<IdCorpus> {
        let marks = self.sentence_marks.take().unwrap_or_default();
        let whole = self.finish_with(vocab);
        let n = n.max(1);
        let mut cum = Vec::with_capacity(marks.len());
        let mut acc = 0u64;
        for &(tokens, _) in &marks {
            acc += tokens;
            cum.push(acc);
        }
        let total = acc;
        let mut bounds = vec![0usize];
        for k in 1..n {
            let target = (total as u128 * k as u128) as f64 / n as f64;
            bounds.push(cum.partition_point(|&c| (c as f64) < target));
        }
        bounds.push(marks.len());
        let piece_end = |sentence: usize| {
            if sentence == 0 {
                0
            } else {
                marks[sentence - 1].1
            }
        };
        bounds
            .windows(2)
            .map(|w| whole.slice(piece_end(w[0]), piece_end(w[1])))
            .collect()
    }
}

impl IdCorpus {
    /// Sentences (pieces) `start..end` as a corpus of their own.
    fn slice(&self, start: usize, end: usize) -> IdCorpus {
        let first = if start == 0 { 0 } else { self.ends[start - 1] };
        let last = if end == 0 { 0 } else { self.ends[end - 1] };
        let raw = self.raw[start..end].to_vec();
        IdCorpus {
            tokens: self.tokens[first..last].to_vec(),
            ends: self.ends[start..end].iter().map(|e| e - first).collect(),
            chunks: make_chunks(&raw, CHUNK_WORDS),
            raw,
        }
    }
}

/// Raw words per unit of work of an id corpus.
const CHUNK_WORDS: u64 = 1 << 16;

fn make_chunks(raw: &[u32], target: u64) -> Vec<(usize, usize)> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut acc = 0u64;
    for (i, &r) in raw.iter().enumerate() {
        acc += r as u64;
        if acc >= target {
            chunks.push((start, i + 1));
            start = i + 1;
            acc = 0;
        }
    }
    if start < raw.len() {
        chunks.push((start, raw.len()));
    }
    chunks
}

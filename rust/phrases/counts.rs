//! Counting unigrams and phrases with gensim's rules, exactly, with any number of threads.

use std::sync::Arc;

use super::table::{
    sentence_keys, shard_of, KeyList, Setup, Shard, KIND_BIT, N_SHARDS, PARALLEL_MIN_TOKENS,
};
use super::{
    can_pass, contains, hash, python_split_ends, sort_phrases, Connectors, ScoreParams,
    SentenceBatch, DEFAULT_MAX_VOCAB_SIZE, ENGLISH_CONNECTOR_WORDS,
};
use crate::cancel::Interrupt;
use crate::corpus::FileCorpus;
use crate::error::{EmbedError, Result};
use crate::reader::{LineBatches, TextFile};

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

/// Unigram and phrase counts as gensim's `Phrases.vocab`, plus the corpus word count.
#[derive(Clone)]
pub struct PhraseCounts {
    pub(super) setup: Arc<Setup>,
    shards: Vec<Shard>,
    pub(super) n_keys: usize,
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
    pub(super) fn get_bytes(&self, key: &[u8]) -> u64 {
        let h = hash(key);
        let kind = contains(key, self.setup.delimiter.as_bytes()) as usize;
        self.shards[shard_of(h)].get(h, key, kind)
    }

    /// Iterates over `(key, count)` in arbitrary order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.slots()
            .map(|(k, c)| (std::str::from_utf8(k).unwrap_or(""), c))
    }

    pub(super) fn slots(&self) -> impl Iterator<Item = (&[u8], u64)> {
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

    /// Counts text files (plain or compressed; one sentence per line, tokens split on ASCII
    /// whitespace, lines longer than `max_sentence_length` tokens cut into pieces as
    /// gensim's `LineSentence` cuts them) in order, with `n_threads` threads (see
    /// [`PhraseCounts::add_batch`]); one more thread reads and splits the text ahead of the
    /// counting. The calling thread polls `interrupt` between batches.
    ///
    /// # Errors
    /// `Io` naming a file that cannot be read or that changed while it was read;
    /// `Cancelled` when interrupted (the counts so far are kept).
    pub fn count_files(
        &mut self,
        corpus: &FileCorpus,
        n_threads: usize,
        max_sentence_length: usize,
        interrupt: &Interrupt,
    ) -> Result<()> {
        let files = corpus.files();
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<SentenceBatch>>(1);
        let reading = interrupt.clone();
        std::thread::scope(|s| {
            let reader = std::thread::Builder::new().spawn_scoped(s, move || {
                let sent = read_batches(files, max_sentence_length, &reading, |b| {
                    tx.send(Ok(b)).is_ok()
                });
                if let Err(e) = sent {
                    let _ = tx.send(Err(e));
                }
            });
            if reader.is_err() {
                // No thread for reading ahead (the closure, and with it the sender, is
                // gone): read and count in turn on this thread.
                drop(rx);
                return read_batches(files, max_sentence_length, interrupt, |b| {
                    self.add_batch(&b, n_threads);
                    true
                });
            }
            for b in rx {
                // On a stop, the reader sees the flag at its next batch and stops too.
                interrupt.check()?;
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
}

/// Bytes of whole lines read from a file per batch.
const READ_CHUNK: usize = 4 << 20;

/// Reads `files` in order as batches of ~4 MiB of whole lines split into sentences, and
/// hands each to `f` (which returns false to stop).
fn read_batches(
    files: &[TextFile],
    max_sentence_length: usize,
    interrupt: &Interrupt,
    mut f: impl FnMut(SentenceBatch) -> bool,
) -> Result<()> {
    let mut lines = LineBatches::new(
        files.to_vec(),
        READ_CHUNK,
        max_sentence_length,
        interrupt.clone(),
    );
    let mut buf = Vec::with_capacity(READ_CHUNK + (1 << 16));
    while lines.next_batch(&mut buf)? {
        let mut batch = SentenceBatch::new();
        for line in buf.split(|&b| b == b'\n') {
            batch.push_line(line);
        }
        if !batch.is_empty() && !f(batch) {
            break;
        }
    }
    Ok(())
}

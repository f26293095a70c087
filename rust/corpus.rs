//! Corpus input: tokenisation, file feeds split by byte ranges, gzip streams, and the
//! in-memory id corpus built once from Python iterables.
//!
//! A line is a sentence. Tokens are maximal runs of bytes that are not ASCII whitespace
//! (space, `\t`, `\n`, `\r`, form feed), the rule word2vec.c uses; Unicode spaces such as
//! U+00A0 stay inside tokens. Bytes that are not valid UTF-8 are replaced by U+FFFD (as
//! Python's `errors="replace"` does), so a damaged file never stops a run and the vocabulary
//! stays valid UTF-8. A sentence longer than `max_sentence_length` tokens is cut into pieces
//! of that length; context windows do not cross pieces.
//!
//! Plain files are cut into ~1 MiB byte ranges; a range owns every line that *starts* inside
//! it, so workers can take ranges in any order with no reader thread in between. Gzip files
//! cannot be split, so workers take turns reading ~1 MiB of whole lines from one shared
//! decoder (decompressing is much faster than training, so the lock is rarely contended).
//!
//! Each file's size and modification time are recorded when it is opened (just before it is
//! counted). The trainer checks them before every epoch and a range that ends early is an
//! error, so a file that changes under a run is reported, never silently trained on.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use flate2::read::MultiGzDecoder;
use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use crate::error::{EmbedError, Result};
use crate::vocab::{LookupKey, Vocab, VocabConfig, WordCounts};

/// Default for `max_sentence_length` (gensim's limit; word2vec.c uses 1000).
pub const DEFAULT_MAX_SENTENCE_LENGTH: usize = 10_000;

/// How many tokens ahead of its lookup a token's index slot is prefetched.
const LOOKAHEAD: usize = 8;

/// Target size of one unit of work read from a file.
const BATCH_BYTES: u64 = 1 << 20;

/// Splits a line into tokens on ASCII whitespace.
#[inline]
pub fn tokenize(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|b| b.is_ascii_whitespace())
        .filter(|t| !t.is_empty())
}

#[derive(Debug, Clone)]
struct FileInfo {
    path: PathBuf,
    /// Size when opened (for gzip, of the compressed file): plain files are split by it.
    len: u64,
    /// Modification time when opened, where the platform gives one.
    modified: Option<std::time::SystemTime>,
    gzip: bool,
}

impl FileInfo {
    /// An `Io` error saying that the file is no longer what was counted.
    fn changed(&self, what: String) -> EmbedError {
        EmbedError::io(
            &self.path,
            std::io::Error::other(format!(
                "{what}; the vocabulary and the learning-rate schedule come from the content \
                 that was counted, so training on the new content would be silently wrong: \
                 leave corpus files unchanged while a model trains, then fit again"
            )),
        )
    }
}

/// One or more text files (plain or gzip, detected by their magic bytes).
#[derive(Debug, Clone)]
pub struct FileCorpus {
    files: Vec<FileInfo>,
}

impl FileCorpus {
    /// Checks that every path is a readable regular file and notes which are gzip.
    ///
    /// # Errors
    /// `Io` naming the first path that is missing, a directory, or unreadable.
    pub fn open<P: AsRef<Path>>(paths: &[P]) -> Result<FileCorpus> {
        if paths.is_empty() {
            return Err(EmbedError::param("corpus", "no file given"));
        }
        let mut files = Vec::with_capacity(paths.len());
        for p in paths {
            let path = p.as_ref().to_path_buf();
            let meta = std::fs::metadata(&path).map_err(|e| EmbedError::io(&path, e))?;
            if meta.is_dir() {
                return Err(EmbedError::io(
                    &path,
                    std::io::Error::new(
                        std::io::ErrorKind::IsADirectory,
                        "is a directory, expected a text file",
                    ),
                ));
            }
            let mut magic = [0u8; 2];
            let mut f = File::open(&path).map_err(|e| EmbedError::io(&path, e))?;
            let n = read_up_to(&mut f, &mut magic).map_err(|e| EmbedError::io(&path, e))?;
            let gzip = n == 2 && magic == [0x1f, 0x8b];
            files.push(FileInfo {
                path,
                len: meta.len(),
                modified: meta.modified().ok(),
                gzip,
            });
        }
        Ok(FileCorpus { files })
    }

    /// The files' paths.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|f| f.path.as_path())
    }

    /// Total size on disk.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.len).sum()
    }

    /// Checks that every file still has the size (for gzip, the compressed size) and
    /// modification time it had when the corpus was opened and counted. The trainer calls it
    /// at the start of each epoch.
    ///
    /// # Errors
    /// `Io` naming the first file that changed (or can no longer be read), with both sizes.
    pub fn check_unchanged(&self) -> Result<()> {
        for f in &self.files {
            let meta = std::fs::metadata(&f.path).map_err(|e| EmbedError::io(&f.path, e))?;
            let what = if f.gzip { "compressed bytes" } else { "bytes" };
            if meta.len() != f.len {
                return Err(f.changed(format!(
                    "changed since it was counted ({} {what}, now {})",
                    f.len,
                    meta.len()
                )));
            }
            if let (Some(then), Ok(now)) = (f.modified, meta.modified()) {
                if then != now {
                    return Err(f.changed(format!(
                        "changed since it was counted (same size, {} {what}, but modified again)",
                        f.len
                    )));
                }
            }
        }
        Ok(())
    }

    fn tasks(&self) -> Vec<Task> {
        let mut tasks = Vec::new();
        for (i, f) in self.files.iter().enumerate() {
            if f.gzip {
                tasks.push(Task::Stream {
                    file: i,
                    state: Mutex::new(StreamState::NotOpened),
                });
            } else {
                let mut start = 0;
                while start < f.len {
                    let end = (start + BATCH_BYTES).min(f.len);
                    tasks.push(Task::Range {
                        file: i,
                        start,
                        end,
                    });
                    start = end;
                }
            }
        }
        tasks
    }
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

enum StreamState {
    NotOpened,
    Open {
        reader: Box<BufReader<MultiGzDecoder<File>>>,
        batches: u64,
    },
    Done,
}

enum Task {
    Range {
        file: usize,
        start: u64,
        end: u64,
    },
    Stream {
        file: usize,
        state: Mutex<StreamState>,
    },
}

/// In-memory corpus of word ids, built once from a Python iterable (or any token source).
#[derive(Debug, Clone, Default)]
pub struct IdCorpus {
    /// In-vocabulary ids of all sentences, concatenated.
    tokens: Vec<u32>,
    /// End offset (into `tokens`) of each sentence.
    ends: Vec<usize>,
    /// Raw token count of each sentence (before out-of-vocabulary words were dropped).
    raw: Vec<u32>,
    /// Sentence ranges that make up one unit of work.
    chunks: Vec<(usize, usize)>,
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

    fn sentence(&self, i: usize) -> &[u32] {
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
    prunes: u64,
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
            prunes: 0,
        }
    }

    /// Adds one sentence given as tokens (bytes; invalid UTF-8 is replaced).
    pub fn add_sentence<'a>(&mut self, tokens: impl IntoIterator<Item = &'a [u8]>) {
        let mut n_in_piece = 0usize;
        let mut split = false;
        for tok in tokens {
            if n_in_piece == self.max_sentence_length {
                self.ends.push(self.tokens.len());
                n_in_piece = 0;
                split = true;
            }
            let id = match std::str::from_utf8(tok) {
                Ok(s) => self.intern(s),
                Err(_) => self.intern(&String::from_utf8_lossy(tok)),
            };
            self.tokens.push(id);
            n_in_piece += 1;
            self.total_words += 1;
        }
        if n_in_piece > 0 {
            self.ends.push(self.tokens.len());
        }
        if split {
            self.long_sentences += 1;
        }
    }

    /// Adds one sentence given as a line of text (split like a corpus file line).
    pub fn add_line(&mut self, line: &[u8]) {
        self.add_sentence(tokenize(line));
    }

    /// Raw tokens seen so far.
    pub fn total_words(&self) -> u64 {
        self.total_words
    }

    fn intern(&mut self, word: &str) -> u32 {
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
            return id;
        }
        let id = self.words.len() as u32;
        self.words.push(word.to_owned());
        let (words, hasher) = (&self.words, &self.hasher);
        self.interner
            .insert_unique(h, id, |&i| hasher.hash_one(words[i as usize].as_bytes()));
        self.counts.push(1);
        self.live += 1;
        self.maybe_prune();
        id
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
        corpus.chunks = make_chunks(&corpus.raw, 1 << 16);
        corpus
    }
}

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

/// What a training or counting run reads from.
#[derive(Debug, Clone, Copy)]
pub enum CorpusRef<'a> {
    /// Text files streamed from disk each pass.
    Files(&'a FileCorpus),
    /// Ids held in memory.
    Ids(&'a IdCorpus),
}

/// One pass over a corpus, shared by the workers of that pass.
pub struct Feed<'a> {
    corpus: CorpusRef<'a>,
    tasks: Vec<Task>,
    next: AtomicUsize,
}

/// A worker's current unit of work.
#[derive(Default)]
pub struct Batch {
    bytes: Vec<u8>,
    ids: Option<(usize, usize)>,
    sentence: Vec<u32>,
}

impl<'a> Feed<'a> {
    /// Starts a pass.
    pub fn new(corpus: CorpusRef<'a>) -> Feed<'a> {
        let tasks = match corpus {
            CorpusRef::Files(f) => f.tasks(),
            CorpusRef::Ids(_) => Vec::new(),
        };
        Feed {
            corpus,
            tasks,
            next: AtomicUsize::new(0),
        }
    }

    /// Fills `batch` with the next unit of work; returns an id that is the same for the same
    /// unit in every pass (used to seed the worker's random numbers), or `None` at the end.
    ///
    /// # Errors
    /// `Io` if a file cannot be read.
    pub fn next_batch(&self, batch: &mut Batch) -> Result<Option<u64>> {
        match self.corpus {
            CorpusRef::Ids(c) => {
                let i = self.next.fetch_add(1, Ordering::Relaxed);
                Ok(c.chunks.get(i).map(|&r| {
                    batch.ids = Some(r);
                    i as u64
                }))
            }
            CorpusRef::Files(fc) => loop {
                let i = self.next.load(Ordering::Acquire);
                let Some(task) = self.tasks.get(i) else {
                    return Ok(None);
                };
                match task {
                    Task::Range { file, start, end } => {
                        if self
                            .next
                            .compare_exchange(i, i + 1, Ordering::AcqRel, Ordering::Relaxed)
                            .is_err()
                        {
                            continue;
                        }
                        read_range(&fc.files[*file], *start, *end, batch)?;
                        return Ok(Some(i as u64));
                    }
                    Task::Stream { file, state } => {
                        let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
                        let info = &fc.files[*file];
                        if let StreamState::NotOpened = *st {
                            let f = File::open(&info.path)
                                .map_err(|e| EmbedError::io(&info.path, e))?;
                            *st = StreamState::Open {
                                reader: Box::new(BufReader::with_capacity(
                                    1 << 16,
                                    MultiGzDecoder::new(f),
                                )),
                                batches: 0,
                            };
                        }
                        if let StreamState::Open { reader, batches } = &mut *st {
                            batch.ids = None;
                            batch.bytes.clear();
                            let mut eof = false;
                            while (batch.bytes.len() as u64) < BATCH_BYTES {
                                let n = reader
                                    .read_until(b'\n', &mut batch.bytes)
                                    .map_err(|e| EmbedError::io(&info.path, e))?;
                                if n == 0 {
                                    eof = true;
                                    break;
                                }
                            }
                            let id = ((i as u64) << 32) | *batches;
                            *batches += 1;
                            if eof {
                                *st = StreamState::Done;
                            }
                            if !batch.bytes.is_empty() {
                                return Ok(Some(id));
                            }
                        }
                        drop(st);
                        let _ = self.next.compare_exchange(
                            i,
                            i + 1,
                            Ordering::AcqRel,
                            Ordering::Relaxed,
                        );
                    }
                }
            },
        }
    }
}

/// Reads the lines that start in `[start, end)` of a plain file into `batch`.
///
/// # Errors
/// `Io` if the file cannot be read, or ends before `end` (it shrank since it was opened).
fn read_range(info: &FileInfo, start: u64, end: u64, batch: &mut Batch) -> Result<()> {
    let path = info.path.as_path();
    let io = |e| EmbedError::io(path, e);
    let shrank = |pos: u64| {
        info.changed(format!(
            "changed while it was read (it had {} bytes when counted, now ends at byte {pos})",
            info.len
        ))
    };
    batch.ids = None;
    batch.bytes.clear();
    let mut f = File::open(path).map_err(io)?;
    let seek_to = start.saturating_sub(1);
    f.seek(SeekFrom::Start(seek_to)).map_err(io)?;
    let mut r = BufReader::with_capacity(1 << 16, f);
    let mut pos = seek_to;
    if start > 0 {
        // Skip the tail of the line that started before `start` (if any): the range
        // before ours owns it. Reading from start-1 makes "a line starts exactly at
        // start" come out as an empty skip. The skip never goes past `end`: a range that
        // lies inside one long line owns nothing (without this bound, every range of a
        // 100 MB single-line file would scan to its end).
        loop {
            let buf = r.fill_buf().map_err(io)?;
            if buf.is_empty() {
                return Err(shrank(pos));
            }
            let room = (end - pos) as usize;
            let window = &buf[..buf.len().min(room)];
            match memchr::memchr(b'\n', window) {
                Some(i) => {
                    r.consume(i + 1);
                    pos += i as u64 + 1;
                    break;
                }
                None => {
                    let k = window.len();
                    r.consume(k);
                    pos += k as u64;
                    if pos >= end {
                        return Ok(());
                    }
                }
            }
        }
    }
    while pos < end {
        let n = r.read_until(b'\n', &mut batch.bytes).map_err(io)?;
        if n == 0 {
            return Err(shrank(pos));
        }
        pos += n as u64;
    }
    Ok(())
}

impl Batch {
    /// Calls `f(ids, raw_words)` for each sentence piece of the batch: the in-vocabulary ids
    /// in order, and the number of raw tokens the piece covered.
    #[inline(always)]
    pub fn for_each_sentence(
        &mut self,
        corpus: CorpusRef<'_>,
        vocab: &Vocab,
        max_sentence_length: usize,
        mut f: impl FnMut(&[u32], u64),
    ) {
        match (corpus, self.ids) {
            (CorpusRef::Ids(c), Some((s, e))) => {
                for i in s..e {
                    f(c.sentence(i), c.raw[i] as u64);
                }
            }
            _ => {
                let max = max_sentence_length.max(1);
                let sentence = &mut self.sentence;
                let mut tokens: Vec<(&[u8], LookupKey)> = Vec::with_capacity(256);
                for line in self.bytes.split(|&b| b == b'\n') {
                    // The lookups of a line are independent: each token's index slot is
                    // requested LOOKAHEAD tokens before it is read, so their cache misses
                    // overlap instead of following one another.
                    tokens.clear();
                    tokens.extend(tokenize(line).map(|t| (t, vocab.key(t))));
                    for &(_, k) in tokens.iter().take(LOOKAHEAD) {
                        vocab.prefetch(k);
                    }
                    sentence.clear();
                    let mut raw = 0usize;
                    for (i, &(tok, key)) in tokens.iter().enumerate() {
                        if let Some(&(_, ahead)) = tokens.get(i + LOOKAHEAD) {
                            vocab.prefetch(ahead);
                        }
                        if raw == max {
                            f(sentence, raw as u64);
                            sentence.clear();
                            raw = 0;
                        }
                        raw += 1;
                        if let Some(id) = vocab.get_keyed(tok, key) {
                            sentence.push(id);
                        }
                    }
                    if raw > 0 {
                        f(sentence, raw as u64);
                    }
                }
            }
        }
    }

    /// Calls `f(tokens)` for each non-empty line of a file batch (used when counting).
    fn for_each_line(&self, mut f: impl FnMut(&[u8])) {
        for line in self.bytes.split(|&b| b == b'\n') {
            if line.iter().any(|b| !b.is_ascii_whitespace()) {
                f(line);
            }
        }
    }
}

/// Counts the words of text files with `n_threads` threads (one pass). A thread the
/// operating system refuses is replaced by the calling thread (`threads::run_all`): the
/// count is the same, only slower.
///
/// # Errors
/// `Io` for unreadable files (or files that shrink while read).
pub fn count_files(
    corpus: &FileCorpus,
    n_threads: usize,
    max_vocab_size: Option<usize>,
    max_sentence_length: usize,
) -> Result<WordCounts> {
    let feed = Feed::new(CorpusRef::Files(corpus));
    let max = max_sentence_length.max(1);
    // Set when a reader fails: the others stop at their next batch.
    let stop = AtomicBool::new(false);
    // More threads than units of work would only wait.
    let n_threads = n_threads.clamp(1, feed.tasks.len().max(1));
    let (feed, stop) = (&feed, &stop);
    // Every task takes batches from the same feed until it is empty, so however many of
    // them run at once (one, if no thread could start) all the text is counted once.
    let count = move || -> Result<WordCounts> {
        let mut counts = WordCounts::new(max_vocab_size);
        let mut batch = Batch::default();
        while !stop.load(Ordering::Relaxed) {
            match feed.next_batch(&mut batch) {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => {
                    stop.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            }
            batch.for_each_line(|line| {
                let before = counts.total_words;
                for tok in tokenize(line) {
                    counts.add_token(tok);
                }
                let n = counts.total_words - before;
                if n > 0 {
                    counts.sentences += n.div_ceil(max as u64);
                    if n > max as u64 {
                        counts.long_sentences += 1;
                    }
                }
            });
        }
        Ok(counts)
    };
    let results = crate::threads::run_all(vec![count; n_threads]);
    let mut total = WordCounts::new(max_vocab_size);
    for r in results {
        total.merge(r?);
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Write;

    fn write_tmp(content: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(content).unwrap();
        f.flush().unwrap();
        f
    }

    fn read_all_lines(fc: &FileCorpus, vocab: &Vocab, threads: usize) -> Vec<(Vec<u32>, u64)> {
        let feed = Feed::new(CorpusRef::Files(fc));
        let out = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    let mut b = Batch::default();
                    while let Some(id) = feed.next_batch(&mut b).unwrap() {
                        let mut local = Vec::new();
                        b.for_each_sentence(CorpusRef::Files(fc), vocab, 10_000, |ids, raw| {
                            local.push((ids.to_vec(), raw))
                        });
                        out.lock().unwrap().push((id, local));
                    }
                });
            }
        });
        let mut v = out.into_inner().unwrap();
        v.sort_by_key(|x| x.0);
        v.into_iter().flat_map(|x| x.1).collect()
    }

    #[test]
    fn tokenize_splits_on_ascii_whitespace_only() {
        let toks: Vec<_> = tokenize(b" a\tb\r\nc\xc2\xa0d  ").collect();
        assert_eq!(toks, vec![&b"a"[..], b"b", b"c\xc2\xa0d"]);
    }

    #[test]
    fn every_line_is_read_exactly_once_across_range_boundaries() {
        // Lines of varying length so that 1 MiB boundaries fall everywhere.
        let mut text = Vec::new();
        let mut expected = 0u64;
        for i in 0..60_000u64 {
            let n = 1 + (i * 7919) % 13;
            for j in 0..n {
                text.extend_from_slice(format!("w{} ", (i + j) % 50).as_bytes());
            }
            expected += n;
            text.push(b'\n');
        }
        let f = write_tmp(&text);
        let fc = FileCorpus::open(&[f.path()]).unwrap();
        let counts = count_files(&fc, 2, None, 10_000).unwrap();
        assert_eq!(counts.total_words, expected);
        assert_eq!(counts.sentences, 60_000);
        let vocab = Vocab::from_counts(
            counts,
            VocabConfig {
                min_count: 1,
                max_final_vocab: None,
            },
        )
        .unwrap();
        let lines = read_all_lines(&fc, &vocab, 2);
        assert_eq!(lines.len(), 60_000);
        assert_eq!(lines.iter().map(|l| l.1).sum::<u64>(), expected);
    }

    #[test]
    fn gzip_is_read_like_plain_text() {
        let text = b"the cat sat\non the mat\nno newline at end";
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(text).unwrap();
        let gz = write_tmp(&enc.finish().unwrap());
        let plain = write_tmp(text);
        let a = count_files(&FileCorpus::open(&[gz.path()]).unwrap(), 2, None, 100).unwrap();
        let b = count_files(&FileCorpus::open(&[plain.path()]).unwrap(), 2, None, 100).unwrap();
        assert_eq!(a.total_words, 10);
        assert_eq!(a.total_words, b.total_words);
        assert_eq!(a.get("the"), 2);
        assert_eq!(a.sentences, 3);
    }

    #[test]
    fn truncated_gzip_is_an_io_error() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for i in 0..10_000 {
            enc.write_all(format!("line {i} of text\n").as_bytes())
                .unwrap();
        }
        let bytes = enc.finish().unwrap();
        let gz = write_tmp(&bytes[..bytes.len() / 2]);
        let e = count_files(&FileCorpus::open(&[gz.path()]).unwrap(), 1, None, 100).unwrap_err();
        assert!(matches!(e, EmbedError::Io { .. }), "{e:?}");
    }

    #[test]
    fn missing_file_and_directory_are_named() {
        let e = FileCorpus::open(&["/nonexistent/x.txt"]).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/x.txt"));
        let d = tempfile::tempdir().unwrap();
        let e = FileCorpus::open(&[d.path()]).unwrap_err();
        assert!(e.to_string().contains("directory"), "{e}");
    }

    #[test]
    fn changed_files_are_detected() {
        let text = b"the cat sat\non the mat\n".repeat(100);
        // Plain: same size but a new modification time.
        let f = write_tmp(&text);
        let fc = FileCorpus::open(&[f.path()]).unwrap();
        fc.check_unchanged().unwrap();
        let later = std::fs::metadata(f.path()).unwrap().modified().unwrap()
            + std::time::Duration::from_secs(5);
        f.as_file().set_modified(later).unwrap();
        let e = fc.check_unchanged().unwrap_err().to_string();
        assert!(e.contains("changed since it was counted (same size"), "{e}");
        // Gzip: the compressed size is compared.
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&text).unwrap();
        let gz = write_tmp(&enc.finish().unwrap());
        let fc = FileCorpus::open(&[gz.path()]).unwrap();
        let n = gz.as_file().metadata().unwrap().len();
        gz.as_file().set_len(n + 3).unwrap();
        let e = fc.check_unchanged().unwrap_err().to_string();
        assert!(
            e.contains(&format!(
                "changed since it was counted ({n} compressed bytes, now {})",
                n + 3
            )),
            "{e}"
        );
        // Removed.
        drop(gz);
        let e = fc.check_unchanged().unwrap_err();
        assert!(
            matches!(&e, EmbedError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound),
            "{e:?}"
        );
    }

    #[test]
    fn a_file_that_shrinks_while_read_is_an_error() {
        let text = b"a b c d e f g h\n".repeat(200_000); // 3.2 MB: several ranges
        let f = write_tmp(&text);
        let fc = FileCorpus::open(&[f.path()]).unwrap();
        let feed = Feed::new(CorpusRef::Files(&fc));
        let mut b = Batch::default();
        feed.next_batch(&mut b).unwrap().unwrap();
        f.as_file().set_len(1_500_000).unwrap();
        let e = loop {
            match feed.next_batch(&mut b) {
                Ok(Some(_)) => {}
                Ok(None) => panic!("the shrunk file was read to the end without an error"),
                Err(e) => break e.to_string(),
            }
        };
        assert!(
            e.contains(&format!(
                "changed while it was read (it had {} bytes when counted, now ends at byte",
                text.len()
            )),
            "{e}"
        );
        assert!(e.contains(&f.path().display().to_string()), "{e}");
    }

    #[test]
    fn long_sentences_are_split_not_truncated() {
        let line: String = (0..25).map(|i| format!("w{} ", i % 3)).collect();
        let f = write_tmp(line.as_bytes());
        let fc = FileCorpus::open(&[f.path()]).unwrap();
        let counts = count_files(&fc, 1, None, 10).unwrap();
        assert_eq!(counts.long_sentences, 1);
        assert_eq!(counts.sentences, 3);
        let vocab = Vocab::from_counts(
            counts,
            VocabConfig {
                min_count: 1,
                max_final_vocab: None,
            },
        )
        .unwrap();
        let feed = Feed::new(CorpusRef::Files(&fc));
        let mut b = Batch::default();
        feed.next_batch(&mut b).unwrap().unwrap();
        let mut pieces = Vec::new();
        b.for_each_sentence(CorpusRef::Files(&fc), &vocab, 10, |ids, raw| {
            pieces.push((ids.len(), raw))
        });
        assert_eq!(pieces, vec![(10, 10), (10, 10), (5, 5)]);
    }

    #[test]
    fn id_corpus_drops_rare_words_but_keeps_raw_counts() {
        let mut b = IdCorpusBuilder::new(None, 10_000);
        b.add_line(b"a b a c");
        b.add_line(b"  ");
        b.add_line(b"a b z");
        let (v, c, counts) = b
            .finish(VocabConfig {
                min_count: 2,
                max_final_vocab: None,
            })
            .unwrap();
        assert_eq!(v.words(), ["a", "b"]);
        assert_eq!(counts.total_words, 7);
        assert_eq!(c.n_sentences(), 2);
        assert_eq!(c.raw_words(), 7);
        assert_eq!(c.sentence(0), &[0, 1, 0]);
        assert_eq!(c.sentence(1), &[0, 1]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Reading a file by ranges and building an id corpus from the same lines see the same
        /// sentences, whatever bytes the file holds.
        #[test]
        fn file_and_id_paths_agree(lines in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..60)) {
            let mut text = Vec::new();
            for l in &lines {
                text.extend(l.iter().map(|&b| if b == b'\n' { b' ' } else { b }));
                text.push(b'\n');
            }
            let f = write_tmp(&text);
            let fc = FileCorpus::open(&[f.path()]).unwrap();
            let counts = count_files(&fc, 2, None, 7).unwrap();
            let mut builder = IdCorpusBuilder::new(None, 7);
            for line in text.split(|&b| b == b'\n') {
                builder.add_line(line);
            }
            prop_assert_eq!(builder.total_words(), counts.total_words);
            if counts.is_empty() {
                return Ok(());
            }
            let cfg = VocabConfig { min_count: 1, max_final_vocab: None };
            let (v2, ids, _) = builder.finish(cfg).unwrap();
            let v1 = Vocab::from_counts(counts, cfg).unwrap();
            prop_assert_eq!(v1.words(), v2.words());
            let from_file = read_all_lines(&fc, &v1, 1);
            let from_ids: Vec<(Vec<u32>, u64)> = (0..ids.n_sentences()).map(|i| (ids.sentence(i).to_vec(), ids.raw[i] as u64)).collect();
            // The file reader splits long lines with the same rule as the builder.
            let file_split: Vec<(Vec<u32>, u64)> = from_file;
            prop_assert_eq!(file_split, from_ids);
        }
    }
}

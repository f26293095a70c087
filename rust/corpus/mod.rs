//! Corpus input: text files read by byte ranges or as streams ([`files`]), the in-memory id
//! corpus built once from Python iterables ([`ids`]), counting ([`count`]), and the [`Feed`]
//! that hands units of work to training threads, from the text or, after the first epoch, from
//! the id cache ([`cache`]).
//!
//! Tokens are split by [`crate::text::tokenize`]. Bytes that are not valid UTF-8 are replaced
//! by U+FFFD (as Python's `errors="replace"` does), so a damaged file never stops a run and
//! the vocabulary stays valid UTF-8. A sentence longer than `max_sentence_length` tokens is
//! cut into pieces of that length; context windows do not cross pieces.
//!
//! Each file's size and modification time are recorded when it is opened (just before it is
//! counted). The trainer checks them before every epoch and a range that ends early is an
//! error, so a file that changes under a run is reported, never silently trained on.

pub mod cache;
mod count;
mod files;
mod ids;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

pub use crate::text::{tokenize, DEFAULT_MAX_SENTENCE_LENGTH};
pub use cache::{IdCache, IdCacheWriter};
pub use count::{count_files, count_files_with};
pub use files::FileCorpus;
pub use ids::{IdCorpus, IdCorpusBuilder};

use crate::error::Result;
use crate::reader::Cuts;
use crate::vocab::{LookupKey, Vocab};
use files::{Resume, Task};

/// How many tokens ahead of its lookup a token's index slot is prefetched.
const LOOKAHEAD: usize = 8;

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
    /// Ranges that stopped inside a long line, taken before new tasks.
    resume: Mutex<VecDeque<Resume>>,
    max_tokens: usize,
    /// The first epoch of a run with an id cache: each file unit's sentences are recorded.
    writer: Option<&'a IdCacheWriter>,
    /// A later epoch of such a run: the units come from the cache, not the text.
    cache: Option<&'a IdCache>,
}

/// A worker's current unit of work.
#[derive(Default)]
pub struct Batch {
    pub(crate) bytes: Vec<u8>,
    pub(crate) ids: Option<(usize, usize)>,
    sentence: Vec<u32>,
    /// Lines and tokens the reader cut while filling the batch (accumulated).
    pub(crate) cuts: Cuts,
    /// The id-cache record of this unit: being written (`recording`), or read (`cached`).
    record: Vec<u32>,
    /// The unit being recorded: its id, and whether its sentences have been gone through.
    recording: Option<(u64, bool)>,
    /// The batch holds a unit read from the id cache (in `record`).
    cached: bool,
}

impl<'a> Feed<'a> {
    /// Starts a pass; file lines are cut into pieces of at most `max_sentence_length`
    /// tokens as they are read (the pieces training makes anyway), so memory stays bounded.
    pub fn new(corpus: CorpusRef<'a>, max_sentence_length: usize) -> Feed<'a> {
        let tasks = match corpus {
            CorpusRef::Files(f) => f.tasks(),
            CorpusRef::Ids(_) => Vec::new(),
        };
        Feed {
            corpus,
            tasks,
            next: AtomicUsize::new(0),
            resume: Mutex::new(VecDeque::new()),
            max_tokens: max_sentence_length.max(1),
            writer: None,
            cache: None,
        }
    }

    /// [`Feed::new`] over a file corpus, recording each unit's sentences in `writer` (every
    /// unit the feed hands out must be gone through with [`Batch::for_each_sentence`]).
    pub fn recording(
        corpus: CorpusRef<'a>,
        max_sentence_length: usize,
        writer: &'a IdCacheWriter,
    ) -> Feed<'a> {
        Feed {
            writer: Some(writer),
            ..Feed::new(corpus, max_sentence_length)
        }
    }

    /// A pass that hands out the units of `cache`, in the order they were recorded.
    pub fn from_cache(corpus: CorpusRef<'a>, cache: &'a IdCache) -> Feed<'a> {
        Feed {
            corpus,
            tasks: Vec::new(),
            next: AtomicUsize::new(0),
            resume: Mutex::new(VecDeque::new()),
            max_tokens: 1,
            writer: None,
            cache: Some(cache),
        }
    }

    /// Hands the unit `batch` recorded to the writer: the unit before the one `next_batch` is
    /// about to give it.
    fn flush_record(&self, batch: &mut Batch) {
        if let (Some(w), Some((id, done))) = (self.writer, batch.recording.take()) {
            if done {
                w.append(id, &batch.record);
            } else {
                w.abandon();
            }
        }
    }

    fn push_resume(&self, r: Resume) {
        self.resume
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back(r);
    }

    /// Fills `batch` with the next unit of work; returns an id that is the same for the same
    /// unit in every pass (used to seed the worker's random numbers), or `None` at the end.
    ///
    /// # Errors
    /// `Io` if a file cannot be read.
    pub fn next_batch(&self, batch: &mut Batch) -> Result<Option<u64>> {
        self.flush_record(batch);
        batch.cached = false;
        if let Some(cache) = self.cache {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            let unit = cache.read(i, &mut batch.record)?;
            batch.cached = unit.is_some();
            return Ok(unit);
        }
        let unit = self.next_unit(batch)?;
        if let (Some(_), Some(id)) = (self.writer, unit) {
            batch.record.clear();
            batch.recording = Some((id, false));
        }
        Ok(unit)
    }

    fn next_unit(&self, batch: &mut Batch) -> Result<Option<u64>> {
        match self.corpus {
            CorpusRef::Ids(c) => {
                let i = self.next.fetch_add(1, Ordering::Relaxed);
                Ok(c.chunks.get(i).map(|&r| {
                    batch.ids = Some(r);
                    i as u64
                }))
            }
            CorpusRef::Files(fc) => {
                let resumed = self
                    .resume
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .pop_front();
                if let Some(r) = resumed {
                    let Task::Range { file, start, end } = self.tasks[r.task] else {
                        unreachable!("only ranges resume");
                    };
                    let info = &fc.files[file];
                    let more = files::read_range(
                        info,
                        start,
                        end,
                        self.max_tokens,
                        Some((r.pos, r.line)),
                        batch,
                    )?;
                    if let Some((pos, line)) = more {
                        self.push_resume(Resume {
                            part: r.part + 1,
                            pos,
                            line,
                            ..r
                        });
                    }
                    return Ok(Some(r.id()));
                }
                loop {
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
                            let more = files::read_range(
                                &fc.files[*file],
                                *start,
                                *end,
                                self.max_tokens,
                                None,
                                batch,
                            )?;
                            if let Some((pos, line)) = more {
                                self.push_resume(Resume {
                                    task: i,
                                    part: 1,
                                    pos,
                                    line,
                                });
                            }
                            return Ok(Some(i as u64));
                        }
                        Task::Stream { file, state } => {
                            let info = &fc.files[*file];
                            if let Some(id) =
                                files::read_stream(info, i, state, self.max_tokens, batch)?
                            {
                                return Ok(Some(id));
                            }
                            let _ = self.next.compare_exchange(
                                i,
                                i + 1,
                                Ordering::AcqRel,
                                Ordering::Relaxed,
                            );
                        }
                    }
                }
            }
        }
    }
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
        // The cache's two paths call `f` through `dyn`, once per sentence piece: the text
        // path keeps the only inlined copy of the (large) training step.
        if self.cached {
            replay(&self.record, &mut f);
            return;
        }
        match (corpus, self.ids) {
            (CorpusRef::Ids(c), Some((s, e))) => {
                for i in s..e {
                    f(c.sentence(i), c.raw[i] as u64);
                }
            }
            _ => {
                let max = max_sentence_length.max(1);
                if let Some((unit, _)) = self.recording {
                    let record = &mut self.record;
                    let mut recorded = |ids: &[u32], raw: u64| {
                        // raw <= max_sentence_length, which the trainer keeps under 2^32
                        // when it records.
                        record.extend_from_slice(&[raw as u32, ids.len() as u32]);
                        record.extend_from_slice(ids);
                        f(ids, raw)
                    };
                    let f: &mut dyn FnMut(&[u32], u64) = &mut recorded;
                    read_lines(&self.bytes, &mut self.sentence, vocab, max, f);
                    self.recording = Some((unit, true));
                } else {
                    read_lines(&self.bytes, &mut self.sentence, vocab, max, f);
                }
            }
        }
    }

    /// Calls `f(tokens)` for each non-empty line of a file batch (used when counting).
    pub(crate) fn for_each_line(&self, mut f: impl FnMut(&[u8])) {
        for line in self.bytes.split(|&b| b == b'\n') {
            if line.iter().any(|b| !b.is_ascii_whitespace()) {
                f(line);
            }
        }
    }
}

/// Calls `f(ids, raw_words)` for each sentence piece of the text `bytes` (see
/// [`Batch::for_each_sentence`]); `sentence` is the buffer of the current piece.
#[inline(always)]
fn read_lines(
    bytes: &[u8],
    sentence: &mut Vec<u32>,
    vocab: &Vocab,
    max: usize,
    mut f: impl FnMut(&[u32], u64),
) {
    let mut tokens: Vec<(&[u8], LookupKey)> = Vec::with_capacity(256);
    for line in bytes.split(|&b| b == b'\n') {
        // The lookups of a line are independent: each token's index slot is requested
        // LOOKAHEAD tokens before it is read, so their cache misses overlap instead of
        // following one another.
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

/// Calls `f(ids, raw_words)` for each sentence piece of an id-cache record.
fn replay(record: &[u32], f: &mut dyn FnMut(&[u32], u64)) {
    let mut rest = record;
    while let [raw, n, tail @ ..] = rest {
        let n = (*n as usize).min(tail.len());
        f(&tail[..n], *raw as u64);
        rest = &tail[n..];
    }
}

//! Corpus input: text files read by byte ranges or as streams ([`files`]), the in-memory id
//! corpus built once from Python iterables ([`ids`]), counting ([`count`]), and the [`Feed`]
//! that hands units of work to training threads.
//!
//! Tokens are split by [`crate::text::tokenize`]. Bytes that are not valid UTF-8 are replaced
//! by U+FFFD (as Python's `errors="replace"` does), so a damaged file never stops a run and
//! the vocabulary stays valid UTF-8. A sentence longer than `max_sentence_length` tokens is
//! cut into pieces of that length; context windows do not cross pieces.
//!
//! Each file's size and modification time are recorded when it is opened (just before it is
//! counted). The trainer checks them before every epoch and a range that ends early is an
//! error, so a file that changes under a run is reported, never silently trained on.

mod count;
mod files;
mod ids;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

pub use crate::text::{tokenize, DEFAULT_MAX_SENTENCE_LENGTH};
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
}

/// A worker's current unit of work.
#[derive(Default)]
pub struct Batch {
    pub(crate) bytes: Vec<u8>,
    pub(crate) ids: Option<(usize, usize)>,
    sentence: Vec<u32>,
    /// Lines and tokens the reader cut while filling the batch (accumulated).
    pub(crate) cuts: Cuts,
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
    pub(crate) fn for_each_line(&self, mut f: impl FnMut(&[u8])) {
        for line in self.bytes.split(|&b| b == b'\n') {
            if line.iter().any(|b| !b.is_ascii_whitespace()) {
                f(line);
            }
        }
    }
}

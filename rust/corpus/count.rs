//! Counting the words of corpus files, in parallel.

use super::{Batch, CorpusRef, Feed, FileCorpus};
use crate::cancel::Interrupt;
use crate::error::Result;
use crate::text::tokenize;
use crate::vocab::WordCounts;

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
    count_files_with(
        corpus,
        n_threads,
        max_vocab_size,
        max_sentence_length,
        &Interrupt::never(),
    )
}

/// [`count_files`], stopping when `interrupt` asks (the calling thread counts too, and polls
/// it between batches).
///
/// # Errors
/// As [`count_files`], and `Cancelled`.
pub fn count_files_with(
    corpus: &FileCorpus,
    n_threads: usize,
    max_vocab_size: Option<usize>,
    max_sentence_length: usize,
    interrupt: &Interrupt,
) -> Result<WordCounts> {
    let feed = Feed::new(CorpusRef::Files(corpus), max_sentence_length);
    let max = max_sentence_length.max(1);
    // More threads than units of work would only wait.
    let n_threads = n_threads.clamp(1, feed.tasks.len().max(1));
    let feed = &feed;
    // Every task takes batches from the same feed until it is empty, so however many of
    // them run at once (one, if no thread could start) all the text is counted once. A task
    // that fails asks the others to stop, through the interrupt's flag.
    let count = move || -> Result<WordCounts> {
        let mut counts = WordCounts::new(max_vocab_size);
        let mut batch = Batch::default();
        loop {
            interrupt.check()?;
            match feed.next_batch(&mut batch) {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => {
                    interrupt.request();
                    return Err(e);
                }
            }
            let mut grown = Ok(());
            batch.for_each_line(|line| {
                let before = counts.total_words;
                for tok in tokenize(line) {
                    if grown.is_ok() {
                        grown = counts.add_token(tok);
                    }
                }
                let n = counts.total_words - before;
                if n > 0 {
                    counts.sentences += n.div_ceil(max as u64);
                    if n > max as u64 {
                        counts.long_sentences += 1;
                    }
                }
            });
            if let Err(e) = grown {
                interrupt.request();
                return Err(e);
            }
        }
        counts.long_sentences += batch.cuts.long_lines;
        counts.long_tokens += batch.cuts.long_tokens;
        Ok(counts)
    };
    let results = crate::threads::run_all_here(vec![count; n_threads]);
    let mut total = WordCounts::new(max_vocab_size);
    let mut first_error = None;
    for r in results {
        match r {
            Ok(c) => total.merge(c),
            // A reader's own error wins over the cancellation it caused in the others.
            Err(crate::EmbedError::Cancelled) => {
                first_error.get_or_insert(crate::EmbedError::Cancelled);
            }
            Err(e) => {
                if !matches!(first_error, Some(ref f) if !matches!(f, crate::EmbedError::Cancelled))
                {
                    first_error = Some(e);
                }
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(total),
    }
}

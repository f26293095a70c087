//! Counting the words of corpus files, in parallel.

use std::sync::atomic::{AtomicBool, Ordering};

use super::{Batch, CorpusRef, Feed, FileCorpus};
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

//! Counting batches on a background thread: the caller hands over a batch and goes on
//! reading the next one while the previous is counted, and the counts still come out in the
//! order of the batches (gensim's sentence order, pruning included).

use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;

use super::PhraseCounts;
use crate::error::{EmbedError, Result};
use crate::text::SentenceBatch;

enum State {
    Idle(Box<PhraseCounts>),
    Busy {
        tx: SyncSender<(SentenceBatch, usize)>,
        handle: JoinHandle<Option<PhraseCounts>>,
    },
    Broken,
}

/// Phrase counts fed batch by batch, counted on a background thread.
pub struct BackgroundCounter {
    state: State,
}

impl std::fmt::Debug for BackgroundCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.state {
            State::Idle(_) => "idle",
            State::Busy { .. } => "counting",
            State::Broken => "broken",
        };
        f.debug_struct("BackgroundCounter")
            .field("state", &state)
            .finish()
    }
}

impl BackgroundCounter {
    /// Counts that go on from `counts`.
    pub fn new(counts: PhraseCounts) -> BackgroundCounter {
        BackgroundCounter {
            state: State::Idle(Box::new(counts)),
        }
    }

    /// Hands over a batch to be counted with up to `n_threads` threads, after every batch
    /// handed over before. Blocks only while two batches are already waiting. The first
    /// batch starts the counting thread; if the operating system refuses it, the batch is
    /// counted here (slower, never lost).
    ///
    /// # Errors
    /// `State` if the counting thread died (the counts are lost).
    pub fn add_batch(&mut self, batch: SentenceBatch, n_threads: usize) -> Result<()> {
        if let State::Idle(_) = self.state {
            let State::Idle(counts) = std::mem::replace(&mut self.state, State::Broken) else {
                unreachable!("checked above")
            };
            let (tx, rx) = sync_channel::<(SentenceBatch, usize)>(2);
            // The counts go to the thread only once it has started, so that a thread the OS
            // refuses costs speed (counting on this thread instead), not the counts.
            let (give, take) = sync_channel::<Box<PhraseCounts>>(1);
            let spawned = std::thread::Builder::new()
                .name("embedrs-phrases".into())
                .spawn(move || {
                    let mut c = *take.recv().ok()?;
                    for (b, n) in rx {
                        c.add_batch(&b, n);
                    }
                    Some(c)
                });
            match spawned {
                Ok(handle) => {
                    // Cannot fail: the thread holds the receiver until it has the counts.
                    let _ = give.send(counts);
                    self.state = State::Busy { tx, handle };
                }
                Err(_) => {
                    let mut c = counts;
                    c.add_batch(&batch, n_threads);
                    self.state = State::Idle(c);
                    return Ok(());
                }
            }
        }
        let sent = match &self.state {
            State::Busy { tx, .. } => tx.send((batch, n_threads)).is_ok(),
            _ => false,
        };
        if !sent {
            self.counts()?;
        }
        Ok(())
    }

    /// Waits until every batch is counted and returns the counts (the counter stays usable).
    ///
    /// # Errors
    /// `State` if the counting thread died (the counts are lost).
    pub fn counts(&mut self) -> Result<&mut PhraseCounts> {
        if let State::Busy { .. } = self.state {
            let State::Busy { tx, handle } = std::mem::replace(&mut self.state, State::Broken)
            else {
                unreachable!("checked above")
            };
            drop(tx);
            match handle.join() {
                Ok(Some(c)) => self.state = State::Idle(Box::new(c)),
                Ok(None) | Err(_) => {
                    return Err(EmbedError::State(
                        "the phrase counting thread panicked; the counts are lost".into(),
                    ))
                }
            }
        }
        match &mut self.state {
            State::Idle(c) => Ok(c),
            _ => Err(EmbedError::State(
                "these phrase counts were lost (a counting thread failed)".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phrases::PhraseConfig;

    #[test]
    fn batches_are_counted_in_order_as_one_pass_would() {
        let mut direct = PhraseCounts::new(PhraseConfig::default()).unwrap();
        let mut counter = BackgroundCounter::new(direct.clone());
        for i in 0..20 {
            let mut b = SentenceBatch::new();
            for j in 0..50 {
                b.push_text(&format!("new york w{} x{}", i * j % 13, j % 5));
            }
            direct.add_batch(&b, 1);
            counter.add_batch(b, 2).unwrap();
        }
        let counted = counter.counts().unwrap();
        assert_eq!(counted.get("new_york"), direct.get("new_york"));
        assert_eq!(counted.len(), direct.len());
        assert_eq!(counted.corpus_word_count, direct.corpus_word_count);
    }
}

//! A model replica for synchronous data-parallel training (the Dask driver of the Python
//! package): each replica holds the whole model and its share of the corpus cut into one
//! slice per round; a round trains one slice, reports the rows it changed and by how much
//! ([`Replica::delta`]), and then takes the summed changes of every replica
//! ([`Replica::apply`]), so that all replicas hold the same weights after every round.

use std::sync::Arc;

use crate::corpus::{CorpusRef, IdCorpus};
use crate::error::{EmbedError, Result};
use crate::train::{self, ProgressSink, TrainConfig, TrainReport};
use crate::vocab::Vocab;

/// Rows of both matrices and how they changed: `d0` and `d1` hold one row of `dim` floats
/// per entry of `rows` (ascending).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowDelta {
    /// The rows that changed, ascending.
    pub rows: Vec<u32>,
    /// Their change in the input matrix, row-major.
    pub d0: Vec<f32>,
    /// Their change in the output matrix, row-major.
    pub d1: Vec<f32>,
}

/// One replica: the vocabulary, its slices, the weights, and the weights as of the last
/// synchronisation.
#[derive(Debug)]
pub struct Replica {
    vocab: Arc<Vocab>,
    slices: Vec<IdCorpus>,
    dim: usize,
    syn0: Vec<f32>,
    syn1: Vec<f32>,
    synced0: Vec<f32>,
    synced1: Vec<f32>,
}

impl Replica {
    /// A replica starting from `syn0`/`syn1` (which count as synchronised).
    ///
    /// # Errors
    /// `Dimension` if the matrices are not `vocab.len() x dim`.
    pub fn new(
        vocab: Arc<Vocab>,
        slices: Vec<IdCorpus>,
        dim: usize,
        syn0: Vec<f32>,
        syn1: Vec<f32>,
    ) -> Result<Replica> {
        let n = vocab.len() * dim;
        if syn0.len() != n || syn1.len() != n {
            return Err(EmbedError::Dimension(format!(
                "weights must be {} x {dim} (got {} and {} floats)",
                vocab.len(),
                syn0.len(),
                syn1.len()
            )));
        }
        Ok(Replica {
            synced0: syn0.clone(),
            synced1: syn1.clone(),
            vocab,
            slices,
            dim,
            syn0,
            syn1,
        })
    }

    /// Vector dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The number of slices (rounds per epoch).
    pub fn n_slices(&self) -> usize {
        self.slices.len()
    }

    /// Raw tokens of every slice together.
    pub fn raw_words(&self) -> u64 {
        self.slices.iter().map(IdCorpus::raw_words).sum()
    }

    /// The current weights.
    pub fn weights(&self) -> (&[f32], &[f32]) {
        (&self.syn0, &self.syn1)
    }

    /// Trains slice `index` for one pass with `cfg` (whose `epochs` should be 1 and whose
    /// `alpha`/`min_alpha` are the round's share of the global schedule).
    ///
    /// # Errors
    /// `InvalidParameter` naming `hs` for hierarchical softmax (not supported here),
    /// `IndexOutOfRange` for a slice that does not exist, else as [`train::train`].
    pub fn train_round(
        &mut self,
        index: usize,
        cfg: &TrainConfig,
        sink: &mut dyn ProgressSink,
    ) -> Result<TrainReport> {
        if cfg.hs {
            return Err(EmbedError::param(
                "hs",
                "hierarchical softmax (hs=1) is not supported by the distributed trainer: its \
                 replicas exchange the rows of the two matrices of negative sampling only; \
                 use hs=0 (negative sampling) or train on one machine",
            ));
        }
        let corpus = self.slices.get(index).ok_or(EmbedError::IndexOutOfRange {
            index: index as i64,
            len: self.slices.len(),
        })?;
        train::train(
            cfg,
            &self.vocab,
            CorpusRef::Ids(corpus),
            &mut self.syn0,
            &mut self.syn1,
            sink,
        )
    }

    /// The rows whose input or output vector changed since the last synchronisation, and
    /// by how much.
    pub fn delta(&self) -> RowDelta {
        let d = self.dim;
        let mut out = RowDelta::default();
        for r in 0..self.vocab.len() {
            let span = r * d..(r + 1) * d;
            let (a0, b0) = (&self.syn0[span.clone()], &self.synced0[span.clone()]);
            let (a1, b1) = (&self.syn1[span.clone()], &self.synced1[span]);
            if a0 != b0 || a1 != b1 {
                out.rows.push(r as u32);
                out.d0.extend(a0.iter().zip(b0).map(|(a, b)| a - b));
                out.d1.extend(a1.iter().zip(b1).map(|(a, b)| a - b));
            }
        }
        out
    }

    /// Synchronises: the weights become those of the last synchronisation plus `delta` (the
    /// summed changes of every replica in the round), which are then the new synchronised
    /// weights. An empty delta restores the last synchronised weights (to rerun a round).
    ///
    /// # Errors
    /// `Dimension` if the delta's shapes disagree, `IndexOutOfRange` for a row that does not
    /// exist; the replica is unchanged then.
    pub fn apply(&mut self, delta: &RowDelta) -> Result<()> {
        let d = self.dim;
        let n = delta.rows.len();
        if delta.d0.len() != n * d || delta.d1.len() != n * d {
            return Err(EmbedError::Dimension(format!("deltas must be ({n}, {d})")));
        }
        if let Some(&bad) = delta.rows.iter().find(|&&r| r as usize >= self.vocab.len()) {
            return Err(EmbedError::IndexOutOfRange {
                index: bad as i64,
                len: self.vocab.len(),
            });
        }
        for (k, &r) in delta.rows.iter().enumerate() {
            let span = r as usize * d..(r as usize + 1) * d;
            for (x, dx) in self.synced0[span.clone()]
                .iter_mut()
                .zip(&delta.d0[k * d..(k + 1) * d])
            {
                *x += dx;
            }
            for (x, dx) in self.synced1[span]
                .iter_mut()
                .zip(&delta.d1[k * d..(k + 1) * d])
            {
                *x += dx;
            }
        }
        self.syn0.copy_from_slice(&self.synced0);
        self.syn1.copy_from_slice(&self.synced1);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::IdCorpusBuilder;
    use crate::text::SentenceBatch;
    use crate::train::NoProgress;
    use crate::vocab::VocabConfig;

    fn replica() -> Replica {
        let mut batch = SentenceBatch::new();
        for i in 0..200 {
            batch.push_text(&format!("a b c d e w{}", i % 7));
        }
        let mut b = IdCorpusBuilder::new(None, 100).track_sentences();
        b.add_batch(&batch).unwrap();
        let vocab = Vocab::from_counts(
            b.word_counts(),
            VocabConfig {
                min_count: 1,
                max_final_vocab: None,
            },
        )
        .unwrap();
        let slices = b.finish_slices(&vocab, 4);
        assert_eq!(slices.len(), 4);
        // 200 sentences of 6 tokens: slice k starts at the sentence whose running count
        // reaches 300 k tokens (that sentence belongs to the slice it starts).
        assert_eq!(
            slices.iter().map(IdCorpus::n_sentences).collect::<Vec<_>>(),
            [49, 50, 50, 51]
        );
        let (syn0, syn1) = train::init_weights(&vocab, 4, 1).unwrap();
        Replica::new(Arc::new(vocab), slices, 4, syn0, syn1).unwrap()
    }

    #[test]
    fn a_round_then_its_delta_reproduces_the_weights() {
        let mut r = replica();
        let (before0, _) = r.weights();
        let before0 = before0.to_vec();
        let cfg = TrainConfig {
            vector_size: 4,
            epochs: 1,
            ..Default::default()
        };
        r.train_round(1, &cfg, &mut NoProgress).unwrap();
        let (after0, after1) = (r.weights().0.to_vec(), r.weights().1.to_vec());
        let delta = r.delta();
        assert!(!delta.rows.is_empty());
        // Rerun: an empty delta restores, the full delta gives the trained weights back.
        r.apply(&RowDelta::default()).unwrap();
        assert_eq!(r.weights().0, &before0[..]);
        r.apply(&delta).unwrap();
        for (a, b) in r.weights().0.iter().zip(&after0) {
            assert!((a - b).abs() < 1e-6);
        }
        for (a, b) in r.weights().1.iter().zip(&after1) {
            assert!((a - b).abs() < 1e-6);
        }
        assert!(r.delta().rows.is_empty());
        let bad = RowDelta {
            rows: vec![99],
            d0: vec![0.0; 4],
            d1: vec![0.0; 4],
        };
        assert!(matches!(
            r.apply(&bad),
            Err(EmbedError::IndexOutOfRange { .. })
        ));
        assert!(r.train_round(9, &cfg, &mut NoProgress).is_err());
    }
}

//! Trained vectors: the word table plus a `V x d` float32 matrix (owned or memory-mapped),
//! batched nearest-neighbour search, and the file formats ([`formats`]).

pub mod formats;
mod pooling;
mod similarity;
pub mod storage;

use std::sync::Arc;

use crate::lazy::Lazy;

pub use formats::atomic_write;
pub use pooling::{DocIds, Pooling};
pub use similarity::gemm_abt;
pub use storage::Storage;

use crate::error::{EmbedError, Result};
use crate::vocab::Vocab;

/// The word vectors of a model trained with `output_weight` ([`crate::train::TrainConfig`]):
/// `syn0 + output_weight * syn1neg`, element by element in `f32` (no fused multiply-add, so
/// numpy's `syn0 + np.float32(w) * syn1neg` gives the same bits). A weight of 0 copies `syn0`.
///
/// # Panics
/// If the matrices differ in size (callers pass the two matrices of one model).
pub fn word_vectors(syn0: &[f32], syn1neg: &[f32], output_weight: f64) -> Vec<f32> {
    assert_eq!(syn0.len(), syn1neg.len(), "the two matrices of one model");
    let w = output_weight as f32;
    if w == 0.0 {
        return syn0.to_vec();
    }
    syn0.iter().zip(syn1neg).map(|(a, b)| a + w * b).collect()
}

/// Words and their vectors (row `i` is word `i`).
#[derive(Debug)]
pub struct KeyedVectors {
    vocab: Arc<Vocab>,
    dim: usize,
    vectors: Storage,
    unit: Lazy<Vec<f32>>,
}

impl Clone for KeyedVectors {
    fn clone(&self) -> Self {
        KeyedVectors {
            vocab: self.vocab.clone(),
            dim: self.dim,
            vectors: Storage::Owned(self.vectors().to_vec()),
            unit: Lazy::new(),
        }
    }
}

impl KeyedVectors {
    /// Wraps a vocabulary and a row-major matrix of `vocab.len() * dim` floats.
    ///
    /// # Errors
    /// `Dimension` if the sizes disagree.
    pub fn new(vocab: impl Into<Arc<Vocab>>, dim: usize, vectors: Vec<f32>) -> Result<Self> {
        Self::with_storage(vocab, dim, Storage::Owned(vectors))
    }

    /// Like [`KeyedVectors::new`] with any storage (e.g. a memory map).
    ///
    /// # Errors
    /// `Dimension` if the sizes disagree.
    pub fn with_storage(
        vocab: impl Into<Arc<Vocab>>,
        dim: usize,
        vectors: Storage,
    ) -> Result<Self> {
        let vocab = vocab.into();
        let n = vectors.as_slice().len();
        if dim == 0 || n != vocab.len() * dim {
            return Err(EmbedError::Dimension(format!(
                "{} words x {dim} dimensions need {} floats, got {n}",
                vocab.len(),
                vocab.len() * dim,
            )));
        }
        Ok(KeyedVectors {
            vocab,
            dim,
            vectors,
            unit: Lazy::new(),
        })
    }

    /// The vocabulary (shared).
    pub fn vocab_arc(&self) -> &Arc<Vocab> {
        &self.vocab
    }

    /// The vocabulary.
    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// Vector dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.vocab.len()
    }

    /// True if there is no word.
    pub fn is_empty(&self) -> bool {
        self.vocab.is_empty()
    }

    /// The whole matrix, row-major.
    pub fn vectors(&self) -> &[f32] {
        self.vectors.as_slice()
    }

    /// True if the matrix is memory-mapped from a file.
    pub fn is_mapped(&self) -> bool {
        self.vectors.is_mapped()
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.vectors()[i * self.dim..(i + 1) * self.dim]
    }

    /// The rows scaled to unit length (zero rows stay zero); computed once.
    pub fn unit_vectors(&self) -> &[f32] {
        self.unit.get_or_init(|| {
            let mut u = self.vectors().to_vec();
            for row in u.chunks_exact_mut(self.dim) {
                normalize(row);
            }
            u
        })
    }
}

pub(crate) fn normalize(row: &mut [f32]) {
    let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        row.iter_mut().for_each(|x| *x /= norm);
    }
}

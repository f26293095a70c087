//! Document vectors: the vectors of each document's known words pooled into one row.

use super::KeyedVectors;
use crate::error::{EmbedError, Result};
use crate::text::SentenceBatch;

/// How the vectors of a document's words are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    /// The (weighted) mean: divided by the number of words, or by the sum of their weights.
    Mean,
    /// The (weighted) sum.
    Sum,
    /// The element-wise maximum (of the weighted vectors).
    Max,
}

impl Pooling {
    /// Parses `"mean"`, `"sum"` or `"max"`.
    ///
    /// # Errors
    /// `InvalidParameter` naming `pooling` for anything else.
    pub fn parse(name: &str) -> Result<Pooling> {
        match name {
            "mean" => Ok(Pooling::Mean),
            "sum" => Ok(Pooling::Sum),
            "max" => Ok(Pooling::Max),
            other => Err(EmbedError::param(
                "pooling",
                format!("must be 'mean', 'sum' or 'max', got {other:?}"),
            )),
        }
    }
}

/// Documents as the ids of their known words: `ids[ends[i - 1]..ends[i]]` is document `i`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocIds {
    /// The ids of every document, concatenated.
    pub ids: Vec<u32>,
    /// The end of each document in `ids`.
    pub ends: Vec<usize>,
}

impl DocIds {
    /// Number of documents.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True if there is no document.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The ids of document `i`.
    pub fn doc(&self, i: usize) -> &[u32] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.ids[start..self.ends[i]]
    }
}

impl KeyedVectors {
    /// The rows of the known words of each document (unknown words are skipped).
    pub fn doc_ids(&self, docs: &SentenceBatch) -> DocIds {
        let vocab = self.vocab();
        let mut out = DocIds {
            ids: Vec::with_capacity(docs.n_tokens()),
            ends: Vec::with_capacity(docs.len()),
        };
        for i in 0..docs.len() {
            out.ids
                .extend(docs.sentence(i).filter_map(|t| vocab.get(t)));
            out.ends.push(out.ids.len());
        }
        out
    }

    /// One row per document (`docs.len() x dim`, row-major) pooling the vectors of its words
    /// by `mode`; `weights` (one per word of the vocabulary) scale each word's vector first,
    /// and a weighted mean divides by the sum of the weights. Returns the rows and the number
    /// of documents without a known word, whose rows are zeros.
    ///
    /// # Errors
    /// `Dimension` if `weights` does not have one value per word.
    pub fn pool(
        &self,
        docs: &DocIds,
        mode: Pooling,
        weights: Option<&[f32]>,
    ) -> Result<(Vec<f32>, usize)> {
        if let Some(w) = weights {
            if w.len() != self.len() {
                return Err(EmbedError::Dimension(format!(
                    "{} weights for {} words",
                    w.len(),
                    self.len()
                )));
            }
        }
        let d = self.dim();
        let n = docs.len();
        let mut out = vec![0f32; n * d];
        let mut empty = 0;
        for (r, dst) in out.chunks_exact_mut(d).enumerate() {
            let ids = docs.doc(r);
            if ids.is_empty() {
                empty += 1;
                continue;
            }
            if mode == Pooling::Max {
                dst.fill(f32::NEG_INFINITY);
            }
            let mut total = 0f32;
            for &id in ids {
                let w = weights.map_or(1.0, |w| w[id as usize]);
                total += w;
                let row = self.row(id as usize);
                if mode == Pooling::Max {
                    for (o, x) in dst.iter_mut().zip(row) {
                        *o = o.max(w * x);
                    }
                } else {
                    for (o, x) in dst.iter_mut().zip(row) {
                        *o += w * x;
                    }
                }
            }
            if mode == Pooling::Mean && total > 0.0 {
                let inv = 1.0 / total;
                dst.iter_mut().for_each(|x| *x *= inv);
            }
        }
        Ok((out, empty))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::Vocab;

    #[test]
    fn pooling_modes_and_unknown_words() {
        let vocab = Vocab::from_sorted(vec![("a".into(), 2), ("b".into(), 1)]).unwrap();
        let kv = KeyedVectors::new(vocab, 2, vec![1.0, 0.0, 0.0, 2.0]).unwrap();
        let mut docs = SentenceBatch::new();
        docs.push_text("a b zzz");
        docs.push_text("zzz");
        docs.push_token("b");
        docs.end_sentence();
        let ids = kv.doc_ids(&docs);
        assert_eq!(ids.ends, [2, 2, 3]);
        let (mean, empty) = kv.pool(&ids, Pooling::Mean, None).unwrap();
        assert_eq!(mean, [0.5, 1.0, 0.0, 0.0, 0.0, 2.0]);
        assert_eq!(empty, 1);
        let (max, _) = kv.pool(&ids, Pooling::Max, Some(&[2.0, 1.0])).unwrap();
        assert_eq!(max, [2.0, 2.0, 0.0, 0.0, 0.0, 2.0]);
        let (sum, _) = kv.pool(&ids, Pooling::Sum, Some(&[2.0, 1.0])).unwrap();
        assert_eq!(sum, [2.0, 2.0, 0.0, 0.0, 0.0, 2.0]);
        assert!(kv.pool(&ids, Pooling::Sum, Some(&[1.0])).is_err());
        assert!(Pooling::parse("median").is_err());
    }
}

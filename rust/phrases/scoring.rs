//! gensim 4's phrase scoring functions and their parameters.

use crate::error::{EmbedError, Result};

/// The scoring functions of gensim 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scoring {
    /// `original_scorer`: `(count(ab) - min_count) / (count(a) * count(b)) * len_vocab`.
    Default,
    /// `npmi_scorer`: normalised pointwise mutual information, in [-1, 1].
    Npmi,
}

impl Scoring {
    /// Parses `"default"` or `"npmi"`.
    ///
    /// # Errors
    /// `InvalidParameter` naming `scoring` for anything else.
    pub fn parse(s: &str) -> Result<Scoring> {
        match s {
            "default" => Ok(Scoring::Default),
            "npmi" => Ok(Scoring::Npmi),
            other => Err(EmbedError::param(
                "scoring",
                format!("must be 'default' or 'npmi', got {other:?}"),
            )),
        }
    }

    /// The name [`Scoring::parse`] accepts.
    pub fn name(self) -> &'static str {
        match self {
            Scoring::Default => "default",
            Scoring::Npmi => "npmi",
        }
    }

    /// The score of a candidate, computed in the same floating-point steps as gensim.
    pub fn score(
        self,
        count_a: u64,
        count_b: u64,
        count_ab: u64,
        len_vocab: u64,
        min_count: u64,
        corpus_word_count: u64,
    ) -> f64 {
        match self {
            Scoring::Default => {
                let denom = count_a as u128 * count_b as u128;
                if denom == 0 {
                    return f64::NEG_INFINITY;
                }
                // Python: (bigram_count - min_count) / float(denom) * len_vocab
                (count_ab as i128 - min_count as i128) as f64 / denom as f64 * len_vocab as f64
            }
            Scoring::Npmi => {
                if count_ab < min_count {
                    return f64::NEG_INFINITY;
                }
                let n = corpus_word_count as f64;
                let pa = count_a as f64 / n;
                let pb = count_b as f64 / n;
                let pab = count_ab as f64 / n;
                let ratio = pab / (pa * pb);
                // gensim maps math.log's ValueError (a zero count) to -inf.
                if !ratio.is_finite() || ratio <= 0.0 || pab.is_nan() || pab <= 0.0 || pab >= 1.0 {
                    return f64::NEG_INFINITY;
                }
                ratio.ln() / -pab.ln()
            }
        }
    }
}

/// What turns counts into phrases (gensim's `min_count`, `threshold` and `scoring`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreParams {
    /// Used by the score: the default score subtracts it from the phrase count, npmi rejects
    /// phrases seen fewer times.
    pub min_count: u64,
    /// A candidate is a phrase when its score is strictly greater.
    pub threshold: f64,
    /// The scoring function.
    pub scoring: Scoring,
}

impl Default for ScoreParams {
    fn default() -> Self {
        ScoreParams {
            min_count: 5,
            threshold: 10.0,
            scoring: Scoring::Default,
        }
    }
}

impl ScoreParams {
    /// Checks the values with gensim's rules.
    ///
    /// # Errors
    /// `InvalidParameter` naming `min_count` (below 1) or `threshold` (not positive for the
    /// default score, outside [-1, 1] for npmi, or NaN).
    pub fn validate(&self) -> Result<()> {
        if self.min_count == 0 {
            return Err(EmbedError::param("min_count", "must be >= 1"));
        }
        let t = self.threshold;
        if t.is_nan() {
            return Err(EmbedError::param("threshold", "must be a number, got NaN"));
        }
        match self.scoring {
            Scoring::Default if t <= 0.0 => Err(EmbedError::param(
                "threshold",
                format!("must be > 0 for the default scoring, got {t}"),
            )),
            Scoring::Npmi if !(-1.0..=1.0).contains(&t) => Err(EmbedError::param(
                "threshold",
                format!("must be between -1 and 1 for npmi scoring, got {t}"),
            )),
            _ => Ok(()),
        }
    }
}

//! Random numbers and the two sampling tables of word2vec: negative sampling from the
//! unigram distribution raised to `ns_exponent`, and frequent-word subsampling.
//!
//! The generator is xoshiro256++ seeded through SplitMix64 (`rand_xoshiro`): a fixed,
//! documented algorithm, so a seed means the same stream in every release and on every
//! platform. Streams are derived from `(seed, purpose, index)` with SplitMix64 mixing, never
//! from Python's `hash`, so nothing depends on `PYTHONHASHSEED`.

use rand_core::{Rng, SeedableRng};

use crate::error::{EmbedError, Result};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator used everywhere.
#[derive(Clone)]
pub struct WordRng(Xoshiro256PlusPlus);

/// SplitMix64's output function, used to mix seeds.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl WordRng {
    /// A stream for `(seed, a, b)`, e.g. (seed, epoch, batch).
    pub fn derive(seed: u64, a: u64, b: u64) -> WordRng {
        WordRng(Xoshiro256PlusPlus::seed_from_u64(mix64(
            mix64(seed ^ mix64(a)) ^ b.wrapping_mul(0xd6e8_feb8_6659_fd93),
        )))
    }

    /// 64 random bits.
    #[inline(always)]
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// 32 random bits.
    #[inline(always)]
    pub fn next_u32(&mut self) -> u32 {
        (self.0.next_u64() >> 32) as u32
    }

    /// Uniform in `[0, n)` (Lemire's multiply-shift; `n` < 2^32).
    #[inline(always)]
    pub fn below(&mut self, n: u32) -> u32 {
        ((self.next_u32() as u64 * n as u64) >> 32) as u32
    }

    /// Uniform in `[0, 1)` with 24 bits.
    #[inline(always)]
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 * (1.0 / (1u32 << 24) as f32)
    }
}

/// Walker's alias table over the vocabulary: O(1) draws from `count^exponent`, 8 bytes per
/// word (so 61k words take 0.5 MB, against word2vec.c's 400 MB table and gensim's O(log V)
/// bisection).
#[derive(Debug, Clone)]
pub struct UnigramTable {
    /// `(threshold, alias)` per word: keep the drawn column if the 32-bit coin is below the
    /// threshold, otherwise take its alias.
    entries: Vec<(u32, u32)>,
}

impl UnigramTable {
    /// Builds the table for `counts[i]^exponent`. An exponent of 0 gives the uniform
    /// distribution; negative exponents favour rare words (as gensim allows).
    ///
    /// # Errors
    /// `InvalidParameter` naming `ns_exponent` if a weight `count^exponent` or their sum is
    /// not a finite positive number (e.g. `ns_exponent=1e6` overflows for any count above 1);
    /// `Dimension` for an empty vocabulary or one of 2^32 words or more.
    pub fn new(counts: &[u64], exponent: f64) -> Result<UnigramTable> {
        let n = counts.len();
        if n == 0 || n >= u32::MAX as usize {
            return Err(EmbedError::Dimension(format!(
                "the negative-sampling table needs 1 to {} words, got {n}",
                u32::MAX - 1
            )));
        }
        let weights: Vec<f64> = counts
            .iter()
            .map(|&c| (c.max(1) as f64).powf(exponent))
            .collect();
        let total: f64 = weights.iter().sum();
        let mut prob: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        if !(total.is_finite() && total > 0.0) || prob.iter().any(|p| !p.is_finite()) {
            let why = match weights.iter().position(|w| !w.is_finite()) {
                Some(i) => {
                    let c = counts[i].max(1);
                    format!(
                        "the word count {c} gets the weight {c}^{exponent} = {}",
                        weights[i]
                    )
                }
                None => format!("the weights count^{exponent} sum to {total}"),
            };
            return Err(EmbedError::param(
                "ns_exponent",
                format!(
                    "{exponent} cannot weight the negative samples: {why}, which is \
                     not a finite positive number; use an exponent closer to 0 (word2vec uses \
                     0.75)"
                ),
            ));
        }
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| prob[i] < 1.0);
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            alias[s] = l as u32;
            prob[l] -= 1.0 - prob[s];
            if prob[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Leftovers are 1 up to rounding.
        for i in small.into_iter().chain(large) {
            prob[i] = 1.0;
        }
        let entries = prob
            .iter()
            .zip(alias)
            .map(|(&p, a)| {
                let t = (p * 4_294_967_296.0).min(4_294_967_295.0) as u32;
                let t = if p >= 1.0 { u32::MAX } else { t };
                (t, a)
            })
            .collect();
        Ok(UnigramTable { entries })
    }

    /// Draws one word id.
    #[inline(always)]
    pub fn sample(&self, rng: &mut WordRng) -> u32 {
        let r = rng.next_u64();
        let col = self.column(r);
        let (threshold, alias) = self.entries[col];
        if (r as u32) < threshold || threshold == u32::MAX {
            col as u32
        } else {
            alias
        }
    }

    /// Asks for the table slot that [`UnigramTable::sample`] will read for the draw `rng`
    /// would make next, and advances `rng` past it: a hint for a copy of the generator run
    /// ahead of the real draws, with no effect on results.
    #[inline(always)]
    pub fn prefetch_draw(&self, rng: &mut WordRng) {
        if let Some(slot) = self.entries.get(self.column(rng.next_u64())) {
            crate::prefetch::prefetch_ref(slot);
        }
    }

    /// The slot a draw of the random bits `r` reads: the high 32 bits scaled to the table
    /// (`< len`, because `(x * len) >> 32 < len` for `x < 2^32`).
    #[inline(always)]
    fn column(&self, r: u64) -> usize {
        (((r >> 32) * self.entries.len() as u64) >> 32) as usize
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if empty (never, by construction).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Per-word keep thresholds for frequent-word subsampling, as 32-bit integers compared with
/// a 32-bit random number (keep if `rng < threshold`).
///
/// The keep probability is word2vec.c's and gensim's, not the NIPS paper's `1 - sqrt(t/f)`:
/// `p_keep = (sqrt(f / t) + 1) * t / f = sqrt(t/f) + t/f`, capped at 1, where `f` is the
/// word's share of the retained corpus. This is what both reference implementations ship and
/// what their published scores were measured with, so users comparing numbers get the same
/// corpus statistics. `sample <= 0` disables subsampling; `sample >= 1` is an absolute count
/// threshold (`t * N = sample`), as in gensim.
pub fn subsample_thresholds(counts: &[u64], sample: f64) -> Vec<u32> {
    let total: u64 = counts.iter().fold(0u64, |a, &c| a.saturating_add(c));
    if sample <= 0.0 || total == 0 {
        return vec![u32::MAX; counts.len()];
    }
    let threshold_count = if sample < 1.0 {
        sample * total as f64
    } else {
        sample
    };
    counts
        .iter()
        .map(|&c| {
            let c = c as f64;
            let p = ((c / threshold_count).sqrt() + 1.0) * (threshold_count / c);
            if p >= 1.0 {
                u32::MAX
            } else {
                (p * 4_294_967_296.0) as u32
            }
        })
        .collect()
}

/// The probability a threshold from [`subsample_thresholds`] keeps a word.
pub fn keep_probability(threshold: u32) -> f64 {
    if threshold == u32::MAX {
        1.0
    } else {
        threshold as f64 / 4_294_967_296.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_a_fixed_algorithm() {
        // Pinned values: if these change, seeded models change, which is a breaking change.
        let mut r = WordRng::derive(1, 0, 0);
        let a = r.next_u64();
        let mut r2 = WordRng::derive(1, 0, 0);
        assert_eq!(a, r2.next_u64());
        assert_ne!(a, WordRng::derive(2, 0, 0).next_u64());
        assert_ne!(a, WordRng::derive(1, 1, 0).next_u64());
        assert_ne!(a, WordRng::derive(1, 0, 1).next_u64());
        assert_eq!(mix64(0), 0xe220_a839_7b1d_cdaf);
    }

    #[test]
    fn alias_table_matches_the_unigram_power_distribution() {
        let counts = [1000u64, 300, 100, 30, 10, 3, 1];
        let table = UnigramTable::new(&counts, 0.75).unwrap();
        let mut rng = WordRng::derive(7, 0, 0);
        let n = 2_000_000;
        let mut hist = [0u64; 7];
        for _ in 0..n {
            hist[table.sample(&mut rng) as usize] += 1;
        }
        let w: Vec<f64> = counts.iter().map(|&c| (c as f64).powf(0.75)).collect();
        let z: f64 = w.iter().sum();
        for i in 0..7 {
            let expected = w[i] / z;
            let got = hist[i] as f64 / n as f64;
            // 5 standard deviations of a binomial proportion.
            let sd = (expected * (1.0 - expected) / n as f64).sqrt();
            assert!(
                (got - expected).abs() < 5.0 * sd + 1e-6,
                "word {i}: {got} vs {expected}"
            );
        }
    }

    #[test]
    fn a_prefetched_draw_advances_the_generator_as_a_draw_does() {
        let table = UnigramTable::new(&[50, 20, 5, 1], 0.75).unwrap();
        let mut a = WordRng::derive(9, 0, 0);
        let mut b = a.clone();
        for _ in 0..100 {
            table.prefetch_draw(&mut a);
            table.sample(&mut b);
        }
        assert_eq!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn exponent_zero_is_uniform() {
        let table = UnigramTable::new(&[1000, 1, 1, 1], 0.0).unwrap();
        let mut rng = WordRng::derive(3, 0, 0);
        let mut hist = [0u64; 4];
        for _ in 0..400_000 {
            hist[table.sample(&mut rng) as usize] += 1;
        }
        for h in hist {
            assert!((h as f64 - 100_000.0).abs() < 2_000.0, "{hist:?}");
        }
    }

    #[test]
    fn exponents_that_overflow_the_weights_are_named() {
        for e in [1e6, -1e6, 2000.0] {
            let err = UnigramTable::new(&[5, 3, 2], e).unwrap_err();
            let msg = err.to_string();
            assert!(
                msg.starts_with("invalid parameter ns_exponent:"),
                "{e}: {msg}"
            );
            assert!(msg.contains("not a finite positive number"), "{msg}");
        }
        // Large but representable: fine.
        assert!(UnigramTable::new(&[5, 3, 2], 100.0).is_ok());
        // Every count 1: 1^e is 1 whatever e.
        assert!(UnigramTable::new(&[1, 1], 1e6).is_ok());
        assert!(matches!(
            UnigramTable::new(&[], 0.75),
            Err(EmbedError::Dimension(_))
        ));
    }

    #[test]
    fn subsampling_follows_the_word2vec_c_formula() {
        // N = 1_000_000, t = 1e-3 => t*N = 1000.
        let counts = [500_000u64, 100_000, 1_000, 10, 388_990];
        let th = subsample_thresholds(&counts, 1e-3);
        let n: u64 = counts.iter().sum();
        for (&c, &t) in counts.iter().zip(&th) {
            let tn = 1e-3 * n as f64;
            let want = (((c as f64 / tn).sqrt() + 1.0) * tn / c as f64).min(1.0);
            assert!(
                (keep_probability(t) - want).abs() < 1e-9,
                "{c}: {} vs {want}",
                keep_probability(t)
            );
        }
        // Words below ~2.6x the threshold count are always kept.
        assert_eq!(th[2], u32::MAX);
        assert!(subsample_thresholds(&counts, 0.0)
            .iter()
            .all(|&t| t == u32::MAX));
    }

    #[test]
    fn subsampling_rate_is_observed() {
        let th = subsample_thresholds(&[1_000_000, 1], 1e-3)[0];
        let p = keep_probability(th);
        let mut rng = WordRng::derive(11, 0, 0);
        let n = 1_000_000;
        let kept = (0..n).filter(|_| rng.next_u32() < th).count() as f64 / n as f64;
        assert!((kept - p).abs() < 0.003, "{kept} vs {p}");
    }
}

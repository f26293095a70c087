//! The training pipeline, end to end, in one place: count the corpus, build (or grow) the
//! vocabulary, allocate and initialise the matrices, train. [`fit`] starts a model,
//! [`continue_training`] grows one with new text. The Python estimator (`fit`,
//! `partial_fit`) makes one call into each; the distributed driver trains its replicas with
//! [`train`](crate::train::train), the step both end with.
//!
//! ```
//! use embedrs::corpus::IdCorpusBuilder;
//! use embedrs::pipeline::{fit, Source, VocabSettings};
//! use embedrs::train::{NoProgress, TrainConfig};
//!
//! let mut b = IdCorpusBuilder::new(None, 10_000);
//! for _ in 0..50 {
//!     b.add_line(b"the cat sat on the mat").unwrap();
//!     b.add_line(b"the dog sat on the rug").unwrap();
//! }
//! let vocab = VocabSettings { min_count: 1, ..Default::default() };
//! let cfg = TrainConfig { vector_size: 16, sg: true, epochs: 2, ..Default::default() };
//! let model = fit(Source::Sentences(b), &vocab, &cfg, None, &mut NoProgress).unwrap();
//! assert_eq!(model.report.epochs.len(), 2);
//! assert_eq!(model.syn0.len(), model.vocab.len() * 16);
//! ```

use std::sync::Arc;
use std::time::Instant;

use crate::cancel::Interrupt;
use crate::corpus::{count_files_with, CorpusRef, FileCorpus, IdCorpus, IdCorpusBuilder};
use crate::error::{show_str, EmbedError, Result};
use crate::reader::LineBatches;
use crate::text::{SentenceBatch, MAX_TOKEN_BYTES};
use crate::train::{
    self, extend_weights, hs_weights, weights_bytes, ProgressSink, TrainConfig, TrainReport,
};
use crate::vocab::{Vocab, VocabConfig, WordCounts};

/// Where the text comes from.
#[allow(clippy::large_enum_variant)] // made once per call and moved, never stored
pub enum Source<'a> {
    /// Text files, counted with `n_threads` threads and streamed from disk every epoch.
    Files(&'a FileCorpus),
    /// Sentences handed over in batches (a Python iterable), counted as they came; turned
    /// into an id corpus held in memory.
    Sentences(IdCorpusBuilder),
}

/// How the vocabulary is built from the counts.
#[derive(Debug, Clone, Copy)]
pub struct VocabSettings {
    /// Words seen fewer times are left out.
    pub min_count: u64,
    /// If set, `min_count` is raised until at most this many words remain (ties kept
    /// together).
    pub max_final_vocab: Option<usize>,
    /// If set, the count table is pruned word2vec.c-style while counting to hold at most
    /// this many words.
    pub max_vocab_size: Option<usize>,
}

impl Default for VocabSettings {
    fn default() -> Self {
        let v = VocabConfig::default();
        VocabSettings {
            min_count: v.min_count,
            max_final_vocab: v.max_final_vocab,
            max_vocab_size: None,
        }
    }
}

impl VocabSettings {
    fn config(&self) -> VocabConfig {
        VocabConfig {
            min_count: self.min_count,
            max_final_vocab: self.max_final_vocab,
        }
    }

    /// Checks the domain of each setting.
    ///
    /// # Errors
    /// `InvalidParameter` naming the setting.
    pub fn validate(&self) -> Result<()> {
        self.config().validate()?;
        if self.max_vocab_size == Some(0) {
            return Err(EmbedError::param(
                "max_vocab_size",
                "must be an integer >= 1, got 0",
            ));
        }
        Ok(())
    }
}

/// A trained model, as [`fit`] and [`continue_training`] return it.
#[derive(Debug)]
pub struct Trained {
    /// The vocabulary (row `i` of both matrices is word `i`).
    pub vocab: Arc<Vocab>,
    /// The input vectors (the embedding), `vocab.len() x vector_size`.
    pub syn0: Vec<f32>,
    /// The output vectors, needed to continue training.
    pub syn1: Vec<f32>,
    /// Hierarchical softmax's output matrix (`vocab.len() x vector_size`) with `hs`, else
    /// empty.
    pub syn1hs: Vec<f32>,
    /// The counts of the words seen but left out of the vocabulary.
    pub rare: WordCounts,
    /// What training did, epoch by epoch.
    pub report: TrainReport,
    /// Raw tokens and sentences of the text of this call (one pass).
    pub corpus_words: u64,
    /// Sentences of the text of this call.
    pub corpus_sentences: u64,
    /// Words this call added to the vocabulary (all of them for [`fit`]).
    pub added_words: usize,
    /// Seconds spent counting and building the vocabulary.
    pub vocab_seconds: f64,
}

/// The model [`continue_training`] starts from.
#[derive(Debug, Clone, Copy)]
pub struct Previous<'a> {
    /// Its vocabulary.
    pub vocab: &'a Vocab,
    /// Its input vectors.
    pub syn0: &'a [f32],
    /// Its output vectors.
    pub syn1: &'a [f32],
    /// Its hierarchical-softmax matrix (empty if it has none: with `hs` training starts it
    /// at zero).
    pub syn1hs: &'a [f32],
    /// The counts of the words it left out, if kept.
    pub rare: Option<&'a WordCounts>,
    /// Epochs it was trained for so far (each call gets a fresh random stream).
    pub epochs_done: u64,
}

/// Refuses matrices that need more than `memory_bytes` (the machine's memory, if the caller
/// knows it): allocating them would swap or wake the out-of-memory killer instead of failing.
fn check_memory(words: usize, dim: usize, memory_bytes: Option<u64>) -> Result<()> {
    let need = weights_bytes(words, dim);
    match memory_bytes {
        Some(have) if need > have as u128 => Err(EmbedError::ExceedsMemory {
            need,
            have,
            words,
            dim,
        }),
        _ => Ok(()),
    }
}

/// A source of streams (pipes, devices: they can be read only once) read now into an id
/// corpus, as an iterable would be; other sources as they are.
fn readable_once<'a>(
    source: Source<'a>,
    cfg: &TrainConfig,
    settings: &VocabSettings,
    interrupt: &Interrupt,
) -> Result<Source<'a>> {
    let Source::Files(files) = source else {
        return Ok(source);
    };
    if !files.has_streams() {
        return Ok(source);
    }
    let mut builder = IdCorpusBuilder::new(settings.max_vocab_size, cfg.max_sentence_length);
    let mut lines = LineBatches::new(
        files.files().to_vec(),
        1 << 20,
        cfg.max_sentence_length,
        interrupt.clone(),
    );
    let mut buf = Vec::new();
    let mut batch = SentenceBatch::new();
    while lines.next_batch(&mut buf)? {
        batch.clear();
        for line in buf.split(|&b| b == b'\n') {
            batch.push_line(line);
        }
        builder.add_batch(&batch)?;
    }
    builder.note_cuts(lines.cuts());
    Ok(Source::Sentences(builder))
}

/// Counts the source: the counts and, for sentences, the builder still holding their ids.
fn count(
    source: Source<'_>,
    settings: &VocabSettings,
    cfg: &TrainConfig,
    interrupt: &Interrupt,
) -> Result<(WordCounts, Option<IdCorpusBuilder>)> {
    match source {
        Source::Files(files) => Ok((
            count_files_with(
                files,
                cfg.n_threads,
                settings.max_vocab_size,
                cfg.max_sentence_length,
                interrupt,
            )?,
            None,
        )),
        Source::Sentences(builder) => Ok((builder.word_counts(), Some(builder))),
    }
}

fn log_counts(counts: &WordCounts, cfg: &TrainConfig) {
    if counts.long_tokens > 0 {
        log::warn!(
            target: "embedrs",
            "{} tokens were longer than {MAX_TOKEN_BYTES} bytes and were cut to that length",
            counts.long_tokens
        );
    }
    if counts.long_sentences > 0 {
        log::warn!(
            target: "embedrs",
            "{} sentences were longer than max_sentence_length={} and were split into pieces \
             (windows do not cross the pieces)",
            counts.long_sentences,
            cfg.max_sentence_length
        );
    }
}

/// The id corpus or the files, as the trainer reads them.
enum Corpus<'a> {
    Files(&'a FileCorpus),
    Ids(IdCorpus),
}

impl Corpus<'_> {
    fn as_ref(&self) -> CorpusRef<'_> {
        match self {
            Corpus::Files(f) => CorpusRef::Files(f),
            Corpus::Ids(c) => CorpusRef::Ids(c),
        }
    }
}

/// Trains a new model: counts `source`, builds the vocabulary, initialises the matrices
/// (seeded by `cfg.seed`) and trains.
///
/// Every setting is checked before the corpus is read. `memory_bytes`, if given, bounds the
/// matrices (see [`EmbedError::ExceedsMemory`]).
///
/// # Errors
/// `InvalidParameter` for a bad setting, `EmptyVocabulary` (naming the files for a file
/// corpus), `ExceedsMemory` or `Memory`, `Io` from the files, and whatever training returns
/// (see [`train::train`]).
pub fn fit(
    source: Source<'_>,
    settings: &VocabSettings,
    cfg: &TrainConfig,
    memory_bytes: Option<u64>,
    sink: &mut dyn ProgressSink,
) -> Result<Trained> {
    cfg.validate()?;
    settings.validate()?;
    let start = Instant::now();
    let interrupt = sink.interrupt();
    let source = readable_once(source, cfg, settings, &interrupt)?;
    let files = match &source {
        Source::Files(f) => Some(*f),
        Source::Sentences(_) => None,
    };
    let (counts, builder) = count(source, settings, cfg, &interrupt)?;
    log_counts(&counts, cfg);
    let vocab =
        Vocab::from_counts(counts.clone(), settings.config()).map_err(|e| name_files(e, files))?;
    log::info!(
        target: "embedrs",
        "vocabulary: {} words (min_count={}) from {} raw tokens, {} sentences",
        vocab.len(),
        vocab.effective_min_count,
        vocab.corpus_words,
        vocab.corpus_sentences
    );
    // Keep only the counts of the words left out (for continued training): the full table is
    // larger, and freeing it before the matrices exist lowers the peak memory.
    let rare = counts.without(&vocab);
    drop(counts);
    let corpus = match (files, builder) {
        (Some(f), _) => Corpus::Files(f),
        (None, Some(b)) => Corpus::Ids(b.finish_with(&vocab)),
        (None, None) => unreachable!("a source is files or sentences"),
    };
    check_memory(vocab.len(), cfg.vector_size, memory_bytes)?;
    let (mut syn0, mut syn1) = train::init_weights(&vocab, cfg.vector_size, cfg.seed)?;
    let mut syn1hs = hs_matrix(cfg, &[], vocab.len())?;
    let vocab_seconds = start.elapsed().as_secs_f64();
    let report = train::train_hs(
        cfg,
        &vocab,
        corpus.as_ref(),
        &mut syn0,
        &mut syn1,
        &mut syn1hs,
        sink,
    )?;
    Ok(Trained {
        corpus_words: vocab.corpus_words,
        corpus_sentences: vocab.corpus_sentences,
        added_words: vocab.len(),
        vocab: Arc::new(vocab),
        syn0,
        syn1,
        syn1hs,
        rare,
        report,
        vocab_seconds,
    })
}

/// Hierarchical softmax's matrix for `rows` words with `cfg.hs` (`old`'s rows, then zero
/// rows), or an empty one without.
fn hs_matrix(cfg: &TrainConfig, old: &[f32], rows: usize) -> Result<Vec<f32>> {
    if cfg.hs {
        hs_weights(old, rows, cfg.vector_size)
    } else {
        Ok(Vec::new())
    }
}

/// `Dimension` unless `prev`'s matrices match its vocabulary and `dim`.
fn check_previous(prev: &Previous<'_>, dim: usize) -> Result<()> {
    let expected = prev.vocab.len() * dim;
    if prev.syn0.len() != expected
        || prev.syn1.len() != expected
        || !(prev.syn1hs.is_empty() || prev.syn1hs.len() == expected)
    {
        return Err(EmbedError::Dimension(format!(
            "the model has {} words x {} dimensions, but its matrices hold {}, {} and {} floats",
            prev.vocab.len(),
            dim,
            prev.syn0.len(),
            prev.syn1.len(),
            prev.syn1hs.len()
        )));
    }
    Ok(())
}

/// Adds the corpus files to an empty-vocabulary error, so the user sees which text gave it.
fn name_files(e: EmbedError, files: Option<&FileCorpus>) -> EmbedError {
    match (e, files) {
        (EmbedError::EmptyVocabulary { reason }, Some(f)) => {
            let paths: Vec<String> = f
                .paths()
                .map(|p| show_str(&p.display().to_string()))
                .collect();
            let shown = paths.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
            let more = if paths.len() > 5 {
                format!(" and {} more", paths.len() - 5)
            } else {
                String::new()
            };
            let s = if paths.len() > 1 { "s" } else { "" };
            EmbedError::EmptyVocabulary {
                reason: format!("{reason} (corpus file{s}: {shown}{more})"),
            }
        }
        (e, _) => e,
    }
}

/// Continues training `prev` on new text: counts it, grows the vocabulary
/// ([`Vocab::grow`]: existing ids never move, words that now reach `min_count` are
/// appended), copies the matrices once into larger ones (new input rows initialised as
/// [`fit`] would, new output rows zero), and trains only the new text with `cfg` (its
/// `alpha`, `min_alpha` and `epochs` are those of this call). The random stream is fresh for
/// each call, derived from `cfg.seed` and the epochs trained so far.
///
/// # Errors
/// As [`fit`], and `Dimension` if `prev`'s matrices do not match its vocabulary and
/// `cfg.vector_size`.
pub fn continue_training(
    prev: Previous<'_>,
    source: Source<'_>,
    settings: &VocabSettings,
    cfg: &TrainConfig,
    memory_bytes: Option<u64>,
    sink: &mut dyn ProgressSink,
) -> Result<Trained> {
    cfg.validate()?;
    settings.validate()?;
    check_previous(&prev, cfg.vector_size)?;
    let start = Instant::now();
    let interrupt = sink.interrupt();
    let source = readable_once(source, cfg, settings, &interrupt)?;
    let files = match &source {
        Source::Files(f) => Some(*f),
        Source::Sentences(_) => None,
    };
    let (counts, builder) = count(source, settings, cfg, &interrupt)?;
    log_counts(&counts, cfg);
    let grown = prev.vocab.grow(
        &counts,
        prev.rare,
        settings.config(),
        settings.max_vocab_size,
    );
    drop(counts);
    let vocab = grown.vocab;
    log::info!(
        target: "embedrs",
        "partial_fit: {} new words (vocabulary {}), {} raw tokens of new text",
        grown.added,
        vocab.len(),
        vocab.corpus_words
    );
    let corpus = match (files, builder) {
        (Some(f), _) => Corpus::Files(f),
        (None, Some(b)) => Corpus::Ids(b.finish_with(&vocab)),
        (None, None) => unreachable!("a source is files or sentences"),
    };
    check_memory(vocab.len(), cfg.vector_size, memory_bytes)?;
    // New rows are initialised from the model's seed, as if the words had been there from
    // the start; training gets a fresh stream (the first fit used the seed itself).
    let new_words = vocab.words().iter().skip(prev.vocab.len());
    let (mut syn0, mut syn1) = extend_weights(
        prev.syn0,
        prev.syn1,
        new_words,
        grown.added,
        cfg.vector_size,
        cfg.seed,
    )?;
    // The Huffman tree is rebuilt over the whole grown vocabulary (by `train`, from its
    // counts) and the matrix grows by zero rows, as gensim does.
    let mut syn1hs = hs_matrix(cfg, prev.syn1hs, vocab.len())?;
    let run_seed =
        ((cfg.seed as u128 * 1_000_003 + prev.epochs_done as u128 + 1) % (1u128 << 63)) as u64;
    let run_cfg = TrainConfig {
        seed: run_seed,
        ..cfg.clone()
    };
    let vocab_seconds = start.elapsed().as_secs_f64();
    let report = train::train_hs(
        &run_cfg,
        &vocab,
        corpus.as_ref(),
        &mut syn0,
        &mut syn1,
        &mut syn1hs,
        sink,
    )?;
    Ok(Trained {
        corpus_words: vocab.corpus_words,
        corpus_sentences: vocab.corpus_sentences,
        added_words: grown.added,
        vocab: Arc::new(vocab),
        syn0,
        syn1,
        syn1hs,
        rare: grown.rare,
        report,
        vocab_seconds,
    })
}

/// Trains `prev`'s weights (copied once) on `source` with its vocabulary fixed: words
/// outside it are skipped but still count as raw words for the learning-rate schedule
/// (gensim's `train` after `build_vocab`). The schedule runs over the words of `source`
/// (files are counted once first), with `cfg.seed` as the random stream's seed.
///
/// # Errors
/// As [`continue_training`].
pub fn train_more(
    prev: Previous<'_>,
    source: Source<'_>,
    cfg: &TrainConfig,
    sink: &mut dyn ProgressSink,
) -> Result<Trained> {
    cfg.validate()?;
    check_previous(&prev, cfg.vector_size)?;
    let start = Instant::now();
    let interrupt = sink.interrupt();
    let source = readable_once(source, cfg, &VocabSettings::default(), &interrupt)?;
    let mut vocab = prev.vocab.clone();
    let (corpus, sentences) = match source {
        Source::Files(f) => {
            let counts =
                count_files_with(f, cfg.n_threads, None, cfg.max_sentence_length, &interrupt)?;
            vocab.corpus_words = counts.total_words;
            vocab.corpus_sentences = counts.sentences;
            (Corpus::Files(f), counts.sentences)
        }
        Source::Sentences(b) => {
            let ids = b.finish_with(&vocab);
            vocab.corpus_words = ids.raw_words();
            vocab.corpus_sentences = ids.n_sentences() as u64;
            let n = vocab.corpus_sentences;
            (Corpus::Ids(ids), n)
        }
    };
    let (mut syn0, mut syn1) = extend_weights(
        prev.syn0,
        prev.syn1,
        std::iter::empty(),
        0,
        cfg.vector_size,
        cfg.seed,
    )?;
    let mut syn1hs = hs_matrix(cfg, prev.syn1hs, vocab.len())?;
    let vocab_seconds = start.elapsed().as_secs_f64();
    let report = train::train_hs(
        cfg,
        &vocab,
        corpus.as_ref(),
        &mut syn0,
        &mut syn1,
        &mut syn1hs,
        sink,
    )?;
    Ok(Trained {
        corpus_words: vocab.corpus_words,
        corpus_sentences: sentences,
        added_words: 0,
        vocab: Arc::new(vocab),
        syn0,
        syn1,
        syn1hs,
        rare: prev.rare.cloned().unwrap_or_default(),
        report,
        vocab_seconds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::NoProgress;

    #[test]
    fn training_more_keeps_the_vocabulary_and_counts_its_own_text() {
        let settings = VocabSettings {
            min_count: 1,
            ..Default::default()
        };
        let first = fit(
            Source::Sentences(builder(&["a b c"])),
            &settings,
            &cfg(),
            None,
            &mut NoProgress,
        )
        .unwrap();
        let prev = Previous {
            vocab: &first.vocab,
            syn0: &first.syn0,
            syn1: &first.syn1,
            syn1hs: &[],
            rare: None,
            epochs_done: 2,
        };
        let no_subsampling = TrainConfig {
            sample: 0.0,
            ..cfg()
        };
        let more = train_more(
            prev,
            Source::Sentences(builder(&["a b z z"])),
            &no_subsampling,
            &mut NoProgress,
        )
        .unwrap();
        assert_eq!(more.vocab.words(), ["a", "b", "c"]);
        assert_eq!(more.corpus_words, 80);
        assert_eq!(more.report.epochs[0].raw_words, 80);
        // c is not in the new text: its input row is untouched.
        assert_eq!(&more.syn0[16..24], &first.syn0[16..24]);
        assert_ne!(&more.syn0[..8], &first.syn0[..8]);
    }

    fn builder(lines: &[&str]) -> IdCorpusBuilder {
        let mut b = IdCorpusBuilder::new(None, 10_000);
        for _ in 0..20 {
            for l in lines {
                b.add_line(l.as_bytes()).unwrap();
            }
        }
        b
    }

    fn cfg() -> TrainConfig {
        TrainConfig {
            vector_size: 8,
            epochs: 2,
            ..Default::default()
        }
    }

    #[test]
    fn continued_training_appends_words_and_keeps_old_rows_first() {
        let settings = VocabSettings {
            min_count: 30,
            ..Default::default()
        };
        let first = fit(
            Source::Sentences(builder(&["a b c", "a b d"])),
            &settings,
            &cfg(),
            None,
            &mut NoProgress,
        )
        .unwrap();
        assert_eq!(first.vocab.words(), ["a", "b"]);
        assert_eq!(first.rare.get("c"), 20);
        let prev = Previous {
            vocab: &first.vocab,
            syn0: &first.syn0,
            syn1: &first.syn1,
            syn1hs: &[],
            rare: Some(&first.rare),
            epochs_done: 2,
        };
        let more = continue_training(
            prev,
            Source::Sentences(builder(&["c e", "e f"])),
            &settings,
            &cfg(),
            None,
            &mut NoProgress,
        )
        .unwrap();
        // c: 20 before + 20 now; e: 40 now; f: 20, still rare; d: 20 before, still rare.
        assert_eq!(more.vocab.words(), ["a", "b", "c", "e"]);
        assert_eq!(more.added_words, 2);
        assert_eq!(more.rare.get("f"), 20);
        assert_eq!(more.rare.get("d"), 20);
        assert_eq!(more.vocab.corpus_words, 80);
        assert_eq!(more.syn0.len(), 4 * 8);
        // The new text does not contain a or b: their output rows are untouched, and their
        // input rows too (a window only updates the rows of words in it).
        assert_eq!(&more.syn0[..16], &first.syn0[..16]);
        assert_eq!(&more.syn1[..16], &first.syn1[..16]);
    }

    #[test]
    fn settings_and_memory_are_checked_before_reading() {
        let bad = VocabSettings {
            min_count: 0,
            ..Default::default()
        };
        let e = fit(
            Source::Sentences(builder(&["a b"])),
            &bad,
            &cfg(),
            None,
            &mut NoProgress,
        )
        .unwrap_err();
        assert!(
            e.to_string().starts_with("invalid parameter min_count"),
            "{e}"
        );
        let ok = VocabSettings {
            min_count: 1,
            ..Default::default()
        };
        let e = fit(
            Source::Sentences(builder(&["a b"])),
            &ok,
            &cfg(),
            Some(10),
            &mut NoProgress,
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                EmbedError::ExceedsMemory {
                    words: 2,
                    dim: 8,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e
            .to_string()
            .starts_with("training needs 0.0 GiB for the two 2 x 8 float32"));
    }
}

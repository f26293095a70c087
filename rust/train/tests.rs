//! Trainer tests on small synthetic corpora.

use super::*;
use crate::corpus::{IdCorpus, IdCorpusBuilder};
use crate::model::KeyedVectors;
use crate::vocab::VocabConfig;

/// Two "topics" of ten words each whose words only co-occur within their topic.
fn planted(seed: u64, sentences: usize) -> (Vocab, IdCorpus) {
    planted_wide(seed, sentences, 10)
}

/// Two "topics" of `words` words each whose words only co-occur within their topic.
fn planted_wide(seed: u64, sentences: usize, words: u32) -> (Vocab, IdCorpus) {
    let mut b = IdCorpusBuilder::new(None, 10_000);
    let mut rng = WordRng::derive(seed, 99, 0);
    for s in 0..sentences {
        let topic = s % 2;
        let words: Vec<String> = (0..12)
            .map(|_| format!("t{topic}w{}", rng.below(words)))
            .collect();
        b.add_line(words.join(" ").as_bytes()).unwrap();
    }
    let (v, c, _) = b
        .finish(VocabConfig {
            min_count: 1,
            max_final_vocab: None,
        })
        .unwrap();
    (v, c)
}

fn fit(cfg: &TrainConfig, vocab: &Vocab, corpus: &IdCorpus) -> (Vec<f32>, TrainReport) {
    let (mut s0, mut s1) = init_weights(vocab, cfg.vector_size, cfg.seed).unwrap();
    let r = train(
        cfg,
        vocab,
        CorpusRef::Ids(corpus),
        &mut s0,
        &mut s1,
        &mut NoProgress,
    )
    .unwrap();
    (s0, r)
}

fn purity(vocab: &Vocab, vectors: Vec<f32>, dim: usize) -> f64 {
    purity_of(vocab, vectors, dim, vocab.len())
}

/// The share of the 5 nearest neighbours of the first `rows` words that share their topic.
fn purity_of(vocab: &Vocab, vectors: Vec<f32>, dim: usize, rows: usize) -> f64 {
    let kv = KeyedVectors::new(vocab.clone(), dim, vectors).unwrap();
    let mut good = 0;
    let mut total = 0;
    for (i, w) in vocab.words().iter().enumerate().take(rows) {
        let (ids, _, _) = kv
            .most_similar_batch(kv.row(i), 5, &[vec![i as u32]], None, 1)
            .unwrap();
        for id in ids {
            total += 1;
            if vocab.words()[id as usize][..2] == w[..2] {
                good += 1;
            }
        }
    }
    good as f64 / total as f64
}

#[test]
fn planted_topics_are_recovered_by_sg_and_cbow() {
    let (v, c) = planted(1, 2000);
    for (sg, shared_negatives, cbow_gradient) in [
        (true, false, CbowGradient::Word2Vec),
        (true, true, CbowGradient::Word2Vec),
        (false, false, CbowGradient::Word2Vec),
        (false, false, CbowGradient::Corrected),
    ] {
        let cfg = TrainConfig {
            vector_size: 20,
            sg,
            shared_negatives,
            cbow_gradient: Some(cbow_gradient),
            // A small rate: on 20 words the loss reaches its floor within the first epoch at
            // the defaults, and the test checks that it keeps falling.
            alpha: Some(if cbow_gradient == CbowGradient::Corrected {
                0.05
            } else {
                0.025
            }),
            epochs: 5,
            sample: 0.0,
            n_threads: 2,
            ..Default::default()
        };
        let (vecs, report) = fit(&cfg, &v, &c);
        let p = purity(&v, vecs, 20);
        assert!(p > 0.95, "sg={sg} {cbow_gradient:?}: purity {p}");
        assert_eq!(report.epochs.len(), 5);
        let first = report.epochs[0].loss / report.epochs[0].predictions as f64;
        let last = report.epochs[4].loss / report.epochs[4].predictions as f64;
        assert!(
            last < first,
            "sg={sg}: loss per prediction {first} -> {last}"
        );
    }
}

#[test]
fn private_rows_train_as_well_as_shared_ones() {
    // Two threads with no private rows, some (5 of 160 words private, the rest shared,
    // publishing every 1,000 / 2² = 250 -> 256 words: many times per epoch) and as many as
    // the vocabulary allows (160 / 16 = 10); then warm rows after them, as many as the
    // vocabulary allows (160 / 8 = 20), published every 16th time.
    let (v, c) = planted_wide(2, 4000, 80);
    for (private_rows, private_sync_words, warm_rows) in
        [(0, 16384, 0), (5, 1000, 0), (512, 1000, 0), (5, 1000, 8192)]
    {
        for sg in [true, false] {
            let cfg = TrainConfig {
                vector_size: 20,
                sg,
                epochs: 5,
                sample: 0.0,
                n_threads: 2,
                private_rows,
                private_sync_words,
                warm_rows,
                ..Default::default()
            };
            let (vecs, _) = fit(&cfg, &v, &c);
            let p = purity(&v, vecs.clone(), 20);
            assert!(p > 0.95, "sg={sg} private_rows={private_rows}: purity {p}");
            // The copied rows themselves (what a lost publication would leave untrained).
            let p = purity_of(&v, vecs, 20, 20);
            assert!(
                p > 0.9,
                "sg={sg} private_rows={private_rows}: copied rows' purity {p}"
            );
        }
    }
}

/// Trains with hierarchical softmax: the input vectors, the hs matrix and the report.
fn fit_hs(
    cfg: &TrainConfig,
    vocab: &Vocab,
    corpus: &IdCorpus,
) -> (Vec<f32>, Vec<f32>, TrainReport) {
    let (mut s0, mut s1) = init_weights(vocab, cfg.vector_size, cfg.seed).unwrap();
    let mut hs = hs_weights(&[], vocab.len(), cfg.vector_size).unwrap();
    let r = train_hs(
        cfg,
        vocab,
        CorpusRef::Ids(corpus),
        &mut s0,
        &mut s1,
        &mut hs,
        &mut NoProgress,
    )
    .unwrap();
    (s0, hs, r)
}

#[test]
fn hierarchical_softmax_recovers_planted_topics_alone_and_with_negatives() {
    let (v, c) = planted(1, 2000);
    for negative in [0, 5] {
        for (sg, shared_negatives) in [(true, false), (true, true), (false, false)] {
            for n_threads in [1, 2] {
                let cfg = TrainConfig {
                    vector_size: 20,
                    sg,
                    shared_negatives,
                    negative,
                    hs: true,
                    epochs: 5,
                    sample: 0.0,
                    n_threads,
                    ..Default::default()
                };
                let what = format!("sg={sg} shared={shared_negatives} negative={negative}");
                let (vecs, hs, report) = fit_hs(&cfg, &v, &c);
                let p = purity(&v, vecs, 20);
                assert!(p > 0.95, "{what}: purity {p}");
                // The last row is no inner node; the others are trained.
                assert!(hs[(v.len() - 1) * 20..].iter().all(|&x| x == 0.0));
                assert!(hs[..20].iter().any(|&x| x != 0.0), "{what}: root untouched");
                // Within a topic the words are uniform, so only the decisions that separate
                // the topics can be learnt: the loss falls from ln 2 per decision at the
                // start (a zero syn1) to a plateau reached within the first epoch.
                let mean = |e: usize| report.epochs[e].loss / report.epochs[e].predictions as f64;
                let (first, last) = (mean(0), mean(4));
                assert!(last < 0.9 * 2f64.ln(), "{what}: {first} -> {last}");
                assert!(last < first * 1.02, "{what}: {first} -> {last}");
            }
        }
    }
}

#[test]
fn hierarchical_softmax_counts_each_decision_of_the_path() {
    // One thread, no subsampling, a fixed window: hs alone makes one prediction per decision
    // on the centre's path for every (context, centre) pair in skip-gram, and per window in
    // CBOW.
    let lines = ["a b c d e", "a a b f", "c a g h a b", "b a"];
    let mut b = IdCorpusBuilder::new(None, 10_000);
    for _ in 0..10 {
        for l in lines {
            b.add_line(l.as_bytes()).unwrap();
        }
    }
    let (v, c, _) = b
        .finish(VocabConfig {
            min_count: 1,
            max_final_vocab: None,
        })
        .unwrap();
    let tree = huffman::HuffmanTree::new(v.counts()).unwrap();
    let (mut sg_expected, mut cbow_expected) = (0u64, 0u64);
    for l in lines {
        let ids: Vec<u32> = l.split(' ').map(|w| v.get(w).unwrap()).collect();
        for (i, &w) in ids.iter().enumerate() {
            let lo = i.saturating_sub(2);
            let hi = (i + 3).min(ids.len());
            let depth = tree.codes(w).len() as u64;
            sg_expected += 10 * (hi - lo - 1) as u64 * depth;
            cbow_expected += 10 * depth;
        }
    }
    for sg in [true, false] {
        let cfg = TrainConfig {
            vector_size: 8,
            window: 2,
            shrink_windows: false,
            sg,
            negative: 0,
            hs: true,
            epochs: 1,
            sample: 0.0,
            ..Default::default()
        };
        let (_, _, r) = fit_hs(&cfg, &v, &c);
        let expected = if sg { sg_expected } else { cbow_expected };
        assert_eq!(r.epochs[0].predictions, expected, "sg={sg}");
        // From a zero syn1, each decision's loss starts at ln 2 and falls slowly.
        let mean = r.epochs[0].loss / expected as f64;
        assert!(mean > 0.3 && mean <= 2f64.ln() + 1e-3, "sg={sg}: {mean}");
    }
}

#[test]
fn hierarchical_softmax_is_bit_identical_for_a_seed_and_needs_its_matrix() {
    let (v, c) = planted(2, 300);
    for (sg, negative) in [(true, 0), (true, 3), (false, 0), (false, 3)] {
        let cfg = TrainConfig {
            vector_size: 16,
            sg,
            negative,
            hs: true,
            epochs: 2,
            n_threads: 1,
            seed: 42,
            ..Default::default()
        };
        let a = fit_hs(&cfg, &v, &c);
        let b = fit_hs(&cfg, &v, &c);
        assert_eq!((&a.0, &a.1), (&b.0, &b.1));
        assert_eq!(a.2.epochs[1].loss, b.2.epochs[1].loss);
        // Without hs's matrix (train() passes none), or with one given when hs is off.
        let e = train_error(&cfg, &v, &c);
        assert!(matches!(e, EmbedError::Dimension(_)), "{e}");
        let (mut s0, mut s1) = init_weights(&v, 16, 1).unwrap();
        let mut hs = hs_weights(&[], v.len(), 16).unwrap();
        let off = TrainConfig {
            hs: false,
            negative: 3,
            ..cfg.clone()
        };
        let e = train_hs(
            &off,
            &v,
            CorpusRef::Ids(&c),
            &mut s0,
            &mut s1,
            &mut hs,
            &mut NoProgress,
        )
        .unwrap_err();
        assert!(e.to_string().contains("hs=0"), "{e}");
    }
}

#[test]
fn hs_weights_grow_by_zero_rows() {
    let old = vec![1.0f32; 6];
    let grown = hs_weights(&old, 3, 2).unwrap();
    assert_eq!(grown, [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]);
    let grown = hs_weights(&old, 5, 2).unwrap();
    assert_eq!(&grown[6..], [0.0; 4]);
    assert!(hs_weights(&old, 2, 2).is_err());
    assert!(hs_weights(&old, 5, 4).is_err());
}

#[test]
fn untrained_vectors_do_not_recover_topics() {
    // Guards the test above: random vectors score about 0.45 (4 of 9 same-topic neighbours).
    let (v, _) = planted(1, 2000);
    let (s0, _) = init_weights(&v, 20, 1).unwrap();
    assert!(purity(&v, s0, 20) < 0.8);
}

#[test]
fn one_thread_is_bit_identical_for_a_seed() {
    let (v, c) = planted(2, 300);
    for (sg, shared_negatives) in [(true, false), (true, true), (false, false)] {
        let cfg = TrainConfig {
            vector_size: 16,
            sg,
            shared_negatives,
            epochs: 2,
            n_threads: 1,
            seed: 42,
            ..Default::default()
        };
        let (a, ra) = fit(&cfg, &v, &c);
        let (b, rb) = fit(&cfg, &v, &c);
        assert_eq!(a, b);
        assert_eq!(ra.epochs[1].loss, rb.epochs[1].loss);
        let (d, _) = fit(
            &TrainConfig {
                seed: 43,
                ..cfg.clone()
            },
            &v,
            &c,
        );
        assert_ne!(a, d);
    }
}

#[test]
fn every_kernel_trains_to_the_same_quality() {
    let (v, c) = planted(3, 1000);
    for k in [KernelChoice::Scalar, KernelChoice::Avx2, KernelChoice::Neon] {
        if !kernels::supported(k) {
            continue;
        }
        let cfg = TrainConfig {
            vector_size: 20,
            sg: true,
            epochs: 4,
            sample: 0.0,
            kernel: Some(k),
            ..Default::default()
        };
        let (vecs, r) = fit(&cfg, &v, &c);
        assert_eq!(r.kernel, k.name());
        assert!(purity(&v, vecs, 20) > 0.95, "{k:?}");
    }
}

struct Recorder {
    alphas: Vec<(u64, f32)>,
    stop_after_epoch: Option<usize>,
    epochs_seen: Vec<usize>,
}

impl ProgressSink for Recorder {
    fn on_progress(&mut self, p: &Progress) -> Result<Control> {
        self.alphas.push((p.words_done, p.alpha));
        Ok(Control::Continue)
    }
    fn on_epoch_end(&mut self, r: &EpochReport) -> Result<Control> {
        self.epochs_seen.push(r.epoch);
        Ok(if Some(r.epoch) == self.stop_after_epoch {
            Control::Stop
        } else {
            Control::Continue
        })
    }
}

#[test]
fn learning_rate_decays_linearly_with_global_progress() {
    let cfg = TrainConfig {
        alpha: Some(0.05),
        min_alpha: 0.001,
        epochs: 4,
        ..Default::default()
    };
    let (v, c) = planted(4, 10);
    let sh = Shared {
        cfg: &cfg,
        vocab: &v,
        corpus: CorpusRef::Ids(&c),
        table: UnigramTable::new(v.counts(), 0.75).unwrap(),
        tree: None,
        thresholds: vec![],
        sigmoid: SigmoidTable::default(),
        words_done: AtomicU64::new(0),
        words_total: 1000,
        words_per_epoch: 250,
        cancel: AtomicBool::new(false),
        id_cache: false,
    };
    assert_eq!(sh.alpha_at(0), 0.05);
    assert!((sh.alpha_at(500) - 0.0255).abs() < 1e-7);
    assert_eq!(sh.alpha_at(1000), 0.001);
    assert_eq!(sh.alpha_at(5000), 0.001);
}

#[test]
fn sink_can_stop_early_and_sees_decreasing_alpha() {
    let (v, c) = planted(5, 4000);
    let cfg = TrainConfig {
        vector_size: 50,
        sg: true,
        epochs: 3,
        n_threads: 2,
        ..Default::default()
    };
    let (mut s0, mut s1) = init_weights(&v, cfg.vector_size, cfg.seed).unwrap();
    let mut rec = Recorder {
        alphas: vec![],
        stop_after_epoch: Some(1),
        epochs_seen: vec![],
    };
    let r = train(&cfg, &v, CorpusRef::Ids(&c), &mut s0, &mut s1, &mut rec).unwrap();
    assert_eq!(rec.epochs_seen, vec![0, 1]);
    assert!(r.stopped_early);
    assert_eq!(r.epochs.len(), 2);
    for w in rec.alphas.windows(2) {
        assert!(w[1].0 < w[0].0 || w[1].1 <= w[0].1, "{:?}", w);
    }
}

#[test]
fn bad_parameters_are_named() {
    let (v, c) = planted(6, 10);
    for (cfg, name) in [
        (
            TrainConfig {
                vector_size: 0,
                ..Default::default()
            },
            "vector_size",
        ),
        (
            TrainConfig {
                alpha: Some(f64::NAN),
                ..Default::default()
            },
            "alpha",
        ),
        (
            TrainConfig {
                negative: 0,
                ..Default::default()
            },
            "negative",
        ),
        (
            TrainConfig {
                negative: 0,
                hs: false,
                ..Default::default()
            },
            "hs=1",
        ),
        (
            TrainConfig {
                sample: -1.0,
                ..Default::default()
            },
            "sample",
        ),
    ] {
        let e = train_error(&cfg, &v, &c);
        assert!(e.to_string().contains(name), "{e}");
    }
}

/// The error `train` returns for `cfg` (which must be invalid) on zero weights.
fn train_error(cfg: &TrainConfig, v: &Vocab, c: &IdCorpus) -> EmbedError {
    let mut s0 = vec![0.0; v.len() * cfg.vector_size];
    let mut s1 = s0.clone();
    train(cfg, v, CorpusRef::Ids(c), &mut s0, &mut s1, &mut NoProgress).unwrap_err()
}

#[test]
fn allocation_failure_is_an_error_not_an_abort() {
    let v = Vocab::from_sorted(vec![("a".into(), 1)]).unwrap();
    let e = init_weights(&v, usize::MAX / 2, 1).unwrap_err();
    assert!(matches!(e, EmbedError::Memory { .. }), "{e:?}");
}

#[test]
fn parameter_caps_are_named() {
    let (v, c) = planted(7, 10);
    let cases: Vec<(TrainConfig, &str)> = vec![
        (
            TrainConfig {
                window: 10_001,
                ..Default::default()
            },
            "invalid parameter window: 10001 is larger than max_sentence_length=10000",
        ),
        (
            TrainConfig {
                window: 1 << 40,
                max_sentence_length: 1 << 40,
                ..Default::default()
            },
            "invalid parameter max_sentence_length: must be <= 4294967295",
        ),
        (
            TrainConfig {
                window: 100_000_000,
                max_sentence_length: 100_000_000,
                ..Default::default()
            },
            "invalid parameter window: window=100000000, vector_size=100 and negative=5 need",
        ),
        (
            TrainConfig {
                negative: MAX_NEGATIVE + 1,
                ..Default::default()
            },
            "invalid parameter negative: must be <= 10000 (each positive example costs",
        ),
        (
            TrainConfig {
                negative: usize::MAX,
                ..Default::default()
            },
            "invalid parameter negative: must be <= 10000",
        ),
        (
            TrainConfig {
                n_threads: MAX_THREADS + 1,
                ..Default::default()
            },
            "invalid parameter n_jobs: must be <= 1024 threads, got 1025",
        ),
        (
            TrainConfig {
                alpha: Some(1e30),
                ..Default::default()
            },
            "invalid parameter alpha: must be <= 10.0, got 1e+30",
        ),
        (
            TrainConfig {
                ns_exponent: 1e6,
                ..Default::default()
            },
            "invalid parameter ns_exponent: 1000000 cannot weight the negative samples",
        ),
    ];
    for (cfg, want) in cases {
        let e = train_error(&cfg, &v, &c);
        assert!(e.to_string().contains(want), "{e}\nwanted: {want}");
    }
}

#[test]
fn scratch_allocation_failure_is_an_error_not_an_abort() {
    // Sizes beyond the address space: refused even where the kernel overcommits freely.
    for (dim, window, negative) in [(100, 1 << 50, 5), (1 << 50, 1, 5), (1, 1, usize::MAX)] {
        let e = sgns::Scratch::new(dim, window, negative).err().unwrap();
        assert!(matches!(e, EmbedError::Memory { .. }), "{e:?}");
        assert!(
            e.to_string().contains("buffers of one training thread"),
            "{e}"
        );
    }
    assert!(sgns::Scratch::new(100, 5, 5).is_ok());
}

#[test]
fn diverged_weights_are_an_error_naming_alpha() {
    let (v, c) = planted(8, 200);
    let cfg = TrainConfig {
        vector_size: 8,
        epochs: 2,
        ..Default::default()
    };
    let (mut s0, mut s1) = init_weights(&v, cfg.vector_size, cfg.seed).unwrap();
    s0[3] = f32::NAN;
    let e = train(
        &cfg,
        &v,
        CorpusRef::Ids(&c),
        &mut s0,
        &mut s1,
        &mut NoProgress,
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with("invalid parameter alpha: training diverged in epoch 0:"),
        "{msg}"
    );
    assert!(msg.contains("NaN or infinite"), "{msg}");
}

/// Rewrites the corpus file at the start of one epoch.
struct Rewrite<F: FnMut()> {
    epoch: usize,
    action: F,
}

impl<F: FnMut()> ProgressSink for Rewrite<F> {
    fn on_epoch_begin(&mut self, epoch: usize) -> Result<Control> {
        if epoch == self.epoch {
            (self.action)();
        }
        Ok(Control::Continue)
    }
}

#[test]
fn a_corpus_file_that_changes_between_epochs_is_an_io_error() {
    use crate::corpus::{count_files, FileCorpus};
    use std::io::Write;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.txt");
    let text: String = (0..3000)
        .map(|i| format!("t{}w{} t{}w{} x y\n", i % 2, i % 7, i % 2, i % 5))
        .collect();
    for (epoch, grow) in [(0, false), (1, true), (2, false)] {
        std::fs::write(&path, &text).unwrap();
        let fc = FileCorpus::open(&[&path]).unwrap();
        let counts = count_files(&fc, 2, None, 10_000).unwrap();
        let v = Vocab::from_counts(
            counts,
            VocabConfig {
                min_count: 1,
                max_final_vocab: None,
            },
        )
        .unwrap();
        let cfg = TrainConfig {
            vector_size: 8,
            epochs: 3,
            n_threads: 2,
            ..Default::default()
        };
        let (mut s0, mut s1) = init_weights(&v, 8, 1).unwrap();
        let p = path.clone();
        let mut sink = Rewrite {
            epoch,
            action: move || {
                if grow {
                    let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
                    f.write_all(b"more words\n").unwrap();
                } else {
                    let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
                    f.set_len(100).unwrap();
                }
            },
        };
        let e = train(&cfg, &v, CorpusRef::Files(&fc), &mut s0, &mut s1, &mut sink).unwrap_err();
        assert!(matches!(e, EmbedError::Io { .. }), "{e:?}");
        let now = if grow { text.len() + 11 } else { 100 };
        let want = format!(
            "{}: changed since it was counted ({} bytes, now {now})",
            path.display(),
            text.len()
        );
        assert!(e.to_string().starts_with(&want), "{e}\nwanted: {want}");
    }
}

#[test]
fn per_thread_schedule_is_global_on_one_thread_and_lags_on_two() {
    let (v, c) = planted(2, 300);
    for sg in [true, false] {
        let cfg = TrainConfig {
            vector_size: 16,
            sg,
            epochs: 2,
            n_threads: 1,
            seed: 7,
            ..Default::default()
        };
        let per_thread = TrainConfig {
            alpha_schedule: AlphaSchedule::PerThread,
            ..cfg.clone()
        };
        assert_eq!(fit(&cfg, &v, &c).0, fit(&per_thread, &v, &c).0, "sg={sg}");
    }
    // 2 epochs of 1000 words, 2 threads, each done with its 500 words of epoch 1: the global
    // schedule has reached the end of the run, gensim corpus_file's only 1500 words.
    let (g, p) = (AlphaSchedule::Global, AlphaSchedule::PerThread);
    assert_eq!(g.position(2000, 1000, 500, 1), 2000);
    assert_eq!(p.position(2000, 1000, 500, 1), 1500);
    assert_eq!(p.position(2000, 1000, 1000, 2), 1500);
    assert_eq!(p.position(0, 0, 0, 2), 0);
}

/// Records the learning rate of the last progress report of each epoch.
#[derive(Default)]
struct LastAlpha(Vec<(usize, u64, f32)>);

impl ProgressSink for LastAlpha {
    fn on_progress(&mut self, p: &Progress) -> Result<Control> {
        match self.0.last_mut() {
            Some(last) if last.0 == p.epoch => *last = (p.epoch, p.words_done, p.alpha),
            _ => self.0.push((p.epoch, p.words_done, p.alpha)),
        }
        Ok(Control::Continue)
    }
}

#[test]
fn reported_alpha_follows_the_schedule() {
    // The last report of an epoch comes after every worker has counted all its words, so its
    // rate depends only on the schedule: the end of the epoch for the global one, the middle
    // (each of 2 threads at half the epoch) for gensim corpus_file's per-thread one.
    let (v, c) = planted(3, 400);
    let base = TrainConfig {
        vector_size: 8,
        epochs: 2,
        n_threads: 2,
        ..Default::default()
    };
    let per_epoch = c.raw_words();
    let total = 2 * per_epoch;
    let at = |done: u64| {
        // As the trainer computes it: the rates in f32, the progress in f64.
        let (a0, a1) = (base.alpha() as f32, base.min_alpha as f32);
        let a = a0 as f64 - (a0 - a1) as f64 * done as f64 / total as f64;
        a as f32
    };
    for (schedule, want) in [
        (AlphaSchedule::Global, [at(per_epoch), at(total)]),
        (
            AlphaSchedule::PerThread,
            [at(per_epoch / 2), at(per_epoch + per_epoch / 2)],
        ),
    ] {
        let cfg = TrainConfig {
            alpha_schedule: schedule,
            ..base.clone()
        };
        let (mut s0, mut s1) = init_weights(&v, cfg.vector_size, cfg.seed).unwrap();
        let mut sink = LastAlpha::default();
        train(&cfg, &v, CorpusRef::Ids(&c), &mut s0, &mut s1, &mut sink).unwrap();
        let got: Vec<f32> = sink.0.iter().map(|x| x.2).collect();
        assert_eq!(
            sink.0.iter().map(|x| x.1).collect::<Vec<_>>(),
            [per_epoch, total]
        );
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-6, "{schedule:?}: {got:?} vs {want:?}");
        }
    }
}

#[test]
fn the_default_learning_rate_follows_the_architecture() {
    let sg = TrainConfig {
        sg: true,
        ..Default::default()
    };
    let cbow = TrainConfig::default();
    let corrected = TrainConfig {
        cbow_gradient: Some(CbowGradient::Corrected),
        ..Default::default()
    };
    let word2vec = TrainConfig {
        cbow_gradient: Some(CbowGradient::Word2Vec),
        ..Default::default()
    };
    assert_eq!(sg.alpha(), config::DEFAULT_ALPHA_SG);
    assert_eq!(cbow.cbow_gradient(), CbowGradient::Sqrt);
    assert_eq!(cbow.alpha(), config::DEFAULT_ALPHA_CBOW_SQRT);
    assert_eq!(
        cbow.default_continue_alpha(),
        config::DEFAULT_ALPHA_CBOW_SQRT * config::CONTINUE_ALPHA_SHARE
    );
    // An explicit rate does not move the default a continuation starts from.
    let given_cbow = TrainConfig {
        alpha: Some(0.3),
        ..Default::default()
    };
    assert_eq!(given_cbow.default_alpha(), config::DEFAULT_ALPHA_CBOW_SQRT);
    assert_eq!(word2vec.alpha(), config::DEFAULT_ALPHA_CBOW);
    assert_eq!(corrected.alpha(), config::DEFAULT_ALPHA_CBOW_CORRECTED);
    let hs_only = TrainConfig {
        hs: true,
        negative: 0,
        ..Default::default()
    };
    let hs_and_negative = TrainConfig {
        hs: true,
        ..Default::default()
    };
    assert_eq!(hs_only.alpha(), config::DEFAULT_ALPHA_HS);
    // Hierarchical softmax keeps word2vec's update (and its rate) unless told otherwise.
    assert_eq!(hs_only.cbow_gradient(), CbowGradient::Word2Vec);
    assert_eq!(hs_and_negative.cbow_gradient(), CbowGradient::Word2Vec);
    assert_eq!(hs_and_negative.alpha(), config::DEFAULT_ALPHA_CBOW);
    let given = TrainConfig {
        sg: true,
        alpha: Some(0.01),
        ..Default::default()
    };
    assert_eq!(given.alpha(), 0.01);
    // min_alpha is checked against the resolved rate.
    let bad = TrainConfig {
        min_alpha: 0.05,
        sg: true,
        ..Default::default()
    };
    assert!(bad
        .validate()
        .unwrap_err()
        .to_string()
        .contains("min_alpha"));
}

/// The corrected gradient gives each of the `m` context words `1 / m` of the averaged
/// context's gradient, where word2vec's update gives each all of it: with fixed windows of
/// 5 (10 context words), one epoch moves the input rows far less.
#[test]
fn corrected_cbow_gradient_divides_the_context_update() {
    let (v, c) = planted(3, 200);
    let moved = |cbow_gradient: CbowGradient| -> f64 {
        let cfg = TrainConfig {
            vector_size: 16,
            window: 5,
            shrink_windows: false,
            cbow_gradient: Some(cbow_gradient),
            alpha: Some(0.05),
            epochs: 1,
            sample: 0.0,
            n_threads: 1,
            ..Default::default()
        };
        let (start, _) = init_weights(&v, cfg.vector_size, cfg.seed).unwrap();
        let (trained, _) = fit(&cfg, &v, &c);
        trained
            .iter()
            .zip(&start)
            .map(|(a, b)| f64::from(a - b).powi(2))
            .sum()
    };
    let (word2vec, sqrt, corrected) = (
        moved(CbowGradient::Word2Vec),
        moved(CbowGradient::Sqrt),
        moved(CbowGradient::Corrected),
    );
    assert!(
        corrected < 0.3 * word2vec,
        "corrected context updates {corrected} vs word2vec's {word2vec}"
    );
    // 1 / sqrt(10) of the error: strictly between the two others.
    assert!(
        sqrt < 0.6 * word2vec && sqrt > 1.5 * corrected,
        "sqrt context updates {sqrt} vs word2vec's {word2vec} and corrected {corrected}"
    );
}

/// The quality check across thread counts: `tests/test_estimator.py`
/// (`test_many_threads_train_as_well_as_one`), on a corpus with frequent shared words.
#[test]
fn the_publication_interval_shrinks_with_the_square_of_the_threads() {
    let at = |n_threads| {
        TrainConfig {
            n_threads,
            ..Default::default()
        }
        .private_sync_interval()
    };
    assert_eq!((at(1), at(2), at(4)), (16384, 4096, 1024));
    assert_eq!(at(8), config::MIN_PRIVATE_SYNC_WORDS);
    assert_eq!(at(64), config::MIN_PRIVATE_SYNC_WORDS);
}

/// Planted topics written to a file (several 1 MiB ranges), its file corpus and vocabulary.
fn planted_file() -> (tempfile::NamedTempFile, crate::corpus::FileCorpus, Vocab) {
    use std::io::Write;
    let mut rng = WordRng::derive(7, 99, 0);
    let mut f = tempfile::NamedTempFile::new().unwrap();
    let mut text = String::new();
    for s in 0..150_000 {
        let words: Vec<String> = (0..1 + s % 17)
            .map(|_| format!("t{}w{}", s % 2, rng.below(40)))
            .collect();
        text.push_str(&words.join(" "));
        text.push('\n');
    }
    f.write_all(text.as_bytes()).unwrap();
    f.flush().unwrap();
    let fc = crate::corpus::FileCorpus::open(&[f.path()]).unwrap();
    let counts = crate::corpus::count_files(&fc, 1, None, 10_000).unwrap();
    let vocab = Vocab::from_counts(
        counts,
        VocabConfig {
            min_count: 1,
            max_final_vocab: None,
        },
    )
    .unwrap();
    (f, fc, vocab)
}

#[test]
fn the_id_cache_trains_bit_identically_to_reading_the_text() {
    // One thread: the cached epochs replay the units in the first epoch's order.
    let (_f, fc, v) = planted_file();
    for (sg, hs, negative) in [(false, false, 5), (true, false, 5), (false, true, 2)] {
        let base = TrainConfig {
            vector_size: 16,
            sg,
            hs,
            negative,
            epochs: 3,
            max_sentence_length: 7,
            ..Default::default()
        };
        let run = |id_cache: bool| {
            let cfg = TrainConfig {
                id_cache,
                ..base.clone()
            };
            let (mut s0, mut s1) = init_weights(&v, cfg.vector_size, cfg.seed).unwrap();
            let mut s2 = if hs {
                hs_weights(&[], v.len(), 16).unwrap()
            } else {
                vec![]
            };
            let r = train_hs(
                &cfg,
                &v,
                CorpusRef::Files(&fc),
                &mut s0,
                &mut s1,
                &mut s2,
                &mut NoProgress,
            )
            .unwrap();
            let losses: Vec<f64> = r.epochs.iter().map(|e| e.loss).collect();
            ((s0, s1, s2, losses), r.cached_epochs)
        };
        let ((cached, from_cache), (text, from_text)) = (run(true), run(false));
        assert_eq!((from_cache, from_text), (2, 0));
        assert!(
            cached == text,
            "sg={sg} hs={hs}: the cached epochs trained differently"
        );
    }
}

#[test]
fn output_weight_defaults_by_architecture_and_is_checked() {
    let cbow = TrainConfig::default();
    assert_eq!(cbow.output_weight(), 0.5);
    let sg = TrainConfig {
        sg: true,
        ..Default::default()
    };
    assert_eq!(sg.output_weight(), 0.0);
    let hs = TrainConfig {
        hs: true,
        ..Default::default()
    };
    assert_eq!(hs.output_weight(), 0.0);
    let hs_only = TrainConfig {
        hs: true,
        negative: 0,
        ..Default::default()
    };
    assert_eq!(hs_only.output_weight(), 0.0);
    hs_only.validate().unwrap();
    for (cfg, bad) in [
        (TrainConfig::default(), -0.1),
        (TrainConfig::default(), 1.5),
        (TrainConfig::default(), f64::NAN),
        (hs_only, 0.5),
    ] {
        let cfg = TrainConfig {
            output_weight: Some(bad),
            ..cfg
        };
        let e = cfg.validate().unwrap_err().to_string();
        assert!(e.contains("output_weight"), "{e}");
    }
    // The word vectors: syn0 + w * syn1neg in f32, and exactly syn0 at 0.
    let (syn0, syn1) = ([1.0f32, -2.0, 0.1], [4.0f32, 0.5, 0.3]);
    assert_eq!(crate::model::word_vectors(&syn0, &syn1, 0.0), syn0.to_vec());
    let mixed = crate::model::word_vectors(&syn0, &syn1, 0.5);
    assert_eq!(mixed, vec![3.0, -1.75, 0.1f32 + 0.5f32 * 0.3f32]);
}

#[test]
fn rarer_private_rows_are_published_less_often() {
    // 512 rows every time, 2,048 every 16th time, all 8,000 every 64th.
    let rows: Vec<usize> = (1..=128).map(|s| rows_to_publish(s, 512, 8000)).collect();
    for (i, &r) in rows.iter().enumerate() {
        let s = i as u64 + 1;
        let want = if s.is_multiple_of(64) {
            8000
        } else if s.is_multiple_of(16) {
            2048
        } else {
            512
        };
        assert_eq!(r, want, "publication {s}");
    }
    // No warm tier, or no private rows at all: nothing more.
    assert_eq!(rows_to_publish(64, 512, 512), 512);
    assert_eq!(rows_to_publish(64, 0, 0), 0);
    assert_eq!(rows_to_publish(1 << 40, 10, 20), 20);
}

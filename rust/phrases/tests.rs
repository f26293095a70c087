use super::*;
use crate::cancel::Interrupt;
use crate::corpus::FileCorpus;
use crate::error::EmbedError;
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};
use std::io::Write;

fn cfg(connectors: &[&str], max: Option<usize>) -> PhraseConfig {
    PhraseConfig {
        delimiter: "_".into(),
        connector_words: connectors.iter().map(|s| s.to_string()).collect(),
        max_vocab_size: max,
    }
}

fn count(sents: &[Vec<String>], c: PhraseConfig) -> PhraseCounts {
    let mut pc = PhraseCounts::new(c).unwrap();
    for s in sents {
        pc.add_sentence(s.iter().map(String::as_str));
    }
    pc
}

fn words(s: &str) -> Vec<String> {
    s.split_ascii_whitespace().map(str::to_owned).collect()
}

/// A literal port of gensim 4's `_learn_vocab` (pruning included).
fn ref_learn(
    sents: &[Vec<String>],
    conn: &HashSet<String>,
    d: &str,
    max: usize,
) -> (HashMap<String, u64>, u64) {
    let mut vocab: HashMap<String, u64> = HashMap::new();
    let (mut total, mut min_reduce) = (0u64, 1u64);
    for s in sents {
        let mut start: Option<&String> = None;
        let mut mid: Vec<&String> = Vec::new();
        for w in s {
            if !conn.contains(w) {
                *vocab.entry(w.clone()).or_default() += 1;
                if let Some(st) = start {
                    let mut parts = vec![st.as_str()];
                    parts.extend(mid.iter().map(|m| m.as_str()));
                    parts.push(w);
                    *vocab.entry(parts.join(d)).or_default() += 1;
                }
                start = Some(w);
                mid.clear();
            } else if start.is_some() {
                mid.push(w);
            }
            total += 1;
        }
        if vocab.len() > max {
            vocab.retain(|_, c| *c >= min_reduce);
            min_reduce += 1;
        }
    }
    (vocab, total)
}

/// gensim's unfrozen `Phrases.analyze_sentence` (empty tokens kept, see `analyze`).
fn ref_analyze(
    s: &[String],
    vocab: &HashMap<String, u64>,
    total: u64,
    conn: &HashSet<String>,
    d: &str,
    p: &ScoreParams,
) -> Vec<String> {
    let score = |a: &str, mid: &[String], b: &str| -> Option<String> {
        let ca = *vocab.get(a)?;
        let cb = *vocab.get(b)?;
        let mut parts = vec![a.to_owned()];
        parts.extend(mid.iter().cloned());
        parts.push(b.to_owned());
        let phrase = parts.join(d);
        let cab = *vocab.get(&phrase)?;
        let sc = p
            .scoring
            .score(ca, cb, cab, vocab.len() as u64, p.min_count, total);
        (sc > p.threshold).then_some(phrase)
    };
    let mut out = Vec::new();
    let mut start: Option<String> = None;
    let mut mid: Vec<String> = Vec::new();
    for w in s {
        if !conn.contains(w) {
            if let Some(st) = start.take() {
                if let Some(ph) = score(&st, &mid, w) {
                    out.push(ph);
                    mid.clear();
                } else {
                    out.push(st);
                    out.append(&mut mid);
                    start = Some(w.clone());
                }
            } else {
                start = Some(w.clone());
                mid.clear();
            }
        } else if start.is_some() {
            mid.push(w.clone());
        } else {
            out.push(w.clone());
        }
    }
    if let Some(st) = start {
        out.push(st);
        out.append(&mut mid);
    }
    out
}

fn planted() -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for i in 0..200u64 {
        let f1 = format!("w{}", (i * 7) % 50);
        let f2 = format!("w{}", (i * 13 + 5) % 50);
        out.push(words(&format!("{f1} new york is big {f2}")));
        if i % 2 == 0 {
            out.push(words(&format!("the bank of america said {f1} {f2}")));
        }
        out.push(words(&format!("{f2} machine learning {f1} and {f2}")));
    }
    out
}

#[test]
fn planted_bigrams_and_connector_phrases_are_found() {
    let c = count(&planted(), cfg(&ENGLISH_CONNECTOR_WORDS, None));
    assert_eq!(c.get("new_york"), 200);
    assert_eq!(c.get("bank_of_america"), 100);
    assert_eq!(c.get("the"), 0, "connectors are never counted alone");
    let p = ScoreParams {
        min_count: 5,
        threshold: 1.0,
        scoring: Scoring::Default,
    };
    let f = c.freeze(&p, 2).unwrap();
    let got: HashSet<String> = f.export_phrases().into_iter().map(|x| x.0).collect();
    assert!(got.contains("new_york"), "{got:?}");
    assert!(got.contains("bank_of_america"), "{got:?}");
    assert!(got.contains("machine_learning"), "{got:?}");
    assert_eq!(
        f.apply(&words("the bank of america in new york city")),
        words("the bank_of_america in new_york city")
    );
    // Scores follow gensim's formula.
    let want = (200.0 - 5.0) / (c.get("new") * c.get("york")) as f64 * c.len() as f64;
    let ny = f.export_phrases().into_iter().find(|x| x.0 == "new_york");
    assert_eq!(ny.unwrap().1, want);
    // Export from the counts (gensim's algorithm) agrees with the frozen table.
    assert_eq!(c.export_phrases(&p).unwrap(), f.export_phrases());
}

#[test]
fn npmi_scores_are_in_range_and_match_the_formula() {
    let c = count(&planted(), cfg(&ENGLISH_CONNECTOR_WORDS, None));
    let p = ScoreParams {
        min_count: 5,
        threshold: 0.5,
        scoring: Scoring::Npmi,
    };
    let ex = c.freeze(&p, 1).unwrap().export_phrases();
    assert!(!ex.is_empty());
    for (_, s) in &ex {
        assert!(*s > 0.5 && *s <= 1.0);
    }
    let n = c.corpus_word_count as f64;
    let (pa, pb, pab) = (c.get("new") as f64 / n, c.get("york") as f64 / n, 200.0 / n);
    let want = (pab / (pa * pb)).ln() / -pab.ln();
    assert_eq!(ex.iter().find(|x| x.0 == "new_york").unwrap().1, want);
}

#[test]
fn first_prune_removes_nothing_then_min_reduce_grows() {
    let sents: Vec<Vec<String>> = (0..6).map(|i| words(&format!("a b u{i}"))).collect();
    let c = count(&sents, cfg(&[], Some(4)));
    let conn = HashSet::new();
    let (v, total) = ref_learn(&sents, &conn, "_", 4);
    assert_eq!(c.len(), v.len());
    for (k, n) in &v {
        assert_eq!(c.get(k), *n, "{k}");
    }
    assert_eq!(c.corpus_word_count, total);
    assert!(c.prunes >= 2);
}

#[test]
fn second_pass_gives_trigrams_where_gensim_export_does_not() {
    let mut sents = Vec::new();
    for i in 0..300u64 {
        let f = format!("w{}", i % 97);
        let g = format!("v{}", (i * 31) % 89);
        sents.push(words(&format!("{f} new york city {g}")));
    }
    let p = ScoreParams {
        min_count: 5,
        threshold: 1.0,
        scoring: Scoring::Default,
    };
    let conn: Vec<&str> = vec![];
    let f1 = count(&sents, cfg(&conn, None)).freeze(&p, 1).unwrap();
    let pass2: Vec<Vec<String>> = sents.iter().map(|s| f1.apply(s)).collect();
    assert_eq!(pass2[0][1], "new_york");
    let c2 = count(&pass2, cfg(&conn, None));
    let f2 = c2.freeze(&p, 1).unwrap();
    assert_eq!(f2.apply(&pass2[0])[1], "new_york_city");
    let mine: HashSet<String> = f2.export_phrases().into_iter().map(|x| x.0).collect();
    assert!(mine.contains("new_york_city"));
    // gensim's re-splitting scores "new" + "city", which no longer occur alone.
    let gensim: HashSet<String> = c2
        .export_phrases(&p)
        .unwrap()
        .into_iter()
        .map(|x| x.0)
        .collect();
    assert!(!gensim.contains("new_york_city"));
    assert!(gensim.is_subset(&mine));
}

#[test]
fn files_are_counted_like_sentences_with_any_thread_count() {
    let mut text = String::new();
    let mut sents = Vec::new();
    for i in 0..40_000u64 {
        let s = format!(
            "w{} new york x{} of the y{}\r",
            i % 300,
            (i * 7) % 211,
            (i * 11) % 97
        );
        text.push_str(&s);
        text.push('\n');
        sents.push(words(&s));
    }
    text.push_str("caf\u{e9} \u{a0}x\n\n   \n");
    sents.push(words("caf\u{e9} \u{a0}x"));
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f.flush().unwrap();
    let fc = FileCorpus::open(&[f.path()]).unwrap();
    let c0 = count(&sents, cfg(&ENGLISH_CONNECTOR_WORDS, None));
    for threads in [1, 3] {
        let mut c = PhraseCounts::new(cfg(&ENGLISH_CONNECTOR_WORDS, None)).unwrap();
        c.count_files(&fc, threads, 10_000, &Interrupt::never())
            .unwrap();
        assert_eq!(c.corpus_word_count, c0.corpus_word_count);
        assert_eq!(c.len(), c0.len());
        for (k, n) in c0.iter() {
            assert_eq!(c.get(k), n, "{k}");
        }
    }
    // gzip gives the same counts
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(text.as_bytes()).unwrap();
    let mut g = tempfile::NamedTempFile::new().unwrap();
    g.write_all(&enc.finish().unwrap()).unwrap();
    g.flush().unwrap();
    let mut c = PhraseCounts::new(cfg(&ENGLISH_CONNECTOR_WORDS, None)).unwrap();
    c.count_files(
        &FileCorpus::open(&[g.path()]).unwrap(),
        2,
        10_000,
        &Interrupt::never(),
    )
    .unwrap();
    assert_eq!(c.len(), c0.len());
    assert_eq!(c.get("new_york"), 40_000);
}

#[test]
fn parallel_batches_count_exactly_like_sentences_in_order() {
    let mut batch = SentenceBatch::new();
    let mut sents = Vec::new();
    for i in 0..6000u64 {
        let s = format!(
            "w{} of x{} the y{} new york z{}",
            i % 700,
            (i * 7) % 1311,
            (i * 11) % 97,
            i % 5
        );
        batch.push_line(s.as_bytes());
        sents.push(words(&s));
    }
    batch.push_token("lonely");
    batch.end_sentence();
    sents.push(words("lonely"));
    for max in [None, Some(1_000_000), Some(20_000), Some(3_000)] {
        let c0 = count(&sents, cfg(&["of", "the"], max));
        let mut c = PhraseCounts::new(cfg(&["of", "the"], max)).unwrap();
        c.add_batch(&batch, 3);
        assert_eq!(c.len(), c0.len(), "{max:?}");
        assert_eq!(c.corpus_word_count, c0.corpus_word_count);
        assert_eq!(c.sentences, c0.sentences);
        assert_eq!(c.prunes, c0.prunes, "{max:?}");
        for (k, n) in c0.iter() {
            assert_eq!(c.get(k), n, "{k}");
        }
    }
}

#[test]
fn bytes_round_trip_and_corruption_is_detected() {
    let c = count(&planted(), cfg(&ENGLISH_CONNECTOR_WORDS, None));
    let f = c.freeze(&ScoreParams::default(), 2).unwrap();
    let b = f.to_bytes("{\"k\": 1}");
    let (g, meta) = FrozenPhrases::from_bytes(&b).unwrap();
    assert_eq!(meta, "{\"k\": 1}");
    assert_eq!(g.export_phrases(), f.export_phrases());
    assert_eq!(g.to_bytes("{\"k\": 1}"), b);
    assert_eq!(g.params(), f.params());
    assert_eq!(g.connector_words(), f.connector_words());
    for cut in [0, 5, 12, b.len() / 2, b.len() - 1] {
        assert!(FrozenPhrases::from_bytes(&b[..cut]).is_err(), "cut {cut}");
    }
    let mut flipped = b.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 1;
    let e = FrozenPhrases::from_bytes(&flipped).unwrap_err();
    assert!(matches!(e, EmbedError::Format { .. }), "{e}");
}

#[test]
fn files_are_written_atomically_and_errors_name_the_path() {
    let c = count(&planted(), cfg(&ENGLISH_CONNECTOR_WORDS, None));
    let f = c.freeze(&ScoreParams::default(), 1).unwrap();
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("phrases.bin");
    f.save(&p, "{}").unwrap();
    let (g, meta) = FrozenPhrases::load(&p).unwrap();
    assert_eq!(
        (g.export_phrases(), meta.as_str()),
        (f.export_phrases(), "{}")
    );
    // Only the file itself: no temporary sibling is left behind.
    assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);

    let good = std::fs::read(&p).unwrap();
    let damaged: [&[u8]; 3] = [&good[..good.len() / 2], b"", b"not a phrases file at all"];
    for bytes in damaged {
        std::fs::write(&p, bytes).unwrap();
        let e = FrozenPhrases::load(&p).unwrap_err();
        assert!(matches!(e, EmbedError::Format { .. }), "{e}");
        assert!(e.to_string().starts_with(&p.display().to_string()), "{e}");
    }
    let missing = d.path().join("missing.bin");
    let e = FrozenPhrases::load(&missing).unwrap_err();
    assert!(matches!(e, EmbedError::Io { .. }), "{e}");
    assert!(e.to_string().contains("missing.bin"), "{e}");
    let e = FrozenPhrases::load(d.path()).unwrap_err();
    assert!(e.to_string().contains("is a directory"), "{e}");
    let e = f.save(&d.path().join("no/such/dir/p.bin"), "").unwrap_err();
    assert!(e.to_string().contains("no/such/dir/p.bin"), "{e}");
}

#[test]
fn parameters_are_checked_with_gensim_rules() {
    let bad = [
        (0, 10.0, Scoring::Default, "min_count"),
        (5, 0.0, Scoring::Default, "threshold"),
        (5, 1.5, Scoring::Npmi, "threshold"),
        (5, f64::NAN, Scoring::Npmi, "threshold"),
    ];
    for (m, t, s, name) in bad {
        let p = ScoreParams {
            min_count: m,
            threshold: t,
            scoring: s,
        };
        let e = p.validate().unwrap_err();
        assert!(e.to_string().contains(name), "{e}");
    }
    assert!(Scoring::parse("pmi")
        .unwrap_err()
        .to_string()
        .contains("scoring"));
    let e = PhraseCounts::new(PhraseConfig {
        delimiter: String::new(),
        ..Default::default()
    })
    .unwrap_err();
    assert!(e.to_string().contains("delimiter"));
}

#[test]
fn multi_byte_delimiters_split_like_python() {
    assert_eq!(python_split_ends(b"a___b", b"__"), Some((1, 1)));
    assert_eq!(python_split_ends(b"a__b__c", b"__"), Some((1, 4)));
    assert_eq!(python_split_ends(b"ab", b"__"), None);
    let mut occ = Vec::new();
    occurrences(b"a___b", b"__", &mut occ);
    assert_eq!(occ, vec![1, 2]);
}

fn sentence_strategy() -> impl Strategy<Value = Vec<String>> {
    let tok = prop_oneof![
        4 => "[a-e]".prop_map(|s| s),
        2 => prop_oneof![Just("of".to_string()), Just("the".to_string())],
        1 => prop_oneof![Just("a_b".to_string()), Just("b_c".to_string()), Just("_".to_string()), Just(String::new())],
    ];
    prop::collection::vec(tok, 0..12)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Frozen tables reproduce gensim's unfrozen `Phrases[sentence]` exactly, with tokens
    /// that contain the delimiter, connectors and pruning.
    #[test]
    fn frozen_apply_equals_unfrozen_gensim(
        sents in prop::collection::vec(sentence_strategy(), 1..60),
        npmi in any::<bool>(),
        max in prop_oneof![Just(usize::MAX), 8usize..40],
    ) {
        let conn_words = ["of", "the"];
        let conn: HashSet<String> = conn_words.iter().map(|s| s.to_string()).collect();
        let p = if npmi {
            ScoreParams { min_count: 2, threshold: 0.1, scoring: Scoring::Npmi }
        } else {
            ScoreParams { min_count: 1, threshold: 0.5, scoring: Scoring::Default }
        };
        let c = count(&sents, cfg(&conn_words, Some(max)));
        let (vocab, total) = ref_learn(&sents, &conn, "_", max);
        prop_assert_eq!(c.len(), vocab.len());
        prop_assert_eq!(c.corpus_word_count, total);
        let f = c.freeze(&p, 2).unwrap();
        for s in &sents {
            prop_assert_eq!(f.apply(s), ref_analyze(s, &vocab, total, &conn, "_", &p));
        }
    }

    /// Applying never loses, duplicates or reorders tokens: the pieces cover the input in
    /// order, and a phrase is its tokens joined by the delimiter.
    #[test]
    fn apply_keeps_every_token_in_order(
        train in prop::collection::vec(sentence_strategy(), 1..40),
        s in sentence_strategy(),
    ) {
        let c = count(&train, cfg(&["of", "the"], None));
        let f = c.freeze(&ScoreParams { min_count: 1, threshold: 0.1, scoring: Scoring::Default }, 1).unwrap();
        let toks: Vec<&str> = s.iter().map(String::as_str).collect();
        let mut pieces = Vec::new();
        f.analyze(&toks, &mut pieces);
        let mut next = 0;
        for p in &pieces {
            match *p {
                Piece::Token(i) => { prop_assert_eq!(i, next); next += 1; }
                Piece::Phrase { start, end, .. } => {
                    prop_assert_eq!(start, next);
                    prop_assert!(end >= start + 2);
                    next = end;
                }
            }
        }
        prop_assert_eq!(next, toks.len());
        prop_assert_eq!(f.apply(&s).join("_"), s.join("_"));
    }
}

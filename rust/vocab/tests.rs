use super::*;
use proptest::prelude::*;

#[test]
fn counts_saturate_instead_of_wrapping() {
    let mut c = WordCounts::new(None);
    c.add_str("a", u64::MAX);
    c.add_str("a", 5);
    assert_eq!(c.get("a"), u64::MAX);
}

fn count(text: &str, max: Option<usize>) -> WordCounts {
    let mut c = WordCounts::new(max);
    for t in text.split_whitespace() {
        c.add_token(t.as_bytes()).unwrap();
    }
    c
}

fn cfg(min_count: u64) -> VocabConfig {
    VocabConfig {
        min_count,
        max_final_vocab: None,
    }
}

#[test]
fn order_is_count_desc_then_word() {
    let v = Vocab::from_counts(count("b a c b a d b", None), cfg(1)).unwrap();
    assert_eq!(v.words(), ["b", "a", "c", "d"]);
    assert_eq!(v.counts(), [3, 2, 1, 1]);
    assert_eq!(v.corpus_words, 7);
    assert_eq!(v.get("c"), Some(2));
}

#[test]
fn min_count_removes_and_empty_is_an_error() {
    let v = Vocab::from_counts(count("a a b", None), cfg(2)).unwrap();
    assert_eq!(v.words(), ["a"]);
    let e = Vocab::from_counts(count("a b", None), cfg(5)).unwrap_err();
    assert!(e.to_string().contains("min_count=5"), "{e}");
}

#[test]
fn max_final_vocab_never_splits_ties() {
    // counts: a 4, b 2, c 2, d 1
    let c = count("a a a a b b c c d", None);
    let v = Vocab::from_counts(
        c,
        VocabConfig {
            min_count: 1,
            max_final_vocab: Some(2),
        },
    )
    .unwrap();
    assert_eq!(v.words(), ["a"]);
    assert_eq!(v.effective_min_count, 3);
}

#[test]
fn pruning_bounds_the_table() {
    let text: String = (0..1000).map(|i| format!("w{i} common ")).collect();
    let c = count(&text, Some(50));
    assert!(c.len() <= 50);
    assert_eq!(c.get("common"), 1000);
    assert_eq!(c.total_words, 2000);
}

#[test]
fn invalid_utf8_is_replaced() {
    let mut c = WordCounts::new(None);
    c.add_token(b"caf\xe9").unwrap();
    assert_eq!(c.get("caf\u{fffd}"), 1);
    let v = Vocab::from_counts(c, cfg(1)).unwrap();
    assert_eq!(v.get_bytes(b"caf\xe9"), Some(0));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn ids_are_a_bijection_and_counts_add_up(words in prop::collection::vec("[a-e]{1,3}", 1..200)) {
        let text = words.join(" ");
        let c = count(&text, None);
        prop_assert_eq!(c.total_words as usize, words.len());
        let v = Vocab::from_counts(c, cfg(1)).unwrap();
        prop_assert_eq!(v.counts().iter().sum::<u64>() as usize, words.len());
        for (i, w) in v.words().iter().enumerate() {
            prop_assert_eq!(v.get(w), Some(i as u32));
        }
        for pair in v.counts().windows(2) {
            prop_assert!(pair[0] >= pair[1]);
        }
    }

    #[test]
    fn index_finds_every_word_and_nothing_else(
        words in prop::collection::hash_set("[a-c]{1,12}|[ab\u{e9}]{7,10}", 1..300),
        probes in prop::collection::vec("[a-d]{0,13}", 0..50),
    ) {
        // Short alphabets: many words share their first 8 bytes, and long runs of
        // neighbouring slots form, so the prefix, the tail compare and the probing all
        // matter.
        let items: Vec<(String, u64)> = words.iter().map(|w| (w.clone(), 1)).collect();
        let v = Vocab::from_sorted(items.clone()).unwrap();
        for (i, (w, _)) in items.iter().enumerate() {
            let key = v.key(w.as_bytes());
            prop_assert_eq!(v.get_keyed(w.as_bytes(), key), Some(i as u32));
            prop_assert_eq!(v.get(w), Some(i as u32));
        }
        for p in &probes {
            let want = items.iter().position(|(w, _)| w == p).map(|i| i as u32);
            prop_assert_eq!(v.get(p), want);
            prop_assert_eq!(v.get_keyed(p.as_bytes(), v.key(p.as_bytes())), want);
        }
        let mut dup = items.clone();
        dup.push(items[0].clone());
        prop_assert!(Vocab::from_sorted(dup).is_err());
    }

    #[test]
    fn raising_min_count_never_grows(words in prop::collection::vec("[a-f]{1,2}", 1..200), m in 1u64..5) {
        let text = words.join(" ");
        let a = Vocab::from_counts(count(&text, None), cfg(m)).map(|v| v.len()).unwrap_or(0);
        let b = Vocab::from_counts(count(&text, None), cfg(m + 1)).map(|v| v.len()).unwrap_or(0);
        prop_assert!(b <= a);
    }

    #[test]
    fn merge_is_commutative_and_matches_one_pass(xs in prop::collection::vec("[a-d]{1,2}", 0..100), ys in prop::collection::vec("[a-d]{1,2}", 0..100)) {
        let whole = count(&format!("{} {}", xs.join(" "), ys.join(" ")), None);
        let mut ab = count(&xs.join(" "), None);
        ab.merge(count(&ys.join(" "), None));
        let mut ba = count(&ys.join(" "), None);
        ba.merge(count(&xs.join(" "), None));
        for (w, c) in whole.iter() {
            prop_assert_eq!(ab.get(w), c);
            prop_assert_eq!(ba.get(w), c);
        }
        prop_assert_eq!(ab.len(), whole.len());
        prop_assert_eq!(ab.total_words, whole.total_words);
    }
}

use super::native::HEADER_LEN;
use super::*;
use crate::hash::{fnv1a_wide, fnv1a_wide_start};
use crate::model::KeyedVectors;
use crate::vocab::{Vocab, WordCounts};
use proptest::prelude::*;

fn kv() -> KeyedVectors {
    let vocab =
        Vocab::from_sorted(vec![("a".into(), 3), ("b".into(), 2), ("c".into(), 1)]).unwrap();
    KeyedVectors::new(vocab, 2, vec![1.0, 0.0, 0.9, 0.1, -1.0, 0.0]).unwrap()
}

fn opts(binary: bool) -> Word2VecReadOptions {
    Word2VecReadOptions {
        binary,
        ..Default::default()
    }
}

#[test]
fn word2vec_round_trips() {
    let kv = kv();
    let d = tempfile::tempdir().unwrap();
    for binary in [true, false] {
        let p = d.path().join(format!("v{binary}.w2v"));
        kv.save_word2vec_format(&p, binary).unwrap();
        let back = KeyedVectors::load_word2vec_format(&p, opts(binary)).unwrap();
        assert_eq!(back.vocab().words(), kv.vocab().words());
        assert_eq!(back.vectors(), kv.vectors());
    }
    assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 2);
}

#[test]
fn malformed_word2vec_files_name_the_place() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("v.txt");
    let cases: &[(&[u8], &str)] = &[
        (b"2 3\na 1 2 3\nb 1 2\n", "line 3: expected 3 numbers"),
        (b"3 2\na 1 2\nb 1 2\n", "line 4: file ends after 2 of 3"),
        (b"x y\n", "line 1: expected a header"),
        (b"2 2\na 1 2\na 3 4\n", "duplicate word \"a\""),
        (b"1 2\na 1 nan\n", "line 2: value NaN is not finite"),
        (b"1 2\na 1 zz\n", "line 2: \"zz\" is not a number"),
        (b"1 2\nb\xff 1 2\n", "line 2: the word"),
    ];
    for (content, want) in cases {
        std::fs::write(&p, content).unwrap();
        let e = KeyedVectors::load_word2vec_format(&p, opts(false)).unwrap_err();
        assert!(e.to_string().contains(want), "{e} does not contain {want}");
    }
    std::fs::write(&p, b"1 2\nb\xff 1 2\n").unwrap();
    let o = Word2VecReadOptions {
        binary: false,
        unicode_errors: UnicodeErrors::Replace,
        ..Default::default()
    };
    assert_eq!(
        KeyedVectors::load_word2vec_format(&p, o)
            .unwrap()
            .vocab()
            .words(),
        ["b\u{fffd}"]
    );
    let o = Word2VecReadOptions {
        binary: false,
        unicode_errors: UnicodeErrors::Ignore,
        ..Default::default()
    };
    assert_eq!(
        KeyedVectors::load_word2vec_format(&p, o)
            .unwrap()
            .vocab()
            .words(),
        ["b"]
    );
    std::fs::write(&p, b"a 1 2\nb 3 4\n").unwrap();
    let o = Word2VecReadOptions {
        binary: false,
        no_header: true,
        ..Default::default()
    };
    assert_eq!(KeyedVectors::load_word2vec_format(&p, o).unwrap().len(), 2);
}

#[test]
fn truncated_binary_names_the_offset() {
    let kv = kv();
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("v.bin");
    kv.save_word2vec_format(&p, true).unwrap();
    let bytes = std::fs::read(&p).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() - 5]).unwrap();
    let e = KeyedVectors::load_word2vec_format(&p, opts(true)).unwrap_err();
    assert!(e.to_string().contains("byte"), "{e}");
    assert!(matches!(e, EmbedError::Truncated { .. }), "{e:?}");
    // A header that announces more entries than the file holds, in both formats.
    for binary in [true, false] {
        kv.save_word2vec_format(&p, binary).unwrap();
        let mut bytes = std::fs::read(&p).unwrap();
        bytes[0] = b'9';
        std::fs::write(&p, &bytes).unwrap();
        let e = KeyedVectors::load_word2vec_format(&p, opts(binary)).unwrap_err();
        assert!(matches!(e, EmbedError::Truncated { .. }), "{e:?}");
    }
}

#[test]
fn failed_save_keeps_the_old_file() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("v.txt");
    std::fs::write(&p, b"old").unwrap();
    let bad = KeyedVectors::new(
        Vocab::from_sorted(vec![("has space".into(), 1)]).unwrap(),
        2,
        vec![0.0, 1.0],
    )
    .unwrap();
    assert!(bad.save_word2vec_format(&p, false).is_err());
    assert_eq!(std::fs::read(&p).unwrap(), b"old");
    let missing_dir = d.path().join("no/such/dir/v.bin");
    assert!(save_native(&missing_dir, &kv(), None, None, None, None, "").is_err());
}

#[test]
fn native_round_trips_with_and_without_mmap() {
    let kv = kv();
    let syn1 = vec![0.5f32; 6];
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("m.embedrs");
    save_native(&p, &kv, Some(&syn1), None, None, None, "{\"x\": 1}").unwrap();
    for mmap in [true, false] {
        let m = load_native(&p, mmap).unwrap();
        assert_eq!(m.kv.is_mapped(), mmap);
        assert_eq!(m.kv.vectors(), kv.vectors());
        assert_eq!(m.kv.vocab().counts(), kv.vocab().counts());
        assert_eq!(m.syn1neg.unwrap().as_slice(), &syn1[..]);
        assert_eq!(m.meta, "{\"x\": 1}");
    }
    let b = native_to_bytes(&kv, None, "");
    let m = native_from_bytes(&b).unwrap();
    assert!(m.syn1neg.is_none());
    assert_eq!(m.kv.vectors(), kv.vectors());
}

#[test]
fn hierarchical_softmax_matrix_round_trips_after_syn1neg() {
    let kv = kv();
    let syn1neg = vec![0.5f32; 6];
    let syn1: Vec<f32> = (0..6).map(|i| i as f32 - 2.5).collect();
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("m.embedrs");
    let mut rare = WordCounts::new(None);
    rare.add_str("zebra", 3);
    save_native(
        &p,
        &kv,
        Some(&syn1neg),
        Some(&syn1),
        None,
        Some(&rare),
        "{}",
    )
    .unwrap();
    for mmap in [true, false] {
        let m = load_native(&p, mmap).unwrap();
        assert_eq!(m.kv.vectors(), kv.vectors());
        assert_eq!(m.syn1neg.unwrap().as_slice(), &syn1neg[..]);
        assert_eq!(m.syn1.unwrap().as_slice(), &syn1[..]);
        assert_eq!(m.rare.unwrap().get("zebra"), 3);
    }
    let bytes = std::fs::read(&p).unwrap();
    assert_eq!(u32::from_le_bytes(bytes[12..16].try_into().unwrap()), 0b111);
    let m = native_from_bytes(&bytes).unwrap();
    assert_eq!(m.syn1.unwrap().as_slice(), &syn1[..]);
    // hs alone (no syn1neg) is a valid layout too.
    save_native(&p, &kv, None, Some(&syn1), None, None, "").unwrap();
    let m = load_native(&p, false).unwrap();
    assert!(m.syn1neg.is_none());
    assert_eq!(m.syn1.unwrap().as_slice(), &syn1[..]);
    // Without it, the bytes are those of a file written before the flag existed: bit 2
    // clear, nothing after syn1neg. And a truncated matrix is named.
    save_native(&p, &kv, Some(&syn1neg), None, None, Some(&rare), "{}").unwrap();
    let without = std::fs::read(&p).unwrap();
    let mut expected = bytes[..bytes.len() - 6 * 4].to_vec();
    expected[12] &= !4;
    assert_eq!(without, expected);
    assert!(load_native(&p, true).unwrap().syn1.is_none());
    let cut = &bytes[..bytes.len() - 4];
    let e = native_from_bytes(cut).unwrap_err().to_string();
    assert!(e.contains("three times"), "{e}");
    assert!(save_native(&p, &kv, None, Some(&[0.0; 5]), None, None, "").is_err());
}

#[test]
fn input_matrix_round_trips_last_under_its_own_flag() {
    // Models whose word vectors mix in the output vectors keep the input matrix apart.
    let kv = kv();
    let syn1neg = vec![0.5f32; 6];
    let syn1: Vec<f32> = (0..6).map(|i| i as f32).collect();
    let syn0: Vec<f32> = (0..6).map(|i| -(i as f32) - 0.25).collect();
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("m.embedrs");
    for hs in [None, Some(&syn1[..])] {
        save_native(&p, &kv, Some(&syn1neg), hs, Some(&syn0), None, "{}").unwrap();
        for mmap in [true, false] {
            let m = load_native(&p, mmap).unwrap();
            assert_eq!(m.kv.vectors(), kv.vectors());
            assert_eq!(m.syn1neg.unwrap().as_slice(), &syn1neg[..]);
            assert_eq!(
                m.syn1.map(|s| s.as_slice().to_vec()),
                hs.map(|s| s.to_vec())
            );
            assert_eq!(m.syn0.unwrap().as_slice(), &syn0[..]);
        }
        let bytes = std::fs::read(&p).unwrap();
        let flags = u32::from_le_bytes(bytes[12..16].try_into().unwrap());
        assert_eq!(flags, 0b1001 | if hs.is_some() { 0b100 } else { 0 });
        assert_eq!(
            native_from_bytes(&bytes).unwrap().syn0.unwrap().as_slice(),
            &syn0[..]
        );
        // The input matrix is last: cutting it short is named, as for the others.
        let e = native_from_bytes(&bytes[..bytes.len() - 4])
            .unwrap_err()
            .to_string();
        assert!(e.contains("truncated or corrupted"), "{e}");
    }
    // Files without it are the files written before the flag existed.
    save_native(&p, &kv, Some(&syn1neg), None, None, None, "{}").unwrap();
    assert!(load_native(&p, true).unwrap().syn0.is_none());
    // A wrong size is refused before anything is written.
    let e = save_native(&p, &kv, Some(&syn1neg), None, Some(&[0.0; 5]), None, "").unwrap_err();
    assert!(e.to_string().contains("syn0 has 5 floats"), "{e}");
    // An unknown flag (bit 4) is refused, as older readers refuse bit 3.
    let mut b = native_to_bytes(&kv, None, "");
    b[12] |= 16;
    let e = native_from_bytes(&b).unwrap_err().to_string();
    assert!(e.contains("unknown flags"), "{e}");
}

#[test]
fn rare_word_counts_round_trip_and_are_checked() {
    let kv = kv();
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("m.embedrs");
    let mut rare = WordCounts::new(None);
    rare.add_str("zebra", 3);
    rare.add_str("yak", 4);
    save_native(&p, &kv, Some(&[0.0; 6]), None, None, Some(&rare), "").unwrap();
    let m = load_native(&p, false).unwrap();
    let back = m.rare.expect("rare counts were written");
    assert_eq!(back.sorted_items(), vec![("yak", 4), ("zebra", 3)]);
    assert_eq!(m.kv.vocab().counts(), kv.vocab().counts());
    // No rare words: no block, and the same bytes as a file written without them.
    let empty = WordCounts::new(None);
    save_native(&p, &kv, None, None, None, Some(&empty), "").unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), native_to_bytes(&kv, None, ""));
    assert!(load_native(&p, true).unwrap().rare.is_none());
    // A rare entry cut short is named (the checksum is recomputed so that only the
    // entry's length is wrong).
    let mut b = Vec::new();
    write_native(&mut b, &kv, None, None, None, Some(&rare), "").unwrap();
    let vocab_len = u64::from_le_bytes(b[40..48].try_into().unwrap()) as usize;
    let last_len_at = HEADER_LEN + vocab_len - 8 - 5 - 4; // "zebra": u32 len, 5 bytes, u64
    b[last_len_at] = 200;
    let block = &b[HEADER_LEN..HEADER_LEN + vocab_len];
    let sum = fnv1a_wide(block, fnv1a_wide(b"", fnv1a_wide_start()));
    b[48..56].copy_from_slice(&sum.to_le_bytes());
    let e = native_from_bytes(&b).unwrap_err().to_string();
    assert!(e.contains("rare-word entry 2 is cut short"), "{e}");
    // A repeated rare word (found by fuzzing: repeats added up and overflowed).
    let mut twice = WordCounts::new(None);
    twice.add_str("yak", u64::MAX);
    twice.add_str("zed", u64::MAX);
    let mut b = Vec::new();
    write_native(&mut b, &kv, None, None, None, Some(&twice), "").unwrap();
    let at = b.windows(3).rposition(|w| w == b"zed").unwrap();
    b[at..at + 3].copy_from_slice(b"yak");
    let block = &b[HEADER_LEN..HEADER_LEN + vocab_len_of(&b)];
    let sum = fnv1a_wide(block, fnv1a_wide(b"", fnv1a_wide_start()));
    b[48..56].copy_from_slice(&sum.to_le_bytes());
    let e = native_from_bytes(&b).unwrap_err().to_string();
    assert!(
        e.contains("rare-word entry 2 (\"yak\") repeats a word"),
        "{e}"
    );
}

fn vocab_len_of(b: &[u8]) -> usize {
    u64::from_le_bytes(b[40..48].try_into().unwrap()) as usize
}

#[test]
fn damaged_native_files_are_format_errors() {
    let kv = kv();
    let b = native_to_bytes(&kv, None, "meta");
    for cut in [0, 7, 20, 60, b.len() - 1] {
        let e = native_from_bytes(&b[..cut]).unwrap_err();
        assert!(matches!(e, EmbedError::Format { .. }), "{e:?}");
    }
    let mut v = b.clone();
    v[8] = 9;
    assert!(native_from_bytes(&v)
        .unwrap_err()
        .to_string()
        .contains("version 9"));
    let mut c = b.clone();
    c[HEADER_LEN + 1] ^= 0xff; // inside the metadata
    assert!(native_from_bytes(&c)
        .unwrap_err()
        .to_string()
        .contains("checksum"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn native_round_trips_any_words(words in prop::collection::hash_set(".{1,12}", 1..20), dim in 1usize..5) {
        let words: Vec<String> = words.into_iter().collect();
        let n = words.len();
        let items = words.iter().cloned().zip((0..n as u64).rev()).collect();
        let data: Vec<f32> = (0..n * dim).map(|i| i as f32 * 0.25 - 3.0).collect();
        let kv = KeyedVectors::new(Vocab::from_sorted(items).unwrap(), dim, data).unwrap();
        let mut rare = WordCounts::new(None);
        for (i, w) in words.iter().enumerate() {
            rare.add_str(&format!("{w}~"), i as u64 + 1);
        }
        let mut bytes = Vec::new();
        write_native(&mut bytes, &kv, None, None, None, Some(&rare), "").unwrap();
        let m = native_from_bytes(&bytes).unwrap();
        prop_assert_eq!(m.kv.vocab().words(), kv.vocab().words());
        prop_assert_eq!(m.kv.vectors(), kv.vectors());
        let back = m.rare.unwrap();
        prop_assert_eq!(back.sorted_items(), rare.sorted_items());
    }

    #[test]
    fn native_reader_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = native_from_bytes(&bytes);
        let mut b = native_to_bytes(&kv(), None, "m");
        let k = bytes.len().min(b.len());
        b[..k].copy_from_slice(&bytes[..k]);
        let _ = native_from_bytes(&b);
    }

    #[test]
    fn word2vec_text_rejects_words_with_whitespace(w in "[a-z]{1,4}[ \t][a-z]{1,4}") {
        let kv = KeyedVectors::new(Vocab::from_sorted(vec![(w, 1)]).unwrap(), 1, vec![1.0]).unwrap();
        let d = tempfile::tempdir().unwrap();
        let e = kv.save_word2vec_format(&d.path().join("x"), false).unwrap_err();
        let is_format = matches!(e, EmbedError::Format { .. });
        prop_assert!(is_format);
    }
}

#[test]
fn a_text_file_read_as_binary_is_refused_with_the_offset() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("v.txt");
    kv().save_word2vec_format(&p, false).unwrap();
    // dim 2: "a 1 0" gives too few bytes for the check; use a wider text file.
    let text = "2 4\nking 0.1 -0.25 1e-3 0.5\nqueen 0.2 0.3 0.4 0.5\n";
    std::fs::write(&p, text).unwrap();
    let e = KeyedVectors::load_word2vec_format(&p, opts(true)).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, EmbedError::Format { .. }), "{msg}");
    assert!(
        msg.contains("byte 9: the 16 bytes of the vector of 'king'"),
        "{msg}"
    );
    assert!(msg.contains("read it with binary=False"), "{msg}");
    assert!(KeyedVectors::load_word2vec_format(&p, opts(false)).is_ok());
}

#[test]
fn check_writable_leaves_nothing_behind_and_names_the_path() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("out.bin");
    check_writable(&p).unwrap();
    assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 0);
    let e = check_writable(&d.path().join("missing/out.bin")).unwrap_err();
    assert!(e.to_string().contains("missing/out.bin"), "{e}");
    let e = check_writable(d.path()).unwrap_err();
    assert!(e.to_string().contains("is a directory"), "{e}");
}

#[test]
fn atomic_bytes_replace_the_file_and_read_file_refuses_directories() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("f.txt");
    atomic_write_bytes(&p, b"one").unwrap();
    atomic_write_bytes(&p, b"two").unwrap();
    assert_eq!(read_file(&p).unwrap(), b"two");
    assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    let e = read_file(d.path()).unwrap_err();
    assert!(e.to_string().contains("is a directory"), "{e}");
}

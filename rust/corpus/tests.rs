use super::*;
use crate::error::EmbedError;
use crate::vocab::VocabConfig;
use proptest::prelude::*;
use std::io::Write;
use std::sync::Mutex;

fn write_tmp(content: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(content).unwrap();
    f.flush().unwrap();
    f
}

fn read_all_lines(fc: &FileCorpus, vocab: &Vocab, threads: usize) -> Vec<(Vec<u32>, u64)> {
    let corpus = CorpusRef::Files(fc);
    units_of(&Feed::new(corpus, 10_000), corpus, vocab, 10_000, threads)
        .into_iter()
        .flat_map(|unit| unit.1)
        .collect()
}

#[test]
fn every_line_is_read_exactly_once_across_range_boundaries() {
    // Lines of varying length so that 1 MiB boundaries fall everywhere.
    let mut text = Vec::new();
    let mut expected = 0u64;
    for i in 0..60_000u64 {
        let n = 1 + (i * 7919) % 13;
        for j in 0..n {
            text.extend_from_slice(format!("w{} ", (i + j) % 50).as_bytes());
        }
        expected += n;
        text.push(b'\n');
    }
    let f = write_tmp(&text);
    let fc = FileCorpus::open(&[f.path()]).unwrap();
    let counts = count_files(&fc, 2, None, 10_000).unwrap();
    assert_eq!(counts.total_words, expected);
    assert_eq!(counts.sentences, 60_000);
    let vocab = Vocab::from_counts(
        counts,
        VocabConfig {
            min_count: 1,
            max_final_vocab: None,
        },
    )
    .unwrap();
    let lines = read_all_lines(&fc, &vocab, 2);
    assert_eq!(lines.len(), 60_000);
    assert_eq!(lines.iter().map(|l| l.1).sum::<u64>(), expected);
}

#[test]
fn gzip_is_read_like_plain_text() {
    let text = b"the cat sat\non the mat\nno newline at end";
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(text).unwrap();
    let gz = write_tmp(&enc.finish().unwrap());
    let plain = write_tmp(text);
    let a = count_files(&FileCorpus::open(&[gz.path()]).unwrap(), 2, None, 100).unwrap();
    let b = count_files(&FileCorpus::open(&[plain.path()]).unwrap(), 2, None, 100).unwrap();
    assert_eq!(a.total_words, 10);
    assert_eq!(a.total_words, b.total_words);
    assert_eq!(a.get("the"), 2);
    assert_eq!(a.sentences, 3);
}

#[test]
fn truncated_gzip_is_an_io_error() {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for i in 0..10_000 {
        enc.write_all(format!("line {i} of text\n").as_bytes())
            .unwrap();
    }
    let bytes = enc.finish().unwrap();
    let gz = write_tmp(&bytes[..bytes.len() / 2]);
    let e = count_files(&FileCorpus::open(&[gz.path()]).unwrap(), 1, None, 100).unwrap_err();
    assert!(matches!(e, EmbedError::Io { .. }), "{e:?}");
}

#[test]
fn missing_file_and_directory_are_named() {
    let e = FileCorpus::open(&["/nonexistent/x.txt"]).unwrap_err();
    assert!(e.to_string().contains("/nonexistent/x.txt"));
    let d = tempfile::tempdir().unwrap();
    let e = FileCorpus::open(&[d.path()]).unwrap_err();
    assert!(e.to_string().contains("directory"), "{e}");
}

#[test]
fn changed_files_are_detected() {
    let text = b"the cat sat\non the mat\n".repeat(100);
    // Plain: same size but a new modification time.
    let f = write_tmp(&text);
    let fc = FileCorpus::open(&[f.path()]).unwrap();
    fc.check_unchanged().unwrap();
    let later = std::fs::metadata(f.path()).unwrap().modified().unwrap()
        + std::time::Duration::from_secs(5);
    f.as_file().set_modified(later).unwrap();
    let e = fc.check_unchanged().unwrap_err().to_string();
    assert!(e.contains("changed since it was counted (same size"), "{e}");
    // Gzip: the compressed size is compared.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&text).unwrap();
    let gz = write_tmp(&enc.finish().unwrap());
    let fc = FileCorpus::open(&[gz.path()]).unwrap();
    let n = gz.as_file().metadata().unwrap().len();
    gz.as_file().set_len(n + 3).unwrap();
    let e = fc.check_unchanged().unwrap_err().to_string();
    assert!(
        e.contains(&format!(
            "changed since it was counted ({n} compressed bytes, now {})",
            n + 3
        )),
        "{e}"
    );
    // Removed.
    drop(gz);
    let e = fc.check_unchanged().unwrap_err();
    assert!(
        matches!(&e, EmbedError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound),
        "{e:?}"
    );
}

#[test]
fn a_file_that_shrinks_while_read_is_an_error() {
    let text = b"a b c d e f g h\n".repeat(200_000); // 3.2 MB: several ranges
    let f = write_tmp(&text);
    let fc = FileCorpus::open(&[f.path()]).unwrap();
    let feed = Feed::new(CorpusRef::Files(&fc), 10_000);
    let mut b = Batch::default();
    feed.next_batch(&mut b).unwrap().unwrap();
    f.as_file().set_len(1_500_000).unwrap();
    let e = loop {
        match feed.next_batch(&mut b) {
            Ok(Some(_)) => {}
            Ok(None) => panic!("the shrunk file was read to the end without an error"),
            Err(e) => break e.to_string(),
        }
    };
    assert!(
        e.contains(&format!(
            "changed while it was read (it had {} bytes when counted, now ends at byte",
            text.len()
        )),
        "{e}"
    );
    assert!(e.contains(&f.path().display().to_string()), "{e}");
}

#[test]
fn long_sentences_are_split_not_truncated() {
    let line: String = (0..25).map(|i| format!("w{} ", i % 3)).collect();
    let f = write_tmp(line.as_bytes());
    let fc = FileCorpus::open(&[f.path()]).unwrap();
    let counts = count_files(&fc, 1, None, 10).unwrap();
    assert_eq!(counts.long_sentences, 1);
    assert_eq!(counts.sentences, 3);
    let vocab = Vocab::from_counts(
        counts,
        VocabConfig {
            min_count: 1,
            max_final_vocab: None,
        },
    )
    .unwrap();
    let feed = Feed::new(CorpusRef::Files(&fc), 10_000);
    let mut b = Batch::default();
    feed.next_batch(&mut b).unwrap().unwrap();
    let mut pieces = Vec::new();
    b.for_each_sentence(CorpusRef::Files(&fc), &vocab, 10, |ids, raw| {
        pieces.push((ids.len(), raw))
    });
    assert_eq!(pieces, vec![(10, 10), (10, 10), (5, 5)]);
}

#[test]
fn id_corpus_drops_rare_words_but_keeps_raw_counts() {
    let mut b = IdCorpusBuilder::new(None, 10_000);
    b.add_line(b"a b a c").unwrap();
    b.add_line(b"  ").unwrap();
    b.add_line(b"a b z").unwrap();
    let (v, c, counts) = b
        .finish(VocabConfig {
            min_count: 2,
            max_final_vocab: None,
        })
        .unwrap();
    assert_eq!(v.words(), ["a", "b"]);
    assert_eq!(counts.total_words, 7);
    assert_eq!(c.n_sentences(), 2);
    assert_eq!(c.raw_words(), 7);
    assert_eq!(c.sentence(0), &[0, 1, 0]);
    assert_eq!(c.sentence(1), &[0, 1]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Reading a file by ranges and building an id corpus from the same lines see the same
    /// sentences, whatever bytes the file holds.
    #[test]
    fn file_and_id_paths_agree(lines in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 0..60)) {
        // A first line of text: a file whose first bytes are a compressed format's magic or
        // a UTF-16 byte-order mark is refused as not text (the reader's own tests cover that),
        // and proptest favours the bytes 0xFE and 0xFF.
        let mut text = b"first\n".to_vec();
        for l in &lines {
            // Newlines are the test's own; NUL bytes in bulk make a file binary (refused).
            text.extend(l.iter().map(|&b| if b == b'\n' || b == 0 { b' ' } else { b }));
            text.push(b'\n');
        }
        let f = write_tmp(&text);
        let fc = FileCorpus::open(&[f.path()]).unwrap();
        let counts = count_files(&fc, 2, None, 7).unwrap();
        let mut builder = IdCorpusBuilder::new(None, 7);
        for line in text.split(|&b| b == b'\n') {
            builder.add_line(line).unwrap();
        }
        prop_assert_eq!(builder.total_words(), counts.total_words);
        if counts.is_empty() {
            return Ok(());
        }
        let cfg = VocabConfig { min_count: 1, max_final_vocab: None };
        let (v2, ids, _) = builder.finish(cfg).unwrap();
        let v1 = Vocab::from_counts(counts, cfg).unwrap();
        prop_assert_eq!(v1.words(), v2.words());
        let from_file = read_all_lines(&fc, &v1, 1);
        let from_ids: Vec<(Vec<u32>, u64)> = (0..ids.n_sentences()).map(|i| (ids.sentence(i).to_vec(), ids.raw[i] as u64)).collect();
        // The file reader splits long lines with the same rule as the builder.
        let file_split: Vec<(Vec<u32>, u64)> = from_file;
        prop_assert_eq!(file_split, from_ids);
    }
}

// -- the id cache -------------------------------------------------------------------------

/// A unit's id and the `(ids, raw)` of each of its sentence pieces.
type Unit = (u64, Vec<(Vec<u32>, u64)>);

/// Every unit of one pass, by unit id, read with `feed` by `threads` threads.
fn units_of(
    feed: &Feed<'_>,
    corpus: CorpusRef<'_>,
    vocab: &Vocab,
    max: usize,
    threads: usize,
) -> Vec<Unit> {
    let out = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut b = Batch::default();
                while let Some(id) = feed.next_batch(&mut b).unwrap() {
                    let mut local = Vec::new();
                    b.for_each_sentence(corpus, vocab, max, |ids, raw| {
                        local.push((ids.to_vec(), raw))
                    });
                    out.lock().unwrap().push((id, local));
                }
            });
        }
    });
    let mut v = out.into_inner().unwrap();
    v.sort_by_key(|x| x.0);
    v
}

/// Three files: plain text over several 1 MiB ranges with lines longer than `max`, a gzip
/// stream, and rare words that are not in the vocabulary.
fn cache_corpus() -> (Vec<tempfile::NamedTempFile>, FileCorpus, Vocab) {
    let mut text = Vec::new();
    for i in 0..40_000u64 {
        let n = 1 + (i * 7919) % 37;
        for j in 0..n {
            let w = if (i + j) % 97 == 0 {
                i + 1000
            } else {
                (i + j) % 60
            };
            text.extend_from_slice(format!("w{w} ").as_bytes());
        }
        text.push(b'\n');
    }
    let plain = write_tmp(&text);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&text[..text.len() / 3]).unwrap();
    let gz_file = tempfile::Builder::new().suffix(".gz").tempfile().unwrap();
    std::fs::write(gz_file.path(), gz.finish().unwrap()).unwrap();
    let small = write_tmp(b"w1 w2 w3\n\nw4\n");
    let fc = FileCorpus::open(&[plain.path(), gz_file.path(), small.path()]).unwrap();
    let counts = count_files(&fc, 2, None, 20).unwrap();
    let vocab = Vocab::from_counts(
        counts,
        VocabConfig {
            min_count: 5,
            max_final_vocab: None,
        },
    )
    .unwrap();
    (vec![plain, gz_file, small], fc, vocab)
}

#[test]
fn the_id_cache_replays_every_unit_as_the_text_gives_it() {
    let (_files, fc, vocab) = cache_corpus();
    let corpus = CorpusRef::Files(&fc);
    let max = 20; // long lines are cut into pieces
    let text = units_of(&Feed::new(corpus, max), corpus, &vocab, max, 1);
    assert!(text.len() > 3, "several units: {}", text.len());
    for threads in [1, 2] {
        let writer = IdCacheWriter::new().expect("a temporary file");
        let recorded = units_of(
            &Feed::recording(corpus, max, &writer),
            corpus,
            &vocab,
            max,
            threads,
        );
        assert_eq!(recorded, text);
        let cache = writer.finish().expect("the cache is complete");
        assert_eq!(cache.len(), text.len());
        let replayed = units_of(
            &Feed::from_cache(corpus, &cache),
            corpus,
            &vocab,
            max,
            threads,
        );
        assert_eq!(replayed, text, "{threads} thread(s)");
        // And again: a cache serves every later epoch.
        let again = units_of(&Feed::from_cache(corpus, &cache), corpus, &vocab, max, 1);
        assert_eq!(again, text);
    }
}

#[test]
fn the_id_cache_replays_in_the_order_units_were_recorded() {
    let (_files, fc, vocab) = cache_corpus();
    let corpus = CorpusRef::Files(&fc);
    let writer = IdCacheWriter::new().unwrap();
    let feed = Feed::recording(corpus, 50, &writer);
    let mut b = Batch::default();
    let mut order = Vec::new();
    while let Some(id) = feed.next_batch(&mut b).unwrap() {
        b.for_each_sentence(corpus, &vocab, 50, |_, _| {});
        order.push(id);
    }
    let cache = writer.finish().unwrap();
    let feed = Feed::from_cache(corpus, &cache);
    let mut replay = Vec::new();
    while let Some(id) = feed.next_batch(&mut b).unwrap() {
        replay.push(id);
    }
    assert_eq!(replay, order);
}

#[test]
fn a_unit_handed_out_but_not_gone_through_drops_the_cache() {
    let (_files, fc, vocab) = cache_corpus();
    let corpus = CorpusRef::Files(&fc);
    let writer = IdCacheWriter::new().unwrap();
    let feed = Feed::recording(corpus, 50, &writer);
    let mut b = Batch::default();
    let mut first = true;
    while feed.next_batch(&mut b).unwrap().is_some() {
        if !first {
            b.for_each_sentence(corpus, &vocab, 50, |_, _| {});
        }
        first = false;
    }
    assert!(writer.finish().is_none());
}

#[test]
fn an_id_cache_over_its_size_limit_is_dropped() {
    let (_files, fc, vocab) = cache_corpus();
    let corpus = CorpusRef::Files(&fc);
    let writer = IdCacheWriter::with_limit(100_000).unwrap();
    let text = units_of(&Feed::new(corpus, 50), corpus, &vocab, 50, 1);
    // Recording still hands every unit to training.
    assert_eq!(
        units_of(&Feed::recording(corpus, 50, &writer), corpus, &vocab, 50, 1),
        text
    );
    assert!(writer.finish().is_none());
    // Without a limit: kept.
    let writer = IdCacheWriter::with_limit(u64::MAX).unwrap();
    let _ = units_of(&Feed::recording(corpus, 50, &writer), corpus, &vocab, 50, 1);
    assert!(writer.finish().is_some_and(|c| !c.is_empty()));
}

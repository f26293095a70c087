//! Corpus readers: the input as a text file (plain, or gzip when it starts with the gzip
//! magic bytes), the same text gzip-compressed, and the same lines fed to `IdCorpusBuilder`;
//! then a tiny training run on whatever vocabulary comes out, from the file and from the ids.
//! The three readers must count the same words (the module's documented contract).
#![no_main]

mod common;

use std::io::Write;

use embedrs::corpus::{count_files, CorpusRef, FileCorpus, IdCorpusBuilder};
use embedrs::reader::Compression;
use embedrs::train::{init_weights, train, NoProgress, TrainConfig};
use embedrs::vocab::{Vocab, VocabConfig};
use embedrs::EmbedError;
use libfuzzer_sys::fuzz_target;

const CFG: VocabConfig = VocabConfig {
    min_count: 1,
    max_final_vocab: None,
};

fn tiny_train(vocab: &Vocab, corpus: CorpusRef<'_>, sg: bool, shared_negatives: bool, msl: usize) {
    let cfg = TrainConfig {
        vector_size: 4,
        window: 2.min(msl), // the trainer requires window <= max_sentence_length
        sg,
        negative: 2,
        epochs: 1,
        n_threads: 1,
        max_sentence_length: msl,
        shared_negatives,
        ..Default::default()
    };
    let (mut syn0, mut syn1) =
        init_weights(vocab, cfg.vector_size, cfg.seed).expect("tiny weights");
    train(&cfg, vocab, corpus, &mut syn0, &mut syn1, &mut NoProgress)
        .expect("training a valid vocabulary");
}

fuzz_target!(|data: &[u8]| {
    // A short sentence limit (1..=8) so that splitting long lines is exercised.
    let msl = 1 + data.len() % 8;
    let sg = data.len() % 2 == 0;
    let plain = common::write_file("corpus", "c.txt", data);
    let fc = match FileCorpus::open(&[&plain]) {
        Ok(fc) => fc,
        // Refused by content (binary-looking, an archive): an error naming it is the contract.
        Err(EmbedError::Format { .. }) => return,
        Err(e) => panic!("a readable regular file failed to open: {e}"),
    };
    let is_compressed = fc.files()[0].compression() != Compression::None;
    let counted = count_files(&fc, 1, None, msl);
    // Pruning while counting (max_vocab_size) and two reader threads must not panic either.
    let _ = count_files(&fc, 2, Some(2), msl);

    if is_compressed {
        // Raw bytes taken as a compressed stream: errors are fine, panics are not.
        if let Ok(counts) = counted {
            if let Ok(vocab) = Vocab::from_counts(counts, CFG) {
                tiny_train(&vocab, CorpusRef::Files(&fc), sg, false, msl);
            }
        }
        return;
    }
    let counts = counted.expect("a plain file always counts");

    // The same text, compressed.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).unwrap();
    let gz = common::write_file("corpus", "c.txt.gz", &enc.finish().unwrap());
    let gfc = FileCorpus::open(&[&gz]).expect("a readable regular file");
    let gcounts = count_files(&gfc, 1, None, msl).expect("a valid gzip stream");
    assert_eq!(
        gcounts.total_words, counts.total_words,
        "gzip and plain disagree on words"
    );
    assert_eq!(
        gcounts.sentences, counts.sentences,
        "gzip and plain disagree on sentences"
    );
    assert_eq!(
        gcounts.len(),
        counts.len(),
        "gzip and plain disagree on distinct words"
    );

    // The same lines in memory.
    let mut b = IdCorpusBuilder::new(None, msl);
    let mut pruned = IdCorpusBuilder::new(Some(3), msl);
    for line in data.split(|&c| c == b'\n') {
        b.add_line(line).expect("a small input fits in memory");
        pruned.add_line(line).expect("a small input fits in memory");
    }
    assert_eq!(
        b.total_words(),
        counts.total_words,
        "IdCorpusBuilder and file disagree on words"
    );
    let _ = pruned.finish(CFG);

    let from_file = Vocab::from_counts(counts, CFG);
    let from_ids = b.finish(CFG);
    assert_eq!(from_file.is_ok(), from_ids.is_ok());
    if let (Ok(v1), Ok((v2, ids, _))) = (from_file, from_ids) {
        assert_eq!(
            v1.words(),
            v2.words(),
            "IdCorpusBuilder and file build other vocabularies"
        );
        assert_eq!(ids.raw_words(), v1.corpus_words);
        tiny_train(&v1, CorpusRef::Files(&fc), sg, false, msl);
        tiny_train(&v1, CorpusRef::Files(&gfc), !sg, false, msl);
        tiny_train(&v2, CorpusRef::Ids(&ids), sg, !sg, msl);
    }
});

//! word2vec text and binary reader: the input is the file, read back with every option
//! combination; whatever loads must then be usable (rows, lookups, a similarity query).
#![no_main]

mod common;

use embedrs::model::formats::{UnicodeErrors, Word2VecReadOptions};
use embedrs::model::KeyedVectors;
use libfuzzer_sys::fuzz_target;

/// Checks what loaded; `query` also runs a similarity search (it starts a thread, so only for
/// the most permissive options).
fn exercise(kv: &KeyedVectors, query: bool) {
    let v = kv.vocab();
    assert_eq!(kv.vectors().len(), kv.len() * kv.dim());
    for i in 0..kv.len() {
        let w = v.word(i as u32);
        assert!(v.get(w).is_some(), "loaded word {w:?} cannot be looked up");
        let _ = kv.row(i);
    }
    let _ = kv.unit_vectors();
    if query && !kv.is_empty() {
        let q = kv.row(0).to_vec();
        let (ids, scores, k) = kv
            .most_similar_batch(&q, 3, &[vec![0]], None, 1)
            .expect("query of the right width");
        assert_eq!(ids.len(), k);
        assert_eq!(scores.len(), k);
    }
}

fuzz_target!(|data: &[u8]| {
    let path = common::write_file("word2vec", "v.w2v", data);
    for binary in [true, false] {
        for no_header in [false, true] {
            for unicode_errors in [
                UnicodeErrors::Strict,
                UnicodeErrors::Replace,
                UnicodeErrors::Ignore,
            ] {
                for (limit, allow_nonfinite) in [(None, false), (Some(1), true), (None, true)] {
                    let opts = Word2VecReadOptions {
                        binary,
                        limit,
                        unicode_errors,
                        no_header,
                        allow_nonfinite,
                    };
                    if let Ok(kv) = KeyedVectors::load_word2vec_format(&path, opts) {
                        assert!(limit.is_none_or(|l| kv.len() <= l));
                        let permissive = allow_nonfinite
                            && limit.is_none()
                            && unicode_errors == UnicodeErrors::Replace;
                        exercise(&kv, permissive);
                    }
                }
            }
        }
    }
});

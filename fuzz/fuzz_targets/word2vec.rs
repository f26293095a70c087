//! word2vec text and binary reader: the input is the file, read back with every option
//! combination; whatever loads must then be usable (rows, lookups, a similarity query).
#![no_main]

mod common;

use embedrs::model::formats::{UnicodeErrors, Word2VecReadOptions};
use embedrs::model::KeyedVectors;
use libfuzzer_sys::fuzz_target;

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
                        common::exercise(&kv, permissive);
                    }
                }
            }
        }
    }
});

//! Writes the seed corpora in fuzz/corpus/<target>/ (tiny valid files of each format).
//! Run from fuzz/: `cargo run --example gen_seeds`. The output is committed; rerun it only
//! when a format changes.

use std::io::Write;
use std::path::Path;

use embedrs::model::formats::native_to_bytes;
use embedrs::model::KeyedVectors;
use embedrs::vocab::Vocab;

fn kv(words: &[&str], dim: usize) -> KeyedVectors {
    let n = words.len() as u64;
    let items = words
        .iter()
        .zip((1..=n).rev())
        .map(|(w, c)| (w.to_string(), c))
        .collect();
    let data = (0..words.len() * dim)
        .map(|i| i as f32 * 0.25 - 1.0)
        .collect();
    KeyedVectors::new(Vocab::from_sorted(items).unwrap(), dim, data).unwrap()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let w2v = root.join("word2vec");
    let native = root.join("native");
    let corpus = root.join("corpus");
    let reader = root.join("reader");
    for d in [&w2v, &native, &corpus, &reader] {
        std::fs::create_dir_all(d)?;
    }

    let small = kv(&["the", "cat", "sat"], 3);
    small.save_word2vec_format(&w2v.join("text.txt"), false)?;
    small.save_word2vec_format(&w2v.join("binary.bin"), true)?;
    std::fs::write(
        w2v.join("no_header.txt"),
        b"a 1 2\nb 3 4\n\nc -1e-3 5.5e2\n",
    )?;
    std::fs::write(
        w2v.join("unicode.txt"),
        b"2 2\ncaf\xc3\xa9 1 2\nb\xff 3 nan\n",
    )?;

    let bigger = kv(&["a", "b", "\u{e9}t\u{e9}", "d", "e"], 4);
    let syn1: Vec<f32> = (0..20).map(|i| i as f32 * -0.5).collect();
    std::fs::write(
        native.join("with_syn1.embedrs"),
        native_to_bytes(&bigger, Some(&syn1), "{\"sg\": 1}"),
    )?;
    std::fs::write(
        native.join("vectors.embedrs"),
        native_to_bytes(&small, None, ""),
    )?;

    let text = b"the cat sat on the mat\nthe dog sat on the rug\r\n\n  a\tb\x0cc caf\xc3\xa9 b\xffd\none two three four five six seven eight nine ten eleven\nno newline at end";
    std::fs::write(corpus.join("lines.txt"), text)?;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(text)?;
    std::fs::write(corpus.join("lines.txt.gz"), enc.finish()?)?;

    // The reader target: one knob byte (max tokens per piece, buffer size), then the text.
    for (name, knobs) in [
        ("lines-3tok-8b", 0x3a_u8),
        ("lines-1tok-1b", 0x00),
        ("lines-8tok-32b", 0xff),
    ] {
        let mut seed = vec![knobs];
        seed.extend_from_slice(text);
        std::fs::write(reader.join(name), seed)?;
    }
    Ok(())
}

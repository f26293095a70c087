//! Native format reader: the input as bytes (`native_from_bytes`) and as a file
//! (`load_native`, mapped and read), then again with the header checksum recomputed so the
//! fuzzer gets past it and reaches the vocabulary and matrix checks. The ways of reading must
//! agree, and whatever loads must be usable.
#![no_main]

mod common;

use embedrs::model::formats::{load_native, native_from_bytes, NativeModel};
use embedrs::Result;
use libfuzzer_sys::fuzz_target;

const HEADER_LEN: usize = 56;

/// The reader's checksum (FNV-1a over 8-byte little-endian words, then the tail bytes).
fn fnv1a(bytes: &[u8], mut h: u64) -> u64 {
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        h ^= u64::from_le_bytes(c.try_into().unwrap());
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    for &b in chunks.remainder() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Rewrites the checksum field to match the blocks the header points at (when it can).
fn fix_checksum(data: &[u8]) -> Option<Vec<u8>> {
    if data.len() < HEADER_LEN {
        return None;
    }
    let u64_at = |o: usize| u64::from_le_bytes(data[o..o + 8].try_into().unwrap()) as usize;
    let (meta_len, vocab_len) = (u64_at(32), u64_at(40));
    let end = HEADER_LEN.checked_add(meta_len)?.checked_add(vocab_len)?;
    if end > data.len() {
        return None;
    }
    let meta = &data[HEADER_LEN..HEADER_LEN + meta_len];
    let vocab = &data[HEADER_LEN + meta_len..end];
    let sum = fnv1a(vocab, fnv1a(meta, 0xcbf2_9ce4_8422_2325));
    let mut v = data.to_vec();
    v[48..56].copy_from_slice(&sum.to_le_bytes());
    Some(v)
}

/// Checks what loaded (the shared checks, plus the output matrix's size); `query` also runs a
/// similarity search (it starts a thread, so only for the first way of reading).
fn exercise(m: &NativeModel, query: bool) {
    if let Some(s) = &m.syn1neg {
        assert_eq!(s.as_slice().len(), m.kv.vectors().len());
    }
    common::exercise(&m.kv, query);
}

/// What a successful read returned, to compare the ways of reading.
fn summary(
    r: &Result<NativeModel>,
    query: bool,
) -> Option<(
    Vec<String>,
    Vec<u64>,
    usize,
    Vec<u32>,
    Option<Vec<u32>>,
    String,
)> {
    let m = r.as_ref().ok()?;
    exercise(m, query);
    let bits = |s: &[f32]| s.iter().map(|x| x.to_bits()).collect::<Vec<u32>>();
    Some((
        m.kv.vocab().words().to_vec(),
        m.kv.vocab().counts().to_vec(),
        m.kv.dim(),
        bits(m.kv.vectors()),
        m.syn1neg.as_ref().map(|s| bits(s.as_slice())),
        m.meta.clone(),
    ))
}

fn check(bytes: &[u8], name: &str) {
    let from_bytes = summary(&native_from_bytes(bytes), true);
    let path = common::write_file("native", name, bytes);
    for mmap in [false, true] {
        let from_file = summary(&load_native(&path, mmap), false);
        assert_eq!(
            from_bytes.is_some(),
            from_file.is_some(),
            "native_from_bytes and load_native(mmap={mmap}) disagree on whether the input is valid"
        );
        assert_eq!(
            from_bytes, from_file,
            "load_native(mmap={mmap}) read other content"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    check(data, "m.embedrs");
    if let Some(fixed) = fix_checksum(data) {
        check(&fixed, "fixed.embedrs");
    }
});

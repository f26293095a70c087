//! The line reader (`reader::read_pieces`, under every stream: plain files read in order,
//! gzip, bzip2 and xz, pipes and standard input) with long lines and tiny buffers: the pieces
//! it hands over must be the text's lines cut into pieces of at most `max_tokens` tokens,
//! each token cut to MAX_TOKEN_BYTES, nothing lost, nothing added, memory bounded.
#![no_main]

use std::io::{BufReader, Write};

use embedrs::reader::{read_pieces, Cuts, LineState, Stop};
use embedrs::text::tokenize;
use libfuzzer_sys::fuzz_target;

/// The pieces the text should give: lines split into tokens, then into pieces.
fn expected(data: &[u8], max_tokens: usize) -> Vec<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    for line in data.split(|&b| b == b'\n') {
        let toks: Vec<Vec<u8>> = tokenize(line).map(<[u8]>::to_vec).collect();
        for piece in toks.chunks(max_tokens) {
            out.push(piece.to_vec());
        }
    }
    out
}

fn pieces_of(text: &[u8]) -> Vec<Vec<Vec<u8>>> {
    text.split(|&b| b == b'\n')
        .map(|l| tokenize(l).map(<[u8]>::to_vec).collect::<Vec<_>>())
        .filter(|p: &Vec<Vec<u8>>| !p.is_empty())
        .collect()
}

/// Reads all of `src` in calls that stop inside lines, returning the text handed over and
/// the largest batch.
fn read_all(src: &mut dyn std::io::BufRead, target: usize, max_tokens: usize) -> (Vec<u8>, usize) {
    let (mut all, mut largest) = (Vec::new(), 0);
    let mut state = LineState::default();
    let mut cuts = Cuts::default();
    loop {
        let mut buf = Vec::new();
        let (stop, _) = read_pieces(
            src, &mut buf, target, max_tokens, true, None, &mut state, &mut cuts,
        )
        .expect("reading memory never fails");
        largest = largest.max(buf.len());
        all.extend_from_slice(&buf);
        if stop == Stop::End {
            return (all, largest);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&knobs, text)) = data.split_first() else {
        return;
    };
    let max_tokens = 1 + (knobs & 7) as usize;
    let capacity = 1 + (knobs >> 3) as usize; // 1..32-byte buffers: every boundary is hit
    let target = 1 + text.len() % 64;
    let want = expected(text, max_tokens);

    let mut plain = BufReader::with_capacity(capacity, text);
    let (got, largest) = read_all(&mut plain, target, max_tokens);
    assert_eq!(pieces_of(&got), want, "plain text read in pieces");
    // A batch holds at most the target plus one piece (bounded tokens, bounded length).
    assert!(largest <= target + max_tokens * (embedrs::text::MAX_TOKEN_BYTES + 1) + 2);

    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(text).unwrap();
    let gz = enc.finish().unwrap();
    let mut gzip = BufReader::with_capacity(capacity, flate2::read::MultiGzDecoder::new(&gz[..]));
    let (got, _) = read_all(&mut gzip, target, max_tokens);
    assert_eq!(pieces_of(&got), want, "gzip text read in pieces");
});

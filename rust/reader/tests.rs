use super::*;
use std::io::Write;

fn write_tmp(content: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(content).unwrap();
    f.flush().unwrap();
    f
}

fn gz(text: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(text).unwrap();
    enc.finish().unwrap()
}

fn bz(text: &[u8]) -> Vec<u8> {
    let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    enc.write_all(text).unwrap();
    enc.finish().unwrap()
}

fn xz(text: &[u8]) -> Vec<u8> {
    let mut enc = lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::default()).unwrap();
    enc.write_all(text).unwrap();
    enc.finish().unwrap()
}

fn read_all(files: Vec<TextFile>, target: usize, max_tokens: usize) -> (Vec<u8>, usize, Cuts) {
    let mut lines = LineBatches::new(files, target, max_tokens, Interrupt::never());
    let (mut buf, mut all, mut batches) = (Vec::new(), Vec::new(), 0);
    while lines.next_batch(&mut buf).unwrap() {
        batches += 1;
        all.extend_from_slice(&buf);
    }
    (all, batches, lines.cuts())
}

#[test]
fn compression_is_recognised_by_content_not_name() {
    let text = b"a b\nc d\n".repeat(50);
    for (bytes, want) in [
        (text.clone(), Compression::None),
        (gz(&text), Compression::Gzip),
        (bz(&text), Compression::Bzip2),
        (xz(&text), Compression::Xz),
    ] {
        let f = write_tmp(&bytes);
        let tf = TextFile::open(f.path()).unwrap();
        assert_eq!(tf.compression(), want);
        let (all, _, _) = read_all(vec![tf], 1 << 20, 10_000);
        assert_eq!(all, text, "{want:?}");
    }
}

#[test]
fn content_that_is_not_text_is_refused_by_name() {
    let cases: [(&[u8], &str); 6] = [
        (b"\x28\xb5\x2f\xfd\x00\x00data", "zstd-compressed"),
        (b"PK\x03\x04rest of a zip", "a zip archive"),
        (b"7z\xbc\xaf\x27\x1crest", "a 7z archive"),
        (b"\x04\x22\x4d\x18rest", "lz4-compressed"),
        (b"\xff\xfeh\x00i\x00", "UTF-16 text"),
        (
            b"text\x00\x00\x00 binary",
            "binary data (3 NUL bytes in the first 14 bytes, the first at byte 4)",
        ),
    ];
    for (bytes, what) in cases {
        let f = write_tmp(bytes);
        let e = TextFile::open(f.path()).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, EmbedError::Format { .. }), "{msg}");
        assert!(msg.contains(what), "{msg}");
        assert!(msg.contains(&f.path().display().to_string()), "{msg}");
    }
}

#[test]
fn a_stray_nul_byte_is_text() {
    let f = write_tmp(b"a\x00b c\nd e\n");
    assert_eq!(
        TextFile::open(f.path()).unwrap().compression(),
        Compression::None
    );
}

#[test]
fn line_batches_read_every_line_of_every_file_in_order() {
    let a = write_tmp(b"1 2\n3 4\n5");
    let b = write_tmp(&gz(b"6 7\n8\n"));
    let files = TextFile::open_all(&[a.path(), b.path()], &Interrupt::never()).unwrap();
    let (all, batches, cuts) = read_all(files, 3, 10_000);
    assert_eq!(all, b"1 2\n3 4\n5\n6 7\n8\n");
    assert_eq!(batches, 5);
    assert_eq!(cuts, Cuts::default());
}

#[test]
fn long_lines_become_pieces_and_long_tokens_are_cut() {
    // One line of 25 tokens, cut into pieces of 10, and a 1500-byte token.
    let mut line: Vec<u8> = (0..25)
        .map(|i| format!("w{i} "))
        .collect::<String>()
        .into_bytes();
    line.extend_from_slice(b"\n");
    line.extend(std::iter::repeat_n(b'x', 1500));
    line.extend_from_slice(b" tail\n");
    let f = write_tmp(&line);
    let (all, _, cuts) = read_all(vec![TextFile::open(f.path()).unwrap()], 1 << 20, 10);
    let text = String::from_utf8(all).unwrap();
    let pieces: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split_ascii_whitespace().collect())
        .collect();
    assert_eq!(
        pieces.iter().map(Vec::len).collect::<Vec<_>>(),
        [10, 10, 5, 2]
    );
    assert_eq!(pieces[1][0], "w10");
    assert_eq!(pieces[3][0].len(), MAX_TOKEN_BYTES);
    assert_eq!(pieces[3][1], "tail");
    assert_eq!(
        cuts,
        Cuts {
            long_lines: 1,
            long_tokens: 1
        }
    );
}

#[test]
fn a_huge_line_is_read_in_bounded_batches() {
    // 2 MB on one line: batches of about 64 KiB, never the whole line at once.
    let line = "ab ".repeat(700_000) + "\n";
    let f = write_tmp(line.as_bytes());
    let mut lines = LineBatches::new(
        vec![TextFile::open(f.path()).unwrap()],
        1 << 16,
        1000,
        Interrupt::never(),
    );
    let mut buf = Vec::new();
    let (mut tokens, mut largest) = (0, 0);
    while lines.next_batch(&mut buf).unwrap() {
        largest = largest.max(buf.len());
        tokens += buf
            .split(|b| b.is_ascii_whitespace())
            .filter(|t| !t.is_empty())
            .count();
    }
    assert_eq!(tokens, 700_000);
    assert!(largest < (1 << 16) + 3 * 1000 + 2, "{largest}");
}

#[test]
fn a_file_changed_while_read_in_order_is_an_error() {
    let a = write_tmp(&b"w x y z\n".repeat(1000));
    let files = TextFile::open_all(&[a.path()], &Interrupt::never()).unwrap();
    let mut lines = LineBatches::new(files, 100, 10_000, Interrupt::never());
    let mut buf = Vec::new();
    assert!(lines.next_batch(&mut buf).unwrap());
    a.as_file().set_len(400).unwrap();
    let e = loop {
        match lines.next_batch(&mut buf) {
            Ok(true) => {}
            Ok(false) => panic!("a shrunk file was read to its end without an error"),
            Err(e) => break e.to_string(),
        }
    };
    assert!(
        e.contains("changed since it was counted (8000 bytes, now 400)"),
        "{e}"
    );
}

#[test]
fn missing_file_and_directory_are_named() {
    let e = TextFile::open("/nonexistent/x.txt").unwrap_err();
    assert!(e.to_string().contains("/nonexistent/x.txt"));
    let d = tempfile::tempdir().unwrap();
    let e = TextFile::open(d.path()).unwrap_err();
    assert!(e.to_string().contains("directory"), "{e}");
    assert!(TextFile::open_all::<&str>(&[], &Interrupt::never()).is_err());
}

#[cfg(unix)]
mod fifo {
    use super::*;
    use std::time::{Duration, Instant};

    fn mkfifo(dir: &Path) -> PathBuf {
        let p = dir.join("fifo");
        let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path and a mode.
        #[allow(unsafe_code)]
        let r = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
        assert_eq!(r, 0);
        p
    }

    #[test]
    fn a_pipe_is_read_once_as_a_stream_with_nothing_lost() {
        let d = tempfile::tempdir().unwrap();
        let p = mkfifo(d.path());
        let writer = {
            let p = p.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(150));
                let mut w = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
                w.write_all(&gz(b"new york\nis big\n")).unwrap();
            })
        };
        let tf = TextFile::open(&p).unwrap();
        assert!(tf.is_stream());
        assert_eq!(tf.compression(), Compression::Gzip);
        let (all, _, _) = read_all(vec![tf.clone()], 1 << 20, 10_000);
        writer.join().unwrap();
        assert_eq!(all, b"new york\nis big\n");
        // Read once: a second pass is an error, not an empty corpus.
        let e = tf.stream().err().unwrap();
        assert!(e.to_string().contains("can be read only once"), "{e}");
    }

    #[test]
    fn waiting_for_a_writer_can_be_interrupted() {
        let d = tempfile::tempdir().unwrap();
        let p = mkfifo(d.path());
        let start = Instant::now();
        let interrupt = Interrupt::new(move || start.elapsed() > Duration::from_millis(300));
        let e = TextFile::open_with(&p, &interrupt).unwrap_err();
        assert!(matches!(e, EmbedError::Cancelled), "{e:?}");
        assert!(start.elapsed() < Duration::from_secs(2));
    }
}

//! Shared by the fuzz targets: a scratch folder for the files the readers open, and the checks
//! that whatever a reader loaded is usable.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

static DIR: OnceLock<PathBuf> = OnceLock::new();

extern "C" {
    fn atexit(f: extern "C" fn()) -> i32;
}

extern "C" fn remove_dir() {
    if let Some(d) = DIR.get() {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// A folder private to this process (in /dev/shm when there is one, so no disk I/O), made on
/// first use and removed at exit. Folders left by fuzzers that died are swept on start.
pub fn scratch_dir(target: &str) -> &'static Path {
    DIR.get_or_init(|| {
        let base = Path::new("/dev/shm");
        let base = if base.is_dir() {
            base.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let prefix = format!("embedrs-fuzz-{target}-");
        if let Ok(entries) = std::fs::read_dir(&base) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if let Some(pid) = name.strip_prefix(&prefix) {
                    if !Path::new("/proc").join(pid).exists() {
                        let _ = std::fs::remove_dir_all(e.path());
                    }
                }
            }
        }
        let dir = base.join(format!("{prefix}{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("cannot create the fuzz scratch folder");
        // SAFETY: registers a plain `extern "C" fn()` with the C runtime.
        unsafe { atexit(remove_dir) };
        dir
    })
}

/// Writes `bytes` to `name` in the scratch folder and returns its path.
pub fn write_file(target: &str, name: &str, bytes: &[u8]) -> PathBuf {
    let p = scratch_dir(target).join(name);
    std::fs::write(&p, bytes).expect("cannot write a fuzz input file");
    p
}

/// Checks a loaded model: sizes agree, every word looks itself up, rows and unit vectors can be
/// read; `query` also runs a similarity search (it starts a thread, so callers use it for one
/// way of reading only).
#[allow(dead_code)] // the corpus target does not load models
pub fn exercise(kv: &embedrs::model::KeyedVectors, query: bool) {
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

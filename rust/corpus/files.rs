//! Corpus files split into units of work: plain files by byte ranges (any worker reads any
//! range, with no reader thread in between), compressed files as one shared stream.
//!
//! A range owns every line that *starts* inside it. A compressed file cannot be split, so
//! workers take turns reading ~1 MiB of whole lines from one shared decoder (decompressing is
//! much faster than training, so the lock is rarely contended). Opening, compression and
//! change detection are [`TextFile`]'s.

use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::Path;
use std::sync::Mutex;

use super::Batch;
use crate::cancel::Interrupt;
use crate::error::Result;
use crate::reader::{self, Compression, LineState, Stop, TextFile};

/// Target size of one unit of work read from a file.
pub(super) const BATCH_BYTES: u64 = 1 << 20;

/// One or more text files (plain or compressed, recognised by their first bytes).
#[derive(Debug, Clone)]
pub struct FileCorpus {
    pub(super) files: Vec<TextFile>,
}

impl FileCorpus {
    /// Checks that every path is a readable regular file and recognises its compression.
    ///
    /// # Errors
    /// `Io` naming the first path that is missing, a directory, or unreadable.
    pub fn open<P: AsRef<Path>>(paths: &[P]) -> Result<FileCorpus> {
        FileCorpus::open_with(paths, &Interrupt::never())
    }

    /// [`FileCorpus::open`], polling `interrupt` while waiting for a pipe's writer.
    ///
    /// # Errors
    /// As [`TextFile::open_with`].
    pub fn open_with<P: AsRef<Path>>(paths: &[P], interrupt: &Interrupt) -> Result<FileCorpus> {
        Ok(FileCorpus {
            files: TextFile::open_all(paths, interrupt)?,
        })
    }

    /// True if a file is not a regular file (a pipe, a device): the corpus can be read once.
    pub fn has_streams(&self) -> bool {
        self.files.iter().any(TextFile::is_stream)
    }

    /// The files' paths.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(TextFile::path)
    }

    /// The files.
    pub fn files(&self) -> &[TextFile] {
        &self.files
    }

    /// Total size on disk.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(TextFile::len).sum()
    }

    /// Checks that every file still has the size (for a compressed file, the compressed
    /// size) and modification time it had when the corpus was opened and counted. The
    /// trainer calls it at the start of each epoch.
    ///
    /// # Errors
    /// `Io` naming the first file that changed (or can no longer be read), with both sizes.
    pub fn check_unchanged(&self) -> Result<()> {
        self.files.iter().try_for_each(TextFile::check_unchanged)
    }

    pub(super) fn tasks(&self) -> Vec<Task> {
        let mut tasks = Vec::new();
        for (i, f) in self.files.iter().enumerate() {
            if f.compression() != Compression::None || f.is_stream() {
                tasks.push(Task::Stream {
                    file: i,
                    state: Mutex::new(StreamState::NotOpened),
                });
            } else {
                let mut start = 0;
                while start < f.len() {
                    let end = (start + BATCH_BYTES).min(f.len());
                    tasks.push(Task::Range {
                        file: i,
                        start,
                        end,
                    });
                    start = end;
                }
            }
        }
        tasks
    }
}

pub(super) enum StreamState {
    NotOpened,
    Open {
        reader: Box<dyn BufRead + Send>,
        batches: u64,
        line: LineState,
    },
    Done,
}

/// Where a range stopped inside a long line, to go on from there.
#[derive(Debug, Clone, Copy)]
pub(super) struct Resume {
    pub(super) task: usize,
    pub(super) part: u64,
    pub(super) pos: u64,
    pub(super) line: LineState,
}

impl Resume {
    /// The unit id of this continuation (stable across passes, distinct from the ids of
    /// whole ranges and of stream batches).
    pub(super) fn id(&self) -> u64 {
        (1 << 62) | ((self.task as u64) << 24) | self.part
    }
}

pub(super) enum Task {
    Range {
        file: usize,
        start: u64,
        end: u64,
    },
    Stream {
        file: usize,
        state: Mutex<StreamState>,
    },
}

/// Reads the next ~1 MiB of pieces of a shared stream into `batch`; returns its id (stable
/// across passes: `task << 32 | batch number`), or `None` once the stream is read.
pub(super) fn read_stream(
    info: &TextFile,
    task: usize,
    state: &Mutex<StreamState>,
    max_tokens: usize,
    batch: &mut Batch,
) -> Result<Option<u64>> {
    let mut st = state.lock().unwrap_or_else(|p| p.into_inner());
    if let StreamState::NotOpened = *st {
        *st = StreamState::Open {
            reader: info.stream()?,
            batches: 0,
            line: LineState::default(),
        };
    }
    let StreamState::Open {
        reader,
        batches,
        line,
    } = &mut *st
    else {
        return Ok(None);
    };
    batch.ids = None;
    batch.bytes.clear();
    let (stop, _) = reader::read_pieces(
        reader.as_mut(),
        &mut batch.bytes,
        BATCH_BYTES as usize,
        max_tokens,
        true,
        None,
        line,
        &mut batch.cuts,
    )
    .map_err(|e| info.io_error(e))?;
    let id = ((task as u64) << 32) | *batches;
    *batches += 1;
    if stop == Stop::End {
        *st = StreamState::Done;
        info.check_unchanged()?;
    }
    Ok((!batch.bytes.is_empty()).then_some(id))
}

/// Reads the lines that start in `[start, end)` of a plain file into `batch`, cut into
/// pieces of at most `max_tokens` tokens, or, with `resume`, goes on with a line that
/// continues from an earlier call. Returns where to resume if it stopped inside a long line
/// (a batch never holds more than about two units of work, whatever the line length).
///
/// # Errors
/// `Io` if the file cannot be read, or ends before `end` (it shrank since it was opened).
pub(super) fn read_range(
    info: &TextFile,
    start: u64,
    end: u64,
    max_tokens: usize,
    resume: Option<(u64, LineState)>,
    batch: &mut Batch,
) -> Result<Option<(u64, LineState)>> {
    let io = |e| info.io_error(e);
    let shrank = |pos: u64| {
        info.changed(format!(
            "changed while it was read (it had {} bytes when counted, now ends at byte {pos})",
            info.len()
        ))
    };
    batch.ids = None;
    batch.bytes.clear();
    let mut f = File::open(info.path()).map_err(io)?;
    let (mut pos, mut line) = match resume {
        Some((pos, line)) => (pos, line),
        None => (start.saturating_sub(1), LineState::default()),
    };
    f.seek(SeekFrom::Start(pos)).map_err(io)?;
    let mut r = BufReader::with_capacity(1 << 16, f);
    if start > 0 && resume.is_none() {
        // Skip the tail of the line that started before `start` (if any): the range before
        // ours owns it. Reading from start-1 makes "a line starts exactly at start" come out
        // as an empty skip. The skip never goes past `end`: a range that lies inside one
        // long line owns nothing (without this bound, every range of a 100 MB single-line
        // file would scan to its end).
        loop {
            let buf = r.fill_buf().map_err(io)?;
            if buf.is_empty() {
                return Err(shrank(pos));
            }
            let room = (end - pos) as usize;
            let window = &buf[..buf.len().min(room)];
            match memchr::memchr(b'\n', window) {
                Some(i) => {
                    r.consume(i + 1);
                    pos += i as u64 + 1;
                    break;
                }
                None => {
                    let k = window.len();
                    r.consume(k);
                    pos += k as u64;
                    if pos >= end {
                        return Ok(None);
                    }
                }
            }
        }
    }
    let (stop, consumed) = reader::read_pieces(
        &mut r,
        &mut batch.bytes,
        2 * BATCH_BYTES as usize,
        max_tokens,
        true,
        Some(end.saturating_sub(pos)),
        &mut line,
        &mut batch.cuts,
    )
    .map_err(io)?;
    pos += consumed;
    match stop {
        Stop::End if pos < end => Err(shrank(pos)),
        Stop::End => Ok(None),
        Stop::Piece => Ok(Some((pos, line))),
        Stop::Line if pos < end => Ok(Some((pos, LineState::default()))),
        Stop::Line => Ok(None),
    }
}

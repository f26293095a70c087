//! Cooperative cancellation of long operations (counting, reading a pipe, phrase counting,
//! batched similarity search): the caller's check (Python's Ctrl-C, through the bindings) is
//! asked at most every [`POLL_INTERVAL`] by the thread that created the [`Interrupt`], and
//! every thread of the operation sees the answer through one shared flag.
//!
//! Training has its own coordinator and asks its progress sink instead (`train::run`).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use crate::error::{EmbedError, Result};

/// How often the caller's check runs at most.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);

type Check = dyn Fn() -> bool + Send + Sync;

/// `last` before the first check.
const NEVER: u64 = u64::MAX;

/// Whether the caller wants the operation to stop. Cheap to clone and to ask from any thread;
/// only the thread that created it runs the caller's check (a Python signal check must run on
/// the thread that called into the core).
#[derive(Clone)]
pub struct Interrupt {
    flag: Arc<AtomicBool>,
    check: Option<Arc<Check>>,
    owner: ThreadId,
    start: Instant,
    /// Milliseconds after `start` of the last check (shared by the clones).
    last: Arc<AtomicU64>,
}

impl std::fmt::Debug for Interrupt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interrupt")
            .field("requested", &self.flag.load(Ordering::Relaxed))
            .finish()
    }
}

impl Interrupt {
    /// An interrupt that only [`Interrupt::request`] can set.
    pub fn never() -> Interrupt {
        Interrupt {
            flag: Arc::new(AtomicBool::new(false)),
            check: None,
            owner: std::thread::current().id(),
            start: Instant::now(),
            last: Arc::new(AtomicU64::new(NEVER)),
        }
    }

    /// An interrupt asking `check` (true: stop) on the calling thread, at most every
    /// [`POLL_INTERVAL`].
    pub fn new(check: impl Fn() -> bool + Send + Sync + 'static) -> Interrupt {
        Interrupt {
            check: Some(Arc::new(check)),
            ..Interrupt::never()
        }
    }

    /// Asks every thread of the operation to stop.
    pub fn request(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }

    /// True once a stop was requested. On the creating thread, first runs the caller's check
    /// if it has not run for [`POLL_INTERVAL`].
    pub fn requested(&self) -> bool {
        if self.flag.load(Ordering::Relaxed) {
            return true;
        }
        if let Some(check) = &self.check {
            if std::thread::current().id() == self.owner {
                let now = self.start.elapsed().as_millis() as u64;
                let last = self.last.load(Ordering::Relaxed);
                if last == NEVER || now.saturating_sub(last) >= POLL_INTERVAL.as_millis() as u64 {
                    self.last.store(now, Ordering::Relaxed);
                    if check() {
                        self.request();
                    }
                }
            }
        }
        self.flag.load(Ordering::Relaxed)
    }

    /// `Err(Cancelled)` once a stop was requested (see [`Interrupt::requested`]).
    ///
    /// # Errors
    /// `Cancelled`.
    pub fn check(&self) -> Result<()> {
        if self.requested() {
            Err(EmbedError::Cancelled)
        } else {
            Ok(())
        }
    }
}

impl Default for Interrupt {
    fn default() -> Self {
        Interrupt::never()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_runs_on_the_owner_thread_and_every_clone_sees_it() {
        let calls = Arc::new(AtomicU64::new(0));
        let seen = calls.clone();
        let it = Interrupt::new(move || seen.fetch_add(1, Ordering::Relaxed) >= 1);
        assert!(!it.requested()); // first check: go on
        assert!(!it.requested()); // rate-limited: not asked again yet
        assert_eq!(calls.load(Ordering::Relaxed), 1);
        let clone = it.clone();
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(POLL_INTERVAL * 2);
                assert!(!clone.requested()); // another thread never runs the check
            });
        });
        assert_eq!(calls.load(Ordering::Relaxed), 1);
        assert!(it.requested()); // second check: stop
        assert!(clone.requested());
        assert!(matches!(clone.check(), Err(EmbedError::Cancelled)));
        assert!(!Interrupt::never().requested());
    }
}

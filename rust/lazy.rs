//! Values computed on first use, safe across `fork`.
//!
//! A `std::sync::OnceLock` that a thread is initialising when another thread forks the
//! process stays "being initialised" for ever in the child (the initialising thread does not
//! exist there), so the child's first use waits for ever. [`Lazy`] records which process
//! started the initialisation; a child that finds it started elsewhere computes its own copy.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// A value computed once, on first use, by [`Lazy::get_or_init`].
pub struct Lazy<T> {
    cell: OnceLock<T>,
    /// The process that started initialising `cell` (0: not started).
    started_by: AtomicU32,
    /// This process's own value, when `cell` was being initialised by a parent at fork time.
    fallback: OnceLock<T>,
}

impl<T> Lazy<T> {
    /// An empty value.
    pub const fn new() -> Lazy<T> {
        Lazy {
            cell: OnceLock::new(),
            started_by: AtomicU32::new(0),
            fallback: OnceLock::new(),
        }
    }

    /// The value if computed.
    pub fn get(&self) -> Option<&T> {
        self.cell.get().or_else(|| self.fallback.get())
    }

    /// The value, computed by `f` on first use (once per process).
    pub fn get_or_init(&self, f: impl FnOnce() -> T) -> &T {
        if let Some(v) = self.cell.get() {
            return v;
        }
        let me = std::process::id();
        match self
            .started_by
            .compare_exchange(0, me, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => self.cell.get_or_init(f),
            Err(owner) if owner == me => self.cell.get_or_init(f),
            // Started in a parent process that forked us: that initialisation will never
            // finish here.
            Err(_) => self
                .cell
                .get()
                .unwrap_or_else(|| self.fallback.get_or_init(f)),
        }
    }
}

impl<T> Default for Lazy<T> {
    fn default() -> Self {
        Lazy::new()
    }
}

impl<T> From<T> for Lazy<T> {
    fn from(value: T) -> Self {
        Lazy {
            cell: OnceLock::from(value),
            started_by: AtomicU32::new(std::process::id()),
            fallback: OnceLock::new(),
        }
    }
}

impl<T: Clone> Clone for Lazy<T> {
    fn clone(&self) -> Self {
        match self.get() {
            Some(v) => Lazy::from(v.clone()),
            None => Lazy::new(),
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Lazy<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Lazy").field(&self.get()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computed_once() {
        let lazy = Lazy::new();
        let mut calls = 0;
        assert_eq!(
            *lazy.get_or_init(|| {
                calls += 1;
                7
            }),
            7
        );
        assert_eq!(*lazy.get_or_init(|| 8), 7);
        assert_eq!(calls, 1);
        assert_eq!(Lazy::from(3).clone().get(), Some(&3));
    }

    #[test]
    fn an_initialisation_started_by_another_process_is_not_waited_for() {
        // As a child finds it after a fork: started by another pid, never finished.
        let lazy: Lazy<u32> = Lazy::new();
        lazy.started_by
            .store(std::process::id() ^ 1, Ordering::Release);
        assert_eq!(*lazy.get_or_init(|| 5), 5);
        assert_eq!(lazy.get(), Some(&5));
    }
}

//! Scoped worker threads that degrade instead of panicking.
//!
//! `std::thread::scope`'s `spawn` panics when the operating system refuses a thread (a
//! process or container thread limit, `RLIMIT_NPROC`). The helpers here run such a task on
//! the calling thread instead: the work gets slower, never lost. Training, whose threads are
//! the point of the exercise, reports a refused thread as an error naming `n_jobs` instead
//! (see `train::run`).

use std::sync::{Mutex, PoisonError};

use crate::error::{EmbedError, Result};

/// Largest number of threads (`n_jobs`) accepted.
pub const MAX_THREADS: usize = 1024;

/// The threads `n_jobs` asks for: `-1` means every core this process may run on (its CPU
/// affinity and container quota included, as the standard library counts them), capped at
/// [`MAX_THREADS`]; a positive number is taken as it is, up to [`MAX_THREADS`].
///
/// # Errors
/// `InvalidParameter` naming `n_jobs` for 0, a negative number other than -1, or more than
/// [`MAX_THREADS`].
pub fn resolve_n_jobs(n_jobs: i64) -> Result<usize> {
    match n_jobs {
        -1 => Ok(std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(MAX_THREADS)),
        n if n >= 1 && n as u64 <= MAX_THREADS as u64 => Ok(n as usize),
        n if n >= 1 => Err(EmbedError::param(
            "n_jobs",
            format!("must be <= {MAX_THREADS} threads, got {n}"),
        )),
        n => Err(EmbedError::param(
            "n_jobs",
            format!("must be a positive integer or -1, got {n}"),
        )),
    }
}

fn take<F>(slot: &Mutex<Option<F>>) -> Option<F> {
    slot.lock().unwrap_or_else(PoisonError::into_inner).take()
}

/// Runs every task, each on its own scoped thread where one can be started and on the
/// calling thread otherwise, and returns their results in order. A panic in a task is
/// re-raised here.
pub fn run_all<T, F>(tasks: Vec<F>) -> Vec<T>
where
    T: Send,
    F: FnOnce() -> T + Send,
{
    let slots: Vec<Mutex<Option<F>>> = tasks.into_iter().map(|f| Mutex::new(Some(f))).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = slots
            .iter()
            .map(|slot| {
                std::thread::Builder::new()
                    .spawn_scoped(s, move || take(slot).map(|f| f()))
                    .ok()
            })
            .collect();
        handles
            .into_iter()
            .zip(&slots)
            .map(|(handle, slot)| {
                let ran = match handle {
                    Some(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
                    None => None,
                };
                // A thread that never started left its task in the slot; a thread that did
                // start took it, so exactly one of the two runs it.
                ran.or_else(|| take(slot).map(|f| f()))
                    .expect("each task is taken exactly once")
            })
            .collect()
    })
}

/// Like [`run_all`], but the first task runs on the calling thread (so a task that polls an
/// [`crate::cancel::Interrupt`] there runs the caller's check), the others on their own
/// threads where one can be started.
pub fn run_all_here<T, F>(mut tasks: Vec<F>) -> Vec<T>
where
    T: Send,
    F: FnOnce() -> T + Send,
{
    if tasks.is_empty() {
        return Vec::new();
    }
    let first = tasks.remove(0);
    let slots: Vec<Mutex<Option<F>>> = tasks.into_iter().map(|f| Mutex::new(Some(f))).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = slots
            .iter()
            .map(|slot| {
                std::thread::Builder::new()
                    .spawn_scoped(s, move || take(slot).map(|f| f()))
                    .ok()
            })
            .collect();
        let mut out = vec![first()];
        for (handle, slot) in handles.into_iter().zip(&slots) {
            let ran = match handle {
                Some(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
                None => None,
            };
            out.push(
                ran.or_else(|| take(slot).map(|f| f()))
                    .expect("each task is taken exactly once"),
            );
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_and_borrow_the_caller() {
        let data: Vec<u64> = (0..100).collect();
        let tasks: Vec<_> = data
            .chunks(7)
            .map(|c| move || c.iter().sum::<u64>())
            .collect();
        let sums = run_all(tasks);
        assert_eq!(sums.len(), 15);
        assert_eq!(sums.iter().sum::<u64>(), 4950);
        assert_eq!(sums[0], 21);
    }

    #[test]
    fn n_jobs_resolves_to_a_thread_count() {
        assert_eq!(resolve_n_jobs(3).unwrap(), 3);
        assert!(resolve_n_jobs(-1).unwrap() >= 1);
        for bad in [0, -2, i64::MIN, 1_000_000] {
            let e = resolve_n_jobs(bad).unwrap_err().to_string();
            assert!(e.starts_with("invalid parameter n_jobs: "), "{e}");
        }
    }

    #[test]
    fn the_first_task_runs_on_the_calling_thread() {
        let me = std::thread::current().id();
        let tasks: Vec<Box<dyn FnOnce() -> bool + Send>> = vec![
            Box::new(move || std::thread::current().id() == me),
            Box::new(move || std::thread::current().id() == me),
        ];
        assert_eq!(run_all_here(tasks), [true, false]);
    }

    #[test]
    fn tasks_may_write_disjoint_outputs() {
        let mut out = vec![0u32; 10];
        let tasks: Vec<_> = out
            .chunks_mut(3)
            .enumerate()
            .map(|(k, c)| move || c.iter_mut().for_each(|x| *x = k as u32))
            .collect();
        run_all(tasks);
        assert_eq!(out, [0, 0, 0, 1, 1, 1, 2, 2, 2, 3]);
    }
}

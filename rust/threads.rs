//! Scoped worker threads that degrade instead of panicking.
//!
//! `std::thread::scope`'s `spawn` panics when the operating system refuses a thread (a
//! process or container thread limit, `RLIMIT_NPROC`). The helpers here run such a task on
//! the calling thread instead: the work gets slower, never lost. Training, whose threads are
//! the point of the exercise, reports a refused thread as an error naming `n_jobs` instead
//! (see `train::run`).

use std::sync::{Mutex, PoisonError};

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

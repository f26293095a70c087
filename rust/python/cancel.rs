//! Bindings for `cancel`: an [`Interrupt`] whose check is Python's signal check (Ctrl-C),
//! keeping the `KeyboardInterrupt` it raised to re-raise once the core has stopped.

use std::sync::{Arc, Mutex};

use pyo3::prelude::*;

use crate::cancel::Interrupt;

/// Python's pending signals, as an interrupt for the core's long operations.
#[derive(Clone, Default)]
pub(crate) struct Signals {
    raised: Arc<Mutex<Option<PyErr>>>,
}

impl Signals {
    /// An interrupt asking Python for signals (from the thread that calls this: the one
    /// that called into the core).
    pub(crate) fn interrupt(&self) -> Interrupt {
        let raised = self.raised.clone();
        Interrupt::new(move || {
            Python::attach(|py| match py.check_signals() {
                Ok(()) => false,
                Err(e) => {
                    *raised.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    true
                }
            })
        })
    }

    /// Re-raises the Python error that stopped the core (Ctrl-C, a callback's exception),
    /// else converts the core's result.
    pub(crate) fn finish<T>(&self, r: crate::Result<T>) -> PyResult<T> {
        if let Some(e) = self.raised.lock().unwrap_or_else(|p| p.into_inner()).take() {
            return Err(e);
        }
        Ok(r?)
    }
}

/// Runs `f` with the GIL released and an interrupt polling Python's signals; re-raises a
/// `KeyboardInterrupt` that stopped it.
pub(crate) fn detached<T: Send>(
    py: Python<'_>,
    f: impl FnOnce(&Interrupt) -> crate::Result<T> + Send,
) -> PyResult<T> {
    let signals = Signals::default();
    let interrupt = signals.interrupt();
    let r = py.detach(|| f(&interrupt));
    signals.finish(r)
}

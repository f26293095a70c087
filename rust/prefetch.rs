//! Cache hints: the one place prefetches are issued. Used by the trainer (the rows of a
//! step, before the arithmetic that needs them) and by the vocabulary index (the slots of
//! the next few tokens, before their lookups). A hint never changes a result.
#![allow(unsafe_code)]

/// Asks the CPU to start loading the cache line holding address `p` into L1.
#[inline(always)]
pub fn prefetch_addr(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: SSE (which provides prefetch) is part of the x86_64 baseline, and a
        // prefetch never faults or writes, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p as *const i8) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Asks the CPU to start loading the cache line holding `*x`.
#[inline(always)]
pub fn prefetch_ref<T>(x: &T) {
    prefetch_addr(x as *const T as *const u8);
}

//! The shared weight matrices of Hogwild training: the only place where rows are written by
//! several threads at once.
//!
//! Hogwild (Recht et al., 2011) lets every thread update any row with no lock; two threads
//! touching the same row at the same moment may lose part of an update, which SGD tolerates.
//! word2vec.c, gensim and fastText all train this way. In Rust's memory model, concurrent
//! non-atomic reads and writes of the same `f32` are a data race, and we accept that
//! deliberately, the same way those implementations do, because relaxed atomics would stop
//! the dot/axpy kernels from using SIMD loads and stores. To keep the consequences
//! contained:
//!
//! * rows are reached only through raw pointers ([`SharedMatrix::row`]), never through
//!   `&`/`&mut` references to shared memory, so the compiler is never told that a shared row
//!   is immutable or exclusively borrowed;
//! * row indices are checked against the number of rows (`debug_assert!`, and the vocabulary
//!   builder guarantees every id is `< rows`);
//! * the buffer is borrowed mutably for the whole training call and is never reallocated;
//! * `std::thread::scope` joins every writer before the caller can read the matrix again;
//! * only `f32` is stored: a torn or stale read is just another (slightly old) number.
#![allow(unsafe_code)]

use std::marker::PhantomData;

/// A `rows x cols` row-major `f32` matrix that many threads may read and write at once.
#[derive(Clone, Copy)]
pub struct SharedMatrix<'a> {
    ptr: *mut f32,
    rows: usize,
    cols: usize,
    _borrow: PhantomData<&'a mut [f32]>,
}

// SAFETY: the matrix is a view of a buffer mutably borrowed for 'a; sharing it between
// threads is the Hogwild design documented at the top of this module (racy f32 updates are
// accepted; no reference to shared memory is ever created).
unsafe impl Send for SharedMatrix<'_> {}
// SAFETY: as above.
unsafe impl Sync for SharedMatrix<'_> {}

impl<'a> SharedMatrix<'a> {
    /// Wraps a buffer of `rows * cols` floats.
    ///
    /// # Panics
    /// If the buffer's length is not `rows * cols`.
    pub fn new(data: &'a mut [f32], rows: usize, cols: usize) -> Self {
        assert_eq!(
            data.len(),
            rows * cols,
            "matrix buffer has the wrong length"
        );
        SharedMatrix {
            ptr: data.as_mut_ptr(),
            rows,
            cols,
            _borrow: PhantomData,
        }
    }

    /// Number of columns.
    #[inline(always)]
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Raw pointer to the first element of row `r`.
    #[inline(always)]
    pub fn row(&self, r: u32) -> *mut f32 {
        debug_assert!(
            (r as usize) < self.rows,
            "row {r} out of {} rows",
            self.rows
        );
        // SAFETY: r < rows (checked in debug builds; every id comes from the vocabulary,
        // whose size is `rows`), so the offset stays inside the borrowed buffer.
        unsafe { self.ptr.add(r as usize * self.cols) }
    }
}

use super::kernels::Kernel;

/// Reserves room for `n` floats in an empty `v` and, on Linux, asks the kernel to back it
/// with transparent huge pages (`madvise(MADV_HUGEPAGE)`; a hint, ignored where THP is off).
/// Training reads rows at random all over the matrices: with 4 KiB pages nearly every row
/// costs a TLB miss, with 2 MiB pages a 50 MB model needs only a few dozen entries (+2% CBOW
/// throughput measured on 2 threads). Call it before the buffer is first written: pages
/// already touched are not converted at once.
///
/// # Errors
/// The allocation failure, as `try_reserve_exact` reports it.
pub fn reserve_huge(
    v: &mut Vec<f32>,
    n: usize,
) -> std::result::Result<(), std::collections::TryReserveError> {
    v.try_reserve_exact(n)?;
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 1 << 21;
        let start = v.as_mut_ptr() as usize;
        let end = start.saturating_add(v.capacity().saturating_mul(std::mem::size_of::<f32>()));
        // Only whole 2 MiB pages inside the allocation.
        let lo = start.div_ceil(HUGE).saturating_mul(HUGE);
        let hi = end / HUGE * HUGE;
        if hi > lo {
            // SAFETY: [lo, hi) lies inside the allocation `v` owns (capacity floats from its
            // pointer); MADV_HUGEPAGE changes only how the kernel backs those pages, never
            // their contents, and its failure (e.g. THP compiled out) is harmless.
            unsafe { libc::madvise(lo as *mut libc::c_void, hi - lo, libc::MADV_HUGEPAGE) };
        }
    }
    Ok(())
}

/// Asks the CPU to start loading the cache line holding address `p` into L1 (a hint with no
/// effect on results). The one place cache hints are issued.
#[inline(always)]
fn prefetch_addr(p: *const u8) {
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

/// Asks the CPU to start loading the cache line holding `*x` (used for the vocabulary's
/// index slots).
#[inline(always)]
pub fn prefetch_ref<T>(x: &T) {
    prefetch_addr(x as *const T as *const u8);
}

/// Row operations. Each checks that local slices have `cols` floats, then calls the kernel on
/// row pointers; the kernels never see an out-of-bounds pointer. They are crate-private: the
/// only caller is the trainer, which instantiates them with the kernel `kernels::detect`
/// chose for this CPU, so the kernel's CPU requirement holds.
impl SharedMatrix<'_> {
    /// Asks the CPU to start loading row `r` into the cache (a hint: no effect on results).
    ///
    /// Training reads rows at random; issuing the loads of a step's rows together, before
    /// the arithmetic that needs them, overlaps their cache misses instead of paying them
    /// one after another.
    #[inline(always)]
    pub(crate) fn prefetch(&self, r: u32) {
        let start = self.row(r) as usize;
        let bytes = self.cols * std::mem::size_of::<f32>();
        for off in (0..bytes).step_by(64) {
            prefetch_addr((start + off) as *const u8);
        }
    }

    /// `self[r] . other[r2]`.
    #[inline(always)]
    pub(crate) fn dot_rows<K: Kernel>(&self, r: u32, other: &SharedMatrix<'_>, r2: u32) -> f32 {
        debug_assert_eq!(self.cols, other.cols);
        let n = self.cols.min(other.cols);
        // SAFETY: (CPU support: see the impl docs) both pointers address rows of at least n floats inside their buffers.
        unsafe { K::dot(self.row(r), other.row(r2), n) }
    }

    /// `self[r] . v`.
    #[inline(always)]
    pub(crate) fn dot_local<K: Kernel>(&self, r: u32, v: &[f32]) -> f32 {
        assert!(v.len() >= self.cols);
        // SAFETY: the row has `cols` floats and v at least as many.
        unsafe { K::dot(self.row(r), v.as_ptr(), self.cols) }
    }

    /// `y += alpha * self[r]` for a thread-local `y`.
    #[inline(always)]
    pub(crate) fn axpy_to_local<K: Kernel>(&self, r: u32, alpha: f32, y: &mut [f32]) {
        assert!(y.len() >= self.cols);
        // SAFETY: the row has `cols` floats; y is a distinct local buffer at least as long.
        unsafe { K::axpy(alpha, self.row(r), y.as_mut_ptr(), self.cols) }
    }

    /// `self[r] += alpha * x` for a thread-local `x`.
    #[inline(always)]
    pub(crate) fn axpy_from_local<K: Kernel>(&self, r: u32, alpha: f32, x: &[f32]) {
        assert!(x.len() >= self.cols);
        // SAFETY: x is a local buffer of at least `cols` floats, distinct from the shared row.
        unsafe { K::axpy(alpha, x.as_ptr(), self.row(r), self.cols) }
    }

    /// `acc += g * self[r]`, then `self[r] += g * src`, in one pass over the row (`acc`
    /// and `src` thread-local).
    #[inline(always)]
    pub(crate) fn axpy2_local<K: Kernel>(&self, r: u32, g: f32, acc: &mut [f32], src: &[f32]) {
        assert!(acc.len() >= self.cols && src.len() >= self.cols);
        // SAFETY: the row has `cols` floats; acc (exclusively borrowed) and src are local
        // buffers of at least `cols` floats, distinct from the shared row and each other.
        unsafe { K::axpy2(g, self.row(r), acc.as_mut_ptr(), src.as_ptr(), self.cols) }
    }

    /// `out = scale * sum of the rows ids` (added in order), for a thread-local `out`.
    #[inline(always)]
    pub(crate) fn sum_rows_to_local<K: Kernel>(&self, ids: &[u32], scale: f32, out: &mut [f32]) {
        assert!(out.len() >= self.cols);
        assert!(ids.iter().all(|&r| (r as usize) < self.rows));
        // SAFETY: every id is a row index (checked above), so each row has `cols` readable
        // floats inside the buffer; out is a distinct local buffer of at least `cols` floats.
        unsafe {
            K::sum_rows(
                self.ptr,
                self.cols,
                ids.as_ptr(),
                ids.len(),
                scale,
                out.as_mut_ptr(),
                self.cols,
            )
        }
    }

    /// `self[r] += sum_k c[k] * x_k`, where `x_k` is row `k` (of `cols` floats) of the
    /// thread-local buffer `x`.
    #[inline(always)]
    pub(crate) fn lincomb_from_local<K: Kernel>(&self, r: u32, c: &[f32], x: &[f32]) {
        assert!(x.len() >= c.len() * self.cols);
        // SAFETY: c has c.len() coefficients; x holds c.len() rows of `cols` floats; the
        // shared row has `cols` floats and is distinct from the local buffers.
        unsafe {
            K::lincomb(
                c.as_ptr(),
                c.len(),
                x.as_ptr(),
                self.cols,
                self.row(r),
                self.cols,
            )
        }
    }

    /// Copies row `r` into the thread-local `out`.
    #[inline(always)]
    pub(crate) fn copy_to_local(&self, r: u32, out: &mut [f32]) {
        assert!(out.len() >= self.cols);
        // SAFETY: the row has `cols` readable floats; `out` is a distinct local buffer of at
        // least `cols` floats. A plain (racy) read is the Hogwild contract of this module.
        unsafe { std::ptr::copy_nonoverlapping(self.row(r), out.as_mut_ptr(), self.cols) }
    }

    /// `self[r] += alpha * other[r2]`, where `other` is a different matrix.
    #[inline(always)]
    pub(crate) fn axpy_from_row<K: Kernel>(
        &self,
        r: u32,
        alpha: f32,
        other: &SharedMatrix<'_>,
        r2: u32,
    ) {
        debug_assert_eq!(self.cols, other.cols);
        debug_assert!(
            self.ptr != other.ptr,
            "axpy_from_row needs two distinct matrices"
        );
        let n = self.cols.min(other.cols);
        // SAFETY: two rows of at least n floats in two distinct buffers (the trainer passes
        // the input and output matrices, which are separate allocations).
        unsafe { K::axpy(alpha, other.row(r2), self.row(r), n) }
    }
}

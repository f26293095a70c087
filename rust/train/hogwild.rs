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
///
/// `P` (a thread's view made by [`SharedMatrix::view`]): rows `0..private_rows` are that
/// thread's private copies. A type parameter rather than a runtime flag so that training
/// without private rows (one thread) pays nothing for them.
#[derive(Clone, Copy)]
pub struct SharedMatrix<'a, const P: bool = false> {
    ptr: *mut f32,
    rows: usize,
    cols: usize,
    /// `[shared buffer, private buffer]` (used when `P`): rows `0..private_rows` live in the
    /// second. An array indexed by `r < private_rows` rather than a branch: which rows are
    /// private is unpredictable.
    bases: [*mut f32; 2],
    private_rows: usize,
    _borrow: PhantomData<&'a mut [f32]>,
}

// SAFETY: the matrix is a view of a buffer mutably borrowed for 'a; sharing it between
// threads is the Hogwild design documented at the top of this module (racy f32 updates are
// accepted; no reference to shared memory is ever created).
unsafe impl<const P: bool> Send for SharedMatrix<'_, P> {}
// SAFETY: as above.
unsafe impl<const P: bool> Sync for SharedMatrix<'_, P> {}

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
            bases: [data.as_mut_ptr(); 2],
            private_rows: 0,
            _borrow: PhantomData,
        }
    }

    /// One thread's view. With `Q`, rows `0..k` (`k = local.len() / cols`, at most `rows`)
    /// are read and written in `local`, the thread's private copy, instead of the shared
    /// buffer: with the vocabulary sorted by frequency these are the rows that every thread
    /// uses all the time, and whose cache lines would otherwise travel between cores on
    /// every update. `local` and `base` are filled from the shared rows;
    /// [`SharedMatrix::sync_private_rows`] publishes the thread's changes and takes the
    /// others'. Without `Q` the view is this matrix and the buffers are not used.
    pub fn view<'b, const Q: bool>(
        &self,
        local: &'b mut [f32],
        base: &mut [f32],
    ) -> SharedMatrix<'b, Q>
    where
        'a: 'b,
    {
        let k = if Q {
            (local.len() / self.cols.max(1)).min(self.rows)
        } else {
            0
        };
        assert!(base.len() >= k * self.cols);
        let n = k * self.cols;
        // SAFETY: the first k rows of the shared buffer (k <= rows) are n readable floats;
        // local and base are distinct local buffers of at least n floats. A racy read is
        // the Hogwild contract of this module.
        unsafe {
            std::ptr::copy_nonoverlapping(self.ptr, local.as_mut_ptr(), n);
            std::ptr::copy_nonoverlapping(self.ptr, base.as_mut_ptr(), n);
        }
        SharedMatrix {
            ptr: self.ptr,
            rows: self.rows,
            cols: self.cols,
            bases: [self.ptr, if Q { local.as_mut_ptr() } else { self.ptr }],
            private_rows: k,
            _borrow: PhantomData,
        }
    }
}

impl<const P: bool> SharedMatrix<'_, P> {
    /// Adds this thread's changes to its private rows since the last call (`local - base`)
    /// to the shared rows, then refreshes `local` and `base` from the shared rows, which now
    /// hold every thread's published changes too. `base` is the buffer given to
    /// [`SharedMatrix::view`]. A view without private rows has nothing to publish.
    pub(crate) fn sync_private_rows(&self, base: &mut [f32]) {
        self.sync_first_rows(base, self.private_rows);
    }

    /// [`SharedMatrix::sync_private_rows`] for the private rows `0..rows` only (at most
    /// all of them): the most frequent rows are published more often than the others.
    pub(crate) fn sync_first_rows(&self, base: &mut [f32], rows: usize) {
        let n = rows.min(self.private_rows) * self.cols;
        assert!(base.len() >= n);
        if !P || n == 0 {
            return;
        }
        // SAFETY: the private buffer (`bases[1]`) holds private_rows * cols floats (set from
        // a buffer of that size, borrowed for this view's lifetime) and only this thread
        // uses it; the first n floats of the shared buffer are rows 0..rows of it; base is
        // a distinct local buffer. The three slices do not overlap, which lets the loop
        // below be vectorised. Other threads may write the shared rows meanwhile: a racy
        // read-modify-write is the Hogwild contract of this module (a change another
        // thread publishes at the same instant may be lost, as in any Hogwild update).
        let (shared, local) = unsafe {
            (
                std::slice::from_raw_parts_mut(self.ptr, n),
                std::slice::from_raw_parts_mut(self.bases[1], n),
            )
        };
        for ((s, l), b) in shared.iter_mut().zip(local.iter_mut()).zip(&mut base[..n]) {
            let v = *s + (*l - *b);
            *s = v;
            *l = v;
            *b = v;
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
        let r = r as usize;
        let base = if P {
            self.bases[(r < self.private_rows) as usize]
        } else {
            self.ptr
        };
        // SAFETY: r < rows (checked in debug builds; every id comes from the vocabulary,
        // whose size is `rows`), so the offset stays inside the shared buffer; and a row
        // below private_rows stays inside the private buffer, which holds that many rows.
        unsafe { base.add(r * self.cols) }
    }
}

use super::kernels::Kernel;
use crate::prefetch::prefetch_addr;

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

/// Row operations. Each checks that local slices have `cols` floats, then calls the kernel on
/// row pointers; the kernels never see an out-of-bounds pointer. They are crate-private: the
/// only caller is the trainer, which instantiates them with the kernel `kernels::detect`
/// chose for this CPU, so the kernel's CPU requirement holds.
impl<const P: bool> SharedMatrix<'_, P> {
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
    pub(crate) fn dot_rows<K: Kernel>(&self, r: u32, other: &SharedMatrix<'_, P>, r2: u32) -> f32 {
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
        // The closure owns copies of the view and the id pointer, so that the kernel keeps
        // them in registers (through references they would be reloaded after every store).
        let (view, id) = (*self, ids.as_ptr());
        // SAFETY: every id is a row index (checked above), so each row has `cols` readable
        // floats (in the shared or the private buffer); `row(j)` reads id j < ids.len();
        // out is a distinct local buffer of at least `cols` floats.
        unsafe {
            K::sum_rows(
                move |j| view.row(*id.add(j)),
                ids.len(),
                scale,
                out.as_mut_ptr(),
                self.cols,
            )
        }
    }

    /// `out[k] = self[ids[k]] . v` for every `k` (as [`SharedMatrix::dot_local`], bit for
    /// bit), several rows per pass.
    #[inline(always)]
    pub(crate) fn dots_rows_local<K: Kernel>(&self, ids: &[u32], v: &[f32], out: &mut [f32]) {
        assert!(v.len() >= self.cols && out.len() >= ids.len());
        assert!(ids.iter().all(|&r| (r as usize) < self.rows));
        let (view, id) = (*self, ids.as_ptr());
        // SAFETY: every id is a row index (checked above), so each row has `cols` readable
        // floats; `row(k)` reads id k < ids.len(); v holds `cols` floats and out (exclusively
        // borrowed, so distinct from the rows and v) ids.len() slots.
        unsafe {
            K::dots_rows(
                v.as_ptr(),
                move |k| view.row(*id.add(k)) as *const f32,
                ids.len(),
                self.cols,
                out.as_mut_ptr(),
            )
        }
    }

    /// `acc += g[k] * self[ids[k]]`, then `self[ids[k]] += g[k] * src`, for each `k` in turn
    /// (as [`SharedMatrix::axpy2_local`] row by row, bit for bit), `acc` kept in registers.
    #[inline(always)]
    pub(crate) fn axpy2_rows_local<K: Kernel>(
        &self,
        ids: &[u32],
        g: &[f32],
        acc: &mut [f32],
        src: &[f32],
    ) {
        assert!(acc.len() >= self.cols && src.len() >= self.cols && g.len() >= ids.len());
        assert!(ids.iter().all(|&r| (r as usize) < self.rows));
        let (view, id) = (*self, ids.as_ptr());
        // SAFETY: every id is a row index (checked above), so each row has `cols` floats
        // inside the matrix's buffers; g has ids.len() coefficients; acc (exclusively
        // borrowed) and src are local buffers of at least `cols` floats, distinct from the
        // shared rows, from g and from each other.
        unsafe {
            K::axpy2_rows(
                g.as_ptr(),
                move |k| view.row(*id.add(k)),
                ids.len(),
                acc.as_mut_ptr(),
                src.as_ptr(),
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

    /// Copies row `r` into the thread-local `out` with the kernel's own widths (see
    /// `Kernel::copy`: a row the kernels wrote a moment ago reads back without a stall).
    #[inline(always)]
    pub(crate) fn copy_row_to_local<K: Kernel>(&self, r: u32, out: &mut [f32]) {
        assert!(out.len() >= self.cols);
        // SAFETY: the row has `cols` readable floats; `out` is a distinct local buffer of at
        // least `cols` floats. A plain (racy) read is the Hogwild contract of this module.
        unsafe { K::copy(self.row(r), out.as_mut_ptr(), self.cols) }
    }

    /// `self[r] += alpha * other[r2]`, where `other` is a different matrix.
    #[inline(always)]
    pub(crate) fn axpy_from_row<K: Kernel>(
        &self,
        r: u32,
        alpha: f32,
        other: &SharedMatrix<'_, P>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::kernels::Scalar;

    #[test]
    fn private_rows_publish_every_threads_changes() {
        // 4 rows x 2 columns; rows 0..2 private in two views (two threads' worth).
        let mut data: Vec<f32> = (0..8).map(|i| i as f32).collect();
        let m = SharedMatrix::new(&mut data, 4, 2);
        let (mut la, mut ba) = (vec![0f32; 4], vec![0f32; 4]);
        let (mut lb, mut bb) = (vec![0f32; 4], vec![0f32; 4]);
        let a = m.view::<true>(&mut la, &mut ba);
        let b = m.view::<true>(&mut lb, &mut bb);
        a.axpy_from_local::<Scalar>(0, 1.0, &[1.0, 1.0]); // private: only a sees it
        b.axpy_from_local::<Scalar>(0, 1.0, &[10.0, 10.0]);
        a.axpy_from_local::<Scalar>(3, 1.0, &[100.0, 100.0]); // shared row: both see it
        let mut row = [0f32; 2];
        m.copy_row_to_local::<Scalar>(0, &mut row);
        assert_eq!(row, [0.0, 1.0]);
        b.copy_row_to_local::<Scalar>(3, &mut row);
        assert_eq!(row, [106.0, 107.0]);
        a.sync_private_rows(&mut ba);
        m.copy_row_to_local::<Scalar>(0, &mut row);
        assert_eq!(row, [1.0, 2.0]);
        b.sync_private_rows(&mut bb); // adds b's change; b now also holds a's
        b.copy_row_to_local::<Scalar>(0, &mut row);
        assert_eq!(row, [11.0, 12.0]);
        a.copy_row_to_local::<Scalar>(0, &mut row);
        assert_eq!(row, [1.0, 2.0]); // until a publishes again
        a.sync_private_rows(&mut ba);
        a.copy_row_to_local::<Scalar>(0, &mut row);
        assert_eq!(row, [11.0, 12.0]);
        // An untouched private row is unchanged.
        m.copy_row_to_local::<Scalar>(1, &mut row);
        assert_eq!(row, [2.0, 3.0]);
        // A view without private rows is the shared matrix itself.
        let plain = m.view::<false>(&mut la, &mut ba);
        assert_eq!(plain.row(0), m.row(0));
        let (mut l0, mut b0) = (Vec::new(), Vec::new());
        let none = m.view::<true>(&mut l0, &mut b0);
        assert_eq!(none.row(0), m.row(0));
        none.sync_private_rows(&mut b0);
    }

    #[test]
    fn publishing_the_first_rows_leaves_the_others_private() {
        // 4 rows x 2 columns, all private; only rows 0..1 are published first.
        let mut data: Vec<f32> = (0..8).map(|i| i as f32).collect();
        let m = SharedMatrix::new(&mut data, 4, 2);
        let (mut la, mut ba) = (vec![0f32; 8], vec![0f32; 8]);
        let a = m.view::<true>(&mut la, &mut ba);
        a.axpy_from_local::<Scalar>(0, 1.0, &[1.0, 1.0]);
        a.axpy_from_local::<Scalar>(2, 1.0, &[5.0, 5.0]);
        let mut row = [0f32; 2];
        a.sync_first_rows(&mut ba, 1);
        m.copy_row_to_local::<Scalar>(0, &mut row);
        assert_eq!(row, [1.0, 2.0]);
        m.copy_row_to_local::<Scalar>(2, &mut row);
        assert_eq!(row, [4.0, 5.0]); // not yet published
        a.copy_row_to_local::<Scalar>(2, &mut row);
        assert_eq!(row, [9.0, 10.0]);
        // More rows than are private: all of them, once (row 0 is not added twice).
        a.sync_first_rows(&mut ba, 100);
        m.copy_row_to_local::<Scalar>(0, &mut row);
        assert_eq!(row, [1.0, 2.0]);
        m.copy_row_to_local::<Scalar>(2, &mut row);
        assert_eq!(row, [9.0, 10.0]);
    }
}

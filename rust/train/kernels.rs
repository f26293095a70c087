//! Dense kernels of the training loop: `dot` and `axpy` on rows of length `d`, with a scalar
//! reference (the test oracle) and SIMD versions chosen once per run by runtime CPU detection.
//!
//! The kernel is a type parameter of the worker loop ([`Kernel`]), so the choice is made once
//! and the loop is compiled for each kernel. `EMBEDRS_SIMD=scalar|avx2|avx512|neon` forces a path
//! (an unsupported choice falls back to the best supported one, with a log line).
//!
//! x86_64 has AVX2+FMA and AVX-512F kernels, aarch64 a NEON kernel (4 lanes, the same loops as
//! the AVX2 one); every other CPU runs the scalar loops.
//!
//! Kernels take raw pointers because their operands are rows of the shared Hogwild matrices
//! (see `hogwild.rs`) or thread-local scratch buffers.
#![allow(unsafe_code)]

/// A set of row kernels.
pub trait Kernel: Copy + Send + Sync + 'static {
    /// Name for logs and tests.
    const NAME: &'static str;

    /// `sum(a[i] * b[i])` for `i < n`.
    ///
    /// # Safety
    /// `a` and `b` must be valid for reads of `n` floats, and the CPU must support the
    /// kernel's instructions ([`supported`]).
    unsafe fn dot(a: *const f32, b: *const f32, n: usize) -> f32;

    /// `y[i] += alpha * x[i]` for `i < n`.
    ///
    /// # Safety
    /// `x` valid for `n` reads, `y` valid for `n` reads and writes; they may alias only if
    /// equal. The CPU must support the kernel's instructions ([`supported`]).
    unsafe fn axpy(alpha: f32, x: *const f32, y: *mut f32, n: usize);

    /// `acc[i] += g * row[i]; row[i] += g * src[i]` for `i < n`: both halves of an output
    /// row's update in one pass (the new `acc` uses the old `row`).
    ///
    /// # Safety
    /// `row`, `acc` valid for `n` reads and writes, `src` for `n` reads; `row` overlaps
    /// neither `acc` nor `src`, and `acc` does not overlap `src`. The CPU must support the
    /// kernel's instructions.
    #[inline(always)]
    unsafe fn axpy2(g: f32, row: *mut f32, acc: *mut f32, src: *const f32, n: usize) {
        // SAFETY: the caller's contract; `acc` is updated from `row` before `row` changes.
        unsafe {
            Self::axpy(g, row, acc, n);
            Self::axpy(g, src, row, n);
        }
    }

    /// `out[i] = scale * sum_j row(j)[i]` for `i < n`: the (scaled) sum of `m` rows, added
    /// in order (`row(j)` is the address of the `j`-th row).
    ///
    /// # Safety
    /// Every `row(j)`, `j < m`, valid for `n` reads; `out` valid for `n` writes and not
    /// overlapping any row. The CPU must support the kernel's instructions.
    #[inline(always)]
    unsafe fn sum_rows<R: Fn(usize) -> *const f32>(
        row: R,
        m: usize,
        scale: f32,
        out: *mut f32,
        n: usize,
    ) {
        // SAFETY: the caller's contract, row by row.
        unsafe {
            for i in 0..n {
                *out.add(i) = 0.0;
            }
            for j in 0..m {
                Self::axpy(1.0, row(j), out, n);
            }
            if scale != 1.0 {
                for i in 0..n {
                    *out.add(i) *= scale;
                }
            }
        }
    }

    /// `out[k] = a . b_k` for `k < t`, where row `b_k` starts at `b + k * stride`.
    ///
    /// # Safety
    /// `a` valid for `n` reads; each `b_k` valid for `n` reads; `out` valid for `t` writes
    /// and not overlapping the inputs. The CPU must support the kernel's instructions.
    #[inline(always)]
    unsafe fn dots(a: *const f32, b: *const f32, stride: usize, t: usize, n: usize, out: *mut f32) {
        for k in 0..t {
            // SAFETY: the caller's contract, row by row.
            unsafe { *out.add(k) = Self::dot(a, b.add(k * stride), n) };
        }
    }

    /// `y[i] += sum_k c[k] * x_k[i]` for `i < n`, where row `x_k` starts at `x + k * stride`.
    ///
    /// # Safety
    /// `c` valid for `t` reads; each `x_k` valid for `n` reads; `y` valid for `n` reads and
    /// writes and not overlapping any `x_k` or `c`. The CPU must support the instructions.
    #[inline(always)]
    unsafe fn lincomb(
        c: *const f32,
        t: usize,
        x: *const f32,
        stride: usize,
        y: *mut f32,
        n: usize,
    ) {
        for k in 0..t {
            // SAFETY: the caller's contract, row by row.
            unsafe { Self::axpy(*c.add(k), x.add(k * stride), y, n) };
        }
    }
}

/// `a . b` on two local slices of equal length.
#[inline(always)]
pub fn local_dot<K: Kernel>(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    // SAFETY: both slices hold at least n floats; the trainer only instantiates K with the
    // kernel `detect` chose for this CPU.
    unsafe { K::dot(a.as_ptr(), b.as_ptr(), n) }
}

/// `out[k] = a . b_k` for every row `b_k` (of `a.len()` floats) of the local buffer `b`.
#[inline(always)]
pub fn local_dots<K: Kernel>(a: &[f32], b: &[f32], out: &mut [f32]) {
    let n = a.len();
    let t = out.len();
    assert!(b.len() >= t * n);
    // SAFETY: a has n floats, b holds t rows of n floats, out has t slots and is exclusively
    // borrowed; K is the kernel `detect` chose for this CPU.
    unsafe { K::dots(a.as_ptr(), b.as_ptr(), n, t, n, out.as_mut_ptr()) }
}

/// `y += alpha * x` on two local slices.
#[inline(always)]
pub fn local_axpy<K: Kernel>(alpha: f32, x: &[f32], y: &mut [f32]) {
    let n = x.len().min(y.len());
    // SAFETY: as in `local_dot`; `y` is exclusively borrowed so it cannot alias `x`.
    unsafe { K::axpy(alpha, x.as_ptr(), y.as_mut_ptr(), n) }
}

/// Plain Rust loops: the reference every SIMD path is tested against.
#[derive(Clone, Copy, Debug)]
pub struct Scalar;

impl Kernel for Scalar {
    const NAME: &'static str = "scalar";

    #[inline(always)]
    unsafe fn dot(a: *const f32, b: *const f32, n: usize) -> f32 {
        let mut acc = [0f32; 4];
        let mut i = 0;
        while i + 4 <= n {
            for (j, slot) in acc.iter_mut().enumerate() {
                // SAFETY: i + j < n and the caller guarantees n readable floats.
                unsafe { *slot += *a.add(i + j) * *b.add(i + j) };
            }
            i += 4;
        }
        let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
        while i < n {
            // SAFETY: i < n.
            unsafe { s += *a.add(i) * *b.add(i) };
            i += 1;
        }
        s
    }

    #[inline(always)]
    unsafe fn axpy(alpha: f32, x: *const f32, y: *mut f32, n: usize) {
        for i in 0..n {
            // SAFETY: i < n; caller guarantees validity.
            unsafe { *y.add(i) += alpha * *x.add(i) };
        }
    }
}

/// The fused many-row kernels (`Kernel::dots`, `Kernel::lincomb`) for one vector width,
/// expanded inside each SIMD module (whose `dot` it uses for leftover rows) with that width's
/// intrinsics and CPU features.
#[cfg(target_arch = "x86_64")]
macro_rules! fused_kernels {
    ($features:literal, $lanes:literal, $zero:ident, $load:ident, $store:ident, $splat:ident,
     $fma:ident, $hsum:ident, $add:ident, $mul:ident) => {
        /// Up to 4 dot products of `a` against rows of `b` per pass, so `a` is loaded once
        /// for all of them.
        #[inline]
        #[target_feature(enable = $features)]
        pub(super) unsafe fn dots(
            a: *const f32,
            b: *const f32,
            stride: usize,
            t: usize,
            n: usize,
            out: *mut f32,
        ) {
            let full = n - n % $lanes;
            let mut k = 0;
            // SAFETY: the caller guarantees n readable floats at a and at every row
            // b + k*stride (k < t), and t writable floats at out; vector loads read lanes
            // [i, i + lanes) with i + lanes <= n, the rest is scalar.
            unsafe {
                while k + 4 <= t {
                    let rows = [
                        b.add(k * stride),
                        b.add((k + 1) * stride),
                        b.add((k + 2) * stride),
                        b.add((k + 3) * stride),
                    ];
                    let mut acc = [$zero(); 4];
                    let mut i = 0;
                    while i < full {
                        let va = $load(a.add(i));
                        acc[0] = $fma(va, $load(rows[0].add(i)), acc[0]);
                        acc[1] = $fma(va, $load(rows[1].add(i)), acc[1]);
                        acc[2] = $fma(va, $load(rows[2].add(i)), acc[2]);
                        acc[3] = $fma(va, $load(rows[3].add(i)), acc[3]);
                        i += $lanes;
                    }
                    for (q, row) in rows.into_iter().enumerate() {
                        let mut s = $hsum(acc[q]);
                        for j in full..n {
                            s += *a.add(j) * *row.add(j);
                        }
                        *out.add(k + q) = s;
                    }
                    k += 4;
                }
                while k < t {
                    *out.add(k) = dot(a, b.add(k * stride), n);
                    k += 1;
                }
            }
        }

        /// `acc += g row; row += g src` in one pass over `row` (see `Kernel::axpy2`); the
        /// last `n % lanes` floats in 4-float SSE steps, then scalar.
        #[inline]
        #[target_feature(enable = $features)]
        pub(super) unsafe fn axpy2(
            g: f32,
            row: *mut f32,
            acc: *mut f32,
            src: *const f32,
            n: usize,
        ) {
            let full = n - n % $lanes;
            let vg = $splat(g);
            let mut i = 0;
            // SAFETY: the caller guarantees n floats at row, acc (read/write) and src
            // (read), not overlapping; every access is [i, i + width) with i + width <= n.
            unsafe {
                while i < full {
                    let r = $load(row.add(i));
                    $store(acc.add(i), $fma(vg, r, $load(acc.add(i))));
                    $store(row.add(i), $fma(vg, $load(src.add(i)), r));
                    i += $lanes;
                }
                let g4 = _mm_set1_ps(g);
                while i + 4 <= n {
                    let r = _mm_loadu_ps(row.add(i));
                    _mm_storeu_ps(acc.add(i), _mm_fmadd_ps(g4, r, _mm_loadu_ps(acc.add(i))));
                    _mm_storeu_ps(row.add(i), _mm_fmadd_ps(g4, _mm_loadu_ps(src.add(i)), r));
                    i += 4;
                }
                while i < n {
                    let r = *row.add(i);
                    *acc.add(i) += g * r;
                    *row.add(i) = r + g * *src.add(i);
                    i += 1;
                }
            }
        }

        /// The scaled sum of `m` rows (see `Kernel::sum_rows`), `lanes` floats of the sum
        /// kept in a register across all rows; the tail in 4-float SSE steps, then scalar.
        #[inline]
        #[target_feature(enable = $features)]
        pub(super) unsafe fn sum_rows<R: Fn(usize) -> *const f32>(
            row: R,
            m: usize,
            scale: f32,
            out: *mut f32,
            n: usize,
        ) {
            let full = n - n % $lanes;
            let vs = $splat(scale);
            let mut i = 0;
            // SAFETY: the caller guarantees n readable floats at each row(j), j < m, and n
            // writable floats at out (not overlapping); every access is [i, i + width)
            // with i + width <= n.
            unsafe {
                while i < full {
                    let mut acc = $zero();
                    for j in 0..m {
                        acc = $add(acc, $load(row(j).add(i)));
                    }
                    $store(out.add(i), $mul(acc, vs));
                    i += $lanes;
                }
                let s4 = _mm_set1_ps(scale);
                while i + 4 <= n {
                    let mut acc = _mm_setzero_ps();
                    for j in 0..m {
                        acc = _mm_add_ps(acc, _mm_loadu_ps(row(j).add(i)));
                    }
                    _mm_storeu_ps(out.add(i), _mm_mul_ps(acc, s4));
                    i += 4;
                }
                while i < n {
                    let mut acc = 0f32;
                    for j in 0..m {
                        acc += *row(j).add(i);
                    }
                    *out.add(i) = acc * scale;
                    i += 1;
                }
            }
        }

        /// `y += sum_k c[k] x_k`, `lanes` floats of `y` kept in a register across all rows.
        #[inline]
        #[target_feature(enable = $features)]
        pub(super) unsafe fn lincomb(
            c: *const f32,
            t: usize,
            x: *const f32,
            stride: usize,
            y: *mut f32,
            n: usize,
        ) {
            let full = n - n % $lanes;
            let mut i = 0;
            // SAFETY: the caller guarantees t coefficients at c, n readable floats at every
            // row x + k*stride, and n read/write floats at y (not overlapping); vector
            // accesses are [i, i + lanes) with i + lanes <= n, the tail is scalar.
            unsafe {
                while i < full {
                    let mut acc = $load(y.add(i));
                    for k in 0..t {
                        acc = $fma($splat(*c.add(k)), $load(x.add(k * stride + i)), acc);
                    }
                    $store(y.add(i), acc);
                    i += $lanes;
                }
                while i < n {
                    let mut s = *y.add(i);
                    for k in 0..t {
                        s += *c.add(k) * *x.add(k * stride + i);
                    }
                    *y.add(i) = s;
                    i += 1;
                }
            }
        }
    };
}
#[cfg(target_arch = "x86_64")]
use fused_kernels;

/// `impl Kernel for $ty` by forwarding to the functions of module `$module`.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
macro_rules! simd_kernel {
    ($ty:ident, $module:ident, $name:literal) => {
        impl Kernel for $ty {
            const NAME: &'static str = $name;

            #[inline(always)]
            unsafe fn dot(a: *const f32, b: *const f32, n: usize) -> f32 {
                // SAFETY: `run_with` instantiates this kernel only after `supported` has
                // checked that the CPU has its features (the `target_feature`s of the
                // module's functions); pointer validity is the caller's contract.
                unsafe { $module::dot(a, b, n) }
            }

            #[inline(always)]
            unsafe fn axpy(alpha: f32, x: *const f32, y: *mut f32, n: usize) {
                // SAFETY: as in `dot`.
                unsafe { $module::axpy(alpha, x, y, n) }
            }

            #[inline(always)]
            unsafe fn axpy2(g: f32, row: *mut f32, acc: *mut f32, src: *const f32, n: usize) {
                // SAFETY: as in `dot`.
                unsafe { $module::axpy2(g, row, acc, src, n) }
            }

            #[inline(always)]
            unsafe fn sum_rows<R: Fn(usize) -> *const f32>(
                row: R,
                m: usize,
                scale: f32,
                out: *mut f32,
                n: usize,
            ) {
                // SAFETY: as in `dot`.
                unsafe { $module::sum_rows(row, m, scale, out, n) }
            }

            #[inline(always)]
            unsafe fn dots(
                a: *const f32,
                b: *const f32,
                stride: usize,
                t: usize,
                n: usize,
                out: *mut f32,
            ) {
                // SAFETY: as in `dot`.
                unsafe { $module::dots(a, b, stride, t, n, out) }
            }

            #[inline(always)]
            unsafe fn lincomb(
                c: *const f32,
                t: usize,
                x: *const f32,
                stride: usize,
                y: *mut f32,
                n: usize,
            ) {
                // SAFETY: as in `dot`.
                unsafe { $module::lincomb(c, t, x, stride, y, n) }
            }
        }
    };
}

/// AVX2 + FMA, 8 lanes, two accumulators.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy, Debug)]
pub struct Avx2;

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn dot(a: *const f32, b: *const f32, n: usize) -> f32 {
        let mut acc0 = _mm256_setzero_ps();
        let mut acc1 = _mm256_setzero_ps();
        let mut i = 0;
        // SAFETY: the caller guarantees n readable floats at a and b, and every load below
        // reads lanes [i, i+8) or [i, i+16) with that bound checked first.
        unsafe {
            while i + 16 <= n {
                acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a.add(i)), _mm256_loadu_ps(b.add(i)), acc0);
                acc1 = _mm256_fmadd_ps(
                    _mm256_loadu_ps(a.add(i + 8)),
                    _mm256_loadu_ps(b.add(i + 8)),
                    acc1,
                );
                i += 16;
            }
            if i + 8 <= n {
                acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a.add(i)), _mm256_loadu_ps(b.add(i)), acc0);
                i += 8;
            }
            let acc = _mm256_add_ps(acc0, acc1);
            let lo = _mm256_castps256_ps128(acc);
            let hi = _mm256_extractf128_ps(acc, 1);
            let s4 = _mm_add_ps(lo, hi);
            let s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
            let s1 = _mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1));
            let mut s = _mm_cvtss_f32(s1);
            while i < n {
                s += *a.add(i) * *b.add(i);
                i += 1;
            }
            s
        }
    }

    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn axpy(alpha: f32, x: *const f32, y: *mut f32, n: usize) {
        let va = _mm256_set1_ps(alpha);
        let mut i = 0;
        // SAFETY: the caller guarantees n floats at x (read) and y (read/write); every
        // access is bounded by n.
        unsafe {
            while i + 8 <= n {
                let r = _mm256_fmadd_ps(va, _mm256_loadu_ps(x.add(i)), _mm256_loadu_ps(y.add(i)));
                _mm256_storeu_ps(y.add(i), r);
                i += 8;
            }
            while i < n {
                *y.add(i) += alpha * *x.add(i);
                i += 1;
            }
        }
    }

    /// Sum of the 8 lanes.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn hsum(v: __m256) -> f32 {
        let q = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        let q = _mm_add_ps(q, _mm_movehl_ps(q, q));
        _mm_cvtss_f32(_mm_add_ss(q, _mm_shuffle_ps(q, q, 1)))
    }

    super::fused_kernels!(
        "avx2,fma",
        8,
        _mm256_setzero_ps,
        _mm256_loadu_ps,
        _mm256_storeu_ps,
        _mm256_set1_ps,
        _mm256_fmadd_ps,
        hsum,
        _mm256_add_ps,
        _mm256_mul_ps
    );
}

#[cfg(target_arch = "x86_64")]
simd_kernel!(Avx2, avx2, "avx2");

/// AVX-512F, 16 lanes, two accumulators; the tail in 8 lanes then scalar.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy, Debug)]
pub struct Avx512;

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    #[inline]
    #[target_feature(enable = "avx512f,avx2,fma")]
    pub(super) unsafe fn dot(a: *const f32, b: *const f32, n: usize) -> f32 {
        let mut acc0 = _mm512_setzero_ps();
        let mut acc1 = _mm512_setzero_ps();
        let mut i = 0;
        // SAFETY: the caller guarantees n readable floats at a and b; every load reads lanes
        // [i, i+32), [i, i+16), [i, i+8) or [i] after checking that bound.
        unsafe {
            while i + 32 <= n {
                acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a.add(i)), _mm512_loadu_ps(b.add(i)), acc0);
                acc1 = _mm512_fmadd_ps(
                    _mm512_loadu_ps(a.add(i + 16)),
                    _mm512_loadu_ps(b.add(i + 16)),
                    acc1,
                );
                i += 32;
            }
            if i + 16 <= n {
                acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a.add(i)), _mm512_loadu_ps(b.add(i)), acc0);
                i += 16;
            }
            let mut s = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
            if i + 8 <= n {
                let p = _mm256_mul_ps(_mm256_loadu_ps(a.add(i)), _mm256_loadu_ps(b.add(i)));
                let q = _mm_add_ps(_mm256_castps256_ps128(p), _mm256_extractf128_ps(p, 1));
                let q = _mm_add_ps(q, _mm_movehl_ps(q, q));
                s += _mm_cvtss_f32(_mm_add_ss(q, _mm_shuffle_ps(q, q, 1)));
                i += 8;
            }
            if i + 4 <= n {
                let q = _mm_mul_ps(_mm_loadu_ps(a.add(i)), _mm_loadu_ps(b.add(i)));
                let q = _mm_add_ps(q, _mm_movehl_ps(q, q));
                s += _mm_cvtss_f32(_mm_add_ss(q, _mm_shuffle_ps(q, q, 1)));
                i += 4;
            }
            while i < n {
                s += *a.add(i) * *b.add(i);
                i += 1;
            }
            s
        }
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx2,fma")]
    pub(super) unsafe fn axpy(alpha: f32, x: *const f32, y: *mut f32, n: usize) {
        let va = _mm512_set1_ps(alpha);
        let mut i = 0;
        // SAFETY: the caller guarantees n floats at x (read) and y (read/write); every
        // access is bounded by n. (No masked stores for the tail: a masked store followed by
        // a load of the same lanes, as in a running sum, stalls store forwarding.)
        unsafe {
            while i + 16 <= n {
                let r = _mm512_fmadd_ps(va, _mm512_loadu_ps(x.add(i)), _mm512_loadu_ps(y.add(i)));
                _mm512_storeu_ps(y.add(i), r);
                i += 16;
            }
            if i + 8 <= n {
                let r = _mm256_fmadd_ps(
                    _mm512_castps512_ps256(va),
                    _mm256_loadu_ps(x.add(i)),
                    _mm256_loadu_ps(y.add(i)),
                );
                _mm256_storeu_ps(y.add(i), r);
                i += 8;
            }
            if i + 4 <= n {
                let r = _mm_fmadd_ps(
                    _mm512_castps512_ps128(va),
                    _mm_loadu_ps(x.add(i)),
                    _mm_loadu_ps(y.add(i)),
                );
                _mm_storeu_ps(y.add(i), r);
                i += 4;
            }
            while i < n {
                *y.add(i) += alpha * *x.add(i);
                i += 1;
            }
        }
    }

    super::fused_kernels!(
        "avx512f,avx2,fma",
        16,
        _mm512_setzero_ps,
        _mm512_loadu_ps,
        _mm512_storeu_ps,
        _mm512_set1_ps,
        _mm512_fmadd_ps,
        _mm512_reduce_add_ps,
        _mm512_add_ps,
        _mm512_mul_ps
    );
}

#[cfg(target_arch = "x86_64")]
simd_kernel!(Avx512, avx512, "avx512");

/// NEON (aarch64), 4 lanes, two accumulators: the AVX2 kernel's loops at half its width, the
/// fused kernels written out (`fused_kernels!` uses SSE for its 4-float tails, and here 4
/// floats are the full width). NEON is part of every AArch64 CPU; it is still detected at run
/// time, as the x86 features are.
///
/// Written on an x86_64 machine, where it is compiled for aarch64 and its tests run under
/// qemu-user (`make test-aarch64`), never on aarch64 hardware and never timed. The aarch64
/// jobs of `.github/workflows/ci.yml` (Linux arm64, macOS arm64) and of `release.yml` run it
/// natively against the scalar oracle (`neon_matches_scalar` below; `tests/test_simd.py`).
#[cfg(target_arch = "aarch64")]
#[derive(Clone, Copy, Debug)]
pub struct Neon;

#[cfg(target_arch = "aarch64")]
mod neon {
    use std::arch::aarch64::*;

    // `vfmaq_f32(acc, x, y)` is `acc + x * y`: the accumulator comes first, where the x86
    // `_mm*_fmadd_ps(x, y, acc)` takes it last.

    #[inline]
    #[target_feature(enable = "neon")]
    pub(super) unsafe fn dot(a: *const f32, b: *const f32, n: usize) -> f32 {
        let mut acc0 = vdupq_n_f32(0.0);
        let mut acc1 = vdupq_n_f32(0.0);
        let mut i = 0;
        // SAFETY: the caller guarantees n readable floats at a and b, and every load below
        // reads lanes [i, i+4) or [i, i+8) with that bound checked first.
        unsafe {
            while i + 8 <= n {
                acc0 = vfmaq_f32(acc0, vld1q_f32(a.add(i)), vld1q_f32(b.add(i)));
                acc1 = vfmaq_f32(acc1, vld1q_f32(a.add(i + 4)), vld1q_f32(b.add(i + 4)));
                i += 8;
            }
            if i + 4 <= n {
                acc0 = vfmaq_f32(acc0, vld1q_f32(a.add(i)), vld1q_f32(b.add(i)));
                i += 4;
            }
            let mut s = vaddvq_f32(vaddq_f32(acc0, acc1));
            while i < n {
                s += *a.add(i) * *b.add(i);
                i += 1;
            }
            s
        }
    }

    #[inline]
    #[target_feature(enable = "neon")]
    pub(super) unsafe fn axpy(alpha: f32, x: *const f32, y: *mut f32, n: usize) {
        let va = vdupq_n_f32(alpha);
        let mut i = 0;
        // SAFETY: the caller guarantees n floats at x (read) and y (read/write); every
        // access is bounded by n.
        unsafe {
            while i + 4 <= n {
                let r = vfmaq_f32(vld1q_f32(y.add(i)), va, vld1q_f32(x.add(i)));
                vst1q_f32(y.add(i), r);
                i += 4;
            }
            while i < n {
                *y.add(i) += alpha * *x.add(i);
                i += 1;
            }
        }
    }

    /// Up to 4 dot products of `a` against rows of `b` per pass (see `fused_kernels!`).
    #[inline]
    #[target_feature(enable = "neon")]
    pub(super) unsafe fn dots(
        a: *const f32,
        b: *const f32,
        stride: usize,
        t: usize,
        n: usize,
        out: *mut f32,
    ) {
        let full = n - n % 4;
        let mut k = 0;
        // SAFETY: the caller guarantees n readable floats at a and at every row
        // b + k*stride (k < t), and t writable floats at out; vector loads read lanes
        // [i, i + 4) with i + 4 <= n, the rest is scalar.
        unsafe {
            while k + 4 <= t {
                let rows = [
                    b.add(k * stride),
                    b.add((k + 1) * stride),
                    b.add((k + 2) * stride),
                    b.add((k + 3) * stride),
                ];
                let mut acc = [vdupq_n_f32(0.0); 4];
                let mut i = 0;
                while i < full {
                    let va = vld1q_f32(a.add(i));
                    acc[0] = vfmaq_f32(acc[0], va, vld1q_f32(rows[0].add(i)));
                    acc[1] = vfmaq_f32(acc[1], va, vld1q_f32(rows[1].add(i)));
                    acc[2] = vfmaq_f32(acc[2], va, vld1q_f32(rows[2].add(i)));
                    acc[3] = vfmaq_f32(acc[3], va, vld1q_f32(rows[3].add(i)));
                    i += 4;
                }
                for (q, row) in rows.into_iter().enumerate() {
                    let mut s = vaddvq_f32(acc[q]);
                    for j in full..n {
                        s += *a.add(j) * *row.add(j);
                    }
                    *out.add(k + q) = s;
                }
                k += 4;
            }
            while k < t {
                *out.add(k) = dot(a, b.add(k * stride), n);
                k += 1;
            }
        }
    }

    /// `acc += g row; row += g src` in one pass over `row` (see `Kernel::axpy2`).
    #[inline]
    #[target_feature(enable = "neon")]
    pub(super) unsafe fn axpy2(g: f32, row: *mut f32, acc: *mut f32, src: *const f32, n: usize) {
        let full = n - n % 4;
        let vg = vdupq_n_f32(g);
        let mut i = 0;
        // SAFETY: the caller guarantees n floats at row, acc (read/write) and src
        // (read), not overlapping; every access is [i, i + width) with i + width <= n.
        unsafe {
            while i < full {
                let r = vld1q_f32(row.add(i));
                vst1q_f32(acc.add(i), vfmaq_f32(vld1q_f32(acc.add(i)), vg, r));
                vst1q_f32(row.add(i), vfmaq_f32(r, vg, vld1q_f32(src.add(i))));
                i += 4;
            }
            while i < n {
                let r = *row.add(i);
                *acc.add(i) += g * r;
                *row.add(i) = r + g * *src.add(i);
                i += 1;
            }
        }
    }

    /// The scaled sum of `m` rows (see `Kernel::sum_rows`), 4 floats of the sum kept in a
    /// register across all rows; the tail scalar.
    #[inline]
    #[target_feature(enable = "neon")]
    pub(super) unsafe fn sum_rows<R: Fn(usize) -> *const f32>(
        row: R,
        m: usize,
        scale: f32,
        out: *mut f32,
        n: usize,
    ) {
        let full = n - n % 4;
        let vs = vdupq_n_f32(scale);
        let mut i = 0;
        // SAFETY: the caller guarantees n readable floats at each row(j), j < m, and n
        // writable floats at out (not overlapping); every access is [i, i + width)
        // with i + width <= n.
        unsafe {
            while i < full {
                let mut acc = vdupq_n_f32(0.0);
                for j in 0..m {
                    acc = vaddq_f32(acc, vld1q_f32(row(j).add(i)));
                }
                vst1q_f32(out.add(i), vmulq_f32(acc, vs));
                i += 4;
            }
            while i < n {
                let mut acc = 0f32;
                for j in 0..m {
                    acc += *row(j).add(i);
                }
                *out.add(i) = acc * scale;
                i += 1;
            }
        }
    }

    /// `y += sum_k c[k] x_k`, 4 floats of `y` kept in a register across all rows.
    #[inline]
    #[target_feature(enable = "neon")]
    pub(super) unsafe fn lincomb(
        c: *const f32,
        t: usize,
        x: *const f32,
        stride: usize,
        y: *mut f32,
        n: usize,
    ) {
        let full = n - n % 4;
        let mut i = 0;
        // SAFETY: the caller guarantees t coefficients at c, n readable floats at every
        // row x + k*stride, and n read/write floats at y (not overlapping); vector
        // accesses are [i, i + 4) with i + 4 <= n, the tail is scalar.
        unsafe {
            while i < full {
                let mut acc = vld1q_f32(y.add(i));
                for k in 0..t {
                    acc = vfmaq_f32(
                        acc,
                        vdupq_n_f32(*c.add(k)),
                        vld1q_f32(x.add(k * stride + i)),
                    );
                }
                vst1q_f32(y.add(i), acc);
                i += 4;
            }
            while i < n {
                let mut s = *y.add(i);
                for k in 0..t {
                    s += *c.add(k) * *x.add(k * stride + i);
                }
                *y.add(i) = s;
                i += 1;
            }
        }
    }
}

#[cfg(target_arch = "aarch64")]
simd_kernel!(Neon, neon, "neon");

/// Work that is generic over the kernel. [`run_with`] instantiates it for the chosen kernel
/// inside a function compiled with that kernel's CPU features, so that every
/// `#[inline(always)]` function the task calls (the whole training loop) is compiled with
/// those features too and the kernels inline into it instead of being called per row.
pub trait KernelTask {
    /// What the task returns.
    type Output;
    /// Runs the task with kernel `K`.
    fn run<K: Kernel>(self) -> Self::Output;
}

/// Runs `task` with the kernel `choice` (which must be [`supported`]: `detect` guarantees it).
///
/// # Panics
/// If `choice` is not supported by this CPU.
pub fn run_with<T: KernelTask>(choice: KernelChoice, task: T) -> T::Output {
    assert!(
        supported(choice),
        "kernel {} is not supported by this CPU",
        choice.name()
    );
    match choice {
        KernelChoice::Scalar => task.run::<Scalar>(),
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the assert above checked that this CPU has AVX2 and FMA.
        KernelChoice::Avx2 => unsafe { run_avx2(task) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the assert above checked that this CPU has AVX-512F, AVX2 and FMA.
        KernelChoice::Avx512 => unsafe { run_avx512(task) },
        #[cfg(not(target_arch = "x86_64"))]
        KernelChoice::Avx2 | KernelChoice::Avx512 => {
            unreachable!("not supported on this architecture")
        }
        #[cfg(target_arch = "aarch64")]
        // SAFETY: the assert above checked that this CPU has NEON.
        KernelChoice::Neon => unsafe { run_neon(task) },
        #[cfg(not(target_arch = "aarch64"))]
        KernelChoice::Neon => unreachable!("not supported on this architecture"),
    }
}

/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn run_avx2<T: KernelTask>(task: T) -> T::Output {
    task.run::<Avx2>()
}

/// # Safety
/// The CPU must support AVX-512F, AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn run_avx512<T: KernelTask>(task: T) -> T::Output {
    task.run::<Avx512>()
}

/// # Safety
/// The CPU must support NEON.
#[cfg(target_arch = "aarch64")]
#[target_feature(enable = "neon")]
unsafe fn run_neon<T: KernelTask>(task: T) -> T::Output {
    task.run::<Neon>()
}

/// The kernel a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelChoice {
    /// [`Scalar`].
    Scalar,
    /// `Avx2` (x86_64 with AVX2 and FMA).
    Avx2,
    /// `Avx512` (x86_64 with AVX-512F, AVX2 and FMA).
    Avx512,
    /// `Neon` (aarch64 with NEON).
    Neon,
}

impl KernelChoice {
    /// The kernel's name.
    pub fn name(self) -> &'static str {
        match self {
            KernelChoice::Scalar => "scalar",
            KernelChoice::Avx2 => "avx2",
            KernelChoice::Avx512 => "avx512",
            KernelChoice::Neon => "neon",
        }
    }
}

/// True if this CPU can run `choice`.
pub fn supported(choice: KernelChoice) -> bool {
    match choice {
        KernelChoice::Scalar => true,
        #[cfg(target_arch = "x86_64")]
        KernelChoice::Avx2 => {
            std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
        }
        #[cfg(target_arch = "x86_64")]
        KernelChoice::Avx512 => {
            std::is_x86_feature_detected!("avx512f")
                && std::is_x86_feature_detected!("avx2")
                && std::is_x86_feature_detected!("fma")
        }
        #[cfg(not(target_arch = "x86_64"))]
        KernelChoice::Avx2 | KernelChoice::Avx512 => false,
        #[cfg(target_arch = "aarch64")]
        KernelChoice::Neon => std::arch::is_aarch64_feature_detected!("neon"),
        #[cfg(not(target_arch = "aarch64"))]
        KernelChoice::Neon => false,
    }
}

/// Picks the kernel: the `requested` one if given and supported (`EMBEDRS_SIMD` is read by
/// the caller), else the best this CPU supports.
pub fn detect(requested: Option<KernelChoice>) -> KernelChoice {
    if let Some(r) = requested {
        if supported(r) {
            return r;
        }
        log::warn!(
            "SIMD kernel {:?} is not supported by this CPU; choosing automatically",
            r.name()
        );
    }
    // AVX-512 first: equal to AVX2 at d=100 (memory bound) and ~18% faster at d=300. At most
    // one of the x86 and NEON kernels is supported on any CPU.
    [KernelChoice::Avx512, KernelChoice::Avx2, KernelChoice::Neon]
        .into_iter()
        .find(|&k| supported(k))
        .unwrap_or(KernelChoice::Scalar)
}

/// The kernel the `EMBEDRS_SIMD` environment variable asks for (`None` if it is unset, empty
/// or `auto`), so that tests and benchmarks can run each path.
///
/// # Errors
/// `InvalidParameter` if it names no kernel.
pub fn from_env() -> crate::Result<Option<KernelChoice>> {
    match std::env::var("EMBEDRS_SIMD") {
        Err(_) => Ok(None),
        Ok(v) => parse_choice(&v).ok_or_else(|| crate::EmbedError::InvalidParameter {
            name: "EMBEDRS_SIMD",
            reason: format!(
                "{} is not a SIMD kernel; use one of {}",
                crate::error::show_str(&v),
                NAMES.join(", ")
            ),
        }),
    }
}

/// The names [`parse_choice`] accepts (`auto`: the best this CPU supports).
pub const NAMES: [&str; 5] = ["scalar", "avx2", "avx512", "neon", "auto"];

/// Parses a kernel name (`scalar`, `avx2`, `avx512`, `neon`, `auto`).
pub fn parse_choice(name: &str) -> Option<Option<KernelChoice>> {
    match name.trim().to_ascii_lowercase().as_str() {
        "scalar" => Some(Some(KernelChoice::Scalar)),
        "avx2" => Some(Some(KernelChoice::Avx2)),
        "avx512" => Some(Some(KernelChoice::Avx512)),
        "neon" => Some(Some(KernelChoice::Neon)),
        "auto" | "" => Some(None),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails naming `what` unless every `got[i]` is within `tol` (relative, plus `tol`
    /// absolute) of `want[i]`.
    fn assert_close(got: &[f32], want: &[f32], tol: f32, what: &str) {
        assert_eq!(got.len(), want.len(), "{what}: lengths");
        for (i, (p, q)) in got.iter().zip(want).enumerate() {
            assert!(
                (p - q).abs() <= tol * (1.0 + q.abs()),
                "{what}: [{i}] {p} vs {q}"
            );
        }
    }

    fn check<K: Kernel>() {
        for n in 0..=67usize {
            let a: Vec<f32> = (0..n)
                .map(|i| ((i * 37 % 11) as f32 - 5.0) * 0.13)
                .collect();
            let b: Vec<f32> = (0..n).map(|i| ((i * 53 % 7) as f32 - 3.0) * 0.29).collect();
            // SAFETY: both slices hold n floats.
            let (d, r) = unsafe {
                (
                    K::dot(a.as_ptr(), b.as_ptr(), n),
                    Scalar::dot(a.as_ptr(), b.as_ptr(), n),
                )
            };
            assert!(
                (d - r).abs() <= 1e-5 * (1.0 + r.abs()),
                "{} dot n={n}: {d} vs {r}",
                K::NAME
            );
            let mut y1 = b.clone();
            let mut y2 = b.clone();
            // SAFETY: slices of n floats, distinct.
            unsafe {
                K::axpy(0.37, a.as_ptr(), y1.as_mut_ptr(), n);
                Scalar::axpy(0.37, a.as_ptr(), y2.as_mut_ptr(), n);
            }
            assert_close(&y1, &y2, 1e-6, &format!("{} axpy n={n}", K::NAME));
        }
    }

    /// The fused many-row kernels against the scalar one-row loops.
    fn check_fused<K: Kernel>() {
        for n in [0usize, 1, 7, 15, 16, 17, 31, 32, 33, 100, 300] {
            let stride = n + 3; // rows not contiguous: the stride is honoured
            for t in 0..=7usize {
                let a: Vec<f32> = (0..n)
                    .map(|i| ((i * 37 % 11) as f32 - 5.0) * 0.13)
                    .collect();
                let x: Vec<f32> = (0..t * stride + n)
                    .map(|i| ((i * 53 % 7) as f32 - 3.0) * 0.29)
                    .collect();
                let c: Vec<f32> = (0..t).map(|k| 0.1 * k as f32 - 0.25).collect();
                let (mut got, mut want) = (vec![0f32; t], vec![0f32; t]);
                let (mut y1, mut y2) = (a.clone(), a.clone());
                // SAFETY: a has n floats; x holds t rows of n floats at `stride`; outputs
                // have t (resp. n) slots and are distinct from the inputs.
                unsafe {
                    K::dots(a.as_ptr(), x.as_ptr(), stride, t, n, got.as_mut_ptr());
                    for (k, w) in want.iter_mut().enumerate() {
                        *w = Scalar::dot(a.as_ptr(), x.as_ptr().add(k * stride), n);
                    }
                    K::lincomb(c.as_ptr(), t, x.as_ptr(), stride, y1.as_mut_ptr(), n);
                    for (k, &ck) in c.iter().enumerate() {
                        Scalar::axpy(ck, x.as_ptr().add(k * stride), y2.as_mut_ptr(), n);
                    }
                }
                assert_close(&got, &want, 1e-5, &format!("{} dots n={n} t={t}", K::NAME));
                assert_close(&y1, &y2, 1e-5, &format!("{} lincomb n={n} t={t}", K::NAME));
            }
        }
    }

    /// `axpy2` and `sum_rows` against the plain loops, at lengths around every vector width
    /// (16, 8, the 4-float step, scalar tails) and with repeated row ids.
    fn check_row_kernels<K: Kernel>() {
        for n in [
            0usize, 1, 3, 4, 5, 7, 8, 12, 15, 16, 17, 20, 31, 33, 100, 300,
        ] {
            let stride = n + 5;
            let m_rows: Vec<f32> = (0..6 * stride)
                .map(|i| ((i * 29 % 13) as f32 - 6.0) * 0.07)
                .collect();
            let src: Vec<f32> = (0..n).map(|i| ((i * 7 % 5) as f32 - 2.0) * 0.3).collect();
            for g in [0.0f32, 0.37, -1.25] {
                let (mut row1, mut acc1) = (
                    m_rows[..n].to_vec(),
                    src.iter().map(|x| x * 0.5).collect::<Vec<_>>(),
                );
                let (mut row2, mut acc2) = (row1.clone(), acc1.clone());
                // SAFETY: every buffer has n floats and they are distinct allocations.
                unsafe {
                    K::axpy2(g, row1.as_mut_ptr(), acc1.as_mut_ptr(), src.as_ptr(), n);
                    Scalar::axpy(g, row2.as_ptr(), acc2.as_mut_ptr(), n);
                    Scalar::axpy(g, src.as_ptr(), row2.as_mut_ptr(), n);
                }
                let what = format!("{} axpy2 n={n} g={g}", K::NAME);
                assert_close(&row1, &row2, 1e-6, &what);
                assert_close(&acc1, &acc2, 1e-6, &what);
            }
            for ids in [
                &[][..],
                &[2],
                &[0, 5, 3],
                &[1, 1, 4, 1],
                &[5, 4, 3, 2, 1, 0, 2],
            ] {
                for scale in [1.0f32, 0.25] {
                    let mut got = vec![f32::NAN; n];
                    let mut want = vec![0f32; n];
                    for &r in ids {
                        for i in 0..n {
                            want[i] += m_rows[r as usize * stride + i];
                        }
                    }
                    want.iter_mut().for_each(|x| *x *= scale);
                    // SAFETY: every id is < 6 and the buffer holds 6 rows of `stride >= n`
                    // floats; `got` has n floats.
                    unsafe {
                        K::sum_rows(
                            |j| m_rows.as_ptr().add(ids[j] as usize * stride),
                            ids.len(),
                            scale,
                            got.as_mut_ptr(),
                            n,
                        );
                    }
                    assert_close(
                        &got,
                        &want,
                        1e-6,
                        &format!("{} sum_rows n={n} {ids:?}", K::NAME),
                    );
                }
            }
        }
    }

    #[test]
    fn scalar_is_exact_on_small_integers() {
        let a = [1.0f32, 2.0, 3.0, 4.0, 5.0];
        // SAFETY: 5 floats each.
        assert_eq!(unsafe { Scalar::dot(a.as_ptr(), a.as_ptr(), 5) }, 55.0);
        check::<Scalar>();
        check_fused::<Scalar>();
        check_row_kernels::<Scalar>();
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_matches_scalar() {
        if !supported(KernelChoice::Avx2) {
            return; // this CPU has no AVX2+FMA: nothing to compare
        }
        check::<Avx2>();
        check_fused::<Avx2>();
        check_row_kernels::<Avx2>();
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx512_matches_scalar() {
        if !supported(KernelChoice::Avx512) {
            return; // this CPU has no AVX-512F: nothing to compare
        }
        check::<Avx512>();
        check_fused::<Avx512>();
        check_row_kernels::<Avx512>();
    }

    /// Compiled and run only on aarch64: the CI's Linux and macOS arm64 jobs, or qemu-user
    /// (`make test-aarch64`) on an x86_64 machine.
    #[cfg(target_arch = "aarch64")]
    #[test]
    fn neon_matches_scalar() {
        // NEON (Advanced SIMD) is part of every AArch64 CPU that Linux, macOS and Windows run
        // on, so unlike the x86 tests this one never passes by having nothing to compare.
        assert!(supported(KernelChoice::Neon), "no NEON detected on aarch64");
        assert_eq!(detect(None), KernelChoice::Neon);
        check::<Neon>();
        check_fused::<Neon>();
        check_row_kernels::<Neon>();
    }

    #[test]
    fn requested_kernel_is_honoured_when_supported() {
        assert_eq!(detect(Some(KernelChoice::Scalar)), KernelChoice::Scalar);
        assert_eq!(parse_choice("AVX2"), Some(Some(KernelChoice::Avx2)));
        assert_eq!(parse_choice("neon"), Some(Some(KernelChoice::Neon)));
        assert_eq!(parse_choice("neon?"), None);
        #[cfg(not(target_arch = "aarch64"))]
        assert!(!supported(KernelChoice::Neon));
    }
}

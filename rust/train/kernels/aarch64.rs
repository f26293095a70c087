//! The aarch64 kernel: NEON (4 lanes), the AVX2 kernel's loops at half its width. Chosen at
//! run time (`super::detect`).
#![allow(unsafe_code)]

use super::Kernel;

/// NEON (aarch64), 4 lanes, two accumulators: the AVX2 kernel's loops at half its width, the
/// fused kernels written out (`fused_kernels!` uses SSE for its 4-float tails, and here 4
/// floats are the full width). NEON is part of every AArch64 CPU; it is still detected at run
/// time, as the x86 features are.
///
/// Written on an x86_64 machine, where it is compiled for aarch64 and its tests run under
/// qemu-user (`make test-aarch64`), never on aarch64 hardware and never timed. The aarch64
/// jobs of `.github/workflows/ci.yml` (Linux arm64, macOS arm64) and of `release.yml` run it
/// natively against the scalar oracle (`neon_matches_scalar` below; `tests/test_kernels.py`).
#[derive(Clone, Copy, Debug)]
pub struct Neon;

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

    /// `dot` row by row (see `Kernel::dots_rows`).
    #[inline]
    #[target_feature(enable = "neon")]
    pub(super) unsafe fn dots_rows<R: Fn(usize) -> *const f32>(
        a: *const f32,
        row: R,
        t: usize,
        n: usize,
        out: *mut f32,
    ) {
        for k in 0..t {
            // SAFETY: the caller's contract (see `Kernel::dots_rows`), row by row.
            unsafe { *out.add(k) = dot(a, row(k), n) };
        }
    }

    /// `axpy2` row by row (see `Kernel::axpy2_rows`).
    #[inline]
    #[target_feature(enable = "neon")]
    pub(super) unsafe fn axpy2_rows<R: Fn(usize) -> *mut f32>(
        g: *const f32,
        row: R,
        t: usize,
        acc: *mut f32,
        src: *const f32,
        n: usize,
    ) {
        for k in 0..t {
            // SAFETY: the caller's contract (see `Kernel::axpy2_rows`), row by row.
            unsafe { axpy2(*g.add(k), row(k), acc, src, n) };
        }
    }

    /// A plain copy (see `Kernel::copy`).
    #[inline]
    #[target_feature(enable = "neon")]
    pub(super) unsafe fn copy(src: *const f32, dst: *mut f32, n: usize) {
        // SAFETY: the caller's contract (see `Kernel::copy`).
        unsafe { std::ptr::copy_nonoverlapping(src, dst, n) }
    }
}

simd_kernel!(Neon, neon, "neon");

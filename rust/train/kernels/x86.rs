//! The x86_64 kernels: AVX2 + FMA (8 lanes) and AVX-512F (16 lanes), with the fused
//! many-row kernels both expand from one macro. Chosen at run time (`super::detect`).
#![allow(unsafe_code)]

use std::arch::x86_64::*;

use super::Kernel;

/// The fused many-row kernels (`Kernel::dots`, `Kernel::lincomb`) for one vector width,
/// expanded inside each SIMD module (whose `dot` it uses for leftover rows) with that width's
/// intrinsics and CPU features.
macro_rules! fused_kernels {
    ($features:literal, $lanes:literal, $zero:ident, $load:ident, $store:ident, $splat:ident,
     $fma:ident, $reduce4:ident, $add:ident, $mul:ident) => {
        /// Up to 4 dot products of `a` against rows of `b` per pass, so `a` is loaded once
        /// for all of them. The 4 accumulators are summed together (`reduce4`: each one in
        /// the same order as a lone horizontal sum, so the same result for less work) and
        /// the `n % lanes` tail runs for the 4 rows side by side in one SSE register, each
        /// row still adding its products one by one in order (multiply, then add: the
        /// scalar loop's roundings, no FMA).
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
                    let mut s = $reduce4(acc);
                    for j in full..n {
                        let bj = _mm_set_ps(
                            *rows[3].add(j),
                            *rows[2].add(j),
                            *rows[1].add(j),
                            *rows[0].add(j),
                        );
                        s = _mm_add_ps(s, _mm_mul_ps(_mm_set1_ps(*a.add(j)), bj));
                    }
                    _mm_storeu_ps(out.add(k), s);
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

        /// `axpy2(g[k], row(k), acc, src, n)` for `k = 0..t` (see `Kernel::axpy2_rows`): the
        /// same operations on each float in the same order (FMA on whole and 4-float
        /// slices, multiply-add on the rest), with 4 slices of `acc` and `src` held in
        /// registers across the rows.
        #[inline]
        #[target_feature(enable = $features)]
        pub(super) unsafe fn axpy2_rows<R: Fn(usize) -> *mut f32>(
            g: *const f32,
            row: R,
            t: usize,
            acc: *mut f32,
            src: *const f32,
            n: usize,
        ) {
            let full = n - n % $lanes;
            let mut i = 0;
            // SAFETY: the caller guarantees t floats at g, n floats at every row(k), acc
            // (read/write) and src (read), rows overlapping neither acc, src nor g; every
            // access is [i, i + width) with i + width <= n. Each row's slice is stored
            // before the next row is loaded, so a repeated row sees its earlier update, as
            // with one axpy2 per row.
            unsafe {
                // 6 slices per block first (d=100 at 16 lanes), as in `lincomb`.
                while i + 6 * $lanes <= full {
                    let mut va = [$zero(); 6];
                    let mut vs = [$zero(); 6];
                    for q in 0..6 {
                        va[q] = $load(acc.add(i + q * $lanes));
                        vs[q] = $load(src.add(i + q * $lanes));
                    }
                    for k in 0..t {
                        let gk = $splat(*g.add(k));
                        let r = row(k).add(i);
                        for q in 0..6 {
                            let rq = $load(r.add(q * $lanes));
                            va[q] = $fma(gk, rq, va[q]);
                            $store(r.add(q * $lanes), $fma(gk, vs[q], rq));
                        }
                    }
                    for (q, v) in va.into_iter().enumerate() {
                        $store(acc.add(i + q * $lanes), v);
                    }
                    i += 6 * $lanes;
                }
                while i + 4 * $lanes <= full {
                    let mut va = [
                        $load(acc.add(i)),
                        $load(acc.add(i + $lanes)),
                        $load(acc.add(i + 2 * $lanes)),
                        $load(acc.add(i + 3 * $lanes)),
                    ];
                    let vs = [
                        $load(src.add(i)),
                        $load(src.add(i + $lanes)),
                        $load(src.add(i + 2 * $lanes)),
                        $load(src.add(i + 3 * $lanes)),
                    ];
                    for k in 0..t {
                        let gk = $splat(*g.add(k));
                        let r = row(k).add(i);
                        for q in 0..4 {
                            let rq = $load(r.add(q * $lanes));
                            va[q] = $fma(gk, rq, va[q]);
                            $store(r.add(q * $lanes), $fma(gk, vs[q], rq));
                        }
                    }
                    for (q, v) in va.into_iter().enumerate() {
                        $store(acc.add(i + q * $lanes), v);
                    }
                    i += 4 * $lanes;
                }
                while i < full {
                    let mut va = $load(acc.add(i));
                    let vs = $load(src.add(i));
                    for k in 0..t {
                        let gk = $splat(*g.add(k));
                        let r = row(k).add(i);
                        let rv = $load(r);
                        va = $fma(gk, rv, va);
                        $store(r, $fma(gk, vs, rv));
                    }
                    $store(acc.add(i), va);
                    i += $lanes;
                }
                while i + 4 <= n {
                    let mut va = _mm_loadu_ps(acc.add(i));
                    let vs = _mm_loadu_ps(src.add(i));
                    for k in 0..t {
                        let gk = _mm_set1_ps(*g.add(k));
                        let r = row(k).add(i);
                        let rv = _mm_loadu_ps(r);
                        va = _mm_fmadd_ps(gk, rv, va);
                        _mm_storeu_ps(r, _mm_fmadd_ps(gk, vs, rv));
                    }
                    _mm_storeu_ps(acc.add(i), va);
                    i += 4;
                }
                while i < n {
                    let mut a = *acc.add(i);
                    let s = *src.add(i);
                    for k in 0..t {
                        let gk = *g.add(k);
                        let r = row(k).add(i);
                        let rv = *r;
                        a += gk * rv;
                        *r = rv + gk * s;
                    }
                    *acc.add(i) = a;
                    i += 1;
                }
            }
        }

        /// `dst = src` in whole vectors, then 4 floats, then 1 (see `Kernel::copy`).
        #[inline]
        #[target_feature(enable = $features)]
        pub(super) unsafe fn copy(src: *const f32, dst: *mut f32, n: usize) {
            let mut i = 0;
            // SAFETY: the caller guarantees n floats at src (read) and dst (write), not
            // overlapping; every access is [i, i + width) with i + width <= n.
            unsafe {
                while i + $lanes <= n {
                    $store(dst.add(i), $load(src.add(i)));
                    i += $lanes;
                }
                while i + 4 <= n {
                    _mm_storeu_ps(dst.add(i), _mm_loadu_ps(src.add(i)));
                    i += 4;
                }
                while i < n {
                    *dst.add(i) = *src.add(i);
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
            // accesses are [i, i + w) with i + w <= n, w being 6, 4, 2 or 1 times the lanes,
            // or 4 (SSE); the rest is scalar.
            unsafe {
                // Six slices at a time first (d=100 at 16 lanes is 6 slices and a 4-float
                // tail; at 8 lanes, two blocks of 6): one FMA per slice per term keeps the
                // FMA units busier than four chains, which wait on latency as often as not.
                while i + 6 * $lanes <= full {
                    let mut acc = [$zero(); 6];
                    for (q, a) in acc.iter_mut().enumerate() {
                        *a = $load(y.add(i + q * $lanes));
                    }
                    for k in 0..t {
                        let ck = $splat(*c.add(k));
                        let xk = x.add(k * stride + i);
                        for (q, a) in acc.iter_mut().enumerate() {
                            *a = $fma(ck, $load(xk.add(q * $lanes)), *a);
                        }
                    }
                    for (q, a) in acc.into_iter().enumerate() {
                        $store(y.add(i + q * $lanes), a);
                    }
                    i += 6 * $lanes;
                }
                // Four `lanes`-wide slices of y at a time: each float still adds its terms
                // in the order k = 0..t (the same result as one slice at a time), but four
                // chains of dependent FMAs run side by side instead of one, which matters
                // when t is large (hierarchical softmax's paths).
                while i + 4 * $lanes <= full {
                    let mut acc = [
                        $load(y.add(i)),
                        $load(y.add(i + $lanes)),
                        $load(y.add(i + 2 * $lanes)),
                        $load(y.add(i + 3 * $lanes)),
                    ];
                    for k in 0..t {
                        let ck = $splat(*c.add(k));
                        let xk = x.add(k * stride + i);
                        acc[0] = $fma(ck, $load(xk), acc[0]);
                        acc[1] = $fma(ck, $load(xk.add($lanes)), acc[1]);
                        acc[2] = $fma(ck, $load(xk.add(2 * $lanes)), acc[2]);
                        acc[3] = $fma(ck, $load(xk.add(3 * $lanes)), acc[3]);
                    }
                    for (q, a) in acc.into_iter().enumerate() {
                        $store(y.add(i + q * $lanes), a);
                    }
                    i += 4 * $lanes;
                }
                // Two slices side by side when 2 or 3 are left (d=100 at 16 lanes): one
                // chain of t dependent FMAs at a time would wait on each FMA's latency.
                while i + 2 * $lanes <= full {
                    let mut acc = [$load(y.add(i)), $load(y.add(i + $lanes))];
                    for k in 0..t {
                        let ck = $splat(*c.add(k));
                        let xk = x.add(k * stride + i);
                        acc[0] = $fma(ck, $load(xk), acc[0]);
                        acc[1] = $fma(ck, $load(xk.add($lanes)), acc[1]);
                    }
                    $store(y.add(i), acc[0]);
                    $store(y.add(i + $lanes), acc[1]);
                    i += 2 * $lanes;
                }
                while i < full {
                    let mut acc = $load(y.add(i));
                    for k in 0..t {
                        acc = $fma($splat(*c.add(k)), $load(x.add(k * stride + i)), acc);
                    }
                    $store(y.add(i), acc);
                    i += $lanes;
                }
                // The tail 4 floats at a time: multiply, then add, as the scalar loop does
                // (the same roundings, so the same result, in a quarter of the steps).
                while i + 4 <= n {
                    let mut acc = _mm_loadu_ps(y.add(i));
                    for k in 0..t {
                        let p =
                            _mm_mul_ps(_mm_set1_ps(*c.add(k)), _mm_loadu_ps(x.add(k * stride + i)));
                        acc = _mm_add_ps(acc, p);
                    }
                    _mm_storeu_ps(y.add(i), acc);
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
    };
}
use fused_kernels;

/// `[(x0[0] + x0[2]) + (x0[1] + x0[3]), ..]` for the 4 vectors: the last two steps of a
/// horizontal sum (lanes `i` and `i + 2`, then the two left) of 4 vectors at once.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn finish4(x0: __m128, x1: __m128, x2: __m128, x3: __m128) -> __m128 {
    // [x0[0] + x0[2], x1[0] + x1[2], x0[1] + x0[3], x1[1] + x1[3]], and the same for x2, x3.
    let u01 = _mm_add_ps(_mm_unpacklo_ps(x0, x1), _mm_unpackhi_ps(x0, x1));
    let u23 = _mm_add_ps(_mm_unpacklo_ps(x2, x3), _mm_unpackhi_ps(x2, x3));
    _mm_add_ps(_mm_movelh_ps(u01, u23), _mm_movehl_ps(u23, u01))
}

/// AVX2 + FMA, 8 lanes, two accumulators.
#[derive(Clone, Copy, Debug)]
pub struct Avx2;

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

    /// The lane sums of 4 vectors, `[hsum(v[0]), .., hsum(v[3])]`, each added in the order
    /// of a lone horizontal sum (`dot`'s: halves, then lanes `i` and `i + 2`, then the two
    /// left), two or four vectors per instruction.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn reduce4(v: [__m256; 4]) -> __m128 {
        // x_q = low half + high half of v_q, two vectors per add.
        let x01 = _mm256_add_ps(
            _mm256_permute2f128_ps::<0x20>(v[0], v[1]),
            _mm256_permute2f128_ps::<0x31>(v[0], v[1]),
        );
        let x23 = _mm256_add_ps(
            _mm256_permute2f128_ps::<0x20>(v[2], v[3]),
            _mm256_permute2f128_ps::<0x31>(v[2], v[3]),
        );
        super::finish4(
            _mm256_castps256_ps128(x01),
            _mm256_extractf128_ps::<1>(x01),
            _mm256_castps256_ps128(x23),
            _mm256_extractf128_ps::<1>(x23),
        )
    }

    /// `dot` of `a` against 4 rows per pass, each bit for bit as `dot` (the same two
    /// accumulators, horizontal sum and scalar tail), sharing the loads of `a`.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn dots_rows<R: Fn(usize) -> *const f32>(
        a: *const f32,
        row: R,
        t: usize,
        n: usize,
        out: *mut f32,
    ) {
        let mut k = 0;
        // SAFETY: the caller guarantees n readable floats at a and at every row(k), k < t,
        // and t writable floats at out; every load reads [i, i + width) with that bound
        // checked first, as in `dot`.
        unsafe {
            while k + 4 <= t {
                let r = [row(k), row(k + 1), row(k + 2), row(k + 3)];
                let mut acc0 = [_mm256_setzero_ps(); 4];
                let mut acc1 = [_mm256_setzero_ps(); 4];
                let mut i = 0;
                while i + 16 <= n {
                    let a0 = _mm256_loadu_ps(a.add(i));
                    let a1 = _mm256_loadu_ps(a.add(i + 8));
                    for q in 0..4 {
                        acc0[q] = _mm256_fmadd_ps(a0, _mm256_loadu_ps(r[q].add(i)), acc0[q]);
                        acc1[q] = _mm256_fmadd_ps(a1, _mm256_loadu_ps(r[q].add(i + 8)), acc1[q]);
                    }
                    i += 16;
                }
                if i + 8 <= n {
                    let a0 = _mm256_loadu_ps(a.add(i));
                    for q in 0..4 {
                        acc0[q] = _mm256_fmadd_ps(a0, _mm256_loadu_ps(r[q].add(i)), acc0[q]);
                    }
                    i += 8;
                }
                let mut s = reduce4([
                    _mm256_add_ps(acc0[0], acc1[0]),
                    _mm256_add_ps(acc0[1], acc1[1]),
                    _mm256_add_ps(acc0[2], acc1[2]),
                    _mm256_add_ps(acc0[3], acc1[3]),
                ]);
                while i < n {
                    let b = _mm_set_ps(*r[3].add(i), *r[2].add(i), *r[1].add(i), *r[0].add(i));
                    s = _mm_add_ps(s, _mm_mul_ps(_mm_set1_ps(*a.add(i)), b));
                    i += 1;
                }
                _mm_storeu_ps(out.add(k), s);
                k += 4;
            }
            while k < t {
                *out.add(k) = dot(a, row(k), n);
                k += 1;
            }
        }
    }

    super::fused_kernels!(
        "avx2,fma",
        8,
        _mm256_setzero_ps,
        _mm256_loadu_ps,
        _mm256_storeu_ps,
        _mm256_set1_ps,
        _mm256_fmadd_ps,
        reduce4,
        _mm256_add_ps,
        _mm256_mul_ps
    );
}

simd_kernel!(Avx2, avx2, "avx2");

/// AVX-512F, 16 lanes, two accumulators; the tail in 8 lanes then scalar.
#[derive(Clone, Copy, Debug)]
pub struct Avx512;

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

    /// The lane sums of 4 vectors, `[reduce_add(v[0]), .., reduce_add(v[3])]`, each added
    /// in `_mm512_reduce_add_ps`'s order (lanes `i` and `i + 8`, then `i` and `i + 4`, then
    /// `i` and `i + 2`, then the two left), two or four vectors per instruction.
    #[inline]
    #[target_feature(enable = "avx512f,avx2,fma")]
    fn reduce4(v: [__m512; 4]) -> __m128 {
        // w_q = low 256 + high 256 of v_q: [w0, w1] and [w2, w3].
        let w01 = _mm512_add_ps(
            _mm512_shuffle_f32x4::<0x44>(v[0], v[1]),
            _mm512_shuffle_f32x4::<0xEE>(v[0], v[1]),
        );
        let w23 = _mm512_add_ps(
            _mm512_shuffle_f32x4::<0x44>(v[2], v[3]),
            _mm512_shuffle_f32x4::<0xEE>(v[2], v[3]),
        );
        // x_q = low 128 + high 128 of w_q, as the 4 lanes of one vector.
        let x = _mm512_add_ps(
            _mm512_shuffle_f32x4::<0x88>(w01, w23),
            _mm512_shuffle_f32x4::<0xDD>(w01, w23),
        );
        // In each 128-bit lane: (x0 + x2) + (x1 + x3), then element 0 of each lane.
        let y = _mm512_add_ps(x, _mm512_permute_ps::<0b01_00_11_10>(x));
        let z = _mm512_add_ps(y, _mm512_permute_ps::<0b10_11_00_01>(y));
        let idx = _mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        _mm512_castps512_ps128(_mm512_permutexvar_ps(idx, z))
    }

    /// `dot` of `a` against 4 rows per pass, each bit for bit as `dot` (the same two
    /// accumulators, reductions and tails), sharing the loads of `a`.
    #[inline]
    #[target_feature(enable = "avx512f,avx2,fma")]
    pub(super) unsafe fn dots_rows<R: Fn(usize) -> *const f32>(
        a: *const f32,
        row: R,
        t: usize,
        n: usize,
        out: *mut f32,
    ) {
        let mut k = 0;
        // SAFETY: the caller guarantees n readable floats at a and at every row(k), k < t,
        // and t writable floats at out; every load reads [i, i + width) with that bound
        // checked first, as in `dot`.
        unsafe {
            while k + 4 <= t {
                let r = [row(k), row(k + 1), row(k + 2), row(k + 3)];
                let mut acc0 = [_mm512_setzero_ps(); 4];
                let mut acc1 = [_mm512_setzero_ps(); 4];
                let mut i = 0;
                while i + 32 <= n {
                    let a0 = _mm512_loadu_ps(a.add(i));
                    let a1 = _mm512_loadu_ps(a.add(i + 16));
                    for q in 0..4 {
                        acc0[q] = _mm512_fmadd_ps(a0, _mm512_loadu_ps(r[q].add(i)), acc0[q]);
                        acc1[q] = _mm512_fmadd_ps(a1, _mm512_loadu_ps(r[q].add(i + 16)), acc1[q]);
                    }
                    i += 32;
                }
                if i + 16 <= n {
                    let a0 = _mm512_loadu_ps(a.add(i));
                    for q in 0..4 {
                        acc0[q] = _mm512_fmadd_ps(a0, _mm512_loadu_ps(r[q].add(i)), acc0[q]);
                    }
                    i += 16;
                }
                let mut s = reduce4([
                    _mm512_add_ps(acc0[0], acc1[0]),
                    _mm512_add_ps(acc0[1], acc1[1]),
                    _mm512_add_ps(acc0[2], acc1[2]),
                    _mm512_add_ps(acc0[3], acc1[3]),
                ]);
                if i + 8 <= n {
                    let a8 = _mm256_loadu_ps(a.add(i));
                    let h = |q: usize| {
                        let p = _mm256_mul_ps(a8, _mm256_loadu_ps(r[q].add(i)));
                        _mm_add_ps(_mm256_castps256_ps128(p), _mm256_extractf128_ps::<1>(p))
                    };
                    s = _mm_add_ps(s, super::finish4(h(0), h(1), h(2), h(3)));
                    i += 8;
                }
                if i + 4 <= n {
                    let a4 = _mm_loadu_ps(a.add(i));
                    let h = |q: usize| _mm_mul_ps(a4, _mm_loadu_ps(r[q].add(i)));
                    s = _mm_add_ps(s, super::finish4(h(0), h(1), h(2), h(3)));
                    i += 4;
                }
                while i < n {
                    let b = _mm_set_ps(*r[3].add(i), *r[2].add(i), *r[1].add(i), *r[0].add(i));
                    s = _mm_add_ps(s, _mm_mul_ps(_mm_set1_ps(*a.add(i)), b));
                    i += 1;
                }
                _mm_storeu_ps(out.add(k), s);
                k += 4;
            }
            while k < t {
                *out.add(k) = dot(a, row(k), n);
                k += 1;
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
        reduce4,
        _mm512_add_ps,
        _mm512_mul_ps
    );
}

simd_kernel!(Avx512, avx512, "avx512");

//! The kernels against the scalar oracle, on every kernel this CPU supports.
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

/// The multi-row kernels against the one-row kernels of the same `K` (bit for bit: the
/// trainer relies on it) and against the scalar loops, with repeated rows for `axpy2_rows`.
fn check_row_batches<K: Kernel>() {
    for n in [
        0usize, 1, 3, 4, 7, 8, 12, 15, 16, 17, 24, 31, 33, 36, 100, 300,
    ] {
        let stride = n + 3;
        let rows: Vec<f32> = (0..9 * stride)
            .map(|i| ((i * 29 % 13) as f32 - 6.0) * 0.071)
            .collect();
        let a: Vec<f32> = (0..n)
            .map(|i| ((i * 37 % 11) as f32 - 5.0) * 0.13)
            .collect();
        let mut copied = vec![f32::NAN; n];
        // SAFETY: a and copied are distinct buffers of n floats.
        unsafe { K::copy(a.as_ptr(), copied.as_mut_ptr(), n) };
        assert_eq!(copied, a, "{} copy n={n}", K::NAME);
        for ids in [
            &[][..],
            &[2],
            &[0, 5, 3],
            &[1, 7, 4, 8],
            &[8, 4, 3, 2, 1, 0, 6],
            &[3, 1, 4, 1, 5, 0, 2, 6, 8],
        ] {
            let t = ids.len();
            let at = |k: usize| ids[k] as usize * stride;
            let (mut got, mut one, mut want) = (vec![0f32; t], vec![0f32; t], vec![0f32; t]);
            // SAFETY: every id is < 9 and the buffer holds 9 rows of `stride >= n` floats;
            // a has n floats; the outputs have t slots.
            unsafe {
                K::dots_rows(
                    a.as_ptr(),
                    |k| rows.as_ptr().add(at(k)),
                    t,
                    n,
                    got.as_mut_ptr(),
                );
                for k in 0..t {
                    one[k] = K::dot(a.as_ptr(), rows.as_ptr().add(at(k)), n);
                    want[k] = Scalar::dot(a.as_ptr(), rows.as_ptr().add(at(k)), n);
                }
            }
            let what = format!("{} dots_rows n={n} {ids:?}", K::NAME);
            assert_eq!(got, one, "{what}: not bit for bit as dot");
            assert_close(&got, &want, 1e-5, &what);

            let g: Vec<f32> = (0..t).map(|k| 0.3 - 0.11 * k as f32).collect();
            let acc0: Vec<f32> = a.iter().map(|x| x * 0.5).collect();
            let (mut r1, mut r2, mut r3) = (rows.clone(), rows.clone(), rows.clone());
            let (mut acc1, mut acc2, mut acc3) = (acc0.clone(), acc0.clone(), acc0);
            // SAFETY: as above; acc*, a and g are distinct allocations of n (resp. t) floats.
            unsafe {
                let p1 = r1.as_mut_ptr();
                K::axpy2_rows(
                    g.as_ptr(),
                    |k| p1.add(at(k)),
                    t,
                    acc1.as_mut_ptr(),
                    a.as_ptr(),
                    n,
                );
                for (k, &gk) in g.iter().enumerate() {
                    let (p2, p3) = (r2.as_mut_ptr().add(at(k)), r3.as_mut_ptr().add(at(k)));
                    K::axpy2(gk, p2, acc2.as_mut_ptr(), a.as_ptr(), n);
                    Scalar::axpy2(gk, p3, acc3.as_mut_ptr(), a.as_ptr(), n);
                }
            }
            let what = format!("{} axpy2_rows n={n} {ids:?}", K::NAME);
            assert_eq!(
                (&r1, &acc1),
                (&r2, &acc2),
                "{what}: not bit for bit as axpy2"
            );
            assert_close(&r1, &r3, 1e-5, &what);
            assert_close(&acc1, &acc3, 1e-5, &what);
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
    check_row_batches::<Scalar>();
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
    check_row_batches::<Avx2>();
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
    check_row_batches::<Avx512>();
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
    check_row_batches::<Neon>();
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

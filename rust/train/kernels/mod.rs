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

    /// `dst[i] = src[i]` for `i < n`, in the widths the kernel's own stores use (whole
    /// vectors, then 4 floats, then 1): a row written a moment ago by `lincomb` is then read
    /// back by loads that each match one of its stores, which the CPU forwards, where a
    /// `memcpy`'s wider or shifted loads spanning two pending stores wait for both.
    ///
    /// # Safety
    /// `src` valid for `n` reads, `dst` for `n` writes, not overlapping. The CPU must
    /// support the kernel's instructions.
    #[inline(always)]
    unsafe fn copy(src: *const f32, dst: *mut f32, n: usize) {
        // SAFETY: the caller's contract.
        unsafe { std::ptr::copy_nonoverlapping(src, dst, n) }
    }

    /// `out[k] = Self::dot(a, row(k), n)` for `k < t`, bit for bit (the same additions in
    /// the same order), several rows per pass so that `a` is loaded once for all of them.
    ///
    /// # Safety
    /// `a` and every `row(k)`, `k < t`, valid for `n` reads; `out` valid for `t` writes and
    /// not overlapping them. The CPU must support the kernel's instructions.
    #[inline(always)]
    unsafe fn dots_rows<R: Fn(usize) -> *const f32>(
        a: *const f32,
        row: R,
        t: usize,
        n: usize,
        out: *mut f32,
    ) {
        for k in 0..t {
            // SAFETY: the caller's contract, row by row.
            unsafe { *out.add(k) = Self::dot(a, row(k), n) };
        }
    }

    /// `Self::axpy2(g[k], row(k), acc, src, n)` for `k = 0..t` in turn, bit for bit, with
    /// `acc` kept in registers across the rows instead of stored and reloaded per row.
    ///
    /// # Safety
    /// `g` valid for `t` reads; every `row(k)` valid for `n` reads and writes; `acc` for
    /// `n` reads and writes, `src` for `n` reads; no row overlaps `acc`, `src` or `g`, and
    /// `acc` does not overlap `src` (rows may repeat). The CPU must support the
    /// kernel's instructions.
    #[inline(always)]
    unsafe fn axpy2_rows<R: Fn(usize) -> *mut f32>(
        g: *const f32,
        row: R,
        t: usize,
        acc: *mut f32,
        src: *const f32,
        n: usize,
    ) {
        for k in 0..t {
            // SAFETY: the caller's contract, row by row.
            unsafe { Self::axpy2(*g.add(k), row(k), acc, src, n) };
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
            unsafe fn copy(src: *const f32, dst: *mut f32, n: usize) {
                // SAFETY: as in `dot`.
                unsafe { $module::copy(src, dst, n) }
            }

            #[inline(always)]
            unsafe fn dots_rows<R: Fn(usize) -> *const f32>(
                a: *const f32,
                row: R,
                t: usize,
                n: usize,
                out: *mut f32,
            ) {
                // SAFETY: as in `dot`.
                unsafe { $module::dots_rows(a, row, t, n, out) }
            }

            #[inline(always)]
            unsafe fn axpy2_rows<R: Fn(usize) -> *mut f32>(
                g: *const f32,
                row: R,
                t: usize,
                acc: *mut f32,
                src: *const f32,
                n: usize,
            ) {
                // SAFETY: as in `dot`.
                unsafe { $module::axpy2_rows(g, row, t, acc, src, n) }
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

#[cfg(target_arch = "aarch64")]
mod aarch64;
#[cfg(target_arch = "x86_64")]
mod x86;

#[cfg(target_arch = "aarch64")]
pub use aarch64::Neon;
#[cfg(target_arch = "x86_64")]
pub use x86::{Avx2, Avx512};

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
mod tests;

//! The two inner loops every layer is built from, written so that LLVM vectorises them.
//!
//! Float addition is not associative, so the compiler may not turn a running sum into a
//! vector reduction. Every kernel here is therefore built on `axpy` (`y += a x`), whose lanes
//! are independent, and on the register-tiled matrix product made of it. Lengths are
//! compile-time constants, so the loops carry no bounds checks.
//!
//! Multiply-add goes through [`mul_add`]: with the crate's `std` feature it is the
//! correctly rounded fused operation `f32::mul_add` (one instruction on CPUs with FMA, and
//! the same bits everywhere else, computed in software); without it (`no_std` builds, e.g.
//! microcontrollers) it is a multiplication followed by an addition. Either way a given build
//! gives the same bits on every machine and for every thread count.

/// `a * b + c`: fused (one rounding) with the `std` feature, two roundings without.
#[inline(always)]
pub fn mul_add(a: f32, b: f32, c: f32) -> f32 {
    #[cfg(feature = "std")]
    {
        a.mul_add(b, c)
    }
    #[cfg(not(feature = "std"))]
    {
        a * b + c
    }
}

/// `y += a * x`.
///
/// On x86-64 builds with AVX-512 this is written with 16-lane fused multiply-add
/// intrinsics (and a masked tail): LLVM's tuning for AVX-512 server CPUs keeps
/// auto-vectorised loops at 256 bits, and these kernels are about twice as fast at 512. The
/// fused operation rounds once, exactly like `f32::mul_add`, so both paths give the same
/// bits.
#[inline(always)]
pub fn axpy<const N: usize>(y: &mut [f32; N], a: f32, x: &[f32; N]) {
    #[cfg(all(target_arch = "x86_64", target_feature = "avx512f", feature = "std"))]
    {
        // SAFETY: both arrays hold N floats; AVX-512F is enabled for this build.
        unsafe { avx512::axpy(y.as_mut_ptr(), a, x.as_ptr(), N) }
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "avx512f", feature = "std")))]
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi = mul_add(a, xi, *yi);
    }
}

#[cfg(all(target_arch = "x86_64", target_feature = "avx512f", feature = "std"))]
mod avx512 {
    use core::arch::x86_64::*;

    /// `y[..n] += a * x[..n]`, 16 lanes at a time.
    ///
    /// # Safety
    /// `x` and `y` point to `n` floats; AVX-512F is available.
    #[inline(always)]
    pub unsafe fn axpy(y: *mut f32, a: f32, x: *const f32, n: usize) {
        unsafe {
            let va = _mm512_set1_ps(a);
            let mut i = 0;
            while i + 16 <= n {
                let sum = _mm512_fmadd_ps(va, _mm512_loadu_ps(x.add(i)), _mm512_loadu_ps(y.add(i)));
                _mm512_storeu_ps(y.add(i), sum);
                i += 16;
            }
            if i < n {
                let mask: __mmask16 = (1u16 << (n - i)) - 1;
                let xs = _mm512_maskz_loadu_ps(mask, x.add(i));
                let ys = _mm512_maskz_loadu_ps(mask, y.add(i));
                _mm512_mask_storeu_ps(y.add(i), mask, _mm512_fmadd_ps(va, xs, ys));
            }
        }
    }
}

/// Rows of `C` computed together by the matrix kernels.
const MR: usize = 4;

/// `C += A B` for `A` of `M x K` and `B` of `K x N`, all row-major.
///
/// The loop is tiled as in every fast matrix product: `MR` rows by `NR` columns of `C` are
/// held in registers (with `NR = 64` and AVX-512, 16 vector accumulators) while `k` runs;
/// each step loads one `NR`-wide piece of a row of `B` and reuses it for `MR` rows. Columns
/// left over after the 64-wide tiles are done in 16-wide tiles, then one by one.
#[inline]
pub fn matmul_acc<const M: usize, const K: usize, const N: usize>(
    c: &mut [[f32; N]; M],
    a: &[[f32; K]; M],
    b: &[[f32; N]; K],
) {
    gemm::<M, K, N>(c, |m, k| a[m][k], b)
}

/// `C += A^T B` for `A^T` given as the `K x M` matrix `a_t`.
#[inline]
pub fn matmul_at_acc<const M: usize, const K: usize, const N: usize>(
    c: &mut [[f32; N]; M],
    a_t: &[[f32; M]; K],
    b: &[[f32; N]; K],
) {
    gemm::<M, K, N>(c, |m, k| a_t[k][m], b)
}

#[inline(always)]
fn gemm<const M: usize, const K: usize, const N: usize>(
    c: &mut [[f32; N]; M],
    a: impl Fn(usize, usize) -> f32 + Copy,
    b: &[[f32; N]; K],
) {
    let mut m0 = 0;
    while m0 + MR <= M {
        let mut n0 = 0;
        while n0 + 64 <= N {
            tile::<MR, 64, K, N>(c, a, b, m0, n0);
            n0 += 64;
        }
        while n0 + 16 <= N {
            tile::<MR, 16, K, N>(c, a, b, m0, n0);
            n0 += 16;
        }
        if n0 < N {
            for (m, row) in c.iter_mut().enumerate().skip(m0).take(MR) {
                for (k, brow) in b.iter().enumerate() {
                    let am = a(m, k);
                    for (cn, &bn) in row[n0..].iter_mut().zip(&brow[n0..]) {
                        *cn = mul_add(am, bn, *cn);
                    }
                }
            }
        }
        m0 += MR;
    }
    for (m, row) in c.iter_mut().enumerate().skip(m0) {
        for (k, brow) in b.iter().enumerate() {
            axpy(row, a(m, k), brow);
        }
    }
}

/// `C[m0..m0+R][n0..n0+W] += A[m0..m0+R][..] B[..][n0..n0+W]` with the tile of `C` in
/// registers.
#[inline(always)]
fn tile<const R: usize, const W: usize, const K: usize, const N: usize>(
    c: &mut [[f32; N]],
    a: impl Fn(usize, usize) -> f32,
    b: &[[f32; N]; K],
    m0: usize,
    n0: usize,
) {
    let mut acc = [[0.0f32; W]; R];
    for (r, row) in acc.iter_mut().enumerate() {
        row.copy_from_slice(&c[m0 + r][n0..n0 + W]);
    }
    for (k, brow) in b.iter().enumerate() {
        let piece: &[f32; W] = brow[n0..n0 + W].try_into().expect("tile inside the row");
        for (r, row) in acc.iter_mut().enumerate() {
            axpy(row, a(m0 + r, k), piece);
        }
    }
    for (r, row) in acc.iter().enumerate() {
        c[m0 + r][n0..n0 + W].copy_from_slice(row);
    }
}

/// The Adam update, element-wise over a parameter tensor.
///
/// The square root is what keeps the compiler from vectorising this loop on its own (no
/// `sqrt` in `core`, and `libm::sqrtf` is opaque to the vectoriser), so x86-64 builds with
/// AVX get an explicit 8-lane version. Square root, division and the other operations are
/// correctly rounded in both versions and applied in the same order, so the two give the
/// same bits.
pub mod adam {
    use crate::optim::AdamStep;

    /// `g += wd p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g g; p -= s m / (sqrt(v / c2) + eps)`.
    #[inline]
    pub fn update(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], k: &AdamStep) {
        let n = p.len().min(g.len()).min(m.len()).min(v.len());
        #[cfg(all(target_arch = "x86_64", target_feature = "avx"))]
        let done = {
            // SAFETY: the `avx` target feature is enabled for this build (checked by cfg).
            unsafe { avx::update(&mut p[..n], &g[..n], &mut m[..n], &mut v[..n], k) }
        };
        #[cfg(not(all(target_arch = "x86_64", target_feature = "avx")))]
        let done = 0;
        scalar(
            &mut p[done..n],
            &g[done..n],
            &mut m[done..n],
            &mut v[done..n],
            k,
        );
    }

    /// The reference version, one element at a time.
    pub fn scalar(p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], k: &AdamStep) {
        for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
            let g = g + k.weight_decay * *p;
            *m = k.beta1 * *m + (1.0 - k.beta1) * g;
            *v = k.beta2 * *v + (1.0 - k.beta2) * g * g;
            *p -= k.step_size * *m / (libm::sqrtf(*v / k.correction2) + k.eps);
        }
    }

    #[cfg(all(target_arch = "x86_64", target_feature = "avx"))]
    mod avx {
        use super::AdamStep;
        use core::arch::x86_64::*;

        /// Updates the first `8 * (n / 8)` elements; returns how many it did.
        #[target_feature(enable = "avx")]
        pub unsafe fn update(
            p: &mut [f32],
            g: &[f32],
            m: &mut [f32],
            v: &mut [f32],
            k: &AdamStep,
        ) -> usize {
            let whole = p.len() / 8 * 8;
            let splat = |x: f32| _mm256_set1_ps(x);
            let (b1, one_b1) = (splat(k.beta1), splat(1.0 - k.beta1));
            let (b2, one_b2) = (splat(k.beta2), splat(1.0 - k.beta2));
            let (wd, eps, c2, step) = (
                splat(k.weight_decay),
                splat(k.eps),
                splat(k.correction2),
                splat(k.step_size),
            );
            let mut i = 0;
            while i < whole {
                // SAFETY: i + 8 <= whole <= len of every slice.
                unsafe {
                    let pp = _mm256_loadu_ps(p.as_ptr().add(i));
                    let gg =
                        _mm256_add_ps(_mm256_loadu_ps(g.as_ptr().add(i)), _mm256_mul_ps(wd, pp));
                    let mm = _mm256_add_ps(
                        _mm256_mul_ps(b1, _mm256_loadu_ps(m.as_ptr().add(i))),
                        _mm256_mul_ps(one_b1, gg),
                    );
                    let vv = _mm256_add_ps(
                        _mm256_mul_ps(b2, _mm256_loadu_ps(v.as_ptr().add(i))),
                        _mm256_mul_ps(_mm256_mul_ps(one_b2, gg), gg),
                    );
                    let denom = _mm256_add_ps(_mm256_sqrt_ps(_mm256_div_ps(vv, c2)), eps);
                    let delta = _mm256_div_ps(_mm256_mul_ps(step, mm), denom);
                    _mm256_storeu_ps(p.as_mut_ptr().add(i), _mm256_sub_ps(pp, delta));
                    _mm256_storeu_ps(m.as_mut_ptr().add(i), mm);
                    _mm256_storeu_ps(v.as_mut_ptr().add(i), vv);
                }
                i += 8;
            }
            whole
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectorised_adam_gives_the_scalar_bits() {
        use crate::optim::AdamStep;
        let k = AdamStep {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.01,
            correction2: 0.0199,
            step_size: 0.0123,
        };
        let init =
            |s: f32| -> [f32; 37] { core::array::from_fn(|i| ((i as f32 + s) * 0.731).sin()) };
        let g = init(1.0);
        let (mut p1, mut m1, mut v1) = (init(2.0), init(3.0), init(4.0).map(f32::abs));
        let (mut p2, mut m2, mut v2) = (p1, m1, v1);
        adam::update(&mut p1, &g, &mut m1, &mut v1, &k);
        adam::scalar(&mut p2, &g, &mut m2, &mut v2, &k);
        assert_eq!((p1, m1, v1), (p2, m2, v2));
    }

    #[test]
    fn matmul_matches_the_definition_on_every_tile_path() {
        check_matmul::<6, 5, 83>(); // 64 + 16 + 3 columns, 4 + 2 rows: every wide path
        check_matmul::<7, 3, 25>(); // a narrow matrix: 16 + 9 columns, 4 + 3 rows
    }

    fn check_matmul<const M: usize, const K: usize, const N: usize>() {
        let value = |i: usize, j: usize, s: f32| ((i * 31 + j * 17) as f32 * 0.013 + s).sin();
        let a: [[f32; K]; M] = core::array::from_fn(|m| core::array::from_fn(|k| value(m, k, 0.1)));
        let a_t: [[f32; M]; K] = core::array::from_fn(|k| core::array::from_fn(|m| a[m][k]));
        let b: [[f32; N]; K] = core::array::from_fn(|k| core::array::from_fn(|n| value(k, n, 0.7)));
        let start: [[f32; N]; M] =
            core::array::from_fn(|m| core::array::from_fn(|n| value(m, n, 1.3)));
        let (mut c1, mut c2) = (start, start);
        matmul_acc(&mut c1, &a, &b);
        matmul_at_acc(&mut c2, &a_t, &b);
        for m in 0..M {
            for n in 0..N {
                let exact: f64 = start[m][n] as f64
                    + (0..K).map(|k| a[m][k] as f64 * b[k][n] as f64).sum::<f64>();
                assert!((c1[m][n] as f64 - exact).abs() < 1e-5, "({m}, {n})");
                assert_eq!(c1[m][n], c2[m][n]);
            }
        }
    }

    #[test]
    fn axpy_adds_scaled() {
        let mut y = [1.0f32; 5];
        axpy(&mut y, 2.0, &[0.0, 1.0, 2.0, 3.0, 4.0]);
        assert_eq!(y, [1.0, 3.0, 5.0, 7.0, 9.0]);
    }
}

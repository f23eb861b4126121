//! The two inner loops every layer is built from, written so that LLVM vectorises them.
//!
//! Float addition is not associative, so the compiler may not turn a plain running sum into
//! a vector reduction. `axpy` has independent lanes and vectorises as it stands; `dot` keeps
//! `LANES` independent partial sums, which is the reassociation done by hand. Both have
//! compile-time lengths, so the loops carry no bounds checks, and both give the same bits on
//! every target (no fused multiply-add is introduced behind our back).

/// Partial sums kept by [`dot`]: 16 f32 lanes, one AVX-512 register or four NEON/SSE ones.
const LANES: usize = 16;

/// `y += a * x`.
#[inline(always)]
pub fn axpy<const N: usize>(y: &mut [f32; N], a: f32, x: &[f32; N]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// `sum_i a[i] * b[i]`, with `LANES` interleaved partial sums.
#[inline(always)]
pub fn dot<const N: usize>(a: &[f32; N], b: &[f32; N]) -> f32 {
    let mut acc = [0.0f32; LANES];
    let whole = N / LANES * LANES;
    for (ca, cb) in a[..whole]
        .chunks_exact(LANES)
        .zip(b[..whole].chunks_exact(LANES))
    {
        for l in 0..LANES {
            acc[l] += ca[l] * cb[l];
        }
    }
    let mut tail = 0.0;
    for i in whole..N {
        tail += a[i] * b[i];
    }
    acc.iter().sum::<f32>() + tail
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
    fn dot_matches_f64_reference() {
        let a: [f32; 37] = core::array::from_fn(|i| (i as f32 * 0.37).sin());
        let b: [f32; 37] = core::array::from_fn(|i| (i as f32 * 0.11).cos());
        let exact: f64 = a.iter().zip(&b).map(|(x, y)| *x as f64 * *y as f64).sum();
        assert!((dot(&a, &b) as f64 - exact).abs() < 1e-5);
    }

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
    fn axpy_adds_scaled() {
        let mut y = [1.0f32; 5];
        axpy(&mut y, 2.0, &[0.0, 1.0, 2.0, 3.0, 4.0]);
        assert_eq!(y, [1.0, 3.0, 5.0, 7.0, 9.0]);
    }
}

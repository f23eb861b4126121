//! `A += x yᵀ` on a register tile (BLAS's `ger`, a rank-one update): row `r` of the
//! `R x N` tile adds `x[r] * y`, one fused multiply-add per element.
//!
//! It is `R` [`axpy`](super::axpy)s that share their `y`, and the plain version is exactly
//! that. The vector version fixes the order LLVM should keep: the `R` factors broadcast
//! once, then for each vector of `y`, one load and `R` multiply-adds. Left to order the `axpy`s itself,
//! LLVM loaded every vector of `y` first and, with 12 accumulators of AVX2's 16 registers,
//! spilled one to the stack at every step (measured on an AMD EPYC Zen 3: the digit net's
//! conv2 weight gradient). Each element still receives its one multiply-add, so both
//! versions give the same bits.

/// `acc[r] += x[r] * y` for every row `r`.
#[inline(always)]
pub fn ger<const R: usize, const N: usize>(acc: &mut [[f32; N]; R], x: &[f32; R], y: &[f32; N]) {
    #[cfg(fma256)]
    {
        // SAFETY: AVX and FMA are enabled for this build.
        unsafe { avx::ger(acc, x, y) }
    }
    // Elsewhere (AVX-512, whose `axpy` is written with intrinsics already; NEON; scalar
    // FPUs) the plain version.
    #[cfg(not(fma256))]
    for (row, &xr) in acc.iter_mut().zip(x) {
        super::axpy(row, xr, y);
    }
}

#[cfg(fma256)]
mod avx {
    use super::super::mul_add;
    use core::arch::x86_64::*;

    /// [`ger`](super::ger), 8 lanes at a time, the last `N % 8` columns one by one.
    ///
    /// # Safety
    /// AVX and FMA are available.
    #[inline(always)]
    pub unsafe fn ger<const R: usize, const N: usize>(
        acc: &mut [[f32; N]; R],
        x: &[f32; R],
        y: &[f32; N],
    ) {
        let mut i = 0;
        // SAFETY: i + 8 <= N, so every 8-float access is inside its row.
        unsafe {
            let xs: [__m256; R] = core::array::from_fn(|r| _mm256_set1_ps(x[r]));
            while i + 8 <= N {
                let yv = _mm256_loadu_ps(y.as_ptr().add(i));
                for (row, &xv) in acc.iter_mut().zip(&xs) {
                    let p = row.as_mut_ptr().add(i);
                    _mm256_storeu_ps(p, _mm256_fmadd_ps(xv, yv, _mm256_loadu_ps(p)));
                }
                i += 8;
            }
        }
        for j in i..N {
            for (row, &xr) in acc.iter_mut().zip(x) {
                row[j] = mul_add(xr, y[j], row[j]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::axpy;
    use super::*;

    #[test]
    fn ger_is_one_axpy_per_row() {
        // 19 columns: two vectors of 8 and a tail of 3 on AVX2.
        let x = [0.5f32, -1.25, 3.0];
        let y: [f32; 19] = core::array::from_fn(|j| (j as f32 * 0.37).sin());
        let start: [[f32; 19]; 3] =
            core::array::from_fn(|r| core::array::from_fn(|j| (r * 19 + j) as f32 * 0.01));
        let mut got = start;
        ger(&mut got, &x, &y);
        let mut expected = start;
        for (row, &xr) in expected.iter_mut().zip(&x) {
            axpy(row, xr, &y);
        }
        assert_eq!(got, expected);
    }
}

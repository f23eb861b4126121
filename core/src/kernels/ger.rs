//! `A += x yᵀ` on a register tile (BLAS's `ger`, a rank-one update): row `r` of the
//! `R x N` tile adds `x[r] * y`, one fused multiply-add per element.
//!
//! It is `R` [`axpy`](fn@super::axpy)s that share their `y`, and the plain version is exactly
//! that. The AVX2 version fixes the order LLVM should keep, whichever of two holds fewer
//! values in AVX2's 16 registers beside the tile's `R x N / 8` accumulators:
//! - the `R` factors broadcast once, then for each vector of `y`, one load and `R`
//!   multiply-adds (`R + 1` more registers). Left to order the `axpy`s itself, LLVM loaded
//!   every vector of `y` first and, with 12 accumulators of 3 rows by 4 vectors, spilled one
//!   to the stack at every step (measured on an AMD EPYC Zen 3: the digit net's conv2
//!   weight gradient);
//! - when those `R + 1` do not fit and the `N / 8` vectors of `y` and one broadcast do (6
//!   rows by 2 vectors: 6 + 1 + 12 registers against 2 + 1 + 12), one `axpy` per row,
//!   which LLVM orders that way: the broadcasts-first order spilled them, and `tiny`'s conv2
//!   weight gradient in such tiles took 105 us against 38-40 us (100 images).
//!
//! Each element still receives its one multiply-add, so every version gives the same bits.

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
        use super::super::target::{LANES, REGISTERS};
        // Registers left beside the accumulators: the R broadcasts and a vector of y do
        // not fit them (R + 1 > free), the vectors of y and a broadcast do.
        let vectors = N / LANES;
        let free = REGISTERS.saturating_sub(R * vectors);
        if R >= free && vectors < free {
            for (row, &xr) in acc.iter_mut().zip(x) {
                super::super::axpy(row, xr, y);
            }
            return;
        }
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
    fn ger_is_one_axpy_per_row_in_either_order() {
        // With AVX2: 3 rows by 4 vectors and 4 by 2 (broadcasts first), 6 rows by 2 (rows
        // first), and 19 columns: two vectors and a tail of 3.
        fn check<const R: usize, const N: usize>() {
            let x: [f32; R] = core::array::from_fn(|r| (r as f32 * 0.71).cos());
            let y: [f32; N] = core::array::from_fn(|j| (j as f32 * 0.37).sin());
            let start: [[f32; N]; R] =
                core::array::from_fn(|r| core::array::from_fn(|j| (r * N + j) as f32 * 0.01));
            let mut got = start;
            ger(&mut got, &x, &y);
            let mut expected = start;
            for (row, &xr) in expected.iter_mut().zip(&x) {
                axpy(row, xr, &y);
            }
            assert_eq!(got, expected);
        }
        check::<3, 32>();
        check::<6, 16>();
        check::<4, 16>();
        check::<3, 19>();
    }
}

//! `out = xᵀ` for a row-major matrix: 8 x 8 blocks through AVX registers where the build
//! has AVX, the plain loop (each row of `x` read in order) elsewhere and at the edges.
//!
//! A layer transposes its weights at every backward pass that needs the input gradient
//! (the product with the transposed weight then runs on the register-tiled kernel). For the
//! Project 2 network's 25 x 25 weights the transposes were a fifth of the backward pass
//! (measured on an AMD EPYC Zen 3, one 25 x 25 transpose: 195 ns reading `x` by columns,
//! 100 ns by rows, 63-65 ns with the 8 x 8 blocks). Moving values changes none of them, so
//! every path gives the same bits.

/// `out[c][r] = x[r][c]`.
#[inline]
pub fn transpose<const R: usize, const C: usize>(out: &mut [[f32; R]; C], x: &[[f32; C]; R]) {
    #[cfg(any(fma256, fma512))]
    let (rows, cols) = {
        // SAFETY: AVX is enabled for this build (both paths imply it).
        unsafe { avx::blocks(out, x) };
        (R - R % 8, C - C % 8)
    };
    #[cfg(not(any(fma256, fma512)))]
    let (rows, cols) = (0, 0);
    // What the blocks left: the last `C % 8` columns of the rows they covered, and the last
    // `R % 8` rows whole, each loop over constant bounds. (One loop over every row that
    // skipped a row-dependent number of columns had cost about as much as the product it
    // served: measured on an AMD EPYC Zen 4 with AVX-512, `tiny`'s 32 -> 10 forward pass at
    // 100 images, which transposes its input and output, 2258-2283 -> 1212-1238 ns.)
    for (r, row) in x.iter().enumerate().take(rows) {
        for (c, &value) in row.iter().enumerate().skip(cols) {
            out[c][r] = value;
        }
    }
    for (r, row) in x.iter().enumerate().skip(rows) {
        for (c, &value) in row.iter().enumerate() {
            out[c][r] = value;
        }
    }
}

#[cfg(any(fma256, fma512))]
mod avx {
    use core::arch::x86_64::*;

    /// Every whole 8 x 8 block of `x`, transposed into `out`, two blocks down the rows at
    /// a time where there are two: the pair writes whole 64-byte lines of `out` (16
    /// floats of each of 8 rows), where one block wrote half lines that left the cache
    /// before their other half came. Measured on AMD EPYC Zen 3, 256 x 200 (a linear
    /// layer's weights, 200 KB): 19.8-20.3 -> 15.5-16.5 us (16 x 16 blocks: 15.6-16.9).
    ///
    /// # Safety
    /// AVX is available.
    #[inline(always)]
    pub unsafe fn blocks<const R: usize, const C: usize>(
        out: &mut [[f32; R]; C],
        x: &[[f32; C]; R],
    ) {
        let rows = R - R % 8;
        let pairs = R - R % 16;
        for r0 in (0..pairs).step_by(16) {
            for c0 in (0..C - C % 8).step_by(8) {
                // SAFETY: AVX is available (the caller's contract); inside both arrays.
                unsafe {
                    block(out, x, r0, c0);
                    block(out, x, r0 + 8, c0);
                }
            }
        }
        for r0 in (pairs..rows).step_by(8) {
            for c0 in (0..C - C % 8).step_by(8) {
                // SAFETY: as above.
                unsafe { block(out, x, r0, c0) };
            }
        }
    }

    /// The 8 x 8 block of `x` at `(r0, c0)`, transposed into `out`: eight rows loaded,
    /// three rounds of shuffles (pairs of floats, then of pairs, then of 128-bit halves),
    /// eight rows stored.
    ///
    /// # Safety
    /// AVX is available, `r0 + 8 <= R` and `c0 + 8 <= C`.
    #[inline(always)]
    unsafe fn block<const R: usize, const C: usize>(
        out: &mut [[f32; R]; C],
        x: &[[f32; C]; R],
        r0: usize,
        c0: usize,
    ) {
        // SAFETY: r0 + 8 <= R and c0 + 8 <= C (the caller's contract): every load and
        // store is inside its array.
        unsafe {
            let rows: [__m256; 8] =
                core::array::from_fn(|k| _mm256_loadu_ps(x[r0 + k].as_ptr().add(c0)));
            // Pairs of floats of rows 2j and 2j + 1.
            let mut a = [_mm256_setzero_ps(); 8];
            for j in 0..4 {
                a[2 * j] = _mm256_unpacklo_ps(rows[2 * j], rows[2 * j + 1]);
                a[2 * j + 1] = _mm256_unpackhi_ps(rows[2 * j], rows[2 * j + 1]);
            }
            // Pairs of those pairs: four rows' worth in each 128-bit half.
            let mut b = [_mm256_setzero_ps(); 8];
            for h in [0, 4] {
                b[h] = _mm256_shuffle_ps::<0x44>(a[h], a[h + 2]);
                b[h + 1] = _mm256_shuffle_ps::<0xEE>(a[h], a[h + 2]);
                b[h + 2] = _mm256_shuffle_ps::<0x44>(a[h + 1], a[h + 3]);
                b[h + 3] = _mm256_shuffle_ps::<0xEE>(a[h + 1], a[h + 3]);
            }
            // The halves of rows 0-3 and 4-7 side by side: the columns.
            let mut columns = [_mm256_setzero_ps(); 8];
            for k in 0..4 {
                columns[k] = _mm256_permute2f128_ps::<0x20>(b[k], b[k + 4]);
                columns[k + 4] = _mm256_permute2f128_ps::<0x31>(b[k], b[k + 4]);
            }
            for (k, column) in columns.into_iter().enumerate() {
                _mm256_storeu_ps(out[c0 + k].as_mut_ptr().add(r0), column);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<const R: usize, const C: usize>() {
        let x: [[f32; C]; R] =
            core::array::from_fn(|r| core::array::from_fn(|c| (r * 1000 + c) as f32));
        let mut out = [[f32::NAN; R]; C];
        transpose(&mut out, &x);
        for r in 0..R {
            for c in 0..C {
                assert_eq!(out[c][r], x[r][c], "{R} x {C}: ({r}, {c})");
            }
        }
    }

    #[test]
    fn every_element_lands_in_its_place() {
        check::<25, 25>(); // 3 x 3 blocks, then a row and a column
        check::<16, 8>(); // blocks only: a pair down the rows
        check::<40, 17>(); // two pairs of blocks down the rows, one block more, a column left
        check::<2, 25>(); // no block: rows shorter than one
        check::<25, 2>();
        check::<9, 17>(); // a block row, one row and one column left, and a second block
        check::<1, 1>();
    }
}

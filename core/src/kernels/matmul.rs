//! `C += A B` and `C += A^T B`, register-tiled and built on [`axpy`].

use super::{axpy, target};

/// Rows of `C` computed together by the matrix kernels: 6 with 16 vector registers (AVX2:
/// 6 x 2 = 12 accumulators; measured on a Zen 3 core, linear 256->200 at batch 50 ran at
/// 72-77% of the FMA peak against 52-62% with 4 rows), 4 with 32 (AVX-512: 4 x 4, as
/// measured on a Xeon).
const MR: usize = if target::REGISTERS == 16 { 6 } else { 4 };
/// Columns of a register tile: `MR` rows of them fill the accumulators (64 with AVX-512,
/// 16 with AVX2 or NEON, 4 on a Cortex-M4F).
const NR: usize = target::channel_block(MR);
/// Columns of the narrower tiles that take what is left after the `NR`-wide ones: one
/// vector.
const NARROW: usize = target::LANES;

/// `C += A B` for `A` of `M x K` and `B` of `K x N`, all row-major.
///
/// The loop is tiled as in every fast matrix product: `MR` rows by `NR` columns of `C` are
/// held in registers while `k` runs; each step loads one `NR`-wide piece of a row of `B`
/// and reuses it for `MR` rows. Columns left over after the `NR`-wide tiles are done one
/// vector wide, then one by one. Each element of `C` adds its `K` terms in order of `k`
/// whatever the tile, so the result does not depend on the target.
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
        row_block::<MR, M, K, N>(c, a, b, m0);
        m0 += MR;
    }
    // The rows left over, as one shorter block (a constant per shape).
    match M - m0 {
        0 => {}
        1 => row_block::<1, M, K, N>(c, a, b, m0),
        2 => row_block::<2, M, K, N>(c, a, b, m0),
        3 => row_block::<3, M, K, N>(c, a, b, m0),
        4 => row_block::<4, M, K, N>(c, a, b, m0),
        _ => row_block::<5, M, K, N>(c, a, b, m0),
    }
}

/// Rows `m0..m0 + R` of `C`, in tiles across the columns: `NR` wide, then one vector
/// wide, then one column wide (the `R` rows' chains still independent of each other).
#[inline(always)]
fn row_block<const R: usize, const M: usize, const K: usize, const N: usize>(
    c: &mut [[f32; N]; M],
    a: impl Fn(usize, usize) -> f32 + Copy,
    b: &[[f32; N]; K],
    m0: usize,
) {
    let mut n0 = 0;
    while n0 + NR <= N {
        tile::<R, NR, K, N>(c, a, b, m0, n0);
        n0 += NR;
    }
    while n0 + NARROW <= N {
        tile::<R, NARROW, K, N>(c, a, b, m0, n0);
        n0 += NARROW;
    }
    while n0 < N {
        tile::<R, 1, K, N>(c, a, b, m0, n0);
        n0 += 1;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matmul_matches_the_definition_on_every_tile_path() {
        check_matmul::<6, 5, 83>(); // 64 + 16 + 3 columns, 4 + 2 rows: every wide path
        check_matmul::<13, 7, 91>(); // 5 x 16 + 8 + 3 (or 64 + 16 + 8 + 3) columns, 6 + 6 + 1 rows
        check_matmul::<11, 4, 25>(); // 16 + 8 + 1 columns; 6 + 5 (or 4 + 4 + 3) rows
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
}

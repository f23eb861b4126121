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
    fn axpy_adds_scaled() {
        let mut y = [1.0f32; 5];
        axpy(&mut y, 2.0, &[0.0, 1.0, 2.0, 3.0, 4.0]);
        assert_eq!(y, [1.0, 3.0, 5.0, 7.0, 9.0]);
    }
}

//! `Σ x²` over a slice, as [`PARTS`] interleaved partial sums added pairwise at the end: a
//! fixed order, so the same bits on every target, that vectorises.
//!
//! A single running sum is one chain of dependent additions (3 to 4 cycles each): the
//! gradient norms recorded at every training step took 68 us per step for the 71,032
//! parameters of `mlp`, a fifth of its step (measured on an AMD EPYC Zen 3). Rounding
//! error: each partial sum adds about `n / PARTS` terms, so the bound is that of a sum of
//! `n / PARTS + log2(PARTS)` terms, smaller than the single chain's.

/// Partial sums: four 8-lane vectors with AVX2, two with AVX-512, enough independent
/// chains to hide the addition's latency.
pub const PARTS: usize = 32;

/// `Σ x[i]²`: element `i` goes to partial sum `i % PARTS`; the partial sums are then
/// added pairwise (`s[j] += s[j + half]`, halving).
pub fn sum_of_squares(x: &[f32]) -> f32 {
    let mut parts = [0.0f32; PARTS];
    let mut chunks = x.chunks_exact(PARTS);
    for chunk in &mut chunks {
        for (part, &v) in parts.iter_mut().zip(chunk) {
            *part += v * v;
        }
    }
    for (part, &v) in parts.iter_mut().zip(chunks.remainder()) {
        *part += v * v;
    }
    let mut half = PARTS / 2;
    while half > 0 {
        let (low, high) = parts.split_at_mut(half);
        for (a, &b) in low.iter_mut().zip(&high[..half]) {
            *a += b;
        }
        half /= 2;
    }
    parts[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same sum computed one element at a time in the documented order.
    fn by_definition(x: &[f32]) -> f32 {
        let mut parts = [0.0f32; PARTS];
        for (i, &v) in x.iter().enumerate() {
            parts[i % PARTS] += v * v;
        }
        let mut half = PARTS / 2;
        while half > 0 {
            for j in 0..half {
                parts[j] += parts[j + half];
            }
            half /= 2;
        }
        parts[0]
    }

    #[test]
    fn follows_the_documented_order_and_is_accurate() {
        for n in [0, 1, 31, 32, 33, 100, 1427, 71_032] {
            let x: Vec<f32> = (0..n)
                .map(|i| ((i * 37 % 101) as f32 - 50.0) * 0.013)
                .collect();
            let sum = sum_of_squares(&x);
            assert_eq!(sum.to_bits(), by_definition(&x).to_bits(), "n = {n}");
            let exact: f64 = x.iter().map(|&v| v as f64 * v as f64).sum();
            // The bound of the module's documentation (each term is non-negative).
            let terms = (n / PARTS + PARTS.ilog2() as usize + 1) as f64;
            let bound = terms * f32::EPSILON as f64 * exact;
            assert!((sum as f64 - exact).abs() <= bound, "n = {n}");
        }
    }
}

//! Random numbers from a generator the caller seeds: uniform floats (the top 24 bits of a
//! `u32`, so every value is exactly representable in an f32), normal samples (Box-Muller),
//! bounded integers (Lemire's multiply-shift) and the Fisher-Yates shuffle. Everything
//! random in the crate (initialisation, dropout masks, epoch orders) goes through these,
//! so a seed gives the same numbers on every target.

use rand_core::Rng;

/// A float uniform in `[0, 1)`.
#[inline]
pub fn unit<R: Rng + ?Sized>(rng: &mut R) -> f32 {
    (rng.next_u32() >> 8) as f32 * (1.0 / (1u32 << 24) as f32)
}

/// A float uniform in `[low, high)`.
#[inline]
pub fn uniform<R: Rng + ?Sized>(rng: &mut R, low: f32, high: f32) -> f32 {
    low + (high - low) * unit(rng)
}

/// A standard normal sample (Box-Muller; one of the pair is discarded for simplicity).
pub fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f32 {
    // 1 - unit is in (0, 1], so the logarithm is finite.
    let u1 = 1.0 - unit(rng);
    let u2 = unit(rng);
    crate::math::sqrt::sqrtf(-2.0 * libm::logf(u1)) * libm::cosf(2.0 * core::f32::consts::PI * u2)
}

/// An integer uniform in `0..n` (Lemire's multiply-shift; bias below 2^-32 for our sizes).
#[inline]
pub fn below<R: Rng + ?Sized>(rng: &mut R, n: usize) -> usize {
    ((rng.next_u32() as u64 * n as u64) >> 32) as usize
}

/// Fisher-Yates shuffle, the permutation step of `generate_pair_sets` and of epochs.
pub fn shuffle<T, R: Rng + ?Sized>(items: &mut [T], rng: &mut R) {
    for i in (1..items.len()).rev() {
        items.swap(i, below(rng, i + 1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn uniform_bounds_and_moments() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let n = 20_000;
        let mut sum = 0.0f64;
        for _ in 0..n {
            let u = uniform(&mut rng, -2.0, 3.0);
            assert!((-2.0..3.0).contains(&u));
            sum += u as f64;
        }
        // mean 0.5, std of the mean 5/sqrt(12)/sqrt(n) = 0.0102
        assert!((sum / n as f64 - 0.5).abs() < 0.05);
    }

    #[test]
    fn normal_moments() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
        let n = 20_000;
        let (mut s, mut s2) = (0.0f64, 0.0f64);
        for _ in 0..n {
            let z = standard_normal(&mut rng) as f64;
            s += z;
            s2 += z * z;
        }
        let mean = s / n as f64;
        assert!(mean.abs() < 0.05, "mean {mean}");
        assert!((s2 / n as f64 - mean * mean - 1.0).abs() < 0.05);
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
        let mut v: [usize; 100] = core::array::from_fn(|i| i);
        shuffle(&mut v, &mut rng);
        assert_ne!(v, core::array::from_fn(|i| i));
        let mut seen = [false; 100];
        v.iter().for_each(|&i| seen[i] = true);
        assert!(seen.iter().all(|&s| s));
    }
}

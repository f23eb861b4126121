//! Parameter initialisation from a seeded generator: PyTorch's default, Xavier and He.
//!
//! Uniform floats take the top 24 bits of a `u32` (every value is exactly representable in
//! an f32); normal samples use the Box-Muller transform.

use rand_core::Rng;

/// How to draw a layer's initial weights (`fan_in`, `fan_out` count the inputs and outputs
/// feeding one unit: `in_features` for a linear layer, `in_channels * k * k` for a conv).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// PyTorch's default for `Linear` and `Conv2d`: weights and biases uniform in
    /// `±1/sqrt(fan_in)`.
    PyTorchDefault,
    /// Glorot & Bengio (2010): weights uniform in `±sqrt(6/(fan_in+fan_out))`, biases zero.
    XavierUniform,
    /// He et al. (2015) for ReLU networks: weights normal with std `sqrt(2/fan_in)`,
    /// biases zero.
    HeNormal,
}

impl Init {
    /// Fills `weights` and `biases` for a layer with the given fans.
    pub fn fill<R: Rng + ?Sized>(
        self,
        weights: &mut [f32],
        biases: &mut [f32],
        fan_in: usize,
        fan_out: usize,
        rng: &mut R,
    ) {
        match self {
            Init::PyTorchDefault => {
                let bound = 1.0 / libm::sqrtf(fan_in as f32);
                weights
                    .iter_mut()
                    .for_each(|w| *w = uniform(rng, -bound, bound));
                biases
                    .iter_mut()
                    .for_each(|b| *b = uniform(rng, -bound, bound));
            }
            Init::XavierUniform => {
                let bound = libm::sqrtf(6.0 / (fan_in + fan_out) as f32);
                weights
                    .iter_mut()
                    .for_each(|w| *w = uniform(rng, -bound, bound));
                biases.fill(0.0);
            }
            Init::HeNormal => {
                let std = libm::sqrtf(2.0 / fan_in as f32);
                weights
                    .iter_mut()
                    .for_each(|w| *w = std * standard_normal(rng));
                biases.fill(0.0);
            }
        }
    }
}

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
    libm::sqrtf(-2.0 * libm::logf(u1)) * libm::cosf(2.0 * core::f32::consts::PI * u2)
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
    fn init_schemes_respect_their_bounds() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let (mut w, mut b) = ([0.0f32; 400], [0.0f32; 20]);
        Init::PyTorchDefault.fill(&mut w, &mut b, 16, 20, &mut rng);
        assert!(w.iter().chain(&b).all(|v| v.abs() <= 0.25));
        assert!(w.iter().any(|v| v.abs() > 0.2), "uses the whole range");
        Init::XavierUniform.fill(&mut w, &mut b, 16, 20, &mut rng);
        let bound = (6.0f32 / 36.0).sqrt();
        assert!(w.iter().all(|v| v.abs() <= bound) && b.iter().all(|&v| v == 0.0));
        Init::HeNormal.fill(&mut w, &mut b, 16, 20, &mut rng);
        let var = w.iter().map(|v| v * v).sum::<f32>() / 400.0;
        assert!((var - 2.0 / 16.0).abs() < 0.03, "variance {var}");
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

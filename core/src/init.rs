//! Parameter initialisation schemes: PyTorch's default, Xavier (Glorot & Bengio 2010) and He
//! (He et al. 2015), drawn from a generator the caller seeds (see [`crate::rand`]).

use crate::rand::{standard_normal, uniform};
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
                let bound = 1.0 / crate::math::sqrt::sqrtf(fan_in as f32);
                weights
                    .iter_mut()
                    .for_each(|w| *w = uniform(rng, -bound, bound));
                biases
                    .iter_mut()
                    .for_each(|b| *b = uniform(rng, -bound, bound));
            }
            Init::XavierUniform => {
                let bound = crate::math::sqrt::sqrtf(6.0 / (fan_in + fan_out) as f32);
                weights
                    .iter_mut()
                    .for_each(|w| *w = uniform(rng, -bound, bound));
                biases.fill(0.0);
            }
            Init::HeNormal => {
                let std = crate::math::sqrt::sqrtf(2.0 / fan_in as f32);
                weights
                    .iter_mut()
                    .for_each(|w| *w = std * standard_normal(rng));
                biases.fill(0.0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

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
}

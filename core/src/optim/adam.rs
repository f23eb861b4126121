//! Adam (Kingma & Ba, 2015) with bias correction and L2 weight decay, and its element-wise
//! update kernel (vectorised by hand on x86-64, with a scalar reference it is tested
//! against).

use super::{Optimizer, SameCount};
use crate::module::Module;
use crate::tensor::Zeroable;

/// Hyper-parameters of [`Adam`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamConfig {
    /// Step size.
    pub lr: f32,
    /// Decay of the first-moment estimate.
    pub beta1: f32,
    /// Decay of the second-moment estimate.
    pub beta2: f32,
    /// Added to the denominator.
    pub eps: f32,
    /// L2 penalty added to the gradient (PyTorch `Adam`'s `weight_decay`, not AdamW).
    pub weight_decay: f32,
}

impl AdamConfig {
    /// Kingma & Ba's defaults with step size `lr`.
    pub const fn with_lr(lr: f32) -> Self {
        Self {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
        }
    }
}

/// The per-step constants of an Adam update.
#[derive(Clone, Copy, Debug)]
pub struct AdamStep {
    /// Decay of the first moment.
    pub beta1: f32,
    /// Decay of the second moment.
    pub beta2: f32,
    /// Added to the denominator.
    pub eps: f32,
    /// L2 penalty.
    pub weight_decay: f32,
    /// `1 - beta2^t`.
    pub correction2: f32,
    /// `lr / (1 - beta1^t)`.
    pub step_size: f32,
}

/// Adam (Kingma & Ba, 2015) with bias correction, for a model with `P` parameters.
pub struct Adam<const P: usize> {
    /// Hyper-parameters; may be changed between steps.
    pub config: AdamConfig,
    steps: u32,
    first_moment: [f32; P],
    second_moment: [f32; P],
}

// SAFETY: numbers only.
unsafe impl<const P: usize> Zeroable for Adam<P> {}

impl<const P: usize> Adam<P> {
    /// A new optimiser (builds `2 P` floats on the stack; see [`Sgd::new`](crate::Sgd::new)).
    pub fn new(config: AdamConfig) -> Self {
        let mut s = Self::zeroed();
        s.reset(config);
        s
    }

    /// Sets the hyper-parameters and clears the moment estimates.
    pub fn reset(&mut self, config: AdamConfig) {
        self.config = config;
        self.steps = 0;
        self.first_moment.fill(0.0);
        self.second_moment.fill(0.0);
    }
}

impl<const P: usize> Optimizer for Adam<P> {
    fn learning_rate(&self) -> f32 {
        self.config.lr
    }

    fn set_learning_rate(&mut self, lr: f32) {
        self.config.lr = lr;
    }

    fn step<M: Module>(&mut self, model: &mut M) {
        let () = SameCount::<M, P>::CHECK;
        let AdamConfig {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
        } = self.config;
        self.steps += 1;
        let correction1 = 1.0 - libm::powf(beta1, self.steps as f32);
        let correction2 = 1.0 - libm::powf(beta2, self.steps as f32);
        let step_size = lr / correction1;
        let mut offset = 0;
        model.visit_params(&mut |values, grads| {
            let range = offset..offset + values.len();
            offset += values.len();
            let (m, v) = (
                &mut self.first_moment[range.clone()],
                &mut self.second_moment[range],
            );
            let constants = AdamStep {
                beta1,
                beta2,
                eps,
                weight_decay,
                correction2,
                step_size,
            };
            kernel::update(values, grads, m, v, &constants);
        });
    }
}

/// The Adam update, element-wise over a parameter tensor.
///
/// The square root is what keeps the compiler from vectorising this loop on its own (no
/// `sqrt` in `core`, and `libm::sqrtf` is opaque to the vectoriser), so x86-64 builds with
/// AVX get an explicit 8-lane version. Square root, division and the other operations are
/// correctly rounded in both versions and applied in the same order, so the two give the
/// same bits.
pub mod kernel {
    use super::AdamStep;

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
            *p -= k.step_size * *m / (crate::math::sqrt::sqrtf(*v / k.correction2) + k.eps);
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
    use crate::kernels::map;
    use crate::optim::tests::one_weight_model;

    #[test]
    fn adam_first_step_is_lr_times_sign() {
        let mut l = one_weight_model(1.0, -3.0);
        let mut opt = Adam::<2>::new(AdamConfig::with_lr(0.01));
        opt.step(&mut l);
        assert!((l.weight[0][0] - 1.01).abs() < 1e-6);
    }

    #[test]
    fn vectorised_adam_gives_the_scalar_bits() {
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
        let (mut p1, mut m1, mut v1) = (init(2.0), init(3.0), map(init(4.0), f32::abs));
        let (mut p2, mut m2, mut v2) = (p1, m1, v1);
        kernel::update(&mut p1, &g, &mut m1, &mut v1, &k);
        kernel::scalar(&mut p2, &g, &mut m2, &mut v2, &k);
        assert_eq!((p1, m1, v1), (p2, m2, v2));
    }
}

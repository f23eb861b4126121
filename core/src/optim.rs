//! Optimisers: SGD (momentum, weight decay) and Adam, with state sized at compile time.
//!
//! An optimiser for a model `M` is declared with `P = M::PARAMS`, e.g.
//! `Sgd<{ <Net as Module>::PARAMS }>`; using it on a model with another parameter count is a
//! compile-time error. Its state is one flat array walked in `visit_params` order.

use crate::module::Module;
use crate::tensor::Zeroable;

/// Something that updates a model's parameters from its accumulated gradients.
pub trait Optimizer {
    /// One update step; gradients are left as they are (call `zero_grad` before the next
    /// backward pass).
    fn step<M: Module>(&mut self, model: &mut M);

    /// The current step size.
    fn learning_rate(&self) -> f32;

    /// Changes the step size (learning-rate schedules).
    fn set_learning_rate(&mut self, lr: f32);
}

/// Cosine decay of the learning rate from `lr` at epoch 0 to `lr / 100` at the end:
/// `lr/100 + (lr - lr/100) (1 + cos(pi epoch / epochs)) / 2`.
pub fn cosine_decay(lr: f32, epoch: usize, epochs: usize) -> f32 {
    let progress = epoch as f32 / epochs.max(1) as f32;
    let floor = lr / 100.0;
    floor + (lr - floor) * 0.5 * (1.0 + libm::cosf(core::f32::consts::PI * progress))
}

struct SameCount<M, const P: usize>(core::marker::PhantomData<M>);
impl<M: Module, const P: usize> SameCount<M, P> {
    const CHECK: () = assert!(
        M::PARAMS == P,
        "optimiser sized for another parameter count"
    );
}

/// Hyper-parameters of [`Sgd`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdConfig {
    /// Step size.
    pub lr: f32,
    /// Heavy-ball momentum (PyTorch's convention: `v = momentum v + g; p -= lr v`); 0 for
    /// plain SGD.
    pub momentum: f32,
    /// L2 penalty added to the gradient: `g += weight_decay p`.
    pub weight_decay: f32,
}

impl SgdConfig {
    /// Plain SGD with step size `lr`.
    pub const fn plain(lr: f32) -> Self {
        Self {
            lr,
            momentum: 0.0,
            weight_decay: 0.0,
        }
    }
}

/// Stochastic gradient descent for a model with `P` parameters.
pub struct Sgd<const P: usize> {
    /// Hyper-parameters; may be changed between steps (learning-rate schedules).
    pub config: SgdConfig,
    velocity: [f32; P],
}

// SAFETY: f32 fields only.
unsafe impl<const P: usize> Zeroable for Sgd<P> {}

impl<const P: usize> Sgd<P> {
    /// A new optimiser with zero momentum buffers (builds `P` floats on the stack: for large
    /// models zero a heap or static slot and call [`reset`](Self::reset)).
    pub fn new(config: SgdConfig) -> Self {
        let mut s = Self::zeroed();
        s.reset(config);
        s
    }

    /// Sets the hyper-parameters and clears the momentum buffers.
    pub fn reset(&mut self, config: SgdConfig) {
        self.config = config;
        self.velocity.fill(0.0);
    }
}

impl<const P: usize> Optimizer for Sgd<P> {
    fn learning_rate(&self) -> f32 {
        self.config.lr
    }

    fn set_learning_rate(&mut self, lr: f32) {
        self.config.lr = lr;
    }

    fn step<M: Module>(&mut self, model: &mut M) {
        let () = SameCount::<M, P>::CHECK;
        let SgdConfig {
            lr,
            momentum,
            weight_decay,
        } = self.config;
        let mut offset = 0;
        model.visit_params(&mut |values, grads| {
            let velocity = &mut self.velocity[offset..offset + values.len()];
            offset += values.len();
            for ((p, &g), v) in values.iter_mut().zip(grads.iter()).zip(velocity) {
                let mut d = g + weight_decay * *p;
                if momentum != 0.0 {
                    *v = momentum * *v + d;
                    d = *v;
                }
                *p -= lr * d;
            }
        });
    }
}

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
    /// A new optimiser (builds `2 P` floats on the stack; see [`Sgd::new`]).
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
            crate::kernels::adam::update(values, grads, m, v, &constants);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Linear, Module};

    fn one_weight_model(w: f32, g: f32) -> Linear<1, 1, 1> {
        let mut l = Linear::new();
        l.weight = [[w]];
        l.weight_grad = [[g]];
        l
    }

    #[test]
    fn sgd_momentum_and_decay_follow_pytorch() {
        let mut l = one_weight_model(1.0, 0.5);
        let mut opt = Sgd::<2>::new(SgdConfig {
            lr: 0.1,
            momentum: 0.9,
            weight_decay: 0.1,
        });
        opt.step(&mut l);
        // d = 0.5 + 0.1*1 = 0.6; v = 0.6; w = 1 - 0.06
        assert!((l.weight[0][0] - 0.94).abs() < 1e-6);
        opt.step(&mut l);
        // d = 0.5 + 0.094 = 0.594; v = 0.54 + 0.594 = 1.134; w = 0.94 - 0.1134
        assert!((l.weight[0][0] - 0.8266).abs() < 1e-6);
    }

    #[test]
    fn adam_first_step_is_lr_times_sign() {
        let mut l = one_weight_model(1.0, -3.0);
        let mut opt = Adam::<2>::new(AdamConfig::with_lr(0.01));
        opt.step(&mut l);
        assert!((l.weight[0][0] - 1.01).abs() < 1e-6);
    }

    #[test]
    fn sgd_descends_a_quadratic() {
        // Fit y = 3x - 1 with a 1-1 linear layer.
        let mut l = Linear::<1, 1, 4>::new();
        let mut opt = Sgd::<2>::new(SgdConfig {
            lr: 0.1,
            momentum: 0.5,
            weight_decay: 0.0,
        });
        let xs = [[-1.0], [0.0], [1.0], [2.0]];
        let ys = [[-4.0], [-1.0], [2.0], [5.0]];
        let mut loss = crate::MseLoss::new();
        for _ in 0..200 {
            l.zero_grad();
            let out = *l.forward(&xs);
            loss.forward(&out, &ys);
            l.backward(&xs, loss.grad(), None);
            opt.step(&mut l);
        }
        assert!((l.weight[0][0] - 3.0).abs() < 1e-3 && (l.bias[0] + 1.0).abs() < 1e-3);
    }
}

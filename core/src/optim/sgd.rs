//! Stochastic gradient descent with heavy-ball momentum and weight decay, PyTorch's
//! convention.

use super::{Optimizer, SameCount};
use crate::module::Module;
use crate::tensor::Zeroable;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::tests::one_weight_model;
    use crate::{Linear, Module};

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

//! Optimisers: SGD (momentum, weight decay) and Adam, with state sized at compile time.
//!
//! An optimiser for a model `M` is declared with `P = M::PARAMS`, e.g.
//! `Sgd<{ <Net as Module>::PARAMS }>`; using it on a model with another parameter count is a
//! compile-time error. Its state is one flat array walked in `visit_params` order.

use crate::module::Module;

mod adam;
mod sgd;

pub use adam::{Adam, AdamConfig, AdamStep};
pub use sgd::{Sgd, SgdConfig};

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

/// Compile-time check that an optimiser sized for `P` parameters is used on a model with
/// `P` parameters.
pub(crate) struct SameCount<M, const P: usize>(core::marker::PhantomData<M>);
impl<M: Module, const P: usize> SameCount<M, P> {
    pub(crate) const CHECK: () = assert!(
        M::PARAMS == P,
        "optimiser sized for another parameter count"
    );
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::Linear;

    /// A 1-1 linear layer with weight `w` and weight gradient `g` (bias and its gradient 0).
    pub(crate) fn one_weight_model(w: f32, g: f32) -> Linear<1, 1, 1> {
        let mut l = Linear::new();
        l.weight = [[w]];
        l.weight_grad = [[g]];
        l
    }
}

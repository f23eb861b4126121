//! Losses: mean squared error ([`MseLoss`]), cross-entropy on logits ([`CrossEntropyLoss`])
//! and the auxiliary-loss combinator for paired inputs ([`AuxLoss`]).
//!
//! A loss returns its value and keeps dL/d(prediction) in a buffer it owns, ready to hand to
//! the network's `backward`.

mod aux;
mod cross_entropy;
mod mse;

pub use aux::AuxLoss;
pub use cross_entropy::CrossEntropyLoss;
pub use mse::MseLoss;

#[cfg(test)]
pub(crate) mod tests {
    use crate::gradcheck::EPS;
    use crate::tensor::Tensor;

    /// Central differences of `loss` around `x` against `grad`, element by element.
    pub(crate) fn assert_loss_gradient<T: Tensor>(
        x: &T,
        grad: &T,
        mut loss: impl FnMut(&T) -> f32,
    ) {
        let mut probe = *x;
        for k in 0..T::LEN {
            let original = probe.flat()[k];
            probe.flat_mut()[k] = original + EPS;
            let up = loss(&probe) as f64;
            probe.flat_mut()[k] = original - EPS;
            let down = loss(&probe) as f64;
            probe.flat_mut()[k] = original;
            let numeric = ((up - down) / (2.0 * EPS as f64)) as f32;
            let analytic = grad.flat()[k];
            assert!(
                (analytic - numeric).abs() <= 1e-2 * analytic.abs().max(numeric.abs()) + 1e-4,
                "element {k}: analytic {analytic}, numeric {numeric}"
            );
        }
    }
}

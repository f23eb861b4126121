//! A main cross-entropy plus weighted cross-entropies on the per-item predictions of paired
//! inputs (the "auxiliary loss" of networks that see two items, e.g. [`Siamese`](crate::Siamese)).

use super::CrossEntropyLoss;
use crate::tensor::{reshape, Batch, Zeroable};

/// A main loss plus auxiliary losses on intermediate per-item predictions: cross-entropy of
/// the main `K`-way prediction of each of `B` pairs plus `weight` times the cross-entropies
/// of the `D`-way predictions of both items of each pair (`B2 = 2B` of them).
///
/// Use with a [`Seq`](struct@crate::Seq) whose first half outputs the per-item predictions:
/// the auxiliary gradient enters at that junction through
/// [`Seq::backward_adding`](crate::Seq::backward_adding).
pub struct AuxLoss<const B: usize, const B2: usize, const K: usize, const D: usize> {
    main: CrossEntropyLoss<B, K>,
    aux: CrossEntropyLoss<B2, D>,
}

// SAFETY: two Zeroable losses.
unsafe impl<const B: usize, const B2: usize, const K: usize, const D: usize> Zeroable
    for AuxLoss<B, B2, K, D>
{
}

impl<const B: usize, const B2: usize, const K: usize, const D: usize> AuxLoss<B, B2, K, D> {
    const SHAPE_CHECK: () = assert!(B2 == 2 * B, "AuxLoss: B2 must be 2B");

    /// A new loss.
    pub fn new() -> Self {
        Self::zeroed()
    }

    /// `CE(logits, targets) + weight * mean over items of CE(item_logits, classes)`, where
    /// the auxiliary mean runs over all `2B` items, as `CrossEntropyLoss` on the
    /// concatenated batch would.
    pub fn forward(
        &mut self,
        logits: &Batch<B, K>,
        targets: &[usize; B],
        item_logits: &[[[f32; D]; 2]; B],
        classes: &[[usize; 2]; B],
        weight: f32,
    ) -> f32 {
        let () = Self::SHAPE_CHECK;
        let item_classes: [usize; B2] = core::array::from_fn(|k| classes[k / 2][k % 2]);
        let main = self.main.forward(logits, targets);
        main + self
            .aux
            .forward_scaled(reshape(item_logits), &item_classes, weight)
    }

    /// dL/d(logits).
    pub fn grad_logits(&self) -> &Batch<B, K> {
        self.main.grad()
    }

    /// dL/d(item_logits).
    pub fn grad_items(&self) -> &[[[f32; D]; 2]; B] {
        reshape(self.aux.grad())
    }
}

impl<const B: usize, const B2: usize, const K: usize, const D: usize> Default
    for AuxLoss<B, B2, K, D>
{
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::rng;
    use crate::{Init, Linear, Module, Relu, Reshape, Seq, Siamese};

    type Tower<const N: usize> = Seq![Linear<3, 4, N>, Relu<Batch<N, 4>>, Linear<4, 2, N>];

    #[test]
    fn aux_loss_gradient_through_a_junction() {
        // items -> per-item logits (Siamese) -> concatenated -> head; the auxiliary
        // gradient joins at the junction. Checked against finite differences of the total.
        type Items = Siamese<Tower<4>, [f32; 3], [f32; 2], 2, 4>;
        type Head = Seq![Reshape<[[[f32; 2]; 2]; 2], Batch<2, 4>>, Linear<4, 2, 2>];
        let mut r = rng(83);
        let mut net = Seq::<Items, Head>::zeroed();
        net.init(Init::PyTorchDefault, &mut r);
        let x = [
            [[0.3, -0.2, 0.9], [-0.4, 0.5, 0.1]],
            [[0.7, 0.2, -0.6], [0.2, -0.8, 0.4]],
        ];
        let (targets, classes) = ([1, 0], [[0, 1], [1, 1]]);
        let total = |net: &mut Seq<Items, Head>, loss: &mut AuxLoss<2, 4, 2, 2>| {
            let logits = *net.forward(&x);
            let items = *net.first.output(&x);
            loss.forward(&logits, &targets, &items, &classes, 0.7)
        };
        let mut loss = AuxLoss::new();
        net.zero_grad();
        total(&mut net, &mut loss);
        let (gl, gi) = (*loss.grad_logits(), *loss.grad_items());
        net.backward_adding(&x, &gl, &gi, None);
        for j in 0..<Seq<Items, Head>>::PARAMS {
            let (mut original, mut analytic) = (0.0, 0.0);
            crate::gradcheck::with_param(&mut net, j, |v, g| (original, analytic) = (*v, *g));
            let eps = 1e-2;
            crate::gradcheck::with_param(&mut net, j, |v, _| *v = original + eps);
            let up = total(&mut net, &mut loss);
            crate::gradcheck::with_param(&mut net, j, |v, _| *v = original - eps);
            let down = total(&mut net, &mut loss);
            crate::gradcheck::with_param(&mut net, j, |v, _| *v = original);
            let numeric = (up - down) / (2.0 * eps);
            assert!(
                (analytic - numeric).abs() < 1e-2 * analytic.abs() + 1e-3,
                "param {j}: {analytic} vs {numeric}"
            );
        }
    }
}

//! How each Project 1 network is trained and read: the loss of one batch of `B` pairs and
//! the targets its output predicts.
//!
//! - [`TargetOnly`]: cross-entropy on the two target logits (`mlp`, `convnet`, `siamese`);
//! - [`WithAuxLoss`]: that, plus a weighted cross-entropy on the digit logits of both images
//!   (`aux`, `siamese-aux`);
//! - [`CompareDigits`]: cross-entropy on the digits only, the target decided by comparing
//!   the two predicted digit distributions (`best`).

use super::nets::PairLogits;
use minidl::{argmax, reshape, AuxLoss, Batch, CrossEntropyLoss, Module, Seq, Zeroable};

/// How a network `N` is trained and read, `B` pairs a batch.
pub trait Objective<N: Module, const B: usize>: Zeroable {
    /// Forward and backward pass of one batch (gradients accumulate into `net`); returns
    /// the loss.
    fn train_batch(
        &mut self,
        net: &mut N,
        input: &N::Input,
        targets: &[usize; B],
        classes: &[[usize; 2]; B],
    ) -> f32;

    /// The targets that the network's output `output` predicts.
    fn decide(&self, output: &N::Output, out: &mut [usize; B]);

    /// Predicted targets of one batch.
    fn predict(&mut self, net: &mut N, input: &N::Input, out: &mut [usize; B]) {
        self.decide(net.forward(input), out);
    }
}

/// The predicted class of every row of target logits.
fn predict_from_logits<const B: usize>(logits: &Batch<B, 2>, out: &mut [usize; B]) {
    for (o, l) in out.iter_mut().zip(logits) {
        *o = argmax(l);
    }
}

/// Cross-entropy on the two target logits only.
pub struct TargetOnly<const B: usize>(CrossEntropyLoss<B, 2>);
// SAFETY: one Zeroable field.
unsafe impl<const B: usize> Zeroable for TargetOnly<B> {}

impl<N: Module<Output = Batch<B, 2>>, const B: usize> Objective<N, B> for TargetOnly<B> {
    fn train_batch(
        &mut self,
        net: &mut N,
        input: &N::Input,
        targets: &[usize; B],
        _: &[[usize; 2]; B],
    ) -> f32 {
        let loss = self.0.forward(net.forward(input), targets);
        net.backward(input, self.0.grad(), None);
        loss
    }

    fn decide(&self, logits: &Batch<B, 2>, out: &mut [usize; B]) {
        predict_from_logits(logits, out);
    }
}

/// Target cross-entropy plus `weight` times the digit cross-entropies of both images
/// (`B2 = 2B` of them), for a [`Seq`](struct@Seq) whose first half outputs the digit logits.
pub struct WithAuxLoss<const B: usize, const B2: usize> {
    loss: AuxLoss<B, B2, 2, 10>,
    /// Weight of the auxiliary term.
    pub weight: f32,
}
// SAFETY: Zeroable fields.
unsafe impl<const B: usize, const B2: usize> Zeroable for WithAuxLoss<B, B2> {}

impl<D, H, const B: usize, const B2: usize> Objective<Seq<D, H>, B> for WithAuxLoss<B, B2>
where
    D: Module<Output = PairLogits<B>>,
    H: Module<Input = PairLogits<B>, Output = Batch<B, 2>>,
{
    fn train_batch(
        &mut self,
        net: &mut Seq<D, H>,
        input: &D::Input,
        targets: &[usize; B],
        classes: &[[usize; 2]; B],
    ) -> f32 {
        net.forward(input);
        let (logits, digits) = (
            net.then.output(net.first.output(input)),
            net.first.output(input),
        );
        let loss = self
            .loss
            .forward(logits, targets, digits, classes, self.weight);
        net.backward_adding(input, self.loss.grad_logits(), self.loss.grad_items(), None);
        loss
    }

    fn decide(&self, logits: &Batch<B, 2>, out: &mut [usize; B]) {
        predict_from_logits(logits, out);
    }
}

/// Digit cross-entropy on both images of every pair (`B2 = 2B` images), and a decision that
/// compares the predicted digits: the target is 1 when `P(first <= second) > 1/2` (see
/// [`probability_first_le_second`]).
pub struct CompareDigits<const B: usize, const B2: usize>(CrossEntropyLoss<B2, 10>);
// SAFETY: one Zeroable field.
unsafe impl<const B: usize, const B2: usize> Zeroable for CompareDigits<B, B2> {}

impl<N: Module<Output = PairLogits<B>>, const B: usize, const B2: usize> Objective<N, B>
    for CompareDigits<B, B2>
{
    fn train_batch(
        &mut self,
        net: &mut N,
        input: &N::Input,
        _: &[usize; B],
        classes: &[[usize; 2]; B],
    ) -> f32 {
        let item_classes: [usize; B2] = core::array::from_fn(|k| classes[k / 2][k % 2]);
        let loss = self.0.forward(reshape(net.forward(input)), &item_classes);
        net.backward(input, reshape(self.0.grad()), None);
        loss
    }

    fn decide(&self, digits: &PairLogits<B>, out: &mut [usize; B]) {
        for (o, pair) in out.iter_mut().zip(digits) {
            *o = usize::from(probability_first_le_second(&pair[0], &pair[1]) > 0.5);
        }
    }
}

/// `P(a <= b)` for two independent digits with the given logits: `sum over i <= j of
/// p_a(i) p_b(j)` from the two softmax outputs, which weighs an uncertain digit by how
/// likely each reading is instead of committing to its argmax.
pub fn probability_first_le_second(first: &[f32; 10], second: &[f32; 10]) -> f32 {
    let softmax = |z: &[f32; 10]| {
        let m = z.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let e: [f32; 10] = core::array::from_fn(|k| libm::expf(z[k] - m));
        let total: f32 = e.iter().sum();
        e.map(|v| v / total)
    };
    let (p, q) = (softmax(first), softmax(second));
    // q_at_least[i] = P(second >= i)
    let mut q_at_least = [0.0f32; 11];
    for i in (0..10).rev() {
        q_at_least[i] = q_at_least[i + 1] + q[i];
    }
    (0..10).map(|i| p[i] * q_at_least[i]).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparing_certain_digits_gives_the_order() {
        let certain =
            |d: usize| -> [f32; 10] { core::array::from_fn(|k| if k == d { 50.0 } else { 0.0 }) };
        assert!(probability_first_le_second(&certain(3), &certain(7)) > 0.99);
        assert!(probability_first_le_second(&certain(7), &certain(7)) > 0.99);
        assert!(probability_first_le_second(&certain(8), &certain(2)) < 0.01);
    }

    #[test]
    fn uniform_digits_give_the_fraction_of_ordered_pairs() {
        // 55 of the 100 (first, second) pairs have first <= second.
        let p = probability_first_le_second(&[0.0; 10], &[1.0; 10]);
        assert!((p - 0.55).abs() < 1e-6, "{p}");
    }
}

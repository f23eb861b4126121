//! Softmax cross-entropy on logits.

use crate::math::exp::exp_in_place;
use crate::tensor::{Batch, Zeroable};

/// Softmax cross-entropy on raw logits, averaged over the batch (PyTorch's
/// `CrossEntropyLoss()`), computed with the log-sum-exp shift so large logits do not
/// overflow.
#[derive(Clone)]
pub struct CrossEntropyLoss<const B: usize, const N: usize> {
    grad: Batch<B, N>,
}

// SAFETY: one tensor field.
unsafe impl<const B: usize, const N: usize> Zeroable for CrossEntropyLoss<B, N> {}

impl<const B: usize, const N: usize> CrossEntropyLoss<B, N> {
    /// A new loss.
    pub fn new() -> Self {
        Self::zeroed()
    }

    /// Mean over the batch of `-log softmax(logits)[label]`; also stores its gradient
    /// `(softmax - onehot(label)) / B`.
    ///
    /// # Panics
    /// If a label is not below `N`.
    pub fn forward(&mut self, logits: &Batch<B, N>, labels: &[usize; B]) -> f32 {
        self.forward_scaled(logits, labels, 1.0)
    }

    /// As [`forward`](Self::forward), with loss and gradient multiplied by `weight` (for
    /// auxiliary losses).
    pub fn forward_scaled(
        &mut self,
        logits: &Batch<B, N>,
        labels: &[usize; B],
        weight: f32,
    ) -> f32 {
        // The shifted logits `z - max z` of every row, then their exponentials in one pass
        // over the batch (rows of 2 or 10 classes are too short to vectorise alone). Each
        // row's shift and the position of its maximum are kept for the sums below.
        let mut tops = [(0.0f32, 0usize); B];
        for ((z, g), (shift, top)) in logits.iter().zip(&mut self.grad).zip(&mut tops) {
            *shift = z.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
            *top = z.iter().position(|&v| v == *shift).unwrap_or(0);
            for (gk, &zk) in g.iter_mut().zip(z) {
                *gk = zk - *shift;
            }
        }
        exp_in_place(self.grad.as_flattened_mut());
        let mut total = 0.0f32;
        let rows = logits.iter().zip(labels).zip(&mut self.grad).zip(tops);
        for (((z, &label), g), (shift, top)) in rows {
            assert!(label < N, "class label {label} is not below {N}");
            let (mut sum, mut others) = (0.0, 0.0);
            for (k, &gk) in g.iter().enumerate() {
                sum += gk;
                if k != top {
                    others += gk;
                }
            }
            // log(sum) - (z[label] - shift) with log(sum) = log1p(others): no large terms
            // that cancel, so the value keeps its precision when the logits are large
            // (e.g. ln(1 + e^-20) for logits 120 and 100, which `shift + ln(sum) - z`
            // rounds to 0).
            total += libm::log1pf(others) - (z[label] - shift);
            let scale = weight / (sum * B as f32);
            g.iter_mut().for_each(|gk| *gk *= scale);
            g[label] -= weight / B as f32;
        }
        weight * total / B as f32
    }

    /// dL/d(logits) from the last `forward`.
    pub fn grad(&self) -> &Batch<B, N> {
        &self.grad
    }
}

impl<const B: usize, const N: usize> Default for CrossEntropyLoss<B, N> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::rng;
    use crate::loss::tests::assert_loss_gradient;
    use crate::rand::uniform;
    use crate::tensor::Tensor;

    #[test]
    fn cross_entropy_value_and_gradient() {
        let mut loss = CrossEntropyLoss::<1, 3>::new();
        // -log(e^2 / (e^0 + e^1 + e^2))
        let expected = -(2.0f32.exp() / (1.0 + 1.0f32.exp() + 2.0f32.exp())).ln();
        assert!((loss.forward(&[[0.0, 1.0, 2.0]], &[2]) - expected).abs() < 1e-6);

        let mut r = rng(41);
        let mut x = [[0.0f32; 5]; 3];
        x.flat_mut()
            .iter_mut()
            .for_each(|v| *v = uniform(&mut r, -3.0, 3.0));
        let labels = [4, 0, 2];
        let mut loss = CrossEntropyLoss::<3, 5>::new();
        loss.forward_scaled(&x, &labels, 0.7);
        let grad = *loss.grad();
        assert_loss_gradient(&x, &grad, |p| {
            CrossEntropyLoss::new().forward_scaled(p, &labels, 0.7)
        });
    }

    #[test]
    fn the_value_keeps_its_precision_for_large_logits() {
        // (logits, label, exact loss = ln(1 + e^-d) + (shift - z[label]))
        let cases: [([f32; 2], usize, f64); 4] = [
            ([100.5, 100.0], 0, (1.0 + (-0.5f64).exp()).ln()),
            ([120.0, 100.0], 0, (1.0 + (-20.0f64).exp()).ln()),
            ([1000.0, 999.0], 1, 1.0 + (1.0 + (-1.0f64).exp()).ln()),
            ([-300.0, -300.25], 0, (1.0 + (-0.25f64).exp()).ln()),
        ];
        for (logits, label, exact) in cases {
            let value = CrossEntropyLoss::<1, 2>::new().forward(&[logits], &[label]) as f64;
            assert!(
                (value - exact).abs() <= 1e-6 * exact,
                "{logits:?} label {label}: {value} vs {exact}"
            );
        }
    }

    #[test]
    fn cross_entropy_is_stable_for_huge_logits() {
        let mut loss = CrossEntropyLoss::<1, 2>::new();
        let l = loss.forward(&[[1000.0, 0.0]], &[1]);
        assert!((l - 1000.0).abs() < 1e-3);
        assert!(loss.grad().flat().iter().all(|g| g.is_finite()));
    }
}

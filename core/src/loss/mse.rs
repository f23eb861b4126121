//! Mean squared error.

use crate::tensor::{Tensor, Zeroable};

/// Mean squared error, averaged over every element (PyTorch's `MSELoss()` default).
#[derive(Clone)]
pub struct MseLoss<T: Tensor> {
    grad: T,
}

// SAFETY: one tensor field.
unsafe impl<T: Tensor> Zeroable for MseLoss<T> {}

impl<T: Tensor> MseLoss<T> {
    /// A new loss.
    pub fn new() -> Self {
        Self::zeroed()
    }

    /// `mean((prediction - target)^2)`; also stores its gradient `2 (prediction - target) / n`.
    pub fn forward(&mut self, prediction: &T, target: &T) -> f32 {
        let scale = 2.0 / T::LEN as f32;
        let mut sum = 0.0f32;
        let pairs = prediction.flat().iter().zip(target.flat());
        for (g, (&p, &t)) in self.grad.flat_mut().iter_mut().zip(pairs) {
            let d = p - t;
            sum += d * d;
            *g = scale * d;
        }
        sum / T::LEN as f32
    }

    /// dL/d(prediction) from the last `forward`.
    pub fn grad(&self) -> &T {
        &self.grad
    }
}

impl<T: Tensor> Default for MseLoss<T> {
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

    #[test]
    fn mse_value_and_gradient() {
        let mut r = rng(40);
        let mut loss = MseLoss::<[[f32; 3]; 4]>::new();
        assert_eq!(
            loss.forward(&[[1.0, 2.0, 3.0]; 4], &[[1.0, 2.0, 1.0]; 4]),
            4.0 / 3.0
        );
        let mut x = [[0.0f32; 3]; 4];
        let mut t = [[0.0f32; 3]; 4];
        x.flat_mut()
            .iter_mut()
            .for_each(|v| *v = uniform(&mut r, -1.0, 1.0));
        t.flat_mut()
            .iter_mut()
            .for_each(|v| *v = uniform(&mut r, -1.0, 1.0));
        loss.forward(&x, &t);
        let grad = *loss.grad();
        assert_loss_gradient(&x, &grad, |p| MseLoss::new().forward(p, &t));
    }
}

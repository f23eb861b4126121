//! Fully connected layer: `y = x W^T + b`, with hand-written gradients.

use crate::init::Init;
use crate::io::names::{DescribeFn, Path, Shape, TensorSpec};
use crate::kernels::{add_rows, matmul_at_acc, matmul_from_row, transpose};
use crate::module::Module;
use crate::tensor::{Batch, Tensor, Zeroable};
use rand_core::Rng;

/// A fully connected layer from `I` to `O` features on batches of `B`.
///
/// The weight matrix is stored input-major (`weight[i][o]`, PyTorch's `W^T`), so that the
/// forward pass is the row-major product `X W` and all three products (forward, weight
/// gradient, input gradient) run on the register-tiled kernel of [`crate::kernels`].
#[derive(Clone)]
#[cfg_attr(cache_lines, repr(C, align(64)))] // See `crate::layers`, "Alignment".
pub struct Linear<const I: usize, const O: usize, const B: usize> {
    /// `weight[i][o]`: contribution of input `i` to output `o`.
    pub weight: [[f32; O]; I],
    /// dL/d(weight), accumulated by `backward`.
    pub weight_grad: [[f32; O]; I],
    /// `weight` transposed (`[o][i]`), refreshed by each backward pass that needs dL/dx.
    weight_t: [[f32; I]; O],
    output: Batch<B, O>,
    // The vectors last, so that they leave the matrices on cache lines.
    /// `bias[o]`.
    pub bias: [f32; O],
    /// dL/d(bias), accumulated by `backward`.
    pub bias_grad: [f32; O],
}

// SAFETY: only f32 arrays.
unsafe impl<const I: usize, const O: usize, const B: usize> Zeroable for Linear<I, O, B> {}

impl<const I: usize, const O: usize, const B: usize> Linear<I, O, B> {
    /// A zero layer (call [`Module::init`] before training). Usable in `static` items.
    pub const fn new() -> Self {
        Self {
            weight: [[0.0; O]; I],
            bias: [0.0; O],
            weight_grad: [[0.0; O]; I],
            bias_grad: [0.0; O],
            weight_t: [[0.0; I]; O],
            output: [[0.0; O]; B],
        }
    }
}

impl<const I: usize, const O: usize, const B: usize> Default for Linear<I, O, B> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const I: usize, const O: usize, const B: usize> Module for Linear<I, O, B> {
    type Input = Batch<B, I>;
    type Output = Batch<B, O>;
    const PARAMS: usize = I * O + O;
    const MACS: usize = B * I * O;
    /// The weight gradient and the input gradient, each as costly as the forward pass.
    const BACKWARD_MACS: usize = 2 * B * I * O;
    const BACKWARD_MACS_FIRST: usize = B * I * O;

    fn forward<'a>(&'a mut self, input: &'a Batch<B, I>) -> &'a Batch<B, O> {
        matmul_from_row(&mut self.output, &self.bias, input, &self.weight);
        &self.output
    }

    fn output<'a>(&'a self, _input: &'a Batch<B, I>) -> &'a Batch<B, O> {
        &self.output
    }

    fn backward(
        &mut self,
        input: &Batch<B, I>,
        grad_output: &Batch<B, O>,
        grad_input: Option<&mut Batch<B, I>>,
    ) {
        add_rows(&mut self.bias_grad, grad_output);
        // dL/dW[i][o] = sum_b x[b][i] g[b][o]: (X^T G), accumulated.
        matmul_at_acc(&mut self.weight_grad, input, grad_output);
        if let Some(grad_input) = grad_input {
            // dL/dx[b][i] = sum_o g[b][o] W[i][o] = (G W^T)[b][i]; with W^T stored
            // row-major this is the same register-tiled product as the others.
            transpose(&mut self.weight_t, &self.weight);
            matmul_from_row(grad_input, &[0.0; I], grad_output, &self.weight_t);
        }
    }

    fn visit_params(&mut self, visit: &mut dyn FnMut(&mut [f32], &mut [f32])) {
        visit(self.weight.flat_mut(), self.weight_grad.flat_mut());
        visit(&mut self.bias, &mut self.bias_grad);
    }

    fn describe(&self, path: &mut Path, visit: &mut DescribeFn<'_>) {
        path.layer(|path| {
            visit(path, &TensorSpec::parameter("weight", Shape::linear(I, O)));
            visit(path, &TensorSpec::parameter("bias", Shape::vector(O)));
        });
    }

    fn init<R: Rng + ?Sized>(&mut self, scheme: Init, rng: &mut R) {
        scheme.fill(self.weight.flat_mut(), &mut self.bias, I, O, rng);
        self.zero_grad();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::{assert_gradients, rng};

    #[test]
    fn forward_matches_definition() {
        let mut l = Linear::<2, 3, 1>::new();
        l.weight = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
        l.bias = [0.5, -0.5, 0.0];
        let y = l.forward(&[[1.0, -1.0]]);
        assert_eq!(y, &[[1.0 - 4.0 + 0.5, 2.0 - 5.0 - 0.5, 3.0 - 6.0]]);
    }

    #[test]
    fn gradients_match_finite_differences() {
        let mut rng = rng(10);
        let mut l = Linear::<7, 5, 3>::new();
        l.init(Init::PyTorchDefault, &mut rng);
        assert_gradients(&mut l, &mut rng);
    }

    #[test]
    fn parameter_count() {
        assert_eq!(Linear::<392, 200, 4>::PARAMS, 78_600);
    }
}

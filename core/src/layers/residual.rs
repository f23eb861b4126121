//! A skip connection around a module: `y = x + M(x)` (He et al., "Deep Residual Learning
//! for Image Recognition", 2016).
//!
//! Backward: `dL/dx = dL/dy + M'(x)^T dL/dy`, the gradients of the two paths added; `M`'s
//! parameter gradients are those of `M` alone. The output must have the input's shape,
//! which is a trait bound (`M: Module<Output = M::Input>`): a module that changes the shape
//! does not compile inside `Residual`.

use crate::init::Init;
use crate::io::names::{DescribeFn, Path};
use crate::module::{Mode, Module};
use crate::tensor::{Tensor, Zeroable};
use rand_core::Rng;

/// `y = x + M(x)` for a module `M` whose output has its input's shape. Usable inside
/// [`Seq!`](crate::Seq!) like any module; holds `M` and the sum (one more activation of
/// the input's size).
#[cfg_attr(cache_lines, repr(C, align(64)))] // See `crate::layers`, "Alignment".
pub struct Residual<M: Module<Output = <M as Module>::Input>> {
    /// The residual branch.
    pub inner: M,
    output: M::Input,
}

// SAFETY: a module (Zeroable) and a tensor (Zeroable).
unsafe impl<M: Module<Output = <M as Module>::Input>> Zeroable for Residual<M> {}

impl<M: Module<Output = <M as Module>::Input>> Module for Residual<M> {
    type Input = M::Input;
    type Output = M::Input;
    const PARAMS: usize = M::PARAMS;
    const MACS: usize = M::MACS;
    const BACKWARD_MACS: usize = M::BACKWARD_MACS;
    /// The branch's input gradient is needed even for a first layer: it is not the
    /// network's input gradient but is not used then either, so the branch skips it too.
    const BACKWARD_MACS_FIRST: usize = M::BACKWARD_MACS_FIRST;

    fn forward<'a>(&'a mut self, input: &'a Self::Input) -> &'a Self::Output {
        let branch = self.inner.forward(input);
        for ((y, &x), &f) in self
            .output
            .flat_mut()
            .iter_mut()
            .zip(input.flat())
            .zip(branch.flat())
        {
            *y = x + f;
        }
        &self.output
    }

    fn output<'a>(&'a self, _input: &'a Self::Input) -> &'a Self::Output {
        &self.output
    }

    fn backward(
        &mut self,
        input: &Self::Input,
        grad_output: &Self::Output,
        grad_input: Option<&mut Self::Input>,
    ) {
        match grad_input {
            Some(grad_input) => {
                // The branch writes its input gradient, then the identity path adds dL/dy.
                self.inner
                    .backward(input, grad_output, Some(&mut *grad_input));
                for (g, &d) in grad_input.flat_mut().iter_mut().zip(grad_output.flat()) {
                    *g += d;
                }
            }
            None => self.inner.backward(input, grad_output, None),
        }
    }

    fn visit_params(&mut self, visit: &mut dyn FnMut(&mut [f32], &mut [f32])) {
        self.inner.visit_params(visit);
    }

    fn visit_buffers(&mut self, visit: &mut dyn FnMut(&mut [f32])) {
        self.inner.visit_buffers(visit);
    }

    fn describe(&self, path: &mut Path, visit: &mut DescribeFn<'_>) {
        path.layer(|path| path.field("branch", |path| self.inner.describe(path, visit)));
    }

    fn init<R: Rng + ?Sized>(&mut self, scheme: Init, rng: &mut R) {
        self.inner.init(scheme, rng);
    }

    fn set_mode(&mut self, mode: Mode) {
        self.inner.set_mode(mode);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::{assert_gradients, rng};
    use crate::{Batch, Conv2d, Images, Linear, Tanh};

    #[test]
    fn adds_the_input_to_the_branch() {
        let mut r = Residual::<Linear<2, 2, 1>>::zeroed();
        // The branch doubles its input and adds 1: y = x + (2x + 1) = 3x + 1.
        r.inner.weight = [[2.0, 0.0], [0.0, 2.0]];
        r.inner.bias = [1.0, 1.0];
        assert_eq!(r.forward(&[[1.0, -2.0]]), &[[4.0, -5.0]]);
    }

    #[test]
    fn gradient_of_a_dense_branch() {
        type Branch = crate::Seq![Linear<5, 5, 3>, Tanh<Batch<3, 5>>, Linear<5, 5, 3>];
        let mut r = rng(60);
        let mut m = Residual::<Branch>::zeroed();
        m.init(Init::PyTorchDefault, &mut r);
        assert_gradients(&mut m, &mut r);
    }

    #[test]
    fn gradient_of_a_convolutional_branch_inside_seq() {
        // A residual block (padded conv, same shape, then tanh, smooth so that the finite
        // differences straddle no kink) between two layers, so that it both receives and
        // passes on an input gradient.
        type Block = crate::Seq![
            Tanh<Images<2, 4, 4, 3>>,
            Residual<crate::Seq![Conv2d<2, 4, 4, 3, 3, 3, 1, 4, 4>, Tanh<Images<2, 4, 4, 3>>]>,
            Conv2d<2, 4, 4, 3, 2, 3, 0, 2, 2>,
        ];
        let mut r = rng(61);
        let mut m = Block::zeroed();
        m.init(Init::HeNormal, &mut r);
        assert_gradients(&mut m, &mut r);
    }

    #[test]
    fn the_identity_path_carries_the_gradient_when_the_branch_is_zero() {
        // With a zero branch, dL/dx = dL/dy exactly.
        let mut m = Residual::<Linear<3, 3, 2>>::zeroed();
        let x = [[1.0, 2.0, 3.0], [-1.0, 0.5, 0.25]];
        m.forward(&x);
        let g = [[0.5, -1.0, 2.0], [3.0, 0.0, -0.5]];
        let mut gi = [[0.0; 3]; 2];
        m.backward(&x, &g, Some(&mut gi));
        assert_eq!(gi, g);
    }
}

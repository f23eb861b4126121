//! Reshaping layers: the same numbers seen with another shape, e.g. images flattened into
//! vectors before a fully connected layer.

use crate::module::Module;
use crate::tensor::{reshape, Batch, Images, Tensor, Zeroable};
use core::marker::PhantomData;

/// Views an `In` tensor as an `Out` tensor with the same number of elements. The forward
/// pass copies nothing (it returns a view of its input); the backward pass copies the
/// gradient back. A length mismatch does not compile.
pub struct Reshape<In: Tensor, Out: Tensor>(PhantomData<(In, Out)>);

// SAFETY: no data.
unsafe impl<In: Tensor, Out: Tensor> Zeroable for Reshape<In, Out> {}

impl<In: Tensor, Out: Tensor> Reshape<In, Out> {
    /// A new reshape.
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<In: Tensor, Out: Tensor> Default for Reshape<In, Out> {
    fn default() -> Self {
        Self::new()
    }
}

impl<In: Tensor, Out: Tensor> Module for Reshape<In, Out> {
    type Input = In;
    type Output = Out;

    fn forward<'a>(&'a mut self, input: &'a In) -> &'a Out {
        reshape(input)
    }

    fn output<'a>(&'a self, input: &'a In) -> &'a Out {
        reshape(input)
    }

    fn backward(&mut self, _input: &In, grad_output: &Out, grad_input: Option<&mut In>) {
        if let Some(grad_input) = grad_input {
            grad_input.flat_mut().copy_from_slice(grad_output.flat());
        }
    }
}

/// Flattens a batch of `H`x`W`x`C` images into a batch of `N = H*W*C` features (in HWC
/// order).
pub type Flatten<const B: usize, const H: usize, const W: usize, const C: usize, const N: usize> =
    Reshape<Images<B, H, W, C>, Batch<B, N>>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::{assert_gradients, rng};

    #[test]
    fn flatten_is_hwc_order_and_gradient_passes_through() {
        let mut f = Flatten::<1, 2, 1, 2, 4>::new();
        let x = [[[[1.0, 2.0]], [[3.0, 4.0]]]];
        assert_eq!(f.forward(&x), &[[1.0, 2.0, 3.0, 4.0]]);
        assert_gradients(&mut Flatten::<2, 2, 3, 2, 12>::new(), &mut rng(60));
    }
}

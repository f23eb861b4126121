//! One network applied to both items of every pair of inputs, with shared weights
//! ([`Siamese`]), or two separate networks ([`Twin`]). The auxiliary loss on their per-item
//! outputs is [`AuxLoss`](crate::AuxLoss).
//!
//! A batch of `B` pairs is `[[Item; 2]; B]`, which has exactly the memory layout of a batch
//! of `2B` single items (pair `i`, image `c` is item `2i + c`). Both wrappers output
//! `[[Out; 2]; B]`, the two results of each pair side by side: reshaped to
//! `Batch<B, 2 * len(Out)>` this is their concatenation, ready for a head network.

use crate::init::Init;
use crate::io::names::{DescribeFn, Path};
use crate::module::{Mode, Module};
use crate::tensor::{reshape, reshape_mut, Tensor, Zeroable};
use core::marker::PhantomData;
use rand_core::Rng;

/// One network `M` applied to both items of every pair, sharing its weights: `M` runs once
/// on the `B2 = 2B` items, so the gradients of both uses simply accumulate.
pub struct Siamese<M, Item, Out, const B: usize, const B2: usize>
where
    M: Module<Input = [Item; B2], Output = [Out; B2]>,
    Item: Tensor,
    Out: Tensor,
{
    /// The shared network.
    pub net: M,
    _items: PhantomData<(Item, Out)>,
}

// SAFETY: one Zeroable field.
unsafe impl<M, Item, Out, const B: usize, const B2: usize> Zeroable for Siamese<M, Item, Out, B, B2>
where
    M: Module<Input = [Item; B2], Output = [Out; B2]>,
    Item: Tensor,
    Out: Tensor,
{
}

impl<M, Item, Out, const B: usize, const B2: usize> Siamese<M, Item, Out, B, B2>
where
    M: Module<Input = [Item; B2], Output = [Out; B2]>,
    Item: Tensor,
    Out: Tensor,
{
    const SHAPE_CHECK: () = assert!(
        B2 == 2 * B,
        "Siamese: the shared network's batch must be 2B"
    );
}

impl<M, Item, Out, const B: usize, const B2: usize> Module for Siamese<M, Item, Out, B, B2>
where
    M: Module<Input = [Item; B2], Output = [Out; B2]>,
    Item: Tensor,
    Out: Tensor,
{
    type Input = [[Item; 2]; B];
    type Output = [[Out; 2]; B];
    const PARAMS: usize = M::PARAMS;
    const MACS: usize = M::MACS;
    const BACKWARD_MACS: usize = M::BACKWARD_MACS;
    const BACKWARD_MACS_FIRST: usize = M::BACKWARD_MACS_FIRST;

    fn forward<'a>(&'a mut self, input: &'a Self::Input) -> &'a Self::Output {
        let () = Self::SHAPE_CHECK;
        reshape(self.net.forward(reshape(input)))
    }

    fn output<'a>(&'a self, input: &'a Self::Input) -> &'a Self::Output {
        reshape(self.net.output(reshape(input)))
    }

    fn backward(
        &mut self,
        input: &Self::Input,
        grad_output: &Self::Output,
        grad_input: Option<&mut Self::Input>,
    ) {
        let grad_input = grad_input.map(reshape_mut::<_, M::Input>);
        self.net
            .backward(reshape(input), reshape(grad_output), grad_input);
    }

    fn visit_params(&mut self, visit: &mut dyn FnMut(&mut [f32], &mut [f32])) {
        self.net.visit_params(visit);
    }

    fn visit_buffers(&mut self, visit: &mut dyn FnMut(&mut [f32])) {
        self.net.visit_buffers(visit);
    }

    fn describe(&self, path: &mut Path, visit: &mut DescribeFn<'_>) {
        path.layer(|path| path.field("net", |path| self.net.describe(path, visit)));
    }

    fn init<R: Rng + ?Sized>(&mut self, scheme: Init, rng: &mut R) {
        self.net.init(scheme, rng);
    }

    fn set_mode(&mut self, mode: Mode) {
        self.net.set_mode(mode);
    }
}

/// Two separate networks, `first` on the first item of every pair and `second` on the
/// second: the no-sharing counterpart of [`Siamese`], with twice the parameters when both
/// have the same shape. Owns the split inputs and the gradients it routes.
pub struct Twin<M1, M2, Item, Out, const B: usize>
where
    M1: Module<Input = [Item; B], Output = [Out; B]>,
    M2: Module<Input = [Item; B], Output = [Out; B]>,
    Item: Tensor,
    Out: Tensor,
{
    /// The network for the first item.
    pub first: M1,
    /// The network for the second item.
    pub second: M2,
    split_input: [[Item; B]; 2],
    split_grad: [[Out; B]; 2],
    split_grad_input: [[Item; B]; 2],
    output: [[Out; 2]; B],
}

// SAFETY: Zeroable modules and tensors.
unsafe impl<M1, M2, Item, Out, const B: usize> Zeroable for Twin<M1, M2, Item, Out, B>
where
    M1: Module<Input = [Item; B], Output = [Out; B]>,
    M2: Module<Input = [Item; B], Output = [Out; B]>,
    Item: Tensor,
    Out: Tensor,
{
}

impl<M1, M2, Item, Out, const B: usize> Module for Twin<M1, M2, Item, Out, B>
where
    M1: Module<Input = [Item; B], Output = [Out; B]>,
    M2: Module<Input = [Item; B], Output = [Out; B]>,
    Item: Tensor,
    Out: Tensor,
{
    type Input = [[Item; 2]; B];
    type Output = [[Out; 2]; B];
    const PARAMS: usize = M1::PARAMS + M2::PARAMS;
    const MACS: usize = M1::MACS + M2::MACS;
    const BACKWARD_MACS: usize = M1::BACKWARD_MACS + M2::BACKWARD_MACS;
    const BACKWARD_MACS_FIRST: usize = M1::BACKWARD_MACS_FIRST + M2::BACKWARD_MACS_FIRST;

    fn forward<'a>(&'a mut self, input: &'a Self::Input) -> &'a Self::Output {
        for (i, pair) in input.iter().enumerate() {
            self.split_input[0][i] = pair[0];
            self.split_input[1][i] = pair[1];
        }
        let first = self.first.forward(&self.split_input[0]);
        let second = self.second.forward(&self.split_input[1]);
        for ((out, a), b) in self.output.iter_mut().zip(first).zip(second) {
            *out = [*a, *b];
        }
        &self.output
    }

    fn output<'a>(&'a self, _input: &'a Self::Input) -> &'a Self::Output {
        &self.output
    }

    fn backward(
        &mut self,
        _input: &Self::Input,
        grad_output: &Self::Output,
        grad_input: Option<&mut Self::Input>,
    ) {
        for (i, g) in grad_output.iter().enumerate() {
            self.split_grad[0][i] = g[0];
            self.split_grad[1][i] = g[1];
        }
        let want = grad_input.is_some();
        let [gi_first, gi_second] = &mut self.split_grad_input;
        self.first.backward(
            &self.split_input[0],
            &self.split_grad[0],
            want.then_some(gi_first),
        );
        self.second.backward(
            &self.split_input[1],
            &self.split_grad[1],
            want.then_some(gi_second),
        );
        if let Some(grad_input) = grad_input {
            for (i, gi) in grad_input.iter_mut().enumerate() {
                *gi = [self.split_grad_input[0][i], self.split_grad_input[1][i]];
            }
        }
    }

    fn visit_params(&mut self, visit: &mut dyn FnMut(&mut [f32], &mut [f32])) {
        self.first.visit_params(visit);
        self.second.visit_params(visit);
    }

    fn visit_buffers(&mut self, visit: &mut dyn FnMut(&mut [f32])) {
        self.first.visit_buffers(visit);
        self.second.visit_buffers(visit);
    }

    fn describe(&self, path: &mut Path, visit: &mut DescribeFn<'_>) {
        path.layer(|path| {
            path.field("first", |path| self.first.describe(path, visit));
            path.field("second", |path| self.second.describe(path, visit));
        });
    }

    fn init<R: Rng + ?Sized>(&mut self, scheme: Init, rng: &mut R) {
        self.first.init(scheme, rng);
        self.second.init(scheme, rng);
    }

    fn set_mode(&mut self, mode: Mode) {
        self.first.set_mode(mode);
        self.second.set_mode(mode);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::{assert_gradients, rng};
    use crate::{Batch, Linear, Relu, Seq};

    type Tower<const N: usize> = Seq![Linear<3, 4, N>, Relu<Batch<N, 4>>, Linear<4, 2, N>];

    #[test]
    fn siamese_applies_one_network_to_both_items() {
        let mut r = rng(80);
        let mut s = Siamese::<Tower<6>, [f32; 3], [f32; 2], 3, 6>::zeroed();
        s.init(Init::PyTorchDefault, &mut r);
        let x = [[[0.1, 0.2, 0.3], [0.4, -0.5, 0.6]]; 3];
        let y = *s.forward(&x);
        // Same weights, items in swapped order: outputs swap.
        let mut swapped = x;
        swapped.iter_mut().for_each(|p| p.swap(0, 1));
        let y2 = *s.forward(&swapped);
        assert_eq!(y[0][0], y2[0][1]);
        assert_eq!(y[0][1], y2[0][0]);
        assert_eq!(
            Siamese::<Tower<6>, [f32; 3], [f32; 2], 3, 6>::PARAMS,
            16 + 10
        );
    }

    #[test]
    fn siamese_gradient_accumulates_both_uses() {
        let mut r = rng(81);
        let mut s = Siamese::<Tower<4>, [f32; 3], [f32; 2], 2, 4>::zeroed();
        s.init(Init::PyTorchDefault, &mut r);
        assert_gradients(&mut s, &mut r);
    }

    #[test]
    fn twin_has_separate_weights_and_correct_gradients() {
        let mut r = rng(82);
        let mut t = Twin::<Tower<3>, Tower<3>, [f32; 3], [f32; 2], 3>::zeroed();
        t.init(Init::PyTorchDefault, &mut r);
        assert_eq!(
            Twin::<Tower<3>, Tower<3>, [f32; 3], [f32; 2], 3>::PARAMS,
            2 * 26
        );
        let x = [[[0.1, 0.2, 0.3], [0.1, 0.2, 0.3]]; 3];
        let y = t.forward(&x);
        assert_ne!(y[0][0], y[0][1], "same item, different networks");
        assert_gradients(&mut t, &mut r);
    }
}

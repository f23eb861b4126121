//! The module abstraction of the handout (`forward`, `backward`, `param`), in Rust.

use crate::init::Init;
use crate::io::names::{DescribeFn, Path};
use crate::tensor::{Tensor, Zeroable};
use rand_core::Rng;

/// Whether stochastic and batch-statistics layers behave as in training or as in inference.
///
/// `Train` is the zero value, so a freshly zeroed network is in training mode, like a
/// freshly built PyTorch module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum Mode {
    /// Dropout drops, batch norm uses (and records) batch statistics.
    #[default]
    Train = 0,
    /// Dropout is the identity, batch norm uses its running statistics.
    Eval = 1,
}

// SAFETY: `Mode` is a `repr(u8)` enum whose zero discriminant (`Train`) exists.
unsafe impl Zeroable for Mode {}

/// A differentiable layer with fixed input and output shapes (batch size included).
///
/// The life of a training step:
/// 1. [`forward`](Module::forward) computes the output and keeps in the module whatever the
///    backward pass needs (the output itself, pooling winners, dropout masks, ...);
/// 2. [`backward`](Module::backward) receives the *same* input again plus dL/d(output),
///    **adds** dL/d(parameters) into the parameter gradients, and writes dL/d(input) if the
///    caller asks for it.
///
/// The input is passed to `backward` rather than copied during `forward` because the caller
/// owns it anyway (the training batch, or the previous layer's output): keeping a copy would
/// double the activation memory. The first layer of a network is called with
/// `grad_input: None`, which skips the most expensive gradient nobody needs.
///
/// Outputs live inside the module that produced them and are returned by reference, so a
/// forward pass allocates nothing and copies nothing between layers.
pub trait Module: Zeroable {
    /// The input batch, e.g. [`Batch<B, I>`](crate::Batch).
    type Input: Tensor;
    /// The output batch.
    type Output: Tensor;
    /// Number of trainable scalars; optimiser state is sized from it at compile time.
    const PARAMS: usize = 0;
    /// Multiply-adds of one forward pass over the whole batch, counted from the shapes
    /// (a convolution counts all `K x K` taps, padding included). Element-wise layers,
    /// pooling, normalisation and reshapes count 0: they are memory-bound, not arithmetic.
    const MACS: usize = 0;
    /// Multiply-adds of one backward pass that also computes the input gradient.
    const BACKWARD_MACS: usize = 0;
    /// Multiply-adds of one backward pass without the input gradient, as a network's first
    /// layer runs it (`grad_input: None`).
    const BACKWARD_MACS_FIRST: usize = Self::BACKWARD_MACS;

    /// Computes the output for `input`, keeping what `backward` will need.
    fn forward<'a>(&'a mut self, input: &'a Self::Input) -> &'a Self::Output;

    /// The output of the last `forward`, which was given `input`. (Reshaping layers return
    /// a view of `input` instead of storing a copy, hence the argument.)
    fn output<'a>(&'a self, input: &'a Self::Input) -> &'a Self::Output;

    /// Back-propagates `grad_output` (dL/d(output)) through the last `forward`, which was
    /// given `input`: adds dL/d(parameters) to the parameter gradients and, when
    /// `grad_input` is given, overwrites it with dL/d(input).
    fn backward(
        &mut self,
        input: &Self::Input,
        grad_output: &Self::Output,
        grad_input: Option<&mut Self::Input>,
    );

    /// Calls `visit(parameter, gradient)` for every parameter tensor, in a fixed order (the
    /// handout's `param()`). Parameterless modules visit nothing.
    fn visit_params(&mut self, _visit: &mut dyn FnMut(&mut [f32], &mut [f32])) {}

    /// Calls `visit(buffer)` for every tensor of non-trainable state that inference needs
    /// (batch norm's running statistics), in a fixed order. Saved with the parameters.
    fn visit_buffers(&mut self, _visit: &mut dyn FnMut(&mut [f32])) {}

    /// Calls `visit(path, spec)` for every tensor, with the name and layout PyTorch gives
    /// it ([`names`](crate::io::names)): the parameters in `visit_params` order and the
    /// buffers in `visit_buffers` order. A layer without tensors takes its index in the
    /// chain and visits nothing (the default); chains and layers holding networks say how
    /// they nest.
    fn describe(&self, path: &mut Path, _visit: &mut DescribeFn<'_>) {
        path.layer(|_| {});
    }

    /// Draws fresh parameters with `scheme` (biases follow the scheme's rule) and clears
    /// any state left from training (gradients, running statistics).
    fn init<R: Rng + ?Sized>(&mut self, _scheme: Init, _rng: &mut R) {}

    /// Switches between training and inference behaviour.
    fn set_mode(&mut self, _mode: Mode) {}

    /// Sets every parameter gradient to zero.
    fn zero_grad(&mut self) {
        self.visit_params(&mut |_, grad| grad.fill(0.0));
    }
}

/// Multiply-adds of one training step of `M` as the first (or only) module of a network:
/// the forward pass, then the backward pass without the input gradient. One multiply-add is
/// two floating-point operations.
pub const fn training_macs<M: Module>() -> usize {
    M::MACS + M::BACKWARD_MACS_FIRST
}

/// Number of trainable scalars of `M`, as a `const fn` for use in array lengths.
pub const fn param_count<M: Module>() -> usize {
    M::PARAMS
}

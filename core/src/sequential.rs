//! Sequential composition whose layer shapes must chain at compile time.

use crate::init::Init;
use crate::io::names::{DescribeFn, Path};
use crate::module::{Mode, Module};
use crate::tensor::{Tensor, Zeroable};
use rand_core::Rng;

/// `First` followed by `Then`. `Then`'s input type must be `First`'s output type, so a
/// network whose shapes do not chain does not compile. Longer chains nest; the
/// [`Seq!`](macro@crate::Seq) macro writes the nesting for you.
///
/// The only buffer a `Seq` owns is the gradient at the junction of its two halves.
#[cfg_attr(cache_lines, repr(C, align(64)))] // See `crate::layers`, "Alignment".
pub struct Seq<First: Module, Then: Module<Input = First::Output>> {
    /// The first module.
    pub first: First,
    /// The module fed by `first`'s output.
    pub then: Then,
    junction_grad: First::Output,
}

// SAFETY: every field is Zeroable (modules by the Module bound, the junction is a tensor).
unsafe impl<A: Module, B: Module<Input = A::Output>> Zeroable for Seq<A, B> {}

impl<A: Module, B: Module<Input = A::Output>> Module for Seq<A, B> {
    type Input = A::Input;
    type Output = B::Output;
    const PARAMS: usize = A::PARAMS + B::PARAMS;
    const MACS: usize = A::MACS + B::MACS;
    const BACKWARD_MACS: usize = A::BACKWARD_MACS + B::BACKWARD_MACS;
    /// The second half always computes its input gradient (the first half needs it).
    const BACKWARD_MACS_FIRST: usize = A::BACKWARD_MACS_FIRST + B::BACKWARD_MACS;

    fn forward<'a>(&'a mut self, input: &'a A::Input) -> &'a B::Output {
        let middle = self.first.forward(input);
        self.then.forward(middle)
    }

    fn output<'a>(&'a self, input: &'a A::Input) -> &'a B::Output {
        self.then.output(self.first.output(input))
    }

    fn backward(
        &mut self,
        input: &A::Input,
        grad_output: &B::Output,
        grad_input: Option<&mut A::Input>,
    ) {
        let middle = self.first.output(input);
        self.then
            .backward(middle, grad_output, Some(&mut self.junction_grad));
        self.first.backward(input, &self.junction_grad, grad_input);
    }

    fn visit_params(&mut self, visit: &mut dyn FnMut(&mut [f32], &mut [f32])) {
        self.first.visit_params(visit);
        self.then.visit_params(visit);
    }

    fn visit_buffers(&mut self, visit: &mut dyn FnMut(&mut [f32])) {
        self.first.visit_buffers(visit);
        self.then.visit_buffers(visit);
    }

    /// A chain is flat: both halves number their layers in the same sequence.
    fn describe(&self, path: &mut Path, visit: &mut DescribeFn<'_>) {
        self.first.describe(path, visit);
        self.then.describe(path, visit);
    }

    fn init<R: Rng + ?Sized>(&mut self, scheme: Init, rng: &mut R) {
        self.first.init(scheme, rng);
        self.then.init(scheme, rng);
    }

    fn set_mode(&mut self, mode: Mode) {
        self.first.set_mode(mode);
        self.then.set_mode(mode);
    }
}

impl<A: Module, B: Module<Input = A::Output>> Seq<A, B> {
    /// As [`Module::backward`], with `extra` added to the gradient at the junction: for a
    /// loss that also depends on `first`'s output (auxiliary losses).
    pub fn backward_adding(
        &mut self,
        input: &A::Input,
        grad_output: &B::Output,
        extra: &A::Output,
        grad_input: Option<&mut A::Input>,
    ) {
        let middle = self.first.output(input);
        self.then
            .backward(middle, grad_output, Some(&mut self.junction_grad));
        let junction = self.junction_grad.flat_mut().iter_mut().zip(extra.flat());
        junction.for_each(|(g, &e)| *g += e);
        self.first.backward(input, &self.junction_grad, grad_input);
    }
}

/// The type of a chain of modules: `Seq![A, B, C]` is `Seq<A, Seq<B, C>>`.
///
/// ```
/// use minidl::{Batch, Linear, Module, Relu, Seq, Zeroable};
/// type Net = Seq![Linear<2, 8, 4>, Relu<Batch<4, 8>>, Linear<8, 1, 4>];
/// let mut net = Net::zeroed();
/// assert_eq!(Net::PARAMS, 2 * 8 + 8 + 8 + 1);
/// let y: &Batch<4, 1> = net.forward(&[[1.0, 2.0]; 4]);
/// ```
///
/// Shapes that do not chain are rejected by the compiler:
///
/// ```compile_fail
/// use minidl::{Batch, Linear, Module, Relu, Seq, Zeroable};
/// type Net = Seq![Linear<2, 8, 4>, Relu<Batch<4, 9>>];
/// let net = Net::zeroed();
/// ```
#[macro_export]
macro_rules! Seq {
    ($only:ty $(,)?) => { $only };
    ($first:ty, $($rest:ty),+ $(,)?) => { $crate::Seq<$first, $crate::Seq![$($rest),+]> };
}

#[cfg(test)]
mod tests {
    use crate::gradcheck::{assert_gradients, rng};
    use crate::{Batch, Init, Linear, Module, Relu, Sigmoid, Tanh, Zeroable};

    type Net = Seq![
        Linear<3, 6, 4>,
        Relu<Batch<4, 6>>,
        Linear<6, 5, 4>,
        Tanh<Batch<4, 5>>,
        Linear<5, 2, 4>,
        Sigmoid<Batch<4, 2>>,
    ];

    #[test]
    fn whole_network_gradient() {
        let mut r = rng(30);
        let mut net = Net::zeroed();
        net.init(Init::XavierUniform, &mut r);
        let report = assert_gradients(&mut net, &mut r);
        assert_eq!(report.checked, 4 * 3 + Net::PARAMS);
    }

    #[test]
    fn multiply_adds_add_up_and_the_first_layer_skips_its_input_gradient() {
        // Linear layers only: 4 x (3x6 + 6x5 + 5x2) forward.
        assert_eq!(Net::MACS, 4 * (18 + 30 + 10));
        // Weight gradients of all three, input gradients of the last two.
        assert_eq!(Net::BACKWARD_MACS_FIRST, 4 * (18 + 30 + 10) + 4 * (30 + 10));
        assert_eq!(crate::training_macs::<Net>(), 4 * (2 * 58 + 40));
    }

    #[test]
    fn params_visited_in_order() {
        let mut net = Net::zeroed();
        let mut lengths = [0usize; 6];
        let mut n = 0;
        net.visit_params(&mut |v, g| {
            assert_eq!(v.len(), g.len());
            lengths[n] = v.len();
            n += 1;
        });
        assert_eq!(lengths, [18, 6, 30, 5, 10, 2]);
    }
}

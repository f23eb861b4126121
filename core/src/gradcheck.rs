//! Checks a module's hand-written backward pass against central finite differences.
//!
//! The scalar being differentiated is `L = sum_k w_k * y_k` over the module's outputs `y`,
//! with fixed random weights `w`, so dL/dy = w exercises every output at once. Each input
//! element and each parameter is moved by `±EPS` and `(L+ - L-) / (2 EPS)` is compared with
//! the analytic gradient. `L` is summed in f64 so that the f32 forward pass's own rounding
//! is the only noise; with `EPS = 5e-3` that noise stays near 1e-5, far below the tolerance
//! `|analytic - numeric| <= 1e-2 * max(|analytic|, |numeric|) + 2e-3`.
//!
//! Everything lives on the stack, so this is meant for small shapes (as in tests).

use crate::module::Module;
use crate::rand::uniform;
use crate::tensor::{Tensor, Zeroable};
use rand_core::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Step of the central differences.
pub const EPS: f32 = 5e-3;
/// Relative part of the tolerance.
pub const RELATIVE_TOLERANCE: f32 = 1e-2;
/// Absolute part of the tolerance.
pub const ABSOLUTE_TOLERANCE: f32 = 2e-3;

/// Where the worst disagreement was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Location {
    /// Nothing was checked.
    #[default]
    Nowhere,
    /// Flat index into the input.
    Input(usize),
    /// Flat index into the parameters, in `visit_params` order.
    Param(usize),
}

/// Outcome of [`check_gradients`].
#[derive(Clone, Copy, Debug, Default)]
pub struct GradReport {
    /// Number of scalar derivatives compared.
    pub checked: usize,
    /// Largest `|analytic - numeric| / tolerance`; at most 1 means every check passed.
    pub worst_ratio: f32,
    /// Where `worst_ratio` occurred.
    pub worst_at: Location,
    /// Analytic and numeric derivative at `worst_at`.
    pub worst_pair: (f32, f32),
}

impl GradReport {
    fn record(&mut self, analytic: f32, numeric: f32, at: Location) {
        let tolerance = RELATIVE_TOLERANCE * analytic.abs().max(numeric.abs()) + ABSOLUTE_TOLERANCE;
        let ratio = (analytic - numeric).abs() / tolerance;
        self.checked += 1;
        // A NaN ratio (a NaN gradient) must count as the worst.
        if ratio.is_nan() || ratio > self.worst_ratio {
            self.worst_ratio = ratio;
            self.worst_at = at;
            self.worst_pair = (analytic, numeric);
        }
    }

    /// Whether every derivative was within tolerance.
    pub fn passed(&self) -> bool {
        self.checked > 0 && self.worst_ratio <= 1.0
    }
}

/// Calls `f(value, grad)` on the parameter with flat index `j` (in `visit_params` order).
pub fn with_param<M: Module>(module: &mut M, j: usize, mut f: impl FnMut(&mut f32, &mut f32)) {
    let mut offset = 0;
    module.visit_params(&mut |values, grads| {
        if (offset..offset + values.len()).contains(&j) {
            f(&mut values[j - offset], &mut grads[j - offset]);
        }
        offset += values.len();
    });
}

/// Compares `module`'s analytic gradients at `input` with central finite differences.
pub fn check_gradients<M: Module, R: Rng + ?Sized>(
    module: &mut M,
    input: &M::Input,
    rng: &mut R,
) -> GradReport {
    let mut weights = M::Output::zeroed();
    weights
        .flat_mut()
        .iter_mut()
        .for_each(|w| *w = uniform(rng, -1.0, 1.0));
    let objective = |m: &mut M, x: &M::Input| -> f64 {
        let y = m.forward(x).flat();
        y.iter()
            .zip(weights.flat())
            .map(|(&y, &w)| y as f64 * w as f64)
            .sum()
    };
    let central = |up: f64, down: f64| ((up - down) / (2.0 * EPS as f64)) as f32;

    module.zero_grad();
    module.forward(input);
    let mut grad_input = M::Input::zeroed();
    module.backward(input, &weights, Some(&mut grad_input));

    let mut report = GradReport::default();
    let mut x = *input;
    for k in 0..M::Input::LEN {
        let original = x.flat()[k];
        x.flat_mut()[k] = original + EPS;
        let up = objective(module, &x);
        x.flat_mut()[k] = original - EPS;
        let down = objective(module, &x);
        x.flat_mut()[k] = original;
        report.record(grad_input.flat()[k], central(up, down), Location::Input(k));
    }
    for j in 0..M::PARAMS {
        let (mut original, mut analytic) = (0.0, 0.0);
        with_param(module, j, |v, g| (original, analytic) = (*v, *g));
        with_param(module, j, |v, _| *v = original + EPS);
        let up = objective(module, input);
        with_param(module, j, |v, _| *v = original - EPS);
        let down = objective(module, input);
        with_param(module, j, |v, _| *v = original);
        report.record(analytic, central(up, down), Location::Param(j));
    }
    report
}

/// A random input whose elements avoid a band around zero (so that ReLU kinks are not
/// straddled by the finite differences), checked with [`check_gradients`]; panics with the
/// worst disagreement if any derivative is off.
pub fn assert_gradients<M: Module, R: Rng + ?Sized>(module: &mut M, rng: &mut R) -> GradReport {
    let mut input = M::Input::zeroed();
    for x in input.flat_mut() {
        let magnitude = uniform(rng, 0.05, 1.0);
        *x = if rng.next_u32() & 1 == 0 {
            magnitude
        } else {
            -magnitude
        };
    }
    let report = check_gradients(module, &input, rng);
    assert!(report.passed(), "gradient check failed: {report:?}");
    report
}

/// The generator used by the crate's tests.
pub fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Init, Linear};

    /// The checker itself must catch a wrong backward pass: here, a linear layer whose
    /// weight gradient is corrupted after backward.
    #[test]
    fn detects_a_wrong_gradient() {
        let mut r = rng(5);
        let mut l = Linear::<3, 2, 2>::new();
        l.init(Init::PyTorchDefault, &mut r);
        let input = [[0.5, -0.3, 0.8], [0.1, 0.9, -0.7]];
        let good = check_gradients(&mut l, &input, &mut r);
        assert!(good.passed(), "{good:?}");
        assert_eq!(good.checked, 6 + 3 * 2 + 2);

        struct Broken(Linear<3, 2, 2>);
        // SAFETY: wraps a Zeroable type.
        unsafe impl Zeroable for Broken {}
        impl Module for Broken {
            type Input = [[f32; 3]; 2];
            type Output = [[f32; 2]; 2];
            const PARAMS: usize = 8;
            fn forward<'a>(&'a mut self, x: &'a Self::Input) -> &'a Self::Output {
                self.0.forward(x)
            }
            fn output<'a>(&'a self, x: &'a Self::Input) -> &'a Self::Output {
                self.0.output(x)
            }
            fn backward(
                &mut self,
                x: &Self::Input,
                g: &Self::Output,
                gi: Option<&mut Self::Input>,
            ) {
                self.0.backward(x, g, gi);
                self.0.weight_grad[1][1] *= 1.1;
            }
            fn visit_params(&mut self, v: &mut dyn FnMut(&mut [f32], &mut [f32])) {
                self.0.visit_params(v)
            }
        }
        let bad = check_gradients(&mut Broken(l), &input, &mut r);
        assert!(!bad.passed());
        assert_eq!(bad.worst_at, Location::Param(3));
    }
}

//! Element-wise activations: ReLU, Tanh and Sigmoid, for any tensor shape.
//!
//! Each one works on the flat view of its tensor, so one definition serves vectors, images
//! and batches of either.

use crate::module::Module;
use crate::tensor::{Tensor, Zeroable};

macro_rules! activation {
    ($(#[$doc:meta])* $name:ident,
     forward: |$x:ident| $forward:expr,
     derivative: |$dx:ident, $dy:ident| $derivative:expr) => {
        $(#[$doc])*
        #[derive(Clone)]
        #[cfg_attr(cache_lines, repr(C, align(64)))] // See `crate::layers`, "Alignment".
        pub struct $name<T: Tensor> {
            output: T,
        }

        // SAFETY: one tensor field.
        unsafe impl<T: Tensor> Zeroable for $name<T> {}

        impl<T: Tensor> $name<T> {
            /// A new layer. Usable in `static` items via [`Zeroable`] zeroing.
            pub fn new() -> Self {
                Self::zeroed()
            }
        }

        impl<T: Tensor> Default for $name<T> {
            fn default() -> Self {
                Self::new()
            }
        }

        impl<T: Tensor> Module for $name<T> {
            type Input = T;
            type Output = T;

            fn forward<'a>(&'a mut self, input: &'a T) -> &'a T {
                for (y, &$x) in self.output.flat_mut().iter_mut().zip(input.flat()) {
                    *y = $forward;
                }
                &self.output
            }

            fn output<'a>(&'a self, _input: &'a T) -> &'a T {
                &self.output
            }

            fn backward(&mut self, input: &T, grad_output: &T, grad_input: Option<&mut T>) {
                let Some(grad_input) = grad_input else { return };
                let parts = input.flat().iter().zip(self.output.flat()).zip(grad_output.flat());
                for (gi, ((&$dx, &$dy), &g)) in grad_input.flat_mut().iter_mut().zip(parts) {
                    *gi = g * $derivative;
                }
            }
        }
    };
}

/// The ReLU of one value: `max(x, 0)`, and NaN for NaN.
#[inline(always)]
pub(super) fn relu(x: f32) -> f32 {
    if x > 0.0 || x.is_nan() {
        x
    } else {
        0.0
    }
}

/// The ReLU's derivative at `x`, 1 or 0 (0 at exactly 0). `relu(x) > 0` exactly when
/// `x > 0`, so the output gives the same slope as the input (what
/// [`MaxPool2dRelu`](crate::MaxPool2dRelu), which keeps only the output, relies on).
#[inline(always)]
pub(super) fn relu_slope(x: f32) -> f32 {
    if x > 0.0 {
        1.0
    } else {
        0.0
    }
}

activation!(
    /// `max(x, 0)`, and NaN for NaN (so that a diverging network shows it in its loss;
    /// `f32::max` would turn NaN into 0). The derivative at exactly 0 is taken as 0, as in
    /// PyTorch.
    Relu,
    forward: |x| relu(x),
    derivative: |x, _y| relu_slope(x)
);

activation!(
    /// `tanh(x)`; its derivative `1 - y^2` is read off the stored output.
    Tanh,
    forward: |x| crate::math::tanh::tanh(x),
    derivative: |_x, y| 1.0 - y * y
);

activation!(
    /// `1 / (1 + e^-x)`; its derivative `y (1 - y)` is read off the stored output.
    Sigmoid,
    forward: |x| 1.0 / (1.0 + libm::expf(-x)),
    derivative: |_x, y| y * (1.0 - y)
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::{assert_gradients, rng};

    #[test]
    fn nan_goes_through_relu() {
        let y = *Relu::<[f32; 3]>::new().forward(&[f32::NAN, -1.0, 2.0]);
        assert!(y[0].is_nan(), "NaN in, NaN out");
        assert_eq!(&y[1..], &[0.0, 2.0]);
    }

    #[test]
    fn known_values() {
        let x = [-2.0f32, 0.0, 0.5];
        assert_eq!(Relu::<[f32; 3]>::new().forward(&x), &[0.0, 0.0, 0.5]);
        let t = *Tanh::<[f32; 3]>::new().forward(&x);
        assert!((t[0] + 0.964_027_6).abs() < 1e-6 && t[1] == 0.0);
        let s = *Sigmoid::<[f32; 3]>::new().forward(&x);
        assert!((s[0] - 0.119_202_92).abs() < 1e-6 && s[1] == 0.5);
    }

    #[test]
    fn relu_gradient() {
        assert_gradients(&mut Relu::<[[f32; 6]; 3]>::new(), &mut rng(20));
    }

    #[test]
    fn tanh_gradient() {
        assert_gradients(&mut Tanh::<[[f32; 6]; 3]>::new(), &mut rng(21));
    }

    #[test]
    fn sigmoid_gradient() {
        assert_gradients(&mut Sigmoid::<[[[f32; 2]; 3]; 2]>::new(), &mut rng(22));
    }
}

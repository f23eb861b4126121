//! 2-D convolution (cross-correlation, stride 1, optional zero padding), channels last.
//!
//! Method: direct convolution in NHWC layout. For one output pixel the contribution of one
//! input scalar `x[iy][ix][ci]` is `x * weight[ky][kx][ci][..]`, a contiguous run of `CO`
//! output channels, so the innermost loop is an `axpy` over output channels with
//! independent lanes, which the compiler vectorises without an im2col buffer. The input
//! gradient is the transposed operation, a dot product over output channels.

use crate::init::Init;
use crate::kernels::{axpy, dot};
use crate::module::Module;
use crate::tensor::{Images, Tensor, Zeroable};
use rand_core::Rng;

/// A `K`x`K` convolution from `CI` to `CO` channels on batches of `B` images of `H`x`W`,
/// zero-padded by `P` on each side, producing `OH`x`OW` images.
///
/// `OH` and `OW` are given by the user (stable Rust cannot compute them in a type) and
/// checked when the layer is used: `OH = H + 2P - K + 1`, likewise for `OW`. A wrong value
/// is a compile-time error.
#[allow(clippy::type_complexity)]
pub struct Conv2d<
    const B: usize,
    const H: usize,
    const W: usize,
    const CI: usize,
    const CO: usize,
    const K: usize,
    const P: usize,
    const OH: usize,
    const OW: usize,
> {
    /// `weight[ky][kx][ci][co]`.
    pub weight: [[[[f32; CO]; CI]; K]; K],
    /// `bias[co]`.
    pub bias: [f32; CO],
    /// dL/d(weight), accumulated by `backward`.
    pub weight_grad: [[[[f32; CO]; CI]; K]; K],
    /// dL/d(bias), accumulated by `backward`.
    pub bias_grad: [f32; CO],
    output: Images<B, OH, OW, CO>,
}

// SAFETY: only f32 arrays.
unsafe impl<
        const B: usize,
        const H: usize,
        const W: usize,
        const CI: usize,
        const CO: usize,
        const K: usize,
        const P: usize,
        const OH: usize,
        const OW: usize,
    > Zeroable for Conv2d<B, H, W, CI, CO, K, P, OH, OW>
{
}

impl<
        const B: usize,
        const H: usize,
        const W: usize,
        const CI: usize,
        const CO: usize,
        const K: usize,
        const P: usize,
        const OH: usize,
        const OW: usize,
    > Conv2d<B, H, W, CI, CO, K, P, OH, OW>
{
    const SHAPE_CHECK: () = assert!(
        OH + K == H + 2 * P + 1 && OW + K == W + 2 * P + 1,
        "Conv2d output size must be H + 2P - K + 1 (and likewise for W)"
    );

    /// Input rows `iy` (and kernel rows `ky`) that output row `oy` reads, clipped to the image.
    #[inline(always)]
    fn taps(o: usize, size: usize) -> core::ops::Range<usize> {
        // Kernel tap k reads input o + k - P, valid when 0 <= o + k - P < size.
        let first = P.saturating_sub(o);
        let last = (size + P - o).min(K);
        first..last
    }
}

impl<
        const B: usize,
        const H: usize,
        const W: usize,
        const CI: usize,
        const CO: usize,
        const K: usize,
        const P: usize,
        const OH: usize,
        const OW: usize,
    > Module for Conv2d<B, H, W, CI, CO, K, P, OH, OW>
{
    type Input = Images<B, H, W, CI>;
    type Output = Images<B, OH, OW, CO>;
    const PARAMS: usize = K * K * CI * CO + CO;

    fn forward<'a>(&'a mut self, input: &'a Self::Input) -> &'a Self::Output {
        let () = Self::SHAPE_CHECK;
        for (image, out_image) in input.iter().zip(self.output.iter_mut()) {
            for (oy, out_row) in out_image.iter_mut().enumerate() {
                for (ox, out) in out_row.iter_mut().enumerate() {
                    *out = self.bias;
                    for ky in Self::taps(oy, H) {
                        let row = &image[oy + ky - P];
                        for kx in Self::taps(ox, W) {
                            let pixel = &row[ox + kx - P];
                            for (x, w) in pixel.iter().zip(&self.weight[ky][kx]) {
                                axpy(out, *x, w);
                            }
                        }
                    }
                }
            }
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
        mut grad_input: Option<&mut Self::Input>,
    ) {
        if let Some(gi) = grad_input.as_deref_mut() {
            gi.flat_mut().fill(0.0);
        }
        for (b, (image, grad_image)) in input.iter().zip(grad_output).enumerate() {
            for (oy, grad_row) in grad_image.iter().enumerate() {
                for (ox, g) in grad_row.iter().enumerate() {
                    axpy(&mut self.bias_grad, 1.0, g);
                    for ky in Self::taps(oy, H) {
                        let iy = oy + ky - P;
                        for kx in Self::taps(ox, W) {
                            let ix = ox + kx - P;
                            let pixel = &image[iy][ix];
                            for (x, wg) in pixel.iter().zip(&mut self.weight_grad[ky][kx]) {
                                axpy(wg, *x, g);
                            }
                            if let Some(gi) = grad_input.as_deref_mut() {
                                for (gx, w) in gi[b][iy][ix].iter_mut().zip(&self.weight[ky][kx]) {
                                    *gx += dot(w, g);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    fn visit_params(&mut self, visit: &mut dyn FnMut(&mut [f32], &mut [f32])) {
        visit(self.weight.flat_mut(), self.weight_grad.flat_mut());
        visit(&mut self.bias, &mut self.bias_grad);
    }

    fn init<R: Rng + ?Sized>(&mut self, scheme: Init, rng: &mut R) {
        scheme.fill(
            self.weight.flat_mut(),
            &mut self.bias,
            CI * K * K,
            CO * K * K,
            rng,
        );
        self.zero_grad();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::{assert_gradients, rng};

    #[test]
    fn known_values_single_channel() {
        // 3x3 input, 2x2 kernel, no padding -> 2x2 output.
        let mut conv = Conv2d::<1, 3, 3, 1, 1, 2, 0, 2, 2>::zeroed();
        conv.weight = [[[[1.0]], [[2.0]]], [[[3.0]], [[4.0]]]];
        conv.bias = [0.5];
        let input = [[
            [[1.0], [2.0], [3.0]],
            [[4.0], [5.0], [6.0]],
            [[7.0], [8.0], [9.0]],
        ]];
        let out = conv.forward(&input);
        // top-left: 1*1 + 2*2 + 4*3 + 5*4 = 37
        assert_eq!(out, &[[[[37.5], [47.5]], [[67.5], [77.5]]]]);
    }

    #[test]
    fn known_values_padding_and_channels() {
        // 2x2 input with 2 channels, 3x3 kernel, padding 1 -> 2x2 output, 1 channel.
        let mut conv = Conv2d::<1, 2, 2, 2, 1, 3, 1, 2, 2>::zeroed();
        // Only the centre tap and channel 1 are non-zero: output = 10 * channel 1.
        conv.weight[1][1][1][0] = 10.0;
        // The tap right of centre on channel 0: output(y, x) += input(y, x + 1)[0].
        conv.weight[1][2][0][0] = 1.0;
        let input = [[[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]]];
        let out = conv.forward(&input);
        assert_eq!(out, &[[[[20.0 + 3.0], [40.0]], [[60.0 + 7.0], [80.0]]]]);
    }

    #[test]
    fn gradient_no_padding() {
        let mut r = rng(50);
        let mut conv = Conv2d::<2, 5, 4, 2, 3, 3, 0, 3, 2>::zeroed();
        conv.init(Init::PyTorchDefault, &mut r);
        assert_gradients(&mut conv, &mut r);
    }

    #[test]
    fn gradient_with_padding() {
        let mut r = rng(51);
        let mut conv = Conv2d::<2, 4, 3, 2, 2, 3, 1, 4, 3>::zeroed();
        conv.init(Init::HeNormal, &mut r);
        assert_gradients(&mut conv, &mut r);
    }

    #[test]
    fn parameter_count_of_the_reference_convnet_layers() {
        assert_eq!(Conv2d::<1, 14, 14, 2, 32, 3, 0, 12, 12>::PARAMS, 608);
        assert_eq!(Conv2d::<1, 6, 6, 32, 64, 3, 0, 4, 4>::PARAMS, 18_496);
    }
}

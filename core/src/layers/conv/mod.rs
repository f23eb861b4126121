//! 2-D convolution (cross-correlation, stride 1, optional zero padding), channels last.
//!
//! Method: direct convolution in NHWC layout, written as one small matrix product per kernel
//! tap. For one output pixel the contribution of one input scalar `x[iy][ix][ci]` is
//! `x * weight[ky][kx][ci][..]`, a contiguous run of `CO` output channels, so the innermost
//! loop is an `axpy` over output channels with independent lanes; four output pixels are
//! computed together so that their accumulators stay in registers and each weight row is
//! loaded once for the four (a [`ger`](crate::kernels::ger) update per tap and channel).
//! The forward tiles and the geometry every pass shares are in `forward.rs`; the weight
//! gradient (`weight_gradient.rs`) keeps tiles of (tap row, input channel) rows by output
//! channels in registers over L1-sized chunks of the batch; the input gradient
//! (`input_gradient.rs`) uses the kernel transposed to `[ky][kx][co][ci]` and four input
//! pixels at a time.
//!
//! Why not im2col + a matrix product (`benches/kernels.rs`, conv2 32->64 forward at batch
//! 50, the same register-tiled product behind both): on an Intel Xeon with AVX-512 (before
//! the tiles followed the register file), im2col 106 GFLOP/s against 119 for the direct
//! kernel; on an AMD EPYC Zen 3 with AVX2 (tiles of 4 pixels x 16 channels), im2col 72
//! against 61 with LLVM's own vectorisation, 81 against 83 with the FMA intrinsics of
//! `axpy` and `ger`; on an Intel Xeon with AVX-512 (two 512-bit FMA units, 2026-12-04,
//! best of four runs per build), im2col 158-160 against 179-195 natively and 106-108
//! against 104-105 for the `x86-64-v3` (AVX2) build of the same code, a tie there. The
//! windows are already contiguous rows of `K * CI` floats in NHWC,
//! and im2col needs a buffer as large as the layer's input times `K * K` (0.9 MB for conv2 at
//! batch 50) and zeros for the padding, so the direct kernel stays on both for now; an
//! im2col path for unpadded layers on AVX2 would add the same terms in the same order.

use crate::init::Init;
use crate::io::names::{DescribeFn, Path, Shape, TensorSpec};
use crate::kernels::target;
use crate::module::Module;
use crate::tensor::{Images, Tensor, Zeroable};
use rand_core::Rng;

mod forward;
mod input_gradient;
mod weight_gradient;

/// A `K`x`K` convolution from `CI` to `CO` channels on batches of `B` images of `H`x`W`,
/// zero-padded by `P` on each side, producing `OH`x`OW` images.
///
/// `OH` and `OW` are given by the user (stable Rust cannot compute them in a type) and
/// checked when the layer is used: `OH = H + 2P - K + 1`, likewise for `OW`. A wrong value
/// is a compile-time error.
#[cfg_attr(cache_lines, repr(C, align(64)))] // See `crate::layers`, "Alignment".
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
    /// dL/d(weight), accumulated by `backward`.
    pub weight_grad: [[[[f32; CO]; CI]; K]; K],
    /// `weight` transposed to `[ky][kx][co][ci]`, refreshed by each backward pass.
    weight_t: [[[[f32; CI]; CO]; K]; K],
    output: Images<B, OH, OW, CO>,
    // The vectors last, so that they leave the kernels and images on cache lines.
    /// `bias[co]`.
    pub bias: [f32; CO],
    /// dL/d(bias), accumulated by `backward`.
    pub bias_grad: [f32; CO],
}

/// A convolution kernel, `[ky][kx][in][out]` (`[ky][kx][co][ci]` when transposed).
type Kernel<const IN: usize, const OUT: usize, const K: usize> = [[[[f32; OUT]; IN]; K]; K];

/// Output pixels of one row computed together by the blocked kernels. The same on every
/// target: it decides which pixels take the blocked path of the input gradient, whose sums
/// run in another order than the border path's, so changing it would change the bits. The
/// register budget is met by blocking channels instead.
const PIXELS: usize = 4;

/// Channels per block of the 4-pixel tiles (output channels in the forward pass, input
/// channels in the input gradient), from the register file: 64 with AVX-512 (16
/// accumulators), 16 with AVX2 (8 of its 16 registers), 16 with NEON, 4 on a Cortex-M4F.
const CHANNEL_BLOCK: usize = target::channel_block(PIXELS);

/// Channels per block of the forward pass's tiles of two images (`2 * PIXELS` rows of
/// accumulators): 32 with AVX-512, 8 with AVX2 or NEON.
const PAIR_CHANNEL_BLOCK: usize = target::channel_block(2 * PIXELS);

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
    > Module for Conv2d<B, H, W, CI, CO, K, P, OH, OW>
{
    type Input = Images<B, H, W, CI>;
    type Output = Images<B, OH, OW, CO>;
    const PARAMS: usize = K * K * CI * CO + CO;
    const MACS: usize = B * OH * OW * CO * CI * K * K;
    /// The weight gradient and the input gradient, each as costly as the forward pass.
    const BACKWARD_MACS: usize = 2 * Self::MACS;
    const BACKWARD_MACS_FIRST: usize = Self::MACS;

    fn forward<'a>(&'a mut self, input: &'a Self::Input) -> &'a Self::Output {
        let () = Self::SHAPE_CHECK;
        // Two images at a time where there are border pixels: those share each read of the
        // kernel (see `forward_images`). Without them the pairs share nothing and ran at half
        // the speed (AMD EPYC Zen 3, conv1 1->32 at 100 images: 134-149 us against 90 us).
        let parameters = (&self.weight, &self.bias);
        let one = |images: &[_; 1], outs: &mut [_; 1]| {
            Self::forward_images::<1>(parameters, images, outs)
        };
        if Self::HAS_BORDER_PIXELS || Self::TWO_IMAGE_TILES {
            forward::in_pairs(
                input,
                &mut self.output,
                |images, outs| Self::forward_images::<2>(parameters, images, outs),
                one,
            );
        } else {
            for (image, out) in input.iter().zip(self.output.iter_mut()) {
                one(core::array::from_ref(image), core::array::from_mut(out));
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
        grad_input: Option<&mut Self::Input>,
    ) {
        self.weight_gradient(input, grad_output);
        if let Some(grad_input) = grad_input {
            self.input_gradient(grad_output, grad_input);
        }
    }

    fn visit_params(&mut self, visit: &mut dyn FnMut(&mut [f32], &mut [f32])) {
        visit(self.weight.flat_mut(), self.weight_grad.flat_mut());
        visit(&mut self.bias, &mut self.bias_grad);
    }

    fn describe(&self, path: &mut Path, visit: &mut DescribeFn<'_>) {
        path.layer(|path| {
            visit(
                path,
                &TensorSpec::parameter("weight", Shape::conv(K, CI, CO)),
            );
            visit(path, &TensorSpec::parameter("bias", Shape::vector(CO)));
        });
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

    /// A freshly initialised convolution of type `C` passes the finite-difference check.
    fn check<C: Module>(seed: u64, init: Init) {
        let mut r = rng(seed);
        let mut conv = C::zeroed();
        conv.init(init, &mut r);
        assert_gradients(&mut conv, &mut r);
    }

    #[test]
    fn gradient_no_padding() {
        check::<Conv2d<2, 5, 4, 2, 3, 3, 0, 3, 2>>(50, Init::PyTorchDefault);
    }

    #[test]
    fn gradient_with_padding() {
        check::<Conv2d<2, 4, 3, 2, 2, 3, 1, 4, 3>>(51, Init::HeNormal);
    }

    /// The definition, written as plainly as possible, against the blocked kernels.
    #[allow(clippy::needless_range_loop)]
    fn reference<
        const H: usize,
        const W: usize,
        const CI: usize,
        const CO: usize,
        const OH: usize,
        const OW: usize,
    >(
        conv: &Conv2d<1, H, W, CI, CO, 3, 1, OH, OW>,
        x: &Images<1, H, W, CI>,
    ) -> Images<1, OH, OW, CO> {
        let mut out = Images::<1, OH, OW, CO>::zeroed();
        for oy in 0..OH {
            for ox in 0..OW {
                for co in 0..CO {
                    let mut sum = conv.bias[co];
                    for ky in 0..3 {
                        for kx in 0..3 {
                            let (iy, ix) = ((oy + ky) as isize - 1, (ox + kx) as isize - 1);
                            if iy < 0 || ix < 0 || iy >= H as isize || ix >= W as isize {
                                continue;
                            }
                            for ci in 0..CI {
                                sum += conv.weight[ky][kx][ci][co]
                                    * x[0][iy as usize][ix as usize][ci];
                            }
                        }
                    }
                    out[0][oy][ox][co] = sum;
                }
            }
        }
        out
    }

    #[test]
    fn blocked_kernel_matches_the_definition() {
        let mut r = rng(53);
        let mut conv = Conv2d::<1, 5, 11, 3, 5, 3, 1, 5, 11>::zeroed();
        conv.init(Init::PyTorchDefault, &mut r);
        let mut x = Images::<1, 5, 11, 3>::zeroed();
        x.flat_mut()
            .iter_mut()
            .for_each(|v| *v = crate::rand::uniform(&mut r, -1.0, 1.0));
        let expected = reference(&conv, &x);
        let got = conv.forward(&x);
        for (a, b) in got.flat().iter().zip(expected.flat()) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
    }

    #[test]
    fn gradient_through_blocked_and_border_pixels() {
        // Output width 9 with padding 1: column 0 and columns 5-8 take the single-pixel
        // path, columns 1-4 the blocked one.
        check::<Conv2d<2, 3, 9, 2, 3, 3, 1, 3, 9>>(54, Init::PyTorchDefault);
        // No padding, output width 6: one block and two single pixels per row.
        check::<Conv2d<1, 4, 8, 3, 2, 3, 0, 2, 6>>(56, Init::PyTorchDefault);
    }

    #[test]
    fn gradient_through_the_tiled_kernels() {
        // 16 input and output channels: the channel-tiled weight gradient and the
        // pixel-tiled input gradient, with padding (border pixels take the other paths)...
        check::<Conv2d<1, 3, 7, 16, 16, 3, 1, 3, 7>>(55, Init::PyTorchDefault);
        // ...and without.
        check::<Conv2d<2, 4, 8, 16, 16, 3, 0, 2, 6>>(57, Init::PyTorchDefault);
    }

    /// A batch of three images (a pair, then one alone), padding 1, against each image
    /// alone: outputs and input gradients to the bit.
    fn each_image_as_alone<
        const H: usize,
        const W: usize,
        const CI: usize,
        const CO: usize,
        const OH: usize,
        const OW: usize,
    >(
        seed: u64,
    ) {
        let mut r = rng(seed);
        let mut batch = Conv2d::<3, H, W, CI, CO, 3, 1, OH, OW>::zeroed();
        batch.init(Init::PyTorchDefault, &mut r);
        let mut alone = Conv2d::<1, H, W, CI, CO, 3, 1, OH, OW>::zeroed();
        (alone.weight, alone.bias) = (batch.weight, batch.bias);
        let mut x = Images::<3, H, W, CI>::zeroed();
        let mut g = Images::<3, OH, OW, CO>::zeroed();
        for v in x.flat_mut().iter_mut().chain(g.flat_mut()) {
            *v = crate::rand::uniform(&mut r, -1.0, 1.0);
        }
        let mut gi = Images::<3, H, W, CI>::zeroed();
        let out = *batch.forward(&x);
        batch.backward(&x, &g, Some(&mut gi));
        for n in 0..3 {
            let mut gi_alone = Images::<1, H, W, CI>::zeroed();
            let out_alone = *alone.forward(&[x[n]]);
            alone.backward(&[x[n]], &[g[n]], Some(&mut gi_alone));
            let pairs = [
                (out[n].flat(), out_alone[0].flat()),
                (gi[n].flat(), gi_alone[0].flat()),
            ];
            for (what, (together, apart)) in ["output", "input gradient"].iter().zip(pairs) {
                for (k, (a, b)) in together.iter().zip(apart).enumerate() {
                    assert_eq!(a.to_bits(), b.to_bits(), "{what}, image {n}, element {k}");
                }
            }
        }
    }

    #[test]
    fn images_computed_together_get_their_own_bits() {
        // Two images share the tiles where one image's are too few accumulators (8 input
        // channels, fewer than a channel block wherever there are vectors) and the
        // one-pixel path at the borders (padding 1; width 9: columns 0, 5-8).
        check::<Conv2d<3, 4, 7, 8, 3, 3, 1, 4, 7>>(58, Init::PyTorchDefault);
        each_image_as_alone::<5, 9, 8, 4, 5, 9>(59);
        // Wide enough for the channel-blocked versions of both.
        each_image_as_alone::<3, 7, 32, 64, 3, 7>(60);
    }

    #[test]
    fn parameter_count_of_the_reference_convnet_layers() {
        assert_eq!(Conv2d::<1, 14, 14, 2, 32, 3, 0, 12, 12>::PARAMS, 608);
        assert_eq!(Conv2d::<1, 6, 6, 32, 64, 3, 0, 4, 4>::PARAMS, 18_496);
    }
}

//! 2-D convolution (cross-correlation, stride 1, optional zero padding), channels last.
//!
//! Method: direct convolution in NHWC layout, written as one small matrix product per kernel
//! tap. For one output pixel the contribution of one input scalar `x[iy][ix][ci]` is
//! `x * weight[ky][kx][ci][..]`, a contiguous run of `CO` output channels, so the innermost
//! loop is an `axpy` over output channels with independent lanes; four output pixels are
//! computed together so that their accumulators stay in registers and each weight row is
//! loaded once for the four. The weight gradient keeps four input channels by all output
//! channels in registers over every pixel of the batch; the input gradient uses the kernel
//! transposed to `[ky][kx][co][ci]` and four input pixels at a time.
//!
//! Why not im2col + a matrix product: measured with the same register-tiled product
//! (`benches/kernels.rs`, conv2 forward at batch 50), copying the windows first ran at
//! 106 GFLOP/s against 119 GFLOP/s for the direct kernel: the windows are already
//! contiguous rows of `K * CI` floats in NHWC, so the copy only adds memory traffic (and a
//! buffer as large as the layer's input times `K * K`).

use crate::init::Init;
use crate::kernels::axpy;
use crate::module::Module;
use crate::tensor::{Image, Images, Tensor, Zeroable};
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
    /// `weight` transposed to `[ky][kx][co][ci]`, refreshed by each backward pass.
    weight_t: [[[[f32; CI]; CO]; K]; K],
    output: Images<B, OH, OW, CO>,
}

/// Output pixels of one row computed together by the blocked kernels: with 64 output
/// channels, 4 pixels are 16 AVX-512 accumulators, all kept in registers.
const PIXELS: usize = 4;

/// Input channels whose weight gradients are accumulated together by the tiled
/// weight-gradient kernel (with 64 output channels: 16 AVX-512 accumulators).
const MR_CHANNELS: usize = 4;

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

    /// Whether the PIXELS outputs starting at column `ox` are all inside the output and read
    /// only real (not padding) input columns, so the blocked kernel applies.
    #[inline(always)]
    fn block_is_interior(ox: usize) -> bool {
        ox + PIXELS <= OW && ox >= P && ox + PIXELS + K <= W + P + 1
    }

    /// dL/d(input): every output gradient is spread back over the input pixels its kernel
    /// read. The kernel is first transposed to `[ky][kx][co][ci]` so that the inner loop
    /// runs over input channels with independent lanes (an axpy into a register-resident
    /// accumulator) instead of one horizontal sum per input channel.
    fn input_gradient(
        &mut self,
        grad_output: &Images<B, OH, OW, CO>,
        grad_input: &mut Images<B, H, W, CI>,
    ) {
        for ky in 0..K {
            for kx in 0..K {
                for ci in 0..CI {
                    for co in 0..CO {
                        self.weight_t[ky][kx][co][ci] = self.weight[ky][kx][ci][co];
                    }
                }
            }
        }
        grad_input.flat_mut().fill(0.0);
        let tiled = CI.is_multiple_of(16) && CI <= 64;
        for (gi_image, grad_image) in grad_input.iter_mut().zip(grad_output) {
            for (oy, grad_row) in grad_image.iter().enumerate() {
                let mut ox = 0;
                while ox < OW {
                    if tiled && Self::block_is_interior(ox) {
                        // PIXELS input pixels by all CI channels in registers; each row of
                        // the transposed kernel is loaded once for the PIXELS of them.
                        let g: &[[f32; CO]; PIXELS] =
                            grad_row[ox..ox + PIXELS].try_into().expect("block");
                        for ky in Self::taps(oy, H) {
                            let gi_row = &mut gi_image[oy + ky - P];
                            for (kx, kernel) in self.weight_t[ky].iter().enumerate() {
                                let first = ox + kx - P;
                                let mut acc = [[0.0f32; CI]; PIXELS];
                                acc.copy_from_slice(&gi_row[first..first + PIXELS]);
                                for (co, wt) in kernel.iter().enumerate() {
                                    for (a, gj) in acc.iter_mut().zip(g) {
                                        axpy(a, gj[co], wt);
                                    }
                                }
                                gi_row[first..first + PIXELS].copy_from_slice(&acc);
                            }
                        }
                        ox += PIXELS;
                    } else {
                        self.input_gradient_pixel(&grad_row[ox], oy, ox, gi_image);
                        ox += 1;
                    }
                }
            }
        }
    }

    /// The input-gradient contribution of output pixel `(oy, ox)`.
    fn input_gradient_pixel(
        &self,
        g: &[f32; CO],
        oy: usize,
        ox: usize,
        gi_image: &mut Image<H, W, CI>,
    ) {
        for ky in Self::taps(oy, H) {
            for kx in Self::taps(ox, W) {
                // Four partial sums over interleaved output channels: four independent
                // chains of multiply-adds instead of one long dependent chain.
                let mut acc = [[0.0f32; CI]; 4];
                let pieces = g.chunks_exact(4).zip(self.weight_t[ky][kx].chunks_exact(4));
                for (gs, wts) in pieces {
                    for ((a, &gc), wt) in acc.iter_mut().zip(gs).zip(wts) {
                        axpy(a, gc, wt);
                    }
                }
                let rest = CO / 4 * 4;
                for (&gc, wt) in g[rest..].iter().zip(&self.weight_t[ky][kx][rest..]) {
                    axpy(&mut acc[0], gc, wt);
                }
                let target = &mut gi_image[oy + ky - P][ox + kx - P];
                for c in 0..CI {
                    target[c] += (acc[0][c] + acc[1][c]) + (acc[2][c] + acc[3][c]);
                }
            }
        }
    }

    /// Output rows (or columns) whose kernel tap `k` reads a real input row, not padding:
    /// `o + k - P` must lie in `0..size`.
    #[inline(always)]
    fn outputs_for_tap(k: usize, out: usize, size: usize) -> core::ops::Range<usize> {
        P.saturating_sub(k)..(size + P).saturating_sub(k).min(out)
    }

    /// dL/d(weight) as a matrix product per kernel tap: for tap `(ky, kx)`,
    /// `dW[ky][kx][ci][co] += sum over output pixels p of x(p shifted)[ci] * g(p)[co]`.
    /// `MR_CHANNELS` input channels by all `CO` output channels stay in registers while the
    /// loop runs over every pixel of the batch, so each gradient row is loaded and stored
    /// once per backward pass instead of once per pixel.
    fn weight_gradient_tiled(
        &mut self,
        input: &Images<B, H, W, CI>,
        grad_output: &Images<B, OH, OW, CO>,
    ) {
        for ky in 0..K {
            let rows = Self::outputs_for_tap(ky, OH, H);
            for kx in 0..K {
                let columns = Self::outputs_for_tap(kx, OW, W);
                for ci0 in (0..CI).step_by(MR_CHANNELS) {
                    let mut acc = [[0.0f32; CO]; MR_CHANNELS];
                    acc.copy_from_slice(&self.weight_grad[ky][kx][ci0..ci0 + MR_CHANNELS]);
                    for (image, grad_image) in input.iter().zip(grad_output) {
                        for oy in rows.clone() {
                            let in_row = &image[oy + ky - P];
                            for ox in columns.clone() {
                                let x = &in_row[ox + kx - P][ci0..ci0 + MR_CHANNELS];
                                let g = &grad_image[oy][ox];
                                for (a, &xr) in acc.iter_mut().zip(x) {
                                    axpy(a, xr, g);
                                }
                            }
                        }
                    }
                    self.weight_grad[ky][kx][ci0..ci0 + MR_CHANNELS].copy_from_slice(&acc);
                }
            }
        }
    }

    /// dL/d(weight) for shapes the tiled version does not cover, such as a 1- or 2-channel
    /// first layer: blocks of PIXELS outputs, whose output gradients stay in registers, so
    /// each weight-gradient row is loaded and stored once per block.
    fn weight_gradient_by_pixel(
        &mut self,
        input: &Images<B, H, W, CI>,
        grad_output: &Images<B, OH, OW, CO>,
    ) {
        for (image, grad_image) in input.iter().zip(grad_output) {
            for (oy, grad_row) in grad_image.iter().enumerate() {
                let mut ox = 0;
                while ox < OW {
                    let block = if Self::block_is_interior(ox) {
                        PIXELS
                    } else {
                        1
                    };
                    for ky in Self::taps(oy, H) {
                        let row = &image[oy + ky - P];
                        if block == PIXELS {
                            let g: &[[f32; CO]; PIXELS] =
                                grad_row[ox..ox + PIXELS].try_into().expect("block");
                            for (kx, grads) in self.weight_grad[ky].iter_mut().enumerate() {
                                let column = ox + kx - P;
                                for (ci, wg) in grads.iter_mut().enumerate() {
                                    let mut acc = *wg;
                                    for (j, gj) in g.iter().enumerate() {
                                        axpy(&mut acc, row[column + j][ci], gj);
                                    }
                                    *wg = acc;
                                }
                            }
                        } else {
                            for kx in Self::taps(ox, W) {
                                let pixel = &row[ox + kx - P];
                                for (x, wg) in pixel.iter().zip(&mut self.weight_grad[ky][kx]) {
                                    axpy(wg, *x, &grad_row[ox]);
                                }
                            }
                        }
                    }
                    ox += block;
                }
            }
        }
    }

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
                let rows = Self::taps(oy, H);
                let mut ox = 0;
                while ox < OW {
                    if Self::block_is_interior(ox) {
                        // PIXELS outputs at once: each weight row is loaded once and used
                        // PIXELS times, and the accumulators stay in registers.
                        let mut acc = [self.bias; PIXELS];
                        for ky in rows.clone() {
                            let row = &image[oy + ky - P];
                            for (kx, weights) in self.weight[ky].iter().enumerate() {
                                let column = ox + kx - P;
                                for (ci, w) in weights.iter().enumerate() {
                                    for (j, a) in acc.iter_mut().enumerate() {
                                        axpy(a, row[column + j][ci], w);
                                    }
                                }
                            }
                        }
                        out_row[ox..ox + PIXELS].copy_from_slice(&acc);
                        ox += PIXELS;
                    } else {
                        let mut acc = self.bias;
                        for ky in rows.clone() {
                            let row = &image[oy + ky - P];
                            for kx in Self::taps(ox, W) {
                                for (x, w) in row[ox + kx - P].iter().zip(&self.weight[ky][kx]) {
                                    axpy(&mut acc, *x, w);
                                }
                            }
                        }
                        out_row[ox] = acc;
                        ox += 1;
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
        grad_input: Option<&mut Self::Input>,
    ) {
        for g in grad_output.iter().flatten().flatten() {
            axpy(&mut self.bias_grad, 1.0, g);
        }
        if CI.is_multiple_of(MR_CHANNELS) && CO.is_multiple_of(16) && CO <= 64 {
            self.weight_gradient_tiled(input, grad_output);
        } else {
            self.weight_gradient_by_pixel(input, grad_output);
        }
        if let Some(grad_input) = grad_input {
            self.input_gradient(grad_output, grad_input);
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
            .for_each(|v| *v = crate::init::uniform(&mut r, -1.0, 1.0));
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

    #[test]
    fn parameter_count_of_the_reference_convnet_layers() {
        assert_eq!(Conv2d::<1, 14, 14, 2, 32, 3, 0, 12, 12>::PARAMS, 608);
        assert_eq!(Conv2d::<1, 6, 6, 32, 64, 3, 0, 4, 4>::PARAMS, 18_496);
    }
}

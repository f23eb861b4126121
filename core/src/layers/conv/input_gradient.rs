//! dL/d(input) of [`Conv2d`]: the kernel transposed to `[ky][kx][co][ci]`, four input
//! pixels at a time (several kernel rows at once where the input channels are few), with
//! the per-pixel version used at the borders.

use super::forward::in_pairs;
use super::{Conv2d, Kernel, CHANNEL_BLOCK, PIXELS};
use crate::kernels::target;
use crate::kernels::{axpy, map, transpose};
use crate::tensor::{Image, Images, Tensor};

/// Input channels a block of the one-pixel path takes for one image: four partial sums
/// per image, so 4 rows of accumulators.
const PIXEL_BLOCK_ONE: usize = target::channel_block(4);
/// The same for two images (8 rows of accumulators).
const PIXEL_BLOCK_TWO: usize = target::channel_block(8);

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
    /// dL/d(input): every output gradient is spread back over the input pixels its kernel
    /// read. The kernel is first transposed to `[ky][kx][co][ci]` so that the inner loop
    /// runs over input channels with independent lanes (an axpy into a register-resident
    /// accumulator) instead of one horizontal sum per input channel.
    pub(super) fn input_gradient(
        &mut self,
        grad_output: &Images<B, OH, OW, CO>,
        grad_input: &mut Images<B, H, W, CI>,
    ) {
        for (taps_t, taps) in self.weight_t.iter_mut().zip(&self.weight) {
            for (tap_t, tap) in taps_t.iter_mut().zip(taps) {
                transpose(tap_t, tap);
            }
        }
        grad_input.flat_mut().fill(0.0);
        // Two images at a time, each adding its terms in the same order as alone:
        // - at the border pixels, the one-pixel path reads the whole transposed kernel
        //   (`best`'s conv2: 72 KiB, more than the L1 cache) for every pixel; for two images
        //   it reads it once. Measured on AMD EPYC Zen 3 (AVX2), `best`'s conv2 (7x7, padded,
        //   3 of 7 columns on that path) at 100 images: input gradient 2950-3290 -> 2800-2830
        //   us (three images: no faster);
        // - with fewer input channels than a channel block (`tiny`'s conv2, 8), one image's
        //   tile is too few accumulators (4 with AVX2, and as many independent chains of
        //   multiply-adds: half the FMA units' rate), so the two share the tile: 71 -> 62 us
        //   (three images at once: 79 us, the accumulators spill). Where the registers
        //   hold them, three kernel rows of one image now fill the tile instead
        //   (`ROWS_AT_ONCE`; `tiny`'s conv2 with AVX2: 66-77 -> 40-41 us).
        in_pairs(
            grad_output,
            grad_input,
            |go, gi| self.input_gradient_images::<2>(go, gi),
            |go, gi| self.input_gradient_images::<1>(go, gi),
        );
    }

    /// The input gradients of `NI` images, pixel block by pixel block; each image adds its
    /// terms in the same order whatever `NI`.
    #[inline(always)]
    fn input_gradient_images<const NI: usize>(
        &self,
        grad_images: &[Image<OH, OW, CO>; NI],
        gi_images: &mut [Image<H, W, CI>; NI],
    ) {
        // Every branch below on a constant of the shape, as in the weight gradient's
        // `WEIGHT_LOOP`: only the tiles the shape takes are compiled.
        for oy in 0..OH {
            let mut ox = 0;
            while ox < OW {
                if Self::INPUT_TILES && (Self::NO_BORDER_PIXELS || Self::block_is_interior(ox)) {
                    // PIXELS input pixels by all CI channels (of NI images) in registers;
                    // each row of the transposed kernel is loaded once for all of them.
                    let g: [&[[f32; CO]; PIXELS]; NI] = map(grad_images.each_ref(), |image| {
                        image[oy][ox..ox + PIXELS].try_into().expect("block")
                    });
                    if Self::ONE_IMAGE_A_TILE {
                        // One image's tile fills the registers already: a channel block's,
                        // or that of several kernel rows of taps.
                        for (g, gi_image) in g.into_iter().zip(gi_images.iter_mut()) {
                            let (w, g, gi) = (&self.weight_t, [g], core::array::from_mut(gi_image));
                            if Self::WHOLE_CHANNEL_BLOCKS {
                                Self::input_gradient_block::<CHANNEL_BLOCK, 1, 1>(
                                    w,
                                    g,
                                    gi,
                                    (oy, ox),
                                );
                            } else if Self::THREE_ROWS_AT_ONCE {
                                Self::input_gradient_block::<CI, 1, 3>(w, g, gi, (oy, ox));
                            } else {
                                Self::input_gradient_block::<CI, 1, 2>(w, g, gi, (oy, ox));
                            }
                        }
                    } else {
                        Self::input_gradient_block::<CI, NI, 1>(
                            &self.weight_t,
                            g,
                            gi_images,
                            (oy, ox),
                        );
                    }
                    ox += PIXELS;
                } else {
                    let g = map(grad_images.each_ref(), |image| &image[oy][ox]);
                    self.input_gradient_pixel(g, oy, ox, gi_images);
                    ox += 1;
                }
            }
        }
    }

    /// Whether the input gradient's interior pixels take the tiles: it depends on `CI`
    /// only, never on the target, so every target adds the same terms in the same order.
    /// From 8 channels (it was 16 until `tiny`'s conv2, 8 -> 16, took the one-pixel path on
    /// a Cortex-M4 at 3.7 instructions per multiply-add; 1.6 tiled).
    const INPUT_TILES: bool = CI.is_multiple_of(8) && CI <= 64;

    /// Whether the input channels come in whole channel blocks, one image a tile.
    const WHOLE_CHANNEL_BLOCKS: bool = CI.is_multiple_of(CHANNEL_BLOCK);

    /// Whether one image fills a tile (whole channel blocks, or several kernel rows of
    /// taps), rather than two images sharing one.
    const ONE_IMAGE_A_TILE: bool = Self::WHOLE_CHANNEL_BLOCKS || Self::ROWS_AT_ONCE > 1;

    /// [`Self::ROWS_AT_ONCE`] is 3 (else 2, where one image fills a tile of `CI` channels).
    const THREE_ROWS_AT_ONCE: bool = Self::ROWS_AT_ONCE == 3;

    /// Kernel rows whose taps [`Self::input_gradient_block`] takes together on the tiled
    /// path for fewer input channels than a channel block (`CB = CI`, one image at a time):
    /// as many as the accumulators hold (3 with AVX2 for `tiny`'s conv2, 8 channels: 12
    /// registers), else 1 (two images then share the tile).
    const ROWS_AT_ONCE: usize = {
        let per_row = PIXELS * CI.div_ceil(target::LANES);
        if K >= 3 && 3 * per_row <= target::ACCUMULATORS {
            3
        } else if K >= 2 && 2 * per_row <= target::ACCUMULATORS {
            2
        } else {
            1
        }
    };

    /// The input-gradient contribution of the `PIXELS` output pixels from `(oy, ox)` of `NI`
    /// images: for each kernel tap, `NI x PIXELS` input pixels by `CB` input channels in
    /// registers, each row of the transposed kernel loaded once for all of them; the taps
    /// of `R` kernel rows at once (a remainder one row at a time). Every input element adds
    /// its terms tap by tap, output channel by output channel, whatever `CB`, `NI` and `R`.
    ///
    /// Kernel columns outside, rows inside: consecutive taps then update different input
    /// rows, so a tap need not wait for the stores of the one before (an input element
    /// takes all its taps of a block from one kernel row, in the order of `kx` either
    /// way). Measured on AMD EPYC Zen 3 (AVX2), input gradient at 100 images: the digit
    /// net's conv2 639-676 -> 633-637 us, `best`'s 2064-2213 -> 2020-2052 us.
    #[inline(always)]
    fn input_gradient_block<const CB: usize, const NI: usize, const R: usize>(
        weight_t: &Kernel<CO, CI, K>,
        g: [&[[f32; CO]; PIXELS]; NI],
        gi_images: &mut [Image<H, W, CI>; NI],
        (oy, ox): (usize, usize),
    ) {
        let taps = Self::taps(oy, H);
        for kx in 0..K {
            let mut ky = taps.start;
            while ky + R <= taps.end {
                Self::input_gradient_rows::<CB, NI, R>(weight_t, g, gi_images, (oy, ox), (ky, kx));
                ky += R;
            }
            while ky < taps.end {
                Self::input_gradient_rows::<CB, NI, 1>(weight_t, g, gi_images, (oy, ox), (ky, kx));
                ky += 1;
            }
        }
    }

    /// [`Self::input_gradient_block`]'s taps `(ky..ky + R, kx)`: `R` rows of `NI x PIXELS`
    /// input pixels by `CB` channels in registers. The output gradients' broadcasts serve
    /// the `R` rows (measured on AMD EPYC Zen 3 with AVX2, `tiny`'s conv2 input gradient at
    /// 100 images, two images and one row at a time against one image and three rows:
    /// 66-77 -> 40-41 us: 12 chains of multiply-adds instead of 8, 7 loads per 12 of them
    /// instead of 9 per 8).
    #[inline(always)]
    fn input_gradient_rows<const CB: usize, const NI: usize, const R: usize>(
        weight_t: &Kernel<CO, CI, K>,
        g: [&[[f32; CO]; PIXELS]; NI],
        gi_images: &mut [Image<H, W, CI>; NI],
        (oy, ox): (usize, usize),
        (ky, kx): (usize, usize),
    ) {
        let first = ox + kx - P;
        let y = oy + ky - P;
        for c0 in (0..CI).step_by(CB) {
            let mut acc = [[[[0.0f32; CB]; PIXELS]; NI]; R];
            for (r, acc) in acc.iter_mut().enumerate() {
                for (a, gi_image) in acc.iter_mut().zip(gi_images.iter()) {
                    for (a, gi) in a.iter_mut().zip(&gi_image[y + r][first..first + PIXELS]) {
                        a.copy_from_slice(&gi[c0..c0 + CB]);
                    }
                }
            }
            for co in 0..CO {
                let wt: [&[f32; CB]; R] = core::array::from_fn(|r| {
                    weight_t[ky + r][kx][co][c0..c0 + CB]
                        .try_into()
                        .expect("block")
                });
                for (i, g) in g.iter().enumerate() {
                    for (j, gj) in g.iter().enumerate() {
                        for (acc, wt) in acc.iter_mut().zip(&wt) {
                            axpy(&mut acc[i][j], gj[co], wt);
                        }
                    }
                }
            }
            for (r, acc) in acc.iter().enumerate() {
                for (a, gi_image) in acc.iter().zip(gi_images.iter_mut()) {
                    for (a, gi) in a.iter().zip(&mut gi_image[y + r][first..first + PIXELS]) {
                        gi[c0..c0 + CB].copy_from_slice(a);
                    }
                }
            }
        }
    }

    /// The input-gradient contribution of output pixel `(oy, ox)` of `NI` images, a block of
    /// input channels at a time (measured on the emulated Cortex-M4, `tiny`'s conv2 with 8
    /// input channels: all of them at once is 32 accumulators, which spill from its 32
    /// registers and made this path 17% of a training step's instructions).
    fn input_gradient_pixel<const NI: usize>(
        &self,
        g: [&[f32; CO]; NI],
        oy: usize,
        ox: usize,
        gi_images: &mut [Image<H, W, CI>; NI],
    ) {
        // (`NI` and the guards are constants: only the block the shape takes is compiled.)
        match NI {
            1 if Self::PIXEL_BLOCKS_OF_ONE => {
                self.input_gradient_pixel_block::<PIXEL_BLOCK_ONE, NI>(g, oy, ox, gi_images)
            }
            2 if Self::PIXEL_BLOCKS_OF_TWO => {
                self.input_gradient_pixel_block::<PIXEL_BLOCK_TWO, NI>(g, oy, ox, gi_images)
            }
            _ => self.input_gradient_pixel_block::<CI, NI>(g, oy, ox, gi_images),
        }
    }

    /// Whether one image's pixel takes blocks of input channels (else all `CI` at once).
    const PIXEL_BLOCKS_OF_ONE: bool = CI.is_multiple_of(PIXEL_BLOCK_ONE);

    /// Whether two images' pixel takes blocks of input channels (else all `CI` at once).
    const PIXEL_BLOCKS_OF_TWO: bool = CI.is_multiple_of(PIXEL_BLOCK_TWO);

    /// [`input_gradient_pixel`](Self::input_gradient_pixel), `CB` input channels at a time:
    /// every input element adds its terms in the same order whatever `CB` and `NI`.
    #[inline(always)]
    fn input_gradient_pixel_block<const CB: usize, const NI: usize>(
        &self,
        g: [&[f32; CO]; NI],
        oy: usize,
        ox: usize,
        gi_images: &mut [Image<H, W, CI>; NI],
    ) {
        let rest = CO / 4 * 4;
        for ky in Self::taps(oy, H) {
            for kx in Self::taps(ox, W) {
                let kernel = &self.weight_t[ky][kx];
                for c0 in (0..CI).step_by(CB) {
                    // Four partial sums over interleaved output channels: four independent
                    // chains of multiply-adds instead of one long dependent chain.
                    let mut acc = [[[0.0f32; CB]; 4]; NI];
                    for (q, wts) in kernel.chunks_exact(4).enumerate() {
                        for (acc, g) in acc.iter_mut().zip(&g) {
                            for ((a, &gc), wt) in acc.iter_mut().zip(&g[4 * q..4 * q + 4]).zip(wts)
                            {
                                axpy(a, gc, wt[c0..c0 + CB].try_into().expect("block"));
                            }
                        }
                    }
                    for (co, wt) in kernel.iter().enumerate().skip(rest) {
                        for (acc, g) in acc.iter_mut().zip(&g) {
                            axpy(
                                &mut acc[0],
                                g[co],
                                wt[c0..c0 + CB].try_into().expect("block"),
                            );
                        }
                    }
                    for (acc, gi_image) in acc.iter().zip(gi_images.iter_mut()) {
                        let target = &mut gi_image[oy + ky - P][ox + kx - P];
                        for (c, t) in target[c0..c0 + CB].iter_mut().enumerate() {
                            *t += (acc[0][c] + acc[1][c]) + (acc[2][c] + acc[3][c]);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::rng;
    use crate::rand::uniform;
    use crate::tensor::Zeroable;

    /// Taking the taps of several kernel rows at once gives every input element the bits
    /// of taking them a row at a time, at the padded borders (two taps a column) as inside.
    #[test]
    fn rows_of_taps_together_match_one_row_at_a_time() {
        type C = Conv2d<1, 6, 7, 8, 4, 3, 1, 6, 7>;
        let mut r = rng(61);
        let mut random = |t: &mut [f32]| t.iter_mut().for_each(|v| *v = uniform(&mut r, -1.0, 1.0));
        let mut weight_t = Kernel::<4, 8, 3>::zeroed();
        random(weight_t.flat_mut());
        let mut grad = Image::<6, 7, 4>::zeroed();
        random(grad.flat_mut());
        let mut start = [Image::<6, 7, 8>::zeroed()];
        random(start.flat_mut());
        let ox = 1;
        assert!(C::block_is_interior(ox));
        let same = |a: &[Image<6, 7, 8>; 1], b: &[Image<6, 7, 8>; 1]| {
            a.flat()
                .iter()
                .zip(b.flat())
                .all(|(x, y)| x.to_bits() == y.to_bits())
        };
        for (oy, grad_row) in grad.iter().enumerate() {
            let g = [grad_row[ox..ox + PIXELS].try_into().expect("block")];
            let (mut three, mut two, mut one) = (start, start, start);
            C::input_gradient_block::<8, 1, 3>(&weight_t, g, &mut three, (oy, ox));
            C::input_gradient_block::<8, 1, 2>(&weight_t, g, &mut two, (oy, ox));
            C::input_gradient_block::<8, 1, 1>(&weight_t, g, &mut one, (oy, ox));
            assert!(!same(&one, &start), "output row {oy} adds something");
            assert!(same(&three, &one), "output row {oy}, three rows at once");
            assert!(same(&two, &one), "output row {oy}, two rows at once");
        }
    }
}

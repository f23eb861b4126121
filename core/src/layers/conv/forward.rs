//! The forward pass of [`Conv2d`]: the geometry every pass shares (which outputs a block of
//! [`PIXELS`] covers, which kernel taps read real input rather than padding) and the tiles
//! of the forward pass, four output pixels at a time inside, one at a time at the borders.

use super::{Conv2d, Kernel, CHANNEL_BLOCK, PAIR_CHANNEL_BLOCK, PIXELS};
use crate::kernels::target;
use crate::kernels::{axpy, ger, map, opaque};
use crate::tensor::Image;

/// Output channels a block of the one-pixel path takes for two images: one accumulator row
/// per image (8 vectors of them with AVX2).
const PIXEL_PAIR_BLOCK: usize = target::channel_block(2);

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
    pub(super) const SHAPE_CHECK: () = assert!(
        OH + K == H + 2 * P + 1 && OW + K == W + 2 * P + 1,
        "Conv2d output size must be H + 2P - K + 1 (and likewise for W)"
    );

    /// Whether the forward pass's interior tiles take two images at once, with as many
    /// channels as the registers then hold ([`PAIR_CHANNEL_BLOCK`], or all `CO` if fewer):
    /// - where one image's tile has fewer accumulators than [`target::FMA_CHAINS`], the
    ///   independent chains of multiply-adds that keep the FMA units busy: `tiny`'s conv1
    ///   (8 channels, 4 pixels: 4 accumulators with AVX2 or AVX-512), and its conv2 with
    ///   AVX-512 (16 channels, one vector);
    /// - with AVX-512, where the kernel does not fit the L1 data cache. A 4-pixel tile of 64
    ///   channels then loads 256 bytes of kernel from L2 per 16 multiply-adds, 32 bytes a
    ///   cycle at two FMAs a cycle; two images halve that. Measured on an Intel Xeon
    ///   (AVX-512), best of runs, three alternations: the digit net's conv2 (32 -> 64, a 72
    ///   KiB kernel) 73-77 -> 75-82% of the peak, `best`'s conv2 80-81 -> 81-88%; the first
    ///   layers (1 or 2 -> 32, kernels of 1-2 KiB, 8 accumulators already), whose kernel
    ///   stays in L1, went from 77-84 to 62-78% and keep one image a tile. AVX2 would have 8
    ///   accumulators of one vector, as many loads as multiply-adds.
    pub(super) const TWO_IMAGE_TILES: bool = {
        let one_image_block = if CO.is_multiple_of(CHANNEL_BLOCK) {
            CHANNEL_BLOCK
        } else {
            CO
        };
        let few_chains = PIXELS * one_image_block.div_ceil(target::LANES) < target::FMA_CHAINS;
        let kernel_beyond_l1 = K * K * CI * CO * core::mem::size_of::<f32>() > 32 * 1024;
        let fits = CO.is_multiple_of(PAIR_CHANNEL_BLOCK) || CO < PAIR_CHANNEL_BLOCK;
        target::LANES > 1 && fits && (few_chains || (target::LANES == 16 && kernel_beyond_l1))
    };

    /// Whether some output column takes the one-pixel paths (next to the padding, or left
    /// over after the blocks of `PIXELS`), walking a row as the passes do.
    pub(super) const HAS_BORDER_PIXELS: bool = {
        let (mut ox, mut border) = (0, false);
        while ox < OW {
            if Self::block_is_interior(ox) {
                ox += PIXELS;
            } else {
                border = true;
                ox += 1;
            }
        }
        border
    };

    /// `!HAS_BORDER_PIXELS`, as a constant a branch can test: where it holds, the one-pixel
    /// paths are not compiled at all.
    pub(super) const NO_BORDER_PIXELS: bool = !Self::HAS_BORDER_PIXELS;

    /// Whether the PIXELS outputs starting at column `ox` are all inside the output and read
    /// only real (not padding) input columns, so the blocked kernel applies.
    #[inline(always)]
    pub(super) const fn block_is_interior(ox: usize) -> bool {
        ox + PIXELS <= OW && ox >= P && ox + PIXELS + K <= W + P + 1
    }

    /// The outputs of `NI` images, row by row: `PIXELS` pixels at a time inside, one at a
    /// time at the borders. The one-pixel path reads the whole kernel for each pixel
    /// (`best`'s conv2: 72 KiB, more than the L1 cache); with two images it reads it once for
    /// both. Every output adds its terms in the same order whatever `NI`. Measured on AMD
    /// EPYC Zen 3 (AVX2), `best`'s conv2 (7x7, padded, 3 of 7 columns one pixel at a time)
    /// at 100 images: 2290-2330 -> 2030-2230 us.
    #[inline(always)]
    pub(super) fn forward_images<const NI: usize>(
        (weight, bias): (&Kernel<CI, CO, K>, &[f32; CO]),
        images: &[Image<H, W, CI>; NI],
        outs: &mut [Image<OH, OW, CO>; NI],
    ) {
        for oy in 0..OH {
            let rows = Self::taps(oy, H);
            let mut ox = 0;
            while ox < OW {
                if Self::NO_BORDER_PIXELS || Self::block_is_interior(ox) {
                    let out_rows = map(outs.each_mut(), |out| &mut out[oy]);
                    Self::forward_blocks(
                        (weight, bias),
                        images.each_ref(),
                        out_rows,
                        (oy, ox),
                        rows.clone(),
                    );
                    ox += PIXELS;
                } else {
                    // One accumulator row per image: all CO channels for one image, half as
                    // many for two (the registers hold 8 vectors of them with AVX2).
                    let outs = map(outs.each_mut(), |out| &mut out[oy][ox]);
                    let at = (oy, ox, rows.clone());
                    match NI {
                        2 if Self::PIXEL_PAIRS_IN_BLOCKS => Self::forward_pixel::<
                            PIXEL_PAIR_BLOCK,
                            NI,
                        >(
                            (weight, bias), images, outs, at
                        ),
                        _ => Self::forward_pixel::<CO, NI>((weight, bias), images, outs, at),
                    }
                    ox += 1;
                }
            }
        }
    }

    /// Output pixel `(oy, ox)` of `NI` images, `CB` output channels at a time, from the
    /// bias, then the taps (reading real input rows `rows`) and input channels in order.
    #[inline(always)]
    fn forward_pixel<const CB: usize, const NI: usize>(
        (weight, bias): (&Kernel<CI, CO, K>, &[f32; CO]),
        images: &[Image<H, W, CI>; NI],
        mut outs: [&mut [f32; CO]; NI],
        (oy, ox, rows): (usize, usize, core::ops::Range<usize>),
    ) {
        for c0 in (0..CO).step_by(CB) {
            let bias: &[f32; CB] = bias[c0..c0 + CB].try_into().expect("block");
            let mut acc = [*bias; NI];
            for ky in rows.clone() {
                for kx in Self::taps(ox, W) {
                    for (ci, w) in weight[ky][kx].iter().enumerate() {
                        let w: &[f32; CB] = w[c0..c0 + CB].try_into().expect("block");
                        for (a, image) in acc.iter_mut().zip(images) {
                            axpy(a, image[oy + ky - P][ox + kx - P][ci], w);
                        }
                    }
                }
            }
            for (a, out) in acc.iter().zip(outs.iter_mut()) {
                out[c0..c0 + CB].copy_from_slice(a);
            }
        }
    }

    /// The `PIXELS` outputs at `(oy, ox)` of `NI` images, in tiles as wide in channels as
    /// the registers hold: one image at a time, [`CHANNEL_BLOCK`] channels, or two images
    /// in one tile of half as many channels where [`Self::TWO_IMAGE_TILES`] says so.
    #[inline(always)]
    fn forward_blocks<const NI: usize>(
        parameters: (&Kernel<CI, CO, K>, &[f32; CO]),
        images: [&Image<H, W, CI>; NI],
        out_rows: [&mut [[f32; CO]; OW]; NI],
        at: (usize, usize),
        rows: core::ops::Range<usize>,
    ) {
        // Every branch on a constant (`NI` and the shape's), so that only the tiles a shape
        // takes are compiled (as in the weight gradient's `WEIGHT_LOOP`).
        match NI {
            // (The tile's `2 * PIXELS` rows are `NI * PIXELS`.)
            2 if Self::TWO_IMAGE_TILES => {
                if Self::PAIR_CHANNEL_BLOCKS {
                    Self::forward_block::<PAIR_CHANNEL_BLOCK, NI, { 2 * PIXELS }>(
                        parameters, images, out_rows, at, rows,
                    );
                } else {
                    Self::forward_block::<CO, NI, { 2 * PIXELS }>(
                        parameters, images, out_rows, at, rows,
                    );
                }
            }
            _ => {
                for (image, out_row) in images.into_iter().zip(out_rows) {
                    if Self::CHANNEL_BLOCKS {
                        Self::forward_block::<CHANNEL_BLOCK, 1, PIXELS>(
                            parameters,
                            [image],
                            [out_row],
                            at,
                            rows.clone(),
                        );
                    } else {
                        Self::forward_block::<CO, 1, PIXELS>(
                            parameters,
                            [image],
                            [out_row],
                            at,
                            rows.clone(),
                        );
                    }
                }
            }
        }
    }

    /// Whether the output channels come in whole [`CHANNEL_BLOCK`]s (else one block of all
    /// `CO`), one image a tile.
    const CHANNEL_BLOCKS: bool = CO.is_multiple_of(CHANNEL_BLOCK);

    /// Whether they come in whole [`PAIR_CHANNEL_BLOCK`]s, two images a tile.
    const PAIR_CHANNEL_BLOCKS: bool = CO.is_multiple_of(PAIR_CHANNEL_BLOCK);

    /// Whether two images' one-pixel path takes blocks of output channels (else all `CO`).
    const PIXEL_PAIRS_IN_BLOCKS: bool = CO.is_multiple_of(PIXEL_PAIR_BLOCK);

    /// `PIXELS` outputs of each of `NI` images at once (`R = NI * PIXELS` rows of
    /// accumulators), `CB` output channels at a time: each piece of a weight row is loaded
    /// once and used `R` times, and the `R x CB` accumulators stay in registers. Every
    /// output adds its terms in the same order (bias, then taps and input channels in order)
    /// as the one-pixel path, whatever `CB` and `NI`.
    #[inline(always)]
    fn forward_block<const CB: usize, const NI: usize, const R: usize>(
        (weight, bias): (&Kernel<CI, CO, K>, &[f32; CO]),
        images: [&Image<H, W, CI>; NI],
        out_rows: [&mut [[f32; CO]; OW]; NI],
        (oy, ox): (usize, usize),
        rows: core::ops::Range<usize>,
    ) {
        debug_assert_eq!(R, NI * PIXELS);
        // On x86-64 with AVX, loaded through `opaque`, so that LLVM cannot hoist a small
        // kernel's loads out of the loop over tiles: it did for the first layers (1 or 2 ->
        // 32 channels, 9 or 18 taps), kept the 36-72 vectors of weights on the stack and
        // spilled accumulators around them. Measured on an AMD EPYC Zen 4, a scratch timer
        // (best of 3 x 15 x 2,000 calls, two runs): `x86-64-v3`, the digit net's conv1
        // (1 -> 32) at 100 images 109-111 -> 83-85 us, `convnet`'s (2 -> 32) at 50 97-112 ->
        // 90-99 us; native (AVX-512) 73.7 -> 75.8-76.1 us and 88.0 -> 78.4-78.5 us. Not
        // measured on NEON or the Cortex-M4F, which keep the loads as LLVM places them.
        let weight = if cfg!(any(fma256, fma512)) {
            opaque(weight)
        } else {
            weight
        };
        for c0 in (0..CO).step_by(CB) {
            let mut acc = [[0.0f32; CB]; R];
            for a in acc.iter_mut() {
                a.copy_from_slice(&bias[c0..c0 + CB]);
            }
            for ky in rows.clone() {
                let image_rows = map(images, |image| &image[oy + ky - P]);
                if target::LANES == 1 {
                    // Scalar FPUs (a Cortex-M4F): the `K * CI` inputs each pixel's window
                    // reads from this row, contiguous in NHWC, against the `K * CI` weight
                    // rows of tap row `ky`, in the order (kx, ci), as one loop. As two
                    // nested loops with constant trip counts LLVM unrolled them completely
                    // (conv 8->16: 24 steps of 16 multiply-adds) and spilled the
                    // accumulators: 4.6 instructions per multiply-add under QEMU's count,
                    // 1.8 as one loop. With vectors the nested loops are faster (AVX2,
                    // conv 2->32: the single loop took 35% longer).
                    let windows: [&[f32]; R] = core::array::from_fn(|j| {
                        let (row, j) = (image_rows[j / PIXELS], j % PIXELS);
                        row[ox + j - P..ox + j - P + K].as_flattened()
                    });
                    for (t, w) in weight[ky].as_flattened().iter().enumerate() {
                        let w: &[f32; CB] = w[c0..c0 + CB].try_into().expect("block");
                        for (a, window) in acc.iter_mut().zip(&windows) {
                            axpy(a, window[t], w);
                        }
                    }
                } else {
                    for (kx, weights) in weight[ky].iter().enumerate() {
                        let pixels = map(image_rows, |row| &row[ox + kx - P..ox + kx - P + PIXELS]);
                        for (ci, w) in weights.iter().enumerate() {
                            let w: &[f32; CB] = w[c0..c0 + CB].try_into().expect("block");
                            let x = core::array::from_fn(|j| pixels[j / PIXELS][j % PIXELS][ci]);
                            ger(&mut acc, &x, w);
                        }
                    }
                }
            }
            for (j, a) in acc.iter().enumerate() {
                out_rows[j / PIXELS][ox + j % PIXELS][c0..c0 + CB].copy_from_slice(a);
            }
        }
    }

    /// Input rows `iy` (and kernel rows `ky`) that output row `oy` reads, clipped to the image.
    #[inline(always)]
    pub(super) fn taps(o: usize, size: usize) -> core::ops::Range<usize> {
        // Kernel tap k reads input o + k - P, valid when 0 <= o + k - P < size.
        let first = P.saturating_sub(o);
        let last = (size + P - o).min(K);
        first..last
    }
}

/// Calls `pair` on images 0 and 1, 2 and 3, ... of `inputs` and `outputs`, and `one` on the
/// last image if their count is odd: the conv passes that take two images at a time.
#[inline(always)]
pub(super) fn in_pairs<X, Y>(
    inputs: &[X],
    outputs: &mut [Y],
    mut pair: impl FnMut(&[X; 2], &mut [Y; 2]),
    mut one: impl FnMut(&[X; 1], &mut [Y; 1]),
) {
    let (mut xs, mut ys) = (inputs.chunks_exact(2), outputs.chunks_exact_mut(2));
    for (x, y) in (&mut xs).zip(&mut ys) {
        pair(x.try_into().expect("two"), y.try_into().expect("two"));
    }
    for (x, y) in xs.remainder().iter().zip(ys.into_remainder()) {
        one(core::array::from_ref(x), core::array::from_mut(y));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::rng;
    use crate::init::Init;
    use crate::module::Module;
    use crate::tensor::{Images, Tensor, Zeroable};

    #[test]
    fn two_images_in_a_tile_get_the_bits_of_one_at_a_time() {
        // Called directly, so that every target checks the tiles two images share: 16 of
        // 32 channels a tile (AVX-512's for kernels larger than the L1 cache), and all of 8
        // (`tiny`'s conv1, whose one-image tile is too few accumulators).
        same_bits_two_images_a_tile::<32, 16>(72);
        same_bits_two_images_a_tile::<8, 8>(73);
    }

    /// A layer of `CO` channels, 2 blocks of 4 pixels a row: two images a tile, `CB`
    /// channels at a time, against one image a tile and against the layer's own forward.
    fn same_bits_two_images_a_tile<const CO: usize, const CB: usize>(seed: u64) {
        type Conv<const CO: usize> = Conv2d<2, 5, 10, 3, CO, 3, 0, 3, 8>;
        let mut r = rng(seed);
        let mut conv = Conv::<CO>::zeroed();
        conv.init(Init::PyTorchDefault, &mut r);
        let mut x = Images::<2, 5, 10, 3>::zeroed();
        x.flat_mut()
            .iter_mut()
            .for_each(|v| *v = crate::rand::uniform(&mut r, -1.0, 1.0));
        let (mut one, mut two) = (
            Images::<2, 3, 8, CO>::zeroed(),
            Images::<2, 3, 8, CO>::zeroed(),
        );
        let parameters = (&conv.weight, &conv.bias);
        for oy in 0..3 {
            for ox in [0, 4] {
                let rows = Conv::<CO>::taps(oy, 5);
                for (image, out) in x.iter().zip(one.iter_mut()) {
                    let out = [&mut out[oy]];
                    Conv::<CO>::forward_block::<CB, 1, 4>(
                        parameters,
                        [image],
                        out,
                        (oy, ox),
                        rows.clone(),
                    );
                }
                let [a, b] = &mut two;
                let outs = [&mut a[oy], &mut b[oy]];
                Conv::<CO>::forward_block::<CB, 2, 8>(
                    parameters,
                    [&x[0], &x[1]],
                    outs,
                    (oy, ox),
                    rows,
                );
            }
        }
        let bits =
            |o: &Images<2, 3, 8, CO>| o.flat().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&two), bits(&one));
        assert_eq!(bits(&one), bits(conv.forward(&x)));
    }
}

//! dL/d(weight) of [`Conv2d`]: for tap `(ky, kx)`,
//! `dW[ky][kx][ci][co] += sum over output pixels p of x(p shifted by the tap)[ci] * g(p)[co]`,
//! a matrix product whose reduction runs over every output pixel of the batch.
//!
//! Method: for one kernel column `kx`, the `K * CI` rows `(ky, ci)` of the gradient are
//! taken `R` at a time ([`target::GRAD_ROWS`]: 3 with AVX2), and `R` rows by `CB` output
//! channels (32 with AVX2: 12 of its 16 vector registers) stay in registers while the loop
//! runs over the pixels of a chunk of images, one rank-one update ([`ger`]) per pixel. The
//! chunks are sized for the L1 cache, so every tile re-reads its pixels from there. Every
//! element adds its pixels in the order of the batch whatever the tile or chunk, as the
//! plain [`weight_gradient_by_pixel`](Conv2d::weight_gradient_by_pixel) does, so the two
//! give the same bits (tested below).
//!
//! Why (AMD EPYC Zen 3, AVX2, % of the core's FMA peak, weight gradient alone, measured by
//! timing `backward` without an input gradient):
//! - the reduction is long and a tile is all the parallelism there is: `n` accumulator
//!   registers keep at most `n` multiply-adds in flight, and two FMA units with 4 cycles
//!   of latency need 8. The former tile of 4 input channels by 16 output channels had 8,
//!   the digit net's conv2 (32 -> 64) ran at 41%; 3 x 32 (12 registers), 70-80%;
//! - a first layer has one or two input channels, and its former tile, 1 or 2 rows, kept
//!   only 4 to 8 registers busy (conv1 1 -> 32: 15-16%). Rows from every tap row of the
//!   kernel column fill the same tile whatever `CI` (3 rows: the three taps of a column
//!   for one channel): 50-65%. Rows from one kernel *row* would read overlapping inputs,
//!   which LLVM then kept in registers from pixel to pixel until it spilled (32%);
//! - without chunks every tile streamed the whole batch (0.9 MB for the digit net's conv2
//!   at 100 images, more than the 512 KiB L2 cache), 288 times per step. The chunk's size
//!   matters (weight gradient at 100 images, chunks of 64 -> 40 KiB, i.e. of 7 -> 4, 3 ->
//!   2, 2 -> 1, 3 -> 2 images): the digit net's conv2 761 -> 615 us (75 -> 94% of the
//!   peak), `best`'s conv2 2130 -> 1700 us, `best`'s conv1 153 -> 149 us, the digit net's
//!   conv1 117 -> 110 us. Chunks of one image cost the digit net's conv1 2.3x (264 us),
//!   and chunks above ~40 KiB cost the two conv2s 15-45%. The bound is this CPU's (32 KiB
//!   of L1 data cache); a CPU with another L1 may want another;
//! - a small layer whose whole gradient fits the registers (`tiny`'s conv1, 1 -> 8
//!   channels; `best`'s padded 1 -> 32 with AVX-512) keeps it there over the whole batch,
//!   one chain per weight vector
//!   ([`weight_gradient_in_registers`](Conv2d::weight_gradient_in_registers)).

use super::{Conv2d, Kernel, PIXELS};
use crate::kernels::{add, add_rows, axpy, ger, map, opaque, target};
use crate::tensor::{Image, Images};

/// Bytes of input and output gradient per chunk of images, at most (a chunk holds at least
/// one image): about the 32 KiB L1 data cache; measured in the module's documentation.
const CHUNK_BYTES: usize = 40 * 1024;

/// The values of [`Conv2d::WEIGHT_LOOP`], one per loop of the weight gradient.
mod weight_loop {
    use crate::kernels::target;

    /// [`Conv2d::weight_gradient_tiles`](super::Conv2d) of `target::GRAD_ROWS` rows.
    pub const TILES: usize = 0;
    /// `weight_gradient_rows::<32>`.
    pub const ROWS_OF_32: usize = 1;
    /// `weight_gradient_rows::<16>`.
    pub const ROWS_OF_16: usize = 2;
    /// `weight_gradient_tiled::<4, NARROW_BLOCK>`.
    pub const NARROW: usize = 3;
    /// `weight_gradient_tiled::<1, ONE_BLOCK>`.
    pub const ONE_CHANNEL: usize = 4;
    /// `weight_gradient_tiled::<2, TWO_BLOCK>`.
    pub const TWO_CHANNELS: usize = 5;
    /// `weight_gradient_in_registers`.
    pub const IN_REGISTERS: usize = 6;
    /// `weight_gradient_by_pixel`, the plain loop.
    pub const BY_PIXEL: usize = 7;

    /// Rows of a [`TILES`] tile: `target::GRAD_ROWS`.
    pub const TILE_ROWS: usize = target::GRAD_ROWS;
    /// Output channels of a [`TILES`] tile: as many as the accumulators hold beside its rows.
    pub const TILE_BLOCK: usize = target::channel_block(TILE_ROWS);

    /// Output channels a tile of [`NARROW`], [`ONE_CHANNEL`] and [`TWO_CHANNELS`].
    pub const NARROW_BLOCK: usize = target::channel_block(4);
    /// See [`NARROW_BLOCK`].
    pub const ONE_BLOCK: usize = target::channel_block(1);
    /// See [`NARROW_BLOCK`].
    pub const TWO_BLOCK: usize = target::channel_block(2);
}

/// The tiles of a kernel column's `K * CI` rows `(ky, ci)`, as constants of the shape.
struct ColumnTiles<const K: usize, const CI: usize, const CB: usize>;

impl<const K: usize, const CI: usize, const CB: usize> ColumnTiles<K, CI, CB> {
    /// Rows a tile of `CB` output channels takes: as many as both the accumulators and the
    /// column hold, rounded down to 12, 6 or 3.
    const ROWS: usize = {
        let rows = target::ACCUMULATORS / CB.div_ceil(target::LANES);
        let rows = if rows < K * CI { rows } else { K * CI };
        if rows >= 12 {
            12
        } else if rows >= 6 {
            6
        } else {
            3
        }
    };
}

/// A kernel column's `K * CI` rows in tiles of `R` rows up to `FULL`, then of two rows up
/// to `TWOS`, then one row if any is left.
struct ColumnSplit<const K: usize, const CI: usize, const R: usize>;

impl<const K: usize, const CI: usize, const R: usize> ColumnSplit<K, CI, R> {
    const FULL: usize = K * CI / R * R;
    const TWOS: usize = Self::FULL + (K * CI - Self::FULL) / 2 * 2;
    const HAS_FULL: bool = Self::FULL > 0;
    const HAS_TWOS: bool = Self::TWOS > Self::FULL;
    const HAS_ONE: bool = K * CI > Self::TWOS;
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
    /// Adds dL/d(weight) for `input` and `grad_output` to `weight_grad`, with the widest
    /// tile the shape allows (see the module's documentation and [`Self::WEIGHT_LOOP`]),
    /// and dL/d(bias) to `bias_grad`: every output pixel of the batch in order, inside the
    /// loop over pixels where that loop is the plain one, chunk by chunk where it is the
    /// tiles'.
    pub(super) fn weight_gradient(
        &mut self,
        input: &Images<B, H, W, CI>,
        grad_output: &Images<B, OH, OW, CO>,
    ) {
        // A `match` on a constant of the shape: only the arm the shape takes is compiled
        // (see [`Self::WEIGHT_LOOP`]).
        match Self::WEIGHT_LOOP {
            // The chunks' gradients are added to the bias's while in cache: at 100 images
            // (AMD EPYC Zen 3), the digit net's conv1 110 -> 107 us, `best`'s 149 -> 148.
            weight_loop::TILES => {
                use weight_loop::{TILE_BLOCK, TILE_ROWS};
                return self.weight_gradient_tiles::<TILE_ROWS, TILE_BLOCK>(input, grad_output);
            }
            weight_loop::ROWS_OF_32 => return self.weight_gradient_rows::<32>(input, grad_output),
            weight_loop::ROWS_OF_16 => return self.weight_gradient_rows::<16>(input, grad_output),
            weight_loop::NARROW => {
                self.weight_gradient_tiled::<4, { weight_loop::NARROW_BLOCK }>(input, grad_output)
            }
            weight_loop::ONE_CHANNEL => {
                self.weight_gradient_tiled::<1, { weight_loop::ONE_BLOCK }>(input, grad_output)
            }
            weight_loop::TWO_CHANNELS => {
                self.weight_gradient_tiled::<2, { weight_loop::TWO_BLOCK }>(input, grad_output)
            }
            weight_loop::IN_REGISTERS => {
                return self.weight_gradient_in_registers(input, grad_output)
            }
            // The plain loop adds the bias gradient itself.
            _ => return self.weight_gradient_by_pixel(input, grad_output),
        }
        add_rows(&mut self.bias_grad, grad_output.iter().flatten().flatten());
    }

    /// Which loop computes this layer's weight gradient (one of [`weight_loop`]'s values):
    /// - [`weight_loop::TILES`]: `target::GRAD_ROWS` rows by the channel block their
    ///   accumulators hold (`R` x `CB`, 3 x 32 with AVX2), where `CB` divides `CO`;
    /// - [`weight_loop::ROWS_OF_32`] and [`weight_loop::ROWS_OF_16`]: layers of 16 or 32
    ///   output channels that the tile above does not divide (only on x86-64, whose `CB`
    ///   is 32 with AVX2 and 64 with AVX-512): rows of one or two vectors, as many as the
    ///   accumulators and the kernel column hold.
    ///   - AVX2, 16 channels (`tiny`'s conv2): 6 rows by 16, the same 12 accumulators.
    ///     Measured on AMD EPYC Zen 3, `tiny`'s conv2 at 100 images: 38.4-39.5 us (94-96%
    ///     of the peak) against 43.8-46.4 us with 4 input channels by 16 output channels
    ///     over every pixel of the batch (8 accumulators). (It had taken 105 us before
    ///     `ger` loaded the tile's two vectors of output gradient before its six broadcasts
    ///     instead of after: 6 + 1 + 12 registers, spilled.)
    ///   - AVX-512, 32 channels (the first layers) or 16 (`tiny`'s conv2): 12 rows where
    ///     the kernel column has them. They had taken the plain loop: on an Intel Xeon
    ///     (AVX-512) the first layers' weight gradients ran at 36-37% of the peak (conv1 2
    ///     -> 32, `best`'s 1 -> 32). A 1 -> 32 layer keeps its whole gradient in registers
    ///     instead (20 vectors): unpadded, 61% against 48% in 3-row tiles (6
    ///     accumulators); `best`'s, padded, 34-38 -> 47-49% (three alternations, best of
    ///     runs);
    /// - narrower layers keep the kernels they had, over every pixel of the batch: 4 input
    ///   channels by the widest block of output channels ([`weight_loop::NARROW`]), or all
    ///   of a first layer's one or two channels ([`weight_loop::ONE_CHANNEL`],
    ///   [`weight_loop::TWO_CHANNELS`]);
    /// - then the whole gradient in registers where it fits
    ///   ([`weight_loop::IN_REGISTERS`]), else the plain loop ([`weight_loop::BY_PIXEL`]).
    ///
    /// Every loop adds each element's pixels in the same order. A constant, so that a
    /// build compiles only the loop each shape takes: a `match` on an associated constant
    /// is settled when the function is instantiated, one on a value computed at run time
    /// instantiates every arm for LLVM to delete after inlining (as `kernels::matmul`'s
    /// `Plan`).
    const WEIGHT_LOOP: usize = {
        use weight_loop::*;
        if CO.is_multiple_of(TILE_BLOCK) {
            TILES
        } else if CO.is_multiple_of(16) && !Self::WHOLE_KERNEL_IN_REGISTERS {
            if CO.is_multiple_of(32) {
                ROWS_OF_32
            } else {
                ROWS_OF_16
            }
        } else if CI.is_multiple_of(4) && CO.is_multiple_of(NARROW_BLOCK) {
            NARROW
        } else if CI == 1 && CO.is_multiple_of(ONE_BLOCK) {
            ONE_CHANNEL
        } else if CI == 2 && CO.is_multiple_of(TWO_BLOCK) {
            TWO_CHANNELS
        } else if Self::WHOLE_KERNEL_IN_REGISTERS {
            IN_REGISTERS
        } else {
            BY_PIXEL
        }
    };

    /// [`Self::weight_gradient_tiles`] with `CB` output channels a tile and as many rows
    /// as both the accumulators and a kernel column's `K * CI` rows hold: 12, 6 or 3 (the
    /// tiles end in rows of two and one where that number does not divide `K * CI`).
    fn weight_gradient_rows<const CB: usize>(
        &mut self,
        input: &Images<B, H, W, CI>,
        grad_output: &Images<B, OH, OW, CO>,
    ) {
        match ColumnTiles::<K, CI, CB>::ROWS {
            12 => self.weight_gradient_tiles::<12, CB>(input, grad_output),
            6 => self.weight_gradient_tiles::<6, CB>(input, grad_output),
            _ => self.weight_gradient_tiles::<3, CB>(input, grad_output),
        }
    }

    /// Whether [`Self::weight_gradient_in_registers`] applies: the whole weight and bias
    /// gradients fit the accumulator registers (`tiny`'s conv1, 1 -> 8 channels: 10 vectors
    /// of the 12 with AVX2 or AVX-512, 20 of the 24 with NEON; `best`'s padded 1 -> 32: 20
    /// of the 24 with AVX-512). Not on scalar FPUs, whose tiles were measured on the
    /// Cortex-M4F.
    const WHOLE_KERNEL_IN_REGISTERS: bool =
        target::LANES > 1 && (K * K * CI + 1) * CO.div_ceil(target::LANES) <= target::ACCUMULATORS;

    /// The weight and bias gradients of a small layer, all of them in registers
    /// while the loop runs over every output pixel of the batch in order: per pixel, one
    /// vector of output gradient, its addition to the bias and one multiply-add into each
    /// weight vector (`K * K * CI` independent chains; next to the padding, only the taps
    /// that read a real input). Each element adds the pixels in
    /// the order [`Self::weight_gradient_by_pixel`] does, so the two give the same bits;
    /// that one loads and stores each weight vector per block of pixels, and its
    /// multiply-adds wait on each other. Measured on AMD EPYC Zen 3 (AVX2), `tiny`'s conv1
    /// at 100 images, ten alternations: 32.3-35.1 -> 29.4-30.2 us (60 -> 67% of the peak).
    ///
    /// The image goes through [`opaque`] at every pixel: without a barrier LLVM unrolled
    /// the pixels, kept the inputs that neighbouring windows share in registers for the
    /// next pixel, spilled the accumulators and ran slower than the per-block loop
    /// (34.3-41.2 us). With it, each pixel broadcasts its `K * K * CI` inputs afresh. (It
    /// was `core::hint::black_box`, which passes the image's address through memory at
    /// every pixel: 28.6-29.4 us against 25.1-25.8 us (81% of the peak) with `opaque`,
    /// four alternations.)
    fn weight_gradient_in_registers(
        &mut self,
        input: &Images<B, H, W, CI>,
        grad_output: &Images<B, OH, OW, CO>,
    ) {
        let (mut weight, mut bias) = (self.weight_grad, self.bias_grad);
        for (image, grad_image) in input.iter().zip(grad_output) {
            for (oy, grad_row) in grad_image.iter().enumerate() {
                // Whether every tap reads a real input (always without padding).
                let whole = |o: usize, size: usize| P == 0 || Self::taps(o, size) == (0..K);
                let whole_rows = whole(oy, H);
                for (ox, g) in grad_row.iter().enumerate() {
                    let image = opaque(image);
                    add(&mut bias, g);
                    let at = (image, g, (oy, ox));
                    if whole_rows && whole(ox, W) {
                        Self::add_taps(&mut weight, at);
                    } else {
                        Self::add_checked_taps(&mut weight, at);
                    }
                }
            }
        }
        (self.weight_grad, self.bias_grad) = (weight, bias);
    }

    /// One output pixel's multiply-adds into every weight gradient, for a pixel whose
    /// taps all read real inputs.
    #[inline(always)]
    fn add_taps(
        weight: &mut Kernel<CI, CO, K>,
        (image, g, (oy, ox)): (&Image<H, W, CI>, &[f32; CO], (usize, usize)),
    ) {
        for (ky, taps) in weight.iter_mut().enumerate() {
            for (kx, tap) in taps.iter_mut().enumerate() {
                for (wg, &x) in tap.iter_mut().zip(&image[oy + ky - P][ox + kx - P]) {
                    axpy(wg, x, g);
                }
            }
        }
    }

    /// [`Self::add_taps`] for a pixel next to the padding: only the taps that read a real
    /// input, each tested as it comes. (Not over the ranges of [`Self::taps`]: indexed at
    /// run time, the gradients would be kept in memory; 22% of the peak against 51% for
    /// `best`'s conv1 on an Intel Xeon with AVX-512.)
    #[inline(always)]
    fn add_checked_taps(
        weight: &mut Kernel<CI, CO, K>,
        (image, g, (oy, ox)): (&Image<H, W, CI>, &[f32; CO], (usize, usize)),
    ) {
        for (ky, taps) in weight.iter_mut().enumerate() {
            let Some(row) = (oy + ky).checked_sub(P).and_then(|y| image.get(y)) else {
                continue;
            };
            for (kx, tap) in taps.iter_mut().enumerate() {
                let Some(pixel) = (ox + kx).checked_sub(P).and_then(|x| row.get(x)) else {
                    continue;
                };
                for (wg, &x) in tap.iter_mut().zip(pixel) {
                    axpy(wg, x, g);
                }
            }
        }
    }

    /// Over chunks of images, for each kernel column `kx`: its `K * CI` rows `(ky, ci)` of
    /// weight gradients, `R` rows a tile (the last tiles two rows, then one, if `R` does not
    /// divide them); then the chunk's output gradients added to the bias gradient.
    fn weight_gradient_tiles<const R: usize, const CB: usize>(
        &mut self,
        input: &Images<B, H, W, CI>,
        grad_output: &Images<B, OH, OW, CO>,
    ) {
        let image_bytes = (H * W * CI + OH * OW * CO) * core::mem::size_of::<f32>();
        let chunk = (CHUNK_BYTES / image_bytes).max(1);
        for (images, grads) in input.chunks(chunk).zip(grad_output.chunks(chunk)) {
            for kx in 0..K {
                // Constants of the shape, as in [`Self::WEIGHT_LOOP`]: only the tiles a
                // kernel column takes are compiled.
                let split = (ColumnSplit::<K, CI, R>::FULL, ColumnSplit::<K, CI, R>::TWOS);
                if ColumnSplit::<K, CI, R>::HAS_FULL {
                    for i in (0..split.0).step_by(R) {
                        self.weight_gradient_tile::<R, CB>(images, grads, kx, i);
                    }
                }
                if ColumnSplit::<K, CI, R>::HAS_TWOS {
                    for i in (split.0..split.1).step_by(2) {
                        self.weight_gradient_tile::<2, CB>(images, grads, kx, i);
                    }
                }
                if ColumnSplit::<K, CI, R>::HAS_ONE {
                    self.weight_gradient_tile::<1, CB>(images, grads, kx, split.1);
                }
            }
            add_rows(&mut self.bias_grad, grads.iter().flatten().flatten());
        }
    }

    /// The weight gradients of rows `first..first + R` of kernel column `kx` (row `i` is tap
    /// row `i / CI`, input channel `i % CI`), all output channels, `CB` at a time, over the
    /// pixels of `images`. (Rows of one kernel column, not of one kernel row: the taps of a row read
    /// overlapping inputs, which LLVM then kept in registers from pixel to pixel until it
    /// spilled.)
    #[inline(always)]
    fn weight_gradient_tile<const R: usize, const CB: usize>(
        &mut self,
        images: &[Image<H, W, CI>],
        grads: &[Image<OH, OW, CO>],
        kx: usize,
        first: usize,
    ) {
        let rows: [(usize, usize); R] =
            core::array::from_fn(|r| ((first + r) / CI, (first + r) % CI));
        let columns = Self::outputs_for_tap(kx, OW, W);
        let valid_rows = map(rows, |(ky, _)| Self::outputs_for_tap(ky, OH, H));
        for co0 in (0..CO).step_by(CB) {
            let mut acc: [[f32; CB]; R] = core::array::from_fn(|r| {
                let (ky, ci) = rows[r];
                self.weight_grad[ky][kx][ci][co0..co0 + CB]
                    .try_into()
                    .expect("block")
            });
            for (image, grad_image) in images.iter().zip(grads) {
                for (oy, grad_row) in grad_image.iter().enumerate() {
                    let g = |ox: usize| -> &[f32; CB] {
                        grad_row[ox][co0..co0 + CB].try_into().expect("block")
                    };
                    if valid_rows.iter().all(|valid| valid.contains(&oy)) {
                        let in_rows = map(rows, |(ky, ci)| (&image[oy + ky - P], ci));
                        for ox in columns.clone() {
                            let x = map(in_rows, |(in_row, ci)| in_row[ox + kx - P][ci]);
                            ger(&mut acc, &x, g(ox));
                        }
                    } else {
                        // Next to the padding: each row whose tap reads a real input row,
                        // on its own (each element still adds its pixels in order).
                        for ((a, &(ky, ci)), valid) in acc.iter_mut().zip(&rows).zip(&valid_rows) {
                            if !valid.contains(&oy) {
                                continue;
                            }
                            let in_row = &image[oy + ky - P];
                            for ox in columns.clone() {
                                axpy(a, in_row[ox + kx - P][ci], g(ox));
                            }
                        }
                    }
                }
            }
            for (a, &(ky, ci)) in acc.iter().zip(&rows) {
                self.weight_grad[ky][kx][ci][co0..co0 + CB].copy_from_slice(a);
            }
        }
    }

    /// Output rows (or columns) whose kernel tap `k` reads a real input row, not padding:
    /// `o + k - P` must lie in `0..size`.
    #[inline(always)]
    fn outputs_for_tap(k: usize, out: usize, size: usize) -> core::ops::Range<usize> {
        P.saturating_sub(k)..(size + P).saturating_sub(k).min(out)
    }

    /// dL/d(weight) for narrow layers, as a matrix product per kernel tap: for tap `(ky, kx)`,
    /// `dW[ky][kx][ci][co] += sum over output pixels p of x(p shifted)[ci] * g(p)[co]`.
    /// `MR` input channels by `CB` output channels stay in registers while the loop runs
    /// over every pixel of the batch, so each gradient row is loaded and stored once per
    /// backward pass instead of once per pixel. Every element adds its pixels in the order
    /// of the batch, as [`weight_gradient_by_pixel`](Self::weight_gradient_by_pixel) does,
    /// so the two give the same bits.
    fn weight_gradient_tiled<const MR: usize, const CB: usize>(
        &mut self,
        input: &Images<B, H, W, CI>,
        grad_output: &Images<B, OH, OW, CO>,
    ) {
        for ky in 0..K {
            let rows = Self::outputs_for_tap(ky, OH, H);
            for kx in 0..K {
                let columns = Self::outputs_for_tap(kx, OW, W);
                for ci0 in (0..CI).step_by(MR) {
                    for co0 in (0..CO).step_by(CB) {
                        let mut acc = [[0.0f32; CB]; MR];
                        for (a, wg) in acc.iter_mut().zip(&self.weight_grad[ky][kx][ci0..]) {
                            a.copy_from_slice(&wg[co0..co0 + CB]);
                        }
                        for (image, grad_image) in input.iter().zip(grad_output) {
                            for oy in rows.clone() {
                                let in_row = &image[oy + ky - P];
                                for ox in columns.clone() {
                                    let x: &[f32; MR] = in_row[ox + kx - P][ci0..ci0 + MR]
                                        .try_into()
                                        .expect("block");
                                    let g: &[f32; CB] = grad_image[oy][ox][co0..co0 + CB]
                                        .try_into()
                                        .expect("block");
                                    ger(&mut acc, x, g);
                                }
                            }
                        }
                        for (a, wg) in acc.iter().zip(&mut self.weight_grad[ky][kx][ci0..]) {
                            wg[co0..co0 + CB].copy_from_slice(a);
                        }
                    }
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
        // The bias gradient here too, pixel by pixel in the order of `add_rows`: its chain
        // of additions (one per output pixel of the batch, on as few vectors as there are
        // channels) then runs beside the multiply-adds instead of alone. Measured on AMD
        // EPYC Zen 3 (AVX2), `tiny`'s conv1 (8 channels, 14,400 pixels) at 100 images, its
        // weight and bias gradients: 36-45 -> 30-31 us.
        let mut bias = self.bias_grad;
        for (image, grad_image) in input.iter().zip(grad_output) {
            for (oy, grad_row) in grad_image.iter().enumerate() {
                let mut ox = 0;
                while ox < OW {
                    let block = if Self::block_is_interior(ox) {
                        PIXELS
                    } else {
                        1
                    };
                    for g in &grad_row[ox..ox + block] {
                        add(&mut bias, g);
                    }
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
        self.bias_grad = bias;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::rng;
    use crate::module::Module;
    use crate::tensor::{Tensor, Zeroable};
    use crate::Init;

    /// `kernel` gives the weight and bias gradients of the plain loop, to the bit.
    #[allow(clippy::type_complexity)]
    fn same_bits_with<
        const B: usize,
        const H: usize,
        const W: usize,
        const CI: usize,
        const CO: usize,
        const K: usize,
        const P: usize,
        const OH: usize,
        const OW: usize,
    >(
        seed: u64,
        kernel: fn(
            &mut Conv2d<B, H, W, CI, CO, K, P, OH, OW>,
            &Images<B, H, W, CI>,
            &Images<B, OH, OW, CO>,
        ),
    ) {
        let mut r = rng(seed);
        let mut conv = Conv2d::<B, H, W, CI, CO, K, P, OH, OW>::zeroed();
        conv.init(Init::PyTorchDefault, &mut r);
        let mut x = Images::<B, H, W, CI>::zeroed();
        let mut g = Images::<B, OH, OW, CO>::zeroed();
        for v in x.flat_mut().iter_mut().chain(g.flat_mut()) {
            *v = crate::rand::uniform(&mut r, -1.0, 1.0);
        }
        // Start from a non-zero gradient, as when gradients accumulate.
        for v in conv
            .weight_grad
            .flat_mut()
            .iter_mut()
            .chain(&mut conv.bias_grad)
        {
            *v = crate::rand::uniform(&mut r, -1.0, 1.0);
        }
        let start = (conv.weight_grad, conv.bias_grad);
        kernel(&mut conv, &x, &g);
        let tiled = (conv.weight_grad, conv.bias_grad);
        (conv.weight_grad, conv.bias_grad) = start;
        conv.weight_gradient_by_pixel(&x, &g);
        assert_eq!(tiled.0.flat(), conv.weight_grad.flat());
        // The bias gradient, whichever loop adds it: every pixel in the order of the batch.
        let mut bias = start.1;
        add_rows(&mut bias, g.iter().flatten().flatten());
        let bits = |b: [f32; CO]| map(b, f32::to_bits);
        assert_eq!(bits(tiled.1), bits(bias));
        assert_eq!(bits(conv.bias_grad), bits(bias));
    }

    #[test]
    fn tiles_give_the_bits_of_the_plain_kernel() {
        // First layers: 1 and 2 input channels, padded and not (rows next to the padding
        // take the row-by-row path).
        same_bits_with::<3, 8, 7, 1, 32, 3, 1, 8, 7>(60, Conv2d::weight_gradient);
        same_bits_with::<2, 9, 6, 2, 32, 3, 0, 7, 4>(61, Conv2d::weight_gradient);
        // Many channels, and a chunk of several images.
        same_bits_with::<5, 4, 4, 32, 64, 3, 0, 2, 2>(62, Conv2d::weight_gradient);
        // Rows left over (2 x 5 = 10 rows of a kernel column), narrower output blocks.
        same_bits_with::<2, 6, 5, 5, 8, 2, 1, 7, 6>(63, Conv2d::weight_gradient);
        same_bits_with::<2, 6, 5, 5, 16, 2, 0, 5, 4>(64, Conv2d::weight_gradient);
        // 32 output channels and 12 rows a kernel column, padded (AVX-512: 12-row tiles).
        same_bits_with::<2, 5, 5, 4, 32, 3, 1, 5, 5>(69, Conv2d::weight_gradient);
        // 8 input channels, 16 output channels (`tiny`'s conv2): tiles 16 channels wide
        // with AVX2, the narrow kernel elsewhere (both tested on every target below).
        same_bits_with::<3, 6, 6, 8, 16, 3, 0, 4, 4>(66, Conv2d::weight_gradient);
        // A small unpadded first layer (`tiny`'s conv1, 1 -> 8): its whole gradient in
        // registers with AVX (10 vectors of 12) and NEON (20 of 24); not with SSE alone
        // (20 of 12) nor on scalar FPUs.
        type Tiny = Conv2d<3, 8, 9, 1, 8, 3, 0, 6, 7>;
        let vectors = cfg!(any(
            all(target_arch = "x86_64", target_feature = "avx"),
            target_arch = "aarch64"
        ));
        assert_eq!(Tiny::WHOLE_KERNEL_IN_REGISTERS, vectors);
        same_bits_with::<3, 8, 9, 1, 8, 3, 0, 6, 7>(67, Conv2d::weight_gradient);
        // An output width no block divides: the plain kernel itself.
        same_bits_with::<1, 5, 5, 3, 5, 3, 1, 5, 5>(65, Conv2d::weight_gradient);
    }

    #[test]
    fn the_whole_gradient_in_registers_with_padding_gives_the_plain_bits() {
        // `best`'s conv1 (1 -> 32, padding 1) takes this path with AVX-512; called directly
        // here so that every target checks it, on a layer whose pixels next to the padding
        // cut each side of the kernel, and a 2-pixel padding (every test of a tap used).
        same_bits_with::<3, 5, 6, 1, 8, 3, 1, 5, 6>(70, Conv2d::weight_gradient_in_registers);
        same_bits_with::<2, 4, 5, 2, 8, 3, 2, 6, 7>(71, Conv2d::weight_gradient_in_registers);
    }

    #[test]
    fn every_kernel_for_16_channels_gives_the_plain_bits() {
        // Whichever one this target's dispatch takes, called directly: 6-row tiles 16
        // channels wide (AVX2's), 12-row tiles (AVX-512's), and 4 input channels by 16 over
        // the batch (the narrow kernel).
        type Tiny2 = Conv2d<3, 6, 6, 8, 16, 3, 0, 4, 4>;
        let mut r = rng(68);
        let mut x = Images::<3, 6, 6, 8>::zeroed();
        let mut g = Images::<3, 4, 4, 16>::zeroed();
        for v in x.flat_mut().iter_mut().chain(g.flat_mut()) {
            *v = crate::rand::uniform(&mut r, -1.0, 1.0);
        }
        // The weight gradient depends on the inputs, the output gradients and the gradient
        // it starts from, not on the weights.
        let start = || {
            let mut conv = Tiny2::zeroed();
            conv.weight_grad.flat_mut().fill(0.25);
            conv
        };
        let (mut plain, mut tiles, mut tiled) = (start(), start(), start());
        let mut rows = start();
        plain.weight_gradient_by_pixel(&x, &g);
        tiles.weight_gradient_tiles::<6, 16>(&x, &g);
        tiled.weight_gradient_tiled::<4, 16>(&x, &g);
        // AVX-512's: 12 rows of 16 channels (24 rows a kernel column).
        rows.weight_gradient_rows::<16>(&x, &g);
        let bits = |c: &Tiny2| {
            c.weight_grad
                .flat()
                .iter()
                .map(|v| v.to_bits())
                .collect::<Vec<_>>()
        };
        assert_eq!(bits(&tiles), bits(&plain));
        assert_eq!(bits(&tiled), bits(&plain));
        assert_eq!(bits(&rows), bits(&plain));
    }
}

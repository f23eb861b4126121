//! Max pooling with a `K`x`K` window and stride `K`, channels last, alone
//! ([`MaxPool2d`]) or followed by a ReLU in the same pass ([`MaxPool2dRelu`]).
//!
//! The forward pass records, per output element, which of the `K*K` window positions won
//! (one byte each); the backward pass routes the gradient to that position only. Ties go
//! to the first position in row-major order.
//!
//! Every convolutional network here pools and then applies a ReLU. [`MaxPool2dRelu`] does
//! both on each window while it is in registers: no second output array, no gradient array
//! between the two, no second pass over either. It computes exactly what the two layers do
//! (the ReLU's output and the gradient it passes back, `g * (y > 0 ? 1 : 0)`, are the
//! [`Relu`](crate::Relu) layer's own functions), so the same bits, and it names itself as the
//! two layers PyTorch's `nn.Sequential` would number, so model files do not change.
//! Measured on AMD EPYC Zen 3 (AVX2), 100 images, forward + backward against the two layers
//! in a chain: `tiny`'s 12x12x8 12.5 + 12.4 -> 10.0 + 9.9 us, the digit net's 12x12x32
//! 57 + 56 -> 47 + 47 us; `tiny` trained 0.262-0.265 -> 0.254-0.258 s per round.

use super::activation::{relu, relu_slope};
use crate::io::names::{DescribeFn, Path};
use crate::module::Module;
use crate::tensor::{Image, Images, Tensor, Zeroable};

/// `K`x`K` max pooling, stride `K`, from `H`x`W` to `OH`x`OW` = `H/K`x`W/K` (rounded down,
/// as PyTorch does; checked at compile time).
pub type MaxPool2d<
    const B: usize,
    const H: usize,
    const W: usize,
    const C: usize,
    const K: usize,
    const OH: usize,
    const OW: usize,
> = MaxPool<B, H, W, C, K, OH, OW, false>;

/// [`MaxPool2d`] followed by a [`Relu`](crate::Relu), in one pass: the same numbers as the
/// two layers in a chain, with one array where the chain keeps three (both outputs and the
/// gradient between them).
pub type MaxPool2dRelu<
    const B: usize,
    const H: usize,
    const W: usize,
    const C: usize,
    const K: usize,
    const OH: usize,
    const OW: usize,
> = MaxPool<B, H, W, C, K, OH, OW, true>;

/// The layer behind [`MaxPool2d`] (`RELU` false) and [`MaxPool2dRelu`] (`RELU` true).
#[cfg_attr(cache_lines, repr(C, align(64)))] // See `crate::layers`, "Alignment".
pub struct MaxPool<
    const B: usize,
    const H: usize,
    const W: usize,
    const C: usize,
    const K: usize,
    const OH: usize,
    const OW: usize,
    const RELU: bool,
> {
    /// The maxima (after the ReLU when `RELU`).
    output: Images<B, OH, OW, C>,
    winner: [[[[u8; C]; OW]; OH]; B],
}

// SAFETY: f32 and u8 arrays.
unsafe impl<
        const B: usize,
        const H: usize,
        const W: usize,
        const C: usize,
        const K: usize,
        const OH: usize,
        const OW: usize,
        const RELU: bool,
    > Zeroable for MaxPool<B, H, W, C, K, OH, OW, RELU>
{
}

impl<
        const B: usize,
        const H: usize,
        const W: usize,
        const C: usize,
        const K: usize,
        const OH: usize,
        const OW: usize,
        const RELU: bool,
    > MaxPool<B, H, W, C, K, OH, OW, RELU>
{
    const SHAPE_CHECK: () = assert!(
        K >= 1 && K * K <= 256 && OH == H / K && OW == W / K,
        "MaxPool2d output size must be H / K by W / K (and K*K <= 256)"
    );

    /// Whether the forward pass takes [`Self::pool_by_lanes`], the explicit 8-lane path, and
    /// the backward pass routes in 8-lane vectors: on AVX2 builds, for a multiple of 8
    /// channels.
    ///
    /// Why the paths are chosen by constants: an `if` on a constant is settled when the
    /// shape is instantiated, so only the path the shape takes is compiled (as in
    /// `crate::kernels::matmul`'s `Plan`), where an `if` on a value computed from the same
    /// constants compiled all three for every shape and left LLVM to delete two.
    const BY_LANES: bool =
        cfg!(all(target_arch = "x86_64", target_feature = "avx2")) && C.is_multiple_of(8);
    /// Whether, without [`Self::BY_LANES`], the forward pass takes
    /// [`Self::pool_by_channel`] (32 channels or more) rather than [`Self::pool_by_position`].
    const BY_CHANNEL: bool = C >= 32;
    /// Whether [`Self::pool_by_lanes`] takes 16 lanes at a time (AVX-512 builds, a multiple
    /// of 16 channels).
    #[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
    const BY_16_LANES: bool = C.is_multiple_of(16);

    /// One window, channel by channel with the window's positions inside: LLVM vectorises
    /// across channels and keeps the maximum and its position in registers, writing each
    /// output once. Branch-free: a value replaces the maximum only if greater, so the
    /// winner is the maximum's first position; a NaN wins (so that divergence reaches the
    /// loss) and routes the gradient to position 0. With `RELU`, the maximum goes through
    /// the ReLU as it is written (the winner is the maximum's, as for the two layers).
    #[inline(always)]
    fn pool_by_channel<'a>(
        window: impl Fn(usize) -> &'a [f32; C],
        out: &mut [f32; C],
        win: &mut [u8; C],
    ) {
        for (c, (o, w)) in out.iter_mut().zip(win.iter_mut()).enumerate() {
            let mut best = window(0)[c];
            let mut at = 0u32;
            for p in 1..K * K {
                let v = window(p)[c];
                let nan = v.is_nan();
                let rises = v > best;
                best = if rises || nan { v } else { best };
                at = if nan {
                    0
                } else if rises {
                    p as u32
                } else {
                    at
                };
            }
            *o = if RELU { relu(best) } else { best };
            *w = at as u8;
        }
    }

    /// The same window position by position: the maximum first, then the winner as the
    /// first position equal to it (0 if it is NaN). Measured with AVX2 (AMD EPYC Zen 3), 100
    /// images: with 32 channels LLVM turned its in-place maximum into masked stores,
    /// microcoded on AMD (220 us against 68 channel by channel); with 8 channels
    /// (`tiny`'s first pool) it is the faster (17 us against 62).
    #[inline(always)]
    fn pool_by_position<'a>(
        window: impl Fn(usize) -> &'a [f32; C],
        out: &mut [f32; C],
        win: &mut [u8; C],
    ) {
        *out = *window(0);
        for p in 1..K * K {
            for (o, &v) in out.iter_mut().zip(window(p)) {
                *o = if v > *o || v.is_nan() { v } else { *o };
            }
        }
        let mut first = [0u32; C];
        for p in (0..K * K).rev() {
            for ((f, &o), &v) in first.iter_mut().zip(out.iter()).zip(window(p)) {
                *f = if v == o { p as u32 } else { *f };
            }
        }
        for (w, &f) in win.iter_mut().zip(&first) {
            *w = f as u8;
        }
        if RELU {
            out.iter_mut().for_each(|y| *y = relu(*y));
        }
    }

    /// [`Self::pool_by_channel`] in explicit 8-lane vectors, eight channels at a time
    /// (`C` a multiple of 8; with AVX-512, 16-lane vectors where `C` is a multiple of 16,
    /// `lanes::window16`): the same maxima (to the bit, NaNs included) and winners; the
    /// 8-lane windows without a NaN by `vmaxps` (`lanes::window8`). Measured with AVX2 (AMD
    /// EPYC Zen 3), forward pass at 100 images, the comparisons against the paths LLVM
    /// vectorises: 14 -> 7 x 32 channels 86-89 -> 60 us, 12 -> 6 x 32 61-64 -> 46 us, 7 -> 3
    /// x 64 33 -> 28 us, 12 -> 6 x 8 (by position) 15.6 -> 9.3 us.
    #[inline(always)]
    fn pool_by_lanes<'a>(
        window: impl Fn(usize) -> &'a [f32; C],
        out: &mut [f32; C],
        win: &mut [u8; C],
    ) {
        #[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
        if Self::BY_16_LANES {
            for c0 in (0..C).step_by(16) {
                // SAFETY: AVX-512F is enabled for this build (checked by cfg); c0 + 16 <= C.
                unsafe { lanes::window16::<C, RELU>(K * K, &window, c0, out, win) };
            }
            return;
        }
        #[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
        for c0 in (0..C).step_by(8) {
            assert!(c0 + 8 <= C, "pool_by_lanes takes a multiple of 8 channels");
            // SAFETY: AVX2 is enabled for this build (checked by cfg); c0 + 8 <= C.
            unsafe { lanes::window8::<C, RELU>(K * K, &window, c0, out, win) };
        }
        #[cfg(not(all(target_arch = "x86_64", target_feature = "avx2")))]
        Self::pool_by_channel(window, out, win);
    }

    /// The backward pass for one window: its gradient `g` to the position that won, `+0` to
    /// the others (each position's `C` channels of `gi`, at output pixel `(oy, ox)`). With
    /// AVX2 and `C` a multiple of 8, in explicit 8-lane vectors: the same choice, so the
    /// same bits.
    ///
    /// Why the explicit vectors: LLVM vectorises the plain loop well when the crate is one
    /// codegen unit (this workspace's profile) and badly when it is 16 (Cargo's default
    /// release profile, which a crate depending on the core builds with). Measured on an
    /// Intel Xeon (model 167), the `x86-64-v3` build of the host at 16 codegen units,
    /// `tiny` trained: 1,462 `perf` samples on the plain loop's lines against 274 at one
    /// codegen unit.
    #[inline(always)]
    fn route(g: &[f32; C], win: &[u8; C], gi: &mut Image<H, W, C>, (oy, ox): (usize, usize)) {
        #[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
        if Self::BY_LANES {
            for c0 in (0..C).step_by(8) {
                assert!(c0 + 8 <= C, "a multiple of 8 channels");
                // SAFETY: AVX2 is enabled for this build (checked by cfg); c0 + 8 <= C.
                unsafe {
                    let (g, won) = lanes::routed8(g, win, c0);
                    for p in 0..K * K {
                        let target = &mut gi[oy * K + p / K][ox * K + p % K];
                        lanes::store_where8(g, won, p, target, c0);
                    }
                }
            }
            return;
        }
        Self::route_plain(g, win, gi, (oy, ox));
    }

    /// [`Self::route`] one channel at a time, as LLVM vectorises it (the reference the
    /// explicit vectors are tested against).
    #[inline(always)]
    fn route_plain(g: &[f32; C], win: &[u8; C], gi: &mut Image<H, W, C>, (oy, ox): (usize, usize)) {
        for p in 0..K * K {
            let target = &mut gi[oy * K + p / K][ox * K + p % K];
            for ((t, &gc), &w) in target.iter_mut().zip(g).zip(win) {
                *t = if u32::from(w) == p as u32 { gc } else { 0.0 };
            }
        }
    }
}

impl<
        const B: usize,
        const H: usize,
        const W: usize,
        const C: usize,
        const K: usize,
        const OH: usize,
        const OW: usize,
        const RELU: bool,
    > Module for MaxPool<B, H, W, C, K, OH, OW, RELU>
{
    type Input = Images<B, H, W, C>;
    type Output = Images<B, OH, OW, C>;

    fn forward<'a>(&'a mut self, input: &'a Self::Input) -> &'a Self::Output {
        let () = Self::SHAPE_CHECK;
        for ((image, out_image), win_image) in
            input.iter().zip(&mut self.output).zip(&mut self.winner)
        {
            for (oy, (out_row, win_row)) in out_image.iter_mut().zip(win_image).enumerate() {
                for (ox, (out, win)) in out_row.iter_mut().zip(win_row).enumerate() {
                    let window = |p: usize| &image[oy * K + p / K][ox * K + p % K];
                    if Self::BY_LANES {
                        Self::pool_by_lanes(window, out, win);
                    } else if Self::BY_CHANNEL {
                        Self::pool_by_channel(window, out, win);
                    } else {
                        Self::pool_by_position(window, out, win);
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
        _input: &Self::Input,
        grad_output: &Self::Output,
        grad_input: Option<&mut Self::Input>,
    ) {
        let Some(grad_input) = grad_input else { return };
        // Rows and columns beyond OH*K, OW*K (when H or W is odd) get no gradient.
        if OH * K != H || OW * K != W {
            grad_input.flat_mut().fill(0.0);
        }
        // Every input element of a window, densely (so that it vectorises): the output's
        // gradient where it won, 0 elsewhere. With the ReLU, the gradient it passes back
        // first (its output is positive exactly where its input was).
        let windows = self.winner.iter().zip(&self.output);
        for ((gi, g_image), (win_image, y_image)) in
            grad_input.iter_mut().zip(grad_output).zip(windows)
        {
            let rows = g_image.iter().zip(win_image).zip(y_image);
            for (oy, ((g_row, win_row), y_row)) in rows.enumerate() {
                let columns = g_row.iter().zip(win_row).zip(y_row);
                for (ox, ((g, win), y)) in columns.enumerate() {
                    // A copy only with the ReLU (without it, `masked` is dead and dropped).
                    let mut masked = *g;
                    if RELU {
                        masked
                            .iter_mut()
                            .zip(y)
                            .for_each(|(g, &y)| *g *= relu_slope(y));
                    }
                    let g = if RELU { &masked } else { g };
                    Self::route(g, win, gi, (oy, ox));
                }
            }
        }
    }

    /// Named as PyTorch numbers it: one layer, or the pooling and its ReLU as two.
    fn describe(&self, path: &mut Path, _visit: &mut DescribeFn<'_>) {
        path.layer(|_| {});
        if RELU {
            path.layer(|_| {});
        }
    }
}

/// The AVX2 instructions of [`MaxPool::pool_by_lanes`].
#[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
mod lanes {
    use core::arch::x86_64::*;

    /// Channels `c0..c0 + 8` of one window of `positions` positions: the maximum (a NaN
    /// wins, the last one seen), through a ReLU when `RELU`, into `out`, the first position
    /// holding it (0 for a NaN) into `win`.
    ///
    /// Without a NaN in the window's eight channels (the rule) the maximum is `vmaxps`,
    /// which keeps the earlier value on ties as the comparisons do (`+0` before `-0` stays
    /// `+0`), the winner is the first position equal to it, counted, and the ReLU is a
    /// `vmaxps` with `+0`; a window with a NaN takes [`window8_exact`], the comparisons one
    /// position at a time. Same bits either way. Measured on an Intel Xeon (model 207), the
    /// `x86-64-v3` build, forward passes at 100 images from a cache-line-aligned input (as
    /// in a network), best of 15 x 100 calls, ten alternations of the two versions:
    /// `tiny`'s first pool (12x12x8) 24.0-33.4 -> 20.1-24.3 us, its second (4x4x16)
    /// 5.7-7.5 -> 3.5-5.4 us, the digit net's first (12x12x32) 115-161 -> 115-136 us, its
    /// second (4x4x64) 19.2-30.3 -> 19.5-22.8 us. (The AVX-512 build takes this path for
    /// 8 channels only: `tiny`'s first pool, unchanged there at 21-25 us.)
    ///
    /// # Safety
    /// AVX2 is available and `c0 + 8 <= C`.
    #[inline(always)]
    pub unsafe fn window8<'a, const C: usize, const RELU: bool>(
        positions: usize,
        window: impl Fn(usize) -> &'a [f32; C],
        c0: usize,
        out: &mut [f32; C],
        win: &mut [u8; C],
    ) {
        // SAFETY: c0 + 8 <= C (the caller's contract): every load and store is inside its
        // array; AVX2 is available.
        unsafe {
            let load = |p: usize| _mm256_loadu_ps(window(p).as_ptr().add(c0));
            // NaNs: any in a pair of positions, pair by pair.
            let mut nan = _mm256_setzero_ps();
            for p in (0..positions).step_by(2) {
                let next = load((p + 1).min(positions - 1));
                nan = _mm256_or_ps(nan, _mm256_cmp_ps::<_CMP_UNORD_Q>(load(p), next));
            }
            if _mm256_movemask_ps(nan) != 0 {
                return window8_exact::<C, RELU>(positions, &window, c0, out, win);
            }
            // `max(v, best)` is `v > best ? v : best`, the comparison of the exact path.
            let mut best = load(0);
            for p in 1..positions {
                best = _mm256_max_ps(load(p), best);
            }
            // The winner: how many positions, from the first, differ from the maximum.
            let mut at = _mm256_setzero_si256();
            let mut before = _mm256_set1_epi32(-1);
            for p in 0..positions - 1 {
                let differs = _mm256_castps_si256(_mm256_cmp_ps::<_CMP_NEQ_OQ>(load(p), best));
                before = _mm256_and_si256(before, differs);
                at = _mm256_sub_epi32(at, before);
            }
            if RELU {
                // No NaN: `best > 0 ? best : +0`.
                best = _mm256_max_ps(best, _mm256_setzero_ps());
            }
            _mm256_storeu_ps(out.as_mut_ptr().add(c0), best);
            store_positions8(at, win, c0);
        }
    }

    /// [`window8`] by comparisons, one position at a time: the path of windows with a NaN
    /// (rare, so out of line, which keeps the fast path's loop small). Both are tested
    /// against [`super::MaxPool::pool_by_channel`], the plain loop.
    ///
    /// # Safety
    /// AVX2 is available and `c0 + 8 <= C`.
    #[inline(never)]
    pub unsafe fn window8_exact<'a, const C: usize, const RELU: bool>(
        positions: usize,
        window: impl Fn(usize) -> &'a [f32; C],
        c0: usize,
        out: &mut [f32; C],
        win: &mut [u8; C],
    ) {
        // SAFETY: c0 + 8 <= C (the caller's contract): every load and store is inside its
        // array; AVX2 is available.
        unsafe {
            let load = |p: usize| _mm256_loadu_ps(window(p).as_ptr().add(c0));
            let mut best = load(0);
            let mut at = _mm256_setzero_ps();
            for p in 1..positions {
                let v = load(p);
                let rises = _mm256_cmp_ps::<_CMP_GT_OQ>(v, best);
                let nan = _mm256_cmp_ps::<_CMP_UNORD_Q>(v, v);
                best = _mm256_blendv_ps(best, v, _mm256_or_ps(rises, nan));
                let index = _mm256_castsi256_ps(_mm256_set1_epi32(p as i32));
                at = _mm256_andnot_ps(nan, _mm256_blendv_ps(at, index, rises));
            }
            if RELU {
                // ReLU: the value where it is above 0 or NaN, +0 elsewhere.
                let keep = _mm256_or_ps(
                    _mm256_cmp_ps::<_CMP_GT_OQ>(best, _mm256_setzero_ps()),
                    _mm256_cmp_ps::<_CMP_UNORD_Q>(best, best),
                );
                best = _mm256_and_ps(best, keep);
            }
            _mm256_storeu_ps(out.as_mut_ptr().add(c0), best);
            store_positions8(_mm256_castps_si256(at), win, c0);
        }
    }

    /// Eight 32-bit positions (below 256) into `win[c0..c0 + 8]`: two unsigned saturating
    /// packs keep them whole.
    ///
    /// # Safety
    /// AVX2 is available and `c0 + 8 <= C`.
    #[inline(always)]
    unsafe fn store_positions8<const C: usize>(at: __m256i, win: &mut [u8; C], c0: usize) {
        // SAFETY: c0 + 8 <= C (the caller's contract): eight bytes inside `win`.
        unsafe {
            let words = _mm_packus_epi32(
                _mm256_castsi256_si128(at),
                _mm256_extractf128_si256::<1>(at),
            );
            let bytes = _mm_packus_epi16(words, words);
            _mm_storel_epi64(win.as_mut_ptr().add(c0).cast::<__m128i>(), bytes);
        }
    }

    /// Channels `c0..c0 + 8` of a window's output gradient `g` and of its winning
    /// positions `win`, as a vector of floats and one of 32-bit positions.
    ///
    /// # Safety
    /// AVX2 is available and `c0 + 8 <= C`.
    #[inline(always)]
    pub unsafe fn routed8<const C: usize>(
        g: &[f32; C],
        win: &[u8; C],
        c0: usize,
    ) -> (__m256, __m256i) {
        // SAFETY: c0 + 8 <= C (the caller's contract): both loads are inside their arrays
        // (eight bytes of `win`); AVX2 is available.
        unsafe {
            let g = _mm256_loadu_ps(g.as_ptr().add(c0));
            let bytes = _mm_loadl_epi64(win.as_ptr().add(c0).cast::<__m128i>());
            (g, _mm256_cvtepu8_epi32(bytes))
        }
    }

    /// `target[c0..c0 + 8]` = `g` where `won` is `p`, `+0` elsewhere.
    ///
    /// # Safety
    /// AVX2 is available and `c0 + 8 <= C`.
    #[inline(always)]
    pub unsafe fn store_where8<const C: usize>(
        g: __m256,
        won: __m256i,
        p: usize,
        target: &mut [f32; C],
        c0: usize,
    ) {
        // SAFETY: c0 + 8 <= C (the caller's contract): the store is inside `target`.
        unsafe {
            let here = _mm256_cmpeq_epi32(won, _mm256_set1_epi32(p as i32));
            let routed = _mm256_and_ps(g, _mm256_castsi256_ps(here));
            _mm256_storeu_ps(target.as_mut_ptr().add(c0), routed);
        }
    }

    /// [`window8_exact`] for channels `c0..c0 + 16`, with AVX-512's mask registers: the same
    /// comparisons and choices, so the same maxima and winners. Measured on an Intel Xeon
    /// (AVX-512), the digit net's first pool (12x12x32 at 100 images), forward pass, best of
    /// 30 x 100: 73-74 us with 8 lanes, 47-53 us with 16. (The backward pass written the
    /// same way took 90 us, as LLVM's own loop does: it writes four times what it reads.)
    /// [`window8`]'s fast path written with masks was slower here (Intel Xeon model 207,
    /// the same pool, best of 15 x 100, two runs each: 62-66 us -> 75-80 us), so it stays
    /// comparisons.
    ///
    /// # Safety
    /// AVX-512F is available and `c0 + 16 <= C`.
    #[cfg(target_feature = "avx512f")]
    #[inline(always)]
    pub unsafe fn window16<'a, const C: usize, const RELU: bool>(
        positions: usize,
        window: impl Fn(usize) -> &'a [f32; C],
        c0: usize,
        out: &mut [f32; C],
        win: &mut [u8; C],
    ) {
        assert!(c0 + 16 <= C, "window16 takes 16 channels inside the window");
        // SAFETY: c0 + 16 <= C (checked above): every load and store is inside its array;
        // AVX-512F is available (the caller's contract).
        unsafe {
            let load = |p: usize| _mm512_loadu_ps(window(p).as_ptr().add(c0));
            let mut best = load(0);
            let mut at = _mm512_setzero_si512();
            for p in 1..positions {
                let v = load(p);
                let rises = _mm512_cmp_ps_mask::<_CMP_GT_OQ>(v, best);
                let nan = _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(v, v);
                best = _mm512_mask_blend_ps(rises | nan, best, v);
                let chosen = _mm512_mask_blend_epi32(rises, at, _mm512_set1_epi32(p as i32));
                at = _mm512_maskz_mov_epi32(!nan, chosen);
            }
            if RELU {
                // ReLU: the value where it is above 0 or NaN, +0 elsewhere.
                let keep = _mm512_cmp_ps_mask::<_CMP_GT_OQ>(best, _mm512_setzero_ps())
                    | _mm512_cmp_ps_mask::<_CMP_UNORD_Q>(best, best);
                best = _mm512_maskz_mov_ps(keep, best);
            }
            _mm512_storeu_ps(out.as_mut_ptr().add(c0), best);
            // Positions are below 256: truncated to bytes, they stay whole.
            let bytes = _mm512_cvtepi32_epi8(at);
            _mm_storeu_si128(win.as_mut_ptr().add(c0).cast::<__m128i>(), bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::{assert_gradients, rng};
    use crate::kernels::map;

    #[test]
    fn known_values_and_routing() {
        let mut pool = MaxPool2d::<1, 4, 4, 1, 2, 2, 2>::zeroed();
        let rows = [
            [1.0, 5.0, 2.0, 0.0],
            [3.0, 4.0, 8.0, 1.0],
            [0.0, 0.0, 7.0, 6.0],
            [9.0, 0.0, 6.0, 7.0],
        ];
        let input: Images<1, 4, 4, 1> = [core::array::from_fn(|y| {
            core::array::from_fn(|x| [rows[y][x]])
        })];
        assert_eq!(pool.forward(&input), &[[[[5.0], [8.0]], [[9.0], [7.0]]]]);
        let mut grad_input = Images::<1, 4, 4, 1>::zeroed();
        pool.backward(
            &input,
            &[[[[1.0], [2.0]], [[3.0], [4.0]]]],
            Some(&mut grad_input),
        );
        let flat: [f32; 16] = *crate::reshape(&grad_input);
        // Ties between the two 7s go to the first one (row 2, column 2).
        let expected = [
            0., 1., 0., 0., 0., 0., 2., 0., 0., 0., 4., 0., 3., 0., 0., 0.,
        ];
        assert_eq!(flat, expected);
    }

    #[test]
    fn a_nan_in_a_window_reaches_the_output() {
        // One 2x2 window per position of the NaN, and one without.
        for at in 0..4 {
            let mut x = [[[[1.0f32]; 2]; 2]; 2];
            x[0][at / 2][at % 2] = [f32::NAN];
            let mut pool = MaxPool2d::<2, 2, 2, 1, 2, 1, 1>::zeroed();
            let y = pool.forward(&x);
            assert!(y[0][0][0][0].is_nan(), "NaN at window position {at}");
            assert_eq!(y[1][0][0][0], 1.0);
        }
    }

    #[test]
    fn odd_sizes_round_down() {
        let mut pool = MaxPool2d::<1, 3, 3, 2, 2, 1, 1>::zeroed();
        let mut input = Images::<1, 3, 3, 2>::zeroed();
        input[0][2][2] = [100.0, 100.0]; // outside the only window
        input[0][1][0] = [1.0, -1.0];
        assert_eq!(pool.forward(&input), &[[[[1.0, 0.0]]]]);
    }

    #[test]
    fn gradient() {
        assert_gradients(
            &mut MaxPool2d::<2, 4, 6, 3, 2, 2, 3>::zeroed(),
            &mut rng(52),
        );
    }

    /// The three ways through a `K`x`K` window give the same maxima (to the bit) and
    /// winners, with ties and signed zeros among the values, with and without NaNs among
    /// them (the vector paths take their fast path only where a window's lanes have no NaN),
    /// with and without the ReLU (the 8- or 16-lane one where the build has it; elsewhere it
    /// is the channel-by-channel loop).
    fn paths_agree<const K: usize, const C: usize, const RELU: bool>() {
        type Pool<const K: usize, const C: usize, const RELU: bool> =
            MaxPool<1, K, K, C, K, 1, 1, RELU>;
        let with_nan = [0.0f32, -0.0, 1.0, -1.0, 2.5, f32::NAN, -f32::NAN];
        let mut r = rng(70);
        for trial in 0..600 {
            // Five trials in eight draw no NaN (the vector paths' fast path); the others
            // draw NaNs of both signs often enough that nearly every window has one.
            let values = if trial % 2 == 0 || trial % 8 == 1 {
                &with_nan[..5]
            } else {
                &with_nan[..]
            };
            // Nine positions drawn, the first `K * K` used.
            let window: [[f32; C]; 9] = core::array::from_fn(|_| {
                core::array::from_fn(|_| values[crate::rand::below(&mut r, values.len())])
            });
            let mut results = [([0.0f32; C], [0u8; C]); 3];
            let [by_channel, by_position, by_lanes] = &mut results;
            let at = |p: usize| &window[p];
            Pool::<K, C, RELU>::pool_by_channel(at, &mut by_channel.0, &mut by_channel.1);
            Pool::<K, C, RELU>::pool_by_position(at, &mut by_position.0, &mut by_position.1);
            Pool::<K, C, RELU>::pool_by_lanes(at, &mut by_lanes.0, &mut by_lanes.1);
            for (out, win) in &results[1..] {
                assert_eq!(map(*out, f32::to_bits), map(results[0].0, f32::to_bits));
                assert_eq!(win, &results[0].1);
            }
        }
    }

    /// [`MaxPool2dRelu`] against [`MaxPool2d`] then [`Relu`](crate::Relu) in a chain: the
    /// same outputs and input gradients to the bit, with ties, signed zeros, negative
    /// windows (the ReLU's zero) and NaNs among the values and negative gradients (whose
    /// product with the ReLU's 0 slope is -0), on each of the three pooling paths.
    fn fused_equals_the_chain<const C: usize>() {
        use crate::{Relu, Seq};
        type Chain<const C: usize> = Seq<MaxPool2d<2, 5, 4, C, 2, 2, 2>, Relu<Images<2, 2, 2, C>>>;
        type Fused<const C: usize> = MaxPool2dRelu<2, 5, 4, C, 2, 2, 2>;
        let values = [0.0f32, -0.0, 1.0, -1.0, 2.5, -3.0, f32::NAN];
        let mut r = rng(71);
        let mut draw = |n: usize| values[crate::rand::below(&mut r, n)];
        for round in 0..200 {
            // Every fifth round without NaNs, so that gradients are compared on finite
            // windows too.
            let n = if round % 5 == 0 {
                values.len() - 1
            } else {
                values.len()
            };
            let mut input = Images::<2, 5, 4, C>::zeroed();
            input.flat_mut().iter_mut().for_each(|v| *v = draw(n));
            let mut grad = Images::<2, 2, 2, C>::zeroed();
            grad.flat_mut().iter_mut().for_each(|g| *g = draw(n - 1));
            let (mut chain, mut fused) = (Chain::<C>::zeroed(), Fused::<C>::zeroed());
            let bits = |t: &[f32]| t.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(
                bits(chain.forward(&input).flat()),
                bits(fused.forward(&input).flat())
            );
            let (mut from_chain, mut from_fused) = (Images::zeroed(), Images::zeroed());
            chain.backward(&input, &grad, Some(&mut from_chain));
            fused.backward(&input, &grad, Some(&mut from_fused));
            assert_eq!(bits(from_chain.flat()), bits(from_fused.flat()));
        }
    }

    #[test]
    fn pooling_then_relu_in_one_pass_gives_the_bits_of_the_two_layers() {
        fused_equals_the_chain::<3>(); // by position
        fused_equals_the_chain::<8>(); // by lanes (AVX2), else by position
        fused_equals_the_chain::<32>(); // by lanes (AVX2), else by channel
    }

    #[test]
    fn pooling_then_relu_gradient() {
        assert_gradients(
            &mut MaxPool2dRelu::<2, 4, 6, 3, 2, 2, 3>::zeroed(),
            // MaxPool2d's seed: with some others two values of a window lie closer than
            // the finite difference's step, for the chain of two layers as for this one.
            &mut rng(52),
        );
    }

    #[test]
    fn pooling_then_relu_is_named_as_two_layers() {
        use crate::io::names::Path;
        use crate::{Flatten, Linear, Seq};
        type Net =
            Seq![MaxPool2dRelu<1, 2, 2, 1, 2, 1, 1>, Flatten<1, 1, 1, 1, 1>, Linear<1, 1, 1>];
        let mut names = std::vec::Vec::new();
        Net::zeroed().describe(&mut Path::new(), &mut |path, spec| {
            names.push(std::format!("{path}.{}", spec.role));
        });
        // As nn.Sequential(MaxPool2d, ReLU, Flatten, Linear) numbers them.
        assert_eq!(names, ["3.weight", "3.bias"]);
    }

    #[test]
    fn routing_in_vectors_gives_the_bits_of_the_plain_loop() {
        fn check<const C: usize>(seed: u64) {
            type Gi<const C: usize> = Image<4, 6, C>;
            let mut r = rng(seed);
            // Gradients with signs, zeros of both signs and a NaN; winners in 0..4.
            let specials = [0.0, -0.0, f32::NAN, -1.5, 2.25];
            let g: [f32; C] = core::array::from_fn(|c| match c % 7 {
                0..=4 => specials[c % 7],
                _ => crate::rand::uniform(&mut r, -3.0, 3.0),
            });
            let win: [u8; C] = core::array::from_fn(|_| crate::rand::below(&mut r, 4) as u8);
            let (mut fast, mut plain) = ([[[7.0f32; C]; 6]; 4], [[[7.0f32; C]; 6]; 4]);
            for (oy, ox) in [(0, 0), (1, 2)] {
                MaxPool2d::<1, 4, 6, C, 2, 2, 3>::route(&g, &win, &mut fast, (oy, ox));
                MaxPool2d::<1, 4, 6, C, 2, 2, 3>::route_plain(&g, &win, &mut plain, (oy, ox));
            }
            let bits = |t: &Gi<C>| map(*t, |row| map(row, |px| map(px, f32::to_bits)));
            assert_eq!(bits(&fast), bits(&plain));
        }
        check::<8>(1);
        check::<16>(2);
        check::<12>(3); // not a multiple of 8: the plain loop itself
    }

    #[test]
    fn by_channel_by_position_and_by_lanes_agree() {
        paths_agree::<3, 8, false>();
        paths_agree::<3, 32, false>();
        paths_agree::<3, 8, true>();
        paths_agree::<3, 32, true>();
        paths_agree::<2, 8, true>();
        paths_agree::<2, 16, true>();
        paths_agree::<2, 32, false>();
    }
}

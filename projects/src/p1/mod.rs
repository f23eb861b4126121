//! Project 1: is the first of two 14x14 MNIST digits less than or equal to the second?
//!
//! What host, device, tests and benches share:
//! - the data as every network sees it: a [`PairImage`], standardised by
//!   [`PixelStandardise`] with the training pairs' statistics, written into a network's
//!   input by [`PairBatch`];
//! - the networks ([`nets`]), generic over the batch: the host trains them 50 pairs at a
//!   time, a microcontroller runs them one pair at a time, a model file moves between the
//!   two;
//! - the objectives ([`objective`]): how each network is trained and read;
//! - the file of test pairs a device checks a host-trained model on ([`pairs_file`]);
//! - one training epoch ([`train`]), with the augmentation, run by host and device alike;
//! - the recipe of `tiny`, the network a microcontroller trains ([`tiny`]).
//!
//! The pairs themselves are drawn on the host (the port of `generate_pair_sets`, from the
//! MNIST files).

pub mod nets;
pub mod objective;
pub mod pairs_file;
pub mod tiny;
pub mod train;

use minidl::{Batch, Image, Images, Tensor};

/// Pairs in each of the training and test sets of a round.
pub const PAIRS: usize = 1000;
/// Mini-batch size on the host, in pairs.
pub const BATCH: usize = 50;
/// Images in a host mini-batch (two per pair).
pub const BATCH_IMAGES: usize = 2 * BATCH;
/// Side of a pooled image (MNIST's 28, pooled 2x2).
pub const SIDE: usize = 14;
/// Pixels of a pair (2 x 14 x 14).
pub const PAIR_PIXELS: usize = 2 * SIDE * SIDE;

/// Two pooled 14x14 images in raw 0..255 units, channel first, as the course's
/// `N x 2 x 14 x 14` tensor.
pub type PairImage = [[[f32; SIDE]; SIDE]; 2];

/// One image of a pair, as the digit networks see it: one channel.
pub type Digit = Image<SIDE, SIDE, 1>;

/// Pixel standardisation with statistics of the training pairs only: every network sees
/// `(pixel - mean) / std`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PixelStandardise {
    /// Mean pixel value.
    pub mean: f32,
    /// Standard deviation of the pixel values (divides by n; at least 1e-6).
    pub std: f32,
}

impl PixelStandardise {
    /// Mean and standard deviation of every pixel of `pairs`, summed in f64.
    pub fn fit<'a, I>(pairs: I) -> Self
    where
        I: IntoIterator<Item = &'a PairImage>,
        I::IntoIter: Clone,
    {
        let pairs = pairs.into_iter();
        let pixels = || pairs.clone().flat_map(|p| p.iter().flatten().flatten());
        let n = pixels().count() as f64;
        let mean = pixels().map(|&v| v as f64).sum::<f64>() / n;
        let var = pixels()
            .map(|&v| (v as f64 - mean) * (v as f64 - mean))
            .sum::<f64>()
            / n;
        Self {
            mean: mean as f32,
            std: libm::sqrt(var).max(1e-6) as f32,
        }
    }

    /// One pixel, standardised.
    pub fn apply(&self, v: f32) -> f32 {
        (v - self.mean) / self.std
    }
}

/// A network input that holds a batch of pairs in its own layout.
pub trait PairBatch: Tensor {
    /// Writes `pair`, standardised with `norm`, into slot `k` of the batch.
    fn set(&mut self, k: usize, pair: &PairImage, norm: PixelStandardise);
}

/// Flat vectors: both images, channel first, row by row.
impl<const B: usize> PairBatch for Batch<B, PAIR_PIXELS> {
    fn set(&mut self, k: usize, pair: &PairImage, norm: PixelStandardise) {
        // Flat slices, not nested iterators, so that the loop is vectorised (its division
        // per pixel was 5% of `mlp`'s training time, one at a time).
        for (slot, &v) in self[k].iter_mut().zip(pair.as_flattened().as_flattened()) {
            *slot = norm.apply(v);
        }
    }
}

/// One 2-channel image (channels last).
impl<const B: usize> PairBatch for Images<B, SIDE, SIDE, 2> {
    fn set(&mut self, k: usize, pair: &PairImage, norm: PixelStandardise) {
        let [first, second] = pair.each_ref().map(|image| image.as_flattened());
        let pixels = self[k].as_flattened_mut().iter_mut().zip(first).zip(second);
        for ((slot, &a), &b) in pixels {
            *slot = [norm.apply(a), norm.apply(b)];
        }
    }
}

/// Two 1-channel images.
impl<const B: usize> PairBatch for [[Digit; 2]; B] {
    fn set(&mut self, k: usize, pair: &PairImage, norm: PixelStandardise) {
        let slots = self[k].as_flattened_mut().as_flattened_mut();
        for (slot, &v) in slots.iter_mut().zip(pair.as_flattened().as_flattened()) {
            *slot = [norm.apply(v)];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(seed: f32) -> PairImage {
        core::array::from_fn(|c| {
            core::array::from_fn(|y| core::array::from_fn(|x| (c * 196 + y * 14 + x) as f32 * seed))
        })
    }

    #[test]
    fn standardised_pixels_have_zero_mean_and_unit_variance() {
        let pairs = [pair(0.5), pair(1.0), pair(0.25)];
        let norm = PixelStandardise::fit(&pairs);
        let z = || {
            pairs
                .iter()
                .flat_map(|p| p.iter().flatten().flatten())
                .map(|&v| norm.apply(v) as f64)
        };
        let n = (3 * PAIR_PIXELS) as f64;
        assert!((z().sum::<f64>() / n).abs() < 1e-5);
        assert!((z().map(|v| v * v).sum::<f64>() / n - 1.0).abs() < 1e-4);
    }

    #[test]
    fn every_layout_holds_the_same_standardised_pixels() {
        let norm = PixelStandardise {
            mean: 3.0,
            std: 2.0,
        };
        let p = pair(1.0);
        let mut flat = [[0.0; PAIR_PIXELS]; 2];
        let mut channels = [[[[0.0; 2]; SIDE]; SIDE]; 2];
        let mut digits = [[[[[0.0; 1]; SIDE]; SIDE]; 2]; 2];
        flat.set(1, &p, norm);
        channels.set(1, &p, norm);
        digits.set(1, &p, norm);
        for c in 0..2 {
            for y in 0..SIDE {
                for x in 0..SIDE {
                    let v = norm.apply(p[c][y][x]);
                    assert_eq!(flat[1][c * 196 + y * 14 + x], v);
                    assert_eq!(channels[1][y][x][c], v);
                    assert_eq!(digits[1][c][y][x][0], v);
                }
            }
        }
        assert!(flat[0].iter().all(|&v| v == 0.0), "slot 0 untouched");
    }
}

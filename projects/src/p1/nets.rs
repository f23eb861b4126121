//! The Project 1 networks, as types generic over the batch (`B` pairs, or `N` = `2B` single
//! images for the digit networks).
//!
//! `siamese`, `aux` and `siamese-aux` use the same digit network (the convnet's layers on
//! one image, ending in 10 digit logits) and the same head, so that their differences come
//! from weight sharing and the auxiliary loss alone.
//!
//! Every "max-pool 2, ReLU" below is one [`MaxPool2dRelu`] layer: the same numbers as the two
//! layers, one pass and one array fewer, and the same tensor names.

use super::{Digit, PAIR_PIXELS, SIDE};
use minidl::{
    Batch, BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Flatten, Images, Linear, MaxPool2dRelu, Relu,
    Reshape, Residual, Seq, Siamese, Twin,
};

/// Dropout before the last layer of the digit nets and the convnet, in percent.
pub const DROPOUT: usize = 50;

/// `mlp`: 392 -> 160 -> 50 -> 2, ReLU: about the convnet's parameter count.
pub type MlpNet<const B: usize> = Seq![
    Linear<PAIR_PIXELS, 160, B>,
    Relu<Batch<B, 160>>,
    Linear<160, 50, B>,
    Relu<Batch<B, 50>>,
    Linear<50, 2, B>,
];

/// The handout's convnet layers with their widths as parameters, on `N` images of `CI`
/// channels, ending in `OUT` logits: conv 3x3 CI->C1, max-pool 2, ReLU, conv 3x3 C1->C2,
/// max-pool 2, ReLU, linear FLAT (= 4 C2, checked when built) -> H, ReLU, dropout, linear
/// H -> OUT. The width sweeps (`host sweep --param conv1-channels`, ...) compile a few.
pub type SizedConvNet<
    const N: usize,
    const CI: usize,
    const C1: usize,
    const C2: usize,
    const FLAT: usize,
    const H: usize,
    const OUT: usize,
> = Seq![
    Conv2d<N, SIDE, SIDE, CI, C1, 3, 0, 12, 12>,
    MaxPool2dRelu<N, 12, 12, C1, 2, 6, 6>,
    Conv2d<N, 6, 6, C1, C2, 3, 0, 4, 4>,
    MaxPool2dRelu<N, 4, 4, C2, 2, 2, 2>,
    Flatten<N, 2, 2, C2, FLAT>,
    Linear<FLAT, H, N>,
    Relu<Batch<N, H>>,
    Dropout<Batch<N, H>, DROPOUT>,
    Linear<H, OUT, N>,
];

/// The handout's convnet layers on `N` images of `CI` channels, ending in `OUT` logits:
/// conv 3x3 CI->32, max-pool 2, ReLU, conv 3x3 32->64, max-pool 2, ReLU, linear 256 -> 200,
/// ReLU, dropout, linear 200 -> OUT.
pub type HandoutConvNet<const N: usize, const CI: usize, const OUT: usize> =
    SizedConvNet<N, CI, 32, 64, 256, 200, OUT>;

/// The digit net with other widths: `SizedDigitNet<N, 32, 64, 256, 200>` is [`DigitNet`].
pub type SizedDigitNet<
    const N: usize,
    const C1: usize,
    const C2: usize,
    const FLAT: usize,
    const H: usize,
> = SizedConvNet<N, 1, C1, C2, FLAT, H, 10>;

/// `convnet`, the handout's: its layers on the 2-channel image of each of `B` pairs, two
/// target logits.
pub type ConvNet<const B: usize> = HandoutConvNet<B, 2, 2>;

/// The digit net: the same layers on one 1-channel image, ten digit logits, `N` images a
/// batch.
pub type DigitNet<const N: usize> = HandoutConvNet<N, 1, 10>;

/// The digit logits of both images of each of `B` pairs.
pub type PairLogits<const B: usize> = [[[f32; 10]; 2]; B];

/// The head on the two digit outputs side by side: 20 -> 60 -> 2.
pub type Head<const B: usize> = Seq![
    Reshape<PairLogits<B>, Batch<B, 20>>,
    Linear<20, 60, B>,
    Relu<Batch<B, 60>>,
    Linear<60, 2, B>,
];

/// `siamese` and `siamese-aux`: one digit network on both images (`B2 = 2B` of them), the
/// head on its outputs.
pub type SiameseNet<const B: usize, const B2: usize> =
    Seq<Siamese<DigitNet<B2>, Digit, [f32; 10], B, B2>, Head<B>>;

/// `aux`: a digit network per image (no sharing), the same head.
pub type TwinNet<const B: usize> =
    Seq<Twin<DigitNet<B>, DigitNet<B>, Digit, [f32; 10], B>, Head<B>>;

/// The shape of a layer that changes nothing: where a variant of the digit network has no
/// batch norm or no extra block (a view, no copy, in the forward pass).
pub type Same<T> = Reshape<T, T>;

/// The digit network with four slots, for the batch-norm and skip-connection variants of
/// `siamese-aux` (the 2020 student project's "batch norm + skip" study): conv 3x3 1->32,
/// `Norm1`, max-pool 2, ReLU, `Block` (on 32 channels at 6x6), conv 3x3 32->64, `Norm2`,
/// max-pool 2, ReLU, linear 256 -> 200, `Norm3`, ReLU, dropout, linear 200 -> 10.
pub type DigitNetWith<const N: usize, Norm1, Block, Norm2, Norm3> = Seq![
    Conv2d<N, SIDE, SIDE, 1, 32, 3, 0, 12, 12>,
    Norm1,
    MaxPool2dRelu<N, 12, 12, 32, 2, 6, 6>,
    Block,
    Conv2d<N, 6, 6, 32, 64, 3, 0, 4, 4>,
    Norm2,
    MaxPool2dRelu<N, 4, 4, 64, 2, 2, 2>,
    Flatten<N, 2, 2, 64, 256>,
    Linear<256, 200, N>,
    Norm3,
    Relu<Batch<N, 200>>,
    Dropout<Batch<N, 200>, DROPOUT>,
    Linear<200, 10, N>,
];

/// The extra block of `deep` and `skip`: a padded conv 3x3 32->32 and ReLU, on 6x6.
pub type ExtraConv<const N: usize> =
    Seq![Conv2d<N, 6, 6, 32, 32, 3, 1, 6, 6>, Relu<Images<N, 6, 6, 32>>];

/// The extra block of `bn-skip`: the same with batch norm before the ReLU.
pub type ExtraConvBn<const N: usize> = Seq![
    Conv2d<N, 6, 6, 32, 32, 3, 1, 6, 6>,
    BatchNorm2d<N, 6, 6, 32>,
    Relu<Images<N, 6, 6, 32>>,
];

/// `bn`'s digit network: batch norm after both convolutions and the hidden layer.
pub type BnDigitNet<const N: usize> = DigitNetWith<
    N,
    BatchNorm2d<N, 12, 12, 32>,
    Same<Images<N, 6, 6, 32>>,
    BatchNorm2d<N, 4, 4, 64>,
    BatchNorm1d<N, 200>,
>;

/// `deep`'s digit network: the extra convolution, no skip connection.
pub type DeepDigitNet<const N: usize> = DigitNetWith<
    N,
    Same<Images<N, 12, 12, 32>>,
    ExtraConv<N>,
    Same<Images<N, 4, 4, 64>>,
    Same<Batch<N, 200>>,
>;

/// `skip`'s digit network: the extra convolution inside a skip connection.
pub type SkipDigitNet<const N: usize> = DigitNetWith<
    N,
    Same<Images<N, 12, 12, 32>>,
    Residual<ExtraConv<N>>,
    Same<Images<N, 4, 4, 64>>,
    Same<Batch<N, 200>>,
>;

/// `bn-skip`'s digit network: batch norm everywhere, the extra convolution (with batch
/// norm) inside a skip connection.
pub type BnSkipDigitNet<const N: usize> = DigitNetWith<
    N,
    BatchNorm2d<N, 12, 12, 32>,
    Residual<ExtraConvBn<N>>,
    BatchNorm2d<N, 4, 4, 64>,
    BatchNorm1d<N, 200>,
>;

/// A digit network `D` on both images of each of `B` pairs (`B2 = 2B` images), the head on
/// its outputs: `siamese-aux`'s structure.
pub type SiameseOf<D, const B: usize, const B2: usize> =
    Seq<Siamese<D, Digit, [f32; 10], B, B2>, Head<B>>;

/// The digit network of `best`: two padded 3x3 convolutions with batch norm, max-pooling,
/// a batch-normalised hidden layer with dropout, 10 digit logits.
///
/// ReLU after the pooling, as in the handout's network: the two orders compute the same
/// function and gradients (ReLU is monotone, so the pooled maximum is the same value and
/// position whenever it is positive, and the gradient is zero where it is not), but the
/// ReLU then sees a quarter of the elements. Measured on AMD EPYC Zen 3 (AVX2), 100 images:
/// the first ReLU's forward and backward took 182 us of an 11 ms step before the pooling,
/// as it passes over 2.5 MB of activations twice.
pub type BestDigitNet<const N: usize> = Seq![
    Conv2d<N, SIDE, SIDE, 1, 32, 3, 1, 14, 14>,
    BatchNorm2d<N, 14, 14, 32>,
    MaxPool2dRelu<N, 14, 14, 32, 2, 7, 7>,
    Conv2d<N, 7, 7, 32, 64, 3, 1, 7, 7>,
    BatchNorm2d<N, 7, 7, 64>,
    MaxPool2dRelu<N, 7, 7, 64, 2, 3, 3>,
    Flatten<N, 3, 3, 64, 576>,
    Linear<576, 128, N>,
    BatchNorm1d<N, 128>,
    Relu<Batch<N, 128>>,
    Dropout<Batch<N, 128>, DROPOUT>,
    Linear<128, 10, N>,
];

/// `best`: the batch-normalised digit network on both images (`B2 = 2B` of them).
pub type BestNet<const B: usize, const B2: usize> =
    Siamese<BestDigitNet<B2>, Digit, [f32; 10], B, B2>;

/// The digit network of `tiny`, small enough to train on a microcontroller with 256 KiB of
/// RAM: the handout's layout with a quarter of the channels and a 32-unit hidden layer, no
/// dropout: conv 3x3 1->8, max-pool 2, ReLU, conv 3x3 8->16, max-pool 2, ReLU, linear
/// 64 -> 32, ReLU, linear 32 -> 10.
pub type TinyDigitNet<const N: usize> = Seq![
    Conv2d<N, SIDE, SIDE, 1, 8, 3, 0, 12, 12>,
    MaxPool2dRelu<N, 12, 12, 8, 2, 6, 6>,
    Conv2d<N, 6, 6, 8, 16, 3, 0, 4, 4>,
    MaxPool2dRelu<N, 4, 4, 16, 2, 2, 2>,
    Flatten<N, 2, 2, 16, 64>,
    Linear<64, 32, N>,
    Relu<Batch<N, 32>>,
    Linear<32, 10, N>,
];

/// `tiny`: `siamese-aux`'s structure (one digit network on both images, `B2 = 2B` of them,
/// the same head) with the tiny digit network; what the `digits` firmware trains.
pub type TinyNet<const B: usize, const B2: usize> =
    Seq<Siamese<TinyDigitNet<B2>, Digit, [f32; 10], B, B2>, Head<B>>;

#[cfg(test)]
mod tests {
    use super::*;
    use minidl::Module;

    #[test]
    fn parameter_counts_do_not_depend_on_the_batch() {
        assert_eq!(<ConvNet<1> as Module>::PARAMS, 70_906);
        assert_eq!(
            <ConvNet<1> as Module>::PARAMS,
            <ConvNet<50> as Module>::PARAMS
        );
        let digit = <DigitNet<1> as Module>::PARAMS;
        let head = <Head<1> as Module>::PARAMS;
        assert_eq!(<SiameseNet<1, 2> as Module>::PARAMS, digit + head);
        assert_eq!(<SiameseNet<50, 100> as Module>::PARAMS, digit + head);
        assert_eq!(<TwinNet<3> as Module>::PARAMS, 2 * digit + head);
        assert_eq!(head, 20 * 60 + 60 + 60 * 2 + 2);
    }

    #[test]
    fn multiply_adds_match_the_hand_counts() {
        // Per pair, forward: conv1 12x12x32 outputs of 18 taps, conv2 4x4x64 of 288,
        // linear 256x200 and 200x2.
        assert_eq!(
            <ConvNet<1> as Module>::MACS,
            82_944 + 294_912 + 51_200 + 400
        );
        // Training: weight gradients of all four, input gradients of all but conv1.
        let backward = 82_944 + 2 * 294_912 + 2 * 51_200 + 2 * 400;
        assert_eq!(minidl::training_macs::<ConvNet<1>>(), 429_456 + backward);
        // 25 epochs of 1,000 pairs at 2 FLOP per multiply-add: 60.3 GFLOP (convnet) and
        // 304.7 GFLOP (best) per round.
        let round = |macs: usize| 2.0 * macs as f64 * 25.0 * 1000.0 / 1e9;
        assert!((round(minidl::training_macs::<ConvNet<1>>()) - 60.27).abs() < 0.01);
        let best = minidl::training_macs::<BestNet<1, 2>>();
        assert!((round(best) - 304.74).abs() < 0.01, "{}", round(best));
        // The batch multiplies everything.
        assert_eq!(
            minidl::training_macs::<SiameseNet<50, 100>>(),
            50 * minidl::training_macs::<SiameseNet<1, 2>>()
        );
    }
}

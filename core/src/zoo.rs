//! The Project 1 networks that travel between host and device, as types generic over the
//! batch size: the host trains them with batches of 50 pairs, a microcontroller runs the
//! same architecture one pair at a time, and a model file moves between the two.

use crate::pair::Siamese;
use crate::{
    Batch, Conv2d, Dropout, Flatten, Image, Images, Linear, MaxPool2d, Relu, Reshape, Seq,
};

/// Dropout before the last layer of the digit net, in percent.
pub const DROPOUT: usize = 50;

/// One 14x14 image of a pair, one channel.
pub type Digit = Image<14, 14, 1>;

/// The handout convnet's layers on one 1-channel image, ending in 10 digit logits, `N`
/// images a batch: conv 3x3 1->32, max-pool 2, ReLU, conv 3x3 32->64, max-pool 2, ReLU,
/// linear 256->200, ReLU, dropout, linear 200->10.
pub type DigitNet<const N: usize> = Seq![
    Conv2d<N, 14, 14, 1, 32, 3, 0, 12, 12>,
    MaxPool2d<N, 12, 12, 32, 2, 6, 6>,
    Relu<Images<N, 6, 6, 32>>,
    Conv2d<N, 6, 6, 32, 64, 3, 0, 4, 4>,
    MaxPool2d<N, 4, 4, 64, 2, 2, 2>,
    Relu<Images<N, 2, 2, 64>>,
    Flatten<N, 2, 2, 64, 256>,
    Linear<256, 200, N>,
    Relu<Batch<N, 200>>,
    Dropout<Batch<N, 200>, DROPOUT>,
    Linear<200, 10, N>,
];

/// The digit logits of both images of each of `B` pairs.
pub type PairLogits<const B: usize> = [[[f32; 10]; 2]; B];

/// The head on the two digit outputs side by side: 20 -> 60 -> 2.
pub type Head<const B: usize> = Seq![Reshape<PairLogits<B>, Batch<B, 20>>, Linear<20, 60, B>, Relu<Batch<B, 60>>, Linear<60, 2, B>];

/// `siamese` and `siamese-aux`: one digit network on both images (`B2 = 2B` of them), the
/// head on its outputs.
pub type SiameseNet<const B: usize, const B2: usize> =
    Seq<Siamese<DigitNet<B2>, Digit, [f32; 10], B, B2>, Head<B>>;

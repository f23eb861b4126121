//! The layers: each a [`Module`](crate::Module) with a hand-written forward and backward
//! pass and a finite-difference test beside it.
//!
//! | file | layers |
//! |---|---|
//! | `linear.rs` | [`Linear`]: `y = x W + b` on the register-tiled matrix product |
//! | `conv/` | [`Conv2d`]: direct convolution in channels-last layout (the layer in `mod.rs`; `forward.rs`, `input_gradient.rs`, `weight_gradient.rs`) |
//! | `pool.rs` | [`MaxPool2d`], and [`MaxPool2dRelu`] (pooling and a ReLU in one pass) |
//! | `batchnorm.rs` | [`BatchNorm`] ([`BatchNorm1d`], [`BatchNorm2d`]) |
//! | `dropout.rs` | [`Dropout`], seeded |
//! | `activation.rs` | [`Relu`], [`Tanh`], [`Sigmoid`] |
//! | `residual.rs` | [`Residual`]: `y = x + M(x)`, a skip connection around any same-shape module |
//! | `reshape.rs` | [`Reshape`], [`Flatten`]: views, no copy |
//! | `siamese.rs` | [`Siamese`] (one network on both items of a pair) and [`Twin`] (two networks) |
//!
//! # Alignment
//!
//! On x86-64 and aarch64 (`cfg(cache_lines)`, set by `core/build.rs`) every layer that
//! owns arrays, and [`Seq`](struct@crate::Seq), starts on a 64-byte cache line and lays its
//! fields out in the order written (`repr(C, align(64))`): the large arrays first (weights,
//! their gradients, activations), the per-channel vectors and flags last, so that every
//! large array starts on a line whenever the ones before it fill whole lines (channel
//! counts that are multiples of 16 do). Without it, where an array landed depended on the
//! sizes of everything before it in the network, and a vector load that straddles two
//! lines costs two. Measured on AMD EPYC Zen 3 (AVX2), 100 images: `best`'s conv2 forward
//! 1680 us on a line, 2010-2230 us a few floats off; `best` trained 5.09 -> 4.44 s per round
//! on one thread. The numbers are the same bits either way. A Cortex-M4 has no cache lines:
//! its layers keep the default layout (no padding).

mod activation;
mod batchnorm;
mod conv;
mod dropout;
mod linear;
mod pool;
mod reshape;
mod residual;
mod siamese;

pub use activation::{Relu, Sigmoid, Tanh};
pub use batchnorm::{BatchNorm, BatchNorm1d, BatchNorm2d};
pub use conv::Conv2d;
pub use dropout::Dropout;
pub use linear::Linear;
pub use pool::{MaxPool, MaxPool2d, MaxPool2dRelu};
pub use reshape::{Flatten, Reshape};
pub use residual::Residual;
pub use siamese::{Siamese, Twin};

//! The layers: each a [`Module`](crate::Module) with a hand-written forward and backward
//! pass and a finite-difference test beside it.
//!
//! | file | layers |
//! |---|---|
//! | `linear.rs` | [`Linear`]: `y = x W + b` on the register-tiled matrix product |
//! | `conv/` | [`Conv2d`]: direct convolution in channels-last layout (forward in `mod.rs`, backward in `backward.rs`) |
//! | `pool.rs` | [`MaxPool2d`] |
//! | `batchnorm.rs` | [`BatchNorm`] ([`BatchNorm1d`], [`BatchNorm2d`]) |
//! | `dropout.rs` | [`Dropout`], seeded |
//! | `activation.rs` | [`Relu`], [`Tanh`], [`Sigmoid`] |
//! | `residual.rs` | [`Residual`]: `y = x + M(x)`, a skip connection around any same-shape module |
//! | `reshape.rs` | [`Reshape`], [`Flatten`]: views, no copy |
//! | `siamese.rs` | [`Siamese`] (one network on both items of a pair) and [`Twin`] (two networks) |
//!
//! # Alignment
//!
//! On x86-64 and aarch64 the layers with vector kernels ([`Linear`], [`Conv2d`],
//! [`BatchNorm`], [`MaxPool2d`]) start on a 64-byte cache line and lay their fields out in
//! order (`repr(C, align(64))`), so that their first array, and every later one whose
//! predecessors fill whole lines (channel counts that are multiples of 16), starts on a line
//! too. Where a layer lands otherwise depends on the sizes of the layers before it in the
//! network, and a vector load that straddles two lines costs two. Measured on AMD EPYC
//! Zen 3 (AVX2), 100 images: `best`'s conv2 forward 1680 us at a line, 2010-2230 us a few
//! floats off it; a training step of `best` 10.3-10.4 -> 8.5 ms, `siamese-aux` 3.6 -> 2.95
//! ms, `tiny` 256 -> 246 us, `mlp` 209 -> 202 us. The numbers are the same bits either way.
//! A Cortex-M4 has no cache lines: its layers keep the default layout (no padding).

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
pub use pool::MaxPool2d;
pub use reshape::{Flatten, Reshape};
pub use residual::Residual;
pub use siamese::{Siamese, Twin};

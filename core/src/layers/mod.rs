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

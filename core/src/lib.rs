//! # minidl: a mini deep-learning framework without a heap
//!
//! `minidl` is the "mini deep-learning framework" of EPFL EE-559's second mini-project,
//! written so that the same code trains networks on a workstation and on a microcontroller.
//! Every forward and backward pass is written by hand; there is no autograd.
//!
//! ## Layers of the crate
//!
//! 1. **Tensors** ([`tensor`]): plain nested `f32` arrays with compile-time shapes, e.g.
//!    [`Batch<B, N>`] = `[[f32; N]; B]` and [`Images<B, H, W, C>`] (channels last). Any
//!    tensor can be viewed flat or reshaped without copying.
//! 2. **Kernels** ([`kernels`]): the few inner loops everything is made of, shaped so the
//!    compiler vectorises them.
//! 3. **Modules** ([`Module`]): `forward`, `backward`, `visit_params` (the handout's
//!    `param()`), `zero_grad`, `init`, `set_mode`. Layers: [`Linear`], [`Conv2d`],
//!    [`MaxPool2d`], [`BatchNorm`], [`Dropout`], [`Relu`], [`Tanh`], [`Sigmoid`],
//!    [`Reshape`]/[`Flatten`], composed by [`Seq`](struct@Seq) (written
//!    [`Seq!`](macro@Seq)`[A, B, C]`). For pairs of inputs: [`Siamese`] (one network, shared
//!    weights) and [`Twin`] (two networks), whose outputs sit side by side (concatenated).
//! 4. **Losses** ([`MseLoss`], [`CrossEntropyLoss`], [`AuxLoss`]) and **optimisers**
//!    ([`Sgd`], [`Adam`]).
//! 5. **Checking** ([`gradcheck`]): finite-difference verification of any module.
//! 6. **Data** ([`idx`]): the MNIST file format, parsed from a byte slice; [`disk`]: the
//!    Project 2 points, drawn the same way on the host and on a device.
//!
//! ## Example
//!
//! One training step of a small network on a batch of 10 (the README's example):
//!
//! ```
//! use minidl::{Batch, Init, Linear, Module, MseLoss, Optimizer, Relu, Seq, Sgd, SgdConfig, Zeroable};
//! use minidl::{rand_core::SeedableRng, rand_xoshiro::Xoshiro256PlusPlus};
//!
//! type Net = Seq![Linear<2, 25, 10>, Relu<Batch<10, 25>>, Linear<25, 2, 10>];
//! let mut net = Net::zeroed(); // on a device: a zeroed `static`
//! net.init(Init::PyTorchDefault, &mut Xoshiro256PlusPlus::seed_from_u64(0));
//! let mut sgd = Sgd::<{ <Net as Module>::PARAMS }>::new(SgdConfig::plain(0.1));
//! let mut loss = MseLoss::<Batch<10, 2>>::new();
//! let (x, target) = ([[0.5; 2]; 10], [[1.0, 0.0]; 10]);
//! let before = loss.forward(net.forward(&x), &target);
//! for _ in 0..20 {
//!     net.zero_grad();
//!     let y = net.forward(&x);
//!     loss.forward(y, &target);
//!     net.backward(&x, loss.grad(), None);
//!     sgd.step(&mut net);
//! }
//! assert!(loss.forward(net.forward(&x), &target) < before / 10.0);
//! ```
//!
//! ## Design rules
//!
//! - **No allocation, ever.** The crate is `#![no_std]` and does not use `alloc`. Every
//!   buffer has a size known at compile time and lives inside the struct that needs it: a
//!   layer owns its output and whatever its backward pass needs, a [`Seq`](struct@Seq) owns the gradient
//!   at its junction, an optimiser owns its moment estimates. The memory a network needs is
//!   therefore `size_of::<Net>()`, known before the program runs.
//! - **Shapes are types.** The batch size is a const parameter of every layer; a [`Seq`](struct@Seq)
//!   only compiles if its halves' shapes chain, and an optimiser sized for one parameter
//!   count refuses, at compile time, a model with another. Where a relation between const
//!   parameters cannot be written in a type on stable Rust (an output size), an
//!   associated-const `assert!` rejects the wrong value when the code is built.
//! - **Big values never touch the stack.** Everything is [`Zeroable`]: a host zeroes a heap
//!   slot and initialises in place, a device declares a zeroed `static`. Nothing here
//!   returns a large array by value.
//! - **Outputs by reference, inputs passed back.** `forward` returns a reference to the
//!   output the module owns; `backward` is given the same input again rather than keeping
//!   a copy, so activations are stored once.
//! - **Reproducible.** Randomness comes only from generators the caller seeds; kernels
//!   never reassociate sums differently from one target to another.
//!
//! ## Features
//!
//! - `std` (off by default): the crate then links `std` for one thing only, the fused
//!   multiply-add `f32::mul_add`, which the vectoriser turns into FMA instructions on CPUs
//!   that have them (about twice the arithmetic per cycle). Without it the crate is
//!   `no_std` and multiplies then adds. The host enables it.
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![warn(missing_docs)]

pub mod activation;
pub mod batchnorm;
pub mod conv;
pub mod disk;
pub mod dropout;
pub mod gradcheck;
pub mod idx;
pub mod init;
pub mod kernels;
pub mod linear;
pub mod loss;
pub mod math;
pub mod model_file;
pub mod module;
pub mod optim;
pub mod pair;
pub mod pool;
pub mod reshape;
pub mod sequential;
pub mod tensor;
pub mod zoo;

pub use activation::{Relu, Sigmoid, Tanh};
pub use batchnorm::{BatchNorm, BatchNorm1d, BatchNorm2d};
pub use conv::Conv2d;
pub use dropout::Dropout;
pub use init::Init;
pub use linear::Linear;
pub use loss::{CrossEntropyLoss, MseLoss};
pub use module::{param_count, Mode, Module};
pub use optim::{Adam, AdamConfig, Optimizer, Sgd, SgdConfig};
pub use pair::{AuxLoss, Siamese, Twin};
pub use pool::MaxPool2d;
pub use reshape::{Flatten, Reshape};
pub use sequential::Seq;
pub use tensor::{
    argmax, reshape, reshape_mut, zeroed_in_place, Batch, Image, Images, Tensor, Zeroable,
};

/// Re-exported so users seed the same generator the crate is tested with.
pub use rand_core;
/// Re-exported so users seed the same generator the crate is tested with.
pub use rand_xoshiro;

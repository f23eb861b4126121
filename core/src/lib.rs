//! # minidl: a mini deep-learning framework without a heap
//!
//! `minidl` is the "mini deep-learning framework" of EPFL EE-559's second mini-project,
//! written so that the same code trains networks on a workstation and on a microcontroller.
//! Every forward and backward pass is written by hand; there is no autograd. Nothing here
//! knows about either project: the networks, data and recipes of the two mini-projects live
//! in the `projects` crate, which host and firmware share.
//!
//! ## The crate, folder by folder
//!
//! Read top-down, each part uses only the ones above it.
//!
//! 1. **Tensors** ([`tensor`]): plain nested `f32` arrays with compile-time shapes, e.g.
//!    [`Batch<B, N>`] = `[[f32; N]; B]` and [`Images<B, H, W, C>`] (channels last). Any
//!    tensor can be viewed flat or reshaped without copying.
//! 2. **Math and randomness** ([`math`], [`rand`]): elementary functions written so that
//!    loops over them vectorise, one file each with its method and error bound; uniform,
//!    normal and integer samples and the shuffle, from a generator the caller seeds.
//! 3. **Kernels** ([`kernels`]): the few inner loops everything is made of, `axpy`, `add`,
//!    `ger` (a rank-one update of a register tile), the register-tiled matrix product,
//!    `transpose` and `sum_of_squares`, with intrinsics on x86-64 and plain loops the
//!    compiler vectorises elsewhere.
//! 4. **Modules** ([`Module`], [`Seq`](struct@Seq), [`init`]): `forward`, `backward`,
//!    `visit_params` (the handout's `param()`), `zero_grad`, `init`, `set_mode`; chained at
//!    compile time by [`Seq!`](macro@Seq)`[A, B, C]`; initialised by the schemes of [`Init`].
//! 5. **Layers** ([`layers`]): [`Linear`], [`Conv2d`], [`MaxPool2d`] (and
//!    [`MaxPool2dRelu`], pooling and ReLU in one pass), [`BatchNorm`],
//!    [`Dropout`], [`Relu`], [`Tanh`], [`Sigmoid`], [`Reshape`]/[`Flatten`]; for pairs of
//!    inputs [`Siamese`] (one network, shared weights) and [`Twin`] (two networks), whose
//!    outputs sit side by side (concatenated).
//! 6. **Losses** ([`loss`]): [`MseLoss`], [`CrossEntropyLoss`], and [`AuxLoss`], a main loss
//!    plus auxiliary losses on per-item predictions.
//! 7. **Optimisers** ([`optim`]): [`Sgd`] and [`Adam`], their state sized at compile time,
//!    and the cosine learning-rate schedule.
//! 8. **Bytes** ([`io`]): the MNIST file format ([`io::idx`]) and the model file
//!    ([`io::model_file`]) that moves a trained network between host and device.
//! 9. **Checking** ([`gradcheck`]): finite-difference verification of any module, itself
//!    tested to catch a wrong gradient.
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
//! - `std` (off by default): the crate then links `std` for two things, the fused
//!   multiply-add `f32::mul_add`, which the vectoriser turns into FMA instructions on CPUs
//!   that have them (about twice the arithmetic per cycle), and `tensor::boxed_zeroed`, which
//!   places a zeroed network on the heap without a stack copy. Without it the crate is
//!   `no_std` and multiplies then adds. The host enables it.
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![warn(missing_docs)]

pub mod tensor;

pub mod math;
pub mod rand;

pub mod kernels;

pub mod init;
pub mod module;
pub mod sequential;

pub mod layers;

pub mod loss;

pub mod optim;

pub mod io;

pub mod gradcheck;

pub use init::Init;
pub use layers::{
    BatchNorm, BatchNorm1d, BatchNorm2d, Conv2d, Dropout, Flatten, Linear, MaxPool, MaxPool2d,
    MaxPool2dRelu, Relu, Reshape, Residual, Siamese, Sigmoid, Tanh, Twin,
};
pub use loss::{AuxLoss, CrossEntropyLoss, MseLoss};
pub use module::{param_count, training_macs, Mode, Module};
pub use optim::{Adam, AdamConfig, Optimizer, Sgd, SgdConfig};
pub use sequential::Seq;
#[cfg(feature = "std")]
pub use tensor::boxed_zeroed;
pub use tensor::{
    argmax, reshape, reshape_mut, zeroed_in_place, Batch, Image, Images, Tensor, Zeroable,
};

/// Re-exported so users seed the same generator the crate is tested with.
pub use rand_core;
/// Re-exported so users seed the same generator the crate is tested with.
pub use rand_xoshiro;

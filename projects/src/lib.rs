//! # projects: the two EE-559 mini-projects, on `minidl`
//!
//! Everything about the two mini-projects that more than one program needs, defined once
//! and shared by the host (`host/`), the firmware (`embedded/`), the tests and the
//! benchmarks. Like the core it is `#![no_std]` and allocates nothing, so a microcontroller
//! uses exactly what the host uses.
//!
//! - [`p1`], Project 1 (is the first of two MNIST digits <= the second?): the pair layout and
//!   pixel standardisation, every network type generic over the batch ([`p1::nets`]), the
//!   objectives that train and read them ([`p1::objective`]), and the file of test pairs a
//!   device checks a host-trained model on ([`p1::pairs_file`]).
//! - [`p2`], Project 2 (the disk task): the data, the network, the host's and the device's
//!   hyper-parameters, and one training epoch.
//!
//! What only a workstation does (reading the MNIST files, threads, timing, result files,
//! plots) is the host's.
#![cfg_attr(not(test), no_std)]
#![warn(missing_docs)]

pub mod p1;
pub mod p2;

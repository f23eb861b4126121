//! The host program: reproduces the EE-559 mini-projects on the `minidl` core, with the
//! networks, data and recipes of the `projects` crate. Read top-down:
//!
//! - [`cli`]: the command line; checks everything the user gave, runs, prints, writes;
//! - [`data`]: the MNIST files and the digit pairs of Project 1;
//! - [`p1`], [`p2`]: each project's rounds (Project 1's architectures in
//!   [`p1::registry`], its training loop in [`p1::train`]);
//! - [`parallel`], [`progress`]: rounds over threads, deterministically, and how their
//!   progress is shown;
//! - [`sweep`]: one hyper-parameter at several values, on validation pairs;
//! - [`results`], [`stats`], [`memory`], [`machine`]: what is measured, how it is
//!   summarised, and what this core can do (its FMA peak);
//! - [`output`]: result files, tables, the report and the plots; [`models`]: saved
//!   models, for devices and for PyTorch.
pub mod cli;
pub mod data;
pub mod machine;
pub mod memory;
pub mod models;
pub mod output;
pub mod p1;
pub mod p2;
pub mod parallel;
pub mod progress;
pub mod results;
pub mod stats;
pub mod sweep;

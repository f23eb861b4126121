//! The host program: reproduces the EE-559 mini-projects on the `minidl` core.
//!
//! - [`cli`]: flags, tables, JSON;
//! - [`p2`]: Project 2, the disk task;
//! - [`parallel`]: rounds over threads, deterministically;
//! - [`results`], [`stats`]: what is measured and how it is summarised;
//! - [`memory`]: heap placement of the core's fixed-size networks.
pub mod cli;
pub mod memory;
pub mod mnist;
pub mod output;
pub mod p1;
pub mod p2;
pub mod pairs;
pub mod parallel;
pub mod plots;
pub mod progress;
pub mod report;
pub mod results;
pub mod stats;

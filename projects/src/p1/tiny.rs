//! `tiny`, the Project 1 network a microcontroller trains: its recipe, shared by the host's
//! registry and the `digits` firmware, and how the device runs it.
//!
//! The device trains exactly the host's round: the same 1,000 training pairs (seed
//! [`DATA_SEED`], exported by the host into the firmware's flash), the same initialisation
//! and order (a generator seeded with [`TRAIN_SEED`]), the same 50-pair Adam steps, passed
//! [`MICRO_BATCH`] pairs at a time. Its result differs from the host's only by the rounding
//! of its sums (another order, and no fused multiply-add).

use super::nets::TinyNet;
use super::train::Schedule;

/// The round whose pairs the device trains and tests on.
pub const DATA_SEED: u64 = 0;
/// The seed of the generator that initialises the network and orders the training pairs,
/// on the host ([`crate::p1`]'s callers) as on the device.
pub const TRAIN_SEED: u64 = 559;
/// Learning rate, epochs, augmentation: chosen on validation pairs from the MNIST training
/// split (`docs/tuning/tiny-lr/sweep.md`).
pub const SCHEDULE: Schedule = Schedule {
    lr: 1.6e-2,
    epochs: 50,
    max_shift: 0,
};
/// Weight of the auxiliary digit loss (`docs/tuning/tiny-aux-weight/sweep.md`).
pub const AUX_WEIGHT: f32 = 1.0;
/// Pairs the device passes through the network at a time (its activations for more would
/// not fit in 256 KiB with everything else).
pub const MICRO_BATCH: usize = 2;
/// The network as the device instantiates it.
pub type DeviceNet = TinyNet<MICRO_BATCH, { 2 * MICRO_BATCH }>;

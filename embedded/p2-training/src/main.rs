//! Project 2 on a Cortex-M4F, start to finish on the device: 1,000 training points drawn
//! with a seeded xoshiro256++ (the host's generator), the network trained with the device's
//! recipe (`projects::p2::DEVICE_RECIPE`: the host's, for 100 epochs at batch 10) by the
//! same training epoch the host runs, the loss printed every epoch, then the train error
//! and the error on 1,000 fresh test points, streamed from the generator so they need no
//! memory. Exits with status 0 if the test error is at most 5%, 1 otherwise.
//!
//! Every buffer is a `static` in `.bss`; there is no allocator. Run with
//! `cargo run --release -p p2-training` from `embedded/` (QEMU, lm3s6965evb: 64 KiB of RAM).
#![no_std]
#![no_main]

use core::cell::Cell;
use core::mem::MaybeUninit;
use minidl::rand_core::SeedableRng;
use minidl::rand_xoshiro::Xoshiro256PlusPlus;
use minidl::{zeroed_in_place, Module};
use projects::p2::{
    classify, label, sample_point, Net, PointStandardise, Trainer, DEVICE_BATCH as B,
    DEVICE_RECIPE as RECIPE, POINTS,
};
use rt::{clock, println};

/// Seed of the generator.
const SEED: u64 = 0;
/// Largest acceptable test error.
const TARGET: f32 = 0.05;

static mut TRAINER: MaybeUninit<Trainer<B>> = MaybeUninit::uninit();
static mut TRAIN: [[f32; 2]; POINTS] = [[0.0; 2]; POINTS];
static mut LABELS: [u8; POINTS] = [0; POINTS];
static mut ORDER: [u16; POINTS] = [0; POINTS];

/// The one mutable reference to a static.
///
/// # Safety
/// No other reference to `*place` may exist while the result is alive.
unsafe fn unique<T>(place: *mut T) -> &'static mut T {
    unsafe { &mut *place }
}

#[no_mangle]
pub extern "C" fn firmware_main() -> u32 {
    // SAFETY: single-threaded firmware, no interrupts, and this function runs once: these
    // are the only references to the statics.
    let (trainer, train, labels, order) = unsafe {
        (
            zeroed_in_place(unique(&raw mut TRAINER)),
            unique(&raw mut TRAIN),
            unique(&raw mut LABELS),
            unique(&raw mut ORDER),
        )
    };
    println!(
        "Project 2 on a Cortex-M4F: {} parameters, {POINTS} points, {} epochs, batch {B}",
        <Net<B> as Module>::PARAMS,
        RECIPE.epochs
    );
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(SEED);
    for (point, l) in train.iter_mut().zip(labels.iter_mut()) {
        *point = sample_point(&mut rng);
        *l = label(*point) as u8;
    }
    let norm = PointStandardise::fit(train);
    train.iter_mut().for_each(|p| *p = norm.apply(*p));
    order
        .iter_mut()
        .enumerate()
        .for_each(|(i, o)| *o = i as u16);

    trainer.start(&RECIPE, &mut rng);
    clock::start();
    let per_tick = clock::instructions_per_tick();
    let mut ticks = 0;
    for epoch in 0..RECIPE.epochs {
        let start = clock::ticks();
        let loss = trainer.epoch(epoch, &RECIPE, (&train[..], &labels[..]), order, &mut rng);
        let end = clock::ticks();
        println!("epoch {:>3}: loss {:.5}", epoch + 1, loss);
        ticks += end - start;
    }
    let samples = (RECIPE.epochs * POINTS) as u64;
    let instructions = clock::instructions(ticks, per_tick);
    println!(
        "instructions per training sample: {} (forward, backward and update of one point; \
         {instructions} instructions for {samples} points, printing aside)",
        instructions / samples
    );
    println!(
        "RAM: {} bytes of statics (network, optimiser, loss, activations of {B} points, the \
         training points), stack at most {} bytes",
        core::mem::size_of::<Trainer<B>>()
            + core::mem::size_of::<[[f32; 2]; POINTS]>()
            + core::mem::size_of::<[u8; POINTS]>()
            + core::mem::size_of::<[u16; POINTS]>(),
        rt::stack_used()
    );

    let mut train_errors = 0;
    classify(
        &mut trainer.net,
        POINTS,
        |k| train[k],
        |k, c| train_errors += usize::from(c != labels[k] as usize),
    );
    // Test points are drawn as they are classified; a batch's labels wait in `pending`.
    let pending: [Cell<usize>; B] = Default::default();
    let mut test_errors = 0;
    classify(
        &mut trainer.net,
        POINTS,
        |k| {
            let point = sample_point(&mut rng);
            pending[k % B].set(label(point));
            norm.apply(point)
        },
        |k, c| test_errors += usize::from(c != pending[k % B].get()),
    );
    let (train_error, test_error) = (
        train_errors as f32 / POINTS as f32,
        test_errors as f32 / POINTS as f32,
    );
    rt::verdict(train_error, test_error, TARGET)
}

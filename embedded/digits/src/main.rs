//! Project 1's `tiny` network (`siamese-aux`'s structure: one convolutional digit net on
//! both 14x14 images, a head on the two digit outputs, the auxiliary digit loss) trained
//! from scratch on a Cortex-M4F, in f32, with no allocator and 256 KiB of RAM.
//!
//! The 1,000 training and 1,000 test pairs are in flash, as pairs files the host exported
//! (`examples/export_digits_assets.rs`) with its own answers. The device trains the host's
//! round (`projects::p1::tiny`): the same initialisation and order, the same 50-pair Adam
//! steps, passed two pairs at a time through the same training epoch the host runs. It
//! prints the loss of every epoch, the training's cost in instructions per sample (under
//! QEMU with `-icount shift=0`, see `rt::clock`), then the train and test errors, and
//! exits with status 0 iff the test error is at most 10%.
#![no_std]
#![no_main]

use core::mem::MaybeUninit;
use minidl::rand_core::SeedableRng;
use minidl::rand_xoshiro::Xoshiro256PlusPlus;
use minidl::{zeroed_in_place, Adam, AdamConfig, Init, Mode, Module};
use projects::p1::objective::{Objective, WithAuxLoss};
use projects::p1::pairs_file::PairsFile;
use projects::p1::tiny::{DeviceNet, AUX_WEIGHT, MICRO_BATCH as MB, SCHEDULE, TRAIN_SEED};
use projects::p1::train::Learner;
use projects::p1::{PairBatch, BATCH, PAIRS};
use rt::{clock, println};

static TRAIN: &[u8] = include_bytes!("../assets/train-pairs.bin");
static TEST: &[u8] = include_bytes!("../assets/test-pairs.bin");

/// Largest acceptable test error.
const TARGET: f32 = 0.10;

type Objective2 = WithAuxLoss<MB, { 2 * MB }>;
type NetAdam = Adam<{ <DeviceNet as Module>::PARAMS }>;

static mut NET: MaybeUninit<DeviceNet> = MaybeUninit::uninit();
static mut OBJECTIVE: MaybeUninit<Objective2> = MaybeUninit::uninit();
static mut OPTIMIZER: MaybeUninit<NetAdam> = MaybeUninit::uninit();
static mut INPUT: MaybeUninit<<DeviceNet as Module>::Input> = MaybeUninit::uninit();
static mut ORDER: [u16; PAIRS] = [0; PAIRS];

/// The one mutable reference to a static.
///
/// # Safety
/// No other reference to `*place` may exist while the result is alive.
unsafe fn unique<T>(place: *mut T) -> &'static mut T {
    unsafe { &mut *place }
}

/// Errors of `net` on every pair of `file`, and how many of its predictions differ from
/// the host's recorded ones.
fn errors(
    net: &mut DeviceNet,
    objective: &mut Objective2,
    input: &mut <DeviceNet as Module>::Input,
    file: &PairsFile,
) -> (usize, usize) {
    net.set_mode(Mode::Eval);
    let (mut wrong, mut differ) = (0, 0);
    let mut predicted = [0usize; MB];
    for start in (0..file.len()).step_by(MB) {
        let records: [_; MB] = core::array::from_fn(|k| file.record(start + k));
        for (k, r) in records.iter().enumerate() {
            input.set(k, &r.pair, file.norm);
        }
        objective.predict(net, input, &mut predicted);
        for (r, &p) in records.iter().zip(&predicted) {
            wrong += usize::from(p != r.target as usize);
            differ += usize::from(p != r.prediction as usize);
        }
    }
    (wrong, differ)
}

#[no_mangle]
pub extern "C" fn firmware_main() -> u32 {
    let (train, test) = match (PairsFile::parse(TRAIN), PairsFile::parse(TEST)) {
        (Ok(train), Ok(test)) if train.len() == PAIRS && test.len() == PAIRS => (train, test),
        _ => {
            println!("the pairs files in flash are not 1,000 valid pairs each");
            return 1;
        }
    };
    // SAFETY: single-threaded firmware, the SysTick interrupt touches none of these, and
    // this function runs once: these are the only references to the statics.
    let (net, objective, optimizer, input, order) = unsafe {
        (
            zeroed_in_place(unique(&raw mut NET)),
            zeroed_in_place(unique(&raw mut OBJECTIVE)),
            zeroed_in_place(unique(&raw mut OPTIMIZER)),
            zeroed_in_place(unique(&raw mut INPUT)),
            unique(&raw mut ORDER),
        )
    };
    println!(
        "tiny siamese-aux on a Cortex-M4F: {} parameters, {PAIRS} training pairs, {} epochs, \
         batches of {BATCH} pairs passed {MB} at a time",
        <DeviceNet as Module>::PARAMS,
        SCHEDULE.epochs
    );
    order
        .iter_mut()
        .enumerate()
        .for_each(|(i, o)| *o = i as u16);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(TRAIN_SEED);
    net.init(Init::PyTorchDefault, &mut rng);
    objective.weight = AUX_WEIGHT;
    optimizer.reset(AdamConfig::with_lr(SCHEDULE.lr));

    clock::start();
    let per_tick = clock::instructions_per_tick();
    let mut ticks = 0;
    let pair = |i: usize| {
        let r = train.record(i);
        (r.pair, r.target as usize, r.classes.map(usize::from))
    };
    for epoch in 0..SCHEDULE.epochs {
        let start = clock::ticks();
        let stats = Learner {
            net: &mut *net,
            objective: &mut *objective,
            optimizer: &mut *optimizer,
            input: &mut *input,
            grad_norms: None,
        }
        .epoch::<MB, _, _>((epoch, &SCHEDULE), pair, train.norm, order, BATCH, &mut rng);
        ticks += clock::ticks() - start;
        println!("epoch {:>2}: loss {:.5}", epoch + 1, stats.loss);
        if !stats.loss.is_finite() {
            println!("FAIL: training diverged");
            return 1;
        }
    }
    let samples = (SCHEDULE.epochs * PAIRS) as u64;
    println!(
        "instructions per training sample: {} (forward, backward and update of one pair; \
         {} instructions for {samples} pairs, printing aside; {per_tick:.2} instructions a \
         SysTick tick)",
        clock::instructions(ticks, per_tick) / samples,
        clock::instructions(ticks, per_tick)
    );

    let (train_wrong, _) = errors(net, objective, input, &train);
    let (test_wrong, differ) = errors(net, objective, input, &test);
    let (train_error, test_error) = (
        train_wrong as f32 / PAIRS as f32,
        test_wrong as f32 / PAIRS as f32,
    );
    println!("test predictions that differ from the host's: {differ} of {PAIRS}");
    println!(
        "RAM: {} bytes of statics (network, gradients, Adam, activations of {MB} pairs), \
         stack at most {} bytes",
        core::mem::size_of::<DeviceNet>()
            + core::mem::size_of::<Objective2>()
            + core::mem::size_of::<NetAdam>()
            + core::mem::size_of::<<DeviceNet as Module>::Input>()
            + core::mem::size_of::<[u16; PAIRS]>(),
        rt::stack_used()
    );
    rt::verdict(train_error, test_error, TARGET)
}

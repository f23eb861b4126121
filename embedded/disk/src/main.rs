//! Project 2 on a Cortex-M4F, start to finish on the device: 1,000 training points drawn
//! with a seeded xoshiro256++ (the host's generator), the 2-25-25-25-2 tanh network trained
//! with MSE and SGD (momentum 0.9, cosine-decayed learning rate 0.05, batch 10), the loss
//! printed every epoch, then the train error and the error on 1,000 fresh test points,
//! streamed from the generator so they need no memory. Exits with status 0 if the test
//! error is at most 5%, 1 otherwise.
//!
//! Every buffer is a `static` in `.bss`; there is no allocator. Run with
//! `cargo run --release -p disk` from `embedded/` (QEMU, lm3s6965evb: 64 KiB of RAM).
#![no_std]
#![no_main]

use core::mem::MaybeUninit;
use minidl::disk::{label, sample_point, Standardise};
use minidl::init::shuffle;
use minidl::optim::cosine_decay;
use minidl::rand_core::SeedableRng;
use minidl::rand_xoshiro::Xoshiro256PlusPlus;
use minidl::{
    argmax, zeroed_in_place, Batch, Init, Linear, Module, MseLoss, Optimizer, Seq, Sgd, SgdConfig,
    Tanh,
};
use rt::println;

/// Mini-batch size.
const B: usize = 10;
/// Training points (and test points).
const POINTS: usize = 1000;
/// Passes over the training set.
const EPOCHS: usize = 100;
/// Seed of the generator.
const SEED: u64 = 0;
/// Largest acceptable test error.
const TARGET: f32 = 0.05;

type Net = Seq![
    Linear<2, 25, B>,
    Tanh<Batch<B, 25>>,
    Linear<25, 25, B>,
    Tanh<Batch<B, 25>>,
    Linear<25, 25, B>,
    Tanh<Batch<B, 25>>,
    Linear<25, 2, B>,
];

static mut NET: MaybeUninit<Net> = MaybeUninit::uninit();
static mut OPTIMIZER: MaybeUninit<Sgd<{ <Net as Module>::PARAMS }>> = MaybeUninit::uninit();
static mut TRAIN: [[f32; 2]; POINTS] = [[0.0; 2]; POINTS];
static mut LABELS: [u8; POINTS] = [0; POINTS];
static mut ORDER: [u16; POINTS] = [0; POINTS];

/// Misclassified points among `n`, `B` at a time, drawn by `next(k)`.
fn errors(net: &mut Net, n: usize, mut next: impl FnMut(usize) -> ([f32; 2], usize)) -> usize {
    let mut wrong = 0;
    let mut input = [[0.0f32; 2]; B];
    let mut labels = [0usize; B];
    for start in (0..n).step_by(B) {
        for k in 0..B {
            (input[k], labels[k]) = next(start + k);
        }
        let out = net.forward(&input);
        wrong += out
            .iter()
            .zip(&labels)
            .filter(|(o, &l)| argmax(&o[..]) != l)
            .count();
    }
    wrong
}

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
    let (net, optimizer, train, labels, order) = unsafe {
        (
            zeroed_in_place(unique(&raw mut NET)),
            zeroed_in_place(unique(&raw mut OPTIMIZER)),
            unique(&raw mut TRAIN),
            unique(&raw mut LABELS),
            unique(&raw mut ORDER),
        )
    };
    println!(
        "Project 2 on a Cortex-M4F: {} parameters, {POINTS} points, {EPOCHS} epochs, batch {B}",
        <Net as Module>::PARAMS
    );
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(SEED);
    for (point, l) in train.iter_mut().zip(labels.iter_mut()) {
        *point = sample_point(&mut rng);
        *l = label(*point) as u8;
    }
    let standardise = Standardise::fit(train);
    train.iter_mut().for_each(|p| *p = standardise.apply(*p));
    order
        .iter_mut()
        .enumerate()
        .for_each(|(i, o)| *o = i as u16);

    net.init(Init::XavierUniform, &mut rng);
    optimizer.reset(SgdConfig {
        lr: 0.05,
        momentum: 0.9,
        weight_decay: 0.0,
    });
    let mut loss = MseLoss::<Batch<B, 2>>::new();
    let (mut input, mut target) = ([[0.0f32; 2]; B], [[0.0f32; 2]; B]);
    for epoch in 0..EPOCHS {
        optimizer.set_learning_rate(cosine_decay(0.05, epoch, EPOCHS));
        shuffle(order, &mut rng);
        let mut total = 0.0;
        for batch in order.chunks_exact(B) {
            for ((x, t), &i) in input.iter_mut().zip(&mut target).zip(batch) {
                *x = train[i as usize];
                *t = [0.0; 2];
                t[labels[i as usize] as usize] = 1.0;
            }
            net.zero_grad();
            let out = net.forward(&input);
            total += loss.forward(out, &target);
            net.backward(&input, loss.grad(), None);
            optimizer.step(net);
        }
        println!(
            "epoch {:>3}: loss {:.5}",
            epoch + 1,
            total / (POINTS / B) as f32
        );
    }

    let train_errors = errors(net, POINTS, |k| (train[k], labels[k] as usize));
    let test_errors = errors(net, POINTS, |_| {
        let point = sample_point(&mut rng);
        (standardise.apply(point), label(point))
    });
    let (train_error, test_error) = (
        train_errors as f32 / POINTS as f32,
        test_errors as f32 / POINTS as f32,
    );
    println!(
        "train error {:.2}%, test error {:.2}%",
        100.0 * train_error,
        100.0 * test_error
    );
    if test_error <= TARGET {
        println!("PASS: test error <= {:.0}%", 100.0 * TARGET);
        0
    } else {
        println!("FAIL: test error above {:.0}%", 100.0 * TARGET);
        1
    }
}

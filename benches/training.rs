//! Whole training epochs: Project 1's `convnet` and `siamese-aux` on 1,000 pairs, and the
//! Project 2 network on 1,000 points, with throughput in FLOP per epoch (multiply-adds
//! counted twice; activations, pooling and the optimiser are not counted).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use host::data::pairs::generate_pair_sets;
use host::p1::Arch;
use host::results::RoundOptions;
use minidl::rand_core::SeedableRng;
use minidl::rand_xoshiro::Xoshiro256PlusPlus;
use projects::p1::PAIRS;
use std::hint::black_box;

/// Multiply-adds per pair of one training step of `convnet`: forward 429,456 (conv1
/// 82,944, conv2 294,912, linear 51,200 + 400); backward 775,424 (no input gradient for
/// conv1).
const CONVNET_MACS_PER_PAIR: u64 = 429_456 + 775_424;
/// `siamese-aux`: the digit net on two images (forward 389,584, backward 737,696 each) and
/// the head (about 4,000).
const SIAMESE_AUX_MACS_PER_PAIR: u64 = 2 * (389_584 + 737_696) + 4_000;
/// Project 2 network per point: forward 1,350, backward 2,650.
const P2_MACS_PER_POINT: u64 = 4_000;

fn epochs(c: &mut Criterion) {
    let data =
        host::data::mnist::load(&host::data::mnist::default_dir()).expect("MNIST files in data/");
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    let (train, test) = generate_pair_sets(&data, PAIRS, &mut rng);
    let mut group = c.benchmark_group("epoch");
    for (arch, macs) in [
        (Arch::CONVNET, CONVNET_MACS_PER_PAIR),
        (Arch::SIAMESE_AUX, SIAMESE_AUX_MACS_PER_PAIR),
    ] {
        let recipe = arch.recipe(Some(1));
        let options = RoundOptions {
            evaluate: false,
            ..RoundOptions::default()
        };
        group.throughput(Throughput::Elements(2 * macs * PAIRS as u64));
        group.bench_function(arch.name(), |b| {
            b.iter(|| {
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
                black_box(arch.train((&train, &test), 1, &recipe, options, &mut rng))
            })
        });
    }
    let recipe = projects::p2::Recipe {
        epochs: 10,
        ..projects::p2::RECIPE
    };
    let options = RoundOptions {
        evaluate: false,
        ..RoundOptions::default()
    };
    group.throughput(Throughput::Elements(
        2 * P2_MACS_PER_POINT * projects::p2::POINTS as u64 * 10,
    ));
    group.bench_function("p2 mlp-2-25-25-25-2 (10 epochs)", |b| {
        b.iter(|| black_box(host::p2::run_round(1, &recipe, options)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(std::time::Duration::from_secs(5)).warm_up_time(std::time::Duration::from_millis(500));
    targets = epochs
}
criterion_main!(benches);

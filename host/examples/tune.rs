//! Hyper-parameter selection for Project 1 *without the test split*: trains an
//! architecture on the usual 1,000 training pairs of each round and reports its error on
//! 1,000 validation pairs made of other images of the MNIST training split.
//!
//!     cargo run -p host --release --example tune -- ARCH ROUNDS EPOCHS LR [AUX_WEIGHT]
use host::data::pairs::{pairs_from, pairs_with_holdout};
use host::p1::Arch;
use host::results::RoundOptions;
use minidl::rand_core::SeedableRng;
use minidl::rand_xoshiro::Xoshiro256PlusPlus;
use projects::p1::PAIRS;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        eprintln!("usage: tune ARCH ROUNDS EPOCHS LR [AUX_WEIGHT]");
        std::process::exit(2);
    }
    let mnist = host::data::mnist::load(&host::data::mnist::default_dir()).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2)
    });
    let arch = Arch::from_name(&args[1]).expect("architecture name");
    let rounds: u64 = args[2].parse().expect("rounds");
    let mut recipe = arch.recipe(Some(args[3].parse().expect("epochs")));
    recipe.lr = args[4].parse().expect("learning rate");
    if let Some(w) = args.get(5) {
        recipe.aux_weight = w.parse().expect("aux weight");
    }
    if let Some(w) = args.get(6) {
        recipe.weight_decay = w.parse().expect("weight decay");
    }
    if let Some(s) = args.get(7) {
        recipe.max_shift = s.parse().expect("max shift");
    }
    let seeds: Vec<u64> = (0..rounds).collect();
    let results = host::parallel::map_rounds(
        &seeds,
        2,
        |seed| {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let (train, validation) = pairs_with_holdout(&mnist.train, PAIRS, PAIRS, &mut rng);
            let _test_is_drawn_but_never_used = pairs_from(&mnist.test, PAIRS, &mut rng);
            arch.train(
                (&train, &validation),
                seed,
                &recipe,
                RoundOptions::default(),
                &mut rng,
            )
        },
        |_| {},
    );
    let valid: Vec<f64> = results.iter().map(|r| r.test_error).collect();
    let train: Vec<f64> = results.iter().map(|r| r.train_error).collect();
    println!(
        "{} {:?}: train {:.2}%  validation {:.2}% ± {:.2}  ({:.2} s/round)",
        arch.name(),
        recipe,
        100.0 * host::stats::mean(&train),
        100.0 * host::stats::mean(&valid),
        100.0 * host::stats::sample_std(&valid),
        results[0].train_seconds
    );
}

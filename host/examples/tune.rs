//! Hyper-parameter selection for Project 1 *without the test split*: for every value of a
//! grid, trains an architecture on the usual 1,000 training pairs of each round and
//! measures its error on 1,000 *validation* pairs made of other images of the MNIST
//! training split (the round's test pairs are drawn, so that the training pairs are the
//! round's own, but never used). Prints the table and writes it as Markdown.
//!
//!     cargo run -p host --release --example tune -- ARCH PARAM V1,V2,... [ROUNDS] [EPOCHS] [OUT]
//!
//! - `ARCH`: an architecture (`mlp`, `convnet`, `twin`, `siamese`, `aux`, `siamese-aux`,
//!   `best`);
//! - `PARAM`: `lr` (Adam's initial step size) or `aux-weight` (weight of the auxiliary
//!   digit loss); the other settings are the architecture's recipe;
//! - `V1,V2,...`: the values tried;
//! - `ROUNDS` (default 4): rounds per value, seeds 0 to ROUNDS-1 (the same pairs for every
//!   value, so the values are compared on the same data);
//! - `EPOCHS` (default 25): epochs per round;
//! - `OUT` (default `docs/tuning`): the directory of the table, `ARCH-PARAM.md`.
//!
//! `docs/tuning/regenerate.sh` runs every grid the recipes were chosen from.
use host::data::pairs::{pairs_from, pairs_with_holdout};
use host::p1::Arch;
use host::results::RoundOptions;
use host::stats::{mean, sample_std};
use minidl::rand_core::SeedableRng;
use minidl::rand_xoshiro::Xoshiro256PlusPlus;
use projects::p1::PAIRS;
use std::fmt::Write as _;

fn fail(message: String) -> ! {
    eprintln!("error: {message}");
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        fail("usage: tune ARCH PARAM V1,V2,... [ROUNDS] [EPOCHS] [OUT] (see the file's documentation)".into());
    }
    let arch = Arch::from_name(&args[0])
        .unwrap_or_else(|| fail(format!("ARCH '{}' is not an architecture", args[0])));
    let param = args[1].as_str();
    if !matches!(param, "lr" | "aux-weight") {
        fail(format!("PARAM '{param}' must be lr or aux-weight"));
    }
    let values: Vec<f32> = args[2]
        .split(',')
        .map(|v| match v.parse::<f32>() {
            Ok(x) if x.is_finite() && x >= 0.0 => x,
            _ => fail(format!("value '{v}' is not a non-negative number")),
        })
        .collect();
    let number = |i: usize, default: usize, what: &str| {
        args.get(i).map_or(default, |v| {
            v.parse()
                .ok()
                .filter(|&n| n > 0)
                .unwrap_or_else(|| fail(format!("{what} '{v}' is not a positive whole number")))
        })
    };
    let rounds = number(3, 4, "ROUNDS") as u64;
    let epochs = number(4, 25, "EPOCHS");
    let out = std::path::PathBuf::from(args.get(5).map_or("docs/tuning", String::as_str));
    let mnist = host::data::load_for_pairs(None).unwrap_or_else(|e| fail(e));

    let seeds: Vec<u64> = (0..rounds).collect();
    let mut table = format!(
        "# `{}`: {param}\n\nValidation error of `{}` for each value of `{param}`, the rest of its recipe as in \
         `host/src/p1/registry.rs`; {rounds} rounds (seeds 0-{}), {epochs} epochs, 1,000 training pairs and \
         1,000 validation pairs from other images of the MNIST *training* split per round (the test split \
         is never used). Mean ± sample standard deviation over the rounds.\n\n\
         Regenerate: `cargo run -p host --release --example tune -- {} {param} {} {rounds} {epochs}`\n\n\
         | {param} | train error (%) | validation error (%) |\n|---:|---:|---:|\n",
        arch.name(),
        arch.name(),
        rounds - 1,
        arch.name(),
        args[2],
    );
    for &value in &values {
        let mut recipe = arch.recipe(Some(epochs));
        match param {
            "lr" => recipe.lr = value,
            _ => recipe.aux_weight = value,
        }
        let results = host::parallel::map_rounds(
            &seeds,
            std::thread::available_parallelism().map_or(1, |n| n.get()),
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
        let column = |f: fn(&host::results::RoundResult) -> f64| -> Vec<f64> {
            results.iter().map(|r| 100.0 * f(r)).collect()
        };
        let (train, valid) = (column(|r| r.train_error), column(|r| r.test_error));
        let line = format!(
            "| {value} | {:.2} ± {:.2} | {:.2} ± {:.2} |",
            mean(&train),
            sample_std(&train),
            mean(&valid),
            sample_std(&valid)
        );
        println!("{line}");
        let _ = writeln!(table, "{line}");
    }
    let path = out.join(format!("{}-{param}.md", arch.name()));
    std::fs::create_dir_all(&out)
        .and_then(|()| std::fs::write(&path, table))
        .unwrap_or_else(|e| fail(format!("{}: {e}", path.display())));
    println!("wrote {}", path.display());
}

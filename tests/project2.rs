//! Project 2 end to end: the network learns the disk, the command line writes the JSON the
//! later tools read, and results do not depend on the thread count.

mod common;
use common::{run, TempDir};

use host::p2;
use host::results::RoundOptions;
use projects::p2::{Recipe, RECIPE};
use serde_json::Value;
use std::process::ExitCode;

#[test]
fn generated_sets_are_uniform_and_balanced() {
    use minidl::rand_core::SeedableRng;
    let mut rng = minidl::rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
    let (points, labels) = p2::generate_disk_set(4000, &mut rng);
    assert!(points.iter().flatten().all(|&c| (0.0..1.0).contains(&c)));
    let inside = labels.iter().sum::<usize>() as f64 / 4000.0;
    // Binomial(4000, 1/2): std 0.0079.
    assert!((inside - 0.5).abs() < 0.04, "fraction inside {inside}");
    let mean_x = points.iter().map(|p| p[0] as f64).sum::<f64>() / 4000.0;
    assert!((mean_x - 0.5).abs() < 0.02);
}

#[test]
fn a_short_training_learns_the_disk() {
    let recipe = Recipe {
        epochs: 60,
        ..RECIPE
    };
    let round = p2::run_round(3, &recipe, RoundOptions::default());
    assert!(round.test_error < 0.05, "test error {}", round.test_error);
    assert!(
        round.train_error < 0.05,
        "train error {}",
        round.train_error
    );
    let losses = &round.epoch_losses;
    assert_eq!(losses.len(), 60);
    assert!(
        losses[59] < losses[0] / 5.0,
        "loss fell from {} to {}",
        losses[0],
        losses[59]
    );
}

#[test]
fn json_has_the_documented_schema_and_meets_the_target() {
    let dir = TempDir::new("p2-json");
    let path = dir.join("p2.json");
    assert_eq!(
        run(&[
            "p2",
            "--rounds",
            "3",
            "--seed",
            "5",
            "--json",
            path.to_str().unwrap()
        ]),
        ExitCode::SUCCESS
    );
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(json.get("p1").is_none(), "only the project that ran");
    let results = json["p2"]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    let arch = &results[0];
    assert_eq!(arch["arch"], "mlp-2-25-25-25-2");
    assert_eq!(arch["params"], 1427);
    let rounds = arch["rounds"].as_array().unwrap();
    let seeds: Vec<u64> = rounds.iter().map(|r| r["seed"].as_u64().unwrap()).collect();
    assert_eq!(seeds, [5, 6, 7]);
    let test: Vec<f64> = rounds
        .iter()
        .map(|r| r["test_error"].as_f64().unwrap())
        .collect();
    let mean = test.iter().sum::<f64>() / 3.0;
    assert!((arch["test_error_mean"].as_f64().unwrap() - mean).abs() < 1e-12);
    assert!(mean <= 0.02, "mean test error {mean}");
    for key in [
        "train_error_mean",
        "train_error_std",
        "test_error_std",
        "train_seconds_mean",
    ] {
        assert!(arch[key].as_f64().unwrap() >= 0.0, "{key}");
    }
    for round in rounds {
        for key in ["train_error", "test_error"] {
            assert!((0.0..=1.0).contains(&round[key].as_f64().unwrap()));
        }
        assert!(round["train_seconds"].as_f64().unwrap() > 0.0);
    }
    // Per training point: forward 2x25 + 25x25 + 25x25 + 25x2 = 1,350 multiply-adds;
    // backward 1,350 for the weight gradients + 1,300 for the input gradients of the last
    // three layers. 250 epochs of 1,000 points, 2 FLOP each.
    let flops = arch["flops_per_round"].as_f64().unwrap();
    assert_eq!(flops, 2.0 * 4_000.0 * 1_000.0 * 250.0);
    let gflops = flops / arch["train_seconds_mean"].as_f64().unwrap() / 1e9;
    assert!((arch["gflops"].as_f64().unwrap() - gflops).abs() < 1e-9 * gflops);
    let machine = &json["p2"]["machine"];
    assert!(machine["fma_peak_gflops"].as_f64().unwrap() > 0.0);
    assert!(machine["vector_isa"].as_str().is_some() && machine["cpu"].as_str().is_some());
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    // Bits: every epoch's loss and the trained parameters of every round.
    let machine = host::machine::Machine {
        cpu: "test".into(),
        vector_isa: "test",
        fma_peak_gflops: 1.0,
    };
    let options = RoundOptions {
        save: Some(host::models::ModelFormat::Device),
        ..RoundOptions::default()
    };
    let recipe = Recipe {
        epochs: 30,
        ..RECIPE
    };
    let fingerprints = |threads: usize| {
        let results = p2::run(
            &recipe,
            &[0, 1, 2, 3],
            (threads, &machine),
            options,
            &host::progress::Progress::Quiet,
        );
        results.results[0]
            .rounds
            .iter()
            .map(|r| {
                let losses: Vec<u32> = r.epoch_losses.iter().map(|l| l.to_bits()).collect();
                (r.seed, losses, r.model.clone().expect("the model was kept"))
            })
            .collect::<Vec<_>>()
    };
    let (one, two) = (fingerprints(1), fingerprints(2));
    assert_eq!(one.len(), 4);
    for (a, b) in one.iter().zip(&two) {
        assert!(
            a == b,
            "seed {}: results differ between 1 and 2 threads",
            a.0
        );
    }
    assert_ne!(one[0].2, one[1].2, "different seeds train different models");
}

#[test]
fn bad_flags_exit_with_status_2() {
    assert_eq!(run(&["p2", "--rounds", "0"]), ExitCode::from(2));
    assert_eq!(run(&["p2", "--threads", "0"]), ExitCode::from(2));
    assert_eq!(run(&["p2", "--rounds", "many"]), ExitCode::from(2));
    assert_eq!(run(&["p3"]), ExitCode::from(2));
    let dir = TempDir::new("missing");
    let missing = dir.join("no-such-dir").join("out.json");
    assert_eq!(
        run(&["p2", "--rounds", "1", "--json", missing.to_str().unwrap()]),
        ExitCode::from(2)
    );
    assert!(!missing.exists());
}

//! Bad input and bad luck: truncated files, divergence, interrupted writes.

mod common;
use common::{run, TempDir};

use host::results::{ArchResult, RoundResult};
use projects::p1::nets::SiameseNet;
use projects::p1::{BATCH, BATCH_IMAGES};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// A copy of the shipped data directory with `file` replaced by `bytes`.
fn data_with(name: &str, file: &str, bytes: &[u8]) -> TempDir {
    let dir = TempDir::new(name);
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    for f in [
        host::data::mnist::TRAIN_IMAGES,
        host::data::mnist::TRAIN_LABELS,
        host::data::mnist::TEST_IMAGES,
        host::data::mnist::TEST_LABELS,
    ] {
        std::fs::copy(shipped.join(f), dir.join(f)).unwrap();
    }
    std::fs::write(dir.join(file), bytes).unwrap();
    dir
}

#[test]
fn truncated_gzip_is_an_error_naming_the_file() {
    let shipped = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data")
            .join(host::data::mnist::TEST_LABELS),
    )
    .unwrap();
    let dir = data_with(
        "truncated",
        host::data::mnist::TEST_LABELS,
        &shipped[..shipped.len() / 2],
    );
    let message = host::data::mnist::load(&dir).unwrap_err().to_string();
    assert!(
        message.contains(host::data::mnist::TEST_LABELS) && message.contains("gzip"),
        "{message}"
    );
    assert_eq!(
        run(&["p1", "--rounds", "1", "--data", dir.to_str().unwrap()]),
        ExitCode::from(2)
    );
}

#[test]
fn a_failed_run_leaves_an_existing_results_file_alone() {
    let dir = data_with("keep", host::data::mnist::TRAIN_IMAGES, b"not gzip");
    let out = TempDir::new("keep-json");
    let json = out.join("results.json");
    std::fs::write(&json, "previous results").unwrap();
    let args = [
        "p1",
        "--rounds",
        "1",
        "--data",
        dir.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ];
    assert_eq!(run(&args), ExitCode::from(2));
    assert_eq!(std::fs::read_to_string(&json).unwrap(), "previous results");
}

#[test]
fn results_are_replaced_whole() {
    let dir = TempDir::new("atomic");
    let path = dir.join("out.json");
    std::fs::write(&path, "old").unwrap();
    host::output::write_atomically(&path, b"new").unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left behind");
}

#[test]
fn bad_learning_rates_and_save_requests_are_refused_before_training() {
    for lr in ["0", "-0.1", "nan", "inf", "fast"] {
        assert_eq!(
            run(&["p2", "--rounds", "1", &format!("--lr={lr}")]),
            ExitCode::from(2),
            "{lr}"
        );
    }
    let dir = TempDir::new("save");
    let file = dir.join("m.mdl");
    assert_eq!(
        run(&["p1", "--rounds", "1", "--save", file.to_str().unwrap()]),
        ExitCode::from(2)
    );
    assert!(!file.exists());
    let missing = dir.join("no/such/dir/m.mdl");
    assert_eq!(
        run(&["p2", "--rounds", "1", "--save", missing.to_str().unwrap()]),
        ExitCode::from(2)
    );
}

#[test]
fn diverged_rounds_are_counted_not_averaged() {
    let dir = TempDir::new("diverge");
    let path = dir.join("p2.json");
    assert_eq!(
        run(&[
            "p2",
            "--rounds",
            "2",
            "--lr",
            "10000",
            "--json",
            path.to_str().unwrap()
        ]),
        ExitCode::SUCCESS
    );
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let arch = &json["p2"]["results"][0];
    assert_eq!(arch["diverged_rounds"], 2);
    assert!(
        arch["test_error_mean"].is_null(),
        "no number pretends to be an error rate"
    );
    for round in arch["rounds"].as_array().unwrap() {
        assert!(round["diverged_at_epoch"].as_u64().unwrap() >= 1);
        assert!(round["test_error"].is_null());
    }

    // A mix: statistics over the rounds that trained.
    let round = |seed, test_error, diverged_at| RoundResult {
        seed,
        train_error: test_error,
        test_error,
        train_seconds: 1.0,
        diverged_at,
        ..Default::default()
    };
    let result = ArchResult::new(
        "x",
        1,
        1,
        host::p2::memory(),
        1e9,
        vec![
            round(0, 0.1, None),
            round(1, f64::NAN, Some(3)),
            round(2, 0.3, None),
        ],
    );
    assert_eq!(result.diverged_rounds, 1);
    assert!((result.test_error_mean - 0.2).abs() < 1e-12);
    assert!(
        (result.test_error_std - 0.02f64.sqrt()).abs() < 1e-9,
        "sample std of 0.1 and 0.3"
    );
}

#[test]
fn saved_models_load_back_and_corruption_is_a_typed_error() {
    let dir = TempDir::new("roundtrip");
    let path = dir.join("p2.mdl");
    assert_eq!(
        run(&["p2", "--rounds", "1", "--save", path.to_str().unwrap()]),
        ExitCode::SUCCESS
    );
    let mut bytes = std::fs::read(&path).unwrap();
    let mut net: Box<projects::p2::Net<{ projects::p2::BATCH }>> = minidl::boxed_zeroed();
    minidl::io::model_file::load(&mut *net, &bytes).unwrap();
    let last = bytes.len() - 10;
    bytes[last] ^= 1;
    assert!(matches!(
        minidl::io::model_file::load(&mut *net, &bytes),
        Err(minidl::io::model_file::ModelError::Checksum { .. })
    ));
    let mut other: Box<SiameseNet<BATCH, BATCH_IMAGES>> = minidl::boxed_zeroed();
    bytes[last] ^= 1;
    assert!(matches!(
        minidl::io::model_file::load(&mut *other, &bytes),
        Err(minidl::io::model_file::ModelError::TensorCount { .. }
            | minidl::io::model_file::ModelError::TensorShape { .. })
    ));
    let _ = std::io::stdout().flush();
}

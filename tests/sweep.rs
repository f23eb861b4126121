//! `host sweep`: its files agree with each other, K-fold validates every training pair once
//! per round, the numbers do not depend on the thread count, and bad flags are refused
//! before any training.

mod common;
use common::{run, TempDir};

use serde_json::Value;
use std::process::ExitCode;

fn sweep(dir: &std::path::Path, threads: &str) -> Value {
    let args = [
        "sweep",
        "--arch",
        "mlp",
        "--param",
        "lr",
        "--values",
        "0.001,0.004",
        "--folds",
        "2",
        "--rounds",
        "2",
        "--epochs",
        "1",
        "--threads",
        threads,
        "--out",
        dir.to_str().unwrap(),
    ];
    assert_eq!(run(&args), ExitCode::SUCCESS);
    serde_json::from_str(&std::fs::read_to_string(dir.join("sweep.json")).unwrap()).unwrap()
}

#[test]
fn a_k_fold_sweep_writes_agreeing_files_whatever_the_thread_count() {
    let dir = TempDir::new("sweep");
    let json = sweep(&dir, "2");
    let points = json["points"].as_array().unwrap();
    assert_eq!(points.len(), 2);
    assert_eq!(json["folds"], 2);
    for point in points {
        let runs = point["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 4, "2 rounds x 2 folds");
        let folds: Vec<u64> = runs.iter().map(|r| r["fold"].as_u64().unwrap()).collect();
        assert_eq!(folds, [0, 1, 0, 1]);
        let errors: Vec<f64> = runs
            .iter()
            .map(|r| r["validation_error"].as_f64().unwrap())
            .collect();
        let mean = errors.iter().sum::<f64>() / 4.0;
        assert!((point["validation_error_mean"].as_f64().unwrap() - mean).abs() < 1e-12);
        // 500 validation pairs per fold: errors are multiples of 1/500.
        assert!(errors
            .iter()
            .all(|e| (e * 500.0 - (e * 500.0).round()).abs() < 1e-9));
    }
    let best = json["best_value"].as_f64().unwrap();
    assert!(best == 0.001 || best == 0.004);

    let csv = std::fs::read_to_string(dir.join("sweep.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 8, "a row per run");
    for (row, run) in rows
        .iter()
        .zip(points.iter().flat_map(|p| p["runs"].as_array().unwrap()))
    {
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(
            cells[6].parse::<f64>().unwrap(),
            run["validation_error"].as_f64().unwrap()
        );
    }
    let table = std::fs::read_to_string(dir.join("sweep.md")).unwrap();
    assert!(table.contains("2-fold cross-validation") && table.contains("(lowest)"));
    assert!(table.contains(
        "sweep --arch mlp --param lr --values 0.001,0.004 --rounds 2 --folds 2 --epochs 1"
    ));
    for ext in ["svg", "png"] {
        let plot = std::fs::read(dir.join(format!("sweep_lr.{ext}"))).unwrap();
        assert!(plot.len() > 1000, "sweep_lr.{ext}");
    }

    // One thread: the same numbers, to the bit (times aside).
    let other = sweep(&TempDir::new("sweep-1"), "1");
    let strip = |mut v: Value| {
        for p in v["points"].as_array_mut().unwrap() {
            for r in p["runs"].as_array_mut().unwrap() {
                r["train_seconds"] = Value::Null;
            }
        }
        v
    };
    assert_eq!(strip(json), strip(other));
}

#[test]
fn bad_sweeps_are_refused_before_training() {
    for args in [
        vec!["sweep", "--arch", "mlp", "--param", "lr", "--values", "0"],
        vec!["sweep", "--arch", "mlp", "--param", "lr", "--values", "x"],
        vec![
            "sweep", "--arch", "mlp", "--param", "depth", "--values", "1",
        ],
        vec![
            "sweep",
            "--arch",
            "mlp",
            "--param",
            "aux-weight",
            "--values",
            "1",
        ],
        vec![
            "sweep",
            "--arch",
            "convnet",
            "--param",
            "hidden-units",
            "--values",
            "100",
        ],
        vec![
            "sweep",
            "--arch",
            "siamese-aux",
            "--param",
            "hidden-units",
            "--values",
            "150",
        ],
        vec![
            "sweep", "--arch", "mlp", "--param", "epochs", "--values", "2.5",
        ],
        vec![
            "sweep", "--arch", "mlp", "--param", "epochs", "--values", "2", "--epochs", "3",
        ],
        vec![
            "sweep", "--arch", "mlp", "--param", "lr", "--values", "0.1", "--folds", "1",
        ],
        vec![
            "sweep", "--arch", "mlp", "--param", "lr", "--values", "0.1", "--save", "m.mdl",
        ],
        vec!["sweep", "--arch", "mlp", "--param", "lr"],
    ] {
        assert_eq!(run(&args), ExitCode::from(2), "{args:?}");
    }
}

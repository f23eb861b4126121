//! Models to and from PyTorch: a model saved as safetensors loads back with `--load` and
//! is evaluated as it was trained; it converts to the device format bit for bit; a file
//! that does not fit is refused before any round, naming the tensor.

mod common;
use common::{run, TempDir};

use serde_json::Value;
use std::process::ExitCode;

fn json(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_saved_safetensors_model_loads_back_evaluates_the_same_and_converts_for_the_device() {
    let dir = TempDir::new("interop");
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let trained = ["p1", "--arch", "bn-skip", "--rounds", "1", "--epochs", "1"];
    let save = |file: &str, json_file: &str, extra: &[&str]| {
        let mut args = trained.to_vec();
        let (file, json_file) = (path(file), path(json_file));
        args.extend(["--save", &file, "--json", &json_file]);
        args.extend(extra);
        run(&args)
    };
    assert_eq!(
        save("m.safetensors", "trained.json", &[]),
        ExitCode::SUCCESS
    );
    assert_eq!(save("m.mdl", "trained-mdl.json", &[]), ExitCode::SUCCESS);
    // Load the safetensors file (no training), save it as the device's format.
    let loaded = path("m.safetensors");
    assert_eq!(
        save("converted.mdl", "loaded.json", &["--load", &loaded]),
        ExitCode::SUCCESS
    );
    let round = |file: &str| json(&dir.join(file))["p1"]["results"][0]["rounds"][0].clone();
    let (trained, loaded) = (round("trained.json"), round("loaded.json"));
    for key in ["train_error", "test_error"] {
        assert_eq!(trained[key], loaded[key], "{key}");
    }
    let seconds = loaded["train_seconds"].as_f64().unwrap();
    assert!(seconds < 0.01, "nothing trained, yet {seconds} s");
    assert_eq!(
        std::fs::read(dir.join("m.mdl")).unwrap(),
        std::fs::read(dir.join("converted.mdl")).unwrap(),
        "safetensors -> core -> .mdl gives the bytes of the model saved directly"
    );
}

#[test]
fn a_model_that_does_not_fit_the_architecture_is_refused_before_training() {
    let dir = TempDir::new("interop-refused");
    let file = dir.join("tiny.safetensors");
    let file = file.to_str().unwrap();
    let tiny = ["p1", "--arch", "tiny", "--rounds", "1", "--epochs", "1"];
    assert_eq!(
        run(&[&tiny[..], &["--save", file]].concat()),
        ExitCode::SUCCESS
    );
    let missing = dir.join("none.safetensors");
    for args in [
        vec!["p1", "--arch", "siamese-aux", "--load", file],
        vec!["p1", "--load", file],
        vec!["p1", "--arch", "tiny,mlp", "--load", file],
        vec!["p1", "--arch", "tiny", "--load", missing.to_str().unwrap()],
    ] {
        assert_eq!(run(&args), ExitCode::from(2), "{args:?}");
    }
    // The message names the tensor.
    let model = host::results::LoadedModel {
        format: host::models::ModelFormat::Safetensors,
        bytes: Vec::leak(std::fs::read(file).unwrap()),
    };
    let error = host::p1::Arch::SIAMESE_AUX.check_model(model).unwrap_err();
    assert_eq!(
        error,
        "tensor '0.net.0.weight' has shape [8, 1, 3, 3], the network needs [32, 1, 3, 3]"
    );
}

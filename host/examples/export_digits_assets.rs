//! Writes the pairs the `digits` firmware trains and tests on: the round of
//! `projects::p1::tiny::DATA_SEED`, 1,000 training and 1,000 test pairs, each with the
//! answers of `tiny` as the host trains that round (`host::p1::device::device_round`), and
//! prints the host's errors, to compare with the device's:
//!
//!     cargo run -p host --release --example export_digits_assets -- embedded/digits/assets
//!
//! `tests/device_assets.rs` checks that the files are still what the host makes.
use host::p1::device::device_round;

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| {
        eprintln!("error: usage: export_digits_assets DIR");
        std::process::exit(2)
    });
    let mnist = host::data::load_for_pairs(None).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2)
    });
    let round = device_round(&mnist);
    for (name, bytes) in [
        ("train-pairs.bin", &round.train_file),
        ("test-pairs.bin", &round.test_file),
    ] {
        let path = std::path::Path::new(&dir).join(name);
        std::fs::write(&path, bytes).unwrap_or_else(|e| {
            eprintln!("error: {}: {e}", path.display());
            std::process::exit(2)
        });
    }
    println!(
        "host: train error {:.2}%, test error {:.2}%; written to {dir}",
        100.0 * round.result.train_error,
        100.0 * round.result.test_error
    );
}

//! The model and test pairs embedded in the `p1-inference` firmware
//! (embedded/p1-inference/assets/) are what the host produces today: the model loads into
//! the host's `siamese-aux` network, and the host's predictions and logits recorded with the
//! pairs are still the host's, bit for bit.

use minidl::io::model_file;
use minidl::{boxed_zeroed, Mode, Module};
use projects::p1::nets::SiameseNet;
use projects::p1::pairs_file::PairsFile;
use projects::p1::{PairBatch, BATCH, BATCH_IMAGES};

type Net = SiameseNet<BATCH, BATCH_IMAGES>;

fn asset(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("embedded/p1-inference/assets")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn embedded_model_and_pairs_match_the_host() {
    let model = asset("siamese-aux.mdl");
    let mut net: Box<Net> = boxed_zeroed();
    model_file::load(&mut *net, &model).expect("the embedded model loads into siamese-aux");
    net.set_mode(Mode::Eval);

    let bytes = asset("test-pairs.bin");
    let pairs = PairsFile::parse(&bytes).expect("a valid pairs file");
    assert!(pairs.len() >= 200 && pairs.len().is_multiple_of(BATCH));
    let records: Vec<_> = pairs.records().collect();
    let mut input: Box<<Net as Module>::Input> = boxed_zeroed();
    let mut agree_with_target = 0;
    for batch in records.chunks(BATCH) {
        for (k, record) in batch.iter().enumerate() {
            input.set(k, &record.pair, pairs.norm);
        }
        let logits = *net.forward(&input);
        for (record, l) in batch.iter().zip(&logits) {
            let predicted = usize::from(l[1] > l[0]);
            assert_eq!(
                predicted, record.prediction as usize,
                "recorded host prediction"
            );
            assert_eq!(*l, record.logits, "recorded host logits");
            agree_with_target += usize::from(predicted == record.target as usize);
        }
    }
    assert!(
        agree_with_target as f64 / records.len() as f64 > 0.9,
        "a trained model: {agree_with_target}/{}",
        records.len()
    );
}

#[test]
fn digits_firmware_pairs_are_the_hosts_round() {
    // The `digits` firmware trains and tests on these files: they must be the pairs of its
    // round, with the answers of `tiny` as the host trains that round today, byte for byte.
    let mnist = host::data::load_for_pairs(None).expect("the repository's MNIST files");
    let round = host::p1::device::device_round(&mnist);
    let read = |name: &str| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("embedded/digits/assets")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    assert!(
        read("train-pairs.bin") == round.train_file,
        "embedded/digits/assets/train-pairs.bin is stale: rerun examples/export_digits_assets.rs"
    );
    assert!(
        read("test-pairs.bin") == round.test_file,
        "embedded/digits/assets/test-pairs.bin is stale: rerun examples/export_digits_assets.rs"
    );
    let train = PairsFile::parse(&round.train_file).unwrap();
    let classes: Vec<[usize; 2]> = train
        .records()
        .map(|r| r.classes.map(usize::from))
        .collect();
    assert_eq!(
        classes, round.train.classes,
        "the digit classes the device learns from"
    );
    assert!(
        round.result.test_error <= 0.10,
        "{}",
        round.result.test_error
    );
}

//! What the host makes for a microcontroller: pairs files (`projects::p1::pairs_file`)
//! with the host's answers, and the round the `digits` firmware trains, run on the host.

use super::registry::Arch;
use crate::data::mnist::Mnist;
use crate::data::pairs::{generate_pair_sets, PairSet};
use crate::results::{RoundOptions, RoundResult};
use minidl::io::model_file;
use minidl::rand_core::SeedableRng;
use minidl::rand_xoshiro::Xoshiro256PlusPlus;
use minidl::{boxed_zeroed, Batch, Mode, Module};
use projects::p1::nets::TinyNet;
use projects::p1::objective::Objective;
use projects::p1::pairs_file::{write_header, Record, HEADER_LEN, RECORD_LEN};
use projects::p1::{tiny, PairBatch, PixelStandardise, BATCH, BATCH_IMAGES, PAIRS};

/// The pairs file of the first `count` pairs of `set` (a multiple of [`BATCH`]), with the
/// predictions and target logits of `net`, read by `objective`, standardised with `norm`.
pub fn pairs_file<N, O>(
    net: &mut N,
    objective: &mut O,
    set: &PairSet,
    count: usize,
    norm: PixelStandardise,
) -> Vec<u8>
where
    N: Module<Input: PairBatch, Output = Batch<BATCH, 2>>,
    O: Objective<N, BATCH>,
{
    assert!(count.is_multiple_of(BATCH) && count <= set.len());
    net.set_mode(Mode::Eval);
    let mut input: Box<N::Input> = boxed_zeroed();
    let mut out = vec![0u8; HEADER_LEN + count * RECORD_LEN];
    let (header, records) = out.split_at_mut(HEADER_LEN);
    write_header(
        header.try_into().expect("header length"),
        count as u32,
        norm,
    );
    let mut records = records.chunks_exact_mut(RECORD_LEN);
    for start in (0..count).step_by(BATCH) {
        for k in 0..BATCH {
            input.set(k, &set.input[start + k], norm);
        }
        let mut predicted = [0usize; BATCH];
        objective.predict(net, &input, &mut predicted);
        let logits = *net.output(&input);
        for k in 0..BATCH {
            let i = start + k;
            let record = Record {
                pair: set.input[i],
                target: set.target[i] as u8,
                prediction: predicted[k] as u8,
                logits: logits[k],
                classes: set.classes[i].map(|c| c as u8),
            };
            let slot = records.next().expect("one slot per pair");
            record.write(slot.try_into().expect("record length"));
        }
    }
    out
}

/// The round the `digits` firmware trains, trained on the host: the pairs of
/// [`tiny::DATA_SEED`], `tiny` initialised and ordered by a generator seeded with
/// [`tiny::TRAIN_SEED`], as on the device.
pub struct DeviceRound {
    /// The 1,000 training pairs.
    pub train: PairSet,
    /// The 1,000 test pairs.
    pub test: PairSet,
    /// The host's training of it (train and test error, the model).
    pub result: RoundResult,
    /// The training file, with the host's answers.
    pub train_file: Vec<u8>,
    /// The test file, with the host's answers.
    pub test_file: Vec<u8>,
}

/// Trains the device's round on the host and writes its two pairs files.
pub fn device_round(mnist: &Mnist) -> DeviceRound {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(tiny::DATA_SEED);
    let (train, test) = generate_pair_sets(mnist, PAIRS, &mut rng);
    let options = RoundOptions {
        save: Some(crate::models::ModelFormat::Device),
        ..RoundOptions::default()
    };
    let result = Arch::TINY.train(
        (&train, &test),
        tiny::DATA_SEED,
        &Arch::TINY.recipe(None),
        options,
        &mut Xoshiro256PlusPlus::seed_from_u64(tiny::TRAIN_SEED),
    );
    let mut net: Box<TinyNet<BATCH, BATCH_IMAGES>> = boxed_zeroed();
    let model = result.model.as_ref().expect("the model was kept");
    model_file::load(&mut *net, model).expect("the host's own model loads");
    let mut objective: Box<<super::registry::Tiny as super::registry::Architecture>::Objective> =
        boxed_zeroed();
    let norm = PixelStandardise::fit(&train.input);
    let train_file = pairs_file(&mut *net, &mut *objective, &train, PAIRS, norm);
    let test_file = pairs_file(&mut *net, &mut *objective, &test, PAIRS, norm);
    DeviceRound {
        train,
        test,
        result,
        train_file,
        test_file,
    }
}

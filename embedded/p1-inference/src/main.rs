//! A Project 1 `siamese-aux` model trained on the host, run on a Cortex-M4F.
//!
//! The model file (written by `host --save`) and a few hundred test pairs with the host's
//! predictions and logits (a pairs file, written by `examples/export_device_pairs.rs`) are
//! embedded in the image. The core loads the model from flash with full validation, the
//! same network type the host trains is instantiated for one pair at a time, and every pair
//! is standardised and classified exactly as on the host. Exits with status 0 only if
//! every prediction equals the host's for the same pair.
#![no_std]
#![no_main]

use core::mem::MaybeUninit;
use minidl::io::model_file;
use minidl::{argmax, zeroed_in_place, Mode, Module};
use projects::p1::nets::SiameseNet;
use projects::p1::pairs_file::PairsFile;
use projects::p1::PairBatch;
use rt::println;

static MODEL: &[u8] = include_bytes!("../assets/siamese-aux.mdl");
static PAIRS: &[u8] = include_bytes!("../assets/test-pairs.bin");

/// One pair at a time: the siamese digit net on its two images, then the head.
type Net = SiameseNet<1, 2>;
static mut NET: MaybeUninit<Net> = MaybeUninit::uninit();

#[no_mangle]
pub extern "C" fn firmware_main() -> u32 {
    // SAFETY: single-threaded firmware, this function runs once: the only reference.
    let net = zeroed_in_place(unsafe { &mut *(&raw mut NET).cast::<MaybeUninit<Net>>() });
    if let Err(e) = model_file::load(net, MODEL) {
        println!("model rejected: {e}");
        return 1;
    }
    net.set_mode(Mode::Eval);
    let pairs = match PairsFile::parse(PAIRS) {
        Ok(pairs) => pairs,
        Err(e) => {
            println!("test pairs rejected: {e}");
            return 1;
        }
    };
    let count = pairs.len();
    println!(
        "siamese-aux on a Cortex-M4F: {} parameters loaded from a {}-byte model file; {count} test pairs",
        <Net as Module>::PARAMS,
        MODEL.len()
    );

    let (mut device_correct, mut host_correct, mut disagreements) = (0, 0, 0);
    let mut largest_logit_difference = 0.0f32;
    let mut input: <Net as Module>::Input = [[[[[0.0]; 14]; 14]; 2]];
    for record in pairs.records() {
        input.set(0, &record.pair, pairs.norm);
        let (target, host_prediction) = (record.target as usize, record.prediction as usize);
        let logits = net.forward(&input)[0];
        let prediction = argmax(&logits);
        device_correct += usize::from(prediction == target);
        host_correct += usize::from(host_prediction == target);
        disagreements += usize::from(prediction != host_prediction);
        for (d, h) in logits.iter().zip(&record.logits) {
            largest_logit_difference = largest_logit_difference.max((d - h).abs());
        }
    }
    println!("device accuracy {device_correct}/{count}, host accuracy {host_correct}/{count}");
    println!("predictions that differ: {disagreements}; largest logit difference {largest_logit_difference:e}");
    // Equal accuracy could hide swapped answers: every prediction must be the host's.
    if disagreements == 0 && device_correct == host_correct {
        println!("PASS: every prediction equals the host's");
        0
    } else {
        println!("FAIL: {disagreements} predictions differ from the host's");
        1
    }
}

//! A Project 1 `siamese-aux` model trained on the host, run on a Cortex-M4F.
//!
//! The model file (written by `host --save`) and a few hundred test pairs with the host's
//! predictions and logits (written by `examples/export_device_pairs.rs`) are embedded in
//! the image. The core loads the model from flash with full validation, the same
//! architecture is instantiated for one pair at a time, and every pair is classified. Exits
//! with status 0 if the device's accuracy equals the host's on the same pairs.
#![no_std]
#![no_main]

use byteorder::{ByteOrder, LittleEndian};
use core::mem::MaybeUninit;
use minidl::zoo::SiameseNet;
use minidl::{argmax, model_file, zeroed_in_place, Mode, Module};
use rt::println;

static MODEL: &[u8] = include_bytes!("../assets/siamese-aux.mdl");
static PAIRS: &[u8] = include_bytes!("../assets/test-pairs.bin");

/// One pair at a time: the siamese digit net on its two images, then the head.
type Net = SiameseNet<1, 2>;
static mut NET: MaybeUninit<Net> = MaybeUninit::uninit();

/// Pixels of one image of a pair.
const PIXELS: usize = 14 * 14;
/// Bytes of one pair in the pairs file: two images of u16 pixels, target, host
/// prediction, two f32 host logits.
const PAIR_BYTES: usize = 2 * PIXELS * 2 + 2 + 8;
/// Bytes before the first pair: magic, count, mean, std.
const PAIRS_HEADER: usize = 16;

#[no_mangle]
pub extern "C" fn firmware_main() -> u32 {
    // SAFETY: single-threaded firmware, this function runs once: the only reference.
    let net = zeroed_in_place(unsafe { &mut *(&raw mut NET).cast::<MaybeUninit<Net>>() });
    if let Err(e) = model_file::load(net, MODEL) {
        println!("model rejected: {e}");
        return 1;
    }
    net.set_mode(Mode::Eval);
    if PAIRS.len() < PAIRS_HEADER || &PAIRS[..4] != b"prs1" {
        println!("test pairs file is not valid");
        return 1;
    }
    let count = LittleEndian::read_u32(&PAIRS[4..8]) as usize;
    let mean = LittleEndian::read_f32(&PAIRS[8..12]);
    let std = LittleEndian::read_f32(&PAIRS[12..16]);
    if PAIRS.len() != PAIRS_HEADER + count * PAIR_BYTES {
        println!("test pairs file has the wrong length");
        return 1;
    }
    println!(
        "siamese-aux on a Cortex-M4F: {} parameters loaded from a {}-byte model file; {count} test pairs",
        <Net as Module>::PARAMS,
        MODEL.len()
    );

    let (mut device_correct, mut host_correct, mut disagreements) = (0, 0, 0);
    let mut largest_logit_difference = 0.0f32;
    let mut input: <Net as Module>::Input = [[[[[0.0]; 14]; 14]; 2]];
    for record in PAIRS[PAIRS_HEADER..].chunks_exact(PAIR_BYTES) {
        for (c, image) in input[0].iter_mut().enumerate() {
            for (p, pixel) in image.iter_mut().flatten().enumerate() {
                let raw = LittleEndian::read_u16(&record[2 * (c * PIXELS + p)..]);
                pixel[0] = (raw as f32 / 4.0 - mean) / std;
            }
        }
        let tail = &record[4 * PIXELS..];
        let (target, host_prediction) = (tail[0] as usize, tail[1] as usize);
        let host_logits = [
            LittleEndian::read_f32(&tail[2..6]),
            LittleEndian::read_f32(&tail[6..10]),
        ];
        let logits = net.forward(&input)[0];
        let prediction = argmax(&logits);
        device_correct += usize::from(prediction == target);
        host_correct += usize::from(host_prediction == target);
        disagreements += usize::from(prediction != host_prediction);
        for (d, h) in logits.iter().zip(&host_logits) {
            largest_logit_difference = largest_logit_difference.max((d - h).abs());
        }
    }
    println!("device accuracy {device_correct}/{count}, host accuracy {host_correct}/{count}");
    println!("predictions that differ: {disagreements}; largest logit difference {largest_logit_difference:e}");
    if device_correct == host_correct {
        println!("PASS: the device's accuracy equals the host's");
        0
    } else {
        println!("FAIL: the device's accuracy differs from the host's");
        1
    }
}

//! The host's logits of a saved model, for checking its PyTorch twin: loads MODEL (a
//! `.safetensors` or `.mdl` file of architecture ARCH), runs it in inference mode on the
//! first N test pairs of round 0 (seed 0), standardised as the host does, and writes
//! OUT.safetensors with `pairs` (N, 2, 14, 14: the standardised inputs) and `logits` (the
//! network's outputs). `python/check_logits.py` feeds the same pairs to `python/models.py`
//! and compares.
//!
//!     cargo run -p host --release --example logits -- ARCH MODEL OUT.safetensors [N]
use host::data::pairs::generate_pair_sets;
use host::models::ModelFormat;
use host::p1::Arch;
use host::results::LoadedModel;
use minidl::rand_core::SeedableRng;
use minidl::rand_xoshiro::Xoshiro256PlusPlus;
use projects::p1::{PixelStandardise, PAIRS};
use safetensors::tensor::{Dtype, TensorView};

fn fail(message: String) -> ! {
    eprintln!("error: {message}");
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !(3..=4).contains(&args.len()) {
        fail("usage: logits ARCH MODEL OUT.safetensors [N] (see the file's documentation)".into());
    }
    let arch = Arch::from_name(&args[0])
        .unwrap_or_else(|| fail(format!("ARCH '{}' is not an architecture", args[0])));
    let count: usize = args.get(3).map_or(100, |n| {
        n.parse()
            .ok()
            .filter(|n| (1..=PAIRS).contains(n))
            .unwrap_or_else(|| {
                fail(format!(
                    "N '{n}' is not a number of pairs from 1 to {PAIRS}"
                ))
            })
    });
    let bytes = std::fs::read(&args[1]).unwrap_or_else(|e| fail(format!("{}: {e}", args[1])));
    let model = LoadedModel {
        format: ModelFormat::of(args[1].as_ref()),
        bytes: Vec::leak(bytes),
    };
    let mnist = host::data::load_for_pairs(None).unwrap_or_else(|e| fail(e));
    let (train, test) =
        generate_pair_sets(&mnist, PAIRS, &mut Xoshiro256PlusPlus::seed_from_u64(0));
    let norm = PixelStandardise::fit(&train.input);
    let pairs = &test.input[..count];
    let logits = arch
        .logits(model, pairs, norm)
        .unwrap_or_else(|e| fail(format!("{}: not a {} model: {e}", args[1], arch.name())));
    let le = |values: &mut dyn Iterator<Item = f32>| -> Vec<u8> {
        values.flat_map(f32::to_le_bytes).collect()
    };
    let inputs = le(&mut pairs
        .iter()
        .flatten()
        .flatten()
        .flatten()
        .map(|&v| norm.apply(v)));
    let outputs = le(&mut logits.iter().flatten().copied());
    let per_pair = logits[0].len();
    let mut logits_shape = vec![count, per_pair];
    if per_pair == 20 {
        logits_shape = vec![count, 2, 10];
    }
    let views = [
        (
            "pairs",
            TensorView::new(Dtype::F32, vec![count, 2, 14, 14], &inputs),
        ),
        (
            "logits",
            TensorView::new(Dtype::F32, logits_shape, &outputs),
        ),
    ]
    .map(|(name, view)| (name, view.expect("sizes match")));
    let file = safetensors::serialize(views, None).expect("two tensors");
    std::fs::write(&args[2], file).unwrap_or_else(|e| fail(format!("{}: {e}", args[2])));
    println!("wrote the logits of {count} test pairs to {}", args[2]);
}

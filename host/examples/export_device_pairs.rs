//! Writes the pairs file that the `p1-inference` firmware checks a host-trained model on:
//! test pairs with the host's own predictions and logits for them
//! (`projects::p1::pairs_file` gives the layout):
//!
//!     cargo run -p host --release -- p1 --arch siamese-aux --rounds 1 --seed 0 \
//!         --save embedded/p1-inference/assets/siamese-aux.mdl
//!     cargo run -p host --release --example export_device_pairs -- \
//!         embedded/p1-inference/assets/siamese-aux.mdl 0 300 embedded/p1-inference/assets/test-pairs.bin
//!
//! The pairs are the first COUNT test pairs of the round with seed SEED (the round the model
//! was trained in), so the standardisation is that round's training statistics.
use host::data::pairs::generate_pair_sets;
use host::p1::device::pairs_file;
use minidl::io::model_file;
use minidl::rand_core::SeedableRng;
use minidl::rand_xoshiro::Xoshiro256PlusPlus;
use minidl::{boxed_zeroed, Mode, Module, Zeroable};
use projects::p1::nets::SiameseNet;
use projects::p1::objective::WithAuxLoss;
use projects::p1::pairs_file::PairsFile;
use projects::p1::{PixelStandardise, BATCH, BATCH_IMAGES, PAIRS};

type Net = SiameseNet<BATCH, BATCH_IMAGES>;

fn fail(message: String) -> ! {
    eprintln!("error: {message}");
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, model_path, seed, count, out_path] = &args[..] else {
        fail("usage: export_device_pairs MODEL SEED COUNT OUT".into())
    };
    let seed: u64 = seed
        .parse()
        .unwrap_or_else(|_| fail(format!("SEED '{seed}' is not a whole number")));
    let count: usize = match count.parse() {
        Ok(c) if c % BATCH == 0 && c > 0 && c <= PAIRS => c,
        _ => fail(format!(
            "COUNT '{count}' must be a multiple of {BATCH} from {BATCH} to {PAIRS}"
        )),
    };
    let mnist = host::data::load_for_pairs(None).unwrap_or_else(|e| fail(e));
    let (train, test) =
        generate_pair_sets(&mnist, PAIRS, &mut Xoshiro256PlusPlus::seed_from_u64(seed));
    let norm = PixelStandardise::fit(&train.input);

    let mut net: Box<Net> = boxed_zeroed();
    let bytes = std::fs::read(model_path).unwrap_or_else(|e| fail(format!("{model_path}: {e}")));
    model_file::load(&mut *net, &bytes).unwrap_or_else(|e| fail(format!("{model_path}: {e}")));
    net.set_mode(Mode::Eval);
    let mut objective = WithAuxLoss::<BATCH, BATCH_IMAGES>::zeroed();
    let out = pairs_file(&mut *net, &mut objective, &test, count, norm);
    let parsed = PairsFile::parse(&out).expect("the host writes valid pairs files");
    let correct = parsed
        .records()
        .filter(|r| r.prediction == r.target)
        .count();
    std::fs::write(out_path, &out).unwrap_or_else(|e| fail(format!("{out_path}: {e}")));
    println!("{count} pairs, host accuracy {correct}/{count}, written to {out_path}");
}

//! Writes the test pairs that the `pairs` firmware checks a host-trained model on, with the
//! host's own predictions and logits for them:
//!
//!     cargo run -p host --release -- p1 --arch siamese-aux --rounds 1 --seed 0 \
//!         --save embedded/pairs/assets/siamese-aux.mdl
//!     cargo run -p host --release --example export_device_pairs -- \
//!         embedded/pairs/assets/siamese-aux.mdl 0 300 embedded/pairs/assets/test-pairs.bin
//!
//! The pairs are the first COUNT test pairs of the round with seed SEED (the round the model
//! was trained in), so the standardisation uses that round's training statistics.
//!
//! File layout (little-endian): magic `prs1`, u32 pair count, f32 mean, f32 std, then per
//! pair: 2 x 14 x 14 u16 pixels (4 x the pooled value, which is exact: pooled values are
//! averages of four bytes), u8 target, u8 host prediction, 2 f32 host logits.
use host::p1::{Objective, SiameseNet, Standardise, WithAuxLoss, B, PAIRS};
use host::pairs::{generate_pair_sets, HALF};
use minidl::rand_core::SeedableRng;
use minidl::rand_xoshiro::Xoshiro256PlusPlus;
use minidl::{model_file, Mode, Module, Zeroable};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, model_path, seed, count, out_path] = &args[..] else {
        eprintln!("usage: export_device_pairs MODEL SEED COUNT OUT");
        std::process::exit(2)
    };
    let (seed, count): (u64, usize) = (seed.parse().expect("seed"), count.parse().expect("count"));
    assert!(
        count % B == 0 && count <= PAIRS,
        "COUNT must be a multiple of {B} up to {PAIRS}"
    );
    let mnist = host::mnist::load(&host::mnist::default_dir()).expect("MNIST data");
    let (train, test) =
        generate_pair_sets(&mnist, PAIRS, &mut Xoshiro256PlusPlus::seed_from_u64(seed));
    let norm = Standardise::fit(&train);

    let mut net: Box<SiameseNet> = host::memory::boxed_zeroed();
    let bytes = std::fs::read(model_path).expect("model file");
    model_file::load(&mut *net, &bytes).unwrap_or_else(|e| panic!("{model_path}: {e}"));
    net.set_mode(Mode::Eval);
    let mut objective = WithAuxLoss::zeroed();
    let mut input: Box<<SiameseNet as Module>::Input> = host::memory::boxed_zeroed();

    let mut out = Vec::new();
    out.extend_from_slice(b"prs1");
    out.extend_from_slice(&(count as u32).to_le_bytes());
    out.extend_from_slice(&norm.mean.to_le_bytes());
    out.extend_from_slice(&norm.std.to_le_bytes());
    let mut correct = 0;
    for start in (0..count).step_by(B) {
        for k in 0..B {
            host::p1::PairBatch::set(&mut *input, k, &test.input[start + k], norm);
        }
        let mut predicted = [0usize; B];
        objective.predict(&mut net, &input, &mut predicted);
        let logits = *net.forward(&input);
        for k in 0..B {
            let i = start + k;
            for image in &test.input[i] {
                for row in image.iter().take(HALF) {
                    for &v in row {
                        out.extend_from_slice(&((v * 4.0) as u16).to_le_bytes());
                    }
                }
            }
            out.push(test.target[i] as u8);
            out.push(predicted[k] as u8);
            out.extend_from_slice(&logits[k][0].to_le_bytes());
            out.extend_from_slice(&logits[k][1].to_le_bytes());
            correct += usize::from(predicted[k] == test.target[i]);
        }
    }
    std::fs::write(out_path, &out).expect("write the pairs file");
    println!("{count} pairs, host accuracy {correct}/{count}, written to {out_path}");
}

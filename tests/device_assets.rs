//! The model and test pairs embedded in the `pairs` firmware (embedded/pairs/assets/) are
//! what the host produces today: the model loads into the host's `siamese-aux` network, and
//! the host's predictions and logits recorded with the pairs are still the host's.

use host::p1::{PairBatch, SiameseNet, Standardise, B};
use host::pairs::{PairImage, HALF};
use minidl::{model_file, Mode, Module};

const PIXELS: usize = HALF * HALF;
const PAIR_BYTES: usize = 2 * PIXELS * 2 + 2 + 8;

fn asset(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("embedded/pairs/assets")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn f32_at(bytes: &[u8], at: usize) -> f32 {
    f32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

#[test]
fn embedded_model_and_pairs_match_the_host() {
    let model = asset("siamese-aux.mdl");
    let mut net: Box<SiameseNet> = host::memory::boxed_zeroed();
    model_file::load(&mut *net, &model).expect("the embedded model loads into siamese-aux");
    net.set_mode(Mode::Eval);

    let pairs = asset("test-pairs.bin");
    assert_eq!(&pairs[..4], b"prs1");
    let count = u32::from_le_bytes(pairs[4..8].try_into().unwrap()) as usize;
    assert_eq!(pairs.len(), 16 + count * PAIR_BYTES);
    assert!(count >= 200 && count.is_multiple_of(B));
    let norm = Standardise {
        mean: f32_at(&pairs, 8),
        std: f32_at(&pairs, 12),
    };
    let records: Vec<&[u8]> = pairs[16..].chunks_exact(PAIR_BYTES).collect();
    let mut input: Box<<SiameseNet as Module>::Input> = host::memory::boxed_zeroed();
    let mut agree_with_target = 0;
    for batch in records.chunks(B) {
        for (k, record) in batch.iter().enumerate() {
            let mut pair: PairImage = [[[0.0; HALF]; HALF]; 2];
            for (p, v) in pair.iter_mut().flatten().flatten().enumerate() {
                *v = u16::from_le_bytes([record[2 * p], record[2 * p + 1]]) as f32 / 4.0;
            }
            input.set(k, &pair, norm);
        }
        let logits = *net.forward(&input);
        for (record, l) in batch.iter().zip(&logits) {
            let tail = &record[4 * PIXELS..];
            let predicted = usize::from(l[1] > l[0]);
            assert_eq!(predicted, tail[1] as usize, "recorded host prediction");
            assert_eq!(
                [l[0], l[1]],
                [f32_at(tail, 2), f32_at(tail, 6)],
                "recorded host logits"
            );
            agree_with_target += usize::from(predicted == tail[0] as usize);
        }
    }
    assert!(
        agree_with_target as f64 / count as f64 > 0.9,
        "a trained model: {agree_with_target}/{count}"
    );
}

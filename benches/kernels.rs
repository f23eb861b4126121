//! Kernel throughput: the convnet's two convolutions and its big linear layer, forward and
//! backward, at the Project 1 batch size. Throughput is in FLOP (one multiply-add = 2), so
//! criterion's "elem/s" reads as FLOP/s: compare with about 166 GFLOP/s for one AVX-512 core
//! at 2.6 GHz (2 FMA units x 16 lanes x 2 FLOP).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use minidl::boxed_zeroed;
use minidl::rand::uniform;
use minidl::rand_core::SeedableRng;
use minidl::rand_xoshiro::Xoshiro256PlusPlus;
use minidl::{Conv2d, Init, Linear, Module, Tensor};
use std::hint::black_box;

const B: usize = projects::p1::BATCH;

/// A heap tensor of uniform values in [-1, 1).
fn random<T: Tensor>(rng: &mut Xoshiro256PlusPlus) -> Box<T> {
    let mut t: Box<T> = boxed_zeroed();
    t.flat_mut()
        .iter_mut()
        .for_each(|v| *v = uniform(rng, -1.0, 1.0));
    t
}

/// Forward and backward of `layer`, with `macs` multiply-adds per forward pass; the
/// backward pass does `macs` for the weight gradient plus `macs` for the input gradient
/// when `input_grad`.
fn bench_layer<M: Module>(c: &mut Criterion, name: &str, macs: u64, input_grad: bool) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    let mut layer: Box<M> = boxed_zeroed();
    layer.init(Init::PyTorchDefault, &mut rng);
    let input: Box<M::Input> = random(&mut rng);
    let grad_output: Box<M::Output> = random(&mut rng);
    let mut grad_input: Box<M::Input> = boxed_zeroed();
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(2 * macs));
    group.bench_function(BenchmarkId::new("forward", B), |b| {
        b.iter(|| black_box(layer.forward(&input)).flat()[0])
    });
    let backward_macs = if input_grad { 2 * macs } else { macs };
    group.throughput(Throughput::Elements(2 * backward_macs));
    group.bench_function(BenchmarkId::new("backward", B), |b| {
        b.iter(|| {
            let gi = if input_grad {
                Some(&mut *grad_input)
            } else {
                None
            };
            layer.backward(&input, &grad_output, gi);
        })
    });
    group.finish();
}

/// The alternative to the direct convolution, measured: conv2's forward pass as an explicit
/// im2col (copy every 3x3x32 input window into a row) followed by the same register-tiled
/// matrix product (800 x 288 times 288 x 64).
fn im2col_conv2(c: &mut Criterion) {
    const P: usize = B * 16;
    type Conv = Conv2d<B, 6, 6, 32, 64, 3, 0, 4, 4>;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    let mut conv: Box<Conv> = boxed_zeroed();
    conv.init(Init::PyTorchDefault, &mut rng);
    let input: Box<<Conv as Module>::Input> = random(&mut rng);
    let mut columns: Box<[[f32; 288]; P]> = boxed_zeroed();
    let mut output: Box<[[f32; 64]; P]> = boxed_zeroed();
    // Same result as the direct kernel (up to summation order).
    let direct: Box<<Conv as Module>::Output> = Box::new(*conv.forward(&input));
    let weight: &[[f32; 64]; 288] = minidl::reshape(&conv.weight);
    let mut group = c.benchmark_group("conv2 32->64 6x6");
    group.throughput(Throughput::Elements(2 * (B * 16 * 64 * 288) as u64));
    group.bench_function(BenchmarkId::new("forward im2col+matmul", B), |b| {
        b.iter(|| {
            for (p, row) in columns.iter_mut().enumerate() {
                let (image, oy, ox) = (p / 16, p / 4 % 4, p % 4);
                for ky in 0..3 {
                    for kx in 0..3 {
                        let at = (ky * 3 + kx) * 32;
                        row[at..at + 32].copy_from_slice(&input[image][oy + ky][ox + kx]);
                    }
                }
            }
            output.iter_mut().for_each(|r| *r = conv.bias);
            minidl::kernels::matmul_acc(&mut output, &columns, weight);
            black_box(output[0][0])
        })
    });
    group.finish();
    let direct: &[[f32; 64]; P] = minidl::reshape(&*direct);
    assert!(direct
        .iter()
        .flatten()
        .zip(output.iter().flatten())
        .all(|(a, b)| (a - b).abs() < 1e-4));
}

fn kernels(c: &mut Criterion) {
    // conv1 of the convnet: 12x12 outputs x 32 channels x (2 x 3 x 3) taps per pair; as the
    // first layer it computes no input gradient.
    bench_layer::<Conv2d<B, 14, 14, 2, 32, 3, 0, 12, 12>>(
        c,
        "conv1 2->32 14x14",
        (B * 144 * 32 * 18) as u64,
        false,
    );
    // conv2: 4x4 outputs x 64 channels x (32 x 3 x 3) taps.
    bench_layer::<Conv2d<B, 6, 6, 32, 64, 3, 0, 4, 4>>(
        c,
        "conv2 32->64 6x6",
        (B * 16 * 64 * 288) as u64,
        true,
    );
    // The digit net's first convolution on a siamese batch (2B single-channel images).
    bench_layer::<Conv2d<{ 2 * B }, 14, 14, 1, 32, 3, 0, 12, 12>>(
        c,
        "conv1 1->32 14x14 (2B)",
        (2 * B * 144 * 32 * 9) as u64,
        false,
    );
    bench_layer::<Linear<256, 200, B>>(c, "linear 256->200", (B * 256 * 200) as u64, true);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(2)).warm_up_time(std::time::Duration::from_millis(500));
    targets = kernels, im2col_conv2
}
criterion_main!(benches);

//! Kernel throughput: the convnet's two convolutions and its big linear layer, forward and
//! backward, at the Project 1 batch size. Throughput is in FLOP (one multiply-add = 2), so
//! criterion's "elem/s" reads as FLOP/s: compare with about 166 GFLOP/s for one AVX-512 core
//! at 2.6 GHz (2 FMA units x 16 lanes x 2 FLOP).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use host::memory::boxed_zeroed;
use minidl::init::uniform;
use minidl::rand_core::SeedableRng;
use minidl::rand_xoshiro::Xoshiro256PlusPlus;
use minidl::{Conv2d, Init, Linear, Module, Tensor};
use std::hint::black_box;

const B: usize = host::p1::B;

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
    targets = kernels
}
criterion_main!(benches);

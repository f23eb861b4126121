//! Kernel throughput: forward and backward of every convolution and linear shape that
//! `convnet`, the digit net (on a siamese batch of 2B images), `best` and `tiny` use, at the
//! Project 1 batch size, and Project 2's hidden layer at its batch, plus the direct
//! convolution against im2col + the matrix product.
//!
//! Throughput is in FLOP (one multiply-add = 2, counted by each layer's `MACS` constants),
//! so criterion's "elem/s" reads as FLOP/s. The bench measures this core's FMA peak itself
//! (`host::machine`) and ends with a table of GFLOP/s and % of that peak per kernel.

use criterion::{BenchmarkId, Criterion, Throughput};
use minidl::rand::uniform;
use minidl::rand_core::SeedableRng;
use minidl::rand_xoshiro::Xoshiro256PlusPlus;
use minidl::{boxed_zeroed, Conv2d, Init, Linear, Module, Tensor};
use std::hint::black_box;
use std::sync::Mutex;
use std::time::Instant;

const B: usize = projects::p1::BATCH;
const B2: usize = projects::p1::BATCH_IMAGES;
const P2_BATCH: usize = projects::p2::BATCH;

/// (kernel, pass, GFLOP/s) of every kernel, for the closing table.
static MEASURED: Mutex<Vec<(String, &'static str, f64)>> = Mutex::new(Vec::new());

/// A heap tensor of uniform values in [-1, 1).
fn random<T: Tensor>(rng: &mut Xoshiro256PlusPlus) -> Box<T> {
    let mut t: Box<T> = boxed_zeroed();
    t.flat_mut()
        .iter_mut()
        .for_each(|v| *v = uniform(rng, -1.0, 1.0));
    t
}

/// GFLOP/s of `f`, `flop` FLOP per call: the best of 10 timings of enough calls for ~20 ms.
fn gflops(flop: u64, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    f();
    let once = start.elapsed().as_secs_f64().max(1e-7);
    let calls = ((0.02 / once) as usize).max(1);
    (0..10)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..calls {
                f();
            }
            (calls as u64 * flop) as f64 / start.elapsed().as_secs_f64() / 1e9
        })
        .fold(0.0, f64::max)
}

/// Forward and backward of layer `M`; `first` says the layer is a network's first (no
/// input gradient), as conv1 is.
fn bench_layer<M: Module>(c: &mut Criterion, name: &str, first: bool) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
    let mut layer: Box<M> = boxed_zeroed();
    layer.init(Init::PyTorchDefault, &mut rng);
    let input: Box<M::Input> = random(&mut rng);
    let grad_output: Box<M::Output> = random(&mut rng);
    let mut grad_input: Box<M::Input> = boxed_zeroed();
    let forward_flop = 2 * M::MACS as u64;
    let backward_flop = 2 * if first {
        M::BACKWARD_MACS_FIRST
    } else {
        M::BACKWARD_MACS
    } as u64;
    let mut forward = || {
        black_box(layer.forward(&input).flat()[0]);
    };
    let forward_gflops = gflops(forward_flop, &mut forward);
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(forward_flop));
    group.bench_function("forward", |b| b.iter(&mut forward));
    // The weight gradient alone (the input gradient is the rest of `backward`).
    let weights_gflops = (!first).then(|| {
        gflops(2 * M::MACS as u64, || {
            layer.backward(&input, &grad_output, None)
        })
    });
    let mut backward = || {
        let gi = (!first).then_some(&mut *grad_input);
        layer.backward(&input, &grad_output, gi);
    };
    let backward_gflops = gflops(backward_flop, &mut backward);
    group.throughput(Throughput::Elements(backward_flop));
    group.bench_function("backward", |b| b.iter(&mut backward));
    group.finish();
    let mut measured = MEASURED.lock().unwrap();
    measured.push((name.to_string(), "forward", forward_gflops));
    let pass = if first {
        "backward (weights)"
    } else {
        "backward"
    };
    measured.push((name.to_string(), pass, backward_gflops));
    if let Some(weights) = weights_gflops {
        measured.push((name.to_string(), "backward (weights)", weights));
    }
}

/// The alternative to the direct convolution: conv2's forward pass as an explicit im2col
/// (every 3x3x32 input window copied into a row) followed by the same register-tiled
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
    let direct: Box<<Conv as Module>::Output> = Box::new(*conv.forward(&input));
    let weight: &[[f32; 64]; 288] = minidl::reshape(&conv.weight);
    let mut im2col = || {
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
        black_box(output[0][0]);
    };
    let flop = 2 * <Conv as Module>::MACS as u64;
    let measured = gflops(flop, &mut im2col);
    let mut group = c.benchmark_group("conv2 32->64 6x6");
    group.throughput(Throughput::Elements(flop));
    group.bench_function(BenchmarkId::new("forward im2col+matmul", B), |b| {
        b.iter(&mut im2col)
    });
    group.finish();
    // The same result as the direct kernel (up to summation order).
    let direct: &[[f32; 64]; P] = minidl::reshape(&*direct);
    assert!(direct
        .iter()
        .flatten()
        .zip(output.iter().flatten())
        .all(|(a, b)| (a - b).abs() < 1e-4));
    MEASURED
        .lock()
        .unwrap()
        .push(("conv2 32->64 6x6".into(), "forward im2col+matmul", measured));
}

fn kernels(c: &mut Criterion) {
    // convnet, batch of B pairs as 2-channel images.
    bench_layer::<Conv2d<B, 14, 14, 2, 32, 3, 0, 12, 12>>(c, "conv1 2->32 14x14", true);
    bench_layer::<Conv2d<B, 6, 6, 32, 64, 3, 0, 4, 4>>(c, "conv2 32->64 6x6", false);
    bench_layer::<Linear<256, 200, B>>(c, "linear 256->200", false);
    // The digit net on a siamese batch (2B single-channel images).
    bench_layer::<Conv2d<B2, 14, 14, 1, 32, 3, 0, 12, 12>>(c, "conv1 1->32 14x14 (2B)", true);
    bench_layer::<Conv2d<B2, 6, 6, 32, 64, 3, 0, 4, 4>>(c, "conv2 32->64 6x6 (2B)", false);
    bench_layer::<Linear<256, 200, B2>>(c, "linear 256->200 (2B)", false);
    // best's digit net (2B images, padded convolutions).
    bench_layer::<Conv2d<B2, 14, 14, 1, 32, 3, 1, 14, 14>>(
        c,
        "best conv1 1->32 14x14 pad 1 (2B)",
        true,
    );
    bench_layer::<Conv2d<B2, 7, 7, 32, 64, 3, 1, 7, 7>>(
        c,
        "best conv2 32->64 7x7 pad 1 (2B)",
        false,
    );
    bench_layer::<Linear<576, 128, B2>>(c, "best linear 576->128 (2B)", false);
    // tiny's digit net (2B images): a quarter of the channels, the network the `digits`
    // firmware trains.
    bench_layer::<Conv2d<B2, 14, 14, 1, 8, 3, 0, 12, 12>>(c, "tiny conv1 1->8 14x14 (2B)", true);
    bench_layer::<Conv2d<B2, 6, 6, 8, 16, 3, 0, 4, 4>>(c, "tiny conv2 8->16 6x6 (2B)", false);
    bench_layer::<Linear<64, 32, B2>>(c, "tiny linear 64->32 (2B)", false);
    bench_layer::<Linear<32, 10, B2>>(c, "tiny linear 32->10 (2B)", false);
    // Project 2's hidden layer, at its batch of 20 points.
    bench_layer::<Linear<25, 25, P2_BATCH>>(c, "p2 linear 25->25 (20 points)", false);
}

fn main() {
    let machine = host::machine::Machine::measure();
    let mut c = Criterion::default()
        .sample_size(20)
        .measurement_time(std::time::Duration::from_secs(2))
        .warm_up_time(std::time::Duration::from_millis(500))
        .configure_from_args();
    kernels(&mut c);
    im2col_conv2(&mut c);
    c.final_summary();
    println!(
        "\nOne core of {} ({}): FMA peak measured {:.1} GFLOP/s\n",
        machine.cpu, machine.vector_isa, machine.fma_peak_gflops
    );
    println!(
        "{:<40} {:<22} {:>8} {:>7}",
        "kernel (batch: 50 pairs; p2: 20 points)", "pass", "GFLOP/s", "% peak"
    );
    for (kernel, pass, gflops) in MEASURED.lock().unwrap().iter() {
        println!(
            "{kernel:<40} {pass:<22} {gflops:>8.1} {:>6.0}%",
            100.0 * gflops / machine.fma_peak_gflops
        );
    }
}

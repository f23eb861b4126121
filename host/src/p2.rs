//! Project 2: the disk task on the mini framework.
//!
//! 1,000 training and 1,000 test points uniform in `[0,1]^2`, label 1 inside the disk of
//! radius `1/sqrt(2 pi)` centred at `(0.5, 0.5)` (area 1/2, so the classes are balanced);
//! a 2-25-25-25-2 network trained with MSE on one-hot targets.

use crate::memory::boxed_zeroed;
use crate::results::RoundResult;
use minidl::init::shuffle;
use minidl::optim::cosine_decay;
use minidl::rand_core::SeedableRng;
use minidl::rand_xoshiro::Xoshiro256PlusPlus;
use minidl::{argmax, Batch, Init, Module, MseLoss, Optimizer, Seq, Sgd, SgdConfig, Tanh};
use std::time::Instant;

/// Name of the architecture in tables and JSON.
pub const ARCH: &str = "mlp-2-25-25-25-2";
/// Points in each of the training and test sets.
pub const POINTS: usize = 1000;
/// Mini-batch size.
pub const BATCH: usize = 20;

/// The network: three hidden layers of 25 units.
pub type Net = Seq![
    minidl::Linear<2, 25, BATCH>,
    Tanh<Batch<BATCH, 25>>,
    minidl::Linear<25, 25, BATCH>,
    Tanh<Batch<BATCH, 25>>,
    minidl::Linear<25, 25, BATCH>,
    Tanh<Batch<BATCH, 25>>,
    minidl::Linear<25, 2, BATCH>,
];

/// What the core needs to train the network (SGD with momentum) at the batch size.
pub fn memory() -> crate::memory::ModelMemory {
    crate::memory::ModelMemory::of::<Net, Sgd<{ Net::PARAMS }>>()
}

/// Training hyper-parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// Passes over the training set.
    pub epochs: usize,
    /// Initial SGD step size; decays with a cosine schedule to `lr / 100`.
    pub lr: f32,
    /// SGD momentum.
    pub momentum: f32,
    /// Measure train and test error after training (benchmarks turn it off; the errors
    /// are then NaN).
    pub evaluate: bool,
    /// Keep the trained model (in the core's file format) in the round's result.
    pub save: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            epochs: 250,
            lr: 0.05,
            momentum: 0.9,
            evaluate: true,
            save: false,
        }
    }
}

/// Radius of the disk of area 1/2.
pub fn disk_radius() -> f32 {
    minidl::disk::RADIUS_SQUARED.sqrt()
}

pub use minidl::disk::label;

/// `n` points uniform in `[0,1]^2` with their labels.
pub fn generate_disk_set(n: usize, rng: &mut Xoshiro256PlusPlus) -> (Vec<[f32; 2]>, Vec<usize>) {
    let points: Vec<[f32; 2]> = (0..n).map(|_| minidl::disk::sample_point(rng)).collect();
    let labels = points.iter().map(|&p| label(p)).collect();
    (points, labels)
}

/// The predicted class of every point. The last partial batch is padded with copies of its
/// first point and the padding's outputs are ignored.
fn predict(net: &mut Net, points: &[[f32; 2]]) -> Vec<usize> {
    let mut predicted = Vec::with_capacity(points.len());
    let mut input: Batch<BATCH, 2> = [[0.0; 2]; BATCH];
    for chunk in points.chunks(BATCH) {
        for (slot, k) in input.iter_mut().zip((0..chunk.len()).cycle()) {
            *slot = chunk[k];
        }
        let out = net.forward(&input);
        predicted.extend(out.iter().take(chunk.len()).map(|o| argmax(&o[..])));
    }
    predicted
}

/// Fraction of `predicted` that differ from `labels`.
fn error_rate(predicted: &[usize], labels: &[usize]) -> f64 {
    let wrong = predicted.iter().zip(labels).filter(|(p, l)| p != l).count();
    wrong as f64 / labels.len() as f64
}

/// One round: fresh data and initialisation from `seed`, training, evaluation.
pub fn run_round(seed: u64, settings: &Settings) -> RoundResult {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (train_raw, train_labels) = generate_disk_set(POINTS, &mut rng);
    let (test_raw, test_labels) = generate_disk_set(POINTS, &mut rng);
    let standardise = minidl::disk::Standardise::fit(&train_raw);
    let train: Vec<[f32; 2]> = train_raw.iter().map(|&p| standardise.apply(p)).collect();
    let test: Vec<[f32; 2]> = test_raw.iter().map(|&p| standardise.apply(p)).collect();

    let mut net: Box<Net> = boxed_zeroed();
    net.init(Init::XavierUniform, &mut rng);
    let mut optimizer: Box<Sgd<{ Net::PARAMS }>> = boxed_zeroed();
    optimizer.reset(SgdConfig {
        lr: settings.lr,
        momentum: settings.momentum,
        weight_decay: 0.0,
    });
    let mut loss = MseLoss::<Batch<BATCH, 2>>::new();

    let mut order: Vec<usize> = (0..POINTS).collect();
    let mut input: Batch<BATCH, 2> = [[0.0; 2]; BATCH];
    let mut target: Batch<BATCH, 2> = [[0.0; 2]; BATCH];
    let mut epoch_losses = Vec::with_capacity(settings.epochs);
    let start = Instant::now();
    for epoch in 0..settings.epochs {
        optimizer.config.lr = cosine_decay(settings.lr, epoch, settings.epochs);
        shuffle(&mut order, &mut rng);
        let mut total = 0.0;
        for batch in order.chunks_exact(BATCH) {
            for ((x, t), &i) in input.iter_mut().zip(&mut target).zip(batch) {
                *x = train[i];
                *t = [0.0; 2];
                t[train_labels[i]] = 1.0;
            }
            net.zero_grad();
            let out = net.forward(&input);
            total += loss.forward(out, &target);
            net.backward(&input, loss.grad(), None);
            optimizer.step(&mut *net);
        }
        epoch_losses.push(total / (POINTS / BATCH) as f32);
        if !total.is_finite() {
            break;
        }
    }
    let train_seconds = start.elapsed().as_secs_f64();
    let diverged_at = crate::results::diverged_at(&epoch_losses);

    let evaluate = settings.evaluate && diverged_at.is_none();
    let (train_predicted, test_predicted) = if evaluate {
        (predict(&mut net, &train), predict(&mut net, &test))
    } else {
        (Vec::new(), Vec::new())
    };
    let error = |predicted: &[usize], labels: &[usize]| {
        if evaluate {
            error_rate(predicted, labels)
        } else {
            f64::NAN
        }
    };
    RoundResult {
        seed,
        train_error: error(&train_predicted, &train_labels),
        test_error: error(&test_predicted, &test_labels),
        train_seconds,
        epoch_losses,
        diverged_at,
        test_predictions: test_raw.iter().copied().zip(test_predicted).collect(),
        model: settings.save.then(|| crate::memory::model_bytes(&mut *net)),
        ..Default::default()
    }
}

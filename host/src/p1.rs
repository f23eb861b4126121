//! Project 1: is the first of two MNIST digits less than or equal to the second?
//!
//! Every architecture is trained by the same loop (`fit`): the same data pipeline (inputs
//! standardised with the training pairs' pixel mean and standard deviation), Adam with a
//! cosine learning-rate decay, batches of 50 pairs, 25 epochs. `siamese`, `aux` and
//! `siamese-aux` use the same digit network (the convnet's layers on one image) and the same
//! head, so that their differences come from weight sharing and the auxiliary loss alone.
//! Each architecture's learning rate (and auxiliary weight) was chosen from one small grid
//! on validation pairs drawn from the MNIST *training* split (`examples/tune.rs`); the test
//! split is never used for a decision.

use crate::memory::{boxed_zeroed, ModelMemory};
use crate::mnist::Mnist;
use crate::pairs::{generate_pair_sets, random_shift, PairImage, PairSet, HALF};
use crate::results::RoundResult;
use minidl::init::shuffle;
use minidl::rand_core::SeedableRng;
use minidl::rand_xoshiro::Xoshiro256PlusPlus;
use minidl::{
    argmax, Adam, AdamConfig, AuxLoss, Batch, BatchNorm1d, BatchNorm2d, Conv2d, CrossEntropyLoss,
    Dropout, Flatten, Images, Init, Linear, MaxPool2d, Mode, Module, Optimizer, Relu, Seq, Siamese,
    Tensor, Twin, Zeroable,
};
use std::time::Instant;

/// Pairs in each of the training and test sets.
pub const PAIRS: usize = 1000;
/// Default number of epochs.
pub const DEFAULT_EPOCHS: usize = 25;
/// Mini-batch size (pairs).
pub const B: usize = 50;
/// Test pairs on which the learning curves measure the error after every epoch.
pub const CURVE_PAIRS: usize = 100;
/// Images in a mini-batch of pairs.
pub const B2: usize = 2 * B;
/// Pixels of a pair (2 x 14 x 14).
pub const PAIR_PIXELS: usize = 2 * HALF * HALF;

/// The architectures, in the order they are run and reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Arch {
    /// Fully connected on the 392 pixels.
    Mlp,
    /// The handout's convnet on the 2-channel image (70,906 parameters).
    Convnet,
    /// One digit network on each image (shared weights), a head on the two outputs.
    Siamese,
    /// Two separate digit networks, auxiliary digit loss.
    Aux,
    /// Shared digit network and auxiliary digit loss.
    SiameseAux,
    /// The strongest model under the rules: a batch-normalised digit network trained on the
    /// digit labels with shifted copies of the training images, deciding by comparing the
    /// predicted digit distributions.
    Best,
}

impl Arch {
    /// Every architecture, in report order.
    pub const ALL: [Arch; 6] = [
        Arch::Mlp,
        Arch::Convnet,
        Arch::Siamese,
        Arch::Aux,
        Arch::SiameseAux,
        Arch::Best,
    ];

    /// The name used on the command line, in tables and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Arch::Mlp => "mlp",
            Arch::Convnet => "convnet",
            Arch::Siamese => "siamese",
            Arch::Aux => "aux",
            Arch::SiameseAux => "siamese-aux",
            Arch::Best => "best",
        }
    }

    /// Parses a command-line name.
    pub fn from_name(name: &str) -> Option<Arch> {
        Arch::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The training recipe of this architecture with `epochs` epochs (default 25). Learning
    /// rates and auxiliary weights were chosen per architecture on validation pairs from
    /// the MNIST training split (`examples/tune.rs`), never on the test split.
    pub fn recipe(self, epochs: Option<usize>) -> Recipe {
        let mut recipe = Recipe::new(epochs.unwrap_or(DEFAULT_EPOCHS));
        recipe.lr = match self {
            Arch::Mlp | Arch::Convnet => 1e-3,
            Arch::Siamese | Arch::Aux | Arch::SiameseAux => 8e-3,
            Arch::Best => 4e-3,
        };
        match self {
            Arch::Aux | Arch::SiameseAux => recipe.aux_weight = 3.0,
            Arch::Best => recipe.max_shift = 1,
            _ => {}
        }
        recipe
    }

    /// What the core needs to train this architecture at its batch size.
    pub fn memory(self) -> ModelMemory {
        match self {
            Arch::Mlp => ModelMemory::of::<MlpNet, Adam<{ MlpNet::PARAMS }>>(),
            Arch::Convnet => ModelMemory::of::<ConvNet, Adam<{ ConvNet::PARAMS }>>(),
            Arch::Siamese | Arch::SiameseAux => {
                ModelMemory::of::<SiameseNet, Adam<{ SiameseNet::PARAMS }>>()
            }
            Arch::Aux => ModelMemory::of::<TwinNet, Adam<{ TwinNet::PARAMS }>>(),
            Arch::Best => ModelMemory::of::<BestNet, Adam<{ BestNet::PARAMS }>>(),
        }
    }

    /// Trainable parameters.
    pub fn params(self) -> usize {
        match self {
            Arch::Mlp => MlpNet::PARAMS,
            Arch::Convnet => ConvNet::PARAMS,
            Arch::Siamese | Arch::SiameseAux => SiameseNet::PARAMS,
            Arch::Aux => TwinNet::PARAMS,
            Arch::Best => BestNet::PARAMS,
        }
    }
}

// ---- The networks -------------------------------------------------------------------------

/// `mlp`: 392 -> 160 -> 50 -> 2, about the convnet's parameter count.
pub type MlpNet = Seq![
    Linear<PAIR_PIXELS, 160, B>,
    Relu<Batch<B, 160>>,
    Linear<160, 50, B>,
    Relu<Batch<B, 50>>,
    Linear<50, 2, B>,
];

/// The handout's convnet: conv 3x3 2->32, max-pool 2, ReLU, conv 3x3 32->64, max-pool 2,
/// ReLU, linear 256 -> 200, ReLU, linear 200 -> 2.
pub type ConvNet = Seq![
    Conv2d<B, 14, 14, 2, 32, 3, 0, 12, 12>,
    MaxPool2d<B, 12, 12, 32, 2, 6, 6>,
    Relu<Images<B, 6, 6, 32>>,
    Conv2d<B, 6, 6, 32, 64, 3, 0, 4, 4>,
    MaxPool2d<B, 4, 4, 64, 2, 2, 2>,
    Relu<Images<B, 2, 2, 64>>,
    Flatten<B, 2, 2, 64, 256>,
    Linear<256, 200, B>,
    Relu<Batch<B, 200>>,
    Dropout<Batch<B, 200>, DROPOUT>,
    Linear<200, 2, B>,
];

pub use minidl::zoo::{Digit, DigitNet, DROPOUT};

/// The digit logits of both images of every pair.
pub type PairLogits = minidl::zoo::PairLogits<B>;
/// The head on the two digit outputs: 20 -> 60 -> 2.
pub type Head = minidl::zoo::Head<B>;
/// `siamese` and `siamese-aux`: one digit network for both images.
pub type SiameseNet = minidl::zoo::SiameseNet<B, B2>;
/// `aux`: a digit network per image.
pub type TwinNet = Seq<Twin<DigitNet<B>, DigitNet<B>, Digit, [f32; 10], B>, Head>;

/// The digit network of `best`: two padded 3x3 convolutions with batch norm, max-pooling,
/// a batch-normalised hidden layer with dropout, 10 digit logits.
pub type BestDigitNet<const N: usize> = Seq![
    Conv2d<N, 14, 14, 1, 32, 3, 1, 14, 14>,
    BatchNorm2d<N, 14, 14, 32>,
    Relu<Images<N, 14, 14, 32>>,
    MaxPool2d<N, 14, 14, 32, 2, 7, 7>,
    Conv2d<N, 7, 7, 32, 64, 3, 1, 7, 7>,
    BatchNorm2d<N, 7, 7, 64>,
    Relu<Images<N, 7, 7, 64>>,
    MaxPool2d<N, 7, 7, 64, 2, 3, 3>,
    Flatten<N, 3, 3, 64, 576>,
    Linear<576, 128, N>,
    BatchNorm1d<N, 128>,
    Relu<Batch<N, 128>>,
    Dropout<Batch<N, 128>, DROPOUT>,
    Linear<128, 10, N>,
];

/// `best`: the digit network on both images.
pub type BestNet = Siamese<BestDigitNet<B2>, Digit, [f32; 10], B, B2>;

// ---- Feeding pairs to networks --------------------------------------------------------------

/// Pixel standardisation with statistics of the training pairs only.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Standardise {
    /// Mean pixel value.
    pub mean: f32,
    /// Standard deviation of the pixel values.
    pub std: f32,
}

impl Standardise {
    /// Mean and standard deviation of every pixel of `set`.
    pub fn fit(set: &PairSet) -> Self {
        let n = (set.len() * PAIR_PIXELS) as f64;
        let pixels = || set.input.iter().flat_map(|p| p.iter().flatten().flatten());
        let mean = pixels().map(|&v| v as f64).sum::<f64>() / n;
        let var = pixels().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
        Self {
            mean: mean as f32,
            std: var.sqrt().max(1e-6) as f32,
        }
    }

    fn apply(&self, v: f32) -> f32 {
        (v - self.mean) / self.std
    }
}

/// A network input that holds a batch of `B` pairs in its own layout.
pub trait PairBatch: Tensor {
    /// Writes `pair`, standardised, into slot `k` of the batch.
    fn set(&mut self, k: usize, pair: &PairImage, norm: Standardise);
}

/// Flat vectors: both images, channel first, row by row.
impl PairBatch for Batch<B, PAIR_PIXELS> {
    fn set(&mut self, k: usize, pair: &PairImage, norm: Standardise) {
        for (slot, &v) in self[k].iter_mut().zip(pair.iter().flatten().flatten()) {
            *slot = norm.apply(v);
        }
    }
}

/// One 2-channel image (channels last).
impl PairBatch for Images<B, HALF, HALF, 2> {
    fn set(&mut self, k: usize, pair: &PairImage, norm: Standardise) {
        for y in 0..HALF {
            for x in 0..HALF {
                self[k][y][x] = [norm.apply(pair[0][y][x]), norm.apply(pair[1][y][x])];
            }
        }
    }
}

/// Two 1-channel images.
impl PairBatch for [[Digit; 2]; B] {
    fn set(&mut self, k: usize, pair: &PairImage, norm: Standardise) {
        for c in 0..2 {
            for y in 0..HALF {
                for x in 0..HALF {
                    self[k][c][y][x] = [norm.apply(pair[c][y][x])];
                }
            }
        }
    }
}

// ---- Objectives -----------------------------------------------------------------------------

/// How a network is trained and read: the loss of one batch, and its predicted targets.
pub trait Objective<N: Module>: Zeroable {
    /// Forward and backward pass of one batch (gradients accumulate into `net`); returns
    /// the loss.
    fn train_batch(
        &mut self,
        net: &mut N,
        input: &N::Input,
        targets: &[usize; B],
        classes: &[[usize; 2]; B],
    ) -> f32;

    /// The targets that the network's output `output` predicts.
    fn decide(&self, output: &N::Output, out: &mut [usize; B]);

    /// Predicted targets of one batch.
    fn predict(&mut self, net: &mut N, input: &N::Input, out: &mut [usize; B]) {
        self.decide(net.forward(input), out);
    }
}

/// The predicted class of every row of target logits.
fn predict_from_logits(logits: &Batch<B, 2>, out: &mut [usize; B]) {
    for (o, l) in out.iter_mut().zip(logits) {
        *o = argmax(l);
    }
}

/// Cross-entropy on the two target logits only.
pub struct TargetOnly(CrossEntropyLoss<B, 2>);
// SAFETY: one Zeroable field.
unsafe impl Zeroable for TargetOnly {}

impl<N: Module<Output = Batch<B, 2>>> Objective<N> for TargetOnly {
    fn train_batch(
        &mut self,
        net: &mut N,
        input: &N::Input,
        targets: &[usize; B],
        _: &[[usize; 2]; B],
    ) -> f32 {
        let loss = self.0.forward(net.forward(input), targets);
        net.backward(input, self.0.grad(), None);
        loss
    }

    fn decide(&self, logits: &Batch<B, 2>, out: &mut [usize; B]) {
        predict_from_logits(logits, out);
    }
}

/// Target cross-entropy plus `weight` times the digit cross-entropies of both images.
pub struct WithAuxLoss {
    loss: AuxLoss<B, B2, 2, 10>,
    /// Weight of the auxiliary term.
    pub weight: f32,
}
// SAFETY: Zeroable fields.
unsafe impl Zeroable for WithAuxLoss {}

impl<D, H> Objective<Seq<D, H>> for WithAuxLoss
where
    D: Module<Output = PairLogits>,
    H: Module<Input = PairLogits, Output = Batch<B, 2>>,
{
    fn train_batch(
        &mut self,
        net: &mut Seq<D, H>,
        input: &D::Input,
        targets: &[usize; B],
        classes: &[[usize; 2]; B],
    ) -> f32 {
        net.forward(input);
        let (logits, digits) = (
            net.then.output(net.first.output(input)),
            net.first.output(input),
        );
        let loss = self
            .loss
            .forward(logits, targets, digits, classes, self.weight);
        net.backward_adding(input, self.loss.grad_logits(), self.loss.grad_items(), None);
        loss
    }

    fn decide(&self, logits: &Batch<B, 2>, out: &mut [usize; B]) {
        predict_from_logits(logits, out);
    }
}

/// Digit cross-entropy on both images of every pair, and a decision that compares the
/// predicted digits: the target is 1 when `P(first <= second) > 1/2`, with
/// `P(first <= second) = sum over i <= j of p_first(i) p_second(j)` from the two softmax
/// outputs (treated as independent), which weighs an uncertain digit by how likely each
/// reading is instead of committing to its argmax.
pub struct CompareDigits(CrossEntropyLoss<B2, 10>);
// SAFETY: one Zeroable field.
unsafe impl Zeroable for CompareDigits {}

impl<N: Module<Output = PairLogits>> Objective<N> for CompareDigits {
    fn train_batch(
        &mut self,
        net: &mut N,
        input: &N::Input,
        _: &[usize; B],
        classes: &[[usize; 2]; B],
    ) -> f32 {
        let item_classes: [usize; B2] = std::array::from_fn(|k| classes[k / 2][k % 2]);
        let loss = self
            .0
            .forward(minidl::reshape(net.forward(input)), &item_classes);
        net.backward(input, minidl::reshape(self.0.grad()), None);
        loss
    }

    fn decide(&self, digits: &PairLogits, out: &mut [usize; B]) {
        for (o, pair) in out.iter_mut().zip(digits) {
            *o = usize::from(probability_first_le_second(&pair[0], &pair[1]) > 0.5);
        }
    }
}

/// `P(a <= b)` for two independent digits with the given logits.
pub fn probability_first_le_second(first: &[f32; 10], second: &[f32; 10]) -> f32 {
    let softmax = |z: &[f32; 10]| {
        let m = z.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let e: [f32; 10] = std::array::from_fn(|k| (z[k] - m).exp());
        let total: f32 = e.iter().sum();
        e.map(|v| v / total)
    };
    let (p, q) = (softmax(first), softmax(second));
    // q_at_least[i] = P(second >= i)
    let mut q_at_least = [0.0f32; 11];
    for i in (0..10).rev() {
        q_at_least[i] = q_at_least[i + 1] + q[i];
    }
    (0..10).map(|i| p[i] * q_at_least[i]).sum()
}

// ---- Training -------------------------------------------------------------------------------

/// Optimiser and schedule shared by every architecture.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Recipe {
    /// Passes over the 1,000 training pairs.
    pub epochs: usize,
    /// Adam's step size at the start; decays with a cosine to 1/100 of it.
    pub lr: f32,
    /// Weight of the auxiliary digit loss (architectures that use it).
    pub aux_weight: f32,
    /// L2 penalty on every parameter.
    pub weight_decay: f32,
    /// Measure train and test error after training (benchmarks turn it off; the errors
    /// are then NaN).
    pub evaluate: bool,
    /// Keep the trained model (in the core's file format) in the round's result.
    pub save: bool,
    /// Training images are moved by up to this many pixels (independently, each time
    /// they are used); 0 for none.
    pub max_shift: usize,
}

impl Recipe {
    /// The default recipe with `epochs` epochs.
    pub fn new(epochs: usize) -> Self {
        Self {
            epochs,
            lr: 2e-3,
            aux_weight: 1.0,
            weight_decay: 0.0,
            max_shift: 0,
            evaluate: true,
            save: false,
        }
    }
}

/// Errors of `net` on `set`: the fraction of wrongly predicted targets. A last partial
/// batch is padded with its own first pairs and the padding's predictions are ignored.
fn error_rate<N, O>(
    net: &mut N,
    objective: &mut O,
    input: &mut N::Input,
    set: &PairSet,
    norm: Standardise,
) -> f64
where
    N: Module,
    N::Input: PairBatch,
    O: Objective<N>,
{
    net.set_mode(Mode::Eval);
    let mut wrong = 0;
    let mut predicted = [0usize; B];
    for start in (0..set.len()).step_by(B) {
        let count = B.min(set.len() - start);
        for k in 0..B {
            input.set(k, &set.input[start + k % count], norm);
        }
        objective.predict(net, input, &mut predicted);
        let targets = &set.target[start..start + count];
        wrong += targets
            .iter()
            .zip(&predicted)
            .filter(|(t, p)| t != p)
            .count();
    }
    net.set_mode(Mode::Train);
    wrong as f64 / set.len() as f64
}

/// Trains `net` on `train` with `recipe`, then measures train and test error.
fn fit<N, O>(
    net: &mut N,
    objective: &mut O,
    optimizer: &mut impl Optimizer,
    (train, test): (&PairSet, &PairSet),
    recipe: &Recipe,
    rng: &mut Xoshiro256PlusPlus,
    seed: u64,
) -> RoundResult
where
    N: Module,
    N::Input: PairBatch,
    O: Objective<N>,
{
    let norm = Standardise::fit(train);
    let mut input: Box<N::Input> = boxed_zeroed();
    let mut order: Vec<usize> = (0..train.len()).collect();
    let (mut targets, mut classes) = ([0usize; B], [[0usize; 2]; B]);
    let mut epoch_losses = Vec::with_capacity(recipe.epochs);
    let (mut epoch_train_error, mut epoch_test_error) = (Vec::new(), Vec::new());
    // Learning curves: the test error after every epoch on the first CURVE_PAIRS test pairs
    // (recorded, never used to decide anything; its time is not training time).
    let curve_set = PairSet {
        input: test.input[..CURVE_PAIRS.min(test.len())].to_vec(),
        target: test.target[..CURVE_PAIRS.min(test.len())].to_vec(),
        classes: test.classes[..CURVE_PAIRS.min(test.len())].to_vec(),
    };
    let mut predicted = [0usize; B];
    let mut curve_time = std::time::Duration::ZERO;
    let start = Instant::now();
    for epoch in 0..recipe.epochs {
        optimizer.set_learning_rate(minidl::optim::cosine_decay(recipe.lr, epoch, recipe.epochs));
        shuffle(&mut order, rng);
        let (mut total, mut wrong) = (0.0, 0);
        let batches = order.chunks_exact(B);
        let count = batches.len();
        for batch in batches {
            for (k, &i) in batch.iter().enumerate() {
                let shifted;
                let pair = if recipe.max_shift > 0 {
                    shifted = random_shift(&train.input[i], recipe.max_shift, rng);
                    &shifted
                } else {
                    &train.input[i]
                };
                input.set(k, pair, norm);
                targets[k] = train.target[i];
                classes[k] = train.classes[i];
            }
            net.zero_grad();
            total += objective.train_batch(net, &input, &targets, &classes);
            objective.decide(net.output(&input), &mut predicted);
            wrong += predicted
                .iter()
                .zip(&targets)
                .filter(|(p, t)| p != t)
                .count();
            optimizer.step(net);
        }
        epoch_losses.push(total / count as f32);
        if !total.is_finite() {
            break;
        }
        // The running error of the epoch's training passes (training mode, as seen by
        // the optimiser), and the error on the curve pairs.
        epoch_train_error.push(wrong as f32 / (count * B) as f32);
        if recipe.evaluate {
            let curve_start = Instant::now();
            epoch_test_error.push(error_rate(net, objective, &mut input, &curve_set, norm) as f32);
            curve_time += curve_start.elapsed();
        }
    }
    let train_seconds = (start.elapsed() - curve_time).as_secs_f64();
    let diverged_at = crate::results::diverged_at(&epoch_losses);
    let mut error = |set: &PairSet| {
        if recipe.evaluate && diverged_at.is_none() {
            error_rate(net, objective, &mut input, set, norm)
        } else {
            f64::NAN
        }
    };
    RoundResult {
        seed,
        train_error: error(train),
        test_error: error(test),
        train_seconds,
        epoch_losses,
        epoch_train_error,
        epoch_test_error,
        diverged_at,
        model: recipe.save.then(|| crate::memory::model_bytes(net)),
        ..Default::default()
    }
}

/// Builds, initialises and trains one architecture on one round's data.
fn fit_new<N, O, const P: usize>(
    configure: impl FnOnce(&mut O),
    data: (&PairSet, &PairSet),
    recipe: &Recipe,
    rng: &mut Xoshiro256PlusPlus,
    seed: u64,
) -> RoundResult
where
    N: Module,
    N::Input: PairBatch,
    O: Objective<N>,
{
    let mut net: Box<N> = boxed_zeroed();
    net.init(Init::PyTorchDefault, rng);
    let mut objective: Box<O> = boxed_zeroed();
    configure(&mut objective);
    let mut optimizer: Box<Adam<P>> = boxed_zeroed();
    optimizer.reset(AdamConfig {
        weight_decay: recipe.weight_decay,
        ..AdamConfig::with_lr(recipe.lr)
    });
    fit(
        &mut *net,
        &mut *objective,
        &mut *optimizer,
        data,
        recipe,
        rng,
        seed,
    )
}

/// One round of `arch`: new pairs and a new initialisation from `seed`.
pub fn run_round(arch: Arch, mnist: &Mnist, seed: u64, recipe: &Recipe) -> RoundResult {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (train, test) = generate_pair_sets(mnist, PAIRS, &mut rng);
    train_and_evaluate(arch, (&train, &test), seed, recipe, &mut rng)
}

/// Trains a new `arch` on `data.0` and reports its error on `data.1` as the test error.
/// `rng` must be the round's generator, positioned after the data were drawn.
pub fn train_and_evaluate(
    arch: Arch,
    data: (&PairSet, &PairSet),
    seed: u64,
    recipe: &Recipe,
    rng: &mut Xoshiro256PlusPlus,
) -> RoundResult {
    let aux = |o: &mut WithAuxLoss| o.weight = recipe.aux_weight;
    match arch {
        Arch::Mlp => {
            fit_new::<MlpNet, TargetOnly, { MlpNet::PARAMS }>(|_| {}, data, recipe, rng, seed)
        }
        Arch::Convnet => {
            fit_new::<ConvNet, TargetOnly, { ConvNet::PARAMS }>(|_| {}, data, recipe, rng, seed)
        }
        Arch::Siamese => fit_new::<SiameseNet, TargetOnly, { SiameseNet::PARAMS }>(
            |_| {},
            data,
            recipe,
            rng,
            seed,
        ),
        Arch::Aux => {
            fit_new::<TwinNet, WithAuxLoss, { TwinNet::PARAMS }>(aux, data, recipe, rng, seed)
        }
        Arch::Best => {
            fit_new::<BestNet, CompareDigits, { BestNet::PARAMS }>(|_| {}, data, recipe, rng, seed)
        }
        Arch::SiameseAux => {
            fit_new::<SiameseNet, WithAuxLoss, { SiameseNet::PARAMS }>(aux, data, recipe, rng, seed)
        }
    }
}

//! The training loop every Project 1 architecture shares: the same data pipeline (inputs
//! standardised with the training pairs' pixel statistics), Adam with a cosine
//! learning-rate decay, batches of [`BATCH`] pairs; then the train and test errors.

use super::registry::AdamOptimizer;
use super::Recipe;
use crate::data::pairs::PairSet;
use crate::models;
use crate::results::{diverged_at, RoundOptions, RoundResult};
use minidl::rand_xoshiro::Xoshiro256PlusPlus;
use minidl::{boxed_zeroed, AdamConfig, Init, Mode, Module, Optimizer};
use projects::p1::objective::{CompareDigits, Objective, TargetOnly, WithAuxLoss};
use projects::p1::train::{Learner, Schedule};
use projects::p1::{PairBatch, PixelStandardise, BATCH};
use std::time::Instant;

/// Test pairs on which the learning curves measure the error after every epoch.
pub const CURVE_PAIRS: usize = 100;

/// An objective set up from the recipe (the auxiliary weight, where there is one).
pub trait FromRecipe {
    /// Whether the recipe's auxiliary weight means anything to this objective.
    const USES_AUX_WEIGHT: bool = false;
    /// Takes what applies from `recipe`.
    fn configure(&mut self, _recipe: &Recipe) {}
}

impl<const B: usize> FromRecipe for TargetOnly<B> {}
impl<const B: usize, const B2: usize> FromRecipe for CompareDigits<B, B2> {}
impl<const B: usize, const B2: usize> FromRecipe for WithAuxLoss<B, B2> {
    const USES_AUX_WEIGHT: bool = true;
    fn configure(&mut self, recipe: &Recipe) {
        self.weight = recipe.aux_weight;
    }
}

/// Errors of `net` on `set`: the fraction of wrongly predicted targets. A last partial
/// batch is padded with its own first pairs and the padding's predictions are ignored.
fn error_rate<N, O>(
    net: &mut N,
    objective: &mut O,
    input: &mut N::Input,
    set: &PairSet,
    norm: PixelStandardise,
) -> f64
where
    N: Module,
    N::Input: PairBatch,
    O: Objective<N, BATCH>,
{
    net.set_mode(Mode::Eval);
    let mut wrong = 0;
    let mut predicted = [0usize; BATCH];
    for start in (0..set.len()).step_by(BATCH) {
        let count = BATCH.min(set.len() - start);
        for k in 0..BATCH {
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
    (recipe, options): (&Recipe, RoundOptions),
    rng: &mut Xoshiro256PlusPlus,
    seed: u64,
) -> RoundResult
where
    N: Module,
    N::Input: PairBatch,
    O: Objective<N, BATCH>,
{
    let norm = PixelStandardise::fit(&train.input);
    let mut input: Box<N::Input> = boxed_zeroed();
    let mut order: Vec<usize> = (0..train.len()).collect();
    let mut epoch_losses = Vec::with_capacity(recipe.epochs);
    let (mut epoch_train_error, mut epoch_test_error) = (Vec::new(), Vec::new());
    // Learning curves: the test error after every epoch on the first CURVE_PAIRS test pairs
    // (recorded, never used to decide anything; its time is not training time).
    let curve_set = PairSet {
        input: test.input[..CURVE_PAIRS.min(test.len())].to_vec(),
        target: test.target[..CURVE_PAIRS.min(test.len())].to_vec(),
        classes: test.classes[..CURVE_PAIRS.min(test.len())].to_vec(),
    };
    let schedule = Schedule {
        lr: recipe.lr,
        epochs: recipe.epochs,
        max_shift: recipe.max_shift,
    };
    let pair = |i: usize| (train.input[i], train.target[i], train.classes[i]);
    let mut curve_time = std::time::Duration::ZERO;
    let start = Instant::now();
    let mut tensors = 0;
    net.visit_params(&mut |_, _| tensors += 1);
    let mut grad_norms = Vec::with_capacity(recipe.epochs);
    for epoch in 0..recipe.epochs {
        let mut norms = vec![0.0f32; tensors];
        let stats = Learner {
            net: &mut *net,
            objective: &mut *objective,
            optimizer: &mut *optimizer,
            input: &mut *input,
            grad_norms: Some(&mut norms),
        }
        .epoch::<BATCH, _, _>((epoch, &schedule), pair, norm, &mut order, BATCH, rng);
        epoch_losses.push(stats.loss);
        let batches = (stats.seen / BATCH).max(1) as f32;
        grad_norms.push(norms.iter().map(|n| n / batches).collect());
        if !stats.loss.is_finite() {
            break;
        }
        // The running error of the epoch's training passes (training mode, as seen by
        // the optimiser), and the error on the curve pairs.
        epoch_train_error.push(stats.wrong as f32 / stats.seen as f32);
        if options.evaluate {
            let curve_start = Instant::now();
            epoch_test_error.push(error_rate(net, objective, &mut input, &curve_set, norm) as f32);
            curve_time += curve_start.elapsed();
        }
    }
    let train_seconds = (start.elapsed() - curve_time).as_secs_f64();
    let diverged_at = diverged_at(&epoch_losses);
    let mut error = |set: &PairSet| {
        if options.evaluate && diverged_at.is_none() {
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
        grad_norms,
        diverged_at,
        model: options.save.map(|format| models::encode(net, format)),
        ..Default::default()
    }
}

/// Builds, initialises and trains a network `N` with objective `O` and optimiser `A` on one
/// round's data (the registry instantiates it for every architecture). With
/// `options.load`, the network starts as the loaded model ([`crate::p1::run`] then asks
/// for 0 epochs: it is evaluated as it is).
pub fn train<N, O, A>(
    data: (&PairSet, &PairSet),
    seed: u64,
    recipe: &Recipe,
    options: RoundOptions,
    rng: &mut Xoshiro256PlusPlus,
) -> RoundResult
where
    N: Module<Input: PairBatch>,
    O: Objective<N, BATCH> + FromRecipe,
    A: AdamOptimizer,
{
    let mut net: Box<N> = boxed_zeroed();
    net.init(Init::PyTorchDefault, rng);
    if let Some(model) = options.load {
        models::decode(&mut *net, model.format, model.bytes)
            .expect("the model was checked against the architecture before the run");
    }
    let mut objective: Box<O> = boxed_zeroed();
    objective.configure(recipe);
    let mut optimizer: Box<A> = boxed_zeroed();
    optimizer.reset(AdamConfig {
        weight_decay: recipe.weight_decay,
        ..AdamConfig::with_lr(recipe.lr)
    });
    fit(
        &mut *net,
        &mut *objective,
        &mut *optimizer,
        data,
        (recipe, options),
        rng,
        seed,
    )
}

//! Project 2 on the host: the disk task, with the data, network, recipe and training epoch
//! of the `projects` crate (the firmware trains with the same code).

use crate::machine::Machine;
use crate::parallel::map_rounds;
use crate::progress::Progress;
use crate::results::{diverged_at, ArchResult, ProjectResults, RoundOptions, RoundResult};
use minidl::boxed_zeroed;
use minidl::rand_core::SeedableRng;
use minidl::rand_xoshiro::Xoshiro256PlusPlus;
use projects::p2::{
    classify, label, sample_point, PointStandardise, Recipe, Trainer, ARCH, BATCH, PARAMS, POINTS,
};
use std::time::Instant;

/// What the core needs to train the network (SGD with momentum) at the batch size.
pub fn memory() -> crate::memory::ModelMemory {
    crate::memory::ModelMemory::of::<projects::p2::Net<BATCH>, projects::p2::NetSgd>()
}

/// Floating-point operations of the training of one round (two per multiply-add).
pub fn flops_per_round(recipe: &Recipe) -> f64 {
    let batches = (POINTS / BATCH) as f64;
    2.0 * minidl::training_macs::<projects::p2::Net<BATCH>>() as f64
        * batches
        * recipe.epochs as f64
}

/// `n` points uniform in `[0,1]^2` with their labels.
pub fn generate_disk_set(n: usize, rng: &mut Xoshiro256PlusPlus) -> (Vec<[f32; 2]>, Vec<usize>) {
    let points: Vec<[f32; 2]> = (0..n).map(|_| sample_point(rng)).collect();
    let labels = points.iter().map(|&p| label(p)).collect();
    (points, labels)
}

/// The predicted class of every point.
fn predict(trainer: &mut Trainer<BATCH>, points: &[[f32; 2]]) -> Vec<usize> {
    let mut predicted = vec![0; points.len()];
    classify(
        &mut trainer.net,
        points.len(),
        |k| points[k],
        |k, c| predicted[k] = c,
    );
    predicted
}

/// Fraction of `predicted` that differ from `labels`.
fn error_rate(predicted: &[usize], labels: &[usize]) -> f64 {
    let wrong = predicted.iter().zip(labels).filter(|(p, l)| p != l).count();
    wrong as f64 / labels.len() as f64
}

/// One round: fresh data and initialisation from `seed`, training, evaluation.
pub fn run_round(seed: u64, recipe: &Recipe, options: RoundOptions) -> RoundResult {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (train_raw, train_labels) = generate_disk_set(POINTS, &mut rng);
    let (test_raw, test_labels) = generate_disk_set(POINTS, &mut rng);
    let norm = PointStandardise::fit(&train_raw);
    let train: Vec<[f32; 2]> = train_raw.iter().map(|&p| norm.apply(p)).collect();
    let test: Vec<[f32; 2]> = test_raw.iter().map(|&p| norm.apply(p)).collect();

    let mut trainer: Box<Trainer<BATCH>> = boxed_zeroed();
    trainer.start(recipe, &mut rng);
    let mut order: Vec<usize> = (0..POINTS).collect();
    let mut epoch_losses = Vec::with_capacity(recipe.epochs);
    let start = Instant::now();
    for epoch in 0..recipe.epochs {
        let loss = trainer.epoch(epoch, recipe, (&train, &train_labels), &mut order, &mut rng);
        epoch_losses.push(loss);
        if !loss.is_finite() {
            break;
        }
    }
    let train_seconds = start.elapsed().as_secs_f64();
    let diverged_at = diverged_at(&epoch_losses);

    let evaluate = options.evaluate && diverged_at.is_none();
    let (train_predicted, test_predicted) = if evaluate {
        (predict(&mut trainer, &train), predict(&mut trainer, &test))
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
        model: options
            .save
            .map(|format| crate::models::encode(&mut trainer.net, format)),
        ..Default::default()
    }
}

/// Every round, on `threads` threads.
pub fn run(
    recipe: &Recipe,
    seeds: &[u64],
    (threads, machine): (usize, &Machine),
    options: RoundOptions,
    progress: &Progress,
) -> ProjectResults {
    let rounds = map_rounds(
        seeds,
        threads,
        |seed| run_round(seed, recipe, options),
        |round| progress.round_done(ARCH, round),
    );
    ProjectResults {
        machine: machine.clone(),
        results: vec![ArchResult::new(
            ARCH,
            PARAMS,
            recipe.epochs,
            memory(),
            flops_per_round(recipe),
            rounds,
        )],
    }
}

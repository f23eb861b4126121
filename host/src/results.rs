//! What a run measures, in the shape of the `--json` file.

use crate::models::ModelFormat;
use crate::stats::{mean, sample_std};
use serde::Serialize;

/// What a round records besides its errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoundOptions {
    /// Measure train and test error after training (benchmarks turn it off; the errors are
    /// then NaN).
    pub evaluate: bool,
    /// Keep the trained model, in this format, in the round's result.
    pub save: Option<ModelFormat>,
    /// Evaluate this model instead of training one (Project 1's `--load`).
    pub load: Option<LoadedModel>,
}

/// A model file read once for the whole run (its bytes live as long as the program).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadedModel {
    /// How the bytes are to be read.
    pub format: ModelFormat,
    /// The file's bytes, already checked against the architecture.
    pub bytes: &'static [u8],
}

impl Default for RoundOptions {
    fn default() -> Self {
        Self {
            evaluate: true,
            save: None,
            load: None,
        }
    }
}

/// One round: new data, new initialisation, one training run.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct RoundResult {
    /// Seed of this round's generator (`--seed` + round index).
    pub seed: u64,
    /// Fraction of training examples misclassified after training.
    pub train_error: f64,
    /// Fraction of test examples misclassified after training.
    pub test_error: f64,
    /// Wall time of the training loop alone (no data generation or evaluation).
    pub train_seconds: f64,
    /// The epoch (counted from 1) whose loss was not finite, if training diverged: the
    /// round then stops, its errors are not measured (`null` in JSON) and it is left out of
    /// the statistics.
    #[serde(rename = "diverged_at_epoch", skip_serializing_if = "Option::is_none")]
    pub diverged_at: Option<usize>,
    /// Mean training loss of each epoch (not written to JSON).
    #[serde(skip)]
    pub epoch_losses: Vec<f32>,
    /// Per epoch, the fraction of training examples the network got wrong while training
    /// on them (Project 1; not written to JSON).
    #[serde(skip)]
    pub epoch_train_error: Vec<f32>,
    /// Per epoch, the error on the first test examples (Project 1: 100 pairs), recorded for
    /// learning curves and never used for a decision (not written to JSON).
    #[serde(skip)]
    pub epoch_test_error: Vec<f32>,
    /// Per epoch, the L2 norm of each parameter tensor's gradient (in the order of the
    /// architecture's `grad_norm_names`) averaged over the epoch's batches (Project 1).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub grad_norms: Vec<Vec<f32>>,
    /// Project 2: the test points of the round with their predicted class (not written to
    /// JSON; for the plot of the disk).
    #[serde(skip)]
    pub test_predictions: Vec<([f32; 2], usize)>,
    /// The trained model in the format asked for, when it was asked for.
    #[serde(skip)]
    pub model: Option<Vec<u8>>,
}

/// A round whose training error ends above this did not fit its training set: it is
/// flagged (printed, counted in `unfit_rounds`, marked in the report) but, being a real
/// outcome of the recipe, it stays in the statistics.
pub const UNFIT_TRAIN_ERROR: f64 = 0.02;

impl RoundResult {
    /// Whether training ended above [`UNFIT_TRAIN_ERROR`] on the training set.
    pub fn unfit(&self) -> bool {
        self.diverged_at.is_none() && self.train_error > UNFIT_TRAIN_ERROR
    }
}

/// The epoch (from 1) of the first non-finite loss in `losses`, if any.
pub fn diverged_at(losses: &[f32]) -> Option<usize> {
    losses.iter().position(|l| !l.is_finite()).map(|e| e + 1)
}

/// All rounds of one architecture, with their summary statistics.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ArchResult {
    /// Architecture name, e.g. `mlp-2-25-25-25-2`.
    pub arch: String,
    /// Number of trainable parameters.
    pub params: usize,
    /// Epochs trained per round.
    pub epochs: usize,
    /// Mean train error over rounds.
    pub train_error_mean: f64,
    /// Sample standard deviation of the train error.
    pub train_error_std: f64,
    /// Mean test error over rounds.
    pub test_error_mean: f64,
    /// Sample standard deviation of the test error.
    pub test_error_std: f64,
    /// Mean training seconds per round.
    pub train_seconds_mean: f64,
    /// Sample standard deviation of the training seconds per round.
    pub train_seconds_std: f64,
    /// Rounds whose training diverged (their loss became NaN or infinite); the statistics
    /// above are over the other rounds.
    pub diverged_rounds: usize,
    /// Rounds that ended above [`UNFIT_TRAIN_ERROR`] training error (included in the
    /// statistics).
    pub unfit_rounds: usize,
    /// Floating-point operations of one round's training (two per multiply-add, counted
    /// from the layer shapes).
    pub flops_per_round: f64,
    /// Training speed: `flops_per_round / train_seconds_mean`, in GFLOP/s.
    pub gflops: f64,
    /// Bytes the core needs to train the model (parameters, gradients, optimiser state,
    /// activations at the batch size).
    pub memory: crate::memory::ModelMemory,
    /// The names of the parameter tensors (PyTorch's, as in the `.safetensors` files),
    /// in the order of every round's `grad_norms` (Project 1).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub grad_norm_names: Vec<String>,
    /// Every round, in seed order.
    pub rounds: Vec<RoundResult>,
}

impl ArchResult {
    /// Summarises `rounds` (given in seed order).
    pub fn new(
        arch: &str,
        params: usize,
        epochs: usize,
        memory: crate::memory::ModelMemory,
        flops_per_round: f64,
        rounds: Vec<RoundResult>,
    ) -> Self {
        // Diverged rounds have no errors: they are counted, not averaged.
        let column = |f: fn(&RoundResult) -> f64| {
            rounds
                .iter()
                .filter(|r| r.diverged_at.is_none())
                .map(f)
                .collect::<Vec<_>>()
        };
        let (train, test, secs) = (
            column(|r| r.train_error),
            column(|r| r.test_error),
            column(|r| r.train_seconds),
        );
        Self {
            arch: arch.to_string(),
            params,
            epochs,
            train_error_mean: mean(&train),
            train_error_std: sample_std(&train),
            test_error_mean: mean(&test),
            test_error_std: sample_std(&test),
            flops_per_round,
            // 0 when nothing was trained (a loaded model).
            gflops: if flops_per_round > 0.0 {
                flops_per_round / mean(&secs) / 1e9
            } else {
                0.0
            },
            train_seconds_mean: mean(&secs),
            train_seconds_std: sample_std(&secs),
            diverged_rounds: rounds.iter().filter(|r| r.diverged_at.is_some()).count(),
            unfit_rounds: rounds.iter().filter(|r| r.unfit()).count(),
            memory,
            grad_norm_names: Vec::new(),
            rounds,
        }
    }
}

/// The results of one project: one entry per architecture.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ProjectResults {
    /// Where it ran: the CPU, its vector instructions and one core's measured FMA peak
    /// (every round runs on one core, so an architecture's `gflops` compares with it).
    pub machine: crate::machine::Machine,
    /// One entry per architecture, in the order they were run.
    pub results: Vec<ArchResult>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfit_rounds_are_counted_and_stay_in_the_statistics() {
        let round = |seed, train_error, diverged_at| RoundResult {
            seed,
            train_error,
            test_error: 0.1 * seed as f64,
            train_seconds: 1.0,
            diverged_at,
            ..Default::default()
        };
        let memory = crate::memory::ModelMemory::of::<minidl::Linear<1, 1, 1>, ()>();
        let rounds = vec![
            round(1, 0.0, None),
            round(2, 0.03, None),              // did not fit
            round(3, UNFIT_TRAIN_ERROR, None), // at the threshold: fits
            round(4, f64::NAN, Some(2)),       // diverged: not "unfit"
        ];
        let result = ArchResult::new("x", 1, 1, memory, 1.0, rounds);
        assert_eq!((result.unfit_rounds, result.diverged_rounds), (1, 1));
        assert!(
            (result.test_error_mean - 0.2).abs() < 1e-12,
            "seeds 1-3 averaged"
        );
        let json = serde_json::to_value(&result).unwrap();
        assert_eq!(json["unfit_rounds"], 1);
    }
}

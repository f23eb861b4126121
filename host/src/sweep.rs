//! `host sweep`: one hyper-parameter of one architecture, tried at several values and
//! measured on validation pairs from the MNIST *training* split, never the test split.
//!
//! Two ways to validate:
//! - hold-out (the default): each round's 1,000 training pairs as usual, and 1,000
//!   validation pairs made of other images of the training split (the round's test pairs
//!   are drawn, so that the training pairs are those of the round, and never used);
//! - `--folds K`: K-fold cross-validation over the round's 1,000 training pairs: K
//!   trainings on K-1 folds, each measured on the fold left out.
//!
//! Every value sees the same rounds (seeds `--seed` to `--seed` + R - 1), so the values are
//! compared on the same data. The runs are spread over threads; the numbers do not depend
//! on how many. Written to the output directory: `sweep.json`, `sweep.csv`, `sweep.md` (the
//! table, with the command that regenerates it) and the plot `sweep_PARAM.svg` / `.png`.

use crate::data::mnist::Mnist;
use crate::data::pairs::{generate_pair_sets, pairs_from, pairs_with_holdout, PairSet};
use crate::output::{plots, write_atomically};
use crate::p1::{Arch, Recipe};
use crate::parallel::map_rounds;
use crate::progress::Progress;
use crate::results::{RoundOptions, RoundResult};
use crate::stats::{mean, sample_std};
use minidl::rand_core::SeedableRng;
use minidl::rand_xoshiro::Xoshiro256PlusPlus;
use projects::p1::PAIRS;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

/// The hyper-parameters a sweep can vary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    /// Adam's initial step size.
    Lr,
    /// The weight of the auxiliary digit loss.
    AuxWeight,
    /// The L2 penalty on every parameter.
    WeightDecay,
    /// Epochs of training.
    Epochs,
    /// A width of `siamese-aux`'s digit network (a name of [`Arch::WIDTH_PARAMS`]); each
    /// value is a compiled variant.
    Width(&'static str),
}

impl Param {
    /// Every parameter's command-line name.
    pub fn names() -> Vec<&'static str> {
        let mut names = vec!["lr", "aux-weight", "weight-decay", "epochs"];
        names.extend(Arch::WIDTH_PARAMS.map(|(name, _)| name));
        names
    }

    /// Parses a command-line name.
    pub fn from_name(name: &str) -> Option<Param> {
        match name {
            "lr" => Some(Param::Lr),
            "aux-weight" => Some(Param::AuxWeight),
            "weight-decay" => Some(Param::WeightDecay),
            "epochs" => Some(Param::Epochs),
            _ => Arch::WIDTH_PARAMS
                .into_iter()
                .find(|(p, _)| *p == name)
                .map(|(p, _)| Param::Width(p)),
        }
    }

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Param::Lr => "lr",
            Param::AuxWeight => "aux-weight",
            Param::WeightDecay => "weight-decay",
            Param::Epochs => "epochs",
            Param::Width(name) => name,
        }
    }

    /// Whether the plot's value axis is logarithmic (rates and weights spread over
    /// decades, when every value is positive).
    fn log_axis(self, values: &[f64]) -> bool {
        matches!(self, Param::Lr | Param::WeightDecay | Param::AuxWeight)
            && values.iter().all(|&v| v > 0.0)
    }
}

/// What to sweep and how.
#[derive(Clone, Debug)]
pub struct Sweep {
    /// The architecture (for a width, `siamese-aux`).
    pub arch: Arch,
    /// The parameter varied.
    pub param: Param,
    /// Its values, in the order given.
    pub values: Vec<f64>,
    /// `Some(K)`: K-fold cross-validation over the training pairs; `None`: hold-out pairs.
    pub folds: Option<usize>,
    /// Rounds (seeds `seed` ..).
    pub rounds: u64,
    /// The first seed.
    pub seed: u64,
    /// Epochs per training (the recipe's when `None`).
    pub epochs: Option<usize>,
    /// The base learning rate (the recipe's when `None`).
    pub lr: Option<f32>,
}

impl Sweep {
    /// Checks that every value means something for this parameter and architecture.
    pub fn check(&self) -> Result<(), String> {
        let name = self.param.name();
        if self.values.is_empty() {
            return Err("--values: give at least one value".into());
        }
        for &v in &self.values {
            let ok = match self.param {
                Param::Lr => v.is_finite() && v > 0.0,
                Param::AuxWeight | Param::WeightDecay => v.is_finite() && v >= 0.0,
                Param::Epochs => (1.0..=10_000.0).contains(&v) && v.fract() == 0.0,
                Param::Width(p) => {
                    if let Err(compiled) = Arch::with_width(p, v as usize) {
                        return Err(format!(
                            "--values {v}: no variant of siamese-aux with {p} = {v} is compiled (compiled: {})",
                            join(&compiled)
                        ));
                    }
                    v.fract() == 0.0
                }
            };
            if !ok {
                return Err(format!("--values {v}: not a valid {name}"));
            }
        }
        if self.param == Param::AuxWeight && !self.arch.uses_aux_weight() {
            return Err(format!(
                "--param aux-weight: {} has no auxiliary loss",
                self.arch.name()
            ));
        }
        if matches!(self.param, Param::Width(_)) && self.arch != Arch::SIAMESE_AUX {
            return Err(format!(
                "--param {name}: the width variants are compiled for siamese-aux only, not {}",
                self.arch.name()
            ));
        }
        if self.param == Param::Epochs && self.epochs.is_some() {
            return Err("--epochs cannot be given when sweeping epochs".into());
        }
        if self.param == Param::Lr && self.lr.is_some() {
            return Err("--lr cannot be given when sweeping lr".into());
        }
        if let Some(k) = self.folds {
            if !(2..=10).contains(&k) {
                return Err(format!("--folds {k}: must be from 2 to 10"));
            }
        }
        Ok(())
    }

    /// The architecture and recipe trained for `value`.
    fn setting(&self, value: f64) -> (Arch, Recipe) {
        let arch = match self.param {
            Param::Width(p) => Arch::with_width(p, value as usize).expect("checked"),
            _ => self.arch,
        };
        let mut recipe = arch.recipe(self.epochs);
        recipe.lr = self.lr.unwrap_or(recipe.lr);
        match self.param {
            Param::Lr => recipe.lr = value as f32,
            Param::AuxWeight => recipe.aux_weight = value as f32,
            Param::WeightDecay => recipe.weight_decay = value as f32,
            Param::Epochs => recipe.epochs = value as usize,
            Param::Width(_) => {}
        }
        (arch, recipe)
    }

    /// One training of `value` in round `seed` (fold `fold` of K-fold), measured on its
    /// validation pairs (reported as the round's `test_error`).
    fn run_one(&self, mnist: &Mnist, value: f64, seed: u64, fold: usize) -> RoundResult {
        let (arch, recipe) = self.setting(value);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let options = RoundOptions::default();
        match self.folds {
            None => {
                let (train, validation) = pairs_with_holdout(&mnist.train, PAIRS, PAIRS, &mut rng);
                let _test_is_drawn_but_never_used = pairs_from(&mnist.test, PAIRS, &mut rng);
                arch.train((&train, &validation), seed, &recipe, options, &mut rng)
            }
            Some(k) => {
                let (pairs, _test_is_never_used) = generate_pair_sets(mnist, PAIRS, &mut rng);
                let (train, validation) = split_fold(&pairs, fold, k);
                arch.train((&train, &validation), seed, &recipe, options, &mut rng)
            }
        }
    }

    /// Every run, on `threads` threads, reporting each to `progress`.
    pub fn run(&self, mnist: &Mnist, threads: usize, progress: &Progress) -> SweepResult {
        let folds = self.folds.unwrap_or(1);
        let jobs: Vec<(usize, u64, usize)> = (0..self.values.len())
            .flat_map(|v| (0..self.rounds).flat_map(move |r| (0..folds).map(move |f| (v, r, f))))
            .collect();
        let indices: Vec<u64> = (0..jobs.len() as u64).collect();
        let label = |v: usize| format!("{} = {}", self.param.name(), self.values[v]);
        let runs = map_rounds(
            &indices,
            threads,
            |i| {
                let (v, r, f) = jobs[i as usize];
                let seed = self.seed.wrapping_add(r);
                (i, self.run_one(mnist, self.values[v], seed, f))
            },
            |(i, run)| {
                progress.done_measuring(&label(jobs[*i as usize].0), run, "validation error")
            },
        );
        let points = self
            .values
            .iter()
            .enumerate()
            .map(|(v, &value)| {
                let runs: Vec<Run> = runs
                    .iter()
                    .filter(|(i, _)| jobs[*i as usize].0 == v)
                    .map(|(i, r)| Run {
                        seed: r.seed,
                        fold: self.folds.map(|_| jobs[*i as usize].2),
                        train_error: r.train_error,
                        validation_error: r.test_error,
                        train_seconds: r.train_seconds,
                        diverged_at_epoch: r.diverged_at,
                    })
                    .collect();
                Point::new(value, runs)
            })
            .collect::<Vec<_>>();
        let best = points
            .iter()
            .filter(|p| p.validation_error_mean.is_finite())
            .min_by(|a, b| a.validation_error_mean.total_cmp(&b.validation_error_mean))
            .map(|p| p.value);
        SweepResult {
            arch: self.arch.name().to_string(),
            param: self.param.name().to_string(),
            validation: match self.folds {
                None => "hold-out: 1,000 pairs of other images of the MNIST training split".into(),
                Some(k) => format!("{k}-fold cross-validation over the 1,000 training pairs"),
            },
            folds: self.folds,
            rounds: self.rounds,
            first_seed: self.seed,
            epochs: self.setting(self.values[0]).1.epochs,
            best_value: best,
            points,
        }
    }
}

/// Fold `fold` of `k` of `pairs` as the validation set, the other folds as training set.
pub fn split_fold(pairs: &PairSet, fold: usize, k: usize) -> (PairSet, PairSet) {
    let (start, end) = (fold * pairs.len() / k, (fold + 1) * pairs.len() / k);
    let mut train = PairSet::default();
    let mut validation = PairSet::default();
    for i in 0..pairs.len() {
        let set = if (start..end).contains(&i) {
            &mut validation
        } else {
            &mut train
        };
        set.input.push(pairs.input[i]);
        set.target.push(pairs.target[i]);
        set.classes.push(pairs.classes[i]);
    }
    (train, validation)
}

/// One training of a sweep.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Run {
    /// The round's seed.
    pub seed: u64,
    /// The fold left out (K-fold only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fold: Option<usize>,
    /// Error on its training pairs after training.
    pub train_error: f64,
    /// Error on its validation pairs.
    pub validation_error: f64,
    /// Seconds of training.
    pub train_seconds: f64,
    /// The epoch whose loss was not finite, if training diverged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diverged_at_epoch: Option<usize>,
}

/// One value of a sweep: its runs and their statistics.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Point {
    /// The parameter's value.
    pub value: f64,
    /// Mean training error over the runs that did not diverge.
    pub train_error_mean: f64,
    /// Its sample standard deviation.
    pub train_error_std: f64,
    /// Mean validation error over the runs that did not diverge.
    pub validation_error_mean: f64,
    /// Its sample standard deviation.
    pub validation_error_std: f64,
    /// Runs that diverged (left out of the statistics).
    pub diverged_runs: usize,
    /// Every run.
    pub runs: Vec<Run>,
}

impl Point {
    fn new(value: f64, runs: Vec<Run>) -> Self {
        let column = |f: fn(&Run) -> f64| -> Vec<f64> {
            runs.iter()
                .filter(|r| r.diverged_at_epoch.is_none())
                .map(f)
                .collect()
        };
        let (train, validation) = (column(|r| r.train_error), column(|r| r.validation_error));
        Self {
            value,
            train_error_mean: mean(&train),
            train_error_std: sample_std(&train),
            validation_error_mean: mean(&validation),
            validation_error_std: sample_std(&validation),
            diverged_runs: runs.len() - train.len(),
            runs,
        }
    }
}

/// A whole sweep, as `sweep.json` holds it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SweepResult {
    /// The architecture.
    pub arch: String,
    /// The parameter varied.
    pub param: String,
    /// How the validation error was measured.
    pub validation: String,
    /// K of K-fold, or absent for hold-out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folds: Option<usize>,
    /// Rounds per value.
    pub rounds: u64,
    /// The first round's seed.
    pub first_seed: u64,
    /// Epochs per training (for an epochs sweep: of the first value).
    pub epochs: usize,
    /// The value with the lowest mean validation error.
    pub best_value: Option<f64>,
    /// One entry per value, in the order given.
    pub points: Vec<Point>,
}

impl SweepResult {
    /// One row per run.
    pub fn csv(&self) -> String {
        let mut out = String::from("arch,param,value,seed,fold,train_error,validation_error,train_seconds,diverged_at_epoch\n");
        for p in &self.points {
            for r in &p.runs {
                let fold = r.fold.map(|f| f.to_string()).unwrap_or_default();
                let diverged = r
                    .diverged_at_epoch
                    .map(|e| e.to_string())
                    .unwrap_or_default();
                let number = |x: f64| {
                    if x.is_finite() {
                        x.to_string()
                    } else {
                        String::new()
                    }
                };
                let _ = writeln!(
                    out,
                    "{},{},{},{},{fold},{},{},{},{diverged}",
                    self.arch,
                    self.param,
                    p.value,
                    r.seed,
                    number(r.train_error),
                    number(r.validation_error),
                    r.train_seconds
                );
            }
        }
        out
    }

    /// The table in Markdown, with `command`, the line that regenerates it.
    pub fn markdown(&self, command: &str) -> String {
        let mut out = format!(
            "# `{arch}`: {param}\n\nValidation error of `{arch}` for each value of `{param}`, the rest of its recipe as in \
             `host/src/p1/registry.rs`; {rounds} rounds (seeds {first}-{last}), {epochs} epochs; validation: {how} \
             (the test split is never used). Mean ± sample standard deviation over the {runs}.\n\n\
             Regenerate: `{command}`\n\n![validation error against {param}](sweep_{param}.png)\n\n\
             | {param} | train error (%) | validation error (%) |\n|---:|---:|---:|\n",
            arch = self.arch,
            param = self.param,
            rounds = self.rounds,
            first = self.first_seed,
            last = self.first_seed + self.rounds - 1,
            epochs = self.epochs,
            how = self.validation,
            runs = if self.folds.is_some() { "rounds and folds" } else { "rounds" },
        );
        for p in &self.points {
            let best = if Some(p.value) == self.best_value {
                " (lowest)"
            } else {
                ""
            };
            let diverged = if p.diverged_runs > 0 {
                format!(" ({} diverged)", p.diverged_runs)
            } else {
                String::new()
            };
            // In percent before averaging, as the tables of docs/tuning always were (a
            // mean of 4.225% prints the same either way only by luck).
            let percent = |f: fn(&Run) -> f64| -> Vec<f64> {
                p.runs
                    .iter()
                    .filter(|r| r.diverged_at_epoch.is_none())
                    .map(|r| 100.0 * f(r))
                    .collect()
            };
            let (train, validation) = (percent(|r| r.train_error), percent(|r| r.validation_error));
            let _ = writeln!(
                out,
                "| {}{best} | {:.2} ± {:.2} | {:.2} ± {:.2}{diverged} |",
                p.value,
                mean(&train),
                sample_std(&train),
                mean(&validation),
                sample_std(&validation),
            );
        }
        out
    }

    /// Writes `sweep.json`, `sweep.csv`, `sweep.md` and the plot into `dir`; returns the
    /// files written.
    pub fn write(&self, dir: &Path, param: Param, command: &str) -> Result<Vec<String>, String> {
        let fail = |what: &str, e: &dyn std::fmt::Display| {
            format!("--out {}: cannot write {what}: {e}", dir.display())
        };
        let json = serde_json::to_string_pretty(self).map_err(|e| fail("sweep.json", &e))? + "\n";
        let files = [
            ("sweep.json", json),
            ("sweep.csv", self.csv()),
            ("sweep.md", self.markdown(command)),
        ];
        let mut written = Vec::new();
        for (name, text) in files {
            write_atomically(&dir.join(name), text.as_bytes()).map_err(|e| fail(name, &e))?;
            written.push(name.to_string());
        }
        let values: Vec<f64> = self.points.iter().map(|p| p.value).collect();
        let name = format!("sweep_{}", self.param);
        plots::draw_sweep(dir, &name, self, param.log_axis(&values))
            .map_err(|e| fail(&name, &e))?;
        written.extend([format!("{name}.svg"), format!("{name}.png")]);
        Ok(written)
    }
}

fn join(values: &[usize]) -> String {
    values
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_partition_the_pairs() {
        let mut pairs = PairSet::default();
        for i in 0..10 {
            pairs.input.push([[[i as f32; 14]; 14]; 2]);
            pairs.target.push(i % 2);
            pairs.classes.push([i, i]);
        }
        let mut seen = vec![0; 10];
        for fold in 0..3 {
            let (train, validation) = split_fold(&pairs, fold, 3);
            assert_eq!(train.len() + validation.len(), 10);
            assert!((3..=4).contains(&validation.len()));
            for c in &validation.classes {
                seen[c[0]] += 1;
                assert!(!train.classes.contains(c), "a pair in both sets");
            }
        }
        assert_eq!(seen, vec![1; 10], "every pair validates exactly once");
    }

    #[test]
    fn width_values_map_to_compiled_variants() {
        assert_eq!(
            Arch::with_width("conv1-channels", 32),
            Ok(Arch::SIAMESE_AUX)
        );
        let wide = Arch::with_width("conv2-channels", 128).unwrap();
        assert_eq!(
            wide.params(),
            Arch::SIAMESE_AUX.params() + 9 * 32 * 64 + 64 + 256 * 200,
            "conv2 and the first linear layer grow"
        );
        assert_eq!(
            Arch::with_width("hidden-units", 7),
            Err(vec![100, 200, 400])
        );
        let sweep = Sweep {
            arch: Arch::CONVNET,
            param: Param::Width("hidden-units"),
            values: vec![100.0],
            folds: None,
            rounds: 1,
            seed: 0,
            epochs: None,
            lr: None,
        };
        assert!(sweep.check().unwrap_err().contains("siamese-aux only"));
        let aux = Sweep {
            param: Param::AuxWeight,
            values: vec![1.0],
            ..sweep.clone()
        };
        assert!(aux.check().unwrap_err().contains("no auxiliary loss"));
    }
}

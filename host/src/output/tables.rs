//! The tables printed at the end of a run.

use crate::memory;
use crate::results::{ArchResult, ProjectResults, RoundResult};
use projects::p1::PAIRS;
use projects::p2;
use std::fmt::Write as _;

/// What is printed for Project 1: a header, the summary and the memory tables.
pub fn project1(results: &ProjectResults, threads: usize) -> String {
    let rounds = results.results.first().map_or(0, |r| r.rounds.len());
    format!(
        "Project 1: {PAIRS} training / {PAIRS} test pairs of 14x14 MNIST digits; target = first digit <= second; {rounds} rounds on {threads} threads\n\n{}\n{}\n",
        summary_table(results),
        memory_table(&results.results)
    )
}

/// What is printed for Project 2: a header, the loss log of the first round (of every round
/// when `verbose`), the rounds, the summary and the memory tables.
pub fn project2(results: &ProjectResults, threads: usize, verbose: bool) -> String {
    let mut text = String::new();
    for result in &results.results {
        let _ = writeln!(
            text,
            "Project 2: {} ({} parameters), {} train / {} test points, {} epochs, batch {}, {} rounds on {threads} threads",
            result.arch,
            result.params,
            p2::POINTS,
            p2::POINTS,
            result.epochs,
            p2::BATCH,
            result.rounds.len(),
        );
        for (i, round) in result.rounds.iter().enumerate() {
            if i == 0 || verbose {
                text.push_str(&loss_log(round));
            }
        }
        let one = std::slice::from_ref(result);
        let _ = write!(
            text,
            "{}\n{}\n{}\n",
            rounds_table(result),
            summary_table(&ProjectResults {
                machine: results.machine.clone(),
                results: one.to_vec(),
            }),
            memory_table(one)
        );
    }
    text
}

/// The per-epoch loss of one round, ten epochs to a line.
pub fn loss_log(round: &RoundResult) -> String {
    let mut out = format!("Training loss per epoch, round with seed {}:\n", round.seed);
    for (line, chunk) in round.epoch_losses.chunks(10).enumerate() {
        let first = line * 10 + 1;
        let _ = write!(out, "  epochs {:>4}-{:<4}", first, first + chunk.len() - 1);
        for loss in chunk {
            let _ = write!(out, " {loss:.5}");
        }
        out.push('\n');
    }
    out
}

/// Width of the first column of the tables: the longest architecture name, at least 12.
fn name_width(results: &[ArchResult]) -> usize {
    results
        .iter()
        .map(|r| r.arch.len())
        .max()
        .unwrap_or(0)
        .max(12)
}

/// What the core needs to train each model, from the types (nothing is allocated while
/// training).
pub fn memory_table(results: &[ArchResult]) -> String {
    let width = name_width(results);
    let mut out = format!(
        "  {:<width$}  {:>11}  {:>11}  {:>11}  {:>11}  {:>11}\n",
        "memory", "parameters", "gradients", "optimiser", "activations", "total"
    );
    for r in results {
        let m = &r.memory;
        let _ = writeln!(
            out,
            "  {:<width$}  {:>11}  {:>11}  {:>11}  {:>11}  {:>11}",
            r.arch,
            memory::human(m.parameters),
            memory::human(m.gradients),
            memory::human(m.optimizer),
            memory::human(m.activations),
            memory::human(m.total)
        );
    }
    let _ = writeln!(
        out,
        "  (activations: everything the layers keep at the batch size)"
    );
    out
}

/// One line per round: seed, errors, training time.
pub fn rounds_table(result: &ArchResult) -> String {
    let mut out = format!(
        "{}: per round\n  {:>6}  {:>11}  {:>10}  {:>9}\n",
        result.arch, "seed", "train error", "test error", "train s"
    );
    for r in &result.rounds {
        if let Some(epoch) = r.diverged_at {
            let _ = writeln!(
                out,
                "  {:>6}  diverged at epoch {epoch} (loss not finite)",
                r.seed
            );
            continue;
        }
        let _ = writeln!(
            out,
            "  {:>6}  {:>10.2}%  {:>9.2}%  {:>9.3}",
            r.seed,
            100.0 * r.train_error,
            100.0 * r.test_error,
            r.train_seconds
        );
    }
    out
}

/// Mean ± sample standard deviation per architecture, and the training speed as GFLOP/s
/// and as a fraction of one core's FMA peak.
pub fn summary_table(project: &ProjectResults) -> String {
    let results = &project.results[..];
    let peak = project.machine.fma_peak_gflops;
    let width = name_width(results);
    let mut out = format!(
        "  {:<width$}  {:>8}  {:>17}  {:>17}  {:>15}  {:>8}  {:>6}\n",
        "architecture",
        "params",
        "train error %",
        "test error %",
        "train s/round",
        "GFLOP/s",
        "% peak"
    );
    for r in results {
        if !r.test_error_mean.is_finite() {
            let _ = writeln!(
                out,
                "  {:<width$}  {:>8}  every round diverged: no error to report",
                r.arch, r.params
            );
            continue;
        }
        // A standard deviation needs two rounds: with one, the values stand alone.
        let spread = |x: f64, digits: usize, width: usize| {
            if r.rounds.len() - r.diverged_rounds > 1 {
                format!("± {x:<width$.digits$}")
            } else {
                " ".repeat(width + 2)
            }
        };
        let _ = writeln!(
            out,
            "  {:<width$}  {:>8}  {:>7.2} {}  {:>7.2} {}  {:>6.3} {}  {:>8.1}  {:>6.0}",
            r.arch,
            r.params,
            100.0 * r.train_error_mean,
            spread(100.0 * r.train_error_std, 2, 7),
            100.0 * r.test_error_mean,
            spread(100.0 * r.test_error_std, 2, 7),
            r.train_seconds_mean,
            spread(r.train_seconds_std, 3, 6),
            r.gflops,
            100.0 * r.gflops / peak
        );
    }
    let _ = writeln!(
        out,
        "  (mean ± sample standard deviation over {} round(s); GFLOP/s: the training's multiply-adds x 2,\n   counted from the layer shapes, per second of training, each round on one core; % peak: of\n   that core's FMA peak, measured: {:.1} GFLOP/s on {}, {})",
        results.first().map_or(0, |r| r.rounds.len()),
        peak,
        project.machine.cpu,
        project.machine.vector_isa,
    );
    for r in results.iter().filter(|r| r.unfit_rounds > 0) {
        let seeds: Vec<String> = r
            .rounds
            .iter()
            .filter(|round| round.unfit())
            .map(|round| round.seed.to_string())
            .collect();
        let _ = writeln!(
            out,
            "  {}: {} of {} rounds did not fit their training set (train error above {}%; seeds {}); they stay in the statistics",
            r.arch,
            r.unfit_rounds,
            r.rounds.len(),
            100.0 * crate::results::UNFIT_TRAIN_ERROR,
            seeds.join(", ")
        );
    }
    for r in results.iter().filter(|r| r.diverged_rounds > 0) {
        let _ = writeln!(
            out,
            "  {}: {} of {} rounds diverged (loss not finite) and are left out of the statistics",
            r.arch,
            r.diverged_rounds,
            r.rounds.len()
        );
    }
    out
}

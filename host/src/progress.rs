//! Progress while training: a bar with elapsed time and ETA on a terminal, one plain line
//! per finished round otherwise (CI logs, pipes: no control characters), or nothing.

use crate::results::RoundResult;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// How progress is shown.
pub enum Progress {
    /// An indicatif bar on standard error.
    Bar(ProgressBar),
    /// One line per round on standard output.
    Lines,
    /// Nothing (`--quiet`).
    Quiet,
}

impl Progress {
    /// A bar when standard output is a terminal, lines otherwise, nothing when `quiet`;
    /// `total` rounds will be reported.
    pub fn new(total: u64, quiet: bool) -> Self {
        if quiet {
            Progress::Quiet
        } else if std::io::stdout().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{bar:40} {pos}/{len} rounds  {elapsed} elapsed, ETA {eta}  {msg}",
            )
            .expect("valid template");
            bar.set_style(style);
            Progress::Bar(bar)
        } else {
            Progress::Lines
        }
    }

    /// Called (from any worker thread) when a round of `arch` finished.
    pub fn round_done(&self, arch: &str, round: &RoundResult) {
        self.done_measuring(arch, round, "test error");
    }

    /// As [`round_done`](Self::round_done), for a round whose `test_error` measures
    /// something else (`what`, e.g. a sweep's validation error).
    pub fn done_measuring(&self, arch: &str, round: &RoundResult, what: &str) {
        match self {
            Progress::Bar(bar) => {
                bar.set_message(format!("{arch}, seed {}", round.seed));
                bar.inc(1);
            }
            Progress::Lines => {
                let outcome = match round.diverged_at {
                    Some(epoch) => format!("diverged at epoch {epoch}"),
                    None if round.unfit() => format!(
                        "{what} {:.2}%, DID NOT FIT its training set (train error {:.2}%)",
                        100.0 * round.test_error,
                        100.0 * round.train_error
                    ),
                    None => format!("{what} {:.2}%", 100.0 * round.test_error),
                };
                crate::cli::say(format!(
                    "  done: {arch} seed {}: {outcome}, {:.2} s",
                    round.seed, round.train_seconds
                ));
            }
            Progress::Quiet => {}
        }
    }

    /// Removes the bar before the tables are printed.
    pub fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

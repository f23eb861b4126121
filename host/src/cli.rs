//! The command line: which project to run, how many rounds, where results go.

use crate::p1::{self, Arch};
use crate::parallel::map_rounds;
use crate::progress::Progress;
use crate::results::{ArchResult, ProjectResults, RoundResult};
use crate::{memory, mnist, output, p2};
use clap::{Args, Parser, Subcommand};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit status for bad input (flags, files).
pub const EXIT_BAD_INPUT: u8 = 2;

/// Reproduces the two EPFL EE-559 mini-projects on the minidl core: Project 1 (comparing
/// two MNIST digits) and Project 2 (the mini framework on the disk task).
#[derive(Parser, Debug)]
#[command(name = "host", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    project: Option<Project>,
    #[command(flatten)]
    common: Common,
}

/// Flags shared by every project.
#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Rounds per architecture; each round draws new data and a new initialisation.
    #[arg(long, global = true, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub rounds: u64,
    /// Base seed: round r uses seed S + r, so `--seed 3 --rounds 1` repeats round 3 of
    /// `--seed 0`.
    #[arg(long, global = true, default_value_t = 0)]
    pub seed: u64,
    /// Worker threads for the rounds (default: all cores). Results do not depend on it.
    #[arg(long, global = true, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// Also write every number as JSON to FILE.
    #[arg(long, global = true, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Log the loss of every round, not only the first.
    #[arg(long, global = true)]
    pub verbose: bool,
    /// Override every architecture's learning rate (a positive, finite number).
    #[arg(long, global = true, value_name = "LR", value_parser = parse_learning_rate)]
    pub lr: Option<f32>,
    /// Directory for results.json, results.csv, the plots and REPORT.md (created if
    /// needed; existing files are replaced whole).
    #[arg(long, global = true, value_name = "DIR", default_value = "results")]
    pub out: PathBuf,
    /// No progress output (the final tables are still printed).
    #[arg(long, global = true)]
    pub quiet: bool,
    /// Save the model trained in the first round (seed S) to FILE, in the core's model
    /// format (needs a single architecture: `p1 --arch NAME` or `p2`).
    #[arg(long, global = true, value_name = "FILE")]
    pub save: Option<PathBuf>,
}

#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
enum Project {
    /// Project 1: is the first of two MNIST digits <= the second? Compares architectures.
    P1(P1Args),
    /// Project 2: a 2-25-25-25-2 network learns a disk, trained with MSE and SGD.
    P2,
}

/// Flags of Project 1.
#[derive(Args, Debug, Clone, PartialEq, Eq, Default)]
struct P1Args {
    /// Architectures to train, comma-separated: mlp, convnet, siamese, aux, siamese-aux,
    /// best (default: all).
    #[arg(long, value_delimiter = ',', value_parser = parse_arch)]
    arch: Vec<Arch>,
    /// Epochs per round (default: 25).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    epochs: Option<u64>,
    /// Directory holding the four MNIST .gz files (default: ./data, else the repository's).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
}

fn parse_learning_rate(text: &str) -> Result<f32, String> {
    let lr: f32 = text
        .parse()
        .map_err(|_| format!("'{text}' is not a number"))?;
    if lr.is_finite() && lr > 0.0 {
        Ok(lr)
    } else {
        Err(format!("{text} is not a positive, finite learning rate"))
    }
}

fn parse_arch(name: &str) -> Result<Arch, String> {
    Arch::from_name(name).ok_or_else(|| {
        let known: Vec<&str> = Arch::ALL.iter().map(|a| a.name()).collect();
        format!(
            "unknown architecture '{name}' (known: {})",
            known.join(", ")
        )
    })
}

/// Parses `args` (program name first), runs, prints, and returns the exit status.
pub fn run(args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(EXIT_BAD_INPUT)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match execute(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

fn execute(cli: &Cli) -> Result<(), String> {
    let common = &cli.common;
    // Everything the user gave is checked before any training starts.
    if let Some(path) = &common.json {
        check_writable("--json", path)?;
    }
    check_out_dir(&common.out)?;
    if let Some(path) = &common.save {
        check_writable("--save", path)?;
        let single = match &cli.project {
            Some(Project::P1(args)) => args.arch.len() == 1,
            Some(Project::P2) => true,
            None => false,
        };
        if !single {
            return Err("--save needs a single architecture: `p1 --arch NAME` or `p2`".into());
        }
    }
    let p1_args = match &cli.project {
        None => Some(P1Args::default()),
        Some(Project::P1(args)) => Some(args.clone()),
        Some(Project::P2) => None,
    };
    let p1_data = match &p1_args {
        Some(args) => Some(load_p1_data(args)?),
        None => None,
    };
    let run_p2 = matches!(cli.project, None | Some(Project::P2));
    let threads = common.threads.map(|t| t as usize).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let seeds: Vec<u64> = (0..common.rounds)
        .map(|r| common.seed.wrapping_add(r))
        .collect();
    let archs = p1_args.as_ref().map(|args| {
        if args.arch.is_empty() {
            Arch::ALL.to_vec()
        } else {
            args.arch.clone()
        }
    });
    let total = seeds.len() * (archs.as_ref().map_or(0, Vec::len) + usize::from(run_p2));
    let progress = Progress::new(total as u64, common.quiet);
    let mut report = BTreeMap::new();
    let mut text = String::new();
    if let (Some(args), Some(data), Some(archs)) = (&p1_args, &p1_data, &archs) {
        let (results, printed) = run_project1(
            data,
            archs,
            args.epochs.map(|e| e as usize),
            &seeds,
            threads,
            common,
            &progress,
        );
        report.insert("p1", results);
        text.push_str(&printed);
    }
    if run_p2 {
        let (results, printed) = run_project2(&seeds, threads, common, &progress);
        report.insert("p2", results);
        text.push_str(&printed);
    }
    progress.finish();
    print!("{text}");
    if let Some(peak) = memory::peak_resident_bytes() {
        println!(
            "Peak memory of this run (resident set): {}",
            memory::human(peak as usize)
        );
    }
    let written = output::write_all(&common.out, &report)?;
    println!("Wrote {} to {}/", written.join(", "), common.out.display());
    if let Some(path) = &common.json {
        let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        write_atomically(path, (json + "\n").as_bytes())
            .map_err(|e| format!("--json {}: cannot write: {e}", path.display()))?;
    }
    if let Some(path) = &common.save {
        let model = report
            .values()
            .flat_map(|p| &p.results)
            .find_map(|r| r.rounds.first().and_then(|round| round.model.as_ref()))
            .ok_or("no model was trained")?;
        write_atomically(path, model)
            .map_err(|e| format!("--save {}: cannot write: {e}", path.display()))?;
        println!(
            "Saved the model of the round with seed {} to {}",
            common.seed,
            path.display()
        );
    }
    Ok(())
}

/// Loads MNIST for Project 1 and checks there are enough images for the pairs.
fn load_p1_data(args: &P1Args) -> Result<mnist::Mnist, String> {
    let dir = args.data.clone().unwrap_or_else(mnist::default_dir);
    let data = mnist::load(&dir).map_err(|e| e.to_string())?;
    for (split, name) in [
        (&data.train, mnist::TRAIN_IMAGES),
        (&data.test, mnist::TEST_IMAGES),
    ] {
        if split.len() < 2 * p1::PAIRS {
            return Err(format!(
                "{}: {} images, but {} pairs need {}",
                dir.join(name).display(),
                split.len(),
                p1::PAIRS,
                2 * p1::PAIRS
            ));
        }
    }
    Ok(data)
}

/// Creates the output directory (if needed) and checks that a file can be written in it.
fn check_out_dir(dir: &std::path::Path) -> Result<(), String> {
    if dir.exists() && !dir.is_dir() {
        return Err(format!(
            "--out {}: exists and is not a directory",
            dir.display()
        ));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("--out {}: cannot create: {e}", dir.display()))?;
    let probe = dir.join(format!(".write-test-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .map_err(|e| format!("--out {}: cannot write there: {e}", dir.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`: an
/// interrupted run never leaves a half-written file.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".partial");
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path)
}

/// Fails early, before any training, if `path` (given with `flag`) cannot be written.
fn check_writable(flag: &str, path: &std::path::Path) -> Result<(), String> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    if path.is_dir() {
        return Err(format!("{flag} {}: is a directory", path.display()));
    }
    if !parent.is_dir() {
        return Err(format!(
            "{flag} {}: directory {} does not exist",
            path.display(),
            parent.display()
        ));
    }
    Ok(())
}

fn run_project1(
    data: &mnist::Mnist,
    archs: &[Arch],
    epochs: Option<usize>,
    seeds: &[u64],
    threads: usize,
    common: &Common,
    progress: &Progress,
) -> (ProjectResults, String) {
    let mut text = format!(
        "Project 1: {} training / {} test pairs of 14x14 MNIST digits; target = first digit <= second; {} rounds on {} threads\n",
        p1::PAIRS,
        p1::PAIRS,
        seeds.len(),
        threads
    );
    let mut results = Vec::new();
    for &arch in archs {
        let mut recipe = arch.recipe(epochs);
        recipe.save = common.save.is_some();
        recipe.lr = common.lr.unwrap_or(recipe.lr);
        let rounds = map_rounds(
            seeds,
            threads,
            |seed| p1::run_round(arch, data, seed, &recipe),
            |round| progress.round_done(arch.name(), round),
        );
        results.push(ArchResult::new(
            arch.name(),
            arch.params(),
            recipe.epochs,
            arch.memory(),
            rounds,
        ));
    }
    let _ = write!(
        text,
        "\n{}\n{}\n",
        summary_table(&results),
        memory_table(&results)
    );
    (ProjectResults { results }, text)
}

fn run_project2(
    seeds: &[u64],
    threads: usize,
    common: &Common,
    progress: &Progress,
) -> (ProjectResults, String) {
    let defaults = p2::Settings::default();
    let settings = p2::Settings {
        save: common.save.is_some(),
        lr: common.lr.unwrap_or(defaults.lr),
        ..defaults
    };
    let mut text = format!(
        "Project 2: {} ({} parameters), {} train / {} test points, {} epochs, batch {}, {} rounds on {} threads\n",
        p2::ARCH,
        <p2::Net as minidl::Module>::PARAMS,
        p2::POINTS,
        p2::POINTS,
        settings.epochs,
        p2::BATCH,
        seeds.len(),
        threads
    );
    let rounds = map_rounds(
        seeds,
        threads,
        |seed| p2::run_round(seed, &settings),
        |round| progress.round_done(p2::ARCH, round),
    );
    for (i, round) in rounds.iter().enumerate() {
        if i == 0 || common.verbose {
            text.push_str(&loss_log(round));
        }
    }
    let result = ArchResult::new(
        p2::ARCH,
        <p2::Net as minidl::Module>::PARAMS,
        settings.epochs,
        p2::memory(),
        rounds,
    );
    let one = std::slice::from_ref(&result);
    let _ = write!(
        text,
        "{}\n{}\n{}\n",
        rounds_table(&result),
        summary_table(one),
        memory_table(one)
    );
    (
        ProjectResults {
            results: vec![result],
        },
        text,
    )
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

/// Mean ± sample standard deviation per architecture.
pub fn summary_table(results: &[ArchResult]) -> String {
    let width = name_width(results);
    let mut out = format!(
        "  {:<width$}  {:>8}  {:>17}  {:>17}  {:>15}\n",
        "architecture", "params", "train error %", "test error %", "train s/round"
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
        let _ = writeln!(
            out,
            "  {:<width$}  {:>8}  {:>7.2} ± {:<7.2}  {:>7.2} ± {:<7.2}  {:>6.3} ± {:<6.3}",
            r.arch,
            r.params,
            100.0 * r.train_error_mean,
            100.0 * r.train_error_std,
            100.0 * r.test_error_mean,
            100.0 * r.test_error_std,
            r.train_seconds_mean,
            r.train_seconds_std
        );
    }
    let _ = writeln!(
        out,
        "  (mean ± sample standard deviation over {} rounds)",
        results.first().map_or(0, |r| r.rounds.len())
    );
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

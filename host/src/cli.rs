//! The command line: parse the flags, check everything the user gave before any training,
//! run the projects, print the tables, write the files.

use crate::machine::Machine;
use crate::models::ModelFormat;
use crate::output::{self, tables, write_atomically};
use crate::p1::Arch;
use crate::progress::Progress;
use crate::results::{LoadedModel, RoundOptions};
use crate::sweep::{Param, Sweep};
use crate::{data, memory, p1, p2};
use clap::{Args, Parser, Subcommand};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
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
    /// Rounds per architecture; each round draws new data and a new initialisation
    /// (default: 10; for `sweep`, 4 per value).
    #[arg(long, global = true, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub rounds: Option<u64>,
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
    /// needed; existing files are replaced whole). Default: results/ (for `sweep`:
    /// results/sweep-ARCH-PARAM/).
    #[arg(long, global = true, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// No progress output (the final tables are still printed).
    #[arg(long, global = true)]
    pub quiet: bool,
    /// Save the model trained in the first round (seed S) to FILE: PyTorch's names and
    /// layouts if FILE ends in `.safetensors` (for `python/models.py`), else the core's
    /// model format for devices (needs a single architecture: `p1 --arch NAME` or `p2`).
    #[arg(long, global = true, value_name = "FILE")]
    pub save: Option<PathBuf>,
}

impl Common {
    /// `--threads`, or all cores.
    fn worker_threads(&self) -> usize {
        self.threads.map(|t| t as usize).unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
    }
}

#[derive(Subcommand, Debug, Clone, PartialEq)]
enum Project {
    /// Project 1: is the first of two MNIST digits <= the second? Compares architectures.
    P1(P1Args),
    /// Project 2: a 2-25-25-25-2 network learns a disk, trained with MSE and SGD.
    P2,
    /// One hyper-parameter of one Project 1 architecture at several values, measured on
    /// validation pairs from the MNIST training split (never the test split).
    Sweep(SweepArgs),
}

/// Flags of `sweep`.
#[derive(Args, Debug, Clone, PartialEq)]
struct SweepArgs {
    /// The architecture (for a width parameter: siamese-aux).
    #[arg(long, value_parser = parse_arch)]
    arch: Arch,
    /// The parameter: lr, aux-weight, weight-decay, epochs, conv1-channels,
    /// conv2-channels or hidden-units (the widths are compiled variants of siamese-aux).
    #[arg(long, value_parser = parse_param)]
    param: Param,
    /// The values tried, comma-separated.
    #[arg(long, value_delimiter = ',', required = true, value_parser = parse_value)]
    values: Vec<f64>,
    /// K-fold cross-validation over each round's training pairs (2 to 10); without it,
    /// 1,000 validation pairs of other training images per round.
    #[arg(long, value_name = "K")]
    folds: Option<usize>,
    /// Epochs per training (default: the architecture's).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    epochs: Option<u64>,
    /// Directory holding the four MNIST .gz files (default: ./data, else the repository's).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
}

fn parse_param(name: &str) -> Result<Param, String> {
    Param::from_name(name).ok_or_else(|| {
        format!(
            "unknown parameter '{name}' (known: {})",
            Param::names().join(", ")
        )
    })
}

fn parse_value(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("'{text}' is not a number"))
}

/// Flags of Project 1.
#[derive(Args, Debug, Clone, PartialEq, Eq, Default)]
struct P1Args {
    /// Architectures to train, comma-separated: mlp, convnet, twin, siamese, aux,
    /// siamese-aux, tiny, best (default: all).
    #[arg(long, value_delimiter = ',', value_parser = parse_arch)]
    arch: Vec<Arch>,
    /// Epochs per round (default: 25).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    epochs: Option<u64>,
    /// Directory holding the four MNIST .gz files (default: ./data, else the repository's).
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Evaluate this model on every round's pairs instead of training one (needs one
    /// `--arch`): a `.safetensors` file with PyTorch's names and layouts (e.g. trained with
    /// `python/models.py`), or a model file of the core. With `--save m.mdl`, converts it.
    #[arg(long, value_name = "FILE")]
    load: Option<PathBuf>,
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
    if let Some(Project::Sweep(args)) = &cli.project {
        return sweep(common, args);
    }
    let rounds = common.rounds.unwrap_or(10);
    let out = common
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results"));
    // Everything the user gave is checked before any training starts.
    if let Some(path) = &common.json {
        check_writable("--json", path)?;
    }
    check_out_dir(&out)?;
    if let Some(path) = &common.save {
        check_writable("--save", path)?;
        let single = match &cli.project {
            Some(Project::P1(args)) => args.arch.len() == 1,
            Some(Project::P2) => true,
            None | Some(Project::Sweep(_)) => false,
        };
        if !single {
            return Err("--save needs a single architecture: `p1 --arch NAME` or `p2`".into());
        }
    }
    let p1_args = match &cli.project {
        None => Some(P1Args::default()),
        Some(Project::P1(args)) => Some(args.clone()),
        Some(Project::P2 | Project::Sweep(_)) => None,
    };
    let mnist = match &p1_args {
        Some(args) => Some(data::load_for_pairs(args.data.as_deref())?),
        None => None,
    };
    let run_p2 = matches!(cli.project, None | Some(Project::P2));
    let threads = common.worker_threads();
    let seeds: Vec<u64> = (0..rounds).map(|r| common.seed.wrapping_add(r)).collect();
    let archs = p1_args.as_ref().map(|args| {
        if args.arch.is_empty() {
            Arch::DEFAULT.to_vec()
        } else {
            args.arch.clone()
        }
    });
    let load = match &p1_args {
        Some(P1Args {
            load: Some(path),
            arch,
            ..
        }) => Some(read_model(path, arch)?),
        _ => None,
    };
    let options = RoundOptions {
        save: common.save.as_deref().map(ModelFormat::of),
        load,
        ..RoundOptions::default()
    };

    // One core's FMA peak, measured before any training, so speeds read as fractions of it.
    let machine = Machine::measure();
    let total = seeds.len() * (archs.as_ref().map_or(0, Vec::len) + usize::from(run_p2));
    let progress = Progress::new(total as u64, common.quiet);
    let mut report = BTreeMap::new();
    let mut text = String::new();
    if let (Some(args), Some(mnist), Some(archs)) = (&p1_args, &mnist, &archs) {
        let epochs = args.epochs.map(|e| e as usize);
        let results = p1::run(
            mnist,
            archs,
            (epochs, common.lr),
            &seeds,
            (threads, &machine),
            options,
            &progress,
        );
        text.push_str(&tables::project1(&results, threads));
        report.insert("p1", results);
    }
    if run_p2 {
        let recipe = projects::p2::Recipe {
            lr: common.lr.unwrap_or(projects::p2::RECIPE.lr),
            ..projects::p2::RECIPE
        };
        let results = p2::run(&recipe, &seeds, (threads, &machine), options, &progress);
        text.push_str(&tables::project2(&results, threads, common.verbose));
        report.insert("p2", results);
    }
    progress.finish();

    say(&text);
    if let Some(peak) = memory::peak_resident_bytes() {
        say(format!(
            "Peak memory of this run (resident set): {}",
            memory::human(peak as usize)
        ));
    }
    let written = output::write_all(&out, &report)?;
    say(format!(
        "Wrote {} to {}/",
        written.join(", "),
        out.display()
    ));
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
        say(format!(
            "Saved the model of the round with seed {} to {}",
            common.seed,
            path.display()
        ));
    }
    Ok(())
}

/// `host sweep`: checks the flags, runs every value's rounds, writes the files.
fn sweep(common: &Common, args: &SweepArgs) -> Result<(), String> {
    for (given, flag) in [
        (common.save.is_some(), "--save"),
        (common.json.is_some(), "--json"),
    ] {
        if given {
            return Err(format!(
                "{flag} is not for sweep (it writes sweep.json and sweep.csv to --out)"
            ));
        }
    }
    let sweep = Sweep {
        arch: args.arch,
        param: args.param,
        values: args.values.clone(),
        folds: args.folds,
        rounds: common.rounds.unwrap_or(4),
        seed: common.seed,
        epochs: args.epochs.map(|e| e as usize),
        lr: common.lr,
    };
    sweep.check()?;
    let out = common.out.clone().unwrap_or_else(|| {
        Path::new("results").join(format!("sweep-{}-{}", args.arch.name(), args.param.name()))
    });
    check_out_dir(&out)?;
    let mnist = data::load_for_pairs(args.data.as_deref())?;
    let threads = common.worker_threads();
    let runs = sweep.values.len() as u64 * sweep.rounds * sweep.folds.unwrap_or(1) as u64;
    let progress = Progress::new(runs, common.quiet);
    let result = sweep.run(&mnist, threads, &progress);
    progress.finish();
    // The command that regenerates the sweep, for the table.
    let values: Vec<String> = sweep.values.iter().map(f64::to_string).collect();
    let mut command = format!(
        "cargo run -p host --release -- sweep --arch {} --param {} --values {} --rounds {}",
        args.arch.name(),
        args.param.name(),
        values.join(","),
        sweep.rounds
    );
    for (flag, value) in [
        ("--folds", sweep.folds.map(|k| k.to_string())),
        ("--epochs", args.epochs.map(|e| e.to_string())),
        ("--lr", sweep.lr.map(|l| l.to_string())),
        ("--seed", (sweep.seed != 0).then(|| sweep.seed.to_string())),
    ] {
        if let Some(value) = value {
            let _ = write!(command, " {flag} {value}");
        }
    }
    let markdown = result.markdown(&command);
    say(markdown.lines().skip(6).collect::<Vec<_>>().join("\n"));
    let written = result.write(&out, sweep.param, &command)?;
    say(format!(
        "Wrote {} to {}/",
        written.join(", "),
        out.display()
    ));
    Ok(())
}

/// Prints `text` on standard output, adding a line break if it has none. A closed output
/// (`host | head`) is not an error: the run goes on and still writes its files.
pub fn say(text: impl AsRef<str>) {
    use std::io::Write as _;
    let text = text.as_ref();
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    if !text.ends_with('\n') {
        let _ = out.write_all(b"\n");
    }
}

/// Reads `--load`'s file and checks it against the one architecture of `archs`. The bytes
/// are kept for the whole run (every round evaluates them).
fn read_model(path: &Path, archs: &[Arch]) -> Result<LoadedModel, String> {
    let [arch] = archs else {
        return Err("--load needs a single architecture: `p1 --arch NAME --load FILE`".into());
    };
    let bytes = std::fs::read(path).map_err(|e| format!("--load {}: {e}", path.display()))?;
    let model = LoadedModel {
        format: ModelFormat::of(path),
        bytes: Vec::leak(bytes),
    };
    arch.check_model(model).map_err(|e| {
        format!(
            "--load {}: not a {} model: {e}",
            path.display(),
            arch.name()
        )
    })?;
    Ok(model)
}

/// Creates the output directory (if needed) and checks that a file can be written in it.
fn check_out_dir(dir: &Path) -> Result<(), String> {
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

/// Fails early, before any training, if `path` (given with `flag`) cannot be written.
fn check_writable(flag: &str, path: &Path) -> Result<(), String> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
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

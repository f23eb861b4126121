//! What a run leaves behind: the result files (`results.json`, `results.csv`, the plots,
//! `REPORT.md`), the printed tables ([`tables`]), and saved models; every file written to a
//! temporary name and renamed.

pub mod plots;
pub mod report;
pub mod tables;

use crate::results::ProjectResults;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// One row per architecture and round, the same numbers as the JSON file.
pub fn csv(report: &BTreeMap<&str, ProjectResults>) -> String {
    let mut out = String::from(
        "project,arch,params,epochs,seed,train_error,test_error,train_seconds,diverged_at_epoch\n",
    );
    for (project, results) in report {
        for arch in &results.results {
            for r in &arch.rounds {
                let number = |x: f64| {
                    if x.is_finite() {
                        format!("{x}")
                    } else {
                        String::new()
                    }
                };
                let diverged = r.diverged_at.map(|e| e.to_string()).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "{project},{},{},{},{},{},{},{},{diverged}",
                    arch.arch,
                    arch.params,
                    arch.epochs,
                    r.seed,
                    number(r.train_error),
                    number(r.test_error),
                    r.train_seconds
                );
            }
        }
    }
    out
}

/// Writes every result file into `dir` (created if needed); returns the files written.
pub fn write_all(
    dir: &Path,
    report: &BTreeMap<&str, ProjectResults>,
) -> Result<Vec<String>, String> {
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        format!("--out {}: cannot write {what}: {e}", dir.display())
    };
    std::fs::create_dir_all(dir).map_err(|e| fail("the directory", &e))?;
    let mut written = Vec::new();
    let json = serde_json::to_string_pretty(report).map_err(|e| fail("results.json", &e))? + "\n";
    write_atomically(&dir.join("results.json"), json.as_bytes())
        .map_err(|e| fail("results.json", &e))?;
    written.push("results.json".to_string());
    write_atomically(&dir.join("results.csv"), csv(report).as_bytes())
        .map_err(|e| fail("results.csv", &e))?;
    written.push("results.csv".to_string());
    let plots = plots::draw_all(dir, report).map_err(|e| fail("the plots", &e))?;
    let report_text = report::markdown(report, &plots);
    write_atomically(&dir.join("REPORT.md"), report_text.as_bytes())
        .map_err(|e| fail("REPORT.md", &e))?;
    written.extend(
        plots
            .iter()
            .flat_map(|p| [format!("{p}.svg"), format!("{p}.png")]),
    );
    written.push("REPORT.md".to_string());
    Ok(written)
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`: an
/// interrupted run never leaves a half-written file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".partial");
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path)
}

//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A new empty directory under the system's temporary directory.
pub fn temp_dir(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("ee559-tests-{}-{name}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the command line in-process, as `host ARGS`. Unless the arguments say otherwise,
/// results go to a fresh temporary directory (tests run in parallel and must not share
/// `results/`) and progress is off.
pub fn run(args: &[&str]) -> ExitCode {
    let mut all: Vec<String> = std::iter::once("host")
        .chain(args.iter().copied())
        .map(String::from)
        .collect();
    if !args.contains(&"--out") {
        all.push("--out".into());
        all.push(temp_dir("out").to_string_lossy().into_owned());
    }
    all.push("--quiet".into());
    host::cli::run(all)
}

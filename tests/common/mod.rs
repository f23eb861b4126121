//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A new empty directory under the system's temporary directory, removed with everything
/// in it when dropped (when the test ends, passing or failing), so that test runs leave
/// nothing behind. It derefs to its path.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A fresh directory whose name holds `name`, the process id and a counter (tests run
    /// in parallel).
    pub fn new(name: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("ee559-tests-{}-{name}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the command line in-process, as `host ARGS`. Unless the arguments say otherwise,
/// results go to a fresh temporary directory (tests run in parallel and must not share
/// `results/`) and progress is off.
pub fn run(args: &[&str]) -> ExitCode {
    let mut all: Vec<String> = std::iter::once("host")
        .chain(args.iter().copied())
        .map(String::from)
        .collect();
    // Lives until the run returns; none when the arguments name their own.
    let out = (!args.contains(&"--out")).then(|| TempDir::new("out"));
    if let Some(out) = &out {
        all.push("--out".into());
        all.push(out.to_string_lossy().into_owned());
    }
    all.push("--quiet".into());
    host::cli::run(all)
}
